/*
 * The PostgreSQL backend against a real server, through the statement
 * layer: results, parameters, NULLs, transactions, error kinds, the
 * roles' privileges, a server restart, an unreachable server.
 *
 * Run by tests/unit/test_pgsql.sh, which starts a private server
 * (tests/lib/pg.sh) and passes it in the environment: PG_ADMIN_URL,
 * PG_AUTH_URL, PG_ADMIN_KV, PG_ADMIN_SOCK, PG_ADMIN_PW, PG_AUTH_PW, PG_PORT,
 * and the commands PG_PAUSE, PG_RESUME and PG_ROLES (sql/postgresql/
 * roles.sql through psql).  argv[1]: the source tree.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "mu_db.h"
#include "mu_error.h"
#include "mu_store.h"

static char lastlog[1024];
static int lastprio, nlogs;

static void
sink(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	lastprio = prio;
	nlogs++;
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
}

static const struct mu_log tlog = { sink, NULL, true };

static const char *admin_url, *auth_url, *admin_pw, *auth_pw;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		printf("not ok - %s is set (run tests/unit/test_pgsql.sh)\n",
		       name);
		exit(1);
	}
	return v;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
run(const char *what)
{
	int rc = system(env(what));

	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

static bool
has_secret(const char *s)
{
	return strstr(s, admin_pw) != NULL || strstr(s, auth_pw) != NULL;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

static void
test_describe(void)
{
	char buf[256], want[256];

	snprintf(want, sizeof(want), "postgresql://mailuser_admin@127.0.0.1:%s/"
		 "mailuser", env("PG_PORT"));
	mu_store_describe(admin_url, buf, sizeof(buf));
	CHECK(strcmp(buf, want) == 0, "describe a URI: user, host, port, db");
	if (strcmp(buf, want) != 0)
		printf("#   got \"%s\"\n", buf);
	mu_store_describe(env("PG_ADMIN_KV"), buf, sizeof(buf));
	CHECK(strcmp(buf, want) == 0 && !has_secret(buf),
	      "describe a key=value string the same, without the password");
	mu_store_describe("postgresql://u:secret@h1:5432,h2:5433/db?"
			  "target_session_attrs=read-write", buf, sizeof(buf));
	CHECK(strcmp(buf, "postgresql://u@h1,h2:5432,5433/db") == 0,
	      "describe several hosts as given");
	mu_store_describe("postgresql://u:pa%zzword@h/db", buf, sizeof(buf));
	CHECK(strstr(buf, "pa%zz") == NULL, "describe an invalid string "
	      "without quoting it (%s)", buf);
}

static void
test_open_refused(void)
{
	struct mu_store *st = NULL;
	int r;

	r = mu_store_open_ext(admin_url, 1000, 2, &tlog, 0, &st);
	CHECK(r == MU_E_STORE && st == NULL && strstr(lastlog, "no table "
	      "mailuser_meta") != NULL, "an empty database is refused "
	      "without MU_OPEN_EMPTY");
	CHECK(!has_secret(lastlog), "the log line names no password (%s)",
	      lastlog);
	r = mu_store_open_ext("postgresql://u:pa%zzword@127.0.0.1/db", 1000,
			      2, &tlog, 0, &st);
	CHECK(r == MU_E_STORE && strstr(lastlog, "pa%zz") == NULL,
	      "an invalid string is refused without quoting it (%s)",
	      lastlog);
}

/* init: the backend's own operations, as mailuser-admin init uses them */
static void
test_init(const char *top)
{
	const struct mu_backend *be = &mu_pgsql_backend;
	struct mu_db_open o = { admin_url, 1000, 2, MU_OPEN_EMPTY, &tlog };
	struct mu_db *db = NULL;
	enum mu_db_err err;
	int64_t ver = -1;
	char path[4096], why[512];
	char *schema;
	int r;

	CHECK(mu_db_backend(admin_url) == be &&
	      mu_db_backend(env("PG_ADMIN_KV")) == be &&
	      mu_db_backend("/var/lib/mailuser/mailuser.db") ==
	      &mu_sqlite_backend, "targets choose their backend");
	snprintf(path, sizeof(path), "%s/sql/postgresql/schema.sql", top);
	if ((schema = slurp(path)) == NULL) {
		CHECK(0, "read %s", path);
		exit(1);
	}
	r = be->open(&o, &db, &err, why, sizeof(why));
	CHECK(r == MU_OK, "open an empty database with MU_OPEN_EMPTY (%s)",
	      r == MU_OK ? "" : why);
	if (r != MU_OK)
		exit(1);
	r = be->begin(db, true);
	if (r == MU_OK)
		r = be->script(db, schema);
	if (r == MU_OK)
		r = be->commit(db);
	CHECK(r == MU_OK, "script: sql/postgresql/schema.sql in a transaction "
	      "(%s)", r == MU_OK ? "" : be->error(db, NULL) ? "failed" : "");
	if (r != MU_OK) {
		const char *m;

		be->error(db, &m);
		printf("#   %s\n", m);
		exit(1);
	}
	CHECK(be->version(db, &ver) == MU_OK && ver == MU_SCHEMA_VERSION,
	      "version reads %d", MU_SCHEMA_VERSION);
	CHECK(be->usable(db), "usable when idle");
	be->close(db, true);
	free(schema);
	CHECK(run("PG_ROLES"), "sql/postgresql/roles.sql applies");
	CHECK(run("PG_ROLES"), "and applies again");
}

