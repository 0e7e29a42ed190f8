/*
 * mailuser-admin failures, unlock, user lock, user unlock, user rename.
 *
 * Two kinds of lock exist and are kept apart:
 *  - failure locks, set by the module when deny= (one source) or
 *    deny_total= (every source) failures came within fail_interval=;
 *    rows of the failures table, shown by "failures", lifted by "unlock"
 *    (or by the end of unlock_time=);
 *  - the administrator's lock, users.locked_at and lock_reason, set by
 *    "user lock" and lifted only by "user unlock".
 */
#include <err.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "mu_source.h"
#include "mu_lockout.h"
#include "mu_username.h"

#define REASON_MAX 200		/* bytes of a lock reason */

/* How a failure row's lock reads: "" when there is none. */
static const char *
until_fmt(sqlite3_stmt *s, int col, char *buf, size_t bufsz)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return "";
	if (sqlite3_column_int64(s, col) == MU_FOREVER)
		return "until unlocked";
	return time_fmt(sqlite3_column_int64(s, col), buf, bufsz);
}

/* failures [--json] [USER]: the counters, per user and source.  The
 * source is what the caller gave as PAM_RHOST (any bytes): escaped in the
 * table (json_quote escapes it in JSON). */
void
cmd_failures(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], first[32], last[32], until[32];
	char src[MU_SOURCE_MAX * 4 + 1];
	struct json arr, obj;
	const char *u;
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t now = (int64_t)time(NULL);
	bool all, locked;
	int rows = 0;

	if (argc > 0)
		admin_user_arg(a, argv[0], name);
	db = admin_open(a);
	if (argc > 0 && db_user_id(db, name) < 0)
		errx(1, "no such user: %s", name);
	/* the all-sources row ('') sorts first within a user */
	s = db_prepare(db, "SELECT u.name, f.source, f.count, f.first_fail, "
		       "f.last_fail, f.locked_until FROM failures f JOIN "
		       "users u ON u.id = f.user_id WHERE ?1 IS NULL OR "
		       "u.name = ?1 ORDER BY u.name, f.source");
	db_bind_text(s, 1, argc > 0 ? name : NULL);
	if (a->o.json)
		json_begin(&arr, stdout, NULL, NULL, '[');
	while (db_step(s)) {
		all = sqlite3_column_bytes(s, 1) == 0;
		locked = sqlite3_column_type(s, 5) != SQLITE_NULL &&
		    now < sqlite3_column_int64(s, 5);
		time_fmt(sqlite3_column_int64(s, 3), first, sizeof(first));
		time_fmt(sqlite3_column_int64(s, 4), last, sizeof(last));
		u = until_fmt(s, 5, until, sizeof(until));
		if (a->o.json) {
			json_begin(&obj, stdout, NULL, &arr, '{');
			json_str(&obj, "user", db_text(s, 0));
			json_str(&obj, "source", db_text(s, 1));
			json_bool(&obj, "all_sources", all);
			json_int(&obj, "count", sqlite3_column_int64(s, 2));
			json_str(&obj, "first_failure", first);
			json_str(&obj, "last_failure", last);
			json_str(&obj, "locked_until", *u != '\0' ? u : NULL);
			json_bool(&obj, "locked", locked);
			json_end(&obj, '}');
			continue;
		}
		if (rows++ == 0)
			printf("%-32s  %-20s  %5s  %-23s  %-23s  %s\n", "USER",
			       "SOURCE", "COUNT", "FIRST FAILURE",
			       "LAST FAILURE", "LOCKED UNTIL");
		printf("%-32s  %-20s  %5lld  %-23s  %-23s  %s%s\n",
		       db_text(s, 0), all ? "(all sources)" :
		       mu_escape(src, sizeof(src), db_text(s, 1)),
		       (long long)sqlite3_column_int64(s, 2), first, last,
		       *u != '\0' ? u : "-",
		       *u != '\0' && !locked ? " (over)" : "");
	}
	sqlite3_finalize(s);
	if (a->o.json) {
		json_end(&arr, ']');
		putchar('\n');
	}
}

/* Delete the counters of user id from source (every source: NULL);
 * returns how many went. */
static int64_t
drop_counters(sqlite3 *db, int64_t id, const char *source)
{
	sqlite3_stmt *s;

	s = db_prepare(db, "DELETE FROM failures WHERE user_id = ?1 AND "
		       "(?2 IS NULL OR source = ?2)");
	db_bind_int(s, 1, id);
	db_bind_text(s, 2, source);
	db_run(s);
	return sqlite3_changes(db);
}

/* unlock [--source ADDR] USER: forget failure counters and their locks.
 * Without --source every row goes, with the digests of recent wrong
 * passwords; with it, only that source's row ("" is the all-sources
 * row).  The source is a key as "failures" shows it, or an address,
 * normalised as the module does (so 2001:db8:1:2::9 names the row of
 * 2001:db8:1:2::/64, ::ffff:192.0.2.7 that of 192.0.2.7). */
