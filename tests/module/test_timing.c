/*
 * Refusals must not tell apart what they hide: the time of pam_start,
 * pam_authenticate and pam_end through the real libpam, for every kind
 * of refused attempt, against a wrong password for a usable account:
 *   a name that is not in the store, a disabled user (right and wrong
 *   password), a user of a disabled domain, an account locked by an
 *   administrator (right and wrong), an expired account (right), and a
 *   source locked after failures (right and wrong).
 * Samples are taken round-robin in a shuffled order per round, so that
 * drift of the machine's speed lands on every kind alike.  Each kind's
 * distribution is compared with the reference by a two-sample
 * Kolmogorov-Smirnov test at alpha = 0.001; when a comparison fails the
 * whole measurement is made once more, and the test fails only when the
 * same kind fails twice.  The return code of each kind is checked too.
 *
 *   test_timing BUILD_DIR [sha512crypt|yescrypt]
 *
 * MU_TIMING_SAMPLES sets the samples per kind (default 300, at least 250),
 * MU_TIMING_COST the hash cost (default 1000 rounds for sha512crypt, 1 for
 * yescrypt: the store work and the pacing do not depend on it, and the
 * default yescrypt cost, 5, makes a run take minutes).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "harness.h"
#include "mu_hash.h"
#include "schema_sql.h"

#define SOURCE "192.0.2.77"
#define ALPHA_C 1.94947		/* c(alpha) of the KS test, alpha 0.001 */

struct kind {
	const char *label;
	const char *user;	/* NULL: a fresh unknown name each time */
	const char *pw;		/* NULL: a fresh wrong password each time */
	int want;		/* pam_authenticate's code */
	double *t;		/* samples, ms */
};

