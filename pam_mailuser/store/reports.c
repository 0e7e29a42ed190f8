/*
 * What mailuser-admin reports: the audit table (listing and pruning)
 * and the counts of "stats".  Lists are read in pages by id.
 */
#include <stdint.h>
#include <string.h>

#include "mu_bulk.h"
#include "mu_db.h"
#include "mu_error.h"

#define PAGE 1000		/* rows per page read */
#define PAGE_SQL "1000"

/* ---- audit ----------------------------------------------------------- */

static const char *
text_or_null(struct mu_res *res, int col)
{
	return mu_null(res, col) ? NULL : mu_text(res, col);
}

/* One page of audit rows after id *last; *n rows. */
static int
audit_page(struct mu_store *st, int64_t since, const char *account,
	   int64_t *last, int64_t *n,
	   int (*fn)(void *, const struct mu_audit_row *), void *arg,
	   bool *stop)
{
	/* +at: paged by id, never through the index on at (a sort of all
	 * the rows after since for every page) */
	static const char sql[] =
	    "SELECT id, at, uid, actor, tool, action, account, detail FROM "
	    "audit WHERE id > $3 AND +at >= $1 AND ($2 IS NULL OR account = "
	    "$2) ORDER BY id LIMIT " PAGE_SQL;
	struct mu_audit_row row;
	struct mu_res *res;
	int r;

	if ((r = mu_q(st, &res, sql, "iti", since, account, *last)) != MU_OK)
		return r;
	*n = 0;
	while (!*stop && mu_row(res)) {
		memset(&row, 0, sizeof(row));
		row.id = *last = mu_int(res, 0);
		row.at = mu_int(res, 1);
		row.has_uid = !mu_null(res, 2);
		row.uid = mu_int(res, 2);
		row.actor = text_or_null(res, 3);
		row.tool = mu_text(res, 4);
		row.action = mu_text(res, 5);
		row.account = text_or_null(res, 6);
		row.detail = text_or_null(res, 7);
		(*n)++;
		*stop = fn(arg, &row) != 0;
	}
	return mu_done(res);
}

int
mu_audit_each(struct mu_store *st, int64_t since, const char *account,
	      int (*fn)(void *arg, const struct mu_audit_row *row), void *arg)
{
	int64_t last = INT64_MIN, n;
	bool stop = false;
	int r;

	do {
		r = audit_page(st, since, account, &last, &n, fn, arg, &stop);
	} while (r == MU_OK && n == PAGE && !stop);
	return r;
}

int
mu_audit_count_before(struct mu_store *st, int64_t before, int64_t *n)
{
	static const char sql[] = "SELECT count(*) FROM audit WHERE at < $1";

	return mu_q_int(st, n, NULL, sql, "i", before);
}

int
mu_audit_prune(struct mu_store *st, int64_t before, int64_t limit,
	       int64_t *deleted)
{
	static const char sql[] =
	    "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < "
	    "$1 ORDER BY at, id LIMIT $2)";
	int r;

	*deleted = 0;
	if ((r = mu_q(st, NULL, sql, "ii", before, limit)) == MU_OK)
		*deleted = mu_changes(st);
	return r;
}

/* ---- stats ----------------------------------------------------------- */

/* The counts that need no user's row, in order of struct
 * mu_stats_counts (unknown names apart). */
