/*
 * Sliding windows of sending limits: pure functions (mu_window.h).
 */
#include <stdint.h>

#include "mu_window.h"

int64_t
mu_win_index(int64_t now, int64_t span)
{
	int64_t q = now / span;

	/* C division truncates towards zero: step down before 1970 */
	if (now % span != 0 && now < 0)
		q--;
	return q;
}

static int64_t
sat_add(int64_t a, int64_t b)
{
	if (a < 0)
		a = 0;
	if (b < 0)
		b = 0;
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

int64_t
mu_win_add(int64_t used, int64_t add)
{
	return sat_add(used, add);
}

void
mu_win_range(int64_t now, int64_t span, int64_t n, int64_t *lo, int64_t *hi)
{
	int64_t cur = mu_win_index(now, span);

	if (n < 1)
		n = 1;
	/* indexes are at most INT64_MAX / 1 and at least INT64_MIN / 1:
	 * keep lo and hi inside int64_t */
	*lo = cur < INT64_MIN + (n - 1) ? INT64_MIN : cur - (n - 1);
	*hi = cur > INT64_MAX - (n - 1) ? INT64_MAX : cur + (n - 1);
}

bool
mu_win_counts(int64_t index, int64_t now, int64_t span, int64_t n)
{
	int64_t lo, hi;

	mu_win_range(now, span, n, &lo, &hi);
	return index >= lo && index <= hi;
}

static void
add_to(struct mu_win_sum *s, const struct mu_win_bucket *b)
{
	s->msgs = sat_add(s->msgs, b->msgs);
	s->rcpts = sat_add(s->rcpts, b->rcpts);
	s->def_msgs = sat_add(s->def_msgs, b->def_msgs);
	s->def_rcpts = sat_add(s->def_rcpts, b->def_rcpts);
}

void
mu_win_sum_up(const struct mu_win_bucket *b, int nb, int64_t now,
	      struct mu_win_usage *u)
{
	int i;

	*u = (struct mu_win_usage){ { 0, 0, 0, 0 }, { 0, 0, 0, 0 } };
	for (i = 0; i < nb; i++) {
		if (b[i].span == MU_WIN_MINUTE &&
		    mu_win_counts(b[i].index, now, MU_WIN_MINUTE,
				  MU_WIN_HOUR_BUCKETS))
			add_to(&u->hour, &b[i]);
		else if (b[i].span == MU_WIN_HOUR &&
			 mu_win_counts(b[i].index, now, MU_WIN_HOUR,
				       MU_WIN_DAY_BUCKETS))
			add_to(&u->day, &b[i]);
	}
}

/* used + add > limit, without overflow; limit 0 is no limit. */
static bool
passes(int64_t limit, int64_t used, int64_t add)
{
	if (limit <= 0)
		return false;
	if (used < 0)
		used = 0;
	if (add < 0)
		add = 0;
	return used > limit || add > limit - used;
}

enum mu_win_which
mu_win_over(const struct mu_win_limits *lim, const struct mu_win_usage *u,
	    int64_t msgs, int64_t rcpts)
{
	if (passes(lim->msgs_hour, u->hour.msgs, msgs))
		return MU_WIN_MSGS_HOUR;
	if (passes(lim->rcpts_hour, u->hour.rcpts, rcpts))
		return MU_WIN_RCPTS_HOUR;
	if (passes(lim->rcpts_day, u->day.rcpts, rcpts))
		return MU_WIN_RCPTS_DAY;
	return MU_WIN_NONE;
}

bool
mu_win_compromised(const struct mu_win_limits *lim,
		   const struct mu_win_usage *u, enum mu_win_which which,
		   int64_t factor)
{
	int64_t limit, tried, bar;

	switch (which) {
	case MU_WIN_MSGS_HOUR:
		limit = lim->msgs_hour;
		tried = sat_add(u->hour.msgs, u->hour.def_msgs);
		break;
	case MU_WIN_RCPTS_HOUR:
		limit = lim->rcpts_hour;
		tried = sat_add(u->hour.rcpts, u->hour.def_rcpts);
		break;
	case MU_WIN_RCPTS_DAY:
		limit = lim->rcpts_day;
		tried = sat_add(u->day.rcpts, u->day.def_rcpts);
		break;
	default:
		return false;
	}
	if (factor <= 0 || limit <= 0)
		return false;
	bar = limit > INT64_MAX / factor ? INT64_MAX : limit * factor;
	return tried >= bar;
}

const char *
mu_win_name(enum mu_win_which which)
{
	switch (which) {
	case MU_WIN_MSGS_HOUR:
		return "messages_per_hour";
	case MU_WIN_RCPTS_HOUR:
		return "recipients_per_hour";
	case MU_WIN_RCPTS_DAY:
		return "recipients_per_day";
	default:
		return "";
	}
}
