/* Unit tests of password aging (a pure function, at its boundaries), the
 * quality checks of new passwords, and their options. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "mu_config.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_policy.h"
#include "mu_strength.h"

#define T0 INT64_C(1700000000)	/* a last change, 2023-11-14 */
#define D(n) ((int64_t)(n) * MU_DAY)

static const char *const state_names[] = { "ok", "warn", "change",
					   "expired" };

static struct mu_age
age(int64_t changed, bool forced, int64_t max, int64_t min, int64_t warn,
    int64_t grace, int64_t now)
{
	struct mu_aging a = { max, min, warn, grace };
	struct mu_age ag;

	memset(&ag, 0x5a, sizeof(ag));	/* every field must be set */
	mu_age_eval(changed, forced, &a, now, &ag);
	return ag;
}

static void
expect_state(const char *what, struct mu_age ag, enum mu_age_state want,
	     int64_t days_left)
{
	CHECK(ag.state == want && ag.days_left == days_left,
	      "aging: %s -> %s, %lld days left", what, state_names[want],
	      (long long)days_left);
	if (ag.state != want || ag.days_left != days_left)
		printf("#   got %s, %lld days left\n",
		       (unsigned)ag.state < 4 ? state_names[ag.state] : "?",
		       (long long)ag.days_left);
}

static void
test_expiry(void)
{
	/* max 90, warn 7, grace 14 */
#define A(now) age(T0, false, 90, 0, 7, 14, (now))
	expect_state("just changed", A(T0), MU_AGE_OK, 90);
	expect_state("one second before the warning window", A(T0 + D(83) - 1),
		     MU_AGE_OK, 8);
	expect_state("first second of the warning window", A(T0 + D(83)),
		     MU_AGE_WARN, 7);
	expect_state("the day before max", A(T0 + D(89)), MU_AGE_WARN, 1);
	expect_state("one second before max", A(T0 + D(90) - 1), MU_AGE_WARN,
		     1);
	expect_state("exactly at max", A(T0 + D(90)), MU_AGE_CHANGE, 0);
	expect_state("the day after max", A(T0 + D(91)), MU_AGE_CHANGE, 0);
	expect_state("one second before max + grace", A(T0 + D(104) - 1),
		     MU_AGE_CHANGE, 0);
	expect_state("exactly at max + grace", A(T0 + D(104)),
		     MU_AGE_EXPIRED, 0);
	expect_state("long after max + grace", A(T0 + D(5000)),
		     MU_AGE_EXPIRED, 0);
#undef A
	CHECK(age(T0, false, 90, 0, 7, 14, T0).expires &&
	      age(T0, false, 90, 0, 7, 14, T0).expires_at == T0 + D(90),
	      "aging: expires_at = last change + max days");
	expect_state("grace 0: no limit after expiry",
		     age(T0, false, 90, 0, 7, 0, T0 + D(100000)),
		     MU_AGE_CHANGE, 0);
	expect_state("warn 0: no warning the second before max",
		     age(T0, false, 90, 0, 0, 0, T0 + D(90) - 1), MU_AGE_OK,
		     1);
	expect_state("warn longer than max: warned at once",
		     age(T0, false, 5, 0, 10, 0, T0), MU_AGE_WARN, 5);
	expect_state("max 0: never expires",
		     age(T0, false, 0, 0, 7, 14, T0 + D(100000)), MU_AGE_OK,
		     0);
	CHECK(!age(T0, false, 0, 0, 7, 14, T0).expires,
	      "aging: max 0 has no expiry date");
	expect_state("max 1, warn 1: warned right after the change",
		     age(T0, false, 1, 0, 1, 0, T0), MU_AGE_WARN, 1);
	expect_state("negative values count as 0",
		     age(T0, false, -5, -1, -7, -14, T0 + D(100000)),
		     MU_AGE_OK, 0);
}

static void
test_forced(void)
{
	expect_state("forced, no max", age(T0, true, 0, 0, 7, 0, T0),
		     MU_AGE_CHANGE, 0);
	expect_state("forced, far from max", age(T0, true, 90, 0, 7, 14, T0),
		     MU_AGE_CHANGE, 90);
	expect_state("forced, past max + grace stays expired",
		     age(T0, true, 90, 0, 7, 14, T0 + D(104)),
		     MU_AGE_EXPIRED, 0);
	CHECK(age(T0, true, 0, 0, 0, 0, T0).forced &&
	      !age(T0, false, 0, 0, 0, 0, T0).forced, "aging: forced flag");
}

