/*
 * mailserver-check: the reputation self-check of a mail server.  Open
 * relay, forward-confirmed reverse DNS, SPF, DKIM, DMARC and DNS
 * blacklists, each a verdict with a reason; a table or JSON; the exit
 * code of a Nagios plugin.  See mailserver-check(8).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "conf.h"
#include "smtp.h"

#define CONF_DEFAULT "/etc/mailuser.conf"
#define TIMEOUT_DEFAULT_MS 5000
#define RCPT_DEFAULT "relay-test@mailserver-check.example"

#ifndef MU_VERSION
#define MU_VERSION "unknown"
#endif

enum { O_RESOLVER = 256, O_IP, O_HOST, O_DOMAIN, O_SELECTOR, O_DNSBL,
       O_SMTP, O_JSON, O_TIMEOUT, O_XCLIENT, O_RCPT, O_DKIM_KEY, O_HELP,
       O_VERSION };

static const struct option longopts[] = {
	{ "resolver", required_argument, NULL, O_RESOLVER },
	{ "ip", required_argument, NULL, O_IP },
	{ "host", required_argument, NULL, O_HOST },
	{ "domain", required_argument, NULL, O_DOMAIN },
	{ "selector", required_argument, NULL, O_SELECTOR },
	{ "dnsbl", required_argument, NULL, O_DNSBL },
	{ "smtp", required_argument, NULL, O_SMTP },
	{ "json", no_argument, NULL, O_JSON },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "xclient", required_argument, NULL, O_XCLIENT },
	{ "rcpt", required_argument, NULL, O_RCPT },
	{ "dkim-key", required_argument, NULL, O_DKIM_KEY },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Nagios: a usage error is UNKNOWN (3). */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fputs("usage: mailserver-check [-c conf] [--resolver addr[@port]] "
	      "[--ip ip]\n"
	      "\t[--host name] [--domain domain] [--selector selector]\n"
	      "\t[--dnsbl zone] [--smtp host[:port]] [--xclient addr]\n"
	      "\t[--rcpt address] [--dkim-key selector[@domain]=file]\n"
	      "\t[--timeout seconds] [--json]\n"
	      "       mailserver-check --help | --version\n", f);
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("mailserver-check: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(3);
}

static void
take_list(struct strlist *dst, struct strlist *cli, struct strlist *cfg)
{
	struct strlist *src = cli->n ? cli : cfg;

	*dst = *src;
	src->v = NULL;
	src->n = 0;
}

static char *
take(char **cli, char **cfg)
{
	char **src = *cli ? cli : cfg, *v = *src;

	*src = NULL;
	return v;
}

/* The inputs: options win over the [check] section. */
static void
merge(struct inputs *in, struct inputs *cli, struct inputs *cfg)
{
	memset(in, 0, sizeof(*in));
	take_list(&in->ips, &cli->ips, &cfg->ips);
	take_list(&in->domains, &cli->domains, &cfg->domains);
	take_list(&in->selectors, &cli->selectors, &cfg->selectors);
	take_list(&in->dkim_keys, &cli->dkim_keys, &cfg->dkim_keys);
	if (cli->zones_set || cfg->zones_set) {
		take_list(&in->zones, &cli->zones, &cfg->zones);
		in->zones_set = true;
	} else {
		size_t i;

		for (i = 0; dnsbl_default_zones[i] != NULL; i++)
			strlist_add(&in->zones, dnsbl_default_zones[i]);
	}
	in->host = take(&cli->host, &cfg->host);
	in->smtp = take(&cli->smtp, &cfg->smtp);
	in->resolver = take(&cli->resolver, &cfg->resolver);
	in->xclient = take(&cli->xclient, &cfg->xclient);
	in->rcpt = take(&cli->rcpt, &cfg->rcpt);
	in->timeout_ms = cli->timeout_ms ? cli->timeout_ms :
			 cfg->timeout_ms ? cfg->timeout_ms : TIMEOUT_DEFAULT_MS;
	if (in->rcpt == NULL)
		in->rcpt = chk_xstrdup(RCPT_DEFAULT);
}

static bool
resolver_ok(const char *r)
{
	char addr[64];
	const char *at = strchr(r, '@');
	size_t n = at ? (size_t)(at - r) : strlen(r);

	if (n == 0 || n >= sizeof(addr))
		return false;
	memcpy(addr, r, n);
	addr[n] = '\0';
	if (dns_ip_family(addr) == 0)
		return false;
	if (at != NULL) {
		char *end;
		long p = strtol(at + 1, &end, 10);

		if (at[1] == '\0' || *end != '\0' || p < 1 || p > 65535)
			return false;
	}
	return true;
}

