/* Brute-force defence in the store: the one write transaction of every
 * login attempt. */
#ifndef MU_LOCKOUT_H
#define MU_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "mu_fail.h"
#include "mu_source.h"
#include "mu_store.h"

#define MU_FAIL_TRIES 4		/* busy timeouts a failure write may wait */

/* Lock state of user id for source at now. */
struct mu_lock_state {
	bool locked;		/* locked for this source or for all */
	bool all;		/* the lock is for every source */
	int64_t until;		/* when it ends (MU_FOREVER: admin unlock) */
};

/* What one attempt of a known user was, for the counters. */
struct mu_attempt {
	bool ok;		/* right password and the account may log in */
	const char *fp;		/* fingerprint of the given password
				 * (mu_fail_fingerprint), "" for none */
};

/* What recording it found and did. */
struct mu_attempt_result {
	bool locked;		/* a lock held before this attempt: refused,
				 * and not counted */
	bool locked_all;	/* ... for every source */
	int64_t locked_until;
	bool counted;		/* counted as a failure (not a repeat of one of
				 * the recent wrong passwords) */
	bool engaged;		/* this failure engaged a lock */
	bool engaged_all;	/* ... for every source */
	int64_t engaged_until;
};

/*
 * Record one attempt of user id from source (mu_source_norm) at now, in
 * one write transaction (BEGIN IMMEDIATE, waiting up to MU_FAIL_TRIES
 * busy timeouts), which also reads the lock state, so that counters are
 * exact under concurrency:
 *   - a lock on the source or on every source: res->locked; the attempt is
 *     refused whatever the password and not counted (the row's last
 *     failure time is updated, the same work as a count);
 *   - a->ok: the source's counter and the recent fingerprints are
 *     dropped, and users.last_login set (a real write every time: a
 *     success proves that failures can be recorded);
 *   - else a failure: counted unless a->fp is one of the recent
 *     fingerprints (a stale password repeated); a count reaching deny
 *     locks the source, a total reaching deny_total every source.
 * Any store error (busy past the timeouts, read-only, disk full, I/O) is
 * MU_E_STORE with nothing written: the caller must refuse the login
 * (fail closed).  The error is logged at most once a minute per process,
 * with what to do about it.
 */
int mu_attempt_record(struct mu_store *st, int64_t id, const char *source,
		      const struct mu_attempt *a, int64_t now,
		      const struct mu_fail_policy *p,
		      struct mu_attempt_result *res);

/* Record a failed attempt of a name that is not in the store: the
 * source's row of source_failures, in one write transaction with the
 * same work as mu_attempt_record's.  MU_OK or MU_E_STORE (as above). */
int mu_attempt_unknown(struct mu_store *st, const char *source, int64_t now,
		       const struct mu_fail_policy *p);

#endif
