#!/bin/sh
# Two mail servers on one PostgreSQL store, set up as doc/deploy.md
# section 12 says: a private PostgreSQL 15 (tests/lib/pg.sh), the store
# made by "mailuser-admin init" as the admin role with the rights of
# sql/postgresql/roles.sql, and two private Dovecot instances whose
# module connects as the auth role with a passfile.  Failures on one
# lock the user on the other; a password changed through the second's
# PAM stack is accepted by the first; with PostgreSQL stopped both refuse
# (PAM_AUTHINFO_UNAVAIL) and with it started again both accept, without
# a restart.  Needs root.
#
#   sh tests/integration/fleet.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/stack.sh"
. "$top/tests/lib/pg.sh"
ok() { stack_ok "$@"; }
notok() { stack_notok "$@"; }

stack_need dovecot psql pamtester
STACK_NAME=mailuser-fleet
stack_init "${1:-build}" || { notok "stack made"; exit 1; }
trap 'stack_cleanup; pg_stop' EXIT
pg_start || { notok "PostgreSQL 15 started"; exit 1; }
ok "PostgreSQL 15 on 127.0.0.1:$PG_PORT"

# ---- the administration host: the tool as mailuser_admin ------------------
# (pg_start made the two roles and the database owned by mailuser_admin,
# as createuser and createdb do in the guide)
ADMINCONF=$STACK_TMP/mailuser-admin.conf
printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\n' "$PG_ADMIN_URL" \
    >"$ADMINCONF"
chmod 0600 "$ADMINCONF"
adm() { "$STACK_ADMIN" -c "$ADMINCONF" "$@"; }
if adm init >"$STACK_TMP/init.out" 2>&1 &&
    psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -v auth_role=mailuser_auth \
    -f "$top/sql/postgresql/roles.sql" >>"$STACK_TMP/init.out" 2>&1; then
	ok "mailuser-admin init and roles.sql on PostgreSQL"
else
	notok "mailuser-admin init and roles.sql on PostgreSQL"
	stack_diag <"$STACK_TMP/init.out"
	exit 1
fi
PW=Quiet-Meadow-Falcon-73
adm domain add example.org >/dev/null &&
	for u in alice bob carol; do
		printf '%s\n' "$PW" | adm user add "$u@example.org" \
		    --password-stdin >/dev/null || exit 1
	done || { notok "users added"; exit 1; }

# ---- two mail servers: the module as mailuser_auth, with a passfile -------
printf '127.0.0.1:%s:mailuser:mailuser_auth:%s\n' "$PG_PORT" "$PG_AUTH_PW" \
    >"$STACK_TMP/pgpass"
chmod 0600 "$STACK_TMP/pgpass"
for n in a b; do
	cat >"$STACK_TMP/mailuser-$n.conf" <<EOF
db = host=127.0.0.1 port=$PG_PORT dbname=mailuser user=mailuser_auth passfile=$STACK_TMP/pgpass sslmode=disable connect_timeout=2
hash = sha512crypt
hash_cost = 1000
deny = 3
deny_total = 0
EOF
	chmod 0600 "$STACK_TMP/mailuser-$n.conf"
done
SVC0=$STACK_SVC
start() {	# a|b
	STACK_CONF=$STACK_TMP/mailuser-$1.conf
	STACK_SVC=$SVC0-$1
	STACK_DV=dovecot-$1
	stack_pam_install dovecot "$STACK_SVC" && stack_dovecot_start
}
start a && IMAP_A=$STACK_IMAP_PORT && start b && IMAP_B=$STACK_IMAP_PORT ||
	{ notok "two Dovecot instances started"; exit 1; }
ok "two Dovecot instances: IMAP on 127.0.0.1:$IMAP_A and :$IMAP_B"
imap() {	# a|b USER PASSWORD
	if [ "$1" = a ]; then port=$IMAP_A; else port=$IMAP_B; fi
	stack_client imap 127.0.0.1 "$port" "$2" "$3" 2>&1
}
expect() { stack_expect "$1" "$2" "$3" dovecot-a; }
AUTHFAIL='NO \[AUTHENTICATIONFAILED\] Authentication failed.'
LOGGEDIN='OK \[CAPABILITY *\] Logged in'
logs() { cat "$STACK_TMP"/dovecot-a/dovecot.log \
    "$STACK_TMP"/dovecot-b/dovecot.log 2>/dev/null; }

expect "server A: alice logs in" "$(imap a alice@example.org "$PW")" \
    "$LOGGEDIN"
expect "server B: alice logs in" "$(imap b alice@example.org "$PW")" \
    "$LOGGEDIN"

# ---- failures on A lock the user on B --------------------------------------
for i in 1 2 3; do
	imap a bob@example.org "Wrong-Guess-$i" >/dev/null
done
expect "server B: bob, locked by three failures on A, is refused with the right password" \
    "$(imap b bob@example.org "$PW")" "$AUTHFAIL"
n=$(psql -X -A -t -q "$PG_ADMIN_URL" -c "SELECT count FROM failures f
    JOIN users u ON u.id = f.user_id WHERE u.name = 'bob@example.org'")
expect "the shared counter holds exactly the three failures" "$n" 3
adm unlock bob@example.org >/dev/null
expect "after mailuser-admin unlock, bob logs in on A" \
    "$(imap a bob@example.org "$PW")" "$LOGGEDIN"

# ---- a password changed through B's PAM stack is accepted by A -------------
NEW=Tidal-Orchard-Lantern-58
# server B's password stack: the shipped smtp service (which has one),
# with B's configuration
STACK_CONF=$STACK_TMP/mailuser-b.conf
stack_pam_install smtp "$SVC0-b-passwd" ||
	{ notok "server B's password service installed"; exit 1; }
if printf '%s\n%s\n' "$NEW" "$NEW" | pamtester "$SVC0-b-passwd" carol@example.org \
    chauthtok >"$STACK_TMP/pamtester.out" 2>&1; then
	ok "carol's password changed through server B's PAM service"
else
	notok "carol's password changed through server B's PAM service"
	stack_diag <"$STACK_TMP/pamtester.out"
fi
expect "server A accepts carol's new password" \
    "$(imap a carol@example.org "$NEW")" "$LOGGEDIN"
expect "server A refuses carol's old password" \
    "$(imap a carol@example.org "$PW")" "$AUTHFAIL"

# ---- PostgreSQL stopped: both refuse; started again: both accept -----------
pg_pause || { notok "PostgreSQL stopped"; exit 1; }
for s in a b; do
	expect "PostgreSQL stopped: server $(echo $s | tr ab AB) refuses the right password" \
	    "$(imap $s alice@example.org "$PW")" "$AUTHFAIL"
done
n=$(logs | grep -c 'pam_authenticate() failed: Authentication service cannot retrieve authentication info')
if [ "$n" -ge 2 ]; then
	ok "both got PAM_AUTHINFO_UNAVAIL, the temporary failure, from the" \
	    "module ($n logins)"
else
	notok "both got PAM_AUTHINFO_UNAVAIL from the module ($n)"
	logs | tail -n 10 | stack_diag
fi
pg_resume || { notok "PostgreSQL started again"; exit 1; }
for s in a b; do
	expect "PostgreSQL started again: server $(echo $s | tr ab AB) accepts alice, no restart" \
	    "$(imap $s alice@example.org "$PW")" "$LOGGEDIN"
done
