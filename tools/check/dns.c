/*
 * DNS through libunbound: every query is started with
 * ub_resolve_async() and its answer kept in a cache, so that the checks
 * first ask for everything they will need (dns_want), wait once for all
 * of it in parallel (dns_run), then read the answers (dns_get).  A query
 * that is not answered within the timeout is cancelled and answers
 * DNS_TIMEOUT; libunbound's own retries would take much longer.
 *
 * libunbound resolves in a thread of its own (ub_ctx_async(ctx, 1)):
 * ub_fd() becomes readable when answers are waiting, and ub_process()
 * hands them to the callback in this thread.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <unbound.h>

#include "check.h"
#include "dns.h"

struct query {
	char *name;
	int type;
	int id;			/* libunbound's async id, while pending */
	bool pending;
	bool done;
	long long deadline;	/* monotonic milliseconds */
	struct dns_ans ans;
};

struct dns {
	struct ub_ctx *ctx;
	unsigned timeout_ms;
	struct query **q;
	size_t n, cap;
	size_t pending;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const transparent[] = {
	"test. transparent", "invalid. transparent", "home.arpa. transparent",
	"2.0.192.in-addr.arpa. transparent",
	"100.51.198.in-addr.arpa. transparent",
	"113.0.203.in-addr.arpa. transparent",
	"8.b.d.0.1.0.0.2.ip6.arpa. transparent",
	NULL
};

struct dns *
dns_new(const char *resolver, unsigned timeout_ms, char *err, size_t errlen)
{
	struct dns *d = chk_xmalloc(sizeof(*d));
	size_t i;
	int r;

	memset(d, 0, sizeof(*d));
	d->timeout_ms = timeout_ms;
	if ((d->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "cannot create a libunbound context");
		free(d);
		return NULL;
	}
	if ((r = ub_ctx_async(d->ctx, 1)) != 0)
		goto fail;
	/* A resolver on loopback (a local unbound, or a test server) is
	 * refused by default: do-not-query-localhost covers forwarders. */
	if ((r = ub_ctx_set_option(d->ctx, "do-not-query-localhost:",
				   "no")) != 0)
		goto fail;
	/* The resolver answers for every name: libunbound's own answers
	 * for the reverse zones of private and documentation ranges, and
	 * for test. and invalid., are off (unblock-lan-zones, and the
	 * zones made transparent: in libunbound 1.17 "test. nodefault"
	 * does not take test. away).  A resolver may serve them on
	 * purpose: a test server, an internal view. */
	if ((r = ub_ctx_set_option(d->ctx, "unblock-lan-zones:", "yes")) != 0)
		goto fail;
	for (i = 0; transparent[i] != NULL; i++)
		if ((r = ub_ctx_set_option(d->ctx, "local-zone:",
					   transparent[i])) != 0)
			goto fail;
	if (resolver != NULL) {
		if ((r = ub_ctx_set_fwd(d->ctx, resolver)) != 0)
			goto fail;
	} else if ((r = ub_ctx_resolvconf(d->ctx, NULL)) != 0) {
		goto fail;
	}
	return d;
fail:
	snprintf(err, errlen, "resolver %s: %s",
		 resolver ? resolver : "/etc/resolv.conf", ub_strerror(r));
	ub_ctx_delete(d->ctx);
	free(d);
	return NULL;
}

static void
ans_clear(struct dns_ans *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->data[i]);
	free(a->data);
	a->data = NULL;
	a->n = 0;
}

void
dns_free(struct dns *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		if (d->q[i]->pending)
			(void)ub_cancel(d->ctx, d->q[i]->id);
	}
	ub_ctx_delete(d->ctx);
	for (i = 0; i < d->n; i++) {
		ans_clear(&d->q[i]->ans);
		free(d->q[i]->name);
		free(d->q[i]);
	}
	free(d->q);
	free(d);
}

/* A wire-format name (uncompressed, as libunbound hands rdata) as text
 * without the trailing dot; bytes other than letters, digits, '-' and
 * '_' as \DDD.  NULL if malformed. */
static char *
wire_name(const unsigned char *p, size_t len, size_t *used)
{
	char out[1100];
	size_t o = 0, i = 0;

	while (i < len && p[i] != 0) {
		size_t l = p[i++], k;

		if (l > 63 || i + l > len)
			return NULL;
		if (o > 0)
			out[o++] = '.';
		for (k = 0; k < l; k++) {
			unsigned char c = p[i + k];

			if (o + 5 >= sizeof(out))
				return NULL;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_')
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, 5, "\\%03u", c);
		}
		i += l;
	}
	if (i >= len)
		return NULL;
	out[o] = '\0';
	if (used != NULL)
		*used = i + 1;
	return chk_xstrdup(out);
}

