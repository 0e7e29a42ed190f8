/*
 * A minimal JSON writer for --json: strings are escaped per RFC 8259 and
 * always valid UTF-8 (a byte that does not start a valid sequence becomes
 * U+FFFD), so that any store content gives parseable output.
 */
#include <inttypes.h>
#include <string.h>

#include "admin.h"
#include "mu_username.h"

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;

	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	if (strnlen((const char *)s, n) < n)
		return 0;
	return mu_utf8_valid((const char *)s, n) ? n : 0;
}

void
json_quote(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s != '\0') {
		if (*s == '"' || *s == '\\') {
			fputc('\\', f);
			fputc(*s++, f);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else if ((n = utf8_len(s)) == 0) {
			fputs("\\ufffd", f);
			s++;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
	fputc('"', f);
}

/* Separator and key of the next member of j. */
static void
member(struct json *j, const char *key)
{
	if (j->n++ > 0)
		fputc(',', j->f);
	if (key != NULL) {
		json_quote(j->f, key);
		fputc(':', j->f);
	}
}

void
json_begin(struct json *j, FILE *f, const char *key, struct json *in,
	   char open)
{
	if (in != NULL)
		member(in, key);
	j->f = f;
	j->n = 0;
	fputc(open, f);
}

void
json_end(struct json *j, char close)
{
	fputc(close, j->f);
}

void
json_str(struct json *j, const char *key, const char *v)
{
	member(j, key);
	if (v == NULL)
		fputs("null", j->f);
	else
		json_quote(j->f, v);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}
