/*
 * mailuser-admin: password policy.  user force-change, user set and
 * domain set (aging per user and per domain), policy show, expiring, and
 * the aging lines of user show.
 * Aging is decided by the core (mu_age_eval), exactly as the module
 * decides it at login.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_policy.h"
#include "mu_secret.h"
#include "mu_strength.h"
#include "mu_username.h"

/* The four aging values: option, column, configuration key. */
static const struct {
	const char *opt, *col, *conf;
	const char *user_sql, *domain_sql;
} aging[4] = {
	{ "--max-days", "max_days", "maxdays",
	  "UPDATE users SET max_days = ?1 WHERE id = ?2",
	  "UPDATE domains SET max_days = ?1 WHERE id = ?2" },
	{ "--min-days", "min_days", "mindays",
	  "UPDATE users SET min_days = ?1 WHERE id = ?2",
	  "UPDATE domains SET min_days = ?1 WHERE id = ?2" },
	{ "--warn-days", "warn_days", "warndays",
	  "UPDATE users SET warn_days = ?1 WHERE id = ?2",
	  "UPDATE domains SET warn_days = ?1 WHERE id = ?2" },
	{ "--grace-days", "grace_days", "graced",
	  "UPDATE users SET grace_days = ?1 WHERE id = ?2",
	  "UPDATE domains SET grace_days = ?1 WHERE id = ?2" },
};

/* A day count 0 to MU_DAYS_MAX, or "inherit" (*out = MU_INHERIT). */
static int64_t
days_arg(const char *opt, const char *v)
{
	char esc[64], *end;
	unsigned long n;

	if (strcmp(v, "inherit") == 0)
		return MU_INHERIT;
	if (*v >= '0' && *v <= '9') {
		n = strtoul(v, &end, 10);
		if (*end == '\0' && n <= MU_DAYS_MAX)
			return (int64_t)n;
	}
	errx(EXIT_USAGE, "%s: expected a number of days from 0 to %d, or "
	     "\"inherit\", not \"%s\"", opt, MU_DAYS_MAX,
	     mu_escape(esc, sizeof(esc), v));
}

/* Set the aging values given as options on row id of the users or the
 * domains table, with one audit row, in one transaction. */
static void
set_aging(struct admin *a, bool user, int64_t id, const char *action,
	  const char *account)
{
	char detail[256] = "", part[48];
	int64_t v[4];
	sqlite3_stmt *s;
	sqlite3 *db = mu_store_sqlite(a->st);
	int i, given = 0;

	for (i = 0; i < 4; i++) {	/* all of them checked first */
		if (a->o.aging[i] == NULL)
			continue;
		v[i] = days_arg(aging[i].opt, a->o.aging[i]);
		snprintf(part, sizeof(part), "%s%s=%s", given++ ? " " : "",
			 aging[i].col, a->o.aging[i]);
		strncat(detail, part, sizeof(detail) - strlen(detail) - 1);
	}
	if (given == 0) {
		warnx("%s: give at least one of --max-days, --min-days, "
		      "--warn-days, --grace-days", action);
		usage(action);
	}
	db_exec(db, "BEGIN IMMEDIATE");
	for (i = 0; i < 4; i++) {
		if (a->o.aging[i] == NULL)
			continue;
		s = db_prepare(db, user ? aging[i].user_sql :
			       aging[i].domain_sql);
		if (v[i] != MU_INHERIT)
			db_bind_int(s, 1, v[i]);
		db_bind_int(s, 2, id);
		db_run(s);
	}
	db_audit(db, action, account, detail);
	db_exec(db, "COMMIT");
}

void
cmd_user_set(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	int64_t id;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	if ((id = db_user_id(admin_open(a), name)) < 0)
		errx(1, "no such user: %s", name);
	set_aging(a, true, id, "user set", name);
}

void
cmd_domain_set(struct admin *a, int argc, char **argv)
{
	char name[MU_DOMAIN_MAX + 1];
	int64_t id;

	(void)argc;
	domain_arg(argv[0], name);
	if ((id = db_domain_id(admin_open(a), name)) < 0)
		errx(1, "no such domain: %s", name);
	set_aging(a, false, id, "domain set", name);
}

