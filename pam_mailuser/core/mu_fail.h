/* Brute-force defence: the arithmetic of failure counters, with no
 * store (pure functions; the store's part is in mu_lockout.h). */
#ifndef MU_FAIL_H
#define MU_FAIL_H

#include <stdbool.h>
#include <stdint.h>

#define MU_STALE_KEEP 5		/* digests of recent wrong passwords kept */
#define MU_FOREVER INT64_MAX	/* locked_until for "until an admin unlocks" */

struct mu_fail_policy {
	unsigned long deny;		/* failures from one source; 0 = off */
	unsigned long deny_total;	/* failures from all sources; 0 = off */
	unsigned long interval;		/* seconds a count is kept */
	unsigned long unlock;		/* seconds a lock lasts; 0 = forever */
};

/* One counter row. */
struct mu_fail_row {
	int64_t count;
	int64_t first;
	int64_t last;
	int64_t locked_until;	/* 0 = not locked */
};

/* a + b, saturating at INT64_MAX and INT64_MIN. */
int64_t mu_sat_add(int64_t a, int64_t b);
/* a - b, saturating likewise. */
int64_t mu_sat_sub(int64_t a, int64_t b);

/* True when row locks at time now.  A clock stepped backwards keeps a
 * lock (now < locked_until stays true). */
bool mu_fail_locked(const struct mu_fail_row *row, int64_t now);

/* The counter after one more failure at now: a pure function.  exists
 * says whether old holds a row.  A count whose window (interval seconds
 * from its first failure) has passed starts again at 1, unless it holds a
 * lock; a count reaching limit (0 = never) sets locked_until, which a
 * failure during a lock does not extend.  Returns true when this failure
 * engaged the lock. */
bool mu_fail_next(const struct mu_fail_row *old, bool exists, int64_t now,
		  unsigned long limit, const struct mu_fail_policy *p,
		  struct mu_fail_row *out);

/* When a lock engaged at now ends under policy p (MU_FOREVER when
 * unlock is 0 or the end would overflow). */
int64_t mu_fail_lock_end(int64_t now, const struct mu_fail_policy *p);

/* The fingerprint kept of a wrong password: MU_FP_LEN characters of the
 * hash part of computed (crypt(password, the user's setting)), into out
 * (MU_FP_LEN + 1 bytes); "" when computed is empty. */
#define MU_FP_LEN 3
void mu_fail_fingerprint(const char *computed, char *out);

#endif
