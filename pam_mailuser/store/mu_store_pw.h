/* Password changes in the store: history, quality, the change itself. */
#ifndef MU_STORE_PW_H
#define MU_STORE_PW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mu_config.h"
#include "mu_hash.h"
#include "mu_store.h"

/* Older hashes of one user, newest first.  Heap memory; wiped by
 * mu_history_free. */
struct mu_history {
	size_t n;
	char (*hash)[MU_HASH_MAX];
};

/* Read up to limit older hashes of user id.  limit 0 gives none.
 * MU_OK, MU_E_NOMEM or MU_E_STORE (logged). */
int mu_store_history(struct mu_store *st, int64_t id, unsigned long limit,
		     struct mu_history *h);

/* Wipe and free the hashes; h may be NULL or empty. */
void mu_history_free(struct mu_history *h);

/* The quality checks of mu_strength_check for a new password pw of user
 * u, with minlen, dictpath, remember, hash and hash_cost of cfg: the
 * current hash and the last remember older ones are checked (none when
 * st is NULL; u->hash "" for a user not in the store).  MU_OK,
 * MU_E_WEAK or MU_E_DICT with *why (static text), MU_E_STORE,
 * MU_E_NOMEM. */
int mu_pw_quality(struct mu_store *st, const struct mu_config *cfg,
		  const struct mu_user *u, const char *pw, const char **why);

/* One password change. */
struct mu_pwchange {
	int64_t id;		/* user */
	const char *name;	/* canonical name, for the audit row */
	const char *old_hash;	/* the hash the caller verified or read */
	const char *new_hash;
	unsigned long remember;	/* older hashes to keep */
	int64_t now;
	const char *tool;	/* audit tool: "pam_mailuser", ... */
	const char *action;	/* audit action: "passwd", ... */
	const char *detail;	/* audit detail, NULL for none */
	bool check_state;	/* refuse a disabled, locked or expired
				 * account (the module's changes) */
	const char *source;	/* refuse when failures lock this source
				 * (mu_source_norm) or every source; NULL
				 * for no such check (an administrator) */
};

/* Change a password in one BEGIN IMMEDIATE transaction: check that the
 * stored hash is still c->old_hash (else MU_E_CONFLICT, nothing
 * written); with check_state, that the account is not disabled (user or
 * domain), locked by an administrator or expired (else MU_E_DISABLED);
 * with a source, that no failure lock holds for it or for every source
 * (else MU_E_LOCKED); then store new_hash, pw_changed = now, clear
 * force_change, add old_hash to the history and keep only the newest
 * remember entries, delete the user's failure counters that hold no
 * active lock (a change never lifts a lock) and the fingerprints of
 * recent wrong passwords, and add an audit row (mu_audit_add).  The connection gets secure_delete=ON,
 * and after the commit the WAL is checkpointed and truncated (best
 * effort), so that removed hashes do not linger in the files.  MU_OK,
 * MU_E_CONFLICT, MU_E_DISABLED, MU_E_LOCKED, MU_E_NOUSER, MU_E_STORE
 * (logged). */
int mu_store_set_password(struct mu_store *st, const struct mu_pwchange *c);

#endif
