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

/* The four aging values: option and column. */
static const struct {
	const char *opt, *col;
} aging[4] = {
	{ "--max-days", "max_days" },
	{ "--min-days", "min_days" },
	{ "--warn-days", "warn_days" },
	{ "--grace-days", "grace_days" },
};

/* The values of a struct mu_aging in the order of aging[]. */
static int64_t *
aging_value(struct mu_aging *ag, int i)
{
	int64_t *v[4] = { &ag->max_days, &ag->min_days, &ag->warn_days,
			  &ag->grace_days };

	return v[i];
}

static int64_t
aging_get(const struct mu_aging *ag, int i)
{
	const int64_t v[4] = { ag->max_days, ag->min_days, ag->warn_days,
			       ag->grace_days };

	return v[i];
}

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

/* The aging values given as options into ag (MU_AGING_KEEP for the
 * others) and the audit row's detail; exits with usage when none is
 * given. */
static void
aging_opts(struct admin *a, const char *action, struct mu_aging *ag,
	   char *detail, size_t detailsz)
{
	char part[48];
	int i, given = 0;

	*detail = '\0';
	for (i = 0; i < 4; i++) {	/* all of them checked first */
		*aging_value(ag, i) = MU_AGING_KEEP;
		if (a->o.aging[i] == NULL)
			continue;
		*aging_value(ag, i) = days_arg(aging[i].opt, a->o.aging[i]);
		snprintf(part, sizeof(part), "%s%s=%s", given++ ? " " : "",
			 aging[i].col, a->o.aging[i]);
		strncat(detail, part, detailsz - strlen(detail) - 1);
	}
	if (given == 0) {
		warnx("%s: give at least one of --max-days, --min-days, "
		      "--warn-days, --grace-days", action);
		usage(action);
	}
}

void
cmd_user_set(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], detail[256];
	struct mu_aging ag;
	int r;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	aging_opts(a, "user set", &ag, detail, sizeof(detail));
	r = mu_acct_user_set_aging(admin_store(a), name, &ag, detail);
	admin_check_user(a, r, name, "user set");
}

void
cmd_domain_set(struct admin *a, int argc, char **argv)
{
	char name[MU_DOMAIN_MAX + 1], detail[256];
	struct mu_aging ag;
	int r;

	(void)argc;
	domain_arg(argv[0], name);
	aging_opts(a, "domain set", &ag, detail, sizeof(detail));
	r = mu_acct_domain_set_aging(admin_store(a), name, &ag, detail);
	if (r == MU_E_NODOMAIN)
		errx(1, "no such domain: %s", name);
	if (r != MU_OK)
		admin_failed(a, r, "domain set");
}

