/*
 * SPF, RFC 7208: parse a record, expand macros, and evaluate
 * check_host() for one address, counting the DNS-lookup terms (include,
 * a, mx, ptr, exists, redirect: at most 10) and the void lookups (at most
 * 2) across the whole evaluation.  The exp= explanation is parsed but
 * never fetched: it only matters to a receiver's reply text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "check.h"
#include "spf.h"

#define SPF_MAX_DEPTH 20	/* includes and redirects within includes */
#define SPF_MAX_NAMES 10	/* MX and PTR names looked at (4.6.4) */

static const struct {
	const char *name;
	enum spf_mech m;
} mechs[] = {
	{ "all", M_ALL }, { "include", M_INCLUDE }, { "a", M_A },
	{ "mx", M_MX }, { "ptr", M_PTR }, { "ip4", M_IP4 }, { "ip6", M_IP6 },
	{ "exists", M_EXISTS },
};

const char *
spf_result_name(enum spf_result r)
{
	switch (r) {
	case SPF_NONE: return "none";
	case SPF_NEUTRAL: return "neutral";
	case SPF_PASS: return "pass";
	case SPF_FAIL: return "fail";
	case SPF_SOFTFAIL: return "softfail";
	case SPF_TEMPERROR: return "temperror";
	case SPF_PERMERROR: return "permerror";
	}
	return "?";
}

bool
spf_is_record(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 &&
	       (txt[6] == '\0' || txt[6] == ' ');
}

void
spf_record_free(struct spf_record *rec)
{
	size_t i;

	for (i = 0; i < rec->n; i++)
		free(rec->t[i].domain);
	free(rec->t);
	rec->t = NULL;
	rec->n = 0;
}

static bool
is_macro_literal(int c)
{
	return c >= 0x21 && c <= 0x7e && c != '%';
}

/* Walk one macro-string, checking its syntax; with out != NULL, also
 * expand it for e and domain.  0 or -1. */
static int
macro_walk(const struct spf_eval *e, const char *s, const char *domain,
	   char *out, size_t len)
{
	size_t o = 0;

	while (*s != '\0') {
		char val[1100], letter, delim[8];
		size_t keep = 0, nd = 0, i;
		bool rev = false, up;

		if (is_macro_literal((unsigned char)*s)) {
			if (out != NULL && o + 1 < len)
				out[o++] = *s;
			s++;
			continue;
		}
		if (*s != '%')
			return -1;
		s++;
		if (*s == '%' || *s == '_' || *s == '-') {
			const char *lit = *s == '%' ? "%" : *s == '_' ? " " :
					  "%20";

			for (i = 0; out != NULL && lit[i] && o + 1 < len; i++)
				out[o++] = lit[i];
			s++;
			continue;
		}
		if (*s++ != '{')
			return -1;
		letter = (char)tolower((unsigned char)*s);
		up = isupper((unsigned char)*s);
		if (strchr("slodiphv", letter) == NULL || letter == '\0')
			return -1;
		s++;
		while (isdigit((unsigned char)*s)) {
			keep = keep * 10 + (size_t)(*s++ - '0');
			if (keep > 128)
				return -1;
		}
		if (s[-1] >= '0' && s[-1] <= '9' && keep == 0)
			return -1;	/* "0" transformer: RFC forbids */
		if (*s == 'r' || *s == 'R') {
			rev = true;
			s++;
		}
		while (*s != '\0' && strchr(".-+,/_=", *s) != NULL) {
			if (nd + 1 < sizeof(delim))
				delim[nd++] = *s;
			s++;
		}
		delim[nd] = '\0';
		if (*s++ != '}')
			return -1;
		if (out == NULL)
			continue;
		/* the value of the letter */
		{
			const char *sender = e->sender, *at;
			char sbuf[600];

			if (sender == NULL) {
				snprintf(sbuf, sizeof(sbuf), "postmaster@%s",
					 e->top ? e->top : domain);
				sender = sbuf;
			}
			at = strrchr(sender, '@');
			switch (letter) {
			case 's':
				snprintf(val, sizeof(val), "%s", sender);
				break;
			case 'l':
				snprintf(val, sizeof(val), "%.*s",
					 at ? (int)(at - sender) : 10,
					 at ? sender : "postmaster");
				break;
			case 'o':
				snprintf(val, sizeof(val), "%s",
					 at ? at + 1 : sender);
				break;
			case 'd':
				snprintf(val, sizeof(val), "%s", domain);
				break;
			case 'i':
				if (e->family == 6) {
					char t[80];

					for (i = 0; i < 16; i++)
						snprintf(t + 4 * i, 5,
							 "%x.%x.", e->ip[i] >> 4,
							 e->ip[i] & 0xf);
					t[63] = '\0';
					snprintf(val, sizeof(val), "%s", t);
				} else {
					snprintf(val, sizeof(val),
						 "%u.%u.%u.%u", e->ip[0],
						 e->ip[1], e->ip[2], e->ip[3]);
				}
				break;
			case 'p':
				snprintf(val, sizeof(val), "unknown");
				break;
			case 'h':
				snprintf(val, sizeof(val), "%s",
					 e->helo ? e->helo : "unknown");
				break;
			default: /* 'v' */
				snprintf(val, sizeof(val), "%s",
					 e->family == 6 ? "ip6" : "in-addr");
				break;
			}
		}
		/* split at the delimiters, reverse, keep the right-most */
		{
			char *parts[600];
			size_t np = 0, first;
			char *p = val;

			if (nd == 0)
				snprintf(delim, sizeof(delim), ".");
			parts[np++] = p;
			for (; *p; p++)
				if (strchr(delim, *p) && np < 600) {
					*p = '\0';
					parts[np++] = p + 1;
				}
			if (rev)
				for (i = 0; i < np / 2; i++) {
					char *t = parts[i];

					parts[i] = parts[np - 1 - i];
					parts[np - 1 - i] = t;
				}
			first = (keep > 0 && keep < np) ? np - keep : 0;
			for (i = first; i < np; i++) {
				const char *c;

				if (i > first && o + 1 < len)
					out[o++] = '.';
				for (c = parts[i]; *c; c++) {
					if (up && !isalnum((unsigned char)*c) &&
					    !strchr("-._~", *c)) {
						if (o + 4 < len)
							o += (size_t)snprintf(
							    out + o, 4, "%%%02X",
							    (unsigned char)*c);
					} else if (o + 1 < len) {
						out[o++] = *c;
					}
				}
			}
		}
	}
	if (out != NULL && len > 0)
		out[o < len ? o : len - 1] = '\0';
	return 0;
}

