/*
 * The report: results, the Nagios exit code and summary, the table and
 * the JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"

void *
chk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fputs("mailserver-check: out of memory\n", stderr);
		exit(3);
	}
	return p;
}

void *
chk_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		fputs("mailserver-check: out of memory\n", stderr);
		exit(3);
	}
	return q;
}

char *
chk_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(chk_xmalloc(n), s, n);
}

void
strlist_add(struct strlist *l, const char *s)
{
	l->v = chk_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = chk_xstrdup(s);
}

void
strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool
chk_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

void
chk_clean(char *dst, size_t len, const char *src)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case V_OK: return "OK";
	case V_WARN: return "WARN";
	case V_FAIL: return "FAIL";
	case V_UNKNOWN: return "UNKNOWN";
	case V_SKIP: return "SKIP";
	}
	return "?";
}

void
report_add(struct report *rep, const char *check, const char *subject,
	   enum verdict v, const char *fmt, ...)
{
	struct result *r;
	char buf[CHK_REASON_MAX];
	va_list ap;

	if (rep->n == rep->cap) {
		rep->cap = rep->cap ? 2 * rep->cap : 32;
		rep->r = chk_xrealloc(rep->r, rep->cap * sizeof(*rep->r));
	}
	r = &rep->r[rep->n++];
	chk_clean(r->check, sizeof(r->check), check);
	chk_clean(r->subject, sizeof(r->subject), subject ? subject : "");
	r->v = v;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	chk_clean(r->reason, sizeof(r->reason), buf);
}

void
report_free(struct report *rep)
{
	free(rep->r);
	rep->r = NULL;
	rep->n = rep->cap = 0;
}

static void
count(const struct report *rep, size_t c[5])
{
	size_t i;

	memset(c, 0, 5 * sizeof(*c));
	for (i = 0; i < rep->n; i++)
		c[rep->r[i].v]++;
}

int
report_exit(const struct report *rep)
{
	size_t c[5];

	count(rep, c);
	if (c[V_FAIL])
		return 2;
	if (c[V_WARN])
		return 1;
	if (c[V_UNKNOWN])
		return 3;
	return 0;
}

void
report_summary(const struct report *rep, char *buf, size_t len)
{
	static const char *state[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	const struct result *worst = NULL;
	size_t c[5], i;
	int rc = report_exit(rep);
	enum verdict want = rc == 2 ? V_FAIL : rc == 1 ? V_WARN : V_UNKNOWN;
	int n;

	count(rep, c);
	for (i = 0; rc != 0 && i < rep->n && worst == NULL; i++)
		if (rep->r[i].v == want)
			worst = &rep->r[i];
	n = snprintf(buf, len, "MAILSERVER %s - %zu FAIL, %zu WARN, "
		     "%zu UNKNOWN, %zu OK, %zu skipped", state[rc],
		     c[V_FAIL], c[V_WARN], c[V_UNKNOWN], c[V_OK], c[V_SKIP]);
	if (worst != NULL && n >= 0 && (size_t)n < len)
		(void)snprintf(buf + n, len - (size_t)n, "; %s %s: %s",
			       worst->check, worst->subject, worst->reason);
}

static const char *
colour_of(enum verdict v)
{
	switch (v) {
	case V_OK: return "\033[32m";
	case V_WARN: return "\033[33m";
	case V_FAIL: return "\033[1;31m";
	case V_UNKNOWN: return "\033[35m";
	case V_SKIP: return "\033[2m";
	}
	return "";
}

void
report_table(const struct report *rep, FILE *f, bool colour)
{
	size_t wc = strlen("CHECK"), ws = strlen("SUBJECT"), i, l;

	for (i = 0; i < rep->n; i++) {
		if ((l = strlen(rep->r[i].check)) > wc)
			wc = l;
		if ((l = strlen(rep->r[i].subject)) > ws)
			ws = l;
	}
	if (ws > 60)
		ws = 60;
	fprintf(f, "%-*s  %-*s  %-7s  %s\n", (int)wc, "CHECK", (int)ws,
		"SUBJECT", "VERDICT", "REASON");
	for (i = 0; i < rep->n; i++) {
		const struct result *r = &rep->r[i];

		fprintf(f, "%-*s  %-*s  %s%-7s%s  %s\n", (int)wc, r->check,
			(int)ws, r->subject, colour ? colour_of(r->v) : "",
			verdict_name(r->v), colour ? "\033[0m" : "",
			r->reason);
	}
}

/* Strings in a report are printable ASCII (report_add cleaned them). */
static void
jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void
report_json(const struct report *rep, FILE *f)
{
	char sum[1024];
	size_t i;

	report_summary(rep, sum, sizeof(sum));
	fprintf(f, "{\"exit\":%d,\"summary\":", report_exit(rep));
	jstr(f, sum);
	fputs(",\"results\":[", f);
	for (i = 0; i < rep->n; i++) {
		const struct result *r = &rep->r[i];

		fputs(i ? ",\n{\"check\":" : "\n{\"check\":", f);
		jstr(f, r->check);
		fputs(",\"subject\":", f);
		jstr(f, r->subject);
		fputs(",\"verdict\":", f);
		jstr(f, verdict_name(r->v));
		fputs(",\"reason\":", f);
		jstr(f, r->reason);
		fputc('}', f);
	}
	fputs("\n]}\n", f);
}
