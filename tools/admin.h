/*
 * mailuser-admin: declarations shared by the files of the admin tool.
 *
 * Error convention: the tool's functions print one message and exit
 * (err(3)/errx(3)) on every error; an exit handler closes the store, which
 * rolls back an unfinished transaction.  Password buffers are wiped before
 * any message is printed.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mu_config.h"
#include "mu_log.h"
#include "mu_store.h"

#define EXIT_USAGE 2		/* bad command line */

/* Options a verb may take, as a mask in its verb table entry. */
#define OPT_JSON	0x01	/* --json */
#define OPT_PASSWORD	0x02	/* --password-stdin, --password-file, --force */
#define OPT_INIT	0x04	/* --group, --mode */
#define OPT_HASH	0x08	/* --method, --cost */
#define OPT_AGING	0x10	/* --max-days, --min-days, --warn-days,
				 * --grace-days */
/* Lifecycle and lockout commands (admin_import.c ... admin_fail.c). */
#define OPT_FORMAT	0x0100	/* --format, --domain */
#define OPT_IMPORT	0x0200	/* --create-domains, --dry-run, --continue,
				 * --force, --allow-weak */
#define OPT_AUDIT	0x0400	/* --since, --user */
#define OPT_BEFORE	0x0800	/* --before */
#define OPT_SOURCE	0x1000	/* --source */
#define OPT_REASON	0x2000	/* --reason */
#define OPT_GENERATE	0x4000	/* --generate, --length, --must-change */
#define OPT_CASCADE	0x8000	/* --cascade */
#define OPT_COPY	0x10000	/* --to */
#define OPT_LIMIT	0x20000	/* --domain, --user, --messages-per-hour,
				 * --recipients-per-hour, --recipients-per-day */

/* Where a new password comes from. */
enum pw_source { PW_PROMPT, PW_STDIN, PW_FILE };

struct opts {
	bool json;
	enum pw_source pw_src;
	const char *pw_file;
	bool force;		/* skip the quality checks */
	const char *group;
	const char *mode;
	const char *method;
	const char *cost;
	/* lifecycle and lockout commands */
	const char *format;	/* --format */
	const char *domain;	/* --domain */
	bool create_domains;	/* --create-domains */
	bool dry_run;		/* --dry-run */
	bool cont;		/* --continue */
	bool allow_weak;	/* --allow-weak: import DES, NT and _ hashes */
	const char *since;	/* --since */
	const char *user;	/* --user */
	const char *before;	/* --before */
	const char *source;	/* --source; "" names the all-sources row */
	const char *reason;	/* --reason */
	bool generate;		/* --generate */
	const char *length;	/* --length */
	bool must_change;	/* --must-change */
	bool cascade;		/* --cascade */
	const char *to;		/* --to: copy's target store */
	/* --messages-per-hour, --recipients-per-hour, --recipients-per-day:
	 * a number or "inherit", NULL when not given */
	const char *limits[3];
	/* --max-days, --min-days, --warn-days, --grace-days: a number of
	 * days or "inherit", NULL when not given */
	const char *aging[4];
};

struct admin {
	struct mu_config cfg;
	struct mu_log log;
	struct mu_store *st;	/* open store or NULL; closed at exit */
	struct opts o;		/* options of the running verb */
	const char *conf_path;	/* the configuration file read */
};

/* A verb's function gets the positional arguments after its options. */
typedef void verb_fn(struct admin *a, int argc, char **argv);

struct verb {
	const char *name;
	verb_fn *fn;		/* NULL when sub names a table of verbs */
	const struct verb *sub;
	int opts;		/* OPT_* mask */
	int min_args, max_args;
};

/* mailuser-admin.c */
void usage(const char *verb) __attribute__((noreturn));

/* admin_store.c: creating, checking and opening the store */
void cmd_init(struct admin *a, int argc, char **argv);
void cmd_check(struct admin *a, int argc, char **argv);
/* admin_migrate.c */
void cmd_migrate(struct admin *a, int argc, char **argv);
/* The store named by the configuration, opened at the first call
 * (mu_store_open); exits with the core's message on failure. */
struct mu_store *admin_store(struct admin *a);
/* ... with mu_store_open_flags' flags (MU_OPEN_OLDER: migrate). */
struct mu_store *admin_store_flags(struct admin *a, unsigned flags);
/* Print "what: why" for a store operation's error r (the backend's
 * message for MU_E_STORE) and exit 1. */
