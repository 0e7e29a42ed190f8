/*
 * The relay probe: connect, read the banner, EHLO, optionally XCLIENT
 * (Postfix: probe as another client address), MAIL FROM:<>, RCPT TO a
 * foreign address, then RSET and QUIT.  DATA is never sent, so no
 * message can leave, whatever the server accepts.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "dns.h"
#include "smtp.h"

struct conn {
	int fd;
	char buf[SMTP_LINE_MAX + 2];
	size_t len;
	char err[400];
};

bool
smtp_split_target(const char *target, char *host, size_t hlen, char *port,
		  size_t plen)
{
	const char *colon, *h = target, *end;
	size_t n;

	if (*target == '[') {
		if ((end = strchr(target, ']')) == NULL)
			return false;
		h = target + 1;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return false;
	} else {
		colon = strrchr(target, ':');
		if (colon != NULL && strchr(target, ':') != colon)
			colon = NULL;	/* a bare IPv6 address: no port */
		end = colon ? colon : target + strlen(target);
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= hlen)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (snprintf(port, plen, "%s", colon ? colon + 1 : "25") >= (int)plen)
		return false;
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    atoi(port) < 1 || atoi(port) > 65535)
		return false;
	return true;
}

static int
conn_open(struct conn *c, const char *host, const char *port,
	  unsigned timeout_ms)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv;
	int r, e = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(c->err, sizeof(c->err), "%.200s: %s", host,
			 gai_strerror(r));
		return -1;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	c->fd = -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			       ai->ai_protocol);
		if (c->fd < 0) {
			e = errno;
			continue;
		}
		/* on Linux SO_SNDTIMEO bounds connect() too */
		(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				 sizeof(tv));
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				 sizeof(tv));
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		snprintf(c->err, sizeof(c->err), "cannot connect to %.200s port %s: %s",
			 host, port, e == EINPROGRESS || e == EAGAIN ?
			 "timeout" : strerror(e));
		return -1;
	}
	c->len = 0;
	return 0;
}

/* One line without CR LF into line (NUL-terminated).  Its length, or
 * -1 (c->err says why). */
static long
conn_line(struct conn *c, char *line, size_t llen)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - c->buf);
			size_t t = l > 0 && c->buf[l - 1] == '\r' ? l - 1 : l;

			if (t >= llen)
				t = llen - 1;
			memcpy(line, c->buf, t);
			line[t] = '\0';
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return (long)t;
		}
		if (c->len >= sizeof(c->buf) - 1) {
			snprintf(c->err, sizeof(c->err), "reply line too long");
			return -1;
		}
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
		if (n <= 0) {
			snprintf(c->err, sizeof(c->err), "%s",
				 n == 0 ? "connection closed by the server" :
				 errno == EAGAIN ? "no reply (timeout)" :
				 strerror(errno));
			return -1;
		}
		c->len += (size_t)n;
	}
}

static int
conn_reply(struct conn *c, struct smtp_reply *r)
{
	char line[SMTP_LINE_MAX + 1];
	long n;
	int k;

	smtp_reply_init(r);
	do {
		if ((n = conn_line(c, line, sizeof(line))) < 0)
			return -1;
		if ((k = smtp_reply_line(r, line, (size_t)n)) < 0) {
			snprintf(c->err, sizeof(c->err),
				 "not an SMTP reply: \"%.60s\"", line);
			return -1;
		}
	} while (k == 0);
	return 0;
}

static int
conn_cmd(struct conn *c, struct smtp_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
conn_cmd(struct conn *c, struct smtp_reply *r, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2) {
		snprintf(c->err, sizeof(c->err), "command too long");
		return -1;
	}
	memcpy(buf + n, "\r\n", 2);
	if (send(c->fd, buf, (size_t)n + 2, MSG_NOSIGNAL) != n + 2) {
		snprintf(c->err, sizeof(c->err), "send: %s", strerror(errno));
		return -1;
	}
	return conn_reply(c, r);
}