/* One rdata as text, or NULL when it is malformed. */
static char *
rdata_text(int type, const unsigned char *p, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 8], *name, *s;
	size_t i, o;

	switch (type) {
	case T_A:
		if (len != 4 || !inet_ntop(AF_INET, p, buf, sizeof(buf)))
			return NULL;
		return chk_xstrdup(buf);
	case T_AAAA:
		if (len != 16 || !inet_ntop(AF_INET6, p, buf, sizeof(buf)))
			return NULL;
		return chk_xstrdup(buf);
	case T_PTR:
	case T_CNAME:
		return wire_name(p, len, NULL);
	case T_MX:
		if (len < 3 || (name = wire_name(p + 2, len - 2, NULL)) == NULL)
			return NULL;
		s = chk_xmalloc(strlen(name) + 8);
		sprintf(s, "%u %s", (unsigned)(p[0] << 8 | p[1]), name);
		free(name);
		return s;
	case T_TXT:
		s = chk_xmalloc(len + 1);
		for (i = 0, o = 0; i < len;) {
			size_t l = p[i++];

			if (i + l > len) {
				free(s);
				return NULL;
			}
			for (; l > 0; l--, i++)
				s[o++] = p[i] ? (char)p[i] : '?';
		}
		s[o] = '\0';
		return s;
	}
	return NULL;
}

static void
finish(struct query *q, int err, struct ub_result *res)
{
	struct dns_ans *a = &q->ans;
	int i;

	q->done = true;
	q->pending = false;
	if (err != 0) {
		a->status = DNS_ERROR;
		snprintf(a->why, sizeof(a->why), "%s", ub_strerror(err));
		return;
	}
	a->rcode = res->rcode;
	if (res->rcode == 3 || res->nxdomain) {
		a->status = DNS_NXDOMAIN;
	} else if (res->rcode != 0) {
		a->status = DNS_SERVFAIL;
		snprintf(a->why, sizeof(a->why), "%s (rcode %d)",
			 res->rcode == 2 ? "SERVFAIL" :
			 res->rcode == 5 ? "REFUSED" : "DNS error", res->rcode);
	} else {
		a->status = DNS_NODATA;
	}
	if (res->bogus)
		snprintf(a->why, sizeof(a->why), "DNSSEC bogus: %s",
			 res->why_bogus ? res->why_bogus : "?");
	for (i = 0; res->rcode == 0 && res->havedata && res->data[i]; i++) {
		char *t = rdata_text(q->type, (unsigned char *)res->data[i],
				     (size_t)res->len[i]);

		if (t == NULL)
			continue;
		a->data = chk_xrealloc(a->data, (a->n + 1) * sizeof(*a->data));
		a->data[a->n++] = t;
	}
	if (a->n > 0)
		a->status = DNS_OK;
}

static void
callback(void *arg, int err, struct ub_result *res)
{
	struct query *q = arg;

	finish(q, err, res);
	ub_resolve_free(res);
}

static struct query *
find(struct dns *d, const char *name, int type)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->q[i]->type == type && chk_name_eq(d->q[i]->name, name))
			return d->q[i];
	return NULL;
}

void
dns_want(struct dns *d, const char *name, int type)
{
	struct query *q;
	int r;

	if (find(d, name, type) != NULL)
		return;
	q = chk_xmalloc(sizeof(*q));
	memset(q, 0, sizeof(*q));
	q->name = chk_xstrdup(name);
	q->type = type;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->q = chk_xrealloc(d->q, d->cap * sizeof(*d->q));
	}
	d->q[d->n++] = q;
	q->deadline = now_ms() + d->timeout_ms;
	r = ub_resolve_async(d->ctx, name, type, 1, q, callback, &q->id);
	if (r != 0) {
		q->done = true;
		q->ans.status = DNS_ERROR;
		snprintf(q->ans.why, sizeof(q->ans.why), "%s", ub_strerror(r));
		return;
	}
	q->pending = true;
}

void
dns_run(struct dns *d)
{
	for (;;) {
		long long t, next = -1;
		struct pollfd pfd;
		size_t i;

		/* answers that came while we did something else are not
		 * late: take them before looking at the clock */
		if (ub_poll(d->ctx))
			(void)ub_process(d->ctx);
		t = now_ms();

		for (i = 0; i < d->n; i++) {
			struct query *q = d->q[i];

			if (!q->pending)
				continue;
			if (q->deadline <= t) {
				(void)ub_cancel(d->ctx, q->id);
				q->pending = false;
				q->done = true;
				q->ans.status = DNS_TIMEOUT;
				snprintf(q->ans.why, sizeof(q->ans.why),
					 "no answer within %u ms",
					 d->timeout_ms);
				continue;
			}
			if (next < 0 || q->deadline < next)
				next = q->deadline;
		}
		if (next < 0)
			return;
		pfd.fd = ub_fd(d->ctx);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(next - t)) > 0)
			(void)ub_process(d->ctx);
	}
}

const struct dns_ans *
dns_get(struct dns *d, const char *name, int type)
{
	struct query *q;

	dns_want(d, name, type);
	q = find(d, name, type);
	if (!q->done)
		dns_run(d);
	return &q->ans;
}

static const struct dns_ans *
src_get(void *arg, const char *name, int type)
{
	return dns_get(arg, name, type);
}

struct dns_src
dns_source(struct dns *d)
{
	struct dns_src s = { src_get, d };

	return s;
}