void admin_die(struct admin *a, int r, const char *what)
	__attribute__((noreturn));
/* A store operation's error r: MU_E_STORE has been said by the operation
 * itself, in one line, and exits 1; others as admin_die. */
void admin_failed(struct admin *a, int r, const char *what)
	__attribute__((noreturn));
/* The common errors of an operation on user name (no such user, user
 * exists, no such domain) in words, others as admin_failed; returns
 * when r is MU_OK. */
void admin_check_user(struct admin *a, int r, const char *name,
		      const char *what);
/* Close the store if open; for the exit handler.  Finalizes statements
 * left by an error path first so that the close cannot fail. */
void admin_close(struct admin *a);


/* admin_domain.c */
void cmd_domain_add(struct admin *a, int argc, char **argv);
void cmd_domain_del(struct admin *a, int argc, char **argv);
void cmd_domain_list(struct admin *a, int argc, char **argv);
void cmd_domain_enable(struct admin *a, int argc, char **argv);
void cmd_domain_disable(struct admin *a, int argc, char **argv);
/* Canonical form of a domain argument into out (MU_DOMAIN_MAX + 1);
 * exits with the reason when it is refused. */
void domain_arg(const char *arg, char *out);

/* admin_user.c */
void cmd_user_add(struct admin *a, int argc, char **argv);
void cmd_user_del(struct admin *a, int argc, char **argv);
void cmd_user_list(struct admin *a, int argc, char **argv);
void cmd_user_show(struct admin *a, int argc, char **argv);
void cmd_user_passwd(struct admin *a, int argc, char **argv);
void cmd_user_enable(struct admin *a, int argc, char **argv);
void cmd_user_disable(struct admin *a, int argc, char **argv);
void cmd_user_expire(struct admin *a, int argc, char **argv);
void cmd_hash(struct admin *a, int argc, char **argv);

/* password.c */
/* Get a new password as o says (prompt twice on /dev/tty, one line of
 * standard input, or the first line of o->pw_file) and check it with
 * password_check for user (NULL when there is none).  Returns a heap
 * string to release with mu_free_secret.  On any error wipes what it
 * read, prints one message and exits. */
char *password_new(const struct opts *o, const char *user);
/* Checks for a new password: its length always, its quality unless force.
 * MU_OK, or an error code with *why set to static text. */
int password_check(const char *pw, const char *user, bool force,
		   const char **why);

/* dates.c: times are Unix seconds, shown in UTC. */
/* Parse YYYY-MM-DD into 00:00:00 UTC of that day.  0, or -1 when it is
 * malformed or not a real date (years 1970 to 9999). */
int date_parse(const char *s, int64_t *out);
/* "YYYY-MM-DD" into buf (at least 32 bytes); "@N" when out of range. */
char *date_fmt(int64_t t, char *buf, size_t bufsz);
/* "YYYY-MM-DD HH:MM:SS UTC" into buf (at least 32 bytes). */
char *time_fmt(int64_t t, char *buf, size_t bufsz);
/* An expiry: date_fmt at midnight, time_fmt otherwise. */
char *expiry_fmt(int64_t t, char *buf, size_t bufsz);

/* json.c: a minimal writer; key NULL for array elements. */
struct json {
	FILE *f;
	int n;			/* members written at this level */
};
void json_begin(struct json *j, FILE *f, const char *key, struct json *in,
		char open);
void json_end(struct json *j, char close);
void json_str(struct json *j, const char *key, const char *v);
void json_bool(struct json *j, const char *key, bool v);
void json_int(struct json *j, const char *key, int64_t v);
/* Write s as a JSON string: quoted, escaped, invalid UTF-8 as U+FFFD. */
void json_quote(FILE *f, const char *s);

/* ---- lifecycle and lockout commands ----------------------------- */

/* helpers shared by the commands below (admin_util.c, admin_db.c) */
/* Canonical user name of an argument into out (MU_NAME_MAX + 1); exits
 * with the reason when mu_canon refuses it. */
void admin_user_arg(const struct admin *a, const char *arg, char *out);
/* Hash pw with the configured method and cost into hash (MU_HASH_MAX);
 * exits with a message on failure (after wiping hash). */
void admin_hash(const struct admin *a, const char *pw, char *hash,
		size_t hashsz);

/* progress.c: progress of long commands, on standard error when it is a
 * terminal and never otherwise. */
