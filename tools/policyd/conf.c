/*
 * The [policyd] section of mailuser.conf.  The main part (before any
 * section header) holds the core's options, read by mu_config_load
 * (which skips sections); lines in other sections are skipped here.
 *
 *   [policyd]
 *   messages_per_hour = 200       # defaults when neither the user nor
 *   recipients_per_hour = 1000    # its domain has one; 0: no limit
 *   recipients_per_day = 5000
 *   over_limit_action = DEFER_IF_PERMIT     # or REJECT, HOLD
 *   lock_factor = 3
 *   notify = /usr/local/sbin/notify-postmaster
 *   user = mailpolicy
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "mu_config.h"


void
pd_conf_defaults(struct pd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->over_action = PD_DEFER;
	snprintf(c->over_text, sizeof(c->over_text), "Too much mail sent "
		 "from this account for now; try again later");
	snprintf(c->locked_text, sizeof(c->locked_text), "This account may "
		 "not send mail; contact your administrator");
	snprintf(c->store_error_action, sizeof(c->store_error_action),
		 "DEFER_IF_PERMIT 4.3.0 Service temporarily unavailable");
	c->lock_factor = 3;
	c->notify_timeout = 10;
	c->idle_timeout = 600;
	c->request_timeout = 30;
	c->max_connections = 1000;
}

static int
number(const char *key, const char *v, long lo, long hi, long *out,
       char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
		snprintf(err, errlen, "%s: \"%s\" is not a number from %ld "
			 "to %ld", key, v, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* Text of an answer: printable ASCII, one line, at most PD_TEXT_MAX. */
static int
text(const char *key, const char *v, char *dst, size_t dstsz, char *err,
     size_t errlen)
{
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			break;
	if (*p != '\0' || strlen(v) >= dstsz || strlen(v) > PD_TEXT_MAX) {
		snprintf(err, errlen, "%s: printable ASCII of at most %d "
			 "bytes", key, PD_TEXT_MAX);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int
pd_conf_set(struct pd_conf *c, const char *key, const char *value,
	    char *err, size_t errlen)
{
	long n;

	if (strcmp(key, "messages_per_hour") == 0 ||
	    strcmp(key, "recipients_per_hour") == 0 ||
	    strcmp(key, "recipients_per_day") == 0) {
		if (number(key, value, 0, 1000000000L, &n, err, errlen) != 0)
			return -1;
		if (key[0] == 'm')
			c->defaults.msgs_hour = n;
		else if (strstr(key, "hour") != NULL)
			c->defaults.rcpts_hour = n;
		else
			c->defaults.rcpts_day = n;
	} else if (strcmp(key, "over_limit_action") == 0) {
		if (strcmp(value, "DEFER_IF_PERMIT") == 0)
			c->over_action = PD_DEFER;
		else if (strcmp(value, "REJECT") == 0)
			c->over_action = PD_REJECT;
		else if (strcmp(value, "HOLD") == 0)
			c->over_action = PD_HOLD;
		else {
			snprintf(err, errlen, "%s: DEFER_IF_PERMIT, REJECT or "
				 "HOLD", key);
			return -1;
		}
	} else if (strcmp(key, "over_limit_text") == 0) {
		return text(key, value, c->over_text, sizeof(c->over_text),
			    err, errlen);
	} else if (strcmp(key, "locked_text") == 0) {
		return text(key, value, c->locked_text,
			    sizeof(c->locked_text), err, errlen);
	} else if (strcmp(key, "store_error_action") == 0) {
		if (value[0] == '\0') {
			snprintf(err, errlen, "%s: empty", key);
			return -1;
		}
		return text(key, value, c->store_error_action,
			    sizeof(c->store_error_action), err, errlen);
	} else if (strcmp(key, "lock_factor") == 0) {
		if (number(key, value, 0, 1000, &n, err, errlen) != 0)
			return -1;
		c->lock_factor = n;
	} else if (strcmp(key, "notify") == 0) {
		if (value[0] != '\0' && (value[0] != '/' ||
					 strlen(value) >= sizeof(c->notify))) {
			snprintf(err, errlen, "%s: an absolute path", key);
			return -1;
		}
		snprintf(c->notify, sizeof(c->notify), "%s", value);
	} else if (strcmp(key, "notify_timeout") == 0) {
		if (number(key, value, 1, 3600, &n, err, errlen) != 0)
			return -1;
		c->notify_timeout = (unsigned)n;
	} else if (strcmp(key, "user") == 0) {
		if (strlen(value) >= sizeof(c->user)) {
			snprintf(err, errlen, "%s: too long", key);
			return -1;
		}
		snprintf(c->user, sizeof(c->user), "%s", value);
	} else if (strcmp(key, "log") == 0) {
		if (strcmp(value, "syslog") != 0 &&
		    strcmp(value, "stderr") != 0) {
			snprintf(err, errlen, "%s: syslog or stderr", key);
			return -1;
		}
		c->log_stderr = strcmp(value, "stderr") == 0;
	} else if (strcmp(key, "idle_timeout") == 0 ||
		   strcmp(key, "request_timeout") == 0) {
		if (number(key, value, 1, 86400, &n, err, errlen) != 0)
			return -1;
		if (key[0] == 'i')
			c->idle_timeout = (unsigned)n;
		else
			c->request_timeout = (unsigned)n;
	} else if (strcmp(key, "max_connections") == 0) {
		if (number(key, value, 1, 100000, &n, err, errlen) != 0)
			return -1;
		c->max_connections = (unsigned)n;
	} else {
		snprintf(err, errlen, "unknown option \"%s\"", key);
		return -1;
	}
	return 0;
}

static int
set_cb(void *arg, const char *key, char *value, char *msg, size_t msgsz)
{
	return pd_conf_set(arg, key, value, msg, msgsz);
}

int
pd_conf_read(struct pd_conf *c, const char *path, bool must_exist,
	     char *err, size_t errlen)
{
	/* the [policyd] section of mailuser.conf, read by the module's
	 * rules for that file */
	return mu_config_section(path, must_exist, "policyd", set_cb, c, err,
				 errlen);
}
