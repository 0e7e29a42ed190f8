/*
 * Users, for mailuser-admin: add, delete, rename, enable, disable,
 * expire, force a change, lock and unlock, show and list.  Each change
 * is one write transaction with its audit row; a connection that broke
 * is opened again and the change tried once more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mu_acct.h"
#include "mu_audit.h"
#include "mu_db.h"
#include "mu_error.h"

/* ---- shared by the account operations (mu_acct.h) ---------------- */

int
mu_acct_end(struct mu_store *st, int ret)
{
	if (ret == MU_OK && mu_commit(st) != MU_OK)
		ret = MU_E_STORE;
	if (ret != MU_OK)
		mu_rollback(st);
	return ret;
}

int
mu_acct_done(struct mu_store *st, int ret, const char *what)
{
	if (ret != MU_E_STORE)
		return ret;
	/* the administrator can simply try again: say so */
	mu_store_log(st, LOG_ERR, mu_db_error(st, NULL) == MU_DB_BUSY ?
		     "busy (locked by another process; try again)" : what);
	mu_store_mark_failed(st);
	return ret;
}

int
mu_acct_audit(struct mu_store *st, const char *action, const char *account,
	      const char *detail)
{
	return mu_audit_add(st, ACCT_TOOL, action, account, detail);
}

/* The id that sql finds for name, or absent. */
static int
id_of(struct mu_store *st, const char *sql, const char *name, int64_t *id,
      int absent)
{
	bool found;
	int r;

	if ((r = mu_q_int(st, id, &found, sql, "t", name)) != MU_OK)
		return MU_E_STORE;
	return found ? MU_OK : absent;
}

int
mu_acct_user_id(struct mu_store *st, const char *name, int64_t *id)
{
	static const char sql[] = "SELECT id FROM users WHERE name = $1";

	return id_of(st, sql, name, id, MU_E_NOUSER);
}

int
mu_acct_domain_id(struct mu_store *st, const char *name, int64_t *id)
{
	static const char sql[] = "SELECT id FROM domains WHERE name = $1";

	return id_of(st, sql, name, id, MU_E_NODOMAIN);
}

int
mu_acct_key(char **key, const char *v)
{
	char *k = strdup(v);

	if (k == NULL)
		return MU_E_NOMEM;
	free(*key);
	*key = k;
	return MU_OK;
}

int
mu_acct_each_id(struct mu_store *st, const char *sql,
		int (*each)(struct mu_store *st, int64_t id, void *arg),
		void *arg)
{
	int64_t ids[ACCT_PAGE];
	struct mu_res *r;
	char *key = NULL;
	int ret, i, n, stop = 0;

	do {
		/* a page of ids first: each may run statements of its own */
		n = 0;
		if ((ret = mu_q(st, &r, sql, "ti", key != NULL ? key : "",
				(int64_t)ACCT_PAGE)) != MU_OK)
			break;
		while (ret == MU_OK && mu_row(r)) {
			ids[n++] = mu_int(r, 0);
			ret = mu_acct_key(&key, mu_text(r, 1));
		}
		if (mu_done(r) != MU_OK && ret == MU_OK)
			ret = MU_E_STORE;
		for (i = 0; ret == MU_OK && stop == 0 && i < n; i++) {
			stop = each(st, ids[i], arg);
			if (stop < 0)
				ret = stop;
		}
	} while (ret == MU_OK && stop == 0 && n == ACCT_PAGE);
	free(key);
	return ret != MU_OK ? ret : stop;
}

/* ---- one statement on one user ---------------------------------- */

/* A change of one user by name: sql may use $1, the name, $2, the value
 * (NULL when there is none) and $3, the text; a parameter a text does
 * not use is left out. */
struct change {
	const char *sql;
	const int64_t *value;
	const char *text;
	const char *action;
	const char *detail;
};

static int
change_once(struct mu_store *st, const char *name, const struct change *c)
{
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	r = mu_q(st, NULL, c->sql, "tnt", name, c->value, c->text);
	if (r == MU_OK && mu_changes(st) == 0)
		r = MU_E_NOUSER;
	if (r == MU_OK)
		r = mu_acct_audit(st, c->action, name, c->detail);
	return mu_acct_end(st, r);
}

static int
change(struct mu_store *st, const char *name, const struct change *c)
{
	int r, tries = 0;

	do {
		r = change_once(st, name, c);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, c->action);
}

int
mu_acct_user_del(struct mu_store *st, const char *name)
{
	/* history, counters and fingerprints go with it (ON DELETE
	 * CASCADE) */
	static const char sql[] = "DELETE FROM users WHERE name = $1";
	const struct change c = { sql, NULL, NULL, "user del", NULL };

	return change(st, name, &c);
}

int
mu_acct_user_disable(struct mu_store *st, const char *name, bool disabled)
{
	static const char sql[] =
	    "UPDATE users SET disabled = $2 WHERE name = $1";
	const int64_t v = disabled ? 1 : 0;
	const struct change c = { sql, &v, NULL, disabled ? "user disable" :
				  "user enable", NULL };

	return change(st, name, &c);
}