/* "CODE first line of text" */
static const char *
brief(const struct smtp_reply *r)
{
	static char buf[300];
	size_t n = strcspn(r->text, "\n");

	snprintf(buf, sizeof(buf), "%d %.*s", r->code, (int)(n > 250 ? 250 : n),
		 r->text);
	return buf;
}

static bool
same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa = dns_ip_family(a), fb = dns_ip_family(b);

	if (fa == 0 || fa != fb)
		return false;
	inet_pton(fa == 4 ? AF_INET : AF_INET6, a, x);
	inet_pton(fb == 4 ? AF_INET : AF_INET6, b, y);
	return memcmp(x, y, fa == 4 ? 4 : 16) == 0;
}

/* Our address on the connection: what the server sees, NAT aside. */
static void
local_addr(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const void *p = NULL;

	snprintf(out, len, "?");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET)
		p = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		p = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (p != NULL)
		inet_ntop(ss.ss_family, p, out, (socklen_t)len);
	if (strncmp(out, "::ffff:", 7) == 0 && strchr(out, '.') != NULL)
		memmove(out, out + 7, strlen(out + 7) + 1);
}

/* Is a the server itself: loopback or one of its --ip addresses?  Such
 * a client is usually in mynetworks, so a relay it gets proves
 * nothing. */
static bool
is_own(const char *a, const struct strlist *own)
{
	size_t i;

	if (strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0)
		return true;
	for (i = 0; own != NULL && i < own->n; i++)
		if (same_addr(a, own->v[i]))
			return true;
	return false;
}

static void
names(const struct smtp_probe *p, struct report *rep, const char *target,
      const char *banner, const char *ehlo)
{
	if (p->host != NULL && (!chk_name_eq(banner, p->host) ||
				!chk_name_eq(ehlo, p->host)))
		report_add(rep, "smtp-name", target, V_WARN,
			   "banner name %s, EHLO name %s: not the host name %s",
			   banner, ehlo, p->host);
	else if (!chk_name_eq(banner, ehlo))
		report_add(rep, "smtp-name", target, V_WARN,
			   "banner name %s is not the EHLO name %s", banner,
			   ehlo);
	else if (strchr(banner, '.') == NULL)
		report_add(rep, "smtp-name", target, V_WARN,
			   "%s is not a fully qualified name", banner);
	else
		report_add(rep, "smtp-name", target, V_OK,
			   "banner and EHLO name %s", banner);
}

