/*
 * The store, whatever its backend: opening it (once per process for the
 * module), the statement layer the operations use, and the log lines of
 * its failures.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mu_config.h"
#include "mu_db.h"
#include "mu_error.h"

struct mu_store {
	const struct mu_backend *be;
	struct mu_db *db;
	pid_t pid;		/* process that opened it */
	struct mu_log log;	/* a copy: the caller's may not outlive us */
	unsigned long busy_ms;
	unsigned long connect_s;
	unsigned flags;
	bool failed;		/* the connection broke: do not keep it */
	int64_t trusted_at;	/* CLOCK_MONOTONIC s of the last trust check
				 * of a kept store */
	char *target;		/* as given, to find a kept store again */
	char name[256];		/* for log lines, never a password */
};

const struct mu_backend *
mu_db_backend(const char *target)
{
	return mu_db_is_pg(target) ? &mu_pgsql_backend : &mu_sqlite_backend;
}

bool
mu_store_is_sqlite(const char *target)
{
	return mu_db_backend(target) == &mu_sqlite_backend;
}

int
mu_store_trust(const char *target, uid_t euid, char *why, size_t whysz)
{
	return mu_db_backend(target)->trust(target, euid, why, whysz);
}

void
mu_store_describe(const char *target, char *buf, size_t bufsz)
{
	mu_db_backend(target)->describe(target, buf, bufsz);
}

int
mu_schema_check(int64_t app, int64_t ver, unsigned flags, char *why,
		size_t whysz)
{
	if (app != MU_APPLICATION_ID) {
		snprintf(why, whysz, "not a mailuser store (wrong "
			 "application_id)");
		return MU_E_STORE;
	}
	if (ver < MU_SCHEMA_VERSION && ver >= 1 && (flags & MU_OPEN_OLDER))
		return MU_OK;
	if (ver < MU_SCHEMA_VERSION && ver >= 1) {
		snprintf(why, whysz, "schema version %lld is older than this "
			 "build's (%d): run \"mailuser-admin migrate\"",
			 (long long)ver, MU_SCHEMA_VERSION);
		return MU_E_STORE;
	}
	if (ver != MU_SCHEMA_VERSION) {
		snprintf(why, whysz, "schema version %lld, this build knows %d "
			 "(install matching versions of the module and "
			 "mailuser-admin)", (long long)ver, MU_SCHEMA_VERSION);
		return MU_E_STORE;
	}
	return MU_OK;
}

/*
 * Failures to open are logged once per outage and process: the first at
 * LOG_ERR, the next ones while it lasts at LOG_DEBUG, and the first
 * success after it at LOG_NOTICE.  An outage is a run of failures of one
 * kind; another kind is logged again.
 */
static struct {
	pthread_mutex_t mu;
	pid_t pid;
	enum mu_db_err kind;	/* MU_DB_OK: none */
	time_t since;
} outage = { PTHREAD_MUTEX_INITIALIZER, 0, MU_DB_OK, 0 };

static void
open_failed(const struct mu_log *log, const char *name, enum mu_db_err kind,
	    const char *why)
{
	bool first;

	pthread_mutex_lock(&outage.mu);
	first = outage.pid != getpid() || outage.kind != kind;
	if (first) {
		outage.pid = getpid();
		outage.kind = kind;
		outage.since = time(NULL);
	}
	pthread_mutex_unlock(&outage.mu);
	if (first)
		mu_logf(log, LOG_ERR, "store %s: %s%s", name, why,
			kind == MU_DB_CONN ? " (logged once until it can be "
			"reached again)" : "");
	else
		mu_logf(log, LOG_DEBUG, "store %s: %s", name, why);
}

static void
open_worked(const struct mu_log *log, const char *name)
{
	enum mu_db_err kind;
	time_t since;

	pthread_mutex_lock(&outage.mu);
	kind = outage.pid == getpid() ? outage.kind : MU_DB_OK;
	since = outage.since;
	outage.kind = MU_DB_OK;
	pthread_mutex_unlock(&outage.mu);
	if (kind == MU_DB_CONN)
		mu_logf(log, LOG_NOTICE, "store %s: reachable again after %lld "
			"s", name, (long long)(time(NULL) - since));
}