static void
test_mindays(void)
{
	const char *why;
	struct mu_age ag;

	CHECK(age(T0, false, 0, 1, 0, 0, T0 + D(1) - 1).too_soon,
	      "mindays 1: one second before a day is too soon");
	CHECK(!age(T0, false, 0, 1, 0, 0, T0 + D(1)).too_soon,
	      "mindays 1: after exactly a day it is not");
	CHECK(!age(T0, false, 0, 0, 0, 0, T0).too_soon,
	      "mindays 0: never too soon");
	ag = age(T0, false, 0, 1, 0, 0, T0);
	CHECK(mu_age_may_change(&ag, false, false, &why) == MU_E_TOOSOON &&
	      why != NULL && strstr(why, "wait longer") != NULL,
	      "mindays: a user must wait (%s)", why);
	CHECK(mu_age_may_change(&ag, true, false, &why) == MU_OK,
	      "mindays: root need not wait");
	ag = age(T0, true, 0, 1, 0, 0, T0);
	CHECK(mu_age_may_change(&ag, false, false, &why) == MU_OK,
	      "mindays: a forced change need not wait");
	ag = age(T0, false, 1, 5, 0, 0, T0 + D(1));
	CHECK(ag.too_soon && mu_age_may_change(&ag, false, false, &why) ==
	      MU_OK, "mindays: an expired password need not wait");
}

static void
test_may_change(void)
{
	const char *why;
	struct mu_age ag;

	ag = age(T0, false, 90, 0, 7, 14, T0);
	CHECK(mu_age_may_change(&ag, false, true, &why) == MU_E_NOTEXPIRED &&
	      strcmp(why, "Your password has not expired.") == 0,
	      "expired-only change of a good password refused");
	ag = age(T0, false, 90, 0, 7, 14, T0 + D(85));
	CHECK(mu_age_may_change(&ag, false, true, &why) == MU_E_NOTEXPIRED,
	      "expired-only change inside the warning window refused");
	CHECK(mu_age_may_change(&ag, false, false, &why) == MU_OK,
	      "ordinary change inside the warning window allowed");
	ag = age(T0, false, 90, 0, 7, 14, T0 + D(90));
	CHECK(mu_age_may_change(&ag, false, true, &why) == MU_OK,
	      "expired-only change of an expired password allowed");
	ag = age(T0, true, 0, 0, 0, 0, T0);
	CHECK(mu_age_may_change(&ag, false, true, &why) == MU_OK,
	      "expired-only change of a forced password allowed");
	ag = age(T0, false, 90, 0, 7, 14, T0 + D(104));
	CHECK(mu_age_may_change(&ag, false, false, &why) == MU_E_PW_EXPIRED &&
	      strstr(why, "administrator") != NULL,
	      "past the grace period the owner cannot change it");
	CHECK(mu_age_may_change(&ag, false, true, &why) == MU_E_PW_EXPIRED,
	      "past the grace period an expired-only change is refused");
	CHECK(mu_age_may_change(&ag, true, false, &why) == MU_OK,
	      "past the grace period root can");
}

