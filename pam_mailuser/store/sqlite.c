/*
 * The SQLite backend: one file on one host, the default.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mu_db.h"
#include "mu_error.h"
#include "mu_lockout.h"

/* Checkpoint once the WAL holds this many frames (SQLite's own default
 * is 1000, run at close as well). */
#define WAL_FRAMES 64
/* ... with MU_OPEN_FREQUENT (SQLite's own default) */
#define WAL_FRAMES_FREQUENT 1000
/* In bulk mode (sq_bulk), a passive checkpoint from this many frames. */
#define BULK_WAL_FRAMES 1000
/* Prepared statements kept per connection (open addressing). */
#define CACHE_SLOTS 256

struct mu_res {
	const struct mu_backend *be;	/* first: see store.c */
	struct mu_db *db;
	sqlite3_stmt *s;
	int rc;			/* of the last step */
	bool cached;		/* else finalized by end */
	bool in_order;		/* $1..$n are parameters 1..n */
};

struct slot {
	const char *sql;	/* the key: the SQL constant's address */
	struct mu_res res;
};

struct mu_db {
	sqlite3 *db;
	unsigned long busy_ms;
	int wal_frames;		/* checkpoint from this many frames */
	dev_t dev;		/* of the file opened, to see a replacement */
	ino_t ino;
	char path[PATH_MAX];
	int rc;			/* the last error, extended code */
	char msg[MU_DB_ERRMAX];
	bool bulk;		/* sq_bulk's pragmas are set */
	int64_t *released;	/* bulk mode: when a commit let go of the
				 * write lock */
	struct slot cache[CACHE_SLOTS];
};

static enum mu_db_err
kind(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return MU_DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return MU_DB_BUSY;
	case SQLITE_FULL:
		return MU_DB_FULL;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return MU_DB_READONLY;
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return MU_DB_IO;
	case SQLITE_CONSTRAINT:
		return MU_DB_CONSTRAINT;
	default:
		return MU_DB_OTHER;
	}
}

/* Remember an error (its message before a ROLLBACK replaces it). */
static int
failed(struct mu_db *d, int rc)
{
	d->rc = rc;
	snprintf(d->msg, sizeof(d->msg), "%s", sqlite3_errmsg(d->db));
	return MU_E_STORE;
}

/* After each commit: once the WAL is long enough, copy it into the
 * database and truncate it, without waiting for other connections (a
 * busy checkpoint is simply tried again at a later commit). */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct mu_db *d = arg;
	struct timespec ts;

	if (d->released != NULL) {
		/* a batch: the lock was let go just now; copy the WAL in
		 * without taking it again (passive), so that logins get it */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		*d->released = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
		if (frames >= BULK_WAL_FRAMES)
			(void)sqlite3_wal_checkpoint_v2(db, name,
							SQLITE_CHECKPOINT_PASSIVE,
							NULL, NULL);
		return SQLITE_OK;
	}
	if (frames < d->wal_frames)
		return SQLITE_OK;
	sqlite3_busy_timeout(db, 0);
	(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE,
					NULL, NULL);
	sqlite3_busy_timeout(db, (int)d->busy_ms);
	return SQLITE_OK;
}

/* One file of the store: regular, owner root or euid, nothing beyond
 * 0660.  A side file (-wal, -shm; side not NULL: the database's stat)
 * may be missing, and may also be owned by any member of the database's
 * group who made it (a member can write the database anyway). */
static bool
trust_file(const char *path, uid_t euid, const struct stat *side,
	   struct stat *out, char *why, size_t whysz)
{
	struct stat sb;

	if (lstat(path, &sb) != 0) {
		if (side != NULL && errno == ENOENT)
			return true;
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return false;
	}
	if (S_ISLNK(sb.st_mode)) {
		snprintf(why, whysz, "%s: a symbolic link", path);
		return false;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whysz, "%s: not a regular file", path);
		return false;
	}
	if (sb.st_uid != 0 && sb.st_uid != euid &&
	    (side == NULL || sb.st_gid != side->st_gid)) {
		snprintf(why, whysz, "%s: owned by uid %lu, not by root or "
			 "uid %lu", path, (unsigned long)sb.st_uid,
			 (unsigned long)euid);
		return false;
	}
	if ((sb.st_mode & 07777 & ~(mode_t)0660) != 0) {
		snprintf(why, whysz, "%s: mode %04o gives access beyond 0660",
			 path, (unsigned)(sb.st_mode & 07777));
		return false;
	}
	if (out != NULL)
		*out = sb;
	return true;
}

