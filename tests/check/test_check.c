/*
 * Unit tests of mailserver-check's parsers and decisions, without a
 * network: the SPF parser and evaluator (answers from a table), tag
 * lists and base64, SMTP replies, reverse names, the DNSBL answer
 * classification, the report's exit code and summary.
 *
 *   build/test_check
 */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "../../tools/check/checks.h"
#include "../../tools/check/smtp.h"
#include "../../tools/check/spf.h"
#include "../../tools/check/tags.h"

/* ---- a DNS from a table ------------------------------------------- */
struct rr {
	const char *name;
	int type;
	enum dns_status st;
	const char *data[4];
};

static const struct rr zone[] = {
	{ "ex.test", T_TXT, DNS_OK, { "v=spf1 ip4:192.0.2.0/24 "
	  "include:inc.test a:host.ex.test mx -all", "other text" } },
	{ "inc.test", T_TXT, DNS_OK, { "v=spf1 ip6:2001:db8::/32 ~all" } },
	{ "host.ex.test", T_A, DNS_OK, { "198.51.100.7" } },
	{ "ex.test", T_MX, DNS_OK, { "10 mx.ex.test" } },
	{ "mx.ex.test", T_A, DNS_OK, { "203.0.113.5" } },
	{ "red.test", T_TXT, DNS_OK, { "v=spf1 redirect=ex.test" } },
	{ "redall.test", T_TXT, DNS_OK, { "v=spf1 -all redirect=ex.test" } },
	{ "macro.test", T_TXT, DNS_OK, { "v=spf1 exists:%{ir}.%{l}._spf.%{d} "
	  "-all" } },
	{ "7.100.51.198.postmaster._spf.macro.test", T_A, DNS_OK,
	  { "127.0.0.2" } },
	{ "temp.test", T_TXT, DNS_SERVFAIL, { NULL } },
	{ "inctemp.test", T_TXT, DNS_OK, { "v=spf1 include:temp.test -all" } },
	{ "incnone.test", T_TXT, DNS_OK, { "v=spf1 include:none.test -all" } },
	{ "void.test", T_TXT, DNS_OK, { "v=spf1 a:n1.test a:n2.test "
	  "a:n3.test -all" } },
	{ "loop.test", T_TXT, DNS_OK, { "v=spf1 include:loop.test -all" } },
	{ "ptr.test", T_TXT, DNS_OK, { "v=spf1 ptr -all" } },
	{ "7.100.51.198.in-addr.arpa", T_PTR, DNS_OK, { "h.ptr.test" } },
	{ "h.ptr.test", T_A, DNS_OK, { "198.51.100.7" } },
};

static struct dns_ans answers[sizeof(zone) / sizeof(zone[0])];
static struct dns_ans nx = { DNS_NXDOMAIN, 3, 0, NULL, "" };
static int asked;

static const struct dns_ans *
table_get(void *arg, const char *name, int type)
{
	size_t i;

	(void)arg;
	asked++;
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (zone[i].type != type || !chk_name_eq(zone[i].name, name))
			continue;
		answers[i].status = zone[i].st;
		answers[i].data = (char **)zone[i].data;
		for (answers[i].n = 0; zone[i].data[answers[i].n];)
			answers[i].n++;
		return &answers[i];
	}
	return &nx;
}

static enum spf_result
spf(const char *ip, const char *domain, struct spf_eval *e)
{
	struct dns_src src = { table_get, NULL };

	if (!spf_eval_init(e, src, ip))
		return (enum spf_result)-1;
	return spf_check_host(e, domain);
}

