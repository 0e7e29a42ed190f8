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
# TAP lines; succeeded, one_error, usage_error, out_has... test the last run.

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "$BUILD" 2>/dev/null && pwd)/mailuser-admin
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'rm -rf "$TMP"; exit 1' HUP INT TERM

# Sanitizer builds: a report must never pass for an expected failure.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS

DB=$TMP/mail.db
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
# a program built without the sanitizer, so both come from build/), the
# module copied to $TMP (a PAM service line cannot hold a checkout path
# with a space), $TMP/pam.d, and service NAME ARGS...: a service file NAME
# whose module lines carry ARGS.
pam_setup() {
	PAMTRY=$ROOT/build/pamtry
	need "$ROOT/build/pam_mailuser.so" "$PAMTRY"
	MODULE=$TMP/pam_mailuser.so
	cp "$ROOT/build/pam_mailuser.so" "$MODULE"
	mkdir -p "$TMP/pam.d"
}
service() {
	_name=$1
	shift
	printf 'auth required %s conf=%s %s\naccount required %s conf=%s\n' \
	    "$MODULE" "$CONF" "$*" "$MODULE" "$CONF" >"$TMP/pam.d/$_name"
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

sq() { sqlite3 -readonly "$DB" "$1"; }
nusers() { sq "SELECT count(*) FROM users"; }
naudit() { sq "SELECT count(*) FROM audit"; }
# A new, empty store at $DB with the domains example.org and example.net.
fresh() {
	rm -f "$DB" "$DB-wal" "$DB-shm"
	mu init && mu domain add example.org && mu domain add example.net
}
sqw() { sqlite3 "$DB" "$1" >/dev/null; }
# crypt(3) check through perl, which uses the system's libcrypt.
verifies() {
	perl -e 'exit(crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' "$1" "$2"
}
stat_is() { [ "$(stat -c '%a %U %G' "$1")" = "$2" ]; }
eq() { [ "$1" = "$2" ]; }