struct progress {
	bool on;		/* standard error is a terminal */
	bool shown;
	const char *what;	/* "import" */
	const char *unit;	/* "lines" */
	uint64_t count;		/* units done */
	uint64_t pos, total;	/* position in the work, and its end; total
				 * 0 when unknown (no estimate then) */
	int64_t start, drawn;	/* CLOCK_MONOTONIC ns */
};
void progress_begin(struct progress *p, const char *what, const char *unit,
		    uint64_t total);
/* count units done, at pos of total (pos = count when they are the same
 * measure).  Cheap enough to call for every unit. */
void progress_update(struct progress *p, uint64_t count, uint64_t pos);
/* The last line: count and time taken. */
void progress_end(struct progress *p, uint64_t count);

/* Short write transactions: batch_begin is BEGIN IMMEDIATE, batch_commit
 * is COMMIT and adapts size (units per batch) so that one batch holds
 * the write lock for about 50 ms; batch_begin first leaves the lock free
 * for 25 ms or more after the last batch, so that waiting logins get
 * in.  They put the store in bulk mode (mu_bulk_mode; progress.c). */
struct batch {
	int64_t size;		/* units to do in the next batch */
	int64_t start;		/* CLOCK_MONOTONIC ns of batch_begin */
	int64_t released;	/* CLOCK_MONOTONIC ns the last batch let go
				 * of the lock, 0 before the first */
	int64_t gap_ms;		/* lock left free before the next batch */
	int64_t longest_ms;	/* longest hold of the lock so far */
	int64_t min_size, max_size;	/* sizes of the batches begun */
	uint64_t batches;
};
void batch_init(struct batch *b);
void batch_begin(struct batch *b, struct mu_store *st);
void batch_commit(struct batch *b, struct mu_store *st);

/* genpw.c: generated passwords */
/* A new random password for user (o->length characters, default 16,
 * 12 to 128) that passes password_check.  Heap string, wiped at exit
 * unless released earlier with password_release. */
char *password_generate(const struct opts *o, const char *user);
/* Wipe and free a password from password_generate. */
void password_release(char *pw);

/* admin_fail.c: brute-force counters and admin locks */
void cmd_failures(struct admin *a, int argc, char **argv);
void cmd_unlock(struct admin *a, int argc, char **argv);
void cmd_user_lock(struct admin *a, int argc, char **argv);
void cmd_user_unlock(struct admin *a, int argc, char **argv);
void cmd_user_rename(struct admin *a, int argc, char **argv);

/* admin_import.c, admin_export.c */
void cmd_import(struct admin *a, int argc, char **argv);
void cmd_export(struct admin *a, int argc, char **argv);

/* admin_audit.c */
void cmd_audit(struct admin *a, int argc, char **argv);
void cmd_audit_prune(struct admin *a, int argc, char **argv);

/* admin_stats.c */
void cmd_stats(struct admin *a, int argc, char **argv);

/* admin_copy.c */
void cmd_copy(struct admin *a, int argc, char **argv);

/* admin_policy.c: password policy */
void cmd_user_force_change(struct admin *a, int argc, char **argv);
void cmd_user_set(struct admin *a, int argc, char **argv);
void cmd_domain_set(struct admin *a, int argc, char **argv);
void cmd_policy_show(struct admin *a, int argc, char **argv);
void cmd_expiring(struct admin *a, int argc, char **argv);
/* The aging lines of "user show" for user name: text, or members of obj
 * when it is not NULL. */
void admin_show_aging(struct admin *a, const char *name, struct json *obj);

/* admin_limit.c: sending limits (mailuser-policyd) */
void cmd_limit_set(struct admin *a, int argc, char **argv);
void cmd_limit_show(struct admin *a, int argc, char **argv);
void cmd_sending(struct admin *a, int argc, char **argv);
void cmd_sending_reset(struct admin *a, int argc, char **argv);
/* The limit lines of "user show" for user name: text, or members of obj
 * when it is not NULL. */
void admin_show_limits(struct admin *a, const char *name, struct json *obj);
/* A user's effective limits and where each comes from, as members of
 * obj. */
void admin_limits_json(struct json *obj, const struct mu_send_eff *e);
/* password.c: the configuration and store that password_check's quality
 * checks use (mu_pw_quality); set once by main(). */
void password_policy(struct admin *a);

#endif
