/*
 * mailuser-admin audit [--json] [--since DATE] [--user USER], and
 * audit prune --before DATE.
 *
 * The audit table is written by the module (password changes) and by
 * this tool (every change it makes): time, uid and login name of the
 * caller, tool, action, account and a detail that never holds a password
 * or a hash.  Pruning is itself recorded, after the rows it removed.
 * It works in short transactions, oldest rows first (see progress.c).
 */
#include <err.h>
#include <time.h>

#include "admin.h"
#include "mu_username.h"

/* A --since or --before date, midnight UTC. */
static int64_t
date_opt(const char *opt, const char *s)
{
	char esc[64];
	int64_t t;

	if (date_parse(s, &t) != 0)
		errx(1, "%s: invalid date \"%s\": expected YYYY-MM-DD (UTC)",
		     opt, mu_escape(esc, sizeof(esc), s));
	return t;
}

void
cmd_audit(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], at[32], who[64];
	struct json arr, obj;
	sqlite3_stmt *s;
	int64_t since = 0;
	int rows = 0;

	(void)argc;
	(void)argv;
	if (a->o.since != NULL)
		since = date_opt("--since", a->o.since);
	if (a->o.user != NULL)
		admin_user_arg(a, a->o.user, name);
	s = db_prepare(admin_open(a), "SELECT id, at, uid, actor, tool, "
		       "action, account, detail FROM audit WHERE at >= ?1 AND "
		       "(?2 IS NULL OR account = ?2) ORDER BY id");
	db_bind_int(s, 1, since);
	db_bind_text(s, 2, a->o.user != NULL ? name : NULL);
	if (a->o.json)
		json_begin(&arr, stdout, NULL, NULL, '[');
	while (db_step(s)) {
		time_fmt(sqlite3_column_int64(s, 1), at, sizeof(at));
		if (a->o.json) {
			json_begin(&obj, stdout, NULL, &arr, '{');
			json_int(&obj, "id", sqlite3_column_int64(s, 0));
			json_str(&obj, "at", at);
			if (sqlite3_column_type(s, 2) == SQLITE_NULL)
				json_str(&obj, "uid", NULL);
			else
				json_int(&obj, "uid",
					 sqlite3_column_int64(s, 2));
			json_str(&obj, "actor", sqlite3_column_type(s, 3) ==
				 SQLITE_NULL ? NULL : db_text(s, 3));
			json_str(&obj, "tool", db_text(s, 4));
			json_str(&obj, "action", db_text(s, 5));
			json_str(&obj, "account", sqlite3_column_type(s, 6) ==
				 SQLITE_NULL ? NULL : db_text(s, 6));
			json_str(&obj, "detail", sqlite3_column_type(s, 7) ==
				 SQLITE_NULL ? NULL : db_text(s, 7));
			json_end(&obj, '}');
			continue;
		}
		if (rows++ == 0)
			printf("%-23s  %-16s  %-14s  %-16s  %-32s  %s\n",
			       "TIME", "WHO", "TOOL", "ACTION", "ACCOUNT",
			       "DETAIL");
		if (sqlite3_column_type(s, 3) != SQLITE_NULL)
			snprintf(who, sizeof(who), "%s (%lld)", db_text(s, 3),
				 (long long)sqlite3_column_int64(s, 2));
		else if (sqlite3_column_type(s, 2) != SQLITE_NULL)
			snprintf(who, sizeof(who), "uid %lld",
				 (long long)sqlite3_column_int64(s, 2));
		else
			snprintf(who, sizeof(who), "-");
		printf("%-23s  %-16s  %-14s  %-16s  %-32s  %s\n", at, who,
		       db_text(s, 4), db_text(s, 5),
		       sqlite3_column_type(s, 6) == SQLITE_NULL ? "-" :
		       db_text(s, 6), db_text(s, 7));
	}
	sqlite3_finalize(s);
	if (a->o.json) {
		json_end(&arr, ']');
		putchar('\n');
	}
}

void
cmd_audit_prune(struct admin *a, int argc, char **argv)
{
	char detail[64];
	struct progress pr;
	struct batch b;
	sqlite3_stmt *s, *del;
	sqlite3 *db;
	int64_t before, n = 0, got, size;

	(void)argc;
	(void)argv;
	if (a->o.before == NULL)
		errx(EXIT_USAGE, "audit prune: --before is required");
	before = date_opt("--before", a->o.before);
	db = admin_open(a);
	/* the total only serves the progress line: counted only for one */
	progress_begin(&pr, "audit prune", "rows", 0);
	if (pr.on) {
		s = db_prepare(db, "SELECT count(*) FROM audit WHERE at < ?1");
		db_bind_int(s, 1, before);
		if (db_step(s))
			pr.total = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	/* oldest rows first, in short transactions: logins never wait for
	 * the whole prune, and an interrupted prune leaves a shorter log */
	del = db_prepare(db, "DELETE FROM audit WHERE id IN (SELECT id FROM "
			 "audit WHERE at < ?1 ORDER BY at, id LIMIT ?2)");
	batch_init(&b);
	do {
		size = b.size;
		batch_begin(&b, db);
		db_bind_int(del, 1, before);
		db_bind_int(del, 2, size);
		while (db_step(del))
			;
		sqlite3_reset(del);
		got = sqlite3_changes(db);
		batch_commit(&b, db);
		n += got;
		progress_update(&pr, (uint64_t)n, (uint64_t)n);
	} while (got == size);	/* a short batch was the last */
	sqlite3_finalize(del);
	progress_end(&pr, (uint64_t)n);
	db_exec(db, "BEGIN IMMEDIATE");
	snprintf(detail, sizeof(detail), "before %s, %lld row%s removed",
		 a->o.before, (long long)n, n == 1 ? "" : "s");
	db_audit(db, "audit prune", NULL, detail);
	db_exec(db, "COMMIT");
	printf("%lld audit row%s removed\n", (long long)n, n == 1 ? "" : "s");
}
