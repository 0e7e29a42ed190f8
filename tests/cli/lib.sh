# tests/cli/lib.sh: what the tests of mailuser-admin (tests/cli/test_*.sh)
# share.  Sourced, never run on its own: tests/run.sh names each suite, and
# this file is not one.  POSIX sh.
#
#   . "$(dirname "$0")/lib.sh"     (the script's BUILD argument still in $1)
#
# Sets BUILD, ROOT (the source tree), BIN (BUILD's mailuser-admin), TMP (a
# directory removed at exit), DB and CONF (a mailuser.conf for DB, mode
# 0600; a script may append lines to it), and makes a sanitizer report exit
# with status 86.  If BIN is missing it prints one "not ok" line and exits
# 0, as the tests do whatever their results: the runner counts the lines.
# Then the helpers: tool, mu, mu_in run the binary; t and skip print the
# TAP lines; succeeded, one_error, usage_error, out_has... test the last run;
# sq and sqw run SQL on the store, fresh makes a new one.
#
# The backend is chosen by the environment: MU_TEST_DB=pg runs the suite on
# PostgreSQL, anything else (or nothing) on SQLite.  On SQLite, DB is the
# file $TMP/mail.db.  On PostgreSQL, DB is $PG_ADMIN_URL, the database
# "mailuser" of a server started by tests/lib/pg.sh: the caller's (run.sh
# starts one for all the suites and exports its variables), or, when
# PG_ADMIN_URL is unset, one started here and stopped at exit.  The
# database is emptied first: a suite starts from nothing on both.  The
# tool connects as the admin role; the module (service) as the auth role,
# after apply_roles.  on_pg tells a suite which backend it runs on; the
# checks that are about an SQLite file print "# SKIP SQLite file" there.
# The SQL that sq and sqw run is written for both: no PRAGMA, strftime,
# group_concat or rowid; a comparison is counted (count(*) ... WHERE), not
# selected, since PostgreSQL prints a boolean as t or f.

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "$BUILD" 2>/dev/null && pwd)/mailuser-admin
TMP=$(mktemp -d) || exit 1
OWN_PG=0
cleanup() {
	rm -rf "$TMP"
	if [ "$OWN_PG" = 1 ]; then
		pg_stop
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 1' HUP INT TERM

# on_pg: the suite runs on PostgreSQL (MU_TEST_DB=pg).
on_pg() { [ "${MU_TEST_DB:-}" = pg ]; }

# Sanitizer builds: a report must never pass for an expected failure.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS

DB=$TMP/mail.db
if on_pg; then
	. "$ROOT/tests/lib/pg.sh"
	if [ -z "${PG_ADMIN_URL:-}" ]; then
		OWN_PG=1
		pg_start 2>"$TMP/pg.err" || {
			echo "not ok - a private PostgreSQL starts (tests/lib/pg.sh)"
			sed 's/^/# /' "$TMP/pg.err"
			exit 0
		}
	fi
	DB=$PG_ADMIN_URL
fi
CONF=$TMP/mailuser.conf
printf '# test configuration\ndb = %s\nhash = sha512crypt\nhash_cost = 1000\n' \
    "$DB" >"$CONF"
chmod 0600 "$CONF"
# every run's standard error, searched for sanitizer reports at the end
: >"$TMP/allerr"

# need FILE...: each FILE exists and is executable, or one "not ok" and exit.
need() {
	for _n in "$@"; do
		[ -x "$_n" ] && continue
		echo "not ok - $_n exists and is executable (make tests)"
		exit 0
	done
}
need "$BIN"

# pam_setup: logins through the real libpam for the suites that need them:
# PAMTRY (build/pamtry; a sanitizer build of the module cannot be loaded by
# a program built without the sanitizer, so both come from build/, or from
# MU_PAM_BUILD when set), the module copied to $TMP (a PAM service line
# cannot hold a checkout path with a space), $TMP/pam.d, and service NAME
# ARGS...: a service file NAME whose module lines carry ARGS.  The module
# reads MCONF: CONF itself on SQLite; on PostgreSQL a copy of CONF, made
# by service, whose db is the auth role's $PG_AUTH_URL.
pam_setup() {
	_pb=${MU_PAM_BUILD:-$ROOT/build}
	PAMTRY=$_pb/pamtry
	need "$_pb/pam_mailuser.so" "$PAMTRY"
	MODULE=$TMP/pam_mailuser.so
	cp "$_pb/pam_mailuser.so" "$MODULE"
	mkdir -p "$TMP/pam.d"
	MCONF=$CONF
}
service() {
	_name=$1
	shift
	if on_pg; then
		MCONF=$TMP/module.conf
		sed '/^db *=/d' "$CONF" >"$MCONF"
		printf 'db = %s\n' "$PG_AUTH_URL" >>"$MCONF"
		chmod 0600 "$MCONF"
	fi
	printf 'auth required %s conf=%s %s\naccount required %s conf=%s\n' \
	    "$MODULE" "$MCONF" "$*" "$MODULE" "$MCONF" >"$TMP/pam.d/$_name"
}

# pam_login SERVICE ADDRESS PASSWORD [USER]: one PAM transaction through
# pamtry (pam_setup first); 0 on success, the output in $TMP/pam.out.
pam_login() {
	printf '%s\n' "$3" | "$PAMTRY" -d "$TMP/pam.d" -r "$2" "$1" \
	    "${4:-alice@example.org}" >"$TMP/pam.out" 2>&1
}

# on_tty OUT COMMAND...: run COMMAND with a terminal as standard error
# (and input) and its standard output into OUT; what the terminal showed
# goes to $TMP/tty with carriage returns as line ends.  Sets rc.
on_tty() {
	_out=$1
	shift
	# script runs its command with sh -c: quote every word
	_cmd=""
	for _w in "$@"; do
		_cmd="$_cmd '$(printf '%s' "$_w" | sed "s/'/'\\\\''/g")'"
	done
	script -qec "$_cmd >'$_out'" /dev/null </dev/null >"$TMP/tty.raw" 2>&1
	rc=$?
	tr '\r' '\n' <"$TMP/tty.raw" >"$TMP/tty"
	cat "$TMP/tty" >>"$TMP/allerr"
}
tty_has() { grep -Eq -- "$1" "$TMP/tty"; }

# ---- helpers -------------------------------------------------------------

# tool INPUT ARG...: run the binary with INPUT ("-" for none) on standard
# input; sets rc, keeps standard output and error in $TMP/out, $TMP/err.
tool() {
	_in=$1
	shift
	if [ "$_in" = - ]; then
		"$BIN" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
		rc=$?
	else
		printf '%s' "$_in" | "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
		rc=$?
	fi
	cat "$TMP/err" >>"$TMP/allerr"
}
# mu ARG...: the binary with the test configuration, nothing on stdin.
mu() { tool - -c "$CONF" "$@"; }
# mu_in INPUT ARG...: the same with INPUT on standard input.
mu_in() { _i=$1; shift; tool "$_i" -c "$CONF" "$@"; }

diag() {
	echo "# exit status $rc"
	sed -n '1,8s/^/# stdout: /p' "$TMP/out"
	sed -n '1,8s/^/# stderr: /p' "$TMP/err"
}

# t DESCRIPTION COMMAND...: ok when COMMAND succeeds.
t() {
	_d=$1
	shift
	if "$@"; then
		echo "ok - $_d"
	else
		echo "not ok - $_d"
		diag
	fi
}

skip() { echo "ok - $1 # SKIP $2"; }

# Conditions on the last run.
succeeded() { [ "$rc" = 0 ] && [ ! -s "$TMP/err" ]; }
# Exit 1 with exactly one line on standard error, matching an ERE.
one_error() {
	[ "$rc" = 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
	    grep -Eq -- "$1" "$TMP/err"
}
usage_error() { [ "$rc" = 2 ] && grep -q '^usage: ' "$TMP/err"; }
out_has() { grep -Eq -- "$1" "$TMP/out"; }
out_lacks() { ! grep -Fq -- "$1" "$TMP/out"; }
err_has() { grep -Eq -- "$1" "$TMP/err"; }
jqt() { jq -e "$1" "$TMP/out" >/dev/null 2>&1; }
jqf() { jq -e "$@" >/dev/null; }	# jqf [OPTIONS] FILTER FILE

# ok_run DESCRIPTION ARG...: the command succeeds silently on stderr.
ok_run() { _d=$1; shift; mu "$@"; t "$_d" succeeded; }
# err_run DESCRIPTION ERE ARG...: the command fails with one message.
err_run() { _d=$1; _p=$2; shift 2; mu "$@"; t "$_d" one_error "$_p"; }

# sq SQL: the rows SQL reads, read-only, one a line, the columns separated
# by "|" and NULL printed as nothing (sqlite3's list mode; psql -A -t).
# sqw SQL: SQL that writes, its output discarded.  Several statements may
# be given, separated by ";".
if on_pg; then
	psql_run() {
		printf '%s\n;\n' "$1" | pg_psql_admin -A -t -q -v ON_ERROR_STOP=1 \
		    -f -
	}
	sq() { PGOPTIONS="-c default_transaction_read_only=on" psql_run "$1"; }
	sqw() { psql_run "$1" >/dev/null; }
else
	sq() { sqlite3 -readonly "$DB" "$1"; }
	sqw() { sqlite3 "$DB" "$1" >/dev/null; }
fi
# NL: a newline, for text with one (SQL that must write the byte itself).
NL='
'
# sq_join SEPARATOR SQL: the rows of SQL on one line, joined by SEPARATOR
# (one character): what group_concat gives, on both backends.
sq_join() { sq "$2" | paste -s -d "$1" -; }
nusers() { sq "SELECT count(*) FROM users"; }
naudit() { sq "SELECT count(*) FROM audit"; }

# pg_empty: on PostgreSQL, drop every table of the schema public (what a
# store holds), so that init finds an empty database.
pg_empty() {
	pg_psql_admin -q -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
SET client_min_messages = warning;
DO $$
DECLARE r record;
BEGIN
	FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
	LOOP
		EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE',
		    r.tablename);
	END LOOP;
END
$$;
EOF
}
# apply_roles: on PostgreSQL, the grants of sql/postgresql/roles.sql (the
# module logs in as the auth role), one "not ok" line if they fail;
# nothing on SQLite.
apply_roles() {
	on_pg || return 0
	pg_psql_admin -q -v ON_ERROR_STOP=1 -f "$ROOT/sql/postgresql/roles.sql" \
	    >/dev/null 2>"$TMP/roles.err" && return 0
	echo "not ok - sql/postgresql/roles.sql applies to the new store"
	sed 's/^/# /' "$TMP/roles.err"
	return 1
}
# A new, empty store at $DB with the domains example.org and example.net.
fresh() {
	if on_pg; then
		pg_empty || return 1
	else
		rm -f "$DB" "$DB-wal" "$DB-shm"
	fi
	mu init && mu domain add example.org && mu domain add example.net &&
	    apply_roles
}
# On PostgreSQL every suite starts from an empty database.
if on_pg && ! pg_empty 2>"$TMP/pg.err"; then
	echo "not ok - the PostgreSQL database can be emptied"
	sed 's/^/# /' "$TMP/pg.err"
	exit 0
fi
# crypt(3) check through perl, which uses the system's libcrypt.
verifies() {
	perl -e 'exit(crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' "$1" "$2"
}
stat_is() { [ "$(stat -c '%a %U %G' "$1")" = "$2" ]; }
eq() { [ "$1" = "$2" ]; }
