/*
 * Brute-force defence through the real libpam: counters per user and
 * source, totals over all sources, stale passwords, lock expiry, and
 * exact counts under 30 concurrent processes.
 *
 *   test_lockout BUILD_DIR
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "harness.h"
#include "schema_sql.h"

#define NPROC 30
#define NFAIL 20

static long long
fails(const char *user, const char *source)
{
	char q[512];

	snprintf(q, sizeof(q), "SELECT coalesce(sum(count), 0) FROM failures "
		 "f JOIN users u ON u.id = f.user_id WHERE u.name = '%s' AND "
		 "f.source = '%s'", user, source);
	return count(db, q);
}

static long long
locked(const char *user, const char *source)
{
	char q[512];

	snprintf(q, sizeof(q), "SELECT count(*) FROM failures f JOIN users u "
		 "ON u.id = f.user_id WHERE u.name = '%s' AND f.source = '%s' "
		 "AND f.locked_until > strftime('%%s','now')", user, source);
	return count(db, q);
}

static int
try(const char *service, const char *user, const char *pw, const char *from)
{
	rhost = from;
	return login(service, user, pw).auth;
}

static void
test_per_source(void)
{
	int i, r;
	char pw[32];

	for (i = 0; i < 3; i++) {
		snprintf(pw, sizeof(pw), "wrong %d", i);
		r = try("nototal", "ann@example.org", pw, "198.51.100.1");
		CHECK(r == PAM_AUTH_ERR, "ann: failure %d from .1", i + 1);
	}
	CHECK(fails("ann@example.org", "198.51.100.1") == 3 &&
	      locked("ann@example.org", "198.51.100.1") == 1,
	      "3 failures counted and the source locked");
	CHECK(try("nototal", "ann@example.org", "ann pw", "198.51.100.1") ==
	      PAM_AUTH_ERR, "right password refused from the locked source");
	CHECK(try("nototal", "Ann@Example.org", "ann pw", "198.51.100.2") ==
	      PAM_SUCCESS, "right password accepted from another source");
	CHECK(try("nototal", "ann@example.org", "wrong 9", "198.51.100.1") ==
	      PAM_AUTH_ERR && fails("ann@example.org", "198.51.100.1") == 3,
	      "attempts during a lock are refused and not counted");
	CHECK(locked("ann@example.org", "198.51.100.1") == 1,
	      "the lock stays after a good login elsewhere");
	/* a wrong password from an unlocked source is a plain failure */
	CHECK(try("nototal", "ann@example.org", "wrong x", "198.51.100.3") ==
	      PAM_AUTH_ERR && fails("ann@example.org", "198.51.100.3") == 1,
	      "another source has its own counter");
	CHECK(try("nototal", "ann@example.org", "ann pw", "198.51.100.3") ==
	      PAM_SUCCESS && fails("ann@example.org", "198.51.100.3") == 0,
	      "success resets that source's counter");
	CHECK(fails("ann@example.org", "198.51.100.1") == 3,
	      "and leaves the other source's");
	CHECK(try("nototal", "ann@example.org", "wrong y", NULL) ==
	      PAM_AUTH_ERR && fails("ann@example.org", "unknown") == 1,
	      "no PAM_RHOST counts as source \"unknown\"");
}

static void
test_total(void)
{
	char src[32], pw[32];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", i + 1);
		snprintf(pw, sizeof(pw), "guess %d", i);
		try("lock", "bob@example.org", pw, src);
	}
	CHECK(locked("bob@example.org", "") == 1,
	      "deny_total failures from 5 sources lock every source");
	CHECK(try("lock", "bob@example.org", "bob pw", "203.0.113.99") ==
	      PAM_AUTH_ERR, "right password refused from a fresh source");
	for (i = 0; i < 6; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", i + 1);
		snprintf(pw, sizeof(pw), "guess %d", i);
		try("nototal", "ivy@example.org", pw, src);
	}
	CHECK(locked("ivy@example.org", "") == 0 &&
	      try("nototal", "ivy@example.org", "ivy pw", "203.0.113.99") ==
	      PAM_SUCCESS, "deny_total=0: no lock for every source");
}

