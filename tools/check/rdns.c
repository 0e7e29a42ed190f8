/*
 * Forward-confirmed reverse DNS: each address has a PTR record, the
 * PTR name's A (or AAAA) records hold the address, and that name is the
 * one the server gives in its banner and EHLO (--host).
 */
#include <string.h>

#include <arpa/inet.h>

#include "checks.h"

#define RDNS_MAX_NAMES 10

static bool
holds(const struct dns_ans *a, const char *ip)
{
	unsigned char x[16], y[16];
	int f = dns_ip_family(ip);
	size_t i;

	if (f == 0)
		return false;
	inet_pton(f == 4 ? AF_INET : AF_INET6, ip, x);
	for (i = 0; i < a->n; i++)
		if (inet_pton(f == 4 ? AF_INET : AF_INET6, a->data[i], y) == 1 &&
		    memcmp(x, y, f == 4 ? 4 : 16) == 0)
			return true;
	return false;
}

void
rdns_want(struct dns *d, const struct inputs *in)
{
	char rev[128];
	size_t i;

	for (i = 0; i < in->ips.n; i++)
		if (dns_revname(in->ips.v[i], NULL, rev, sizeof(rev)))
			dns_want(d, rev, T_PTR);
}

static void
one(struct dns *d, const struct inputs *in, const char *banner,
    const char *ip, struct report *rep)
{
	const struct dns_ans *ptr, *fwd;
	const char *confirmed = NULL;
	int type = dns_ip_family(ip) == 6 ? T_AAAA : T_A;
	char rev[128];
	size_t i, n;
	bool failed = false;

	if (!dns_revname(ip, NULL, rev, sizeof(rev))) {
		report_add(rep, "rdns", ip, V_UNKNOWN, "not an address");
		return;
	}
	ptr = dns_get(d, rev, T_PTR);
	if (dns_empty(ptr)) {
		report_add(rep, "rdns", ip, V_FAIL, "no PTR record (%s: %s)",
			   rev, dns_status_name(ptr->status));
		return;
	}
	if (ptr->status != DNS_OK) {
		report_add(rep, "rdns", ip, V_UNKNOWN, "PTR lookup %s: %s %s",
			   rev, dns_status_name(ptr->status), ptr->why);
		return;
	}
	n = ptr->n < RDNS_MAX_NAMES ? ptr->n : RDNS_MAX_NAMES;
	for (i = 0; i < n; i++)
		dns_want(d, ptr->data[i], type);
	dns_run(d);
	for (i = 0; i < n && confirmed == NULL; i++) {
		fwd = dns_get(d, ptr->data[i], type);
		if (fwd->status == DNS_OK && holds(fwd, ip))
			confirmed = ptr->data[i];
		else if (!dns_empty(fwd) && fwd->status != DNS_OK)
			failed = true;
	}
	if (confirmed == NULL) {
		report_add(rep, "rdns", ip, failed ? V_UNKNOWN : V_FAIL,
			   "PTR %s%s, but its %s records do not hold %s%s",
			   ptr->data[0], ptr->n > 1 ? " (and others)" : "",
			   type == T_A ? "A" : "AAAA", ip,
			   failed ? " (a lookup failed)" : "");
		return;
	}
	if (in->host != NULL && !chk_name_eq(confirmed, in->host))
		report_add(rep, "rdns", ip, V_WARN,
			   "PTR %s resolves back, but is not the host name %s",
			   confirmed, in->host);
	else if (banner != NULL && *banner != '\0' &&
		 !chk_name_eq(confirmed, banner))
		report_add(rep, "rdns", ip, V_WARN,
			   "PTR %s resolves back, but the SMTP banner says %s",
			   confirmed, banner);
	else
		report_add(rep, "rdns", ip, V_OK,
			   "PTR %s, whose %s records hold %s%s", confirmed,
			   type == T_A ? "A" : "AAAA", ip,
			   ptr->n > 1 ? " (more than one PTR record)" : "");
}

void
rdns_check(struct dns *d, const struct inputs *in, const char *banner,
	   struct report *rep)
{
	size_t i;

	if (in->ips.n == 0) {
		report_add(rep, "rdns", "", V_SKIP, "no address (--ip)");
		return;
	}
	for (i = 0; i < in->ips.n; i++)
		one(d, in, banner, in->ips.v[i], rep);
}
