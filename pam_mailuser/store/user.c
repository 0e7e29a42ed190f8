/* The user record as the module needs it. */
#include <string.h>

#include "mu_db.h"
#include "mu_error.h"
#include "mu_secret.h"

int
mu_store_get_user(struct mu_store *st, const char *name, struct mu_user *u)
{
	static const char sql[] =
	    "SELECT u.id, u.name, u.hash, u.disabled, d.disabled, u.expires, "
	    "u.pw_changed, u.force_change, "
	    "CASE WHEN u.locked_at IS NULL THEN 0 ELSE 1 END, "
	    "coalesce(u.max_days, d.max_days, -1), "
	    "coalesce(u.min_days, d.min_days, -1), "
	    "coalesce(u.warn_days, d.warn_days, -1), "
	    "coalesce(u.grace_days, d.grace_days, -1) "
	    "FROM users u JOIN domains d ON d.id = u.domain_id "
	    "WHERE u.name = $1";
	struct mu_res *r;
	int ret, tries = 0;

	do {
		memset(u, 0, sizeof(*u));
		if ((ret = mu_q(st, &r, sql, "t", name)) != MU_OK)
			continue;
		if (mu_row(r)) {
			u->id = mu_int(r, 0);
			mu_copy(r, 1, u->name, sizeof(u->name));
			mu_copy(r, 2, u->hash, sizeof(u->hash));
			u->disabled = mu_int(r, 3) != 0;
			u->domain_disabled = mu_int(r, 4) != 0;
			u->has_expires = !mu_null(r, 5);
			u->expires = mu_int(r, 5);
			u->pw_changed = mu_int(r, 6);
			u->force_change = mu_int(r, 7) != 0;
			u->locked = mu_int(r, 8) != 0;
			u->aging.max_days = mu_int(r, 9);
			u->aging.min_days = mu_int(r, 10);
			u->aging.warn_days = mu_int(r, 11);
			u->aging.grace_days = mu_int(r, 12);
			ret = MU_OK;
		} else {
			ret = MU_E_NOUSER;
		}
		if (mu_done(r) != MU_OK)
			ret = MU_E_STORE;
	} while (ret == MU_E_STORE && mu_store_retry(st, &tries));
	if (ret == MU_E_STORE) {
		mu_user_wipe(u);
		mu_store_log(st, LOG_ERR, mu_db_error(st, NULL) == MU_DB_BUSY ?
			     "busy (locked past busy_timeout)" :
			     "lookup failed");
		mu_store_mark_failed(st);
	}
	return ret;
}

int
mu_store_rehash(struct mu_store *st, int64_t id, const char *old_hash,
		const char *new_hash)
{
	static const char sql[] =
	    "UPDATE users SET hash = $1 WHERE id = $2 AND hash = $3";
	int ret, tries = 0;

	do {
		ret = mu_q(st, NULL, sql, "tit", new_hash, id, old_hash);
	} while (ret == MU_E_STORE && mu_store_retry(st, &tries));
	if (ret != MU_OK) {
		mu_store_log(st, LOG_ERR, "rehash failed");
		mu_store_mark_failed(st);
		return ret;
	}
	return mu_changes(st) == 1 ? MU_OK : MU_E_CONFLICT;
}
