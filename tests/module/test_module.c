/*
 * Module tests: the built pam_mailuser.so loaded by the real libpam
 * through pam_start_confdir() and a service file written into a temporary
 * directory.  Every check asserts an exact PAM return code.
 *
 *   test_module BUILD_DIR
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "../tap.h"
#include "harness.h"
#include "mu_hash.h"
#include "mu_store.h"
#include "schema_sql.h"

/* ---- fixtures ------------------------------------------------------- */

static void
make_store(void)
{
	char pw511[MU_PASS_MAX + 1];

	fresh_store();
	sql(db, "INSERT INTO domains (name, created) VALUES "
	    "('example.org', 0), ('off.example', 0)");
	sql(db, "UPDATE domains SET disabled = 1 WHERE name = 'off.example'");
	add_user("alice@example.org", "example.org", "alice pw 1");
	add_user("a_c@example.org", "example.org", "underscore pw");
	add_user("o'brien@example.org", "example.org", "quote pw");
	add_user("dis@example.org", "example.org", "disabled pw");
	sql(db, "UPDATE users SET disabled = 1 WHERE name = 'dis@example.org'");
	add_user("carol@off.example", "off.example", "carol pw");
	add_user("old@example.org", "example.org", "expired pw");
	sql(db, "UPDATE users SET expires = 1000 WHERE name = 'old@example.org'");
	add_user("later@example.org", "example.org", "later pw");
	sql(db, "UPDATE users SET expires = 4102444800 WHERE name = "
	    "'later@example.org'");
	add_user("forced@example.org", "example.org", "forced pw");
	sql(db, "UPDATE users SET force_change = 1 WHERE name = "
	    "'forced@example.org'");
	add_user("locked@example.org", "example.org", "locked pw");
	sql(db, "UPDATE users SET locked_at = 1, lock_reason = 'test' WHERE "
	    "name = 'locked@example.org'");
	memset(pw511, 'L', MU_PASS_MAX);
	pw511[MU_PASS_MAX] = '\0';
	add_user("long@example.org", "example.org", pw511);
	add_user("bang@example.org", "example.org", "bang pw");
	sql(db, "UPDATE users SET hash = '!' || hash WHERE name = "
	    "'bang@example.org'");
}

/* ---- the cases ------------------------------------------------------ */

