/*
 * Operations on many rows for mailuser-admin: the transactions of its
 * batches, the two phases of an import, export and copy.  Lists are read
 * in pages of PAGE rows by key, never held whole, on both backends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mu_audit.h"
#include "mu_bulk.h"
#include "mu_db.h"
#include "mu_error.h"

#define PAGE 1000		/* rows per page read */
#define PAGE_SQL "1000"
#define TOOL "mailuser-admin"

/* ---- transactions of the batches ------------------------------------ */

int
mu_bulk_begin(struct mu_store *st, bool write)
{
	return mu_begin(st, write);
}

int
mu_bulk_commit(struct mu_store *st)
{
	return mu_commit(st);
}

void
mu_bulk_mode(struct mu_store *st, int64_t *released)
{
	const struct mu_backend *be = mu_store_backend(st);

	if (be->bulk != NULL)
		be->bulk(mu_store_conn(st), released);
}

int
mu_bulk_audit(struct mu_store *st, const char *action, const char *account,
	      const char *detail)
{
	int r;

	if ((r = mu_begin(st, true)) != MU_OK)
		return r;
	if ((r = mu_audit_add(st, TOOL, action, account, detail)) != MU_OK ||
	    (r = mu_commit(st)) != MU_OK)
		mu_rollback(st);
	return r;
}

int
mu_bulk_domain_id(struct mu_store *st, const char *name, int64_t *id,
		  bool *found)
{
	static const char sql[] = "SELECT id FROM domains WHERE name = $1";

	return mu_q_int(st, id, found, sql, "t", name);
}

/* Run sql with an array of parameters (more than mu_q's varargs hold
 * when they are built in a loop). */
static int
run(struct mu_store *st, const char *sql, const struct mu_arg *args, int n,
    struct mu_res **res)
{
	return mu_store_backend(st)->query(mu_store_conn(st), sql, args, n,
					   res);
}

/* ---- import, phase 1: staging ---------------------------------------- */

/*
 * The staged rows live in temporary tables of this connection: SQLite
 * keeps them in its temporary file (bulk mode: never in memory whole),
 * outside the store, taking no lock on it; PostgreSQL in the session's
 * own schema.  Each staged row carries its domain, so that phase 2 needs
 * no string function (SQLite and PostgreSQL have different ones).
 */
int
mu_import_stage_begin(struct mu_store *st)
{
	static const char stage[] =
	    "CREATE TEMP TABLE import_stage (id INTEGER PRIMARY KEY, line "
	    "BIGINT NOT NULL, name TEXT NOT NULL UNIQUE, domain TEXT NOT "
	    "NULL, hash TEXT NOT NULL)";
	static const char domains[] =
	    "CREATE TEMP TABLE import_domains (name TEXT PRIMARY KEY)";
	int r;

	mu_bulk_mode(st, NULL);
	if ((r = mu_q(st, NULL, stage, "")) != MU_OK ||
	    (r = mu_q(st, NULL, domains, "")) != MU_OK)
		return r;
	/* one read transaction on the store (writes go to the temporary
	 * tables only): one view of it, and no cache dropped whenever a
	 * login writes */
	return mu_begin(st, false);
}

int
mu_import_stage_end(struct mu_store *st)
{
	return mu_commit(st);
}

static int
exists(struct mu_store *st, const char *sql, const char *v, bool *yes)
{
	int64_t one;

	return mu_q_int(st, &one, yes, sql, "t", v);
}

int
mu_import_domain_exists(struct mu_store *st, const char *d, bool *yes)
{
	static const char sql[] = "SELECT 1 FROM domains WHERE name = $1";

	return exists(st, sql, d, yes);
}

int
mu_import_user_exists(struct mu_store *st, const char *name, bool *yes)
{
	static const char sql[] = "SELECT 1 FROM users WHERE name = $1";

	return exists(st, sql, name, yes);
}

int
mu_import_stage(struct mu_store *st, int64_t id, int64_t line,
		const char *name, const char *d, const char *hash, bool *added)
{
	static const char sql[] =
	    "INSERT INTO import_stage (id, line, name, domain, hash) VALUES "
	    "($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
	int r;

	if ((r = mu_q(st, NULL, sql, "iittt", id, line, name, d, hash)) ==
	    MU_OK)
		*added = mu_changes(st) > 0;
	return r;
}

