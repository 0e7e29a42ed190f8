/*
 * Brute-force defence in the store: failure counters per user and
 * source, and the one write transaction every login attempt makes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mu_db.h"
#include "mu_error.h"
#include "mu_lockout.h"
#include "mu_secret.h"

/* The lock state of user id for source, inside the transaction. */
static int
lock_state(struct mu_store *st, int64_t id, const char *source, int64_t now,
	   struct mu_lock_state *ls)
{
	static const char sql[] =
	    "SELECT source, locked_until FROM failures "
	    "WHERE user_id = $1 AND source IN ($2, '')";
	struct mu_res *r;
	int ret;

	memset(ls, 0, sizeof(*ls));
	if ((ret = mu_q(st, &r, sql, "it", id, source)) != MU_OK)
		return ret;
	while (mu_row(r)) {
		bool all = mu_text(r, 0)[0] == '\0';
		struct mu_fail_row row = { 0, 0, 0, 0 };

		row.locked_until = mu_int(r, 1);
		if (mu_fail_locked(&row, now) &&
		    (!ls->locked || row.locked_until > ls->until)) {
			ls->locked = true;
			ls->all = all;
			ls->until = row.locked_until;
		}
	}
	return mu_done(r);
}

/* Is fp among the user's recent wrong-password fingerprints?  Every
 * stored one is compared, in constant time each. */
static int
stale_seen(struct mu_store *st, int64_t id, const char *digest, bool *seen)
{
	static const char sql[] =
	    "SELECT digest FROM recent_failures WHERE user_id = $1";
	struct mu_res *r;
	int ret;

	*seen = false;
	if ((ret = mu_q(st, &r, sql, "i", id)) != MU_OK)
		return ret;
	while (mu_row(r))
		if (mu_ct_streq(mu_text(r, 0), digest))
			*seen = true;
	return mu_done(r);
}

/* Keep fingerprint digest of user id (or, when drop, add it and take it
 * out again: the same writes without keeping anything), then keep only
 * the newest MU_STALE_KEEP. */
static int
stale_write(struct mu_store *st, int64_t id, const char *digest, int64_t now,
	    bool drop)
{
	static const char ins[] =
	    "INSERT INTO recent_failures (user_id, digest, at) "
	    "VALUES ($1, $2, $3) RETURNING id";
	static const char del[] =
	    "DELETE FROM recent_failures WHERE id = $1 AND digest = $2";
	static const char prune[] =
	    "DELETE FROM recent_failures WHERE user_id = $1 AND id NOT IN "
	    "(SELECT id FROM recent_failures WHERE user_id = $1 "
	    "ORDER BY id DESC LIMIT $2)";
	int64_t rid;
	int ret;

	if ((ret = mu_q_int(st, &rid, NULL, ins, "iti", id, digest, now)) !=
	    MU_OK)
		return ret;
	if (drop && (ret = mu_q(st, NULL, del, "it", rid, digest)) != MU_OK)
		return ret;
	return mu_q(st, NULL, prune, "ii", id, (int64_t)MU_STALE_KEEP);
}

static int
row_get(struct mu_store *st, int64_t id, const char *source,
	struct mu_fail_row *row, bool *exists)
{
	static const char sql[] =
	    "SELECT count, first_fail, last_fail, "
	    "coalesce(locked_until, 0) FROM failures "
	    "WHERE user_id = $1 AND source = $2";
	struct mu_res *r;
	int ret;

	memset(row, 0, sizeof(*row));
	*exists = false;
	if ((ret = mu_q(st, &r, sql, "it", id, source)) != MU_OK)
		return ret;
	if (mu_row(r)) {
		*exists = true;
		row->count = mu_int(r, 0);
		row->first = mu_int(r, 1);
		row->last = mu_int(r, 2);
		row->locked_until = mu_int(r, 3);
	}
	return mu_done(r);
}

static int
row_put(struct mu_store *st, int64_t id, const char *source,
	const struct mu_fail_row *row)
{
	static const char sql[] =
	    "INSERT INTO failures (user_id, source, count, first_fail, "
	    "last_fail, locked_until) "
	    "VALUES ($1, $2, $3, $4, $5, nullif($6, 0)) "
	    "ON CONFLICT (user_id, source) DO UPDATE SET "
	    "count = excluded.count, first_fail = excluded.first_fail, "
	    "last_fail = excluded.last_fail, "
	    "locked_until = excluded.locked_until";

	return mu_q(st, NULL, sql, "itiiii", id, source, row->count,
		    row->first, row->last, row->locked_until);
}

/* Failures of user id from every source within the window at now. */
static int
total_in_window(struct mu_store *st, int64_t id, int64_t now,
		unsigned long interval, int64_t *total)
{
	static const char sql[] =
	    "SELECT count, first_fail FROM failures "
	    "WHERE user_id = $1 AND source <> ''";
	struct mu_res *r;
	int ret;

	*total = 0;
	if ((ret = mu_q(st, &r, sql, "i", id)) != MU_OK)
		return ret;
	while (mu_row(r))
		if (mu_sat_sub(now, mu_int(r, 1)) < (int64_t)interval)
			*total = mu_sat_add(*total, mu_int(r, 0));
	return mu_done(r);
}

