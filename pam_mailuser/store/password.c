#include <stdlib.h>
#include <string.h>

#include "mu_audit.h"
#include "mu_db.h"
#include "mu_error.h"
#include "mu_secret.h"
#include "mu_store_pw.h"
#include "mu_strength.h"

int
mu_store_history(struct mu_store *st, int64_t id, unsigned long limit,
		 struct mu_history *h)
{
	static const char sql[] =
	    "SELECT hash FROM pw_history WHERE user_id = $1 "
	    "ORDER BY id DESC LIMIT $2";
	struct mu_res *r;
	int ret;

	h->n = 0;
	h->hash = NULL;
	if (limit == 0)
		return MU_OK;
	if (limit > MU_REMEMBER_MAX)
		limit = MU_REMEMBER_MAX;
	if ((h->hash = calloc(limit, sizeof(*h->hash))) == NULL)
		return MU_E_NOMEM;
	if ((ret = mu_q(st, &r, sql, "ii", id, (int64_t)limit)) == MU_OK) {
		while (mu_row(r)) {
			const char *t = mu_text(r, 0);

			if (strlen(t) < MU_HASH_MAX && h->n < limit)
				memcpy(h->hash[h->n++], t, strlen(t) + 1);
		}
		ret = mu_done(r);
	}
	if (ret == MU_OK)
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

/* Is the stored hash of user id still old?  MU_OK, MU_E_CONFLICT,
 * MU_E_NOUSER or MU_E_STORE. */
static int
still(struct mu_store *st, int64_t id, const char *old)
{
	static const char sql[] = "SELECT hash FROM users WHERE id = $1";
	struct mu_res *r;
	int ret;

	if ((ret = mu_q(st, &r, sql, "i", id)) != MU_OK)
		return ret;
	ret = mu_row(r) ? (mu_ct_streq(mu_text(r, 0), old) ? MU_OK :
			   MU_E_CONFLICT) : MU_E_NOUSER;
	return mu_done(r) != MU_OK ? MU_E_STORE : ret;
}

/* May the account's password be changed now (inside the transaction)?
 * MU_OK, MU_E_DISABLED, MU_E_LOCKED or MU_E_STORE. */
static int
may_change(struct mu_store *st, const struct mu_pwchange *c)
{
	static const char state[] =
	    "SELECT CASE WHEN u.disabled <> 0 OR d.disabled <> 0 OR "
	    "u.locked_at IS NOT NULL OR "
	    "(u.expires IS NOT NULL AND u.expires <= $2) THEN 1 ELSE 0 END "
	    "FROM users u JOIN domains d ON d.id = u.domain_id "
	    "WHERE u.id = $1";
	static const char lock[] =
	    "SELECT count(*) FROM failures WHERE user_id = $1 AND "
	    "source IN ($3, '') AND locked_until > $2";
	int64_t v;
	bool found;

	if (c->check_state) {
		if (mu_q_int(st, &v, &found, state, "ii", c->id, c->now) !=
		    MU_OK || !found)
			return MU_E_STORE;
		if (v != 0)
			return MU_E_DISABLED;
	}
	if (c->source == NULL)
		return MU_OK;
	if (mu_q_int(st, &v, NULL, lock, "iit", c->id, c->now, c->source) !=
	    MU_OK)
		return MU_E_STORE;
	return v != 0 ? MU_E_LOCKED : MU_OK;
}

/* The writes of a change, inside the transaction. */
static int
write_change(struct mu_store *st, const struct mu_pwchange *c)
{
	static const char set[] =
	    "UPDATE users SET hash = $1, pw_changed = $2, force_change = 0 "
	    "WHERE id = $3";
	static const char keep_old[] =
	    "INSERT INTO pw_history (user_id, hash, changed) "
	    "VALUES ($1, $2, $3)";
	static const char prune[] =
	    "DELETE FROM pw_history WHERE user_id = $1 AND id NOT IN "
	    "(SELECT id FROM pw_history WHERE user_id = $1 "
	    "ORDER BY id DESC LIMIT $2)";
	static const char unlock[] =
	    "DELETE FROM failures WHERE user_id = $1 AND "
	    "(locked_until IS NULL OR locked_until <= $2)";
	static const char forget[] =
	    "DELETE FROM recent_failures WHERE user_id = $1";
	int64_t keep = (int64_t)c->remember;

	if (mu_q(st, NULL, set, "tii", c->new_hash, c->now, c->id) != MU_OK)
		return MU_E_STORE;
	if (keep > 0 && c->old_hash[0] != '\0' &&
	    mu_q(st, NULL, keep_old, "iti", c->id, c->old_hash, c->now) !=
	    MU_OK)
		return MU_E_STORE;
	if (mu_q(st, NULL, prune, "ii", c->id, keep) != MU_OK ||
	    mu_q(st, NULL, unlock, "ii", c->id, c->now) != MU_OK ||
	    mu_q(st, NULL, forget, "i", c->id) != MU_OK)
		return MU_E_STORE;
	return mu_audit_add(st, c->tool, c->action, c->name, c->detail);
}

/* One attempt at the change, in one write transaction. */
static int
change(struct mu_store *st, const struct mu_pwchange *c)
{
	int r;

	if (mu_begin(st, true) != MU_OK)
		return MU_E_STORE;
	if ((r = mu_lock_user(st, c->id)) == MU_OK &&
	    (r = still(st, c->id, c->old_hash)) == MU_OK &&
	    (r = may_change(st, c)) == MU_OK &&
	    (r = write_change(st, c)) == MU_OK &&
	    mu_commit(st) != MU_OK)
		r = MU_E_STORE;
	if (r != MU_OK)
		mu_rollback(st);
	return r;
}

int
mu_store_set_password(struct mu_store *st, const struct mu_pwchange *c)
{
	int r, tries = 0;

	do {
		r = change(st, c);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	if (r == MU_E_STORE) {
		mu_store_log(st, LOG_ERR, "password change failed");
		mu_store_mark_failed(st);
	}
	if (r == MU_OK)
		mu_store_flush(st);
	return r;
}
