/*
 * pam_mailuser: PAM entry points.  Glue only: options, the PAM items,
 * the conversation, and the one mapping from core errors to PAM codes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "mu_account.h"
#include "mu_config.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_lockout.h"
#include "mu_policy.h"
#include "mu_log.h"
#include "mu_pace.h"
#include "mu_secret.h"
#include "mu_source.h"
#include "mu_store.h"
#include "mu_store_pw.h"
#include "mu_strength.h"
#include "mu_username.h"

#define STORE_KEY "pam_mailuser.store"
#define USER_KEY "pam_mailuser.user"	/* the record auth read, no hash */

enum phase { PH_AUTH, PH_ACCT, PH_PASSWD };

struct ctx {
	pam_handle_t *pamh;
	int flags;
	struct mu_config cfg;
	struct mu_log log;
	const char *raw;		/* PAM_USER as given */
	char name[MU_NAME_MAX + 1];	/* canonical, "" if refused */
	char ename[MU_NAME_MAX * 4 + 1];	/* name escaped for logs */
	const char *why;		/* why the name was refused */
	bool again;		/* the conversation asked to be called again */
};

static void
pam_sink(void *arg, int prio, const char *fmt, va_list ap)
{
	pam_vsyslog(arg, prio, fmt, ap);
}

/* The one place where core errors become PAM codes. */
static int
to_pam(int err, enum phase ph)
{
	switch (err) {
	case MU_OK:
		return PAM_SUCCESS;
	case MU_E_NOMEM:
		return PAM_BUF_ERR;
	case MU_E_CONFIG:
		return PAM_SERVICE_ERR;
	case MU_E_STORE:
		return PAM_AUTHINFO_UNAVAIL;
	case MU_E_NOUSER:
	case MU_E_BADNAME:
		return PAM_USER_UNKNOWN;
	case MU_E_DISABLED:
		return ph == PH_AUTH ? PAM_AUTH_ERR : PAM_PERM_DENIED;
	case MU_E_ACCT_EXPIRED:
		return PAM_ACCT_EXPIRED;
	case MU_E_NEWTOK:
		return PAM_NEW_AUTHTOK_REQD;
	case MU_E_PW_EXPIRED:
		return PAM_AUTHTOK_EXPIRED;
	case MU_E_MISMATCH:
	case MU_E_LOCKED:	/* the current password, for chauthtok */
		return ph == PH_ACCT ? PAM_PERM_DENIED : PAM_AUTH_ERR;
	default:
		return ph == PH_ACCT ? PAM_PERM_DENIED :
		    ph == PH_AUTH ? PAM_AUTH_ERR : PAM_AUTHTOK_ERR;
	}
}

/* Once per process (the module stays loaded): with debug, which build
 * runs with which store; and, whatever debug says, a warning when the
 * configuration lets guesses go uncounted. */
static void
log_startup(const struct ctx *c)
{
	static pid_t logged;

	if (logged == getpid())
		return;
	logged = getpid();
	if (c->cfg.debug) {
		char name[256];

		mu_store_describe(c->cfg.db, name, sizeof(name));
		pam_syslog(c->pamh, LOG_DEBUG, "pam_mailuser %s: store %s",
			   MU_VERSION, name);
	}
	if (c->cfg.deny == 0 && c->cfg.deny_total == 0)
		pam_syslog(c->pamh, LOG_WARNING, "the brute-force defence is "
			   "off (deny=0 and deny_total=0): failed logins are "
			   "not counted and guesses are unlimited");
}

/* Options, log sink and the user name. */
static int
setup(struct ctx *c, pam_handle_t *pamh, int flags, int argc,
      const char **argv)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->flags = flags;
	c->log.fn = pam_sink;
	c->log.arg = pamh;
	if (mu_config_from_args(&c->cfg, argc, argv, &c->log) != MU_OK) {
		pam_syslog(pamh, LOG_ERR, "configuration error: refusing "
			   "every request");
		return MU_E_CONFIG;
	}
	c->log.debug = c->cfg.debug;
	log_startup(c);
	if ((r = pam_get_user(pamh, &c->raw, NULL)) != PAM_SUCCESS) {
		c->again = r == PAM_CONV_AGAIN;
		pam_syslog(pamh, LOG_NOTICE, "cannot get the user name: %s",
			   pam_strerror(pamh, r));
		return MU_E_BADNAME;
	}
	if (mu_canon(c->raw, c->cfg.default_domain, mu_config_canon_flags(&c->cfg),
		     c->name, &c->why) != MU_OK)
		c->name[0] = '\0';
	mu_escape(c->ename, sizeof(c->ename), c->name);
	return MU_OK;
}

