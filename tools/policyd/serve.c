/*
 * The answer to one policy request: who sends (sasl_username, made
 * canonical like a login), at which stage, what the store says, and the
 * action.  Counting rules (mailuser-policyd(8)):
 *
 *  - no sasl_username: DUNNO, nothing counted (mail from outside);
 *  - MAIL and RCPT: would one more message with one more recipient pass
 *    every limit?  DATA: with recipient_count recipients?  Nothing is
 *    counted there: a recipient refused later never spends the quota;
 *  - END-OF-MESSAGE: the message is counted once, with recipient_count
 *    (the recipients Postfix accepted), when it passes;
 *  - a message is known by Postfix's "instance" attribute: one counted
 *    or deferred already is not counted again, whatever the number of
 *    stages or policy services that ask about it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mu_error.h"
#include "mu_store.h"
#include "mu_username.h"
#include "policyd.h"

/* ---- the messages seen: Postfix's "instance" ---------------------- */

/*
 * The messages counted or deferred lately, by instance and user, in this
 * process's memory.  Postfix sends every request about one message over
 * one policy connection (SMTPD_POLICY_README), so a message reaches one
 * daemon; the table also covers several check_policy_service lines
 * naming this daemon's sockets.  Direct-mapped: an entry is replaced by
 * a newer one of the same slot, so a message is remembered while fewer
 * than about SEEN_SLOTS others go by within SEEN_TTL; only a repeated
 * END-OF-MESSAGE of a forgotten message would count twice, and Postfix
 * sends one per message.
 */
#define SEEN_SLOTS 4096
#define SEEN_TTL 3600
#define SEEN_COUNTED 0x1
#define SEEN_DEFERRED 0x2

struct seen {
	uint64_t key;		/* hash of instance and user; 0: free */
	int64_t at;
	unsigned flags;
};

static struct seen seen_table[SEEN_SLOTS];

