/*
 * Names: reverse and DNSBL query names of addresses, name syntax, and
 * the words for answers.
 * No libunbound here (the unit tests and fuzz harnesses use it).
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "dns.h"

const char *
dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK: return "answer";
	case DNS_NODATA: return "no data";
	case DNS_NXDOMAIN: return "NXDOMAIN";
	case DNS_SERVFAIL: return "SERVFAIL";
	case DNS_TIMEOUT: return "timeout";
	case DNS_ERROR: return "error";
	}
	return "?";
}

bool
dns_empty(const struct dns_ans *a)
{
	return a->status == DNS_NODATA || a->status == DNS_NXDOMAIN;
}

int
dns_ip_family(const char *s)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return 6;
	return 0;
}

bool
dns_revname(const char *ip, const char *zone, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	size_t o = 0;
	int i, n;

	if (inet_pton(AF_INET, ip, a) == 1) {
		n = snprintf(out, len, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0],
			     zone ? zone : "in-addr.arpa");
		return n > 0 && (size_t)n < len;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return false;
	if (len < 64 + 1)
		return false;
	for (i = 15; i >= 0; i--) {
		out[o++] = hex[a[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
	}
	n = snprintf(out + o, len - o, "%s", zone ? zone : "ip6.arpa");
	return n > 0 && (size_t)n < len - o;
}

bool
dns_valid_name(const char *s)
{
	size_t len = strlen(s), label = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}
