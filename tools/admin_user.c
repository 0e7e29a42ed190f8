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
	struct mu_acct_new nu;
	char *generated = NULL;
	int r;

	(void)argc;
	if (a->o.generate && a->o.pw_src != PW_PROMPT)
		errx(EXIT_USAGE, "--generate excludes --password-stdin and "
		     "--password-file");
	if (a->o.length != NULL && !a->o.generate)
		errx(EXIT_USAGE, "--length needs --generate");
	admin_user_arg(a, argv[0], name);
	/* before asking; the add checks again */
	admin_check_user(a, mu_acct_user_may_add(admin_store(a), name), name, "user add");
	if (a->o.generate) {
		generated = password_generate(&a->o, name);
		admin_hash(a, generated, hash, sizeof(hash));
	} else {
		new_hash(a, name, hash, sizeof(hash));
	}
	nu = (struct mu_acct_new){ name, hash, a->o.must_change,
		a->o.generate ? (a->o.must_change ?
		"generated password, must change" : "generated password") :
		a->o.force ? forced(a) : a->o.must_change ? "must change" :
		NULL };
	r = mu_acct_user_add(a->st, &nu);
	mu_wipe(hash, sizeof(hash));
	admin_check_user(a, r, name, "user add");
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
	(void)admin_store(a);
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
	char name[MU_NAME_MAX + 1];

	(void)argc;
	admin_user_arg(a, argv[0], name);
	admin_check_user(a, mu_acct_user_del(admin_store(a), name), name, "user del");
}

static void
set_disabled(struct admin *a, const char *arg, bool disabled)
{
	char name[MU_NAME_MAX + 1];

	admin_user_arg(a, arg, name);
	admin_check_user(a, mu_acct_user_disable(admin_store(a), name, disabled), name,
	      disabled ? "user disable" : "user enable");
}

void
cmd_user_enable(struct admin *a, int argc, char **argv)
{
	(void)argc;
	set_disabled(a, argv[0], false);
}

void
cmd_user_disable(struct admin *a, int argc, char **argv)
{
	(void)argc;
	set_disabled(a, argv[0], true);
}

/* user expire USER DATE|never: the account expires at 00:00 UTC of DATE. */
void
cmd_user_expire(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], esc[64], detail[64];
	int64_t when;
	bool never = strcmp(argv[1], "never") == 0;

	(void)argc;
	if (!never && date_parse(argv[1], &when) != 0)
		errx(1, "invalid date \"%s\": expected YYYY-MM-DD (UTC) or "
		     "\"never\"", mu_escape(esc, sizeof(esc), argv[1]));
	snprintf(detail, sizeof(detail), "expires %s", never ? "never" :
		 argv[1]);
	admin_user_arg(a, argv[0], name);
	admin_check_user(a, mu_acct_user_expire(admin_store(a), name, never ? NULL :
				     &when, detail), name, "user expire");
}

static bool
expired(const struct mu_acct_user *u, int64_t now)
{
	return u->has_expires && u->expires <= now;
}

/* Short state of a user for "user list". */
static const char *
user_state(const struct mu_acct_user *u, int64_t now)
{
	if (u->disabled)
		return "disabled";
	if (u->domain_disabled)
		return "domain disabled";
	if (u->locked)
		return "locked";
	if (expired(u, now))
		return "expired";
	if (u->force_change)
		return "must change password";
	return "active";
}

/* "user list": a table, or with --json an array, begun at the first
 * user (nothing is written before a missing domain is reported). */
struct listing {
	bool json;
	struct json arr;
	int64_t now;
	int rows;
};

static int
list_one(void *arg, const struct mu_acct_user *u)
{
	struct listing *l = arg;
	struct json obj;
	char exp[32];

	if (u->has_expires)
		expiry_fmt(u->expires, exp, sizeof(exp));
	if (l->json) {
		if (l->rows++ == 0)
			json_begin(&l->arr, stdout, NULL, NULL, '[');
		json_begin(&obj, stdout, NULL, &l->arr, '{');
		json_str(&obj, "name", u->name);
		json_str(&obj, "domain", u->domain);
		json_str(&obj, "state", user_state(u, l->now));
		json_bool(&obj, "disabled", u->disabled);
		json_bool(&obj, "domain_disabled", u->domain_disabled);
		json_bool(&obj, "locked", u->locked);
		json_str(&obj, "expires", u->has_expires ? exp : NULL);
		json_bool(&obj, "expired", expired(u, l->now));
		json_end(&obj, '}');
		return 0;
	}
	if (l->rows++ == 0)
		printf("%-40s  %-20s  %s\n", "USER", "STATE", "EXPIRES");
	printf("%-40s  %-20s  %s\n", u->name, user_state(u, l->now),
	       u->has_expires ? exp : "never");
	return 0;
}

