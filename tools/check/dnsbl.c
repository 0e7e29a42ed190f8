/*
 * DNS blacklists (RFC 5782).  For each zone and address, the query
 * <reversed address>.<zone> (the 4 octets of IPv4, the 32 nibbles of
 * IPv6, lowest first), and the zone's own test: 127.0.0.2 (IPv6:
 * ::ffff:127.0.0.2) must be listed and 127.0.0.1 (::ffff:127.0.0.1)
 * must not.  All queries of all zones go out at once.
 *
 * An answer means, in this order:
 *   - an address outside 127.0.0.0/8 (for the address or a test
 *     address): no blacklist answers that; the zone name is misspelt
 *     and lands on a domain that answers every name (a parked domain),
 *     FAIL;
 *   - 127.255.255.0/24: the zone's error codes (Spamhaus:
 *     .252 typo in the zone or a bad DQS key, .254 query through a
 *     public resolver, .255 too many queries), UNKNOWN, never "listed";
 *   - the test fails: 127.0.0.1 listed (the zone lists everything) or
 *     127.0.0.2 not listed (the zone is retired or refuses this
 *     resolver), WARN, "broken zone"; for IPv6 a zone whose IPv6 test
 *     address is not listed lists no IPv6 at all: skipped;
 *   - 127.0.0.0/8: listed, FAIL, with the TXT record and the meaning of
 *     the code for the zones known here;
 *   - NXDOMAIN (or no A record): not listed, OK;
 *   - SERVFAIL, timeout: UNKNOWN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "checks.h"

/* The default list: widely used zones, free for low volumes, that
 * answer the RFC 5782 test. */
const char *const dnsbl_default_zones[] = {
	"zen.spamhaus.org",
	"bl.spamcop.net",
	"psbl.surriel.com",
	"bl.mailspike.net",
	"dnsbl-1.uceprotect.net",
	"ix.dnsbl.manitu.net",
	"dnsbl.dronebl.org",
	NULL
};

static const struct {
	const char *suffix;	/* the zone, or a parent of it */
	const char *code;
	const char *meaning;
} meanings[] = {
	{ "spamhaus.org", "127.0.0.2", "SBL: a known spam source" },
	{ "spamhaus.org", "127.0.0.3", "SBL CSS: snowshoe spam" },
	{ "spamhaus.org", "127.0.0.4", "XBL: exploited host or botnet" },
	{ "spamhaus.org", "127.0.0.5", "XBL: exploited host or botnet" },
	{ "spamhaus.org", "127.0.0.6", "XBL: exploited host or botnet" },
	{ "spamhaus.org", "127.0.0.7", "XBL: exploited host or botnet" },
	{ "spamhaus.org", "127.0.0.9", "SBL DROP: hijacked network" },
	{ "spamhaus.org", "127.0.0.10",
	  "PBL (by the ISP): an end-user range that should not send "
	  "direct-to-MX mail" },
	{ "spamhaus.org", "127.0.0.11",
	  "PBL (by Spamhaus): an end-user range that should not send "
	  "direct-to-MX mail" },
	{ "spamcop.net", "127.0.0.2", "reported by SpamCop users as sending "
	  "spam" },
	{ "surriel.com", "127.0.0.2", "PSBL: sent mail to spam traps" },
	{ "mailspike.net", "127.0.0.2", "Mailspike: a spam source" },
	{ "uceprotect.net", "127.0.0.2", "UCEPROTECT level 1: this address "
	  "sent to spam traps" },
	{ "manitu.net", "127.0.0.2", "NiX Spam: sent spam" },
	{ "dronebl.org", "127.0.0.3", "DroneBL: IRC drone" },
	{ "dronebl.org", "127.0.0.6", "DroneBL: unknown spambot or drone" },
	{ "dronebl.org", "127.0.0.7", "DroneBL: DDoS drone" },
	{ "dronebl.org", "127.0.0.8", "DroneBL: SOCKS proxy" },
	{ "dronebl.org", "127.0.0.9", "DroneBL: HTTP proxy" },
	{ "dronebl.org", "127.0.0.13", "DroneBL: brute-force attacker" },
	{ "dronebl.org", "127.0.0.15", "DroneBL: compromised router" },
};

