/*
 * Failure counters for mailuser-admin: "failures" lists them and
 * "unlock" forgets them, with their locks.  The module writes them
 * (lockout.c); the administrator's own lock is a column of the user
 * (accounts.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mu_acct.h"
#include "mu_db.h"
#include "mu_error.h"

/* ---- list ------------------------------------------------------- */

/* The counters of user id, by source: the every-source one ('') first.
 * A user has a row per source it failed from, not more. */
static int
user_rows(struct mu_store *st, int64_t id,
	  int (*fn)(void *arg, const struct mu_acct_failure *f), void *arg)
{
	static const char sql[] =
	    "SELECT u.name, f.source, f.count, f.first_fail, f.last_fail, "
	    "f.locked_until FROM failures f JOIN users u ON u.id = f.user_id "
	    "WHERE f.user_id = $1 ORDER BY f.source";
	struct mu_acct_failure f;
	struct mu_res *r;
	int ret, stop = 0;

	if ((ret = mu_q(st, &r, sql, "i", id)) != MU_OK)
		return ret;
	while (stop == 0 && mu_row(r)) {
		memset(&f, 0, sizeof(f));
		mu_copy(r, 0, f.user, sizeof(f.user));
		mu_copy(r, 1, f.source, sizeof(f.source));
		f.count = mu_int(r, 2);
		f.first = mu_int(r, 3);
		f.last = mu_int(r, 4);
		f.has_until = !mu_null(r, 5);
		f.until = mu_int(r, 5);
		stop = fn(arg, &f);
	}
	ret = mu_done(r);
	return ret != MU_OK ? ret : stop;
}

struct rows_arg {
	int (*fn)(void *arg, const struct mu_acct_failure *f);
	void *arg;
};

static int
rows_one(struct mu_store *st, int64_t id, void *arg)
{
	struct rows_arg *ra = arg;

	return user_rows(st, id, ra->fn, ra->arg);
}

/* The rows of every user who has some, by user name. */
static int
all_rows(struct mu_store *st,
	 int (*fn)(void *arg, const struct mu_acct_failure *f), void *arg)
{
	static const char sql[] =
	    "SELECT u.id, u.name FROM users u WHERE u.name > $1 AND "
	    "EXISTS (SELECT 1 FROM failures f WHERE f.user_id = u.id) "
	    "ORDER BY u.name LIMIT $2";
	struct rows_arg ra = { fn, arg };

	return mu_acct_each_id(st, sql, rows_one, &ra);
}

int
mu_acct_failures(struct mu_store *st, const char *name,
		 int (*fn)(void *arg, const struct mu_acct_failure *f),
		 void *arg)
{
	int64_t id;
	int ret;

	/* one snapshot (SQLite) for the whole list */
	if ((ret = mu_begin(st, false)) != MU_OK)
		return mu_acct_done(st, ret, "failures");
	if (name == NULL)
		ret = all_rows(st, fn, arg);
	else if ((ret = mu_acct_user_id(st, name, &id)) == MU_OK)
		ret = user_rows(st, id, fn, arg);
	return mu_acct_done(st, mu_acct_end(st, ret), "failures");
}

/* ---- unlock ----------------------------------------------------- */

/* Delete the counters of user id from source (every source: NULL) and
 * say how many went. */
static int
drop(struct mu_store *st, int64_t id, const char *source, int64_t *rows)
{
	static const char sql[] =
	    "DELETE FROM failures WHERE user_id = $1 AND "
	    "($2 IS NULL OR source = $2)";
	int r;

	*rows = 0;
	if ((r = mu_q(st, NULL, sql, "it", id, source)) == MU_OK)
		*rows = mu_changes(st);
	return r;
}

static int
unlock_all(struct mu_store *st, int64_t id, const char *name, int64_t *rows)
{
	static const char forget[] =
	    "DELETE FROM recent_failures WHERE user_id = $1";
	char detail[64];
	int r;

	if ((r = drop(st, id, NULL, rows)) != MU_OK ||
	    (r = mu_q(st, NULL, forget, "i", id)) != MU_OK)
		return r;
	snprintf(detail, sizeof(detail), "all sources, %lld row%s",
		 (long long)*rows, *rows == 1 ? "" : "s");
	return mu_acct_audit(st, "unlock", name, detail);
}

static int
unlock_source(struct mu_store *st, int64_t id, const char *name,
	      const char *source, const char *alt, int64_t *rows)
{
	char esc[MU_SOURCE_MAX * 4 + 16], detail[MU_SOURCE_MAX * 4 + 64];
	int r;

	if ((r = drop(st, id, source, rows)) != MU_OK)
		return r;
	if (*rows == 0 && *source != '\0' && alt != NULL &&
	    strcmp(alt, source) != 0) {
		source = alt;
		if ((r = drop(st, id, source, rows)) != MU_OK)
			return r;
	}
	if (*rows == 0)
		return MU_OK;	/* nothing changed, nothing to audit */
	snprintf(detail, sizeof(detail), "source %s", *source == '\0' ?
		 "(all sources)" : mu_escape(esc, sizeof(esc), source));
	return mu_acct_audit(st, "unlock", name, detail);
}

static int
unlock_once(struct mu_store *st, const char *name, const char *source,
	    const char *alt, int64_t *rows)
{
	int64_t id;
	int r;

	*rows = 0;
	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	/* the module's writers of this user's counters wait for us
	 * (PostgreSQL), so that none writes back a counter just deleted */
	if ((r = mu_acct_user_id(st, name, &id)) == MU_OK &&
	    (r = mu_lock_user(st, id)) == MU_OK)
		r = source == NULL ? unlock_all(st, id, name, rows) :
		    unlock_source(st, id, name, source, alt, rows);
	return mu_acct_end(st, r);
}

int
mu_acct_unlock(struct mu_store *st, const char *name, const char *source,
	       const char *alt, int64_t *rows)
{
	int r, tries = 0;

	do {
		r = unlock_once(st, name, source, alt, rows);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "unlock");
}
