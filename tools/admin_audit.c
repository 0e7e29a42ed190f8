/*
 * mailuser-admin audit [--json] [--since DATE] [--user USER], and
 * audit prune --before DATE.
 *
 * The audit table is written by the module (password changes) and by
 * this tool (every change it makes): time, uid and login name of the
 * caller, tool, action, account and a detail that never holds a password
 * or a hash.  Pruning is itself recorded, after the rows it removed.
 * It works in short transactions, oldest rows first (see progress.c).
 */
#include <err.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "mu_bulk.h"
#include "mu_error.h"
#include "mu_username.h"

/* A --since or --before date, midnight UTC. */
static int64_t
date_opt(const char *opt, const char *s)
{
	char esc[64];
	int64_t t;

	if (date_parse(s, &t) != 0)
		errx(1, "%s: invalid date \"%s\": expected YYYY-MM-DD (UTC)",
		     opt, mu_escape(esc, sizeof(esc), s));
	return t;
}

/* The state of one listing. */
struct lister {
	bool json;
	struct json arr;
	int rows;
};

static void
json_row(struct lister *l, const struct mu_audit_row *r, const char *at)
{
	struct json obj;

	json_begin(&obj, stdout, NULL, &l->arr, '{');
	json_int(&obj, "id", r->id);
	json_str(&obj, "at", at);
	if (r->has_uid)
		json_int(&obj, "uid", r->uid);
	else
		json_str(&obj, "uid", NULL);
	json_str(&obj, "actor", r->actor);
	json_str(&obj, "tool", r->tool);
	json_str(&obj, "action", r->action);
	json_str(&obj, "account", r->account);
	json_str(&obj, "detail", r->detail);
	json_end(&obj, '}');
}

static int
row(void *arg, const struct mu_audit_row *r)
{
	struct lister *l = arg;
	char at[32], who[64];

	time_fmt(r->at, at, sizeof(at));
	if (l->json) {
		json_row(l, r, at);
		return 0;
	}
	if (l->rows++ == 0)
		printf("%-23s  %-16s  %-14s  %-16s  %-32s  %s\n", "TIME", "WHO",
		       "TOOL", "ACTION", "ACCOUNT", "DETAIL");
	if (r->actor != NULL)
		snprintf(who, sizeof(who), "%s (%lld)", r->actor,
			 (long long)r->uid);
	else if (r->has_uid)
		snprintf(who, sizeof(who), "uid %lld", (long long)r->uid);
	else
		snprintf(who, sizeof(who), "-");
	printf("%-23s  %-16s  %-14s  %-16s  %-32s  %s\n", at, who, r->tool,
	       r->action, r->account != NULL ? r->account : "-",
	       r->detail != NULL ? r->detail : "");
	return 0;
}

void
cmd_audit(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	struct lister l;
	int64_t since = 0;
	int r;

	(void)argc;
	(void)argv;
	memset(&l, 0, sizeof(l));
	l.json = a->o.json;
	if (a->o.since != NULL)
		since = date_opt("--since", a->o.since);
	if (a->o.user != NULL)
		admin_user_arg(a, a->o.user, name);
	if (l.json)
		json_begin(&l.arr, stdout, NULL, NULL, '[');
	if ((r = mu_audit_each(admin_store(a), since, a->o.user != NULL ?
			       name : NULL, row, &l)) != MU_OK)
		admin_die(a, r, "audit");
	if (l.json) {
		json_end(&l.arr, ']');
		putchar('\n');
	}
}

void
cmd_audit_prune(struct admin *a, int argc, char **argv)
{
	char detail[64];
	struct progress pr;
	struct mu_store *st;
	struct batch b;
	int64_t before, n = 0, got, size, total;
	int r;

	(void)argc;
	(void)argv;
	if (a->o.before == NULL)
		errx(EXIT_USAGE, "audit prune: --before is required");
	before = date_opt("--before", a->o.before);
	st = admin_store(a);
	/* the total only serves the progress line: counted only for one */
	progress_begin(&pr, "audit prune", "rows", 0);
	if (pr.on) {
		if ((r = mu_audit_count_before(st, before, &total)) != MU_OK)
			admin_die(a, r, "audit prune");
		pr.total = (uint64_t)total;
	}
	/* oldest rows first, in short transactions: logins never wait for
	 * the whole prune, and an interrupted prune leaves a shorter log */
	batch_init(&b);
	do {
		size = b.size;
		batch_begin(&b, st);
		if ((r = mu_audit_prune(st, before, size, &got)) != MU_OK)
			admin_die(a, r, "audit prune");
		batch_commit(&b, st);
		n += got;
		progress_update(&pr, (uint64_t)n, (uint64_t)n);
	} while (got == size);	/* a short batch was the last */
	progress_end(&pr, (uint64_t)n);
	snprintf(detail, sizeof(detail), "before %s, %lld row%s removed",
		 a->o.before, (long long)n, n == 1 ? "" : "s");
	if ((r = mu_bulk_audit(st, "audit prune", NULL, detail)) != MU_OK)
		admin_die(a, r, "audit prune");
	printf("%lld audit row%s removed\n", (long long)n, n == 1 ? "" : "s");
}
