/*
 * mailuser-admin copy --to DB
 *
 * Copies the whole store named by the configuration (or -d) into the
 * store DB, a path or a PostgreSQL connection string, between SQLite
 * and PostgreSQL either way: domains with their policy, users with
 * every column (hashes, locks, expiry, last login), password history,
 * failure counters, locks and fingerprints, and the audit table, all
 * with their ids (mu_copy_all).  The target must be a new store (made by
 * "mailuser-admin -d DB init"): one with users or domains is refused.
 * Its own audit rows (its init) are replaced by the source's, and a
 * last row records the copy.
 *
 * The source is read in one read transaction (one consistent state,
 * which never blocks its logins), page by page; the target is written
 * in one transaction, so that an interrupted or failed copy leaves it
 * as it was.  On a terminal, a progress line counts the rows.
 */
#include <err.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "mu_bulk.h"
#include "mu_error.h"

/* Are source and target one store?  Then the copy would clear the
 * store's own audit rows: refused. */
static bool
same_store(const char *from, const char *to)
{
	struct stat a, b;

	if (strcmp(from, to) == 0)
		return true;
	if (!mu_store_is_sqlite(from) || !mu_store_is_sqlite(to))
		return false;
	return stat(from, &a) == 0 && stat(to, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The target, opened as the module would not (no trust rules: it is
 * not in service yet); exits when it does not open (the core said why). */
static struct mu_store *
open_target(struct admin *a, const char *target)
{
	struct mu_store *to = NULL;
	int r;

	r = mu_store_open(target, a->cfg.busy_timeout, &a->log, &to);
	if (r == MU_E_NOMEM)
		errx(1, "out of memory");
	if (r != MU_OK)
		exit(1);
	return to;
}

static void
progress(void *arg, int64_t rows)
{
	struct progress *pr = arg;

	progress_update(pr, (uint64_t)rows, (uint64_t)rows);
}

/* A failed copy: the message of the store it came from. */
static void __attribute__((noreturn))
copy_failed(struct admin *a, struct mu_store *to, int r, const char *name)
{
	const char *msg = mu_store_errmsg(to);

	if (r == MU_E_NOTEMPTY)
		errx(1, "copy: %s holds users or domains already: copy only "
		     "into a new store (mailuser-admin -d DB init)", name);
	if (r == MU_E_STORE && msg[0] != '\0')
		errx(1, "copy: %s: %s", name, msg);
	admin_die(a, r, "copy");
}

void
cmd_copy(struct admin *a, int argc, char **argv)
{
	char from_name[256], to_name[256], detail[300];
	struct progress pr;
	struct mu_store *from, *to;
	int64_t total = 0, domains, users;
	bool empty;
	int r;

	(void)argc;
	(void)argv;
	if (a->o.to == NULL)
		errx(EXIT_USAGE, "copy: --to is required");
	mu_store_describe(a->cfg.db, from_name, sizeof(from_name));
	mu_store_describe(a->o.to, to_name, sizeof(to_name));
	if (same_store(a->cfg.db, a->o.to))
		errx(1, "copy: %s is the source store", to_name);
	from = admin_store(a);
	to = open_target(a, a->o.to);
	/* say so before any work; mu_copy_all checks again in its transaction */
	if ((r = mu_copy_target_empty(to, &empty)) != MU_OK)
		copy_failed(a, to, r, to_name);
	if (!empty)
		copy_failed(a, to, MU_E_NOTEMPTY, to_name);
	/* the total only serves the progress line: counted only for one */
	progress_begin(&pr, "copy", "rows", 0);
	if (pr.on && (r = mu_copy_count(from, &total)) == MU_OK)
		pr.total = (uint64_t)total;
	snprintf(detail, sizeof(detail), "from %s", from_name);
	r = mu_copy_all(from, to, detail, progress, &pr);
	if (r != MU_OK)
		copy_failed(a, to, r, to_name);
	progress_end(&pr, pr.count);
	if ((r = mu_store_counts(to, &domains, &users)) != MU_OK)
		copy_failed(a, to, r, to_name);
	mu_store_close(to);
	printf("copied %lld user%s and %lld domain%s to %s\n",
	       (long long)users, users == 1 ? "" : "s", (long long)domains,
	       domains == 1 ? "" : "s", to_name);
}
