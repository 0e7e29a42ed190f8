/*
 * mailuser-admin migrate: bring a store of an older schema version to
 * this build's, applying the numbered migrations of sql/migrations/ in
 * order, each in its own transaction with its audit row.  The module
 * never migrates: it refuses an older store and says to run this.
 */
#include <err.h>
#include <stdlib.h>

#include "admin.h"
#include "migrations_sql.h"
#include "mu_error.h"

/* migrations[v] turns version v - 1 into v. */
static const char *const migrations[] = {
	[2] = migration_0002,
};

void
cmd_migrate(struct admin *a, int argc, char **argv)
{
	char detail[64];
	sqlite3 *db;
	int64_t v, after;

	(void)argc;
	(void)argv;
	db = admin_open_flags(a, MU_OPEN_OLDER);
	if (mu_store_version(a->st, &v) != MU_OK)
		errx(1, "store %s: cannot read its schema version", a->cfg.db);
	if (v == MU_SCHEMA_VERSION) {
		printf("store %s: schema version %lld, nothing to do\n",
		       a->cfg.db, (long long)v);
		return;
	}
	for (v++; v <= MU_SCHEMA_VERSION; v++) {
		if ((size_t)v >= sizeof(migrations) / sizeof(migrations[0]) ||
		    migrations[v] == NULL)
			errx(1, "no migration to schema version %lld",
			     (long long)v);
		db_exec(db, "BEGIN IMMEDIATE");
		db_exec(db, migrations[v]);
		if (mu_store_version(a->st, &after) != MU_OK || after != v)
			errx(1, "migration to schema version %lld did not set "
			     "it (the store is unchanged)", (long long)v);
		snprintf(detail, sizeof(detail), "schema %lld to %lld",
			 (long long)v - 1, (long long)v);
		db_audit(db, "migrate", NULL, detail);
		db_exec(db, "COMMIT");
		printf("store %s: schema version %lld to %lld\n", a->cfg.db,
		       (long long)v - 1, (long long)v);
	}
}