static const char q_dom_add[] =
    "INSERT INTO domains (name, created) VALUES ($1, $2) RETURNING id";
static const char q_user_add[] =
    "INSERT INTO users (name, domain_id, hash, pw_changed, created, "
    "expires) VALUES ($1, $2, $3, $4, $4, $5) RETURNING id";
static const char q_user_get[] =
    "SELECT id, name, hash, expires, expires IS NULL, disabled <> 0, "
    "lock_reason FROM users WHERE name = $1";
static const char q_user_disable[] =
    "UPDATE users SET disabled = 1 WHERE domain_id = $1";
static const char q_users_page[] =
    "SELECT id, name FROM users WHERE name > $1 ORDER BY name LIMIT $2";
static const char q_one[] = "SELECT 1";
static const char q_bad[] = "SELEC 1";
static const char q_fail_add[] =
    "INSERT INTO recent_failures (user_id, digest, at) VALUES ($1, $2, $3)";
static const char q_count[] =
    "SELECT count(*) FROM users WHERE name LIKE $1";

static int64_t dom_id, alice_id;

static void
test_statements(struct mu_store *st)
{
	struct mu_res *res = NULL;
	const char *msg = "";
	int64_t n = 0, exp = 1700000000;
	bool found = false;
	char name[64], prev[64];
	int r, i, rows;

	r = mu_q_int(st, &dom_id, &found, q_dom_add, "ti", "example.org",
		     (int64_t)1700000000);
	CHECK(r == MU_OK && found && dom_id > 0, "INSERT ... RETURNING id");
	r = mu_q_int(st, &alice_id, NULL, q_user_add, "tttin",
		     "alice@example.org", "1", "$6$salt$hash",
		     (int64_t)1700000001, (const int64_t *)NULL);
	CHECK(r == MU_E_STORE && mu_db_error(st, &msg) == MU_DB_OTHER,
	      "a text for an int8 column is refused at its first use (%s)",
	      msg);
	r = mu_q_int(st, &alice_id, NULL, q_user_add, "titin",
		     "alice@example.org", dom_id, "$6$salt$hash",
		     (int64_t)1700000001, (const int64_t *)NULL);
	CHECK(r == MU_OK && alice_id > 0, "then prepared with the types of "
	      "this use; a NULL int8 ('n')");
	r = mu_q(st, &res, q_user_get, "t", "alice@example.org");
	CHECK(r == MU_OK && mu_row(res), "SELECT one row");
	if (r == MU_OK) {
		CHECK(mu_int(res, 0) == alice_id &&
		      strcmp(mu_text(res, 1), "alice@example.org") == 0 &&
		      strcmp(mu_text(res, 2), "$6$salt$hash") == 0,
		      "int and text columns");
		CHECK(mu_null(res, 3) && mu_int(res, 3) == 0 &&
		      strcmp(mu_text(res, 3), "") == 0 && mu_null(res, 6),
		      "NULL columns: isnull, 0, \"\"");
		CHECK(mu_int(res, 4) == 1 && mu_int(res, 5) == 0,
		      "boolean results read as 1 and 0");
		CHECK(!mu_row(res), "one row only");
	}
	CHECK(mu_done(res) == MU_OK, "done");
	r = mu_q(st, &res, q_user_get, "t", "nobody@example.org");
	CHECK(r == MU_OK && !mu_row(res) && mu_done(res) == MU_OK,
	      "no row");
	r = mu_q(st, NULL, q_user_add, "titin", "bob@example.org", dom_id,
		 "x", (int64_t)1, &exp);
	CHECK(r == MU_OK, "a statement run to its end (res NULL)");
	r = mu_q(st, NULL, q_user_add, "titin", "alice@example.org", dom_id,
		 "x", (int64_t)1, &exp);
	CHECK(r == MU_E_STORE && mu_db_error(st, &msg) == MU_DB_CONSTRAINT,
	      "a duplicate name: MU_DB_CONSTRAINT");
	CHECK(strstr(msg, "duplicate key") != NULL && strstr(msg, "23505") &&
	      strstr(msg, "alice") == NULL && strchr(msg, '\n') == NULL,
	      "its message: one line, SQLSTATE, no DETAIL with the row (%s)",
	      msg);
	r = mu_q(st, NULL, q_user_disable, "i", dom_id);
	CHECK(r == MU_OK && mu_changes(st) == 2, "changes after an UPDATE");
	r = mu_q(st, NULL, q_one, "");
	CHECK(r == MU_OK && mu_changes(st) == 2, "a SELECT leaves changes");
	r = mu_q(st, NULL, q_bad, "");
	CHECK(r == MU_E_STORE && mu_db_error(st, &msg) == MU_DB_OTHER &&
	      strstr(msg, "42601") != NULL, "a syntax error: MU_DB_OTHER "
	      "(%s)", msg);
	r = mu_q_int(st, &n, &found, q_one, "");
	CHECK(r == MU_OK && found && n == 1, "the session goes on");

	/* keyset paging over 300 names, sorted bytewise */
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "%c%03d@example.org",
			 i % 2 ? 'U' : 'u', i);
		if (mu_q(st, NULL, q_user_add, "titin", name, dom_id, "x",
			 (int64_t)1, (const int64_t *)NULL) != MU_OK)
			break;
	}
	CHECK(i == 300, "300 inserts");
	snprintf(prev, sizeof(prev), "%s", "");
	rows = 0;
	for (;;) {
		int page = 0;

		if (mu_q(st, &res, q_users_page, "ti", prev, (int64_t)64) !=
		    MU_OK)
			break;
		while (mu_row(res)) {
			if (strcmp(mu_text(res, 1), prev) <= 0)
				rows = -100000;
			mu_copy(res, 1, prev, sizeof(prev));
			page++;
			rows++;
		}
		mu_done(res);
		if (page < 64)
			break;
	}
	CHECK(rows == 302, "keyset pages read every row once, in byte order "
	      "(%d)", rows);
	r = mu_q_int(st, &n, NULL, q_count, "t", "U%");
	CHECK(r == MU_OK && n == 150, "LIKE is case sensitive as in SQLite");
}

