/*
 * The PostgreSQL backend: one database for a fleet of mail servers, through
 * libpq.
 *
 * The connection string goes to libpq as it is (TLS, passfile, several
 * hosts, target_session_attrs ...), after defaults it may override:
 * connect_timeout, fallback_application_name and client_encoding.  The
 * session's lock_timeout is set and the schema read in one round trip.
 *
 * Statements are prepared once per session, named after their cache slot,
 * with the parameter types of their first use (int8 or text), and run in
 * text format.  The first run of a statement sends its Parse in the same
 * round trip as its Execute (pipeline mode), and BEGIN is sent with the
 * transaction's first statement rather than on its own: in the steady
 * state every statement costs one round trip, and a transaction one more
 * (its COMMIT).  A result holds the whole PGresult: the callers page long
 * lists by key.
 *
 * Write transactions run at READ COMMITTED, serialised per user by a row
 * lock (lock_user); read transactions at REPEATABLE READ, so that the
 * pages of one export see one snapshot, as an SQLite read transaction does
 * (a write in one fails with a serialization error, MU_DB_BUSY, when
 * another session changed the row meanwhile, as SQLite's does).
 */
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mu_db.h"
#include "mu_error.h"

/* Prepared statements kept per session (open addressing). */
#define CACHE_SLOTS 256
/* Type oids of the parameters (pg_type.h is not for clients). */
#define INT8OID 20
#define TEXTOID 25

/* A write transaction does not wait for its commit record to reach the
 * disk (synchronous_commit off, for this transaction only): a crash of
 * the server may lose the last fraction of a second of counter updates,
 * the durability the SQLite store has too (WAL, synchronous=NORMAL),
 * and a login does not wait for a disk flush.  It never corrupts. */
static const char BEGIN_WRITE[] =
    "BEGIN; SET LOCAL synchronous_commit = off";
#define BEGIN_WRITE_1 "BEGIN"
#define BEGIN_WRITE_2 "SET LOCAL synchronous_commit = off"
static const char BEGIN_READ[] = "BEGIN ISOLATION LEVEL REPEATABLE READ";

struct mu_res {
	const struct mu_backend *be;	/* first: see store.c */
	struct mu_db *db;
	PGresult *r;
	int row;		/* the current row, -1 before the first */
	int nrows;
	bool cached;		/* else freed by end */
};

struct slot {
	const char *sql;	/* the key: the SQL constant's address */
	bool prepared;		/* in this session, as "mu_INDEX" */
	struct mu_res res;
};

/* A statement sent later (mu_backend.send): its values copied. */
struct queued {
	struct slot *s;
	int n;
	Oid types[MU_DB_MAXARGS];
	char *vals[MU_DB_MAXARGS];
};
#define QUEUE_MAX 16

struct mu_db {
	PGconn *conn;
	char *target;		/* for a new session; wiped at close */
	unsigned long busy_ms;
	unsigned long connect_s;
	unsigned flags;		/* of the open, checked again at a reset */
	const char *begin;	/* a BEGIN to send with the next statement */
	int64_t changes;
	enum mu_db_err err;
	bool read_only;		/* the session refused a write (25006): a
				 * new one may not (see pg_usable) */
	char msg[MU_DB_ERRMAX];
	struct slot cache[CACHE_SLOTS];
	struct queued queue[QUEUE_MAX];	/* sent with the next statement */
	int nqueue;
};

static enum mu_db_err
kind(const char *state)
{
	static const struct {
		const char *state;	/* a class ("08") or a code */
		enum mu_db_err err;
	} map[] = {
		{ "08", MU_DB_CONN },		/* connection exception */
		{ "57P01", MU_DB_CONN },	/* admin shutdown */
		{ "57P02", MU_DB_CONN },	/* crash shutdown */
		{ "57P03", MU_DB_CONN },	/* cannot connect now */
		{ "23", MU_DB_CONSTRAINT },	/* integrity constraint */
		{ "55P03", MU_DB_BUSY },	/* lock not available */
		{ "40001", MU_DB_BUSY },	/* serialization failure */
		{ "40P01", MU_DB_BUSY },	/* deadlock detected */
		{ "53100", MU_DB_FULL },	/* disk full */
		{ "25006", MU_DB_READONLY },	/* read-only transaction */
		{ "42501", MU_DB_READONLY },	/* insufficient privilege */
	};
	size_t i;

	if (state == NULL || strlen(state) != 5)
		return MU_DB_OTHER;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(state, map[i].state, strlen(map[i].state)) == 0)
			return map[i].err;
	return MU_DB_OTHER;
}

/* Copy a libpq message into dst as one line: runs of white space (libpq
 * writes "\n\t" between the parts of one message) become one space, other
 * control bytes '?'.  redact: the text between double quotes becomes
 * "...", for messages that may quote a piece of the connection string. */