static void
test_stale(void)
{
	int i, bad = 0;

	for (i = 0; i < 10; i++)
		bad += try("lock", "cat@example.org", "old phone pw",
			   "192.0.2.50") != PAM_AUTH_ERR;
	CHECK(bad == 0, "stale password refused 10 times");
	CHECK(fails("cat@example.org", "192.0.2.50") == 1,
	      "the same wrong password counts once (%lld)",
	      fails("cat@example.org", "192.0.2.50"));
	CHECK(count(db, "SELECT count(*) FROM recent_failures r JOIN users u "
		    "ON u.id = r.user_id WHERE u.name = 'cat@example.org'") == 1,
	      "one digest kept");
	CHECK(try("lock", "cat@example.org", "cat pw", "192.0.2.50") ==
	      PAM_SUCCESS, "the owner is not locked out by the phone");
	try("lock", "cat@example.org", "another", "192.0.2.50");
	try("lock", "cat@example.org", "old phone pw", "192.0.2.50");
	CHECK(fails("cat@example.org", "192.0.2.50") == 2,
	      "a success drops the fingerprints: the old password counts "
	      "again after it");
	for (i = 0; i < 8; i++) {
		char pw[32];

		snprintf(pw, sizeof(pw), "distinct %d", i);
		try("lock", "cat@example.org", pw, "192.0.2.51");
	}
	CHECK(count(db, "SELECT count(*) FROM recent_failures r JOIN users u "
		    "ON u.id = r.user_id WHERE u.name = 'cat@example.org'") == 5,
	      "digests pruned to the last 5");
	CHECK(count(db, "SELECT count(*) FROM recent_failures WHERE "
		    "length(digest) <> 3 OR digest LIKE '%$%'") == 0,
	      "only 3-character fingerprints are kept, never a crypt string");
	/* the 8 failures above locked every source: lift that lock */
	sql(db, "DELETE FROM failures WHERE source = ''");
	CHECK(try("lock", "cat@example.org", "cat pw", "192.0.2.52") ==
	      PAM_SUCCESS && count(db, "SELECT count(*) FROM recent_failures "
				   "r JOIN users u ON u.id = r.user_id WHERE "
				   "u.name = 'cat@example.org'") == 0,
	      "the next success drops every fingerprint");
}

static void
test_expiry(void)
{
	/* checks that hold however slow the run is (valgrind) */
	try("slow", "dan@example.org", "w0", "192.0.2.63");
	try("slow", "dan@example.org", "w00", "192.0.2.63");
	CHECK(try("slow", "dan@example.org", "dan pw", "192.0.2.63") ==
	      PAM_AUTH_ERR, "locked right after two failures");
	sql(db, "UPDATE failures SET locked_until = strftime('%%s','now') "
	    "WHERE source = '192.0.2.63'");
	CHECK(try("slow", "dan@example.org", "dan pw", "192.0.2.63") ==
	      PAM_SUCCESS, "unlocked when locked_until is reached");
	CHECK(try("short", "dan@example.org", "w1", "192.0.2.60") ==
	      PAM_AUTH_ERR && try("short", "dan@example.org", "w2",
				 "192.0.2.60") == PAM_AUTH_ERR,
	      "two failures with unlock_time=1");
	sleep(2);
	CHECK(try("short", "dan@example.org", "dan pw", "192.0.2.60") ==
	      PAM_SUCCESS, "unlocked after unlock_time");
	CHECK(fails("dan@example.org", "192.0.2.60") == 0,
	      "and the counter is gone");

	try("forever", "eve@example.org", "w1", "192.0.2.61");
	try("forever", "eve@example.org", "w2", "192.0.2.61");
	CHECK(count(db, "SELECT locked_until FROM failures WHERE source = "
		    "'192.0.2.61'") == INT64_MAX,
	      "unlock_time=0: locked until an administrator unlocks");
	/* a clock stepped backwards: the lock and window lie in the future */
	sql(db, "UPDATE failures SET first_fail = strftime('%%s','now') + "
	    "86400, locked_until = strftime('%%s','now') + 90000 WHERE "
	    "source = '192.0.2.60'");
	sql(db, "INSERT INTO failures SELECT id, '192.0.2.62', 1, "
	    "strftime('%%s','now') + 86400, strftime('%%s','now') + 86400, "
	    "strftime('%%s','now') + 90000 FROM users WHERE name = "
	    "'dan@example.org'");
	CHECK(try("short", "dan@example.org", "dan pw", "192.0.2.62") ==
	      PAM_AUTH_ERR, "a clock stepped backwards never unlocks early");
	sql(db, "UPDATE failures SET locked_until = NULL, count = 1 WHERE "
	    "source = '192.0.2.62'");
	try("slow", "dan@example.org", "w3", "192.0.2.62");
	CHECK(fails("dan@example.org", "192.0.2.62") == 2 &&
	      locked("dan@example.org", "192.0.2.62") == 1,
	      "a window starting in the future still counts");
	sql(db, "UPDATE failures SET count = 9223372036854775806, "
	    "locked_until = NULL, first_fail = strftime('%%s','now') WHERE "
	    "source = '192.0.2.62'");
	try("slow", "dan@example.org", "w4", "192.0.2.62");
	try("slow", "dan@example.org", "w5", "192.0.2.62");
	CHECK(fails("dan@example.org", "192.0.2.62") == INT64_MAX,
	      "the count saturates");
}

