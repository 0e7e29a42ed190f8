/*
 * mailuser-admin: sending limits (mailuser-policyd).  limit set, limit
 * show, sending, sending reset, and the limit lines of user show.
 *
 * A limit is set per domain (for its users) and per user (over the
 * domain's); where neither has one, the [policyd] section of the
 * configuration gives the default.  0 means no limit, "inherit" clears
 * a level's own value.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_username.h"
#include "policyd/conf.h"

#define TOP_SENDERS 10

/* The limits: option, name in reports and JSON. */
static const char *const names[3] = {
	"messages_per_hour", "recipients_per_hour", "recipients_per_day",
};
static const char *const options[3] = {
	"--messages-per-hour", "--recipients-per-hour", "--recipients-per-day",
};

static int64_t
get(const struct mu_win_limits *l, int i)
{
	const int64_t v[3] = { l->msgs_hour, l->rcpts_hour, l->rcpts_day };

	return v[i];
}

static void
put(struct mu_win_limits *l, int i, int64_t v)
{
	int64_t *p[3] = { &l->msgs_hour, &l->rcpts_hour, &l->rcpts_day };

	*p[i] = v;
}

static const char *
from_name(enum mu_limit_from f)
{
	switch (f) {
	case MU_LIMIT_FROM_USER:
		return "user";
	case MU_LIMIT_FROM_DOMAIN:
		return "domain";
	default:
		return "default";
	}
}

/* The [policyd] defaults of the configuration file. */
static void
defaults(const struct admin *a, struct mu_win_limits *out)
{
	struct pd_conf pc;
	char why[1024];

	pd_conf_defaults(&pc);
	if (pd_conf_read(&pc, a->conf_path, false, why, sizeof(why)) != 0)
		errx(1, "%s", why);
	*out = pc.defaults;
}

/* A limit argument: 0 to 1e9, or "inherit". */
static int64_t
limit_arg(const char *opt, const char *v)
{
	char *end;
	long long n;

	if (strcmp(v, "inherit") == 0)
		return MU_LIMIT_UNSET;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0 ||
	    n > 1000000000LL)
		errx(EXIT_USAGE, "%s: \"%s\" is not a number from 0 to "
		     "1000000000 or \"inherit\"", opt, v);
	return (int64_t)n;
}

static void
print_limit(int64_t v)
{
	if (v == MU_LIMIT_UNSET)
		printf("inherit");
	else if (v == 0)
		printf("none");
	else
		printf("%lld", (long long)v);
}

/* A limit in JSON: a number, 0 for none, null when not set. */
static void
json_limit(struct json *j, const char *key, int64_t v)
{
	if (v == MU_LIMIT_UNSET)
		json_str(j, key, NULL);
	else
		json_int(j, key, v);
}

/* limit set (--domain D | --user U) [--messages-per-hour N] ... */
void
cmd_limit_set(struct admin *a, int argc, char **argv)
{
	struct mu_win_limits set;
	char name[MU_NAME_MAX + 1];
	bool user = a->o.user != NULL, any = false;
	int i, r;

	(void)argc;
	(void)argv;
	if ((a->o.user != NULL) == (a->o.domain != NULL)) {
		warnx("limit set: one of --domain and --user");
		usage("limit set");
	}
	for (i = 0; i < 3; i++) {
		put(&set, i, a->o.limits[i] != NULL ?
		    limit_arg(options[i], a->o.limits[i]) : MU_LIMIT_KEEP);
		any = any || a->o.limits[i] != NULL;
	}
	if (!any) {
		warnx("limit set: nothing to set");
		usage("limit set");
	}
	if (user)
		admin_user_arg(a, a->o.user, name);
	else
		domain_arg(a->o.domain, name);
	r = mu_send_limit_set(admin_store(a), user, name, &set);
	if (r == MU_E_NOUSER)
		errx(1, "no such user: %s", name);
	if (r == MU_E_NODOMAIN)
		errx(1, "no such domain: %s", name);
	if (r != MU_OK)
		admin_failed(a, r, "limit set");
}

/* ---- limit show --------------------------------------------------- */

struct own_list {
	bool json;
	struct json arr;
	int rows;
};

static int
own_one(void *arg, const struct mu_send_own *o)
{
	struct own_list *l = arg;
	struct json obj;
	int i;

	if (l->json) {
		json_begin(&obj, stdout, NULL, &l->arr, '{');
		json_str(&obj, o->user ? "user" : "domain", o->name);
		for (i = 0; i < 3; i++)
			json_limit(&obj, names[i], get(&o->own, i));
		json_end(&obj, '}');
		return 0;
	}
	if (l->rows++ == 0)
		printf("%-40s  %17s  %19s  %18s\n", "DOMAIN OR USER",
		       "MESSAGES_PER_HOUR", "RECIPIENTS_PER_HOUR",
		       "RECIPIENTS_PER_DAY");
	printf("%-40s", o->name);
	for (i = 0; i < 3; i++) {
		char v[32];
		int64_t x = get(&o->own, i);

		if (x == MU_LIMIT_UNSET)
			snprintf(v, sizeof(v), "inherit");
		else if (x == 0)
			snprintf(v, sizeof(v), "none");
		else
			snprintf(v, sizeof(v), "%lld", (long long)x);
		printf("  %*s", i == 0 ? 17 : i == 1 ? 19 : 18, v);
	}
	putchar('\n');
	return 0;
}