int
mu_import_note_domain(struct mu_store *st, const char *d, bool *added)
{
	static const char sql[] =
	    "INSERT INTO import_domains (name) VALUES ($1) ON CONFLICT DO "
	    "NOTHING";
	int r;

	if ((r = mu_q(st, NULL, sql, "t", d)) == MU_OK)
		*added = mu_changes(st) > 0;
	return r;
}

int
mu_import_staged(struct mu_store *st, int64_t *last)
{
	static const char sql[] =
	    "SELECT coalesce(max(id), 0) FROM import_stage";

	return mu_q_int(st, last, NULL, sql, "");
}

/* ---- import, phase 2: writing ---------------------------------------- */

/* The domains of the range's users that are missing, in the order of
 * their first user, with their audit rows. */
static int
write_domains(struct mu_store *st, int64_t lo, int64_t hi, int64_t now,
	      int64_t summary, int64_t *added)
{
	static const char mark_sql[] =
	    "SELECT coalesce(max(id), 0) FROM domains";
	static const char add[] =
	    "INSERT INTO domains (name, created) SELECT s.domain, $3 FROM "
	    "import_stage s WHERE s.id > $1 AND s.id <= $2 AND NOT EXISTS "
	    "(SELECT 1 FROM domains x WHERE x.name = s.domain) GROUP BY "
	    "s.domain ORDER BY min(s.id)";
	static const char audit[] =
	    "INSERT INTO audit (at, uid, actor, tool, action, account, "
	    "detail) SELECT a.at, a.uid, a.actor, a.tool, 'domain add', "
	    "d.name, 'import' FROM audit a, domains d WHERE a.id = $1 AND "
	    "d.id > $2 AND d.name IN (SELECT s.domain FROM import_stage s "
	    "WHERE s.id > $3 AND s.id <= $4) ORDER BY d.id";
	int64_t mark, n;
	int r;

	if ((r = mu_q_int(st, &mark, NULL, mark_sql, "")) != MU_OK ||
	    (r = mu_q(st, NULL, add, "iii", lo, hi, now)) != MU_OK)
		return r;
	if ((n = mu_changes(st)) == 0)
		return MU_OK;
	*added += n;
	return mu_q(st, NULL, audit, "iiii", summary, mark, lo, hi);
}

/* The rows of the range that were not written: their user was there
 * already (id up to mark), or their domain was not. */
static int
conflicts(struct mu_store *st, int64_t lo, int64_t hi, int64_t mark,
	  mu_import_conflict_fn *fn, void *arg)
{
	static const char sql[] =
	    "SELECT s.line, s.name, CASE WHEN u.id IS NULL THEN 0 ELSE 1 END "
	    "FROM import_stage s LEFT JOIN users u ON u.name = s.name WHERE "
	    "s.id > $1 AND s.id <= $2 AND (u.id IS NULL OR u.id <= $3) "
	    "ORDER BY s.id";
	struct mu_res *res;
	int r;

	if ((r = mu_q(st, &res, sql, "iii", lo, hi, mark)) != MU_OK)
		return r;
	while (mu_row(res))
		fn(arg, mu_int(res, 0), mu_text(res, 1), mu_int(res, 2) != 0);
	return mu_done(res);
}

int
mu_import_write(struct mu_store *st, int64_t lo, int64_t hi, int64_t now,
		bool create_domains, int64_t summary, int64_t *users,
		int64_t *domains, mu_import_conflict_fn *fn, void *arg)
{
	static const char mark_sql[] =
	    "SELECT coalesce(max(id), 0) FROM users";
	static const char add[] =
	    "INSERT INTO users (name, domain_id, hash, pw_changed, created) "
	    "SELECT s.name, d.id, s.hash, $3, $3 FROM import_stage s JOIN "
	    "domains d ON d.name = s.domain WHERE s.id > $1 AND s.id <= $2 "
	    "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.name = s.name) "
	    "ORDER BY s.id";
	/* the users of the range, not every user above mark: on
	 * PostgreSQL another session may add users meanwhile */
	static const char audit[] =
	    "INSERT INTO audit (at, uid, actor, tool, action, account, "
	    "detail) SELECT a.at, a.uid, a.actor, a.tool, 'user add', "
	    "u.name, 'import' FROM audit a, import_stage s JOIN users u ON "
	    "u.name = s.name WHERE a.id = $1 AND s.id > $2 AND s.id <= $3 "
	    "AND u.id > $4 ORDER BY u.id";
	int64_t mark, n;
	int r;

	if (create_domains &&
	    (r = write_domains(st, lo, hi, now, summary, domains)) != MU_OK)
		return r;
	if ((r = mu_q_int(st, &mark, NULL, mark_sql, "")) != MU_OK ||
	    (r = mu_q(st, NULL, add, "iii", lo, hi, now)) != MU_OK)
		return r;
	n = mu_changes(st);
	if (n > 0) {
		*users += n;
		if ((r = mu_q(st, NULL, audit, "iiii", summary, lo, hi,
			      mark)) != MU_OK)
			return r;
	}
	if (n == hi - lo)	/* staging ids have no gaps */
		return MU_OK;
	/* what another process changed after phase 1 checked it */
	return conflicts(st, lo, hi, mark, fn, arg);
}