static void
test_basic(void)
{
	char pw511[MU_PASS_MAX + 2];
	struct result r;
	long long before;

	expect("good password", "mail", "alice@example.org", "alice pw 1",
	       PAM_SUCCESS, PAM_SUCCESS);
	r = login("mail", "Alice@EXAMPLE.org", "alice pw 1");
	CHECK(r.auth == PAM_SUCCESS && strcmp(r.user, "alice@example.org") == 0,
	      "mixed case login succeeds and PAM_USER becomes canonical "
	      "(%s)", r.user);
	r = login("mail", "alice", "alice pw 1");
	CHECK(r.auth == PAM_SUCCESS && strcmp(r.user, "alice@example.org") == 0,
	      "bare name gets default_domain (%s)", r.user);
	expect("wrong password", "mail", "alice@example.org", "alice pw 2",
	       PAM_AUTH_ERR, -1);
	expect("password with a trailing newline", "mail",
	       "alice@example.org", "alice pw 1\n", PAM_AUTH_ERR, -1);
	expect("empty password", "mail", "alice@example.org", "",
	       PAM_AUTH_ERR, -1);
	before = count(db, "SELECT (SELECT count(*) FROM users) + (SELECT "
		       "count(*) FROM failures) + (SELECT count(*) FROM audit) "
		       "+ (SELECT count(*) FROM domains)");
	expect("unknown user", "mail", "nobody@example.org", "x",
	       PAM_USER_UNKNOWN, -1);
	expect("unknown domain", "mail", "alice@example.com", "alice pw 1",
	       PAM_USER_UNKNOWN, -1);
	expect("invalid name", "mail", "a b@example.org", "x",
	       PAM_USER_UNKNOWN, -1);
	expect("system user root", "mail", "root", "x", PAM_USER_UNKNOWN, -1);
	CHECK(count(db, "SELECT (SELECT count(*) FROM users) + (SELECT "
		    "count(*) FROM failures) + (SELECT count(*) FROM audit) + "
		    "(SELECT count(*) FROM domains)") == before,
	      "unknown users write no rows");
	expect("disabled user, right password", "mail", "dis@example.org",
	       "disabled pw", PAM_AUTH_ERR, -1);
	CHECK(acct_only("mail", "dis@example.org") == PAM_PERM_DENIED,
	      "disabled user: account PAM_PERM_DENIED");
	expect("disabled domain, right password", "mail",
	       "carol@off.example", "carol pw", PAM_AUTH_ERR, -1);
	CHECK(acct_only("mail", "carol@off.example") == PAM_PERM_DENIED,
	      "disabled domain: account PAM_PERM_DENIED");
	expect("admin-locked user, right password", "mail",
	       "locked@example.org", "locked pw", PAM_AUTH_ERR, -1);
	CHECK(acct_only("mail", "locked@example.org") == PAM_PERM_DENIED,
	      "admin-locked user: account PAM_PERM_DENIED");
	/* an expired account is refused in auth like a wrong password, so
	 * that no client learns that the password was right */
	expect("account expired, right password: refused like a wrong one",
	       "mail", "old@example.org", "expired pw", PAM_AUTH_ERR, -1);
	CHECK(acct_only("mail", "old@example.org") == PAM_ACCT_EXPIRED,
	      "account expired: account PAM_ACCT_EXPIRED");
	expect("account expiring in the future", "mail", "later@example.org",
	       "later pw", PAM_SUCCESS, PAM_SUCCESS);
	expect("forced password change", "mail", "forced@example.org",
	       "forced pw", PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD);
	CHECK(acct_only("mail", "nobody@example.org") == PAM_USER_UNKNOWN,
	      "unknown user: account PAM_USER_UNKNOWN");
	expect("'!'-prefixed hash never matches", "mail", "bang@example.org",
	       "bang pw", PAM_AUTH_ERR, -1);

	memset(pw511, 'L', MU_PASS_MAX);
	pw511[MU_PASS_MAX] = '\0';
	expect("511-byte password", "mail", "long@example.org", pw511,
	       PAM_SUCCESS, PAM_SUCCESS);
	pw511[MU_PASS_MAX] = 'L';
	pw511[MU_PASS_MAX + 1] = '\0';
	expect("512-byte password refused", "mail", "long@example.org", pw511,
	       PAM_AUTH_ERR, -1);
	expect("no conversation answer", "mail", "alice@example.org", NULL,
	       PAM_CONV_ERR, -1);
}

static void
test_sql_metachars(void)
{
	expect("'%' does not match like LIKE", "mail", "a%c@example.org",
	       "underscore pw", PAM_USER_UNKNOWN, -1);
	expect("'_' is literal", "mail", "abc@example.org", "underscore pw",
	       PAM_USER_UNKNOWN, -1);
	expect("a real '_' user", "mail", "a_c@example.org", "underscore pw",
	       PAM_SUCCESS, PAM_SUCCESS);
	expect("quote in a real name", "mail", "o'brien@example.org",
	       "quote pw", PAM_SUCCESS, PAM_SUCCESS);
	expect("SQL injection attempt", "mail",
	       "x'or'1'='1'--@example.org", "x", PAM_USER_UNKNOWN, -1);
	expect("SQL injection with a semicolon", "mail",
	       "x';DROP;TABLE;users;--@example.org", "x", PAM_USER_UNKNOWN,
	       -1);
	CHECK(count(db, "SELECT count(*) FROM users") == 11,
	      "users table intact");
}

