/* Unit tests of the core: names, options, hashing, secrets. */
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "mu_config.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_lockout.h"
#include "mu_log.h"
#include "mu_secret.h"
#include "mu_source.h"
#include "mu_username.h"

static char lastlog[1024];

static void
sink(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	(void)prio;
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
}

static const struct mu_log tlog = { sink, NULL, true };

/* ---- names ---------------------------------------------------------- */

static void
canon_ok(const char *in, const char *dd, bool lower, const char *want)
{
	char out[MU_NAME_MAX + 1];
	const char *why = NULL;
	int r = mu_canon(in, dd, lower ? MU_CANON_LOWER_LOCAL : 0, out, &why);

	CHECK(r == MU_OK && strcmp(out, want) == 0, "canon \"%s\" -> \"%s\"",
	      in, want);
	if (r != MU_OK)
		printf("#   refused: %s\n", why);
	else if (strcmp(out, want) != 0)
		printf("#   got \"%s\"\n", out);
}

static void
canon_bad(const char *label, const char *in, const char *dd)
{
	char out[MU_NAME_MAX + 1];
	const char *why = NULL;
	int r = mu_canon(in, dd, MU_CANON_LOWER_LOCAL, out, &why);

	CHECK(r == MU_E_BADNAME && why != NULL, "canon refuses %s", label);
}

static void
test_names(void)
{
	char buf[600], dom[300];
	size_t i;

	canon_ok("Alice@Example.ORG", NULL, true, "alice@example.org");
	canon_ok("Alice@Example.ORG", NULL, false, "Alice@example.org");
	canon_ok("bob", "Example.org", true, "bob@example.org");
	canon_ok("o'brien@example.org", NULL, true, "o'brien@example.org");
	canon_ok("a%b_c@example.org", NULL, true, "a%b_c@example.org");
	canon_ok("Juergen@B\xc3\xbc" "cher.de", NULL, true,
		 "juergen@xn--bcher-kva.de");
	canon_bad("a UTF-8 local part without utf8_local",
		  "J\xc3\xbcrgen@example.org", NULL);
	canon_ok("first.last+tag@sub.example.org", NULL, true,
		 "first.last+tag@sub.example.org");
	canon_bad("a bare name without default_domain", "bob", NULL);
	canon_bad("an empty name", "", "example.org");
	canon_bad("an empty local part", "@example.org", NULL);
	canon_bad("an empty domain", "bob@", NULL);
	canon_bad("two '@'", "a@b@example.org", NULL);
	canon_bad("a space", "a b@example.org", NULL);
	canon_bad("a tab", "a\tb@example.org", NULL);
	canon_bad("a newline", "ab@example.org\n", NULL);
	canon_bad("DEL", "a\x7f@example.org", NULL);
	canon_bad("escape", "a\x1b[31m@example.org", NULL);
	canon_bad("invalid UTF-8", "a\xc3\x28@example.org", NULL);
	canon_bad("a lone continuation byte", "a\x80@example.org", NULL);
	canon_bad("overlong UTF-8", "a\xc0\xaf@example.org", NULL);
	canon_bad("a UTF-16 surrogate", "a\xed\xa0\x80@example.org", NULL);
	canon_bad("a code point above U+10FFFF", "a\xf4\x90\x80\x80@x.org",
		  NULL);
	canon_bad("a C1 control", "a\xc2\x85@example.org", NULL);
	canon_bad("truncated UTF-8", "a@example.org\xe2\x82", NULL);
	canon_bad("':'", "a:b@example.org", NULL);
	canon_bad("'/'", "../x@example.org", NULL);
	canon_bad("'\\'", "a\\b@example.org", NULL);
	canon_bad("'\"'", "\"a\"@example.org", NULL);
	canon_bad("a leading '.'", ".a@example.org", NULL);
	canon_bad("a trailing '.'", "a.@example.org", NULL);
	canon_bad("\"..\"", "a..b@example.org", NULL);
	canon_bad("'_' in the domain", "a@exa_mple.org", NULL);
	canon_bad("an empty domain label", "a@example..org", NULL);
	canon_bad("a label starting with '-'", "a@-example.org", NULL);
	canon_bad("a label ending with '-'", "a@example-.org", NULL);
	canon_bad("a trailing dot in the domain", "a@example.org.", NULL);
	canon_bad("a bad default_domain", "bob", "exa mple.org");

	/* length caps */
	memset(buf, 'a', 64);
	strcpy(buf + 64, "@example.org");
	canon_ok(buf, NULL, true, buf);
	memset(buf, 'a', 65);
	strcpy(buf + 65, "@example.org");
	canon_bad("a 65-byte local part", buf, NULL);
	/* 63-byte labels, 253 bytes of domain: 64 + 1 + 253 = 318 */
	for (i = 0; i < 4; i++) {
		memset(dom + i * 64, 'd', 63);
		dom[i * 64 + 63] = '.';
	}
	dom[253] = '\0';	/* "ddd...ddd.ddd...ddd.(3x)dd..d" = 253 */
	snprintf(buf, sizeof(buf), "%.64s@%s",
		 "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll",
		 dom);
	{
		char out[MU_NAME_MAX + 1];

		CHECK(strlen(buf) == 318 && mu_canon(buf, NULL, MU_CANON_LOWER_LOCAL, out,
						     NULL) == MU_OK,
		      "canon accepts a 318-byte address");
	}
	memset(dom + 253, 'd', 1);
	dom[254] = '\0';
	snprintf(buf, sizeof(buf), "a@%s", dom);
	canon_bad("a 254-byte domain", buf, NULL);
	memset(buf, 'a', 400);
	buf[400] = '\0';
	canon_bad("a 400-byte name", buf, "example.org");
	memset(dom, 'x', 64);
	strcpy(dom + 64, ".org");
	snprintf(buf, sizeof(buf), "a@%s", dom);
	canon_bad("a 64-byte domain label", buf, NULL);

	CHECK(mu_utf8_valid("\xf0\x9f\x93\xa7", 4), "utf8: U+1F4E7 valid");
	CHECK(!mu_utf8_valid("\xf0\x9f\x93", 3), "utf8: cut 4-byte invalid");
	{
		char out[MU_DOMAIN_MAX + 1];

		CHECK(mu_canon_domain("Example.ORG", out, NULL) == MU_OK &&
		      strcmp(out, "example.org") == 0,
		      "canon_domain lowercases");
	}
}

