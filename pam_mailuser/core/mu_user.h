/* A user record as the module and the tools read it from the store. */
#ifndef MU_USER_H
#define MU_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "mu_hash.h"
#include "mu_policy.h"
#include "mu_username.h"

/* One user as the module needs it. */
struct mu_user {
	int64_t id;
	char name[MU_NAME_MAX + 1];
	char hash[MU_HASH_MAX];
	bool disabled;
	bool domain_disabled;
	bool has_expires;
	int64_t expires;
	int64_t pw_changed;
	bool force_change;
	bool locked;		/* admin lock */
	/* aging in days: the user's value, else the domain's, else
	 * MU_INHERIT (the configuration decides: mu_aging_resolve) */
	struct mu_aging aging;
};

/* Wipe the secret parts of a user record; NULL is fine. */
void mu_user_wipe(struct mu_user *u);

#endif