static void
test_rehash(void)
{
	char h[MU_HASH_MAX];

	add_user("legacy@example.org", "example.org", "legacy pw");
	add_user("keep@example.org", "example.org", "keep pw");
	text_of(db, "SELECT hash FROM users WHERE name='legacy@example.org'",
		h, sizeof(h));
	CHECK(strncmp(h, "$6$", 3) == 0, "legacy user starts with $6$");
	expect("good login with a $6$ hash, yescrypt configured", "yes",
	       "legacy@example.org", "legacy pw", PAM_SUCCESS, PAM_SUCCESS);
	text_of(db, "SELECT hash FROM users WHERE name='legacy@example.org'",
		h, sizeof(h));
	CHECK(strncmp(h, "$y$", 3) == 0, "hash upgraded to $y$");
	expect("upgraded hash still logs in", "yes", "legacy@example.org",
	       "legacy pw", PAM_SUCCESS, PAM_SUCCESS);
	expect("wrong password does not rehash", "yes", "keep@example.org",
	       "nope", PAM_AUTH_ERR, -1);
	text_of(db, "SELECT hash FROM users WHERE name='keep@example.org'", h,
		sizeof(h));
	CHECK(strncmp(h, "$6$", 3) == 0, "hash kept after a wrong password");
	expect("good login with rehash=no", "norehash", "keep@example.org",
	       "keep pw", PAM_SUCCESS, PAM_SUCCESS);
	text_of(db, "SELECT hash FROM users WHERE name='keep@example.org'", h,
		sizeof(h));
	CHECK(strncmp(h, "$6$", 3) == 0, "rehash=no keeps $6$");
}

/* Connections to the store: the file descriptors of this process on the
 * SQLite file; on PostgreSQL, the auth role's sessions and their backend
 * pids (a session opened again shows as another value). */
