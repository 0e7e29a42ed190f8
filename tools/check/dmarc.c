/*
 * DMARC (RFC 7489): _dmarc.DOMAIN holds exactly one TXT record that
 * starts "v=DMARC1" and has a valid p=; every rua/ruf mailto: address in
 * another organisation's domain is authorised by a v=DMARC1 record at
 * DOMAIN._report._dmarc.THAT-DOMAIN (7.1), or receivers send nothing.
 *
 * Without the public suffix list, "another organisation" is
 * approximated: a report domain that is the policy domain, a parent or
 * a child of it counts as the same organisation.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "tags.h"

#define DMARC_MAX_URIS 8

static bool
is_dmarc(const char *txt)
{
	return strncmp(txt, "v=DMARC1", 8) == 0 &&
	       (txt[8] == '\0' || txt[8] == ';' || txt[8] == ' ' ||
		txt[8] == '\t');
}

void
dmarc_want(struct dns *d, const struct inputs *in)
{
	char name[300];
	size_t i;

	for (i = 0; i < in->domains.n; i++) {
		snprintf(name, sizeof(name), "_dmarc.%s", in->domains.v[i]);
		dns_want(d, name, T_TXT);
	}
}

static bool
within(const char *name, const char *dom)
{
	size_t ln = strlen(name), ld = strlen(dom);

	return ln >= ld && strcasecmp(name + ln - ld, dom) == 0 &&
	       (ln == ld || name[ln - ld - 1] == '.');
}

bool
dmarc_external(const char *policy_domain, const char *rua_domain)
{
	return !within(rua_domain, policy_domain) &&
	       !within(policy_domain, rua_domain);
}

/* The domain of a "mailto:local@domain[!size]" URI into out; false if
 * the URI is not mailto: or has no domain. */
static bool
uri_domain(const char *uri, size_t len, char *out, size_t olen)
{
	const char *at, *end = uri + len;
	size_t n;

	if (len < 7 || strncasecmp(uri, "mailto:", 7) != 0)
		return false;
	for (at = end; at > uri && at[-1] != '@'; at--)
		;
	if (at == uri)
		return false;
	n = strcspn(at, "!, ");
	if (at + n > end)
		n = (size_t)(end - at);
	if (n == 0 || n >= olen)
		return false;
	memcpy(out, at, n);
	out[n] = '\0';
	return true;
}

/* Check the external addresses of tag (rua or ruf). */
static void
reports(struct dns *d, const char *dom, const char *tag, const char *list,
	struct report *rep)
{
	char rdom[256], name[600], subj[CHK_SUBJECT_MAX];
	const struct dns_ans *a;
	const char *p = list;
	size_t i, n, k;

	for (k = 0; *p != '\0' && k < DMARC_MAX_URIS; k++) {
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0)
			break;
		snprintf(subj, sizeof(subj), "%s %.*s", dom,
			 (int)(n > 200 ? 200 : n), p);
		if (!uri_domain(p, n, rdom, sizeof(rdom))) {
			report_add(rep, "dmarc-report", subj, V_WARN,
				   "%s= entry is not a mailto: address", tag);
		} else if (dmarc_external(dom, rdom)) {
			bool ok = false;

			snprintf(name, sizeof(name), "%s._report._dmarc.%s", dom,
				 rdom);
			a = dns_get(d, name, T_TXT);
			for (i = 0; i < a->n; i++)
				ok = ok || is_dmarc(a->data[i]);
			if (ok)
				report_add(rep, "dmarc-report", subj, V_OK,
					   "%s authorises reports for %s", rdom,
					   dom);
			else if (!dns_empty(a) && a->status != DNS_OK)
				report_add(rep, "dmarc-report", subj, V_UNKNOWN,
					   "%s: %s", name,
					   dns_status_name(a->status));
			else
				report_add(rep, "dmarc-report", subj, V_WARN,
					   "not authorised: no v=DMARC1 record at "
					   "%s, so receivers send no %s reports "
					   "there", name, tag);
		}
		p += n;
		while (*p != '\0' && *p != ',')
			p++;
	}
}

static void
one(struct dns *d, const char *dom, struct report *rep)
{
	const struct dns_ans *a;
	const char *rec = NULL, *pol, *v;
	char name[300], err[200];
	struct tags tg;
	size_t i, n = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", dom);
	a = dns_get(d, name, T_TXT);
	if (!dns_empty(a) && a->status != DNS_OK) {
		report_add(rep, "dmarc", name, V_UNKNOWN, "TXT lookup: %s %s",
			   dns_status_name(a->status), a->why);
		return;
	}
	for (i = 0; i < a->n; i++)
		if (is_dmarc(a->data[i])) {
			rec = a->data[i];
			n++;
		}
	if (n == 0) {
		report_add(rep, "dmarc", name, V_FAIL,
			   a->n ? "no TXT record starts with v=DMARC1" :
			   "no DMARC record");
		return;
	}
	if (n > 1) {
		report_add(rep, "dmarc", name, V_FAIL,
			   "%zu DMARC records: receivers ignore them all", n);
		return;
	}
	if (tags_parse(rec, &tg, err, sizeof(err)) != 0) {
		report_add(rep, "dmarc", name, V_FAIL, "syntax: %s", err);
		return;
	}
	v = tags_get(&tg, "v");
	pol = tags_get(&tg, "p");
	if (v == NULL || strcmp(v, "DMARC1") != 0)
		report_add(rep, "dmarc", name, V_FAIL, "v= is not DMARC1");
	else if (pol == NULL)
		report_add(rep, "dmarc", name, V_FAIL, "no p= policy");
	else if (strcmp(pol, "none") != 0 && strcmp(pol, "quarantine") != 0 &&
		 strcmp(pol, "reject") != 0)
		report_add(rep, "dmarc", name, V_FAIL,
			   "p=%s: not none, quarantine or reject", pol);
	else
		report_add(rep, "dmarc", name, V_OK, "p=%s%s%s", pol,
			   strcmp(pol, "none") == 0 ?
			   " (monitoring only: nothing is refused)" : "",
			   tags_get(&tg, "rua") ? "" : ", no rua= (no reports)");
	if (tags_get(&tg, "rua") != NULL)
		reports(d, dom, "rua", tags_get(&tg, "rua"), rep);
	if (tags_get(&tg, "ruf") != NULL)
		reports(d, dom, "ruf", tags_get(&tg, "ruf"), rep);
	tags_free(&tg);
}

void
dmarc_check(struct dns *d, const struct inputs *in, struct report *rep)
{
	size_t i;

	if (in->domains.n == 0) {
		report_add(rep, "dmarc", "", V_SKIP, "no mail domain (--domain)");
		return;
	}
	for (i = 0; i < in->domains.n; i++)
		one(d, in->domains.v[i], rep);
}
