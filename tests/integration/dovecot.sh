#!/bin/sh
# Dovecot IMAP and POP3 logins through pam_mailuser: a private Dovecot on
# 127.0.0.1 (passdb pam, userdb static), a store made with mailuser-admin,
# and the PAM service file of doc/examples/pam.d/dovecot.  Every check
# reads the server's own reply.  Needs root.
#
#   sh tests/integration/dovecot.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/stack.sh"
ok() { stack_ok "$@"; }
notok() { stack_notok "$@"; }
expect() { stack_expect "$1" "$2" "$3" dovecot; }

stack_need dovecot doveadm sqlite3
stack_init "${1:-build}" || { notok "store and configuration made"; exit 1; }

PW=Quiet-Meadow-Falcon-73
stack_users "$PW" alice dis exp force carol dave
stack_admin user disable dis@example.org >/dev/null &&
	stack_admin user expire exp@example.org 2020-01-01 >/dev/null &&
	stack_admin user force-change force@example.org >/dev/null ||
	{ notok "account states set"; exit 1; }
stack_pam_install dovecot || { notok "PAM service installed"; exit 1; }

if stack_dovecot_start; then
	ok "dovecot $(dovecot --version | cut -d' ' -f1) listens on" \
	    "127.0.0.1:$STACK_IMAP_PORT (IMAP) and :$STACK_POP3_PORT (POP3)"
else
	notok "dovecot started"
	exit 1
fi

# ---- IMAP LOGIN and POP3 USER/PASS, all at once -----------------------------
AUTHFAIL='NO \[AUTHENTICATIONFAILED\] Authentication failed.'
LOGGEDIN='OK \[CAPABILITY *\] Logged in'
POPFAIL='-ERR \[AUTH\] Authentication failed.'
POPEXP='-ERR \[AUTH\] Password expired*'
for p in imap pop3; do
	stack_bg $p.right stack_$p alice@example.org "$PW"
	stack_bg $p.wrong stack_$p alice@example.org Quiet-Meadow-Falcon-74
	stack_bg $p.unknown stack_$p nobody@example.org "$PW"
	stack_bg $p.disabled stack_$p dis@example.org "$PW"
	stack_bg $p.expired stack_$p exp@example.org "$PW"
	stack_bg $p.force stack_$p force@example.org "$PW"
done
stack_bg imap.mixed stack_imap Alice@Example.ORG "$PW"
stack_bg pop3.mixed stack_pop3 ALICE@example.org "$PW"
stack_bg_wait
r() { stack_bg_get "$1"; }

expect "IMAP: right password is accepted" "$(r imap.right)" "$LOGGEDIN"
expect "IMAP: wrong password is refused" "$(r imap.wrong)" "$AUTHFAIL"
expect "IMAP: unknown user is refused" "$(r imap.unknown)" "$AUTHFAIL"
expect "IMAP: disabled user is refused, right password or not" \
    "$(r imap.disabled)" "$AUTHFAIL"
expect "IMAP: expired account is refused like a wrong password" \
    "$(r imap.expired)" "$AUTHFAIL"
expect "IMAP: forced password change is NO [EXPIRED]" \
    "$(r imap.force)" 'NO \[EXPIRED\] *'
expect "IMAP: mixed-case login reaches the same account" \
    "$(r imap.mixed)" "$LOGGEDIN"
n=$(grep -c 'imap-login: Info: Login: user=<alice@example.org>' \
    "$STACK_TMP/dovecot/dovecot.log")
expect "IMAP: Dovecot logged both good logins as alice@example.org" "$n" 2

expect "POP3: right password is accepted" "$(r pop3.right)" '+OK Logged in.'
expect "POP3: wrong password is refused" "$(r pop3.wrong)" "$POPFAIL"
expect "POP3: unknown user is refused" "$(r pop3.unknown)" "$POPFAIL"
expect "POP3: disabled user is refused" "$(r pop3.disabled)" "$POPFAIL"
expect "POP3: expired account is refused like a wrong password" \
    "$(r pop3.expired)" "$POPFAIL"
expect "POP3: forced password change is refused as expired" \
    "$(r pop3.force)" "$POPEXP"
expect "POP3: mixed-case login reaches the same account" \
    "$(r pop3.mixed)" '+OK Logged in.'