static void
one_line(char *dst, size_t dstsz, const char *src, bool redact)
{
	size_t n = 0;
	bool space = false, quoted = false;

	for (; *src != '\0' && n + 6 < dstsz; src++) {
		unsigned char c = (unsigned char)*src;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = n > 0;
			continue;
		}
		if (space && !quoted)
			dst[n++] = ' ';
		space = false;
		if (redact && c == '"') {
			quoted = !quoted;
			if (quoted) {
				memcpy(dst + n, "\"...", 4);
				n += 4;
			} else {
				dst[n++] = '"';
			}
			continue;
		}
		if (redact && quoted)
			continue;
		dst[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[n] = '\0';
}

/* Remember why a statement failed, before a ROLLBACK could replace it.
 * A server's error keeps its main line and SQLSTATE only: its DETAIL may
 * quote a row (a hash). */
static int
failed(struct mu_db *d, const PGresult *r)
{
	const char *state = NULL, *primary = NULL;

	if (r != NULL) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (PQstatus(d->conn) != CONNECTION_OK) {
		d->err = MU_DB_CONN;
		one_line(d->msg, sizeof(d->msg), PQerrorMessage(d->conn),
			 false);
	} else if (primary != NULL) {
		char line[MU_DB_ERRMAX - 16];

		d->err = kind(state);
		if (state != NULL && strcmp(state, "25006") == 0)
			d->read_only = true;
		one_line(line, sizeof(line), primary, false);
		snprintf(d->msg, sizeof(d->msg), "%s (%.11s)", line,
			 state != NULL ? state : "no SQLSTATE");
	} else {
		/* libpq's own: out of memory, a protocol error */
		d->err = MU_DB_OTHER;
		one_line(d->msg, sizeof(d->msg), r != NULL ?
			 PQresultErrorMessage(r) : PQerrorMessage(d->conn),
			 false);
	}
	if (d->msg[0] == '\0')
		snprintf(d->msg, sizeof(d->msg), "unknown error");
	return MU_E_STORE;
}

static bool
ok(const PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);

	return r != NULL && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK);
}

/* Notices (a WARNING of the server) are not ours to print: libpq would
 * write them to the standard error of the mail server. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Drop the statements queued to be sent later. */
static void
drop_queue(struct mu_db *d)
{
	int i, j;

	for (i = 0; i < d->nqueue; i++)
		for (j = 0; j < d->queue[i].n; j++) {
			free(d->queue[i].vals[j]);
			d->queue[i].vals[j] = NULL;
		}
	d->nqueue = 0;
}

/* Drop every result and every prepared statement: a new session. */
static void
forget(struct mu_db *d)
{
	size_t i;

	drop_queue(d);
	for (i = 0; i < CACHE_SLOTS; i++) {
		d->cache[i].prepared = false;
		PQclear(d->cache[i].res.r);
		d->cache[i].res.r = NULL;
	}
	d->begin = NULL;
}

static PGresult *pipeline(struct mu_db *d, struct slot *s, const char *sql,
			  int n, const Oid *types, const char *const *vals,
			  const char *tail);

/* Run a plain statement (or several, separated by ';'), with a pending
 * BEGIN in the same round trip.  NULL when out of memory. */
static PGresult *
exec(struct mu_db *d, const char *sql)
{
	PGresult *r;
	char *both;

	/* statements queued to be sent later go first */
	if (d->nqueue > 0) {
		r = pipeline(d, NULL, NULL, 0, NULL, NULL, NULL);
		PQclear(r);
		if (d->nqueue != 0 || PQstatus(d->conn) != CONNECTION_OK ||
		    PQtransactionStatus(d->conn) == PQTRANS_INERROR)
			return NULL;
	}
	if (d->begin == NULL)
		return PQexec(d->conn, sql);
	if ((both = malloc(strlen(d->begin) + strlen(sql) + 3)) == NULL)
		return NULL;
	sprintf(both, "%s; %s", d->begin, sql);
	d->begin = NULL;
	r = PQexec(d->conn, both);
	free(both);
	return r;
}

static int
simple(struct mu_db *d, const char *sql)
{
	PGresult *r = exec(d, sql);
	int ret = ok(r) ? MU_OK : failed(d, r);

	PQclear(r);
	return ret;
}

/* Set up a new session: lock_timeout (busy_ms; 0 means "do not wait", as
 * for SQLite, and is 1 ms here, PostgreSQL's 0 being "wait forever"), and
 * the schema check, in one round trip.  The statements of a simple query
 * are one transaction: when the SELECT fails, the SET is undone too. */
