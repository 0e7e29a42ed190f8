/* Log sink.  The core never opens a log of its own: the front end (PAM
 * glue, CLI, tests) installs a function here.  A NULL sink drops lines. */
#ifndef MU_LOG_H
#define MU_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

struct mu_log {
	void (*fn)(void *arg, int prio, const char *fmt, va_list ap);
	void *arg;
	bool debug;		/* pass LOG_DEBUG lines through */
};

/* Log one line.  log may be NULL. */
void mu_logf(const struct mu_log *log, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copy src into dst (size dstsz, always NUL-terminated) with every byte
 * that is not printable ASCII, and the backslash, written as \xHH.  For
 * putting untrusted names into log lines.  Returns dst. */
char *mu_escape(char *dst, size_t dstsz, const char *src);

#endif
