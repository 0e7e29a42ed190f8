#!/bin/sh
# Cyrus saslauthd -a pam through pam_mailuser, asked with testsaslauthd:
# a private saslauthd (own socket directory, own session) and the PAM
# service file of doc/examples/pam.d/smtp.  Also the -c cache that
# doc/examples/default/saslauthd warns about.  Needs root.
#
#   sh tests/integration/saslauthd.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/stack.sh"
ok() { stack_ok "$@"; }
notok() { stack_notok "$@"; }
expect() { stack_expect "$1" "$2" "$3" sasl; }

stack_need saslauthd testsaslauthd setsid
stack_init "${1:-build}" || { notok "store and configuration made"; exit 1; }
PW=Quiet-Meadow-Falcon-73
stack_users "$PW" alice dis force carol
stack_admin user disable dis@example.org >/dev/null &&
	stack_admin user force-change force@example.org >/dev/null ||
	{ notok "account states set"; exit 1; }
stack_pam_install smtp || { notok "PAM service installed"; exit 1; }

if stack_saslauthd_start -r; then
	ok "saslauthd -a pam -r runs with its socket in a private directory"
else
	notok "saslauthd started"
	exit 1
fi
OK='0: OK "Success."'
NO='0: NO "authentication failed"'
expect "right password: OK" "$(stack_testsasl alice@example.org "$PW")" "$OK"
expect "wrong password: NO" \
    "$(stack_testsasl alice@example.org Quiet-Meadow-Falcon-74)" "$NO"
expect "unknown user: NO" "$(stack_testsasl nobody@example.org "$PW")" "$NO"
expect "disabled user: NO" "$(stack_testsasl dis@example.org "$PW")" "$NO"
expect "forced password change: NO (pam_acct_mgmt refuses)" \
    "$(stack_testsasl force@example.org "$PW")" "$NO"
expect "saslauthd logged the account step as the reason" \
    "$(grep 'user=force@example.org' "$STACK_TMP/sasl/saslauthd.log")" \
    '*PAM acct error*'
expect "mixed case reaches the same account" \
    "$(stack_testsasl Alice@EXAMPLE.org "$PW")" "$OK"
stack_testsasl carol@example.org wrong-one >/dev/null
expect "PAM_RHOST: saslauthd -r passes none: the source is \"unknown\"" \
    "$(stack_sources carol@example.org)" "unknown 1"
stack_saslauthd_stop
stack_saslauthd_start plain || { notok "saslauthd without -r started"; exit 1; }
stack_testsasl carol@example.org wrong-two >/dev/null
expect "PAM_RHOST: saslauthd without -r passes none either" \
    "$(stack_sources carol@example.org)" "unknown 2"
stack_saslauthd_stop
stack_saslauthd_start -r || { notok "saslauthd -r started again"; exit 1; }

# -c: successful logins are cached, and a cached login never reaches PAM
stack_saslauthd_stop
stack_saslauthd_start -r -c || { notok "saslauthd -c started"; exit 1; }
expect "with -c: right password: OK" \
    "$(stack_testsasl alice@example.org "$PW")" "$OK"
stack_admin user disable alice@example.org >/dev/null
expect "with -c: a user disabled after a login is still accepted (cache)" \
    "$(stack_testsasl alice@example.org "$PW")" "$OK"
stack_saslauthd_stop
stack_saslauthd_start -r || { notok "saslauthd restarted"; exit 1; }
expect "... until saslauthd restarts" \
    "$(stack_testsasl alice@example.org "$PW")" "$NO"

port_dir=$STACK_TMP/sasl
stack_cleanup
if [ ! -e "$port_dir" ] && [ ! -e "/etc/pam.d/$STACK_SVC" ]; then
	ok "saslauthd stopped, its directory and the PAM service file removed"
else
	notok "saslauthd stopped, its directory and the PAM service file removed"
fi
exit 0
