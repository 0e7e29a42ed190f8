/*
 * libFuzzer harness: the user-name canonicaliser, through its public
 * API only (mu_username.h).  Input: one flags byte (its two low bits
 * pick 0, MU_CANON_LOWER_LOCAL, MU_CANON_UTF8_LOCAL or both), then the
 * login, then, after a NUL, a default domain (none without a NUL).
 * mu_canon() runs on (login, default domain) and mu_canon_domain() on
 * the login.  Properties:
 *   - a refusal (MU_E_BADNAME) says why;
 *   - mu_canon() output: NUL-terminated, at most MU_NAME_MAX bytes,
 *     valid UTF-8 without control bytes or spaces, exactly one '@' with
 *     a non-empty part on each side, its domain part is a canonical
 *     domain (mu_canon_domain gives it back unchanged), and
 *     canonicalising it again gives it back unchanged (idempotence);
 *   - mu_canon_domain() output: NUL-terminated, at most MU_DOMAIN_MAX
 *     bytes, no '@', no ASCII capital, idempotent.
 * Output buffers are heap blocks of exactly the documented size, so
 * that ASan sees a write past them.
 */
#include <string.h>

#include "fuzz.h"
#include "mu_error.h"
#include "mu_username.h"

static const unsigned flag_sets[4] = {
	0, MU_CANON_LOWER_LOCAL, MU_CANON_UTF8_LOCAL,
	MU_CANON_LOWER_LOCAL | MU_CANON_UTF8_LOCAL
};

static char *
buffer(size_t n)
{
	char *p = malloc(n);

	if (p == NULL)
		abort();
	memset(p, 0xbe, n);
	return p;
}

/* NUL within n bytes; returns the length. */
static size_t
terminated(const char *s, size_t n, const char *what)
{
	const char *z = memchr(s, '\0', n);

	FUZZ_CHECK(z != NULL, "%s output not NUL-terminated", what);
	return (size_t)(z - s);
}

static void
check_domain(const char *in)
{
	char *out = buffer(MU_DOMAIN_MAX + 1), *again;
	const char *why = NULL;
	size_t i, n;
	int r;

	r = mu_canon_domain(in, out, &why);
	if (r != MU_OK) {
		FUZZ_CHECK(r != MU_E_BADNAME || why != NULL,
			   "mu_canon_domain refused without a reason");
		free(out);
		return;
	}
	n = terminated(out, MU_DOMAIN_MAX + 1, "mu_canon_domain");
	FUZZ_CHECK(n > 0 && n <= MU_DOMAIN_MAX, "domain of %zu bytes", n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(out[i] != '@' && !(out[i] >= 'A' && out[i] <= 'Z'),
			   "domain \"%s\"", out);
	again = buffer(MU_DOMAIN_MAX + 1);
	FUZZ_CHECK(mu_canon_domain(out, again, &why) == MU_OK &&
		   strcmp(out, again) == 0,
		   "not idempotent: \"%s\" -> \"%s\"", out, again);
	free(again);
	free(out);
}

static void
check_name(const char *in, const char *dflt, unsigned flags)
{
	char *out = buffer(MU_NAME_MAX + 1), *again, *dom;
	const char *why = NULL, *at;
	size_t i, n;
	int r;

	r = mu_canon(in, dflt, flags, out, &why);
	if (r != MU_OK) {
		FUZZ_CHECK(r != MU_E_BADNAME || why != NULL,
			   "mu_canon refused without a reason");
		free(out);
		return;
	}
	n = terminated(out, MU_NAME_MAX + 1, "mu_canon");
	FUZZ_CHECK(n <= MU_NAME_MAX, "name of %zu bytes", n);
	FUZZ_CHECK(mu_utf8_valid(out, n), "invalid UTF-8 out");
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)out[i] > 0x20 && out[i] != 0x7f,
			   "control byte or space at %zu", i);
	at = strchr(out, '@');
	FUZZ_CHECK(at != NULL && strchr(at + 1, '@') == NULL,
		   "not exactly one '@': \"%s\"", out);
	FUZZ_CHECK(at > out && at[1] != '\0', "empty part: \"%s\"", out);

	again = buffer(MU_NAME_MAX + 1);
	r = mu_canon(out, dflt, flags, again, &why);
	FUZZ_CHECK(r == MU_OK && strcmp(out, again) == 0,
		   "not idempotent (flags %u): \"%s\" -> %s \"%s\"", flags,
		   out, r == MU_OK ? "" : why != NULL ? why : "refused",
		   r == MU_OK ? again : "");
	free(again);

	dom = buffer(MU_DOMAIN_MAX + 1);
	r = mu_canon_domain(at + 1, dom, &why);
	FUZZ_CHECK(r == MU_OK && strcmp(at + 1, dom) == 0,
		   "domain of \"%s\" not canonical: %s \"%s\"", out,
		   r == MU_OK ? "" : why != NULL ? why : "refused",
		   r == MU_OK ? dom : "");
	free(dom);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul;
	char *name, *dflt = NULL;
	unsigned flags;

	if (size < 1)
		return 0;
	flags = flag_sets[data[0] & 3];
	data++;
	size--;
	name = fuzz_strndup(data, size);
	nul = memchr(data, 0, size);
	if (nul != NULL)
		dflt = fuzz_strndup(nul + 1,
				    size - (size_t)(nul + 1 - data));
	check_name(name, dflt, flags);
	check_domain(name);
	free(name);
	free(dflt);
	return 0;
}