static bool
is_toplabel(const char *s, size_t n)
{
	size_t i;
	bool alpha = false;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (isalpha((unsigned char)s[i]))
			alpha = true;
		else if (s[i] == '-')
			alpha = true;	/* 1*alnum "-" ... also a toplabel */
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return alpha;
}

bool
spf_domain_spec_ok(const char *s)
{
	size_t n = strlen(s);
	const char *dot;

	if (n == 0 || macro_walk(NULL, s, NULL, NULL, 0) != 0)
		return false;
	if (s[n - 1] == '}')
		return true;
	if (s[n - 1] == '.')
		n--;
	if (n == 0)
		return false;
	for (dot = s + n - 1; dot > s && *dot != '.'; dot--)
		;
	if (*dot != '.')
		return false;
	return is_toplabel(dot + 1, (size_t)(s + n - dot - 1));
}

/* "/N" or "//N" or "/N//M" at *p, for the mechanism's address family
 * rules.  0 or -1. */
static int
parse_cidr(const char **p, struct spf_term *t, bool v4ok, bool v6ok)
{
	const char *s = *p;
	long v;
	char *end;

	if (*s == '/' && s[1] != '/') {
		if (!v4ok || !isdigit((unsigned char)s[1]))
			return -1;
		v = strtol(s + 1, &end, 10);
		if (v < 0 || v > 32 || (s[1] == '0' && end - s > 2))
			return -1;
		t->cidr4 = (int)v;
		s = end;
	}
	if (s[0] == '/' && s[1] == '/') {
		if (!v6ok || !isdigit((unsigned char)s[2]))
			return -1;
		v = strtol(s + 2, &end, 10);
		if (v < 0 || v > 128 || (s[2] == '0' && end - s > 3))
			return -1;
		t->cidr6 = (int)v;
		s = end;
	}
	*p = s;
	return **p == '\0' ? 0 : -1;
}

