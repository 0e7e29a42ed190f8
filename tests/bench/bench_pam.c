/*
 * bench_pam: PAM logins the way a Dovecot auth worker does them, timed,
 * for several PAM services side by side.
 *
 *   bench_pam run -d CONFDIR [-t TITLE] [-u PREFIX] [-D DOMAIN] [-N USERS]
 *                 [-k TAIL] [-p PASSWORD | -x] [-w WORKERS] [-n LOGINS]
 *                 [-r ROUNDS] [-e CODES] [-o TSV] [-C CASE] [-S FILE]
 *                 [-H HASH] [-P CONNINFO] SERVICE=LABEL ...
 *   bench_pam hash METHOD COST PASSWORD
 *
 * Per login, as Dovecot's passdb pam does: pam_start_confdir, PAM_RHOST
 * (one address per worker), PAM_RUSER (the user), PAM_TTY "dovecot",
 * pam_authenticate(0), pam_acct_mgmt(0) after a successful auth, pam_end.
 * The conversation answers every echo-off prompt with the password.  A
 * login's time runs from pam_start to the return of pam_end.
 *
 * Users are PREFIX0000001@DOMAIN .. PREFIX<USERS>@DOMAIN (seven digits);
 * each login takes the next of the last TAIL of them (all by default),
 * walking backwards from the last, so a flat file is read to its end.
 * -x gives every login its own wrong password, of the same length as
 * PASSWORD: the cost of a crypt(3) hash depends on the password's length
 * (sha512crypt takes half again as long from 16 bytes on as at 15), so a
 * shorter wrong password would look cheaper than a right one.
 *
 * WORKERS processes are forked, wait on one pipe, and start together
 * when the parent closes it; each does LOGINS logins, or with -S fewer:
 * a worker stops before its next login once FILE exists (a script makes
 * it when the work measured beside the logins is over).  That is one
 * batch.  Each of ROUNDS rounds runs one batch per service, the order
 * rotated every round, so all services share the machine's drift.
 *
 * Printed: one table for the case with p50, p99 and max latency, throughput
 * (logins per second of batch wall time), the CPU time of the workers
 * per login (user + system, from getrusage), the PAM result codes counted,
 * and "errors": results not among the expected CODES (comma-separated
 * names: success, auth_err, user_unknown, ...; default success).  Then
 * the ratios of the first service's p50 to each other's.  With -o, one
 * tab-separated line per service is appended to TSV:
 *   case label p50_ms p99_ms logins_per_s logins errors authinfo_unavail
 *   results (as printed: "success=500 ...") cpu_ms_per_login max_ms
 * Exit status 0 when there were no errors, 1 when there were, 2 on usage
 * or setup failure.
 *
 * A SERVICE that starts with "@" is not a PAM service but a floor timed
 * the same way, in the same rounds:
 *   @crypt      one crypt_rn(password, HASH) of -H HASH (the bare hash a
 *               login computes; success when it matches, else auth_err)
 *   @pgping     one PQexecPrepared of "SELECT 1" on the connection of
 *               -P CONNINFO (the bare round trip to PostgreSQL)
 *   @pglookup   one PQexecPrepared of the module's user lookup (the
 *               statement of pam_mailuser/store/user.c) for the login's
 *               user: success when it finds the row, else user_unknown
 * Like the module, which keeps its store across PAM transactions, a
 * worker connects at its first @pg login and keeps the connection, with
 * the statement prepared then, to its end.  libpq is loaded with dlopen
 * at the first use, so that bench_pam needs it only for those.
 *
 * hash prints a crypt(3) string of METHOD (a libxcrypt prefix name:
 * sha512crypt, yescrypt, ...) and COST (0 for the default), for building
 * fixtures.
 */
#include <crypt.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_SERVICES 12
#define MAX_WORKERS 256
#define NAME_MAX_LEN 320

struct result {
	uint32_t usec_x10;	/* latency in units of 0.1 us */
	int32_t code;		/* PAM result of the transaction, or
				 * NOT_RUN */
};

#define NOT_RUN (-2)		/* stopped by -S before this login */