static void
test_transactions(struct mu_store *st)
{
	const char *msg = "";
	int64_t n = -1;
	int r;

	r = mu_begin(st, true);
	CHECK(r == MU_OK && mu_commit(st) == MU_OK,
	      "an empty transaction commits");
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_q(st, NULL, q_user_add, "titin", "tx1@example.org",
			 dom_id, "x", (int64_t)1, (const int64_t *)NULL);
	mu_rollback(st);
	mu_q_int(st, &n, NULL, q_count, "t", "tx1@%");
	CHECK(r == MU_OK && n == 0, "rollback undoes an insert");
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_lock_user(st, alice_id);
	if (r == MU_OK)
		r = mu_q(st, NULL, q_user_add, "titin", "tx1@example.org",
			 dom_id, "x", (int64_t)1, (const int64_t *)NULL);
	if (r == MU_OK)
		r = mu_commit(st);
	mu_q_int(st, &n, NULL, q_count, "t", "tx1@%");
	CHECK(r == MU_OK && n == 1, "lock_user, insert, commit");
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_q(st, NULL, q_user_add, "titin", "tx1@example.org",
			 dom_id, "x", (int64_t)1, (const int64_t *)NULL);
	CHECK(r == MU_E_STORE && mu_db_error(st, &msg) == MU_DB_CONSTRAINT,
	      "an error inside a transaction");
	r = mu_q(st, NULL, q_one, "");
	CHECK(r == MU_E_STORE && mu_db_error(st, NULL) == MU_DB_OTHER,
	      "the failed transaction refuses more statements");
	CHECK(mu_commit(st) == MU_E_STORE, "commit of a failed transaction "
	      "fails");
	mu_rollback(st);
	CHECK(mu_q(st, NULL, q_one, "") == MU_OK, "after the rollback the "
	      "session goes on");

	/* deferred foreign key: a failure of a user inserted later */
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_defer_fk(st);
	if (r == MU_OK)
		r = mu_q(st, NULL, q_fail_add, "iti", (int64_t)900000, "abc",
			 (int64_t)1);
	if (r == MU_OK)
		r = mu_commit(st);
	CHECK(r == MU_E_STORE && mu_db_error(st, &msg) == MU_DB_CONSTRAINT,
	      "defer_fk: a missing user fails at commit (%s)", msg);
	mu_rollback(st);
	r = mu_q(st, NULL, q_fail_add, "iti", (int64_t)900000, "abc",
		 (int64_t)1);
	CHECK(r == MU_E_STORE && mu_db_error(st, NULL) == MU_DB_CONSTRAINT,
	      "not deferred: at once");
}

