/* Shared fixtures of the module tests (harness.c). */
#ifndef HARNESS_H
#define HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <security/pam_appl.h>

extern char dir[64];	/* temporary directory; mkdtemp template */
extern char db[PATH_MAX], conf[PATH_MAX];
extern char module[PATH_MAX + 32], settok[PATH_MAX + 32];
extern const char *rhost;	/* PAM_RHOST of login(); NULL for none */
/* MU_TEST_DB=pg: db is the PostgreSQL database of tests/lib/pg.sh
 * (PG_AUTH_URL, the module's role); sql(), count() and text_of() on db
 * run as PG_ADMIN_URL, with strftime('%s','now') made PostgreSQL's. */
extern bool pg_mode;

struct conv_data {
	const char *pw;
	int calls;
};

struct result {
	int start, auth, acct;
	char user[400];
	int calls;
};

void die(const char *what);
/* Make the temporary directory dir and copy into dir/bin the programs of
 * the build directory that the tests load or run (pam_mailuser.so,
 * pam_settok.so, mailuser-admin), setting module and settok.  The tests
 * then do not depend on where the checkout is: a directory that other
 * users cannot enter, or a path with a space (which a PAM service line
 * cannot hold).  db and conf are set to dir/mail.db and
 * dir/mailuser.conf. */
void stage(const char *build);
/* An empty store of this build's schema at db: an SQLite file as
 * "mailuser-admin init" makes it, or the PostgreSQL database emptied,
 * with the schema and sql/postgresql/roles.sql's rights. */
void fresh_store(void);
/* Remove dir and everything in it. */
void unstage(void);
/* Run SQL (sqlite3_mprintf format: %q quotes) on the store at path (an
 * SQLite file, or db in pg_mode). */
void sql(const char *path, const char *fmt, ...);
/* First column of the first row of query, as a number or text. */
long long count(const char *path, const char *query);
void text_of(const char *path, const char *query, char *out, size_t outsz);
void hash_of(const char *method, unsigned long cost, const char *pw,
	     char *out);
/* Add a user with a sha512crypt rounds=1000 hash of pw. */
void add_user(const char *name, const char *domain, const char *pw);
/* Write dir/name, a PAM service file. */
void write_service(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int conv(int n, const struct pam_message **msg, struct pam_response **resp,
	 void *arg);
/* One Dovecot-like transaction: auth, then account only after success. */
struct result login(const char *service, const char *user, const char *pw);
/* Account management alone. */
int acct_only(const char *service, const char *user);
/* login() and check both return codes (acct -1: not run). */
void expect(const char *what, const char *service, const char *user,
	    const char *pw, int auth, int acct);

#endif