/* ---- options -------------------------------------------------------- */

static int
set(struct mu_config *c, enum mu_origin o, const char *k, const char *v)
{
	return mu_config_set(c, o, "test", k, v, &tlog);
}

static char tmpdir[] = "/tmp/mu-unit-XXXXXX";

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void
test_options(void)
{
	struct mu_config c;
	char path[256], link[256], arg[300];
	const char *argv[4];

	mu_config_defaults(&c);
	CHECK(strcmp(c.db, MU_DB_DEFAULT) == 0 &&
	      strcmp(c.hash, "yescrypt") == 0 && c.rehash &&
	      c.lowercase_local && c.busy_timeout == 5000 && !c.debug &&
	      !c.audit && c.default_domain[0] == '\0',
	      "option defaults");

	CHECK(set(&c, MU_FROM_FILE, "db", "/srv/mail.db") == MU_OK &&
	      strcmp(c.db, "/srv/mail.db") == 0, "db= absolute path");
	CHECK(set(&c, MU_FROM_FILE, "db", "mail.db") == MU_E_CONFIG,
	      "db= relative path refused");
	CHECK(set(&c, MU_FROM_ARG, "conf", "/etc/x.conf") == MU_OK &&
	      strcmp(c.conf, "/etc/x.conf") == 0, "conf= as argument");
	CHECK(set(&c, MU_FROM_FILE, "conf", "/etc/x.conf") == MU_E_CONFIG,
	      "conf= refused in the file");
	CHECK(set(&c, MU_FROM_FILE, "default_domain", "Example.ORG") ==
	      MU_OK && strcmp(c.default_domain, "example.org") == 0,
	      "default_domain= lowercased");
	CHECK(set(&c, MU_FROM_FILE, "default_domain", "bad domain") ==
	      MU_E_CONFIG, "default_domain= invalid refused");
	CHECK(set(&c, MU_FROM_FILE, "lowercase_local", "no") == MU_OK &&
	      !c.lowercase_local, "lowercase_local=no");
	CHECK(set(&c, MU_FROM_FILE, "lowercase_local", "maybe") ==
	      MU_E_CONFIG, "lowercase_local=maybe refused");
	CHECK(set(&c, MU_FROM_FILE, "hash", "sha512crypt") == MU_OK &&
	      strcmp(c.hash, "sha512crypt") == 0, "hash=sha512crypt");
	CHECK(set(&c, MU_FROM_FILE, "hash", "md5crypt") == MU_E_CONFIG,
	      "hash=md5crypt refused for new hashes");
	CHECK(set(&c, MU_FROM_FILE, "hash", "") == MU_E_CONFIG,
	      "hash= empty refused");
	CHECK(set(&c, MU_FROM_FILE, "hash_cost", "5000") == MU_OK &&
	      c.hash_cost == 5000, "hash_cost=5000");
	CHECK(set(&c, MU_FROM_FILE, "hash_cost", "-1") == MU_E_CONFIG,
	      "hash_cost=-1 refused");
	CHECK(set(&c, MU_FROM_FILE, "hash_cost", "12x") == MU_E_CONFIG,
	      "hash_cost=12x refused");
	CHECK(set(&c, MU_FROM_FILE, "hash_cost", "99999999999999999999") ==
	      MU_E_CONFIG, "hash_cost overflow refused");
	CHECK(set(&c, MU_FROM_FILE, "rehash", "off") == MU_OK && !c.rehash,
	      "rehash=off");
	CHECK(set(&c, MU_FROM_FILE, "busy_timeout", "250") == MU_OK &&
	      c.busy_timeout == 250, "busy_timeout=250");
	CHECK(set(&c, MU_FROM_FILE, "busy_timeout", "60001") == MU_E_CONFIG,
	      "busy_timeout above 60000 refused");
	CHECK(set(&c, MU_FROM_ARG, "debug", NULL) == MU_OK && c.debug,
	      "bare word debug");
	CHECK(set(&c, MU_FROM_ARG, "audit", NULL) == MU_OK && c.audit,
	      "bare word audit");
	CHECK(set(&c, MU_FROM_ARG, "use_first_pass", NULL) == MU_OK &&
	      c.use_first_pass, "use_first_pass as argument");
	CHECK(set(&c, MU_FROM_FILE, "use_first_pass", "yes") == MU_E_CONFIG,
	      "use_first_pass refused in the file");
	CHECK(set(&c, MU_FROM_ARG, "try_first_pass", NULL) == MU_OK &&
	      c.try_first_pass, "try_first_pass as argument");
	CHECK(mu_config_finish(&c, &tlog) == MU_E_CONFIG,
	      "use_first_pass with try_first_pass refused");
	CHECK(set(&c, MU_FROM_ARG, "hash_cost", NULL) == MU_E_CONFIG,
	      "bare word for a number refused");
	CHECK(set(&c, MU_FROM_ARG, "nosuch", "1") == MU_E_CONFIG &&
	      strstr(lastlog, "unknown option") != NULL,
	      "unknown key refused and logged");

	mu_config_defaults(&c);
	set(&c, MU_FROM_FILE, "hash", "bcrypt");
	set(&c, MU_FROM_FILE, "hash_cost", "3");
	CHECK(mu_config_finish(&c, &tlog) == MU_E_CONFIG,
	      "bcrypt cost 3 out of range");
	set(&c, MU_FROM_FILE, "hash_cost", "5");
	CHECK(mu_config_finish(&c, &tlog) == MU_OK &&
	      strcmp(c.method->prefix, "$2b$") == 0, "bcrypt cost 5");
	set(&c, MU_FROM_FILE, "hash", "yescrypt");
	set(&c, MU_FROM_FILE, "hash_cost", "12");
	CHECK(mu_config_finish(&c, &tlog) == MU_E_CONFIG,
	      "yescrypt cost 12 out of range");

	/* files */
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/mailuser.conf", tmpdir);
	write_file(path, "# comment\n\n db = /srv/m.db \n"
		   "hash=sha256crypt\ndefault_domain = example.org\r\n",
		   0600);
	mu_config_defaults(&c);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_OK &&
	      strcmp(c.db, "/srv/m.db") == 0 &&
	      strcmp(c.hash, "sha256crypt") == 0 &&
	      strcmp(c.default_domain, "example.org") == 0,
	      "config file: comments, blanks, spaces, CRLF");
	chmod(path, 0620);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_E_CONFIG,
	      "config file writable by group refused");
	chmod(path, 0602);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_E_CONFIG,
	      "config file writable by others refused");
	chmod(path, 0600);
	snprintf(link, sizeof(link), "%s/link.conf", tmpdir);
	CHECK(symlink(path, link) == 0 &&
	      mu_config_load(&c, link, true, &tlog) == MU_E_CONFIG &&
	      strstr(lastlog, "symbolic link") != NULL,
	      "config file symlink refused");
	snprintf(link, sizeof(link), "%s/missing.conf", tmpdir);
	CHECK(mu_config_load(&c, link, false, &tlog) == MU_OK,
	      "missing optional config file is fine");
	CHECK(mu_config_load(&c, link, true, &tlog) == MU_E_CONFIG,
	      "missing required config file refused");
	CHECK(mu_config_load(&c, tmpdir, true, &tlog) == MU_E_CONFIG,
	      "directory as config file refused");
	write_file(path, "db /srv/m.db\n", 0600);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_E_CONFIG,
	      "line without '=' refused");
	write_file(path, "colour = blue\n", 0600);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_E_CONFIG &&
	      strstr(lastlog, ":1: unknown option") != NULL,
	      "unknown key in file refused with line number");
	write_file(path, "db = /srv/a.db\n[check]\nhost = mx.example\n"
		   "db = /srv/b.db\n[other-tool_2]\ncolour = blue\n", 0600);
	mu_config_defaults(&c);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_OK &&
	      strcmp(c.db, "/srv/a.db") == 0,
	      "config file: [sections] of other programs skipped");
	write_file(path, "[che ck]\n", 0600);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_E_CONFIG,
	      "config file: a malformed [section] line refused");
	write_file(path, "db = postgresql://u:secret@db.example/mail\n", 0644);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_E_CONFIG &&
	      strstr(lastlog, "readable by others") != NULL,
	      "config file with a database password readable by others "
	      "refused");
	chmod(path, 0640);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_OK &&
	      strcmp(c.db, "postgresql://u:secret@db.example/mail") == 0,
	      "... and accepted at 0640");
	write_file(path, "db = host=db.example dbname=mail passfile=/etc/pgp\n",
		   0644);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_OK,
	      "a passfile is no password: readable by others is fine");
	write_file(path, "db = relative/path.db\n", 0600);
	CHECK(mu_config_load(&c, path, true, &tlog) == MU_E_CONFIG,
	      "db: neither a path nor a connection string refused");
	write_file(path, "hash = sha512crypt\nhash_cost = 1000\n", 0600);
	snprintf(arg, sizeof(arg), "conf=%s", path);
	argv[0] = arg;
	argv[1] = "hash_cost=2000";
	argv[2] = "debug";
	CHECK(mu_config_from_args(&c, 3, argv, &tlog) == MU_OK &&
	      strcmp(c.hash, "sha512crypt") == 0 && c.hash_cost == 2000 &&
	      c.debug, "arguments override the file");
	argv[1] = "hash_cost=1";
	CHECK(mu_config_from_args(&c, 2, argv, &tlog) == MU_E_CONFIG,
	      "sha512crypt cost 1 refused");
	argv[1] = "db";
	CHECK(mu_config_from_args(&c, 2, argv, &tlog) == MU_E_CONFIG,
	      "db without value refused");
	argv[0] = "conf=/nonexistent/mailuser.conf";
	CHECK(mu_config_from_args(&c, 1, argv, &tlog) == MU_E_CONFIG,
	      "missing conf= file refused");
	unlink(path);
	unlink(link);
	snprintf(link, sizeof(link), "%s/link.conf", tmpdir);
	unlink(link);
	rmdir(tmpdir);
}

