/*
 * Password changes through the real libpam: pam_chauthtok with a scripted
 * conversation, as root and as "nobody" (a forked child that drops its
 * privileges), quality refusals, history, aging in acct_mgmt, the change
 * transaction and its audit row, and concurrent changes.
 *
 *   test_passwd BUILD_DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "harness.h"
#include "mu_hash.h"
#include "schema_sql.h"

#define RHOST "192.0.2.50"
#define DAYS(n) ((long long)(n) * 86400)

static char admin[PATH_MAX + 32];
static uid_t nobody_uid;
static gid_t nobody_gid;
static int rounds = 200;	/* concurrent changes per process */

/* ---- a scripted conversation ---------------------------------------- */

struct script {
	const char *ans[16];	/* answers to the prompts, in order */
	int next;
	char prompts[1024];	/* every prompt, one per line */
	char msgs[2048];	/* every error and info text, one per line */
	int sync_after;		/* after this many answers: barrier */
	int to_parent, from_parent;
};

static void
append(char *buf, size_t bufsz, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, bufsz - n, "%s\n", s);
}

static int
sconv(int n, const struct pam_message **msg, struct pam_response **resp,
      void *arg)
{
	struct script *sc = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	char c = 0;
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			append(sc->prompts, sizeof(sc->prompts), msg[i]->msg);
			if (sc->next >= 16 || sc->ans[sc->next] == NULL) {
				free(r);	/* no answer left */
				return PAM_CONV_ERR;
			}
			r[i].resp = strdup(sc->ans[sc->next++]);
			if (sc->sync_after > 0 && sc->next == sc->sync_after &&
			    (write(sc->to_parent, "r", 1) != 1 ||
			     read(sc->from_parent, &c, 1) != 1))
				_exit(3);
			break;
		default:
			append(sc->msgs, sizeof(sc->msgs), msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

enum op { OP_CHAUTHTOK, OP_ACCT };

/* pam_chauthtok or pam_acct_mgmt for user on service. */
static int
pam_op(enum op op, const char *service, const char *user, int flags,
       struct script *sc)
{
	struct pam_conv pc = { sconv, sc };
	pam_handle_t *pamh = NULL;
	int r;

	if ((r = pam_start_confdir(service, user, &pc, dir, &pamh)) !=
	    PAM_SUCCESS)
		return 1000 + r;
	pam_set_item(pamh, PAM_RHOST, RHOST);
	r = op == OP_CHAUTHTOK ? pam_chauthtok(pamh, flags) :
	    pam_acct_mgmt(pamh, flags);
	pam_end(pamh, r);
	return r;
}

/* The same in a child that runs as nobody; the messages come back. */
static int
nobody_op(enum op op, const char *service, const char *user, int flags,
	  struct script *sc)
{
	int fd[2], r = -1, st;
	pid_t pid = -1;

	if (pipe(fd) != 0 || (pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(fd[0]);
		if (setgroups(0, NULL) != 0 || setgid(nobody_gid) != 0 ||
		    setuid(nobody_uid) != 0)
			_exit(4);
		r = pam_op(op, service, user, flags, sc);
		if (write(fd[1], &r, sizeof(r)) != sizeof(r) ||
		    write(fd[1], sc, sizeof(*sc)) != sizeof(*sc))
			_exit(5);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &r, sizeof(r)) != sizeof(r) ||
	    read(fd[0], sc, sizeof(*sc)) != sizeof(*sc))
		r = -1;
	close(fd[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		r = -2;
	return r;
}

/* ---- the store ------------------------------------------------------ */

/* The layout of "mailuser-admin init --group nogroup" for nobody_op:
 * the store root-owned, group nogroup, mode 0660, in a directory the
 * group may write (for the -wal and -shm files).  The module refuses a
 * store owned by another user than root or itself. */
static void
give_to_nobody(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char p[PATH_MAX + 8];
	size_t i;

	if (chown(dir, 0, nobody_gid) != 0 || chmod(dir, 0770) != 0)
		die(dir);
	/* PostgreSQL: the database decides; the configuration, which holds
	 * the role's password, is readable by the group only */
	for (i = 0; !pg_mode && i < 3; i++) {
		int fd;

		/* -wal and -shm made beforehand, as init makes them */
		snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
		if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0660)) < 0)
			die(p);
		close(fd);
		if (chown(p, 0, nobody_gid) != 0 || chmod(p, 0660) != 0)
			die(p);
	}
}

/* Everything a change writes, as one string, for "nothing written". */
static void
snapshot(const char *user, char *out, size_t outsz)
{
	char q[512];

	snprintf(q, sizeof(q), "SELECT hash || '|' || pw_changed || '|' || "
		 "force_change || '|' || (SELECT count(*) FROM pw_history h "
		 "WHERE h.user_id = u.id) || '|' || (SELECT count(*) FROM "
		 "audit) FROM users u WHERE name = '%s'", user);
	text_of(db, q, out, outsz);
}

static void
set_changed(const char *user, long long ago)
{
	sql(db, "UPDATE users SET pw_changed = strftime('%%s','now') - %lld "
	    "WHERE name = '%q'", ago, user);
}

/* Does pw log in as user (auth and account both succeed)? */
static int
auth(const char *user, const char *pw)
{
	return login("pw", user, pw).auth;
}

static bool
has(const char *text, const char *want)
{
	return strstr(text, want) != NULL;
}

/* ---- the cases ------------------------------------------------------ */

static void
test_root_change(void)
{
	struct script sc = { .ans = { "Tq9!mirth-Vole", "Tq9!mirth-Vole" } };
	char actor[64], tool[64];
	long long now = (long long)time(NULL);
	int r;

	sql(db, "INSERT INTO failures (user_id, source, count, first_fail, "
	    "last_fail) SELECT id, 'x', 2, 1, 1 FROM users WHERE name = "
	    "'alice@example.org'");
	sql(db, "INSERT INTO recent_failures (user_id, digest, at) SELECT id, "
	    "'d', 1 FROM users WHERE name = 'alice@example.org'");
	r = pam_op(OP_CHAUTHTOK, "pw", "alice@example.org", 0, &sc);
	CHECK(r == PAM_SUCCESS, "root changes a password without the old one "
	      "(%s)", pam_strerror(NULL, r));
	CHECK(!has(sc.prompts, "Current password"),
	      "root is not asked for the current password");
	CHECK(has(sc.prompts, "New password: \nRetype new password: \n"),
	      "the new password is asked for twice");
	CHECK(count(db, "SELECT count(*) FROM pw_history h JOIN users u ON "
		    "u.id = h.user_id WHERE u.name = 'alice@example.org'") == 1,
	      "the old hash went into the history");
	CHECK(count(db, "SELECT abs(pw_changed - strftime('%s','now')) < 60 "
		    "AND force_change = 0 FROM users WHERE name = "
		    "'alice@example.org'") == 1, "pw_changed is now");
	CHECK(count(db, "SELECT count(*) FROM failures f JOIN users u ON "
		    "u.id = f.user_id WHERE u.name = 'alice@example.org'") == 0 &&
	      count(db, "SELECT count(*) FROM recent_failures f JOIN users u "
		    "ON u.id = f.user_id WHERE u.name = 'alice@example.org'") ==
	      0, "failure counters and stale digests deleted");
	CHECK(auth("alice@example.org", "Tq9!mirth-Vole") == PAM_SUCCESS,
	      "the new password logs in");
	CHECK(auth("alice@example.org", "alice old pw") == PAM_AUTH_ERR,
	      "the old password does not");
	CHECK(count(db, "SELECT count(*) FROM audit WHERE tool = "
		    "'pam_mailuser' AND action = 'passwd' AND account = "
		    "'alice@example.org' AND detail IS NULL AND uid = 0") == 1 &&
	      count(db, "SELECT max(at) FROM audit") >= now,
	      "one audit row: tool, action, account, uid, no detail");
	text_of(db, "SELECT coalesce(actor, '(null)') FROM audit ORDER BY id "
		"DESC LIMIT 1", actor, sizeof(actor));
	text_of(db, "SELECT tool FROM audit ORDER BY id DESC LIMIT 1", tool,
		sizeof(tool));
	printf("# audit actor %s, tool %s\n", actor, tool);
	CHECK(count(db, "SELECT count(*) FROM audit WHERE detail LIKE '%$%' "
		    "OR actor LIKE '%$%'") == 0, "no hash in the audit table");
}

static void
test_user_change(void)
{
	struct script ok = { .ans = { "bob old pw", "Kb4$gravel-Ox1",
			       "Kb4$gravel-Ox1" } };
	struct script bad = { .ans = { "bob wrong pw" } };
	struct script unk = { .ans = { "whatever" } };
	char before[1024], after[1024];
	int r;

	give_to_nobody();
	snapshot("bob@example.org", before, sizeof(before));
	r = nobody_op(OP_CHAUTHTOK, "pw", "bob@example.org", 0, &bad);
	snapshot("bob@example.org", after, sizeof(after));
	CHECK(r == PAM_AUTH_ERR && strcmp(before, after) == 0,
	      "nobody with a wrong current password: PAM_AUTH_ERR, nothing "
	      "written (%s)", pam_strerror(NULL, r));
	CHECK(has(bad.prompts, "Current password: ") &&
	      !has(bad.prompts, "New password") &&
	      has(bad.msgs, "Changing password for bob@example.org."),
	      "the current password is asked for first");
	CHECK(count(db, "SELECT coalesce(sum(count), 0) FROM failures f JOIN "
		    "users u ON u.id = f.user_id WHERE u.name = "
		    "'bob@example.org' AND source = '" RHOST "'") == 1,
	      "the wrong current password counts as a failure");
	r = nobody_op(OP_CHAUTHTOK, "pw", "bob@example.org", 0, &ok);
	CHECK(r == PAM_SUCCESS, "nobody with the current password: changed "
	      "(%s)", pam_strerror(NULL, r));
	CHECK(count(db, "SELECT count(*) FROM failures f JOIN users u ON "
		    "u.id = f.user_id WHERE u.name = 'bob@example.org'") == 0,
	      "the change cleared the failure counter");
	CHECK(auth("bob@example.org", "Kb4$gravel-Ox1") == PAM_SUCCESS &&
	      auth("bob@example.org", "bob old pw") == PAM_AUTH_ERR,
	      "new password in, old one out");
	CHECK(count(db, "SELECT count(*) FROM audit WHERE account = "
		    "'bob@example.org' AND uid = 65534") == 1,
	      "audit row with the caller's uid");
	r = nobody_op(OP_CHAUTHTOK, "pw", "nosuch@example.org", 0, &unk);
	CHECK(r == PAM_USER_UNKNOWN && has(unk.prompts, "Current password"),
	      "unknown user as nobody: asked like anyone, then "
	      "PAM_USER_UNKNOWN");
	unk.next = 0;
	r = pam_op(OP_CHAUTHTOK, "pw", "nosuch@example.org", 0, &unk);
	CHECK(r == PAM_USER_UNKNOWN, "unknown user as root: "
	      "PAM_USER_UNKNOWN (%s)", pam_strerror(NULL, r));
	unk.next = 0;
	r = pam_op(OP_CHAUTHTOK, "pw", "bad name@example.org", 0, &unk);
	CHECK(r == PAM_USER_UNKNOWN, "refused name: PAM_USER_UNKNOWN");
	unk.next = 0;
	r = pam_op(OP_CHAUTHTOK, "missing", "bob@example.org", 0, &unk);
	CHECK(r == PAM_AUTHINFO_UNAVAIL, "missing store: "
	      "PAM_AUTHINFO_UNAVAIL (%s)", pam_strerror(NULL, r));
	give_to_nobody();
	{
		struct script dis = { .ans = { "dis old pw" } };
		struct script dis2 = { .ans = { "not dis pw" } };

		snapshot("dis@example.org", before, sizeof(before));
		r = nobody_op(OP_CHAUTHTOK, "pw", "dis@example.org", 0, &dis);
		CHECK(r == PAM_AUTH_ERR, "disabled user, right current "
		      "password: refused as a wrong one (%s)",
		      pam_strerror(NULL, r));
		r = nobody_op(OP_CHAUTHTOK, "pw", "dis@example.org", 0, &dis2);
		snapshot("dis@example.org", after, sizeof(after));
		CHECK(r == PAM_AUTH_ERR && !has(dis.msgs, "disabled") &&
		      !has(dis2.msgs, "disabled"), "disabled user, wrong "
		      "current password: the same code and messages");
		CHECK(strcmp(before, after) == 0, "no new hash for a disabled "
		      "user");
		dis.next = 0;
		r = pam_op(OP_CHAUTHTOK, "pw", "dis@example.org", 0, &dis);
		CHECK(r == PAM_PERM_DENIED, "root: a disabled user's password "
		      "is not changed through PAM (%s)", pam_strerror(NULL, r));
	}
}

/* A refused new password: the code, the message, nothing written. */
static void
refuse(const char *label, const char *service, const char *user,
       const char *pw, int want, const char *msg)
{
	struct script sc = { .ans = { pw, pw } };
	char before[1024], after[1024];
	int r;

	snapshot(user, before, sizeof(before));
	r = pam_op(OP_CHAUTHTOK, service, user, 0, &sc);
	snapshot(user, after, sizeof(after));
	CHECK(r == want && has(sc.msgs, msg) && strcmp(before, after) == 0,
	      "%s: %s, \"%s\", nothing written", label,
	      pam_strerror(NULL, want), msg);
	if (r != want || !has(sc.msgs, msg))
		printf("#   got %s, messages: %s\n", pam_strerror(NULL, r),
		       sc.msgs);
}

static void
test_quality(void)
{
	const char *u = "carol@example.org";

	refuse("dictionary word", "pw1", u, "basketball", PAM_AUTHTOK_ERR,
	       "BAD PASSWORD: it is based on a dictionary word");
	refuse("too short", "pw1", u, "Xq7#pL2", PAM_AUTHTOK_ERR,
	       "BAD PASSWORD: it is shorter than the minimum length");
	refuse("contains the local part", "pw1", u, "Carol-7412-xq",
	       PAM_AUTHTOK_ERR, "BAD PASSWORD: it contains the user name");
	refuse("contains the domain name", "pw1", u, "Zq9#Example-Kv",
	       PAM_AUTHTOK_ERR, "BAD PASSWORD: it contains the domain name");
	refuse("equal to the current one", "pw1", u, "Gc1^Plume-Vetch",
	       PAM_AUTHTOK_ERR,
	       "BAD PASSWORD: it is the same as the current password");
	refuse("missing dictionary", "nodict", u, "Ex9~Knoll-Drab",
	       PAM_AUTHTOK_ERR, "The password cannot be changed now: the "
	       "password dictionary is missing or unreadable.");
	{
		struct script sc = { .ans = { "basketball", "basketball",
				       "Xq7#pL2", "Xq7#pL2", "one1-Two2-x",
				       "one1-Two2-y" } };
		int r = pam_op(OP_CHAUTHTOK, "pw", u, 0, &sc);

		CHECK(r == PAM_MAXTRIES, "three bad tries: PAM_MAXTRIES (%s)",
		      pam_strerror(NULL, r));
		CHECK(has(sc.msgs, "Sorry, passwords do not match."),
		      "a mismatch is said");
	}
	{
		struct script sc = { .ans = { "basketball", "basketball",
				       "Ex9~Knoll-Drab", "Ex9~Knoll-Drab" } };
		int r = pam_op(OP_CHAUTHTOK, "pw", u, 0, &sc);

		CHECK(r == PAM_SUCCESS && auth(u, "Ex9~Knoll-Drab") ==
		      PAM_SUCCESS, "a good second try succeeds");
	}
	{
		struct script sc = { .ans = { "basketball", "basketball" } };
		int r = pam_op(OP_CHAUTHTOK, "pw1", u, PAM_SILENT, &sc);

		CHECK(r == PAM_AUTHTOK_ERR && sc.msgs[0] == '\0',
		      "PAM_SILENT: refused without a word");
	}
}

static void
test_authtok(void)
{
	struct script sc = { .ans = { NULL } };
	int r;

	r = pam_op(OP_CHAUTHTOK, "authtok", "carol@example.org", 0, &sc);
	CHECK(r == PAM_SUCCESS && sc.prompts[0] == '\0' &&
	      auth("carol@example.org", "Hn6+Brisk-Ogre") == PAM_SUCCESS,
	      "use_authtok: the earlier module's new password, no prompt "
	      "(%s)", pam_strerror(NULL, r));
	memset(&sc, 0, sizeof(sc));
	r = pam_op(OP_CHAUTHTOK, "authtok_weak", "carol@example.org", 0, &sc);
	CHECK(r == PAM_AUTHTOK_ERR && sc.prompts[0] == '\0' &&
	      has(sc.msgs, "dictionary word"),
	      "use_authtok: a weak one is refused without a retry");
	memset(&sc, 0, sizeof(sc));
	r = pam_op(OP_CHAUTHTOK, "authtok_none", "carol@example.org", 0, &sc);
	CHECK(r == PAM_AUTHTOK_ERR && sc.prompts[0] == '\0',
	      "use_authtok without an earlier module: PAM_AUTHTOK_ERR");
}

static const char *const hist_pw[] = {
	"Pw0-Hx7-Qz4-Lm2", "Jv3#Wren-Kiln88", "Zr5-cobalt-Fern",
	"Mt2!Quay-Sloe-44", "Yd8=Tarn-Whelk", "Hn6+Brisk-Ogre",
	"Gc1^Plume-Vetch",
};

static bool
file_has(const char *path, const char *needle)
{
	static char buf[4 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return memmem(buf, n, needle, strlen(needle)) != NULL;
}

static void
test_history(void)
{
	const char *u = "hist@example.org";
	char first[600], p[PATH_MAX + 8], label[64];
	struct script sc;
	int i, r, fails = 0;

	text_of(db, "SELECT hash FROM users WHERE name = 'hist@example.org'",
		first, sizeof(first));
	for (i = 1; i <= 6; i++) {	/* hist_pw[0] is the first one */
		memset(&sc, 0, sizeof(sc));
		sc.ans[0] = sc.ans[1] = hist_pw[i];
		if ((r = pam_op(OP_CHAUTHTOK, "pw1", u, 0, &sc)) !=
		    PAM_SUCCESS) {
			printf("# change %d: %s %s\n", i, pam_strerror(NULL, r),
			       sc.msgs);
			fails++;
		}
	}
	CHECK(fails == 0 && count(db, "SELECT count(*) FROM pw_history h "
				  "JOIN users u ON u.id = h.user_id WHERE "
				  "u.name = 'hist@example.org'") == 5,
	      "six changes, the history holds the last five");
	for (i = 1; i <= 5; i++) {
		snprintf(label, sizeof(label), "reused %d changes back", 6 - i);
		refuse(label, "pw1", u, hist_pw[i], PAM_AUTHTOK_ERR,
		       "BAD PASSWORD: it was used recently");
	}
	snprintf(p, sizeof(p), "%s", db);
	CHECK(!file_has(p, first) && !file_has((strcat(p, "-wal"), p), first),
	      "the pruned hash is gone from the database file and the WAL");
	memset(&sc, 0, sizeof(sc));
	sc.ans[0] = sc.ans[1] = hist_pw[0];
	r = pam_op(OP_CHAUTHTOK, "pw1", u, 0, &sc);
	CHECK(r == PAM_SUCCESS, "six changes back is allowed again (%s)",
	      pam_strerror(NULL, r));
	memset(&sc, 0, sizeof(sc));
	sc.ans[0] = sc.ans[1] = hist_pw[1];
	CHECK(pam_op(OP_CHAUTHTOK, "remember0", u, 0, &sc) == PAM_SUCCESS &&
	      count(db, "SELECT count(*) FROM pw_history h JOIN users u ON "
		    "u.id = h.user_id WHERE u.name = 'hist@example.org'") == 0,
	      "remember=0 keeps no history");
}

/* force-change with the admin tool, then an expired-only change by the
 * user, as Dovecot's or a webmail's password changer would do it. */
static void
test_forced(void)
{
	struct script a = { .ans = { NULL } }, ch = { .ans = { "dave old pw",
			  "Yd8=Tarn-Whelk", "Yd8=Tarn-Whelk" } };
	char cmd[3 * PATH_MAX];
	int r;

	snprintf(cmd, sizeof(cmd), "%s -c %s user force-change "
		 "dave@example.org", admin, conf);
	CHECK(system(cmd) == 0, "mailuser-admin user force-change");
	give_to_nobody();
	r = nobody_op(OP_ACCT, "pw", "dave@example.org", 0, &a);
	CHECK(r == PAM_NEW_AUTHTOK_REQD && has(a.msgs, "administrator "
						 "enforced"),
	      "acct_mgmt: PAM_NEW_AUTHTOK_REQD (%s)", pam_strerror(NULL, r));
	r = nobody_op(OP_CHAUTHTOK, "pw", "dave@example.org",
		      PAM_CHANGE_EXPIRED_AUTHTOK, &ch);
	CHECK(r == PAM_SUCCESS && has(ch.prompts, "Current password"),
	      "nobody: PAM_CHANGE_EXPIRED_AUTHTOK with the old password "
	      "(%s)", pam_strerror(NULL, r));
	memset(&a, 0, sizeof(a));
	r = nobody_op(OP_ACCT, "pw", "dave@example.org", 0, &a);
	CHECK(r == PAM_SUCCESS && count(db, "SELECT force_change FROM users "
					"WHERE name = 'dave@example.org'") == 0,
	      "acct_mgmt then succeeds, force_change cleared");
}

static void
test_aging(void)
{
	struct script sc = { .ans = { NULL } };
	int r;

	/* service "aging": maxdays=30 warndays=7 graced=10 mindays=1 */
	set_changed("erin@example.org", DAYS(25));
	r = pam_op(OP_ACCT, "aging", "erin@example.org", 0, &sc);
	CHECK(r == PAM_SUCCESS && has(sc.msgs, "Your password will expire "
					"in 5 days."),
	      "inside the warning window: success and a warning");
	memset(&sc, 0, sizeof(sc));
	r = pam_op(OP_ACCT, "aging", "erin@example.org", PAM_SILENT, &sc);
	CHECK(r == PAM_SUCCESS && sc.msgs[0] == '\0',
	      "PAM_SILENT: no warning");
	memset(&sc, 0, sizeof(sc));
	r = pam_op(OP_ACCT, "pw", "erin@example.org", 0, &sc);
	CHECK(r == PAM_SUCCESS && sc.msgs[0] == '\0',
	      "maxdays unset: no expiry");

	set_changed("fred@example.org", DAYS(35));
	memset(&sc, 0, sizeof(sc));
	r = pam_op(OP_ACCT, "aging", "fred@example.org", 0, &sc);
	CHECK(r == PAM_NEW_AUTHTOK_REQD && has(sc.msgs, "password expired"),
	      "older than maxdays: PAM_NEW_AUTHTOK_REQD (%s)",
	      pam_strerror(NULL, r));
	give_to_nobody();
	{
		struct script ch = { .ans = { "fred old pw", "Mt2!Quay-Sloe-44",
				       "Mt2!Quay-Sloe-44" } };

		r = nobody_op(OP_CHAUTHTOK, "aging", "fred@example.org",
			      PAM_CHANGE_EXPIRED_AUTHTOK, &ch);
		CHECK(r == PAM_SUCCESS, "the expired password is changed by "
		      "its owner (%s)", pam_strerror(NULL, r));
	}
	memset(&sc, 0, sizeof(sc));
	CHECK(pam_op(OP_ACCT, "aging", "fred@example.org", 0, &sc) ==
	      PAM_SUCCESS, "and account management is content");

	set_changed("gina@example.org", DAYS(45));
	memset(&sc, 0, sizeof(sc));
	r = pam_op(OP_ACCT, "aging", "gina@example.org", 0, &sc);
	CHECK(r == PAM_AUTHTOK_EXPIRED, "older than maxdays + graced: "
	      "PAM_AUTHTOK_EXPIRED (%s)", pam_strerror(NULL, r));
	give_to_nobody();
	{
		struct script ch = { .ans = { "gina old pw", "Hn6+Brisk-Ogre",
				       "Hn6+Brisk-Ogre" } };

		r = nobody_op(OP_CHAUTHTOK, "aging", "gina@example.org", 0,
			      &ch);
		CHECK(r == PAM_AUTHTOK_EXPIRED && has(ch.msgs, "ask your "
							"administrator"),
		      "past the grace period the owner cannot change it (%s)",
		      pam_strerror(NULL, r));
		memset(&ch, 0, sizeof(ch));
		ch.ans[0] = ch.ans[1] = "Hn6+Brisk-Ogre";
		r = pam_op(OP_CHAUTHTOK, "aging", "gina@example.org", 0, &ch);
		CHECK(r == PAM_SUCCESS, "root can (%s)",
		      pam_strerror(NULL, r));
	}

	give_to_nobody();
	{
		struct script ch = { .ans = { "hank old pw", "Gc1^Plume-Vetch",
				       "Gc1^Plume-Vetch" } };
		char before[1024], after[1024];

		snapshot("hank@example.org", before, sizeof(before));
		r = nobody_op(OP_CHAUTHTOK, "aging", "hank@example.org", 0,
			      &ch);
		snapshot("hank@example.org", after, sizeof(after));
		CHECK(r == PAM_AUTHTOK_ERR && has(ch.msgs, "You must wait "
						    "longer") &&
		      strcmp(before, after) == 0,
		      "mindays: a change the same day is refused (%s)",
		      pam_strerror(NULL, r));
		memset(&ch, 0, sizeof(ch));
		ch.ans[0] = ch.ans[1] = "Gc1^Plume-Vetch";
		CHECK(pam_op(OP_CHAUTHTOK, "aging", "hank@example.org", 0,
			     &ch) == PAM_SUCCESS, "mindays: root may");
	}
	give_to_nobody();
	{
		struct script ch = { .ans = { "ivan old pw", "Gc1^Plume-Vetch",
				       "Gc1^Plume-Vetch" } };

		r = nobody_op(OP_CHAUTHTOK, "pw", "ivan@example.org",
			      PAM_CHANGE_EXPIRED_AUTHTOK, &ch);
		CHECK(r == PAM_AUTHTOK_ERR && has(ch.msgs, "Your password has "
						    "not expired."),
		      "PAM_CHANGE_EXPIRED_AUTHTOK, not expired: refused "
		      "(%s)", pam_strerror(NULL, r));
		memset(&ch, 0, sizeof(ch));
		ch.ans[0] = "ivan old pw";
		ch.ans[1] = ch.ans[2] = "Gc1^Plume-Vetch";
		r = pam_op(OP_CHAUTHTOK, "pw", "ivan@example.org",
			   PAM_CHANGE_EXPIRED_AUTHTOK, &ch);
		CHECK(r == PAM_AUTHTOK_ERR, "also for root (the flag makes "
		      "root an ordinary caller)");
	}

	/* domain max_days 10; judy inherits it, kate overrides it with 0 */
	set_changed("judy@aged.example", DAYS(11));
	set_changed("kate@aged.example", DAYS(11));
	CHECK(acct_only("pw", "judy@aged.example") == PAM_NEW_AUTHTOK_REQD,
	      "the domain's max_days applies when the user has none");
	CHECK(acct_only("pw", "kate@aged.example") == PAM_SUCCESS,
	      "the user's max_days 0 (never) overrides the domain's");
	CHECK(acct_only("aging", "kate@aged.example") == PAM_SUCCESS,
	      "and the configuration's");
	CHECK(acct_only("aging", "judy@aged.example") == PAM_NEW_AUTHTOK_REQD,
	      "the domain's value over the configuration's");
}

/* ---- concurrency ---------------------------------------------------- */

static int
change_loop(const char *user, char tag)
{
	struct script sc;
	char pw[32];
	int i, bad = 0;

	for (i = 0; i < rounds; i++) {
		memset(&sc, 0, sizeof(sc));
		snprintf(pw, sizeof(pw), "Rr%03d-%c-Xq9!v", i, tag);
		sc.ans[0] = sc.ans[1] = pw;
		if (pam_op(OP_CHAUTHTOK, "pw", user, 0, &sc) != PAM_SUCCESS)
			bad++;
	}
	return bad;
}

static void
test_two_users(void)
{
	pid_t pid[2];
	int st, i, bad = 0;
	char pw[32];

	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) < 0)
			die("fork");
		if (pid[i] == 0)
			_exit(change_loop(i == 0 ? "ra@example.org" :
					  "rb@example.org", 'A' + i) != 0);
	}
	for (i = 0; i < 2; i++)
		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
	CHECK(bad == 0, "two processes change two users %d times each, "
	      "every change succeeds", rounds);
	CHECK(count(db, "SELECT count(*) FROM audit WHERE account = "
		    "'ra@example.org'") == rounds &&
	      count(db, "SELECT count(*) FROM audit WHERE account = "
		    "'rb@example.org'") == rounds, "no update lost: %d audit "
	      "rows each", rounds);
	snprintf(pw, sizeof(pw), "Rr%03d-A-Xq9!v", rounds - 1);
	CHECK(auth("ra@example.org", pw) == PAM_SUCCESS,
	      "the last password of the first user logs in");
	snprintf(pw, sizeof(pw), "Rr%03d-B-Xq9!v", rounds - 1);
	CHECK(auth("rb@example.org", pw) == PAM_SUCCESS,
	      "the last password of the second user logs in");
	CHECK(count(db, "SELECT count(*) FROM pw_history h JOIN users u ON "
		    "u.id = h.user_id WHERE u.name IN ('ra@example.org', "
		    "'rb@example.org')") == 10, "history pruned to 5 each");
}

