/*
 * Sending limits in the store (mailuser-policyd and mailuser-admin): the
 * limits of domains and users, the per-user counters in buckets (see
 * sql/sqlite/schema.sql, table send_counts), the decision on one policy
 * request, the lock of a compromised account, and the reports.  The
 * window arithmetic is in the core (mu_window.h): here only reads and
 * writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mu_acct.h"
#include "mu_audit.h"
#include "mu_db.h"
#include "mu_error.h"

#define SEND_TOOL "mailuser-policyd"

/* ---- reading ---------------------------------------------------- */

static int64_t
or_unset(struct mu_res *r, int col)
{
	return mu_null(r, col) ? MU_LIMIT_UNSET : mu_int(r, col);
}

static void
limits_at(struct mu_res *r, int col, struct mu_win_limits *l)
{
	l->msgs_hour = or_unset(r, col);
	l->rcpts_hour = or_unset(r, col + 1);
	l->rcpts_day = or_unset(r, col + 2);
}

/* The first of user, domain, configuration that is set. */
static int64_t
pick(int64_t user, int64_t domain, int64_t conf, enum mu_limit_from *from)
{
	if (user >= 0) {
		*from = MU_LIMIT_FROM_USER;
		return user;
	}
	if (domain >= 0) {
		*from = MU_LIMIT_FROM_DOMAIN;
		return domain;
	}
	*from = MU_LIMIT_FROM_CONFIG;
	return conf > 0 ? conf : 0;
}

void
mu_send_resolve(const struct mu_win_limits *defaults, struct mu_send_eff *e)
{
	static const struct mu_win_limits none = { 0, 0, 0 };
	const struct mu_win_limits *c = defaults != NULL ? defaults : &none;

	e->lim.msgs_hour = pick(e->user.msgs_hour, e->domain.msgs_hour,
				c->msgs_hour, &e->from[0]);
	e->lim.rcpts_hour = pick(e->user.rcpts_hour, e->domain.rcpts_hour,
				 c->rcpts_hour, &e->from[1]);
	e->lim.rcpts_day = pick(e->user.rcpts_day, e->domain.rcpts_day,
				c->rcpts_day, &e->from[2]);
}

/* What the daemon reads of a user: its id, whether it may send at all,
 * and its own and its domain's limits. */
struct sender {
	int64_t id;
	bool blocked;		/* admin lock, user or domain disabled */
	struct mu_send_eff eff;
};

static int
sender_get(struct mu_store *st, const char *name,
	   const struct mu_win_limits *defaults, struct sender *s)
{
	static const char sql[] =
	    "SELECT u.id, u.locked_at, u.disabled, d.disabled, "
	    "ul.msgs_hour, ul.rcpts_hour, ul.rcpts_day, "
	    "dl.msgs_hour, dl.rcpts_hour, dl.rcpts_day "
	    "FROM users u JOIN domains d ON d.id = u.domain_id "
	    "LEFT JOIN user_limits ul ON ul.user_id = u.id "
	    "LEFT JOIN domain_limits dl ON dl.domain_id = u.domain_id "
	    "WHERE u.name = $1";
	struct mu_res *r;
	int ret;

	memset(s, 0, sizeof(*s));
	if ((ret = mu_q(st, &r, sql, "t", name)) != MU_OK)
		return ret;
	ret = MU_E_NOUSER;
	if (mu_row(r)) {
		s->id = mu_int(r, 0);
		s->blocked = !mu_null(r, 1) || mu_int(r, 2) != 0 ||
		    mu_int(r, 3) != 0;
		limits_at(r, 4, &s->eff.user);
		limits_at(r, 7, &s->eff.domain);
		mu_send_resolve(defaults, &s->eff);
		ret = MU_OK;
	}
	if (mu_done(r) != MU_OK)
		ret = MU_E_STORE;
	return ret;
}

/* The buckets of user id that count at now, summed up. */
static int
usage_get(struct mu_store *st, int64_t id, int64_t now,
	  struct mu_win_usage *u)
{
	static const char sql[] =
	    "SELECT span, bucket, msgs, rcpts, def_msgs, def_rcpts "
	    "FROM send_counts WHERE user_id = $1 AND "
	    "((span = 60 AND bucket BETWEEN $2 AND $3) OR "
	    "(span = 3600 AND bucket BETWEEN $4 AND $5))";
	/* 60 + 59 minute buckets and 24 + 23 hour buckets at most */
	struct mu_win_bucket b[MU_WIN_HOUR_BUCKETS * 2 +
			       MU_WIN_DAY_BUCKETS * 2];
	int64_t mlo, mhi, hlo, hhi;
	struct mu_res *r;
	int ret, n = 0;