static struct kind kinds[] = {
	{ "wrong password (reference)", "ref@example.org", NULL,
	  PAM_AUTH_ERR, NULL },
	{ "name not in the store", NULL, NULL, PAM_USER_UNKNOWN, NULL },
	{ "disabled user, right password", "dis@example.org", "dis pw 1",
	  PAM_AUTH_ERR, NULL },
	{ "disabled user, wrong password", "dis@example.org", NULL,
	  PAM_AUTH_ERR, NULL },
	{ "disabled domain, right password", "dd@off.example", "dd pw 1",
	  PAM_AUTH_ERR, NULL },
	{ "admin-locked, right password", "adm@example.org", "adm pw 1",
	  PAM_AUTH_ERR, NULL },
	{ "admin-locked, wrong password", "adm@example.org", NULL,
	  PAM_AUTH_ERR, NULL },
	{ "expired account, right password", "exp@example.org", "exp pw 1",
	  PAM_AUTH_ERR, NULL },
	{ "failure-locked source, right password", "lck@example.org",
	  "lck pw 1", PAM_AUTH_ERR, NULL },
	{ "failure-locked source, wrong password", "lck@example.org", NULL,
	  PAM_AUTH_ERR, NULL },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One attempt: its time in ms; *code gets pam_authenticate's code. */
static double
attempt(const struct kind *k, unsigned long n, int *code)
{
	char user[64], pw[64];
	struct conv_data cd = { NULL, 0 };
	struct pam_conv pc = { conv, &cd };
	pam_handle_t *pamh = NULL;
	double t0, t1;

	if (k->user != NULL)
		snprintf(user, sizeof(user), "%s", k->user);
	else
		snprintf(user, sizeof(user), "nobody%lu@example.org", n);
	/* every password of the same length (8 bytes): the time of a hash
	 * grows with it */
	if (k->pw != NULL)
		snprintf(pw, sizeof(pw), "%s", k->pw);
	else
		snprintf(pw, sizeof(pw), "w%07lu", n % 10000000);
	cd.pw = pw;
	t0 = now_ms();
	if (pam_start_confdir("timing", user, &pc, dir, &pamh) != PAM_SUCCESS)
		die("pam_start_confdir");
	pam_set_item(pamh, PAM_RHOST, SOURCE);
	*code = pam_authenticate(pamh, 0);
	pam_end(pamh, *code);
	t1 = now_ms();
	return t1 - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The two-sample Kolmogorov-Smirnov statistic of sorted a and b. */
static double
ks(const double *a, size_t n, const double *b, size_t m)
{
	size_t i = 0, j = 0;
	double d = 0, x, fa, fb;

	while (i < n && j < m) {
		x = a[i] <= b[j] ? a[i] : b[j];
		while (i < n && a[i] <= x)
			i++;
		while (j < m && b[j] <= x)
			j++;
		fa = (double)i / (double)n;
		fb = (double)j / (double)m;
		if (fabs(fa - fb) > d)
			d = fabs(fa - fb);
	}
	return d;
}

static double
median(const double *a, size_t n)
{
	return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

/* Take n samples of every kind.  Returns the number of wrong codes. */
static int
measure(size_t n, unsigned long *serial)
{
	size_t order[NKINDS], i, j, r, tmp;
	int code, bad = 0;

	for (r = 0; r < n; r++) {
		for (i = 0; i < NKINDS; i++)
			order[i] = i;
		for (i = NKINDS - 1; i > 0; i--) {
			j = (size_t)random() % (i + 1);
			tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		for (i = 0; i < NKINDS; i++) {
			struct kind *k = &kinds[order[i]];

			k->t[r] = attempt(k, (*serial)++, &code);
			if (code != k->want && bad++ < 5)
				printf("# %s: %s, expected %s\n", k->label,
				       pam_strerror(NULL, code),
				       pam_strerror(NULL, k->want));
		}
	}
	for (i = 0; i < NKINDS; i++)
		qsort(kinds[i].t, n, sizeof(double), cmp_double);
	return bad;
}

static void
make_store(const char *method, unsigned long cost)
{
	static const char *const users[][3] = {
		{ "ref", "example.org", "ref pw 1" },
		{ "dis", "example.org", "dis pw 1" },
		{ "dd", "off.example", "dd pw 1" },
		{ "adm", "example.org", "adm pw 1" },
		{ "exp", "example.org", "exp pw 1" },
		{ "lck", "example.org", "lck pw 1" },
	};
	char h[MU_HASH_MAX];
	size_t i;

	fresh_store();
	sql(db, "INSERT INTO domains (name, created) VALUES "
	    "('example.org', 0), ('off.example', 0)");
	sql(db, "UPDATE domains SET disabled = 1 WHERE name = 'off.example'");
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		hash_of(method, cost, users[i][2], h);
		sql(db, "INSERT INTO users (name, domain_id, hash, pw_changed, "
		    "created) SELECT '%q@%q', id, '%q', "
		    "strftime('%%s','now'), 0 FROM domains WHERE name = '%q'",
		    users[i][0], users[i][1], h, users[i][1]);
	}
	sql(db, "UPDATE users SET disabled = 1 WHERE name = 'dis@example.org'");
	sql(db, "UPDATE users SET locked_at = 1, lock_reason = 'test' WHERE "
	    "name = 'adm@example.org'");
	sql(db, "UPDATE users SET expires = 1 WHERE name = 'exp@example.org'");
	sql(db, "INSERT INTO failures SELECT id, '" SOURCE "', 5, "
	    "strftime('%%s','now'), strftime('%%s','now'), %lld FROM users "
	    "WHERE name = 'lck@example.org'", (long long)INT64_MAX);
}

int
main(int argc, char **argv)
{
	const char *method = argc > 2 ? argv[2] : "sha512crypt";
	const char *e = getenv("MU_TIMING_SAMPLES");
	const char *ce = getenv("MU_TIMING_COST");
	unsigned long cost = ce != NULL ? strtoul(ce, NULL, 10) :
	    strcmp(method, "yescrypt") == 0 ? 1 : 1000;
	unsigned long serial = 0;

	size_t n = 300, i, tries;
	double d, crit;
	int failed[NKINDS] = { 0 }, bad;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: test_timing BUILD_DIR [method]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (e != NULL && atoi(e) >= 250)
		n = (size_t)atoi(e);
	srandom((unsigned)time(NULL));
	stage(argv[1]);
	make_store(method, cost);
	if ((f = fopen(conf, "w")) == NULL)
		die(conf);
	/* a counter that never locks the reference user: every wrong
	 * password is counted the same way all along */
	fprintf(f, "db = %s\nhash = %s\nhash_cost = %lu\ndeny = 1000000\n"
		"deny_total = 1000000\n", db, method, cost);
	fclose(f);
	write_service("timing", "auth required %s conf=%s\n", module, conf);
	for (i = 0; i < NKINDS; i++)
		if ((kinds[i].t = calloc(n, sizeof(double))) == NULL)
			die("calloc");

	/* warm up: the module loaded, the store's pages cached */
	for (i = 0; i < 20; i++) {
		int code;

		(void)attempt(&kinds[i % NKINDS], serial++, &code);
	}
	crit = ALPHA_C * sqrt(2.0 / (double)n);
	for (tries = 0; tries < 2; tries++) {
		bad = measure(n, &serial);
		CHECK(bad == 0, "%s, try %zu: every kind returns its code "
		      "(%d wrong)", method, tries + 1, bad);
		for (i = 1; i < NKINDS; i++) {
			d = ks(kinds[0].t, n, kinds[i].t, n);
			printf("# %s, try %zu: %-40s median %.3f ms (reference "
			       "%.3f), KS D = %.3f, critical %.3f\n", method,
			       tries + 1, kinds[i].label, median(kinds[i].t, n),
			       median(kinds[0].t, n), d, crit);
			if (d > crit)
				failed[i]++;
		}
		for (i = 1; i < NKINDS; i++)
			if (failed[i] > 0)
				break;
		if (i == NKINDS)
			break;	/* no kind failed: no second try */
	}
	for (i = 1; i < NKINDS; i++)
		CHECK(failed[i] < 2, "%s: %s is not told apart from a wrong "
		      "password by time (KS, alpha 0.001, %zu samples each%s)",
		      method, kinds[i].label, n,
		      failed[i] == 1 ? ", after one retry" : "");

	for (i = 0; i < NKINDS; i++)
		free(kinds[i].t);
	unstage();
	return tap_failed != 0;
}