void
smtp_check(const struct smtp_probe *p, struct report *rep, char *banner,
	   size_t blen)
{
	struct conn c;
	struct smtp_reply r, ehlo;
	char host[256], port[8], seen[64], xparams[200], ehloname[256];
	const char *how = "the connection's source address";
	bool tls, auth;

	*banner = '\0';
	smtp_reply_init(&r);
	smtp_reply_init(&ehlo);
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	if (!smtp_split_target(p->target, host, sizeof(host), port,
			       sizeof(port))) {
		report_add(rep, "relay", p->target, V_UNKNOWN,
			   "not HOST[:PORT]");
		return;
	}
	if (strcmp(port, "465") == 0) {
		report_add(rep, "relay", p->target, V_UNKNOWN,
			   "port 465 speaks TLS from the first byte: probe "
			   "port 25 (or 587) instead");
		return;
	}
	if (conn_open(&c, host, port, p->timeout_ms) != 0) {
		report_add(rep, "relay", p->target, V_UNKNOWN, "%s", c.err);
		return;
	}
	if (conn_reply(&c, &r) != 0) {
		report_add(rep, "relay", p->target, V_UNKNOWN, "banner: %s",
			   c.err);
		goto out;
	}
	smtp_first_word(&r, banner, blen);
	if (r.code != 220) {
		report_add(rep, "relay", p->target, V_UNKNOWN,
			   "the server refuses this client: %s", brief(&r));
		goto out;
	}
	if (conn_cmd(&c, &ehlo, "EHLO %s", p->helo) != 0 ||
	    ehlo.code / 100 != 2) {
		report_add(rep, "relay", p->target, V_UNKNOWN, "EHLO: %s",
			   ehlo.code ? brief(&ehlo) : c.err);
		goto out;
	}
	local_addr(c.fd, seen, sizeof(seen));
	if (p->xclient != NULL) {
		bool v6 = dns_ip_family(p->xclient) == 6;

		if (!smtp_ehlo_has(&ehlo, "XCLIENT", xparams,
				   sizeof(xparams))) {
			report_add(rep, "relay", p->target, V_UNKNOWN,
				   "XCLIENT is not offered to %s (Postfix: "
				   "smtpd_authorized_xclient_hosts)", seen);
			goto out;
		}
		if (conn_cmd(&c, &r, "XCLIENT ADDR=%s%s%s", v6 ? "IPV6:" : "",
			     p->xclient, strstr(xparams, "NAME") ?
			     " NAME=[UNAVAILABLE]" : "") != 0 ||
		    r.code / 100 != 2) {
			report_add(rep, "relay", p->target, V_UNKNOWN,
				   "XCLIENT ADDR=%s refused: %s", p->xclient,
				   r.code ? brief(&r) : c.err);
			goto out;
		}
		/* a new session: greet again */
		if (conn_cmd(&c, &ehlo, "EHLO %s", p->helo) != 0 ||
		    ehlo.code / 100 != 2) {
			report_add(rep, "relay", p->target, V_UNKNOWN,
				   "EHLO after XCLIENT: %s",
				   ehlo.code ? brief(&ehlo) : c.err);
			goto out;
		}
		snprintf(seen, sizeof(seen), "%s", p->xclient);
		how = "XCLIENT";
	}
	smtp_first_word(&ehlo, ehloname, sizeof(ehloname));
	names(p, rep, p->target, banner, ehloname);
	auth = smtp_ehlo_has(&ehlo, "AUTH", NULL, 0);
	tls = smtp_ehlo_has(&ehlo, "STARTTLS", NULL, 0);
	if (auth && tls)
		report_add(rep, "smtp-auth", p->target, V_WARN,
			   "AUTH offered before STARTTLS: passwords may be "
			   "sent in clear (Postfix: smtpd_tls_auth_only = yes)");
	else if (auth)
		report_add(rep, "smtp-auth", p->target, V_WARN,
			   "AUTH offered and no STARTTLS: passwords are sent "
			   "in clear");
	else
		report_add(rep, "smtp-auth", p->target, V_OK,
			   "no AUTH before STARTTLS");
	if (conn_cmd(&c, &r, "MAIL FROM:<>") != 0 || r.code / 100 != 2) {
		report_add(rep, "relay", p->target, V_UNKNOWN,
			   "MAIL FROM:<> not accepted, relay not tested: %s",
			   r.code ? brief(&r) : c.err);
		goto out;
	}
	if (conn_cmd(&c, &r, "RCPT TO:<%s>", p->rcpt) != 0) {
		report_add(rep, "relay", p->target, V_UNKNOWN, "RCPT: %s",
			   c.err);
		goto out;
	}
	if (r.code / 100 == 5)
		report_add(rep, "relay", p->target, V_OK,
			   "no open relay: RCPT TO:<%s> refused (%s); the "
			   "server saw %s (%s)", p->rcpt, brief(&r), seen, how);
	else if (p->xclient == NULL && is_own(seen, p->own_ips))
		report_add(rep, "relay", p->target, V_WARN,
			   "RCPT TO:<%s> accepted (%s) from %s, the server "
			   "itself, which mynetworks usually trusts: probe as "
			   "an outside address (--xclient) or from outside",
			   p->rcpt, brief(&r), seen);
	else
		report_add(rep, "relay", p->target, V_FAIL,
			   "OPEN RELAY: RCPT TO:<%s> without AUTH answered %s; "
			   "the server saw %s (%s)", p->rcpt, brief(&r), seen,
			   how);
	(void)conn_cmd(&c, &r, "RSET");
	(void)conn_cmd(&c, &r, "QUIT");
	c.fd = -1 - c.fd;	/* QUIT sent: nothing more to say */
out:
	if (c.fd >= 0)		/* stopped early: say goodbye, unanswered */
		(void)send(c.fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
	if (c.fd < -1)
		c.fd = -1 - c.fd;
	if (c.fd >= 0)
		close(c.fd);
}
