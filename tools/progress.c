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
 * A batch is one BEGIN IMMEDIATE ... COMMIT whose size adapts so that
 * it holds the store's write lock for about BATCH_TARGET_MS: a login
 * that must record a failure waits at most that long for a bulk command.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"

#define REDRAW_NS	200000000LL	/* at most five lines a second */
#define BATCH_TARGET_MS	50		/* write lock held per batch */
#define BATCH_MIN	64
#define BATCH_MAX	65536

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

void
batch_begin(struct batch *b, sqlite3 *db)
{
	db_exec(db, "BEGIN IMMEDIATE");
	b->start = now_ns();
}

void
batch_commit(struct batch *b, sqlite3 *db)
{
	int64_t ms;

	db_exec(db, "COMMIT");
	ms = (now_ns() - b->start) / 1000000;
	if (ms > b->longest_ms)
		b->longest_ms = ms;
	b->batches++;
	/* aim at BATCH_TARGET_MS: halve when over 1.5 times, double when
	 * under half */
	if (ms * 2 > BATCH_TARGET_MS * 3 && b->size > BATCH_MIN)
		b->size /= 2;
	else if (ms * 2 < BATCH_TARGET_MS && b->size < BATCH_MAX)
		b->size *= 2;
}