struct service {
	const char *name;	/* PAM service file in the confdir */
	const char *label;	/* printed */
	uint32_t *lat;		/* all latencies, all rounds */
	size_t nlat;
	double wall;		/* seconds of batch wall time, summed */
	double cpu;		/* seconds of worker CPU time, summed */
	unsigned long codes[64];
	unsigned long errors;
};

struct opts {
	const char *confdir, *title, *prefix, *domain, *password, *tsv;
	const char *casename, *stop, *hash, *conninfo;
	unsigned long users, tail, workers, logins, rounds;
	bool wrong;
	bool expect[64];
};

static const struct {
	const char *name;
	int code;
} codenames[] = {
	{ "success", PAM_SUCCESS },
	{ "open_err", PAM_OPEN_ERR },
	{ "symbol_err", PAM_SYMBOL_ERR },
	{ "service_err", PAM_SERVICE_ERR },
	{ "system_err", PAM_SYSTEM_ERR },
	{ "buf_err", PAM_BUF_ERR },
	{ "perm_denied", PAM_PERM_DENIED },
	{ "auth_err", PAM_AUTH_ERR },
	{ "cred_insufficient", PAM_CRED_INSUFFICIENT },
	{ "authinfo_unavail", PAM_AUTHINFO_UNAVAIL },
	{ "user_unknown", PAM_USER_UNKNOWN },
	{ "maxtries", PAM_MAXTRIES },
	{ "new_authtok_reqd", PAM_NEW_AUTHTOK_REQD },
	{ "acct_expired", PAM_ACCT_EXPIRED },
	{ "conv_err", PAM_CONV_ERR },
	{ "abort", PAM_ABORT },
	{ "ignore", PAM_IGNORE },
};

#define NCODENAMES (sizeof(codenames) / sizeof(codenames[0]))

/* The password of the login in progress, for the conversation. */
static char password[512];

static const char *
code_name(int code)
{
	size_t i;

	for (i = 0; i < NCODENAMES; i++)
		if (codenames[i].code == code)
			return codenames[i].name;
	return "other";
}

