/*
 * Domains, for mailuser-admin: add, delete (with --cascade, in batches),
 * enable, disable and list.  Users can only be added to domains that
 * exist, and a domain is deleted at once only when it is empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mu_acct.h"
#include "mu_audit.h"
#include "mu_db.h"
#include "mu_error.h"

static int
add_once(struct mu_store *st, const char *domain)
{
	static const char sql[] =
	    "INSERT INTO domains (name, created) VALUES ($1, $2)";
	int64_t id;
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	if ((r = mu_acct_domain_id(st, domain, &id)) == MU_OK)
		r = MU_E_EXISTS;
	else if (r == MU_E_NODOMAIN)
		r = mu_q(st, NULL, sql, "ti", domain, (int64_t)time(NULL));
	if (r == MU_OK)
		r = mu_acct_audit(st, "domain add", domain, NULL);
	return mu_acct_end(st, r);
}

int
mu_acct_domain_add(struct mu_store *st, const char *domain)
{
	int r, tries = 0;

	do {
		r = add_once(st, domain);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "domain add");
}

static int
disable_once(struct mu_store *st, const char *domain, bool disabled)
{
	static const char sql[] =
	    "UPDATE domains SET disabled = $1 WHERE name = $2";
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	r = mu_q(st, NULL, sql, "it", (int64_t)disabled, domain);
	if (r == MU_OK && mu_changes(st) == 0)
		r = MU_E_NODOMAIN;
	if (r == MU_OK)
		r = mu_acct_audit(st, disabled ? "domain disable" :
				  "domain enable", domain, NULL);
	return mu_acct_end(st, r);
}

int
mu_acct_domain_disable(struct mu_store *st, const char *domain,
		       bool disabled)
{
	int r, tries = 0;

	do {
		r = disable_once(st, domain, disabled);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, disabled ? "domain disable" :
			    "domain enable");
}

/* ---- delete ----------------------------------------------------- */

static const char drop_domain[] = "DELETE FROM domains WHERE id = $1";

/* With users and cascade: the domain is disabled first, so that none of
 * its users logs in while they are deleted batch by batch. */
static int
cascade(struct mu_store *st, const char *domain,
	struct mu_acct_domain_del *dd)
{
	static const char sql[] =
	    "UPDATE domains SET disabled = 1 WHERE id = $1";
	char detail[64];
	int r;

	snprintf(detail, sizeof(detail), "cascade, %lld user%s",
		 (long long)dd->users, dd->users == 1 ? "" : "s");
	if ((r = mu_q(st, NULL, sql, "i", dd->id)) != MU_OK)
		return r;
	return mu_audit_add_id(st, ACCT_TOOL, "domain del", domain, detail,
			       &dd->audit_id);
}

static int
del_once(struct mu_store *st, const char *domain, bool with_users,
	 struct mu_acct_domain_del *dd)
{
	static const char count[] =
	    "SELECT count(*) FROM users WHERE domain_id = $1";
	int r;

	memset(dd, 0, sizeof(*dd));
	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	r = mu_acct_domain_id(st, domain, &dd->id);
	if (r == MU_OK)
		r = mu_q_int(st, &dd->users, NULL, count, "i", dd->id);
	if (r == MU_OK && dd->users > 0)
		r = with_users ? cascade(st, domain, dd) : MU_E_NOTEMPTY;
	else if (r == MU_OK && (r = mu_q(st, NULL, drop_domain, "i",
					 dd->id)) == MU_OK)
		r = mu_acct_audit(st, "domain del", domain, NULL);
	return mu_acct_end(st, r);
}

int
mu_acct_domain_del(struct mu_store *st, const char *domain, bool with_users,
		   struct mu_acct_domain_del *dd)
{
	int r, tries = 0;

	do {
		r = del_once(st, domain, with_users, dd);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "domain del");
}

