#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mu_pace.h"

int64_t
mu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void
mu_pace_refusal(struct mu_pace *p, int64_t start)
{
	int64_t sorted[MU_PACE_RING], took, floor, cap;
	struct timespec until;

	if (p->pid != getpid()) {
		memset(p, 0, sizeof(*p));
		p->pid = getpid();
	}
	took = mu_now_ns() - start;
	if (took < 0)
		took = 0;
	p->took[p->next] = took;
	p->next = (p->next + 1) % MU_PACE_RING;
	if (p->n < MU_PACE_RING)
		p->n++;
	memcpy(sorted, p->took, p->n * sizeof(sorted[0]));
	qsort(sorted, p->n, sizeof(sorted[0]), cmp64);
	/* the second longest: a checkpoint of the store, a few times
	 * slower, comes about once in a ring and must not set the pace */
	floor = sorted[p->n > 1 ? p->n - 2 : 0];
	cap = 2 * sorted[p->n / 2];
	if (floor > cap)
		floor = cap;
	if (floor <= took)
		return;
	floor += start;
	until.tv_sec = (time_t)(floor / 1000000000LL);
	until.tv_nsec = (long)(floor % 1000000000LL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
			       NULL) != 0)
		;	/* EINTR: sleep on to the same deadline */
}
