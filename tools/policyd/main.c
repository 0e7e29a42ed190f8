/*
 * mailuser-policyd: per-user sending limits for Postfix, a policy
 * delegation server (SMTPD_POLICY_README) on the pam_mailuser store.
 *
 *   mailuser-policyd [-c conf] [-d db] [--listen unix:PATH |
 *                    --listen inet:ADDRESS:PORT] [--foreground]
 *
 * Without --listen it serves one connection on standard input and output
 * (Postfix spawn(8)).  With it: one process, one poll(2) loop, many
 * connections, each kept open between requests, each with a bounded
 * buffer (POL_REQ_MAX), an idle and a request timeout.  Root is needed
 * only to open the socket: then the process becomes the configured user.
 * SIGTERM ends it cleanly; SIGHUP reads the configuration again.
 */
#define _GNU_SOURCE		/* accept4, ppoll */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mu_error.h"
#include "mu_store.h"
#include "policyd.h"

#define LISTEN_MAX 4		/* --listen options */
#define BUF_FIRST 2048		/* a connection's buffer at first */

struct conn {
	int rfd, wfd;		/* the same socket, or stdin and stdout */
	char *buf;		/* what was read and not yet answered */
	size_t len, cap;
	struct pol_scan scan;
	char out[PD_ANSWER_MAX];	/* the answer being written */
	size_t out_len, out_off;
	int64_t last;		/* CLOCK_MONOTONIC ms of the last answer */
	int64_t started;	/* ... of a request's first byte, 0: none */
	bool eof;
};

struct listener {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static volatile sig_atomic_t got_term, got_hup;
static struct pd pd;
/* the request being answered: its attributes are large, and one is
 * answered at a time */
static struct pol_req req;

/* ---- logging (log.c) ---------------------------------------------- */

/* The store's sink: after an outage was logged, its further error lines
 * are dropped (one LOG_ERR per outage). */
static void
store_sink(void *arg, int prio, const char *fmt, va_list ap)
{
	struct pd *d = arg;

	if (prio <= LOG_ERR) {
		if (d->store_down)
			return;
		d->err_logged = true;
	}
	pd_vlog(d, prio, fmt, ap);
}

static void
core_sink(void *arg, int prio, const char *fmt, va_list ap)
{
	pd_vlog(arg, prio, fmt, ap);
}

/* ---- configuration ------------------------------------------------ */

/* Read the configuration into cfg and pc; 0, or -1 after logging why. */
static int
load(struct mu_config *cfg, struct pd_conf *pc)
{
	struct mu_log log = { core_sink, &pd, false };
	char why[1024];

	mu_config_defaults(cfg);
	pd_conf_defaults(pc);
	if (mu_config_load(cfg, pd.conf_path, pd.conf_given, &log) != MU_OK)
		return -1;
	if (pd.db_arg != NULL)
		snprintf(cfg->db, sizeof(cfg->db), "%s", pd.db_arg);
	if (mu_config_finish(cfg, &log) != MU_OK)
		return -1;
	if (pd_conf_read(pc, pd.conf_path, pd.conf_given, why,
			 sizeof(why)) != 0) {
		pd_log(&pd, LOG_ERR, "%s", why);
		return -1;
	}
	return 0;
}

static void
reload(void)
{
	struct mu_config cfg;
	struct pd_conf pc;
	bool was_stderr = pd_log_stderr;

	if (load(&cfg, &pc) != 0) {
		pd_log(&pd, LOG_ERR, "SIGHUP: the configuration has errors; "
		       "the old one stays");
		return;
	}
	if (strcmp(pc.user, pd.pc.user) != 0)
		pd_log(&pd, LOG_WARNING, "SIGHUP: user changed: takes effect "
		       "at the next start");
	snprintf(pc.user, sizeof(pc.user), "%s", pd.pc.user);
	pc.log_stderr = was_stderr;	/* where the log goes stays */
	pd.cfg = cfg;
	pd.pc = pc;
	pd.slog.debug = cfg.debug;
	pd_log(&pd, LOG_INFO, "SIGHUP: configuration read again");
}

/* ---- sockets ------------------------------------------------------ */

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A socket file left by a daemon that is gone is removed; one that
 * answers is another daemon's. */
static void
stale_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat sb;
	int fd;

