/* Brute-force defence: failure counters per user and source. */
#ifndef MU_LOCKOUT_H
#define MU_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "mu_store.h"

#define MU_SOURCE_MAX 255	/* bytes of PAM_RHOST kept as the source */
#define MU_SOURCE_UNKNOWN "unknown"	/* no PAM_RHOST (saslauthd) */
#define MU_SOURCE_ALL ""	/* the row that locks every source */
#define MU_STALE_KEEP 5		/* digests of recent wrong passwords kept */
#define MU_FOREVER INT64_MAX	/* locked_until for "until an admin unlocks" */
#define MU_FAIL_TRIES 4		/* busy timeouts a failure write may wait */

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

/* Lock state of user id for source at now. */
struct mu_lock_state {
	bool locked;		/* locked for this source or for all */
	bool all;		/* the lock is for every source */
	int64_t until;		/* when it ends (MU_FOREVER: admin unlock) */
	bool has_row;		/* a counter exists for this source */
};
int mu_fail_state(struct mu_store *st, int64_t id, const char *source,
		  int64_t now, struct mu_lock_state *ls);

/* Record a wrong password for user id from source, in one BEGIN IMMEDIATE
 * transaction, waiting up to MU_FAIL_TRIES busy timeouts for the lock.  digest is crypt(wrong password, the user's salt): when it
 * equals one of the last MU_STALE_KEEP digests (constant-time compare)
 * the failure is a stale password repeated and is not counted again
 * (*counted false).  Sets *engaged when this failure engaged a lock
 * (for the source, or for all sources when *all). */
int mu_fail_record(struct mu_store *st, int64_t id, const char *source,
		   const char *digest, int64_t now,
		   const struct mu_fail_policy *p, bool *counted,
		   bool *engaged, bool *all, int64_t *until);

/* Forget the counter of user id for source (after a good login). */
int mu_fail_reset(struct mu_store *st, int64_t id, const char *source);

#endif
