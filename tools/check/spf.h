/*
 * SPF (RFC 7208): a record parser, macro expansion and check_host().
 * DNS answers come through a struct dns_src, so that the tests can
 * answer from a table.
 */
#ifndef CHK_SPF_H
#define CHK_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"

#define SPF_MAX_LOOKUPS 10	/* RFC 7208 4.6.4 */
#define SPF_MAX_VOIDS 2
#define SPF_MAX_TERMS 512

enum spf_mech {
	M_ALL, M_INCLUDE, M_A, M_MX, M_PTR, M_IP4, M_IP6, M_EXISTS,
	M_REDIRECT, M_EXP, M_OTHER	/* M_OTHER: an unknown modifier */
};

struct spf_term {
	char qual;		/* '+', '-', '~' or '?' (mechanisms) */
	enum spf_mech m;
	char *domain;		/* domain-spec as written, or NULL */
	unsigned char addr[16];	/* ip4 (first 4 bytes), ip6 */
	int cidr4, cidr6;	/* prefix lengths; -1: not given */
};

struct spf_record {
	struct spf_term *t;
	size_t n;
};

/* Does txt start an SPF record ("v=spf1", then a space or the end;
 * the version in any case)? */
bool spf_is_record(const char *txt);

/* Parse an SPF record.  0, or -1 with a one-line reason in err (then
 * rec is empty).  rec is freed with spf_record_free() in both cases. */
int spf_parse(const char *txt, struct spf_record *rec, char *err,
	      size_t errlen);
void spf_record_free(struct spf_record *rec);

/* Is s a valid domain-spec (macro-string ending in a top label or a
 * macro)? */
bool spf_domain_spec_ok(const char *s);

enum spf_result {
	SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL, SPF_SOFTFAIL,
	SPF_TEMPERROR, SPF_PERMERROR
};
const char *spf_result_name(enum spf_result r);

/* One evaluation.  family 0 is a walk: no address matches, so every
 * term is visited (the worst case a receiver meets), to count lookups. */
struct spf_eval {
	struct dns_src dns;
	int family;			/* 4, 6 or 0 */
	unsigned char ip[16];
	const char *sender;		/* "postmaster@DOMAIN" if NULL */
	const char *helo;		/* %{h}; "unknown" if NULL */
	/* out */
	int lookups;			/* DNS-lookup terms met */
	int voids;			/* lookups that found nothing */
	char why[400];			/* what decided, or the error */
	/* internal */
	int depth;
	const char *top;
};

/* Set e up for ip ("" or NULL: a walk) with the given source.  false
 * if ip is not an address. */
bool spf_eval_init(struct spf_eval *e, struct dns_src dns, const char *ip);

/* check_host(ip, domain, sender) of RFC 7208 section 4. */
enum spf_result spf_check_host(struct spf_eval *e, const char *domain);

/* Expand a macro-string (domain-spec) for domain.  0, or -1 on a
 * syntax error; the result is cut from the left to 253 bytes. */
int spf_expand(const struct spf_eval *e, const char *spec,
	       const char *domain, char *out, size_t len);

#endif
