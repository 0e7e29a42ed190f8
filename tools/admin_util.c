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

	if (mu_canon(arg, a->cfg.default_domain, mu_config_canon_flags(&a->cfg), out,
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

void
domain_del_users(sqlite3 *db, int64_t id, const char *d, int64_t n)
{
	char detail[64];
	struct progress pr;
	struct batch b;
	sqlite3_stmt *s, *last, *audit, *del;
	int64_t first, hi, done = 0;

	/* In the caller's transaction: the domain is disabled first, so that
	 * none of its users logs in while they are deleted batch by batch. */
	s = db_prepare(db, "UPDATE domains SET disabled = 1 WHERE id = ?1");
	db_bind_int(s, 1, id);
	db_run(s);
	snprintf(detail, sizeof(detail), "cascade, %lld user%s", (long long)n,
		 n == 1 ? "" : "s");
	first = db_audit_first(db, "domain del", d, detail);
	db_exec(db, "COMMIT");

	/* the largest id of the next batch of the domain's users */
	last = db_prepare(db, "SELECT max(id) FROM (SELECT id FROM users "
			  "WHERE domain_id = ?1 ORDER BY id LIMIT ?2)");
	/* one "user del" row per user, like the domain's row */
	audit = db_prepare(db, "INSERT INTO audit (at, uid, actor, tool, "
			   "action, account, detail) SELECT a.at, a.uid, "
			   "a.actor, a.tool, 'user del', u.name, 'domain del "
			   "--cascade' FROM audit a, users u WHERE a.id = ?1 "
			   "AND u.domain_id = ?2 AND u.id <= ?3 ORDER BY u.name");
	/* history, failures and digests go with them (ON DELETE CASCADE) */
	del = db_prepare(db, "DELETE FROM users WHERE domain_id = ?1 AND "
			 "id <= ?2");
	progress_begin(&pr, "domain del", "users", (uint64_t)n);
	batch_init(&b);
	for (;;) {
		batch_begin(&b, db);
		db_bind_int(last, 1, id);
		db_bind_int(last, 2, b.size);
		hi = db_step(last) && sqlite3_column_type(last, 0) !=
		    SQLITE_NULL ? sqlite3_column_int64(last, 0) : -1;
		sqlite3_reset(last);
		if (hi < 0)
			break;	/* no user left: the domain goes too */
		db_bind_int(audit, 1, first);
		db_bind_int(audit, 2, id);
		db_bind_int(audit, 3, hi);
		while (db_step(audit))
			;
		sqlite3_reset(audit);
		db_bind_int(del, 1, id);
		db_bind_int(del, 2, hi);
		while (db_step(del))
			;
		sqlite3_reset(del);
		done += sqlite3_changes(db);
		batch_commit(&b, db);
		progress_update(&pr, (uint64_t)done, (uint64_t)done);
	}
	sqlite3_finalize(last);
	sqlite3_finalize(audit);
	sqlite3_finalize(del);
	s = db_prepare(db, "DELETE FROM domains WHERE id = ?1");
	db_bind_int(s, 1, id);
	db_run(s);
	batch_commit(&b, db);
	progress_end(&pr, (uint64_t)done);
}