/*
 * The counter of one attempt, inside the caller's transaction: the row of
 * source read and written, and with deny_total the total read.  Counted,
 * it is one more failure (mu_fail_next), which may engage a lock; not
 * counted (a lock holds, a stale password repeated, a success about to
 * reset the row), only its last failure time changes.  The statements are
 * the same either way, so the time does not tell them apart.
 */
static int
record(struct mu_store *st, int64_t id, const char *source, int64_t now,
       const struct mu_fail_policy *p, bool counted, bool *engaged,
       bool *all, int64_t *until)
{
	struct mu_fail_row old, row;
	bool exists;
	int64_t total;
	int ret;

	*engaged = *all = false;
	*until = 0;
	if ((ret = row_get(st, id, source, &old, &exists)) != MU_OK)
		return ret;
	if (counted) {
		*engaged = mu_fail_next(&old, exists, now, p->deny, p, &row);
		*until = row.locked_until;
	} else {
		row = old;
		if (!exists) {
			row.count = 0;
			row.first = now;
			row.locked_until = 0;
		}
		row.last = now;
	}
	if ((ret = row_put(st, id, source, &row)) != MU_OK ||
	    p->deny_total == 0)
		return ret;
	if ((ret = total_in_window(st, id, now, p->interval, &total)) !=
	    MU_OK || !counted || total < (int64_t)p->deny_total)
		return ret;
	/* every source: one row with an empty source holds the lock */
	if ((ret = row_get(st, id, MU_SOURCE_ALL, &old, &exists)) != MU_OK)
		return ret;
	if (exists && mu_fail_locked(&old, now))
		return MU_OK;
	row.count = total;
	row.first = row.last = now;
	row.locked_until = mu_fail_lock_end(now, p);
	*engaged = true;
	*all = true;
	*until = row.locked_until;
	return row_put(st, id, MU_SOURCE_ALL, &row);
}

/* Why a write failed, and what to do, for the log. */
static const char *
write_hint(enum mu_db_err e)
{
	switch (e) {
	case MU_DB_FULL:
		return "the file system is full: free space on it";
	case MU_DB_READONLY:
		return "the store is read-only to this process: give the "
		       "auth processes write access to the store, its -wal "
		       "and -shm files and its directory (mailuser-admin "
		       "init --group), or the database role the right to "
		       "write the counters";
	case MU_DB_BUSY:
		return "another process held the write lock past 4 times "
		       "busy_timeout: find it (a long-running tool or a "
		       "stuck process) or raise busy_timeout";
	case MU_DB_IO:
		return "an I/O error: check the disk and the kernel log";
	case MU_DB_CONN:
		return "the database server cannot be reached";
	default:
		return "see the database's message";
	}
}

/* One LOG_ERR line a minute per process at most: an outage must not
 * flood the log with a line per login. */
static void
write_failed(struct mu_store *st)
{
	static int64_t last;
	static pid_t pid;
	int64_t now = (int64_t)time(NULL);
	char what[512];

	if (pid == getpid() && now - last < 60 && now >= last)
		return;
	pid = getpid();
	last = now;
	snprintf(what, sizeof(what), "cannot record login attempts, so "
		 "every login of the users concerned is refused "
		 "(PAM_AUTHINFO_UNAVAIL) until it can; %s",
		 write_hint(mu_db_error(st, NULL)));
	mu_store_log(st, LOG_ERR, what);
}

/* COMMIT, or after an error ROLLBACK; MU_OK or MU_E_STORE. */
static int
end_write(struct mu_store *st, int ret)
{
	if (ret == MU_OK)
		ret = mu_commit(st);
	if (ret != MU_OK) {
		mu_rollback(st);
		return MU_E_STORE;
	}
	return MU_OK;
}

/* The writes of keeping a fingerprint, without keeping one. */
static int
churn(struct mu_store *st, int64_t id, int64_t now)
{
	return stale_write(st, id, "", now, true);
}