static int
code_parse(const char *s)
{
	size_t i;

	for (i = 0; i < NCODENAMES; i++)
		if (strcmp(codenames[i].name, s) == 0)
			return codenames[i].code;
	return -1;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *arg)
{
	struct pam_response *r;
	int i;

	(void)arg;
	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		if ((r[i].resp = strdup(password)) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A wrong password as long as pw, different for every login and every
 * run (so that none is a repeat of an earlier one for the same user): pw
 * with its first byte changed and its last bytes replaced by the login's
 * sequence number and the worker's process id, in base 36. */
static void
wrong_password(const char *pw, unsigned long seq, char *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned long long v = ((unsigned long long)seq << 22) |
	    ((unsigned long long)getpid() & 0x3fffff);
	size_t n = strlen(pw), i;

	memcpy(out, pw, n + 1);
	out[0] = out[0] == '#' ? '%' : '#';
	for (i = n; i > 1 && v > 0; i--, v /= 36)
		out[i - 1] = digits[v % 36];
}

/* ---- floors: the bare hash and bare PostgreSQL round trips ------------ */

/* The few libpq calls used, loaded with dlopen (bench_pam is linked with
 * libpam and libcrypt only). */
static struct {
	void *(*connectdb)(const char *);
	int (*status)(const void *);
	char *(*errormessage)(const void *);
	void *(*prepare)(void *, const char *, const char *, int,
			 const unsigned int *);
	void *(*execprepared)(void *, const char *, int, const char *const *,
			      const int *, const int *, int);
	int (*resultstatus)(const void *);
	int (*ntuples)(const void *);
	void (*clear)(void *);
	void (*finish)(void *);
} pq;

#define PGRES_COMMAND_OK 1
#define PGRES_TUPLES_OK 2

static void *pg_conn;	/* this worker's connection, kept */

static const char lookup_sql[] =
    "SELECT u.id, u.name, u.hash, u.disabled, d.disabled, u.expires, "
    "u.pw_changed, u.force_change, "
    "CASE WHEN u.locked_at IS NULL THEN 0 ELSE 1 END, "
    "coalesce(u.max_days, d.max_days, -1), "
    "coalesce(u.min_days, d.min_days, -1), "
    "coalesce(u.warn_days, d.warn_days, -1), "
    "coalesce(u.grace_days, d.grace_days, -1) "
    "FROM users u JOIN domains d ON d.id = u.domain_id "
    "WHERE u.name = $1";

static int
pq_load(void)
{
	void *h;

	if (pq.connectdb != NULL)
		return 0;
	if ((h = dlopen("libpq.so.5", RTLD_NOW)) == NULL) {
		fprintf(stderr, "bench_pam: %s\n", dlerror());
		return -1;
	}
#define SYM(f, n) \
	if ((*(void **)&pq.f = dlsym(h, n)) == NULL) { \
		fprintf(stderr, "bench_pam: libpq lacks %s\n", n); \
		return -1; \
	}
	SYM(status, "PQstatus");
	SYM(errormessage, "PQerrorMessage");
	SYM(prepare, "PQprepare");
	SYM(execprepared, "PQexecPrepared");
	SYM(resultstatus, "PQresultStatus");
	SYM(ntuples, "PQntuples");
	SYM(clear, "PQclear");
	SYM(finish, "PQfinish");
	SYM(connectdb, "PQconnectdb");
#undef SYM
	return 0;
}

/* The worker's connection, with both statements prepared; NULL when it
 * cannot be had (said once). */
static void *
pg_get(const struct opts *o)
{
	void *r;
	int ok;

	if (pg_conn != NULL)
		return pg_conn;
	if (o->conninfo == NULL || pq_load() != 0)
		return NULL;
	pg_conn = pq.connectdb(o->conninfo);
	if (pg_conn == NULL || pq.status(pg_conn) != 0) {
		fprintf(stderr, "bench_pam: PostgreSQL: %s",
			pg_conn != NULL ? pq.errormessage(pg_conn) : "no memory\n");
		goto fail;
	}
	r = pq.prepare(pg_conn, "ping", "SELECT 1", 0, NULL);
	ok = r != NULL && pq.resultstatus(r) == PGRES_COMMAND_OK;
	pq.clear(r);
	r = ok ? pq.prepare(pg_conn, "lookup", lookup_sql, 1, NULL) : NULL;
	ok = r != NULL && pq.resultstatus(r) == PGRES_COMMAND_OK;
	pq.clear(r);
	if (ok)
		return pg_conn;
	fprintf(stderr, "bench_pam: PostgreSQL: prepare: %s",
		pq.errormessage(pg_conn));
fail:
	if (pg_conn != NULL)
		pq.finish(pg_conn);
	pg_conn = NULL;
	return NULL;
}

/* One "login" of a floor service; returns a PAM code. */
static int
floor_login(const struct opts *o, const char *service, const char *user)
{
	static struct crypt_data cd;
	const char *h;
	void *c, *r;
	int code;

	if (strcmp(service, "@crypt") == 0) {
		if (o->hash == NULL)
			return PAM_SERVICE_ERR;
		h = crypt_rn(password, o->hash, &cd, (int)sizeof(cd));
		if (h == NULL || h[0] == '*')
			return PAM_SYSTEM_ERR;
		return strcmp(h, o->hash) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
	}
	if (strcmp(service, "@pgping") != 0 &&
	    strcmp(service, "@pglookup") != 0)
		return PAM_SERVICE_ERR;
	if ((c = pg_get(o)) == NULL)
		return PAM_AUTHINFO_UNAVAIL;
	if (service[3] == 'p')
		r = pq.execprepared(c, "ping", 0, NULL, NULL, NULL, 0);
	else
		r = pq.execprepared(c, "lookup", 1, &user, NULL, NULL, 0);
	if (r == NULL || pq.resultstatus(r) != PGRES_TUPLES_OK)
		code = PAM_AUTHINFO_UNAVAIL;
	else
		code = pq.ntuples(r) == 1 ? PAM_SUCCESS : PAM_USER_UNKNOWN;
	pq.clear(r);
	return code;
}

/* One Dovecot-like transaction; returns its PAM result. */
static int
login(const struct opts *o, const char *service, const char *user,
      const char *rhost)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int r;

	if (service[0] == '@')
		return floor_login(o, service, user);
	r = pam_start_confdir(service, user, &pc, o->confdir, &pamh);
	if (r != PAM_SUCCESS)
		return r;
	pam_set_item(pamh, PAM_RHOST, rhost);
	pam_set_item(pamh, PAM_RUSER, user);
	pam_set_item(pamh, PAM_TTY, "dovecot");
	r = pam_authenticate(pamh, 0);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, r);
	return r;
}

