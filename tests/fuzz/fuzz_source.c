/*
 * libFuzzer harness: the source-address normaliser, mu_source_norm().
 * Input: one byte, the ipv6_prefix (0 to 255, so out-of-range values
 * too), then PAM_RHOST (up to the first NUL; empty means none).  The
 * output buffer is a heap block of exactly MU_SOURCE_MAX + 1 bytes.
 * Properties:
 *   - the output is non-empty, NUL-terminated, at most MU_SOURCE_MAX
 *     bytes of printable ASCII;
 *   - it is MU_SOURCE_UNKNOWN exactly when PAM_RHOST is empty;
 *   - an address key (not MU_SOURCE_UNKNOWN, not MU_NAME_PREFIX...)
 *     normalises to itself again, with the same prefix, once its
 *     "/N" prefix-length suffix is taken off.
 */
#include <string.h>

#include "fuzz.h"
#include "mu_source.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rhost, *out, *again, *slash;
	const char *z;
	unsigned prefix;
	size_t i, n;

	if (size < 1)
		return 0;
	prefix = data[0];
	rhost = fuzz_strndup(data + 1, size - 1);
	if ((out = malloc(MU_SOURCE_MAX + 1)) == NULL ||
	    (again = malloc(MU_SOURCE_MAX + 1)) == NULL)
		abort();
	memset(out, 0xbe, MU_SOURCE_MAX + 1);
	FUZZ_CHECK(mu_source_norm(rhost, prefix, out, MU_SOURCE_MAX + 1) ==
		   out, "did not return out");
	z = memchr(out, '\0', MU_SOURCE_MAX + 1);
	FUZZ_CHECK(z != NULL, "output not NUL-terminated");
	n = (size_t)(z - out);
	FUZZ_CHECK(n > 0 && n <= MU_SOURCE_MAX, "key of %zu bytes", n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(out[i] >= 0x20 && out[i] < 0x7f,
			   "byte 0x%02x at %zu", (unsigned char)out[i], i);
	FUZZ_CHECK((strcmp(out, MU_SOURCE_UNKNOWN) == 0) == (*rhost == '\0'),
		   "\"%s\" for rhost \"%s\"", out, rhost);
	if (*rhost != '\0' && strncmp(out, MU_NAME_PREFIX,
				      strlen(MU_NAME_PREFIX)) != 0) {
		char *base = strdup(out);

		if (base == NULL)
			abort();
		if ((slash = strchr(base, '/')) != NULL)
			*slash = '\0';
		mu_source_norm(base, prefix, again, MU_SOURCE_MAX + 1);
		FUZZ_CHECK(strcmp(out, again) == 0,
			   "not idempotent (prefix %u): \"%s\" -> \"%s\"",
			   prefix, out, again);
		free(base);
	}
	free(again);
	free(out);
	free(rhost);
	return 0;
}