/* One term (NUL-terminated copy) into t.  0 or -1 with err. */
static int
parse_term(char *w, struct spf_term *t, char *err, size_t errlen)
{
	char *arg = NULL, *eq, *name = w;
	size_t i, nl;

	memset(t, 0, sizeof(*t));
	t->cidr4 = t->cidr6 = -1;
	t->qual = '+';
	/* a modifier: name "=" macro-string, name = ALPHA *(alnum-_.) */
	nl = strcspn(w, "=:/");
	if (w[nl] == '=' && isalpha((unsigned char)w[0])) {
		for (i = 0; i < nl; i++)
			if (!isalnum((unsigned char)w[i]) &&
			    !strchr("-_.", w[i]))
				goto bad;
		eq = w + nl;
		*eq = '\0';
		if (strcasecmp(name, "redirect") == 0 ||
		    strcasecmp(name, "exp") == 0) {
			t->m = strcasecmp(name, "exp") == 0 ? M_EXP : M_REDIRECT;
			if (!spf_domain_spec_ok(eq + 1)) {
				snprintf(err, errlen, "%s=: not a domain: \"%s\"",
					 name, eq + 1);
				return -1;
			}
		} else {
			t->m = M_OTHER;
			if (macro_walk(NULL, eq + 1, NULL, NULL, 0) != 0) {
				snprintf(err, errlen, "%s=: bad macro string",
					 name);
				return -1;
			}
		}
		t->domain = chk_xstrdup(eq + 1);
		return 0;
	}
	if (strchr("+-~?", *w) != NULL && *w != '\0')
		t->qual = *w++;
	nl = strcspn(w, ":/");
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == nl &&
		    strncasecmp(w, mechs[i].name, nl) == 0)
			break;
	if (i == sizeof(mechs) / sizeof(mechs[0]))
		goto bad;
	t->m = mechs[i].m;
	name = w;
	w += nl;
	if (*w == ':') {
		arg = ++w;
		w += strcspn(w, "/");
	}
	switch (t->m) {
	case M_ALL:
		if (arg != NULL || *w != '\0')
			goto bad;
		return 0;
	case M_INCLUDE:
	case M_EXISTS:
		if (arg == NULL || *w != '\0')
			goto bad;
		break;
	case M_PTR:
		if (*w != '\0')
			goto bad;
		break;
	case M_A:
	case M_MX: {
		const char *c = w;

		if (parse_cidr(&c, t, true, true) != 0)
			goto bad;
		break;	/* w stays where the domain-spec ends */
	}
	case M_IP4:
	case M_IP6: {
		char addr[64];
		size_t al = (size_t)(w - (arg ? arg : w));

		if (arg == NULL || al == 0 || al >= sizeof(addr))
			goto bad;
		memcpy(addr, arg, al);
		addr[al] = '\0';
		if (inet_pton(t->m == M_IP4 ? AF_INET : AF_INET6, addr,
			      t->addr) != 1)
			goto bad;
		if (*w == '/' && t->m == M_IP6) {
			/* ip6 takes "/N" for its own prefix */
			char *end;
			long v = strtol(w + 1, &end, 10);

			if (!isdigit((unsigned char)w[1]) || v > 128 ||
			    *end != '\0')
				goto bad;
			t->cidr6 = (int)v;
		} else if (parse_cidr((const char **)&w, t, true, false) != 0) {
			goto bad;
		}
		return 0;
	}
	default:
		goto bad;
	}
	if (arg != NULL) {
		size_t al = (size_t)(w - arg);
		char *spec;

		/* the domain-spec ends where the cidr part starts */
		spec = chk_xmalloc(al + 1);
		memcpy(spec, arg, al);
		spec[al] = '\0';
		if (!spf_domain_spec_ok(spec)) {
			snprintf(err, errlen, "%s: not a domain: \"%s\"", name,
				 spec);
			free(spec);
			return -1;
		}
		t->domain = spec;
	}
	return 0;
bad:
	snprintf(err, errlen, "bad term \"%s\"", name);
	return -1;
}

