/*
 * The Postfix policy delegation protocol (SMTPD_POLICY_README), as a pure
 * parser with no I/O: mailuser-policyd feeds it the bytes a connection
 * has read, and tests/fuzz/fuzz_policy.c feeds it anything.
 *
 * A request is "name=value" lines ended by '\n' (a '\r' before it is
 * dropped), then an empty line.  Two kinds of trouble:
 *
 *  - framing (the end of the request cannot be trusted, or the client
 *    is not Postfix): a line over POL_LINE_MAX bytes, more than
 *    POL_ATTR_MAX lines, a request over POL_REQ_MAX bytes, a NUL byte.
 *    The protocol says: no answer, log, close the connection.
 *  - a whole request that makes no sense: a line without '=', an empty
 *    name, no "request=smtpd_access_policy".  Its end is known, so the
 *    answer is DUNNO and the connection goes on.
 *
 * An attribute sent twice keeps its first value (the README allows the
 * first or the last).
 */
#ifndef POLICYD_PROTO_H
#define POLICYD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#define POL_LINE_MAX 4096	/* bytes of one line, its '\n' not counted */
#define POL_ATTR_MAX 256	/* lines of one request */
#define POL_REQ_MAX 65536	/* bytes of one request, its empty line
				 * included */

enum pol_status {
	POL_MORE = 0,		/* no whole request yet: read more */
	POL_DONE,		/* a whole request ends at *end */
	POL_E_LINE,		/* framing errors: close */
	POL_E_ATTRS,
	POL_E_SIZE,
	POL_E_NUL,
};

/* Where pol_scan got to in a connection's buffer; zero it (pol_scan_reset)
 * for each new request. */
struct pol_scan {
	size_t pos;		/* bytes looked at */
	size_t line;		/* start of the current line */
	int lines;		/* lines of this request so far */
};

void pol_scan_reset(struct pol_scan *s);

/* Look at the len bytes of buf (the same buffer, growing, between calls:
 * only new bytes are looked at).  POL_DONE with *end the length of the
 * request, its empty line included; POL_MORE; or a framing error.  A
 * request may not be longer than POL_REQ_MAX even when more is in buf. */
enum pol_status pol_scan(const char *buf, size_t len, struct pol_scan *s,
			 size_t *end);

struct pol_attr {
	const char *name;
	const char *value;
};

struct pol_req {
	int n;
	struct pol_attr a[POL_ATTR_MAX];
	const char *bad;	/* NULL, or why the request makes no sense */
};

/* Split the whole request of len bytes at buf (from pol_scan: its lines
 * end in '\n', the last one empty), in place ('=' and line ends become
 * NUL bytes), into rq.  rq->bad says when the request makes no sense.
 * The strings point into buf. */
void pol_split(char *buf, size_t len, struct pol_req *rq);

/* The first value of name, or NULL. */
const char *pol_get(const struct pol_req *rq, const char *name);

/* A framing error's text for the log. */
const char *pol_strerror(enum pol_status st);

#endif
