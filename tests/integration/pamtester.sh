#!/bin/sh
# Password changes with pamtester, which reads only /etc/pam.d/SERVICE:
# a uniquely named service file is put there and removed at the end (also
# when the test fails or is interrupted).  chauthtok as root, and as
# nobody through setpriv; acct_mgmt after "user force-change", then an
# expired-only change by the user.  Needs root.
#
#   sh tests/integration/pamtester.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build=$top/$build ;; esac

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# expect DESCRIPTION STATUS WANT_STATUS OUTPUT PATTERN
expect() {
	case "$2:$4" in
	$3:$5)
		ok "$1"
		;;
	*)
		notok "$1"
		printf 'status %s, output:\n%s\n' "$2" "$4" | sed 's/^/# /'
		;;
	esac
}

for t in pamtester setpriv; do
	command -v $t >/dev/null 2>&1 || { notok "$t is installed"; exit 1; }
done
[ "$(id -u)" = 0 ] || { notok "run as root"; exit 1; }

tmp=$(mktemp -d /tmp/mu-pamtester-XXXXXX) || exit 1
svc=mu-passwd-test-$$
cleanup() {
	rm -f "/etc/pam.d/$svc"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

chmod 0755 "$tmp"
conf=$tmp/mailuser.conf
cat >"$conf" <<EOF
db = $tmp/mail.db
hash = sha512crypt
hash_cost = 1000
default_domain = example.org
EOF
chmod 0644 "$conf"
admin() { "$build/mailuser-admin" -c "$conf" "$@"; }
OLD=Quiet-Meadow-Falcon-73
NEW=Brisk-Ogre-Tarn-19
if admin init >/dev/null && admin domain add example.org >/dev/null &&
    for u in alice bob carol; do
	printf '%s\n' "$OLD" | admin user add --password-stdin \
	    "$u@example.org" >/dev/null || exit 1
    done; then
	ok "store made with mailuser-admin"
else
	notok "store made with mailuser-admin"
	exit 1
fi
# nobody loads the module from a copy in this 0755 directory: the
# checkout may sit where nobody cannot enter (root's 0700 home), or in a
# path with a space, which a pam.d line cannot hold
m=$tmp/pam_mailuser.so
cp "$build/pam_mailuser.so" "$m" && chmod 0644 "$m" ||
	{ notok "module copied"; exit 1; }
printf 'auth     required %s conf=%s\naccount  required %s conf=%s\npassword required %s conf=%s\n' \
    "$m" "$conf" "$m" "$conf" "$m" "$conf" >"/etc/pam.d/$svc"

# the layout of "mailuser-admin init --group nogroup": root owns the
# store, the group may write it (the module refuses a store owned by
# another user than root or itself)
as_nobody() {
	chgrp nogroup "$tmp" "$tmp"/mail.db "$tmp"/mail.db-wal \
	    "$tmp"/mail.db-shm &&
	    chmod 2770 "$tmp" && chmod 0660 "$tmp"/mail.db*
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

out=$(printf '%s\n%s\n' "$NEW" "$NEW" |
    pamtester "$svc" alice@example.org chauthtok 2>&1)
expect "root: chauthtok without the current password" $? 0 "$out" \
    '*successfully*'
out=$(printf '%s\n' "$NEW" |
    pamtester "$svc" alice@example.org authenticate 2>&1)
expect "the new password authenticates" $? 0 "$out" '*successfully*'
out=$(printf '%s\n' "$OLD" |
    pamtester "$svc" alice@example.org authenticate 2>&1)
expect "the old one does not" $? 1 "$out" '*Authentication failure*'
out=$(printf 'basketball\nbasketball\n%.0s' 1 2 3 |
    pamtester "$svc" alice@example.org chauthtok 2>&1)
expect "a dictionary word is refused three times: PAM_MAXTRIES" $? 1 \
    "$out" '*BAD PASSWORD: it is based on a dictionary word*'

out=$(printf '%s\n%s\n%s\n' "$OLD" "$NEW" "$NEW" |
    as_nobody pamtester "$svc" bob@example.org chauthtok 2>&1)
expect "nobody (setpriv): chauthtok with the current password" $? 0 \
    "$out" '*Current password:*successfully*'
out=$(printf '%s\n' "$NEW" |
    as_nobody pamtester "$svc" bob@example.org authenticate 2>&1)
expect "nobody: the new password authenticates" $? 0 "$out" \
    '*successfully*'

admin user force-change carol@example.org >/dev/null
out=$(as_nobody pamtester "$svc" carol@example.org acct_mgmt 2>&1)
expect "after user force-change: acct_mgmt wants a new password" $? 1 \
    "$out" '*administrator enforced*new one required*'
out=$(printf '%s\n%s\n%s\n' "$OLD" "$NEW" "$NEW" |
    as_nobody pamtester "$svc" carol@example.org \
    'chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)' acct_mgmt 2>&1)
expect "nobody: the expired-only change, then acct_mgmt succeeds" $? 0 \
    "$out" '*altered successfully*account management done*'
out=$(admin user show carol@example.org 2>&1)
expect "user show: the forced change is cleared" $? 0 "$out" \
    '*forced change:*no*'

cleanup
if [ ! -e "/etc/pam.d/$svc" ] && [ ! -e "$tmp" ]; then
	ok "service file and store removed"
else
	notok "service file and store removed"
fi
exit 0