	if (lstat(path, &sb) != 0 || !S_ISSOCK(sb.st_mode))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa,
			       sizeof(*sa)) == 0)
		errx(1, "%s: another daemon listens there", path);
	if (fd >= 0)
		close(fd);
	if (unlink(path) != 0)
		err(1, "%s: cannot remove the old socket", path);
}

static void
listen_unix(const char *path, struct listener *l)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		errx(2, "--listen unix:%s: an absolute path of at most %zu "
		     "bytes", path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	stale_socket(path, &sa);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(1, "socket");
	/* srw-rw-rw-, as Postfix's own: the directory decides who may
	 * connect (Postfix's private/ is the postfix user's alone) */
	old = umask(0111);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		err(1, "%s", path);
	umask(old);
	if (listen(fd, 128) != 0 || nonblock(fd) != 0)
		err(1, "%s", path);
	l->fd = fd;
	memcpy(l->path, path, strlen(path) + 1);
}

static void
listen_inet(const char *spec, struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char host[64], *colon, *end;
	long port;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	colon = strrchr(spec, ':');
	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
		errx(2, "--listen inet:%s: expected inet:ADDRESS:PORT", spec);
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 1 ||
	    port > 65535)
		errx(2, "--listen inet:%s: bad port", spec);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			errx(2, "--listen inet:%s: bad address", spec);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			errx(2, "--listen inet:%s: bad address (a numeric "
			     "IPv4 address, or [IPv6])", spec);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(1, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0
	    || nonblock(fd) != 0)
		err(1, "inet:%s", spec);
	l->fd = fd;
	l->path[0] = '\0';
}

/* ---- privileges --------------------------------------------------- */

static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;		/* started as the user already */
	if (user[0] == '\0')
		errx(1, "running as root: set \"user =\" in the [policyd] "
		     "section of %s (a user that may write the store)",
		     pd.conf_path);
	if ((pw = getpwnam(user)) == NULL)
		errx(1, "user %s: no such user", user);
	if (pw->pw_uid == 0)
		errx(1, "user %s: is root", user);
	if (initgroups(user, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		err(1, "cannot become user %s", user);
	if (setuid(0) == 0)
		errx(1, "could get root back after becoming %s", user);
}

/* ---- connections -------------------------------------------------- */

static struct conn *
conn_new(int rfd, int wfd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->buf = malloc(BUF_FIRST)) == NULL) {
		free(c);
		return NULL;
	}
	c->cap = BUF_FIRST;
	c->rfd = rfd;
	c->wfd = wfd;
	c->last = pd_now_ms();
	return c;
}

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	close(c->rfd);
	if (c->wfd != c->rfd)
		close(c->wfd);
	free(c->buf);
	free(c);
}

/* Answer the whole requests in the buffer, one at a time (the next is
 * looked at when the answer is written).  false: close (framing error). */
static bool
conn_work(struct conn *c)
{
	enum pol_status s;
	size_t end = 0;

	while (c->out_len == 0 && c->len > 0) {
		s = pol_scan(c->buf, c->len, &c->scan, &end);
		if (s == POL_MORE)
			break;
		if (s != POL_DONE) {
			pd_log(&pd, LOG_WARNING, "closing a connection: %s "
			       "(no answer, as the protocol says)",
			       pol_strerror(s));
			return false;
		}
		pol_split(c->buf, end, &req);
		pd_serve(&pd, &req, c->out, sizeof(c->out));
		c->out_len = strlen(c->out);
		c->out_off = 0;
		memmove(c->buf, c->buf + end, c->len - end);
		c->len -= end;
		pol_scan_reset(&c->scan);
		c->last = pd_now_ms();
		c->started = c->len > 0 ? c->last : 0;
	}
	return true;
}

/* Read what there is.  false: close. */
static bool
conn_read(struct conn *c)
{
	ssize_t n;

	if (c->len == c->cap) {
		size_t cap = c->cap * 2;
		char *nb;

		if (cap > POL_REQ_MAX)
			cap = POL_REQ_MAX;
		if (cap == c->cap)
			return conn_work(c);	/* pol_scan says POL_E_SIZE */
		if ((nb = realloc(c->buf, cap)) == NULL) {
			pd_log(&pd, LOG_ERR, "out of memory: closing a "
			       "connection");
			return false;
		}
		c->buf = nb;
		c->cap = cap;
	}
	n = read(c->rfd, c->buf + c->len, c->cap - c->len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0) {
		if (c->len > 0)
			pd_log(&pd, LOG_NOTICE, "a client closed the connection "
			       "in the middle of a request");
		c->eof = true;
		return false;
	}
	if (c->len == 0)
		c->started = pd_now_ms();
	c->len += (size_t)n;
	return conn_work(c);
}

