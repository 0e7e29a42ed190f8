/*
 * Operations on many rows, for mailuser-admin: the batches of long
 * commands, import, export and copy (store/bulk.c), the audit listing
 * and pruning, and the counts of "stats" (store/reports.c).  Every list
 * is read in pages by key, never held whole.  Each function returns
 * MU_OK or an MU_E_* code (MU_E_STORE: the backend's message is
 * mu_store_errmsg).
 */
#ifndef MU_BULK_H
#define MU_BULK_H

#include <stdbool.h>
#include <stdint.h>

#include "mu_store.h"

/* ---- transactions of the tool's batches ----------------------------- */

/* A transaction: write true takes the write lock at once (SQLite: BEGIN
 * IMMEDIATE), and its commit; after an error the tool exits and the
 * close rolls back what is open. */
int mu_bulk_begin(struct mu_store *st, bool write);
int mu_bulk_commit(struct mu_store *st);

/* A long command's batches from now on: a larger page cache, temporary
 * tables in a file, and, when released is not NULL, *released set to
 * the CLOCK_MONOTONIC time in ns at which each commit let go of the
 * write lock (left alone by a backend whose commit returns only then).
 * released must live as long as the store. */
void mu_bulk_mode(struct mu_store *st, int64_t *released);

/* Insert an audit row as mu_audit_add does (tool "mailuser-admin"), in
 * a transaction of its own. */
int mu_bulk_audit(struct mu_store *st, const char *action,
		  const char *account, const char *detail);

/* The id of domain name: *found false when there is none. */
int mu_bulk_domain_id(struct mu_store *st, const char *name, int64_t *id,
		      bool *found);

/* ---- import ---------------------------------------------------------- */

/*
 * Phase 1 stages the checked rows in temporary tables of the store's
 * connection (never in the store itself): mu_import_stage_begin makes
 * them and opens a read transaction, mu_import_stage_end closes it.
 * Staging ids are given by the caller: 1, 2, ... without gaps.
 */
int mu_import_stage_begin(struct mu_store *st);
int mu_import_stage_end(struct mu_store *st);
/* Does domain d, or user name, exist in the store? */
int mu_import_domain_exists(struct mu_store *st, const char *d, bool *yes);
int mu_import_user_exists(struct mu_store *st, const char *name, bool *yes);
/* Stage user name (of domain d) with its hash from line of the file;
 * *added false when the name was staged already (nothing staged). */
int mu_import_stage(struct mu_store *st, int64_t id, int64_t line,
		    const char *name, const char *d, const char *hash,
		    bool *added);
/* Note domain d as one to create; *added false when noted already. */
int mu_import_note_domain(struct mu_store *st, const char *d, bool *added);
/* The last staging id (0: none). */
int mu_import_staged(struct mu_store *st, int64_t *last);

/* A staged row that phase 2 could not write: its user exists (another
 * process added it after phase 1) or its domain does not (deleted). */
typedef void mu_import_conflict_fn(void *arg, int64_t line,
				   const char *name, bool user_exists);

/*
 * Phase 2, inside the caller's write transaction: the staged rows of
 * ids lo+1 .. hi into users (pw_changed and created now), in staging
 * order, with their domains first when create_domains, and one audit
 * row each copying the time, uid, actor and tool of audit row summary.
 * Adds the users and domains written to *users and *domains, and calls
 * fn for each row it skipped.
 */
int mu_import_write(struct mu_store *st, int64_t lo, int64_t hi,
		    int64_t now, bool create_domains, int64_t summary,
		    int64_t *users, int64_t *domains,
		    mu_import_conflict_fn *fn, void *arg);
/* Set the detail of audit row id. */
int mu_import_summary(struct mu_store *st, int64_t id, const char *detail);

/* ---- export ---------------------------------------------------------- */

struct mu_export_row {
	const char *name, *hash, *domain;
	bool disabled, force_change, locked;
	bool has_expires;
	int64_t expires, pw_changed, created;
};

/* Users of domain id *domain (NULL: all). */
int mu_export_count(struct mu_store *st, const int64_t *domain, int64_t *n);
/* Each user of domain *domain (NULL: all) by name in byte order, in one
 * read transaction; fn returns non-zero to stop.  The row's strings
 * last until fn returns. */
int mu_export_each(struct mu_store *st, const int64_t *domain,
		   int (*fn)(void *arg, const struct mu_export_row *row),
		   void *arg);

/* ---- copy ------------------------------------------------------------ */

/* Is the store without users and domains (a target for mu_copy_all)? */
int mu_copy_target_empty(struct mu_store *st, bool *empty);
/* Rows mu_copy_all will copy (for an estimate). */
int mu_copy_count(struct mu_store *from, int64_t *rows);
/*
 * Copy every row of from into to, ids kept: domains, users, pw_history,
 * failures, recent_failures, source_failures and audit, read from one
 * read transaction of from in pages, written in one transaction of to,
 * whose own audit rows (its init) and source_failures are replaced;
 * then an audit row "copy" with detail on to.  Refuses (MU_E_NOTEMPTY) a
 * target with users or domains.  fn (may be NULL) gets the rows copied
 * so far, now and then.  On failure nothing of it is left in to.
 */
int mu_copy_all(struct mu_store *from, struct mu_store *to, const char *detail,
	    void (*fn)(void *arg, int64_t rows), void *arg);

/* ---- audit ----------------------------------------------------------- */

struct mu_audit_row {
	int64_t id, at, uid;
	bool has_uid;
	const char *actor, *tool, *action, *account, *detail;	/* NULL:
								 * SQL NULL
								 * (but tool,
								 * action) */
};

/* Each audit row at or after since, of account (NULL: any), by id. */
int mu_audit_each(struct mu_store *st, int64_t since, const char *account,
		  int (*fn)(void *arg, const struct mu_audit_row *row),
		  void *arg);
/* Rows older than before. */
int mu_audit_count_before(struct mu_store *st, int64_t before, int64_t *n);
/* Delete up to limit of the oldest rows older than before, in the
 * caller's transaction; *deleted how many. */
int mu_audit_prune(struct mu_store *st, int64_t before, int64_t limit,
		   int64_t *deleted);

/* ---- stats ----------------------------------------------------------- */

struct mu_stats_counts {
	int64_t users, domains, disabled_domains, disabled, in_disabled;
	int64_t admin_locked, fail_locked, locked, forced, expired_accounts;
	int64_t unknown_fails, unknown_sources;	/* names not in the store,
						 * failed after fail_since */
};

/* A user's record for the aging and hash counts: the user's aging
 * values, else the domain's, else -1. */
struct mu_stats_user {
	const char *hash;
	int64_t pw_changed;
	bool force_change;
	int64_t max_days, min_days, warn_days, grace_days;
};

/* The counts at now, then fn for each user, in one read transaction. */
int mu_stats(struct mu_store *st, int64_t now, int64_t fail_since,
	     struct mu_stats_counts *c,
	     void (*fn)(void *arg, const struct mu_stats_user *u), void *arg);

#endif
