/*
 * The Postfix policy protocol: finding a request's end and splitting it
 * into attributes (proto.h).  No I/O, no allocation.
 */
#include <string.h>

#include "proto.h"

void
pol_scan_reset(struct pol_scan *s)
{
	memset(s, 0, sizeof(*s));
}

/* Is the line of n bytes at p empty ("" or "\r")? */
static bool
empty(const char *p, size_t n)
{
	return n == 0 || (n == 1 && p[0] == '\r');
}

enum pol_status
pol_scan(const char *buf, size_t len, struct pol_scan *s, size_t *end)
{
	size_t lim = len < POL_REQ_MAX ? len : POL_REQ_MAX;

	for (; s->pos < lim; s->pos++) {
		char c = buf[s->pos];
		size_t n = s->pos - s->line;

		if (c == '\0')
			return POL_E_NUL;
		if (c != '\n') {
			if (n + 1 > POL_LINE_MAX)
				return POL_E_LINE;
			continue;
		}
		if (empty(buf + s->line, n)) {
			*end = s->pos + 1;
			return POL_DONE;
		}
		if (++s->lines > POL_ATTR_MAX)
			return POL_E_ATTRS;
		s->line = s->pos + 1;
	}
	return len >= POL_REQ_MAX ? POL_E_SIZE : POL_MORE;
}

void
pol_split(char *buf, size_t len, struct pol_req *rq)
{
	char *p = buf, *stop = buf + len;
	const char *req;

	rq->n = 0;
	rq->bad = NULL;
	while (p < stop) {
		char *nl = memchr(p, '\n', (size_t)(stop - p));
		char *eq;
		size_t n;

		if (nl == NULL)
			nl = stop;	/* not from pol_scan: a last line */
		*nl = '\0';
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			p[--n] = '\0';
		if (n == 0)
			break;	/* the empty line: the end */
		eq = memchr(p, '=', n);
		if (eq == NULL) {
			if (rq->bad == NULL)
				rq->bad = "a line without \"=\"";
		} else if (eq == p) {
			if (rq->bad == NULL)
				rq->bad = "an empty attribute name";
		} else if (rq->n < POL_ATTR_MAX) {
			*eq = '\0';
			rq->a[rq->n].name = p;
			rq->a[rq->n].value = eq + 1;
			rq->n++;
		}
		p = nl + 1;
	}
	req = pol_get(rq, "request");
	if (rq->bad == NULL && (req == NULL ||
				strcmp(req, "smtpd_access_policy") != 0))
		rq->bad = "not request=smtpd_access_policy";
}

const char *
pol_get(const struct pol_req *rq, const char *name)
{
	int i;

	for (i = 0; i < rq->n; i++)
		if (strcmp(rq->a[i].name, name) == 0)
			return rq->a[i].value;
	return NULL;
}

const char *
pol_strerror(enum pol_status st)
{
	switch (st) {
	case POL_E_LINE:
		return "a line longer than 4096 bytes";
	case POL_E_ATTRS:
		return "more than 256 attributes";
	case POL_E_SIZE:
		return "a request longer than 65536 bytes";
	case POL_E_NUL:
		return "a NUL byte";
	default:
		return "no error";
	}
}
