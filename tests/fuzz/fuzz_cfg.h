/*
 * The property both configuration harnesses check on a configuration
 * that was accepted: what mu_config_dump() shows can be set back.  Every
 * "key = value" line of the dump, given to mu_config_set() as a module
 * argument over the defaults, is accepted, and the new configuration
 * dumps the same text.
 */
#ifndef MU_FUZZ_CFG_H
#define MU_FUZZ_CFG_H

#include <string.h>

#include "fuzz.h"
#include "mu_config.h"
#include "mu_error.h"

struct fuzz_text {
	char *buf;
	size_t len, cap;
};

static inline void
fuzz_text_add(void *arg, const char *line)
{
	struct fuzz_text *t = arg;
	size_t n = strlen(line);

	if (t->len + n + 2 > t->cap) {
		t->cap = (t->len + n + 2) * 2;
		if ((t->buf = realloc(t->buf, t->cap)) == NULL)
			abort();
	}
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
}

static inline void
fuzz_config_roundtrip(const struct mu_config *cfg)
{
	struct fuzz_text a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct mu_config *again = malloc(sizeof(*again));
	char *line, *next, *sep;

	if (again == NULL)
		abort();
	mu_config_dump(cfg, fuzz_text_add, &a);
	FUZZ_CHECK(a.buf != NULL, "empty dump");
	mu_config_defaults(again);
	for (line = a.buf; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		sep = strstr(line, " = ");
		FUZZ_CHECK(sep != NULL, "dump line \"%s\"", line);
		*sep = '\0';
		FUZZ_CHECK(mu_config_set(again, MU_FROM_ARG, "roundtrip", line,
					 sep + 3, &fuzz_nolog) == MU_OK,
			   "%s = \"%s\" shown but refused", line, sep + 3);
		*sep = ' ';
		next[-1] = '\n';
	}
	mu_config_dump(again, fuzz_text_add, &b);
	FUZZ_CHECK(b.buf != NULL && strcmp(a.buf, b.buf) == 0,
		   "dump differs after setting it back:\n%s---\n%s", a.buf,
		   b.buf != NULL ? b.buf : "");
	free(a.buf);
	free(b.buf);
	free(again);
}

#endif
