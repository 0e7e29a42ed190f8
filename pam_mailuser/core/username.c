/*
 * Identity rules.  Domains become IDNA A-labels (libidn2, IDNA2008 with
 * UTS #46 non-transitional mapping); local parts are printable ASCII, or
 * with MU_CANON_UTF8_LOCAL NFC-normalised UTF-8 of one script
 * (libunistring).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "mu_error.h"
#include "mu_username.h"

bool
mu_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned long cp;
		size_t len, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		/* C1 control characters */
		if (cp >= 0x80 && cp <= 0x9f)
			return false;
		i += len;
	}
	return true;
}


static int
bad(const char **why, const char *text)
{
	if (why != NULL)
		*why = text;
	return MU_E_BADNAME;
}

static int
nomem(const char **why)
{
	if (why != NULL)
		*why = "out of memory";
	return MU_E_NOMEM;
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool
is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

static bool
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* True when a label of the n bytes at s starts with "xn--" (any case). */
static bool
has_alabel(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++) {
		if (i > 0 && s[i - 1] != '.')
			continue;
		if (lower(s[i]) == 'x' && lower(s[i + 1]) == 'n' &&
		    s[i + 2] == '-' && s[i + 3] == '-')
			return true;
	}
	return false;
}

/* Check the ASCII form of a domain, the n bytes at s: at most 253 bytes
 * of dot-separated labels of 1 to 63 letters, digits or '-', no label
 * starting or ending with '-'.  Writes it lowercased and terminated to
 * out (MU_DOMAIN_MAX + 1 bytes). */
static int
check_ldh(const char *s, size_t n, char *out, const char **why)
{
	size_t i, label = 0;

	if (n == 0)
		return bad(why, "empty domain");
	if (n > MU_DOMAIN_MAX)
		return bad(why, "domain longer than 253 bytes");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return bad(why, "empty label in domain");
			if (s[i - 1] == '-')
				return bad(why, "domain label ends with '-'");
			label = 0;
		} else if (!is_ldh(c)) {
			return bad(why, "character not allowed in domain");
		} else if (c == '-' && label == 0) {
			return bad(why, "domain label starts with '-'");
		} else if (++label > 63) {
			return bad(why, "domain label longer than 63 bytes");
		}
		out[i] = lower((char)c);
	}
	if (label == 0)
		return bad(why, "domain ends with '.'");
	if (s[n - 1] == '-')
		return bad(why, "domain label ends with '-'");
	out[n] = '\0';
	return MU_OK;
}

/* Why libidn2 refused a domain, as static text; alabel when the domain
 * was ASCII, so that only its "xn--" labels were for libidn2 to judge. */
static const char *
idn_why(int rc, bool alabel)
{
	switch (rc) {
	case IDN2_TOO_BIG_DOMAIN:
		return "domain longer than 253 bytes";
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:
		return "domain label longer than 63 bytes";
	case IDN2_HYPHEN_STARTEND:
		return "domain label starts or ends with '-'";
	case IDN2_2HYPHEN:
		return "domain label with \"--\" in the third and fourth places";
	}
	if (alabel)
		return "invalid A-label (xn--) in domain";
	switch (rc) {
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_PUNYCODE_OVERFLOW:
	case IDN2_INVALID_ALABEL:
	case IDN2_UALABEL_MISMATCH:
	case IDN2_ALABEL_ROUNDTRIP_FAILED:
		return "invalid A-label (xn--) in domain";
	case IDN2_LEADING_COMBINING:
		return "domain label starts with a combining mark";
	case IDN2_DISALLOWED:
	case IDN2_INVALID_TRANSITIONAL:
	case IDN2_INVALID_NONTRANSITIONAL:
		return "character not allowed in an internationalised domain "
		    "(IDNA2008)";
	case IDN2_UNASSIGNED:
		return "unassigned character in domain";
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTJ_NO_RULE:
	case IDN2_CONTEXTO:
	case IDN2_CONTEXTO_NO_RULE:
		return "joiner or other character not allowed in that place "
		    "in a domain (IDNA2008 context rules)";
	case IDN2_BIDI:
		return "right-to-left domain label breaks the IDNA bidi rule";
	default:
		return "invalid internationalised domain name";
	}
}

/*
 * Validate a domain of n bytes at in (valid UTF-8, no controls or
 * spaces) and write its canonical form to out (MU_DOMAIN_MAX + 1 bytes):
 * ASCII lowercased, and, when it holds non-ASCII or an "xn--" label, the
 * A-labels of libidn2's IDNA2008 lookup (NFC input, UTS #46
 * non-transitional mapping, A-labels checked by a round trip).
 * IDN2_USE_STD3_ASCII_RULES is not used: libidn2 then drops some
 * characters instead of refusing them; the result is checked here.
 */
