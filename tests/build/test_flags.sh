#!/bin/sh
# The build on a machine that lacks its libraries, and from a path other
# users cannot enter that has a space in it.  A copy of the source tree
# is made in a 0700 directory "…/src tree"; there:
#   - with a pkg-config that knows no package, "make" stops before
#     compiling anything, with the apt-get line that installs them;
#   - "make deps" run without root, when a package is missing, stops with
#     the apt-get line, and "make demo" then compiles nothing;
#   - with the real pkg-config the build succeeds and is silent on
#     standard error; the version of the Makefile is the one that
#     mailuser-admin --version prints and the man pages' footer shows.
# Needs root (for the non-root case, through setpriv).  Run as:
#   sh tests/build/test_flags.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() {	# DESCRIPTION COMMAND...
	_d=$1
	shift
	if "$@"; then ok "$_d"; else notok "$_d"; fi
}

[ "$(id -u)" = 0 ] || { notok "run as root"; exit 1; }
for t in make setpriv mandoc; do
	command -v $t >/dev/null 2>&1 || { notok "$t is installed"; exit 1; }
done

d=$(mktemp -d /tmp/mu-build.XXXXXX) || exit 1
trap 'rm -rf "$d"' EXIT
trap 'exit 1' INT TERM HUP
chmod 0700 "$d"
src="$d/src tree"
mkdir "$src"
# the sources, as a clone has them: everything but what builds make
(cd "$top" && tar -cf - --exclude=./build --exclude=./.git .) |
    (cd "$src" && tar -xf -) || { notok "source tree copied"; exit 1; }
ok "source tree copied into a 0700 directory with a space in its path"

# ---- a pkg-config that knows no package ---------------------------------
mkdir "$d/fake"
cat >"$d/fake/pkg-config" <<'EOF'
#!/bin/sh
# knows no package at all, like pkg-config before "make deps"
case "$1" in
--version) echo 0.29.2 ;;
*) exit 1 ;;
esac
EOF
chmod 0755 "$d/fake/pkg-config"
make -C "$src" PKG_CONFIG="$d/fake/pkg-config" all >"$d/out" 2>"$d/err"
rc=$?
check "no library known: make fails" [ "$rc" -ne 0 ]
check "no library known: the apt-get line of the missing packages" \
    grep -q '^pam_mailuser: install them (as root): apt-get install libpam0g-dev libcrypt-dev libsqlite3-dev libidn2-dev' "$d/err"
check "no library known: nothing compiled, nothing linked" \
    sh -c '! find "$1/build" -name "*.o" -o -name "*.so" 2>/dev/null |
	grep -q .' sh "$src"
check "no library known: no flags file written" \
    [ ! -e "$src/build/pkg.cflags" ]
if grep -q 'undefined reference' "$d/out" "$d/err"; then
	notok "no library known: no link attempted"
	sed 's/^/# /' "$d/err" | head -5
else
	ok "no library known: no link attempted"
fi
# the same through make check's and make demo's sub-make
make -C "$src" PKG_CONFIG="$d/fake/pkg-config" DEPS_BUILD= DEPS_TEST= \
    demo >"$d/out" 2>"$d/err"
check "make demo with no library known: stops with the apt-get line" \
    sh -c '[ "$1" -ne 0 ] && grep -q "apt-get install libpam0g-dev" "$2"' \
    sh $? "$d/err"

# ---- make deps without root, a package missing ---------------------------
chown -R nobody:nogroup "$d"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    make -C "$src" DEPS_BUILD=mu-no-such-package DEPS_TEST= demo \
    >"$d/out" 2>"$d/err"
rc=$?
chown -R root:root "$d"
check "make demo as nobody, a package missing: fails" [ "$rc" -ne 0 ]
check "make demo as nobody: one apt-get line names the package" \
    grep -q '^make deps: run as root, or: apt-get install mu-no-such-package$' \
    "$d/err"
check "make demo as nobody: nothing compiled" \
    sh -c '! find "$1/build" -name "*.o" 2>/dev/null | grep -q .' sh "$src"

# ---- the real build from the same place ---------------------------------
make -C "$src" -j2 all >"$d/out" 2>"$d/err"
rc=$?
check "the build from a 0700 directory with a space in its path" \
    [ "$rc" -eq 0 ]
if [ -s "$d/err" ]; then
	notok "the build writes nothing on standard error"
	sed 's/^/# /' "$d/err" | head -10
else
	ok "the build writes nothing on standard error"
fi
version=$(sed -n 's/^VERSION *= *//p' "$src/Makefile")
check "the Makefile holds one version" [ -n "$version" ]
check "mailuser-admin --version prints it" \
    [ "$("$src/build/mailuser-admin" --version)" = "mailuser-admin $version" ]
for page in pam_mailuser.8 mailuser-admin.8 mailuser.conf.5; do
	check "built $page: the version in the footer" sh -c \
	    'mandoc -Tascii "$1" | tail -n 1 | grep -q "pam_mailuser $2"' \
	    sh "$src/build/man/$page" "$version"
done
check "the module holds the version for its debug line" \
    grep -qa "pam_mailuser %s: store" "$src/build/pam_mailuser.so"
exit 0