	mu_win_range(now, MU_WIN_MINUTE, MU_WIN_HOUR_BUCKETS, &mlo, &mhi);
	mu_win_range(now, MU_WIN_HOUR, MU_WIN_DAY_BUCKETS, &hlo, &hhi);
	if ((ret = mu_q(st, &r, sql, "iiiii", id, mlo, mhi, hlo, hhi)) !=
	    MU_OK)
		return ret;
	while (mu_row(r)) {
		if (n == (int)(sizeof(b) / sizeof(b[0])))
			continue;	/* cannot happen: the key is unique */
		b[n].span = mu_int(r, 0);
		b[n].index = mu_int(r, 1);
		b[n].msgs = mu_int(r, 2);
		b[n].rcpts = mu_int(r, 3);
		b[n].def_msgs = mu_int(r, 4);
		b[n].def_rcpts = mu_int(r, 5);
		n++;
	}
	if ((ret = mu_done(r)) != MU_OK)
		return ret;
	mu_win_sum_up(b, n, now, u);
	return MU_OK;
}

/* ---- writing ---------------------------------------------------- */

/* Add to the buckets of user id at now (both spans), and delete its
 * buckets outside their windows.  Sent with the commit. */
static int
bucket_add(struct mu_store *st, int64_t id, int64_t now, int64_t msgs,
	   int64_t rcpts, int64_t def_msgs, int64_t def_rcpts)
{
#define SAT(c) c " = CASE WHEN send_counts." c " > " \
	"9223372036854775807 - excluded." c " THEN 9223372036854775807 " \
	"ELSE send_counts." c " + excluded." c " END"
	static const char add[] =
	    "INSERT INTO send_counts (user_id, span, bucket, msgs, rcpts, "
	    "def_msgs, def_rcpts) VALUES ($1, $2, $3, $4, $5, $6, $7) "
	    "ON CONFLICT (user_id, span, bucket) DO UPDATE SET "
	    SAT("msgs") ", " SAT("rcpts") ", " SAT("def_msgs") ", "
	    SAT("def_rcpts");
#undef SAT
	static const char prune[] =
	    "DELETE FROM send_counts WHERE user_id = $1 AND "
	    "((span = 60 AND (bucket < $2 OR bucket > $3)) OR "
	    "(span = 3600 AND (bucket < $4 OR bucket > $5)))";
	int64_t mlo, mhi, hlo, hhi;
	int ret;

	mu_win_range(now, MU_WIN_MINUTE, MU_WIN_HOUR_BUCKETS, &mlo, &mhi);
	mu_win_range(now, MU_WIN_HOUR, MU_WIN_DAY_BUCKETS, &hlo, &hhi);
	ret = mu_q_later(st, add, "iiiiiii", id, (int64_t)MU_WIN_MINUTE,
			 mu_win_index(now, MU_WIN_MINUTE), msgs, rcpts,
			 def_msgs, def_rcpts);
	if (ret == MU_OK)
		ret = mu_q_later(st, add, "iiiiiii", id, (int64_t)MU_WIN_HOUR,
				 mu_win_index(now, MU_WIN_HOUR), msgs, rcpts,
				 def_msgs, def_rcpts);
	if (ret == MU_OK)
		ret = mu_q_later(st, prune, "iiiii", id, mlo, mhi, hlo, hhi);
	return ret;
}

static void
sum_add(struct mu_win_sum *s, int64_t msgs, int64_t rcpts, int64_t dm,
	int64_t dr)
{
	s->msgs = mu_win_add(s->msgs, msgs);
	s->rcpts = mu_win_add(s->rcpts, rcpts);
	s->def_msgs = mu_win_add(s->def_msgs, dm);
	s->def_rcpts = mu_win_add(s->def_rcpts, dr);
}

/* The administrator's lock of a compromised account, with its audit row,
 * unless it is locked already; *done whether this locked it. */