static int
session(struct mu_db *d, enum mu_db_err *err, char *why, size_t whysz)
{
	unsigned long ms = d->busy_ms > 0 ? d->busy_ms : 1;
	const char *state;
	int64_t app = 0, ver = 0;
	char sql[160];
	PGresult *r;

	PQsetNoticeProcessor(d->conn, quiet, NULL);
	snprintf(sql, sizeof(sql), "SET lock_timeout = %lu; SELECT "
		 "application_id, schema_version FROM mailuser_meta", ms);
	r = PQexec(d->conn, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		if (PQntuples(r) == 1 && PQnfields(r) == 2) {
			app = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
			ver = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
		}
		PQclear(r);
	} else {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (state == NULL || strcmp(state, "42P01") != 0 ||
		    PQstatus(d->conn) != CONNECTION_OK) {
			(void)failed(d, r);
			PQclear(r);
			*err = d->err;
			snprintf(why, whysz, "cannot read the schema version: "
				 "%s", d->msg);
			return MU_E_STORE;
		}
		PQclear(r);
		/* no table mailuser_meta: an empty database (init) */
		if (!(d->flags & MU_OPEN_EMPTY)) {
			*err = MU_DB_SCHEMA;
			snprintf(why, whysz, "not a mailuser store (no table "
				 "mailuser_meta)");
			return MU_E_STORE;
		}
		snprintf(sql, sizeof(sql), "SET lock_timeout = %lu", ms);
		if (simple(d, sql) != MU_OK) {
			*err = d->err;
			snprintf(why, whysz, "%s", d->msg);
			return MU_E_STORE;
		}
	}
	*err = MU_DB_SCHEMA;
	if (app == 0 && ver == 0 && (d->flags & MU_OPEN_EMPTY))
		return MU_OK;
	return mu_schema_check(app, ver, d->flags, why, whysz);
}

/* Connect (a first time, or again after a broken session). */
static int
connect_db(struct mu_db *d, enum mu_db_err *err, char *why, size_t whysz)
{
	const char *keys[] = {
		"connect_timeout", "fallback_application_name",
		"client_encoding", "dbname", NULL
	};
	const char *vals[5];
	char timeout[24];

	/* first: what the target says overrides these */
	snprintf(timeout, sizeof(timeout), "%lu", d->connect_s);
	vals[0] = timeout;
	vals[1] = "pam_mailuser";
	vals[2] = "UTF8";
	vals[3] = d->target;
	vals[4] = NULL;
	PQfinish(d->conn);
	forget(d);
	d->read_only = false;
	if ((d->conn = PQconnectdbParams(keys, vals, 1)) == NULL) {
		*err = d->err = MU_DB_OTHER;
		snprintf(d->msg, sizeof(d->msg), "out of memory");
		snprintf(why, whysz, "out of memory");
		return MU_E_NOMEM;
	}
	if (PQstatus(d->conn) != CONNECTION_OK) {
		*err = d->err = MU_DB_CONN;
		one_line(d->msg, sizeof(d->msg), PQerrorMessage(d->conn),
			 false);
		snprintf(why, whysz, "cannot connect: %s", d->msg);
		return MU_E_STORE;
	}
	return session(d, err, why, whysz);
}

static void
pg_close(struct mu_db *d, bool ours)
{
	int fd, nul = -1;

	if (d == NULL)
		return;
	forget(d);
	if (d->conn != NULL && !ours) {
		/* After fork: PQfinish would say goodbye on the parent's
		 * session.  Point our copy of the socket at /dev/null first
		 * (its write fails, unheard), or else leave the memory. */
		fd = PQsocket(d->conn);
		if (fd >= 0)
			nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0 && dup2(nul, fd) == fd)
			fd = -1;
		if (nul >= 0)
			close(nul);
		if (fd >= 0)
			d->conn = NULL;
	}
	PQfinish(d->conn);
	if (d->target != NULL) {
		explicit_bzero(d->target, strlen(d->target));
		free(d->target);
	}
	free(d);
}

static int
pg_open(const struct mu_db_open *o, struct mu_db **out, enum mu_db_err *err,
	char *why, size_t whysz)
{
	PQconninfoOption *opts;
	struct mu_db *d;
	char *perr = NULL;
	int r;

	*out = NULL;
	*err = MU_DB_OTHER;
	if ((opts = PQconninfoParse(o->target, &perr)) == NULL) {
		char line[MU_DB_ERRMAX];

		/* the message may quote a piece of it: a password */
		one_line(line, sizeof(line), perr != NULL ? perr :
			 "out of memory", true);
		snprintf(why, whysz, "invalid connection string: %s", line);
		PQfreemem(perr);
		return MU_E_STORE;
	}
	PQconninfoFree(opts);
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->target = strdup(o->target)) == NULL) {
		free(d);
		snprintf(why, whysz, "out of memory");
		return MU_E_NOMEM;
	}
	d->busy_ms = o->busy_ms;
	d->connect_s = o->connect_s;
	d->flags = o->flags;
	if ((r = connect_db(d, err, why, whysz)) != MU_OK) {
		pg_close(d, true);
		return r;
	}
	*out = d;
	return MU_OK;
}

