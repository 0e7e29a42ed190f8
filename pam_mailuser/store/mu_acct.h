/*
 * Internal to the account operations of mailuser-admin (accounts.c,
 * domains.c, aging.c, failures.c): what they share.  Their public side is
 * the "accounts" section of mu_store.h.
 */
#ifndef MU_ACCT_H
#define MU_ACCT_H

#include <stdbool.h>
#include <stdint.h>

#include "mu_store.h"

#define ACCT_TOOL "mailuser-admin"	/* the audit rows' tool */
#define ACCT_PAGE 500			/* rows a list reads at once */
#define ACCT_PAGE_MAX 65536		/* ... when its pages grow */

/* Commit when ret is MU_OK, else roll back; the transaction's result. */
int mu_acct_end(struct mu_store *st, int ret);

/* After an operation: MU_E_STORE is logged, once, as what failed (or as
 * "busy" when a lock wait ran out), and a broken connection is not kept.
 * Returns ret. */
int mu_acct_done(struct mu_store *st, int ret, const char *what);

/* An audit row of tool ACCT_TOOL, in the caller's transaction. */
int mu_acct_audit(struct mu_store *st, const char *action,
		  const char *account, const char *detail);

/* The id of a canonical user or domain name: MU_OK, MU_E_NOUSER or
 * MU_E_NODOMAIN, MU_E_STORE. */
int mu_acct_user_id(struct mu_store *st, const char *name, int64_t *id);
int mu_acct_domain_id(struct mu_store *st, const char *name, int64_t *id);

/* Replace *key (heap, NULL at first) with a copy of v: the key the next
 * page of a list starts after.  MU_OK or MU_E_NOMEM. */
int mu_acct_key(char **key, const char *v);

/* For every id of sql, a page of ACCT_PAGE at a time, call each(st, id,
 * arg) until it returns non-zero.  sql selects "id, name ... WHERE name
 * > $1 ... ORDER BY name LIMIT $2" (name unique).  MU_OK, each's value,
 * or an error. */
int mu_acct_each_id(struct mu_store *st, const char *sql,
		    int (*each)(struct mu_store *st, int64_t id, void *arg),
		    void *arg);

#endif