int
mu_acct_user_expire(struct mu_store *st, const char *name,
		    const int64_t *when, const char *detail)
{
	static const char sql[] =
	    "UPDATE users SET expires = $2 WHERE name = $1";
	const struct change c = { sql, when, NULL, "user expire", detail };

	return change(st, name, &c);
}

int
mu_acct_user_force_change(struct mu_store *st, const char *name)
{
	static const char sql[] =
	    "UPDATE users SET force_change = 1 WHERE name = $1";
	const struct change c = { sql, NULL, NULL, "user force-change",
				  NULL };

	return change(st, name, &c);
}

int
mu_acct_user_lock(struct mu_store *st, const char *name, const char *reason)
{
	static const char sql[] =
	    "UPDATE users SET locked_at = coalesce(locked_at, $2), "
	    "lock_reason = $3 WHERE name = $1";
	const int64_t now = (int64_t)time(NULL);
	const struct change c = { sql, &now, reason, "user lock", reason };

	return change(st, name, &c);
}

/* ---- add, unlock, rename ---------------------------------------- */

static int
may_add(struct mu_store *st, const char *name, int64_t *did)
{
	int64_t id;
	int r;

	if ((r = mu_acct_user_id(st, name, &id)) != MU_E_NOUSER)
		return r == MU_OK ? MU_E_EXISTS : r;
	return mu_acct_domain_id(st, strchr(name, '@') + 1, did);
}

int
mu_acct_user_may_add(struct mu_store *st, const char *name)
{
	int64_t did;

	return mu_acct_done(st, may_add(st, name, &did), "user add");
}

static int
add_once(struct mu_store *st, const struct mu_acct_new *nu)
{
	static const char sql[] =
	    "INSERT INTO users (name, domain_id, hash, pw_changed, created, "
	    "force_change) VALUES ($1, $2, $3, $4, $4, $5)";
	int64_t did;
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	r = may_add(st, nu->name, &did);
	if (r == MU_OK)
		r = mu_q(st, NULL, sql, "titii", nu->name, did, nu->hash,
			 (int64_t)time(NULL), (int64_t)nu->force_change);
	if (r == MU_OK)
		r = mu_acct_audit(st, "user add", nu->name, nu->detail);
	return mu_acct_end(st, r);
}

int
mu_acct_user_add(struct mu_store *st, const struct mu_acct_new *nu)
{
	int r, tries = 0;

	do {
		r = add_once(st, nu);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "user add");
}

static int
unlock_once(struct mu_store *st, const char *name, bool *was_locked)
{
	static const char sql[] =
	    "UPDATE users SET locked_at = NULL, lock_reason = NULL "
	    "WHERE id = $1 AND locked_at IS NOT NULL";
	int64_t id;
	int r;

	*was_locked = false;
	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	r = mu_acct_user_id(st, name, &id);
	if (r == MU_OK)
		r = mu_q(st, NULL, sql, "i", id);
	if (r == MU_OK)
		*was_locked = mu_changes(st) > 0;
	/* not locked: nothing changed, nothing to audit */
	if (r == MU_OK && *was_locked)
		r = mu_acct_audit(st, "user unlock", name, NULL);
	return mu_acct_end(st, r);
}

int
mu_acct_user_unlock(struct mu_store *st, const char *name, bool *was_locked)
{
	int r, tries = 0;

	do {
		r = unlock_once(st, name, was_locked);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "user unlock");
}

/* One UPDATE of the name (and domain): the rows that refer to the user's
 * id stay with it. */
static int
rename_once(struct mu_store *st, const char *from, const char *to)
{
	static const char sql[] =
	    "UPDATE users SET name = $1, domain_id = $2 WHERE id = $3";
	char detail[MU_NAME_MAX + 16];
	int64_t id, did, other;
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	if ((r = mu_acct_user_id(st, from, &id)) == MU_OK) {
		r = mu_acct_user_id(st, to, &other);
		if (r == MU_OK)
			r = MU_E_EXISTS;
		else if (r == MU_E_NOUSER)
			r = mu_acct_domain_id(st, strchr(to, '@') + 1, &did);
	}
	if (r == MU_OK)
		r = mu_q(st, NULL, sql, "tii", to, did, id);
	snprintf(detail, sizeof(detail), "from %s", from);
	if (r == MU_OK)
		r = mu_acct_audit(st, "user rename", to, detail);
	return mu_acct_end(st, r);
}

int
mu_acct_user_rename(struct mu_store *st, const char *from, const char *to)
{
	int r, tries = 0;

	do {
		r = rename_once(st, from, to);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "user rename");
}

/* ---- show and list ---------------------------------------------- */

/* The columns of a user row; SHOW_SQL adds the hash (for its method). */
#define USER_COLUMNS \
	"SELECT u.name, d.name, u.disabled, d.disabled, u.expires, " \
	"u.force_change, u.locked_at, u.lock_reason, u.pw_changed, " \
	"u.created, u.max_days, u.min_days, u.warn_days, u.grace_days, " \
	"d.max_days, d.min_days, d.warn_days, d.grace_days"
