/*
 * mailuser-admin migrate: bring a store of an older schema version to
 * this build's, applying the numbered migrations of sql/BACKEND/migrations/
 * in order, each in its own transaction with its audit row.  The module
 * never migrates: it refuses an older store and says to run this.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "mu_error.h"

void
cmd_migrate(struct admin *a, int argc, char **argv)
{
	struct mu_store *st;
	char name[256];
	int64_t v;
	int r;

	(void)argc;
	(void)argv;
	mu_store_describe(a->cfg.db, name, sizeof(name));
	st = admin_store_flags(a, MU_OPEN_OLDER);
	if (mu_store_version(st, &v) != MU_OK)
		errx(1, "store %s: cannot read its schema version", name);
	if (v == MU_SCHEMA_VERSION) {
		printf("store %s: schema version %lld, nothing to do\n",
		       name, (long long)v);
		return;
	}
	for (v++; v <= MU_SCHEMA_VERSION; v++) {
		r = mu_store_migrate(st, v);
		if (r == MU_E_INVAL)
			errx(1, "no migration to schema version %lld",
			     (long long)v);
		if (r == MU_E_CONFLICT)
			errx(1, "migration to schema version %lld did not set "
			     "it (the store is unchanged)", (long long)v);
		if (r != MU_OK)
			admin_die(a, r, "migrate");
		printf("store %s: schema version %lld to %lld\n", name,
		       (long long)v - 1, (long long)v);
	}
}
