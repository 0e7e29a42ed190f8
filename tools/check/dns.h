/*
 * DNS for mailserver-check: answers in presentation form, and a cache of
 * queries run in parallel through libunbound (dns.c).  The checks see
 * only struct dns_ans and the struct dns_src interface, so that the SPF
 * evaluator's tests can answer from a table instead.
 */
#ifndef CHK_DNS_H
#define CHK_DNS_H

#include <stdbool.h>
#include <stddef.h>

enum { T_A = 1, T_CNAME = 5, T_PTR = 12, T_MX = 15, T_TXT = 16,
       T_AAAA = 28 };

enum dns_status {
	DNS_OK,		/* NOERROR with at least one record of the type */
	DNS_NODATA,	/* NOERROR, no record of the type */
	DNS_NXDOMAIN,	/* the name does not exist */
	DNS_SERVFAIL,	/* SERVFAIL, REFUSED or any other error code */
	DNS_TIMEOUT,	/* no answer within the per-query timeout */
	DNS_ERROR	/* the query could not be made (libunbound error) */
};

/* One answer.  data[i] is NUL-terminated presentation text: an address
 * (A, AAAA), a name without its trailing dot (PTR, CNAME), "PREF NAME"
 * (MX), or the character-strings of one TXT record joined with nothing
 * between them (a NUL byte inside becomes '?'). */
struct dns_ans {
	enum dns_status status;
	int rcode;
	size_t n;
	char **data;
	char why[160];	/* for DNS_SERVFAIL / DNS_ERROR: what happened */
};

/* Where the SPF evaluator gets its answers (never NULL). */
struct dns_src {
	const struct dns_ans *(*get)(void *arg, const char *name, int type);
	void *arg;
};

const char *dns_status_name(enum dns_status s);

/* Does the status mean "nothing there" (NXDOMAIN or no data)? */
bool dns_empty(const struct dns_ans *a);

/* ---- the libunbound side (dns.c) ---- */
struct dns;

/* A resolver: resolver NULL uses /etc/resolv.conf (unbound recurses
 * itself when that names no server); "ADDR" or "ADDR@PORT" forwards
 * every query there.  timeout_ms bounds each query.  NULL on error,
 * with the reason in err. */
struct dns *dns_new(const char *resolver, unsigned timeout_ms, char *err,
		    size_t errlen);
void dns_free(struct dns *d);

/* Start a query unless it is cached or under way (name without a
 * trailing dot or with one: the same query). */
void dns_want(struct dns *d, const char *name, int type);

/* Wait until every query started has its answer or its timeout. */
void dns_run(struct dns *d);

/* The answer, starting and waiting for the query if needed.  The
 * pointer stays valid until dns_free(). */
const struct dns_ans *dns_get(struct dns *d, const char *name, int type);

/* The struct dns_src that reads from d. */
struct dns_src dns_source(struct dns *d);

/* ---- names (dnsname.c) ---- */

/* The reverse name of an address (in-addr.arpa or ip6.arpa) or, with a
 * zone, the DNSBL query name: "4.3.2.1.ZONE", or the 32 nibbles of an
 * IPv6 address, lowest first.  false if ip is not an address or the
 * name would not fit. */
bool dns_revname(const char *ip, const char *zone, char *out, size_t len);

/* Is s a literal IPv4 or IPv6 address?  family 4 or 6, or 0. */
int dns_ip_family(const char *s);

/* Is s a syntactically valid host/domain name (letters, digits, '-',
 * '_' and dots; labels 1..63; at most 253 bytes)? */
bool dns_valid_name(const char *s);

#endif