/* One user's limits and where each comes from. */
static void
show_user(struct admin *a, const char *name)
{
	struct mu_win_limits def;
	struct mu_send_eff e;
	struct json obj;
	int i, r;

	defaults(a, &def);
	r = mu_send_limits(admin_store(a), name, &def, &e);
	admin_check_user(a, r, name, "limit show");
	if (a->o.json) {
		json_begin(&obj, stdout, NULL, NULL, '{');
		json_str(&obj, "user", name);
		admin_limits_json(&obj, &e);
		json_end(&obj, '}');
		putchar('\n');
		return;
	}
	printf("%-24s%s\n", "user:", name);
	for (i = 0; i < 3; i++) {
		char label[32];

		snprintf(label, sizeof(label), "%s:", names[i]);
		printf("%-24s", label);
		print_limit(get(&e.lim, i));
		printf(" (%s)\n", from_name(e.from[i]));
	}
}

/* A domain's own limits and what its users get from it. */
static void
show_domain(struct admin *a, const char *domain)
{
	struct mu_win_limits def, own;
	struct json obj;
	int i, r;

	defaults(a, &def);
	r = mu_send_domain_limits(admin_store(a), domain, &own);
	if (r == MU_E_NODOMAIN)
		errx(1, "no such domain: %s", domain);
	if (r != MU_OK)
		admin_failed(a, r, "limit show");
	if (a->o.json)
		json_begin(&obj, stdout, NULL, NULL, '{');
	if (a->o.json)
		json_str(&obj, "domain", domain);
	else
		printf("%-24s%s\n", "domain:", domain);
	for (i = 0; i < 3; i++) {
		int64_t v = get(&own, i);
		bool mine = v >= 0;
		char label[48];

		if (!mine)
			v = get(&def, i);
		if (a->o.json) {
			json_int(&obj, names[i], v);
			snprintf(label, sizeof(label), "%s_from", names[i]);
			json_str(&obj, label, mine ? "domain" : "default");
			continue;
		}
		snprintf(label, sizeof(label), "%s:", names[i]);
		printf("%-24s", label);
		print_limit(v);
		printf(" (%s)\n", mine ? "domain" : "default");
	}
	if (a->o.json) {
		json_end(&obj, '}');
		putchar('\n');
	}
}

/* limit show [--json] [DOMAIN | USER] */
void
cmd_limit_show(struct admin *a, int argc, char **argv)
{
	struct own_list l = { a->o.json, { NULL, 0 }, 0 };
	struct mu_win_limits def;
	struct json obj;
	char name[MU_NAME_MAX + 1];
	int i, r;

	if (argc > 0 && strchr(argv[0], '@') != NULL) {
		admin_user_arg(a, argv[0], name);
		show_user(a, name);
		return;
	}
	if (argc > 0) {
		domain_arg(argv[0], name);
		show_domain(a, name);
		return;
	}
	defaults(a, &def);
	if (l.json) {
		json_begin(&obj, stdout, NULL, NULL, '{');
		{
			struct json d;

			json_begin(&d, stdout, "defaults", &obj, '{');
			for (i = 0; i < 3; i++)
				json_int(&d, names[i], get(&def, i));
			json_end(&d, '}');
		}
		json_begin(&l.arr, stdout, "own", &obj, '[');
	} else {
		printf("defaults ([policyd] of %s):", a->conf_path);
		for (i = 0; i < 3; i++) {
			printf(" %s=", names[i]);
			print_limit(get(&def, i));
		}
		putchar('\n');
	}
	r = mu_send_limit_list(admin_store(a), NULL, own_one, &l);
	if (r != MU_OK)
		admin_failed(a, r, "limit show");
	if (l.json) {
		json_end(&l.arr, ']');
		json_end(&obj, '}');
		putchar('\n');
	} else if (l.rows == 0) {
		printf("no domain or user has limits of its own\n");
	}
}

/* ---- user show ---------------------------------------------------- */

void
admin_limits_json(struct json *obj, const struct mu_send_eff *e)
{
	char label[48];
	int i;

	for (i = 0; i < 3; i++) {
		json_int(obj, names[i], get(&e->lim, i));
		snprintf(label, sizeof(label), "%s_from", names[i]);
		json_str(obj, label, from_name(e->from[i]));
	}
}

void
admin_show_limits(struct admin *a, const char *name, struct json *obj)
{
	struct mu_win_limits def;
	struct mu_send_eff e;
	int i, r;

	defaults(a, &def);
	r = mu_send_limits(admin_store(a), name, &def, &e);
	admin_check_user(a, r, name, "user show");
	if (obj != NULL) {
		admin_limits_json(obj, &e);
		return;
	}
	printf("%-18s", "sending limits:");
	for (i = 0; i < 3; i++) {
		printf("%s%s=", i > 0 ? ", " : "", names[i]);
		print_limit(get(&e.lim, i));
		printf(" (%s)", from_name(e.from[i]));
	}
	putchar('\n');
}