static long long
connections(void)
{
	char p[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	long long n = 0;
	ssize_t k;
	DIR *d;

	if (pg_mode) {
		/* a session of its own: also right in a forked child; the
		 * sum of the auth role's backend pids, which changes when a
		 * session is opened again */
		PGconn *c = PQconnectdb(getenv("PG_ADMIN_URL"));
		PGresult *r = PQexec(c, "SELECT count(*) * 1000000000 + "
				     "coalesce(sum(pid), 0) FROM "
				     "pg_stat_activity WHERE usename = "
				     "'mailuser_auth'");

		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			n = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
		return n;
	}
	if ((d = opendir("/proc/self/fd")) == NULL)
		die("/proc/self/fd");
	while ((e = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		k = readlink(p, link, sizeof(link) - 1);
		if (k > 0) {
			link[k] = '\0';
			n += strcmp(link, db) == 0;
		}
	}
	closedir(d);
	return n;
}

/* The module keeps its store open across PAM transactions (it is never
 * unloaded): one connection for many logins, none used across fork, and
 * a replaced SQLite file opened again. */
static void
test_kept(void)
{
	char cmd[3 * PATH_MAX], h[MU_HASH_MAX];
	int i, fails = 0, status;
	pid_t pid;

	/* in a child: the parent's connection, inherited, is never used
	 * (and not closed); the child opens one of its own and keeps it */
	pid = fork();
	if (pid == 0) {
		long long first;

		fails = login("mail", "keep@example.org", "keep pw").auth !=
		    PAM_SUCCESS;
		first = connections();
		for (i = 0; i < 19; i++)
			fails += login("mail", "keep@example.org",
				       "keep pw").auth != PAM_SUCCESS;
		_exit(fails == 0 && connections() == first ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		die("fork");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "20 logins in "
	      "a new process: the first one's connection kept for the rest");
	for (i = 0; i < 5; i++)
		fails += login("mail", "keep@example.org", "keep pw").auth !=
		    PAM_SUCCESS;
	CHECK(fails == 0, "logins in the test process too");
	pid = fork();
	if (pid == 0) {
		struct result r = login("mail", "keep@example.org", "keep pw");

		_exit(r.auth == PAM_SUCCESS ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		die("fork");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a forked child logs in on a connection of its own");
	expect("the parent's connection still works after the child's exit",
	       "mail", "keep@example.org", "keep pw", PAM_SUCCESS, PAM_SUCCESS);
	if (pg_mode) {
		printf("ok - a replaced SQLite file is opened again # SKIP "
		       "PostgreSQL store\n");
		return;
	}
	/* a new file renamed over the store: another password for keep
	 * (the old file's WAL emptied first, or SQLite would read it into
	 * the new file) */
	sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s.new'", db, db);
	if (system(cmd) != 0)
		die(cmd);
	snprintf(cmd, sizeof(cmd), "%s.new", db);
	hash_of("sha512crypt", 1000, "replaced pw", h);
	sql(cmd, "UPDATE users SET hash = '%q' WHERE name = 'keep@example.org'",
	    h);
	if (rename(cmd, db) != 0)
		die("rename");
	expect("a replaced store file is opened again: its password counts",
	       "mail", "keep@example.org", "replaced pw", PAM_SUCCESS,
	       PAM_SUCCESS);
	sql(db, "UPDATE users SET hash = (SELECT hash FROM users WHERE name = "
	    "'alice@example.org') WHERE name = 'keep@example.org'");
	hash_of("sha512crypt", 1000, "keep pw", h);
	sql(db, "UPDATE users SET hash = '%q' WHERE name = 'keep@example.org'",
	    h);
}

/* A failed rehash (store busy for writing) does not change the result;
 * with the brute-force defence on, a login that cannot be recorded is
 * refused (fail closed). */
static void
test_rehash_busy(void)
{
	sqlite3 *h;
	char hash[MU_HASH_MAX];

	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		die("begin immediate");
	expect("defence off: good login while another process holds the "
	       "write lock", "yesfast_off", "keep@example.org", "keep pw",
	       PAM_SUCCESS, PAM_SUCCESS);
	expect("defence on: the right password while the write lock is held "
	       "past 4 busy timeouts is PAM_AUTHINFO_UNAVAIL", "yesfast",
	       "keep@example.org", "keep pw", PAM_AUTHINFO_UNAVAIL, -1);
	expect("defence on: a wrong password too", "yesfast",
	       "keep@example.org", "not keep pw", PAM_AUTHINFO_UNAVAIL, -1);
	expect("defence on: an unknown name too", "yesfast",
	       "nobody@example.org", "whatever", PAM_AUTHINFO_UNAVAIL, -1);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
	text_of(db, "SELECT hash FROM users WHERE name='keep@example.org'",
		hash, sizeof(hash));
	CHECK(strncmp(hash, "$6$", 3) == 0, "rehash skipped under the lock");
}

/* The same on PostgreSQL: another session holds the tables the
 * attempts write (and users, which a rehash writes) past lock_timeout
 * (busy_timeout). */
static void
test_rehash_busy_pg(void)
{
	PGconn *h = PQconnectdb(getenv("PG_ADMIN_URL"));
	PGresult *r;
	char hash[MU_HASH_MAX];

	if (PQstatus(h) != CONNECTION_OK)
		die("PostgreSQL connection");
	r = PQexec(h, "BEGIN; LOCK TABLE users, failures, recent_failures, "
		   "source_failures IN EXCLUSIVE MODE");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("LOCK TABLE");
	PQclear(r);
	expect("defence off: good login while another session holds the "
	       "tables locked", "yesfast_off", "keep@example.org", "keep pw",
	       PAM_SUCCESS, PAM_SUCCESS);
	expect("defence on: the right password while the tables are locked "
	       "past lock_timeout is PAM_AUTHINFO_UNAVAIL", "yesfast",
	       "keep@example.org", "keep pw", PAM_AUTHINFO_UNAVAIL, -1);
	expect("defence on: a wrong password too", "yesfast",
	       "keep@example.org", "not keep pw", PAM_AUTHINFO_UNAVAIL, -1);
	expect("defence on: an unknown name too", "yesfast",
	       "nobody@example.org", "whatever", PAM_AUTHINFO_UNAVAIL, -1);
	PQclear(PQexec(h, "ROLLBACK"));
	PQfinish(h);
	text_of(db, "SELECT hash FROM users WHERE name='keep@example.org'",
		hash, sizeof(hash));
	CHECK(strncmp(hash, "$6$", 3) == 0, "rehash skipped under the lock");
	expect("locks released: login works again", "yesfast",
	       "keep@example.org", "keep pw", PAM_SUCCESS, PAM_SUCCESS);
}

/* PostgreSQL stores that must be refused: a server that does not
 * answer, a wrong role password, a schema of another version. */
static void
test_store_errors_pg(void)
{
	struct timespec t0, t1;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect("PostgreSQL unreachable: PAM_AUTHINFO_UNAVAIL", "pg_down",
	       "alice@example.org", "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(secs < 5, "PostgreSQL unreachable: answered in %.1f s (within "
	      "connect_timeout)", secs);
	CHECK(acct_only("pg_down", "alice@example.org") ==
	      PAM_AUTHINFO_UNAVAIL, "PostgreSQL unreachable: account "
	      "PAM_AUTHINFO_UNAVAIL");
	expect("wrong role password: PAM_AUTHINFO_UNAVAIL", "pg_badpw",
	       "alice@example.org", "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	sql(db, "UPDATE mailuser_meta SET schema_version = 99");
	expect("unknown schema version", "pg_ver", "alice@example.org",
	       "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	sql(db, "UPDATE mailuser_meta SET schema_version = %d",
	    MU_SCHEMA_VERSION);
	expect("schema version restored: login works", "pg_ver",
	       "alice@example.org", "alice pw 1", PAM_SUCCESS, PAM_SUCCESS);
}

/* A conversation that asks to be called again (an event-driven
 * application): every prompt answers PAM_CONV_AGAIN. */
static int
conv_again(int n, const struct pam_message **msg,
	   struct pam_response **resp, void *arg)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)arg;
	return PAM_CONV_AGAIN;
}

static int
auth_again(const char *user)
{
	struct pam_conv pc = { conv_again, NULL };
	pam_handle_t *pamh = NULL;
	int r;

	if (pam_start_confdir("mail", user, &pc, dir, &pamh) != PAM_SUCCESS)
		die("pam_start_confdir");
	r = pam_authenticate(pamh, 0);
	pam_end(pamh, r);
	return r;
}

static void
test_conv_again(void)
{
	CHECK(auth_again("alice@example.org") == PAM_INCOMPLETE,
	      "PAM_CONV_AGAIN at the password prompt: PAM_INCOMPLETE");
	CHECK(auth_again(NULL) == PAM_INCOMPLETE,
	      "PAM_CONV_AGAIN from pam_get_user: PAM_INCOMPLETE");
}

/* A copy of the store in dir/d_NAME/mail.db, and a service NAME for it. */
static void
trust_copy(const char *name, char *path, size_t pathsz)
{
	char cmd[3 * PATH_MAX];

	snprintf(path, pathsz, "%s/d_%s", dir, name);
	if (mkdir(path, 0700) != 0)
		die(path);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s/mail.db'", db, path);
	if (system(cmd) != 0)
		die(cmd);
	write_service(name, "auth required %s conf=%s db=%s/mail.db\n"
		      "account required %s conf=%s db=%s/mail.db\n", module,
		      conf, path, module, conf, path);
}

/* The module refuses a store that others could change or read, with
 * the rules of mailuser-admin check; init --group's layout is fine. */
static void
test_trust(void)
{
	char p[PATH_MAX], f[PATH_MAX + 16];
	struct group *gr = getgrnam("nogroup");
	struct passwd *pw = getpwnam("nobody");

	if (gr == NULL || pw == NULL)
		die("nobody/nogroup");
	trust_copy("t_good", p, sizeof(p));
	expect("a store of mode 0600 in a 0700 directory", "t_good",
	       "alice@example.org", "alice pw 1", PAM_SUCCESS, PAM_SUCCESS);
	trust_copy("t_group", p, sizeof(p));
	snprintf(f, sizeof(f), "%s/mail.db", p);
	if (chown(f, 0, gr->gr_gid) != 0 || chmod(f, 0660) != 0 ||
	    chown(p, 0, gr->gr_gid) != 0 || chmod(p, 02770) != 0)
		die(f);
	expect("the layout of init --group (root:group 0660, 2770 directory)",
	       "t_group", "alice@example.org", "alice pw 1", PAM_SUCCESS, PAM_SUCCESS);
	trust_copy("t_world_read", p, sizeof(p));
	snprintf(f, sizeof(f), "%s/mail.db", p);
	chmod(f, 0644);
	expect("a world-readable store is refused", "t_world_read",
	       "alice@example.org", "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	trust_copy("t_world_write", p, sizeof(p));
	snprintf(f, sizeof(f), "%s/mail.db", p);
	chmod(f, 0666);
	expect("a world-writable store is refused", "t_world_write",
	       "alice@example.org", "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	trust_copy("t_owner", p, sizeof(p));
	snprintf(f, sizeof(f), "%s/mail.db", p);
	if (chown(f, pw->pw_uid, pw->pw_gid) != 0)
		die(f);
	expect("a store owned by another user is refused", "t_owner",
	       "alice@example.org", "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	trust_copy("t_dir", p, sizeof(p));
	chmod(p, 0777);
	expect("a store in a world-writable directory is refused", "t_dir",
	       "alice@example.org", "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	trust_copy("t_sticky", p, sizeof(p));
	chmod(p, 01777);
	expect("a sticky world-writable directory (/tmp) is fine", "t_sticky",
	       "alice@example.org", "alice pw 1", PAM_SUCCESS, PAM_SUCCESS);
	trust_copy("t_wal", p, sizeof(p));
	snprintf(f, sizeof(f), "%s/mail.db-wal", p);
	if (close(open(f, O_WRONLY | O_CREAT, 0600)) != 0 ||
	    chmod(f, 0666) != 0)
		die(f);
	expect("a world-writable -wal file is refused", "t_wal",
	       "alice@example.org", "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
}

static void
test_first_pass(void)
{
	struct result r;

	r = login("settok", "alice@example.org", "not this one");
	CHECK(r.auth == PAM_SUCCESS && r.calls == 0,
	      "use_first_pass: stacked token used, conversation not called "
	      "(calls %d)", r.calls);
	r = login("settok_wrong", "alice@example.org", "alice pw 1");
	CHECK(r.auth == PAM_AUTH_ERR && r.calls == 0,
	      "use_first_pass: wrong stacked token fails without prompting");
	r = login("firstpass_none", "alice@example.org", "alice pw 1");
	CHECK(r.auth == PAM_AUTH_ERR && r.calls == 0,
	      "use_first_pass without a token fails without prompting");
	r = login("trypass", "alice@example.org", "alice pw 1");
	CHECK(r.auth == PAM_SUCCESS && r.calls == 0,
	      "try_first_pass: stacked token used");
	r = login("trypass_wrong", "alice@example.org", "alice pw 1");
	CHECK(r.auth == PAM_SUCCESS && r.calls == 1,
	      "try_first_pass: wrong stacked token, then the prompt");
	r = login("trypass_wrong", "nobody@example.org", "alice pw 1");
	CHECK(r.auth == PAM_USER_UNKNOWN && r.calls == 1,
	      "try_first_pass: an unknown user gets the same second prompt");
	r = login("trypass_none", "alice@example.org", "alice pw 1");
	CHECK(r.auth == PAM_SUCCESS && r.calls == 1,
	      "try_first_pass without a token prompts");
	r = login("mail", "alice@example.org", "alice pw 1");
	CHECK(r.calls == 1, "default: one prompt (%d)", r.calls);
}

static void
test_store_errors(void)
{
	char p[PATH_MAX + 32];
	struct stat sb;
	sqlite3 *h;

	snprintf(p, sizeof(p), "%s/missing.db", dir);
	expect("missing store", "missing", "alice@example.org", "alice pw 1",
	       PAM_AUTHINFO_UNAVAIL, -1);
	CHECK(stat(p, &sb) != 0 && errno == ENOENT,
	      "missing store: no file created");
	CHECK(acct_only("missing", "alice@example.org") ==
	      PAM_AUTHINFO_UNAVAIL, "missing store: account "
	      "PAM_AUTHINFO_UNAVAIL");
	expect("store path is a symlink", "symlink", "alice@example.org",
	       "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	expect("wrong application_id", "wrongapp", "alice@example.org",
	       "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	expect("unknown schema version", "wrongver", "alice@example.org",
	       "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	expect("not a database", "garbage", "alice@example.org",
	       "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	expect("store is a directory", "isdir", "alice@example.org",
	       "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);

	/* Exclusive locking mode keeps every other connection out. */
	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
			 "UPDATE domains SET created = created; COMMIT",
			 NULL, NULL, NULL) != SQLITE_OK)
		die("exclusive lock");
	expect("store locked past busy_timeout", "busy", "alice@example.org",
	       "alice pw 1", PAM_AUTHINFO_UNAVAIL, -1);
	sqlite3_close(h);
	expect("lock released: login works again", "mail",
	       "alice@example.org", "alice pw 1", PAM_SUCCESS, PAM_SUCCESS);
}

static void
test_options(void)
{
	expect("unknown option: fail closed", "badopt", "alice@example.org",
	       "alice pw 1", PAM_SERVICE_ERR, -1);
	CHECK(acct_only("badopt", "alice@example.org") == PAM_SERVICE_ERR,
	      "unknown option: account fails closed");
	expect("out-of-range option: fail closed", "badrange",
	       "alice@example.org", "alice pw 1", PAM_SERVICE_ERR, -1);
	expect("missing conf= file: fail closed", "badconf",
	       "alice@example.org", "alice pw 1", PAM_SERVICE_ERR, -1);
	expect("debug and audit accepted", "debug", "nobody@example.org",
	       "x", PAM_USER_UNKNOWN, -1);
}

static void
setup(void)
{
	char p[PATH_MAX + 32];
	FILE *f;

	make_store();
	if ((f = fopen(conf, "w")) == NULL)
		die(conf);
	fprintf(f, "# test configuration\ndb = %s\nhash = sha512crypt\n"
		"hash_cost = 1000\ndefault_domain = example.org\n", db);
	fclose(f);
	chmod(conf, 0600);

#define M(extra) "auth required %s conf=%s " extra "\n" \
	"account required %s conf=%s " extra "\n", module, conf, module, conf
	write_service("mail", M(""));
	write_service("yes", M("hash=yescrypt hash_cost=1"));
	write_service("yesfast", M("hash=yescrypt hash_cost=1 busy_timeout=50"));
	write_service("yesfast_off", M("hash=yescrypt hash_cost=1 "
				       "busy_timeout=50 deny=0 deny_total=0"));
	write_service("norehash", M("hash=yescrypt hash_cost=1 rehash=no"));
	write_service("debug", M("debug audit"));
	write_service("badopt", M("colour=blue"));
	write_service("badrange", M("busy_timeout=999999"));
	write_service("busy", M("busy_timeout=100"));
	write_service("firstpass_none", M("use_first_pass"));
	write_service("trypass_none", M("try_first_pass"));
	write_service("settok", "auth requisite %s [alice pw 1]\n"
		      "auth required %s conf=%s use_first_pass\n", settok,
		      module, conf);
	write_service("settok_wrong", "auth requisite %s wrong\n"
		      "auth required %s conf=%s use_first_pass\n", settok,
		      module, conf);
	write_service("trypass", "auth requisite %s [alice pw 1]\n"
		      "auth required %s conf=%s try_first_pass\n", settok,
		      module, conf);
	write_service("trypass_wrong", "auth requisite %s wrong\n"
		      "auth required %s conf=%s try_first_pass\n", settok,
		      module, conf);
	write_service("badconf", "auth required %s conf=%s/nope.conf\n",
		      module, dir);
#undef M
	snprintf(p, sizeof(p), "%s/missing.db", dir);
	write_service("missing", "auth required %s conf=%s db=%s\n"
		      "account required %s conf=%s db=%s\n", module, conf, p,
		      module, conf, p);
}

/* Services whose store is a broken copy of the real one. */
static void
setup_broken(void)
{
	char p[PATH_MAX + 32];
	FILE *f;

#define SVC(name, file) \
	snprintf(p, sizeof(p), "%s/%s", dir, file); \
	write_service(name, "auth required %s conf=%s db=%s\n" \
		      "account required %s conf=%s db=%s\n", module, conf, p, \
		      module, conf, p)
	SVC("symlink", "link.db");
	if (symlink(db, p) != 0)
		die("symlink");
	SVC("wrongapp", "app.db");
	sql(p, "PRAGMA application_id = 42; %s", schema_sqlite);
	sql(p, "PRAGMA application_id = 42");
	SVC("wrongver", "ver.db");
	sql(p, "%s", schema_sqlite);
	sql(p, "PRAGMA user_version = 99");
	SVC("garbage", "garbage.db");
	if ((f = fopen(p, "w")) == NULL)
		die(p);
	fputs("this is not an SQLite database, just some text that is long "
	      "enough to look like a header of something else entirely.\n", f);
	fclose(f);
	SVC("isdir", "dir.db");
	if (mkdir(p, 0700) != 0)
		die(p);
#undef SVC
}

/* Services whose PostgreSQL store cannot be used. */
static void
setup_broken_pg(void)
{
	char p[PATH_MAX + 64];
	const char *q = strchr(db, '?');

	snprintf(p, sizeof(p), "postgresql://mailuser_auth:x@127.0.0.1:1/"
		 "mailuser?sslmode=disable");
	write_service("pg_down", "auth required %s conf=%s db=%s\n"
		      "account required %s conf=%s db=%s\n", module, conf, p,
		      module, conf, p);
	snprintf(p, sizeof(p), "postgresql://mailuser_auth:wrong@127.0.0.1:"
		 "%s/mailuser?sslmode=disable", getenv("PG_PORT"));
	write_service("pg_badpw", "auth required %s conf=%s db=%s\n",
		      module, conf, p);
	/* the same database under another connection string: a store of
	 * its own in the module's process */
	snprintf(p, sizeof(p), "%.*s?application_name=ver&%s",
		 (int)(q != NULL ? q - db : (long)strlen(db)), db,
		 q != NULL ? q + 1 : "");
	write_service("pg_ver", "auth required %s conf=%s db=%s\n"
		      "account required %s conf=%s db=%s\n", module, conf, p,
		      module, conf, p);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_module BUILD_DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	stage(argv[1]);
	setup();
	if (!pg_mode)
		setup_broken();
	else
		setup_broken_pg();

	test_basic();
	test_sql_metachars();
	test_rehash();
	test_kept();
	if (!pg_mode)
		test_rehash_busy();
	else
		test_rehash_busy_pg();
	test_first_pass();
	test_conv_again();
	if (!pg_mode) {
		test_trust();
		test_store_errors();
	} else {
		printf("ok - the trust rules of an SQLite file # SKIP "
		       "PostgreSQL store\n");
		test_store_errors_pg();
	}
	test_options();

	unstage();
	return tap_failed != 0;
}