/* ---- hashing -------------------------------------------------------- */

static const struct mu_method *
yes(void)
{
	return mu_method_find("yescrypt");
}

static void
test_hashes(void)
{
	/* Every method libxcrypt may offer: prefix, and name we report. */
	static const struct {
		const char *prefix, *name;
	} all[] = {
		{ "$y$", "yescrypt" }, { "$gy$", "gost-yescrypt" },
		{ "$7$", "scrypt" }, { "$2b$", "bcrypt" },
		{ "$2y$", "bcrypt_y" }, { "$2a$", "bcrypt_a" },
		{ "$6$", "sha512crypt" }, { "$5$", "sha256crypt" },
		{ "$sha1", "sha1crypt" }, { "$md5", "sunmd5" },
		{ "$1$", "md5crypt" }, { "_", "bsdicrypt" },
		{ "", "descrypt" }, { "$3$", "nt" },
	};
	const struct mu_method *sha = mu_method_find("sha512crypt");
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], h[MU_HASH_MAX];
	char bad[MU_HASH_MAX], computed[MU_HASH_MAX], longpw[600];
	size_t i;
	int n_enabled = 0;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *pw = "Correct horse 42";
		const char *desc = all[i].name;

		if (crypt_gensalt_rn(all[i].prefix, 0, NULL, 0, setting,
				     sizeof(setting)) == NULL) {
			printf("# %s: not enabled in this libxcrypt\n", desc);
			continue;
		}
		n_enabled++;
		if (strcmp(all[i].prefix, "") == 0 ||
		    strcmp(all[i].prefix, "_") == 0)
			pw = "Correct";	/* DES uses 8 bytes */
		CHECK(mu_hash_compute(pw, setting, h, sizeof(h)) == MU_OK,
		      "%s: hash computed", desc);
		CHECK(mu_hash_verify(pw, h, sha, 1000, NULL) == MU_OK,
		      "%s: right password verifies", desc);
		CHECK(mu_hash_verify("wrong password", h, sha, 1000,
				     computed) == MU_E_MISMATCH &&
		      computed[0] != '\0' && strcmp(computed, h) != 0,
		      "%s: wrong password fails", desc);
		CHECK(strcmp(mu_hash_method_name(h), all[i].name) == 0,
		      "%s: method named", desc);
		snprintf(bad, sizeof(bad), "%.*s", (int)strlen(h) - 1, h);
		CHECK(mu_hash_verify(pw, bad, sha, 1000, NULL) ==
		      MU_E_MISMATCH, "%s: truncated hash fails", desc);
		snprintf(bad, sizeof(bad), "!%s", h);
		CHECK(mu_hash_verify(pw, bad, sha, 1000, NULL) ==
		      MU_E_MISMATCH, "%s: '!'-locked hash fails", desc);
		CHECK(mu_hash_needs_upgrade(h, yes(), 0) ==
		      (strcmp(all[i].prefix, "$y$") != 0),
		      "%s: upgrade detection", desc);
		mu_wipe(h, sizeof(h));
	}
	CHECK(n_enabled >= 6, "libxcrypt offers at least the 6 strong "
	      "methods (%d enabled)", n_enabled);

	/* every method accepted for new hashes works with its defaults */
	for (i = 0; mu_methods[i].name != NULL; i++) {
		const struct mu_method *m = &mu_methods[i];

		CHECK(mu_hash_new(m, 0, "pw for new", h, sizeof(h)) == MU_OK &&
		      strncmp(h, m->prefix, strlen(m->prefix)) == 0 &&
		      mu_hash_verify("pw for new", h, m, 0, NULL) == MU_OK,
		      "new %s hash", m->name);
	}
	CHECK(mu_hash_new(sha, 1000, "x", h, sizeof(h)) == MU_OK &&
	      strncmp(h, "$6$rounds=1000$", 15) == 0,
	      "sha512crypt cost lands in the setting");

	/* failure tokens and unusable hashes never match */
	CHECK(mu_hash_verify("x", NULL, sha, 1000, NULL) == MU_E_MISMATCH,
	      "NULL hash fails");
	CHECK(mu_hash_verify("x", "", sha, 1000, NULL) == MU_E_MISMATCH,
	      "empty hash fails");
	CHECK(mu_hash_verify("*0", "*0", sha, 1000, NULL) == MU_E_MISMATCH,
	      "failure token *0 fails");
	CHECK(mu_hash_verify("*1", "*1", sha, 1000, NULL) == MU_E_MISMATCH,
	      "failure token *1 fails");
	CHECK(mu_hash_verify("*", "*", sha, 1000, NULL) == MU_E_MISMATCH,
	      "'*' fails");
	CHECK(mu_hash_verify("!", "!", sha, 1000, NULL) == MU_E_MISMATCH,
	      "'!' fails");
	CHECK(mu_hash_verify("x", "$9$garbage", sha, 1000, NULL) ==
	      MU_E_MISMATCH, "unknown method fails");
	CHECK(!mu_hash_needs_upgrade("!", yes(), 0) &&
	      !mu_hash_needs_upgrade("", yes(), 0) &&
	      !mu_hash_needs_upgrade(NULL, yes(), 0),
	      "unusable hashes are never upgraded");
	/* the same method with another cost is upgraded too */
	CHECK(mu_hash_new(sha, 1000, "x", h, sizeof(h)) == MU_OK &&
	      !mu_hash_needs_upgrade(h, sha, 1000) &&
	      mu_hash_needs_upgrade(h, sha, 5000) &&
	      mu_hash_needs_upgrade(h, sha, 0),
	      "sha512crypt: another rounds= is upgraded, the same is not");
	CHECK(mu_hash_new(yes(), 5, "x", h, sizeof(h)) == MU_OK &&
	      !mu_hash_needs_upgrade(h, yes(), 5) &&
	      mu_hash_needs_upgrade(h, yes(), 7),
	      "yescrypt: another cost is upgraded, the same is not");
	CHECK(mu_hash_new(mu_method_find("bcrypt"), 5, "x", h, sizeof(h)) ==
	      MU_OK && !mu_hash_needs_upgrade(h, mu_method_find("bcrypt"), 5) &&
	      mu_hash_needs_upgrade(h, mu_method_find("bcrypt"), 6),
	      "bcrypt: another cost is upgraded, the same is not");
	/* the fingerprint of a wrong password: 3 characters of the hash */
	{
		char fp[MU_FP_LEN + 1];

		mu_fail_fingerprint("$6$rounds=1000$salt$ABCDEFGH", fp);
		CHECK(strcmp(fp, "ABC") == 0, "fingerprint of a $ hash");
		mu_fail_fingerprint("saABCDEFGHIJK", fp);
		CHECK(strcmp(fp, "ABC") == 0, "fingerprint of a DES hash");
		mu_fail_fingerprint("", fp);
		CHECK(fp[0] == '\0', "no fingerprint of nothing");
	}
	CHECK(strcmp(mu_hash_method_name("*0"), "invalid") == 0 &&
	      strcmp(mu_hash_method_name("$9$x"), "invalid") == 0,
	      "unusable hashes named invalid");

	/* lengths */
	CHECK(mu_pass_check_len("") == MU_E_EMPTY, "empty password refused");
	CHECK(mu_pass_check_len(NULL) == MU_E_EMPTY, "NULL password refused");
	memset(longpw, 'p', MU_PASS_MAX);
	longpw[MU_PASS_MAX] = '\0';
	CHECK(mu_pass_check_len(longpw) == MU_OK, "511-byte password ok");
	CHECK(mu_hash_new(sha, 1000, longpw, h, sizeof(h)) == MU_OK &&
	      mu_hash_verify(longpw, h, sha, 1000, NULL) == MU_OK,
	      "511-byte password hashes and verifies");
	longpw[MU_PASS_MAX] = 'p';
	longpw[MU_PASS_MAX + 1] = '\0';
	CHECK(mu_pass_check_len(longpw) == MU_E_TOOLONG,
	      "512-byte password refused");
	CHECK(mu_hash_new(sha, 1000, longpw, h, sizeof(h)) == MU_E_TOOLONG,
	      "512-byte password not hashed");
	CHECK(mu_hash_verify(longpw, h, sha, 1000, NULL) == MU_E_TOOLONG,
	      "512-byte password not verified");
	CHECK(mu_hash_new(sha, 1000, "", h, sizeof(h)) == MU_E_EMPTY,
	      "empty password not hashed");
	mu_hash_new(sha, 1000, "", h, sizeof(h));
	CHECK(mu_hash_verify("", h, sha, 1000, NULL) == MU_E_EMPTY,
	      "empty password never verifies");
	CHECK(mu_hash_compute("", "$6$rounds=1000$abc$", h, sizeof(h)) ==
	      MU_OK, "crypt of empty string works (so refusal is ours)");
	CHECK(mu_hash_verify("", h, sha, 1000, NULL) == MU_E_EMPTY,
	      "empty password against its own hash refused");
	CHECK(mu_hash_setting(sha, 1000, setting, 8) == MU_E_INVAL,
	      "setting buffer too small refused");
}

