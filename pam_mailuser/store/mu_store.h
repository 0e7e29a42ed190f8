/*
 * The user store: what the module and the tools may ask of it.  Two
 * backends implement it (pam_mailuser/store/sqlite.c and pgsql.c); this
 * header names neither database library.
 */
#ifndef MU_STORE_H
#define MU_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mu_hash.h"
#include "mu_log.h"
#include "mu_policy.h"
#include "mu_user.h"
#include "mu_username.h"

#define MU_APPLICATION_ID 0x4D4C5553	/* "MLUS" */
#define MU_SCHEMA_VERSION 2

struct mu_store;

/* Seconds to wait for a PostgreSQL server to answer a connection, unless
 * the connection string sets connect_timeout. */
#define MU_CONNECT_TIMEOUT 2


/*
 * Open an existing store read-write.  target is the db= value: a path
 * means an SQLite file, a postgresql:// (or postgres://) URI or a libpq
 * "key=value" string means PostgreSQL, given to libpq as it is.  Never
 * creates a store.  SQLite: refuses a symlink, sets the busy timeout
 * (busy_ms), defensive mode and trusted_schema=OFF.  Both: checks the
 * application id and the schema version.  On failure logs one line
 * saying why (once per outage and process when the server cannot be
 * reached) and returns MU_E_STORE with *out NULL.  The store keeps a
 * copy of *log (which may be NULL): log->arg must outlive the store.
 */
int mu_store_open(const char *target, unsigned long busy_ms,
		  const struct mu_log *log, struct mu_store **out);

/* mu_store_open with flags:
 *   MU_OPEN_TRUSTED: first apply mu_store_trust (the module's way);
 *   MU_OPEN_OLDER:   accept a schema version older than this build's
 *                    (for "mailuser-admin migrate" only);
 *   MU_OPEN_EMPTY:   accept a store with no schema yet ("init"). */
#define MU_OPEN_TRUSTED	0x1
#define MU_OPEN_OLDER	0x2
#define MU_OPEN_EMPTY	0x4
int mu_store_open_flags(const char *target, unsigned long busy_ms,
			const struct mu_log *log, unsigned flags,
			struct mu_store **out);
/* ... and connect_s, the PostgreSQL connect timeout in seconds when the
 * connection string sets none (MU_CONNECT_TIMEOUT by default). */
int mu_store_open_ext(const char *target, unsigned long busy_ms,
		      unsigned long connect_s, const struct mu_log *log,
		      unsigned flags, struct mu_store **out);

/*
 * The module's way: the store this process keeps open across PAM
 * transactions, opened by mu_store_open_ext when there is none, when the
 * last one is not for target or flags, when the SQLite file was replaced
 * (device or inode changed) or the PostgreSQL session broke, and in a
 * child after fork (the parent's is forgotten, never used).  The trust
 * rules are applied at every acquire.  Give it back with
 * mu_store_release, which keeps it for the next acquire (a second
 * caller in another thread meanwhile gets one of its own, closed at
 * release).  log is used until the release.
 */
int mu_store_acquire(const char *target, unsigned long busy_ms,
		     unsigned long connect_s, const struct mu_log *log,
		     unsigned flags, struct mu_store **out);
void mu_store_release(struct mu_store *st);

/* Does target name an SQLite file (a path)? */
bool mu_store_is_sqlite(const char *target);

/* The name of target in log lines and messages, without a password. */
void mu_store_describe(const char *target, char *buf, size_t bufsz);

/*
 * Can the store at target be trusted by a process of effective uid euid?
 * SQLite: the database file, and its -wal and -shm files when they
 * exist, must be regular files (not links), owned by root or euid (a
 * side file may also be owned by a member of the database's group, who
 * made it), with no permission beyond 0660 (group write stays allowed:
 * the layout of "mailuser-admin init --group"); the directory must not
 * be writable by others unless it is sticky.  PostgreSQL: the server's
 * roles decide; nothing to check here (a configuration file holding a
 * password follows the configuration rules).  MU_OK, or MU_E_STORE with
 * the reason in why (whysz bytes, naming the file).  "mailuser-admin
 * check" applies the same rules.
 */
int mu_store_trust(const char *target, uid_t euid, char *why, size_t whysz);

/* The schema version of the open store (user_version). */
int mu_store_version(struct mu_store *st, int64_t *version);

/* Create this build's schema in an empty store opened with
 * MU_OPEN_EMPTY, with the "init" audit row (detail may be NULL), in one
 * transaction.  MU_OK, MU_E_EXISTS when it has a schema, MU_E_STORE. */
int mu_store_create(struct mu_store *st, const char *detail);

/* Turn a store of schema version v - 1 into v (opened with
 * MU_OPEN_OLDER), with the "migrate" audit row, in one transaction.
 * MU_OK, MU_E_INVAL when this build has no such step for the backend,
 * MU_E_CONFLICT when the step did not set version v, MU_E_STORE. */
int mu_store_migrate(struct mu_store *st, int64_t v);

/* The backend's own checks of an open store ("mailuser-admin check"):
 * fn gets each finding, what its label ("journal", "integrity", ...),
 * problem true when it is one. */
int mu_store_integrity(struct mu_store *st,
		       void (*fn)(void *arg, bool problem, const char *what,
				  const char *text),
		       void *arg);

/* Each user's name and stored hash, by name; fn returns non-zero to
 * stop.  For "mailuser-admin check". */
int mu_store_each_hash(struct mu_store *st,
		       int (*fn)(void *arg, const char *name,
				 const char *hash),
		       void *arg);

/* Number of domains and of users. */
int mu_store_counts(struct mu_store *st, int64_t *domains, int64_t *users);

/* Close; NULL is fine.  Safe after fork: a child does not close its
 * parent's connection, it only forgets it. */
void mu_store_close(struct mu_store *st);

/* Log "store NAME: what: the backend's last error message". */
void mu_store_log(struct mu_store *st, int prio, const char *what);

/* After secrets were changed or deleted: make the old ones unreadable
 * where the backend can (SQLite: copy the WAL into the file and empty
 * it).  Best effort, never waits for other processes. */
void mu_store_flush(struct mu_store *st);

/* The backend's message for the last error ("" when there is none). */
const char *mu_store_errmsg(struct mu_store *st);

/* True when st was opened by this process (not inherited across fork). */
bool mu_store_is_ours(const struct mu_store *st);

/* Look a canonical name up.  MU_OK, MU_E_NOUSER or MU_E_STORE.  The
 * caller wipes u->hash (mu_user_wipe) when done. */
int mu_store_get_user(struct mu_store *st, const char *name,
		      struct mu_user *u);

/* Replace the hash of user id if it is still old_hash (compare and swap).
 * pw_changed is left alone: for rehashing on login.  MU_OK, MU_E_CONFLICT
 * when the hash changed meanwhile, MU_E_STORE. */
int mu_store_rehash(struct mu_store *st, int64_t id, const char *old_hash,
		    const char *new_hash);


#endif
