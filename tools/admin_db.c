/*
 * Statement helpers for the admin tool.  Every SQL text is a constant
 * and every value is bound.  Errors print one message naming the store
 * and exit; the exit handler finalizes what is left and closes the store,
 * rolling back an open transaction.
 */
#include <err.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "mu_audit.h"
#include "mu_error.h"

static void __attribute__((noreturn))
db_die(sqlite3 *db)
{
	const char *path = sqlite3_db_filename(db, "main");
	int rc = sqlite3_errcode(db);

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		errx(1, "store %s: busy (locked by another process); "
		     "try again", path != NULL ? path : "");
	errx(1, "store %s: %s", path != NULL ? path : "",
	     sqlite3_errmsg(db));
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		db_die(db);
	return s;
}

void
db_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	int rc;

	if (v == NULL)
		rc = sqlite3_bind_null(s, i);
	else
		rc = sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	if (rc != SQLITE_OK)
		db_die(sqlite3_db_handle(s));
}

void
db_bind_int(sqlite3_stmt *s, int i, int64_t v)
{
	if (sqlite3_bind_int64(s, i, v) != SQLITE_OK)
		db_die(sqlite3_db_handle(s));
}

bool
db_step(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return true;
	if (rc == SQLITE_DONE)
		return false;
	db_die(sqlite3_db_handle(s));
}

void
db_run(sqlite3_stmt *s)
{
	while (db_step(s))
		;
	sqlite3_finalize(s);
}

const char *
db_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t != NULL ? (const char *)t : "";
}

void
db_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		db_die(db);
}

/* One writer of audit rows for the module and the tool: mu_audit_add.
 * It names the login of the terminal; without one (cron, scripts) the
 * tool names the caller's uid instead, so that a row always says who. */
void
db_audit(sqlite3 *db, const char *action, const char *account,
	 const char *detail)
{
	char actor[256];
	sqlite3_stmt *s;

	mu_audit_actor(actor, sizeof(actor));
	s = db_prepare(db, "INSERT INTO audit (at, uid, actor, tool, action, "
		       "account, detail) VALUES (?1, ?2, ?3, 'mailuser-admin', "
		       "?4, ?5, ?6)");
	db_bind_int(s, 1, (int64_t)time(NULL));
	db_bind_int(s, 2, (int64_t)getuid());
	db_bind_text(s, 3, actor[0] != '\0' ? actor : NULL);
	db_bind_text(s, 4, action);
	db_bind_text(s, 5, account);
	db_bind_text(s, 6, detail);
	db_run(s);
}

/* The id that sql ("SELECT id ... WHERE name = ?1") finds, or -1. */
static int64_t
id_by_name(sqlite3 *db, const char *sql, const char *name)
{
	sqlite3_stmt *s;
	int64_t id = -1;

	s = db_prepare(db, sql);
	db_bind_text(s, 1, name);
	if (db_step(s))
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return id;
}

int64_t
db_domain_id(sqlite3 *db, const char *domain)
{
	return id_by_name(db, "SELECT id FROM domains WHERE name = ?1", domain);
}

int64_t
db_user_id(sqlite3 *db, const char *name)
{
	return id_by_name(db, "SELECT id FROM users WHERE name = ?1", name);
}