static void
test_secrets(void)
{
	char buf[16] = "secret";
	char *s = strdup("heap secret");
	char esc[64];

	CHECK(mu_ct_streq("abc", "abc"), "ct_streq equal");
	CHECK(!mu_ct_streq("abc", "abd"), "ct_streq differ last");
	CHECK(!mu_ct_streq("abc", "abcd"), "ct_streq prefix");
	CHECK(!mu_ct_streq("abcd", "abc"), "ct_streq longer");
	CHECK(!mu_ct_streq("", "a") && mu_ct_streq("", ""), "ct_streq empty");
	CHECK(!mu_ct_streq(NULL, "a") && !mu_ct_streq(NULL, NULL),
	      "ct_streq NULL");
	mu_wipe(buf, sizeof(buf));
	CHECK(buf[0] == 0 && buf[5] == 0, "wipe zeroes");
	mu_wipe(NULL, 5);
	mu_free_secret(s);
	mu_free_secret(NULL);
	CHECK(strcmp(mu_escape(esc, sizeof(esc), "a b\\c\n\xc3\xa9"),
		     "a\\x20b\\x5cc\\x0a\\xc3\\xa9") == 0, "escape for logs");
	CHECK(strlen(mu_escape(esc, 8, "\n\n\n\n")) < 8, "escape truncates");
	CHECK(strcmp(mu_strerror(MU_E_STORE), "user store unavailable") == 0 &&
	      strcmp(mu_strerror(12345), "unknown error") == 0, "strerror");
}

