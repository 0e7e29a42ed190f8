/*
 * mailuser-admin domain add|del|list|enable|disable.  Users can only be
 * added to domains that exist, and a domain is deleted only when empty,
 * or with --cascade, its users first.  The store operations are in
 * pam_mailuser/store/domains.c.
 */
#include <err.h>
#include <stdlib.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_username.h"

void
domain_arg(const char *arg, char *out)
{
	char esc[MU_DOMAIN_MAX + 16];
	const char *why = "invalid";

	if (mu_canon_domain(arg, out, &why) != MU_OK)
		errx(1, "invalid domain \"%s\": %s",
		     mu_escape(esc, sizeof(esc), arg), why);
}

void
cmd_domain_add(struct admin *a, int argc, char **argv)
{
	char d[MU_DOMAIN_MAX + 1];
	int r;

	(void)argc;
	domain_arg(argv[0], d);
	r = mu_acct_domain_add(admin_store(a), d);
	if (r == MU_E_EXISTS)
		errx(1, "domain %s already exists", d);
	if (r != MU_OK)
		admin_failed(a, r, "domain add");
}

/* domain del --cascade, once the domain is disabled: its users go in
 * short transactions (progress.c), the last one with the domain.
 * Interrupted, it leaves the domain disabled with the users not yet
 * deleted. */
static void
del_users(struct admin *a, const struct mu_acct_domain_del *dd)
{
	struct mu_store *st = admin_store(a);
	struct progress pr;
	struct batch b;
	int64_t n, done = 0;
	int r;

	progress_begin(&pr, "domain del", "users", (uint64_t)dd->users);
	batch_init(&b);
	do {
		batch_begin(&b, st);
		r = mu_acct_domain_del_some(st, dd, b.size, &n);
		if (r != MU_OK)
			admin_failed(a, r, "domain del");
		batch_commit(&b, st);
		done += n;
		if (n > 0)
			progress_update(&pr, (uint64_t)done, (uint64_t)done);
	} while (n > 0);
	progress_end(&pr, (uint64_t)done);
}

void
cmd_domain_del(struct admin *a, int argc, char **argv)
{
	struct mu_acct_domain_del dd;
	char d[MU_DOMAIN_MAX + 1];
	int r;

	(void)argc;
	domain_arg(argv[0], d);
	r = mu_acct_domain_del(admin_store(a), d, a->o.cascade, &dd);
	if (r == MU_E_NODOMAIN)
		errx(1, "no such domain: %s", d);
	if (r == MU_E_NOTEMPTY)
		errx(1, "domain %s still has %lld user%s: delete %s first, or "
		     "use --cascade", d, (long long)dd.users,
		     dd.users == 1 ? "" : "s", dd.users == 1 ? "it" : "them");
	if (r != MU_OK)
		admin_failed(a, r, "domain del");
	if (dd.users > 0)
		del_users(a, &dd);
}

static void
set_disabled(struct admin *a, const char *arg, bool disabled)
{
	char d[MU_DOMAIN_MAX + 1];
	int r;

	domain_arg(arg, d);
	r = mu_acct_domain_disable(admin_store(a), d, disabled);
	if (r == MU_E_NODOMAIN)
		errx(1, "no such domain: %s", d);
	if (r != MU_OK)
		admin_failed(a, r, disabled ? "domain disable" : "domain enable");
}

void
cmd_domain_enable(struct admin *a, int argc, char **argv)
{
	(void)argc;
	set_disabled(a, argv[0], false);
}

void
cmd_domain_disable(struct admin *a, int argc, char **argv)
{
	(void)argc;
	set_disabled(a, argv[0], true);
}

/* "domain list": a table, or with --json an array. */
struct listing {
	bool json;
	struct json arr;
	int rows;
};

static int
list_one(void *arg, const struct mu_acct_domain *d)
{
	struct listing *l = arg;
	struct json obj;
	char created[32];

	time_fmt(d->created, created, sizeof(created));
	if (l->json) {
		json_begin(&obj, stdout, NULL, &l->arr, '{');
		json_str(&obj, "name", d->name);
		json_bool(&obj, "disabled", d->disabled);
		json_int(&obj, "users", d->users);
		json_str(&obj, "created", created);
		json_end(&obj, '}');
		return 0;
	}
	if (l->rows++ == 0)
		printf("%-32s %6s  %-8s  %s\n", "DOMAIN", "USERS", "STATUS",
		       "CREATED");
	printf("%-32s %6lld  %-8s  %s\n", d->name, (long long)d->users,
	       d->disabled ? "disabled" : "enabled", created);
	return 0;
}

void
cmd_domain_list(struct admin *a, int argc, char **argv)
{
	struct listing l = { a->o.json, { NULL, 0 }, 0 };
	int r;

	(void)argc;
	(void)argv;
	(void)admin_store(a);	/* its errors before any output */
	if (l.json)
		json_begin(&l.arr, stdout, NULL, NULL, '[');
	if ((r = mu_acct_domain_list(a->st, false, list_one, &l)) != MU_OK)
		admin_failed(a, r, "domain list");
	if (l.json) {
		json_end(&l.arr, ']');
		putchar('\n');
	}
}
