#!/bin/sh
# The suites that run code as another user, or write the module's path
# into a PAM service file, run again from a checkout in a 0700 directory
# whose path has a space (as a clone in root's home directory would be):
# their results must not depend on where the checkout sits.  The source
# tree and the built programs are copied to "…/check out"; each suite's
# lines are passed on with the prefix "0700: ".  Needs root.  Run as:
#   sh tests/build/test_private_dir.sh BUILD
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-build}" && pwd)

[ "$(id -u)" = 0 ] || { echo "not ok - run as root"; exit 1; }
for f in pam_mailuser.so pam_settok.so mailuser-admin pamtry test_passwd \
    test_module; do
	[ -f "$B/$f" ] || { echo "not ok - $B/$f is built"; exit 1; }
done

d=$(mktemp -d /tmp/mu-private.XXXXXX) || exit 1
trap 'rm -rf "$d"' EXIT
trap 'exit 1' INT TERM HUP
chmod 0700 "$d"
co="$d/check out"
mkdir "$co" "$co/build"
(cd "$top" && tar -cf - --exclude=./build --exclude=./.git .) |
    (cd "$co" && tar -xf -) &&
    for f in pam_mailuser.so pam_settok.so mailuser-admin pamtry \
	test_passwd test_module; do
	cp -p "$B/$f" "$co/build/$f" || exit 1
    done || { echo "not ok - checkout copied"; exit 1; }
echo "ok - checkout copied into a 0700 directory with a space in its path"

# run NAME COMMAND...: the suite's lines with a prefix; a suite that
# exits non-zero without a "not ok" line counts as one failure
run() {
	_n=$1
	shift
	"$@" >"$d/suite.out" 2>&1
	_rc=$?
	sed -n "s/^\(not ok\|ok\) - /\1 - 0700: $_n: /p" "$d/suite.out"
	if [ "$_rc" -ne 0 ] && ! grep -q '^not ok' "$d/suite.out"; then
		echo "not ok - 0700: $_n: exited with status $_rc"
		tail -n 5 "$d/suite.out" | sed 's/^/# /'
	fi
}
# nobody changes passwords through the module (forked children)
run passwd env MU_TEST_ROUNDS=20 "$co/build/test_passwd" "$co/build"
# nobody runs pamtester on a service in /etc/pam.d
run pamtester sh "$co/tests/integration/pamtester.sh" "$co/build"
# service files that name the module
run module "$co/build/test_module" "$co/build"
exit 0
