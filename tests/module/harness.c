/*
 * Shared fixtures for the module tests: a store made with SQLite, PAM
 * service files in a temporary directory, and one Dovecot-like PAM
 * transaction through the real libpam.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "harness.h"
#include "mu_hash.h"
#include "schema_sql.h"

char dir[64] = "/tmp/mu-module-XXXXXX";
char db[PATH_MAX], conf[PATH_MAX];
char module[PATH_MAX + 32], settok[PATH_MAX + 32];
const char *rhost = "192.0.2.7";
bool pg_mode;

void
die(const char *what)
{
	fprintf(stderr, "test: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* The administrator's connection to the test's PostgreSQL database. */
static PGconn *
pg_admin(void)
{
	static PGconn *c;
	const char *url = getenv("PG_ADMIN_URL");

	if (c != NULL && PQstatus(c) == CONNECTION_OK)
		return c;
	if (c != NULL)
		PQfinish(c);
	if (url == NULL || (c = PQconnectdb(url)) == NULL ||
	    PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test: PostgreSQL: %s\n", c != NULL ?
			PQerrorMessage(c) : "PG_ADMIN_URL is not set");
		exit(2);
	}
	PQsetNoticeProcessor(c, NULL, NULL);
	return c;
}

/* The tests' SQL in PostgreSQL's words: the current time. */
static char *
pg_text(const char *in)
{
	static const char from[] = "strftime('%s','now')";
	static const char to[] =
	    "CAST(floor(extract(epoch FROM now())) AS BIGINT)";
	size_t n = strlen(in) + 1, k = 0;
	const char *p;
	char *out;

	for (p = in; (p = strstr(p, from)) != NULL; p += sizeof(from) - 1)
		k++;
	if ((out = malloc(n + k * sizeof(to))) == NULL)
		die("malloc");
	out[0] = '\0';
	for (p = in; (in = strstr(p, from)) != NULL; p = in + sizeof(from) - 1) {
		strncat(out, p, (size_t)(in - p));
		strcat(out, to);
	}
	strcat(out, p);
	return out;
}

/* Run text on PostgreSQL; the first row's first column into out. */
static bool
pg_run(const char *text, char *out, size_t outsz)
{
	char *t = pg_text(text);
	PGresult *r = PQexec(pg_admin(), t);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "sql %s: %s\n", t, PQresultErrorMessage(r));
	if (out != NULL) {
		out[0] = '\0';
		if (ok && PQntuples(r) > 0 && PQnfields(r) > 0 &&
		    !PQgetisnull(r, 0, 0))
			snprintf(out, outsz, "%s", PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	free(t);
	return ok;
}

void
sql(const char *path, const char *fmt, ...)
{
	char *text;
	char *err = NULL;
	sqlite3 *h;
	va_list ap;

	va_start(ap, fmt);
	if ((text = sqlite3_vmprintf(fmt, ap)) == NULL)
		die("sqlite3_vmprintf");
	va_end(ap);
	if (pg_mode && strcmp(path, db) == 0) {
		if (!pg_run(text, NULL, 0))
			exit(2);
		sqlite3_free(text);
		return;
	}
	if (sqlite3_open(path, &h) != SQLITE_OK ||
	    sqlite3_exec(h, text, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sql %s: %s\n", text, err ? err :
			sqlite3_errmsg(h));
		exit(2);
	}
	sqlite3_close(h);
	sqlite3_free(text);
}

void
fresh_store(void)
{
	char path[PATH_MAX + 8], cmd[PATH_MAX + 256];

	if (!pg_mode) {
		snprintf(path, sizeof(path), "%s-wal", db);
		unlink(path);
		snprintf(path, sizeof(path), "%s-shm", db);
		unlink(path);
		unlink(db);
		sql(db, "PRAGMA journal_mode=WAL; %s", schema_sqlite);
		return;
	}
	/* an empty database, the schema, and the auth role's rights as the
	 * deployment guide grants them (sql/postgresql/roles.sql) */
	if (!pg_run("DROP SCHEMA public CASCADE; CREATE SCHEMA public",
		    NULL, 0) ||
	    !pg_run(schema_postgresql, NULL, 0))
		exit(2);
	snprintf(cmd, sizeof(cmd), "psql -X -q -v ON_ERROR_STOP=1 \"$PG_ADMIN_URL\" "
		 "-f sql/postgresql/roles.sql >/dev/null");
	if (system(cmd) != 0) {
		fprintf(stderr, "test: sql/postgresql/roles.sql failed\n");
		exit(2);
	}
}

/* Copy build/name to dir/bin/name, mode 0755; false when there is no
 * build/name. */
static bool
copy_in(const char *build, const char *name)
{
	char from[PATH_MAX], to[PATH_MAX], buf[65536];
	ssize_t n;
	int in, out;

	snprintf(from, sizeof(from), "%s/%s", build, name);
	snprintf(to, sizeof(to), "%s/bin/%s", dir, name);
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return false;
		die(from);
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755)) < 0)
		die(to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die(to);
	if (n < 0 || close(out) != 0)
		die(to);
	close(in);
	return true;
}