#define USER_FROM " FROM users u JOIN domains d ON d.id = u.domain_id "
enum { C_HASH = 18 };

static int64_t
or_inherit(struct mu_res *r, int col)
{
	return mu_null(r, col) ? MU_INHERIT : mu_int(r, col);
}

static void
aging_at(struct mu_res *r, int col, struct mu_aging *ag)
{
	ag->max_days = or_inherit(r, col);
	ag->min_days = or_inherit(r, col + 1);
	ag->warn_days = or_inherit(r, col + 2);
	ag->grace_days = or_inherit(r, col + 3);
}

static void
user_row(struct mu_res *r, struct mu_acct_user *u)
{
	memset(u, 0, sizeof(*u));
	mu_copy(r, 0, u->name, sizeof(u->name));
	mu_copy(r, 1, u->domain, sizeof(u->domain));
	u->method = "";
	u->disabled = mu_int(r, 2) != 0;
	u->domain_disabled = mu_int(r, 3) != 0;
	u->has_expires = !mu_null(r, 4);
	u->expires = mu_int(r, 4);
	u->force_change = mu_int(r, 5) != 0;
	u->locked = !mu_null(r, 6);
	u->locked_at = mu_int(r, 6);
	u->has_reason = !mu_null(r, 7);
	mu_copy(r, 7, u->lock_reason, sizeof(u->lock_reason));
	u->pw_changed = mu_int(r, 8);
	u->created = mu_int(r, 9);
	aging_at(r, 10, &u->aging);
	aging_at(r, 14, &u->domain_aging);
}

int
mu_acct_user_show(struct mu_store *st, const char *name,
		  struct mu_acct_user *u)
{
	static const char sql[] =
	    USER_COLUMNS ", u.hash" USER_FROM "WHERE u.name = $1";
	struct mu_res *r;
	int ret;

	memset(u, 0, sizeof(*u));
	if ((ret = mu_q(st, &r, sql, "t", name)) == MU_OK) {
		ret = MU_E_NOUSER;
		if (mu_row(r)) {
			user_row(r, u);
			/* a static name: the hash itself never leaves */
			u->method = mu_hash_method_name(mu_text(r, C_HASH));
			ret = MU_OK;
		}
		if (mu_done(r) != MU_OK)
			ret = MU_E_STORE;
	}
	return mu_acct_done(st, ret, "user show");
}

/* The users of domain id, by name, a page at a time.  Each page sorts
 * the domain's users again (no index has them by domain and name), so
 * pages grow, up to ACCT_PAGE_MAX rows, to keep a large domain's cost
 * near that of one sort. */
static int
list_domain(struct mu_store *st, int64_t did,
	    int (*fn)(void *arg, const struct mu_acct_user *u), void *arg)
{
	static const char sql[] =
	    USER_COLUMNS USER_FROM "WHERE u.domain_id = $1 AND u.name > $2 "
	    "ORDER BY u.name LIMIT $3";
	struct mu_acct_user u;
	struct mu_res *r;
	char *key = NULL;
	int64_t page = ACCT_PAGE, n;
	int ret, stop = 0;

	for (;;) {
		ret = mu_q(st, &r, sql, "iti", did, key != NULL ? key : "",
			   page);
		for (n = 0; ret == MU_OK && stop == 0 && mu_row(r); n++) {
			user_row(r, &u);
			ret = mu_acct_key(&key, mu_text(r, 0));
			if (ret == MU_OK)
				stop = fn(arg, &u);
		}
		if (mu_done(r) != MU_OK && ret == MU_OK)
			ret = MU_E_STORE;
		if (ret != MU_OK || stop != 0 || n < page)
			break;
		if (page < ACCT_PAGE_MAX)
			page *= 2;
	}
	free(key);
	return ret != MU_OK ? ret : stop;
}

struct list_arg {
	int (*fn)(void *arg, const struct mu_acct_user *u);
	void *arg;
};

static int
list_one(struct mu_store *st, int64_t did, void *arg)
{
	struct list_arg *la = arg;

	return list_domain(st, did, la->fn, la->arg);
}

static int
list_all(struct mu_store *st,
	 int (*fn)(void *arg, const struct mu_acct_user *u), void *arg)
{
	static const char sql[] =
	    "SELECT id, name FROM domains WHERE name > $1 ORDER BY name "
	    "LIMIT $2";
	struct list_arg la = { fn, arg };

	return mu_acct_each_id(st, sql, list_one, &la);
}

int
mu_acct_user_list(struct mu_store *st, const char *domain,
		  int (*fn)(void *arg, const struct mu_acct_user *u), void *arg)
{
	int64_t did;
	int ret;

	/* one snapshot (SQLite) for the whole list */
	if ((ret = mu_begin(st, false)) != MU_OK)
		return mu_acct_done(st, ret, "user list");
	if (domain == NULL)
		ret = list_all(st, fn, arg);
	else if ((ret = mu_acct_domain_id(st, domain, &did)) == MU_OK)
		ret = list_domain(st, did, fn, arg);
	return mu_acct_done(st, mu_acct_end(st, ret), "user list");
}