void
cmd_user_list(struct admin *a, int argc, char **argv)
{
	struct listing l = { a->o.json, { NULL, 0 }, (int64_t)time(NULL), 0 };
	char d[MU_DOMAIN_MAX + 1];
	int r;

	if (argc > 0)
		domain_arg(argv[0], d);
	r = mu_acct_user_list(admin_store(a), argc > 0 ? d : NULL, list_one,
			      &l);
	if (r == MU_E_NODOMAIN)
		errx(1, "no such domain: %s", d);
	if (r != MU_OK)
		admin_failed(a, r, "user list");
	if (l.json) {
		if (l.rows == 0)
			json_begin(&l.arr, stdout, NULL, NULL, '[');
		json_end(&l.arr, ']');
		putchar('\n');
	}
}

static const char *
yes_no(bool v)
{
	return v ? "yes" : "no";
}

static void
show_json(struct admin *a, const struct mu_acct_user *u, const char *exp,
	  const char *changed, const char *locked, const char *created)
{
	struct json obj;

	json_begin(&obj, stdout, NULL, NULL, '{');
	json_str(&obj, "name", u->name);
	json_str(&obj, "domain", u->domain);
	json_str(&obj, "hash_method", u->method);
	json_bool(&obj, "disabled", u->disabled);
	json_bool(&obj, "domain_disabled", u->domain_disabled);
	json_str(&obj, "expires", u->has_expires ? exp : NULL);
	json_bool(&obj, "expired", expired(u, (int64_t)time(NULL)));
	json_str(&obj, "password_changed", changed);
	json_bool(&obj, "force_change", u->force_change);
	admin_show_aging(a, u->name, &obj);
	admin_show_limits(a, u->name, &obj);
	json_bool(&obj, "locked", u->locked);
	json_str(&obj, "locked_at", u->locked ? locked : NULL);
	json_str(&obj, "lock_reason", u->has_reason ? u->lock_reason : NULL);
	json_str(&obj, "created", created);
	json_end(&obj, '}');
	putchar('\n');
}

static void
show_text(struct admin *a, const struct mu_acct_user *u, const char *exp,
	  const char *changed, const char *locked, const char *created)
{
	printf("%-18s%s\n", "name:", u->name);
	printf("%-18s%s\n", "domain:", u->domain);
	printf("%-18s%s\n", "hash method:", u->method);
	printf("%-18s%s\n", "disabled:", yes_no(u->disabled));
	printf("%-18s%s\n", "domain disabled:", yes_no(u->domain_disabled));
	printf("%-18s%s%s\n", "account expires:", exp,
	       expired(u, (int64_t)time(NULL)) ? " (expired)" : "");
	printf("%-18s%s\n", "password changed:", changed);
	printf("%-18s%s\n", "forced change:", yes_no(u->force_change));
	admin_show_aging(a, u->name, NULL);
	admin_show_limits(a, u->name, NULL);
	if (u->locked)
		printf("%-18syes, since %s%s%s\n", "admin lock:", locked,
		       u->has_reason ? ": " : "", u->lock_reason);
	else
		printf("%-18sno\n", "admin lock:");
	printf("%-18s%s\n", "created:", created);
}

void
cmd_user_show(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], exp[32], changed[32], created[32];
	char locked[32] = "";
	struct mu_acct_user u;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	admin_check_user(a, mu_acct_user_show(admin_store(a), name, &u), name,
	      "user show");
	if (!u.has_expires)
		snprintf(exp, sizeof(exp), "never");
	else
		expiry_fmt(u.expires, exp, sizeof(exp));
	time_fmt(u.pw_changed, changed, sizeof(changed));
	time_fmt(u.created, created, sizeof(created));
	if (u.locked)
		time_fmt(u.locked_at, locked, sizeof(locked));
	if (a->o.json)
		show_json(a, &u, exp, changed, locked, created);
	else
		show_text(a, &u, exp, changed, locked, created);
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