void
cmd_user_force_change(struct admin *a, int argc, char **argv)
{
	(void)argc;
	admin_change_user(a, argv[0], "UPDATE users SET force_change = 1 "
			  "WHERE name = ?2", NULL, "user force-change", NULL);
}

/* ---- policy show ---------------------------------------------------- */

static const char *
days_text(unsigned long n, const char *zero, char *buf, size_t bufsz)
{
	if (n == 0 && zero != NULL)
		snprintf(buf, bufsz, "0 (%s)", zero);
	else
		snprintf(buf, bufsz, "%lu", n);
	return buf;
}

/* A domain's own value of column col (NULL: inherits). */
static void
domain_value(struct json *obj, sqlite3_stmt *s, int col, const char *key,
	     char *buf, size_t bufsz)
{
	bool set = sqlite3_column_type(s, col) != SQLITE_NULL;

	if (obj != NULL) {
		if (set)
			json_int(obj, key, sqlite3_column_int64(s, col));
		else
			json_str(obj, key, NULL);
	} else if (set) {
		snprintf(buf, bufsz, "%lld",
			 (long long)sqlite3_column_int64(s, col));
	} else {
		snprintf(buf, bufsz, "-");
	}
}

static void
show_domains(struct admin *a, struct json *top)
{
	struct json arr, obj;
	char v[4][24];
	sqlite3_stmt *s;
	int i, rows = 0;

	s = db_prepare(admin_open(a), "SELECT name, max_days, min_days, "
		       "warn_days, grace_days FROM domains WHERE max_days IS "
		       "NOT NULL OR min_days IS NOT NULL OR warn_days IS NOT "
		       "NULL OR grace_days IS NOT NULL ORDER BY name");
	if (top != NULL)
		json_begin(&arr, stdout, "domains", top, '[');
	while (db_step(s)) {
		if (top != NULL)
			json_begin(&obj, stdout, NULL, &arr, '{');
		if (top != NULL)
			json_str(&obj, "name", db_text(s, 0));
		for (i = 0; i < 4; i++)
			domain_value(top != NULL ? &obj : NULL, s, i + 1,
				     aging[i].col, v[i], sizeof(v[i]));
		if (top != NULL) {
			json_end(&obj, '}');
			continue;
		}
		if (rows++ == 0)
			printf("\n%-32s %9s %9s %9s %10s\n", "DOMAIN",
			       "MAX_DAYS", "MIN_DAYS", "WARN_DAYS",
			       "GRACE_DAYS");
		printf("%-32s %9s %9s %9s %10s\n", db_text(s, 0), v[0], v[1],
		       v[2], v[3]);
	}
	sqlite3_finalize(s);
	if (top != NULL)
		json_end(&arr, ']');
	else if (rows == 0)
		printf("\nNo domain has aging values of its own.\n");
}

void
cmd_policy_show(struct admin *a, int argc, char **argv)
{
	const struct mu_config *c = &a->cfg;
	const char *why = NULL;
	bool dict = mu_dict_check(c->dictpath, &why) == MU_OK;
	struct json obj;
	char b[4][48];

	(void)argc;
	(void)argv;
	if (a->o.json) {
		json_begin(&obj, stdout, NULL, NULL, '{');
		json_int(&obj, "maxdays", (int64_t)c->maxdays);
		json_int(&obj, "mindays", (int64_t)c->mindays);
		json_int(&obj, "warndays", (int64_t)c->warndays);
		json_int(&obj, "graced", (int64_t)c->graced);
		json_int(&obj, "minlen", (int64_t)c->minlen);
		json_int(&obj, "remember", (int64_t)c->remember);
		json_int(&obj, "retry", (int64_t)c->retry);
		json_str(&obj, "dictpath", c->dictpath);
		json_bool(&obj, "dictionary_ok", dict);
		json_str(&obj, "hash", c->hash);
		show_domains(a, &obj);
		json_end(&obj, '}');
		putchar('\n');
		return;
	}
	printf("%-10s %s\n", "maxdays", days_text(c->maxdays,
	       "passwords never expire", b[0], sizeof(b[0])));
	printf("%-10s %s\n", "mindays", days_text(c->mindays, NULL, b[1],
						  sizeof(b[1])));
	printf("%-10s %s\n", "warndays", days_text(c->warndays,
	       "no warning", b[2], sizeof(b[2])));
	printf("%-10s %s\n", "graced", days_text(c->graced, "no limit",
						 b[3], sizeof(b[3])));
	printf("%-10s %lu\n", "minlen", c->minlen);
	printf("%-10s %lu\n", "remember", c->remember);
	printf("%-10s %lu\n", "retry", c->retry);
	printf("%-10s %s (%s)\n", "dictpath", c->dictpath,
	       dict ? "readable" : why);
	printf("%-10s %s\n", "hash", c->hash);
	show_domains(a, NULL);
}