/* Stacked as "password optional" before pam_permit, so that libpam
 * runs the update phase even when the preliminary check refused: a
 * failure-locked, admin-locked or disabled user still gets no new hash,
 * keeps the lock, and the right current password is refused with the
 * code of a wrong one. */
static void
test_stacked(void)
{
	static const struct {
		const char *user, *old, *label;
	} who[] = {
		{ "lka@example.org", "lka old pw", "failure-locked" },
		{ "adl@example.org", "adl old pw", "admin-locked" },
		{ "dsb@example.org", "dsb old pw", "disabled" },
	};
	char before[1024], after[1024];
	size_t i;
	int r, rw;

	sql(db, "INSERT INTO failures SELECT id, '" RHOST "', 5, 1, 1, "
	    "9223372036854775807 FROM users WHERE name = 'lka@example.org'");
	sql(db, "UPDATE users SET locked_at = 1, lock_reason = 'test' WHERE "
	    "name = 'adl@example.org'");
	sql(db, "UPDATE users SET disabled = 1 WHERE name = "
	    "'dsb@example.org'");
	give_to_nobody();
	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		struct script right = { .ans = { who[i].old, "Yq7#Lantern-Moss",
						 "Yq7#Lantern-Moss" } };
		struct script wrong = { .ans = { "not the pw 1",
						 "Yq7#Lantern-Moss",
						 "Yq7#Lantern-Moss" } };

		snapshot(who[i].user, before, sizeof(before));
		r = nobody_op(OP_CHAUTHTOK, "stacked", who[i].user, 0, &right);
		rw = nobody_op(OP_CHAUTHTOK, "stacked_strict", who[i].user, 0,
			       &wrong);
		snapshot(who[i].user, after, sizeof(after));
		CHECK(strcmp(before, after) == 0, "optional before pam_permit, "
		      "%s user, right current password: nothing written "
		      "(stack says %s)", who[i].label, pam_strerror(NULL, r));
		memset(&right, 0, sizeof(right));
		right.ans[0] = who[i].old;
		r = nobody_op(OP_CHAUTHTOK, "stacked_strict", who[i].user, 0,
			      &right);
		CHECK(r == rw && r == PAM_AUTH_ERR, "%s user: the right and a "
		      "wrong current password get the same code (%s, %s)",
		      who[i].label, pam_strerror(NULL, r),
		      pam_strerror(NULL, rw));
		CHECK(strcmp(right.msgs, wrong.msgs) == 0, "%s user: and the "
		      "same messages", who[i].label);
	}
	CHECK(count(db, "SELECT count(*) FROM failures f JOIN users u ON "
		    "u.id = f.user_id WHERE u.name = 'lka@example.org' AND "
		    "f.locked_until > strftime('%s','now')") == 1,
	      "a change never lifts the failure lock");
}

