/*
 * The source of a login: PAM_RHOST parsed as an address and normalised,
 * so that one attacker has one counter however the caller spells the
 * address, and an IPv6 attacker cannot rotate through a /64 to get fresh
 * counters (and to reach deny_total, locking the owner out everywhere).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mu_source.h"

/* Strict dotted decimal: four fields of 1 to 3 digits, each <= 255.
 * (inet_pton refuses leading zeros; inet_aton reads them as octal.) */
static bool
parse_v4(const char *s, unsigned char out[4])
{
	int i, digits;
	unsigned v;

	for (i = 0; i < 4; i++) {
		v = 0;
		for (digits = 0; *s >= '0' && *s <= '9'; s++, digits++) {
			if (digits == 3)
				return false;
			v = v * 10 + (unsigned)(*s - '0');
		}
		if (digits == 0 || v > 255)
			return false;
		out[i] = (unsigned char)v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

/* An IPv6 address, optionally "[...]", optionally with a %zone. */
static bool
parse_v6(const char *s, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(s);
	char *zone;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((zone = strchr(buf, '%')) != NULL)
		*zone = '\0';
	return inet_pton(AF_INET6, buf, out) == 1;
}

static bool
v4_mapped(const unsigned char a[16])
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

char *
mu_source_norm(const char *rhost, unsigned ipv6_prefix, char *out,
	       size_t outsz)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	unsigned bits, i;
	size_t o, n;

	if (outsz == 0)
		return out;
	if (rhost == NULL || *rhost == '\0') {
		snprintf(out, outsz, "%s", MU_SOURCE_UNKNOWN);
		return out;
	}
	if (parse_v4(rhost, a)) {
		snprintf(out, outsz, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return out;
	}
	if (parse_v6(rhost, a)) {
		if (v4_mapped(a)) {
			snprintf(out, outsz, "%u.%u.%u.%u", a[12], a[13],
				 a[14], a[15]);
			return out;
		}
		bits = ipv6_prefix < 16 ? 16 : ipv6_prefix > 128 ? 128 :
		    ipv6_prefix;
		for (i = 0; i < 16; i++) {
			if (bits >= 8 * (i + 1))
				continue;
			a[i] &= bits > 8 * i ?
			    (unsigned char)(0xff << (8 * (i + 1) - bits)) : 0;
		}
		if (inet_ntop(AF_INET6, a, text, sizeof(text)) == NULL)
			snprintf(text, sizeof(text), "::");
		if (bits < 128)
			snprintf(out, outsz, "%s/%u", text, bits);
		else
			snprintf(out, outsz, "%s", text);
		return out;
	}
	/* a host name, or garbage: never an address */
	o = (size_t)snprintf(out, outsz, "%s", MU_NAME_PREFIX);
	if (o >= outsz)
		return out;
	for (n = 0; rhost[n] != '\0' && o + 1 < outsz; n++) {
		unsigned char c = (unsigned char)rhost[n];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c <= 0x20 || c >= 0x7f)
			c = '?';
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}
