/*
 * Unit tests of the identity rules for international names: IDNA
 * domains, UTF-8 local parts (utf8_local), their normalisation, case and
 * one-script rule, the length caps on the canonical form, and a
 * generated-input run that checks no input crashes mu_canon and that a
 * canonical name is its own canonical form.
 *
 * Strings are written with escapes, so the bytes tested are the bytes
 * read: "\xc3\xa9" is NFC e-acute, "e\xcc\x81" its NFD form.
 */
#include <stdbool.h>
#include <string.h>

#include "../tap.h"
#include "mu_error.h"
#include "mu_username.h"

#define LO	MU_CANON_LOWER_LOCAL
#define U8	MU_CANON_UTF8_LOCAL

struct ccase {
	const char *label;
	unsigned flags;
	const char *in;
	const char *dd;		/* default_domain */
	const char *want;	/* canonical form, or NULL: refused */
	const char *why;	/* when refused: a part of *why */
};

static const struct ccase cases[] = {
	/* ---- domains: IDNA A-labels --------------------------------- */
	{ "U-label domain", LO, "a@b\xc3\xbc" "cher.example", NULL,
	  "a@xn--bcher-kva.example", NULL },
	{ "upper-case U-label domain", LO, "a@B\xc3\x9c" "CHER.example",
	  NULL, "a@xn--bcher-kva.example", NULL },
	{ "A-label domain", LO, "a@xn--bcher-kva.example", NULL,
	  "a@xn--bcher-kva.example", NULL },
	{ "upper-case A-label domain", LO, "a@XN--BCHER-KVA.EXAMPLE", NULL,
	  "a@xn--bcher-kva.example", NULL },
	{ "NFD U-label domain", LO, "a@bu\xcc\x88" "cher.example", NULL,
	  "a@xn--bcher-kva.example", NULL },
	{ "sharp s kept (non-transitional)", LO, "a@stra\xc3\x9f" "e.de",
	  NULL, "a@xn--strae-oqa.de", NULL },
	{ "full-width domain maps to ASCII", LO,
	  "a@\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90"
	  "\xef\xbd\x8c\xef\xbd\x85.org", NULL, "a@example.org", NULL },
	{ "ideographic full stop", LO, "a@b\xc3\xbc" "cher\xe3\x80\x82" "de",
	  NULL, "a@xn--bcher-kva.de", NULL },
	{ "ASCII domain lowercased", LO, "a@Example.ORG", NULL,
	  "a@example.org", NULL },
	{ "ASCII \"--\" label left alone", LO, "a@ab--cd.example", NULL,
	  "a@ab--cd.example", NULL },
	{ "U-label default_domain", LO, "bob", "B\xc3\x9c" "cher.example",
	  "bob@xn--bcher-kva.example", NULL },
	{ "bad punycode", LO, "a@xn--zz.example", NULL, NULL,
	  "invalid A-label" },
	{ "A-label of a disallowed label", LO, "a@xn--a.example", NULL, NULL,
	  "invalid A-label" },
	{ "A-label of an emoji", LO, "a@xn--ls8h.example", NULL, NULL,
	  "invalid A-label" },
	{ "emoji domain", LO, "a@\xf0\x9f\x98\x80.org", NULL, NULL,
	  "not allowed in an internationalised domain" },
	{ "unassigned code point in domain", LO, "a@\xcd\xb8.org", NULL, NULL,
	  "not allowed in an internationalised domain" },
	{ "ZWJ in domain", LO, "a@a\xe2\x80\x8d" "b.org", NULL, NULL,
	  "context rules" },
	{ "bidi rule", LO, "a@\xd7\x90" "a.example", NULL, NULL, "bidi" },
	{ "leading combining mark", LO, "a@\xcc\x81" "a.example", NULL, NULL,
	  "combining mark" },
	{ "U+2100 (maps to a/c)", LO, "a@\xe2\x84\x80.example", NULL, NULL,
	  "character not allowed in domain" },
	{ "full-width '_' (STD3 would drop it)", LO,
	  "a@\xef\xbd\x81\xef\xbc\xbf" "b.org", NULL, NULL,
	  "character not allowed in domain" },
	{ "'_' beside a U-label", LO, "a@a_b.b\xc3\xbc" "cher.de", NULL, NULL,
	  "character not allowed in domain" },
	{ "empty label beside a U-label", LO, "a@b\xc3\xbc" "cher..de", NULL,
	  NULL, "empty label" },
	{ "trailing dot beside a U-label", LO, "a@b\xc3\xbc" "cher.de.", NULL,
	  NULL, "ends with '.'" },
	{ "U-label starting with '-'", LO, "a@-b\xc3\xbc" "cher.de", NULL,
	  NULL, "'-'" },
	{ "\"--\" beside a U-label", LO, "a@ab--cd.b\xc3\xbc" "cher.de", NULL,
	  NULL, "\"--\"" },
	{ "bad U-label default_domain", LO, "bob", "\xf0\x9f\x98\x80.org",
	  NULL, "not allowed" },

	/* ---- local parts without utf8_local -------------------------- */
	{ "NFC local part without utf8_local", LO,
	  "jos\xc3\xa9@example.org", NULL, NULL, "utf8_local is off" },
	{ "NFD local part without utf8_local", LO,
	  "jose\xcc\x81@example.org", NULL, NULL, "utf8_local is off" },
	{ "Cyrillic a without utf8_local", LO, "\xd0\xb0lice@example.org",
	  NULL, NULL, "utf8_local is off" },
	{ "Kelvin sign without utf8_local", LO, "\xe2\x84\xaa" "@example.org",
	  NULL, NULL, "utf8_local is off" },
	{ "ASCII with utf8_local", LO | U8, "Alice@Example.org", NULL,
	  "alice@example.org", NULL },
	{ "ASCII, case kept, with utf8_local", U8, "Alice@example.org", NULL,
	  "Alice@example.org", NULL },

	/* ---- UTF-8 local parts: NFC and case ------------------------- */
	{ "NFC local part", LO | U8, "Jos\xc3\xa9@example.org", NULL,
	  "jos\xc3\xa9@example.org", NULL },
	{ "NFD local part is the NFC user", LO | U8,
	  "Jose\xcc\x81@example.org", NULL, "jos\xc3\xa9@example.org", NULL },
	{ "upper-case NFD local part", LO | U8, "JOSE\xcc\x81@example.org",
	  NULL, "jos\xc3\xa9@example.org", NULL },
	{ "NFD local part, case kept", U8, "Jose\xcc\x81@example.org", NULL,
	  "Jos\xc3\xa9@example.org", NULL },
	{ "Greek lowercased", LO | U8,
	  "\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91@example.org", NULL,
	  "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1@example.org", NULL },
	{ "dotted capital I: no Turkish rule", LO | U8,
	  "\xc4\xb0" "stanbul@example.org", NULL,
	  "i\xcc\x87" "stanbul@example.org", NULL },
	{ "Kelvin sign is K", LO | U8, "\xe2\x84\xaa" "elvin@example.org",
	  NULL, "kelvin@example.org", NULL },
	{ "Cyrillic name", LO | U8,
	  "\xd0\x90\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0" "2024@example.org", NULL,
	  "\xd0\xb0\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0" "2024@example.org", NULL },
	{ "NFD Cyrillic short i", LO | U8, "\xd0\xb8\xcc\x86@example.org",
	  NULL, "\xd0\xb9@example.org", NULL },
	{ "Han with Hiragana (Japanese)", LO | U8,
	  "\xe7\x94\xb0\xe4\xb8\xad\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86"
	  "@example.org", NULL,
	  "\xe7\x94\xb0\xe4\xb8\xad\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86"
	  "@example.org", NULL },
	{ "Hangul", LO | U8, "\xea\xb9\x80\xec\xb2\xa0@example.org", NULL,
	  "\xea\xb9\x80\xec\xb2\xa0@example.org", NULL },
	{ "utf8 local part and U-label domain", LO | U8,
	  "J\xc3\xbcrgen@B\xc3\xbc" "cher.de", NULL,
	  "j\xc3\xbcrgen@xn--bcher-kva.de", NULL },

	/* ---- UTF-8 local parts: refusals ----------------------------- */
	{ "Cyrillic a in a Latin name", LO | U8, "\xd0\xb0lice@example.org",
	  NULL, NULL, "more than one script" },
	{ "Latin o in a Cyrillic name", LO | U8,
	  "\xd0\xb0\xd0\xbb\xd0\xb8\xd1\x81" "o@example.org", NULL, NULL,
	  "more than one script" },
	{ "Greek omicron in a Latin name", LO | U8,
	  "b\xce\xbf" "b@example.org", NULL, NULL, "more than one script" },
	{ "Latin with Han", LO | U8, "abc\xe7\x94\xb0@example.org", NULL,
	  NULL, "more than one script" },
	{ "Hiragana with Hangul", LO | U8,
	  "\xe3\x81\x9f\xea\xb9\x80@example.org", NULL, NULL,
	  "more than one script" },
	{ "full-width Latin letters", LO | U8,
	  "\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85"
	  "@example.org", NULL, NULL, "compatibility character" },
	{ "circled letter", LO | U8, "b\xe2\x93\x90" "b@example.org", NULL,
	  NULL, "compatibility character" },
	{ "ligature fi", LO | U8, "\xef\xac\x81" "x@example.org", NULL, NULL,
	  "compatibility character" },
	{ "zero-width space", LO | U8, "ali\xe2\x80\x8b" "ce@example.org",
	  NULL, NULL, "invisible" },
	{ "zero-width joiner", LO | U8, "ali\xe2\x80\x8d" "ce@example.org",
	  NULL, NULL, "invisible" },
	{ "soft hyphen", LO | U8, "ali\xc2\xad" "ce@example.org", NULL, NULL,
	  "invisible" },
	{ "right-to-left override", LO | U8, "a\xe2\x80\xae" "b@example.org",
	  NULL, NULL, "invisible" },
	{ "no-break space", LO | U8, "a\xc2\xa0" "b@example.org", NULL, NULL,
	  "separator" },
	{ "ideographic space", LO | U8, "a\xe3\x80\x80" "b@example.org", NULL,
	  NULL, "separator" },
	{ "private-use character", LO | U8, "a\xee\x80\x80@example.org", NULL,
	  NULL, "private-use" },
	{ "unassigned code point", LO | U8, "a\xcd\xb8@example.org", NULL,
	  NULL, "unassigned" },
	{ "leading '.' before UTF-8", LO | U8, ".\xc3\xa9@example.org", NULL,
	  NULL, "starts or ends with '.'" },
	{ "\"..\" beside UTF-8", LO | U8, "\xc3\xa9..x@example.org", NULL,
	  NULL, "\"..\"" },
	{ "'/' beside UTF-8", LO | U8, "\xc3\xa9/x@example.org", NULL, NULL,
	  "not allowed in local part" },
	{ "invalid UTF-8 with utf8_local", LO | U8, "\xc3\x28@example.org",
	  NULL, NULL, "invalid UTF-8" },
	{ "C1 control with utf8_local", LO | U8, "a\xc2\x85@example.org",
	  NULL, NULL, "invalid UTF-8" },
	{ "surrogate with utf8_local", LO | U8, "a\xed\xa0\x80@example.org",
	  NULL, NULL, "invalid UTF-8" },
};

