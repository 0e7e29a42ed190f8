/*
 * Helpers shared by the lifecycle and lockout commands: names and
 * hashing, each exiting with one message on error like the rest of the
 * tool.
 */
#include <err.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"
#include "mu_username.h"

void
admin_user_arg(const struct admin *a, const char *arg, char *out)
{
	char esc[MU_NAME_MAX + 16];
	const char *why = "invalid";

	if (mu_canon(arg, a->cfg.default_domain, mu_config_canon_flags(&a->cfg), out,
		     &why) != MU_OK)
		errx(1, "invalid user name \"%s\": %s",
		     mu_escape(esc, sizeof(esc), arg), why);
}

void
admin_hash(const struct admin *a, const char *pw, char *hash, size_t hashsz)
{
	int r;

	r = mu_hash_new(a->cfg.method, a->cfg.hash_cost, pw, hash, hashsz);
	if (r != MU_OK) {
		mu_wipe(hash, hashsz);
		errx(1, "cannot hash the password: %s", mu_strerror(r));
	}
}