/* What a failed setup answers: PAM_INCOMPLETE when the conversation
 * asked to be called again (PAM_CONV_AGAIN), as Linux-PAM modules do. */
static int
setup_error(const struct ctx *c, int r)
{
	if (c->again)
		return PAM_INCOMPLETE;
	return r == MU_E_CONFIG ? PAM_SERVICE_ERR : PAM_USER_UNKNOWN;
}

/* pam_end gives the store back to the process (mu_store_release),
 * which keeps it open for the next PAM transaction. */
static void
store_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	mu_store_release(data);
}

/* The store for this PAM handle: the process's kept one (see
 * mu_store_acquire), held until pam_end. */
static int
get_store(struct ctx *c, struct mu_store **out)
{
	const void *data = NULL;
	struct mu_store *st;
	int r;

	if (pam_get_data(c->pamh, STORE_KEY, &data) == PAM_SUCCESS &&
	    data != NULL) {
		/* no connection is used across a fork: a child acquires
		 * its own (replacing the data releases the parent's copy,
		 * which only forgets it) */
		if (mu_store_is_ours((const struct mu_store *)data)) {
			*out = (struct mu_store *)data;
			return MU_OK;
		}
	}
	if ((r = mu_store_acquire(c->cfg.db, c->cfg.busy_timeout,
				  MU_CONNECT_TIMEOUT, &c->log,
				  MU_OPEN_TRUSTED, &st)) != MU_OK)
		return r;
	if (pam_set_data(c->pamh, STORE_KEY, st, store_cleanup) !=
	    PAM_SUCCESS) {
		mu_store_release(st);
		return MU_E_NOMEM;
	}
	*out = st;
	return MU_OK;
}

static const char *
item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL)
		return "";
	return v;
}

/* The user name for log lines: canonical if valid, the raw one escaped
 * only with audit (people type passwords into the user field). */
static const char *
log_name(const struct ctx *c, bool known, char *buf, size_t bufsz)
{
	if (known)
		return mu_escape(buf, bufsz, c->name);
	if (c->cfg.audit)
		return mu_escape(buf, bufsz, c->raw);
	return NULL;
}

/* The pam_unix-format failure line that fail2ban's pam-generic parses. */
static void
log_failure(const struct ctx *c, bool known)
{
	char ruser[128], rhost[128], tty[64], user[MU_NAME_MAX * 4 + 1];
	const char *logname = pam_modutil_getlogin(c->pamh);
	const char *u = log_name(c, known, user, sizeof(user));

	pam_syslog(c->pamh, LOG_NOTICE, "authentication failure; logname=%s "
		   "uid=%d euid=%d tty=%s ruser=%s rhost=%s%s%s",
		   logname != NULL ? logname : "", (int)getuid(),
		   (int)geteuid(),
		   mu_escape(tty, sizeof(tty), item(c->pamh, PAM_TTY)),
		   mu_escape(ruser, sizeof(ruser), item(c->pamh, PAM_RUSER)),
		   mu_escape(rhost, sizeof(rhost), item(c->pamh, PAM_RHOST)),
		   u != NULL ? "  user=" : "", u != NULL ? u : "");
}

/* Get a password into item (PAM_AUTHTOK; PAM_OLDAUTHTOK for the current
 * password of a change): the stacked token with use_first_pass (required)
 * or try_first_pass (if any), else a prompt; *stacked says which.  With
 * prompt_only, always prompt.  *pw belongs to libpam. */
static int
get_token(struct ctx *c, int type, const char *prompt, bool prompt_only,
	  const char **pw, bool *stacked)
{
	const void *tok = NULL;
	char *resp = NULL;
	int r;

	*pw = NULL;
	*stacked = false;
	if (!prompt_only && (c->cfg.use_first_pass || c->cfg.try_first_pass)) {
		r = pam_get_item(c->pamh, type, &tok);
		if (r == PAM_SUCCESS && tok != NULL) {
			*pw = tok;
			*stacked = true;
			return PAM_SUCCESS;
		}
		if (c->cfg.use_first_pass) {
			pam_syslog(c->pamh, LOG_ERR, "use_first_pass: no "
				   "password from an earlier module");
			return PAM_AUTH_ERR;
		}
	}
	r = pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", prompt);
	if (r != PAM_SUCCESS || resp == NULL) {
		mu_free_secret(resp);
		return r == PAM_SUCCESS ? PAM_CONV_ERR : r;
	}
	r = pam_set_item(c->pamh, type, resp);
	mu_free_secret(resp);
	if (r != PAM_SUCCESS)
		return r;
	if (pam_get_item(c->pamh, type, &tok) != PAM_SUCCESS ||
	    tok == NULL)
		return PAM_AUTH_ERR;
	*pw = tok;
	return PAM_SUCCESS;
}