int
mu_acct_domain_del_some(struct mu_store *st,
			const struct mu_acct_domain_del *dd, int64_t max,
			int64_t *deleted)
{
	/* the largest id of the next batch of the domain's users */
	static const char last[] =
	    "SELECT max(id) FROM (SELECT id FROM users WHERE domain_id = $1 "
	    "ORDER BY id LIMIT $2) AS batch";
	/* one "user del" row per user, like the domain's row */
	static const char audit[] =
	    "INSERT INTO audit (at, uid, actor, tool, action, account, "
	    "detail) SELECT a.at, a.uid, a.actor, a.tool, 'user del', "
	    "u.name, 'domain del --cascade' FROM audit a, users u "
	    "WHERE a.id = $1 AND u.domain_id = $2 AND u.id <= $3 "
	    "ORDER BY u.name";
	/* history, counters and fingerprints go with them (ON DELETE
	 * CASCADE) */
	static const char del[] =
	    "DELETE FROM users WHERE domain_id = $1 AND id <= $2";
	struct mu_res *res;
	int64_t hi = 0;
	bool none = true;
	int r;

	*deleted = 0;
	if ((r = mu_q(st, &res, last, "ii", dd->id, max)) != MU_OK)
		goto out;
	if (mu_row(res) && !mu_null(res, 0)) {
		none = false;
		hi = mu_int(res, 0);
	}
	if ((r = mu_done(res)) != MU_OK)
		goto out;
	if (none) {
		/* no user left: the domain goes too */
		r = mu_q(st, NULL, drop_domain, "i", dd->id);
		goto out;
	}
	if ((r = mu_q(st, NULL, audit, "iii", dd->audit_id, dd->id, hi)) ==
	    MU_OK && (r = mu_q(st, NULL, del, "ii", dd->id, hi)) == MU_OK)
		*deleted = mu_changes(st);
out:
	return mu_acct_done(st, r, "domain del");
}

/* ---- list ------------------------------------------------------- */

static int64_t
or_inherit(struct mu_res *r, int col)
{
	return mu_null(r, col) ? MU_INHERIT : mu_int(r, col);
}

static void
domain_row(struct mu_res *r, struct mu_acct_domain *d)
{
	memset(d, 0, sizeof(*d));
	mu_copy(r, 0, d->name, sizeof(d->name));
	d->disabled = mu_int(r, 1) != 0;
	d->created = mu_int(r, 2);
	d->users = mu_int(r, 3);
	d->aging.max_days = or_inherit(r, 4);
	d->aging.min_days = or_inherit(r, 5);
	d->aging.warn_days = or_inherit(r, 6);
	d->aging.grace_days = or_inherit(r, 7);
}

static int
list(struct mu_store *st, bool aged,
     int (*fn)(void *arg, const struct mu_acct_domain *d), void *arg)
{
	static const char sql[] =
	    "SELECT d.name, d.disabled, d.created, "
	    "(SELECT count(*) FROM users u WHERE u.domain_id = d.id), "
	    "d.max_days, d.min_days, d.warn_days, d.grace_days "
	    "FROM domains d WHERE d.name > $1 AND ($2 = 0 OR "
	    "d.max_days IS NOT NULL OR d.min_days IS NOT NULL OR "
	    "d.warn_days IS NOT NULL OR d.grace_days IS NOT NULL) "
	    "ORDER BY d.name LIMIT $3";
	struct mu_acct_domain d;
	struct mu_res *r;
	char *key = NULL;
	int ret, n, stop = 0;

	do {
		ret = mu_q(st, &r, sql, "tii", key != NULL ? key : "",
			   (int64_t)aged, (int64_t)ACCT_PAGE);
		for (n = 0; ret == MU_OK && stop == 0 && mu_row(r); n++) {
			domain_row(r, &d);
			ret = mu_acct_key(&key, mu_text(r, 0));
			if (ret == MU_OK)
				stop = fn(arg, &d);
		}
		if (mu_done(r) != MU_OK && ret == MU_OK)
			ret = MU_E_STORE;
	} while (ret == MU_OK && stop == 0 && n == ACCT_PAGE);
	free(key);
	return ret != MU_OK ? ret : stop;
}

int
mu_acct_domain_list(struct mu_store *st, bool aged,
		    int (*fn)(void *arg, const struct mu_acct_domain *d),
		    void *arg)
{
	int ret;

	/* one snapshot (SQLite) for the whole list */
	if ((ret = mu_begin(st, false)) == MU_OK)
		ret = mu_acct_end(st, list(st, aged, fn, arg));
	return mu_acct_done(st, ret, "domain list");
}