/* ---- expiring ------------------------------------------------------- */

struct row {
	char name[MU_NAME_MAX + 1];
	struct mu_age ag;
};

static const char *
state_text(const struct mu_age *ag)
{
	switch (ag->state) {
	case MU_AGE_EXPIRED:
		return "expired";
	case MU_AGE_CHANGE:
		return ag->forced ? "must change (forced)" : "must change";
	case MU_AGE_WARN:
		return "warned";
	default:
		return "ok";
	}
}

static int
by_expiry(const void *x, const void *y)
{
	const struct row *p = x, *q = y;
	/* a forced change is due now, before any date */
	int64_t tp = p->ag.expires && !p->ag.forced ? p->ag.expires_at :
	    INT64_MIN;
	int64_t tq = q->ag.expires && !q->ag.forced ? q->ag.expires_at :
	    INT64_MIN;

	if (tp != tq)
		return tp < tq ? -1 : 1;
	return strcmp(p->name, q->name);
}

/* The aging state now of the user in the current row of s (columns:
 * pw_changed, force_change, then the four coalesced values). */
static void
row_age(const struct admin *a, sqlite3_stmt *s, int col, int64_t now,
	struct mu_age *ag)
{
	struct mu_aging def, rec;

	rec.max_days = sqlite3_column_int64(s, col + 2);
	rec.min_days = sqlite3_column_int64(s, col + 3);
	rec.warn_days = sqlite3_column_int64(s, col + 4);
	rec.grace_days = sqlite3_column_int64(s, col + 5);
	mu_config_aging(&a->cfg, &def);
	mu_aging_resolve(&rec, &def, &rec);
	mu_age_eval(sqlite3_column_int64(s, col),
		    sqlite3_column_int(s, col + 1) != 0, &rec, now, ag);
}

#define AGE_COLUMNS \
	"u.pw_changed, u.force_change, " \
	"coalesce(u.max_days, d.max_days, -1), " \
	"coalesce(u.min_days, d.min_days, -1), " \
	"coalesce(u.warn_days, d.warn_days, -1), " \
	"coalesce(u.grace_days, d.grace_days, -1) "

/* Users whose password must be changed within days, soonest first. */
static size_t
expiring_rows(struct admin *a, int64_t days, int64_t now, struct row **out)
{
	int64_t until = now + days * MU_DAY;
	struct row *rows = NULL, *more;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s;
	struct mu_age ag;

	s = db_prepare(admin_open(a), "SELECT u.name, " AGE_COLUMNS
		       "FROM users u JOIN domains d ON d.id = u.domain_id");
	while (db_step(s)) {
		row_age(a, s, 1, now, &ag);
		if (!ag.forced && (!ag.expires || ag.expires_at > until))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((more = realloc(rows, cap * sizeof(*rows))) == NULL)
				errx(1, "out of memory");
			rows = more;
		}
		snprintf(rows[n].name, sizeof(rows[n].name), "%s",
			 db_text(s, 0));
		rows[n++].ag = ag;
	}
	sqlite3_finalize(s);
	if (n > 0)
		qsort(rows, n, sizeof(*rows), by_expiry);
	*out = rows;
	return n;
}

