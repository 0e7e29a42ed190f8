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
set_cb(void *arg, const char *key, char *value, char *msg, size_t msgsz)
{
	return conf_set(arg, key, value, msg, msgsz);
}

int
conf_read(struct inputs *in, const char *path, bool must_exist, char *err,
	  size_t errlen)
{
	if (strcmp(path, "/dev/null") == 0)
		return 0;	/* no configuration at all */
	/* the [check] section of mailuser.conf, read by the module's rules
	 * for that file */
	return mu_config_section(path, must_exist, "check", set_cb, in, err,
				 errlen);
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
