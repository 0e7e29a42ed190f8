/*
 * bench_policyd: a load generator for Postfix policy servers (make bench,
 * tests/bench/policyd.sh).  Each of -c connections is one smtpd process
 * of Postfix: it keeps its connection open and sends, for one message
 * after the other, what Postfix sends when check_policy_service is in
 * smtpd_recipient_restrictions and smtpd_end_of_data_restrictions: one
 * RCPT request per recipient, then one END-OF-MESSAGE request with
 * recipient_count, each with the attributes of Postfix 3.7, the message's
 * own "instance" and an authenticated sender (sasl_username) drawn from
 * -u users.  A request is sent when the answer to the one before has
 * come (Postfix waits for it too): the time from the first byte sent to
 * the end of the answer is its latency.
 *
 *   bench_policyd [-A] [-c CONNS] [-d SECONDS] [-n REQUESTS] [-r RATE]
 *                 [-u USERS] [-D DOMAIN] [-s SEED] [-l LABEL] SOCKET
 *
 * -r: RATE requests a second in all, each connection sending its own
 * share at fixed times (an open load, as independent clients make it)
 * instead of at once after each answer (a closed load, which measures
 * the most the server can do).  A request that has to wait for the
 * answer to the one before counts its latency from its own time, not
 * from when it could be sent (no coordinated omission).
 *
 * -A: no sasl_username (mail from outside): a server that looks only at
 * authenticated mail answers without its store, which measures its
 * protocol and event loop alone.
 *
 * The requests depend only on -u, -D, -s and the connection's number:
 * two servers given the same options get the same requests, in the same
 * order on each connection.  Each connection stops after -d seconds
 * (default 10) or -n requests (default: no limit), whichever is first.
 *
 * Output: one line of "key=value" fields (label, conns, requests,
 * seconds, rps, p50_ms, p90_ms, p99_ms, max_ms, and the answers:
 * dunno, defer, other, closed), for the script to read.  Exit 1 when a
 * connection failed or was closed by the server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* latency histogram: 1 us bins to 10 ms, then 100 us bins to 2 s; the
 * last bin holds what is longer */
#define FINE_US 10000
#define HIST_BINS (FINE_US + (2000000 - FINE_US) / 100)
#define REQ_MAX 4096

struct conn {
	int id;
	pthread_t th;
	uint64_t rng;
	uint64_t *hist;		/* HIST_BINS + 1 bins */
	uint64_t n, dunno, defer, other, max_ns;
	int closed;		/* the server closed, or an error */
	char err[160];
};

static const char *sock_path;
static const char *domain = "bench.example";
static long users = 100000, max_req = 0;
static double seconds = 10;
static uint64_t seed = 1;
static int anonymous;
static double rate;		/* requests/s in all, 0: closed load */
static struct timespec t_start, t_end;
static int conns_n;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long
bin_of(uint64_t us)
{
	if (us < FINE_US)
		return (long)us;
	us = FINE_US + (us - FINE_US) / 100;
	return us < HIST_BINS ? (long)us : HIST_BINS;
}

/* the middle of bin b, in ms */
static double
ms_of(long b)
{
	if (b < FINE_US)
		return (b + 0.5) / 1000.0;
	return (FINE_US + (b - FINE_US) * 100.0 + 50) / 1000.0;
}

/* splitmix64: the same numbers everywhere for a seed */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Recipients of a message: mostly one, sometimes a few, rarely many. */
static int
rcpts_of(uint64_t r)
{
	unsigned p = (unsigned)(r % 100);

	if (p < 70)
		return 1;
	if (p < 85)
		return 2;
	if (p < 95)
		return 3 + (int)(r / 100 % 3);
	return 10;
}