void
cmd_unlock(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], esc[MU_SOURCE_MAX * 4 + 16];
	char detail[MU_SOURCE_MAX * 4 + 64], key[MU_SOURCE_MAX + 1];
	const char *src = a->o.source;
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t id, rows;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	if (src != NULL && strlen(src) > MU_SOURCE_MAX)
		errx(1, "--source: longer than %d bytes", MU_SOURCE_MAX);
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	if ((id = db_user_id(db, name)) < 0)
		errx(1, "no such user: %s", name);
	rows = drop_counters(db, id, src);
	if (src != NULL && *src != '\0' && rows == 0 &&
	    strcmp(mu_source_norm(src, (unsigned)a->cfg.ipv6_prefix, key,
				  sizeof(key)), src) != 0) {
		src = key;
		rows = drop_counters(db, id, src);
	}
	if (src != NULL && rows == 0)
		errx(1, "no failures recorded for %s from %s", name,
		     *src == '\0' ? "all sources (\"\")" :
		     mu_escape(esc, sizeof(esc), src));
	if (src == NULL) {
		s = db_prepare(db, "DELETE FROM recent_failures WHERE "
			       "user_id = ?1");
		db_bind_int(s, 1, id);
		db_run(s);
		snprintf(detail, sizeof(detail), "all sources, %lld row%s",
			 (long long)rows, rows == 1 ? "" : "s");
	} else {
		snprintf(detail, sizeof(detail), "source %s", *src == '\0' ?
			 "(all sources)" : mu_escape(esc, sizeof(esc), src));
	}
	db_audit(db, "unlock", name, detail);
	db_exec(db, "COMMIT");
}

/* A lock reason: 1 to REASON_MAX bytes of UTF-8 without control
 * characters, so that it shows as one line anywhere. */
static void
reason_arg(const char *r)
{
	const unsigned char *p;
	size_t n;

	if (r == NULL)
		errx(EXIT_USAGE, "user lock: --reason is required");
	n = strlen(r);
	if (n == 0 || n > REASON_MAX)
		errx(1, "--reason: must be 1 to %d bytes", REASON_MAX);
	if (!mu_utf8_valid(r, n))
		errx(1, "--reason: not valid UTF-8");
	for (p = (const unsigned char *)r; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			errx(1, "--reason: control characters are not "
			     "allowed");
}

/* user lock --reason TEXT USER.  Locking a locked user replaces the
 * reason and keeps the time of the first lock. */
void
cmd_user_lock(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	sqlite3_stmt *s;
	sqlite3 *db;

	(void)argc;
	reason_arg(a->o.reason);
	admin_user_arg(a, argv[0], name);
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	s = db_prepare(db, "UPDATE users SET locked_at = coalesce(locked_at, "
		       "?1), lock_reason = ?2 WHERE name = ?3");
	db_bind_int(s, 1, (int64_t)time(NULL));
	db_bind_text(s, 2, a->o.reason);
	db_bind_text(s, 3, name);
	db_run(s);
	if (sqlite3_changes(db) == 0)
		errx(1, "no such user: %s", name);
	db_audit(db, "user lock", name, a->o.reason);
	db_exec(db, "COMMIT");
}

/* user unlock USER: lift the administrator's lock. */
void
cmd_user_unlock(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	sqlite3_stmt *s;
	sqlite3 *db;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	if (db_user_id(db, name) < 0)
		errx(1, "no such user: %s", name);
	s = db_prepare(db, "UPDATE users SET locked_at = NULL, lock_reason = "
		       "NULL WHERE name = ?1 AND locked_at IS NOT NULL");
	db_bind_text(s, 1, name);
	db_run(s);
	if (sqlite3_changes(db) == 0)
		errx(1, "user %s is not locked by an administrator (failure "
		     "locks: see \"failures\" and \"unlock\")", name);
	db_audit(db, "user unlock", name, NULL);
	db_exec(db, "COMMIT");
}

/* user rename OLD NEW: one UPDATE of the name (and domain), so that the
 * password history, failure counters and every other row that refers to
 * the user's id stay with it. */
void
cmd_user_rename(struct admin *a, int argc, char **argv)
{
	char from[MU_NAME_MAX + 1], to[MU_NAME_MAX + 1];
	char detail[MU_NAME_MAX + 16];
	const char *domain;
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t id, did;

	(void)argc;
	admin_user_arg(a, argv[0], from);
	admin_user_arg(a, argv[1], to);
	if (strcmp(from, to) == 0)
		errx(1, "user rename: %s is already the name", to);
	domain = strchr(to, '@') + 1;
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	if ((id = db_user_id(db, from)) < 0)
		errx(1, "no such user: %s", from);
	if (db_user_id(db, to) >= 0)
		errx(1, "user %s already exists", to);
	if ((did = db_domain_id(db, domain)) < 0)
		errx(1, "no such domain: %s (add it first with \"domain "
		     "add\")", domain);
	s = db_prepare(db, "UPDATE users SET name = ?1, domain_id = ?2 "
		       "WHERE id = ?3");
	db_bind_text(s, 1, to);
	db_bind_int(s, 2, did);
	db_bind_int(s, 3, id);
	db_run(s);
	snprintf(detail, sizeof(detail), "from %s", from);
	db_audit(db, "user rename", to, detail);
	db_exec(db, "COMMIT");
}