static int
lock_sender(struct mu_store *st, const char *name, int64_t id, int64_t now,
	    const char *reason, bool *done)
{
	static const char sql[] =
	    "UPDATE users SET locked_at = $2, lock_reason = $3 "
	    "WHERE id = $1 AND locked_at IS NULL";
	int ret;

	*done = false;
	if ((ret = mu_q(st, NULL, sql, "iit", id, now, reason)) != MU_OK)
		return ret;
	if (mu_changes(st) == 0)
		return MU_OK;
	*done = true;
	return mu_audit_add(st, SEND_TOOL, "user lock", name, reason);
}

/* ---- the daemon's decision -------------------------------------- */

/* One try in one transaction; write: a write transaction (counting, or
 * recording a deferral), else a read-only look. */
static int
request_once(struct mu_store *st, const struct mu_send_req *rq, bool write,
	     struct mu_send_res *res)
{
	struct sender s;
	int64_t dm, dr;
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = mu_begin(st, write)) != MU_OK)
		return ret;
	ret = sender_get(st, rq->name, rq->defaults, &s);
	if (ret == MU_OK && write)
		ret = mu_lock_user(st, s.id);
	if (ret != MU_OK)
		goto out;
	res->lim = s.eff.lim;
	if (s.blocked) {
		res->verdict = MU_SEND_BLOCKED;
		goto out;
	}
	/* no limit at all: nothing to read; counted all the same (for the
	 * reports, and for a limit set later) */
	if (s.eff.lim.msgs_hour > 0 || s.eff.lim.rcpts_hour > 0 ||
	    s.eff.lim.rcpts_day > 0)
		ret = usage_get(st, s.id, rq->now, &res->usage);
	if (ret != MU_OK)
		goto out;
	res->which = mu_win_over(&s.eff.lim, &res->usage, rq->msgs,
				 rq->rcpts);
	if (res->which == MU_WIN_NONE) {
		res->verdict = MU_SEND_PASS;
		if (rq->count && write) {
			ret = bucket_add(st, s.id, rq->now, rq->msgs,
					 rq->rcpts, 0, 0);
			res->counted = ret == MU_OK;
			sum_add(&res->usage.hour, rq->msgs, rq->rcpts, 0, 0);
			sum_add(&res->usage.day, rq->msgs, rq->rcpts, 0, 0);
		}
		goto out;
	}
	res->verdict = MU_SEND_OVER;
	if (!write)
		goto out;
	/* the deferral, then the compromised-account rule on what was
	 * tried within the window, this deferral included */
	dm = rq->new_message ? mu_win_add(0, rq->msgs) : 0;
	dr = mu_win_add(0, rq->rcpts);
	if ((ret = bucket_add(st, s.id, rq->now, 0, 0, dm, dr)) != MU_OK)
		goto out;
	sum_add(&res->usage.hour, 0, 0, dm, dr);
	sum_add(&res->usage.day, 0, 0, dm, dr);
	if (mu_win_compromised(&s.eff.lim, &res->usage, res->which,
			       rq->lock_factor)) {
		char reason[256];

		snprintf(reason, sizeof(reason), "compromised? went on "
			 "sending past %s (%lld times the limit within its "
			 "window); locked by %s", mu_win_name(res->which),
			 (long long)rq->lock_factor, SEND_TOOL);
		ret = lock_sender(st, rq->name, s.id, rq->now, reason,
				  &res->locked_now);
	}
out:
	if (ret == MU_OK)
		ret = mu_commit(st);
	if (ret != MU_OK) {
		mu_rollback(st);
		memset(res, 0, sizeof(*res));
		return ret == MU_E_NOUSER ? ret : MU_E_STORE;
	}
	return MU_OK;
}

int
mu_send_request(struct mu_store *st, const struct mu_send_req *rq,
		struct mu_send_res *res)
{
	int ret, tries = 0;

	do {
		/* a look first: most requests pass and count nothing */
		ret = request_once(st, rq, rq->count, res);
		if (ret == MU_OK && !rq->count && res->verdict == MU_SEND_OVER)
			ret = request_once(st, rq, true, res);
	} while (ret == MU_E_STORE && mu_store_retry(st, &tries));
	if (ret == MU_E_STORE)
		mu_store_mark_failed(st);
	return ret;
}