/* Connected, idle, and not told by the server that it went away: a
 * server that stopped has sent an error and closed the socket, seen here
 * without a round trip, so the next login opens a new session instead of
 * failing once first.  The error and the end of the stream may come in
 * two reads: read while there is something to read (a few times at most:
 * an idle session receives little else).  A session that refused a write
 * as read-only is not kept either: its read-only default was taken when
 * it began (ALTER DATABASE ... SET default_transaction_read_only, a hot
 * standby), and a new session may be writable again, or reach the
 * primary with target_session_attrs=read-write. */
static bool
pg_usable(struct mu_db *d)
{
	struct pollfd p;
	int i;

	if (d->read_only || PQstatus(d->conn) != CONNECTION_OK ||
	    PQtransactionStatus(d->conn) != PQTRANS_IDLE || d->begin != NULL ||
	    d->nqueue != 0)
		return false;
	p.fd = PQsocket(d->conn);
	p.events = POLLIN;
	for (i = 0; i < 8; i++) {
		p.revents = 0;
		if (p.fd < 0)
			return false;
		if (poll(&p, 1, 0) <= 0)
			return true;
		if (!PQconsumeInput(d->conn) ||
		    PQstatus(d->conn) != CONNECTION_OK)
			return false;
	}
	return true;
}

/* BEGIN goes with the transaction's first statement. */
static int
pg_begin(struct mu_db *d, bool write)
{
	d->begin = write ? BEGIN_WRITE : BEGIN_READ;
	return MU_OK;
}

/* A COMMIT of a failed transaction answers "ROLLBACK" without an error:
 * that is a failure (the statement's own error is kept). */
static int
pg_commit(struct mu_db *d)
{
	PGresult *r;
	int ret;

	if (d->begin != NULL && d->nqueue == 0) {
		d->begin = NULL;	/* nothing was sent */
		return MU_OK;
	}
	if (PQtransactionStatus(d->conn) == PQTRANS_INERROR) {
		drop_queue(d);
		PQclear(PQexec(d->conn, "ROLLBACK"));
		return MU_E_STORE;
	}
	/* the statements sent later go with the COMMIT */
	r = d->nqueue > 0 ? pipeline(d, NULL, NULL, 0, NULL, NULL, "COMMIT") :
	    PQexec(d->conn, "COMMIT");
	if (r == NULL) {
		if (PQstatus(d->conn) == CONNECTION_OK &&
		    PQtransactionStatus(d->conn) != PQTRANS_IDLE)
			PQclear(PQexec(d->conn, "ROLLBACK"));
		return MU_E_STORE;
	}
	if (!ok(r))
		ret = failed(d, r);
	else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
		ret = MU_E_STORE;
	else
		ret = MU_OK;
	PQclear(r);
	return ret;
}

static void
pg_rollback(struct mu_db *d)
{
	PGTransactionStatusType t = PQtransactionStatus(d->conn);

	d->begin = NULL;
	drop_queue(d);
	if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
		PQclear(PQexec(d->conn, "ROLLBACK"));
}

static struct slot *
cache_find(struct mu_db *d, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS, i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		struct slot *s = &d->cache[(h + i) % CACHE_SLOTS];

		if (s->sql == sql || s->sql == NULL) {
			s->sql = sql;
			return s;
		}
	}
	return NULL;
}

/* Rows changed by the statement of r; others leave the count alone, as
 * SQLite's sqlite3_changes does. */
static void
count_changes(struct mu_db *d, PGresult *r)
{
	const char *cmd = PQcmdStatus(r);

	if (strncmp(cmd, "INSERT ", 7) == 0 ||
	    strncmp(cmd, "UPDATE ", 7) == 0 ||
	    strncmp(cmd, "DELETE ", 7) == 0 || strncmp(cmd, "MERGE ", 6) == 0)
		d->changes = strtoll(PQcmdTuples(r), NULL, 10);
}

/* The name of a cache slot's prepared statement. */
static void
slot_name(struct mu_db *d, const struct slot *s, char *name, size_t namesz)
{
	snprintf(name, namesz, "mu_%zu", (size_t)(s - d->cache));
}

/* The commands of one pipeline: what each result answers. */
struct sent {
	struct slot *prep;	/* a Parse of this slot, else NULL */
	bool counted;		/* an Execute whose changes count */
};

/* Send the Parse (when it is not prepared yet, nor being prepared in this
 * pipeline) and the Execute of slot s. */