/* Write what is left of the answer.  false: close. */
static bool
conn_write(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = write(c->wfd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return conn_work(c);
}

/* Past a deadline?  Then log and close. */
static bool
conn_expired(const struct conn *c, int64_t now)
{
	if (c->started != 0 &&
	    now - c->started >= (int64_t)pd.pc.request_timeout * 1000) {
		pd_log(&pd, LOG_NOTICE, "closing a connection: no whole "
		       "request within %u s", pd.pc.request_timeout);
		return true;
	}
	if (c->started == 0 && c->out_len == 0 &&
	    now - c->last >= (int64_t)pd.pc.idle_timeout * 1000)
		return true;	/* idle: Postfix connects again */
	return false;
}

static int64_t
conn_deadline(const struct conn *c)
{
	if (c->started != 0)
		return c->started + (int64_t)pd.pc.request_timeout * 1000;
	return c->last + (int64_t)pd.pc.idle_timeout * 1000;
}

/* ---- the loop ----------------------------------------------------- */

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
}

static void
signals(sigset_t *blocked)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* delivered only inside ppoll: no race with the checks */
	sigemptyset(blocked);
	sigaddset(blocked, SIGTERM);
	sigaddset(blocked, SIGINT);
	sigaddset(blocked, SIGHUP);
	sigprocmask(SIG_BLOCK, blocked, NULL);
}

/*
 * Serve until SIGTERM (or, with no listener, until the one connection
 * closes).  conns: an array of max slots, NULL where free.
 */
static void
serve(struct listener *ls, int nl, struct conn **conns, size_t max)
{
	struct pollfd *pfd = calloc((size_t)nl + max, sizeof(*pfd));
	struct conn **who = calloc((size_t)nl + max, sizeof(*who));
	sigset_t none;
	size_t i, nc = 0;

	if (pfd == NULL || who == NULL)
		errx(1, "out of memory");
	sigemptyset(&none);
	for (i = 0; i < max; i++)
		nc += conns[i] != NULL;
	while (!got_term && (nl > 0 || nc > 0)) {
		int64_t now = pd_now_ms(), next = now + 1000;
		struct timespec ts;
		size_t n = 0;
		int k, r;

		if (got_hup) {
			got_hup = 0;
			reload();
		}
		pd_children(&pd);
		for (k = 0; k < nl && nc < max; k++) {
			pfd[n] = (struct pollfd){ ls[k].fd, POLLIN, 0 };
			who[n++] = NULL;
		}
		for (i = 0; i < max; i++) {
			struct conn *c = conns[i];

			if (c == NULL)
				continue;
			if (conn_expired(c, now)) {
				conn_free(c);
				conns[i] = NULL;
				nc--;
				continue;
			}
			if (conn_deadline(c) < next)
				next = conn_deadline(c);
			if (c->out_len > 0)
				pfd[n] = (struct pollfd){ c->wfd, POLLOUT, 0 };
			else
				pfd[n] = (struct pollfd){ c->rfd, POLLIN, 0 };
			who[n++] = c;
		}
		if (nl == 0 && nc == 0)
			break;
		next = next > now ? next - now : 0;
		ts.tv_sec = next / 1000;
		ts.tv_nsec = (next % 1000) * 1000000;
		r = ppoll(pfd, n, &ts, &none);
		if (r < 0 && errno != EINTR)
			err(1, "poll");
		for (i = 0; r > 0 && i < n; i++) {
			struct conn *c = who[i];
			bool keep;

			if (pfd[i].revents == 0)
				continue;
			if (c == NULL) {
				int fd = accept4(pfd[i].fd, NULL, NULL,
						 SOCK_NONBLOCK | SOCK_CLOEXEC);
				size_t j;

				if (fd < 0)
					continue;
				for (j = 0; j < max && conns[j] != NULL; j++)
					;
				if (j == max || (conns[j] = conn_new(fd, fd)) ==
				    NULL) {
					close(fd);
					continue;
				}
				nc++;
				continue;
			}
			keep = c->out_len > 0 ? conn_write(c) : conn_read(c);
			if (keep && c->out_len > 0)
				keep = conn_write(c);
			if (!keep) {
				size_t j;

				for (j = 0; j < max && conns[j] != c; j++)
					;
				conn_free(c);
				conns[j] = NULL;
				nc--;
			}
		}
	}
	free(pfd);
	free(who);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-c conf] [-d db] [--listen unix:path | "
		"--listen inet:address:port] [--foreground]\n"
		"       %s --help | --version\n", PD_NAME, PD_NAME);
	exit(2);
}

