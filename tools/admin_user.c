/*
 * mailuser-admin user add|del|list|show|passwd|enable|disable|expire, and
 * hash.  Names go through the same rules as the module's (mu_canon with
 * default_domain), so the tool never stores a name the module would
 * refuse.  Hashes are never printed by "user show".
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"
#include "mu_store_pw.h"
#include "mu_username.h"

static bool
user_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *s;
	bool found;

	s = db_prepare(db, "SELECT 1 FROM users WHERE name = ?1");
	db_bind_text(s, 1, name);
	found = db_step(s);
	sqlite3_finalize(s);
	return found;
}

/* For a new user: the id of its domain; exits when the user exists or
 * the domain does not. */
static int64_t
new_user_domain(sqlite3 *db, const char *name)
{
	const char *domain = strchr(name, '@') + 1;
	int64_t id;

	if (user_exists(db, name))
		errx(1, "user %s already exists", name);
	if ((id = db_domain_id(db, domain)) < 0)
		errx(1, "no such domain: %s (add it first with \"domain "
		     "add\")", domain);
	return id;
}

/* A new hash for user from a password got as the options say. */
static void
new_hash(struct admin *a, const char *user, char *hash, size_t hashsz)
{
	char *pw = password_new(&a->o, user);
	int r;

	r = mu_hash_new(a->cfg.method, a->cfg.hash_cost, pw, hash, hashsz);
	mu_free_secret(pw);
	if (r != MU_OK) {
		mu_wipe(hash, hashsz);
		errx(1, "cannot hash the password: %s", mu_strerror(r));
	}
}

/* What the audit row of a new password says about --force. */
static const char *
forced(const struct admin *a)
{
	return a->o.force ? "quality checks skipped (--force)" : NULL;
}

void
cmd_user_add(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], hash[MU_HASH_MAX];
	char *generated = NULL;
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t did, now;

	(void)argc;
	if (a->o.generate && a->o.pw_src != PW_PROMPT)
		errx(EXIT_USAGE, "--generate excludes --password-stdin and "
		     "--password-file");
	if (a->o.length != NULL && !a->o.generate)
		errx(EXIT_USAGE, "--length needs --generate");
	admin_user_arg(a, argv[0], name);
	db = admin_open(a);
	(void)new_user_domain(db, name);	/* before asking */
	if (a->o.generate) {
		generated = password_generate(&a->o, name);
		admin_hash(a, generated, hash, sizeof(hash));
	} else {
		new_hash(a, name, hash, sizeof(hash));
	}

	db_exec(db, "BEGIN IMMEDIATE");
	did = new_user_domain(db, name);	/* still true? */
	now = (int64_t)time(NULL);
	s = db_prepare(db, "INSERT INTO users (name, domain_id, hash, "
		       "pw_changed, created, force_change) "
		       "VALUES (?1, ?2, ?3, ?4, ?4, ?5)");
	db_bind_text(s, 1, name);
	db_bind_int(s, 2, did);
	db_bind_text(s, 3, hash);
	db_bind_int(s, 4, now);
	db_bind_int(s, 5, a->o.must_change);
	mu_wipe(hash, sizeof(hash));
	db_run(s);
	db_audit(db, "user add", name, a->o.generate ? (a->o.must_change ?
		 "generated password, must change" : "generated password") :
		 a->o.force ? forced(a) : a->o.must_change ? "must change" :
		 NULL);
	db_exec(db, "COMMIT");
	if (generated != NULL) {
		/* shown once, after the commit: never for a user that was
		 * not added */
		printf("%s\n", generated);
		if (fflush(stdout) != 0)
			err(1, "standard output");
		password_release(generated);
	}
}

/* The change of pam_chauthtok (mu_store_set_password): history, a
 * cleared forced change and failure counts, the audit row. */
void
cmd_user_passwd(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], hash[MU_HASH_MAX];
	struct mu_pwchange ch;
	struct mu_user u;
	int r;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	(void)admin_open(a);
	if ((r = mu_store_get_user(a->st, name, &u)) == MU_E_NOUSER)
		errx(1, "no such user: %s", name);
	if (r != MU_OK)
		exit(1);	/* the core said why */
	new_hash(a, name, hash, sizeof(hash));
	ch = (struct mu_pwchange){ u.id, u.name, u.hash, hash,
				   a->cfg.remember, (int64_t)time(NULL),
				   "mailuser-admin", "user passwd",
				   forced(a), false, NULL };
	r = mu_store_set_password(a->st, &ch);
	mu_wipe(hash, sizeof(hash));
	mu_user_wipe(&u);
	if (r == MU_E_CONFLICT)
		errx(1, "the password of %s was changed by another process "
		     "meanwhile; nothing was changed", name);
	if (r == MU_E_NOUSER)
		errx(1, "no such user: %s", name);
	if (r != MU_OK)
		exit(1);	/* the core said why */
}

void
cmd_user_del(struct admin *a, int argc, char **argv)
{
	(void)argc;
	/* history, failures and the like go with it (ON DELETE CASCADE) */
	admin_change_user(a, argv[0], "DELETE FROM users WHERE name = ?2",
			  NULL, "user del", NULL);
}

