#!/bin/sh
# What pam_mailuser really logs, read by the real fail2ban-regex with the
# shipped filter.  The module logs through syslog(3) to /dev/log; the test
# gives it a private /dev (a tmpfs in a private mount namespace, with the
# few device nodes PAM needs) whose "log" is this test's own receiver.
#
#   sh tests/integration/fail2ban.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
filter=$top/doc/fail2ban/filter.d/pam_mailuser.conf
tmp=$(mktemp -d /tmp/mu-f2b.XXXXXX)
sink=
cleanup() {
	[ -n "$sink" ] && kill "$sink" 2>/dev/null && wait "$sink" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() { if eval "$1"; then ok "$2"; else notok "$2"; fi; }

for t in fail2ban-regex unshare python3 sqlite3; do
	command -v $t >/dev/null || { notok "$t is installed"; exit 1; }
done

# store, user, configuration, PAM service
cat >"$tmp/mailuser.conf" <<EOC
db = $tmp/mail.db
hash = sha512crypt
hash_cost = 1000
deny = 3
EOC
chmod 600 "$tmp/mailuser.conf"
admin() { "$B/mailuser-admin" -c "$tmp/mailuser.conf" "$@"; }
admin init >/dev/null && admin domain add example.org >/dev/null &&
	echo 'Right-Pass-2024' | admin user add alice@example.org \
	    --password-stdin >/dev/null ||
	{ notok "store set up"; exit 1; }
# a copy of the module: a PAM service line cannot hold the checkout's
# path when it has a space
cp "$B/pam_mailuser.so" "$tmp/pam_mailuser.so" || { notok "module copied"; exit 1; }
printf 'auth required %s conf=%s debug\naccount required %s conf=%s\n' \
	"$tmp/pam_mailuser.so" "$tmp/mailuser.conf" "$tmp/pam_mailuser.so" \
	"$tmp/mailuser.conf" >"$tmp/mailsvc"

# the receiver
python3 "$top/tests/integration/syslog_sink.py" "$tmp/log.sock" \
	"$tmp/auth.log" >"$tmp/sink.out" 2>&1 &
sink=$!
i=0
while ! grep -q ready "$tmp/sink.out" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check 'grep -q ready "$tmp/sink.out"' "private syslog receiver started"

# logins inside a private mount namespace whose /dev/log is the receiver
cat >"$tmp/logins.sh" <<EOS
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=755 devtmp /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
ln -s "$tmp/log.sock" /dev/log
try() { echo "\$3" | "$B/pamtry" -d "$tmp" \$4 mailsvc "\$1" >/dev/null || :; }
# failures: wrong passwords, an unknown user, odd names, no rhost
try alice@example.org x 'wrong one' '-r 192.0.2.11'
try alice@example.org x 'wrong two' '-r 192.0.2.12'
try nobody@example.org x 'whatever' '-r 192.0.2.13'
try 'a b@example.org' x 'whatever' '-r 192.0.2.14'
try 'Alice@example.org' x 'wrong three' '-r 2001:db8::15'
try alice@example.org x 'w1' '-r 192.0.2.16'
try alice@example.org x 'w2' '-r 192.0.2.16'
try alice@example.org x 'w3' '-r 192.0.2.16'
try alice@example.org x 'Right-Pass-2024' '-r 192.0.2.16'
# successes, which must not match
try alice@example.org x 'Right-Pass-2024' '-r 198.51.100.1'
try alice@example.org x 'Right-Pass-2024' '-r 198.51.100.2'
EOS
unshare -m sh "$tmp/logins.sh"
check '[ $? -eq 0 ]' "logins ran in a private mount namespace"
sleep 0.3
check '[ ! -e /dev/log ] || [ "$(readlink /dev/log)" != "$tmp/log.sock" ]' \
	"the host's /dev is untouched"

n_fail=$(grep -c 'pam_mailuser(mailsvc:auth): authentication failure;' \
	"$tmp/auth.log")
check '[ "$n_fail" -eq 9 ]' "9 failure lines logged ($n_fail)"
check 'grep -q "rhost=192.0.2.13 *$" "$tmp/auth.log"' \
	"unknown user: no user= field without audit"
check '! grep -q "user=a.b@" "$tmp/auth.log"' \
	"the invalid name is not logged"
check 'grep -q "user=alice@example.org" "$tmp/auth.log"' \
	"known user named in the failure line"
check 'grep -q "authenticated" "$tmp/auth.log"' \
	"success lines are in the log too (debug)"
version=$(sed -n 's/^VERSION *= *//p' "$top/Makefile")
# each login above is one pamtry process: 11 processes, 11 lines
check '[ "$(grep -c "pam_mailuser $version: store $tmp/mail.db" "$tmp/auth.log")" = 11 ]' \
	"debug: one line per process names the version ($version) and store"
check 'grep -q "locked for 192.0.2.16 until" "$tmp/auth.log"' \
	"a locked login says so, with source and time"
check '! grep -qi "Right-Pass\|wrong one\|\\\$6\\\$" "$tmp/auth.log"' \
	"no password or hash in the log"

# the real fail2ban-regex with the shipped filter, installed beside
# Debian's filters as it would be in /etc/fail2ban/filter.d
mkdir -p "$tmp/f2b"
cp -r /etc/fail2ban/filter.d "$tmp/f2b/"
cp "$filter" "$tmp/f2b/filter.d/"
f2b() { fail2ban-regex -c "$tmp/f2b" "$@"; }
f2b --print-no-missed -o ip "$tmp/auth.log" pam_mailuser \
	>"$tmp/ips" 2>"$tmp/f2b.err"
check '[ $? -eq 0 ]' "fail2ban-regex ran"
sort "$tmp/ips" >"$tmp/ips.sorted"
printf '%s\n' 192.0.2.11 192.0.2.12 192.0.2.13 192.0.2.14 2001:db8::15 \
	192.0.2.16 192.0.2.16 192.0.2.16 192.0.2.16 | sort >"$tmp/want"
if cmp -s "$tmp/ips.sorted" "$tmp/want"; then
	ok "every failure's rhost matched by the filter, nothing else"
else
	notok "every failure's rhost matched by the filter, nothing else"
	diff "$tmp/want" "$tmp/ips.sorted" | sed 's/^/# /'
	sed 's/^/# /' "$tmp/f2b.err" | head -20
fi
check '! grep -q 198.51.100 "$tmp/ips"' "no success line matched"
f2b "$tmp/auth.log" pam_mailuser >"$tmp/summary" 2>&1
matched=$(sed -n 's/^Lines: .* \([0-9][0-9]*\) matched.*/\1/p' "$tmp/summary")
check '[ "$matched" = 9 ]' "fail2ban-regex summary: 9 lines matched ($matched)"

# the shipped jails load in a copy of Debian's fail2ban configuration
cp -r /etc/fail2ban "$tmp/full"
rm -f "$tmp/full/jail.d/defaults-debian.conf"
cp "$top/doc/fail2ban/jail.d/pam_mailuser.local" "$tmp/full/jail.d/"
cp "$filter" "$tmp/full/filter.d/"
for j in pam_mailuser dovecot postfix-sasl; do
	printf '[%s]\nbackend = auto\nlogpath = %s\n' "$j" "$tmp/auth.log"
done >"$tmp/full/jail.d/zz-test.local"
fail2ban-client -c "$tmp/full" -t >"$tmp/jailtest" 2>&1
check '[ $? -eq 0 ]' "the shipped jails pass fail2ban-client -t"
grep -q successful "$tmp/jailtest" || sed "s/^/# /" "$tmp/jailtest" | tail -5
exit 0