int
spf_parse(const char *txt, struct spf_record *rec, char *err, size_t errlen)
{
	const char *p;
	int nredirect = 0, nexp = 0;

	rec->t = NULL;
	rec->n = 0;
	if (!spf_is_record(txt)) {
		snprintf(err, errlen, "does not start with v=spf1");
		return -1;
	}
	p = txt + 6;
	while (*p != '\0') {
		size_t wl;
		char *w;
		struct spf_term t;

		if (*p != ' ') {
			snprintf(err, errlen, "unexpected byte 0x%02x",
				 (unsigned char)*p);
			goto fail;
		}
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		wl = strcspn(p, " ");
		if (rec->n >= SPF_MAX_TERMS) {
			snprintf(err, errlen, "more than %d terms",
				 SPF_MAX_TERMS);
			goto fail;
		}
		w = chk_xmalloc(wl + 1);
		memcpy(w, p, wl);
		w[wl] = '\0';
		p += wl;
		if (parse_term(w, &t, err, errlen) != 0) {
			free(w);
			goto fail;
		}
		free(w);
		nredirect += t.m == M_REDIRECT;
		nexp += t.m == M_EXP;
		rec->t = chk_xrealloc(rec->t, (rec->n + 1) * sizeof(*rec->t));
		rec->t[rec->n++] = t;
	}
	if (nredirect > 1 || nexp > 1) {
		snprintf(err, errlen, "%s= given twice",
			 nredirect > 1 ? "redirect" : "exp");
		goto fail;
	}
	return 0;
fail:
	spf_record_free(rec);
	return -1;
}

/* ---- evaluation ---------------------------------------------------- */

bool
spf_eval_init(struct spf_eval *e, struct dns_src dns, const char *ip)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0, 0xff, 0xff };

	memset(e, 0, sizeof(*e));
	e->dns = dns;
	if (ip == NULL || *ip == '\0')
		return true;
	if (inet_pton(AF_INET, ip, e->ip) == 1) {
		e->family = 4;
	} else if (inet_pton(AF_INET6, ip, e->ip) == 1) {
		e->family = 6;
		/* an IPv4-mapped address is evaluated as IPv4 (5. of 7208) */
		if (memcmp(e->ip, mapped, 12) == 0) {
			memmove(e->ip, e->ip + 12, 4);
			e->family = 4;
		}
	} else {
		return false;
	}
	return true;
}

static bool
in_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

/* Does address text s (from an A or AAAA answer) hold e's address
 * within the prefix? */
static bool
addr_match(const struct spf_eval *e, const char *s, int c4, int c6)
{
	unsigned char a[16];

	if (e->family == 4 && inet_pton(AF_INET, s, a) == 1)
		return in_prefix(a, e->ip, c4 < 0 ? 32 : c4);
	if (e->family == 6 && inet_pton(AF_INET6, s, a) == 1)
		return in_prefix(a, e->ip, c6 < 0 ? 128 : c6);
	return false;
}

/* 1 match, 0 no match, or an SPF error result (negated) */
#define ERR(r) (-(int)(r))

static int
count_lookup(struct spf_eval *e, const char *what)
{
	if (++e->lookups > SPF_MAX_LOOKUPS) {
		snprintf(e->why, sizeof(e->why),
			 "more than %d DNS-lookup terms (at %s)",
			 SPF_MAX_LOOKUPS, what);
		return ERR(SPF_PERMERROR);
	}
	return 0;
}

/* A DNS answer for a mechanism: ERR(temperror) on failure, counting
 * voids (4.6.4).  0 when usable. */
static int
answer_ok(struct spf_eval *e, const struct dns_ans *a, const char *name,
	  bool count_void)
{
	if (a->status == DNS_SERVFAIL || a->status == DNS_TIMEOUT ||
	    a->status == DNS_ERROR) {
		snprintf(e->why, sizeof(e->why), "DNS %s for %s",
			 dns_status_name(a->status), name);
		return ERR(SPF_TEMPERROR);
	}
	if (count_void && dns_empty(a) && ++e->voids > SPF_MAX_VOIDS) {
		snprintf(e->why, sizeof(e->why),
			 "more than %d void lookups (at %s)", SPF_MAX_VOIDS,
			 name);
		return ERR(SPF_PERMERROR);
	}
	return 0;
}

static int
match_a(struct spf_eval *e, const char *name, int c4, int c6, bool vcount)
{
	const struct dns_ans *a;
	size_t i;
	int r;

	a = e->dns.get(e->dns.arg, name, e->family == 6 ? T_AAAA : T_A);
	if ((r = answer_ok(e, a, name, vcount)) != 0)
		return r;
	for (i = 0; i < a->n && e->family != 0; i++)
		if (addr_match(e, a->data[i], c4, c6))
			return 1;
	return 0;
}

