#include <stddef.h>

#include "mu_config.h"
#include "mu_error.h"
#include "mu_lockout.h"
#include "mu_policy.h"

void
mu_aging_resolve(const struct mu_aging *rec, const struct mu_aging *def,
		 struct mu_aging *out)
{
	struct mu_aging r;

	r.max_days = rec->max_days >= 0 ? rec->max_days : def->max_days;
	r.min_days = rec->min_days >= 0 ? rec->min_days : def->min_days;
	r.warn_days = rec->warn_days >= 0 ? rec->warn_days : def->warn_days;
	r.grace_days = rec->grace_days >= 0 ? rec->grace_days :
	    def->grace_days;
	*out = r;
}

void
mu_config_aging(const struct mu_config *cfg, struct mu_aging *out)
{
	out->max_days = (int64_t)cfg->maxdays;
	out->min_days = (int64_t)cfg->mindays;
	out->warn_days = (int64_t)cfg->warndays;
	out->grace_days = (int64_t)cfg->graced;
}

/* days * MU_DAY, saturating; a negative count is 0. */
static int64_t
days(int64_t n)
{
	if (n <= 0)
		return 0;
	if (n > INT64_MAX / MU_DAY)
		return INT64_MAX;
	return n * MU_DAY;
}

/* Whole days from now to t, rounded up; 0 when t is not after now. */
static int64_t
days_until(int64_t t, int64_t now)
{
	int64_t diff;

	if (t <= now)
		return 0;
	if (__builtin_sub_overflow(t, now, &diff))
		return INT64_MAX / MU_DAY + 1;
	return diff / MU_DAY + (diff % MU_DAY != 0);
}

void
mu_age_eval(int64_t pw_changed, bool force_change,
	    const struct mu_aging *a, int64_t now, struct mu_age *out)
{
	int64_t from = pw_changed, hard;

	out->state = MU_AGE_OK;
	out->forced = force_change;
	out->future = pw_changed > now;
	out->too_soon = false;
	out->expires = false;
	out->expires_at = 0;
	out->days_left = 0;
	if (out->future)
		from = now;
	else if (a->min_days > 0)
		out->too_soon = now < mu_sat_add(from, days(a->min_days));
	/* a day count or a time that does not fit is "never" */
	if (a->max_days > 0 && days(a->max_days) != INT64_MAX) {
		out->expires_at = mu_sat_add(from, days(a->max_days));
		out->expires = out->expires_at != INT64_MAX;
	}
	if (out->expires) {
		out->days_left = days_until(out->expires_at, now);
		hard = mu_sat_add(out->expires_at, days(a->grace_days));
		if (a->grace_days > 0 && days(a->grace_days) != INT64_MAX &&
		    hard != INT64_MAX && now >= hard)
			out->state = MU_AGE_EXPIRED;
		else if (now >= out->expires_at)
			out->state = MU_AGE_CHANGE;
		else if (a->warn_days > 0 &&
			 now >= mu_sat_add(out->expires_at,
					   -days(a->warn_days)))
			out->state = MU_AGE_WARN;
	}
	if (force_change && out->state != MU_AGE_EXPIRED)
		out->state = MU_AGE_CHANGE;
}

int
mu_age_may_change(const struct mu_age *ag, bool root, bool expired_only,
		  const char **why)
{
	*why = NULL;
	if (expired_only && (ag->state == MU_AGE_OK ||
			     ag->state == MU_AGE_WARN)) {
		*why = "Your password has not expired.";
		return MU_E_NOTEXPIRED;
	}
	if (root)
		return MU_OK;
	if (ag->state == MU_AGE_EXPIRED) {
		*why = "Your password has expired; ask your administrator to "
		       "set a new one.";
		return MU_E_PW_EXPIRED;
	}
	if (ag->too_soon && ag->state != MU_AGE_CHANGE) {
		*why = "You must wait longer to change your password.";
		return MU_E_TOOSOON;
	}
	return MU_OK;
}