int
mu_store_open(const char *target, unsigned long busy_ms,
	      const struct mu_log *log, struct mu_store **out)
{
	return mu_store_open_flags(target, busy_ms, log, 0, out);
}

int
mu_store_open_flags(const char *target, unsigned long busy_ms,
		    const struct mu_log *log, unsigned flags,
		    struct mu_store **out)
{
	return mu_store_open_ext(target, busy_ms, MU_CONNECT_TIMEOUT, log,
				 flags, out);
}

int
mu_store_open_ext(const char *target, unsigned long busy_ms,
		  unsigned long connect_s, const struct mu_log *log,
		  unsigned flags, struct mu_store **out)
{
	struct mu_db_open o;
	struct mu_store *st;
	enum mu_db_err kind = MU_DB_OTHER;
	char why[1024];
	int r;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->target = strdup(target)) == NULL) {
		free(st);
		return MU_E_NOMEM;
	}
	st->be = mu_db_backend(target);
	st->pid = getpid();
	st->busy_ms = busy_ms;
	st->connect_s = connect_s;
	st->flags = flags;
	if (log != NULL)
		st->log = *log;
	st->be->describe(target, st->name, sizeof(st->name));
	o.target = target;
	o.busy_ms = busy_ms;
	o.connect_s = connect_s;
	o.flags = flags;
	o.log = log;
	why[0] = '\0';
	r = st->be->open(&o, &st->db, &kind, why, sizeof(why));
	if (r != MU_OK) {
		open_failed(log, st->name, kind, why);
		free(st->target);
		free(st);
		return r;
	}
	open_worked(log, st->name);
	*out = st;
	return MU_OK;
}

bool
mu_store_is_ours(const struct mu_store *st)
{
	return st != NULL && st->pid == getpid();
}

/* Stores a forked child inherited: never used, never closed (that is
 * the parent's connection), and kept reachable rather than lost. */
#define PARKED_MAX 8
static struct mu_store *parked[PARKED_MAX];

void
mu_store_close(struct mu_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (st->pid != getpid()) {
		for (i = 0; i < PARKED_MAX; i++) {
			if (parked[i] == NULL || parked[i] == st) {
				parked[i] = st;
				return;
			}
		}
	}
	/* A forked child must not touch the parent's connection. */
	st->be->close(st->db, st->pid == getpid());
	free(st->target);
	free(st);
}

/*
 * The kept store: the module is never unloaded (-z nodelete), so a
 * long-lived auth process keeps one open store across PAM transactions.
 * One caller at a time uses it; a second thread meanwhile gets a store
 * of its own, closed at release.
 */
static struct {
	pthread_mutex_t mu;
	struct mu_store *st;
	bool busy;
} kept = { PTHREAD_MUTEX_INITIALIZER, NULL, false };

static int64_t
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

