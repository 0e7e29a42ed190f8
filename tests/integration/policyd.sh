#!/bin/sh
# mailuser-policyd against the real Postfix of the stack tests
# (tests/lib/stack.sh: a private instance on 127.0.0.1, SMTP AUTH through
# saslauthd and pam_mailuser, Dovecot beside it on the same store).  The
# Postfix settings are the snippets of doc/deploy.md, "Sending limits",
# read from the file itself: check_policy_service in
# smtpd_recipient_restrictions before permit_sasl_authenticated, and last
# in smtpd_end_of_data_restrictions, on unix:private/mailuser-policy (this
# smtpd is not chrooted: the path is under its queue directory).  The
# messages are swaks's, whole (DATA included), and discarded.
#
# A user with a limit of N messages an hour sends N, the next gets
# 450 4.7.1; another user is not affected; one message to 5 recipients
# counts 5; inbound mail without AUTH to a local domain counts nothing;
# going on past lock_factor times the limit locks the account (IMAP
# through Dovecot fails, an audit row, the documented log line);
# "sending reset" and "user unlock" restore it; the daemon killed, Postfix
# answers with the documented default_action.  Needs root.
#
#   sh tests/integration/policyd.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/stack.sh"
ok() { stack_ok "$@"; }
notok() { stack_notok "$@"; }
expect() { stack_expect "$1" "$2" "$3" "${4:-postfix}"; }

stack_need postconf postsuper swaks saslauthd dovecot jq
[ -x /usr/lib/postfix/sbin/master ] || { notok "postfix is installed"; exit 1; }
B=$(cd "${1:-build}" && pwd)
PD=$B/mailuser-policyd
[ -x "$PD" ] || { notok "$PD is built"; exit 1; }
DEPLOY=$top/doc/deploy.md

STACK_NAME=mailuser-policyd
stack_init "$B" || { notok "store and configuration made"; exit 1; }

# The daemon becomes nobody once its socket is open: the store moves to
# a directory of its group (init --group), as mailuser-policyd(8) says.
# Its [policyd] section is in the one mailuser.conf, its log on stderr.
N=3
STACK_DB=$STACK_TMP/store/mailuser.db
PDLOG=$STACK_TMP/policyd.log
{
	echo "db = $STACK_DB"
	echo "hash = sha512crypt"
	echo "hash_cost = 1000"
	echo "[policyd]"
	echo "user = nobody"
	echo "log = stderr"
	echo "lock_factor = 3"
} >"$STACK_CONF"
if stack_admin init --group nogroup >/dev/null &&
    stack_admin domain add "$STACK_DOMAIN" >/dev/null; then :; else
	notok "a store the daemon's user may write"
	exit 1
fi
PW=Quiet-Meadow-Falcon-73
stack_users "$PW" alice bob carol dave
if stack_admin limit set --domain example.org --messages-per-hour 50 \
	>/dev/null &&
    stack_admin limit set --user alice@example.org --messages-per-hour $N \
	>/dev/null &&
    stack_admin limit set --user carol@example.org --recipients-per-hour 5 \
	>/dev/null &&
    stack_admin limit set --user dave@example.org --recipients-per-hour 3 \
	>/dev/null; then
	ok "limits: example.org 50 messages an hour, alice $N, carol 5" \
	    "recipients, dave 3"
else
	notok "limits set"
	exit 1
fi

# doc_snippet NAME: the indented main.cf block of deploy.md's section 13
# that sets NAME (its first one), unindented; a "..." line (the rest of
# the reader's own restrictions) left out.
doc_snippet() {
	awk -v name="$1" '
	/^## 13\./ { in13 = 1; next }
	/^## / { in13 = 0 }
	!in13 { next }
	started && /^[[:space:]]*$/ { exit }
	started {
		if (match($0, /^ */) && RLENGTH <= ind) exit
		line = substr($0, ind + 1)
		if (line ~ /^ *\.\.\. *$/) next
		print line
		next
	}
	{
		t = $0
		sub(/^ +/, "", t)
		if (t ~ ("^" name " =")) {
			match($0, /^ */)
			ind = RLENGTH
			started = 1
			print t
		}
	}' "$DEPLOY"
}
RCPT_SNIPPET=$(doc_snippet smtpd_recipient_restrictions)
EOD_SNIPPET=$(doc_snippet smtpd_end_of_data_restrictions)
case $RCPT_SNIPPET in
*check_policy_service*permit_sasl_authenticated*) ok "deploy.md:" \
    "smtpd_recipient_restrictions: the check before permit_sasl_authenticated" ;;
*) notok "deploy.md: the smtpd_recipient_restrictions snippet"
   printf '%s\n' "$RCPT_SNIPPET" | stack_diag
   exit 1 ;;