static bool
name_within(const char *name, const char *dom)
{
	size_t ln = strlen(name), ld = strlen(dom);

	if (ld > 0 && dom[ld - 1] == '.')
		ld--;
	if (ln > 0 && name[ln - 1] == '.')
		ln--;
	if (ln < ld || strncasecmp(name + ln - ld, dom, ld) != 0)
		return false;
	return ln == ld || name[ln - ld - 1] == '.';
}

static enum spf_result check_host(struct spf_eval *e, const char *domain);

static int
mechanism(struct spf_eval *e, const struct spf_term *t, const char *domain)
{
	char target[300], rev[100];
	const struct dns_ans *a;
	enum spf_result sub;
	size_t i;
	int r;

	if (t->domain != NULL) {
		if (spf_expand(e, t->domain, domain, target,
			       sizeof(target)) != 0) {
			snprintf(e->why, sizeof(e->why), "bad macro in %s",
				 t->domain);
			return ERR(SPF_PERMERROR);
		}
	} else {
		snprintf(target, sizeof(target), "%s", domain);
	}
	switch (t->m) {
	case M_ALL:
		return 1;
	case M_IP4:
		return e->family == 4 &&
		       in_prefix(t->addr, e->ip, t->cidr4 < 0 ? 32 : t->cidr4);
	case M_IP6:
		return e->family == 6 &&
		       in_prefix(t->addr, e->ip, t->cidr6 < 0 ? 128 : t->cidr6);
	case M_A:
		if ((r = count_lookup(e, "a")) != 0)
			return r;
		return match_a(e, target, t->cidr4, t->cidr6, true);
	case M_MX:
		if ((r = count_lookup(e, "mx")) != 0)
			return r;
		a = e->dns.get(e->dns.arg, target, T_MX);
		if ((r = answer_ok(e, a, target, true)) != 0)
			return r;
		if (a->n > SPF_MAX_NAMES) {
			snprintf(e->why, sizeof(e->why),
				 "%s has %zu MX records, over %d", target, a->n,
				 SPF_MAX_NAMES);
			return ERR(SPF_PERMERROR);
		}
		for (i = 0; i < a->n; i++) {
			const char *mx = strchr(a->data[i], ' ');

			if (mx == NULL || strcmp(mx + 1, "") == 0)
				continue;
			r = match_a(e, mx + 1, t->cidr4, t->cidr6, false);
			if (r != 0)
				return r;
		}
		return 0;
	case M_PTR:
		if ((r = count_lookup(e, "ptr")) != 0)
			return r;
		if (e->family == 0)
			return 0;
		{
			char ip[64];

			inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->ip,
				  ip, sizeof(ip));
			if (!dns_revname(ip, NULL, rev, sizeof(rev)))
				return 0;
		}
		a = e->dns.get(e->dns.arg, rev, T_PTR);
		if (a->status != DNS_OK)
			return 0;	/* 5.5: errors are no match */
		for (i = 0; i < a->n && i < SPF_MAX_NAMES; i++) {
			if (!name_within(a->data[i], target))
				continue;
			if (match_a(e, a->data[i], -1, -1, false) == 1)
				return 1;
		}
		return 0;
	case M_EXISTS:
		if ((r = count_lookup(e, "exists")) != 0)
			return r;
		a = e->dns.get(e->dns.arg, target, T_A);
		if ((r = answer_ok(e, a, target, true)) != 0)
			return r;
		return e->family != 0 && a->status == DNS_OK;
	case M_INCLUDE:
		if ((r = count_lookup(e, "include")) != 0)
			return r;
		sub = check_host(e, target);
		switch (sub) {
		case SPF_PASS:
			return 1;
		case SPF_FAIL:
		case SPF_SOFTFAIL:
		case SPF_NEUTRAL:
			return 0;
		case SPF_TEMPERROR:
			return ERR(SPF_TEMPERROR);
		case SPF_NONE:
			snprintf(e->why, sizeof(e->why),
				 "include:%s has no SPF record", target);
			return ERR(SPF_PERMERROR);
		default:
			return ERR(SPF_PERMERROR);
		}
	default:
		return 0;
	}
}