/* ---- mailuser-admin: limits ------------------------------------- */

int
mu_send_limits(struct mu_store *st, const char *name,
	       const struct mu_win_limits *defaults, struct mu_send_eff *eff)
{
	struct sender s;
	int ret;

	memset(eff, 0, sizeof(*eff));
	if ((ret = mu_begin(st, false)) == MU_OK) {
		ret = sender_get(st, name, defaults, &s);
		if (ret == MU_OK)
			*eff = s.eff;
		ret = mu_acct_end(st, ret);
	}
	return mu_acct_done(st, ret, "limit show");
}

int
mu_send_domain_limits(struct mu_store *st, const char *domain,
		      struct mu_win_limits *own)
{
	static const char sql[] =
	    "SELECT dl.msgs_hour, dl.rcpts_hour, dl.rcpts_day FROM domains d "
	    "LEFT JOIN domain_limits dl ON dl.domain_id = d.id "
	    "WHERE d.name = $1";
	struct mu_res *r;
	int ret;

	own->msgs_hour = own->rcpts_hour = own->rcpts_day = MU_LIMIT_UNSET;
	if ((ret = mu_q(st, &r, sql, "t", domain)) == MU_OK) {
		ret = MU_E_NODOMAIN;
		if (mu_row(r)) {
			limits_at(r, 0, own);
			ret = MU_OK;
		}
		if (mu_done(r) != MU_OK)
			ret = MU_E_STORE;
	}
	return mu_acct_done(st, ret, "limit show");
}

/* The new value of one limit: set's when it is not MU_LIMIT_KEEP. */
static int64_t
merged(int64_t old, int64_t set)
{
	return set == MU_LIMIT_KEEP ? old : set;
}

/* "a=1 b=inherit" for the audit row: the values set. */
static void
limits_detail(const struct mu_win_limits *set, char *buf, size_t bufsz)
{
	const int64_t v[3] = { set->msgs_hour, set->rcpts_hour,
			       set->rcpts_day };
	static const char *const names[3] = { "messages_per_hour",
					      "recipients_per_hour",
					      "recipients_per_day" };
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 3; i++) {
		char num[32];

		if (v[i] == MU_LIMIT_KEEP)
			continue;
		if (v[i] == MU_LIMIT_UNSET)
			snprintf(num, sizeof(num), "inherit");
		else
			snprintf(num, sizeof(num), "%lld", (long long)v[i]);
		len += (size_t)snprintf(buf + len, len < bufsz ? bufsz - len :
					0, "%s%s=%s", len > 0 ? " " : "",
					names[i], num);
		if (len >= bufsz)
			break;
	}
}

