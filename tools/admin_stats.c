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
#include "mu_hash.h"
#include "mu_policy.h"

#define SOON_DAYS 7		/* "expiring soon" */
#define MAX_METHODS 32

struct stats {
	int64_t users, domains, disabled_domains, disabled, in_disabled;
	int64_t admin_locked, fail_locked, locked, forced, expired_accounts;
	int64_t expired_pw, expiring, legacy, weak;
	int64_t unknown_fails, unknown_sources;	/* names not in the store,
						 * within fail_interval */
	struct {
		const char *name;	/* static, from mu_hash_method_name */
		int64_t n;
	} method[MAX_METHODS];
	size_t nmethods;
};

static int64_t
count(sqlite3 *db, const char *sql, int64_t now)
{
	sqlite3_stmt *s = db_prepare(db, sql);
	int64_t n = 0;

	if (sqlite3_bind_parameter_count(s) > 0)
		db_bind_int(s, 1, now);
	if (db_step(s))
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

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

/* Aging and methods need every user, one row at a time. */
static void
per_user(struct admin *a, sqlite3 *db, int64_t now, struct stats *st)
{
	struct mu_aging def, rec;
	struct mu_age ag;
	const char *m;
	sqlite3_stmt *s;

	mu_config_aging(&a->cfg, &def);
	s = db_prepare(db, "SELECT u.hash, u.pw_changed, u.force_change, "
		       "coalesce(u.max_days, d.max_days, -1), "
		       "coalesce(u.min_days, d.min_days, -1), "
		       "coalesce(u.warn_days, d.warn_days, -1), "
		       "coalesce(u.grace_days, d.grace_days, -1) "
		       "FROM users u JOIN domains d ON d.id = u.domain_id");
	while (db_step(s)) {
		m = mu_hash_method_name(db_text(s, 0));
		tally_method(st, m);
		/* what a login would rehash: another method or cost */
		if (mu_hash_needs_upgrade(db_text(s, 0), a->cfg.method,
					  a->cfg.hash_cost))
			st->legacy++;
		if (import_hash_weak(db_text(s, 0), NULL) != NULL)
			st->weak++;
		rec.max_days = sqlite3_column_int64(s, 3);
		rec.min_days = sqlite3_column_int64(s, 4);
		rec.warn_days = sqlite3_column_int64(s, 5);
		rec.grace_days = sqlite3_column_int64(s, 6);
		mu_aging_resolve(&rec, &def, &rec);
		/* forced changes are counted apart: age alone here */
		mu_age_eval(sqlite3_column_int64(s, 1), false, &rec, now, &ag);
		if (!ag.expires)
			continue;
		if (now >= ag.expires_at)
			st->expired_pw++;
		else if (ag.expires_at - now <= (int64_t)SOON_DAYS * MU_DAY)
			st->expiring++;
	}
	sqlite3_finalize(s);
}

static void
print_text(const struct admin *a, const struct stats *st)
{
	size_t i;

	printf("%-30s %lld\n", "users:", (long long)st->users);
	printf("%-30s %lld (%lld disabled)\n", "domains:",
	       (long long)st->domains, (long long)st->disabled_domains);
	printf("%-30s %lld\n", "disabled users:", (long long)st->disabled);
	printf("%-30s %lld\n", "users of disabled domains:",
	       (long long)st->in_disabled);
	printf("%-30s %lld (admin lock %lld, failure lock %lld)\n",
	       "locked users:", (long long)st->locked,
	       (long long)st->admin_locked, (long long)st->fail_locked);
	printf("%-30s %lld\n", "forced password change:",
	       (long long)st->forced);
	printf("%-30s %lld\n", "expired accounts:",
	       (long long)st->expired_accounts);
	printf("%-30s %lld\n", "expired passwords:",
	       (long long)st->expired_pw);
	printf("%-30s %lld\n", "passwords expiring in 7 days:",
	       (long long)st->expiring);
	printf("%-30s %lld (configured: %s)\n", "legacy hashes:",
	       (long long)st->legacy, a->cfg.method->name);
	printf("%-30s %lld%s\n", "weak hashes:", (long long)st->weak,
	       st->weak > 0 ? " (see \"mailuser-admin check\")" : "");
	printf("%-30s %lld from %lld source%s (last %lu s)\n",
	       "unknown-name failures:", (long long)st->unknown_fails,
	       (long long)st->unknown_sources,
	       st->unknown_sources == 1 ? "" : "s", a->cfg.fail_interval);
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
	json_int(&top, "users", st->users);
	json_int(&top, "domains", st->domains);
	json_int(&top, "disabled_domains", st->disabled_domains);
	json_int(&top, "disabled_users", st->disabled);
	json_int(&top, "domain_disabled_users", st->in_disabled);
	json_begin(&locked, stdout, "locked", &top, '{');
	json_int(&locked, "total", st->locked);
	json_int(&locked, "admin", st->admin_locked);
	json_int(&locked, "failures", st->fail_locked);
	json_end(&locked, '}');
	json_int(&top, "force_change", st->forced);
	json_int(&top, "expired_accounts", st->expired_accounts);
	json_int(&top, "expired_passwords", st->expired_pw);
	json_int(&top, "expiring_7_days", st->expiring);
	json_str(&top, "configured_method", a->cfg.method->name);
	json_int(&top, "legacy_hashes", st->legacy);
	json_int(&top, "weak_hashes", st->weak);
	json_int(&top, "unknown_name_failures", st->unknown_fails);
	json_int(&top, "unknown_name_sources", st->unknown_sources);
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
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t now = (int64_t)time(NULL);

	(void)argc;
	(void)argv;
	db = admin_open(a);
	db_exec(db, "BEGIN");	/* one consistent state */
	st.users = count(db, "SELECT count(*) FROM users", now);
	st.domains = count(db, "SELECT count(*) FROM domains", now);
	st.disabled_domains = count(db, "SELECT count(*) FROM domains "
				    "WHERE disabled", now);
	st.disabled = count(db, "SELECT count(*) FROM users WHERE disabled",
			    now);
	st.in_disabled = count(db, "SELECT count(*) FROM users u JOIN "
			       "domains d ON d.id = u.domain_id WHERE "
			       "d.disabled", now);
	st.admin_locked = count(db, "SELECT count(*) FROM users WHERE "
				"locked_at IS NOT NULL", now);
	st.fail_locked = count(db, "SELECT count(DISTINCT user_id) FROM "
			       "failures WHERE locked_until > ?1", now);
	st.locked = count(db, "SELECT count(*) FROM users u WHERE "
			  "u.locked_at IS NOT NULL OR EXISTS (SELECT 1 FROM "
			  "failures f WHERE f.user_id = u.id AND "
			  "f.locked_until > ?1)", now);
	st.forced = count(db, "SELECT count(*) FROM users WHERE "
			  "force_change", now);
	st.expired_accounts = count(db, "SELECT count(*) FROM users WHERE "
				    "expires <= ?1", now);
	/* failed logins of names not in the store, per source, within
	 * fail_interval: address spraying shows here */
	s = db_prepare(db, "SELECT coalesce(sum(count), 0), count(*) FROM "
		       "source_failures WHERE first_fail > ?1");
	db_bind_int(s, 1, now - (int64_t)a->cfg.fail_interval);
	if (db_step(s)) {
		st.unknown_fails = sqlite3_column_int64(s, 0);
		st.unknown_sources = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	per_user(a, db, now, &st);
	db_exec(db, "COMMIT");
	if (a->o.json)
		print_json(a, &st);
	else
		print_text(a, &st);
}