int
mu_import_summary(struct mu_store *st, int64_t id, const char *detail)
{
	static const char sql[] = "UPDATE audit SET detail = $1 WHERE id = $2";

	return mu_q(st, NULL, sql, "ti", detail, id);
}

/* ---- export ---------------------------------------------------------- */

int
mu_export_count(struct mu_store *st, const int64_t *domain, int64_t *n)
{
	static const char sql[] =
	    "SELECT count(*) FROM users WHERE $1 IS NULL OR domain_id = $1";

	return mu_q_int(st, n, NULL, sql, "n", domain);
}

#define EXPORT_SQL(after)						\
	"SELECT u.name, u.hash, d.name, u.disabled, u.force_change, "	\
	"CASE WHEN u.locked_at IS NULL THEN 0 ELSE 1 END, u.expires, "	\
	"u.pw_changed, u.created FROM users u JOIN domains d ON d.id = "	\
	"u.domain_id WHERE ($1 IS NULL OR u.domain_id = $1) " after	\
	"ORDER BY u.name LIMIT " PAGE_SQL

/* One page of the export after name last (NULL: the first); *n rows,
 * the last one's name in *last (malloc'd). */
static int
export_page(struct mu_store *st, const int64_t *domain, char **last,
	    int64_t *n, int (*fn)(void *, const struct mu_export_row *),
	    void *arg, bool *stop)
{
	static const char first[] = EXPORT_SQL("");
	static const char next[] = EXPORT_SQL("AND u.name > $2 ");
	struct mu_export_row row;
	struct mu_res *res;
	char *name = NULL;
	int r;

	r = *last == NULL ? mu_q(st, &res, first, "n", domain) :
	    mu_q(st, &res, next, "nt", domain, *last);
	if (r != MU_OK)
		return r;
	*n = 0;
	while (!*stop && mu_row(res)) {
		memset(&row, 0, sizeof(row));
		row.name = mu_text(res, 0);
		row.hash = mu_text(res, 1);
		row.domain = mu_text(res, 2);
		row.disabled = mu_int(res, 3) != 0;
		row.force_change = mu_int(res, 4) != 0;
		row.locked = mu_int(res, 5) != 0;
		row.has_expires = !mu_null(res, 6);
		row.expires = mu_int(res, 6);
		row.pw_changed = mu_int(res, 7);
		row.created = mu_int(res, 8);
		(*n)++;
		free(name);
		if ((name = strdup(row.name)) == NULL) {
			mu_done(res);
			return MU_E_NOMEM;
		}
		*stop = fn(arg, &row) != 0;
	}
	free(*last);
	*last = name;
	return mu_done(res);
}

int
mu_export_each(struct mu_store *st, const int64_t *domain,
	       int (*fn)(void *arg, const struct mu_export_row *row),
	       void *arg)
{
	char *last = NULL;
	bool stop = false;
	int64_t n;
	int r;

	if ((r = mu_begin(st, false)) != MU_OK)
		return r;
	do {
		r = export_page(st, domain, &last, &n, fn, arg, &stop);
	} while (r == MU_OK && n == PAGE && !stop);
	free(last);
	if (r != MU_OK) {
		mu_rollback(st);
		return r;
	}
	return mu_commit(st);
}

/* ---- copy ------------------------------------------------------------ */