static int
counts(struct mu_store *st, int64_t now, struct mu_stats_counts *c)
{
	static const char users[] = "SELECT count(*) FROM users";
	static const char domains[] = "SELECT count(*) FROM domains";
	static const char ddisabled[] =
	    "SELECT count(*) FROM domains WHERE disabled <> 0";
	static const char disabled[] =
	    "SELECT count(*) FROM users WHERE disabled <> 0";
	static const char in_disabled[] =
	    "SELECT count(*) FROM users u JOIN domains d ON d.id = "
	    "u.domain_id WHERE d.disabled <> 0";
	static const char admin_locked[] =
	    "SELECT count(*) FROM users WHERE locked_at IS NOT NULL";
	static const char fail_locked[] =
	    "SELECT count(DISTINCT user_id) FROM failures WHERE locked_until "
	    "> $1";
	static const char locked[] =
	    "SELECT count(*) FROM users u WHERE u.locked_at IS NOT NULL OR "
	    "EXISTS (SELECT 1 FROM failures f WHERE f.user_id = u.id AND "
	    "f.locked_until > $1)";
	static const char forced[] =
	    "SELECT count(*) FROM users WHERE force_change <> 0";
	static const char expired[] =
	    "SELECT count(*) FROM users WHERE expires <= $1";
	const struct {
		const char *sql;
		int64_t *out;
	} q[] = {
		{ users, &c->users }, { domains, &c->domains },
		{ ddisabled, &c->disabled_domains },
		{ disabled, &c->disabled }, { in_disabled, &c->in_disabled },
		{ admin_locked, &c->admin_locked },
		{ fail_locked, &c->fail_locked }, { locked, &c->locked },
		{ forced, &c->forced }, { expired, &c->expired_accounts },
	};
	size_t i;
	int r = MU_OK;

	for (i = 0; i < sizeof(q) / sizeof(q[0]) && r == MU_OK; i++)
		r = strstr(q[i].sql, "$1") != NULL ?
		    mu_q_int(st, q[i].out, NULL, q[i].sql, "i", now) :
		    mu_q_int(st, q[i].out, NULL, q[i].sql, "");
	return r;
}

/* Failed logins of names not in the store, per source, since
 * fail_since: address spraying shows here. */
static int
unknown_names(struct mu_store *st, int64_t fail_since,
	      struct mu_stats_counts *c)
{
	static const char sql[] =
	    "SELECT coalesce(sum(count), 0), count(*) FROM source_failures "
	    "WHERE first_fail > $1";
	struct mu_res *res;
	int r;

	if ((r = mu_q(st, &res, sql, "i", fail_since)) != MU_OK)
		return r;
	if (mu_row(res)) {
		c->unknown_fails = mu_int(res, 0);
		c->unknown_sources = mu_int(res, 1);
	}
	return mu_done(res);
}

/* One page of users after id *last for the aging and hash counts. */
static int
users_page(struct mu_store *st, int64_t *last, int64_t *n,
	   void (*fn)(void *, const struct mu_stats_user *), void *arg)
{
	static const char sql[] =
	    "SELECT u.id, u.hash, u.pw_changed, u.force_change, "
	    "coalesce(u.max_days, d.max_days, -1), "
	    "coalesce(u.min_days, d.min_days, -1), "
	    "coalesce(u.warn_days, d.warn_days, -1), "
	    "coalesce(u.grace_days, d.grace_days, -1) "
	    "FROM users u JOIN domains d ON d.id = u.domain_id "
	    "WHERE u.id > $1 ORDER BY u.id LIMIT " PAGE_SQL;
	struct mu_stats_user u;
	struct mu_res *res;
	int r;

	if ((r = mu_q(st, &res, sql, "i", *last)) != MU_OK)
		return r;
	*n = 0;
	while (mu_row(res)) {
		*last = mu_int(res, 0);
		u.hash = mu_text(res, 1);
		u.pw_changed = mu_int(res, 2);
		u.force_change = mu_int(res, 3) != 0;
		u.max_days = mu_int(res, 4);
		u.min_days = mu_int(res, 5);
		u.warn_days = mu_int(res, 6);
		u.grace_days = mu_int(res, 7);
		(*n)++;
		fn(arg, &u);
	}
	return mu_done(res);
}

static int
stats_read(struct mu_store *st, int64_t now, int64_t fail_since,
	   struct mu_stats_counts *c,
	   void (*fn)(void *, const struct mu_stats_user *), void *arg)
{
	int64_t last = INT64_MIN, n;
	int r;

	if ((r = counts(st, now, c)) != MU_OK ||
	    (r = unknown_names(st, fail_since, c)) != MU_OK)
		return r;
	do {
		r = users_page(st, &last, &n, fn, arg);
	} while (r == MU_OK && n == PAGE);
	return r;
}

int
mu_stats(struct mu_store *st, int64_t now, int64_t fail_since,
	 struct mu_stats_counts *c,
	 void (*fn)(void *arg, const struct mu_stats_user *u), void *arg)
{
	int r;

	memset(c, 0, sizeof(*c));
	/* one consistent state */
	if ((r = mu_begin(st, false)) != MU_OK)
		return r;
	if ((r = stats_read(st, now, fail_since, c, fn, arg)) != MU_OK) {
		mu_rollback(st);
		return r;
	}
	return mu_commit(st);
}