static void
worker(const struct opts *o, const char *service, unsigned long w,
       unsigned long seq0, struct result *out)
{
	char user[NAME_MAX_LEN + 1], rhost[32];
	unsigned long i, idx;
	double t0;

	snprintf(rhost, sizeof(rhost), "192.0.2.%lu", w % 254 + 1);
	for (i = 0; i < o->logins; i++) {
		unsigned long seq = seq0 + w * o->logins + i;

		idx = o->users - seq % o->tail;
		snprintf(user, sizeof(user), "%s%07lu@%s", o->prefix, idx,
			 o->domain);
		if (o->stop != NULL && access(o->stop, F_OK) == 0) {
			for (; i < o->logins; i++)
				out[i].code = NOT_RUN;
			break;
		}
		if (o->wrong)
			wrong_password(o->password, seq, password);
		t0 = now();
		out[i].code = login(o, service, user, rhost);
		out[i].usec_x10 = (uint32_t)((now() - t0) * 1e7);
	}
	if (pg_conn != NULL)
		pq.finish(pg_conn);
	pg_conn = NULL;
}

static double
children_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* One batch: o->workers processes, started together, against one
 * service.  Results go to res (shared with the children). */
static int
batch(const struct opts *o, struct service *sv, unsigned long seq0,
      struct result *res)
{
	pid_t pids[MAX_WORKERS];
	int gate[2], status, bad = 0;
	unsigned long w, i, n = o->workers * o->logins;
	double t0, cpu0 = children_cpu();
	char c;

	memset(res, 0, n * sizeof(*res));
	if (pipe(gate) != 0) {
		perror("bench_pam: pipe");
		return -1;
	}
	fflush(NULL);
	for (w = 0; w < o->workers; w++) {
		if ((pids[w] = fork()) < 0) {
			perror("bench_pam: fork");
			exit(2);
		}
		if (pids[w] == 0) {
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(3);
			worker(o, sv->name, w, seq0, res + w * o->logins);
			_exit(0);
		}
	}
	close(gate[0]);
	t0 = now();
	close(gate[1]);
	for (w = 0; w < o->workers; w++) {
		if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad = 1;
	}
	sv->wall += now() - t0;
	sv->cpu += children_cpu() - cpu0;
	if (bad) {
		fprintf(stderr, "bench_pam: a worker for %s died\n", sv->name);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int code = res[i].code;

		if (code == NOT_RUN)
			continue;
		sv->lat[sv->nlat++] = res[i].usec_x10;
		sv->codes[code >= 0 && code < 64 ? code : 63]++;
		if (code < 0 || code >= 64 || !o->expect[code])
			sv->errors++;
	}
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array, in milliseconds. */
static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1e4;
}

static void
codes_text(const struct service *sv, char *buf, size_t bufsz)
{
	size_t len = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < 64; c++) {
		if (sv->codes[c] == 0)
			continue;
		len += (size_t)snprintf(buf + len, bufsz - len, "%s%s=%lu",
					len > 0 ? " " : "",
					c == 63 ? "other" : code_name(c),
					sv->codes[c]);
		if (len >= bufsz)
			break;
	}
}