void
stage(const char *build)
{
	char path[PATH_MAX];

	/* stores as mailuser-admin init makes them: the module refuses a
	 * store that others can read or write */
	umask(077);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(path, sizeof(path), "%s/bin", dir);
	if (mkdir(path, 0755) != 0 || chmod(path, 0755) != 0)
		die(path);
	if (!copy_in(build, "pam_mailuser.so"))
		die("pam_mailuser.so");
	(void)copy_in(build, "pam_settok.so");
	(void)copy_in(build, "mailuser-admin");
	snprintf(module, sizeof(module), "%s/bin/pam_mailuser.so", dir);
	snprintf(settok, sizeof(settok), "%s/bin/pam_settok.so", dir);
	snprintf(db, sizeof(db), "%s/mail.db", dir);
	snprintf(conf, sizeof(conf), "%s/mailuser.conf", dir);
	/* MU_TEST_DB=pg: the store is the PostgreSQL database of
	 * tests/lib/pg.sh; the module connects as the auth role */
	pg_mode = getenv("MU_TEST_DB") != NULL &&
	    strcmp(getenv("MU_TEST_DB"), "pg") == 0;
	if (pg_mode) {
		if (getenv("PG_AUTH_URL") == NULL)
			die("MU_TEST_DB=pg without PG_AUTH_URL");
		snprintf(db, sizeof(db), "%s", getenv("PG_AUTH_URL"));
	}
}

void
unstage(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

long long
count(const char *path, const char *query)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	long long n = -1;
	char v[64];

	if (pg_mode && strcmp(path, db) == 0) {
		if (!pg_run(query, v, sizeof(v)) || v[0] == '\0')
			return -1;
		/* a comparison is a boolean there */
		return v[0] == 't' ? 1 : v[0] == 'f' ? 0 : atoll(v);
	}
	if (sqlite3_open(path, &h) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, query, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	return n;
}

void
text_of(const char *path, const char *query, char *out, size_t outsz)
{
	sqlite3 *h;
	sqlite3_stmt *s;

	out[0] = '\0';
	if (pg_mode && strcmp(path, db) == 0) {
		(void)pg_run(query, out, outsz);
		return;
	}
	if (sqlite3_open(path, &h) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, query, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW &&
		    sqlite3_column_text(s, 0) != NULL)
			snprintf(out, outsz, "%s",
				 (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
}

void
hash_of(const char *method, unsigned long cost, const char *pw, char *out)
{
	if (mu_hash_new(mu_method_find(method), cost, pw, out,
			MU_HASH_MAX) != 0) {
		fprintf(stderr, "hash failed\n");
		exit(2);
	}
}

void
add_user(const char *name, const char *domain, const char *pw)
{
	char h[MU_HASH_MAX];

	hash_of("sha512crypt", 1000, pw, h);
	sql(db, "INSERT INTO users (name, domain_id, hash, pw_changed, created)"
	    " VALUES ('%q', (SELECT id FROM domains WHERE name = '%q'), '%q',"
	    " strftime('%%s','now'), strftime('%%s','now'))", name, domain, h);
}

void
write_service(const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	FILE *f;
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	chmod(path, 0644);	/* read by nobody too */
}

/* ---- driving libpam ------------------------------------------------- */

int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *arg)
{
	struct conv_data *cd = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	cd->calls++;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && cd->pw != NULL)
			r[i].resp = strdup(cd->pw);
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* One Dovecot-like transaction: auth, then account only after success. */
struct result
login(const char *service, const char *user, const char *pw)
{
	struct conv_data cd = { pw, 0 };
	struct pam_conv pc = { conv, &cd };
	struct result res = { 0, -1, -1, "", 0 };
	pam_handle_t *pamh = NULL;
	const void *u = NULL;

	res.start = pam_start_confdir(service, user, &pc, dir, &pamh);
	if (res.start != PAM_SUCCESS)
		return res;
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	pam_set_item(pamh, PAM_TTY, "test");
	res.auth = pam_authenticate(pamh, 0);
	if (res.auth == PAM_SUCCESS)
		res.acct = pam_acct_mgmt(pamh, 0);
	if (pam_get_item(pamh, PAM_USER, &u) == PAM_SUCCESS && u != NULL)
		snprintf(res.user, sizeof(res.user), "%s", (const char *)u);
	res.calls = cd.calls;
	pam_end(pamh, res.auth);
	return res;
}

/* Account management alone. */
int
acct_only(const char *service, const char *user)
{
	struct conv_data cd = { NULL, 0 };
	struct pam_conv pc = { conv, &cd };
	pam_handle_t *pamh = NULL;
	int r;

	if ((r = pam_start_confdir(service, user, &pc, dir, &pamh)) !=
	    PAM_SUCCESS)
		return r;
	r = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, r);
	return r;
}

void
expect(const char *what, const char *service, const char *user,
       const char *pw, int auth, int acct)
{
	struct result r = login(service, user, pw);

	CHECK(r.start == PAM_SUCCESS && r.auth == auth && r.acct == acct,
	      "%s: auth %s, account %s", what, pam_strerror(NULL, auth),
	      acct < 0 ? "not run" : pam_strerror(NULL, acct));
	if (r.auth != auth || r.acct != acct)
		printf("#   got start=%d auth=%d (%s) acct=%d\n", r.start, r.auth,
		       pam_strerror(NULL, r.auth), r.acct);
}