static int
put_request(char *buf, size_t sz, const char *state, const char *user,
	    const char *instance, const char *queue_id, int rcpt_no,
	    int rcount, int conn)
{
	char rcpt[128];

	if (rcpt_no > 0)
		snprintf(rcpt, sizeof(rcpt), "r%d.%s@foreign.example", rcpt_no,
			 instance);
	else
		rcpt[0] = '\0';
	return snprintf(buf, sz,
	    "request=smtpd_access_policy\n"
	    "protocol_state=%s\n"
	    "protocol_name=ESMTP\n"
	    "helo_name=client%d.example.net\n"
	    "queue_id=%s\n"
	    "sender=%s\n"
	    "recipient=%s\n"
	    "recipient_count=%d\n"
	    "client_address=198.51.100.%d\n"
	    "client_name=client%d.example.net\n"
	    "client_port=%d\n"
	    "reverse_client_name=client%d.example.net\n"
	    "instance=%s\n"
	    "sasl_method=PLAIN\n"
	    "sasl_username=%s\n"
	    "sasl_sender=\n"
	    "size=%d\n"
	    "ccert_subject=\n"
	    "ccert_issuer=\n"
	    "ccert_fingerprint=\n"
	    "ccert_pubkey_fingerprint=\n"
	    "encryption_protocol=TLSv1.3\n"
	    "encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	    "encryption_keysize=256\n"
	    "etrn_domain=\n"
	    "stress=\n"
	    "server_address=192.0.2.25\n"
	    "server_port=587\n"
	    "policy_context=\n"
	    "compatibility_level=3.6\n"
	    "mail_version=3.7.11\n"
	    "\n",
	    state, conn, queue_id, user, rcpt, rcount, conn % 250 + 1, conn,
	    40000 + conn, conn, instance, anonymous ? "" : user,
	    strcmp(state, "END-OF-MESSAGE") == 0 ? 4096 : 0);
}

/* Send one request, read its answer ("...\n\n"), classify it; its
 * latency from t0. */
