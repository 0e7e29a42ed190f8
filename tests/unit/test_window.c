/* Unit tests of the sliding windows of sending limits (mu_window.h): pure
 * functions at their edges, clock steps backwards, overflow. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "mu_window.h"

#define T0 INT64_C(1700000000)	/* 2023-11-14 22:13:20 UTC */

static struct mu_win_bucket
minute(int64_t t, int64_t msgs, int64_t rcpts)
{
	struct mu_win_bucket b = { MU_WIN_MINUTE, mu_win_index(t, 60), msgs,
				   rcpts, 0, 0 };

	return b;
}

static struct mu_win_bucket
hour(int64_t t, int64_t rcpts)
{
	struct mu_win_bucket b = { MU_WIN_HOUR, mu_win_index(t, 3600), 0,
				   rcpts, 0, 0 };

	return b;
}

static void
test_index(void)
{
	CHECK(mu_win_index(0, 60) == 0, "index of 0 is 0");
	CHECK(mu_win_index(59, 60) == 0 && mu_win_index(60, 60) == 1,
	      "index: 59 s in bucket 0, 60 s in bucket 1");
	CHECK(mu_win_index(-1, 60) == -1 && mu_win_index(-60, 60) == -1 &&
	      mu_win_index(-61, 60) == -2,
	      "index before 1970 rounds down, not towards zero");
	CHECK(mu_win_index(INT64_MAX, 60) == INT64_MAX / 60 &&
	      mu_win_index(INT64_MIN, 60) == INT64_MIN / 60 - 1,
	      "index at the ends of int64_t");
}

static void
test_range(void)
{
	int64_t lo, hi;

	mu_win_range(T0, 60, 60, &lo, &hi);
	CHECK(lo == T0 / 60 - 59 && hi == T0 / 60 + 59,
	      "hour window: 60 minute buckets back, 59 ahead");
	CHECK(mu_win_counts(T0 / 60 - 59, T0, 60, 60) &&
	      !mu_win_counts(T0 / 60 - 60, T0, 60, 60),
	      "edge: the 60th minute back counts, the 61st does not");
	CHECK(mu_win_counts(T0 / 60 + 59, T0, 60, 60) &&
	      !mu_win_counts(T0 / 60 + 60, T0, 60, 60),
	      "clock stepped back: up to a window ahead counts, further "
	      "not");
	mu_win_range(INT64_MAX, 60, 60, &lo, &hi);
	CHECK(hi == INT64_MAX / 60 + 59 && lo == INT64_MAX / 60 - 59,
	      "range at the largest time stays in int64_t");
	mu_win_range(INT64_MIN, 1, 60, &lo, &hi);
	CHECK(lo == INT64_MIN && hi == INT64_MIN + 59,
	      "range at the smallest time saturates");
	mu_win_range(INT64_MAX, 1, 60, &lo, &hi);
	CHECK(hi == INT64_MAX, "range with span 1 saturates at the top");
	mu_win_range(T0, 60, 0, &lo, &hi);
	CHECK(lo == hi && lo == T0 / 60, "n < 1 is one bucket");
}

static void
test_sums(void)
{
	struct mu_win_bucket b[8];
	struct mu_win_usage u;
	/* a time on a minute boundary, for the edges */
	int64_t now = T0 - T0 % 3600 + 1800;

	b[0] = minute(now, 2, 5);		/* now */
	b[1] = minute(now - 3540, 1, 1);	/* 59 min ago: counts */
	b[2] = minute(now - 3600, 7, 7);	/* 60 min ago: out */
	b[3] = hour(now, 6);
	b[4] = hour(now - 23 * 3600, 10);	/* 23 h ago: counts */
	b[5] = hour(now - 24 * 3600, 100);	/* 24 h ago: out */
	b[6] = minute(now + 120, 3, 3);		/* clock went back 2 min */
	b[7] = minute(now + 7200, 50, 50);	/* 2 h ahead: ignored */
	mu_win_sum_up(b, 8, now, &u);
	CHECK(u.hour.msgs == 6 && u.hour.rcpts == 9,
	      "hour window: minute buckets of the last hour and up to a "
	      "window ahead (%lld, %lld)", (long long)u.hour.msgs,
	      (long long)u.hour.rcpts);
	CHECK(u.day.rcpts == 16 && u.day.msgs == 0,
	      "day window: hour buckets of the last 24 hours (%lld)",
	      (long long)u.day.rcpts);
	/* one second later, the bucket of 59 minutes ago is 60 min old at
	 * its start: still in until the minute turns */
	mu_win_sum_up(b, 8, now + 59, &u);
	CHECK(u.hour.msgs == 6, "the oldest minute counts until its minute "
	      "turns");
	mu_win_sum_up(b, 8, now + 60, &u);
	CHECK(u.hour.msgs == 5, "then it drops out (%lld)",
	      (long long)u.hour.msgs);
	mu_win_sum_up(b, 8, now - 3600 * 3, &u);
	CHECK(u.hour.msgs == 0 && u.hour.rcpts == 0,
	      "clock 3 hours back: what lies a window ahead is ignored");
	mu_win_sum_up(NULL, 0, now, &u);
	CHECK(u.hour.msgs == 0 && u.day.rcpts == 0, "no buckets: zero");

	b[0] = minute(now, INT64_MAX, INT64_MAX - 1);
	b[1] = minute(now, 5, 5);
	b[2] = minute(now, -7, -7);
	b[2].def_msgs = INT64_MAX;
	b[3] = minute(now, 0, 0);
	b[3].def_msgs = 1;
	mu_win_sum_up(b, 4, now, &u);
	CHECK(u.hour.msgs == INT64_MAX && u.hour.rcpts == INT64_MAX &&
	      u.hour.def_msgs == INT64_MAX,
	      "sums saturate at INT64_MAX; negatives count as 0");
	b[0].span = 7;
	mu_win_sum_up(b, 1, now, &u);
	CHECK(u.hour.msgs == 0 && u.day.msgs == 0,
	      "a bucket of an unknown span is left out");
}