static bool
send_one(struct mu_db *d, struct slot *s, int n, const Oid *types,
	 const char *const *vals, struct sent *cmd, int *sent)
{
	char name[16];

	slot_name(d, s, name, sizeof(name));
	if (!s->prepared) {
		if (!PQsendPrepare(d->conn, name, s->sql, n, types))
			return false;
		s->prepared = true;	/* settled by the Parse's result */
		cmd[(*sent)++] = (struct sent){ s, false };
	}
	if (!PQsendQueryPrepared(d->conn, name, n, vals, NULL, NULL, 0))
		return false;
	cmd[(*sent)++] = (struct sent){ NULL, true };
	return true;
}

/*
 * One round trip: a pending BEGIN, the statements queued by pg_send, then
 * the statement of slot s (or sql when it has no slot) or else tail, a
 * plain statement (COMMIT); each statement's Parse goes with its first
 * Execute.  The last command's result, or NULL with the first error
 * remembered (after an error the server skips the rest up to the sync).
 * A broken pipeline leaves the session unusable: MU_DB_CONN, and the
 * caller reconnects.
 */
static PGresult *
pipeline(struct mu_db *d, struct slot *s, const char *sql, int n,
	 const Oid *types, const char *const *vals, const char *tail)
{
	enum { MAXCMD = 3 + 2 * (QUEUE_MAX + 1) };
	PGresult *res[MAXCMD], *x, *out = NULL;
	struct sent cmd[MAXCMD];
	int sent = 0, got = 0, nulls = 0, i, bad = -1;
	bool synced = false;

	memset(res, 0, sizeof(res));
	if (!PQenterPipelineMode(d->conn))
		goto broken;
	if (d->begin != NULL) {
		/* the extended protocol takes one statement a message */
		bool w = d->begin == BEGIN_WRITE;

		if (!PQsendQueryParams(d->conn, w ? BEGIN_WRITE_1 : d->begin,
				       0, NULL, NULL, NULL, NULL, 0))
			goto broken;
		cmd[sent++] = (struct sent){ NULL, false };
		if (w && !PQsendQueryParams(d->conn, BEGIN_WRITE_2, 0, NULL,
					    NULL, NULL, NULL, 0))
			goto broken;
		if (w)
			cmd[sent++] = (struct sent){ NULL, false };
		d->begin = NULL;
	}
	for (i = 0; i < d->nqueue; i++) {
		struct queued *q = &d->queue[i];

		if (!send_one(d, q->s, q->n, q->types,
			      (const char *const *)q->vals, cmd, &sent))
			goto broken;
	}
	drop_queue(d);
	if (s != NULL) {
		if (!send_one(d, s, n, types, vals, cmd, &sent))
			goto broken;
	} else if (sql != NULL || tail != NULL) {
		if (!PQsendQueryParams(d->conn, sql != NULL ? sql : tail, n,
				       types, vals, NULL, NULL, 0))
			goto broken;
		cmd[sent++] = (struct sent){ NULL, sql != NULL };
	}
	if (!PQpipelineSync(d->conn))
		goto broken;
	/* each command's result, then NULL; then the sync's */
	while (nulls <= sent) {
		if ((x = PQgetResult(d->conn)) == NULL) {
			if (PQstatus(d->conn) != CONNECTION_OK)
				break;
			nulls++;
			continue;
		}
		if (PQresultStatus(x) == PGRES_PIPELINE_SYNC) {
			PQclear(x);
			synced = true;
			break;
		}
		if (got < sent)
			res[got++] = x;
		else
			PQclear(x);
	}
	/* a Parse the server skipped or refused prepared nothing */
	for (i = 0; i < sent; i++)
		if (cmd[i].prep != NULL && (i >= got || !ok(res[i])))
			cmd[i].prep->prepared = false;
	for (i = 0; i < got && bad < 0; i++)
		if (!ok(res[i]))
			bad = i;
	if (!synced || !PQexitPipelineMode(d->conn) || got != sent) {
		(void)failed(d, bad >= 0 ? res[bad] : NULL);
		d->err = MU_DB_CONN;
		goto out;
	}
	if (bad >= 0) {
		(void)failed(d, res[bad]);
		goto out;
	}
	for (i = 0; i < sent; i++)
		if (cmd[i].counted)
			count_changes(d, res[i]);
	if (sent > 0) {
		out = res[sent - 1];
		res[sent - 1] = NULL;
	}
out:
	for (i = 0; i < got; i++)
		PQclear(res[i]);
	return out;
broken:
	drop_queue(d);
	for (i = 0; i < sent; i++)
		if (cmd[i].prep != NULL)
			cmd[i].prep->prepared = false;
	d->err = MU_DB_CONN;
	one_line(d->msg, sizeof(d->msg), PQerrorMessage(d->conn), false);
	/* leave pipeline mode if it can; else PQstatus tells the rest */
	while (PQpipelineStatus(d->conn) != PQ_PIPELINE_OFF &&
	       !PQexitPipelineMode(d->conn)) {
		if ((x = PQgetResult(d->conn)) == NULL &&
		    PQstatus(d->conn) != CONNECTION_OK)
			break;
		PQclear(x);
	}
	return NULL;
}

