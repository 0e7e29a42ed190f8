/*
 * What every libFuzzer harness of tests/fuzz/ shares: the entry points'
 * prototypes, a log sink that formats each line (so that the arguments
 * of every log call are read, under ASan) and throws it away, and a
 * check that aborts with a message, so that a broken property is a
 * crash that libFuzzer saves as a reproducer.
 */
#ifndef MU_FUZZ_H
#define MU_FUZZ_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mu_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline void fuzz_discard(void *arg, int prio, const char *fmt,
				va_list ap) __attribute__((format(printf, 3, 0)));

static inline void
fuzz_discard(void *arg, int prio, const char *fmt, va_list ap)
{
	char line[1024];

	(void)arg;
	(void)prio;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
}

static const struct mu_log fuzz_nolog = { fuzz_discard, NULL, true };

#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz property failed at %s:%d: %s: ",	\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated heap copy of n bytes at p (the bytes up to the first
 * NUL, when there is one).  Never NULL. */
static inline char *
fuzz_strndup(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	size_t i;

	if (s == NULL)
		abort();
	for (i = 0; i < n && p[i] != 0; i++)
		s[i] = (char)p[i];
	s[i] = '\0';
	return s;
}

#endif
