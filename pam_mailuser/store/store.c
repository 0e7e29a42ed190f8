#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu_error.h"
#include "mu_secret.h"
#include "mu_store.h"

struct mu_store {
	sqlite3 *db;
	pid_t pid;		/* process that opened it */
	struct mu_log log;	/* a copy: the caller's may not outlive us */
	unsigned long busy_ms;
	char path[256];		/* for log lines (may be cut) */
};

/* Checkpoint once the WAL holds this many frames (SQLite's own default
 * is 1000, run at close as well). */
#define MU_WAL_FRAMES 64

/* After each commit: once the WAL is long enough, copy it into the
 * database and truncate it, without waiting for other connections (a
 * busy checkpoint is simply tried again at a later commit). */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct mu_store *st = arg;

	if (frames < MU_WAL_FRAMES)
		return SQLITE_OK;
	sqlite3_busy_timeout(db, 0);
	(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE,
					NULL, NULL);
	sqlite3_busy_timeout(db, (int)st->busy_ms);
	return SQLITE_OK;
}

static int
fail(const struct mu_log *log, const char *path, const char *what,
     const char *detail)
{
	mu_logf(log, LOG_ERR, "store %s: %s%s%s", path, what,
		detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return MU_E_STORE;
}

/* Check the file before SQLite sees it, for a clear message. */
static int
precheck(const char *path, const struct mu_log *log)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return fail(log, path, "cannot open", strerror(errno));
	if (S_ISLNK(sb.st_mode))
		return fail(log, path, "refusing a symbolic link", NULL);
	if (!S_ISREG(sb.st_mode))
		return fail(log, path, "not a regular file", NULL);
	return MU_OK;
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

int
mu_store_trust(const char *path, uid_t euid, char *why, size_t whysz)
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

static int
check_schema(sqlite3 *db, const char *path, unsigned flags,
	     const struct mu_log *log)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;
	sqlite3_int64 app, ver;

	rc = sqlite3_prepare_v2(db, "SELECT (SELECT application_id FROM "
				"pragma_application_id), (SELECT user_version "
				"FROM pragma_user_version)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(log, path, (rc & 0xff) == SQLITE_BUSY ?
			    "busy (locked past busy_timeout)" :
			    "not a usable database", sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = fail(log, path, (rc & 0xff) == SQLITE_BUSY ?
			   "busy (locked past busy_timeout)" :
			   "not a usable database", sqlite3_errmsg(db));
		goto out;
	}
	app = sqlite3_column_int64(st, 0);
	ver = sqlite3_column_int64(st, 1);
	if (app != MU_APPLICATION_ID) {
		ret = fail(log, path, "not a mailuser store (wrong "
			   "application_id)", NULL);
		goto out;
	}
	if (ver < MU_SCHEMA_VERSION && ver >= 1 && (flags & MU_OPEN_OLDER)) {
		ret = MU_OK;
		goto out;
	}
	if (ver < MU_SCHEMA_VERSION && ver >= 1) {
		mu_logf(log, LOG_ERR, "store %s: schema version %lld is older "
			"than this build's (%d): run \"mailuser-admin migrate\"",
			path, (long long)ver, MU_SCHEMA_VERSION);
		ret = MU_E_STORE;
		goto out;
	}
	if (ver != MU_SCHEMA_VERSION) {
		mu_logf(log, LOG_ERR, "store %s: schema version %lld, this "
			"build knows %d (install matching versions of the "
			"module and mailuser-admin)", path,
			(long long)ver, MU_SCHEMA_VERSION);
		ret = MU_E_STORE;
		goto out;
	}
	ret = MU_OK;
out:
	sqlite3_finalize(st);
	return ret;
}

int
mu_store_open(const char *path, unsigned long busy_ms,
	      const struct mu_log *log, struct mu_store **out)
{
	return mu_store_open_flags(path, busy_ms, log, 0, out);
}

int
mu_store_open_flags(const char *path, unsigned long busy_ms,
		    const struct mu_log *log, unsigned flags,
		    struct mu_store **out)
{
	char why[PATH_MAX + 96];
	struct mu_store *st;
	int rc, ret, one = 1;

	*out = NULL;
	if ((ret = precheck(path, log)) != MU_OK)
		return ret;
	if ((flags & MU_OPEN_TRUSTED) &&
	    mu_store_trust(path, geteuid(), why, sizeof(why)) != MU_OK) {
		mu_logf(log, LOG_ERR, "store %s: refusing a store that others "
			"could change or read (%s); fix the owner and modes "
			"(\"mailuser-admin check\" lists them)", path, why);
		return MU_E_STORE;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return MU_E_NOMEM;
	st->pid = getpid();
	st->busy_ms = busy_ms;
	if (log != NULL)
		st->log = *log;
	snprintf(st->path, sizeof(st->path), "%s", path);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX |
			     SQLITE_OPEN_PRIVATECACHE, NULL);
	if (rc != SQLITE_OK) {
		ret = fail(log, path, "cannot open",
			   st->db != NULL ? sqlite3_errmsg(st->db) :
			   sqlite3_errstr(rc));
		goto err;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, (int)busy_ms);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
			  NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, NULL);
	if ((ret = check_schema(st->db, path, flags, log)) != MU_OK)
		goto err;
	/* WAL: a commit is durable at the next checkpoint; no fsync per
	 * failure counted */
	sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	/* Keep the -wal and -shm files that init made with the right group
	 * and mode when the last connection closes, but empty: a kept WAL
	 * would otherwise be read whole by every later open. */
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	sqlite3_exec(st->db, "PRAGMA journal_size_limit=0", NULL, NULL, NULL);
	/* No checkpoint (four syncs) at every close, as the only connection
	 * of a login would do: wal_hook checkpoints every MU_WAL_FRAMES. */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(st->db, wal_hook, st);
	*out = st;
	return MU_OK;
