#!/bin/sh
# IMAP logins per second through the real Dovecot: a new connection,
# LOGIN, LOGOUT, again and again, by 1 and by 4 client processes, with
# passdb pam asking pam_mailuser (100,000 users in the store, every one
# with the same precomputed sha512crypt hash of 1000 rounds), and in the
# same run with pam_permit.so in its place, which shows what Dovecot and
# the client cost without any password check.  auth_cache_size = 0, so
# every login reaches PAM.  Not a test (make check does not run it); run
# as root:
#
#   sh tests/bench/imap_logins.sh [BUILD_DIR [SECONDS [USERS [ROUNDS]]]]
#
# Defaults: 5 seconds per turn, 100000 users, 3 rounds; the two PAM
# stacks take turns so that other load on the machine hits both alike.
# Prints one table (ms/login is the mean time of one login as one client
# sees it); the stack (tests/lib/stack.sh) is private, on 127.0.0.1, and
# removed at the end.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STACK_NAME=mailuser-bench
. "$top/tests/lib/stack.sh"
B=${1:-build}
SECS=${2:-5}
USERS=${3:-100000}
ROUNDS=${4:-3}
PASS=bench-password-1
DOM=bench.example
say() { printf '%s\n' "$*" >&2; }

stack_init "$B" || exit 1
# Dovecot's defaults otherwise; lockout stays on, as it is by default
say "store: $USERS users, one sha512crypt rounds=1000 hash"
hash=$(echo "$PASS" | stack_admin hash --method sha512crypt --cost 1000 \
    --password-stdin) || exit 1
case $hash in '$6$rounds=1000$'*) ;; *) say "bad hash: $hash"; exit 1 ;; esac
stack_admin domain add "$DOM" >/dev/null || exit 1
now=$(date +%s)
stack_sql "BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $USERS)
INSERT INTO users (name, domain_id, hash, pw_changed, created)
SELECT 'user' || i || '@$DOM', (SELECT id FROM domains WHERE name = '$DOM'),
       '$hash', $now, $now FROM n;
COMMIT;" || exit 1
say "store: $(stack_sql 'SELECT count(*) FROM users') users"

stack_pam_install dovecot || exit 1
stack_dovecot_start || exit 1
say "dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:$STACK_IMAP_PORT"

pamfile=/etc/pam.d/$STACK_SVC
cp "$pamfile" "$STACK_TMP/pam.mailuser"
printf 'auth required pam_permit.so\naccount required pam_permit.so\n' \
    >"$STACK_TMP/pam.permit"

# one measurement: CLIENTS processes for SECS seconds; prints "LOGINS FAILS"
measure() {	# CLIENTS
	i=0
	while [ $i -lt "$1" ]; do
		stack_client imap-bench 127.0.0.1 "$STACK_IMAP_PORT" \
		    "user%d@$DOM" "$PASS" "$SECS" "$USERS" >"$STACK_TMP/b.$i" &
		i=$((i + 1))
	done
	wait
	cat "$STACK_TMP"/b.* | awk '{ l += $1; f += $2 } END { print l, f }'
	rm -f "$STACK_TMP"/b.*
}

use() {	# pam_mailuser | pam_permit: what /etc/pam.d/$STACK_SVC holds
	case $1 in
	pam_mailuser) cp "$STACK_TMP/pam.mailuser" "$pamfile" ;;
	pam_permit) cp "$STACK_TMP/pam.permit" "$pamfile" ;;
	esac
}

# warm up: auth workers and login processes started, the store cached
for module in pam_mailuser pam_permit; do
	use $module
	stack_client imap-bench 127.0.0.1 "$STACK_IMAP_PORT" "user%d@$DOM" \
	    "$PASS" 1 "$USERS" >/dev/null
done
# The machine may be busy with other work: the two PAM stacks take turns,
# ROUNDS times, and each row adds up its turns.
: >"$STACK_TMP/results"
r=1
while [ $r -le "$ROUNDS" ]; do
	for c in 1 4; do
		for module in pam_mailuser pam_permit; do
			use $module
			echo "$module $c $(measure $c)" >>"$STACK_TMP/results"
		done
	done
	r=$((r + 1))
done

printf '\nIMAP LOGIN+LOGOUT, a new connection each; %s users, sha512crypt\n' \
    "$USERS"
printf 'rounds=1000, auth_cache_size = 0; %s rounds of %s s per row; %s CPUs\n\n' \
    "$ROUNDS" "$SECS" "$(nproc)"
printf '%-14s %7s %8s %9s %9s %11s\n' "PAM stack" clients logins failures \
    logins/s "ms/login"
for module in pam_mailuser pam_permit; do
	for c in 1 4; do
		awk -v m=$module -v c=$c -v t="$((SECS * ROUNDS))" '
		    $1 == m && $2 == c { l += $3; f += $4 }
		    END { printf "%-14s %7s %8d %9d %9.1f %11.1f\n", m, c, l, f,
			l / t, l ? 1000 * t * c / l : 0 }' "$STACK_TMP/results"
	done
done