/* Two processes change one user; both have read the same hash before
 * either writes (a barrier in the conversation). */
static void
test_same_user(void)
{
	int n = rounds / 4, i, k, st, wins = 0, losses = 0, odd = 0;
	int up[2], down[2][2], res[2][2];
	char c, pw[2][32], last[32] = "";
	pid_t pid[2];

	for (i = 0; i < n; i++) {
		if (pipe(up) != 0)
			die("pipe");
		for (k = 0; k < 2; k++) {
			snprintf(pw[k], sizeof(pw[k]), "Ss%03d-%c-Xq9!v", i,
				 'A' + k);
			if (pipe(down[k]) != 0 || pipe(res[k]) != 0 ||
			    (pid[k] = fork()) < 0)
				die("fork");
			if (pid[k] == 0) {
				struct script sc;
				int r;

				memset(&sc, 0, sizeof(sc));
				sc.ans[0] = sc.ans[1] = pw[k];
				sc.sync_after = 2;
				sc.to_parent = up[1];
				sc.from_parent = down[k][0];
				r = pam_op(OP_CHAUTHTOK, "pw", "rc@example.org",
					   0, &sc);
				if (r == PAM_AUTHTOK_ERR &&
				    !has(sc.msgs, "changed by another process"))
					r = -1;
				(void)!write(res[k][1], &r, sizeof(r));
				_exit(0);
			}
		}
		for (k = 0; k < 2; k++)	/* both have read the hash */
			if (read(up[0], &c, 1) != 1)
				die("barrier");
		for (k = 0; k < 2; k++)
			if (write(down[k][1], "g", 1) != 1)
				die("barrier");
		for (k = 0; k < 2; k++) {
			int r = -2;

			if (read(res[k][0], &r, sizeof(r)) != sizeof(r) ||
			    waitpid(pid[k], &st, 0) != pid[k])
				r = -2;
			if (r == PAM_SUCCESS) {
				wins++;
				memcpy(last, pw[k], sizeof(last));
			} else if (r == PAM_AUTHTOK_ERR) {
				losses++;
			} else {
				odd++;
				printf("# round %d child %d: %d\n", i, k, r);
			}
			close(down[k][0]);
			close(down[k][1]);
			close(res[k][0]);
			close(res[k][1]);
		}
		close(up[0]);
		close(up[1]);
	}
	CHECK(wins == n && losses == n && odd == 0, "one user, two processes, "
	      "%d rounds: one wins and one gets \"changed by another "
	      "process\" each round (%d/%d/%d)", n, wins, losses, odd);
	CHECK(count(db, "SELECT count(*) FROM audit WHERE account = "
		    "'rc@example.org'") == n && auth("rc@example.org", last) ==
	      PAM_SUCCESS, "the last winner's password is the one stored");
}