static void
test_unknown(void)
{
	long long before = count(db, "SELECT (SELECT count(*) FROM failures)"
				 " + (SELECT count(*) FROM recent_failures)");
	int i;

	for (i = 0; i < 10; i++)
		try("lock", "ghost@example.org", "x", "192.0.2.70");
	CHECK(count(db, "SELECT (SELECT count(*) FROM failures) + (SELECT "
		    "count(*) FROM recent_failures)") == before,
	      "unknown users create no rows of users");
	CHECK(count(db, "SELECT count FROM source_failures WHERE source = "
		    "'192.0.2.70'") == 10 &&
	      count(db, "SELECT count(*) FROM source_failures") == 1,
	      "unknown names are counted per source: one row, 10");
	try("lock", "ghost2@example.org", "x", "::ffff:192.0.2.70");
	CHECK(count(db, "SELECT count FROM source_failures WHERE source = "
		    "'192.0.2.70'") == 11, "the same source spelled as IPv6");
	CHECK(try("nolock", "fay@example.org", "w", "192.0.2.71") ==
	      PAM_AUTH_ERR && fails("fay@example.org", "192.0.2.71") == 0,
	      "deny=0 deny_total=0: nothing counted");
}

/* One attacker, one counter: spellings of one address, and rotation
 * through the addresses of one IPv6 /64. */
static void
test_sources(void)
{
	static const char *const spellings[] = {
		"192.0.2.7", "::ffff:192.0.2.7", "192.000.002.007",
		"[::ffff:192.0.2.7]", "0:0:0:0:0:ffff:c000:0207",
	};
	char src[64], pw[32];
	int i, j;

	for (i = 0; i < 3; i++) {
		snprintf(pw, sizeof(pw), "spelled %d", i);
		try("lock", "sam@example.org", pw, spellings[i]);
	}
	CHECK(fails("sam@example.org", "192.0.2.7") == 3 &&
	      locked("sam@example.org", "192.0.2.7") == 1 &&
	      count(db, "SELECT count(*) FROM failures f JOIN users u ON "
		    "u.id = f.user_id WHERE u.name = 'eve@example.org'") == 1,
	      "3 spellings of one IPv4 address: one counter, locked at deny");
	for (i = 0; i < 5; i++)
		CHECK(try("lock", "sam@example.org", "sam pw", spellings[i]) ==
		      PAM_AUTH_ERR, "the lock holds for %s", spellings[i]);
	CHECK(try("lock", "sam@example.org", "sam pw", "192.0.2.8") ==
	      PAM_SUCCESS, "the next address is another source");

	/* deny=3 deny_total=5: ten addresses of one /64, five tries each */
	for (i = 0; i < 10; i++) {
		for (j = 0; j < 5; j++) {
			snprintf(src, sizeof(src), "2001:db8:bad:1:%x::%x",
				 i + 1, j + 1);
			snprintf(pw, sizeof(pw), "rot %d %d", i, j);
			try("lock", "tim@example.org", pw, src);
		}
	}
	CHECK(fails("tim@example.org", "2001:db8:bad:1::/64") == 3 &&
	      locked("tim@example.org", "2001:db8:bad:1::/64") == 1,
	      "50 tries from one /64: one source, 3 counted, locked");
	CHECK(locked("tim@example.org", "") == 0,
	      "attempts refused by the lock do not reach deny_total");
	CHECK(try("lock", "tim@example.org", "tim pw", "2001:db8:600d::1") ==
	      PAM_SUCCESS, "the owner logs in from another network");
	CHECK(try("lock", "tim@example.org", "tim pw", "2001:db8:bad:1:ff::1")
	      == PAM_AUTH_ERR, "but not from the attacker's /64");
}

