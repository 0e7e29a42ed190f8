/* mailuser-policyd: what its files share (main.c: the event loop and the
 * process; serve.c: the answer to one request). */
#ifndef POLICYD_H
#define POLICYD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "mu_config.h"
#include "mu_log.h"
#include "proto.h"

#define PD_NAME "mailuser-policyd"
#define PD_ANSWER_MAX 512	/* bytes of one answer, "action=...\n\n" */
#define PD_NOTIFY_MAX 8		/* notify programs running at once */

struct pd_child {
	pid_t pid;		/* 0: a free slot */
	int64_t deadline;	/* CLOCK_MONOTONIC ms: killed after it */
};

struct pd {
	const char *conf_path;
	bool conf_given;	/* -c: the file must exist */
	const char *db_arg;	/* -d, or NULL */
	struct mu_config cfg;	/* the main part: db, default_domain, ... */
	struct pd_conf pc;	/* [policyd] */
	struct mu_log slog;	/* the store's log sink */
	bool store_down;	/* an outage was logged, not yet its end */
	bool err_logged;	/* the store logged a LOG_ERR line */
	struct pd_child child[PD_NOTIFY_MAX];
};

/* log.c: one line to syslog (facility mail), or to standard error when
 * pd_log_stderr is set (log = stderr, and before the configuration is
 * read), as "mailuser-policyd[PID]: text". */
extern bool pd_log_stderr;
void pd_log(const struct pd *d, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pd_vlog(const struct pd *d, int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* CLOCK_MONOTONIC in milliseconds. */
int64_t pd_now_ms(void);

/* The answer to the whole request rq into out ("action=...\n\n"). */
void pd_serve(struct pd *d, const struct pol_req *rq, char *out,
	      size_t outsz);

/* Reap notify programs that ended; kill those past their deadline. */
void pd_children(struct pd *d);

#endif
