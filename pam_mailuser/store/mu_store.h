/* The SQLite user store. */
#ifndef MU_STORE_H
#define MU_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mu_hash.h"
#include "mu_log.h"
#include "mu_policy.h"
#include "mu_username.h"

#define MU_APPLICATION_ID 0x4D4C5553	/* "MLUS" */
#define MU_SCHEMA_VERSION 2

struct sqlite3;
struct mu_store;

/* One user as the module needs it. */
struct mu_user {
	int64_t id;
	char name[MU_NAME_MAX + 1];
	char hash[MU_HASH_MAX];
	bool disabled;
	bool domain_disabled;
	bool has_expires;
	int64_t expires;
	int64_t pw_changed;
	bool force_change;
	bool locked;		/* admin lock */
	/* aging in days: the user's value, else the domain's, else
	 * MU_INHERIT (the configuration decides: mu_aging_resolve) */
	struct mu_aging aging;
};

/* Open an existing store read-write.  Never creates a file, refuses a
 * symlink, checks application_id and user_version, sets the busy timeout
 * (ms), defensive mode and trusted_schema=OFF.  On failure logs one line
 * saying why and returns MU_E_STORE with *out NULL.  The store keeps a
 * copy of *log (which may be NULL): log->arg must outlive the store. */
int mu_store_open(const char *path, unsigned long busy_ms,
		  const struct mu_log *log, struct mu_store **out);

/* mu_store_open with flags:
 *   MU_OPEN_TRUSTED: first apply mu_store_trust (the module's way);
 *   MU_OPEN_OLDER:   accept a schema version older than this build's
 *                    (for "mailuser-admin migrate" only). */
#define MU_OPEN_TRUSTED	0x1
#define MU_OPEN_OLDER	0x2
int mu_store_open_flags(const char *path, unsigned long busy_ms,
			const struct mu_log *log, unsigned flags,
			struct mu_store **out);

/* Can a store at path be trusted by a process of effective uid euid?
 * The database file, and its -wal and -shm files when they exist, must be
 * regular files (not links), owned by root or euid (a side file may also
 * be owned by a member of the database's group, who made it), with no
 * permission beyond 0660 (group write stays allowed: the layout of
 * "mailuser-admin init --group"); the directory must not be writable by
 * others unless it is sticky.  MU_OK, or MU_E_STORE with the reason in why (whysz bytes,
 * naming the file).  "mailuser-admin check" applies the same rules. */
int mu_store_trust(const char *path, uid_t euid, char *why, size_t whysz);

/* The schema version of the open store (user_version). */
int mu_store_version(struct mu_store *st, int64_t *version);

/* Close; NULL is fine.  Safe after fork: a child does not close its
 * parent's connection, it only forgets it. */
void mu_store_close(struct mu_store *st);

/* Log "store PATH: what: SQLite's last error message". */
void mu_store_log(struct mu_store *st, int prio, const char *what);

/* True when st was opened by this process (not inherited across fork). */
bool mu_store_is_ours(const struct mu_store *st);

/* The connection, for the CLI's administrative statements. */
struct sqlite3 *mu_store_db(struct mu_store *st);

/* Look a canonical name up.  MU_OK, MU_E_NOUSER or MU_E_STORE.  The
 * caller wipes u->hash (mu_user_wipe) when done. */
int mu_store_get_user(struct mu_store *st, const char *name,
		      struct mu_user *u);

/* Replace the hash of user id if it is still old_hash (compare and swap).
 * pw_changed is left alone: for rehashing on login.  MU_OK, MU_E_CONFLICT
 * when the hash changed meanwhile, MU_E_STORE. */
int mu_store_rehash(struct mu_store *st, int64_t id, const char *old_hash,
		    const char *new_hash);

/* Wipe the secret parts of a user record. */
void mu_user_wipe(struct mu_user *u);

#endif