static int
check_domain(const char *in, size_t n, char *out, const char **why)
{
	char src[MU_NAME_MAX + 1];
	uint8_t *a = NULL;
	bool ascii = true;
	size_t i;
	int r, rc;

	if (n == 0)
		return bad(why, "empty domain");
	if (n > MU_NAME_MAX)
		return bad(why, "domain longer than 253 bytes");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x80)
			ascii = false;
		else if (c != '.' && !is_ldh(c))
			return bad(why, "character not allowed in domain");
	}
	if (ascii && !has_alabel(in, n))
		return check_ldh(in, n, out, why);

	memcpy(src, in, n);
	src[n] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)src, &a, IDN2_NFC_INPUT |
	    IDN2_NONTRANSITIONAL | IDN2_ALABEL_ROUNDTRIP);
	if (rc == IDN2_MALLOC)
		r = nomem(why);
	else if (rc != IDN2_OK || a == NULL)
		r = bad(why, idn_why(rc, ascii));
	else
		r = check_ldh((const char *)a, strlen((const char *)a), out,
		    why);
	idn2_free(a);
	return r;
}

/* Shared checks for every byte of a name: controls, spaces, UTF-8. */
static int
check_bytes(const char *in, size_t n, const char **why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x20 || c == 0x7f)
			return bad(why, "control character");
		if (c == ' ')
			return bad(why, "space");
	}
	if (!mu_utf8_valid(in, n))
		return bad(why, "invalid UTF-8");
	return MU_OK;
}

/*
 * Writing systems for the one-script rule of local parts.  As in UTS #39
 * (its "augmented" scripts), Han goes with Hiragana and Katakana
 * (Japanese), with Hangul (Korean) and with Bopomofo; every other script
 * stands alone.
 */
#define WS_OTHER	0x1	/* one script outside the Han family */
#define WS_HANB		0x2	/* Han with Bopomofo */
#define WS_JPAN		0x4	/* Han with Hiragana and Katakana */
#define WS_KORE		0x8	/* Han with Hangul */

static unsigned
writing_systems(const uc_script_t *sc)
{
	if (strcmp(sc->name, "Han") == 0)
		return WS_HANB | WS_JPAN | WS_KORE;
	if (strcmp(sc->name, "Hiragana") == 0 ||
	    strcmp(sc->name, "Katakana") == 0)
		return WS_JPAN;
	if (strcmp(sc->name, "Hangul") == 0)
		return WS_KORE;
	if (strcmp(sc->name, "Bopomofo") == 0)
		return WS_HANB;
	return WS_OTHER;
}

/* Unicode rules for a normalised local part, the n bytes at s: no
 * separators, no invisible (format), unassigned or private-use
 * characters, no compatibility characters (full-width or circled letters,
 * ligatures: look-alikes of plain ones, which NFKC would fold), and
 * letters of one script (Common and Inherited characters such as digits
 * and combining marks go with any). */
static int
check_unicode(const uint8_t *s, size_t n, const char **why)
{
	const uc_script_t *sc, *other = NULL;
	unsigned ws = WS_OTHER | WS_HANB | WS_JPAN | WS_KORE, w;
	ucs4_t uc, decomp[UC_DECOMPOSITION_MAX_LENGTH];
	int tag;
	size_t i;
	int len;

	for (i = 0; i < n; i += (size_t)len) {
		if ((len = u8_mbtoucr(&uc, s + i, n - i)) < 1)
			return bad(why, "invalid UTF-8");
		if (uc_is_general_category(uc, UC_CATEGORY_Z))
			return bad(why, "space or separator in local part");
		if (uc_is_general_category(uc, UC_CATEGORY_C))
			return bad(why, "invisible, unassigned or private-use "
			    "character in local part");
		if (uc_decomposition(uc, &tag, decomp) > 0 &&
		    tag != UC_DECOMP_CANONICAL)
			return bad(why, "compatibility character (full-width, "
			    "circled, ligature...) in local part: use the "
			    "plain letter");
		if ((sc = uc_script(uc)) == NULL)
			return bad(why, "character of no known script in "
			    "local part");
		if (strcmp(sc->name, "Common") == 0 ||
		    strcmp(sc->name, "Inherited") == 0)
			continue;
		w = writing_systems(sc);
		if (w == WS_OTHER) {
			if (other != NULL && other != sc)
				ws = 0;
			other = sc;
		}
		if ((ws &= w) == 0)
			return bad(why, "letters of more than one script in "
			    "local part (look-alike names)");
	}
	return MU_OK;
}

