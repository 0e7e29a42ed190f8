/*
 * Sending limits as sliding windows (mailuser-policyd): the arithmetic,
 * as pure functions of (buckets, now).  The store keeps per-user counters
 * in buckets (store/sending.c); these functions say which buckets are in
 * a window, add them up without overflow, and decide.
 *
 * A window of n buckets of width w seconds, at time now, holds the
 * bucket now / w (rounded down, also before 1970) and the n - 1 before
 * it: a message stops counting between (n - 1) * w and n * w seconds
 * after it was counted.  The hour windows are 60 buckets of one minute,
 * the day window 24 buckets of one hour.  So there is no burst at the
 * top of the hour: the allowance comes back a minute (an hour) at a
 * time.
 *
 * When the clock steps backwards, buckets "in the future" hold messages
 * counted in the last moments before the step: those less than one
 * window ahead still count (they are recent), buckets further ahead are
 * ignored (a clock that was wrong by more than a window) and pruned.
 */
#ifndef MU_WINDOW_H
#define MU_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define MU_WIN_MINUTE 60		/* bucket of the hour windows */
#define MU_WIN_HOUR_BUCKETS 60
#define MU_WIN_HOUR 3600		/* bucket of the day window */
#define MU_WIN_DAY_BUCKETS 24

/* One bucket of a user's counters. */
struct mu_win_bucket {
	int64_t span;		/* its width: MU_WIN_MINUTE or MU_WIN_HOUR */
	int64_t index;		/* start time / span */
	int64_t msgs;		/* messages accepted */
	int64_t rcpts;		/* their recipients */
	int64_t def_msgs;	/* messages deferred (over a limit) */
	int64_t def_rcpts;	/* recipients deferred */
};

/* The sums of one window. */
struct mu_win_sum {
	int64_t msgs, rcpts, def_msgs, def_rcpts;
};

/* What a user has used: the hour window (minute buckets) and the day
 * window (hour buckets). */
struct mu_win_usage {
	struct mu_win_sum hour;
	struct mu_win_sum day;
};

/* Limits; 0 = no limit. */
struct mu_win_limits {
	int64_t msgs_hour;
	int64_t rcpts_hour;
	int64_t rcpts_day;
};

/* Which limit a request goes over (MU_WIN_NONE: none). */
enum mu_win_which {
	MU_WIN_NONE = 0,
	MU_WIN_MSGS_HOUR,
	MU_WIN_RCPTS_HOUR,
	MU_WIN_RCPTS_DAY,
};

/* now / span rounded towards minus infinity (span > 0). */
int64_t mu_win_index(int64_t now, int64_t span);

/* The lowest and highest bucket index that count in a window of n
 * buckets of span at now ([lo, hi]: the n buckets up to now and the
 * n - 1 after it); a bucket outside is stale, to be pruned. */
void mu_win_range(int64_t now, int64_t span, int64_t n, int64_t *lo,
		  int64_t *hi);

/* Is bucket index in the window of n buckets of span at now? */
bool mu_win_counts(int64_t index, int64_t now, int64_t span, int64_t n);

/* Add up the nb buckets b (in any order, of both spans) into u, at now:
 * minute buckets into the hour window, hour buckets into the day
 * window; buckets outside their window and of another span are left
 * out.  Sums saturate at INT64_MAX; negative counts count as 0. */
void mu_win_sum_up(const struct mu_win_bucket *b, int nb, int64_t now,
		   struct mu_win_usage *u);

/* used + add, saturated at INT64_MAX (negatives as 0). */
int64_t mu_win_add(int64_t used, int64_t add);

/* Does adding msgs messages with rcpts recipients to u go over a limit
 * of lim?  The first limit passed, in the order of enum mu_win_which. */
enum mu_win_which mu_win_over(const struct mu_win_limits *lim,
			      const struct mu_win_usage *u, int64_t msgs,
			      int64_t rcpts);

/* After a deferral over limit which (counted in u, the deferral
 * included): has the user gone on to factor times that limit within its
 * window, counting what was accepted and what was deferred?  factor 0:
 * never. */
bool mu_win_compromised(const struct mu_win_limits *lim,
			const struct mu_win_usage *u, enum mu_win_which which,
			int64_t factor);

/* The name of a limit: "messages_per_hour", "recipients_per_hour",
 * "recipients_per_day" ("" for MU_WIN_NONE). */
const char *mu_win_name(enum mu_win_which which);

#endif