static void
test_cases(void)
{
	char out[MU_NAME_MAX + 1];
	const struct ccase *c;
	const char *why;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		why = NULL;
		memset(out, 'X', sizeof(out));
		r = mu_canon(c->in, c->dd, c->flags, out, &why);
		if (c->want != NULL) {
			CHECK(r == MU_OK && strcmp(out, c->want) == 0,
			      "%s", c->label);
			if (r != MU_OK)
				printf("#   refused: %s\n", why);
			else if (strcmp(out, c->want) != 0)
				printf("#   got \"%s\"\n", out);
		} else {
			bool ok = r == MU_E_BADNAME && out[0] == '\0' &&
			    why != NULL && strstr(why, c->why) != NULL;

			CHECK(ok, "refuses %s", c->label);
			if (r == MU_OK)
				printf("#   accepted as \"%s\"\n", out);
			else if (!ok)
				printf("#   why: %s\n", why ? why : "(none)");
		}
	}
}

static void
test_domain(void)
{
	char out[MU_DOMAIN_MAX + 1];
	const char *why = NULL;

	CHECK(mu_canon_domain("b\xc3\xbc" "cher.example", out, &why) ==
	      MU_OK && strcmp(out, "xn--bcher-kva.example") == 0,
	      "canon_domain: U-label");
	CHECK(mu_canon_domain("B\xc3\x9c" "CHER.example", out, &why) ==
	      MU_OK && strcmp(out, "xn--bcher-kva.example") == 0,
	      "canon_domain: upper-case U-label");
	CHECK(mu_canon_domain("XN--bcher-KVA.Example", out, &why) == MU_OK &&
	      strcmp(out, "xn--bcher-kva.example") == 0,
	      "canon_domain: A-label lowercased");
	CHECK(mu_canon_domain("Example.ORG", out, &why) == MU_OK &&
	      strcmp(out, "example.org") == 0, "canon_domain: ASCII");
	why = NULL;
	CHECK(mu_canon_domain("xn--zz.example", out, &why) == MU_E_BADNAME &&
	      out[0] == '\0' && why != NULL &&
	      strstr(why, "invalid A-label") != NULL,
	      "canon_domain: bad A-label refused with a reason");
	why = NULL;
	CHECK(mu_canon_domain("\xf0\x9f\x93\xa7.example", out, &why) ==
	      MU_E_BADNAME && why != NULL, "canon_domain: emoji refused");
	why = NULL;
	CHECK(mu_canon_domain(NULL, out, &why) == MU_E_BADNAME && why != NULL,
	      "canon_domain: NULL refused");
	CHECK(mu_canon_domain("", out, NULL) == MU_E_BADNAME,
	      "canon_domain: empty refused, why may be NULL");
}