void
cmd_user_force_change(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	int r;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	r = mu_acct_user_force_change(admin_store(a), name);
	admin_check_user(a, r, name, "user force-change");
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

/* A domain's own value v (MU_INHERIT: inherits). */
static void
domain_value(struct json *obj, int64_t v, const char *key, char *buf,
	     size_t bufsz)
{
	bool set = v != MU_INHERIT;

	if (obj != NULL) {
		if (set)
			json_int(obj, key, v);
		else
			json_str(obj, key, NULL);
	} else if (set) {
		snprintf(buf, bufsz, "%lld", (long long)v);
	} else {
		snprintf(buf, bufsz, "-");
	}
}

/* The domains with aging values of their own: a table, or members of an
 * array in JSON. */
struct domains {
	struct json *arr;	/* NULL: the table */
	int rows;
};

static int
show_domain(void *arg, const struct mu_acct_domain *d)
{
	struct domains *ds = arg;
	struct json obj;
	char v[4][24];
	int i;

	if (ds->arr != NULL) {
		json_begin(&obj, stdout, NULL, ds->arr, '{');
		json_str(&obj, "name", d->name);
	}
	for (i = 0; i < 4; i++)
		domain_value(ds->arr != NULL ? &obj : NULL,
			     aging_get(&d->aging, i), aging[i].col, v[i],
			     sizeof(v[i]));
	if (ds->arr != NULL) {
		json_end(&obj, '}');
		return 0;
	}
	if (ds->rows++ == 0)
		printf("\n%-32s %9s %9s %9s %10s\n", "DOMAIN", "MAX_DAYS",
		       "MIN_DAYS", "WARN_DAYS", "GRACE_DAYS");
	printf("%-32s %9s %9s %9s %10s\n", d->name, v[0], v[1], v[2], v[3]);
	return 0;
}

static void
show_domains(struct admin *a, struct json *top)
{
	struct json arr;
	struct domains ds = { top != NULL ? &arr : NULL, 0 };
	int r;

	(void)admin_store(a);	/* its errors before any output */
	if (top != NULL)
		json_begin(&arr, stdout, "domains", top, '[');
	if ((r = mu_acct_domain_list(a->st, true, show_domain, &ds)) != MU_OK)
		admin_failed(a, r, "policy show");
	if (top != NULL)
		json_end(&arr, ']');
	else if (ds.rows == 0)
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

/* The aging state now of a user whose password changed at changed, with
 * its own or its domain's values rec (MU_INHERIT: the configuration's). */
static void
age_of(const struct admin *a, int64_t changed, bool forced,
       const struct mu_aging *rec, int64_t now, struct mu_age *ag)
{
	struct mu_aging def, eff;

	mu_config_aging(&a->cfg, &def);
	mu_aging_resolve(rec, &def, &eff);
	mu_age_eval(changed, forced, &eff, now, ag);
}

/* The users whose password must be changed by until. */
struct expiring {
	const struct admin *a;
	int64_t now, until;
	struct row *rows;
	size_t n, cap;
};

static int
expiring_one(void *arg, const struct mu_acct_age *u)
{
	struct expiring *e = arg;
	struct row *more;
	struct mu_age ag;

	age_of(e->a, u->pw_changed, u->force_change, &u->aging, e->now, &ag);
	if (!ag.forced && (!ag.expires || ag.expires_at > e->until))
		return 0;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		if ((more = realloc(e->rows, e->cap * sizeof(*more))) == NULL)
			errx(1, "out of memory");
		e->rows = more;
	}
	snprintf(e->rows[e->n].name, sizeof(e->rows[e->n].name), "%s",
		 u->name);
	e->rows[e->n++].ag = ag;
	return 0;
}

/* Users whose password must be changed within days, soonest first. */
static size_t
expiring_rows(struct admin *a, int64_t days, int64_t now, struct row **out)
{
	struct expiring e = { a, now, now + days * MU_DAY, NULL, 0, 0 };
	int r;

	if ((r = mu_acct_age_list(admin_store(a), expiring_one, &e)) != MU_OK)
		admin_failed(a, r, "expiring");
	if (e.n > 0)
		qsort(e.rows, e.n, sizeof(*e.rows), by_expiry);
	*out = e.rows;
	return e.n;
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
value_of(const struct admin *a, const struct mu_acct_user *u, int i,
	 int64_t *v)
{
	const unsigned long *conf[4] = { &a->cfg.maxdays, &a->cfg.mindays,
					 &a->cfg.warndays, &a->cfg.graced };

	if ((*v = aging_get(&u->aging, i)) != MU_INHERIT)
		return "user";
	if ((*v = aging_get(&u->domain_aging, i)) != MU_INHERIT)
		return "domain";
	*v = (int64_t)*conf[i];
	return "configuration";
}

/* The user's values, else its domain's (MU_INHERIT: the configuration's),
 * as the module resolves them. */
static void
own_or_domain(const struct mu_acct_user *u, struct mu_aging *rec)
{
	int i;

	for (i = 0; i < 4; i++)
		*aging_value(rec, i) = aging_get(&u->aging, i) != MU_INHERIT ?
		    aging_get(&u->aging, i) : aging_get(&u->domain_aging, i);
}

void
admin_show_aging(struct admin *a, const char *name, struct json *obj)
{
	char when[32], label[32];
	struct mu_acct_user u;
	struct mu_aging rec;
	struct mu_age ag;
	const char *from;
	int64_t v;
	int i, r;

	r = mu_acct_user_show(admin_store(a), name, &u);
	admin_check_user(a, r, name, "user show");
	own_or_domain(&u, &rec);
	age_of(a, u.pw_changed, u.force_change, &rec, (int64_t)time(NULL),
	       &ag);
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
		from = value_of(a, &u, i, &v);
		if (obj != NULL) {
			json_int(obj, aging[i].col, v);
			snprintf(label, sizeof(label), "%s_from", aging[i].col);
			json_str(obj, label, from);
		} else {
			snprintf(label, sizeof(label), "%s:", aging[i].col);
			printf("%-18s%lld (%s)\n", label, (long long)v, from);
		}
	}
}
