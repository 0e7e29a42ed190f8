#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"

const struct mu_method mu_methods[] = {
	{ "yescrypt",      "$y$",  1, 11 },
	{ "gost-yescrypt", "$gy$", 1, 11 },
	{ "scrypt",        "$7$",  6, 11 },
	{ "bcrypt",        "$2b$", 4, 31 },
	{ "sha512crypt",   "$6$",  1000, 999999999 },
	{ "sha256crypt",   "$5$",  1000, 999999999 },
	{ NULL, NULL, 0, 0 },
};

/* Every prefix libxcrypt may know, for naming stored hashes.  Longest
 * prefixes first where one is a prefix of another. */
static const struct {
	const char *prefix, *name;
} known[] = {
	{ "$gy$", "gost-yescrypt" }, { "$y$", "yescrypt" },
	{ "$7$", "scrypt" }, { "$2b$", "bcrypt" }, { "$2a$", "bcrypt_a" },
	{ "$2x$", "bcrypt_x" }, { "$2y$", "bcrypt_y" },
	{ "$6$", "sha512crypt" }, { "$5$", "sha256crypt" },
	{ "$sha1", "sha1crypt" }, { "$md5", "sunmd5" }, { "$1$", "md5crypt" },
	{ "$3$", "nt" }, { "_", "bsdicrypt" },
};

const struct mu_method *
mu_method_find(const char *name)
{
	const struct mu_method *m;

	for (m = mu_methods; name != NULL && m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

int
mu_pass_check_len(const char *pw)
{
	if (pw == NULL || *pw == '\0')
		return MU_E_EMPTY;
	if (strnlen(pw, MU_PASS_MAX + 1) > MU_PASS_MAX)
		return MU_E_TOOLONG;
	return MU_OK;
}

/* A setting of m and cost from rbytes (NULL: from getrandom). */
static int
setting(const struct mu_method *m, unsigned long cost, const char *rbytes,
	int nrbytes, char *out, size_t outsz)
{
	if (m == NULL || outsz < CRYPT_GENSALT_OUTPUT_SIZE)
		return MU_E_INVAL;
	if (crypt_gensalt_rn(m->prefix, cost, rbytes, nrbytes, out,
			     (int)outsz) == NULL || out[0] == '*')
		return MU_E_HASH;
	if (strncmp(out, m->prefix, strlen(m->prefix)) != 0)
		return MU_E_HASH;
	return MU_OK;
}

int
mu_hash_setting(const struct mu_method *m, unsigned long cost, char *out,
		size_t outsz)
{
	return setting(m, cost, NULL, 0, out, outsz);
}

int
mu_hash_compute(const char *pw, const char *setting, char *out,
		size_t outsz)
{
	struct crypt_data *cd;
	const char *r;
	int ret = MU_E_HASH;

	if (pw == NULL || setting == NULL || outsz == 0)
		return MU_E_INVAL;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return MU_E_NOMEM;
	r = crypt_rn(pw, setting, cd, (int)sizeof(*cd));
	if (r != NULL && r[0] != '*' && strlen(r) < outsz) {
		memcpy(out, r, strlen(r) + 1);
		ret = MU_OK;
	}
	mu_wipe(cd, sizeof(*cd));
	free(cd);
	return ret;
}

int
mu_hash_new(const struct mu_method *m, unsigned long cost, const char *pw,
	    char *out, size_t outsz)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	int r;

	if ((r = mu_pass_check_len(pw)) != MU_OK)
		return r;
	if ((r = mu_hash_setting(m, cost, setting, sizeof(setting))) != MU_OK)
		return r;
	r = mu_hash_compute(pw, setting, out, outsz);
	if (r == MU_OK && strncmp(out, m->prefix, strlen(m->prefix)) != 0) {
		mu_wipe(out, outsz);
		r = MU_E_HASH;
	}
	return r;
}

void
mu_hash_dummy(const char *pw, const struct mu_method *m, unsigned long cost)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	char out[MU_HASH_MAX];

	if (pw == NULL || mu_pass_check_len(pw) != MU_OK)
		pw = "dummy password";
	if (mu_hash_setting(m, cost, setting, sizeof(setting)) == MU_OK)
		(void)mu_hash_compute(pw, setting, out, sizeof(out));
	mu_wipe(out, sizeof(out));
}