static void
validate(const struct inputs *in)
{
	size_t i;

	for (i = 0; i < in->ips.n; i++)
		if (dns_ip_family(in->ips.v[i]) == 0)
			die("--ip %s: not an IPv4 or IPv6 address",
			    in->ips.v[i]);
	for (i = 0; i < in->domains.n; i++)
		if (!dns_valid_name(in->domains.v[i]))
			die("--domain %s: not a domain name", in->domains.v[i]);
	for (i = 0; i < in->zones.n; i++)
		if (!dns_valid_name(in->zones.v[i]))
			die("--dnsbl %s: not a zone name", in->zones.v[i]);
	for (i = 0; i < in->selectors.n; i++)
		if (!dns_valid_name(in->selectors.v[i]))
			die("--selector %s: not a selector", in->selectors.v[i]);
	for (i = 0; i < in->dkim_keys.n; i++) {
		const char *eq = strchr(in->dkim_keys.v[i], '=');

		if (eq == NULL || eq == in->dkim_keys.v[i] || eq[1] == '\0')
			die("--dkim-key %s: not SELECTOR[@DOMAIN]=FILE",
			    in->dkim_keys.v[i]);
	}
	if (in->host != NULL && !dns_valid_name(in->host))
		die("--host %s: not a host name", in->host);
	if (in->resolver != NULL && !resolver_ok(in->resolver))
		die("--resolver %s: not ADDR or ADDR@PORT", in->resolver);
	if (in->xclient != NULL && dns_ip_family(in->xclient) == 0)
		die("--xclient %s: not an address", in->xclient);
	if (strchr(in->rcpt, '@') == NULL || strpbrk(in->rcpt, "<> \t\r\n"))
		die("--rcpt %s: not an address", in->rcpt);
	if (in->smtp != NULL) {
		char h[256], p[8];

		if (!smtp_split_target(in->smtp, h, sizeof(h), p, sizeof(p)))
			die("--smtp %s: not HOST[:PORT]", in->smtp);
	}
}

static void
parse_args(int argc, char **argv, struct inputs *cli, const char **conf,
	   bool *json)
{
	char err[300];
	int c;

	while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		const char *key = NULL;

		switch (c) {
		case 'c': *conf = optarg; continue;
		case O_JSON: *json = true; continue;
		case 'h': case O_HELP: usage(stdout, 0);
		case 'V': case O_VERSION:
			printf("mailserver-check %s\n", MU_VERSION);
			exit(0);
		case O_RESOLVER: key = "resolver"; break;
		case O_IP: key = "ip"; break;
		case O_HOST: key = "host"; break;
		case O_DOMAIN: key = "domain"; break;
		case O_SELECTOR: key = "selector"; break;
		case O_DNSBL: key = "dnsbl"; break;
		case O_SMTP: key = "smtp"; break;
		case O_TIMEOUT: key = "timeout"; break;
		case O_XCLIENT: key = "xclient"; break;
		case O_RCPT: key = "rcpt"; break;
		case O_DKIM_KEY:
			/* a file name may hold blanks or commas: no split */
			strlist_add(&cli->dkim_keys, optarg);
			continue;
		default: usage(stderr, 3);
		}
		if (conf_set(cli, key, optarg, err, sizeof(err)) != 0)
			die("--%s", err);
	}
	if (optind != argc)
		usage(stderr, 3);
}

static void
helo_name(const struct inputs *in, char *out, size_t len)
{
	if (in->host != NULL) {
		snprintf(out, len, "%s", in->host);
		return;
	}
	if (gethostname(out, len) != 0 || strchr(out, '.') == NULL ||
	    !dns_valid_name(out))
		snprintf(out, len, "localhost.localdomain");
}

int
main(int argc, char **argv)
{
	struct inputs cli, cfg, in;
	struct report rep = { NULL, 0, 0 };
	struct dns *d;
	const char *conf = NULL;
	char err[400], banner[256] = "", helo[256], sum[1024];
	bool json = false;
	int rc;

	memset(&cli, 0, sizeof(cli));
	memset(&cfg, 0, sizeof(cfg));
	parse_args(argc, argv, &cli, &conf, &json);
	if (conf_read(&cfg, conf ? conf : CONF_DEFAULT, conf != NULL, err,
		      sizeof(err)) != 0)
		die("%s", err);
	merge(&in, &cli, &cfg);
	inputs_free(&cli);
	inputs_free(&cfg);
	validate(&in);

	if ((d = dns_new(in.resolver, in.timeout_ms, err, sizeof(err))) == NULL)
		die("%s", err);
	/* every first query at once; they run while SMTP is probed */
	rdns_want(d, &in);
	spf_want(d, &in);
	dkim_want(d, &in);
	dmarc_want(d, &in);
	dnsbl_want(d, &in);

	if (in.smtp != NULL) {
		struct smtp_probe p = { in.smtp, helo, in.xclient, in.rcpt,
					in.host, &in.ips, in.timeout_ms };

		helo_name(&in, helo, sizeof(helo));
		smtp_check(&p, &rep, banner, sizeof(banner));
	} else {
		report_add(&rep, "relay", "", V_SKIP, "no SMTP server (--smtp)");
	}
	dns_run(d);
	rdns_check(d, &in, banner, &rep);
	spf_checks(d, &in, &rep);
	dkim_check(d, &in, &rep);
	dmarc_check(d, &in, &rep);
	dnsbl_check(d, &in, &rep);
	dns_free(d);

	if (json) {
		report_json(&rep, stdout);
	} else {
		const char *term = getenv("TERM");
		bool colour = isatty(STDOUT_FILENO) &&
			      getenv("NO_COLOR") == NULL &&
			      !(term != NULL && strcmp(term, "dumb") == 0);

		report_summary(&rep, sum, sizeof(sum));
		printf("%s\n", sum);
		report_table(&rep, stdout, colour);
	}
	rc = report_exit(&rep);
	report_free(&rep);
	inputs_free(&in);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("mailserver-check: cannot write the output\n", stderr);
		return 3;
	}
	return rc;
}
