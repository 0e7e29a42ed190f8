#!/bin/sh
# Postfix SMTP AUTH through Cyrus saslauthd and pam_mailuser: a private
# Postfix instance (postfix -c DIR: main.cf from doc/examples/postfix/,
# only an smtpd listener on 127.0.0.1, only the discard transport), a
# private saslauthd -a pam -r, and the PAM service file of
# doc/examples/pam.d/smtp.  The SMTP dialogues are swaks's; every check
# reads Postfix's own reply.  Nothing is ever delivered: the dialogues
# stop after RCPT, and the queue is emptied before Postfix stops.
# Needs root.
#
#   sh tests/integration/postfix.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/stack.sh"
ok() { stack_ok "$@"; }
notok() { stack_notok "$@"; }
expect() { stack_expect "$1" "$2" "$3" "sasl postfix"; }

stack_need postconf postsuper swaks saslauthd testsaslauthd
[ -x /usr/lib/postfix/sbin/master ] || { notok "postfix is installed"; exit 1; }
stack_init "${1:-build}" || { notok "store and configuration made"; exit 1; }
PW=Quiet-Meadow-Falcon-73
stack_users "$PW" alice dis erin
stack_admin user disable dis@example.org >/dev/null ||
	{ notok "user disabled"; exit 1; }
stack_pam_install smtp || { notok "PAM service installed"; exit 1; }

stack_saslauthd_start -r || { notok "saslauthd started"; exit 1; }
if stack_postfix_start; then
	ok "postfix $(postconf -h -c "$STACK_TMP/postfix/etc" mail_version)" \
	    "listens on 127.0.0.1:$STACK_SMTP_PORT, mynetworks excludes it"
else
	notok "postfix started"
	exit 1
fi

FOREIGN=someone@foreign.example
DENIED="554 5.7.1 <$FOREIGN>: Relay access denied"
AUTH_OK='235 2.7.0 Authentication successful'
AUTH_NO='535 5.7.8 Error: authentication failed: *'
RCPT_OK='250 2.1.5 Ok'
nl='
'

expect "no AUTH: RCPT to a foreign domain is refused (no open relay)" \
    "$(stack_smtp_rcpt $FOREIGN)" "$DENIED"
expect "EHLO offers AUTH PLAIN LOGIN (doc/examples/postfix/sasl/smtpd.conf)" \
    "$(grep '250.AUTH' "$STACK_TMP/swaks.out")" '<-  250-AUTH PLAIN LOGIN'
expect "AUTH PLAIN, right password: 235, then RCPT to a foreign domain: 250" \
    "$(stack_smtp_rcpt $FOREIGN alice@example.org "$PW")" \
    "$AUTH_OK$nl$RCPT_OK"
expect "AUTH PLAIN, wrong password: 535" \
    "$(stack_smtp_rcpt $FOREIGN alice@example.org Quiet-Meadow-Falcon-74)" \
    "$AUTH_NO"
expect "AUTH PLAIN, unknown user: 535" \
    "$(stack_smtp_rcpt $FOREIGN nobody@example.org "$PW")" "$AUTH_NO"
expect "AUTH PLAIN, disabled user: 535" \
    "$(stack_smtp_rcpt $FOREIGN dis@example.org "$PW")" "$AUTH_NO"
expect "AUTH PLAIN, mixed-case login: 235" \
    "$(stack_smtp_rcpt $FOREIGN Alice@Example.ORG "$PW")" "$AUTH_OK$nl$RCPT_OK"
# saslauthd answers yes or no: the canonical name never reaches Postfix
expect "Postfix logs sasl_username as the client typed it, not canonical" \
    "$(grep 'client=.*sasl_username=' "$STACK_TMP/postfix/maillog" |
	sed 's/.*sasl_username=//' | tr '\n' ' ')" \
    'alice@example.org Alice@Example.ORG '

# saslauthd without -r: the SASL library split the login at its last "@",
# so PAM gets "alice" and the login fails; testsaslauthd does not split.
stack_saslauthd_stop
stack_saslauthd_start plain || { notok "saslauthd without -r"; exit 1; }
expect "saslauthd without -r: SMTP AUTH as user@domain fails (535)" \
    "$(stack_smtp_rcpt $FOREIGN alice@example.org "$PW")" "$AUTH_NO"
expect "saslauthd without -r: PAM was asked for the bare local part" \
    "$(grep 'auth failure' "$STACK_TMP/sasl/saslauthd.log" | tail -n 1)" \
    '*\[user=alice\] *\[realm=example.org\]*'
expect "saslauthd without -r: testsaslauthd still says OK (it does not split)" \
    "$(stack_testsasl alice@example.org "$PW")" '0: OK "Success."'
stack_saslauthd_stop
stack_saslauthd_start -r || { notok "saslauthd restarted"; exit 1; }

# saslauthd gives no PAM_RHOST: SMTP failures all count for one source
if stack_module_knows deny=3; then
	echo "deny = 3" >>"$STACK_CONF"
	for w in one two three; do
		stack_smtp_rcpt $FOREIGN erin@example.org "wrong-$w" >/dev/null
	done
	expect "lockout (deny = 3): 3 wrong SMTP logins, then the right one: 535" \
	    "$(stack_smtp_rcpt $FOREIGN erin@example.org "$PW")" "$AUTH_NO"
	expect "PAM_RHOST: Postfix through saslauthd gives none: source unknown" \
	    "$(stack_sources erin@example.org)" "unknown 3"
	r=$(echo "$PW" | "$STACK_B/pamtry" -r 192.0.2.7 "$STACK_SVC" \
	    erin@example.org 2>&1 | head -n 1)
	expect "lockout: with PAM_RHOST set, as Dovecot sets it, not locked" \
	    "$r" 'auth: Success'
else
	ok "SMTP lockout # SKIP brute-force defence not built"
fi

queued=$(find "$STACK_TMP/postfix/queue" -type f ! -path '*/pid/*' | wc -l)
expect "nothing was queued" "$queued" 0
port=$STACK_SMTP_PORT
stack_cleanup
if ! stack_client wait 127.0.0.1 "$port" 0 2>/dev/null &&
    [ ! -e "/etc/pam.d/$STACK_SVC" ]; then
	ok "postfix and saslauthd stopped, PAM service file removed"
else
	notok "postfix and saslauthd stopped, PAM service file removed"
fi
exit 0