static const char q_new[] = "SELECT 2";

/* a statement first prepared inside a transaction that fails stays
 * prepared (Parse is not transactional) */
static void
test_prepare_in_failed_tx(struct mu_store *st)
{
	int64_t n = 0;
	int r;

	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_q_int(st, &n, NULL, q_new, "");
	CHECK(r == MU_OK && n == 2, "BEGIN, Parse and Execute in one round "
	      "trip");
	r = mu_q(st, NULL, q_bad, "");
	mu_rollback(st);
	n = 0;
	r = mu_q_int(st, &n, NULL, q_new, "");
	CHECK(r == MU_OK && n == 2, "a statement prepared in a rolled back "
	      "transaction is still prepared");
}

static void
test_busy(struct mu_store *st)
{
	struct mu_store *other = NULL;
	const char *msg = "";
	int64_t one;
	double t;
	int r;

	r = mu_store_open_ext(admin_url, 300, 2, &tlog, 0, &other);
	CHECK(r == MU_OK, "a second session");
	if (r != MU_OK)
		return;
	/* the lock goes with the transaction's next statement */
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_lock_user(st, alice_id);
	if (r == MU_OK)
		r = mu_q_int(st, &one, NULL, "SELECT 1", "");
	CHECK(r == MU_OK, "the first locks alice");
	t = now();
	r = mu_begin(other, true);
	if (r == MU_OK)
		r = mu_lock_user(other, alice_id);
	if (r == MU_OK)
		r = mu_q_int(other, &one, NULL, "SELECT 1", "");
	t = now() - t;
	CHECK(r == MU_E_STORE && mu_db_error(other, &msg) == MU_DB_BUSY &&
	      t > 0.25 && t < 2, "the second waits lock_timeout (busy_ms) "
	      "and fails with MU_DB_BUSY (%.3f s, %s)", t, msg);
	mu_rollback(other);
	mu_rollback(st);
	r = mu_begin(other, true);
	if (r == MU_OK)
		r = mu_lock_user(other, alice_id);
	if (r == MU_OK)
		r = mu_commit(other);
	CHECK(r == MU_OK, "and gets it after the first rolled back");
	mu_store_close(other);
}

static const char q_auth_disable[] =
    "UPDATE users SET disabled = 1 WHERE id = $1";
static const char q_auth_rehash[] =
    "UPDATE users SET hash = $2, last_login = $3 WHERE id = $1 "
    "RETURNING id";