static uint64_t
seen_key(const char *instance, const char *user)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	const char *p;

	for (p = instance; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;	/* a separator */
	for (p = user; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

static unsigned
seen_get(uint64_t key, int64_t now)
{
	const struct seen *s = &seen_table[key % SEEN_SLOTS];

	if (s->key != key || now - s->at > SEEN_TTL || now < s->at)
		return 0;
	return s->flags;
}

static void
seen_set(uint64_t key, int64_t now, unsigned flag)
{
	struct seen *s = &seen_table[key % SEEN_SLOTS];

	if (s->key != key)
		s->flags = 0;
	s->key = key;
	s->at = now;
	s->flags |= flag;
}

/* ---- answers ------------------------------------------------------ */

static void
answer(char *out, size_t outsz, const char *action)
{
	snprintf(out, outsz, "action=%s\n\n", action);
}

/* The over-limit action, with text. */
static void
refuse(const struct pd *d, const char *text, char *out, size_t outsz)
{
	static const char *const verb[] = {
		[PD_DEFER] = "DEFER_IF_PERMIT 4.7.1",
		[PD_REJECT] = "REJECT 5.7.1",
		[PD_HOLD] = "HOLD",
	};

	snprintf(out, outsz, "action=%s %s\n\n", verb[d->pc.over_action],
		 text);
}

/* ---- the notify program ------------------------------------------- */

void
pd_children(struct pd *d)
{
	int64_t now = pd_now_ms();
	int i, status;

	for (i = 0; i < PD_NOTIFY_MAX; i++) {
		struct pd_child *c = &d->child[i];
		pid_t r;

		if (c->pid == 0)
			continue;
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid || (r < 0 && errno == ECHILD)) {
			if (r == c->pid && (!WIFEXITED(status) ||
					    WEXITSTATUS(status) != 0))
				pd_log(d, LOG_WARNING, "notify: %s ended with "
				       "status %d", d->pc.notify,
				       WIFEXITED(status) ?
				       WEXITSTATUS(status) : 128 +
				       WTERMSIG(status));
			c->pid = 0;
		} else if (now >= c->deadline) {
			pd_log(d, LOG_WARNING, "notify: %s still running after "
			       "%u s: killed", d->pc.notify,
			       d->pc.notify_timeout);
			kill(c->pid, SIGKILL);
			c->deadline = INT64_MAX;	/* reaped next time */
		}
	}
}

/* Run the notify program with USER RHOST LIMIT as arguments, no shell,
 * its standard input, output and error on /dev/null, a bare
 * environment; the loop reaps it and kills it after notify_timeout. */
static void
notify(struct pd *d, const char *user, const char *rhost, const char *limit)
{
	static char path[] = "PATH=/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin";
	char *env[] = { path, NULL };
	char *argv[5];
	int i, fd;
	pid_t pid;

	if (d->pc.notify[0] == '\0')
		return;
	for (i = 0; i < PD_NOTIFY_MAX && d->child[i].pid != 0; i++)
		;
	if (i == PD_NOTIFY_MAX) {
		pd_log(d, LOG_WARNING, "notify: %d programs still running: "
		       "not run for %s", PD_NOTIFY_MAX, user);
		return;
	}
	argv[0] = d->pc.notify;
	argv[1] = (char *)user;
	argv[2] = (char *)rhost;
	argv[3] = (char *)limit;
	argv[4] = NULL;
	pid = fork();
	if (pid < 0) {
		pd_log(d, LOG_ERR, "notify: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(126);
		execve(argv[0], argv, env);
		_exit(127);
	}
	d->child[i].pid = pid;
	d->child[i].deadline = pd_now_ms() +
	    (int64_t)d->pc.notify_timeout * 1000;
}

/* ---- the store ---------------------------------------------------- */

/* After a store error: one LOG_ERR line per outage (the store's own line
 * when it logged one, else this). */
static void
store_failed(struct pd *d, struct mu_store *st)
{
	char name[256];

	if (d->store_down)
		return;
	if (!d->err_logged) {
		mu_store_describe(d->cfg.db, name, sizeof(name));
		pd_log(d, LOG_ERR, "store %s: unavailable (%s); answering "
		       "\"%s\" until it is back", name,
		       st != NULL && mu_store_errmsg(st)[0] != '\0' ?
		       mu_store_errmsg(st) : "cannot open it",
		       d->pc.store_error_action);
	} else {
		pd_log(d, LOG_NOTICE, "answering \"%s\" until the store is back",
		       d->pc.store_error_action);
	}
	d->store_down = true;
}

static void
store_ok(struct pd *d)
{
	char name[256];

	if (!d->store_down)
		return;
	mu_store_describe(d->cfg.db, name, sizeof(name));
	pd_log(d, LOG_NOTICE, "store %s: available again", name);
	d->store_down = false;
}

/* ---- one request -------------------------------------------------- */

/* A decimal count of recipients: 0 to 1e9, else -1. */
static long
count_of(const char *v)
{
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > 1000000000L)
		return -1;
	return n;
}

/* What the request of stage state asks: check and maybe count msgs and
 * rcpts.  false: a stage where nothing is decided. */
static bool
stage(const char *state, long rc, struct mu_send_req *rq)
{
	if (state == NULL)
		return false;
	rq->msgs = 1;
	if (strcmp(state, "END-OF-MESSAGE") == 0) {
		rq->rcpts = rc;
		rq->count = true;
		return true;
	}
	if (strcmp(state, "DATA") == 0) {
		rq->rcpts = rc > 0 ? rc : 1;
		return true;
	}
	rq->rcpts = 1;
	return strcmp(state, "RCPT") == 0 || strcmp(state, "MAIL") == 0;
}

void
pd_serve(struct pd *d, const struct pol_req *rq, char *out, size_t outsz)
{
	const char *sasl = pol_get(rq, "sasl_username");
	const char *state = pol_get(rq, "protocol_state");
	const char *inst = pol_get(rq, "instance");
	const char *addr = pol_get(rq, "client_address");
	const char *why = NULL;
	char name[MU_NAME_MAX + 1], esc[MU_NAME_MAX * 4 + 1], rhost[200];
	struct mu_send_req sr;
	struct mu_send_res res;
	struct mu_store *st = NULL;
	uint64_t key = 0;
	int64_t now = (int64_t)time(NULL);
	long rc;
	int r;

	answer(out, outsz, "DUNNO");
	if (rq->bad != NULL) {
		pd_log(d, LOG_NOTICE, "malformed request (%s): DUNNO", rq->bad);
		return;
	}
	if (sasl == NULL || sasl[0] == '\0')
		return;		/* not authenticated: not ours to count */
	if (mu_canon(sasl, d->cfg.default_domain,
		     mu_config_canon_flags(&d->cfg), name, &why) != MU_OK) {
		pd_log(d, LOG_NOTICE, "sasl_username \"%s\" refused (%s): "
		       "DUNNO", mu_escape(esc, sizeof(esc), sasl), why);
		return;
	}
	mu_escape(rhost, sizeof(rhost), addr != NULL && addr[0] != '\0' ?
		  addr : "unknown");
	memset(&sr, 0, sizeof(sr));
	rc = count_of(pol_get(rq, "recipient_count"));
	if (rc < 0) {
		pd_log(d, LOG_NOTICE, "malformed request (recipient_count): "
		       "DUNNO");
		return;
	}
	if (!stage(state, rc, &sr))
		return;
	if (inst != NULL && inst[0] != '\0') {
		key = seen_key(inst, name);
		if (sr.count && (seen_get(key, now) & SEEN_COUNTED))
			return;	/* this message was counted */
	}
	sr.name = name;
	sr.now = now;
	sr.new_message = key == 0 || !(seen_get(key, now) & SEEN_DEFERRED);
	sr.defaults = &d->pc.defaults;
	sr.lock_factor = d->pc.lock_factor;

	d->err_logged = false;
	r = mu_store_acquire(d->cfg.db, d->cfg.busy_timeout,
			     MU_CONNECT_TIMEOUT, &d->slog,
			     MU_OPEN_TRUSTED | MU_OPEN_FREQUENT, &st);
	if (r == MU_OK)
		r = mu_send_request(st, &sr, &res);
	if (r == MU_E_STORE) {
		store_failed(d, st);
		mu_store_release(st);
		answer(out, outsz, d->pc.store_error_action);
		return;
	}
	mu_store_release(st);
	store_ok(d);
	if (r == MU_E_NOUSER) {
		if (d->cfg.debug)
			pd_log(d, LOG_DEBUG, "user=%s is not in the store: "
			       "DUNNO", name);
		return;
	}
	if (r != MU_OK)
		return;
	switch (res.verdict) {
	case MU_SEND_PASS:
		if (res.counted && key != 0)
			seen_set(key, now, SEEN_COUNTED);
		return;
	case MU_SEND_BLOCKED:
		pd_log(d, LOG_NOTICE, "locked or disabled account: user=%s "
		       "rhost=%s state=%s", name, rhost, state);
		refuse(d, d->pc.locked_text, out, outsz);
		return;
	case MU_SEND_OVER:
		break;
	}
	if (key != 0)
		seen_set(key, now, SEEN_DEFERRED);
	pd_log(d, LOG_NOTICE, "over limit: user=%s rhost=%s limit=%s "
	       "state=%s", name, rhost, mu_win_name(res.which), state);
	if (res.locked_now) {
		/* the line of doc/fail2ban/filter.d/mailuser-policyd.conf */
		pd_log(d, LOG_WARNING, "compromised account locked: user=%s "
		       "rhost=%s limit=%s factor=%ld", name, rhost,
		       mu_win_name(res.which), d->pc.lock_factor);
		notify(d, name, rhost, mu_win_name(res.which));
	}
	refuse(d, d->pc.over_text, out, outsz);
}