err:
	sqlite3_close(st->db);
	free(st);
	return ret;
}

bool
mu_store_is_ours(const struct mu_store *st)
{
	return st != NULL && st->pid == getpid();
}

void
mu_store_close(struct mu_store *st)
{
	if (st == NULL)
		return;
	/* A forked child must not touch the parent's connection. */
	if (st->pid == getpid())
		sqlite3_close(st->db);
	free(st);
}

void
mu_store_log(struct mu_store *st, int prio, const char *what)
{
	mu_logf(&st->log, prio, "store %s: %s: %s", st->path, what,
		sqlite3_errmsg(st->db));
}

sqlite3 *
mu_store_db(struct mu_store *st)
{
	return st->db;
}

int
mu_store_version(struct mu_store *st, int64_t *version)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*version = 0;
	rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		*version = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? MU_OK : MU_E_STORE;
}

static void
copy_text(sqlite3_stmt *s, int col, char *dst, size_t dstsz)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	int n = sqlite3_column_bytes(s, col);

	if (t == NULL || n < 0 || (size_t)n >= dstsz) {
		dst[0] = '\0';
		return;
	}
	memcpy(dst, t, (size_t)n);
	dst[n] = '\0';
}

int
mu_store_get_user(struct mu_store *st, const char *name, struct mu_user *u)
{
	static const char sql[] =
	    "SELECT u.id, u.name, u.hash, u.disabled, d.disabled, u.expires, "
	    "u.pw_changed, u.force_change, u.locked_at IS NOT NULL, "
	    "coalesce(u.max_days, d.max_days, -1), "
	    "coalesce(u.min_days, d.min_days, -1), "
	    "coalesce(u.warn_days, d.warn_days, -1), "
	    "coalesce(u.grace_days, d.grace_days, -1) "
	    "FROM users u JOIN domains d ON d.id = u.domain_id "
	    "WHERE u.name = ?1";
	sqlite3_stmt *s = NULL;
	int rc, ret;

	memset(u, 0, sizeof(*u));
	rc = sqlite3_prepare_v3(st->db, sql, sizeof(sql), 0, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return fail(&st->log, st->path, "lookup failed",
			    sqlite3_errmsg(st->db));
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		ret = MU_E_NOUSER;
	} else if (rc == SQLITE_ROW) {
		u->id = sqlite3_column_int64(s, 0);
		copy_text(s, 1, u->name, sizeof(u->name));
		copy_text(s, 2, u->hash, sizeof(u->hash));
		u->disabled = sqlite3_column_int(s, 3) != 0;
		u->domain_disabled = sqlite3_column_int(s, 4) != 0;
		u->has_expires = sqlite3_column_type(s, 5) != SQLITE_NULL;
		u->expires = sqlite3_column_int64(s, 5);
		u->pw_changed = sqlite3_column_int64(s, 6);
		u->force_change = sqlite3_column_int(s, 7) != 0;
		u->locked = sqlite3_column_int(s, 8) != 0;
		u->aging.max_days = sqlite3_column_int64(s, 9);
		u->aging.min_days = sqlite3_column_int64(s, 10);
		u->aging.warn_days = sqlite3_column_int64(s, 11);
		u->aging.grace_days = sqlite3_column_int64(s, 12);
		ret = MU_OK;
	} else {
		ret = fail(&st->log, st->path, rc == SQLITE_BUSY ?
			   "busy (locked past busy_timeout)" : "lookup failed",
			   sqlite3_errmsg(st->db));
	}
	sqlite3_finalize(s);
	return ret;
}

int
mu_store_rehash(struct mu_store *st, int64_t id, const char *old_hash,
		const char *new_hash)
{
	static const char sql[] =
	    "UPDATE users SET hash = ?1 WHERE id = ?2 AND hash = ?3";
	sqlite3_stmt *s = NULL;
	int rc, ret;

	rc = sqlite3_prepare_v2(st->db, sql, sizeof(sql), &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 1, new_hash, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 3, old_hash, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		ret = sqlite3_changes(st->db) == 1 ? MU_OK : MU_E_CONFLICT;
	else
		ret = fail(&st->log, st->path, "rehash failed",
			   sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return ret;
}

void
mu_user_wipe(struct mu_user *u)
{
	if (u != NULL)
		mu_wipe(u->hash, sizeof(u->hash));
}