/* ---- setup ---------------------------------------------------------- */

static void
setup(const char *build)
{
	static const char *const users[] = {
		"alice", "bob", "carol", "dave", "erin", "fred", "gina",
		"hank", "ivan", "dis", "ra", "rb", "rc", "lka", "adl", "dsb",
	};
	char name[64], pw[64];
	struct passwd *pw_nobody = getpwnam("nobody");
	FILE *f;
	size_t i;

	if (pw_nobody == NULL)
		die("no user nobody");
	nobody_uid = pw_nobody->pw_uid;
	nobody_gid = pw_nobody->pw_gid;
	stage(build);
	snprintf(admin, sizeof(admin), "%s/bin/mailuser-admin", dir);
	fresh_store();
	sql(db, "INSERT INTO domains (name, created) VALUES "
	    "('example.org', 0), ('aged.example', 0)");
	sql(db, "UPDATE domains SET max_days = 10 WHERE name = "
	    "'aged.example'");
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		snprintf(name, sizeof(name), "%s@example.org", users[i]);
		snprintf(pw, sizeof(pw), "%s old pw", users[i]);
		add_user(name, "example.org", pw);
	}
	add_user("hist@example.org", "example.org", hist_pw[0]);
	add_user("judy@aged.example", "aged.example", "judy old pw");
	add_user("kate@aged.example", "aged.example", "kate old pw");
	sql(db, "UPDATE users SET max_days = 0 WHERE name = "
	    "'kate@aged.example'");
	sql(db, "UPDATE users SET disabled = 1 WHERE name = "
	    "'dis@example.org'");
	{
		char h[MU_HASH_MAX];

		hash_of("sha512crypt", 1000, "Gc1^Plume-Vetch", h);
		sql(db, "UPDATE users SET hash = '%q' WHERE name = "
		    "'carol@example.org'", h);
	}
	if ((f = fopen(conf, "w")) == NULL)
		die(conf);
	fprintf(f, "db = %s\nhash = sha512crypt\nhash_cost = 1000\n"
		"default_domain = example.org\n", db);
	fclose(f);
	/* read by nobody; with a database password in it, through the
	 * group only */
	if (pg_mode && chown(conf, 0, nobody_gid) != 0)
		die(conf);
	chmod(conf, pg_mode ? 0640 : 0644);