void
admin_change_user(struct admin *a, const char *arg, const char *sql,
	    const int64_t *value, const char *action, const char *detail)
{
	char name[MU_NAME_MAX + 1];
	sqlite3_stmt *s;
	sqlite3 *db;

	admin_user_arg(a, arg, name);
	db = admin_open(a);
	db_exec(db, "BEGIN IMMEDIATE");
	s = db_prepare(db, sql);
	if (value != NULL)
		db_bind_int(s, 1, *value);
	db_bind_text(s, 2, name);
	db_run(s);
	if (sqlite3_changes(db) == 0)
		errx(1, "no such user: %s", name);
	db_audit(db, action, name, detail);
	db_exec(db, "COMMIT");
}

void
cmd_user_enable(struct admin *a, int argc, char **argv)
{
	const int64_t off = 0;

	(void)argc;
	admin_change_user(a, argv[0], "UPDATE users SET disabled = ?1 WHERE "
		    "name = ?2", &off, "user enable", NULL);
}

void
cmd_user_disable(struct admin *a, int argc, char **argv)
{
	const int64_t on = 1;

	(void)argc;
	admin_change_user(a, argv[0], "UPDATE users SET disabled = ?1 WHERE "
		    "name = ?2", &on, "user disable", NULL);
}

/* user expire USER DATE|never: the account expires at 00:00 UTC of DATE. */
void
cmd_user_expire(struct admin *a, int argc, char **argv)
{
	char esc[64], detail[64];
	int64_t when;
	bool never = strcmp(argv[1], "never") == 0;

	(void)argc;
	if (!never && date_parse(argv[1], &when) != 0)
		errx(1, "invalid date \"%s\": expected YYYY-MM-DD (UTC) or "
		     "\"never\"", mu_escape(esc, sizeof(esc), argv[1]));
	snprintf(detail, sizeof(detail), "expires %s", never ? "never" :
		 argv[1]);
	admin_change_user(a, argv[0], "UPDATE users SET expires = ?1 WHERE "
		    "name = ?2", never ? NULL : &when, "user expire", detail);
}

/* Columns of the user queries below. */
enum { C_NAME, C_DOMAIN, C_DISABLED, C_DOM_DISABLED, C_EXPIRES,
       C_FORCE, C_LOCKED_AT, C_LOCK_REASON, C_PW_CHANGED, C_CREATED,
       C_HASH };

#define USER_COLUMNS \
	"SELECT u.name, d.name, u.disabled, d.disabled, u.expires, " \
	"u.force_change, u.locked_at, u.lock_reason, u.pw_changed, " \
	"u.created, u.hash FROM users u JOIN domains d ON d.id = u.domain_id "

static bool
is_null(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL;
}

static bool
expired(sqlite3_stmt *s, int64_t now)
{
	return !is_null(s, C_EXPIRES) &&
	    sqlite3_column_int64(s, C_EXPIRES) <= now;
}

/* Short state of a user row for "user list". */
static const char *
user_state(sqlite3_stmt *s, int64_t now)
{
	if (sqlite3_column_int(s, C_DISABLED))
		return "disabled";
	if (sqlite3_column_int(s, C_DOM_DISABLED))
		return "domain disabled";
	if (!is_null(s, C_LOCKED_AT))
		return "locked";
	if (expired(s, now))
		return "expired";
	if (sqlite3_column_int(s, C_FORCE))
		return "must change password";
	return "active";
}

void
cmd_user_list(struct admin *a, int argc, char **argv)
{
	char d[MU_DOMAIN_MAX + 1], exp[32];
	struct json arr, obj;
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t now = (int64_t)time(NULL);
	int rows = 0;

	if (argc > 0)
		domain_arg(argv[0], d);
	db = admin_open(a);
	if (argc > 0 && db_domain_id(db, d) < 0)
		errx(1, "no such domain: %s", d);
	s = db_prepare(db, USER_COLUMNS "WHERE ?1 IS NULL OR d.name = ?1 "
		       "ORDER BY d.name, u.name");
	db_bind_text(s, 1, argc > 0 ? d : NULL);
	if (a->o.json)
		json_begin(&arr, stdout, NULL, NULL, '[');
	while (db_step(s)) {
		if (!is_null(s, C_EXPIRES))
			expiry_fmt(sqlite3_column_int64(s, C_EXPIRES), exp,
				   sizeof(exp));
		if (a->o.json) {
			json_begin(&obj, stdout, NULL, &arr, '{');
			json_str(&obj, "name", db_text(s, C_NAME));
			json_str(&obj, "domain", db_text(s, C_DOMAIN));
			json_str(&obj, "state", user_state(s, now));
			json_bool(&obj, "disabled",
				  sqlite3_column_int(s, C_DISABLED));
			json_bool(&obj, "domain_disabled",
				  sqlite3_column_int(s, C_DOM_DISABLED));
			json_bool(&obj, "locked", !is_null(s, C_LOCKED_AT));
			json_str(&obj, "expires", is_null(s, C_EXPIRES) ?
				 NULL : exp);
			json_bool(&obj, "expired", expired(s, now));
			json_end(&obj, '}');
			continue;
		}
		if (rows++ == 0)
			printf("%-40s  %-20s  %s\n", "USER", "STATE",
			       "EXPIRES");
		printf("%-40s  %-20s  %s\n", db_text(s, C_NAME),
		       user_state(s, now), is_null(s, C_EXPIRES) ? "never" :
		       exp);
	}
	sqlite3_finalize(s);
	if (a->o.json) {
		json_end(&arr, ']');
		putchar('\n');
	}
}