esac
# What Postfix answers when the daemon is down: the checks' default_action
DOWN_TEXT=$(printf '%s\n' "$EOD_SNIPPET" | sed -n \
    's/.*default_action = DEFER_IF_PERMIT \(4\.[0-9.]* [^}]*[^ }]\) *}.*/\1/p')
case $DOWN_TEXT in
4.*) ok "deploy.md: smtpd_end_of_data_restrictions, default_action" \
    "DEFER_IF_PERMIT $DOWN_TEXT" ;;
*) notok "deploy.md: the smtpd_end_of_data_restrictions snippet"
   printf '%s\n' "$EOD_SNIPPET" | stack_diag
   exit 1 ;;
esac

MUA_RCPT=$(doc_snippet mua_recipient_restrictions)
MUA_EOD=$(doc_snippet mua_end_of_data_restrictions)
# the submission service's -o lines but TLS (no certificate here)
MUA_O=$(awk '/^## 13\./ { in13 = 1 } in13 && /^ *-o / && !/tls/ {
    sub(/^ +/, "  "); print }' "$DEPLOY")
case $MUA_RCPT$MUA_O in
*check_policy_service*permit_sasl_authenticated*reject*-o\ smtpd_recipient_restrictions=*)
	ok "deploy.md: the submission port's snippets" ;;
*) notok "deploy.md: the submission port's snippets"
   printf '%s\n' "$MUA_RCPT" "$MUA_O" | stack_diag
   exit 1 ;;
esac
SUB_PORT=$(stack_port) || { notok "a free port"; exit 1; }
STACK_POSTFIX_MASTER="127.0.0.1:$SUB_PORT inet n - n - - smtpd
$MUA_O"

# example.org is a local (virtual mailbox) domain: mail from outside to
# it is accepted without AUTH; nothing is delivered (discard).
STACK_POSTFIX_MAIN="$RCPT_SNIPPET
$EOD_SNIPPET
$MUA_RCPT
$MUA_EOD
virtual_mailbox_domains = $STACK_DOMAIN
virtual_transport = discard"

stack_pam_install smtp || { notok "PAM service installed"; exit 1; }
stack_saslauthd_start -r || { notok "saslauthd started"; exit 1; }
stack_postfix_start || { notok "postfix started"; exit 1; }
stack_dovecot_start || { notok "dovecot started"; exit 1; }
PF=$STACK_TMP/postfix
SOCK=$PF/queue/private/mailuser-policy
case $(postconf -c "$PF/etc" -hx smtpd_recipient_restrictions) in
*check_policy_service*unix:private/mailuser-policy*permit_sasl_authenticated*)
	ok "postfix on 127.0.0.1:$STACK_SMTP_PORT with deploy.md's snippets" ;;
*)
	notok "postfix took deploy.md's snippets"
	postconf -c "$PF/etc" -n | stack_diag
	exit 1 ;;
esac

