#!/bin/sh
# The benchmark in smoke mode, so that make bench cannot rot: a 100-user
# store per module and a few logins of each case through bench_pam.
# Checks results, never timings.
#
#   sh tests/integration/bench_smoke.sh BUILD
set -u
B=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() {	# DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}

if [ ! -x "$B/bench_pam" ] || [ ! -f "$B/pam_mailuser.so" ]; then
	notok "bench_pam and pam_mailuser.so are built (make tests)"
	exit 1
fi
work=$(mktemp -d /tmp/mailuser-bench-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

sh "$top/tests/bench/bench.sh" --smoke "$B" "$work" >"$work/out" 2>&1
rc=$?
sed 's/^/# /' "$work/out"
check "smoke run exits 0 (no unexpected PAM result)" [ "$rc" -eq 0 ]
tsv=$work/results.tsv

row() {		# CASE LABEL: the results column of that row
	awk -F '\t' -v c="$1" -v l="$2" '$1 == c && $2 == l { print $9 }' "$tsv"
}
field() {	# CASE LABEL COLUMN
	awk -F '\t' -v c="$1" -v l="$2" -v f="$3" \
	    '$1 == c && $2 == l { print $f }' "$tsv"
}

M=pam_mailuser
check "correct password: every login succeeds (success=10)" \
    [ "$(row ok $M)" = "success=10" ]
check "wrong password: every login is PAM_AUTH_ERR (auth_err=6)" \
    [ "$(row wrong $M)" = "auth_err=6" ]
check "unknown user: every login is PAM_USER_UNKNOWN (user_unknown=3)" \
    [ "$(row unknown $M)" = "user_unknown=3" ]
for c in ok wrong unknown; do
	check "$c: zero errors, zero PAM_AUTHINFO_UNAVAIL" \
	    [ "$(field $c $M 7)" = 0 -a "$(field $c $M 8)" = 0 ]
done
check "2 processes started together all ran (10 logins timed)" \
    [ "$(field ok $M 6)" = 10 ]
check "the table names every case" \
    [ "$(grep -c '^== smoke:' "$work/out")" -eq 3 ]
if command -v db_load >/dev/null 2>&1; then
	check "pam_userdb beside it: correct password succeeds" \
	    [ "$(row ok pam_userdb)" = "success=10" ]
fi
if grep -q pam_pwdfile "$work/results.tsv"; then
	check "pam_pwdfile beside it: wrong password fails" \
	    [ "$(row wrong pam_pwdfile)" = "auth_err=6" ]
fi
# failed logins while an import runs (tests/bench/import_logins.sh)
mkdir -p "$work/imp"
sh "$top/tests/bench/import_logins.sh" --smoke "$B" "$work/imp" \
    >"$work/imp.out" 2>&1
rc=$?
sed 's/^/# /' "$work/imp.out"
check "import beside logins: the smoke run exits 0" [ "$rc" -eq 0 ]
itsv=$work/imp/results.tsv
ifield() {	# CASE COLUMN
	awk -F '\t' -v c="$1" -v f="$2" '$1 == c && $2 == "pam_mailuser" {
		print $f }' "$itsv"
}
check "no import: 50 wrong passwords, all PAM_AUTH_ERR" \
    [ "$(ifield imp_idle 9)" = "auth_err=50" ]
n_imp=$(ifield imp_mailuser-admin 6)
check "during the import: logins ran, all PAM_AUTH_ERR" \
    [ "${n_imp:-0}" -gt 0 -a "$(ifield imp_mailuser-admin 9)" = \
    "auth_err=${n_imp:-0}" ]
check "during the import: zero PAM_AUTHINFO_UNAVAIL, a max time" \
    [ "$(ifield imp_mailuser-admin 8)" = 0 -a \
    -n "$(ifield imp_mailuser-admin 11)" ]
check "the import itself succeeded, and its table names both rows" \
    sh -c "! grep -q FAILED '$work/imp.out' &&
        grep -q '^   no import ' '$work/imp.out' &&
        grep -q '^   import by mailuser-admin ' '$work/imp.out'"
check "the driver stops at -S FILE (no login when it exists)" \
    sh -c "touch '$work/stop'; '$B/bench_pam' run -d /nonexistent -S \
        '$work/stop' -n 5 -r 1 x=y | grep -Eq '^   y +0\.000 '"
check "the driver refuses a bad option (usage, status 2)" \
    sh -c "'$B/bench_pam' run -Q >/dev/null 2>&1; [ \$? -eq 2 ]"
check "the hash helper makes a sha512crypt rounds=1000 string" \
    sh -c "'$B/bench_pam' hash sha512crypt 1000 pw | grep -q '^\\\$6\\\$rounds=1000\\\$'"
