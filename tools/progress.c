/*
 * Progress of long commands on standard error, and short write
 * transactions for them.
 *
 * Progress is shown only when standard error is a terminal: one line,
 * redrawn at most five times a second, with the count, the rate and,
 * when the total is known, the part done and an estimate of the time
 * left; a last line says how long it took.  Scripts and cron, whose
 * standard error is a file or a pipe, see nothing of it.
 *
 * A batch is one write transaction (SQLite: BEGIN IMMEDIATE ... COMMIT)
 * whose size adapts so that
 * it holds the store's write lock for about BATCH_TARGET_MS: the next
 * batch gets the size that would have taken that long at the last one's
 * rate (at most twice or half the last size), and a login that must
 * record a failure waits about that long for a bulk command.
 *
 * Between two batches the lock is left free for a while (BATCH_GAP_MS,
 * or half the last batch's hold if that is longer).  SQLite
 * has no queue of waiting writers: a login that found the lock taken
 * sleeps in its busy handler and tries again 1, 2, 5, 10, 15, 20, 25,
 * 25, 25, 50, 50 and then every 100 ms.  A command that took the lock
 * again at once would win every time, and the login would wait until
 * its busy timeout; a pause of 25 ms is longer than the login's step
 * during its first 100 ms of waiting, so that it gets in at the first
 * pause after a batch of up to about 75 ms.
 *
 * SQLite lets go of the lock inside COMMIT, before it calls the
 * connection's WAL hook: batch_begin puts the store in bulk mode
 * (mu_bulk_mode), whose hook notes that moment (the hold measured is the
 * true one) and then runs a passive checkpoint, which copies the WAL
 * into the database without the write lock, instead of the store's
 * usual truncating checkpoint, which takes it.  Bulk mode stays for the
 * rest of the process; admin_close truncates the WAL at the end as
 * always.  PostgreSQL's COMMIT returns once the locks are released.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "mu_bulk.h"
#include "mu_error.h"

#define REDRAW_NS	200000000LL	/* at most five lines a second */
#define BATCH_TARGET_MS	50		/* write lock held per batch */
#define BATCH_MIN	64
#define BATCH_MAX	65536
#define BATCH_GAP_MS	25		/* lock left free between batches */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
progress_begin(struct progress *p, const char *what, const char *unit,
	       uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO) == 1;
	p->what = what;
	p->unit = unit;
	p->total = total;
	p->start = now_ns();
}

/* "1234567" as "1,234,567" into buf (32 bytes). */
static const char *
thousands(uint64_t v, char *buf)
{
	char digits[24];
	size_t n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu",
			     (unsigned long long)v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "12 s", "3 min 20 s", "1 h 05 min" into buf (32 bytes). */
static const char *
duration(double s, char *buf)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);

	if (t < 60)
		snprintf(buf, 32, "%ld s", t);
	else if (t < 3600)
		snprintf(buf, 32, "%ld min %02ld s", t / 60, t % 60);
	else
		snprintf(buf, 32, "%ld h %02ld min", t / 3600, t % 3600 / 60);
	return buf;
}

static void
draw(struct progress *p, int64_t t)
{
	char cnt[32], rate[32], left[32];
	double secs = (double)(t - p->start) / 1e9;
	double r = secs > 0 ? (double)p->count / secs : 0;

	fprintf(stderr, "\r%s: %s %s, %s %s/s", p->what,
		thousands(p->count, cnt), p->unit, thousands((uint64_t)r, rate),
		p->unit);
	if (p->total > 0 && p->pos > 0 && p->pos <= p->total)
		fprintf(stderr, ", %d%%, about %s left",
			(int)(100.0 * (double)p->pos / (double)p->total),
			duration(secs * (double)(p->total - p->pos) /
				 (double)p->pos, left));
	fputs("\033[K", stderr);
	fflush(stderr);
	p->drawn = t;
	p->shown = true;
}

void
progress_update(struct progress *p, uint64_t count, uint64_t pos)
{
	int64_t t;

	p->count = count;
	p->pos = pos;
	if (!p->on)
		return;
	t = now_ns();
	if (!p->shown || t - p->drawn >= REDRAW_NS)
		draw(p, t);
}

void
progress_end(struct progress *p, uint64_t count)
{
	char cnt[32], took[32];
	double secs;

	p->count = count;
	if (!p->on)
		return;
	secs = (double)(now_ns() - p->start) / 1e9;
	fprintf(stderr, "\r%s: %s %s in %s\033[K\n", p->what,
		thousands(count, cnt), p->unit,
		secs < 10 ? (snprintf(took, sizeof(took), "%.1f s", secs),
			     took) : duration(secs, took));
	fflush(stderr);
}

void
batch_init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->size = 1024;
}

/* When the last commit let go of the write lock (0: not known); set by
 * the store in bulk mode, for as long as the process lives. */
static int64_t released_ns;

static void __attribute__((noreturn))
batch_die(struct mu_store *st, int r, const char *what)
{
	if (r == MU_E_STORE && mu_store_errmsg(st)[0] != '\0')
		errx(1, "%s: %s", what, mu_store_errmsg(st));
	errx(1, "%s: %s", what, mu_strerror(r));
}

void
batch_begin(struct batch *b, struct mu_store *st)
{
	struct timespec ts;
	int64_t wait;
	int r;

	mu_bulk_mode(st, &released_ns);
	if (b->released > 0) {
		wait = b->released + b->gap_ms * 1000000LL - now_ns();
		if (wait > 0) {
			ts.tv_sec = (time_t)(wait / 1000000000LL);
			ts.tv_nsec = (long)(wait % 1000000000LL);
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
	}
	if ((r = mu_bulk_begin(st, true)) != MU_OK)
		batch_die(st, r, "cannot begin a batch");
	b->start = now_ns();
	if (b->batches == 0 || b->size < b->min_size)
		b->min_size = b->size;
	if (b->size > b->max_size)
		b->max_size = b->size;
}

void
batch_commit(struct batch *b, struct mu_store *st)
{
	int64_t us, next;
	int r;

	released_ns = 0;
	if ((r = mu_bulk_commit(st)) != MU_OK)
		batch_die(st, r, "cannot commit a batch");
	b->released = released_ns != 0 ? released_ns : now_ns();
	us = (b->released - b->start) / 1000;
	if (us / 1000 > b->longest_ms)
		b->longest_ms = us / 1000;
	b->batches++;
	b->gap_ms = us / 2000 > BATCH_GAP_MS ? us / 2000 : BATCH_GAP_MS;
	/* the size that would have taken BATCH_TARGET_MS at this batch's
	 * rate, within half and twice this one's */
	next = us > 0 ? b->size * BATCH_TARGET_MS * 1000 / us : b->size * 2;
	if (next > b->size * 2)
		next = b->size * 2;
	if (next < b->size / 2)
		next = b->size / 2;
	b->size = next < BATCH_MIN ? BATCH_MIN : next > BATCH_MAX ?
	    BATCH_MAX : next;
}
