/* Brute-force defence: the arithmetic of failure counters. */
#include <string.h>

#include "mu_fail.h"

int64_t
mu_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t
mu_sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

bool
mu_fail_locked(const struct mu_fail_row *row, int64_t now)
{
	return row->locked_until != 0 && now < row->locked_until;
}

int64_t
mu_fail_lock_end(int64_t now, const struct mu_fail_policy *p)
{
	int64_t end;

	if (p->unlock == 0)
		return MU_FOREVER;
	end = mu_sat_add(now, (int64_t)p->unlock);
	return end > now ? end : MU_FOREVER;
}

bool
mu_fail_next(const struct mu_fail_row *old, bool exists, int64_t now,
	     unsigned long limit, const struct mu_fail_policy *p,
	     struct mu_fail_row *out)
{
	int64_t elapsed;
	bool fresh;

	if (!exists) {
		fresh = true;
	} else if (mu_fail_locked(old, now)) {
		fresh = false;
	} else {
		/* a clock stepped backwards gives elapsed < 0: in window */
		elapsed = mu_sat_sub(now, old->first);
		fresh = elapsed >= (int64_t)p->interval ||
		    old->locked_until != 0;	/* an expired lock */
	}
	if (fresh) {
		out->count = 1;
		out->first = now;
		out->locked_until = 0;
	} else {
		*out = *old;
		out->count = mu_sat_add(old->count, 1);
	}
	out->last = now;
	if (limit == 0 || out->locked_until != 0 ||
	    out->count < (int64_t)limit)
		return false;
	out->locked_until = mu_fail_lock_end(now, p);
	return true;
}

void
mu_fail_fingerprint(const char *computed, char *out)
{
	const char *h;
	size_t n;

	out[0] = '\0';
	if (computed == NULL || computed[0] == '\0')
		return;
	/* the hash part: after the last '$' ("$6$salt$HASH"), or after the
	 * two salt characters of a traditional DES string */
	if ((h = strrchr(computed, '$')) != NULL)
		h++;
	else
		h = strlen(computed) > 2 ? computed + 2 : computed;
	n = strnlen(h, MU_FP_LEN);
	memcpy(out, h, n);
	out[n] = '\0';
}