static const char q_auth_hist[] =
    "INSERT INTO pw_history (user_id, hash, changed) VALUES ($1, $2, $3)";
static const char q_auth_audit[] =
    "INSERT INTO audit (at, tool, action) VALUES ($1, $2, $3)";
static const char q_auth_audit_read[] = "SELECT count(*) FROM audit";
static const char q_auth_fail[] =
    "INSERT INTO failures (user_id, source, count, first_fail, last_fail) "
    "VALUES ($1, $2, 1, $3, $3) ON CONFLICT (user_id, source) DO UPDATE "
    "SET count = failures.count + 1, last_fail = $3 RETURNING count";
static const char q_auth_domain[] =
    "UPDATE domains SET disabled = 0 WHERE id = $1";

static void
test_auth_role(void)
{
	struct mu_store *st = NULL;
	const char *msg = "";
	int64_t n = 0;
	int r;

	r = mu_store_open_ext(auth_url, 1000, 2, &tlog, MU_OPEN_TRUSTED, &st);
	CHECK(r == MU_OK, "the auth role opens the store");
	if (r != MU_OK) {
		printf("#   %s\n", lastlog);
		return;
	}
	CHECK(mu_q(st, NULL, q_user_get, "t", "alice@example.org") == MU_OK,
	      "auth reads users");
	r = mu_q_int(st, &n, NULL, q_auth_rehash, "iti", alice_id,
		     "$y$new", (int64_t)1700000100);
	CHECK(r == MU_OK && n == alice_id, "auth updates hash and last_login "
	      "(UPDATE ... RETURNING)");
	r = mu_q(st, NULL, q_auth_disable, "i", alice_id);
	CHECK(r == MU_E_STORE && mu_db_error(st, &msg) == MU_DB_READONLY,
	      "auth may not disable a user: MU_DB_READONLY (%s)", msg);
	r = mu_q(st, NULL, q_auth_domain, "i", dom_id);
	CHECK(r == MU_E_STORE && mu_db_error(st, NULL) == MU_DB_READONLY,
	      "nor change a domain");
	r = mu_q(st, NULL, q_auth_hist, "iti", alice_id, "$6$old",
		 (int64_t)1);
	CHECK(r == MU_OK, "auth adds password history (identity column)");
	r = mu_q(st, NULL, q_auth_audit, "itt", (int64_t)1, "pam", "passwd");
	CHECK(r == MU_OK, "auth adds to the audit trail");
	r = mu_q(st, NULL, q_auth_audit_read, "");
	CHECK(r == MU_E_STORE && mu_db_error(st, NULL) == MU_DB_READONLY,
	      "but does not read it");
	r = mu_q_int(st, &n, NULL, q_auth_fail, "iti", alice_id, "192.0.2.1",
		     (int64_t)1700000000);
	if (r == MU_OK)
		r = mu_q_int(st, &n, NULL, q_auth_fail, "iti", alice_id,
			     "192.0.2.1", (int64_t)1700000001);
	CHECK(r == MU_OK && n == 2, "auth counts failures (INSERT ... ON "
	      "CONFLICT ... RETURNING)");
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_lock_user(st, alice_id);
	if (r == MU_OK)
		r = mu_commit(st);
	CHECK(r == MU_OK, "auth may lock_user (needs UPDATE on a column)");
	mu_store_close(st);
}

static const char q_timing[] =
    "SELECT id, hash, disabled FROM users WHERE name = $1";
static const char q_timing_w[] =
    "UPDATE users SET last_login = $2 WHERE id = $1";

/* Loopback costs, as "#" lines: a round trip, a prepared lookup, a write
 * transaction (BEGIN with lock_user, UPDATE, COMMIT: three round trips),
 * a new session (connect, SCRAM, lock_timeout and schema check). */