/* The password of a login: PAM_AUTHTOK, see get_token. */
static int
get_password(struct ctx *c, bool prompt_only, const char **pw, bool *stacked)
{
	return get_token(c, PAM_AUTHTOK, "Password: ", prompt_only, pw,
			 stacked);
}

/* After a good login: store a hash of the configured method if the old
 * one is of another.  Failure is logged and does not change the result. */
static void
upgrade_hash(struct ctx *c, struct mu_store *st, const struct mu_user *u,
	     const char *pw)
{
	char nh[MU_HASH_MAX];
	int r;

	if (!c->cfg.rehash ||
	    !mu_hash_needs_upgrade(u->hash, c->cfg.method, c->cfg.hash_cost))
		return;
	r = mu_hash_new(c->cfg.method, c->cfg.hash_cost, pw, nh, sizeof(nh));
	if (r == MU_OK)
		r = mu_store_rehash(st, u->id, u->hash, nh);
	mu_wipe(nh, sizeof(nh));
	if (r == MU_OK)
		mu_logf(&c->log, LOG_INFO, "user %s: password hash upgraded "
			"from %s to %s", c->ename,
			mu_hash_method_name(u->hash), c->cfg.hash);
	else
		mu_logf(&c->log, LOG_WARNING, "user %s: hash upgrade failed: "
			"%s", c->ename, mu_strerror(r));
}

/* The source of a login for the counters: PAM_RHOST normalised. */
static void
get_source(const struct ctx *c, char *out, size_t outsz)
{
	mu_source_norm(item(c->pamh, PAM_RHOST), (unsigned)c->cfg.ipv6_prefix,
		       out, outsz);
}

static const char *
fmt_time(int64_t t, char *buf, size_t bufsz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == MU_FOREVER)
		return "an administrator unlocks it";
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, bufsz, "%lld", (long long)t);
	return buf;
}

static bool
lockout_on(const struct mu_config *cfg)
{
	return cfg->deny != 0 || cfg->deny_total != 0;
}

static struct mu_fail_policy
fail_policy(const struct mu_config *cfg)
{
	struct mu_fail_policy p = { cfg->deny, cfg->deny_total,
				    cfg->fail_interval, cfg->unlock_time };

	return p;
}

/*
 * One attempt of a known user, after the password check: record it (one
 * write transaction, mu_attempt_record) and decide.  verified is the
 * result of the password check, computed the crypt output it made.  A
 * refusal is the same whatever its reason (a wrong password, a lock, a
 * disabled or expired account, with the right password or not): the same
 * store work and MU_E_MISMATCH-like codes of the same PAM mapping; the
 * reason goes to the log only.  When the attempt cannot be recorded while
 * the defence is on, MU_E_STORE: the login is refused (fail closed).
 */
static int
attempt(struct ctx *c, struct mu_store *st, const struct mu_user *u,
	int verified, const char *computed)
{
	struct mu_fail_policy p = fail_policy(&c->cfg);
	struct mu_attempt a;
	struct mu_attempt_result res;
	char source[MU_SOURCE_MAX + 1], src[sizeof(source) * 4], when[64];
	char fp[MU_FP_LEN + 1];
	const char *why = NULL;
	int64_t now = (int64_t)time(NULL);
	int state, r;

	get_source(c, source, sizeof(source));
	state = mu_account_refusal(u, now, &why);
	mu_fail_fingerprint(computed, fp);
	a.ok = verified == MU_OK && state == MU_OK;
	a.fp = fp;
	memset(&res, 0, sizeof(res));
	if (lockout_on(&c->cfg) &&
	    (r = mu_attempt_record(st, u->id, source, &a, now, &p, &res)) !=
	    MU_OK)
		return r;
	mu_escape(src, sizeof(src), source);
	if (res.locked) {
		mu_logf(&c->log, LOG_NOTICE, "user %s: locked for %s until %s",
			c->ename, res.locked_all ? "every source" : src,
			fmt_time(res.locked_until, when, sizeof(when)));
		return MU_E_LOCKED;
	}
	if (res.engaged)
		mu_logf(&c->log, LOG_WARNING, "user %s: too many failures%s%s:"
			" locked for %s until %s", c->ename,
			res.engaged_all ? "" : " from ",
			res.engaged_all ? "" : src,
			res.engaged_all ? "every source" : "that source",
			fmt_time(res.engaged_until, when, sizeof(when)));
	/* one line of reason for every refusal (the same number of log
	 * lines whatever the reason, like the same store work) */
	if (a.ok)
		return MU_OK;
	if (!res.counted && lockout_on(&c->cfg))
		mu_logf(&c->log, LOG_INFO, "user %s: same wrong password "
			"again from %s: not counted", c->ename, src);
	else if (verified != MU_OK)
		mu_logf(&c->log, LOG_NOTICE, "user %s: wrong password from %s",
			c->ename, src);
	else
		mu_logf(&c->log, LOG_NOTICE, "user %s: login refused: %s",
			c->ename, why);
	return verified != MU_OK ? verified : MU_E_DISABLED;
}