static int
pg_query(struct mu_db *d, const char *sql, const struct mu_arg *args,
	 int nargs, struct mu_res **out)
{
	struct slot *s = cache_find(d, sql);
	const char *vals[MU_DB_MAXARGS];
	char nums[MU_DB_MAXARGS][24], name[16] = "";
	Oid types[MU_DB_MAXARGS];
	struct mu_res *r;
	PGresult *pr;
	int i;

	if (out != NULL)
		*out = NULL;
	if (nargs < 0 || nargs > MU_DB_MAXARGS)
		return MU_E_INVAL;
	for (i = 0; i < nargs; i++) {
		types[i] = args[i].type == 'i' ? INT8OID : TEXTOID;
		if (args[i].isnull) {
			vals[i] = NULL;
		} else if (args[i].type == 'i') {
			snprintf(nums[i], sizeof(nums[i]), "%lld",
				 (long long)args[i].i);
			vals[i] = nums[i];
		} else {
			vals[i] = args[i].s;
		}
	}
	if (s != NULL)
		slot_name(d, s, name, sizeof(name));
	if (d->begin == NULL && d->nqueue == 0 && s != NULL && s->prepared)
		pr = PQexecPrepared(d->conn, name, nargs, vals, NULL, NULL, 0);
	else if (d->begin == NULL && d->nqueue == 0 && s == NULL)
		pr = PQexecParams(d->conn, sql, nargs, types, vals, NULL, NULL,
				  0);
	else
		pr = pipeline(d, s, sql, nargs, types, vals, NULL);
	if (pr != NULL && !ok(pr)) {
		(void)failed(d, pr);
		PQclear(pr);
		pr = NULL;
	}
	if (pr == NULL)
		return MU_E_STORE;
	count_changes(d, pr);
	if (out == NULL) {
		PQclear(pr);
		return MU_OK;
	}
	if (s != NULL) {
		r = &s->res;
		PQclear(r->r);	/* one open result per SQL text */
	} else if ((r = calloc(1, sizeof(*r))) == NULL) {
		PQclear(pr);
		return MU_E_NOMEM;
	}
	r->be = &mu_pgsql_backend;
	r->db = d;
	r->r = pr;
	r->row = -1;
	r->nrows = PQntuples(pr);
	r->cached = s != NULL;
	*out = r;
	return MU_OK;
}

/* Queue a statement whose result nobody reads: it goes with the next
 * one that is run, or with the COMMIT, in the same round trip. */
static int
pg_send(struct mu_db *d, const char *sql, const struct mu_arg *args,
	int nargs)
{
	struct slot *s = cache_find(d, sql);
	struct queued *q;
	char num[24];
	int i;

	if (s == NULL || nargs < 0 || nargs > MU_DB_MAXARGS)
		return pg_query(d, sql, args, nargs, NULL);
	if (d->nqueue == QUEUE_MAX) {
		PGresult *r = pipeline(d, NULL, NULL, 0, NULL, NULL, NULL);

		PQclear(r);
		if (d->nqueue != 0 || PQtransactionStatus(d->conn) ==
		    PQTRANS_INERROR)
			return MU_E_STORE;
	}
	q = &d->queue[d->nqueue];
	q->s = s;
	q->n = 0;
	for (i = 0; i < nargs; i++) {
		q->types[i] = args[i].type == 'i' ? INT8OID : TEXTOID;
		q->vals[i] = NULL;
		if (!args[i].isnull) {
			snprintf(num, sizeof(num), "%lld", (long long)args[i].i);
			if ((q->vals[i] = strdup(args[i].type == 'i' ? num :
						 args[i].s)) == NULL) {
				q->n = i;
				d->nqueue++;
				drop_queue(d);
				return MU_E_NOMEM;
			}
		}
		q->n = i + 1;
	}
	d->nqueue++;
	return MU_OK;
}

static int
pg_next(struct mu_res *r)
{
	if (r->row + 1 < r->nrows) {
		r->row++;
		return 1;
	}
	r->row = r->nrows;
	return 0;
}

static bool
pg_isnull(struct mu_res *r, int col)
{
	return r->row < 0 || r->row >= r->nrows || col < 0 ||
	    col >= PQnfields(r->r) || PQgetisnull(r->r, r->row, col);
}

/* An integer, or a boolean ('t', 'f') as 1 or 0. */
static int64_t
pg_int(struct mu_res *r, int col)
{
	const char *v;

	if (pg_isnull(r, col))
		return 0;
	v = PQgetvalue(r->r, r->row, col);
	if (strcmp(v, "t") == 0)
		return 1;
	if (strcmp(v, "f") == 0)
		return 0;
	return strtoll(v, NULL, 10);
}

