/*
 * The [check] section of mailuser.conf.  The file's other lines (before
 * any section header: the module's options) are not read here; lines in
 * other sections are skipped.  The file is trusted as the module trusts
 * it: opened without following a link, a regular file of at most 64 KiB,
 * owned by root or the caller, not writable by group or others.
 *
 *   [check]
 *   ip = 192.0.2.25 2001:db8::25      # lists: blanks or commas, or
 *   ip = 192.0.2.26                   # the key repeated
 *   host = mx.example.org
 *   domain = example.org example.net
 *   selector = mail
 *   dkim_key = mail=/etc/dkimkeys/mail.private
 *   dnsbl = zen.spamhaus.org bl.spamcop.net
 *   smtp = 127.0.0.1:25
 *   xclient = 203.0.113.1
 *   rcpt = relay-test@example.com
 *   resolver = 127.0.0.1@53
 *   timeout = 5
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "mu_config.h"
#include "mu_error.h"


static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void
add_list(struct strlist *l, char *v)
{
	char *save = NULL, *w;

	for (w = strtok_r(v, " \t,", &save); w != NULL;
	     w = strtok_r(NULL, " \t,", &save))
		strlist_add(l, w);
}

static void
set_one(char **dst, const char *v)
{
	free(*dst);
	*dst = chk_xstrdup(v);
}

int
conf_set(struct inputs *in, const char *key, char *value, char *err,
	 size_t errlen)
{
	if (strcmp(key, "ip") == 0) {
		add_list(&in->ips, value);
	} else if (strcmp(key, "domain") == 0) {
		add_list(&in->domains, value);
	} else if (strcmp(key, "selector") == 0) {
		add_list(&in->selectors, value);
	} else if (strcmp(key, "dnsbl") == 0) {
		add_list(&in->zones, value);
		in->zones_set = true;
	} else if (strcmp(key, "dkim_key") == 0) {
		add_list(&in->dkim_keys, value);
	} else if (strcmp(key, "host") == 0) {
		set_one(&in->host, value);
	} else if (strcmp(key, "smtp") == 0) {
		set_one(&in->smtp, value);
	} else if (strcmp(key, "resolver") == 0) {
		set_one(&in->resolver, value);
	} else if (strcmp(key, "xclient") == 0) {
		set_one(&in->xclient, value);
	} else if (strcmp(key, "rcpt") == 0) {
		set_one(&in->rcpt, value);
	} else if (strcmp(key, "timeout") == 0) {
		char *end;
		double s;

		errno = 0;
		s = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' || s < 0.1 ||
		    s > 300) {
			snprintf(err, errlen, "timeout: \"%s\" is not a number "
				 "of seconds from 0.1 to 300", value);
			return -1;
		}
		in->timeout_ms = (unsigned)(s * 1000);
	} else {
		snprintf(err, errlen, "unknown option \"%s\"", key);
		return -1;
	}
	return 0;
}

static int
parse(struct inputs *in, const char *path, char *text, char *err,
      size_t errlen)
{
	char *line, msg[300];
	bool in_check = false;
	unsigned lineno = 0;
	char *next;

	for (line = text; line != NULL; line = next) {
		char *l, *eq;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');

			if (end == NULL || *trim(end + 1) != '\0') {
				snprintf(err, errlen, "%s:%u: bad section header",
					 path, lineno);
				return -1;
			}
			*end = '\0';
			in_check = strcmp(trim(l + 1), "check") == 0;
			continue;
		}
		if (!in_check)
			continue;
		if ((eq = strchr(l, '=')) == NULL) {
			snprintf(err, errlen, "%s:%u: not \"key = value\"", path,
				 lineno);
			return -1;
		}
		*eq = '\0';
		if (conf_set(in, trim(l), trim(eq + 1), msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%u: [check] %s", path, lineno,
				 msg);
			return -1;
		}
	}
	return 0;
}

/* The core's first complaint about the file, for err. */
struct conf_err {
	char *buf;
	size_t len;
};

static void
conf_sink(void *arg, int prio, const char *fmt, va_list ap)
{
	struct conf_err *e = arg;

	(void)prio;
	if (e->buf[0] == '\0')
		vsnprintf(e->buf, e->len, fmt, ap);
}

int
conf_read(struct inputs *in, const char *path, bool must_exist, char *err,
	  size_t errlen)
{
	struct conf_err e = { err, errlen };
	struct mu_log log = { conf_sink, &e, false };
	char *text;
	size_t n;
	int r;

	if (strcmp(path, "/dev/null") == 0)
		return 0;	/* no configuration at all */
	err[0] = '\0';
	/* the module's rules for the file: mailuser.conf is shared */
	if (mu_config_read(path, must_exist, &log, &text, &n, NULL) != MU_OK)
		return -1;
	if (text == NULL)
		return 0;	/* missing, and need not exist */
	if (memchr(text, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: holds a NUL byte", path);
		free(text);
		return -1;
	}
	r = parse(in, path, text, err, errlen);
	free(text);
	return r;
}

void
inputs_free(struct inputs *in)
{
	strlist_clear(&in->ips);
	strlist_clear(&in->domains);
	strlist_clear(&in->selectors);
	strlist_clear(&in->zones);
	strlist_clear(&in->dkim_keys);
	free(in->host);
	free(in->smtp);
	free(in->resolver);
	free(in->xclient);
	free(in->rcpt);
	memset(in, 0, sizeof(*in));
}
