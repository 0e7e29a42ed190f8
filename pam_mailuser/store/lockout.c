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

/* What the store holds of one user's failures, read in one statement
 * inside the attempt's transaction. */
struct fail_view {
	struct mu_lock_state ls;	/* for the source, or for all */
	bool seen;			/* the fingerprint is a recent one */
	struct mu_fail_row src, all;	/* the rows of the source and of
					 * every source ('') */
	bool src_exists, all_exists;
	int64_t others;			/* failures from the other sources
					 * within the window */
};

/* Read the user's counter rows and fingerprints at once: the lock state,
 * whether fp is a recent wrong password (every stored fingerprint is
 * compared, in constant time each), the rows of source and of every
 * source, and the failures from the other sources within the window. */
static int
view(struct mu_store *st, int64_t id, const char *source, const char *fp,
     int64_t now, unsigned long interval, struct fail_view *v)
{
	static const char sql[] =
	    "SELECT 0, source, count, first_fail, last_fail, "
	    "coalesce(locked_until, 0) FROM failures WHERE user_id = $1 "
	    "UNION ALL "
	    "SELECT 1, digest, 0, 0, 0, 0 FROM recent_failures "
	    "WHERE user_id = $1";
	struct mu_res *r;
	int ret;

	memset(v, 0, sizeof(*v));
	if ((ret = mu_q(st, &r, sql, "i", id)) != MU_OK)
		return ret;
	while (mu_row(r)) {
		const char *name = mu_text(r, 1);
		struct mu_fail_row row;
		bool all = name[0] == '\0', mine = strcmp(name, source) == 0;

		if (mu_int(r, 0) == 1) {
			if (mu_ct_streq(name, fp))
				v->seen = true;
			continue;
		}
		row.count = mu_int(r, 2);
		row.first = mu_int(r, 3);
		row.last = mu_int(r, 4);
		row.locked_until = mu_int(r, 5);
		if ((all || mine) && mu_fail_locked(&row, now) &&
		    (!v->ls.locked || row.locked_until > v->ls.until)) {
			v->ls.locked = true;
			v->ls.all = all;
			v->ls.until = row.locked_until;
		}
		if (all) {
			v->all = row;
			v->all_exists = true;
		} else if (mine) {
			v->src = row;
			v->src_exists = true;
		} else if (mu_sat_sub(now, row.first) < (int64_t)interval) {
			v->others = mu_sat_add(v->others, row.count);
		}
	}
	return mu_done(r);
}

/* Keep fingerprint digest of user id (or, when drop, add it and take it
 * out again: the same writes without keeping anything), then keep only
 * the newest MU_STALE_KEEP.  Sent with the commit. */
static int
stale_write(struct mu_store *st, int64_t id, const char *digest, int64_t now,
	    bool drop)
{
	static const char ins[] =
	    "INSERT INTO recent_failures (user_id, digest, at) "
	    "VALUES ($1, $2, $3)";
	static const char del[] =
	    "DELETE FROM recent_failures WHERE user_id = $1 AND digest = $2";
	static const char prune[] =
	    "DELETE FROM recent_failures WHERE user_id = $1 AND id NOT IN "
	    "(SELECT id FROM recent_failures WHERE user_id = $1 "
	    "ORDER BY id DESC LIMIT $2)";
	int ret;

	if ((ret = mu_q_later(st, ins, "iti", id, digest, now)) != MU_OK)
		return ret;
	if (drop && (ret = mu_q_later(st, del, "it", id, digest)) != MU_OK)
		return ret;
	return mu_q_later(st, prune, "ii", id, (int64_t)MU_STALE_KEEP);
}

/* Write one counter row; sent with the commit. */
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

	return mu_q_later(st, sql, "itiiii", id, source, row->count,
			  row->first, row->last, row->locked_until);
}

/*
 * The counter of one attempt, from the view read in the transaction: the
 * row of source (or of every source, while that lock holds) written, and
 * with deny_total the total of the window.  Counted, it is one more
 * failure (mu_fail_next), which may engage a lock; not counted (a lock
 * holds, a stale password repeated, a success about to reset the row),
 * only its last failure time changes.  The statements are the same
 * either way, so the time does not tell them apart.
 */