static bool
usable(const char *stored)
{
	return stored != NULL && stored[0] != '\0' && stored[0] != '*' &&
	    stored[0] != '!';
}

int
mu_hash_verify(const char *pw, const char *stored, const struct mu_method *m,
	       unsigned long cost, char *computed)
{
	char out[MU_HASH_MAX];
	int r;

	if (computed != NULL)
		computed[0] = '\0';
	if ((r = mu_pass_check_len(pw)) != MU_OK || !usable(stored)) {
		mu_hash_dummy(pw, m, cost);
		return r != MU_OK ? r : MU_E_MISMATCH;
	}
	if (mu_hash_compute(pw, stored, out, sizeof(out)) != MU_OK) {
		/* corrupt or unknown method: still spend the time */
		mu_hash_dummy(pw, m, cost);
		return MU_E_MISMATCH;
	}
	/* a legacy hash: the work of the configured one too */
	if (mu_hash_needs_upgrade(stored, m, cost))
		mu_hash_dummy(pw, m, cost);
	r = mu_ct_streq(out, stored) ? MU_OK : MU_E_MISMATCH;
	if (computed != NULL)
		memcpy(computed, out, strlen(out) + 1);
	mu_wipe(out, sizeof(out));
	return r;
}

/* The parameters of a crypt string or setting of a method m: the text
 * between the method prefix and the salt, as [*start, *start + *len). */
static void
params(const char *s, const struct mu_method *m, const char **start,
       size_t *len)
{
	const char *p = s + strlen(m->prefix), *end;

	*start = p;
	*len = 0;
	if (strcmp(m->prefix, "$2b$") == 0) {
		*len = strnlen(p, 2);			/* "05$" */
	} else if (strcmp(m->prefix, "$6$") == 0 ||
		   strcmp(m->prefix, "$5$") == 0) {
		if (strncmp(p, "rounds=", 7) == 0 &&
		    (end = strchr(p, '$')) != NULL)
			*len = (size_t)(end - p);	/* "rounds=N" */
	} else if (strcmp(m->prefix, "$7$") == 0) {
		*len = strnlen(p, 11);			/* N, r, p */
	} else if ((end = strchr(p, '$')) != NULL) {
		*len = (size_t)(end - p);		/* yescrypt: "j9T" */
	}
}

bool
mu_hash_needs_upgrade(const char *stored, const struct mu_method *m,
		      unsigned long cost)
{
	/* only the parameters are compared: a fixed salt will do, and
	 * spares every login a getrandom */
	static const char fixed[16];
	char set[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *a, *b;
	size_t alen, blen;

	if (!usable(stored) || m == NULL)
		return false;
	if (strncmp(stored, m->prefix, strlen(m->prefix)) != 0)
		return true;
	if (setting(m, cost, fixed, sizeof(fixed), set, sizeof(set)) != MU_OK)
		return false;
	params(stored, m, &a, &alen);
	params(set, m, &b, &blen);
	return alen != blen || memcmp(a, b, alen) != 0;
}

const char *
mu_hash_method_name(const char *stored)
{
	size_t i, n;

	if (!usable(stored))
		return "invalid";
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strncmp(stored, known[i].prefix,
			    strlen(known[i].prefix)) == 0)
			return known[i].name;
	n = strspn(stored, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "abcdefghijklmnopqrstuvwxyz");
	if (n == strlen(stored) && n == 13)
		return "descrypt";
	if (n == strlen(stored) && n > 13 && (n - 13) % 11 == 0)
		return "bigcrypt";
	return "invalid";
}