/* ---- sending ------------------------------------------------------ */

static void
sum_json(struct json *in, const char *key, const struct mu_win_sum *s)
{
	struct json o;

	json_begin(&o, stdout, key, in, '{');
	json_int(&o, "messages", s->msgs);
	json_int(&o, "recipients", s->rcpts);
	json_int(&o, "deferred_messages", s->def_msgs);
	json_int(&o, "deferred_recipients", s->def_rcpts);
	json_end(&o, '}');
}

/* sending USER: its windows against its limits. */
static void
sending_user(struct admin *a, const char *name)
{
	struct mu_win_limits def;
	struct mu_win_usage u;
	struct mu_send_eff e;
	struct json obj;
	int r;

	defaults(a, &def);
	r = mu_send_limits(admin_store(a), name, &def, &e);
	if (r == MU_OK)
		r = mu_send_usage(admin_store(a), name, (int64_t)time(NULL),
				  &u);
	admin_check_user(a, r, name, "sending");
	if (a->o.json) {
		json_begin(&obj, stdout, NULL, NULL, '{');
		json_str(&obj, "user", name);
		admin_limits_json(&obj, &e);
		sum_json(&obj, "last_hour", &u.hour);
		sum_json(&obj, "last_day", &u.day);
		json_end(&obj, '}');
		putchar('\n');
		return;
	}
	printf("%-24s%s\n", "user:", name);
	printf("%-24s%lld of ", "messages, last hour:",
	       (long long)u.hour.msgs);
	print_limit(e.lim.msgs_hour);
	printf("\n%-24s%lld of ", "recipients, last hour:",
	       (long long)u.hour.rcpts);
	print_limit(e.lim.rcpts_hour);
	printf("\n%-24s%lld of ", "recipients, last day:",
	       (long long)u.day.rcpts);
	print_limit(e.lim.rcpts_day);
	printf("\n%-24s%lld messages, %lld recipients (last hour); %lld "
	       "messages, %lld recipients (last day)\n", "deferred:",
	       (long long)u.hour.def_msgs, (long long)u.hour.def_rcpts,
	       (long long)u.day.def_msgs, (long long)u.day.def_rcpts);
}

struct top {
	bool json;
	struct json arr;
	int rows;
};

static int
top_one(void *arg, const char *name, const struct mu_win_sum *s)
{
	struct top *t = arg;
	struct json o;

	if (t->json) {
		json_begin(&o, stdout, NULL, &t->arr, '{');
		json_str(&o, "user", name);
		json_int(&o, "messages", s->msgs);
		json_int(&o, "recipients", s->rcpts);
		json_int(&o, "deferred_messages", s->def_msgs);
		json_int(&o, "deferred_recipients", s->def_rcpts);
		json_end(&o, '}');
		return 0;
	}
	printf("  %-40s  %8lld  %10lld  %8lld  %10lld\n", name,
	       (long long)s->msgs, (long long)s->rcpts, (long long)s->def_msgs,
	       (long long)s->def_rcpts);
	t->rows++;
	return 0;
}

/* sending [--json] [USER] */
void
cmd_sending(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	int64_t now = (int64_t)time(NULL);
	struct json obj;
	struct top t;
	int pass, r;

	if (argc > 0) {
		admin_user_arg(a, argv[0], name);
		sending_user(a, name);
		return;
	}
	if (a->o.json)
		json_begin(&obj, stdout, NULL, NULL, '{');
	for (pass = 0; pass < 2; pass++) {
		memset(&t, 0, sizeof(t));
		t.json = a->o.json;
		if (t.json) {
			json_begin(&t.arr, stdout, pass == 0 ? "last_hour" :
				   "last_day", &obj, '[');
		} else {
			printf("%stop senders, last %s:\n", pass == 0 ? "" :
			       "\n", pass == 0 ? "hour" : "day");
			printf("  %-40s  %8s  %10s  %8s  %10s\n", "USER",
			       "MESSAGES", "RECIPIENTS", "DEFERRED",
			       "(RCPTS)");
		}
		r = mu_send_top(admin_store(a), now, pass == 1, TOP_SENDERS,
				top_one, &t);
		if (r != MU_OK)
			admin_failed(a, r, "sending");
		if (t.json)
			json_end(&t.arr, ']');
		else if (t.rows == 0)
			printf("  (none)\n");
	}
	if (a->o.json) {
		json_end(&obj, '}');
		putchar('\n');
	}
}

/* sending reset USER */
void
cmd_sending_reset(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	int64_t rows;
	int r;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	r = mu_send_reset(admin_store(a), name, &rows);
	admin_check_user(a, r, name, "sending reset");
	printf("%s: sending counters reset (%lld bucket%s)\n", name,
	       (long long)rows, rows == 1 ? "" : "s");
}
