/* Minimal TAP-style output shared by the C tests: one "ok - ..." or
 * "not ok - ..." line per check; tests/run.sh counts them. */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>

static int tap_failed;

#define CHECK(cond, ...)                                                \
	do {                                                            \
		int tap_ok_ = (cond) ? 1 : 0;                           \
		printf("%s - ", tap_ok_ ? "ok" : "not ok");             \
		printf(__VA_ARGS__);                                    \
		printf("\n");                                           \
		if (!tap_ok_) {                                         \
			printf("#   at %s:%d: %s\n", __FILE__, __LINE__,    \
			       #cond);                                  \
			tap_failed++;                                   \
		}                                                       \
		fflush(stdout);                                         \
	} while (0)

#endif