/*
 * A table to copy: its columns (the key first), their types ('i'
 * integer, 't' text; either may be NULL) and the number of key columns.
 * The SQL is built once, into the table's own buffers, whose addresses
 * key the prepared statements.  Rows go by the backend's put_rows where
 * it has one (PostgreSQL: COPY, a page in one round trip); else an
 * INSERT carries as many rows as MU_DB_MAXARGS parameters hold, and the
 * last rows of a table go one by one.
 */
struct table {
	const char *name;
	const char *cols;
	const char *types;
	int nkey;
	int ncols, per;		/* columns, rows per INSERT */
	char first[512], next[512];	/* a page: the first, the next */
	char one[512], many[2048];	/* INSERT of one row, of per rows */
};

static struct table tables[] = {
	{ .name = "domains", .cols = "id, name, disabled, max_days, "
	  "min_days, warn_days, grace_days, created", .types = "itiiiiii",
	  .nkey = 1 },
	{ .name = "users", .cols = "id, name, domain_id, hash, disabled, "
	  "expires, pw_changed, force_change, max_days, min_days, warn_days, "
	  "grace_days, locked_at, lock_reason, created, last_login",
	  .types = "ititiiiiiiiiitii", .nkey = 1 },
	{ .name = "pw_history", .cols = "id, user_id, hash, changed",
	  .types = "iiti", .nkey = 1 },
	{ .name = "failures", .cols = "user_id, source, count, first_fail, "
	  "last_fail, locked_until", .types = "itiiii", .nkey = 2 },
	{ .name = "recent_failures", .cols = "id, user_id, digest, at",
	  .types = "iiti", .nkey = 1 },
	{ .name = "source_failures", .cols = "source, count, first_fail, "
	  "last_fail", .types = "tiii", .nkey = 1 },
	{ .name = "audit", .cols = "id, at, uid, actor, tool, action, "
	  "account, detail", .types = "iiittttt", .nkey = 1 },
	/* sending limits and counters (mailuser-policyd) */
	{ .name = "domain_limits", .cols = "domain_id, msgs_hour, "
	  "rcpts_hour, rcpts_day", .types = "iiii", .nkey = 1 },
	{ .name = "user_limits", .cols = "user_id, msgs_hour, rcpts_hour, "
	  "rcpts_day", .types = "iiii", .nkey = 1 },
	{ .name = "send_counts", .cols = "user_id, span, bucket, msgs, "
	  "rcpts, def_msgs, def_rcpts", .types = "iiiiiii", .nkey = 3 },
};
#define KEY_MAX 3		/* key columns of a table, at most */
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* "$from, $from+1, ..." (n of them) in parentheses at the end of buf. */
static void
params(char *buf, size_t bufsz, int from, int n)
{
	size_t len = strlen(buf);
	int i;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, bufsz - len, "%s$%d",
					i == 0 ? "(" : ", ", from + i);
	snprintf(buf + len, bufsz - len, ")");
}

static void
build(struct table *t)
{
	char key[64];
	size_t len;
	int i;

	if (t->ncols > 0)
		return;
	t->ncols = (int)strlen(t->types);
	t->per = MU_DB_MAXARGS / t->ncols;
	/* the key columns: the first nkey of cols */
	len = strcspn(t->cols, ",");
	for (i = 1; i < t->nkey; i++)
		len += 1 + strcspn(t->cols + len + 1, ",");
	snprintf(key, sizeof(key), "%.*s", (int)len, t->cols);
	snprintf(t->first, sizeof(t->first), "SELECT %s FROM %s ORDER BY %s "
		 "LIMIT " PAGE_SQL, t->cols, t->name, key);
	snprintf(t->next, sizeof(t->next), "SELECT %s FROM %s WHERE %s%s%s "
		 "> %s ORDER BY %s LIMIT " PAGE_SQL, t->cols, t->name,
		 t->nkey > 1 ? "(" : "", key, t->nkey > 1 ? ")" : "",
		 t->nkey == 3 ? "($1, $2, $3)" : t->nkey == 2 ? "($1, $2)" :
		 "$1", key);
	snprintf(t->one, sizeof(t->one), "INSERT INTO %s (%s) VALUES ",
		 t->name, t->cols);
	params(t->one, sizeof(t->one), 1, t->ncols);
	snprintf(t->many, sizeof(t->many), "%s", t->one);
	for (i = 1; i < t->per; i++) {
		len = strlen(t->many);
		snprintf(t->many + len, sizeof(t->many) - len, ", ");
		params(t->many, sizeof(t->many), 1 + i * t->ncols, t->ncols);
	}
}

