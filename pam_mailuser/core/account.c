#include "mu_account.h"
#include "mu_error.h"
#include "mu_secret.h"

bool
mu_account_expired(const struct mu_user *u, int64_t now)
{
	return u->has_expires && u->expires <= now;
}

int
mu_account_refusal(const struct mu_user *u, int64_t now, const char **why)
{
	if (u->disabled) {
		*why = "account disabled";
		return MU_E_DISABLED;
	}
	if (u->domain_disabled) {
		*why = "domain disabled";
		return MU_E_DISABLED;
	}
	if (u->locked) {
		*why = "account locked by an administrator";
		return MU_E_DISABLED;
	}
	if (mu_account_expired(u, now)) {
		*why = "account expired";
		return MU_E_ACCT_EXPIRED;
	}
	*why = NULL;
	return MU_OK;
}

void
mu_user_wipe(struct mu_user *u)
{
	if (u != NULL)
		mu_wipe(u->hash, sizeof(u->hash));
}