/*
 * Canonical local part of the ln bytes at in (checked by check_bytes),
 * written unterminated to out (MU_LOCAL_MAX bytes at least), its length
 * to *outlen.  ASCII is lowercased by hand; UTF-8, allowed only with
 * MU_CANON_UTF8_LOCAL, is normalised to NFC, lowercased without regard
 * to the locale and checked by check_unicode.  The caps and the ASCII
 * rules apply to the result.
 */
static int
canon_local(const char *in, size_t ln, unsigned flags, char *out,
	    size_t *outlen, const char **why)
{
	uint8_t *nfc = NULL, *low = NULL;
	const uint8_t *s = (const uint8_t *)in;
	size_t n = ln, nl, i;
	int r;

	if (!is_ascii(in, ln)) {
		if (!(flags & MU_CANON_UTF8_LOCAL))
			return bad(why, "non-ASCII character in local part "
			    "(utf8_local is off)");
		nfc = u8_normalize(UNINORM_NFC, s, ln, NULL, &n);
		if (nfc == NULL) {
			r = errno == ENOMEM ? nomem(why) :
			    bad(why, "invalid UTF-8");
			goto out;
		}
		s = nfc;
		if (flags & MU_CANON_LOWER_LOCAL) {
			low = u8_tolower(nfc, n, NULL, UNINORM_NFC, NULL, &nl);
			if (low == NULL) {
				r = errno == ENOMEM ? nomem(why) :
				    bad(why, "invalid UTF-8");
				goto out;
			}
			s = low;
			n = nl;
		}
	}
	if (n == 0) {
		r = bad(why, "empty local part");
		goto out;
	}
	if (n > MU_LOCAL_MAX) {
		r = bad(why, "local part longer than 64 bytes");
		goto out;
	}
	if (s[0] == '.' || s[n - 1] == '.') {
		r = bad(why, "local part starts or ends with '.'");
		goto out;
	}
	for (i = 0; i < n; i++) {
		char c = (char)s[i];

		if (c == ':' || c == '/' || c == '\\' || c == '"') {
			r = bad(why, "character not allowed in local part");
			goto out;
		}
		if (c == '.' && i + 1 < n && s[i + 1] == '.') {
			r = bad(why, "\"..\" in local part");
			goto out;
		}
		out[i] = (nfc == NULL && (flags & MU_CANON_LOWER_LOCAL)) ?
		    lower(c) : c;
	}
	if (nfc != NULL && (r = check_unicode(s, n, why)) != MU_OK)
		goto out;
	*outlen = n;
	r = MU_OK;
out:
	free(low);
	free(nfc);
	return r;
}

int
mu_canon_domain(const char *in, char *out, const char **why)
{
	size_t n;
	int r;

	out[0] = '\0';
	if (in == NULL)
		return bad(why, "no domain");
	n = strnlen(in, MU_NAME_MAX + 1);
	if (n > MU_NAME_MAX)
		return bad(why, "domain longer than 253 bytes");
	if ((r = check_bytes(in, n, why)) != MU_OK)
		return r;
	if ((r = check_domain(in, n, out, why)) != MU_OK)
		out[0] = '\0';
	return r;
}

int
mu_canon(const char *in, const char *default_domain, unsigned flags,
	 char *out, const char **why)
{
	const char *at;
	size_t n, ln, ll = 0;
	int r;

	out[0] = '\0';
	if (in == NULL || *in == '\0')
		return bad(why, "empty name");
	n = strnlen(in, MU_NAME_MAX + 1);
	if (n > MU_NAME_MAX)
		return bad(why, "name longer than 320 bytes");
	if ((r = check_bytes(in, n, why)) != MU_OK)
		return r;
	at = memchr(in, '@', n);
	if (at != NULL && memchr(at + 1, '@', n - (size_t)(at - in) - 1))
		return bad(why, "more than one '@'");
	ln = at != NULL ? (size_t)(at - in) : n;
	if (ln == 0)
		return bad(why, "empty local part");
	if ((r = canon_local(in, ln, flags, out, &ll, why)) != MU_OK)
		goto out;
	/* at most 64 + 1 + 253 bytes: within MU_NAME_MAX */
	out[ll] = '@';
	if (at != NULL)
		r = check_domain(at + 1, n - ln - 1, out + ll + 1, why);
	else if (default_domain == NULL || *default_domain == '\0')
		r = bad(why, "no domain and no default_domain");
	else
		r = mu_canon_domain(default_domain, out + ll + 1, why);
out:
	if (r != MU_OK)
		out[0] = '\0';
	return r;
}