static int
record(struct mu_store *st, int64_t id, const char *source,
       const struct fail_view *v, int64_t now, const struct mu_fail_policy *p,
       bool counted, struct mu_attempt_result *res)
{
	bool to_all = v->ls.locked && v->ls.all;
	const struct mu_fail_row *old = to_all ? &v->all : &v->src;
	bool exists = to_all ? v->all_exists : v->src_exists;
	struct mu_fail_row row;
	int64_t total;
	int ret;

	if (counted) {
		res->engaged = mu_fail_next(old, exists, now, p->deny, p, &row);
		res->engaged_until = row.locked_until;
	} else {
		row = *old;
		if (!exists) {
			row.count = 0;
			row.first = now;
			row.locked_until = 0;
		}
		row.last = now;
	}
	if ((ret = row_put(st, id, to_all ? MU_SOURCE_ALL : source, &row)) !=
	    MU_OK || p->deny_total == 0 || !counted)
		return ret;
	/* the failures of every source within the window, this one's new
	 * count included */
	total = v->others;
	if (!to_all && mu_sat_sub(now, row.first) < (int64_t)p->interval)
		total = mu_sat_add(total, row.count);
	if (total < (int64_t)p->deny_total ||
	    (v->all_exists && mu_fail_locked(&v->all, now)))
		return MU_OK;
	/* every source: one row with an empty source holds the lock */
	row.count = total;
	row.first = row.last = now;
	row.locked_until = mu_fail_lock_end(now, p);
	res->engaged = true;
	res->engaged_all = true;
	res->engaged_until = row.locked_until;
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
	struct fail_view v;
	const char *fp = a->fp != NULL ? a->fp : "";
	bool refused, counted;
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = mu_begin(st, true)) != MU_OK)
		return end_write(st, ret);
	/* Every attempt runs the statements of a counted failure: the view
	 * read, a fingerprint written, the counter written.  Only the
	 * values differ, so the time does not tell a refusal's reason.  A
	 * success then undoes them: it commits only when a failure could
	 * have, also on a nearly full disk, and always writes something.
	 * The writes go with the commit (one round trip on PostgreSQL). */
	ret = mu_lock_user(st, id);
	if (ret == MU_OK)
		ret = view(st, id, source, fp, now, p->interval, &v);
	if (ret != MU_OK)
		return end_write(st, ret);
	refused = v.ls.locked || !a->ok;
	/* counted: a refusal that no lock holds and that is not a repeat of
	 * a recent wrong password; its fingerprint is kept.  A guess made
	 * during a lock keeps none: it must cost a count when made again. */
	counted = refused && !v.ls.locked && !v.seen;
	ret = counted && fp[0] != '\0' ? stale_write(st, id, fp, now, false) :
	    churn(st, id, now);
	if (ret == MU_OK)
		ret = record(st, id, source, &v, now, p, counted, res);
	if (ret == MU_OK && !refused) {
		ret = mu_q_later(st, drop_row, "it", id, source);
		if (ret == MU_OK)
			ret = mu_q_later(st, drop_fp, "i", id);
		if (ret == MU_OK)
			ret = mu_q_later(st, login, "ii", id, now);
	}
	res->counted = counted;
	if (v.ls.locked) {
		res->locked = true;
		res->locked_all = v.ls.all;
		res->locked_until = v.ls.until;
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
	struct fail_view v;
	int ret;

	if ((ret = mu_begin(st, true)) != MU_OK)
		return end_write(st, ret);
	/* the statements a known user's failure runs, on no user: the view
	 * read, a fingerprint row added and taken out again (the same pages
	 * written: its user does not exist, so the foreign key is checked
	 * at the commit, when the row is gone), a counter row written */
	ret = mu_lock_user(st, -1);
	if (ret == MU_OK)
		ret = view(st, -1, source, "", now, p->interval, &v);
	if (ret == MU_OK)
		ret = mu_defer_fk(st);
	if (ret == MU_OK)
		ret = churn(st, -1, now);
	if (ret == MU_OK)
		ret = mu_q_later(st, touch_none, "iti", (int64_t)-1, source,
				 now);
	if (ret == MU_OK)
		ret = mu_q_later(st, count, "tii", source, now,
				 (int64_t)p->interval);
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