#define M(extra) "auth required %s conf=%s\naccount required %s conf=%s " \
	extra "\npassword required %s conf=%s " extra "\n", module, conf, \
	module, conf, module, conf
	write_service("pw", M(""));
	write_service("stacked", "password optional %s conf=%s\n"
		      "password required pam_permit.so\n", module, conf);
	write_service("stacked_strict", "password required %s conf=%s\n",
		      module, conf);
	write_service("pw1", M("retry=1"));
	write_service("remember0", M("retry=1 remember=0"));
	write_service("nodict", M("dictpath=/nonexistent/cracklib_dict"));
	write_service("aging", M("maxdays=30 warndays=7 graced=10 mindays=1"));
	write_service("missing", M("db=/nonexistent/mail.db"));
	write_service("authtok", "password requisite %s [Hn6+Brisk-Ogre]\n"
		      "password required %s conf=%s use_authtok\n", settok,
		      module, conf);
	write_service("authtok_weak", "password requisite %s basketball\n"
		      "password required %s conf=%s use_authtok\n", settok,
		      module, conf);
	write_service("authtok_none", "password required %s conf=%s "
		      "use_authtok\n", module, conf);
#undef M
}

int
main(int argc, char **argv)
{
	const char *e = getenv("MU_TEST_ROUNDS");

	if (argc != 2) {
		fprintf(stderr, "usage: test_passwd BUILD_DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (e != NULL && atoi(e) >= 4)
		rounds = atoi(e);
	rhost = RHOST;
	setup(argv[1]);

	test_root_change();
	test_user_change();
	test_quality();
	test_authtok();
	test_history();
	test_forced();
	test_aging();
	test_two_users();
	test_same_user();
	test_stacked();

	unstage();
	return tap_failed != 0;
}