# ---- the daemon --------------------------------------------------------
PDPID=
pd_start() {
	"$PD" -c "$STACK_CONF" --listen "unix:$SOCK" --foreground \
	    2>>"$PDLOG" &
	PDPID=$!
	i=0
	while [ $i -lt 50 ]; do
		grep -q "started (1 socket)" "$PDLOG" 2>/dev/null && return 0
		stack_alive "$PDPID" || break
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
pd_stop() {	# SIGNAL
	[ -n "$PDPID" ] || return 0
	stack_stop_pids "$1" "$PDPID"
	PDPID=
}
cleanup() {
	pd_stop TERM
	stack_cleanup
}
trap cleanup EXIT
if pd_start; then
	ok "mailuser-policyd --listen unix:$SOCK, as" \
	    "$(ps -o user= -p "$PDPID" | tr -d ' ')"
else
	notok "mailuser-policyd started"
	stack_diag <"$PDLOG"
	exit 1
fi
pdlogs() {
	echo "# --- last lines of $PDLOG"
	tail -n 15 "$PDLOG" | stack_diag
	stack_logs postfix
}

# ---- SMTP ---------------------------------------------------------------
# send USER|- TO... [-- SWAKS_OPTION...]: one whole message, with AUTH as
# USER (- for none, from outside); prints the first refusal (its reply,
# e.g. "450 4.7.1 ...") or the reply to the end of the data.
send() {
	u=$1
	shift
	to=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		to=${to:+$to,}$1
		shift
	done
	[ $# -gt 0 ] && shift
	if [ "$u" = - ]; then
		set -- --from sender@foreign.example "$@"
	else
		set -- --from "$u" --auth PLAIN --auth-user "$u" \
		    --auth-password "$PW" "$@"
	fi
	swaks --server "127.0.0.1:${PORT:-$STACK_SMTP_PORT}" --helo client.invalid \
	    --to "$to" --timeout 30 "$@" >"$STACK_TMP/swaks.out" 2>&1
	awk '/^<\*\* +[0-9][0-9][0-9] / { sub(/^<\*\* +/, ""); print; exit }
	     /^<- +250 .*queued as/ { sub(/^<- +/, ""); print; exit }' \
	    "$STACK_TMP/swaks.out"
}
QUEUED='250 2.0.0 Ok: queued as *'
OVER='450 4.7.1 <*>: Recipient address rejected: Too much mail sent from this account for now; try again later'
AUTH_NO='535 5.7.8 Error: authentication failed: *'
FOREIGN=someone@foreign.example
# sent USER: "messages recipients deferred_messages" of the last hour
sent() {
	stack_admin sending --json "$1" | jq -r '.last_hour |
	    "\(.messages) \(.recipients) \(.deferred_messages)"'
}

i=1
while [ $i -le $N ]; do
	# once as the client may type it: counted for the canonical name
	if [ $i = 2 ]; then u=Alice@Example.ORG; else u=alice@example.org; fi
	r=$(send $u $FOREIGN)
	expect "alice (limit $N an hour), message $i of $N as $u: accepted" \
	    "$r" "$QUEUED"
	i=$((i + 1))
done
expect "alice: $N messages counted, whatever the case of the login" \
    "$(sent alice@example.org)" "$N $N 0"
expect "alice, message $((N + 1)): 450 4.7.1 at RCPT, the limit not told" \
    "$(send alice@example.org $FOREIGN)" "$OVER"
expect "the refusal is counted as a deferral, not as sent" \
    "$(sent alice@example.org)" "$N $N 1"
expect "bob (the domain's 50) is not affected: accepted" \
    "$(send bob@example.org $FOREIGN)" "$QUEUED"
expect "bob: 1 message counted" "$(sent bob@example.org)" "1 1 0"

# one message to 5 recipients counts 5; carol may send 5 an hour
r=$(send carol@example.org r1@foreign.example r2@foreign.example \
    r3@foreign.example r4@foreign.example r5@foreign.example)
expect "carol (5 recipients an hour): one message to 5 recipients accepted" \
    "$r" "$QUEUED"
expect "carol: 1 message, 5 recipients counted (sending --json)" \
    "$(sent carol@example.org)" "1 5 0"
expect "carol: a 6th recipient: 450 4.7.1" \
    "$(send carol@example.org r6@foreign.example)" "$OVER"

# each recipient passes at RCPT (3 an hour), the message of 4 does not:
# refused at the end of the data, nothing sent counted
r=$(send dave@example.org r1@foreign.example r2@foreign.example \
    r3@foreign.example r4@foreign.example)
expect "dave (3 recipients an hour), one message to 4: 450 4.7.1 after DATA" \
    "$r" '450 4.7.1 *Too much mail sent from this account for now; try again later'
expect "the 4 recipients Postfix had accepted at RCPT" \
    "$(grep -c 'RCPT TO:<r[1-4]@foreign.example>' "$STACK_TMP/swaks.out" |
	tr -d ' ')" 4
expect "dave: nothing counted as sent, the message counted as deferred" \
    "$(sent dave@example.org)" "0 0 1"

# the submission port (master.cf -o overrides, mua_* of main.cf)
PORT=$SUB_PORT
expect "submission port: alice, over her limit: 450 4.7.1" \
    "$(send alice@example.org $FOREIGN)" "$OVER"
expect "submission port: bob sends" "$(send bob@example.org $FOREIGN)" \
    "$QUEUED"
expect "submission port: no AUTH, to a local domain: refused" \
    "$(send - bob@example.org)" \
    '554 5.7.1 <bob@example.org>: Recipient address rejected: Access denied'
PORT=
expect "alice: 2 refusals, bob 2 messages" \
    "$(sent alice@example.org), $(sent bob@example.org)" "$N $N 2, 2 2 0"

# inbound: no AUTH, to a local domain, from an address of this domain
before=$(stack_admin sending --json | jq -c .)
expect "inbound mail without AUTH to a local domain: accepted" \
    "$(send - bob@example.org -- --from alice@example.org)" "$QUEUED"
expect "inbound mail without AUTH to alice herself: accepted" \
    "$(send - alice@example.org)" "$QUEUED"
after=$(stack_admin sending --json | jq -c .)
if [ -n "$before" ] && [ "$after" = "$before" ]; then
	ok "inbound mail: nothing counted (sending --json unchanged)"
else
	notok "inbound mail: nothing counted (sending --json unchanged)"
	printf 'before: %s\nafter:  %s\n' "$before" "$after" | stack_diag
fi
expect "inbound mail without AUTH to a foreign domain: still no relay" \
    "$(send - $FOREIGN)" "554 5.7.1 <$FOREIGN>: Relay access denied"

# ---- the compromised-account lock: lock_factor 3 x N tried ---------------
expect "alice logs in over IMAP before" \
    "$(stack_imap alice@example.org "$PW")" 'OK \[CAPABILITY *\] Logged in'
# until locked: 3 x N tried (sent and refused) within the hour
i=0
locked=
while [ $i -lt $((3 * N)) ]; do
	i=$((i + 1))
	r=$(send alice@example.org $FOREIGN)
	case $r in
	450\ 4.7.1*) ;;
	*) break ;;
	esac
	if [ -n "$(stack_sql "SELECT locked_at FROM users
	    WHERE name = 'alice@example.org'")" ]; then
		locked=$(sent alice@example.org)
		break
	fi