void
cmd_expiring(struct admin *a, int argc, char **argv)
{
	int64_t days = days_arg("expiring", argv[0]);
	struct json arr, obj;
	struct row *rows;
	char when[32];
	size_t n, i;

	(void)argc;
	if (days == MU_INHERIT)
		errx(EXIT_USAGE, "expiring: expected a number of days");
	n = expiring_rows(a, days, (int64_t)time(NULL), &rows);
	if (a->o.json)
		json_begin(&arr, stdout, NULL, NULL, '[');
	for (i = 0; i < n; i++) {
		const struct mu_age *ag = &rows[i].ag;

		if (ag->expires)
			time_fmt(ag->expires_at, when, sizeof(when));
		if (a->o.json) {
			json_begin(&obj, stdout, NULL, &arr, '{');
			json_str(&obj, "name", rows[i].name);
			json_str(&obj, "expires", ag->expires ? when : NULL);
			if (ag->expires)
				json_int(&obj, "days_left", ag->days_left);
			else
				json_str(&obj, "days_left", NULL);
			json_str(&obj, "state", state_text(ag));
			json_bool(&obj, "force_change", ag->forced);
			json_end(&obj, '}');
			continue;
		}
		if (i == 0)
			printf("%-40s  %-23s  %9s  %s\n", "USER", "EXPIRES",
			       "DAYS LEFT", "STATE");
		printf("%-40s  %-23s  %9lld  %s\n", rows[i].name,
		       ag->expires ? when : "-", (long long)ag->days_left,
		       state_text(ag));
	}
	free(rows);
	if (a->o.json) {
		json_end(&arr, ']');
		putchar('\n');
	}
}

/* ---- user show ------------------------------------------------------ */

/* Where value i of a user comes from: its own, its domain's, the
 * configuration's. */
static const char *
value_of(const struct admin *a, sqlite3_stmt *s, int i, int64_t *v)
{
	const unsigned long *conf[4] = { &a->cfg.maxdays, &a->cfg.mindays,
					 &a->cfg.warndays, &a->cfg.graced };

	if (sqlite3_column_type(s, i) != SQLITE_NULL) {
		*v = sqlite3_column_int64(s, i);
		return "user";
	}
	if (sqlite3_column_type(s, i + 4) != SQLITE_NULL) {
		*v = sqlite3_column_int64(s, i + 4);
		return "domain";
	}
	*v = (int64_t)*conf[i];
	return "configuration";
}

void
admin_show_aging(struct admin *a, const char *name, struct json *obj)
{
	char when[32], label[32];
	struct mu_age ag;
	sqlite3_stmt *s;
	const char *from;
	int64_t v;
	int i;

	s = db_prepare(admin_open(a), "SELECT u.max_days, u.min_days, "
		       "u.warn_days, u.grace_days, d.max_days, d.min_days, "
		       "d.warn_days, d.grace_days, " AGE_COLUMNS "FROM users u "
		       "JOIN domains d ON d.id = u.domain_id WHERE u.name = ?1");
	db_bind_text(s, 1, name);
	if (!db_step(s))
		errx(1, "no such user: %s", name);
	row_age(a, s, 8, (int64_t)time(NULL), &ag);
	if (ag.expires)
		time_fmt(ag.expires_at, when, sizeof(when));
	if (obj != NULL) {
		json_str(obj, "password_expires", ag.expires ? when : NULL);
		if (ag.expires)
			json_int(obj, "password_days_left", ag.days_left);
		else
			json_str(obj, "password_days_left", NULL);
		json_str(obj, "password_state", state_text(&ag));
	} else {
		printf("%-18s%s\n", "password expires:", ag.expires ? when :
		       "never");
		if (ag.expires)
			printf("%-18s%lld\n", "days left:",
			       (long long)ag.days_left);
		printf("%-18s%s\n", "password state:", state_text(&ag));
	}
	for (i = 0; i < 4; i++) {
		from = value_of(a, s, i, &v);
		if (obj != NULL) {
			json_int(obj, aging[i].col, v);
			snprintf(label, sizeof(label), "%s_from", aging[i].col);
			json_str(obj, label, from);
		} else {
			snprintf(label, sizeof(label), "%s:", aging[i].col);
			printf("%-18s%lld (%s)\n", label, (long long)v, from);
		}
	}
	sqlite3_finalize(s);
}