/* Run fn(i) in NPROC children at once; returns the number of children
 * that reported a problem (exit status != 0). */
static int
parallel(int (*fn)(int))
{
	pid_t pids[NPROC];
	int i, bad = 0, st;

	fflush(stdout);
	for (i = 0; i < NPROC; i++) {
		if ((pids[i] = fork()) < 0)
			die("fork");
		if (pids[i] == 0)
			_exit(fn(i));
	}
	for (i = 0; i < NPROC; i++) {
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
	}
	return bad;
}

static int
hammer_wrong(int i)
{
	char pw[64];
	int j, r, bad = 0;

	rhost = "192.0.2.99";
	for (j = 0; j < NFAIL; j++) {
		snprintf(pw, sizeof(pw), "wrong %d/%d", i, j);
		if ((r = login("many", "gus@example.org", pw).auth) !=
		    PAM_AUTH_ERR) {
			fprintf(stderr, "child %d: %d\n", i, r);
			bad = 1;
		}
	}
	return bad;
}

static int
hammer_right(int i)
{
	int j, bad = 0;

	(void)i;
	rhost = "192.0.2.98";
	for (j = 0; j < 5; j++)
		bad |= login("lock", "hal@example.org", "hal pw").auth !=
		    PAM_SUCCESS;
	return bad;
}

static void
test_concurrency(void)
{
	CHECK(parallel(hammer_wrong) == 0, "%d processes x %d distinct wrong "
	      "passwords: every one PAM_AUTH_ERR, none unavailable", NPROC,
	      NFAIL);
	/* deny=300 of 600: the lock engages at exactly 300, and the
	 * attempts refused by it are not counted */
	CHECK(fails("gus@example.org", "192.0.2.99") == 300,
	      "exactly 300 failures counted of %d (%lld)", NPROC * NFAIL,
	      fails("gus@example.org", "192.0.2.99"));
	CHECK(locked("gus@example.org", "192.0.2.99") == 1,
	      "the lock engaged at the threshold");

	/* counter at deny - 1, then 30 processes with the right password */
	sql(db, "INSERT INTO failures SELECT id, '192.0.2.98', 2, "
	    "strftime('%%s','now'), strftime('%%s','now'), NULL FROM users "
	    "WHERE name = 'hal@example.org'");
	CHECK(parallel(hammer_right) == 0, "%d processes log in correctly "
	      "with the counter at deny-1", NPROC);
	CHECK(locked("hal@example.org", "192.0.2.98") == 0 &&
	      locked("hal@example.org", "") == 0, "and never lock");
}

int
main(int argc, char **argv)
{
	static const char *users[] = { "ann", "bob", "cat", "dan", "eve",
				       "fay", "gus", "hal", "ivy", "sam",
				       "tim" };
	char pw[32], name[64];
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: test_lockout BUILD_DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	stage(argv[1]);
	fresh_store();
	sql(db, "INSERT INTO domains (name, created) VALUES ('example.org', 0)");
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		snprintf(name, sizeof(name), "%s@example.org", users[i]);
		snprintf(pw, sizeof(pw), "%s pw", users[i]);
		add_user(name, "example.org", pw);
	}
	write_service("conf", "# unused\n");
	{
		FILE *f = fopen(conf, "w");

		if (f == NULL)
			die(conf);
		fprintf(f, "db = %s\nhash = sha512crypt\nhash_cost = 1000\n"
			"deny = 3\ndeny_total = 5\n", db);
		fclose(f);
	}
#define M(extra) "auth required %s conf=%s " extra "\n", module, conf
	write_service("lock", M(""));
	write_service("nototal", M("deny_total=0"));
	write_service("nolock", M("deny=0 deny_total=0"));
	write_service("short", M("deny=2 unlock_time=1"));
	write_service("slow", M("deny=2 unlock_time=3600"));
	write_service("forever", M("deny=2 unlock_time=0"));
	/* exactness, also under valgrind, where all is 50 times slower */
	write_service("many", M("deny=300 deny_total=0 busy_timeout=60000"));
#undef M
	test_per_source();
	test_total();
	test_stale();
	test_expiry();
	test_unknown();
	test_sources();
	test_concurrency();
	unstage();
	return tap_failed != 0;
}
