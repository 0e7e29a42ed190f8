/*
 * The statement layer under the store operations, and what a backend
 * implements.  Internal to pam_mailuser/store: the module and the tools
 * call the operations of mu_store.h, never these.
 *
 * One SQL text serves both backends.  Parameters are written $1, $2, ...
 * (PostgreSQL's form; SQLite reads them as named parameters) and typed
 * by a format string, one character per parameter:
 *
 *   'i'  int64_t
 *   'n'  const int64_t *, NULL for SQL NULL
 *   't'  const char *, NULL for SQL NULL
 *
 * The SQL must be a string constant: its address keys the backend's
 * cache of prepared statements, so a statement is prepared once per
 * connection.  Write SQL both dialects read: no INSERT OR ..., no
 * rowid, no last_insert_rowid() (use RETURNING), no boolean columns
 * (integers 0/1 with CHECK; test "x <> 0"), CAST(... AS BIGINT) where a
 * type is otherwise unknown, coalesce() rather than ifnull().
 *
 * Results are read a row at a time.  At most one result of a given SQL
 * text is open at once; a query that may return many rows pages by key
 * (WHERE id > $1 ORDER BY id LIMIT n) rather than holding them all.
 */
#ifndef MU_DB_H
#define MU_DB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mu_store.h"

/* What went wrong, for the log's hint and for the caller's choice. */
enum mu_db_err {
	MU_DB_OK = 0,
	MU_DB_BUSY,		/* a lock wait ran out */
	MU_DB_FULL,		/* no space left */
	MU_DB_READONLY,		/* the store cannot be written by us */
	MU_DB_IO,		/* an I/O error */
	MU_DB_CONN,		/* the server is unreachable or the
				 * connection broke (PostgreSQL) */
	MU_DB_CONSTRAINT,	/* a unique, foreign key or check rule */
	MU_DB_SCHEMA,		/* not a store of this build's version */
	MU_DB_OTHER,
};

#define MU_DB_MAXARGS 64	/* parameters of one statement */
#define MU_DB_ERRMAX 512	/* bytes of a backend's error message */

/* One bound parameter, decoded from the format. */
struct mu_arg {
	char type;		/* 'i' or 't' (NULL values: isnull) */
	bool isnull;
	int64_t i;
	const char *s;
};

struct mu_db;			/* a backend's connection */
struct mu_res;			/* the rows of one statement */

/* What mu_store_open asks of a backend. */
struct mu_db_open {
	const char *target;	/* path or connection string, as given */
	unsigned long busy_ms;	/* lock wait (SQLite), statement lock
				 * wait (PostgreSQL lock_timeout) */
	unsigned long connect_s;	/* connect_timeout (PostgreSQL) */
	unsigned flags;		/* MU_OPEN_* */
	const struct mu_log *log;
};

struct mu_backend {
	const char *name;	/* "SQLite", "PostgreSQL" */
	/* Connect and check the schema (application id, version) as
	 * flags say.  MU_OK, or an MU_E_* code with the reason in why
	 * (whysz bytes) and *err set. */
	int (*open)(const struct mu_db_open *o, struct mu_db **out,
		    enum mu_db_err *err, char *why, size_t whysz);
	/* Close.  ours false: a child after fork, which must not touch
	 * the parent's connection, only free its own memory. */
	void (*close)(struct mu_db *db, bool ours);
	/* Still the store it was?  false when the SQLite file was
	 * replaced or the PostgreSQL session is dead: the caller reopens. */
	bool (*usable)(struct mu_db *db);
	/* Transactions.  write: one that will write (SQLite takes the
	 * write lock at once, waiting up to MU_FAIL_TRIES busy timeouts). */
	int (*begin)(struct mu_db *db, bool write);
	int (*commit)(struct mu_db *db);
	void (*rollback)(struct mu_db *db);	/* when one is open */
	/* Serialise the writers of user id until the end of the
	 * transaction (SQLite: nothing to do, its write lock does it). */
	int (*lock_user)(struct mu_db *db, int64_t id);
	/* Run sql with nargs parameters.  res NULL: run to its end.
	 * Otherwise *res is the open result, read with next, freed with
	 * end. */
	int (*query)(struct mu_db *db, const char *sql,
		     const struct mu_arg *args, int nargs, struct mu_res **res);
	/* Run sql later, its result read by nobody: with the next
	 * statement or the commit, in the same round trip where the
	 * backend can (PostgreSQL); its error shows there.  SQLite runs
	 * it at once. */
	int (*send)(struct mu_db *db, const char *sql,
		    const struct mu_arg *args, int nargs);
	/* 1 with a row, 0 at the end, -1 on error (end reports it). */
	int (*next)(struct mu_res *r);
	bool (*isnull)(struct mu_res *r, int col);
	int64_t (*col_int)(struct mu_res *r, int col);	/* NULL: 0 */
	const char *(*col_text)(struct mu_res *r, int col); /* NULL: "" */
	/* Free the result; MU_OK or MU_E_STORE when a step failed. */
	int (*end)(struct mu_res *r);
	/* Rows changed by the last statement run. */
	int64_t (*changes)(struct mu_db *db);
	/* The last error: its kind and the backend's message. */
	enum mu_db_err (*error)(struct mu_db *db, const char **msg);
	/* Schema version of the open store. */
	int (*version)(struct mu_db *db, int64_t *version);
	/* Run a schema or one migration's SQL text, which sets the
	 * version itself (init, migrate), in the caller's transaction. */
	int (*script)(struct mu_db *db, const char *script);
	/* Defer foreign keys to the commit, in this transaction. */
	int (*defer_fk)(struct mu_db *db);
	/* After a password change: make old hashes unreadable where the
	 * backend can (SQLite: checkpoint the WAL); best effort. */
	void (*flush)(struct mu_db *db);
	/* A new session after MU_DB_CONN (prepared statements are prepared
	 * again); MU_OK or MU_E_STORE. */
	int (*reset)(struct mu_db *db);
	/* The store's name for log lines, never a password: the path, or
	 * "postgresql://user@host:port/db". */
	void (*describe)(const char *target, char *buf, size_t bufsz);
	/* Findings of "mailuser-admin check" on the open store: fn is
	 * called for each, problem true for what is wrong (see
	 * mu_store_integrity).  MU_OK or MU_E_STORE. */
	int (*integrity)(struct mu_db *db,
			 void (*fn)(void *arg, bool problem, const char *what,
				    const char *text),
			 void *arg);
	/* mu_store_trust for this backend's targets. */
	int (*trust)(const char *target, uid_t euid, char *why, size_t whysz);
	/* Optional (NULL: nothing to do), for mailuser-admin's bulk work
	 * (store/bulk.c): */
	/* After rows were inserted with their ids given (copy): let an
	 * insert without one get a larger id (PostgreSQL: move the
	 * identity sequences past the largest ids).  MU_OK or MU_E_STORE. */
	int (*after_ids)(struct mu_db *db);
	/* Batches of a long command: a larger page cache, temporary tables
	 * in a file, and, when released is not NULL, *released set to the
	 * CLOCK_MONOTONIC ns at which each commit let go of the write lock
	 * (SQLite lets go of it inside COMMIT, before its WAL hook). */
	void (*bulk)(struct mu_db *db, int64_t *released);
	/* Insert nrows rows of ncols values (args, row after row) into
	 * table's columns cols ("a, b, c"), in the open transaction, in one
	 * round trip (PostgreSQL: COPY; NULL: INSERT statements do).
	 * MU_OK, MU_E_NOMEM or MU_E_STORE. */
	int (*put_rows)(struct mu_db *db, const char *table, const char *cols,
			const struct mu_arg *args, int ncols, int nrows);
};

