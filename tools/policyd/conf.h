/* mailuser-policyd's options: the [policyd] section of mailuser.conf
 * (conf.c), beside the core's options of the main part (db,
 * default_domain, lowercase_local, utf8_local, busy_timeout). */
#ifndef POLICYD_CONF_H
#define POLICYD_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "mu_window.h"

#define PD_TEXT_MAX 200		/* bytes of an answer's text */

/* What to answer over a limit. */
enum pd_over { PD_DEFER, PD_REJECT, PD_HOLD };

struct pd_conf {
	struct mu_win_limits defaults;	/* messages_per_hour,
					 * recipients_per_hour,
					 * recipients_per_day */
	enum pd_over over_action;	/* over_limit_action */
	char over_text[PD_TEXT_MAX + 1];	/* over_limit_text */
	char locked_text[PD_TEXT_MAX + 1];	/* locked_text */
	char store_error_action[PD_TEXT_MAX + 1];
	long lock_factor;		/* lock_factor, 0: never */
	char notify[PATH_MAX];		/* notify: a program, "" for none */
	unsigned notify_timeout;	/* seconds */
	char user[64];			/* user: to run as, "" to stay */
	bool log_stderr;		/* log = stderr (else syslog) */
	unsigned idle_timeout;		/* seconds */
	unsigned request_timeout;	/* seconds */
	unsigned max_connections;
};

void pd_conf_defaults(struct pd_conf *c);

/* Set one option, as the [policyd] key of that name.  0, or -1 with the
 * reason in err. */
int pd_conf_set(struct pd_conf *c, const char *key, const char *value,
		char *err, size_t errlen);

/* Read path's [policyd] section into c (the other lines are left to the
 * core).  The file is trusted as the core trusts it: no link, a regular
 * file of at most 64 KiB, owned by root or the caller, not writable by
 * group or others.  A missing file is fine unless must_exist.  0, or -1
 * with "path:line: reason" in err. */
int pd_conf_read(struct pd_conf *c, const char *path, bool must_exist,
		 char *err, size_t errlen);

#endif