static int
attempt(struct mu_store *st, int64_t id, const char *source,
	const struct mu_attempt *a, int64_t now,
	const struct mu_fail_policy *p, struct mu_attempt_result *res)
{
	static const char drop_row[] =
	    "DELETE FROM failures WHERE user_id = $1 AND source = $2";
	static const char drop_fp[] =
	    "DELETE FROM recent_failures WHERE user_id = $1";
	static const char login[] =
	    "UPDATE users SET last_login = $2 WHERE id = $1";
	struct mu_lock_state ls;
	const char *fp = a->fp != NULL ? a->fp : "";
	bool seen = false, refused, counted = false;
	int ret;

	memset(res, 0, sizeof(*res));
	memset(&ls, 0, sizeof(ls));
	if ((ret = mu_begin(st, true)) != MU_OK)
		return end_write(st, ret);
	/* Every attempt runs the statements of a counted failure: the lock
	 * state, the fingerprints read and one written, the counter read
	 * and written, the total read.  Only the values differ, so the
	 * time does not tell a refusal's reason.  A success then undoes
	 * them: it commits only when a failure could have, also on a
	 * nearly full disk, and always writes something. */
	ret = mu_lock_user(st, id);
	if (ret == MU_OK)
		ret = lock_state(st, id, source, now, &ls);
	refused = ls.locked || !a->ok;
	if (ret == MU_OK)
		ret = stale_seen(st, id, fp, &seen);
	/* counted: a refusal that no lock holds and that is not a repeat of
	 * a recent wrong password; its fingerprint is kept.  A guess made
	 * during a lock keeps none: it must cost a count when made again. */
	counted = refused && !ls.locked && !seen;
	if (ret == MU_OK)
		ret = counted && fp[0] != '\0' ?
		    stale_write(st, id, fp, now, false) : churn(st, id, now);
	if (ret == MU_OK)
		ret = record(st, id, ls.locked && ls.all ? MU_SOURCE_ALL :
			     source, now, p, counted, &res->engaged,
			     &res->engaged_all, &res->engaged_until);
	if (ret == MU_OK && !refused) {
		ret = mu_q(st, NULL, drop_row, "it", id, source);
		if (ret == MU_OK)
			ret = mu_q(st, NULL, drop_fp, "i", id);
		if (ret == MU_OK)
			ret = mu_q(st, NULL, login, "ii", id, now);
	}
	res->counted = counted;
	if (ls.locked) {
		res->locked = true;
		res->locked_all = ls.all;
		res->locked_until = ls.until;
	}
	return end_write(st, ret);
}

int
mu_attempt_record(struct mu_store *st, int64_t id, const char *source,
		  const struct mu_attempt *a, int64_t now,
		  const struct mu_fail_policy *p,
		  struct mu_attempt_result *res)
{
	int ret, tries = 0;

	do {
		ret = attempt(st, id, source, a, now, p, res);
	} while (ret != MU_OK && mu_store_retry(st, &tries));
	if (ret != MU_OK) {
		write_failed(st);
		mu_store_mark_failed(st);
		memset(res, 0, sizeof(*res));
		return MU_E_STORE;
	}
	return MU_OK;
}

static int
unknown(struct mu_store *st, const char *source, int64_t now,
	const struct mu_fail_policy *p)
{
	/* one statement: atomic with every other server of the store */
	static const char count[] =
	    "INSERT INTO source_failures (source, count, first_fail, "
	    "last_fail) VALUES ($1, 1, $2, $2) "
	    "ON CONFLICT (source) DO UPDATE SET "
	    "count = CASE WHEN $2 - source_failures.first_fail >= $3 THEN 1 "
	    "WHEN source_failures.count >= 9223372036854775807 "
	    "THEN source_failures.count "
	    "ELSE source_failures.count + 1 END, "
	    "first_fail = CASE WHEN $2 - source_failures.first_fail >= $3 "
	    "THEN $2 ELSE source_failures.first_fail END, "
	    "last_fail = $2";
	static const char touch_none[] =
	    "UPDATE failures SET last_fail = $3 WHERE user_id = $1 AND "
	    "source = $2";
	struct mu_fail_row row;
	struct mu_lock_state ls;
	bool exists, seen;
	int64_t total;
	int ret;

	if ((ret = mu_begin(st, true)) != MU_OK)
		return end_write(st, ret);
	/* the statements a known user's failure runs, on no user: the lock
	 * state and the fingerprints read, a fingerprint row added and
	 * taken out again (the same pages written: its user does not exist,
	 * so the foreign key is checked at the commit, when the row is
	 * gone) */
	ret = mu_lock_user(st, -1);
	if (ret == MU_OK)
		ret = lock_state(st, -1, source, now, &ls);
	if (ret == MU_OK)
		ret = stale_seen(st, -1, "", &seen);
	if (ret == MU_OK)
		ret = mu_defer_fk(st);
	if (ret == MU_OK)
		ret = churn(st, -1, now);
	/* and record()'s read and write of a counter row (none here) */
	if (ret == MU_OK)
		ret = row_get(st, -1, source, &row, &exists);
	if (ret == MU_OK)
		ret = mu_q(st, NULL, touch_none, "iti", (int64_t)-1, source,
			   now);
	if (ret == MU_OK)
		ret = mu_q(st, NULL, count, "tii", source, now,
			   (int64_t)p->interval);
	if (ret == MU_OK && p->deny_total != 0)
		ret = total_in_window(st, -1, now, p->interval, &total);
	return end_write(st, ret);
}

int
mu_attempt_unknown(struct mu_store *st, const char *source, int64_t now,
		   const struct mu_fail_policy *p)
{
	int ret, tries = 0;

	do {
		ret = unknown(st, source, now, p);
	} while (ret != MU_OK && mu_store_retry(st, &tries));
	if (ret != MU_OK) {
		write_failed(st);
		mu_store_mark_failed(st);
		return MU_E_STORE;
	}
	return MU_OK;
}