/* Error answers in 127.255.255.0/24 (Spamhaus's, documented; others
 * use the range the same way). */
static const struct {
	const char *code;
	const char *meaning;
} errcodes[] = {
	{ "127.255.255.252", "typing error in the zone name, or a bad DQS "
	  "key" },
	{ "127.255.255.254", "query through a public or open resolver, "
	  "which the zone refuses: use your own resolver (--resolver)" },
	{ "127.255.255.255", "too many queries from this resolver" },
};

static bool
has_suffix(const char *zone, const char *suffix)
{
	size_t lz = strlen(zone), ls = strlen(suffix);

	return lz >= ls && strcasecmp(zone + lz - ls, suffix) == 0 &&
	       (lz == ls || zone[lz - ls - 1] == '.');
}

const char *
dnsbl_meaning(const char *zone, const char *code)
{
	size_t i;

	if (strncmp(code, "127.255.255.", 12) == 0) {
		for (i = 0; i < sizeof(errcodes) / sizeof(errcodes[0]); i++)
			if (strcmp(code, errcodes[i].code) == 0)
				return errcodes[i].meaning;
		return "an error code of the zone (127.255.255.0/24), not a "
		       "listing";
	}
	for (i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++)
		if (has_suffix(zone, meanings[i].suffix) &&
		    strcmp(code, meanings[i].code) == 0)
			return meanings[i].meaning;
	return NULL;
}

enum bl_class
dnsbl_classify(const struct dns_ans *a, const char **bad)
{
	enum bl_class c = BL_LISTED;
	size_t i;

	*bad = NULL;
	if (dns_empty(a))
		return BL_NOT_LISTED;
	if (a->status != DNS_OK)
		return BL_FAILED;
	for (i = 0; i < a->n; i++) {
		if (strncmp(a->data[i], "127.", 4) != 0) {
			*bad = a->data[i];
			return BL_WILD;
		}
		if (strncmp(a->data[i], "127.255.255.", 12) == 0 && *bad == NULL) {
			*bad = a->data[i];
			c = BL_ERRCODE;
		}
	}
	return c;
}

/* The test addresses of RFC 5782 section 5. */
static const char *
test_addr(int family, bool listed)
{
	if (family == 4)
		return listed ? "127.0.0.2" : "127.0.0.1";
	return listed ? "::ffff:127.0.0.2" : "::ffff:127.0.0.1";
}

void
dnsbl_want(struct dns *d, const struct inputs *in)
{
	char name[600];
	size_t i, z;
	bool fam[7] = { false };

	for (i = 0; i < in->ips.n; i++)
		fam[dns_ip_family(in->ips.v[i])] = true;
	for (z = 0; z < in->zones.n; z++) {
		const char *zone = in->zones.v[z];

		for (i = 0; i < in->ips.n; i++)
			if (dns_revname(in->ips.v[i], zone, name, sizeof(name)))
				dns_want(d, name, T_A);
		for (i = 4; i <= 6; i += 2) {
			if (!fam[i])
				continue;
			if (dns_revname(test_addr((int)i, true), zone, name,
					sizeof(name)))
				dns_want(d, name, T_A);
			if (dns_revname(test_addr((int)i, false), zone, name,
					sizeof(name)))
				dns_want(d, name, T_A);
		}
	}
}

static const struct dns_ans *
ask(struct dns *d, const char *ip, const char *zone)
{
	static const struct dns_ans bad = { DNS_ERROR, 0, 0, NULL,
					    "name too long" };
	char name[600];

	if (!dns_revname(ip, zone, name, sizeof(name)))
		return &bad;
	return dns_get(d, name, T_A);
}