/* Verify the password of a known user, asking again with try_first_pass
 * when the stacked one does not fit.  computed gets the crypt output. */
static int
verify(struct ctx *c, const struct mu_user *u, const char **pw, bool stacked,
       char *computed)
{
	int r;

	r = mu_hash_verify(*pw, u->hash, c->cfg.method, c->cfg.hash_cost,
			   computed);
	if (r != MU_OK && stacked && c->cfg.try_first_pass) {
		/* the earlier module's password is not ours: ask */
		if (get_password(c, true, pw, &stacked) != PAM_SUCCESS)
			return r;
		r = mu_hash_verify(*pw, u->hash, c->cfg.method,
				   c->cfg.hash_cost, computed);
	}
	return r;
}

/* The work verify() and attempt() would do, for a name that is not in
 * the store: one dummy hash (and with try_first_pass the same second
 * prompt and hash), and the write of a failure, counted for the source,
 * so that neither time nor prompts tell whether the name exists.  st is
 * NULL for a name refused before the store was opened. */
static int
unknown_work(struct ctx *c, struct mu_store *st, const char *pw,
	     bool stacked)
{
	struct mu_fail_policy p = fail_policy(&c->cfg);
	char source[MU_SOURCE_MAX + 1];

	char src[sizeof(source) * 4];
	int r = MU_OK;

	mu_hash_dummy(pw, c->cfg.method, c->cfg.hash_cost);
	if (stacked && c->cfg.try_first_pass &&
	    get_password(c, true, &pw, &stacked) == PAM_SUCCESS)
		mu_hash_dummy(pw, c->cfg.method, c->cfg.hash_cost);
	get_source(c, source, sizeof(source));
	if (st != NULL && lockout_on(&c->cfg) &&
	    (r = mu_attempt_unknown(st, source, (int64_t)time(NULL), &p)) !=
	    MU_OK)
		return r;
	/* the reason line every refusal has; never the name, which may be
	 * a password typed into the wrong field */
	mu_logf(&c->log, LOG_NOTICE, "unknown name from %s",
		mu_escape(src, sizeof(src), source));
	return MU_OK;
}

/* Log a stored hash that can never verify: libxcrypt does not know its
 * method, or it is corrupt (once per process and user is enough). */
static void
check_hash(struct ctx *c, const struct mu_user *u)
{
	/* '!' and '*' lock an account on purpose (an imported "!...") */
	if (u->hash[0] == '!' || u->hash[0] == '*' ||
	    strcmp(mu_hash_method_name(u->hash), "invalid") != 0)
		return;
	mu_logf(&c->log, LOG_ERR, "user %s: the stored password hash is of "
		"a method libxcrypt does not know, or corrupt: the user can "
		"never log in (\"mailuser-admin check\" lists such users)",
		c->ename);
}

static void
user_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* Keep the record of a user just authenticated, without its hash, for
 * the account check of the same transaction (a lookup, a round trip on
 * PostgreSQL, saved).  Best effort. */
static void
keep_user(struct ctx *c, const struct mu_user *u)
{
	struct mu_user *copy = malloc(sizeof(*copy));

	if (copy == NULL)
		return;
	*copy = *u;
	mu_user_wipe(copy);
	if (pam_set_data(c->pamh, USER_KEY, copy, user_cleanup) !=
	    PAM_SUCCESS)
		free(copy);
}