int
mu_store_acquire(const char *target, unsigned long busy_ms,
		 unsigned long connect_s, const struct mu_log *log,
		 unsigned flags, struct mu_store **out)
{
	struct mu_store *st = NULL, *stale = NULL;
	char why[1024];
	int r;

	*out = NULL;
	pthread_mutex_lock(&kept.mu);
	if (kept.st != NULL && kept.st->pid != getpid()) {
		/* inherited across fork: forget it, never use it */
		stale = kept.st;
		kept.st = NULL;
		kept.busy = false;
	}
	if (kept.st != NULL && !kept.busy) {
		if (strcmp(kept.st->target, target) == 0 &&
		    kept.st->flags == flags && kept.st->connect_s == connect_s &&
		    kept.st->busy_ms == busy_ms &&
		    kept.st->be->usable(kept.st->db)) {
			st = kept.st;
			kept.busy = true;
		} else {
			stale = kept.st;
			kept.st = NULL;
		}
	}
	pthread_mutex_unlock(&kept.mu);
	mu_store_close(stale);
	/* the same rules as a fresh open, the files may have changed: at
	 * most once a second (a few system calls a request add up in the
	 * policy daemon) */
	if (st != NULL && (flags & MU_OPEN_TRUSTED) &&
	    mono_s() != st->trusted_at) {
		if (st->be->trust(target, geteuid(), why, sizeof(why)) !=
		    MU_OK) {
			st->failed = true;
			mu_store_release(st);	/* closes it */
			st = NULL;
		} else {
			st->trusted_at = mono_s();
		}
	}
	if (st != NULL) {
		if (log != NULL)
			st->log = *log;
		st->failed = false;
		*out = st;
		return MU_OK;
	}
	if ((r = mu_store_open_ext(target, busy_ms, connect_s, log, flags,
				   &st)) != MU_OK)
		return r;
	st->trusted_at = mono_s();	/* the open checked it */
	pthread_mutex_lock(&kept.mu);
	if (kept.st == NULL) {
		kept.st = st;
		kept.busy = true;
	}
	pthread_mutex_unlock(&kept.mu);
	*out = st;
	return MU_OK;
}

void
mu_store_release(struct mu_store *st)
{
	bool close_it = true;

	if (st == NULL)
		return;
	/* nothing of the caller's log may be used after this */
	memset(&st->log, 0, sizeof(st->log));
	pthread_mutex_lock(&kept.mu);
	if (kept.st == st) {
		close_it = st->failed || st->pid != getpid();
		if (close_it)
			kept.st = NULL;
		kept.busy = false;
	}
	pthread_mutex_unlock(&kept.mu);
	if (close_it)
		mu_store_close(st);
}

/* A kept store is closed when the process exits normally. */
__attribute__((destructor)) static void
kept_close(void)
{
	struct mu_store *st;

	pthread_mutex_lock(&kept.mu);
	st = kept.busy ? NULL : kept.st;
	if (st != NULL)
		kept.st = NULL;
	pthread_mutex_unlock(&kept.mu);
	mu_store_close(st);
}

void
mu_store_log(struct mu_store *st, int prio, const char *what)
{
	const char *msg = "";

	(void)st->be->error(st->db, &msg);
	mu_logf(&st->log, prio, "store %s: %s: %s", st->name, what, msg);
}

const char *
mu_store_errmsg(struct mu_store *st)
{
	const char *msg = "";

	(void)st->be->error(st->db, &msg);
	return msg;
}

struct mu_db *
mu_store_conn(struct mu_store *st)
{
	return st->db;
}

const char *
mu_store_name(struct mu_store *st)
{
	return st->name;
}

const struct mu_backend *
mu_store_backend(struct mu_store *st)
{
	return st->be;
}

int
mu_store_version(struct mu_store *st, int64_t *version)
{
	return st->be->version(st->db, version);
}

enum mu_db_err
mu_db_error(struct mu_store *st, const char **msg)
{
	const char *m = "";
	enum mu_db_err e = st->be->error(st->db, &m);

	if (msg != NULL)
		*msg = m;
	return e;
}

bool
mu_store_retry(struct mu_store *st, int *tries)
{
	if ((*tries)++ > 0 || st->be->error(st->db, NULL) != MU_DB_CONN)
		return false;
	st->be->rollback(st->db);
	if (st->be->reset(st->db) != MU_OK) {
		st->failed = true;
		return false;
	}
	mu_logf(&st->log, LOG_NOTICE, "store %s: connection lost, "
		"reconnected; trying again", st->name);
	return true;
}

void
mu_store_mark_failed(struct mu_store *st)
{
	if (st->be->error(st->db, NULL) == MU_DB_CONN)
		st->failed = true;
}

/* ---- statement layer -------------------------------------------- */

