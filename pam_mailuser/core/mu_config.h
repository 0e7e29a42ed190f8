/* Options: one table serves /etc/mailuser.conf and module arguments. */
#ifndef MU_CONFIG_H
#define MU_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "mu_hash.h"
#include "mu_log.h"
#include "mu_username.h"

#define MU_CONF_DEFAULT "/etc/mailuser.conf"
#define MU_DB_DEFAULT "/var/lib/mailuser/mailuser.db"
#define MU_CONF_MAXSIZE (64 * 1024)
#define MU_DAYS_MAX 1000000	/* largest day count of an aging option */

struct mu_config {
	char conf[PATH_MAX];
	char db[PATH_MAX];
	char default_domain[MU_DOMAIN_MAX + 1];
	bool lowercase_local;
	bool utf8_local;		/* UTF-8 local parts (NFC, one script) */
	char hash[32];
	unsigned long hash_cost;
	bool rehash;
	unsigned long busy_timeout;	/* milliseconds */
	bool debug;
	bool audit;
	bool use_first_pass;
	bool try_first_pass;
	/* brute-force defence (mu_lockout.h) */
	unsigned long deny;
	unsigned long deny_total;
	unsigned long fail_interval;
	unsigned long unlock_time;
	unsigned long ipv6_prefix;	/* IPv6 sources grouped by this prefix */
	/* password change (pam_sm_chauthtok, mailuser-admin user passwd) */
	bool use_authtok;
	unsigned long retry;
	unsigned long minlen;
	char dictpath[PATH_MAX];
	unsigned long remember;
	/* aging defaults in days (mu_policy.h); domains and users override */
	unsigned long maxdays;
	unsigned long mindays;
	unsigned long warndays;
	unsigned long graced;
	/* derived by mu_config_finish() */
	const struct mu_method *method;
};

/* Read a configuration file under the rules of mu_config_load (not a
 * link, a regular file owned by root or the caller, not writable by group
 * or others, at most MU_CONF_MAXSIZE bytes): *text gets a heap copy,
 * NUL-terminated, of *len bytes (the caller frees it), *mode the file's
 * mode (mode may be NULL).  A missing file that need not exist gives
 * MU_OK with *text NULL.  Else MU_E_CONFIG, said through log.  For the
 * programs that read a [section] of their own. */
int mu_config_read(const char *path, bool must_exist, const struct mu_log *log,
		   char **text, size_t *len, mode_t *mode);

/* The lines "key = value" of section [name] of the configuration file
 * at path (read by mu_config_read's rules), each given to set, which
 * returns 0 or puts why in msg (msgsz bytes).  0, or -1 with a message
 * naming the file and line in err (errlen bytes).  A missing file that
 * need not exist is no error.  For mailserver-check's [check] and
 * mailuser-policyd's [policyd]. */
int mu_config_section(const char *path, bool must_exist, const char *name,
		      int (*set)(void *arg, const char *key, char *value,
				 char *msg, size_t msgsz),
		      void *arg, char *err, size_t errlen);

/* Does a db= value name a PostgreSQL database (a postgresql:// or
 * postgres:// URI, or a libpq "key=value" string) rather than an SQLite
 * file (an absolute path)? */
bool mu_db_is_pg(const char *db);
/* Does it hold a password?  A configuration file that does must not be
 * readable by others. */
bool mu_db_has_password(const char *db);

/* Where a setting comes from: affects which keys are allowed. */
enum mu_origin { MU_FROM_FILE, MU_FROM_ARG };

/* Fill cfg with the defaults. */
void mu_config_defaults(struct mu_config *cfg);

/* Set one option.  value NULL means a bare word ("debug"), allowed only
 * for booleans.  Unknown keys, bad or out-of-range values: logged through
 * log with where (e.g. "/etc/mailuser.conf:3") and MU_E_CONFIG. */
int mu_config_set(struct mu_config *cfg, enum mu_origin origin,
		  const char *where, const char *key, const char *value,
		  const struct mu_log *log);

/* Read a configuration file: "key = value" lines, '#' comments, blank
 * lines.  Opened without following links; must be a regular file, owned
 * by root or the caller, not writable by group or others, at most
 * MU_CONF_MAXSIZE bytes.  A missing file is MU_OK when !must_exist. */
int mu_config_load(struct mu_config *cfg, const char *path, bool must_exist,
		   const struct mu_log *log);

/* Parse the text of a configuration file: the len bytes at buf (not
 * necessarily NUL-terminated; buf may be NULL when len is 0), as lines
 * ended by '\n' (the last one may lack it).  Blank lines and lines whose
 * first non-blank is '#' are skipped; every other line is "key = value"
 * (blanks around both, a trailing '\r' ignored) and goes through
 * mu_config_set() with MU_FROM_FILE.  A line over PATH_MAX + 126 bytes
 * stops the parse; a line without '=' or holding a NUL byte, and every
 * refused option, is logged with "path:line" (path NULL: a placeholder)
 * and the parse goes on.  Returns MU_OK, or MU_E_CONFIG when any line was
 * refused (the good lines before and after it are applied).  Opens no
 * file: mu_config_load() checks and reads the file, then calls this. */
int mu_config_parse(struct mu_config *cfg, const char *buf, size_t len,
		    const char *path, const struct mu_log *log);

/* The module's way: defaults, then the file (conf= argument or
 * MU_CONF_DEFAULT), then the arguments over it, then mu_config_finish. */
int mu_config_from_args(struct mu_config *cfg, int argc, const char **argv,
			const struct mu_log *log);

/* The mu_canon flags of cfg (lowercase_local, utf8_local). */
unsigned mu_config_canon_flags(const struct mu_config *cfg);

/* Check the combination (hash method and cost) and derive fields. */
int mu_config_finish(struct mu_config *cfg, const struct mu_log *log);

/* Print every option and its current value, one "key = value" line each,
 * through out(arg, line).  For "mailuser-admin config" and tests. */
void mu_config_dump(const struct mu_config *cfg,
		    void (*out)(void *arg, const char *line), void *arg);

#endif