static int
set_once(struct mu_store *st, bool user, const char *name,
	 const struct mu_win_limits *set)
{
	static const char get_user[] =
	    "SELECT u.id, ul.msgs_hour, ul.rcpts_hour, ul.rcpts_day "
	    "FROM users u LEFT JOIN user_limits ul ON ul.user_id = u.id "
	    "WHERE u.name = $1";
	static const char get_domain[] =
	    "SELECT d.id, dl.msgs_hour, dl.rcpts_hour, dl.rcpts_day "
	    "FROM domains d LEFT JOIN domain_limits dl ON dl.domain_id = d.id "
	    "WHERE d.name = $1";
	static const char put_user[] =
	    "INSERT INTO user_limits (user_id, msgs_hour, rcpts_hour, "
	    "rcpts_day) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO "
	    "UPDATE SET msgs_hour = excluded.msgs_hour, "
	    "rcpts_hour = excluded.rcpts_hour, rcpts_day = excluded.rcpts_day";
	static const char put_domain[] =
	    "INSERT INTO domain_limits (domain_id, msgs_hour, rcpts_hour, "
	    "rcpts_day) VALUES ($1, $2, $3, $4) ON CONFLICT (domain_id) DO "
	    "UPDATE SET msgs_hour = excluded.msgs_hour, "
	    "rcpts_hour = excluded.rcpts_hour, rcpts_day = excluded.rcpts_day";
	/* nothing of its own left: no row */
	static const char drop_user[] =
	    "DELETE FROM user_limits WHERE user_id = $1";
	static const char drop_domain[] =
	    "DELETE FROM domain_limits WHERE domain_id = $1";
	struct mu_win_limits old, now;
	struct mu_res *r;
	char detail[200];
	int64_t id = 0;
	const int64_t *v[3];
	int ret, i;

	if ((ret = mu_begin(st, true)) != MU_OK)
		return ret;
	if ((ret = mu_q(st, &r, user ? get_user : get_domain, "t", name)) !=
	    MU_OK)
		return mu_acct_end(st, ret);
	ret = user ? MU_E_NOUSER : MU_E_NODOMAIN;
	if (mu_row(r)) {
		id = mu_int(r, 0);
		limits_at(r, 1, &old);
		ret = MU_OK;
	}
	if (mu_done(r) != MU_OK)
		ret = MU_E_STORE;
	if (ret != MU_OK)
		return mu_acct_end(st, ret);
	now.msgs_hour = merged(old.msgs_hour, set->msgs_hour);
	now.rcpts_hour = merged(old.rcpts_hour, set->rcpts_hour);
	now.rcpts_day = merged(old.rcpts_day, set->rcpts_day);
	v[0] = now.msgs_hour >= 0 ? &now.msgs_hour : NULL;
	v[1] = now.rcpts_hour >= 0 ? &now.rcpts_hour : NULL;
	v[2] = now.rcpts_day >= 0 ? &now.rcpts_day : NULL;
	for (i = 0; i < 3 && v[i] == NULL; i++)
		;
	if (i == 3)
		ret = mu_q(st, NULL, user ? drop_user : drop_domain, "i", id);
	else
		ret = mu_q(st, NULL, user ? put_user : put_domain, "innn", id,
			   v[0], v[1], v[2]);
	limits_detail(set, detail, sizeof(detail));
	if (ret == MU_OK)
		ret = mu_acct_audit(st, user ? "user limit" : "domain limit",
				    name, detail);
	return mu_acct_end(st, ret);
}

int
mu_send_limit_set(struct mu_store *st, bool user, const char *name,
		  const struct mu_win_limits *set)
{
	int r, tries = 0;

	do {
		r = set_once(st, user, name, set);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "limit set");
}

/* The domains (user false) or users with limits of their own, by name
 * after key, a page. */
static int
own_page(struct mu_store *st, bool user, const char *domain, char **key,
	 int (*fn)(void *arg, const struct mu_send_own *o), void *arg,
	 int *n, int *stop)
{
	static const char users[] =
	    "SELECT u.name, ul.msgs_hour, ul.rcpts_hour, ul.rcpts_day "
	    "FROM user_limits ul JOIN users u ON u.id = ul.user_id "
	    "JOIN domains d ON d.id = u.domain_id "
	    "WHERE u.name > $1 AND ($2 = '' OR d.name = $2) "
	    "ORDER BY u.name LIMIT $3";
	static const char domains[] =
	    "SELECT d.name, dl.msgs_hour, dl.rcpts_hour, dl.rcpts_day "
	    "FROM domain_limits dl JOIN domains d ON d.id = dl.domain_id "
	    "WHERE d.name > $1 AND ($2 = '' OR d.name = $2) "
	    "ORDER BY d.name LIMIT $3";
	struct mu_send_own o;
	struct mu_res *r;
	int ret;

	*n = 0;
	ret = mu_q(st, &r, user ? users : domains, "tti",
		   *key != NULL ? *key : "", domain != NULL ? domain : "",
		   (int64_t)ACCT_PAGE);
	while (ret == MU_OK && *stop == 0 && mu_row(r)) {
		memset(&o, 0, sizeof(o));
		o.user = user;
		mu_copy(r, 0, o.name, sizeof(o.name));
		limits_at(r, 1, &o.own);
		ret = mu_acct_key(key, o.name);
		if (ret == MU_OK)
			*stop = fn(arg, &o);
		(*n)++;
	}
	if (mu_done(r) != MU_OK && ret == MU_OK)
		ret = MU_E_STORE;
	return ret;
}