extern const struct mu_backend mu_sqlite_backend;
extern const struct mu_backend mu_pgsql_backend;

/* The backend a db= value names: a postgresql:// or postgres:// URI or
 * a libpq "key=value" string means PostgreSQL, anything else (a path)
 * SQLite. */
const struct mu_backend *mu_db_backend(const char *target);

/* May a store of application id app and schema version ver be used
 * with flags (MU_OPEN_OLDER)?  MU_OK, or MU_E_STORE with why. */
int mu_schema_check(int64_t app, int64_t ver, unsigned flags, char *why,
		    size_t whysz);

/* ---- for the store operations (the other files of store/) ------ */

/* Run sql (see above for fmt).  res NULL: run it to its end. */
int mu_q(struct mu_store *st, struct mu_res **res, const char *sql,
	 const char *fmt, ...);
int mu_qv(struct mu_store *st, struct mu_res **res, const char *sql,
	  const char *fmt, va_list ap);
/* Run sql later (see mu_backend.send): for writes whose result nobody
 * reads, inside a transaction; an error shows at the next statement or
 * at the commit. */
int mu_q_later(struct mu_store *st, const char *sql, const char *fmt, ...);
/* The next row: true with one, false at the end or on an error. */
bool mu_row(struct mu_res *r);
int64_t mu_int(struct mu_res *r, int col);
const char *mu_text(struct mu_res *r, int col);
bool mu_null(struct mu_res *r, int col);
/* Copy a text column into dst (dstsz bytes); "" when it does not fit. */
void mu_copy(struct mu_res *r, int col, char *dst, size_t dstsz);
/* Free; MU_OK, or MU_E_STORE when reading failed.  NULL is fine. */
int mu_done(struct mu_res *r);
/* Run sql and read its first row's first column as an integer
 * (*out 0 without a row; *found whether there was one, may be NULL). */
int mu_q_int(struct mu_store *st, int64_t *out, bool *found, const char *sql,
	     const char *fmt, ...);
int64_t mu_changes(struct mu_store *st);

int mu_begin(struct mu_store *st, bool write);
int mu_commit(struct mu_store *st);
void mu_rollback(struct mu_store *st);
int mu_lock_user(struct mu_store *st, int64_t id);
int mu_defer_fk(struct mu_store *st);

/* The last error's kind and message. */
enum mu_db_err mu_db_error(struct mu_store *st, const char **msg);
/* The store's name for log lines. */
const char *mu_store_name(struct mu_store *st);
/* The backend connection of an open store. */
struct mu_db *mu_store_conn(struct mu_store *st);
/* The backend of an open store. */
const struct mu_backend *mu_store_backend(struct mu_store *st);

/* After an operation failed: when the connection broke (MU_DB_CONN) and
 * *tries is 0, roll back, reconnect and return true (try the whole
 * operation again, once); otherwise false.  Increments *tries. */
bool mu_store_retry(struct mu_store *st, int *tries);
/* After a failure: a broken connection is not kept for reuse. */
void mu_store_mark_failed(struct mu_store *st);

#endif