static void
timing(const char *label, const char *target)
{
	struct mu_store *st = NULL;
	struct mu_res *res;
	int i, bad = 0, n = 2000, nw = 500, nc = 20;
	double t0, t1, t2, t3, t4;
	int64_t v;

	if (mu_store_open_ext(target, 1000, 2, &tlog, 0, &st) != MU_OK) {
		CHECK(0, "open for timing (%s)", label);
		return;
	}
	for (i = 0; i < 50; i++)
		(void)mu_q_int(st, &v, NULL, q_one, "");
	t0 = now();
	for (i = 0; i < n; i++)
		if (mu_q_int(st, &v, NULL, q_one, "") != MU_OK)
			bad++;
	t1 = now();
	for (i = 0; i < n; i++) {
		if (mu_q(st, &res, q_timing, "t", "alice@example.org") != MU_OK
		    || !mu_row(res))
			bad++;
		mu_done(res);
	}
	t2 = now();
	for (i = 0; i < nw; i++) {
		if (mu_begin(st, true) != MU_OK ||
		    mu_lock_user(st, alice_id) != MU_OK ||
		    mu_q(st, NULL, q_timing_w, "ii", alice_id, (int64_t)i) !=
		    MU_OK || mu_commit(st) != MU_OK) {
			mu_rollback(st);
			bad++;
		}
	}
	t3 = now();
	mu_store_close(st);
	for (i = 0; i < nc; i++) {
		if (mu_store_open_ext(target, 1000, 2, &tlog, 0, &st) != MU_OK)
			bad++;
		mu_store_close(st);
	}
	t4 = now();
	CHECK(bad == 0, "timing over %s", label);
	printf("# %s: SELECT 1 %.1f us, prepared user lookup %.1f us, write "
	       "transaction %.1f us, new session %.2f ms\n", label,
	       (t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6, (t3 - t2) / nw * 1e6,
	       (t4 - t3) / nc * 1e3);
}

static const char q_new3[] = "SELECT 3";

static void
test_restart(void)
{
	struct mu_store *st = NULL, *kept = NULL;
	const char *msg = "";
	int64_t n = 0;
	int tries = 0, r;

	r = mu_store_open_ext(auth_url, 1000, 2, &tlog, 0, &st);
	CHECK(r == MU_OK && mu_q_int(st, &n, NULL, q_one, "") == MU_OK,
	      "a session before the restart");
	if (r != MU_OK)
		return;
	CHECK(run("PG_PAUSE"), "the server stops");
	r = mu_q_int(st, &n, NULL, q_one, "");
	CHECK(r == MU_E_STORE && mu_db_error(st, &msg) == MU_DB_CONN,
	      "a statement on the dead session: MU_DB_CONN (%s)", msg);
	mu_rollback(st);
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_q_int(st, &n, NULL, q_new3, "");
	CHECK(r == MU_E_STORE && mu_db_error(st, NULL) == MU_DB_CONN,
	      "BEGIN, Parse and Execute on the dead session: MU_DB_CONN");
	CHECK(!mu_store_retry(st, &tries), "retry fails while it is down");
	CHECK(run("PG_RESUME"), "the server starts again");
	r = mu_q_int(st, &n, NULL, q_one, "");
	CHECK(r == MU_E_STORE && mu_db_error(st, NULL) == MU_DB_CONN,
	      "the old session is still dead");
	tries = 0;
	CHECK(mu_store_retry(st, &tries) && strstr(lastlog, "reconnected"),
	      "retry reconnects");
	n = 0;
	r = mu_q_int(st, &n, NULL, q_one, "");
	CHECK(r == MU_OK && n == 1, "the statement is prepared again on the "
	      "new session");
	r = mu_begin(st, true);
	if (r == MU_OK)
		r = mu_q_int(st, &n, NULL, q_new3, "");
	if (r == MU_OK)
		r = mu_commit(st);
	CHECK(r == MU_OK && n == 3, "and a transaction works");
	mu_store_close(st);

	/* the kept store of a long-lived process: the restart is seen
	 * before the next use, without a failed statement */
	r = mu_store_acquire(auth_url, 1000, 2, &tlog, MU_OPEN_TRUSTED, &kept);
	if (r == MU_OK)
		r = mu_q_int(kept, &n, NULL, q_one, "");
	mu_store_release(kept);
	CHECK(r == MU_OK, "a kept store");
	CHECK(run("PG_PAUSE") && run("PG_RESUME"), "restart the server");
	r = mu_store_acquire(auth_url, 1000, 2, &tlog, MU_OPEN_TRUSTED, &kept);
	n = 0;
	if (r == MU_OK)
		r = mu_q_int(kept, &n, NULL, q_one, "");
	CHECK(r == MU_OK && n == 1, "acquire after a restart gets a new "
	      "session, and its first statement works");
	if (r != MU_OK)
		printf("#   %s\n", mu_db_error(kept, &msg) ? msg : "");
	mu_store_release(kept);
}

static void
test_fork(void)
{
	struct mu_store *st = NULL;
	int64_t n = 0;
	pid_t pid;
	int status = -1;

	if (mu_store_open_ext(auth_url, 1000, 2, &tlog, 0, &st) != MU_OK) {
		CHECK(0, "open for fork");
		return;
	}
	(void)mu_q_int(st, &n, NULL, q_one, "");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		mu_store_close(st);	/* not ours: the parent's session */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	n = 0;
	CHECK(WIFEXITED(status) && mu_q_int(st, &n, NULL, q_one, "") ==
	      MU_OK && n == 1, "a child closing an inherited store leaves "
	      "the parent's session alone");
	mu_store_close(st);
}

static void
test_unreachable(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct mu_store *st = NULL;
	char target[256];
	double t;
	int fd, r;

	/* a closed port: refused at once */
	snprintf(target, sizeof(target), "host=127.0.0.1 port=1 "
		 "dbname=mailuser user=mailuser_auth password=%s", auth_pw);
	nlogs = 0;
	t = now();
	r = mu_store_open_ext(target, 1000, 2, &tlog, 0, &st);
	t = now() - t;
	CHECK(r == MU_E_STORE && st == NULL && t < 1, "a closed port: "
	      "MU_E_STORE at once (%.3f s)", t);
	CHECK(nlogs == 1 && lastprio == LOG_ERR && strstr(lastlog,
	      "cannot connect") && !has_secret(lastlog), "one LOG_ERR line "
	      "without the password (%s)", lastlog);

	/* a server that accepts and never answers: connect_timeout */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		CHECK(0, "a silent listener: %s", strerror(errno));
		return;
	}
	snprintf(target, sizeof(target), "postgresql://mailuser_auth:%s@"
		 "127.0.0.1:%d/mailuser", auth_pw, ntohs(sa.sin_port));
	t = now();
	r = mu_store_open_ext(target, 1000, 2, &tlog, 0, &st);
	t = now() - t;
	CHECK(r == MU_E_STORE && t >= 1 && t < 3.5, "a silent server: "
	      "MU_E_STORE within connect_timeout 2 (%.2f s)", t);
	CHECK(strstr(lastlog, "timeout") != NULL && !has_secret(lastlog),
	      "the log says timeout (%s)", lastlog);
	strncat(target, "?connect_timeout=4", sizeof(target) -
		strlen(target) - 1);
	t = now();
	r = mu_store_open_ext(target, 1000, 2, &tlog, 0, &st);
	t = now() - t;
	CHECK(r == MU_E_STORE && t >= 3 && t < 5.5, "connect_timeout in the "
	      "string wins (%.2f s)", t);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct mu_store *st = NULL;
	const char *top = argc > 1 ? argv[1] : ".";
	int r;

	admin_url = env("PG_ADMIN_URL");
	auth_url = env("PG_AUTH_URL");
	admin_pw = env("PG_ADMIN_PW");
	auth_pw = env("PG_AUTH_PW");
	test_describe();
	test_open_refused();
	test_init(top);
	r = mu_store_open_ext(admin_url, 1000, 2, &tlog, 0, &st);
	CHECK(r == MU_OK && strcmp(mu_store_backend(st)->name,
	      "PostgreSQL") == 0, "open the store with its schema");
	if (r != MU_OK) {
		printf("#   %s\n", lastlog);
		return 1;
	}
	CHECK(!has_secret(mu_store_name(st)), "the store's name has no "
	      "password (%s)", mu_store_name(st));
	test_statements(st);
	test_transactions(st);
	test_prepare_in_failed_tx(st);
	test_busy(st);
	mu_store_close(st);
	test_auth_role();
	timing("TCP 127.0.0.1", auth_url);
	timing("the unix socket", env("PG_ADMIN_SOCK"));
	test_fork();
	test_restart();
	test_unreachable();
	return tap_failed != 0;
}