/* Rows read and not written yet: their values, the texts in an arena
 * (offsets until they are written: the arena may move). */
struct rows {
	struct mu_arg *args;
	size_t *off;
	int n, cap;		/* rows, and room for them */
	char *arena;
	size_t used, size;
	/* the key of the last row read, for the next page */
	struct mu_arg key[KEY_MAX];
	char *key_s[KEY_MAX];	/* its texts */
};

static int
arena_add(struct rows *b, const char *s, size_t *off)
{
	size_t len = strlen(s) + 1;
	char *p;

	if (b->used + len > b->size) {
		size_t size = b->size * 2 > b->used + len ? b->size * 2 :
		    b->used + len + 4096;

		if ((p = realloc(b->arena, size)) == NULL)
			return MU_E_NOMEM;
		b->arena = p;
		b->size = size;
	}
	memcpy(b->arena + b->used, s, len);
	*off = b->used;
	b->used += len;
	return MU_OK;
}

/* The current row of res into b, and its key. */
static int
take_row(const struct table *t, struct mu_res *res, struct rows *b)
{
	struct mu_arg *a = &b->args[b->n * t->ncols];
	size_t *off = &b->off[b->n * t->ncols];
	int c, r;

	for (c = 0; c < t->ncols; c++) {
		memset(&a[c], 0, sizeof(a[c]));
		a[c].type = t->types[c];
		if (mu_null(res, c))
			a[c].isnull = true;
		else if (t->types[c] == 'i')
			a[c].i = mu_int(res, c);
		else if ((r = arena_add(b, mu_text(res, c), &off[c])) != MU_OK)
			return r;
	}
	b->n++;
	/* the key: its first nkey columns */
	for (c = 0; c < t->nkey; c++) {
		b->key[c] = a[c];
		if (t->types[c] != 't')
			continue;
		free(b->key_s[c]);
		if ((b->key_s[c] = strdup(mu_text(res, c))) == NULL)
			return MU_E_NOMEM;
		b->key[c].s = b->key_s[c];
	}
	return MU_OK;
}

/* Write the rows of b into to: by the backend's put_rows, or one INSERT
 * when they fill one, else one by one. */
static int
put_rows(struct mu_store *to, const struct table *t, struct rows *b)
{
	const struct mu_backend *be = mu_store_backend(to);
	int i, r = MU_OK;

	for (i = 0; i < b->n * t->ncols; i++)
		if (b->args[i].type == 't' && !b->args[i].isnull)
			b->args[i].s = b->arena + b->off[i];
	if (be->put_rows != NULL)
		r = be->put_rows(mu_store_conn(to), t->name, t->cols, b->args,
				 t->ncols, b->n);
	else if (b->n == t->per)
		r = run(to, t->many, b->args, b->n * t->ncols, NULL);
	else
		for (i = 0; i < b->n && r == MU_OK; i++)
			r = run(to, t->one, b->args + i * t->ncols, t->ncols,
				NULL);
	b->n = 0;
	b->used = 0;
	return r;
}

/* One page of t from from after the key in b (none: first); *n rows. */
static int
copy_page(struct mu_store *from, struct mu_store *to, const struct table *t,
	  struct rows *b, bool first, int64_t *n)
{
	struct mu_res *res;
	int r;

	if ((r = run(from, first ? t->first : t->next, b->key,
		     first ? 0 : t->nkey, &res)) != MU_OK)
		return r;
	*n = 0;
	while (r == MU_OK && mu_row(res)) {
		if ((r = take_row(t, res, b)) == MU_OK && b->n == b->cap)
			r = put_rows(to, t, b);
		(*n)++;
	}
	if (mu_done(res) != MU_OK && r == MU_OK)
		r = MU_E_STORE;
	return r;
}

