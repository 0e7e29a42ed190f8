/*
 * The SPF check: for each domain, exactly one v=spf1 record whose syntax
 * is right, at most 10 DNS-lookup terms and 2 void lookups in the worst
 * case (a walk that matches nothing, as a receiver meets for a forged
 * sender), no "+all", and check_host() gives "pass" for each server
 * address.  The host name (the HELO name) gets the same address test.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "spf.h"

void
spf_want(struct dns *d, const struct inputs *in)
{
	size_t i;

	for (i = 0; i < in->domains.n; i++)
		dns_want(d, in->domains.v[i], T_TXT);
	if (in->host != NULL)
		dns_want(d, in->host, T_TXT);
}

/* The one SPF record at name, or NULL with a result added. */
static const char *
record(struct dns *d, const char *check, const char *name, bool helo,
       struct report *rep)
{
	const struct dns_ans *a = dns_get(d, name, T_TXT);
	const char *rec = NULL;
	size_t i, n = 0;

	if (!dns_empty(a) && a->status != DNS_OK) {
		report_add(rep, check, name, V_UNKNOWN, "TXT lookup: %s %s",
			   dns_status_name(a->status), a->why);
		return NULL;
	}
	for (i = 0; i < a->n; i++)
		if (spf_is_record(a->data[i])) {
			rec = a->data[i];
			n++;
		}
	if (n == 0 && helo) {
		report_add(rep, check, name, V_WARN,
			   "no SPF record for the HELO name (receivers check "
			   "it for bounces): publish \"v=spf1 a -all\"");
		return NULL;
	}
	if (n == 0) {
		report_add(rep, check, name, V_FAIL, "no SPF record%s",
			   a->status == DNS_NXDOMAIN ?
			   " (the name does not exist)" : "");
		return NULL;
	}
	if (n > 1) {
		report_add(rep, check, name, V_FAIL,
			   "%zu SPF records: receivers answer permerror; "
			   "merge them into one", n);
		return NULL;
	}
	return rec;
}

static bool
plus_all(const struct spf_record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->t[i].m == M_ALL)
			return r->t[i].qual == '+';
	return false;
}

static void
authorises(struct dns *d, const char *check, const char *name,
	   const struct inputs *in, struct report *rep)
{
	struct spf_eval e;
	enum spf_result r;
	char subj[CHK_SUBJECT_MAX];
	size_t i;

	for (i = 0; i < in->ips.n; i++) {
		snprintf(subj, sizeof(subj), "%s %s", name, in->ips.v[i]);
		if (!spf_eval_init(&e, dns_source(d), in->ips.v[i])) {
			report_add(rep, check, subj, V_UNKNOWN,
				   "not an address");
			continue;
		}
		r = spf_check_host(&e, name);
		if (r == SPF_PASS)
			report_add(rep, check, subj, V_OK, "pass: %s", e.why);
		else
			report_add(rep, check, subj,
				   r == SPF_TEMPERROR ? V_UNKNOWN : V_FAIL,
				   "%s: %s is not authorised (%s)",
				   spf_result_name(r), in->ips.v[i], e.why);
	}
}

static void
domain(struct dns *d, const struct inputs *in, const char *dom,
       struct report *rep)
{
	struct spf_record rec;
	struct spf_eval e;
	enum spf_result r;
	const char *txt;
	char err[200];

	if ((txt = record(d, "spf", dom, false, rep)) == NULL)
		goto ips;
	if (spf_parse(txt, &rec, err, sizeof(err)) != 0) {
		report_add(rep, "spf", dom, V_FAIL, "syntax: %s", err);
		goto ips;
	}
	if (plus_all(&rec)) {
		report_add(rep, "spf", dom, V_FAIL,
			   "\"+all\" authorises every address on the Internet");
		spf_record_free(&rec);
		goto ips;
	}
	spf_record_free(&rec);
	(void)spf_eval_init(&e, dns_source(d), NULL);
	r = spf_check_host(&e, dom);
	if (r == SPF_PERMERROR)
		report_add(rep, "spf", dom, V_FAIL, "permerror: %s", e.why);
	else if (r == SPF_TEMPERROR)
		report_add(rep, "spf", dom, V_UNKNOWN, "temperror: %s", e.why);
	else
		report_add(rep, "spf", dom, V_OK,
			   "one record; DNS-lookup terms: %d (at most %d), "
			   "void lookups: %d (at most %d)", e.lookups,
			   SPF_MAX_LOOKUPS, e.voids, SPF_MAX_VOIDS);
ips:
	authorises(d, "spf", dom, in, rep);
}

void
spf_checks(struct dns *d, const struct inputs *in, struct report *rep)
{
	size_t i;

	if (in->domains.n == 0)
		report_add(rep, "spf", "", V_SKIP, "no mail domain (--domain)");
	for (i = 0; i < in->domains.n; i++)
		domain(d, in, in->domains.v[i], rep);
	if (in->domains.n > 0 && in->ips.n == 0)
		report_add(rep, "spf", "", V_SKIP,
			   "no address (--ip): authorisation not tested");
	if (in->host == NULL || in->ips.n == 0) {
		report_add(rep, "spf-helo", "", V_SKIP, "no %s",
			   in->host ? "address (--ip)" : "host name (--host)");
		return;
	}
	if (record(d, "spf-helo", in->host, true, rep) != NULL)
		authorises(d, "spf-helo", in->host, in, rep);
}