static int
one(struct conn *c, int fd, const char *req, int len, uint64_t t0)
{
	char ans[1024];
	size_t got = 0;
	uint64_t dt;
	ssize_t n;
	int off = 0;

	while (off < len) {
		n = write(fd, req + off, (size_t)(len - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(c->err, sizeof(c->err), "write: %s",
				 strerror(errno));
			return -1;
		}
		off += (int)n;
	}
	for (;;) {
		n = read(fd, ans + got, sizeof(ans) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(c->err, sizeof(c->err), "%s",
				 n == 0 ? "closed by the server" :
				 strerror(errno));
			return -1;
		}
		got += (size_t)n;
		ans[got] = '\0';
		if (got >= 2 && ans[got - 1] == '\n' && ans[got - 2] == '\n')
			break;
		if (got == sizeof(ans) - 1) {
			snprintf(c->err, sizeof(c->err), "answer too long");
			return -1;
		}
	}
	dt = now_ns() - t0;
	c->hist[bin_of(dt / 1000)]++;
	if (dt > c->max_ns)
		c->max_ns = dt;
	c->n++;
	if (strncasecmp(ans, "action=dunno\n", 13) == 0)
		c->dunno++;
	else if (strncasecmp(ans, "action=defer_if_permit", 22) == 0)
		c->defer++;
	else
		c->other++;
	return 0;
}

static void *
run(void *arg)
{
	struct conn *c = arg;
	struct sockaddr_un sa;
	uint64_t stop;
	char req[REQ_MAX], user[128], inst[64], qid[32];
	uint64_t gap = 0, next = 0, t0;
	long msg = 0;
	int fd, len, k, i;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(c->err, sizeof(c->err), "connect %s: %s", sock_path,
			 strerror(errno));
		c->closed = 1;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	stop = now_ns() + (uint64_t)(seconds * 1e9);
	if (rate > 0) {
		/* this connection's share, its first request at a random
		 * point of its first interval */
		gap = (uint64_t)(1e9 * conns_n / rate);
		next = now_ns() + rnd(&c->rng) % gap;
	}
	for (;;) {
		uint64_t r = rnd(&c->rng);

		/* u0000001@DOMAIN .. uUSERS: the bench stores' names */
		snprintf(user, sizeof(user), "u%07ld@%s",
			 (long)(r % (uint64_t)users) + 1, domain);
		k = rcpts_of(rnd(&c->rng));
		msg++;
		snprintf(inst, sizeof(inst), "%x.%lx.%lx.%x", 4000 + c->id,
			 (long)seed, msg, k);
		snprintf(qid, sizeof(qid), "%04X%06lX", c->id, msg & 0xffffff);
		for (i = 0; i <= k; i++) {
			if (i < k)
				len = put_request(req, sizeof(req), "RCPT", user,
						  inst, "", i + 1, 0, c->id);
			else
				len = put_request(req, sizeof(req),
						  "END-OF-MESSAGE", user, inst,
						  qid, 0, k, c->id);
			t0 = now_ns();
			if (rate > 0) {
				while (t0 < next) {
					struct timespec ts = {
						(time_t)((next - t0) / 1000000000ULL),
						(long)((next - t0) % 1000000000ULL) };

					nanosleep(&ts, NULL);
					t0 = now_ns();
				}
				t0 = next;
				next += gap;
			}
			if (one(c, fd, req, len, t0) != 0) {
				c->closed = 1;
				close(fd);
				return NULL;
			}
			if ((max_req > 0 && (long)c->n >= max_req) ||
			    now_ns() >= stop) {
				close(fd);
				return NULL;
			}
		}
	}
}

static double
pct(const uint64_t *h, uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p * (double)total), sum = 0;
	long i;

	if (want == 0)
		want = 1;
	for (i = 0; i <= HIST_BINS; i++) {
		sum += h[i];
		if (sum >= want)
			return ms_of(i);
	}
	return ms_of(HIST_BINS);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bench_policyd [-A] [-c conns] [-d seconds] "
		"[-n requests] [-r rate] [-u users] [-D domain] [-s seed] [-l label] "
		"socket\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *label = "server";
	struct conn *cs;
	uint64_t *hist, n = 0, dunno = 0, defer = 0, other = 0, mx = 0;
	int conns = 16, o, i, bad = 0;
	double secs;

	while ((o = getopt(argc, argv, "Ac:d:n:r:u:D:s:l:")) != -1) {
		switch (o) {
		case 'A':
			anonymous = 1;
			break;
		case 'c':
			conns = atoi(optarg);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'n':
			max_req = atol(optarg);
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 'u':
			users = atol(optarg);
			break;
		case 'D':
			domain = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			label = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || conns < 1 || conns > 1024 || users < 1 ||
	    seconds <= 0)
		usage();
	sock_path = argv[optind];
	conns_n = conns;
	cs = calloc((size_t)conns, sizeof(*cs));
	hist = calloc(HIST_BINS + 1, sizeof(*hist));
	if (cs == NULL || hist == NULL)
		return 1;
	for (i = 0; i < conns; i++) {
		cs[i].id = i;
		cs[i].rng = seed * 1000003ULL + (uint64_t)i;
		if ((cs[i].hist = calloc(HIST_BINS + 1, sizeof(uint64_t))) == NULL)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	for (i = 0; i < conns; i++)
		if (pthread_create(&cs[i].th, NULL, run, &cs[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (i = 0; i < conns; i++)
		pthread_join(cs[i].th, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	secs = (double)(t_end.tv_sec - t_start.tv_sec) +
	    (double)(t_end.tv_nsec - t_start.tv_nsec) / 1e9;
	for (i = 0; i < conns; i++) {
		long b;

		for (b = 0; b <= HIST_BINS; b++)
			hist[b] += cs[i].hist[b];
		n += cs[i].n;
		dunno += cs[i].dunno;
		defer += cs[i].defer;
		other += cs[i].other;
		if (cs[i].max_ns > mx)
			mx = cs[i].max_ns;
		if (cs[i].closed) {
			bad++;
			fprintf(stderr, "bench_policyd: %s: connection %d: %s\n",
				label, i, cs[i].err);
		}
	}
	printf("label=%s conns=%d rate=%.0f requests=%llu seconds=%.2f rps=%.0f "
	       "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f dunno=%llu "
	       "defer=%llu other=%llu closed=%d\n", label, conns, rate,
	       (unsigned long long)n, secs, secs > 0 ? (double)n / secs : 0,
	       n ? pct(hist, n, 0.50) : 0, n ? pct(hist, n, 0.90) : 0,
	       n ? pct(hist, n, 0.99) : 0, (double)mx / 1e6,
	       (unsigned long long)dunno, (unsigned long long)defer,
	       (unsigned long long)other, bad);
	return bad ? 1 : 0;
}