static void
test_future_and_huge(void)
{
	struct mu_age ag;

	ag = age(T0 + D(10), false, 90, 5, 7, 14, T0);
	CHECK(ag.future && !ag.too_soon && ag.state == MU_AGE_OK &&
	      ag.expires_at == T0 + D(90),
	      "change time in the future: counted from now, never too soon");
	ag = age(INT64_MAX, false, 90, 5, 7, 14, T0);
	CHECK(ag.future && ag.state == MU_AGE_OK && ag.days_left == 90,
	      "change time INT64_MAX");
	ag = age(T0, false, INT64_MAX, 0, 7, 14, T0 + D(100000));
	CHECK(ag.state == MU_AGE_OK && !ag.expires,
	      "max INT64_MAX days: never");
	ag = age(T0, false, INT64_MAX / MU_DAY, 0, 7, 14, T0);
	CHECK(ag.state == MU_AGE_OK && !ag.expires,
	      "max days reaching past INT64_MAX seconds: never");
	ag = age(INT64_MAX, false, 1, 0, 7, 14, INT64_MAX);
	CHECK(ag.state == MU_AGE_OK && !ag.expires && !ag.future,
	      "change and now at INT64_MAX: no overflow, no expiry");
	ag = age(INT64_MIN, false, 1, 0, 0, 0, 0);
	CHECK(ag.state == MU_AGE_CHANGE && ag.expires &&
	      ag.expires_at == INT64_MIN + D(1),
	      "change time INT64_MIN: long expired");
	ag = age(INT64_MIN, false, 1, 0, 0, 1, INT64_MAX);
	CHECK(ag.state == MU_AGE_EXPIRED && ag.days_left == 0,
	      "INT64_MIN to INT64_MAX: past grace, no overflow");
	ag = age(T0, false, 90, 0, 0, INT64_MAX, INT64_MAX);
	CHECK(ag.state == MU_AGE_CHANGE,
	      "grace INT64_MAX: never past grace");
	ag = age(T0, false, 90, 0, INT64_MAX, 0, T0);
	CHECK(ag.state == MU_AGE_WARN && ag.days_left == 90,
	      "warn INT64_MAX: always inside the window");
	ag = age(T0, false, 0, INT64_MAX, 0, 0, INT64_MAX - 1);
	CHECK(ag.too_soon, "min INT64_MAX: always too soon");
	ag = age(INT64_MIN, false, 0, 1, 0, 0, INT64_MIN + D(1) - 1);
	CHECK(ag.too_soon, "mindays near INT64_MIN");
	ag = age(INT64_MIN + 1, false, INT64_MAX, INT64_MAX, INT64_MAX,
		 INT64_MAX, INT64_MIN);
	CHECK(ag.future && ag.state == MU_AGE_OK,
	      "every value at its extreme");
	ag = age(T0, false, 30, 0, 0, 0, INT64_MIN);
	CHECK(ag.future && ag.days_left == 30, "now INT64_MIN");
	ag = age(INT64_MIN, false, 3, 0, 0, 0, INT64_MIN);
	CHECK(ag.expires && ag.days_left == 3, "both at INT64_MIN");
}

static void
test_resolve(void)
{
	struct mu_aging rec = { MU_INHERIT, 0, 3, MU_INHERIT };
	struct mu_aging def = { 90, 1, 7, 14 }, out;
	struct mu_config cfg;

	mu_aging_resolve(&rec, &def, &out);
	CHECK(out.max_days == 90 && out.min_days == 0 && out.warn_days == 3 &&
	      out.grace_days == 14,
	      "resolve: MU_INHERIT takes the default, 0 overrides it");
	mu_config_defaults(&cfg);
	mu_config_aging(&cfg, &out);
	CHECK(out.max_days == 0 && out.min_days == 0 && out.warn_days == 7 &&
	      out.grace_days == 0, "config defaults: maxdays 0 (never), "
	      "mindays 0, warndays 7, graced 0");
}

/* ---- quality checks ------------------------------------------------- */

static char tmpdir[] = "/tmp/mu-policy-XXXXXX";

static int
check_pw(const char *pw, const char *current, const char (*hist)[MU_HASH_MAX],
	 size_t nhist, const char *dict, const char **why)
{
	struct mu_pwcheck pc = { 10, dict, "alice@example.org", current, hist,
				 nhist, mu_method_find("sha512crypt"), 1000 };

	return mu_strength_check(&pc, pw, why);
}

static void
weak(const char *label, const char *pw, const char *want)
{
	const char *why = NULL;
	int r = check_pw(pw, NULL, NULL, 0, MU_DICT_DEFAULT, &why);

	CHECK(r == MU_E_WEAK && why != NULL && strstr(why, want) != NULL,
	      "quality: %s refused (%s)", label, why != NULL ? why : "-");
}

static void
good(const char *label, const char *pw)
{
	const char *why = NULL;
	int r = check_pw(pw, NULL, NULL, 0, MU_DICT_DEFAULT, &why);

	CHECK(r == MU_OK, "quality: %s accepted%s%s", label,
	      why != NULL ? ": " : "", why != NULL ? why : "");
}