static void
daemonize(void)
{
	int fd;

	switch (fork()) {
	case -1:
		err(1, "fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() < 0)
		err(1, "setsid");
	if (chdir("/") != 0)
		err(1, "/");
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		err(1, "/dev/null");
	dup2(fd, 0);
	dup2(fd, 1);
	if (!pd_log_stderr)
		dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct listener ls[LISTEN_MAX];
	const char *listen_spec[LISTEN_MAX];
	bool foreground = false;
	struct conn **conns;
	sigset_t blocked;
	size_t max;
	int c, nl = 0, k;

	pd.conf_path = MU_CONF_DEFAULT;
	while ((c = getopt_long(argc, argv, "c:d:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			pd.conf_path = optarg;
			pd.conf_given = true;
			break;
		case 'd':
			if (*optarg == '\0' || strlen(optarg) >= PATH_MAX)
				errx(2, "-d: empty or too long");
			pd.db_arg = optarg;
			break;
		case 'l':
			if (nl == LISTEN_MAX)
				errx(2, "at most %d --listen", LISTEN_MAX);
			listen_spec[nl++] = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			printf("usage: %s [-c conf] [-d db] [--listen unix:path "
			       "| --listen inet:address:port] [--foreground]\n",
			       PD_NAME);
			return 0;
		case 'V':
			printf("%s %s\n", PD_NAME, MU_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* the configuration first, on standard error when it has errors
	 * (and log = stderr is not known yet) */
	pd_log_stderr = true;
	if (load(&pd.cfg, &pd.pc) != 0)
		return 1;
	pd_log_stderr = pd.pc.log_stderr;
	if (!pd_log_stderr)
		openlog(PD_NAME, LOG_PID | LOG_NDELAY, LOG_MAIL);
	pd.slog = (struct mu_log){ store_sink, &pd, pd.cfg.debug };

	for (k = 0; k < nl; k++) {
		if (strncmp(listen_spec[k], "unix:", 5) == 0)
			listen_unix(listen_spec[k] + 5, &ls[k]);
		else if (strncmp(listen_spec[k], "inet:", 5) == 0)
			listen_inet(listen_spec[k] + 5, &ls[k]);
		else
			errx(2, "--listen %s: expected unix:PATH or "
			     "inet:ADDRESS:PORT", listen_spec[k]);
	}
	drop_privileges(pd.pc.user);
	if (nl > 0 && !foreground)
		daemonize();
	signals(&blocked);

	max = nl > 0 ? pd.pc.max_connections : 1;
	if ((conns = calloc(max, sizeof(*conns))) == NULL)
		errx(1, "out of memory");
	if (nl == 0) {
		/* spawn(8): one connection, standard input and output */
		if (nonblock(0) != 0 || nonblock(1) != 0 ||
		    (conns[0] = conn_new(0, 1)) == NULL)
			errx(1, "standard input and output");
	} else {
		pd_log(&pd, LOG_INFO, "started (%d socket%s)", nl,
		       nl == 1 ? "" : "s");
	}
	serve(ls, nl, conns, max);

	for (k = 0; k < nl; k++) {
		close(ls[k].fd);
		if (ls[k].path[0] != '\0' && unlink(ls[k].path) != 0 &&
		    errno != ENOENT)
			pd_log(&pd, LOG_NOTICE, "%s: not removed: %s",
			       ls[k].path, strerror(errno));
	}
	for (size_t i = 0; i < max; i++)
		conn_free(conns[i]);
	free(conns);
	if (nl > 0)
		pd_log(&pd, LOG_INFO, "stopped");
	return 0;
}