/* Repeat the UTF-8 of s n times into buf, then append tail. */
static char *
rep(char *buf, const char *s, size_t n, const char *tail)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(buf, s);
	strcat(buf, tail);
	return buf;
}

static void
test_lengths(void)
{
	char in[1024], out[MU_NAME_MAX + 1], dom[700], want[400];
	const char *why = NULL;
	size_t i;
	int r;

	/* 32 x e-acute is 64 bytes */
	rep(in, "\xc3\xa9", 32, "@example.org");
	CHECK(mu_canon(in, NULL, LO | U8, out, NULL) == MU_OK &&
	      strcmp(out, in) == 0, "64-byte UTF-8 local part");
	rep(in, "\xc3\xa9", 33, "@example.org");
	CHECK(mu_canon(in, NULL, LO | U8, out, &why) == MU_E_BADNAME &&
	      strstr(why, "longer than 64") != NULL,
	      "66-byte UTF-8 local part refused");
	/* 96 bytes of NFD input, 64 bytes once NFC */
	rep(in, "e\xcc\x81", 32, "@example.org");
	rep(want, "\xc3\xa9", 32, "@example.org");
	CHECK(mu_canon(in, NULL, LO | U8, out, NULL) == MU_OK &&
	      strcmp(out, want) == 0,
	      "the 64-byte cap applies to the NFC form");
	/* U+023A (2 bytes) lowercases to U+2C65 (3 bytes) */
	rep(in, "\xc8\xba", 32, "@example.org");
	why = NULL;
	CHECK(mu_canon(in, NULL, U8, out, NULL) == MU_OK &&
	      mu_canon(in, NULL, LO | U8, out, &why) == MU_E_BADNAME &&
	      why != NULL && strstr(why, "longer than 64") != NULL,
	      "the 64-byte cap applies to the lowercased form");
	/* 6 labels of 15 Hiragana: 275 bytes given, 131 as A-labels */
	dom[0] = '\0';
	for (i = 0; i < 6; i++) {
		if (i > 0)
			strcat(dom, ".");
		rep(dom + strlen(dom), "\xe3\x81\x82", 15, "");
	}
	r = mu_canon_domain(dom, out, &why);
	CHECK(strlen(dom) == 275 && r == MU_OK && strlen(out) == 131,
	      "the 253-byte cap applies to the A-label form");
	/* 14 labels of 20 u-umlaut: 296 bytes given, 380 as A-labels */
	dom[0] = '\0';
	for (i = 0; i < 14; i++)
		rep(dom + strlen(dom), "\xc3\xbc", 20, ".");
	strcat(dom, "de");
	why = NULL;
	CHECK(mu_canon_domain(dom, out, &why) == MU_E_BADNAME &&
	      why != NULL && strstr(why, "longer than 253") != NULL,
	      "a U-label domain over 253 bytes as A-labels refused");
	rep(in, "\xc3\xbc", 60, ".de");
	why = NULL;
	CHECK(mu_canon_domain(in, out, &why) == MU_E_BADNAME && why != NULL &&
	      strstr(why, "longer than 63") != NULL,
	      "a U-label over 63 bytes as an A-label refused");
	/* 64-byte UTF-8 local part and 253-byte domain: 318 bytes */
	snprintf(dom, sizeof(dom), "%.63s.%.63s.%.63s.%.61s",
		 rep(want, "d", 63, ""), want, want, want);
	rep(in, "\xc3\xa9", 32, "@");
	strcat(in, dom);
	CHECK(strlen(dom) == 253 && mu_canon(in, NULL, LO | U8, out, NULL) ==
	      MU_OK && strlen(out) == 318, "318-byte UTF-8 address");
	rep(in, "\xc3\xa9", 200, "@example.org");
	why = NULL;
	CHECK(mu_canon(in, NULL, LO | U8, out, &why) == MU_E_BADNAME &&
	      why != NULL && strstr(why, "longer than 320") != NULL,
	      "over 320 bytes given: refused before any conversion");
}