static void
test_spf_parse(void)
{
	static const char *good[] = {
		"v=spf1", "v=spf1 -all", "V=SPF1 +a mx/24 ~ptr ?all",
		"v=spf1 a:ex.test/24//64 mx:ex.test//48 ip4:192.0.2.1 "
		"ip4:192.0.2.0/24 ip6:2001:db8::/32 ip6:::1",
		"v=spf1 include:_spf.google.com exists:%{i}.%{l1r+-}.ex.test "
		"redirect=%{d}.ex.test exp=explain.%{d} foo=bar -all",
		"v=spf1  ip4:192.0.2.1   -all  ",
	};
	static const char *bad[] = {
		"v=spf10", "spf1 -all", "v=spf1 all:x", "v=spf1 ip4:300.1.1.1",
		"v=spf1 ip4:192.0.2.0/33", "v=spf1 ip6:2001:db8::/129",
		"v=spf1 include", "v=spf1 include:", "v=spf1 a:ex.test/",
		"v=spf1 frob", "v=spf1 redirect=a.test redirect=b.test",
		"v=spf1 include:%{x}.test", "v=spf1 include:ex.123",
		"v=spf1 exists:%{i", "v=spf1 a:ex.test/08", "v=spf1 \t-all",
		"v=spf1 ip4:192.0.2.1//64", "v=spf1 %",
	};
	struct spf_record r;
	char err[200];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(spf_parse(good[i], &r, err, sizeof(err)) == 0,
		      "SPF parses: %s", good[i]);
		spf_record_free(&r);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(spf_parse(bad[i], &r, err, sizeof(err)) != 0 && *err,
		      "SPF refused: %s (%s)", bad[i], err);
		spf_record_free(&r);
	}
	CHECK(spf_parse("v=spf1 a:ex.test/24//64 -all", &r, err,
			sizeof(err)) == 0 && r.n == 2 && r.t[0].m == M_A &&
	      r.t[0].cidr4 == 24 && r.t[0].cidr6 == 64 &&
	      strcmp(r.t[0].domain, "ex.test") == 0 && r.t[1].qual == '-',
	      "SPF terms: a:ex.test/24//64, -all");
	spf_record_free(&r);
}

