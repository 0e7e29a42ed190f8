/*
 * mailserver-check: what the checks share.  Each check adds results to
 * one report: a check name ("relay", "spf", "dnsbl", ...), a subject (the
 * domain, address or zone it is about), a verdict and a one-line reason.
 */
#ifndef CHK_CHECK_H
#define CHK_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* In order of severity for the exit code: see report_exit(). */
enum verdict { V_OK, V_WARN, V_FAIL, V_UNKNOWN, V_SKIP };

#define CHK_REASON_MAX 600
#define CHK_SUBJECT_MAX 300

struct result {
	char check[24];
	char subject[CHK_SUBJECT_MAX];
	enum verdict v;
	char reason[CHK_REASON_MAX];
};

struct report {
	struct result *r;
	size_t n, cap;
};

/* Add one result.  The reason is formatted like printf and cut to fit;
 * bytes that are not printable ASCII (from a server or a DNS answer)
 * become '?'.  Out of memory: a message and exit 3. */
void report_add(struct report *rep, const char *check, const char *subject,
		enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The Nagios exit code: 2 if any FAIL, else 1 if any WARN, else 3 if
 * any UNKNOWN, else 0.  Skipped checks do not count. */
int report_exit(const struct report *rep);

/* The one-line summary ("MAILSERVER CRITICAL - ..."), into buf. */
void report_summary(const struct report *rep, char *buf, size_t len);

/* The aligned table (colour when colour is true), or JSON. */
void report_table(const struct report *rep, FILE *f, bool colour);
void report_json(const struct report *rep, FILE *f);

void report_free(struct report *rep);

const char *verdict_name(enum verdict v);

/* Copy src into dst (size len), '?' for bytes outside printable ASCII. */
void chk_clean(char *dst, size_t len, const char *src);

/* Out of memory: message and exit 3 (the Nagios UNKNOWN). */
void *chk_xmalloc(size_t n);
void *chk_xrealloc(void *p, size_t n);
char *chk_xstrdup(const char *s);

/* A list of strings (the inputs: addresses, domains, selectors, zones). */
struct strlist {
	char **v;
	size_t n;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_clear(struct strlist *l);

/* Names compare without case and without a trailing dot. */
bool chk_name_eq(const char *a, const char *b);

#endif
