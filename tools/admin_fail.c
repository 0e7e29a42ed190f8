/*
 * mailuser-admin failures, unlock, user lock, user unlock, user rename.
 *
 * Two kinds of lock exist and are kept apart:
 *  - failure locks, set by the module when deny= (one source) or
 *    deny_total= (every source) failures came within fail_interval=;
 *    rows of the failures table, shown by "failures", lifted by "unlock"
 *    (or by the end of unlock_time=);
 *  - the administrator's lock, users.locked_at and lock_reason, set by
 *    "user lock" and lifted only by "user unlock".
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_source.h"
#include "mu_lockout.h"
#include "mu_username.h"

#define REASON_MAX 200		/* bytes of a lock reason */

/* How a counter's lock reads: "" when there is none. */
static const char *
until_fmt(const struct mu_acct_failure *f, char *buf, size_t bufsz)
{
	if (!f->has_until)
		return "";
	if (f->until == MU_FOREVER)
		return "until unlocked";
	return time_fmt(f->until, buf, bufsz);
}

/* "failures": a table, or with --json an array, begun at the first row
 * (nothing is written before a missing user is reported). */
struct listing {
	bool json;
	struct json arr;
	int64_t now;
	int rows;
};

static int
list_one(void *arg, const struct mu_acct_failure *f)
{
	struct listing *l = arg;
	char first[32], last[32], until[32], src[MU_SOURCE_MAX * 4 + 1];
	bool all = f->source[0] == '\0';
	bool locked = f->has_until && l->now < f->until;
	const char *u = until_fmt(f, until, sizeof(until));
	struct json obj;

	time_fmt(f->first, first, sizeof(first));
	time_fmt(f->last, last, sizeof(last));
	if (l->json) {
		if (l->rows++ == 0)
			json_begin(&l->arr, stdout, NULL, NULL, '[');
		json_begin(&obj, stdout, NULL, &l->arr, '{');
		json_str(&obj, "user", f->user);
		json_str(&obj, "source", f->source);
		json_bool(&obj, "all_sources", all);
		json_int(&obj, "count", f->count);
		json_str(&obj, "first_failure", first);
		json_str(&obj, "last_failure", last);
		json_str(&obj, "locked_until", *u != '\0' ? u : NULL);
		json_bool(&obj, "locked", locked);
		json_end(&obj, '}');
		return 0;
	}
	if (l->rows++ == 0)
		printf("%-32s  %-20s  %5s  %-23s  %-23s  %s\n", "USER",
		       "SOURCE", "COUNT", "FIRST FAILURE", "LAST FAILURE",
		       "LOCKED UNTIL");
	printf("%-32s  %-20s  %5lld  %-23s  %-23s  %s%s\n", f->user,
	       all ? "(all sources)" : mu_escape(src, sizeof(src), f->source),
	       (long long)f->count, first, last, *u != '\0' ? u : "-",
	       *u != '\0' && !locked ? " (over)" : "");
	return 0;
}

/* failures [--json] [USER]: the counters, per user and source.  The
 * source is what the caller gave as PAM_RHOST (any bytes): escaped in the
 * table (json_quote escapes it in JSON). */
void
cmd_failures(struct admin *a, int argc, char **argv)
{
	struct listing l = { a->o.json, { NULL, 0 }, (int64_t)time(NULL), 0 };
	char name[MU_NAME_MAX + 1];

	if (argc > 0)
		admin_user_arg(a, argv[0], name);
	admin_check_user(a, mu_acct_failures(admin_store(a), argc > 0 ? name : NULL,
				  list_one, &l), name, "failures");
	if (l.json) {
		if (l.rows == 0)
			json_begin(&l.arr, stdout, NULL, NULL, '[');
		json_end(&l.arr, ']');
		putchar('\n');
	}
}

/* unlock [--source ADDR] USER: forget failure counters and their locks.
 * Without --source every row goes, with the digests of recent wrong
 * passwords; with it, only that source's row ("" is the all-sources
 * row).  The source is a key as "failures" shows it, or an address,
 * normalised as the module does (so 2001:db8:1:2::9 names the row of
 * 2001:db8:1:2::/64, ::ffff:192.0.2.7 that of 192.0.2.7). */
void
cmd_unlock(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1], esc[MU_SOURCE_MAX * 4 + 16];
	char key[MU_SOURCE_MAX + 1];
	const char *src = a->o.source, *alt = NULL;
	int64_t rows;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	if (src != NULL && strlen(src) > MU_SOURCE_MAX)
		errx(1, "--source: longer than %d bytes", MU_SOURCE_MAX);
	if (src != NULL && *src != '\0' &&
	    strcmp(mu_source_norm(src, (unsigned)a->cfg.ipv6_prefix, key,
				  sizeof(key)), src) != 0)
		alt = key;
	admin_check_user(a, mu_acct_unlock(admin_store(a), name, src, alt, &rows), name,
	      "unlock");
	if (src != NULL && rows == 0) {
		src = alt != NULL ? alt : src;
		errx(1, "no failures recorded for %s from %s", name,
		     *src == '\0' ? "all sources (\"\")" :
		     mu_escape(esc, sizeof(esc), src));
	}
}

/* A lock reason: 1 to REASON_MAX bytes of UTF-8 without control
 * characters, so that it shows as one line anywhere. */
static void
reason_arg(const char *r)
{
	const unsigned char *p;
	size_t n;

	if (r == NULL)
		errx(EXIT_USAGE, "user lock: --reason is required");
	n = strlen(r);
	if (n == 0 || n > REASON_MAX)
		errx(1, "--reason: must be 1 to %d bytes", REASON_MAX);
	if (!mu_utf8_valid(r, n))
		errx(1, "--reason: not valid UTF-8");
	for (p = (const unsigned char *)r; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			errx(1, "--reason: control characters are not "
			     "allowed");
}

/* user lock --reason TEXT USER.  Locking a locked user replaces the
 * reason and keeps the time of the first lock. */
void
cmd_user_lock(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];

	(void)argc;
	reason_arg(a->o.reason);
	admin_user_arg(a, argv[0], name);
	admin_check_user(a, mu_acct_user_lock(admin_store(a), name, a->o.reason), name,
	      "user lock");
}

/* user unlock USER: lift the administrator's lock. */
void
cmd_user_unlock(struct admin *a, int argc, char **argv)
{
	char name[MU_NAME_MAX + 1];
	bool was_locked;

	(void)argc;
	admin_user_arg(a, argv[0], name);
	admin_check_user(a, mu_acct_user_unlock(admin_store(a), name, &was_locked), name,
	      "user unlock");
	if (!was_locked)
		errx(1, "user %s is not locked by an administrator (failure "
		     "locks: see \"failures\" and \"unlock\")", name);
}

/* user rename OLD NEW: one change of the name (and domain), so that the
 * password history, failure counters and every other row that refers to
 * the user stay with it. */
void
cmd_user_rename(struct admin *a, int argc, char **argv)
{
	char from[MU_NAME_MAX + 1], to[MU_NAME_MAX + 1];
	int r;

	(void)argc;
	admin_user_arg(a, argv[0], from);
	admin_user_arg(a, argv[1], to);
	if (strcmp(from, to) == 0)
		errx(1, "user rename: %s is already the name", to);
	r = mu_acct_user_rename(admin_store(a), from, to);
	if (r == MU_E_EXISTS)
		errx(1, "user %s already exists", to);
	if (r == MU_E_NODOMAIN)
		errx(1, "no such domain: %s (add it first with \"domain "
		     "add\")", strchr(to, '@') + 1);
	admin_check_user(a, r, from, "user rename");
}
