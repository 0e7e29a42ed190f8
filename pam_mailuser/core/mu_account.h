/* Account state: whether a known user may log in now.  Pure functions
 * of the record and the time, for the module and the tools alike. */
#ifndef MU_ACCOUNT_H
#define MU_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "mu_user.h"

/* True when u's account expiry date has been reached at now. */
bool mu_account_expired(const struct mu_user *u, int64_t now);

/* Why u may not log in at now whatever the password: MU_OK, or
 * MU_E_DISABLED (the user or its domain disabled, or an administrator's
 * lock) or MU_E_ACCT_EXPIRED, with *why set to static text for the log.
 * Password aging is not part of it (mu_age_eval). */
int mu_account_refusal(const struct mu_user *u, int64_t now,
		       const char **why);

#endif