static void
copy_file(const char *from, const char *to, size_t cut)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	if (in == NULL || out == NULL) {
		perror(from);
		exit(2);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (cut != 0)
			memset(buf, 0, n < cut ? n : cut), cut = 0;
		fwrite(buf, 1, n, out);
	}
	fclose(in);
	fclose(out);
}

static void
test_quality(void)
{
	char pw512[MU_PASS_MAX + 2], h[4][MU_HASH_MAX], cur[MU_HASH_MAX];
	const struct mu_method *sha = mu_method_find("sha512crypt");
	const char *why;

	good("an unrelated 14-character password", "Tq9!mirth-Vole");
	good("exactly minlen", "Pw0-Hx7-Qz");
	weak("a dictionary word", "basketball", "dictionary word");
	weak("a capitalised dictionary word", "Sunflower99",
	     "dictionary word");
	weak("one byte under minlen", "Pw0-Hx7-Q", "shorter than the minimum");
	weak("an empty password", "", "no password");
	memset(pw512, 'x', MU_PASS_MAX + 1);
	pw512[MU_PASS_MAX + 1] = '\0';
	weak("512 bytes", pw512, "longer than 511");
	weak("the local part", "my-alice-9#Xq", "user name");
	weak("the local part in capitals", "ALICE#9q-Xv7w", "user name");
	weak("the domain", "Zq9#example-Kv", "domain name");
	weak("the domain in capitals", "Zq9#EXAMPLE-Kv", "domain name");
	weak("the 3-byte label org", "Zq9#org-Kv-77w", "domain name");
	good("a 2-byte label of another domain is not a name",
	     "Tq9!ab-mirth-Vole");

	if (mu_hash_new(sha, 1000, "Tq9!mirth-Vole", cur, sizeof(cur)) != 0 ||
	    mu_hash_new(sha, 1000, "Kb4$gravel-Ox1", h[0], MU_HASH_MAX) != 0 ||
	    mu_hash_new(sha, 1000, "Jv3#Wren-Kiln88", h[1], MU_HASH_MAX) != 0 ||
	    mu_hash_new(sha, 1000, "Zr5-cobalt-Fern", h[2], MU_HASH_MAX) != 0)
		exit(2);
	h[3][0] = '!';
	memcpy(h[3] + 1, h[2], strlen(h[2]) + 1);
	CHECK(check_pw("Tq9!mirth-Vole", cur, NULL, 0, MU_DICT_DEFAULT, &why) ==
	      MU_E_WEAK && strstr(why, "same as the current") != NULL,
	      "quality: the current password refused");
	CHECK(check_pw("Kb4$gravel-Ox1", cur, (const char (*)[MU_HASH_MAX])h,
		       3, MU_DICT_DEFAULT, &why) == MU_E_WEAK &&
	      strstr(why, "used recently") != NULL,
	      "quality: the newest history entry refused");
	CHECK(check_pw("Zr5-cobalt-Fern", cur, (const char (*)[MU_HASH_MAX])h,
		       3, MU_DICT_DEFAULT, &why) == MU_E_WEAK,
	      "quality: the oldest history entry refused");
	CHECK(check_pw("Zr5-cobalt-Fern", cur, (const char (*)[MU_HASH_MAX])h,
		       2, MU_DICT_DEFAULT, &why) == MU_OK,
	      "quality: a hash beyond the history length does not count");
	CHECK(check_pw("Mt2!Quay-Sloe-44", cur, (const char (*)[MU_HASH_MAX])h,
		       4, MU_DICT_DEFAULT, &why) == MU_OK,
	      "quality: a new password with a history, and a '!' entry");
}