static const char *
pg_text(struct mu_res *r, int col)
{
	return pg_isnull(r, col) ? "" : PQgetvalue(r->r, r->row, col);
}

static int
pg_end(struct mu_res *r)
{
	if (r == NULL)
		return MU_OK;
	PQclear(r->r);
	r->r = NULL;
	if (!r->cached)
		free(r);
	return MU_OK;	/* every error was the query's */
}

static int64_t
pg_changes(struct mu_db *d)
{
	return d->changes;
}

static enum mu_db_err
pg_error(struct mu_db *d, const char **msg)
{
	if (msg != NULL)
		*msg = d->msg;
	return d->err;
}

static int
pg_lock_user(struct mu_db *d, int64_t id)
{
	/* NO KEY UPDATE: conflicts with itself and with any UPDATE of the
	 * row, not with the key-share locks that inserting a failure or a
	 * history row takes on its user */
	static const char sql[] =
	    "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE";
	struct mu_arg a = { .type = 'i', .i = id };

	/* sent with the transaction's next statement: the lock is taken
	 * before it runs, in the same round trip */
	return pg_send(d, sql, &a, 1);
}

static int
pg_version(struct mu_db *d, int64_t *version)
{
	PGresult *r;
	int ret = MU_OK;
	bool none;

	/* an empty database (init) has version 0 */
	*version = 0;
	r = exec(d, "SELECT to_regclass('mailuser_meta') IS NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		ret = failed(d, r);
		PQclear(r);
		return ret;
	}
	none = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (none)
		return MU_OK;
	r = exec(d, "SELECT schema_version FROM mailuser_meta");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		ret = failed(d, r);
	else if (PQntuples(r) == 1)
		*version = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return ret;
}

static int
pg_script(struct mu_db *d, const char *script)
{
	return simple(d, script);
}

static int
pg_defer_fk(struct mu_db *d)
{
	return simple(d, "SET CONSTRAINTS ALL DEFERRED");
}

/* Old row versions are the server's (VACUUM): nothing to do here. */
static void
pg_flush(struct mu_db *d)
{
	(void)d;
}

/* A new session on the same target; the statements are prepared again
 * at their next use.  A fresh connection rather than PQreset: nothing of
 * the broken one (its pipeline state) is kept. */
static int
pg_reset(struct mu_db *d)
{
	enum mu_db_err err;
	char why[MU_DB_ERRMAX];

	if (connect_db(d, &err, why, sizeof(why)) != MU_OK) {
		d->err = err;
		snprintf(d->msg, sizeof(d->msg), "%s", why);
		return MU_E_STORE;
	}
	return MU_OK;
}

/* "postgresql://user@host:port/dbname", the hosts and ports as given,
 * from what the string says (libpq's defaults and environment aside);
 * never the password. */
static void
pg_describe(const char *target, char *buf, size_t bufsz)
{
	const char *user = "", *host = "", *addr = "", *port = "", *db = "";
	const char *service = "";
	PQconninfoOption *o, *p;

	if ((o = PQconninfoParse(target, NULL)) == NULL) {
		snprintf(buf, bufsz, "postgresql (an invalid connection "
			 "string)");
		return;
	}
	for (p = o; p->keyword != NULL; p++) {
		if (p->val == NULL)
			continue;
		if (strcmp(p->keyword, "user") == 0)
			user = p->val;
		else if (strcmp(p->keyword, "host") == 0)
			host = p->val;
		else if (strcmp(p->keyword, "hostaddr") == 0)
			addr = p->val;
		else if (strcmp(p->keyword, "port") == 0)
			port = p->val;
		else if (strcmp(p->keyword, "dbname") == 0)
			db = p->val;
		else if (strcmp(p->keyword, "service") == 0)
			service = p->val;
	}
	snprintf(buf, bufsz, "postgresql://%s%s%s%s%s/%s%s%s", user,
		 *user != '\0' ? "@" : "", *host != '\0' ? host : addr,
		 *port != '\0' ? ":" : "", port, db,
		 *service != '\0' ? "?service=" : "", service);
	PQconninfoFree(o);
}

static int
pg_trust(const char *target, uid_t euid, char *why, size_t whysz)
{
	(void)target;
	(void)euid;
	(void)why;
	(void)whysz;
	return MU_OK;		/* the server's roles decide */
}

/* What "mailuser-admin check" can say of a PostgreSQL store: the
 * server's version; its integrity and references are the server's. */
static int
pg_integrity(struct mu_db *d,
	     void (*fn)(void *arg, bool problem, const char *what,
			const char *text),
	     void *arg)
{
	static const char sql[] = "SELECT current_setting('server_version')";
	struct mu_res *r;
	char text[128];
	int ret;

	if ((ret = pg_query(d, sql, NULL, 0, &r)) != MU_OK)
		return ret;
	if (pg_next(r) == 1) {
		snprintf(text, sizeof(text), "PostgreSQL %s", pg_text(r, 0));
		fn(arg, false, "server", text);
	}
	if ((ret = pg_end(r)) != MU_OK)
		return ret;
	fn(arg, false, "integrity", "kept by the server");
	fn(arg, false, "references", "enforced by the server");
	return MU_OK;
}