static void
report(const struct opts *o, struct service *sv, int nsv)
{
	double p50[MAX_SERVICES];
	char codes[512];
	FILE *tsv = NULL;
	int i;

	printf("\n== %s\n", o->title);
	printf("   %lu users, %s, %lu process%s x %lu logins x %lu rounds "
	       "per module\n", o->users, o->tail == o->users ?
	       "users taken from all" : "users taken from the end",
	       o->workers, o->workers == 1 ? "" : "es", o->logins, o->rounds);
	printf("   %-14s %9s %9s %9s %10s %8s %7s  %s\n", "module",
	       "p50 ms", "p99 ms", "max ms", "logins/s", "cpu ms", "errors",
	       "results");
	if (o->tsv != NULL && (tsv = fopen(o->tsv, "a")) == NULL)
		perror(o->tsv);
	for (i = 0; i < nsv; i++) {
		double p99, max, tput, cpu;

		qsort(sv[i].lat, sv[i].nlat, sizeof(uint32_t), cmp_u32);
		p50[i] = pct(sv[i].lat, sv[i].nlat, 50);
		p99 = pct(sv[i].lat, sv[i].nlat, 99);
		max = pct(sv[i].lat, sv[i].nlat, 100);
		tput = sv[i].wall > 0 ? (double)sv[i].nlat / sv[i].wall : 0;
		cpu = sv[i].nlat > 0 ? sv[i].cpu * 1e3 / (double)sv[i].nlat : 0;
		codes_text(&sv[i], codes, sizeof(codes));
		printf("   %-14s %9.3f %9.3f %9.3f %10.0f %8.3f %7lu  %s\n",
		       sv[i].label, p50[i], p99, max, tput, cpu, sv[i].errors,
		       codes);
		if (tsv != NULL)
			fprintf(tsv, "%s\t%s\t%.4f\t%.4f\t%.1f\t%zu\t%lu\t%lu"
				"\t%s\t%.4f\t%.4f\n", o->casename,
				sv[i].label, p50[i], p99, tput, sv[i].nlat,
				sv[i].errors,
				sv[i].codes[PAM_AUTHINFO_UNAVAIL], codes, cpu,
				max);
	}
	for (i = 1; i < nsv; i++)
		if (p50[i] > 0)
			printf("   p50 %s / %s = %.2f\n", sv[0].label,
			       sv[i].label, p50[0] / p50[i]);
	if (tsv != NULL)
		fclose(tsv);
	fflush(stdout);
}