/* ---- generated input ------------------------------------------------ */

static unsigned long seed = 12345;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((seed >> 33) % n);
}

/* Fragments that together reach every rule above: the first NGOOD
 * are often valid, the rest rarely. */
static const char *frags[] = {
	"a", "Z", "o", "0", "-", ".", "xn--", "XN--", "bcher-kva", "kva",
	"\xc3\xa9", "e\xcc\x81", "\xc3\x9f", "\xc3\x9c", "\xd0\xb0",
	"\xd0\x90", "\xce\xbf", "\xe7\x94\xb0", "\xe3\x81\x9f",
	"\xea\xb9\x80", "\xef\xbd\x85", "\xe2\x84\xaa", "\xc4\xb0",
	"\xc8\xba", "\xe3\x80\x82",
#define NGOOD 25
	"@", "_", "+", "\xcc\x81", "\xe2\x80\x8d", "\xe2\x80\x8b",
	"\xc2\xa0", "\xef\xbc\xbf", "\xd7\x90", "\xf0\x9f\x98\x80",
	"\xcd\xb8", "\xee\x80\x80", "\xe2\x84\x80", ":", "/", "\"", " ",
	"\x01", "\x7f", "\xc3", "\x80", "\xed\xa0\x80", "\xc2\x85",
	"\xf4\x90\x80\x80",
};