/* The parameters of fmt into args; their number, or -1. */
static int
decode(const char *fmt, va_list ap, struct mu_arg *args)
{
	const int64_t *p;
	int n;

	for (n = 0; fmt[n] != '\0'; n++) {
		if (n == MU_DB_MAXARGS)
			return -1;
		memset(&args[n], 0, sizeof(args[n]));
		switch (fmt[n]) {
		case 'i':
			args[n].type = 'i';
			args[n].i = va_arg(ap, int64_t);
			break;
		case 'n':
			args[n].type = 'i';
			p = va_arg(ap, const int64_t *);
			args[n].isnull = p == NULL;
			args[n].i = p != NULL ? *p : 0;
			break;
		case 't':
			args[n].type = 't';
			args[n].s = va_arg(ap, const char *);
			args[n].isnull = args[n].s == NULL;
			break;
		default:
			return -1;
		}
	}
	return n;
}

int
mu_qv(struct mu_store *st, struct mu_res **res, const char *sql,
      const char *fmt, va_list ap)
{
	struct mu_arg args[MU_DB_MAXARGS];
	va_list aq;
	int n;

	if (res != NULL)
		*res = NULL;
	va_copy(aq, ap);
	n = decode(fmt, aq, args);
	va_end(aq);
	if (n < 0)
		return MU_E_INVAL;
	return st->be->query(st->db, sql, args, n, res);
}

int
mu_q_later(struct mu_store *st, const char *sql, const char *fmt, ...)
{
	struct mu_arg args[MU_DB_MAXARGS];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = decode(fmt, ap, args);
	va_end(ap);
	if (n < 0)
		return MU_E_INVAL;
	if (st->be->send == NULL)
		return st->be->query(st->db, sql, args, n, NULL);
	return st->be->send(st->db, sql, args, n);
}

int
mu_q(struct mu_store *st, struct mu_res **res, const char *sql,
     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = mu_qv(st, res, sql, fmt, ap);
	va_end(ap);
	return r;
}

int
mu_q_int(struct mu_store *st, int64_t *out, bool *found, const char *sql,
	 const char *fmt, ...)
{
	struct mu_res *res;
	va_list ap;
	bool row;
	int r;

	*out = 0;
	va_start(ap, fmt);
	r = mu_qv(st, &res, sql, fmt, ap);
	va_end(ap);
	if (r != MU_OK)
		return r;
	row = mu_row(res);
	if (row)
		*out = mu_int(res, 0);
	if (found != NULL)
		*found = row;
	return mu_done(res);
}

/* A result remembers its backend: the first member of every backend's
 * result is a pointer to it. */
struct mu_res {
	const struct mu_backend *be;
};

bool
mu_row(struct mu_res *r)
{
	return r != NULL && r->be->next(r) == 1;
}

int64_t
mu_int(struct mu_res *r, int col)
{
	return r->be->col_int(r, col);
}

const char *
mu_text(struct mu_res *r, int col)
{
	return r->be->col_text(r, col);
}

bool
mu_null(struct mu_res *r, int col)
{
	return r->be->isnull(r, col);
}

void
mu_copy(struct mu_res *r, int col, char *dst, size_t dstsz)
{
	const char *t = mu_text(r, col);
	size_t n = strlen(t);

	if (n >= dstsz)
		n = 0;
	memcpy(dst, t, n);
	dst[n] = '\0';
}

int
mu_done(struct mu_res *r)
{
	return r == NULL ? MU_OK : r->be->end(r);
}

int64_t
mu_changes(struct mu_store *st)
{
	return st->be->changes(st->db);
}

int
mu_begin(struct mu_store *st, bool write)
{
	return st->be->begin(st->db, write);
}

int
mu_commit(struct mu_store *st)
{
	return st->be->commit(st->db);
}

void
mu_rollback(struct mu_store *st)
{
	st->be->rollback(st->db);
}

int
mu_lock_user(struct mu_store *st, int64_t id)
{
	return st->be->lock_user(st->db, id);
}

int
mu_defer_fk(struct mu_store *st)
{
	return st->be->defer_fk(st->db);
}

void
mu_store_flush(struct mu_store *st)
{
	st->be->flush(st->db);
}