static void
test_lockout_math(void)
{
	const struct mu_fail_policy p = { 3, 10, 900, 600 };
	const struct mu_fail_policy forever = { 3, 10, 900, 0 };
	struct mu_fail_row old = { 0, 0, 0, 0 }, row;
	bool engaged;

	CHECK(mu_sat_add(INT64_MAX, 1) == INT64_MAX &&
	      mu_sat_add(INT64_MIN, -1) == INT64_MIN &&
	      mu_sat_add(40, 2) == 42, "saturating add");
	engaged = mu_fail_next(&old, false, 1000, p.deny, &p, &row);
	CHECK(!engaged && row.count == 1 && row.first == 1000 &&
	      row.last == 1000 && row.locked_until == 0, "first failure");
	old = row;
	mu_fail_next(&old, true, 1100, p.deny, &p, &row);
	old = row;
	engaged = mu_fail_next(&old, true, 1200, p.deny, &p, &row);
	CHECK(engaged && row.count == 3 && row.locked_until == 1800,
	      "third failure in the window locks until now + unlock_time");
	CHECK(mu_fail_locked(&row, 1799) && !mu_fail_locked(&row, 1800),
	      "locked until, not at, locked_until");
	old = row;
	engaged = mu_fail_next(&old, true, 1300, p.deny, &p, &row);
	CHECK(!engaged && row.count == 4 && row.locked_until == 1800,
	      "a failure during the lock counts and does not extend it");
	old = row;
	engaged = mu_fail_next(&old, true, 1900, p.deny, &p, &row);
	CHECK(!engaged && row.count == 1 && row.first == 1900 &&
	      row.locked_until == 0, "after the lock a new count starts");
	old = (struct mu_fail_row){ 2, 1000, 1000, 0 };
	engaged = mu_fail_next(&old, true, 1900, p.deny, &p, &row);
	CHECK(!engaged && row.count == 1, "window passed: count restarts");
	engaged = mu_fail_next(&old, true, 1899, p.deny, &p, &row);
	CHECK(engaged && row.count == 3, "window edge: 899 s still counts");
	engaged = mu_fail_next(&old, true, 500, p.deny, &p, &row);
	CHECK(engaged && row.count == 3,
	      "clock stepped backwards: still in the window");
	old = (struct mu_fail_row){ 5, 1000, 1000, 5000 };
	CHECK(mu_fail_locked(&old, 10),
	      "clock stepped backwards: lock holds");
	engaged = mu_fail_next(&old, true, 10, p.deny, &p, &row);
	CHECK(!engaged && row.count == 6 && row.locked_until == 5000,
	      "clock stepped backwards: the lock is neither lifted nor moved");
	old = (struct mu_fail_row){ 2, 1000, 1000, 0 };
	engaged = mu_fail_next(&old, true, 1001, forever.deny, &forever, &row);
	CHECK(engaged && row.locked_until == MU_FOREVER,
	      "unlock_time=0 locks until an administrator unlocks");
	old = (struct mu_fail_row){ 2, INT64_MAX - 5, 0, 0 };
	engaged = mu_fail_next(&old, true, INT64_MAX - 1, p.deny, &p, &row);
	CHECK(engaged && row.locked_until == MU_FOREVER,
	      "lock end saturates");
	old = (struct mu_fail_row){ INT64_MAX, 1000, 1000, 0 };
	mu_fail_next(&old, true, 1001, 0, &p, &row);
	CHECK(row.count == INT64_MAX && row.locked_until == 0,
	      "count saturates; limit 0 never locks");
	old = (struct mu_fail_row){ 1, INT64_MIN, 0, 0 };
	mu_fail_next(&old, true, INT64_MAX, p.deny, &p, &row);
	CHECK(row.count == 1, "huge elapsed time restarts the count");
}