int
mu_send_limit_list(struct mu_store *st, const char *domain,
		   int (*fn)(void *arg, const struct mu_send_own *o),
		   void *arg)
{
	int ret, n, stop = 0, pass;

	if ((ret = mu_begin(st, false)) != MU_OK)
		return mu_acct_done(st, ret, "limit show");
	for (pass = 0; pass < 2 && ret == MU_OK && stop == 0; pass++) {
		char *key = NULL;

		do {
			ret = own_page(st, pass == 1, domain, &key, fn, arg, &n,
				       &stop);
		} while (ret == MU_OK && stop == 0 && n == ACCT_PAGE);
		free(key);
	}
	ret = mu_acct_end(st, ret);
	return ret != MU_OK ? mu_acct_done(st, ret, "limit show") : stop;
}

/* ---- mailuser-admin: reports ------------------------------------ */

int
mu_send_usage(struct mu_store *st, const char *name, int64_t now,
	      struct mu_win_usage *u)
{
	int64_t id = 0;
	int ret;

	memset(u, 0, sizeof(*u));
	if ((ret = mu_begin(st, false)) == MU_OK) {
		ret = mu_acct_user_id(st, name, &id);
		if (ret == MU_OK)
			ret = usage_get(st, id, now, u);
		ret = mu_acct_end(st, ret);
	}
	return mu_acct_done(st, ret, "sending");
}

int
mu_send_top(struct mu_store *st, int64_t now, bool day, int64_t max,
	    int (*fn)(void *arg, const char *name,
		      const struct mu_win_sum *s),
	    void *arg)
{
	/* the sums fit: every bucket saturates at INT64_MAX, and a window
	 * holds at most 119 of them per user (checked in C would need every
	 * row); a count that large means the counters are broken anyway */
	static const char sql[] =
	    "SELECT u.name, CAST(sum(c.msgs) AS BIGINT), "
	    "CAST(sum(c.rcpts) AS BIGINT), CAST(sum(c.def_msgs) AS BIGINT), "
	    "CAST(sum(c.def_rcpts) AS BIGINT) "
	    "FROM send_counts c JOIN users u ON u.id = c.user_id "
	    "WHERE c.span = $1 AND c.bucket BETWEEN $2 AND $3 "
	    "GROUP BY u.name "
	    "ORDER BY 3 DESC, 2 DESC, 5 DESC, u.name LIMIT $4";
	struct mu_win_sum s;
	struct mu_res *r;
	int64_t lo, hi, span = day ? MU_WIN_HOUR : MU_WIN_MINUTE;
	int ret, stop = 0;

	mu_win_range(now, span, day ? MU_WIN_DAY_BUCKETS :
		     MU_WIN_HOUR_BUCKETS, &lo, &hi);
	if ((ret = mu_begin(st, false)) != MU_OK)
		return mu_acct_done(st, ret, "sending");
	ret = mu_q(st, &r, sql, "iiii", span, lo, hi, max);
	while (ret == MU_OK && stop == 0 && mu_row(r)) {
		s.msgs = mu_int(r, 1);
		s.rcpts = mu_int(r, 2);
		s.def_msgs = mu_int(r, 3);
		s.def_rcpts = mu_int(r, 4);
		stop = fn(arg, mu_text(r, 0), &s);
	}
	if (ret == MU_OK && mu_done(r) != MU_OK)
		ret = MU_E_STORE;
	ret = mu_acct_end(st, ret);
	return ret != MU_OK ? mu_acct_done(st, ret, "sending") : stop;
}

static int
reset_once(struct mu_store *st, const char *name, int64_t *rows)
{
	static const char sql[] = "DELETE FROM send_counts WHERE user_id = $1";
	char detail[64];
	int64_t id;
	int ret;

	*rows = 0;
	if ((ret = mu_begin(st, true)) != MU_OK)
		return ret;
	ret = mu_acct_user_id(st, name, &id);
	if (ret == MU_OK)
		ret = mu_q(st, NULL, sql, "i", id);
	if (ret == MU_OK) {
		*rows = mu_changes(st);
		snprintf(detail, sizeof(detail), "%lld bucket%s",
			 (long long)*rows, *rows == 1 ? "" : "s");
		ret = mu_acct_audit(st, "sending reset", name, detail);
	}
	return mu_acct_end(st, ret);
}

int
mu_send_reset(struct mu_store *st, const char *name, int64_t *rows)
{
	int r, tries = 0;

	do {
		r = reset_once(st, name, rows);
	} while (r == MU_E_STORE && mu_store_retry(st, &tries));
	return mu_acct_done(st, r, "sending reset");
}