static int
sq_trust(const char *path, uid_t euid, char *why, size_t whysz)
{
	static const char *const side[] = { "-wal", "-shm" };
	char p[PATH_MAX], dir[PATH_MAX];
	struct stat sb, db;
	size_t i;

	if (!trust_file(path, euid, NULL, &db, why, whysz))
		return MU_E_STORE;
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s%s", path, side[i]) >=
		    sizeof(p)) {
			snprintf(why, whysz, "%s: path too long", path);
			return MU_E_STORE;
		}
		if (!trust_file(p, euid, &db, NULL, why, whysz))
			return MU_E_STORE;
	}
	snprintf(p, sizeof(p), "%s", path);
	snprintf(dir, sizeof(dir), "%s", dirname(p));
	if (stat(dir, &sb) != 0) {
		snprintf(why, whysz, "%s: %s", dir, strerror(errno));
		return MU_E_STORE;
	}
	if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
		snprintf(why, whysz, "%s: the directory is writable by others",
			 dir);
		return MU_E_STORE;
	}
	return MU_OK;
}

static void
sq_describe(const char *target, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s", target);
}

static int sq_query(struct mu_db *d, const char *sql,
		    const struct mu_arg *args, int nargs, struct mu_res **out);
static int sq_next(struct mu_res *r);
static int sq_end(struct mu_res *r);

/* The application id and schema version; MU_OK or MU_E_STORE. */
static int
read_ids(struct mu_db *d, int64_t *app, int64_t *ver)
{
	/* prepared once per connection: a kept store reads it at every
	 * login (sq_usable) */
	static const char sql[] =
	    "SELECT (SELECT application_id FROM pragma_application_id), "
	    "(SELECT user_version FROM pragma_user_version)";
	struct mu_res *r;
	int ret, row;

	*app = *ver = 0;
	if ((ret = sq_query(d, sql, NULL, 0, &r)) != MU_OK)
		return ret;
	if ((row = sq_next(r)) == 1) {
		*app = sqlite3_column_int64(r->s, 0);
		*ver = sqlite3_column_int64(r->s, 1);
	}
	ret = sq_end(r);
	return ret == MU_OK && row == 1 ? MU_OK : MU_E_STORE;
}

/* A new store's journal: WAL, kept by the file from now on. */
static int
wal_mode(struct mu_db *d, char *why, size_t whysz)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(d->db, "PRAGMA journal_mode=WAL", -1, &s,
				NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0)
		rc = SQLITE_OK;
	else if (rc == SQLITE_ROW)
		rc = SQLITE_ERROR;
	sqlite3_finalize(s);
	if (rc == SQLITE_OK)
		return MU_OK;
	snprintf(why, whysz, "cannot switch to WAL mode: %s",
		 sqlite3_errmsg(d->db));
	return MU_E_STORE;
}

/* Is the store's schema one this build may use with flags? */
static int
check_schema(struct mu_db *d, unsigned flags, enum mu_db_err *err,
	     char *why, size_t whysz)
{
	int64_t app, ver;

	if (read_ids(d, &app, &ver) != MU_OK) {
		*err = kind(d->rc);
		snprintf(why, whysz, "%s: %s", *err == MU_DB_BUSY ?
			 "busy (locked past busy_timeout)" :
			 "not a usable database", d->msg);
		return MU_E_STORE;
	}
	*err = MU_DB_SCHEMA;
	if (app == 0 && ver == 0 && (flags & MU_OPEN_EMPTY))
		return wal_mode(d, why, whysz);
	return mu_schema_check(app, ver, flags, why, whysz);
}

static void
sq_close(struct mu_db *d, bool ours)
{
	size_t i;

	if (d == NULL)
		return;
	if (ours) {
		for (i = 0; i < CACHE_SLOTS; i++)
			sqlite3_finalize(d->cache[i].res.s);
		/* v2: a statement still open elsewhere closes it later */
		sqlite3_close_v2(d->db);
	}
	free(d);
}