# ---- brute-force defence, per source address --------------------------------
if stack_module_knows deny=3; then
	# the configuration file is read again at every login
	echo "deny = 3" >>"$STACK_CONF"
	expect "lockout (deny = 3): carol logs in from 127.0.0.1" \
	    "$(stack_imap carol@example.org "$PW" 127.0.0.1)" \
	    "$LOGGEDIN"
	for w in one two three; do
		stack_imap carol@example.org "wrong-$w" 127.0.0.1 >/dev/null
	done
	expect "lockout: 3 wrong passwords from 127.0.0.1, then the right: NO" \
	    "$(stack_imap carol@example.org "$PW" 127.0.0.1)" "$AUTHFAIL"
	expect "lockout: the right password from 127.0.0.2 meanwhile: OK" \
	    "$(stack_imap carol@example.org "$PW" 127.0.0.2)" \
	    "$LOGGEDIN"
	expect "lockout: 127.0.0.1 stays locked after that success elsewhere" \
	    "$(stack_imap carol@example.org "$PW" 127.0.0.1)" "$AUTHFAIL"
	expect "PAM_RHOST: Dovecot passes the client's address (the source)" \
	    "$(stack_sources carol@example.org)" "127.0.0.1 3"
else
	ok "lockout from one address only # SKIP brute-force defence not built"
fi

# ---- password change through the smtp service's password stack ------------
if stack_module_has_chauthtok && command -v pamtester >/dev/null 2>&1; then
	NEW=Tidal-Orchard-Lantern-58
	stack_pam_install smtp "$STACK_SVC-smtp"
	# chauthtok DESCRIPTION USER OPERATION LINE...: pamtester on that
	# service with the LINEs as input; ok when it exits 0, else not ok
	# and its output
	chauthtok() {
		desc=$1 user=$2 op=$3
		shift 3
		printf '%s\n' "$@" | pamtester "$STACK_SVC-smtp" "$user" "$op" \
		    >"$STACK_TMP/pamtester.out" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			ok "$desc"
		else
			notok "$desc (status $rc)"
			stack_diag <"$STACK_TMP/pamtester.out"
		fi
	}
	# as root no old password is asked: new password, then again
	chauthtok "chauthtok: pamtester changed dave's password" \
	    dave@example.org chauthtok "$NEW" "$NEW"
	expect "chauthtok: IMAP accepts the new password" \
	    "$(stack_imap dave@example.org "$NEW")" \
	    "$LOGGEDIN"
	expect "chauthtok: IMAP refuses the old password" \
	    "$(stack_imap dave@example.org "$PW")" "$AUTHFAIL"
	# a forced change, as a password changer makes it: current password,
	# then the new one twice
	chauthtok "chauthtok: the user with a forced change changed it" \
	    force@example.org 'chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)' \
	    "$PW" "$NEW" "$NEW"
	expect "chauthtok: after the forced change, IMAP says OK, not [EXPIRED]" \
	    "$(stack_imap force@example.org "$NEW")" "$LOGGEDIN"
else
	ok "password change over IMAP # SKIP module has no pam_sm_chauthtok"
fi

# ---- Dovecot's auth cache (what doc/deploy.md says about it) ----------------
# A login of dis (enabled for it) that the cache may keep, then dis is
# disabled: is the next login answered by the module or by the cache?
cache_case() {	# DESCRIPTION EXPECTED FIRST_LABEL
	stack_admin user enable dis@example.org >/dev/null
	expect "cache: a first login of dis ($3)" \
	    "$(stack_imap dis@example.org "$PW")" "$LOGGEDIN"
	stack_admin user disable dis@example.org >/dev/null
	expect "$1" "$(stack_imap dis@example.org "$PW")" "$2"
}
CACHE="auth_cache_size = 1M
auth_cache_ttl = 1 hour
auth_cache_negative_ttl = 1 hour"
stack_dovecot_stop
stack_dovecot_start "$CACHE" || { notok "dovecot restarted"; exit 1; }
cache_case "cache: without cache_key in passdb args, PAM is not cached" \
    "$AUTHFAIL" "auth_cache_size = 1M"
stack_dovecot_stop
STACK_PASSDB_ARGS="cache_key=%u%s "
stack_dovecot_start "$CACHE" || { notok "dovecot restarted"; exit 1; }
STACK_PASSDB_ARGS=
cache_case "cache: with cache_key, a user disabled after a login gets in" \
    "$LOGGEDIN" "cache_key=%u%s"
doveadm -c "$STACK_TMP/dovecot/dovecot.conf" auth cache flush >/dev/null 2>&1
expect "cache: ... until doveadm auth cache flush" \
    "$(stack_imap dis@example.org "$PW")" "$AUTHFAIL"

port=$STACK_IMAP_PORT
stack_cleanup
if ! stack_client wait 127.0.0.1 "$port" 0 2>/dev/null &&
    [ ! -e "/etc/pam.d/$STACK_SVC" ] && [ ! -e "/etc/pam.d/$STACK_SVC-smtp" ]
then
	ok "dovecot stopped, PAM service files removed"
else
	notok "dovecot stopped, PAM service files removed"
fi
exit 0
