/*
 * The schema of each backend: creating it in an empty store (init) and
 * bringing an older store to this build's version (migrate).  The SQL
 * files are sql/BACKEND/schema.sql and sql/BACKEND/migrations/NNNN.sql,
 * embedded at build time.
 */
#include <stdio.h>
#include <string.h>

#include "migrations_sql.h"
#include "mu_audit.h"
#include "mu_db.h"
#include "mu_error.h"
#include "schema_sql.h"

#define TOOL "mailuser-admin"

/* migrations[v] turns version v - 1 into v; NULL where there is none
 * (PostgreSQL stores start at version 2). */
static const char *const sqlite_steps[] = {
	[2] = migration_sqlite_0002,
	[3] = migration_sqlite_0003,
};
static const char *const pg_steps[] = {
	[3] = migration_postgresql_0003,
};

#define NSTEPS(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

static const char *
step(struct mu_store *st, int64_t v)
{
	if (mu_store_backend(st) == &mu_sqlite_backend)
		return v >= 0 && v < NSTEPS(sqlite_steps) ? sqlite_steps[v] :
		    NULL;
	return v >= 0 && v < NSTEPS(pg_steps) ? pg_steps[v] : NULL;
}

/* Run script and the audit row in one write transaction; then the
 * version must be want. */
static int
apply(struct mu_store *st, const char *script, int64_t want,
      const char *action, const char *detail)
{
	const struct mu_backend *be = mu_store_backend(st);
	struct mu_db *db = mu_store_conn(st);
	int64_t v;
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	if ((r = be->script(db, script)) == MU_OK &&
	    (r = be->version(db, &v)) == MU_OK &&
	    (r = v == want ? MU_OK : MU_E_CONFLICT) == MU_OK &&
	    (r = mu_audit_add(st, TOOL, action, NULL, detail)) == MU_OK)
		r = mu_commit(st);
	if (r != MU_OK)
		mu_rollback(st);
	return r;
}

int
mu_store_create(struct mu_store *st, const char *detail)
{
	int64_t v;

	if (mu_store_version(st, &v) != MU_OK)
		return MU_E_STORE;
	if (v != 0)
		return MU_E_EXISTS;
	return apply(st, mu_store_backend(st) == &mu_sqlite_backend ?
		     schema_sqlite : schema_postgresql, MU_SCHEMA_VERSION,
		     "init", detail);
}

int
mu_store_migrate(struct mu_store *st, int64_t v)
{
	const char *script = step(st, v);
	char detail[64];

	if (script == NULL)
		return MU_E_INVAL;
	snprintf(detail, sizeof(detail), "schema %lld to %lld",
		 (long long)v - 1, (long long)v);
	return apply(st, script, v, "migrate", detail);
}

int
mu_store_integrity(struct mu_store *st,
		   void (*fn)(void *arg, bool problem, const char *what,
			      const char *text),
		   void *arg)
{
	return mu_store_backend(st)->integrity(mu_store_conn(st), fn, arg);
}

int
mu_store_counts(struct mu_store *st, int64_t *domains, int64_t *users)
{
	int r;

	r = mu_q_int(st, domains, NULL, "SELECT count(*) FROM domains", "");
	if (r == MU_OK)
		r = mu_q_int(st, users, NULL, "SELECT count(*) FROM users",
			     "");
	return r;
}

int
mu_store_each_hash(struct mu_store *st,
		   int (*fn)(void *arg, const char *name, const char *hash),
		   void *arg)
{
	static const char sql[] =
	    "SELECT name, hash FROM users WHERE name > $1 ORDER BY name "
	    "LIMIT 1000";
	char last[MU_NAME_MAX + 1] = "";
	struct mu_res *res;
	int r, n, stop = 0;

	do {
		if ((r = mu_q(st, &res, sql, "t", last)) != MU_OK)
			return r;
		for (n = 0; stop == 0 && mu_row(res); n++) {
			mu_copy(res, 0, last, sizeof(last));
			stop = fn(arg, mu_text(res, 0), mu_text(res, 1));
		}
		if ((r = mu_done(res)) != MU_OK)
			return r;
	} while (stop == 0 && n == 1000);
	return MU_OK;
}