static int
parse_count(const char *s, unsigned long min, unsigned long max,
	    unsigned long *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno != 0 || *end != '\0' || n < min ||
	    n > max) {
		fprintf(stderr, "bench_pam: bad number \"%s\" (%lu to %lu)\n",
			s, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

static int
parse_expect(const char *s, bool *expect)
{
	char buf[256], *tok, *save = NULL;
	int code;

	memset(expect, 0, 64 * sizeof(bool));
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if ((code = code_parse(tok)) < 0) {
			fprintf(stderr, "bench_pam: unknown code \"%s\"\n",
				tok);
			return -1;
		}
		expect[code] = true;
	}
	return 0;
}

static int
usage(void)
{
	fprintf(stderr,
		"usage: bench_pam run -d CONFDIR [-t TITLE] [-u PREFIX] "
		"[-D DOMAIN] [-N USERS]\n"
		"                 [-k TAIL] [-p PASSWORD | -x] [-w WORKERS] "
		"[-n LOGINS]\n"
		"                 [-r ROUNDS] [-e CODES] [-o TSV] [-C CASE] "
		"[-S FILE]\n"
		"                 [-H HASH] [-P CONNINFO]\n"
		"                 SERVICE=LABEL ...\n"
		"       bench_pam hash METHOD COST PASSWORD\n");
	return 2;
}

static int
cmd_hash(int argc, char **argv)
{
	static const struct {
		const char *name, *prefix;
	} methods[] = {
		{ "yescrypt", "$y$" }, { "sha512crypt", "$6$" },
		{ "sha256crypt", "$5$" }, { "bcrypt", "$2b$" },
	};
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	unsigned long cost;
	const char *prefix = NULL, *h;
	size_t i;

	if (argc != 4)
		return usage();
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(argv[1], methods[i].name) == 0)
			prefix = methods[i].prefix;
	if (prefix == NULL || parse_count(argv[2], 0, 999999999, &cost) != 0)
		return usage();
	if (crypt_gensalt_rn(prefix, cost, NULL, 0, setting,
			     (int)sizeof(setting)) == NULL ||
	    setting[0] == '*') {
		fprintf(stderr, "bench_pam: crypt_gensalt_rn refuses %s %lu\n",
			argv[1], cost);
		return 2;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 2;
	h = crypt_rn(argv[3], setting, cd, (int)sizeof(*cd));
	if (h == NULL || h[0] == '*') {
		fprintf(stderr, "bench_pam: crypt_rn failed\n");
		free(cd);
		return 2;
	}
	printf("%s\n", h);
	free(cd);
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	struct opts o;
	struct service sv[MAX_SERVICES];
	struct result *res;
	unsigned long round, total;
	int c, i, nsv, errors = 0;

	memset(&o, 0, sizeof(o));
	memset(sv, 0, sizeof(sv));
	o.title = "logins";
	o.casename = "case";
	o.prefix = "u";
	o.domain = "bench.example";
	o.password = "bench-password";
	o.users = 1000;
	o.workers = 1;
	o.logins = 100;
	o.rounds = 5;
	o.expect[PAM_SUCCESS] = true;
	optind = 1;
	while ((c = getopt(argc, argv, "C:d:D:e:H:k:n:N:o:p:P:r:S:t:u:w:x")) != -1) {
		switch (c) {
		case 'C': o.casename = optarg; break;
		case 'd': o.confdir = optarg; break;
		case 'D': o.domain = optarg; break;
		case 'H': o.hash = optarg; break;
		case 'P': o.conninfo = optarg; break;
		case 'e':
			if (parse_expect(optarg, o.expect) != 0)
				return 2;
			break;
		case 'k':
			if (parse_count(optarg, 1, 9999999, &o.tail) != 0)
				return 2;
			break;
		case 'n':
			if (parse_count(optarg, 1, 1000000, &o.logins) != 0)
				return 2;
			break;
		case 'N':
			if (parse_count(optarg, 1, 9999999, &o.users) != 0)
				return 2;
			break;
		case 'o': o.tsv = optarg; break;
		case 'p': o.password = optarg; break;
		case 'S': o.stop = optarg; break;
		case 'r':
			if (parse_count(optarg, 1, 1000, &o.rounds) != 0)
				return 2;
			break;
		case 't': o.title = optarg; break;
		case 'u': o.prefix = optarg; break;
		case 'w':
			if (parse_count(optarg, 1, MAX_WORKERS, &o.workers) != 0)
				return 2;
			break;
		case 'x': o.wrong = true; break;
		default: return usage();
		}
	}
	if (o.confdir == NULL || optind == argc ||
	    argc - optind > MAX_SERVICES)
		return usage();
	if (o.tail == 0 || o.tail > o.users)
		o.tail = o.users;
	if (strlen(o.password) >= sizeof(password)) {
		fprintf(stderr, "bench_pam: password too long\n");
		return 2;
	}
	snprintf(password, sizeof(password), "%s", o.password);
	total = o.workers * o.logins;
	nsv = argc - optind;
	for (i = 0; i < nsv; i++) {
		char *eq = strchr(argv[optind + i], '=');

		sv[i].name = argv[optind + i];
		sv[i].label = eq != NULL ? eq + 1 : sv[i].name;
		if (eq != NULL)
			*eq = '\0';
		if ((sv[i].lat = calloc(total * o.rounds,
					sizeof(uint32_t))) == NULL)
			return 2;
	}
	res = mmap(NULL, total * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("bench_pam: mmap");
		return 2;
	}
	for (round = 0; round < o.rounds; round++) {
		for (i = 0; i < nsv; i++) {
			struct service *s = &sv[(round + (unsigned long)i) %
						(unsigned long)nsv];

			if (batch(&o, s, round * total, res) != 0)
				return 2;
		}
	}
	report(&o, sv, nsv);
	for (i = 0; i < nsv; i++) {
		errors += sv[i].errors != 0;
		free(sv[i].lat);
	}
	munmap(res, total * sizeof(*res));
	return errors != 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "hash") == 0)
		return cmd_hash(argc - 1, argv + 1);
	return usage();
}
