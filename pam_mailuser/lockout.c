#include <sqlite3.h>
#include <string.h>

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

static int
db_error(struct mu_store *st, const char *what)
{
	mu_store_log(st, LOG_ERR, what);
	return MU_E_STORE;
}

int
mu_fail_state(struct mu_store *st, int64_t id, const char *source,
	      int64_t now, struct mu_lock_state *ls)
{
	static const char sql[] =
	    "SELECT source, locked_until FROM failures "
	    "WHERE user_id = ?1 AND source IN (?2, '')";
	sqlite3 *db = mu_store_db(st);
	sqlite3_stmt *s = NULL;
	int rc;

	memset(ls, 0, sizeof(*ls));
	rc = prep(db, sql, id, source, &s);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		bool all = sqlite3_column_bytes(s, 0) == 0;
		struct mu_fail_row row = { 0, 0, 0, 0 };

		row.locked_until = sqlite3_column_int64(s, 1);
		if (!all)
			ls->has_row = true;
		if (mu_fail_locked(&row, now) &&
		    (!ls->locked || row.locked_until > ls->until)) {
			ls->locked = true;
			ls->all = all;
			ls->until = row.locked_until;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? MU_OK : db_error(st, "reading failures");
}

/* Is digest among the user's recent wrong-password digests?  Every
 * stored digest is compared, in constant time each. */
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

static int
stale_add(sqlite3 *db, int64_t id, const char *digest, int64_t now)
{
	static const char ins[] =
	    "INSERT INTO recent_failures (user_id, digest, at) "
	    "VALUES (?1, ?2, ?3)";
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

/* The counting itself, inside the caller's transaction. */
static int
record(sqlite3 *db, int64_t id, const char *source, int64_t now,
       const struct mu_fail_policy *p, bool *engaged, bool *all,
       int64_t *until)
{
	struct mu_fail_row old, row;
	bool exists;
	int64_t total;
	int rc;

	if ((rc = row_get(db, id, source, &old, &exists)) != SQLITE_OK)
		return rc;
	*engaged = mu_fail_next(&old, exists, now, p->deny, p, &row);
	*until = row.locked_until;
	if ((rc = row_put(db, id, source, &row)) != SQLITE_OK ||
	    p->deny_total == 0)
		return rc;
	if ((rc = total_in_window(db, id, now, p->interval, &total)) !=
	    SQLITE_OK || total < (int64_t)p->deny_total)
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

int
mu_fail_record(struct mu_store *st, int64_t id, const char *source,
	       const char *digest, int64_t now,
	       const struct mu_fail_policy *p, bool *counted, bool *engaged,
	       bool *all, int64_t *until)
{
	sqlite3 *db = mu_store_db(st);
	bool seen = false;
	int rc, tries;

	*counted = *engaged = *all = false;
	*until = 0;
	/* A failure must not go uncounted because others keep the store
	 * busy (an attacker could arrange that): wait up to MU_FAIL_TRIES
	 * busy timeouts for the write lock. */
	for (tries = 0; tries < MU_FAIL_TRIES; tries++) {
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
	}
	if (rc != SQLITE_OK)
		return db_error(st, "recording a failure");
	if (digest != NULL && digest[0] != '\0') {
		rc = stale_seen(db, id, digest, &seen);
		if (rc == SQLITE_OK && !seen)
			rc = stale_add(db, id, digest, now);
	} else {
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_OK && !seen) {
		*counted = true;
		rc = record(db, id, source, now, p, engaged, all, until);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = db_error(st, "recording a failure");
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		*counted = *engaged = *all = false;
		return rc;
	}
	return MU_OK;
}

int
mu_fail_reset(struct mu_store *st, int64_t id, const char *source)
{
	static const char sql[] =
	    "DELETE FROM failures WHERE user_id = ?1 AND source = ?2";
	sqlite3 *db = mu_store_db(st);
	sqlite3_stmt *s = NULL;
	int rc;

	rc = prep(db, sql, id, source, &s);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? MU_OK : db_error(st, "resetting failures");
}
