/*
 * Generated passwords for "user add --generate": characters drawn
 * uniformly (rejection sampling) from getrandom(2) bytes, from an
 * alphabet without look-alikes (no 0 O o, 1 I l i).  55 symbols: 16
 * characters carry about 92 bits, the minimum of 12 about 69.
 *
 * The password lives in one heap buffer that an exit handler wipes, so
 * that an error between generating and printing it (a busy store, say)
 * does not leave it in memory.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"

#define GEN_DEFAULT 16
#define GEN_MIN 12
#define GEN_MAX 128
#define GEN_TRIES 20	/* fresh passwords before giving up on the checks */

static const char alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZ"	/* no I, O */
    "abcdefghjkmnpqrstuvwxyz"	/* no i, l, o */
    "23456789";			/* no 0, 1 */

static char *pending;		/* the buffer, for the exit handler */
static size_t pending_size;

static void
wipe_pending(void)
{
	if (pending != NULL) {
		mu_wipe(pending, pending_size);
		free(pending);
		pending = NULL;
	}
}

static size_t
length_arg(const char *s)
{
	unsigned long n;
	char *end;

	if (s == NULL)
		return GEN_DEFAULT;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    n < GEN_MIN || n > GEN_MAX)
		errx(EXIT_USAGE, "--length: \"%s\" is not a number from %d to "
		     "%d", s, GEN_MIN, GEN_MAX);
	return (size_t)n;
}

/* Fill buf with n bytes from the kernel's generator. */
static void
random_bytes(unsigned char *buf, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = getrandom(buf, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err(1, "getrandom");
		buf += r;
		n -= (size_t)r;
	}
}

/* n random characters of the alphabet into out (n + 1 bytes). */
static void
fill(char *out, size_t n)
{
	const unsigned nsym = sizeof(alphabet) - 1;
	const unsigned limit = 256 / nsym * nsym;	/* unbiased below */
	unsigned char pool[64];
	size_t i = 0, j = sizeof(pool);

	while (i < n) {
		if (j == sizeof(pool)) {
			random_bytes(pool, sizeof(pool));
			j = 0;
		}
		if (pool[j] < limit)
			out[i++] = alphabet[pool[j] % nsym];
		j++;
	}
	out[n] = '\0';
	mu_wipe(pool, sizeof(pool));
}

char *
password_generate(const struct opts *o, const char *user)
{
	static bool registered;
	size_t n = length_arg(o->length);
	const char *why = NULL;
	int tries, r = MU_OK;

	if (!registered) {
		if (atexit(wipe_pending) != 0)
			errx(1, "atexit failed");
		registered = true;
	}
	wipe_pending();
	pending_size = n + 1;
	if ((pending = malloc(pending_size)) == NULL)
		errx(1, "out of memory");
	/* A random string can still hold the local part or a dictionary
	 * word by chance: draw again rather than print a refused one. */
	for (tries = 0; tries < GEN_TRIES; tries++) {
		fill(pending, n);
		if ((r = password_check(pending, user, o->force, &why)) !=
		    MU_E_WEAK)
			break;
	}
	if (r != MU_OK) {
		wipe_pending();
		errx(1, "generated password refused: %s", why != NULL ? why :
		     mu_strerror(r));
	}
	return pending;
}

void
password_release(char *pw)
{
	if (pw != NULL && pw == pending)
		wipe_pending();
}
