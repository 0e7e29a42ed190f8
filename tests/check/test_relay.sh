#!/bin/sh
# mailserver-check's relay probe against the real Postfix of the stack
# tests (tests/lib/stack.sh: a private instance on 127.0.0.1, mynetworks
# 192.0.2.0/24, SMTP AUTH through saslauthd).  The correct configuration
# is no open relay; probing through XCLIENT as an address inside
# mynetworks, and mynetworks = 0.0.0.0/0, are.  The probe never sends
# DATA: Postfix's own log says which commands it got, and nothing is
# queued.  Needs root.
#
#   sh tests/check/test_relay.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/stack.sh"
ok() { stack_ok "$@"; }
notok() { stack_notok "$@"; }

B=$(cd "${1:-build}" && pwd)
TOOL=$B/mailserver-check
stack_need postconf postsuper saslauthd jq
[ -x /usr/lib/postfix/sbin/master ] || { notok "postfix is installed"; exit 1; }
[ -x "$TOOL" ] || { notok "$TOOL is built"; exit 1; }
STACK_NAME=mailserver-check
stack_init "$B" || { notok "stack set up"; exit 1; }
stack_pam_install smtp || { notok "PAM service installed"; exit 1; }
stack_saslauthd_start -r || { notok "saslauthd started"; exit 1; }
stack_postfix_start || { notok "postfix started"; exit 1; }
PF=$STACK_TMP/postfix
HOST=mx.mailuser-test.invalid
ok "postfix on 127.0.0.1:$STACK_SMTP_PORT (mynetworks = 192.0.2.0/24)"

# check ARGS...: the tool against this Postfix; $rc, $out (JSON)
out=$STACK_TMP/check.json
check() {
	"$TOOL" -c /dev/null --smtp "127.0.0.1:$STACK_SMTP_PORT" --host "$HOST" \
	    --timeout 10 --json "$@" >"$out" 2>"$STACK_TMP/check.err"
	rc=$?
}
result() {	# CHECK: "VERDICT: reason"
	jq -r --arg c "$1" '.results[] | select(.check == $c) |
	    .verdict + ": " + .reason' "$out" 2>/dev/null
}
expect() { stack_expect "$1" "$2" "$3" postfix; }
# The master re-reads main.cf on SIGHUP, but an idle smtpd process goes
# on serving with the old settings: stop those (the master's children,
# by PID); the master starts new ones for the next client.
reconf() {
	master=$(tr -d ' ' <"$PF/queue/pid/master.pid")
	postconf -c "$PF/etc" -e "$@" && kill -HUP "$master" || return 1
	sleep 0.5
	for p in $(pgrep -P "$master" smtpd); do
		kill "$p" 2>/dev/null
	done
	sleep 0.5
}

check
expect "correct configuration: no open relay, as seen from 127.0.0.1" \
    "$(result relay)" \
    "OK: no open relay: RCPT TO:<relay-test@mailserver-check.example> refused (554 5.7.1 *Relay access denied); the server saw 127.0.0.1 (the connection's source address)"
expect "AUTH offered without TLS: WARN" "$(result smtp-auth)" \
    'WARN: AUTH offered and no STARTTLS*'
expect "banner and EHLO name are the host name" "$(result smtp-name)" \
    "OK: banner and EHLO name $HOST"
expect "exit 1 (a WARN, no FAIL)" "$rc" 1
expect "the DNS checks are skipped without their inputs" \
    "$(jq -r '[.results[] | select(.check | test("^(rdns|spf|dkim|dmarc|dnsbl)")) | .verdict] | unique | join(",")' "$out")" \
    SKIP

check --host other.example.org
expect "banner name not the host name: WARN" "$(result smtp-name)" \
    "WARN: banner name $HOST, EHLO name $HOST: not the host name other.example.org"

check --xclient 203.0.113.9
expect "XCLIENT not offered to this client: UNKNOWN, says where to allow it" \
    "$(result relay)" \
    'UNKNOWN: XCLIENT is not offered to 127.0.0.1 (Postfix: smtpd_authorized_xclient_hosts)'

reconf "smtpd_authorized_xclient_hosts = 127.0.0.1" ||
	{ notok "XCLIENT allowed for 127.0.0.1"; exit 1; }
check --xclient 203.0.113.9
expect "XCLIENT as an outside address: no open relay, the server saw it" \
    "$(result relay)" \
    'OK: no open relay: * refused (554 5.7.1 *); the server saw 203.0.113.9 (XCLIENT)'
# this Postfix has inet_protocols = ipv4: it refuses an IPv6 ADDR
check --xclient 2001:db8::9
expect "XCLIENT ADDR=IPV6:... refused by an IPv4-only Postfix: UNKNOWN, why" \
    "$(result relay)" \
    'UNKNOWN: XCLIENT ADDR=2001:db8::9 refused: 501 5.5.4 Bad ADDR syntax: IPV6:2001:db8::9'
check --xclient 192.0.2.5
expect "XCLIENT as an address inside mynetworks: FAIL, open relay" \
    "$(result relay)" \
    'FAIL: OPEN RELAY: RCPT TO:<*> without AUTH answered 250 2.1.5 Ok; the server saw 192.0.2.5 (XCLIENT)'
expect "open relay: exit 2" "$rc" 2
check --xclient 192.0.2.5 --json
expect "summary names the open relay" "$(jq -r .summary "$out")" \
    'MAILSERVER CRITICAL - 1 FAIL, * relay 127.0.0.1:*: OPEN RELAY: *'

reconf "mynetworks = 0.0.0.0/0" ||
	{ notok "mynetworks = 0.0.0.0/0"; exit 1; }
check --xclient 203.0.113.9
expect "mynetworks = 0.0.0.0/0: FAIL, open relay" "$(result relay)" \
    'FAIL: OPEN RELAY: * answered 250 2.1.5 Ok; the server saw 203.0.113.9 (XCLIENT)'
expect "mynetworks = 0.0.0.0/0: exit 2" "$rc" 2
check
expect "relay accepted from the server's own address: WARN, not proof" \
    "$(result relay)" \
    'WARN: RCPT TO:<*> accepted (250 2.1.5 Ok) from 127.0.0.1, the server itself*--xclient*'

reconf "mynetworks = 192.0.2.0/24" "smtpd_authorized_xclient_hosts ="
check --rcpt someone@foreign.example
expect "back to the correct configuration, another --rcpt" "$(result relay)" \
    'OK: no open relay: RCPT TO:<someone@foreign.example> refused*'

check --smtp 127.0.0.1:465
expect "port 465: UNKNOWN, implicit TLS" "$(result relay)" \
    'UNKNOWN: port 465 speaks TLS*'
port=$(stack_port)
check --smtp "127.0.0.1:$port"
expect "nothing listening: UNKNOWN" "$(result relay)" \
    "UNKNOWN: cannot connect to 127.0.0.1 port $port: Connection refused"
expect "nothing listening: exit 3" "$rc" 3

# what Postfix got: no DATA, ever, and nothing queued
n=$(grep -c 'disconnect from' "$PF/maillog")
d=$(grep 'disconnect from' "$PF/maillog" | grep -c 'data=')
expect "Postfix logged $n sessions, none with DATA" "$d" 0
queued=$(find "$PF/queue" -type f ! -path '*/pid/*' | wc -l)
expect "nothing was queued" "$queued" 0
exit 0
