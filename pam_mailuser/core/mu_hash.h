/* Password hashing through libxcrypt. */
#ifndef MU_HASH_H
#define MU_HASH_H

#include <stdbool.h>
#include <stddef.h>

#define MU_PASS_MAX 511		/* longest accepted password, bytes */
#define MU_HASH_MAX 512		/* room for any crypt(3) string + NUL */

struct mu_method {
	const char *name;	/* option value, e.g. "yescrypt" */
	const char *prefix;	/* e.g. "$y$" */
	unsigned long min_cost, max_cost;	/* 0 = libxcrypt default */
};

/* The methods accepted for new hashes (hash= option), NULL-terminated by
 * a zeroed entry.  Verification accepts every method libxcrypt knows. */
extern const struct mu_method mu_methods[];

/* Method by option name, or NULL. */
const struct mu_method *mu_method_find(const char *name);

/* Check a password's length: MU_E_EMPTY, MU_E_TOOLONG or MU_OK. */
int mu_pass_check_len(const char *pw);

/* Make a fresh setting (salt string) for method and cost (0 = default)
 * into out (size outsz >= CRYPT_GENSALT_OUTPUT_SIZE) from getrandom.
 * MU_E_HASH when libxcrypt refuses. */
int mu_hash_setting(const struct mu_method *m, unsigned long cost,
		    char *out, size_t outsz);

/* Hash pw with a new setting of method m and cost into out (MU_HASH_MAX).
 * Length rules of mu_pass_check_len apply. */
int mu_hash_new(const struct mu_method *m, unsigned long cost,
		const char *pw, char *out, size_t outsz);

/* Compute crypt(pw, setting) into out (MU_HASH_MAX).  MU_E_HASH when
 * libxcrypt fails or returns a failure token. */
int mu_hash_compute(const char *pw, const char *setting, char *out,
		    size_t outsz);

/* Do the work of one verification with a fresh setting of method m and
 * cost, and throw the result away: for unknown users, so that they cost
 * the same time as a wrong password.  pw may be NULL. */
void mu_hash_dummy(const char *pw, const struct mu_method *m,
		   unsigned long cost);

/* Verify pw against a stored hash.  Does one full hash computation even
 * when the stored hash is unusable (NULL, empty, '*' or '!' prefixed,
 * unknown method) or pw has a refused length, using mu_hash_dummy with
 * m and cost, so that the time taken does not tell.  When the stored
 * hash is of another method or cost than m and cost (mu_hash_needs_upgrade),
 * the work of a hash of m and cost is done as well, so that a user with a
 * cheaper legacy hash does not answer faster than a name that is not in
 * the store (which costs one hash of m and cost).  Returns MU_OK on a
 * match, MU_E_MISMATCH otherwise, MU_E_EMPTY/MU_E_TOOLONG for refused
 * lengths (after the same work).  If computed is not NULL, the crypt
 * output with the stored hash's setting is copied there (size
 * MU_HASH_MAX; the caller wipes it), "" when none was computed. */
int mu_hash_verify(const char *pw, const char *stored,
		   const struct mu_method *m, unsigned long cost,
		   char *computed);

/* True when stored is usable (not NULL/empty/'*'/'!') and not of method m
 * with the parameters that cost gives (rounds, cost factor, yescrypt and
 * scrypt parameters): a successful login should then store a new hash of
 * method m and cost. */
bool mu_hash_needs_upgrade(const char *stored, const struct mu_method *m,
			   unsigned long cost);

/* Method name of a crypt string ("yescrypt", "sha512crypt", "descrypt",
 * ...), "invalid" when it is none that libxcrypt knows. */
const char *mu_hash_method_name(const char *stored);

#endif