static void
test_dictionary(void)
{
	char base[64], p[96], from[96];
	const char *why = NULL;
	static const char *const sfx[] = { ".pwd", ".pwi", ".hwm" };
	size_t i;

	CHECK(check_pw("Tq9!mirth-Vole", NULL, NULL, 0, "/nonexistent/dict",
		       &why) == MU_E_DICT && why != NULL &&
	      strstr(why, "missing or unreadable") != NULL,
	      "dictionary missing: refused (%s)", why);
	CHECK(check_pw("Tq9!mirth-Vole", NULL, NULL, 0, NULL, &why) ==
	      MU_E_DICT, "dictionary not configured: refused");
	CHECK(check_pw("x", NULL, NULL, 0, "/nonexistent/dict", &why) ==
	      MU_E_DICT, "dictionary missing: refused before the length");
	if (mkdtemp(tmpdir) == NULL)
		exit(2);
	snprintf(base, sizeof(base), "%s/dict", tmpdir);
	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", MU_DICT_DEFAULT, sfx[i]);
		snprintf(p, sizeof(p), "%s%s", base, sfx[i]);
		copy_file(from, p, 0);
	}
	CHECK(mu_dict_check(base, &why) == MU_OK &&
	      check_pw("basketball", NULL, NULL, 0, base, &why) == MU_E_WEAK,
	      "a copy of the dictionary works");
	snprintf(p, sizeof(p), "%s.hwm", base);
	unlink(p);
	CHECK(mu_dict_check(base, &why) == MU_E_DICT,
	      "dictionary without .hwm refused");
	copy_file(MU_DICT_DEFAULT ".hwm", p, 0);
	snprintf(p, sizeof(p), "%s.pwi", base);
	copy_file(MU_DICT_DEFAULT ".pwi", p, 4);
	CHECK(mu_dict_check(base, &why) == MU_E_DICT,
	      "dictionary with a bad index header refused");
	copy_file(MU_DICT_DEFAULT ".pwi", p, 0);
	snprintf(p, sizeof(p), "%s.pwd", base);
	unlink(p);
	if (mkdir(p, 0700) != 0)
		exit(2);
	CHECK(mu_dict_check(base, &why) == MU_E_DICT,
	      "dictionary whose .pwd is a directory refused");
	rmdir(p);
	if (getuid() != 0) {
		copy_file(MU_DICT_DEFAULT ".pwd", p, 0);
		chmod(p, 0);
		CHECK(mu_dict_check(base, &why) == MU_E_DICT,
		      "unreadable dictionary refused");
	}
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", base, sfx[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

/* ---- options -------------------------------------------------------- */

static void
test_options(void)
{
	struct mu_config cfg;
	static const char *const bad[][2] = {
		{ "minlen", "0" }, { "minlen", "512" }, { "retry", "0" },
		{ "retry", "11" }, { "remember", "101" },
		{ "maxdays", "1000001" }, { "warndays", "-1" },
		{ "graced", "x" }, { "dictpath", "relative/dict" },
	};
	static const char *const ok[][2] = {
		{ "minlen", "1" }, { "minlen", "511" }, { "retry", "10" },
		{ "remember", "0" }, { "remember", "100" },
		{ "maxdays", "1000000" }, { "mindays", "0" },
		{ "warndays", "0" }, { "graced", "30" },
		{ "dictpath", "/usr/share/dict/words" },
	};
	size_t i;

	mu_config_defaults(&cfg);
	CHECK(cfg.minlen == 10 && cfg.retry == 3 && cfg.remember == 5 &&
	      cfg.maxdays == 0 && cfg.mindays == 0 && cfg.warndays == 7 &&
	      cfg.graced == 0 && !cfg.use_authtok &&
	      strcmp(cfg.dictpath, MU_DICT_DEFAULT) == 0,
	      "password options: defaults");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(mu_config_set(&cfg, MU_FROM_FILE, "test", bad[i][0],
				    bad[i][1], NULL) == MU_E_CONFIG,
		      "option %s=%s refused", bad[i][0], bad[i][1]);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(mu_config_set(&cfg, MU_FROM_FILE, "test", ok[i][0],
				    ok[i][1], NULL) == MU_OK,
		      "option %s=%s accepted", ok[i][0], ok[i][1]);
	CHECK(mu_config_set(&cfg, MU_FROM_FILE, "test", "use_authtok", "yes",
			    NULL) == MU_E_CONFIG &&
	      mu_config_set(&cfg, MU_FROM_ARG, "test", "use_authtok", NULL,
			    NULL) == MU_OK && cfg.use_authtok,
	      "use_authtok: a module argument only");
	CHECK(strcmp(mu_strerror(MU_E_WEAK), "password refused by the "
		     "quality checks") == 0, "strerror of the new codes");
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_expiry();
	test_forced();
	test_mindays();
	test_may_change();
	test_future_and_huge();
	test_resolve();
	test_quality();
	test_dictionary();
	test_options();
	return tap_failed != 0;
}