/* The codes of a listing, with their meanings and the TXT reason. */
static void
listed(struct dns *d, const char *zone, const char *ip,
       const struct dns_ans *a, const char *subj, struct report *rep)
{
	char codes[400] = "", name[600];
	const struct dns_ans *txt;
	const char *m;
	size_t i, o = 0;

	for (i = 0; i < a->n && o < sizeof(codes); i++) {
		m = dnsbl_meaning(zone, a->data[i]);
		o += (size_t)snprintf(codes + o, sizeof(codes) - o, "%s%s%s%s%s",
				      i ? ", " : "", a->data[i], m ? " (" : "",
				      m ? m : "", m ? ")" : "");
	}
	(void)dns_revname(ip, zone, name, sizeof(name));
	txt = dns_get(d, name, T_TXT);
	report_add(rep, "dnsbl", subj, V_FAIL, "LISTED: %s%s%s%s", codes,
		   txt->n ? ": \"" : "", txt->n ? txt->data[0] : "",
		   txt->n ? "\"" : "");
}

static void
one(struct dns *d, const char *zone, const char *ip, struct report *rep)
{
	int fam = dns_ip_family(ip);
	const struct dns_ans *a = ask(d, ip, zone);
	const struct dns_ans *t2 = ask(d, test_addr(fam, true), zone);
	const struct dns_ans *t1 = ask(d, test_addr(fam, false), zone);
	enum bl_class c, c2, c1;
	const char *bad, *bad2, *bad1;
	char subj[CHK_SUBJECT_MAX];

	snprintf(subj, sizeof(subj), "%s %s", zone, ip);
	c = dnsbl_classify(a, &bad);
	c2 = dnsbl_classify(t2, &bad2);
	c1 = dnsbl_classify(t1, &bad1);
	if (c == BL_WILD || c2 == BL_WILD || c1 == BL_WILD) {
		report_add(rep, "dnsbl", subj, V_FAIL,
			   "not a blacklist answer: typo in the zone name or a "
			   "wildcard domain (%s answered %s)",
			   c == BL_WILD ? ip : c2 == BL_WILD ?
			   test_addr(fam, true) : test_addr(fam, false),
			   c == BL_WILD ? bad : c2 == BL_WILD ? bad2 : bad1);
	} else if (c == BL_ERRCODE || c2 == BL_ERRCODE || c1 == BL_ERRCODE) {
		const char *code = c == BL_ERRCODE ? bad :
				   c2 == BL_ERRCODE ? bad2 : bad1;

		report_add(rep, "dnsbl", subj, V_UNKNOWN,
			   "error answer %s, not a listing: %s", code,
			   dnsbl_meaning(zone, code));
	} else if (c1 == BL_LISTED) {
		report_add(rep, "dnsbl", subj, V_WARN,
			   "broken zone: it lists the test address %s, which "
			   "RFC 5782 says is never listed: it lists everything",
			   test_addr(fam, false));
	} else if (c2 == BL_NOT_LISTED && fam == 6) {
		report_add(rep, "dnsbl", subj, V_SKIP,
			   "the zone lists no IPv6 addresses (its test address "
			   "%s is not listed)", test_addr(fam, true));
	} else if (c2 == BL_NOT_LISTED) {
		report_add(rep, "dnsbl", subj, V_WARN,
			   "broken zone: the test address %s is not listed "
			   "(RFC 5782): the zone is retired or refuses this "
			   "resolver", test_addr(fam, true));
	} else if (c == BL_LISTED) {
		listed(d, zone, ip, a, subj, rep);
	} else if (c == BL_NOT_LISTED) {
		report_add(rep, "dnsbl", subj, V_OK, "not listed");
	} else {
		report_add(rep, "dnsbl", subj, V_UNKNOWN, "%s%s%s",
			   dns_status_name(a->status), *a->why ? ": " : "",
			   a->why);
	}
}

void
dnsbl_check(struct dns *d, const struct inputs *in, struct report *rep)
{
	size_t i, z;

	if (in->ips.n == 0) {
		report_add(rep, "dnsbl", "", V_SKIP, "no address (--ip)");
		return;
	}
	if (in->zones.n == 0) {
		report_add(rep, "dnsbl", "", V_SKIP, "no zone");
		return;
	}
	for (z = 0; z < in->zones.n; z++)
		for (i = 0; i < in->ips.n; i++)
			one(d, in->zones.v[z], in->ips.v[i], rep);
}
