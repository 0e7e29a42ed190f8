#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mu_audit.h"
#include "mu_error.h"
#include "mu_secret.h"
#include "mu_store_pw.h"
#include "mu_strength.h"

int
mu_store_history(struct mu_store *st, int64_t id, unsigned long limit,
		 struct mu_history *h)
{
	static const char sql[] =
	    "SELECT hash FROM pw_history WHERE user_id = ?1 "
	    "ORDER BY id DESC LIMIT ?2";
	sqlite3 *db = mu_store_db(st);
	sqlite3_stmt *s = NULL;
	int rc;

	h->n = 0;
	h->hash = NULL;
	if (limit == 0)
		return MU_OK;
	if (limit > MU_REMEMBER_MAX)
		limit = MU_REMEMBER_MAX;
	if ((h->hash = calloc(limit, sizeof(*h->hash))) == NULL)
		return MU_E_NOMEM;
	rc = sqlite3_prepare_v2(db, sql, sizeof(sql), &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);

		if (t != NULL && strlen(t) < MU_HASH_MAX && h->n < limit)
			memcpy(h->hash[h->n++], t, strlen(t) + 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return MU_OK;
	mu_store_log(st, LOG_ERR, "reading the password history");
	mu_history_free(h);
	return MU_E_STORE;
}

void
mu_history_free(struct mu_history *h)
{
	if (h == NULL || h->hash == NULL)
		return;
	mu_wipe(h->hash, h->n * sizeof(*h->hash));
	free(h->hash);
	h->hash = NULL;
	h->n = 0;
}

int
mu_pw_quality(struct mu_store *st, const struct mu_config *cfg,
	      const struct mu_user *u, const char *pw, const char **why)
{
	struct mu_history h = { 0, NULL };
	struct mu_pwcheck pc;
	int r;

	*why = NULL;
	if (st != NULL &&
	    (r = mu_store_history(st, u->id, cfg->remember, &h)) != MU_OK)
		return r;
	memset(&pc, 0, sizeof(pc));
	pc.minlen = cfg->minlen;
	pc.dictpath = cfg->dictpath;
	pc.name = u->name;
	pc.current = u->hash;
	pc.history = (const char (*)[MU_HASH_MAX])h.hash;
	pc.nhistory = h.n;
	pc.method = cfg->method;
	pc.cost = cfg->hash_cost;
	r = mu_strength_check(&pc, pw, why);
	mu_history_free(&h);
	return r;
}

/* Prepare sql, bind the arguments given by types ('i' int64, 't' text or
 * NULL), and step it once.  Returns the SQLite code of the step. */
static int
run(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	int rc, i;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	va_start(ap, types);
	for (i = 0; rc == SQLITE_OK && types[i] != '\0'; i++)
		rc = types[i] == 'i' ?
		    sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t)) :
		    sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1,
				      SQLITE_STATIC);
	va_end(ap);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc;
}

/* Is the stored hash of user id still old?  MU_OK, MU_E_CONFLICT,
 * MU_E_NOUSER or MU_E_STORE. */
static int
still(sqlite3 *db, int64_t id, const char *old)
{
	static const char sql[] = "SELECT hash FROM users WHERE id = ?1";
	sqlite3_stmt *s = NULL;
	int rc, ret = MU_E_STORE;

	rc = sqlite3_prepare_v2(db, sql, sizeof(sql), &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		ret = MU_E_NOUSER;
	else if (rc == SQLITE_ROW)
		ret = mu_ct_streq((const char *)sqlite3_column_text(s, 0),
				  old) ? MU_OK : MU_E_CONFLICT;
	sqlite3_finalize(s);
	return ret;
}

/* May the account's password be changed now (inside the transaction)?
 * MU_OK, MU_E_DISABLED, MU_E_LOCKED or MU_E_STORE. */
static int
may_change(sqlite3 *db, const struct mu_pwchange *c)
{
	static const char state[] =
	    "SELECT u.disabled OR d.disabled OR u.locked_at IS NOT NULL OR "
	    "(u.expires IS NOT NULL AND u.expires <= ?2) FROM users u JOIN "
	    "domains d ON d.id = u.domain_id WHERE u.id = ?1";
	static const char lock[] =
	    "SELECT count(*) FROM failures WHERE user_id = ?1 AND "
	    "source IN (?3, '') AND locked_until > ?2";
	sqlite3_stmt *s = NULL;
	int rc, ret = MU_OK;

	if (c->check_state) {
		rc = sqlite3_prepare_v2(db, state, -1, &s, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 1, c->id);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 2, c->now);
		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
			ret = sqlite3_column_int(s, 0) ? MU_E_DISABLED : MU_OK;
		else
			ret = MU_E_STORE;
		sqlite3_finalize(s);
		s = NULL;
	}
	if (ret != MU_OK || c->source == NULL)
		return ret;
	rc = sqlite3_prepare_v2(db, lock, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 1, c->id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, c->now);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 3, c->source, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ret = sqlite3_column_int(s, 0) ? MU_E_LOCKED : MU_OK;
	else
		ret = MU_E_STORE;
	sqlite3_finalize(s);
	return ret;
}

/* The writes of a change, inside the transaction. */
static int
write_change(sqlite3 *db, const struct mu_pwchange *c)
{
	int64_t keep = (int64_t)c->remember;

	if (run(db, "UPDATE users SET hash = ?1, pw_changed = ?2, "
		"force_change = 0 WHERE id = ?3", "tii", c->new_hash, c->now,
		c->id) != SQLITE_DONE)
		return MU_E_STORE;
	if (keep > 0 && c->old_hash[0] != '\0' &&
	    run(db, "INSERT INTO pw_history (user_id, hash, changed) "
		"VALUES (?1, ?2, ?3)", "iti", c->id, c->old_hash, c->now) !=
	    SQLITE_DONE)
		return MU_E_STORE;
	if (run(db, "DELETE FROM pw_history WHERE user_id = ?1 AND id NOT IN "
		"(SELECT id FROM pw_history WHERE user_id = ?1 "
		"ORDER BY id DESC LIMIT ?2)", "ii", c->id, keep) !=
	    SQLITE_DONE ||
	    run(db, "DELETE FROM failures WHERE user_id = ?1 AND "
		"(locked_until IS NULL OR locked_until <= ?2)", "ii", c->id,
		c->now) != SQLITE_DONE ||
	    run(db, "DELETE FROM recent_failures WHERE user_id = ?1", "i",
		c->id) != SQLITE_DONE)
		return MU_E_STORE;
	return mu_audit_add(db, c->tool, c->action, c->name, c->detail);
}

int
mu_store_set_password(struct mu_store *st, const struct mu_pwchange *c)
{
	sqlite3 *db = mu_store_db(st);
	int r;

	sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		mu_store_log(st, LOG_ERR, "cannot start the password change");
		return MU_E_STORE;
	}
	if ((r = still(db, c->id, c->old_hash)) == MU_OK &&
	    (r = may_change(db, c)) == MU_OK &&
	    (r = write_change(db, c)) == MU_OK &&
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = MU_E_STORE;
	if (r == MU_E_STORE)
		mu_store_log(st, LOG_ERR, "password change failed");
	if (r != MU_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	/* best effort: SQLITE_BUSY (a reader or a writer) is no failure */
	(void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
					NULL, NULL);
	return MU_OK;
}