static const char *
yes_no(int v)
{
	return v ? "yes" : "no";
}

void
cmd_user_show(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], exp[32], changed[32], created[32];
	char locked[32];
	struct json obj;
	sqlite3_stmt *s;
	const char *method;
	int64_t now = (int64_t)time(NULL);
	bool is_locked;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	s = db_prepare(admin_open(a), USER_COLUMNS "WHERE u.name = ?1");
	db_bind_text(s, 1, name);
	if (!db_step(s))
		errx(1, "no such user: %s", name);
	method = mu_hash_method_name(db_text(s, C_HASH));
	if (is_null(s, C_EXPIRES))
		snprintf(exp, sizeof(exp), "never");
	else
		expiry_fmt(sqlite3_column_int64(s, C_EXPIRES), exp,
			   sizeof(exp));
	time_fmt(sqlite3_column_int64(s, C_PW_CHANGED), changed,
		 sizeof(changed));
	time_fmt(sqlite3_column_int64(s, C_CREATED), created,
		 sizeof(created));
	is_locked = !is_null(s, C_LOCKED_AT);
	if (is_locked)
		time_fmt(sqlite3_column_int64(s, C_LOCKED_AT), locked,
			 sizeof(locked));

	if (a->o.json) {
		json_begin(&obj, stdout, NULL, NULL, '{');
		json_str(&obj, "name", db_text(s, C_NAME));
		json_str(&obj, "domain", db_text(s, C_DOMAIN));
		json_str(&obj, "hash_method", method);
		json_bool(&obj, "disabled", sqlite3_column_int(s, C_DISABLED));
		json_bool(&obj, "domain_disabled",
			  sqlite3_column_int(s, C_DOM_DISABLED));
		json_str(&obj, "expires", is_null(s, C_EXPIRES) ? NULL : exp);
		json_bool(&obj, "expired", expired(s, now));
		json_str(&obj, "password_changed", changed);
		json_bool(&obj, "force_change", sqlite3_column_int(s, C_FORCE));
		admin_show_aging(a, name, &obj);
		json_bool(&obj, "locked", is_locked);
		json_str(&obj, "locked_at", is_locked ? locked : NULL);
		json_str(&obj, "lock_reason", is_null(s, C_LOCK_REASON) ?
			 NULL : db_text(s, C_LOCK_REASON));
		json_str(&obj, "created", created);
		json_end(&obj, '}');
		putchar('\n');
	} else {
		printf("%-18s%s\n", "name:", db_text(s, C_NAME));
		printf("%-18s%s\n", "domain:", db_text(s, C_DOMAIN));
		printf("%-18s%s\n", "hash method:", method);
		printf("%-18s%s\n", "disabled:",
		       yes_no(sqlite3_column_int(s, C_DISABLED)));
		printf("%-18s%s\n", "domain disabled:",
		       yes_no(sqlite3_column_int(s, C_DOM_DISABLED)));
		printf("%-18s%s%s\n", "account expires:", exp,
		       expired(s, now) ? " (expired)" : "");
		printf("%-18s%s\n", "password changed:", changed);
		printf("%-18s%s\n", "forced change:",
		       yes_no(sqlite3_column_int(s, C_FORCE)));
		admin_show_aging(a, name, NULL);
		if (is_locked)
			printf("%-18syes, since %s%s%s\n", "admin lock:",
			       locked, is_null(s, C_LOCK_REASON) ? "" : ": ",
			       db_text(s, C_LOCK_REASON));
		else
			printf("%-18sno\n", "admin lock:");
		printf("%-18s%s\n", "created:", created);
	}
	sqlite3_finalize(s);
}

/* hash: print a new hash of a password, like "doveadm pw". */
void
cmd_hash(struct admin *a, int argc, char **argv)
{
	char hash[MU_HASH_MAX];

	(void)argc;
	(void)argv;
	if (a->o.method != NULL) {
		if (mu_config_set(&a->cfg, MU_FROM_ARG, "--method", "hash",
				  a->o.method, &a->log) != MU_OK)
			exit(1);
		a->cfg.hash_cost = 0;	/* the method's own default */
	}
	if (a->o.cost != NULL &&
	    mu_config_set(&a->cfg, MU_FROM_ARG, "--cost", "hash_cost",
			  a->o.cost, &a->log) != MU_OK)
		exit(1);
	if (mu_config_finish(&a->cfg, &a->log) != MU_OK)
		exit(1);
	new_hash(a, NULL, hash, sizeof(hash));
	printf("%s\n", hash);
	mu_wipe(hash, sizeof(hash));
}
