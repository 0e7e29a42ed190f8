/*
 * mailuser-admin domain add|del|list|enable|disable.  Users can only be
 * added to domains that exist, and a domain is deleted only when empty.
 */
#include <err.h>
#include <time.h>

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
	sqlite3_stmt *s;
	sqlite3 *db;

	(void)argc;
	domain_arg(argv[0], d);
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	if (db_domain_id(db, d) >= 0)
		errx(1, "domain %s already exists", d);
	s = db_prepare(db, "INSERT INTO domains (name, created) "
		       "VALUES (?1, ?2)");
	db_bind_text(s, 1, d);
	db_bind_int(s, 2, (int64_t)time(NULL));
	db_run(s);
	db_audit(db, "domain add", d, NULL);
	db_exec(db, "COMMIT");
}

void
cmd_domain_del(struct admin *a, int argc, char **argv)
{
	char d[MU_DOMAIN_MAX + 1];
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t id, users = 0;

	(void)argc;
	domain_arg(argv[0], d);
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	if ((id = db_domain_id(db, d)) < 0)
		errx(1, "no such domain: %s", d);
	s = db_prepare(db, "SELECT count(*) FROM users WHERE domain_id = ?1");
	db_bind_int(s, 1, id);
	if (db_step(s))
		users = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (users > 0 && !a->o.cascade)
		errx(1, "domain %s still has %lld user%s: delete %s first, or "
		     "use --cascade", d, (long long)users, users == 1 ? "" :
		     "s", users == 1 ? "it" : "them");
	if (users > 0) {
		domain_del_users(db, id, d, users);	/* commits */
		return;
	}
	s = db_prepare(db, "DELETE FROM domains WHERE id = ?1");
	db_bind_int(s, 1, id);
	db_run(s);
	db_audit(db, "domain del", d, NULL);
	db_exec(db, "COMMIT");
}

static void
set_disabled(struct admin *a, const char *arg, bool disabled)
{
	char d[MU_DOMAIN_MAX + 1];
	sqlite3_stmt *s;
	sqlite3 *db;

	domain_arg(arg, d);
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	s = db_prepare(db, "UPDATE domains SET disabled = ?1 WHERE name = ?2");
	db_bind_int(s, 1, disabled);
	db_bind_text(s, 2, d);
	db_run(s);
	if (sqlite3_changes(db) == 0)
		errx(1, "no such domain: %s", d);
	db_audit(db, disabled ? "domain disable" : "domain enable", d, NULL);
	db_exec(db, "COMMIT");
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

void
cmd_domain_list(struct admin *a, int argc, char **argv)
{
	struct json arr, obj;
	char created[32];
	sqlite3_stmt *s;
	int rows = 0;

	(void)argc;
	(void)argv;
	s = db_prepare(admin_open(a), "SELECT d.name, d.disabled, d.created, "
		       "(SELECT count(*) FROM users u WHERE u.domain_id = "
		       "d.id) FROM domains d ORDER BY d.name");
	if (a->o.json)
		json_begin(&arr, stdout, NULL, NULL, '[');
	while (db_step(s)) {
		time_fmt(sqlite3_column_int64(s, 2), created,
			 sizeof(created));
		if (a->o.json) {
			json_begin(&obj, stdout, NULL, &arr, '{');
			json_str(&obj, "name", db_text(s, 0));
			json_bool(&obj, "disabled",
				  sqlite3_column_int(s, 1) != 0);
			json_int(&obj, "users", sqlite3_column_int64(s, 3));
			json_str(&obj, "created", created);
			json_end(&obj, '}');
			continue;
		}
		if (rows++ == 0)
			printf("%-32s %6s  %-8s  %s\n", "DOMAIN", "USERS",
			       "STATUS", "CREATED");
		printf("%-32s %6lld  %-8s  %s\n", db_text(s, 0),
		       (long long)sqlite3_column_int64(s, 3),
		       sqlite3_column_int(s, 1) ? "disabled" : "enabled",
		       created);
	}
	sqlite3_finalize(s);
	if (a->o.json) {
		json_end(&arr, ']');
		putchar('\n');
	}
}
