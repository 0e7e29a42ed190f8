/*
 * Password aging in the store, for mailuser-admin: the values of a user
 * or a domain ("user set", "domain set") and every user's password age
 * ("expiring").  What the values mean is decided in the core
 * (mu_aging_resolve, mu_age_eval), as the module decides at login.
 */
#include <stdlib.h>
#include <string.h>

#include "mu_acct.h"
#include "mu_db.h"
#include "mu_error.h"

/* Each value $n: MU_AGING_KEEP keeps the column, MU_INHERIT (or any other
 * negative) clears it, else it is the value. */
#define AGING_SET(col, n) \
	col " = CASE WHEN $" n " = -2 THEN " col " WHEN $" n " < 0 " \
	"THEN NULL ELSE $" n " END"
#define AGING_SETS \
	AGING_SET("max_days", "1") ", " AGING_SET("min_days", "2") ", " \
	AGING_SET("warn_days", "3") ", " AGING_SET("grace_days", "4")

static const char user_sql[] =
    "UPDATE users SET " AGING_SETS " WHERE name = $5";
static const char domain_sql[] =
    "UPDATE domains SET " AGING_SETS " WHERE name = $5";

static int
set_once(struct mu_store *st, const char *sql, const char *name,
	 const struct mu_aging *ag, const char *action, const char *detail,
	 int absent)
{
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	r = mu_q(st, NULL, sql, "iiiit", ag->max_days, ag->min_days,
		 ag->warn_days, ag->grace_days, name);
	if (r == MU_OK && mu_changes(st) == 0)
		r = absent;
	if (r == MU_OK)
		r = mu_acct_audit(st, action, name, detail);
	return mu_acct_end(st, r);
}

static int
set_aging(struct mu_store *st, const char *sql, const char *name,
    const struct mu_aging *ag, const char *action, const char *detail,
    int absent)
{
	int r, tries = 0;

	do {
		r = set_once(st, sql, name, ag, action, detail, absent);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, action);
}

int
mu_acct_user_set_aging(struct mu_store *st, const char *name,
		       const struct mu_aging *ag, const char *detail)
{
	return set_aging(st, user_sql, name, ag, "user set", detail,
			 MU_E_NOUSER);
}

int
mu_acct_domain_set_aging(struct mu_store *st, const char *domain,
			 const struct mu_aging *ag, const char *detail)
{
	return set_aging(st, domain_sql, domain, ag, "domain set", detail,
			 MU_E_NODOMAIN);
}

/* ---- every user's password age ---------------------------------- */

static void
age_row(struct mu_res *r, struct mu_acct_age *a)
{
	memset(a, 0, sizeof(*a));
	mu_copy(r, 1, a->name, sizeof(a->name));
	a->pw_changed = mu_int(r, 2);
	a->force_change = mu_int(r, 3) != 0;
	a->aging.max_days = mu_int(r, 4);
	a->aging.min_days = mu_int(r, 5);
	a->aging.warn_days = mu_int(r, 6);
	a->aging.grace_days = mu_int(r, 7);
}

/* By id, a page at a time: the order of the primary key costs nothing. */
static int
ages(struct mu_store *st, int (*fn)(void *arg, const struct mu_acct_age *a),
     void *arg)
{
	static const char sql[] =
	    "SELECT u.id, u.name, u.pw_changed, u.force_change, "
	    "coalesce(u.max_days, d.max_days, -1), "
	    "coalesce(u.min_days, d.min_days, -1), "
	    "coalesce(u.warn_days, d.warn_days, -1), "
	    "coalesce(u.grace_days, d.grace_days, -1) "
	    "FROM users u JOIN domains d ON d.id = u.domain_id "
	    "WHERE u.id > $1 ORDER BY u.id LIMIT $2";
	struct mu_acct_age a;
	struct mu_res *r;
	int64_t after = INT64_MIN;
	int ret, n, stop = 0;

	do {
		ret = mu_q(st, &r, sql, "ii", after, (int64_t)ACCT_PAGE);
		for (n = 0; ret == MU_OK && stop == 0 && mu_row(r); n++) {
			after = mu_int(r, 0);
			age_row(r, &a);
			stop = fn(arg, &a);
		}
		if (mu_done(r) != MU_OK && ret == MU_OK)
			ret = MU_E_STORE;
	} while (ret == MU_OK && stop == 0 && n == ACCT_PAGE);
	return ret != MU_OK ? ret : stop;
}

int
mu_acct_age_list(struct mu_store *st,
		 int (*fn)(void *arg, const struct mu_acct_age *a), void *arg)
{
	int ret;

	/* one snapshot (SQLite) for the whole list */
	if ((ret = mu_begin(st, false)) == MU_OK)
		ret = mu_acct_end(st, ages(st, fn, arg));
	return mu_acct_done(st, ret, "expiring");
}