static int
sq_open(const struct mu_db_open *o, struct mu_db **out, enum mu_db_err *err,
	char *why, size_t whysz)
{
	struct mu_db *d;
	struct stat sb;
	int rc, one = 1;

	*out = NULL;
	*err = MU_DB_OTHER;
	if (lstat(o->target, &sb) != 0) {
		*err = errno == EACCES ? MU_DB_READONLY : MU_DB_IO;
		snprintf(why, whysz, "cannot open: %s", strerror(errno));
		return MU_E_STORE;
	}
	if (S_ISLNK(sb.st_mode) || !S_ISREG(sb.st_mode)) {
		snprintf(why, whysz, "%s", S_ISLNK(sb.st_mode) ?
			 "refusing a symbolic link" : "not a regular file");
		return MU_E_STORE;
	}
	if ((o->flags & MU_OPEN_TRUSTED) &&
	    sq_trust(o->target, geteuid(), why, whysz) != MU_OK) {
		char reason[PATH_MAX + 96];

		snprintf(reason, sizeof(reason), "%s", why);
		snprintf(why, whysz, "refusing a store that others could "
			 "change or read (%s); fix the owner and modes "
			 "(\"mailuser-admin check\" lists them)", reason);
		return MU_E_STORE;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(why, whysz, "out of memory");
		return MU_E_NOMEM;
	}
	d->busy_ms = o->busy_ms;
	d->wal_frames = (o->flags & MU_OPEN_FREQUENT) ? WAL_FRAMES_FREQUENT :
	    WAL_FRAMES;
	d->dev = sb.st_dev;
	d->ino = sb.st_ino;
	snprintf(d->path, sizeof(d->path), "%s", o->target);
	rc = sqlite3_open_v2(o->target, &d->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX |
			     SQLITE_OPEN_PRIVATECACHE, NULL);
	if (rc != SQLITE_OK) {
		*err = kind(rc);
		snprintf(why, whysz, "cannot open: %s", d->db != NULL ?
			 sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
		sq_close(d, true);
		return MU_E_STORE;
	}
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, (int)o->busy_ms);
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
			  NULL);
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, NULL);
	if (check_schema(d, o->flags, err, why, whysz) != MU_OK) {
		sq_close(d, true);
		return MU_E_STORE;
	}
	/* deleted hashes and fingerprints are overwritten, not left in
	 * free pages */
	sqlite3_exec(d->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	/* WAL: a commit is durable at the next checkpoint; no fsync per
	 * failure counted */
	sqlite3_exec(d->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	/* Keep the -wal and -shm files that init made with the right group
	 * and mode when the last connection closes, but empty: a kept WAL
	 * would otherwise be read whole by every later open. */
	sqlite3_file_control(d->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	sqlite3_exec(d->db, "PRAGMA journal_size_limit=0", NULL, NULL, NULL);
	/* No checkpoint (four syncs) at every close, as the only connection
	 * of a login would do: wal_hook checkpoints every WAL_FRAMES. */
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(d->db, wal_hook, d);
	*out = d;
	return MU_OK;
}

/* The file is still the one opened, and still of this build's schema. */
static bool
sq_usable(struct mu_db *d)
{
	struct stat sb;
	int64_t app, ver;

	if (lstat(d->path, &sb) != 0 || sb.st_dev != d->dev ||
	    sb.st_ino != d->ino)
		return false;
	return read_ids(d, &app, &ver) == MU_OK && app == MU_APPLICATION_ID &&
	    ver == MU_SCHEMA_VERSION;
}

static int
sq_exec(struct mu_db *d, const char *sql)
{
	int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? MU_OK : failed(d, rc);
}

/* BEGIN IMMEDIATE waits up to MU_FAIL_TRIES busy timeouts: an attempt
 * must not go unrecorded because others keep the store busy. */
static int
sq_begin(struct mu_db *d, bool write)
{
	int rc = SQLITE_BUSY, tries;

	if (!write)
		return sq_exec(d, "BEGIN");
	for (tries = 0; tries < MU_FAIL_TRIES; tries++) {
		rc = sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
	}
	return rc == SQLITE_OK ? MU_OK : failed(d, rc);
}

static int
sq_commit(struct mu_db *d)
{
	return sq_exec(d, "COMMIT");
}

static void
sq_rollback(struct mu_db *d)
{
	if (!sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
sq_lock_user(struct mu_db *d, int64_t id)
{
	(void)d;
	(void)id;
	return MU_OK;		/* BEGIN IMMEDIATE holds the write lock */
}

static struct mu_res *
cache_find(struct mu_db *d, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS, i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		struct slot *s = &d->cache[(h + i) % CACHE_SLOTS];

		if (s->sql == sql || s->sql == NULL) {
			s->sql = sql;
			return &s->res;
		}
	}
	return NULL;
}

/* SQLite numbers the named parameters $1, $2 ... in the order they first
 * appear in the text: mostly their own order, found once at prepare. */
static bool
params_in_order(sqlite3_stmt *s)
{
	int i, n = sqlite3_bind_parameter_count(s);
	const char *name;

	for (i = 1; i <= n; i++)
		if ((name = sqlite3_bind_parameter_name(s, i)) == NULL ||
		    name[0] != '$' || atoi(name + 1) != i)
			return false;
	return true;
}

static int
bind(struct mu_db *d, struct mu_res *r, const struct mu_arg *args, int n)
{
	sqlite3_stmt *s = r->s;
	int i, ix, rc = SQLITE_OK, count = sqlite3_bind_parameter_count(s);
	char name[16];

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		if (r->in_order) {
			if ((ix = i + 1) > count)
				break;
		} else {
			snprintf(name, sizeof(name), "$%d", i + 1);
			ix = sqlite3_bind_parameter_index(s, name);
		}
		if (ix == 0)
			continue;	/* not used by this text */
		if (args[i].isnull)
			rc = sqlite3_bind_null(s, ix);
		else if (args[i].type == 'i')
			rc = sqlite3_bind_int64(s, ix, args[i].i);
		else
			rc = sqlite3_bind_text(s, ix, args[i].s, -1,
					       SQLITE_STATIC);
	}
	return rc == SQLITE_OK ? MU_OK : failed(d, rc);
}

static int
sq_end(struct mu_res *r)
{
	int ret;

	if (r == NULL)
		return MU_OK;
	ret = r->rc == SQLITE_ROW || r->rc == SQLITE_DONE ||
	    r->rc == SQLITE_OK ? MU_OK : MU_E_STORE;
	if (r->cached) {
		/* none after a failed prepare: it is tried again next time */
		if (r->s != NULL) {
			sqlite3_reset(r->s);
			sqlite3_clear_bindings(r->s);
		}
	} else {
		sqlite3_finalize(r->s);
		free(r);
	}
	return ret;
}

static int
sq_next(struct mu_res *r)
{
	if (r->rc != SQLITE_OK && r->rc != SQLITE_ROW)
		return r->rc == SQLITE_DONE ? 0 : -1;
	r->rc = sqlite3_step(r->s);
	if (r->rc == SQLITE_ROW)
		return 1;
	if (r->rc == SQLITE_DONE)
		return 0;
	(void)failed(r->db, r->rc);
	return -1;
}

static int
sq_query(struct mu_db *d, const char *sql, const struct mu_arg *args,
	 int nargs, struct mu_res **out)
{
	struct mu_res *r = cache_find(d, sql);
	int rc, ret;

	if (out != NULL)
		*out = NULL;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MU_E_NOMEM;
	} else {
		r->cached = true;
	}
	r->be = &mu_sqlite_backend;
	r->db = d;
	r->rc = SQLITE_OK;
	if (r->s == NULL) {
		rc = sqlite3_prepare_v3(d->db, sql, -1, r->cached ?
					SQLITE_PREPARE_PERSISTENT : 0,
					&r->s, NULL);
		if (rc != SQLITE_OK) {
			r->rc = rc;
			ret = failed(d, rc);
			sq_end(r);
			return ret;
		}
		r->in_order = params_in_order(r->s);
	}
	if ((ret = bind(d, r, args, nargs)) != MU_OK) {
		r->rc = d->rc;
		sq_end(r);
		return ret;
	}
	if (out != NULL) {
		*out = r;
		return MU_OK;
	}
	while (sq_next(r) == 1)
		;
	return sq_end(r);
}

static bool
sq_isnull(struct mu_res *r, int col)
{
	return sqlite3_column_type(r->s, col) == SQLITE_NULL;
}

static int64_t
sq_int(struct mu_res *r, int col)
{
	return sqlite3_column_int64(r->s, col);
}

static const char *
sq_text(struct mu_res *r, int col)
{
	const unsigned char *t = sqlite3_column_text(r->s, col);

	return t != NULL ? (const char *)t : "";
}

static int64_t
sq_changes(struct mu_db *d)
{
	return sqlite3_changes64(d->db);
}

static enum mu_db_err
sq_error(struct mu_db *d, const char **msg)
{
	if (msg != NULL)
		*msg = d->msg;
	return kind(d->rc);
}

static int
sq_version(struct mu_db *d, int64_t *version)
{
	int64_t app;

	return read_ids(d, &app, version);
}

static int
sq_script(struct mu_db *d, const char *script)
{
	return sq_exec(d, script);
}

static int
sq_defer_fk(struct mu_db *d)
{
	return sq_exec(d, "PRAGMA defer_foreign_keys = ON");
}

static void
sq_flush(struct mu_db *d)
{
	/* best effort: SQLITE_BUSY (a reader or a writer) is no failure */
	(void)sqlite3_wal_checkpoint_v2(d->db, NULL,
					SQLITE_CHECKPOINT_TRUNCATE, NULL,
					NULL);
}

static int
sq_integrity(struct mu_db *d,
	     void (*fn)(void *arg, bool problem, const char *what,
			const char *text),
	     void *arg)
{
	sqlite3_stmt *s = NULL;
	char text[512];
	int bad = 0, rc;

	rc = sqlite3_prepare_v2(d->db, "PRAGMA journal_mode", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(s, 0);

		fn(arg, false, "journal", m);
		if (strcmp(m, "wal") != 0)
			fn(arg, true, "journal", "journal mode is not WAL");
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		rc = sqlite3_prepare_v2(d->db, "PRAGMA integrity_check(20)",
					-1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(s, 0);

		if (strcmp(m, "ok") == 0) {
			fn(arg, false, "integrity", "ok");
		} else {
			snprintf(text, sizeof(text), "integrity: %s", m);
			fn(arg, true, "integrity", text);
			bad++;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		rc = sqlite3_prepare_v2(d->db, "PRAGMA foreign_key_check", -1,
					&s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(text, sizeof(text), "foreign key: row %lld of %s "
			 "refers to a missing row of %s",
			 (long long)sqlite3_column_int64(s, 1),
			 (const char *)sqlite3_column_text(s, 0),
			 (const char *)sqlite3_column_text(s, 2));
		fn(arg, true, "references", text);
		bad++;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return failed(d, rc);
	if (bad == 0)
		fn(arg, false, "references", "ok");
	return MU_OK;
}

/* Bulk work: a larger page cache, temporary tables in a file and never
 * in memory whole (set once: changing temp_store drops the temporary
 * tables), and the batches' commits timed by wal_hook. */
static void
sq_bulk(struct mu_db *d, int64_t *released)
{
	if (!d->bulk)
		sqlite3_exec(d->db, "PRAGMA temp_store = FILE; "
			     "PRAGMA main.cache_size = -32768; "
			     "PRAGMA temp.cache_size = -32768", NULL, NULL,
			     NULL);
	d->bulk = true;
	d->released = released;
}

static int
sq_reset(struct mu_db *d)
{
	(void)d;
	return MU_E_STORE;	/* a file has no connection to renew */
}

const struct mu_backend mu_sqlite_backend = {
	.name = "SQLite",
	.open = sq_open,
	.close = sq_close,
	.usable = sq_usable,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock_user = sq_lock_user,
	.query = sq_query,
	.next = sq_next,
	.isnull = sq_isnull,
	.col_int = sq_int,
	.col_text = sq_text,
	.end = sq_end,
	.changes = sq_changes,
	.error = sq_error,
	.version = sq_version,
	.script = sq_script,
	.defer_fk = sq_defer_fk,
	.flush = sq_flush,
	.reset = sq_reset,
	.integrity = sq_integrity,
	.describe = sq_describe,
	.trust = sq_trust,
	.bulk = sq_bulk,
};
