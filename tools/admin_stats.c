/*
 * mailuser-admin stats [--json]: counts over the whole store.
 *
 * Password aging is judged by the same pure function as the module's
 * (mu_age_eval, with the user's value, else the domain's, else the
 * configuration's), so "expired" and "expiring" mean what a login would
 * see now.  Hash methods are named by mu_hash_method_name; a hash is
 * legacy when its method is not the configured one (a successful login
 * rehashes it when rehash= is on), and weak when import would refuse it
 * without --allow-weak (import_hash_weak: DES, bigcrypt, BSDi, NT).
 */
#include <err.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "import_parse.h"
#include "mu_bulk.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_policy.h"

#define SOON_DAYS 7		/* "expiring soon" */
#define MAX_METHODS 32

struct stats {
	struct mu_stats_counts c;	/* what the store counts */
	int64_t expired_pw, expiring, legacy, weak;
	struct {
		const char *name;	/* static, from mu_hash_method_name */
		int64_t n;
	} method[MAX_METHODS];
	size_t nmethods;
};

static void
tally_method(struct stats *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nmethods; i++)
		if (strcmp(st->method[i].name, name) == 0)
			break;
	if (i == st->nmethods) {
		if (i == MAX_METHODS)
			return;	/* cannot happen: fewer methods exist */
		st->method[i].name = name;
		st->method[i].n = 0;
		st->nmethods++;
	}
	st->method[i].n++;
}

/* What one user adds: aging and methods need every user, one row at a
 * time. */
struct per_user {
	const struct admin *a;
	struct stats *st;
	struct mu_aging def;
	int64_t now;
};

static void
per_user(void *arg, const struct mu_stats_user *u)
{
	struct per_user *pu = arg;
	const struct admin *a = pu->a;
	struct stats *st = pu->st;
	struct mu_aging rec;
	struct mu_age ag;

	tally_method(st, mu_hash_method_name(u->hash));
	/* what a login would rehash: another method or cost */
	if (mu_hash_needs_upgrade(u->hash, a->cfg.method, a->cfg.hash_cost))
		st->legacy++;
	if (import_hash_weak(u->hash, NULL) != NULL)
		st->weak++;
	rec.max_days = u->max_days;
	rec.min_days = u->min_days;
	rec.warn_days = u->warn_days;
	rec.grace_days = u->grace_days;
	mu_aging_resolve(&rec, &pu->def, &rec);
	/* forced changes are counted apart: age alone here */
	mu_age_eval(u->pw_changed, false, &rec, pu->now, &ag);
	if (!ag.expires)
		return;
	if (pu->now >= ag.expires_at)
		st->expired_pw++;
	else if (ag.expires_at - pu->now <= (int64_t)SOON_DAYS * MU_DAY)
		st->expiring++;
}

static void
print_text(const struct admin *a, const struct stats *st)
{
	size_t i;

	printf("%-30s %lld\n", "users:", (long long)st->c.users);
	printf("%-30s %lld (%lld disabled)\n", "domains:",
	       (long long)st->c.domains, (long long)st->c.disabled_domains);
	printf("%-30s %lld\n", "disabled users:", (long long)st->c.disabled);
	printf("%-30s %lld\n", "users of disabled domains:",
	       (long long)st->c.in_disabled);
	printf("%-30s %lld (admin lock %lld, failure lock %lld)\n",
	       "locked users:", (long long)st->c.locked,
	       (long long)st->c.admin_locked, (long long)st->c.fail_locked);
	printf("%-30s %lld\n", "forced password change:",
	       (long long)st->c.forced);
	printf("%-30s %lld\n", "expired accounts:",
	       (long long)st->c.expired_accounts);
	printf("%-30s %lld\n", "expired passwords:",
	       (long long)st->expired_pw);
	printf("%-30s %lld\n", "passwords expiring in 7 days:",
	       (long long)st->expiring);
	printf("%-30s %lld (configured: %s)\n", "legacy hashes:",
	       (long long)st->legacy, a->cfg.method->name);
	printf("%-30s %lld%s\n", "weak hashes:", (long long)st->weak,
	       st->weak > 0 ? " (see \"mailuser-admin check\")" : "");
	printf("%-30s %lld from %lld source%s (last %lu s)\n",
	       "unknown-name failures:", (long long)st->c.unknown_fails,
	       (long long)st->c.unknown_sources,
	       st->c.unknown_sources == 1 ? "" : "s", a->cfg.fail_interval);
	for (i = 0; i < st->nmethods; i++)
		printf("hash method %-18s %lld%s\n", st->method[i].name,
		       (long long)st->method[i].n,
		       strcmp(st->method[i].name, a->cfg.method->name) != 0 ?
		       " (legacy)" : "");
}

static void
print_json(const struct admin *a, const struct stats *st)
{
	struct json top, locked, methods;
	size_t i;

	json_begin(&top, stdout, NULL, NULL, '{');
	json_int(&top, "users", st->c.users);
	json_int(&top, "domains", st->c.domains);
	json_int(&top, "disabled_domains", st->c.disabled_domains);
	json_int(&top, "disabled_users", st->c.disabled);
	json_int(&top, "domain_disabled_users", st->c.in_disabled);
	json_begin(&locked, stdout, "locked", &top, '{');
	json_int(&locked, "total", st->c.locked);
	json_int(&locked, "admin", st->c.admin_locked);
	json_int(&locked, "failures", st->c.fail_locked);
	json_end(&locked, '}');
	json_int(&top, "force_change", st->c.forced);
	json_int(&top, "expired_accounts", st->c.expired_accounts);
	json_int(&top, "expired_passwords", st->expired_pw);
	json_int(&top, "expiring_7_days", st->expiring);
	json_str(&top, "configured_method", a->cfg.method->name);
	json_int(&top, "legacy_hashes", st->legacy);
	json_int(&top, "weak_hashes", st->weak);
	json_int(&top, "unknown_name_failures", st->c.unknown_fails);
	json_int(&top, "unknown_name_sources", st->c.unknown_sources);
	json_begin(&methods, stdout, "hash_methods", &top, '{');
	for (i = 0; i < st->nmethods; i++)
		json_int(&methods, st->method[i].name, st->method[i].n);
	json_end(&methods, '}');
	json_end(&top, '}');
	putchar('\n');
}

void
cmd_stats(struct admin *a, int argc, char **argv)
{
	static struct stats st;
	struct per_user pu;
	int64_t now = (int64_t)time(NULL);
	int r;

	(void)argc;
	(void)argv;
	pu.a = a;
	pu.st = &st;
	pu.now = now;
	mu_config_aging(&a->cfg, &pu.def);
	/* one consistent state; failed logins of names not in the store
	 * within fail_interval: address spraying shows there */
	r = mu_stats(admin_store(a), now, now - (int64_t)a->cfg.fail_interval,
		     &st.c, per_user, &pu);
	if (r != MU_OK)
		admin_die(a, r, "stats");
	if (a->o.json)
		print_json(a, &st);
	else
		print_text(a, &st);
}