/* The record authentication kept for name, or NULL. */
static const struct mu_user *
kept_user(const struct ctx *c)
{
	const void *data = NULL;
	const struct mu_user *u;

	if (pam_get_data(c->pamh, USER_KEY, &data) != PAM_SUCCESS ||
	    data == NULL)
		return NULL;
	u = data;
	return strcmp(u->name, c->name) == 0 ? u : NULL;
}

/* Is r a refusal whose reason the time must not tell? */
static bool
is_refusal(int r)
{
	return r != MU_OK && r != MU_E_STORE && r != MU_E_NOMEM &&
	    r != MU_E_CONFIG;
}

static int
authenticate(struct ctx *c)
{
	/* per thread: the module may be loaded by a threaded server */
	static _Thread_local struct mu_pace pace;
	struct mu_store *st = NULL;
	struct mu_user u;
	char computed[MU_HASH_MAX] = "";
	const char *pw;
	bool stacked;
	int64_t start;
	int r;

	memset(&u, 0, sizeof(u));
	if ((r = get_password(c, false, &pw, &stacked)) != PAM_SUCCESS)
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : r;
	start = mu_now_ns();
	if (c->name[0] == '\0') {
		/* the store, if it opens, counts it for the source */
		if (get_store(c, &st) != MU_OK)
			st = NULL;
		if ((r = unknown_work(c, st, pw, stacked)) == MU_OK)
			r = MU_E_BADNAME;
		mu_logf(&c->log, LOG_DEBUG, "refused name: %s", c->why);
		goto out;
	}
	if ((r = get_store(c, &st)) != MU_OK)
		goto out;
	if ((r = mu_store_get_user(st, c->name, &u)) == MU_E_NOUSER &&
	    (r = unknown_work(c, st, pw, stacked)) == MU_OK)
		r = MU_E_NOUSER;
	if (r != MU_OK)
		goto out;
	check_hash(c, &u);
	r = verify(c, &u, &pw, stacked, computed);
	if ((r = attempt(c, st, &u, r, computed)) != MU_OK)
		goto out;
	upgrade_hash(c, st, &u, pw);
	if (pam_set_item(c->pamh, PAM_USER, u.name) != PAM_SUCCESS) {
		r = MU_E_NOMEM;
		goto out;
	}
	keep_user(c, &u);
	mu_logf(&c->log, LOG_DEBUG, "user %s: authenticated", c->ename);
out:
	if (r != MU_OK && r != MU_E_STORE && r != MU_E_NOMEM)
		log_failure(c, r != MU_E_NOUSER && r != MU_E_BADNAME);
	mu_user_wipe(&u);
	mu_wipe(computed, sizeof(computed));
	/* the store work and the log lines of every refusal are alike;
	 * what is left (pages a cold connection reads, the CPU caches)
	 * is evened out by pacing refusals to the slowest recent one */
	if (is_refusal(r))
		mu_pace_refusal(&pace, start);
	return to_pam(r, PH_AUTH);
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
		    const char **argv)
{
	struct ctx c;
	int r;

	if ((r = setup(&c, pamh, flags, argc, argv)) != MU_OK)
		return setup_error(&c, r);
	return authenticate(&c);
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* Text for the person through the conversation, never under PAM_SILENT.
 * A conversation that refuses it changes nothing. */
static void
say(const struct ctx *c, int style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
say(const struct ctx *c, int style, const char *fmt, ...)
{
	va_list ap;

	if (c->flags & PAM_SILENT)
		return;
	va_start(ap, fmt);
	if (style == PAM_ERROR_MSG)
		(void)pam_verror(c->pamh, fmt, ap);
	else
		(void)pam_vinfo(c->pamh, fmt, ap);
	va_end(ap);
}

/* The aging state of u's password now: the user's and domain's values
 * over the configuration's. */
static void
user_age(const struct ctx *c, const struct mu_user *u, struct mu_age *ag)
{
	struct mu_aging def, a;

	mu_config_aging(&c->cfg, &def);
	mu_aging_resolve(&u->aging, &def, &a);
	mu_age_eval(u->pw_changed, u->force_change, &a, (int64_t)time(NULL),
		    ag);
	if (ag->future)
		mu_logf(&c->log, LOG_WARNING, "user %s: the last password "
			"change lies in the future", c->ename);
}

/* Account management's view of the password's age. */
static int
password_age(struct ctx *c, const struct mu_user *u)
{
	const char *how;
	struct mu_age ag;

	user_age(c, u, &ag);
	how = ag.forced ? "administrator enforced" : "password expired";
	switch (ag.state) {
	case MU_AGE_EXPIRED:
		mu_logf(&c->log, LOG_NOTICE, "user %s: password expired past "
			"its grace period", c->ename);
		say(c, PAM_ERROR_MSG, "Your password has expired; ask your "
		    "administrator to set a new one.");
		return MU_E_PW_EXPIRED;
	case MU_AGE_CHANGE:
		mu_logf(&c->log, LOG_NOTICE, "user %s: password change "
			"required (%s)", c->ename, how);
		say(c, PAM_ERROR_MSG, "You are required to change your "
		    "password immediately (%s).", how);
		return MU_E_NEWTOK;
	case MU_AGE_WARN:
		mu_logf(&c->log, LOG_INFO, "user %s: password expires in "
			"%lld days", c->ename, (long long)ag.days_left);
		say(c, PAM_TEXT_INFO, "Your password will expire in %lld "
		    "day%s.", (long long)ag.days_left,
		    ag.days_left == 1 ? "" : "s");
		return MU_OK;
	default:
		return MU_OK;
	}
}

static int
account(struct ctx *c)
{
	struct mu_store *st = NULL;
	struct mu_user u;
	const char *why = NULL;
	int r = MU_OK;

	if (c->name[0] == '\0')
		return PAM_USER_UNKNOWN;
	if (kept_user(c) != NULL)
		u = *kept_user(c);	/* read by this transaction's auth */
	else if ((r = get_store(c, &st)) == MU_OK)
		r = mu_store_get_user(st, c->name, &u);
	if (r != MU_OK)
		return to_pam(r, PH_ACCT);
	if ((r = mu_account_refusal(&u, (int64_t)time(NULL), &why)) != MU_OK)
		mu_logf(&c->log, LOG_NOTICE, "user %s: account refused: %s",
			c->ename, why);
	else
		r = password_age(c, &u);
	mu_user_wipe(&u);
	return to_pam(r, PH_ACCT);
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	int r;

	if ((r = setup(&c, pamh, flags, argc, argv)) != MU_OK)
		return setup_error(&c, r);
	return account(&c);
}

/* ---- password change ------------------------------------------------ */

/* Root changes a password without the current one, unless the
 * application asks only for an expired password to be changed. */
static bool
is_root(const struct ctx *c)
{
	return getuid() == 0 && !(c->flags & PAM_CHANGE_EXPIRED_AUTHTOK);
}

/* Tell the person and the log why a change did not happen. */
static void
refused(struct ctx *c, int r, const char *why)
{
	switch (r) {
	case MU_E_WEAK:
		mu_logf(&c->log, LOG_NOTICE, "user %s: new password refused: "
			"%s", c->ename, why);
		say(c, PAM_ERROR_MSG, "BAD PASSWORD: %s", why);
		break;
	case MU_E_DICT:
		mu_logf(&c->log, LOG_ERR, "dictpath %s: %s", c->cfg.dictpath,
			why);
		say(c, PAM_ERROR_MSG, "The password cannot be changed now: "
		    "%s.", why);
		break;
	case MU_E_CONFLICT:
		mu_logf(&c->log, LOG_NOTICE, "user %s: password changed by "
			"another process meanwhile", c->ename);
		say(c, PAM_ERROR_MSG, "The password was changed by another "
		    "process meanwhile; nothing was changed.");
		break;
	case MU_E_DISABLED:
	case MU_E_LOCKED:
		/* the state changed between the phases: nothing to hide */
		mu_logf(&c->log, LOG_NOTICE, "user %s: password change "
			"refused: %s", c->ename, mu_strerror(r));
		say(c, PAM_ERROR_MSG, "The password cannot be changed now.");
		break;
	case MU_E_STORE:
	case MU_E_HASH:
	case MU_E_NOMEM:
		say(c, PAM_ERROR_MSG, "The password cannot be changed now; "
		    "try again later.");
		break;
	default:	/* why: static text of mu_age_may_change */
		mu_logf(&c->log, LOG_NOTICE, "user %s: password change "
			"refused: %s", c->ename, mu_strerror(r));
		say(c, PAM_ERROR_MSG, "%s", why != NULL ? why :
		    mu_strerror(r));
		break;
	}
}

/* The current password: asked for in the preliminary check (or taken
 * from an earlier module, see get_token) and kept as PAM_OLDAUTHTOK for
 * the update, which only reads it back. */
static int
old_password(struct ctx *c, bool prelim, const char **pw)
{
	const void *tok = NULL;
	bool stacked;

	if (prelim) {
		if (c->name[0] != '\0')
			say(c, PAM_TEXT_INFO, "Changing password for %s.",
			    c->ename);
		return get_token(c, PAM_OLDAUTHTOK, "Current password: ",
				 false, pw, &stacked);
	}
	if (pam_get_item(c->pamh, PAM_OLDAUTHTOK, &tok) != PAM_SUCCESS ||
	    tok == NULL) {
		pam_syslog(c->pamh, LOG_ERR, "no current password from the "
			   "preliminary check");
		return PAM_AUTHTOK_RECOVERY_ERR;
	}
	*pw = tok;
	return PAM_SUCCESS;
}

/* The current password against the store, in both phases, as for a
 * login: counted, locks and account state checked, and every refusal the
 * same (MU_E_MISMATCH), so that a change never tells whether the
 * password was right.  In the update a right password can still meet a
 * hash changed by another process meanwhile: the change itself compares
 * and swaps (MU_E_CONFLICT). */
static int
check_current(struct ctx *c, struct mu_store *st, const struct mu_user *u,
	      const char *old)
{
	char computed[MU_HASH_MAX] = "";
	int r;

	r = mu_hash_verify(old, u->hash, c->cfg.method, c->cfg.hash_cost,
			   computed);
	r = attempt(c, st, u, r, computed);
	mu_wipe(computed, sizeof(computed));
	if (r == MU_E_STORE || r == MU_E_NOMEM || r == MU_OK)
		return r;
	return MU_E_MISMATCH;
}

/* May the password be changed now: account expiry, the password's age
 * (mindays, grace, expired-only changes), a usable dictionary. */
static int
change_allowed(struct ctx *c, const struct mu_user *u, bool root)
{
	struct mu_age ag;
	const char *why = "Your account has expired.";
	int r = MU_E_ACCT_EXPIRED;

	if (root || !mu_account_expired(u, (int64_t)time(NULL))) {
		user_age(c, u, &ag);
		r = mu_age_may_change(&ag, root, (c->flags &
			PAM_CHANGE_EXPIRED_AUTHTOK) != 0, &why);
		if (r == MU_OK)
			r = mu_dict_check(c->cfg.dictpath, &why);
	}
	if (r != MU_OK)
		refused(c, r, why);
	return r;
}

/* The user, checked for a change by this caller.  A name that is not in
 * the store costs a non-root caller the same work as a wrong password. */
static int
passwd_user(struct ctx *c, bool prelim, struct mu_store **st,
	    struct mu_user *u)
{
	const char *old = NULL, *why = NULL;
	bool root = is_root(c);
	int r;

	if (!root && (r = old_password(c, prelim, &old)) != PAM_SUCCESS)
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : r;
	if (c->name[0] == '\0')
		r = MU_E_BADNAME;
	else if ((r = get_store(c, st)) == MU_OK)
		r = mu_store_get_user(*st, c->name, u);
	if ((r == MU_E_NOUSER || r == MU_E_BADNAME) && old != NULL) {
		int w = unknown_work(c, r == MU_E_NOUSER ? *st : NULL, old,
				     false);

		if (w != MU_OK)
			r = w;
	}
	if (r == MU_OK && !root)
		r = check_current(c, *st, u, old);
	if (r == MU_OK && root &&
	    mu_account_refusal(u, (int64_t)time(NULL), &why) == MU_E_DISABLED) {
		/* root gave no password: nothing to hide from it */
		mu_logf(&c->log, LOG_NOTICE, "user %s: password change "
			"refused: %s", c->ename, why);
		say(c, PAM_ERROR_MSG, "The account is disabled or locked.");
		return PAM_PERM_DENIED;
	}
	if (prelim && !root && r != MU_OK && r != MU_E_STORE &&
	    r != MU_E_NOMEM)
		log_failure(c, r != MU_E_NOUSER && r != MU_E_BADNAME);
	if (r == MU_OK)
		r = change_allowed(c, u, root);
	return to_pam(r, PH_PASSWD);
}

/* One candidate for the new password, kept as PAM_AUTHTOK: an earlier
 * module's with use_authtok, else asked for twice (PAM_TRY_AGAIN when
 * the two differ). */
static int
candidate(struct ctx *c, const char **pw)
{
	const void *tok = NULL;
	char *again = NULL;
	bool stacked;
	int r;

	if (c->cfg.use_authtok) {
		if (pam_get_item(c->pamh, PAM_AUTHTOK, &tok) != PAM_SUCCESS ||
		    tok == NULL) {
			pam_syslog(c->pamh, LOG_ERR, "use_authtok: no new "
				   "password from an earlier module");
			return PAM_AUTHTOK_ERR;
		}
		*pw = tok;
		return PAM_SUCCESS;
	}
	if ((r = get_token(c, PAM_AUTHTOK, "New password: ", true, pw,
			   &stacked)) != PAM_SUCCESS)
		return r;
	r = pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &again,
		       "Retype new password: ");
	if (r == PAM_SUCCESS && again == NULL)
		r = PAM_CONV_ERR;
	if (r == PAM_SUCCESS && !mu_ct_streq(*pw, again)) {
		say(c, PAM_ERROR_MSG, "Sorry, passwords do not match.");
		r = PAM_TRY_AGAIN;
	}
	mu_free_secret(again);
	return r;
}

/* The new password, through the quality checks, in up to retry= tries
 * (one with use_authtok); PAM_MAXTRIES when more than one is used up. */
static int
new_password(struct ctx *c, struct mu_store *st, const struct mu_user *u,
	     const char **pw)
{
	unsigned long tries = c->cfg.use_authtok ? 1 : c->cfg.retry, i;
	const char *why = NULL;
	int r = PAM_AUTHTOK_ERR, q;

	for (i = 0; i < tries; i++) {
		if ((r = candidate(c, pw)) == PAM_SUCCESS) {
			if ((q = mu_pw_quality(st, &c->cfg, u, *pw, &why)) ==
			    MU_OK)
				return PAM_SUCCESS;
			refused(c, q, why);
			r = to_pam(q, PH_PASSWD);
			if (q != MU_E_WEAK)
				break;
		}
		*pw = NULL;
		(void)pam_set_item(c->pamh, PAM_AUTHTOK, NULL);
		if (r != PAM_SUCCESS && r != PAM_TRY_AGAIN &&
		    r != PAM_AUTHTOK_ERR)
			return r;	/* the conversation failed */
	}
	*pw = NULL;
	if (tries > 1 && i == tries)
		return PAM_MAXTRIES;
	return r == PAM_TRY_AGAIN ? PAM_AUTHTOK_ERR : r;
}

static int
passwd_update(struct ctx *c)
{
	struct mu_store *st = NULL;
	struct mu_user u;
	struct mu_pwchange ch;
	char nh[MU_HASH_MAX] = "", source[MU_SOURCE_MAX + 1];
	const char *pw = NULL;
	int pr, r;

	memset(&u, 0, sizeof(u));
	get_source(c, source, sizeof(source));
	if ((pr = passwd_user(c, false, &st, &u)) != PAM_SUCCESS ||
	    (pr = new_password(c, st, &u, &pw)) != PAM_SUCCESS)
		goto out;
	r = mu_hash_new(c->cfg.method, c->cfg.hash_cost, pw, nh, sizeof(nh));
	if (r == MU_OK) {
		ch = (struct mu_pwchange){ u.id, u.name, u.hash, nh,
					   c->cfg.remember,
					   (int64_t)time(NULL),
					   "pam_mailuser", "passwd", NULL,
					   true, lockout_on(&c->cfg) ?
					   source : NULL };
		r = mu_store_set_password(st, &ch);
	}
	if (r == MU_OK)
		mu_logf(&c->log, LOG_NOTICE, "user %s: password changed",
			c->ename);
	else
		refused(c, r, NULL);
	pr = to_pam(r, PH_PASSWD);
out:
	mu_user_wipe(&u);
	mu_wipe(nh, sizeof(nh));
	return pr;
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct mu_store *st = NULL;
	struct mu_user u;
	struct ctx c;
	int r;

	if ((r = setup(&c, pamh, flags, argc, argv)) != MU_OK)
		return setup_error(&c, r);
	if (flags & PAM_UPDATE_AUTHTOK) {
		r = passwd_update(&c);
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : r;
	}
	if (!(flags & PAM_PRELIM_CHECK)) {
		pam_syslog(pamh, LOG_ERR, "chauthtok without PAM_PRELIM_CHECK "
			   "or PAM_UPDATE_AUTHTOK");
		return PAM_SERVICE_ERR;
	}
	memset(&u, 0, sizeof(u));
	r = passwd_user(&c, true, &st, &u);
	mu_user_wipe(&u);
	return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : r;
}
