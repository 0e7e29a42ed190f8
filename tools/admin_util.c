/*
 * Helpers shared by the lifecycle and lockout commands: names, ids and
 * hashing, each exiting with one message on error like the rest of the
 * tool.
 */
#include <err.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"
#include "mu_username.h"

void
admin_user_arg(const struct admin *a, const char *arg, char *out)
{
	char esc[MU_NAME_MAX + 16];
	const char *why = "invalid";

	if (mu_canon(arg, a->cfg.default_domain, a->cfg.lowercase_local, out,
		     &why) != MU_OK)
		errx(1, "invalid user name \"%s\": %s",
		     mu_escape(esc, sizeof(esc), arg), why);
}

void
admin_hash(const struct admin *a, const char *pw, char *hash, size_t hashsz)
{
	int r;

	r = mu_hash_new(a->cfg.method, a->cfg.hash_cost, pw, hash, hashsz);
	if (r != MU_OK) {
		mu_wipe(hash, hashsz);
		errx(1, "cannot hash the password: %s", mu_strerror(r));
	}
}

int64_t
db_audit_first(sqlite3 *db, const char *action, const char *account,
	       const char *detail)
{
	db_audit(db, action, account, detail);
	return sqlite3_last_insert_rowid(db);
}

sqlite3_stmt *
audit_copy_prepare(sqlite3 *db)
{
	return db_prepare(db, "INSERT INTO audit (at, uid, actor, tool, "
			  "action, account, detail) SELECT at, uid, actor, "
			  "tool, ?2, ?3, ?4 FROM audit WHERE id = ?1");
}

void
audit_copy(sqlite3_stmt *s, int64_t first, const char *action,
	   const char *account, const char *detail)
{
	db_bind_int(s, 1, first);
	db_bind_text(s, 2, action);
	db_bind_text(s, 3, account);
	db_bind_text(s, 4, detail);
	while (db_step(s))
		;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

void
domain_del_users(sqlite3 *db, int64_t id, const char *d, int64_t n)
{
	char detail[64];
	sqlite3_stmt *s;
	int64_t first;

	snprintf(detail, sizeof(detail), "cascade, %lld user%s", (long long)n,
		 n == 1 ? "" : "s");
	first = db_audit_first(db, "domain del", d, detail);
	/* one "user del" row per user, like the domain's row */
	s = db_prepare(db, "INSERT INTO audit (at, uid, actor, tool, action, "
		       "account, detail) SELECT a.at, a.uid, a.actor, a.tool, "
		       "'user del', u.name, 'domain del --cascade' FROM audit "
		       "a, users u WHERE a.id = ?1 AND u.domain_id = ?2 "
		       "ORDER BY u.name");
	db_bind_int(s, 1, first);
	db_bind_int(s, 2, id);
	db_run(s);
	/* history, failures and digests go with them (ON DELETE CASCADE) */
	s = db_prepare(db, "DELETE FROM users WHERE domain_id = ?1");
	db_bind_int(s, 1, id);
	db_run(s);
}
