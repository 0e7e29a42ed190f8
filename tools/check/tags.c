/*
 * Tag lists (RFC 6376 section 3.2, used by DKIM key records and by
 * DMARC, RFC 7489 section 6.4) and base64.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tags.h"

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
tags_free(struct tags *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->t[i].value);
	t->n = 0;
}

const char *
tags_get(const struct tags *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->t[i].name, name) == 0)
			return t->t[i].value;
	return NULL;
}

int
tags_parse(const char *s, struct tags *out, char *err, size_t errlen)
{
	out->n = 0;
	for (;;) {
		const char *name, *v, *end;
		size_t nl, i;
		struct tag *t;

		while (is_wsp(*s))
			s++;
		if (*s == '\0')
			return 0;	/* also after a final ';' */
		name = s;
		if (!isalpha((unsigned char)*s)) {
			snprintf(err, errlen, "bad tag name at \"%.20s\"", s);
			goto fail;
		}
		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		nl = (size_t)(s - name);
		while (is_wsp(*s))
			s++;
		if (*s != '=') {
			snprintf(err, errlen, "tag %.*s: no \"=\"",
				 (int)(nl > 20 ? 20 : nl), name);
			goto fail;
		}
		s++;
		while (is_wsp(*s))
			s++;
		v = s;
		while (*s != '\0' && *s != ';') {
			if (!is_wsp(*s) && (*s < 0x21 || *s > 0x7e)) {
				snprintf(err, errlen,
					 "tag %.*s: byte 0x%02x in its value",
					 (int)(nl > 20 ? 20 : nl), name,
					 (unsigned char)*s);
				goto fail;
			}
			s++;
		}
		end = s;
		while (end > v && is_wsp(end[-1]))
			end--;
		if (nl >= sizeof(out->t[0].name)) {
			snprintf(err, errlen, "tag name too long");
			goto fail;
		}
		for (i = 0; i < out->n; i++)
			if (strlen(out->t[i].name) == nl &&
			    strncmp(out->t[i].name, name, nl) == 0) {
				snprintf(err, errlen, "tag %.*s given twice",
					 (int)nl, name);
				goto fail;
			}
		if (out->n == TAGS_MAX) {
			snprintf(err, errlen, "more than %d tags", TAGS_MAX);
			goto fail;
		}
		t = &out->t[out->n++];
		memcpy(t->name, name, nl);
		t->name[nl] = '\0';
		t->value = chk_xmalloc((size_t)(end - v) + 1);
		memcpy(t->value, v, (size_t)(end - v));
		t->value[end - v] = '\0';
		if (*s == ';')
			s++;
	}
fail:
	tags_free(out);
	return -1;
}

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
b64_decode(const char *s, unsigned char *out, size_t outlen)
{
	unsigned long acc = 0;
	size_t o = 0;
	int bits = 0, pad = 0, nchar = 0;

	for (; *s != '\0'; s++) {
		int v;

		if (is_wsp(*s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_val(*s)) < 0)
			return -1;	/* data after padding, or a bad byte */
		nchar++;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	/* a lone sixth of a byte, or padding that does not fit */
	if (nchar % 4 == 1 || pad > 2 || (pad > 0 && (nchar + pad) % 4 != 0))
		return -1;
	return (long)o;
}