static int
copy_table(struct mu_store *from, struct mu_store *to, struct table *t,
	   int64_t *rows, void (*fn)(void *, int64_t), void *arg)
{
	struct rows *b;
	bool first = true;
	int64_t n;
	int r;

	build(t);
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return MU_E_NOMEM;
	b->cap = mu_store_backend(to)->put_rows != NULL ? PAGE : t->per;
	b->args = calloc((size_t)(b->cap * t->ncols), sizeof(*b->args));
	b->off = calloc((size_t)(b->cap * t->ncols), sizeof(*b->off));
	if (b->args == NULL || b->off == NULL) {
		r = MU_E_NOMEM;
		goto out;
	}
	do {
		r = copy_page(from, to, t, b, first, &n);
		first = false;
		*rows += n;
		if (fn != NULL)
			fn(arg, *rows);
	} while (r == MU_OK && n == PAGE);
	if (r == MU_OK && b->n > 0)
		r = put_rows(to, t, b);
out:
	free(b->args);
	free(b->off);
	free(b->arena);
	for (n = 0; n < KEY_MAX; n++)
		free(b->key_s[n]);
	free(b);
	return r;
}

int
mu_copy_target_empty(struct mu_store *st, bool *empty)
{
	static const char sql[] =
	    "SELECT CASE WHEN EXISTS (SELECT 1 FROM users) OR EXISTS "
	    "(SELECT 1 FROM domains) THEN 0 ELSE 1 END";
	int64_t v;
	int r;

	r = mu_q_int(st, &v, NULL, sql, "");
	*empty = v != 0;
	return r;
}

int
mu_copy_count(struct mu_store *from, int64_t *rows)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM domains) + (SELECT count(*) FROM "
	    "users) + (SELECT count(*) FROM pw_history) + (SELECT count(*) "
	    "FROM failures) + (SELECT count(*) FROM recent_failures) + "
	    "(SELECT count(*) FROM source_failures) + (SELECT count(*) FROM "
	    "audit) + (SELECT count(*) FROM domain_limits) + (SELECT count(*) "
	    "FROM user_limits) + (SELECT count(*) FROM send_counts)";

	return mu_q_int(from, rows, NULL, sql, "");
}

/* In the target's transaction: still empty, and without the rows a new
 * store has (its init's audit row) or gets from logins (unknown names'
 * failures), which the source's replace. */
static int
clear_target(struct mu_store *to)
{
	static const char audit[] = "DELETE FROM audit";
	static const char sources[] = "DELETE FROM source_failures";
	bool empty;
	int r;

	if ((r = mu_copy_target_empty(to, &empty)) != MU_OK)
		return r;
	if (!empty)
		return MU_E_NOTEMPTY;
	if ((r = mu_q(to, NULL, audit, "")) != MU_OK)
		return r;
	return mu_q(to, NULL, sources, "");
}

/* After rows inserted with their ids: the next insert without one
 * must get a larger id (PostgreSQL's identity sequences). */
static int
after_ids(struct mu_store *to)
{
	const struct mu_backend *be = mu_store_backend(to);

	return be->after_ids != NULL ? be->after_ids(mu_store_conn(to)) :
	    MU_OK;
}

static int
copy_all(struct mu_store *from, struct mu_store *to, const char *detail,
	 void (*fn)(void *, int64_t), void *arg)
{
	int64_t rows = 0;
	size_t i;
	int r;

	if ((r = clear_target(to)) != MU_OK)
		return r;
	/* in the order of the references: domains, users, theirs */
	for (i = 0; i < NTABLES && r == MU_OK; i++)
		r = copy_table(from, to, &tables[i], &rows, fn, arg);
	if (r == MU_OK && (r = after_ids(to)) == MU_OK)
		r = mu_audit_add(to, TOOL, "copy", NULL, detail);
	return r;
}

int
mu_copy_all(struct mu_store *from, struct mu_store *to, const char *detail,
	void (*fn)(void *arg, int64_t rows), void *arg)
{
	int r;

	mu_bulk_mode(to, NULL);
	/* one view of the source, one transaction on the target */
	if ((r = mu_begin(from, false)) != MU_OK)
		return r;
	if ((r = mu_begin(to, true)) != MU_OK) {
		mu_rollback(from);
		return r;
	}
	r = copy_all(from, to, detail, fn, arg);
	if (r == MU_OK)
		r = mu_commit(to);
	if (r != MU_OK)
		mu_rollback(to);
	mu_rollback(from);	/* it only read */
	return r;
}
