/* Password aging: a pure function of (record, policy, now). */
#ifndef MU_POLICY_H
#define MU_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define MU_DAY 86400		/* seconds */
#define MU_INHERIT (-1)		/* aging value not set at this level */

/* Aging values in days.  In a user record, MU_INHERIT means "not set for
 * the user or the domain": the configuration decides.  In an effective
 * policy every value is >= 0 (a negative value is taken as 0):
 *   max_days    0 = the password never expires
 *   min_days    0 = no minimum age
 *   warn_days   0 = no warning
 *   grace_days  0 = an expired password can always be changed by its
 *               owner; N = only for N days after expiry, then only an
 *               administrator can set a new one */
struct mu_aging {
	int64_t max_days;
	int64_t min_days;
	int64_t warn_days;
	int64_t grace_days;
};

/* Each value of rec that is not MU_INHERIT (negative), else the one of
 * def.  out may be rec. */
void mu_aging_resolve(const struct mu_aging *rec, const struct mu_aging *def,
		      struct mu_aging *out);

struct mu_config;

/* The configuration's defaults (maxdays=, mindays=, warndays=, graced=). */
void mu_config_aging(const struct mu_config *cfg, struct mu_aging *out);

enum mu_age_state {
	MU_AGE_OK,		/* nothing to say */
	MU_AGE_WARN,		/* expires within warn_days (days_left) */
	MU_AGE_CHANGE,		/* must be changed: forced, or past max_days */
	MU_AGE_EXPIRED,		/* past max_days + grace_days */
};

struct mu_age {
	enum mu_age_state state;
	bool forced;		/* an administrator asked for a change */
	bool future;		/* the last change lies after now */
	bool too_soon;		/* within min_days of the last change */
	bool expires;		/* false: no expiry (max_days 0 or too far) */
	int64_t expires_at;	/* last change + max_days, if expires */
	int64_t days_left;	/* whole days to expires_at, rounded up;
				 * 0 once it has passed */
};

/* The aging state at now of a password last changed at pw_changed
 * (seconds since the epoch), with the effective policy a (resolved, see
 * mu_aging_resolve).  Day arithmetic saturates, so any int64 input is
 * safe; a time past INT64_MAX is "never".  The boundaries:
 *   expired     now >= expires_at = pw_changed + max_days * MU_DAY
 *   hard        now >= expires_at + grace_days * MU_DAY (grace_days > 0)
 *   warning     now >= expires_at - warn_days * MU_DAY (warn_days > 0)
 *   too soon    now <  pw_changed + min_days * MU_DAY (min_days > 0)
 * A pw_changed after now (a clock set back, a bad import) is counted
 * from now, and never makes the change too soon, so that the owner can
 * repair it by changing the password. */
void mu_age_eval(int64_t pw_changed, bool force_change,
		 const struct mu_aging *a, int64_t now, struct mu_age *out);

/* May the password be changed now?  root: the caller is root and the
 * change is not expired-only (no old password needed, mindays and grace
 * do not apply).  expired_only: PAM_CHANGE_EXPIRED_AUTHTOK.
 * MU_OK, or MU_E_NOTEXPIRED, MU_E_PW_EXPIRED, MU_E_TOOSOON with *why
 * pointing to static text for the person. */
int mu_age_may_change(const struct mu_age *ag, bool root, bool expired_only,
		      const char **why);

#endif
