/*
 * The DNS checks.  Each has a "want" step that starts its first queries
 * (so that all of them run in parallel) and a step that reads the
 * answers, asks what else it needs, and adds its results.
 */
#ifndef CHK_CHECKS_H
#define CHK_CHECKS_H

#include "check.h"
#include "dns.h"

struct inputs {
	struct strlist ips;		/* the server's public addresses */
	struct strlist domains;		/* mail domains */
	struct strlist selectors;	/* DKIM selectors */
	struct strlist zones;		/* DNSBL zones */
	struct strlist dkim_keys;	/* SELECTOR[@DOMAIN]=FILE */
	char *host;			/* the server's host name */
	char *smtp;			/* HOST[:PORT] to probe */
	char *resolver;			/* ADDR[@PORT] */
	char *xclient;			/* probe as this address */
	char *rcpt;			/* the foreign recipient */
	unsigned timeout_ms;		/* per query, per SMTP step */
	bool zones_set;			/* zones replace the default list */
};

/* rdns.c: forward-confirmed reverse DNS; banner is the SMTP banner
 * name, or "" */
void rdns_want(struct dns *d, const struct inputs *in);
void rdns_check(struct dns *d, const struct inputs *in, const char *banner,
		struct report *rep);

/* spfcheck.c: the domains' and the host name's SPF records */
void spf_want(struct dns *d, const struct inputs *in);
void spf_checks(struct dns *d, const struct inputs *in, struct report *rep);

/* dkim.c */
void dkim_want(struct dns *d, const struct inputs *in);
void dkim_check(struct dns *d, const struct inputs *in, struct report *rep);

/* dmarc.c */
void dmarc_want(struct dns *d, const struct inputs *in);
void dmarc_check(struct dns *d, const struct inputs *in, struct report *rep);
/* Is rua's domain outside the policy domain's organisation (neither
 * equal, nor a parent, nor a child)? */
bool dmarc_external(const char *policy_domain, const char *rua_domain);

/* dnsbl.c */
extern const char *const dnsbl_default_zones[];
void dnsbl_want(struct dns *d, const struct inputs *in);
void dnsbl_check(struct dns *d, const struct inputs *in, struct report *rep);

/* The classification of one DNSBL answer (dnsbl.c), for the tests. */
enum bl_class {
	BL_NOT_LISTED,	/* NXDOMAIN or no A record */
	BL_LISTED,	/* addresses in 127.0.0.0/8 */
	BL_ERRCODE,	/* 127.255.255.0/24: the zone's error answers */
	BL_WILD,	/* an address outside 127.0.0.0/8 */
	BL_FAILED	/* SERVFAIL, timeout, error */
};
enum bl_class dnsbl_classify(const struct dns_ans *a, const char **bad);
/* What a code means for a zone, or NULL. */
const char *dnsbl_meaning(const char *zone, const char *code);

#endif
