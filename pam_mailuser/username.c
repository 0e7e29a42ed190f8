#include <string.h>

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

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Validate a domain of n bytes at in and write it lowercased to out. */
static int
check_domain(const char *in, size_t n, char *out, const char **why)
{
	size_t i, label = 0;

	if (n == 0)
		return bad(why, "empty domain");
	if (n > MU_DOMAIN_MAX)
		return bad(why, "domain longer than 253 bytes");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return bad(why, "empty label in domain");
			if (in[i - 1] == '-')
				return bad(why, "domain label ends with '-'");
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c >= 0x80) {
			label++;
		} else if (c == '-') {
			if (label == 0)
				return bad(why, "domain label starts with '-'");
			label++;
		} else {
			return bad(why, "character not allowed in domain");
		}
		if (label > 63)
			return bad(why, "domain label longer than 63 bytes");
		out[i] = lower((char)c);
	}
	if (label == 0)
		return bad(why, "domain ends with '.'");
	if (in[n - 1] == '-')
		return bad(why, "domain label ends with '-'");
	out[n] = '\0';
	return MU_OK;
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

int
mu_canon_domain(const char *in, char *out, const char **why)
{
	size_t n;
	int r;

	if (in == NULL)
		return bad(why, "no domain");
	n = strnlen(in, MU_DOMAIN_MAX + 1);
	if (n > MU_DOMAIN_MAX)
		return bad(why, "domain longer than 253 bytes");
	if ((r = check_bytes(in, n, why)) != MU_OK)
		return r;
	return check_domain(in, n, out, why);
}

int
mu_canon(const char *in, const char *default_domain, unsigned flags,
	 char *out, const char **why)
{
	const char *at;
	size_t n, ln, i;
	int r;

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
	if (ln > MU_LOCAL_MAX)
		return bad(why, "local part longer than 64 bytes");
	if (in[0] == '.' || in[ln - 1] == '.')
		return bad(why, "local part starts or ends with '.'");
	for (i = 0; i < ln; i++) {
		char c = in[i];

		if (c == ':' || c == '/' || c == '\\' || c == '"')
			return bad(why, "character not allowed in local part");
		if (c == '.' && in[i + 1] == '.')
			return bad(why, "\"..\" in local part");
		out[i] = (flags & MU_CANON_LOWER_LOCAL) ? lower(c) : c;
	}
	out[ln] = '@';
	if (at != NULL) {
		r = check_domain(at + 1, n - ln - 1, out + ln + 1, why);
	} else {
		if (default_domain == NULL || *default_domain == '\0')
			return bad(why, "no domain and no default_domain");
		if (ln + 1 + strlen(default_domain) > MU_NAME_MAX)
			return bad(why, "name longer than 320 bytes");
		r = mu_canon_domain(default_domain, out + ln + 1, why);
	}
	if (r != MU_OK)
		out[0] = '\0';
	return r;
}