/* Append n fragments to buf (size bytes), one in eight from them all. */
static void
frag_append(char *buf, size_t size, unsigned n)
{
	const char *f;
	unsigned k;

	for (k = 0; k < n; k++) {
		if (rnd(8) == 0)
			f = frags[rnd(sizeof(frags) / sizeof(frags[0]))];
		else
			f = frags[rnd(NGOOD)];
		if (strlen(buf) + strlen(f) >= size)
			break;
		strcat(buf, f);
	}
}

static void
test_generated(void)
{
	char in[700], out[MU_NAME_MAX + 1], again[MU_NAME_MAX + 1];
	const char *why, *at;
	size_t len;
	unsigned i, flags, nok = 0, bad = 0, extra;
	int r;

	for (i = 0; i < 4000; i++) {
		/* one in ten long, past the caps */
		extra = i % 10 == 0 ? 60 : 0;
		in[0] = '\0';
		frag_append(in, sizeof(in) - 1, 1 + rnd(6) + extra);
		if (rnd(3) != 0) {
			strcat(in, "@");
			frag_append(in, sizeof(in), 1 + rnd(8) + extra);
		}
		flags = rnd(4);
		why = NULL;
		r = mu_canon(in, i % 3 == 0 ? "Example.org" : NULL, flags, out,
			     &why);
		if (r != MU_OK) {
			if (r != MU_E_BADNAME || why == NULL || out[0] != '\0')
				bad++;
			continue;
		}
		nok++;
		len = strlen(out);
		at = strchr(out, '@');
		/* canonical: within the caps, and its own canonical form */
		if (len > MU_NAME_MAX || at == NULL ||
		    (size_t)(at - out) > MU_LOCAL_MAX ||
		    strlen(at + 1) > MU_DOMAIN_MAX ||
		    mu_canon(out, NULL, flags, again, NULL) != MU_OK ||
		    strcmp(out, again) != 0) {
			if (bad++ < 5)
				printf("#   \"%s\" -> \"%s\" (flags %u)\n", in,
				       out, flags);
		}
	}
	CHECK(bad == 0 && nok > 200,
	      "4000 generated names: no crash, reasons given, canonical forms "
	      "stable (%u accepted)", nok);
}

int
main(void)
{
	test_cases();
	test_domain();
	test_lengths();
	test_generated();
	return tap_failed == 0 ? 0 : 1;
}
