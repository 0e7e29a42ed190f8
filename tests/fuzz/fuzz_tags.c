/*
 * libFuzzer harness: the tag-list parser of DKIM key and DMARC records,
 * and the base64 decoder of DKIM keys (tools/check/tags.c).
 * Properties:
 *   - a parse gives at most TAGS_MAX tags, each name ALPHA *(ALNUM/"_"),
 *     each value without ';' and without blanks at its ends, no name
 *     twice; a failed parse keeps no tag and gives a reason;
 *   - base64 never writes past the buffer it is given, and decodes at
 *     most 3 bytes for every 4 characters.
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "check/tags.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), err[200] = "";
	struct tags t;
	size_t i, j, n, cap;
	unsigned char *buf;
	long got;

	if (tags_parse(s, &t, err, sizeof(err)) == 0) {
		FUZZ_CHECK(t.n <= TAGS_MAX, "%zu tags", t.n);
		for (i = 0; i < t.n; i++) {
			const char *v = t.t[i].value;

			FUZZ_CHECK(isalpha((unsigned char)t.t[i].name[0]),
				   "name %s", t.t[i].name);
			for (j = 0; t.t[i].name[j]; j++)
				FUZZ_CHECK(isalnum((unsigned char)t.t[i].name[j])
					   || t.t[i].name[j] == '_', "name %s",
					   t.t[i].name);
			n = strlen(v);
			FUZZ_CHECK(strchr(v, ';') == NULL, "';' in %s", v);
			FUZZ_CHECK(n == 0 || (!isspace((unsigned char)v[0]) &&
					      !isspace((unsigned char)v[n - 1])),
				   "blank at an end of \"%s\"", v);
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(t.t[i].name, t.t[j].name) != 0,
					   "%s twice", t.t[i].name);
			FUZZ_CHECK(tags_get(&t, t.t[i].name) != NULL, "lookup");
		}
		tags_free(&t);
	} else {
		FUZZ_CHECK(t.n == 0 && err[0] != '\0', "failed parse");
	}
	/* an exact-size heap buffer: ASan sees any write past it */
	cap = size > 0 ? (size_t)data[0] % 64 : 0;
	buf = malloc(cap ? cap : 1);
	if (buf == NULL)
		abort();
	got = b64_decode(s, buf, cap);
	FUZZ_CHECK(got < 0 || (size_t)got <= cap, "%ld bytes into %zu", got,
		   cap);
	FUZZ_CHECK(got < 0 || (size_t)got <= strlen(s) / 4 * 3 + 2,
		   "%ld bytes from %zu characters", got, strlen(s));
	free(buf);
	free(s);
	return 0;
}
