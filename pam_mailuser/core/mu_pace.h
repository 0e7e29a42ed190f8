/* Refusals at one pace: every refused login of a process takes as long as
 * the slowest of its recent refusals, so that no reason for a refusal
 * (a wrong password, an unknown name, a lock, a disabled account) shows
 * in the time it takes. */
#ifndef MU_PACE_H
#define MU_PACE_H

#include <stdint.h>
#include <sys/types.h>

#define MU_PACE_RING 16		/* recent refusals remembered */

struct mu_pace {
	int64_t took[MU_PACE_RING];	/* their natural times, ns */
	unsigned n, next;
	pid_t pid;		/* a forked child starts afresh */
};

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t mu_now_ns(void);

/* A refusal whose work began at start (mu_now_ns) is done: remember how
 * long it took, and sleep until start + the second longest of the last
 * MU_PACE_RING refusals' times, at most twice their median (so that a
 * stall of the machine or a checkpoint of the store does not set the
 * pace). */
void mu_pace_refusal(struct mu_pace *p, int64_t start);

#endif