static void
test_spf_eval(void)
{
	struct spf_eval e;
	char out[300];

	CHECK(spf("192.0.2.9", "ex.test", &e) == SPF_PASS,
	      "ip4 range: pass (%s)", e.why);
	CHECK(spf("2001:db8::9", "ex.test", &e) == SPF_PASS,
	      "include, ip6: pass (%s)", e.why);
	CHECK(spf("198.51.100.7", "ex.test", &e) == SPF_PASS,
	      "a:host: pass (%s)", e.why);
	CHECK(spf("203.0.113.5", "ex.test", &e) == SPF_PASS && e.lookups == 3,
	      "mx: pass after 3 lookups (%s, %d)", e.why, e.lookups);
	CHECK(spf("203.0.113.6", "ex.test", &e) == SPF_FAIL,
	      "no match: -all gives fail (%s)", e.why);
	CHECK(spf("::ffff:192.0.2.9", "ex.test", &e) == SPF_PASS,
	      "IPv4-mapped IPv6 evaluated as IPv4");
	CHECK(spf("203.0.113.6", "red.test", &e) == SPF_FAIL &&
	      e.lookups == 4, "redirect= follows (%d lookups)", e.lookups);
	CHECK(spf("203.0.113.6", "redall.test", &e) == SPF_FAIL &&
	      e.lookups == 0, "redirect= ignored after all");
	CHECK(spf("198.51.100.7", "macro.test", &e) == SPF_PASS,
	      "exists with %%{ir} and %%{l} macros (%s)", e.why);
	CHECK(spf("198.51.100.8", "macro.test", &e) == SPF_FAIL,
	      "exists: no record, fail");
	CHECK(spf("192.0.2.1", "none.test", &e) == SPF_NONE, "no record: none");
	CHECK(spf("192.0.2.1", "temp.test", &e) == SPF_TEMPERROR,
	      "SERVFAIL: temperror");
	CHECK(spf("192.0.2.1", "inctemp.test", &e) == SPF_TEMPERROR,
	      "include of a SERVFAIL: temperror");
	CHECK(spf("192.0.2.1", "incnone.test", &e) == SPF_PERMERROR,
	      "include of no record: permerror (%s)", e.why);
	CHECK(spf("192.0.2.1", "void.test", &e) == SPF_PERMERROR &&
	      strstr(e.why, "void") != NULL, "3 void lookups: permerror (%s)",
	      e.why);
	CHECK(spf("192.0.2.1", "loop.test", &e) == SPF_PERMERROR,
	      "include loop: permerror (%s)", e.why);
	CHECK(spf("198.51.100.7", "ptr.test", &e) == SPF_PASS,
	      "ptr: pass (%s)", e.why);
	CHECK(spf("198.51.100.8", "ptr.test", &e) == SPF_FAIL, "ptr: fail");
	CHECK(spf("", "ex.test", &e) == SPF_FAIL && e.lookups == 3,
	      "walk (no address): every lookup counted (%d)", e.lookups);
	CHECK(spf("not-an-ip", "ex.test", &e) == (enum spf_result)-1,
	      "a bad address is refused");
	(void)spf("192.0.2.3", "ex.test", &e);
	e.sender = "Jo.Doe@sender.test";
	e.helo = "mx.ex.test";
	CHECK(spf_expand(&e, "%{l}.%{o}.%{d2}.%{ir}.%{v}.%{h}", "a.b.c.test",
			 out, sizeof(out)) == 0 &&
	      strcmp(out, "Jo.Doe.sender.test.c.test.3.2.0.192.in-addr."
		     "mx.ex.test") == 0, "macros: %s", out);
	CHECK(spf_expand(&e, "%{l-}x%{L}%%%_%-", "d.test", out, sizeof(out)) ==
	      0 && strcmp(out, "Jo.Doex" "Jo.Doe" "% %20") == 0,
	      "macros: delimiters, URL form, escapes: %s", out);
	CHECK(spf_expand(&e, "%{lr-}", "d.test", out, sizeof(out)) == 0 &&
	      strcmp(out, "Jo.Doe") == 0, "macros: reverse on '-': %s", out);
	(void)spf("2001:db8::1", "ex.test", &e);
	CHECK(spf_expand(&e, "%{i}", "d.test", out, sizeof(out)) == 0 &&
	      strcmp(out, "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		     "0.0.0.0.0.0.0.1") == 0, "macros: IPv6 %%{i}: %s", out);
}

static void
test_tags(void)
{
	struct tags t;
	char err[200];
	unsigned char buf[64];

	CHECK(tags_parse("v=DKIM1; k=rsa; p=MIGf MA0G\r\n\tCSqG;", &t, err,
			 sizeof(err)) == 0 && t.n == 3 &&
	      strcmp(tags_get(&t, "p"), "MIGf MA0G\r\n\tCSqG") == 0 &&
	      tags_get(&t, "x") == NULL, "tag list with FWS in a value");
	tags_free(&t);
	CHECK(tags_parse(" v = DMARC1 ;p=reject;", &t, err, sizeof(err)) == 0 &&
	      strcmp(tags_get(&t, "v"), "DMARC1") == 0, "blanks around");
	tags_free(&t);
	CHECK(tags_parse("p=", &t, err, sizeof(err)) == 0 &&
	      strcmp(tags_get(&t, "p"), "") == 0, "empty value (revoked)");
	tags_free(&t);
	CHECK(tags_parse("v=1; v=2", &t, err, sizeof(err)) != 0,
	      "a tag twice: %s", err);
	CHECK(tags_parse("1v=1", &t, err, sizeof(err)) != 0, "bad name: %s",
	      err);
	CHECK(tags_parse("v", &t, err, sizeof(err)) != 0, "no '=': %s", err);
	CHECK(tags_parse("v=\x01", &t, err, sizeof(err)) != 0,
	      "control byte: %s", err);
	CHECK(b64_decode("aGVsbG8=", buf, sizeof(buf)) == 5 &&
	      memcmp(buf, "hello", 5) == 0, "base64 with padding");
	CHECK(b64_decode("aGVs\n bG8", buf, sizeof(buf)) == 5,
	      "base64 with blanks, no padding");
	CHECK(b64_decode("aGVsbG8=x", buf, sizeof(buf)) < 0,
	      "base64: data after padding");
	CHECK(b64_decode("a", buf, sizeof(buf)) < 0, "base64: lone sextet");
	CHECK(b64_decode("aGVsbG8*", buf, sizeof(buf)) < 0,
	      "base64: bad byte");
	CHECK(b64_decode("aGVsbG8=", buf, 4) < 0, "base64: output too long");
	CHECK(dmarc_external("ex.test", "other.test") &&
	      !dmarc_external("ex.test", "reports.ex.test") &&
	      !dmarc_external("sub.ex.test", "ex.test") &&
	      dmarc_external("ex.test", "myex.test"),
	      "DMARC: which report domains are external");
}

static int
feed(struct smtp_reply *r, const char *lines)
{
	const char *p = lines;
	int k = 0;

	smtp_reply_init(r);
	while (*p) {
		size_t n = strcspn(p, "\n");

		k = smtp_reply_line(r, p, n);
		if (k != 0)
			break;
		p += n + (p[n] == '\n');
	}
	return k;
}

static void
test_smtp(void)
{
	struct smtp_reply r;
	char w[64], params[64], h[64], port[8];

	CHECK(feed(&r, "250-mx.ex.test\n250-PIPELINING\n250-AUTH PLAIN LOGIN\n"
		   "250-XCLIENT NAME ADDR PROTO\n250 8BITMIME") == 1 &&
	      r.code == 250 && r.nlines == 5, "multi-line EHLO reply");
	CHECK(smtp_ehlo_has(&r, "auth", params, sizeof(params)) &&
	      strcmp(params, "PLAIN LOGIN") == 0, "AUTH and its mechanisms");
	CHECK(smtp_ehlo_has(&r, "XCLIENT", params, sizeof(params)) &&
	      strstr(params, "ADDR") != NULL, "XCLIENT attributes");
	CHECK(!smtp_ehlo_has(&r, "STARTTLS", NULL, 0) &&
	      !smtp_ehlo_has(&r, "mx.ex.test", NULL, 0),
	      "no STARTTLS; the greeting is not an extension");
	smtp_first_word(&r, w, sizeof(w));
	CHECK(strcmp(w, "mx.ex.test") == 0, "EHLO name");
	CHECK(feed(&r, "220 mx.ex.test ESMTP") == 1 && r.code == 220,
	      "one-line banner");
	CHECK(feed(&r, "554") == 1 && r.code == 554, "bare code");
	CHECK(feed(&r, "250-a\n251 b") == -1, "code changes: refused");
	CHECK(feed(&r, "2500 x") == -1 && feed(&r, "25") == -1 &&
	      feed(&r, "650 x") == -1 && feed(&r, "260 x") == -1 &&
	      feed(&r, "250_x") == -1, "malformed lines refused");
	CHECK(smtp_split_target("mx.ex.test", h, sizeof(h), port, sizeof(port))
	      && strcmp(port, "25") == 0, "HOST: port 25");
	CHECK(smtp_split_target("[2001:db8::1]:587", h, sizeof(h), port,
				sizeof(port)) && strcmp(h, "2001:db8::1") == 0 &&
	      strcmp(port, "587") == 0, "[v6]:PORT");
	CHECK(smtp_split_target("2001:db8::1", h, sizeof(h), port,
				sizeof(port)) && strcmp(port, "25") == 0,
	      "bare IPv6 address");
	CHECK(!smtp_split_target("h:0", h, sizeof(h), port, sizeof(port)) &&
	      !smtp_split_target(":25", h, sizeof(h), port, sizeof(port)) &&
	      !smtp_split_target("h:x", h, sizeof(h), port, sizeof(port)),
	      "bad targets refused");
}

static struct dns_ans
ans(enum dns_status st, const char **data)
{
	struct dns_ans a = { st, 0, 0, (char **)data, "" };

	while (data && data[a.n])
		a.n++;
	return a;
}

static void
test_dnsbl(void)
{
	static const char *listed[] = { "127.0.0.2", "127.0.0.10", NULL };
	static const char *park[] = { "127.0.0.2", "198.51.100.80", NULL };
	static const char *err[] = { "127.255.255.254", NULL };
	struct dns_ans a;
	const char *bad;
	char name[200];

	CHECK(dns_revname("2001:db8::1", "bl.test", name, sizeof(name)) &&
	      strcmp(name, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		     "8.b.d.0.1.0.0.2.bl.test") == 0,
	      "IPv6 nibbles of 2001:db8::1: %s", name);
	CHECK(dns_revname("192.0.2.1", NULL, name, sizeof(name)) &&
	      strcmp(name, "1.2.0.192.in-addr.arpa") == 0, "IPv4 reverse");
	CHECK(dns_revname("::ffff:127.0.0.2", "z", name, sizeof(name)) &&
	      strncmp(name, "2.0.0.0.0.0.f.7.f.f.f.f.0", 25) == 0,
	      "RFC 5782 IPv6 test address: %s", name);
	CHECK(!dns_revname("x", "z", name, sizeof(name)), "not an address");
	a = ans(DNS_OK, listed);
	CHECK(dnsbl_classify(&a, &bad) == BL_LISTED, "127.0.0.x: listed");
	a = ans(DNS_OK, park);
	CHECK(dnsbl_classify(&a, &bad) == BL_WILD &&
	      strcmp(bad, "198.51.100.80") == 0, "outside 127/8: not a "
	      "blacklist answer");
	a = ans(DNS_OK, err);
	CHECK(dnsbl_classify(&a, &bad) == BL_ERRCODE, "127.255.255.254: error");
	a = ans(DNS_NXDOMAIN, NULL);
	CHECK(dnsbl_classify(&a, &bad) == BL_NOT_LISTED, "NXDOMAIN");
	a = ans(DNS_NODATA, NULL);
	CHECK(dnsbl_classify(&a, &bad) == BL_NOT_LISTED, "no data");
	a = ans(DNS_TIMEOUT, NULL);
	CHECK(dnsbl_classify(&a, &bad) == BL_FAILED, "timeout");
	CHECK(strstr(dnsbl_meaning("zen.spamhaus.org", "127.0.0.10"),
		     "PBL") != NULL &&
	      strstr(dnsbl_meaning("zen.spamhaus.org", "127.255.255.252"),
		     "typing error") != NULL &&
	      dnsbl_meaning("bl.example", "127.0.0.2") == NULL,
	      "meanings of codes");
}

static void
test_report(void)
{
	struct report rep = { NULL, 0, 0 };
	char sum[300];

	report_add(&rep, "a", "x", V_OK, "fine");
	report_add(&rep, "b", "y", V_SKIP, "no input");
	CHECK(report_exit(&rep) == 0, "OK and SKIP: exit 0");
	report_add(&rep, "c", "z", V_UNKNOWN, "timeout");
	CHECK(report_exit(&rep) == 3, "UNKNOWN: exit 3");
	report_add(&rep, "d", "w", V_WARN, "hm\x01\xff");
	CHECK(report_exit(&rep) == 1 && strcmp(rep.r[3].reason, "hm??") == 0,
	      "WARN over UNKNOWN: exit 1; unprintable bytes cleaned");
	report_add(&rep, "e", "v", V_FAIL, "bad");
	CHECK(report_exit(&rep) == 2, "FAIL: exit 2");
	report_summary(&rep, sum, sizeof(sum));
	CHECK(strcmp(sum, "MAILSERVER CRITICAL - 1 FAIL, 1 WARN, 1 UNKNOWN, "
		     "1 OK, 1 skipped; e v: bad") == 0, "summary: %s", sum);
	report_free(&rep);
}

int
main(void)
{
	test_spf_parse();
	test_spf_eval();
	test_tags();
	test_smtp();
	test_dnsbl();
	test_report();
	(void)asked;
	return tap_failed ? 1 : 0;
}
