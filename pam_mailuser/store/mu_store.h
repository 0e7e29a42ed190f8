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
#define MU_SCHEMA_VERSION 3

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
/*   MU_OPEN_FREQUENT: a long-running process that writes often (the
 *                    policy daemon): SQLite checkpoints its WAL less
 *                    often, as the fsyncs of a checkpoint would stall
 *                    every client it serves. */
#define MU_OPEN_FREQUENT 0x8
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
 * child after fork (the parent's is kept unused, never closed).  The
 * trust rules are applied again at most once a second.  Give it back with
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


/* ---- accounts: domains, users, aging, locks (mailuser-admin) ---- */

/*
 * What "mailuser-admin" asks of the store for domains, users, password
 * aging, failure counters and locks (store/domains.c, accounts.c,
 * aging.c, failures.c).  Names are canonical: the caller applies
 * mu_canon or mu_canon_domain first.
 *
 * Each change is made whole in one write transaction, with its audit row
 * (tool "mailuser-admin", never a password or a hash), and returns MU_OK
 * or one of the MU_E_* codes its comment names.  MU_E_STORE is logged by
 * the operation (one line through the store's log, saying "busy" when a
 * lock wait ran out), so the caller need only exit.  Times are Unix
 * seconds; "now" is time(NULL).
 *
 * Lists call fn once per record, in the order given, reading a page of
 * rows at a time (never a whole table at once); the record is valid
 * during the call only.  fn returns 0 to go on; any other value stops the
 * list, which then returns that value.
 */

#include "mu_source.h"

/* Aging value in a change: leave the stored one as it is.  (MU_INHERIT
 * clears it, >= 0 sets it.) */
#define MU_AGING_KEEP (-2)

struct mu_acct_domain {
	char name[MU_DOMAIN_MAX + 1];
	bool disabled;
	int64_t created;
	int64_t users;
	struct mu_aging aging;	/* its own, MU_INHERIT when unset */
};

struct mu_acct_user {
	char name[MU_NAME_MAX + 1];
	char domain[MU_DOMAIN_MAX + 1];
	const char *method;	/* of the hash (mu_hash_method_name); ""
				 * in lists, which do not read hashes */
	bool disabled;
	bool domain_disabled;
	bool has_expires;	/* account expiry */
	int64_t expires;
	bool force_change;
	bool locked;		/* the administrator's lock */
	int64_t locked_at;
	bool has_reason;
	char lock_reason[1024];
	int64_t pw_changed;
	int64_t created;
	/* own values of the user and of its domain, MU_INHERIT when unset */
	struct mu_aging aging;
	struct mu_aging domain_aging;
};

/* A user's password age, for "expiring". */
struct mu_acct_age {
	char name[MU_NAME_MAX + 1];
	int64_t pw_changed;
	bool force_change;
	/* the user's value, else its domain's, else MU_INHERIT */
	struct mu_aging aging;
};

/* One failure counter. */
struct mu_acct_failure {
	char user[MU_NAME_MAX + 1];
	char source[MU_SOURCE_MAX + 1];	/* MU_SOURCE_ALL: every source */
	int64_t count;
	int64_t first, last;	/* first and last failure */
	bool has_until;
	int64_t until;		/* its lock's end, MU_FOREVER: until
				 * unlocked (may be past) */
};

/* A new user. */
struct mu_acct_new {
	const char *name;
	const char *hash;
	bool force_change;
	const char *detail;	/* of the audit row, NULL for none */
};

/* domain del: what mu_acct_domain_del found and did. */
struct mu_acct_domain_del {
	int64_t id;
	int64_t users;		/* its users: 0 when it is gone */
	int64_t audit_id;	/* its "domain del" audit row */
};

/* Add a domain.  MU_E_EXISTS. */
int mu_acct_domain_add(struct mu_store *st, const char *domain);

/* Disable or enable a domain.  MU_E_NODOMAIN. */
int mu_acct_domain_disable(struct mu_store *st, const char *domain,
			   bool disabled);

/*
 * Delete a domain.  Without users it goes at once (dd->users 0).  With
 * users: without cascade MU_E_NOTEMPTY and dd->users says how many;
 * with cascade it is disabled (so that none of its users logs in
 * meanwhile) and its "domain del" audit row written, and the users stay:
 * call mu_acct_domain_del_some until it deletes none.  MU_E_NODOMAIN.
 */
int mu_acct_domain_del(struct mu_store *st, const char *domain,
		       bool cascade, struct mu_acct_domain_del *dd);

/*
 * In the caller's write transaction (a batch): delete up to max users of
 * the domain of dd (the oldest first), with their history, counters and
 * fingerprints, and one "user del" audit row each (the time, uid and
 * actor of the domain's row); when none is left, the domain itself.
 * *deleted: the users deleted, 0 when the domain went.
 */
int mu_acct_domain_del_some(struct mu_store *st,
			    const struct mu_acct_domain_del *dd, int64_t max,
			    int64_t *deleted);

/* Domains by name; aged: only those with aging values of their own. */
int mu_acct_domain_list(struct mu_store *st, bool aged,
			int (*fn)(void *arg, const struct mu_acct_domain *d),
			void *arg);

/* Set the aging values of a domain or a user: each one of set that is not
 * MU_AGING_KEEP.  detail: of the audit row ("domain set", "user set").
 * MU_E_NODOMAIN, MU_E_NOUSER. */
int mu_acct_domain_set_aging(struct mu_store *st, const char *domain,
			     const struct mu_aging *set, const char *detail);
int mu_acct_user_set_aging(struct mu_store *st, const char *name,
			   const struct mu_aging *set, const char *detail);

/* May user name be added: MU_OK, MU_E_EXISTS, or MU_E_NODOMAIN when its
 * domain is missing.  Reads only (mu_acct_user_add checks again). */
int mu_acct_user_may_add(struct mu_store *st, const char *name);

/* Add a user, password changed now.  MU_E_EXISTS, MU_E_NODOMAIN. */
int mu_acct_user_add(struct mu_store *st, const struct mu_acct_new *nu);

/* Delete a user with its history, counters and fingerprints.
 * MU_E_NOUSER. */
int mu_acct_user_del(struct mu_store *st, const char *name);

/* Disable or enable a user.  MU_E_NOUSER. */
int mu_acct_user_disable(struct mu_store *st, const char *name,
			 bool disabled);

/* Set the account's expiry (when NULL: never); detail: of the audit row.
 * MU_E_NOUSER. */
int mu_acct_user_expire(struct mu_store *st, const char *name,
			const int64_t *when, const char *detail);

/* Force a password change at the next login.  MU_E_NOUSER. */
int mu_acct_user_force_change(struct mu_store *st, const char *name);

/* The administrator's lock, with its reason (a locked user keeps the time
 * of the first lock).  MU_E_NOUSER. */
int mu_acct_user_lock(struct mu_store *st, const char *name,
		      const char *reason);

/* Lift the administrator's lock: *was_locked false when there was none
 * (nothing written).  MU_E_NOUSER. */
int mu_acct_user_unlock(struct mu_store *st, const char *name,
			bool *was_locked);

/* Rename a user, and move it to the domain of the new name; every row
 * that refers to it stays with it.  MU_E_NOUSER (from), MU_E_EXISTS
 * (to), MU_E_NODOMAIN (to's domain). */
int mu_acct_user_rename(struct mu_store *st, const char *from,
			const char *to);

/* One user.  MU_E_NOUSER. */
int mu_acct_user_show(struct mu_store *st, const char *name,
		      struct mu_acct_user *u);

/* Users by domain name, then name; of one domain when domain is not
 * NULL (MU_E_NODOMAIN). */
int mu_acct_user_list(struct mu_store *st, const char *domain,
		      int (*fn)(void *arg, const struct mu_acct_user *u),
		      void *arg);

/* The password age of every user, in no particular order. */
int mu_acct_age_list(struct mu_store *st,
		     int (*fn)(void *arg, const struct mu_acct_age *a),
		     void *arg);

/* Failure counters by user name, then source (MU_SOURCE_ALL first); of
 * one user when name is not NULL (MU_E_NOUSER). */
int mu_acct_failures(struct mu_store *st, const char *name,
		     int (*fn)(void *arg, const struct mu_acct_failure *f),
		     void *arg);

/*
 * Forget failure counters of a user, and their locks.  source NULL: every
 * counter, and the fingerprints of recent wrong passwords.  Otherwise the
 * counter of source (MU_SOURCE_ALL: the every-source one) or, when it has
 * none, that of alt (the source normalised, NULL for none).  *rows: the
 * counters deleted; with a source, 0 means none was found and nothing was
 * written.  MU_E_NOUSER.
 */
int mu_acct_unlock(struct mu_store *st, const char *name, const char *source,
		   const char *alt, int64_t *rows);

/* ---- end accounts ---- */

/* ---- sending limits (mailuser-policyd) ---- */

/*
 * Per-user sending limits (store/sending.c): limits per domain and per
 * user, what each user sent in buckets of a minute and of an hour (the
 * sliding windows of mu_window.h), what was refused over a limit, and the
 * lock of an account that goes on sending far past it.  Names are
 * canonical.  Errors as in the accounts section: MU_E_STORE is logged by
 * the operation.  Times are Unix seconds.
 */

#include "mu_window.h"

/* A limit not set at a level (it inherits); in a change, clears it. */
#define MU_LIMIT_UNSET (-1)
/* In a change: leave the stored value as it is. */
#define MU_LIMIT_KEEP (-2)

/* Where an effective limit comes from. */
enum mu_limit_from {
	MU_LIMIT_FROM_CONFIG,	/* the configuration's default */
	MU_LIMIT_FROM_DOMAIN,
	MU_LIMIT_FROM_USER,
};

/* A user's limits: its own and its domain's (MU_LIMIT_UNSET when not
 * set), and the effective ones (0: no limit) with where each comes from,
 * in the order msgs_hour, rcpts_hour, rcpts_day. */
struct mu_send_eff {
	struct mu_win_limits user, domain;
	struct mu_win_limits lim;
	enum mu_limit_from from[3];
};

/* Set e->lim and e->from from e->user, e->domain and defaults (the
 * configuration's; NULL or values <= 0: no limit).  Pure. */
void mu_send_resolve(const struct mu_win_limits *defaults,
		     struct mu_send_eff *e);

/* One policy request of mailuser-policyd. */
struct mu_send_req {
	const char *name;	/* the canonical sasl_username */
	int64_t now;
	int64_t msgs;		/* what this request adds: 1 and the */
	int64_t rcpts;		/* recipient count at END-OF-MESSAGE */
	bool count;		/* count them when under every limit */
	bool new_message;	/* a deferral counts msgs deferred messages
				 * (false: a further deferral of a message
				 * deferred before, recipients only) */
	const struct mu_win_limits *defaults;	/* of the configuration */
	int64_t lock_factor;	/* lock at this many times a limit tried
				 * within its window; 0: never */
};

enum mu_send_verdict {
	MU_SEND_PASS,		/* under every limit */
	MU_SEND_OVER,		/* over res->which: refuse */
	MU_SEND_BLOCKED,	/* locked by the administrator, or the user
				 * or its domain disabled: refuse */
};

struct mu_send_res {
	enum mu_send_verdict verdict;
	enum mu_win_which which;	/* the limit passed (MU_SEND_OVER) */
	bool counted;		/* the message was counted */
	bool locked_now;	/* this request locked the account */
	struct mu_win_limits lim;	/* the effective limits */
	struct mu_win_usage usage;	/* after this request (not read when
					 * no limit is set) */
};

/*
 * Decide one request: read the user and its limits and its windows;
 * under every limit, with rq->count, count the message (one statement per
 * bucket); over a limit, record the deferral and, when what was tried
 * within that limit's window (accepted and deferred) reaches
 * rq->lock_factor times the limit, set the administrator's lock with a
 * reason and an audit row (tool "mailuser-policyd", action "user lock").
 * A write is one transaction with the user's writers serialised, so
 * several daemons on one store count exactly.  MU_OK, MU_E_NOUSER
 * (nothing written), MU_E_STORE (not logged: the daemon logs an outage
 * once).
 */
int mu_send_request(struct mu_store *st, const struct mu_send_req *rq,
		    struct mu_send_res *res);

/* The limits of user name (defaults: the configuration's).
 * MU_E_NOUSER. */
int mu_send_limits(struct mu_store *st, const char *name,
		   const struct mu_win_limits *defaults,
		   struct mu_send_eff *eff);

/* The limits a domain has of its own (MU_LIMIT_UNSET when not set).
 * MU_E_NODOMAIN. */
int mu_send_domain_limits(struct mu_store *st, const char *domain,
			  struct mu_win_limits *own);

/* Set the limits of a user (user true) or a domain: each value of set
 * that is not MU_LIMIT_KEEP (MU_LIMIT_UNSET clears it, 0 is no limit),
 * with an audit row ("user limit", "domain limit").  MU_E_NOUSER,
 * MU_E_NODOMAIN. */
int mu_send_limit_set(struct mu_store *st, bool user, const char *name,
		      const struct mu_win_limits *set);

/* A domain's or a user's own limits, for "limit show". */
struct mu_send_own {
	bool user;
	char name[MU_NAME_MAX + 1];
	struct mu_win_limits own;	/* MU_LIMIT_UNSET when not set */
};

/* The domains with limits of their own, by name, then the users with
 * limits of their own, by name; of one domain (and its users) when
 * domain is not NULL.  fn as in the lists of the accounts section. */
int mu_send_limit_list(struct mu_store *st, const char *domain,
		       int (*fn)(void *arg, const struct mu_send_own *o),
		       void *arg);

/* The windows of user name at now.  MU_E_NOUSER. */
int mu_send_usage(struct mu_store *st, const char *name, int64_t now,
		  struct mu_win_usage *u);

/* The top max senders of the hour window (day false) or of the day
 * window at now, by recipients, then messages: fn gets each name and its
 * sums. */
int mu_send_top(struct mu_store *st, int64_t now, bool day, int64_t max,
		int (*fn)(void *arg, const char *name,
			  const struct mu_win_sum *s),
		void *arg);

/* Forget what user name sent and was refused (every bucket), with an
 * audit row; *rows: the buckets deleted.  MU_E_NOUSER. */
int mu_send_reset(struct mu_store *st, const char *name, int64_t *rows);

/* ---- end sending ---- */

#endif