static void
test_over(void)
{
	struct mu_win_limits lim = { 10, 100, 500 };
	struct mu_win_usage u;

	memset(&u, 0, sizeof(u));
	u.hour.msgs = 9;
	CHECK(mu_win_over(&lim, &u, 1, 1) == MU_WIN_NONE,
	      "the 10th message of 10 passes");
	u.hour.msgs = 10;
	CHECK(mu_win_over(&lim, &u, 1, 1) == MU_WIN_MSGS_HOUR,
	      "the 11th does not: messages_per_hour");
	CHECK(mu_win_over(&lim, &u, 0, 0) == MU_WIN_NONE,
	      "adding nothing at the limit passes");
	u.hour.msgs = 0;
	u.hour.rcpts = 95;
	CHECK(mu_win_over(&lim, &u, 1, 5) == MU_WIN_NONE &&
	      mu_win_over(&lim, &u, 1, 6) == MU_WIN_RCPTS_HOUR,
	      "recipients: 95 + 5 of 100 passes, 95 + 6 does not");
	u.hour.rcpts = 0;
	u.day.rcpts = 499;
	CHECK(mu_win_over(&lim, &u, 1, 2) == MU_WIN_RCPTS_DAY,
	      "recipients_per_day");
	lim = (struct mu_win_limits){ 0, 0, 0 };
	u.hour.msgs = INT64_MAX;
	u.hour.rcpts = INT64_MAX;
	CHECK(mu_win_over(&lim, &u, INT64_MAX, INT64_MAX) == MU_WIN_NONE,
	      "0 is no limit, whatever the counts");
	lim.msgs_hour = INT64_MAX;
	u.hour.msgs = INT64_MAX - 1;
	CHECK(mu_win_over(&lim, &u, 1, 0) == MU_WIN_NONE &&
	      mu_win_over(&lim, &u, 2, 0) == MU_WIN_MSGS_HOUR &&
	      mu_win_over(&lim, &u, INT64_MAX, 0) == MU_WIN_MSGS_HOUR,
	      "no overflow near INT64_MAX");
	u.hour.msgs = -5;
	lim.msgs_hour = 1;
	CHECK(mu_win_over(&lim, &u, 1, 0) == MU_WIN_NONE &&
	      mu_win_over(&lim, &u, -3, 0) == MU_WIN_NONE,
	      "negative counts count as 0");
	CHECK(strcmp(mu_win_name(MU_WIN_RCPTS_DAY), "recipients_per_day") ==
	      0 && mu_win_name(MU_WIN_NONE)[0] == '\0', "limit names");
}

static void
test_compromised(void)
{
	struct mu_win_limits lim = { 10, 100, 0 };
	struct mu_win_usage u;

	memset(&u, 0, sizeof(u));
	u.hour.msgs = 10;
	u.hour.def_msgs = 19;
	CHECK(!mu_win_compromised(&lim, &u, MU_WIN_MSGS_HOUR, 3),
	      "29 tries of a limit of 10: not yet 3 times");
	u.hour.def_msgs = 20;
	CHECK(mu_win_compromised(&lim, &u, MU_WIN_MSGS_HOUR, 3),
	      "30 tries: 3 times the limit");
	CHECK(!mu_win_compromised(&lim, &u, MU_WIN_MSGS_HOUR, 0),
	      "factor 0: never");
	CHECK(!mu_win_compromised(&lim, &u, MU_WIN_NONE, 3),
	      "no limit passed: never");
	CHECK(!mu_win_compromised(&lim, &u, MU_WIN_RCPTS_DAY, 3),
	      "a limit that is not set: never");
	u.hour.rcpts = INT64_MAX;
	u.hour.def_rcpts = INT64_MAX;
	lim.rcpts_hour = INT64_MAX / 2;
	CHECK(mu_win_compromised(&lim, &u, MU_WIN_RCPTS_HOUR, 3),
	      "limit times factor saturates, tries saturate");
	u.hour.rcpts = INT64_MAX - 1;
	u.hour.def_rcpts = 0;
	CHECK(!mu_win_compromised(&lim, &u, MU_WIN_RCPTS_HOUR, 3),
	      "just under a saturated bar");
}

int
main(void)
{
	test_index();
	test_range();
	test_sums();
	test_over();
	test_compromised();
	return tap_failed != 0;
}