/* After "mailuser-admin copy" inserted rows with their ids: move each
 * identity sequence past the largest id, or the next insert without an
 * id would fail on a duplicate key. */
static int
pg_after_ids(struct mu_db *d)
{
#define SETVAL(t) "SELECT setval(pg_get_serial_sequence('" t "', 'id'), " \
	"coalesce(max(id), 0) + 1, false) FROM " t
	static const char *const sql[] = {
		SETVAL("domains"), SETVAL("users"), SETVAL("pw_history"),
		SETVAL("recent_failures"), SETVAL("audit"),
	};
#undef SETVAL
	size_t i;
	int r = MU_OK;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && r == MU_OK; i++)
		r = pg_query(d, sql[i], NULL, 0, NULL);
	return r;
}

/* A growing buffer of COPY data. */
struct copybuf {
	char *p;
	size_t len, size;
};

static bool
copy_add(struct copybuf *b, const char *s, size_t n)
{
	char *p;

	if (b->len + n > b->size) {
		size_t size = b->size * 2 > b->len + n ? b->size * 2 :
		    b->len + n + 65536;

		if ((p = realloc(b->p, size)) == NULL)
			return false;
		b->p = p;
		b->size = size;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return true;
}

/* One value in COPY's text format: \N for NULL, backslash, tab and line
 * ends escaped. */
static bool
copy_value(struct copybuf *b, const struct mu_arg *a)
{
	char num[24];
	const char *s;
	bool good = true;

	if (a->isnull)
		return copy_add(b, "\\N", 2);
	if (a->type == 'i') {
		snprintf(num, sizeof(num), "%lld", (long long)a->i);
		return copy_add(b, num, strlen(num));
	}
	for (s = a->s; *s != '\0' && good; s++) {
		switch (*s) {
		case '\\':
			good = copy_add(b, "\\\\", 2);
			break;
		case '\t':
			good = copy_add(b, "\\t", 2);
			break;
		case '\n':
			good = copy_add(b, "\\n", 2);
			break;
		case '\r':
			good = copy_add(b, "\\r", 2);
			break;
		default:
			good = copy_add(b, s, 1);
		}
	}
	return good;
}

/* Rows for "mailuser-admin copy": one COPY FROM STDIN, a round trip for
 * many rows instead of one per INSERT. */
static int
pg_put_rows(struct mu_db *d, const char *table, const char *cols,
	    const struct mu_arg *args, int ncols, int nrows)
{
	struct copybuf b = { NULL, 0, 0 };
	const char *begin = d->begin;
	char sql[512];
	PGresult *r;
	bool good = true;
	int i, ret;

	d->begin = NULL;
	if (begin != NULL && (ret = simple(d, begin)) != MU_OK)
		return ret;
	for (i = 0; i < ncols * nrows && good; i++)
		good = copy_value(&b, &args[i]) &&
		    copy_add(&b, (i + 1) % ncols == 0 ? "\n" : "\t", 1);
	if (!good) {
		free(b.p);
		return MU_E_NOMEM;
	}
	snprintf(sql, sizeof(sql), "COPY %s (%s) FROM STDIN", table, cols);
	r = PQexec(d->conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		ret = failed(d, r);
		PQclear(r);
		free(b.p);
		return ret;
	}
	PQclear(r);
	if (PQputCopyData(d->conn, b.p, (int)b.len) != 1)
		(void)PQputCopyEnd(d->conn, "cannot send the rows");
	else
		(void)PQputCopyEnd(d->conn, NULL);
	free(b.p);
	r = PQgetResult(d->conn);
	ret = ok(r) ? MU_OK : failed(d, r);
	PQclear(r);
	while ((r = PQgetResult(d->conn)) != NULL)
		PQclear(r);
	return ret;
}

const struct mu_backend mu_pgsql_backend = {
	.name = "PostgreSQL",
	.open = pg_open,
	.close = pg_close,
	.usable = pg_usable,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock_user = pg_lock_user,
	.query = pg_query,
	.send = pg_send,
	.next = pg_next,
	.isnull = pg_isnull,
	.col_int = pg_int,
	.col_text = pg_text,
	.end = pg_end,
	.changes = pg_changes,
	.error = pg_error,
	.version = pg_version,
	.script = pg_script,
	.defer_fk = pg_defer_fk,
	.flush = pg_flush,
	.reset = pg_reset,
	.describe = pg_describe,
	.trust = pg_trust,
	.integrity = pg_integrity,
	.after_ids = pg_after_ids,
	.put_rows = pg_put_rows,
};