/* One source key: rhost with a prefix gives want. */
static void
source_is(const char *rhost, unsigned prefix, const char *want)
{
	char out[MU_SOURCE_MAX + 1];

	mu_source_norm(rhost, prefix, out, sizeof(out));
	CHECK(strcmp(out, want) == 0, "source \"%s\" /%u -> \"%s\"",
	      rhost != NULL ? rhost : "(null)", prefix, want);
	if (strcmp(out, want) != 0)
		printf("#   got \"%s\"\n", out);
}

static void
test_sources(void)
{
	char big[600], out[MU_SOURCE_MAX + 1];

	/* one IPv4 address, however it is written */
	source_is("192.0.2.7", 64, "192.0.2.7");
	source_is("192.000.002.007", 64, "192.0.2.7");
	source_is("::ffff:192.0.2.7", 64, "192.0.2.7");
	source_is("::FFFF:C000:0207", 64, "192.0.2.7");
	source_is("0:0:0:0:0:ffff:192.0.2.7", 64, "192.0.2.7");
	source_is("[::ffff:192.0.2.7]", 64, "192.0.2.7");
	/* IPv6: RFC 5952 text, grouped by the prefix */
	source_is("2001:DB8:0:0:1::1", 128, "2001:db8::1:0:0:1");
	source_is("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64");
	source_is("2001:db8:1:2::9", 64, "2001:db8:1:2::/64");
	source_is("[2001:db8:1:2::9]", 64, "2001:db8:1:2::/64");
	source_is("fe80::1%eth0", 64, "fe80::/64");
	source_is("2001:db8:1:2ff::1", 56, "2001:db8:1:200::/56");
	source_is("2001:db8:1:2::1", 48, "2001:db8:1::/48");
	source_is("2001:db8:1:2::1", 1, "2001::/16");
	source_is("2001:db8:1:2::1", 999, "2001:db8:1:2::1");
	source_is("::1", 64, "::/64");
	/* no address: never taken for one */
	source_is(NULL, 64, "unknown");
	source_is("", 64, "unknown");
	source_is("Mail.Example.ORG", 64, "name:mail.example.org");
	source_is("192.0.2.7.example", 64, "name:192.0.2.7.example");
	source_is("192.0.2.256", 64, "name:192.0.2.256");
	source_is("1.2.3", 64, "name:1.2.3");
	source_is("0xc0.0.2.7", 64, "name:0xc0.0.2.7");
	source_is("3221225991", 64, "name:3221225991");
	source_is("a b\tc\x01\xff", 64, "name:a?b?c??");
	source_is("unknown", 64, "name:unknown");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mu_source_norm(big, 64, out, sizeof(out));
	CHECK(strlen(out) == MU_SOURCE_MAX && strncmp(out, "name:", 5) == 0,
	      "a long name is cut to %d bytes", MU_SOURCE_MAX);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_names();
	test_options();
	test_hashes();
	test_secrets();
	test_lockout_math();
	test_sources();
	return tap_failed != 0;
}
