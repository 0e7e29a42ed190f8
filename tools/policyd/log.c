/*
 * mailuser-policyd: its log lines and its clock, for the event loop
 * (main.c) and the answers (serve.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "policyd.h"

bool pd_log_stderr;

void
pd_vlog(const struct pd *d, int prio, const char *fmt, va_list ap)
{
	if (prio == LOG_DEBUG && !d->cfg.debug)
		return;
	if (pd_log_stderr) {
		fprintf(stderr, "%s[%ld]: ", PD_NAME, (long)getpid());
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		return;
	}
	vsyslog(prio, fmt, ap);
}

void
pd_log(const struct pd *d, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pd_vlog(d, prio, fmt, ap);
	va_end(ap);
}

int64_t
pd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
