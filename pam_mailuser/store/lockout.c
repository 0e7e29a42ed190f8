/*
 * Brute-force defence: failure counters per user and source, and the
 * one write transaction every login attempt makes.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mu_error.h"
#include "mu_lockout.h"
#include "mu_secret.h"

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

/* When a lock engaged at now ends. */
static int64_t
lock_end(int64_t now, const struct mu_fail_policy *p)
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
	out->locked_until = lock_end(now, p);
	return true;
}

/* Prepare sql and bind ?1 to id and, when text is not NULL, ?2 to text
 * (kept by the caller until the statement is finalized). */
static int
prep(sqlite3 *db, const char *sql, int64_t id, const char *text,
     sqlite3_stmt **s)
{
	int rc;

	*s = NULL;
	rc = sqlite3_prepare_v2(db, sql, -1, s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(*s, 1, id);
	if (rc == SQLITE_OK && text != NULL)
		rc = sqlite3_bind_text(*s, 2, text, -1, SQLITE_STATIC);
	return rc;
}

/* The lock state of user id for source, inside the transaction. */
static int
lock_state(sqlite3 *db, int64_t id, const char *source, int64_t now,
	   struct mu_lock_state *ls)
{
	static const char sql[] =
	    "SELECT source, locked_until FROM failures "
	    "WHERE user_id = ?1 AND source IN (?2, '')";
	sqlite3_stmt *s = NULL;
	int rc;

	memset(ls, 0, sizeof(*ls));
	rc = prep(db, sql, id, source, &s);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		bool all = sqlite3_column_bytes(s, 0) == 0;
		struct mu_fail_row row = { 0, 0, 0, 0 };

		row.locked_until = sqlite3_column_int64(s, 1);
		if (mu_fail_locked(&row, now) &&
		    (!ls->locked || row.locked_until > ls->until)) {
			ls->locked = true;
			ls->all = all;
			ls->until = row.locked_until;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Is fp among the user's recent wrong-password fingerprints?  Every
 * stored one is compared, in constant time each. */
static int
stale_seen(sqlite3 *db, int64_t id, const char *digest, bool *seen)
{
	static const char sql[] =
	    "SELECT digest FROM recent_failures WHERE user_id = ?1";
	sqlite3_stmt *s = NULL;
	int rc;

	*seen = false;
	rc = prep(db, sql, id, NULL, &s);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (mu_ct_streq((const char *)sqlite3_column_text(s, 0),
				digest))
			*seen = true;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Keep fingerprint digest of user id (or, when drop, add it and take it
 * out again: the same writes without keeping anything), then keep only
 * the newest MU_STALE_KEEP. */
static int
stale_write(sqlite3 *db, int64_t id, const char *digest, int64_t now,
	    bool drop)
{
	static const char ins[] =
	    "INSERT INTO recent_failures (user_id, digest, at) "
	    "VALUES (?1, ?2, ?3)";
	static const char del[] =
	    "DELETE FROM recent_failures WHERE id = ?1 AND digest = ?2";
	static const char prune[] =
	    "DELETE FROM recent_failures WHERE user_id = ?1 AND id NOT IN "
	    "(SELECT id FROM recent_failures WHERE user_id = ?1 "
	    "ORDER BY id DESC LIMIT ?2)";
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prep(db, ins, id, digest, &s);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	if (drop) {
		rc = prep(db, del, sqlite3_last_insert_rowid(db), digest, &s);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return rc;
	}
	rc = prep(db, prune, id, NULL, &s);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, MU_STALE_KEEP);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
row_get(sqlite3 *db, int64_t id, const char *source, struct mu_fail_row *r,
	bool *exists)
{
	static const char sql[] =
	    "SELECT count, first_fail, last_fail, "
	    "coalesce(locked_until, 0) FROM failures "
	    "WHERE user_id = ?1 AND source = ?2";
	sqlite3_stmt *s = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	*exists = false;
	rc = prep(db, sql, id, source, &s);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*exists = true;
		r->count = sqlite3_column_int64(s, 0);
		r->first = sqlite3_column_int64(s, 1);
		r->last = sqlite3_column_int64(s, 2);
		r->locked_until = sqlite3_column_int64(s, 3);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
row_put(sqlite3 *db, int64_t id, const char *source,
	const struct mu_fail_row *r)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO failures (user_id, source, count, "
	    "first_fail, last_fail, locked_until) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0))";
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prep(db, sql, id, source, &s);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, r->count);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, r->first);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, r->last);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 6, r->locked_until);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Failures of user id from every source within the window at now. */
static int
total_in_window(sqlite3 *db, int64_t id, int64_t now, unsigned long interval,
		int64_t *total)
{
	static const char sql[] =
	    "SELECT count, first_fail FROM failures "
	    "WHERE user_id = ?1 AND source <> ''";
	sqlite3_stmt *s = NULL;
	int rc;

	*total = 0;
	rc = prep(db, sql, id, NULL, &s);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t elapsed = mu_sat_sub(now,
					     sqlite3_column_int64(s, 1));

		if (elapsed < (int64_t)interval)
			*total = mu_sat_add(*total,
					    sqlite3_column_int64(s, 0));
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
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
record(sqlite3 *db, int64_t id, const char *source, int64_t now,
       const struct mu_fail_policy *p, bool counted, bool *engaged,
       bool *all, int64_t *until)
{
	struct mu_fail_row old, row;
	bool exists;
	int64_t total;
	int rc;

	*engaged = *all = false;
	*until = 0;
	if ((rc = row_get(db, id, source, &old, &exists)) != SQLITE_OK)
		return rc;
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
	if ((rc = row_put(db, id, source, &row)) != SQLITE_OK ||
	    p->deny_total == 0)
		return rc;
	if ((rc = total_in_window(db, id, now, p->interval, &total)) !=
	    SQLITE_OK || !counted || total < (int64_t)p->deny_total)
		return rc;
	/* every source: one row with an empty source holds the lock */
	if ((rc = row_get(db, id, MU_SOURCE_ALL, &old, &exists)) != SQLITE_OK)
		return rc;
	if (exists && mu_fail_locked(&old, now))
		return SQLITE_OK;
	row.count = total;
	row.first = row.last = now;
	row.locked_until = lock_end(now, p);
	*engaged = true;
	*all = true;
	*until = row.locked_until;
	return row_put(db, id, MU_SOURCE_ALL, &row);
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

/* Why a write failed, and what to do, for the log. */
static const char *
write_hint(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return "the file system is full: free space on it";
	case SQLITE_READONLY:
		return "the store is read-only to this process: give the "
		       "auth processes write access to the store, its -wal "
		       "and -shm files and its directory (mailuser-admin "
		       "init --group)";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "another process held the write lock past 4 times "
		       "busy_timeout: find it (a long-running tool or a "
		       "stuck process) or raise busy_timeout";
	case SQLITE_IOERR:
		return "an I/O error: check the disk and the kernel log";
	default:
		return "see the SQLite message";
	}
}

/* One LOG_ERR line a minute per process at most: an outage must not
 * flood the log with a line per login. */
static void
write_failed(struct mu_store *st, int rc)
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
		 "(PAM_AUTHINFO_UNAVAIL) until it can; %s", write_hint(rc));
	mu_store_log(st, LOG_ERR, what);
}

/* BEGIN IMMEDIATE, waiting up to MU_FAIL_TRIES busy timeouts: an
 * attempt must not go unrecorded because others keep the store busy. */
static int
begin_write(sqlite3 *db)
{
	int rc = SQLITE_BUSY, tries;

	for (tries = 0; tries < MU_FAIL_TRIES; tries++) {
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
	}
	return rc;
}

/* COMMIT, or after an error log it (with SQLite's message of that
 * error, before the ROLLBACK replaces it) and ROLLBACK; the first error
 * code. */
static int
end_write(struct mu_store *st, int rc)
{
	sqlite3 *db = mu_store_db(st);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		write_failed(st, rc);
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

/* Run one statement with ?1 id, ?2 text (may be NULL: unbound), ?3 now. */
static int
exec3(sqlite3 *db, const char *sql, int64_t id, const char *text,
      int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prep(db, sql, id, text, &s);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(s) >= 3)
		rc = sqlite3_bind_int64(s, 3, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The writes of keeping a fingerprint, without keeping one. */
static int
churn(sqlite3 *db, int64_t id, int64_t now)
{
	return stale_write(db, id, "", now, true);
}

int
mu_attempt_record(struct mu_store *st, int64_t id, const char *source,
		  const struct mu_attempt *a, int64_t now,
		  const struct mu_fail_policy *p,
		  struct mu_attempt_result *res)
{
	static const char drop_row[] =
	    "DELETE FROM failures WHERE user_id = ?1 AND source = ?2";
	static const char drop_fp[] =
	    "DELETE FROM recent_failures WHERE user_id = ?1";
	static const char login[] =
	    "UPDATE users SET last_login = ?3 WHERE id = ?1";
	sqlite3 *db = mu_store_db(st);
	struct mu_lock_state ls;
	const char *fp = a->fp != NULL ? a->fp : "";
	bool seen = false, refused, counted;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = begin_write(db)) != SQLITE_OK)
		goto out;
	/* Every attempt runs the statements of a counted failure: the lock
	 * state, the fingerprints read and one written, the counter read
	 * and written, the total read.  Only the values differ, so the
	 * time does not tell a refusal's reason.  A success then undoes
	 * them: it commits only when a failure could have, also on a
	 * nearly full disk, and always writes something. */
	rc = lock_state(db, id, source, now, &ls);
	refused = ls.locked || !a->ok;
	if (rc == SQLITE_OK)
		rc = stale_seen(db, id, fp, &seen);
	/* counted: a refusal that no lock holds and that is not a repeat of
	 * a recent wrong password; its fingerprint is kept.  A guess made
	 * during a lock keeps none: it must cost a count when made again. */
	counted = refused && !ls.locked && !seen;
	if (rc == SQLITE_OK)
		rc = counted && fp[0] != '\0' ?
		    stale_write(db, id, fp, now, false) : churn(db, id, now);
	if (rc == SQLITE_OK)
		rc = record(db, id, ls.locked && ls.all ? MU_SOURCE_ALL :
			    source, now, p, counted, &res->engaged,
			    &res->engaged_all, &res->engaged_until);
	if (rc == SQLITE_OK && !refused) {
		rc = exec3(db, drop_row, id, source, now);
		if (rc == SQLITE_OK)
			rc = exec3(db, drop_fp, id, NULL, now);
		if (rc == SQLITE_OK)
			rc = exec3(db, login, id, NULL, now);
	}
	res->counted = counted;
	if (ls.locked) {
		res->locked = true;
		res->locked_all = ls.all;
		res->locked_until = ls.until;
	}
out:
	if ((rc = end_write(st, rc)) != SQLITE_OK) {
		memset(res, 0, sizeof(*res));
		return MU_E_STORE;
	}
	return MU_OK;
}

int
mu_attempt_unknown(struct mu_store *st, const char *source, int64_t now,
		   const struct mu_fail_policy *p)
{
	static const char get[] =
	    "SELECT count, first_fail FROM source_failures WHERE source = ?1";
	static const char put[] =
	    "INSERT OR REPLACE INTO source_failures (source, count, "
	    "first_fail, last_fail) VALUES (?1, ?2, ?3, ?4)";
	static const char touch_none[] =
	    "UPDATE failures SET last_fail = ?3 WHERE user_id = ?1 AND "
	    "source = ?2";
	struct mu_fail_row row;
	bool exists;
	int64_t total;
	sqlite3 *db = mu_store_db(st);
	struct mu_lock_state ls;
	sqlite3_stmt *s = NULL;
	int64_t count = 1, first = now;
	bool seen;
	int rc;

	if ((rc = begin_write(db)) != SQLITE_OK)
		goto out;
	/* the statements a known user's failure runs, on no user: the lock
	 * state and the fingerprints read, a fingerprint row added and
	 * taken out again (the same pages written: its user does not exist,
	 * so the foreign key is checked at the commit, when the row is
	 * gone) */
	rc = lock_state(db, -1, source, now, &ls);
	if (rc == SQLITE_OK)
		rc = stale_seen(db, -1, "", &seen);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA defer_foreign_keys = ON", NULL,
				  NULL, NULL);
	if (rc == SQLITE_OK)
		rc = churn(db, -1, now);
	/* and record()'s read and write of a counter row (none here) */
	if (rc == SQLITE_OK)
		rc = row_get(db, -1, source, &row, &exists);
	if (rc == SQLITE_OK)
		rc = exec3(db, touch_none, -1, source, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, get, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (mu_sat_sub(now, sqlite3_column_int64(s, 1)) <
		    (int64_t)p->interval) {
			count = mu_sat_add(sqlite3_column_int64(s, 0), 1);
			first = sqlite3_column_int64(s, 1);
		}
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_DONE)
		rc = sqlite3_prepare_v2(db, put, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, count);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 3, first);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 4, now);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc == SQLITE_OK && p->deny_total != 0)
		rc = total_in_window(db, -1, now, p->interval, &total);
out:
	if ((rc = end_write(st, rc)) != SQLITE_OK)
		return MU_E_STORE;
	return MU_OK;
}