int
spf_expand(const struct spf_eval *e, const char *spec, const char *domain,
	   char *out, size_t len)
{
	char buf[1100];
	const char *p;

	if (macro_walk(e, spec, domain, buf, sizeof(buf)) != 0)
		return -1;
	p = buf;
	/* 7.3: longer than 253 bytes, drop labels from the left */
	while (strlen(p) > 253 && strchr(p, '.') != NULL)
		p = strchr(p, '.') + 1;
	if (strlen(p) >= len)
		return -1;
	memcpy(out, p, strlen(p) + 1);
	return 0;
}

static enum spf_result
qual_result(char q)
{
	switch (q) {
	case '-': return SPF_FAIL;
	case '~': return SPF_SOFTFAIL;
	case '?': return SPF_NEUTRAL;
	default: return SPF_PASS;
	}
}

static enum spf_result
check_host(struct spf_eval *e, const char *domain)
{
	const struct dns_ans *a;
	const char *txt = NULL;
	struct spf_record rec;
	const struct spf_term *redirect = NULL;
	enum spf_result res = SPF_NEUTRAL;
	char err[200];
	size_t i, nrec = 0;
	int r;

	if (e->depth >= SPF_MAX_DEPTH) {
		snprintf(e->why, sizeof(e->why), "includes nested too deep");
		return SPF_PERMERROR;
	}
	if (!dns_valid_name(domain)) {
		snprintf(e->why, sizeof(e->why), "not a domain: %s", domain);
		return SPF_NONE;
	}
	a = e->dns.get(e->dns.arg, domain, T_TXT);
	if (a->status == DNS_SERVFAIL || a->status == DNS_TIMEOUT ||
	    a->status == DNS_ERROR) {
		snprintf(e->why, sizeof(e->why), "DNS %s for TXT %s",
			 dns_status_name(a->status), domain);
		return SPF_TEMPERROR;
	}
	for (i = 0; i < a->n; i++)
		if (spf_is_record(a->data[i])) {
			txt = a->data[i];
			nrec++;
		}
	if (nrec == 0) {
		snprintf(e->why, sizeof(e->why), "no SPF record at %s", domain);
		return SPF_NONE;
	}
	if (nrec > 1) {
		snprintf(e->why, sizeof(e->why), "%zu SPF records at %s", nrec,
			 domain);
		return SPF_PERMERROR;
	}
	if (spf_parse(txt, &rec, err, sizeof(err)) != 0) {
		snprintf(e->why, sizeof(e->why), "%s: %s", domain, err);
		return SPF_PERMERROR;
	}
	e->depth++;
	for (i = 0; i < rec.n; i++) {
		const struct spf_term *t = &rec.t[i];

		if (t->m == M_REDIRECT)
			redirect = t;
		if (t->m == M_REDIRECT || t->m == M_EXP || t->m == M_OTHER)
			continue;
		r = mechanism(e, t, domain);
		if (r < 0) {
			res = (enum spf_result)-r;
			goto out;
		}
		if (r == 1) {
			res = qual_result(t->qual);
			snprintf(e->why, sizeof(e->why), "%s: matched %c%s%s%s",
				 domain, t->qual,
				 t->m == M_ALL ? "all" : mechs[t->m].name,
				 t->domain ? ":" : "",
				 t->domain ? t->domain : "");
			goto out;
		}
	}
	if (redirect != NULL) {
		char target[300];

		if ((r = count_lookup(e, "redirect")) != 0) {
			res = (enum spf_result)-r;
			goto out;
		}
		if (spf_expand(e, redirect->domain, domain, target,
			       sizeof(target)) != 0) {
			res = SPF_PERMERROR;
			goto out;
		}
		res = check_host(e, target);
		if (res == SPF_NONE) {
			snprintf(e->why, sizeof(e->why),
				 "redirect=%s has no SPF record", target);
			res = SPF_PERMERROR;
		}
		goto out;
	}
	snprintf(e->why, sizeof(e->why), "%s: no term matched", domain);
	res = SPF_NEUTRAL;
out:
	e->depth--;
	spf_record_free(&rec);
	return res;
}

enum spf_result
spf_check_host(struct spf_eval *e, const char *domain)
{
	e->top = domain;
	e->lookups = e->voids = 0;
	return check_host(e, domain);
}