done
expect "alice goes on: each refused with 450 4.7.1" "$r" "$OVER" postfix
expect "alice locked once $N sent + $((2 * N)) refused (lock_factor 3 x $N)" \
    "$locked" "$N $N $((2 * N))"
expect "the lock's reason says why" \
    "$(stack_sql "SELECT lock_reason FROM users
	WHERE name = 'alice@example.org'")" \
    'compromised? went on sending past messages_per_hour (3 times the limit within its window); locked by mailuser-policyd'
expect "an audit row: mailuser-policyd, user lock, alice (mailuser-admin audit)" \
    "$(stack_admin audit --json --user alice@example.org | jq -r \
	'[.[] | select(.action == "user lock")] | length, .[0].tool')" \
    "1${nl:=
}mailuser-policyd"
expect "the documented LOG_WARNING line, once" \
    "$(grep 'compromised account locked' "$PDLOG")" \
    "mailuser-policyd\[$PDPID\]: compromised account locked: user=alice@example.org rhost=127.0.0.1 limit=messages_per_hour factor=3"
expect "IMAP login through Dovecot of the locked account fails" \
    "$(stack_imap alice@example.org "$PW")" \
    'NO \[AUTHENTICATIONFAILED\] Authentication failed.' dovecot
expect "SMTP AUTH of the locked account fails" \
    "$(send alice@example.org $FOREIGN)" "$AUTH_NO"
expect "bob still sends" "$(send bob@example.org $FOREIGN)" "$QUEUED"

# ---- restored ------------------------------------------------------------
stack_admin sending reset alice@example.org >/dev/null &&
    stack_admin user unlock alice@example.org >/dev/null ||
	notok "sending reset and user unlock"
expect "after sending reset: alice's counters are zero" \
    "$(sent alice@example.org)" "0 0 0"
expect "after user unlock: IMAP login through Dovecot works again" \
    "$(stack_imap alice@example.org "$PW")" 'OK \[CAPABILITY *\] Logged in' \
    dovecot
expect "and alice sends again" "$(send alice@example.org $FOREIGN)" "$QUEUED"
expect "counted from zero" "$(sent alice@example.org)" "1 1 0"

# ---- the daemon down -----------------------------------------------------
pd_stop KILL
t0=$(date +%s)
r=$(send bob@example.org $FOREIGN)
t1=$(date +%s)
expect "daemon killed: Postfix answers deploy.md's default_action at RCPT" \
    "$r" "450 ${DOWN_TEXT%% *} <$FOREIGN>: Recipient address rejected: ${DOWN_TEXT#* }" postfix
# the end-of-data check, reached only when the RCPT one passes: with the
# RCPT check out, the same answer after the data
expect "the answer came within Postfix's retry (try_limit 2, 1 s delay)" \
    "$((t1 - t0 <= 10))" 1
# the check is asked about every message on this port, inbound too
expect "daemon killed: inbound mail without AUTH is deferred as well" \
    "$(send - bob@example.org)" \
    "450 ${DOWN_TEXT%% *} <bob@example.org>: Recipient address rejected: ${DOWN_TEXT#* }"
expect "Postfix logged the refused connection" \
    "$(grep -c 'private/mailuser-policy.*Connection refused' "$PF/maillog" |
	tr -d ' ')" '[1-9]*'
if pd_start; then
	expect "daemon started again: bob sends, counters kept in the store" \
	    "$(send bob@example.org $FOREIGN)" "$QUEUED"
	expect "bob: 4 messages counted, across the restart" \
	    "$(sent bob@example.org)" "4 4 0"
else
	notok "mailuser-policyd started again"
fi

pd_stop TERM
expect "SIGTERM: the daemon logged its stop" \
    "$(tail -n 1 "$PDLOG")" "mailuser-policyd\[*\]: stopped"
queued=$(find "$PF/queue" -type f ! -path '*/pid/*' \
    ! -path '*/private/*' ! -path '*/public/*' | wc -l)
expect "nothing stays queued (discard)" "$(echo $queued)" 0
exit 0
