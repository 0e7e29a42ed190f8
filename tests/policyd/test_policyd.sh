#!/bin/sh
# mailuser-policyd driven over a real unix socket (tests/policyd/client.py)
# on a real store made by mailuser-admin init: limits, counting once per
# message, instance de-duplication, no sasl_username, over-limit answers,
# REJECT and HOLD through SIGHUP, the compromised-account lock (admin
# lock, audit row, log line, notify program), keep-alive, many clients
# at once, malformed input, slow clients, timeouts, an unavailable store,
# SIGTERM, spawn(8) mode on standard input and output, inet sockets, and
# the privilege drop.
#   sh tests/policyd/test_policyd.sh BUILD        (as root)
# MU_TEST_DB=pg runs it on PostgreSQL (tests/cli/lib.sh), the daemon
# logging in as the auth role.
set -u

. "$(dirname "$0")/../cli/lib.sh"

PD=$(cd "$BUILD" && pwd)/mailuser-policyd
need "$PD"
if [ "$(id -u)" != 0 ]; then
	skip "mailuser-policyd tests" "not root (the daemon drops to nobody)"
	exit 0
fi
CLIENT="python3 $ROOT/tests/policyd/client.py"

# The daemon runs as nobody: the store in a directory of its group made
# by init --group, the run directory (socket, notify output) its own.
chmod 0711 "$TMP"
RUN=$TMP/run
mkdir -p "$RUN"
chown nobody "$RUN"
SOCK=$RUN/policy.sock
if ! on_pg; then
	DB=$TMP/store/mail.db
	printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\n' "$DB" >"$CONF"
fi
rm -rf "$TMP/store"
if on_pg; then
	pg_empty
	mu init && mu domain add example.org && mu domain add example.net &&
	    apply_roles
else
	mu init --group nogroup && mu domain add example.org &&
	    mu domain add example.net
fi
t "a store for the daemon" succeeded
for u in alice bob carol dave eve frank; do
	mu_in 'Pw-for-tests-9!' user add --force --password-stdin \
	    "$u@example.org"
done
mu limit set --user alice@example.org --messages-per-hour 3
mu limit set --user bob@example.org --messages-per-hour 2
mu limit set --domain example.net --messages-per-hour 1
mu limit set --user dave@example.org --recipients-per-hour 5
mu limit set --user eve@example.org --messages-per-hour 0 \
    --recipients-per-hour 0 --recipients-per-day 0
mu limit set --user frank@example.org --messages-per-hour 2
t "limits set" succeeded

# The daemon's configuration: the auth role's store on PostgreSQL.
PCONF=$TMP/policyd.conf
if on_pg; then
	PDB=$PG_AUTH_URL
else
	PDB=$DB
fi
cat >"$TMP/notify.sh" <<EOF
#!/bin/sh
echo "\$@" >"$RUN/notified"
EOF
chmod 0755 "$TMP/notify.sh"
policyd_conf() {
	cat >"$PCONF" <<EOF
db = $PDB
default_domain = example.org
[check]
ip = 192.0.2.1
[policyd]
user = nobody
log = stderr
# the configuration's default: users of example.org without their own
recipients_per_day = 1000
lock_factor = 3
notify = $TMP/notify.sh
request_timeout = 2
idle_timeout = 3
$1
EOF
	chgrp nogroup "$PCONF"
	chmod 0640 "$PCONF"
}
policyd_conf ""

PID=
start() {
	"$PD" -c "$PCONF" --listen "unix:$SOCK" --foreground \
	    2>>"$TMP/daemon.log" &
	PID=$!
	_i=0
	while [ ! -S "$SOCK" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -S "$SOCK" ]
}
stop() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	_rc=$?
	PID=
	return $_rc
}
trap 'stop; cleanup' EXIT
trap 'stop; cleanup; exit 1' HUP INT TERM
t "the daemon starts on a unix socket" start
t "and runs as nobody after opening it" eq \
    "$(ps -o user= -p "$PID" | tr -d ' ')" nobody

# ask USER STATE INSTANCE RCPTS: the action for one request
ask() {
	$CLIENT "$SOCK" ask protocol_state="$2" sasl_username="$1" \
	    instance="$3" recipient_count="$4"
}
DUNNO="action=DUNNO"
DEFER="action=DEFER_IF_PERMIT 4.7.1 Too much mail sent from this account for now; try again later"
sent() { mu sending --json "$1"; jq -r '.last_hour.messages' "$TMP/out"; }
rcpts() { mu sending --json "$1"; jq -r '.last_hour.recipients' "$TMP/out"; }

# ---- counting ---------------------------------------------------------
all="" i=1
for i in 1 2 3; do
	all="$all $(ask alice@example.org RCPT "a$i" 0 | tr ' ' _)"
	all="$all $(ask alice@example.org END-OF-MESSAGE "a$i" 1 | tr ' ' _)"
done
t "alice sends 3 messages of 3 an hour: DUNNO at every stage" eq \
    "$all" " $DUNNO $DUNNO $DUNNO $DUNNO $DUNNO $DUNNO"
t "the 4th is deferred at RCPT" eq "$(ask alice@example.org RCPT a4 0)" \
    "$DEFER"
t "and at END-OF-MESSAGE" eq \
    "$(ask alice@example.org END-OF-MESSAGE a4 1)" "$DEFER"
t "the answer does not reveal the limit" eval \
    '! ask alice@example.org RCPT a5 0 | grep -q 3'
t "3 messages counted, not the refused one" eq "$(sent alice@example.org)" 3
t "a login name is made canonical (default_domain, case)" eq \
    "$(ask ALICE RCPT a6 0)" "$DEFER"
t "another user is not affected" eq \
    "$(ask carol@example.org END-OF-MESSAGE c1 1)" "$DUNNO"
t "no sasl_username: DUNNO" eq \
    "$($CLIENT "$SOCK" ask protocol_state=END-OF-MESSAGE instance=in1 \
        recipient_count=1 sender=x@example.com)" "$DUNNO"
t "... even for a user over the limit's own domain" eq \
    "$($CLIENT "$SOCK" ask protocol_state=RCPT sasl_username= \
        recipient=alice@example.org)" "$DUNNO"

# instance: one message asked about at several stages, or twice
ask bob@example.org RCPT b1 0 >/dev/null
ask bob@example.org DATA b1 1 >/dev/null
ask bob@example.org END-OF-MESSAGE b1 1 >/dev/null
ask bob@example.org END-OF-MESSAGE b1 1 >/dev/null
t "a message asked about at RCPT, DATA and twice at END-OF-MESSAGE \
counts once" eq "$(sent bob@example.org)" 1
t "so bob's second message passes" eq \
    "$(ask bob@example.org END-OF-MESSAGE b2 1)" "$DUNNO"
t "and his third does not" eq "$(ask bob@example.org END-OF-MESSAGE b3 1)" \
    "$DEFER"

# recipients: the accepted ones, counted at END-OF-MESSAGE
t "a message to 5 recipients passes 5 recipients an hour" eq \
    "$(ask dave@example.org END-OF-MESSAGE d1 5)" "$DUNNO"
t "it counts 5 recipients" eq "$(rcpts dave@example.org)" 5
t "one more recipient is deferred at RCPT" eq \
    "$(ask dave@example.org RCPT d2 0)" "$DEFER"
mu_in 'Pw-for-tests-9!' user add --force --password-stdin \
    gina@example.net
t "a domain's limit applies to its users" eval \
    '[ "$(ask gina@example.net END-OF-MESSAGE g1 1)" = "$DUNNO" ] &&
     [ "$(ask gina@example.net END-OF-MESSAGE g2 1)" = "$DEFER" ]'
t "0 is no limit" eval \
    '[ "$(ask eve@example.org END-OF-MESSAGE e0 1)" = "$DUNNO" ]'
t "a user not in the store: DUNNO" eq \
    "$(ask nobody@example.org END-OF-MESSAGE n1 1)" "$DUNNO"

# ---- the protocol ---------------------------------------------------
$CLIENT "$SOCK" keepalive
$CLIENT "$SOCK" malformed
$CLIENT "$SOCK" slow
$CLIENT "$SOCK" concurrent
t "50 x 20 messages of one user counted exactly" eq \
    "$(sent eve@example.org)" 1001
$CLIENT "$SOCK" timeouts 2 3
t "the daemon still runs after all that" kill -0 "$PID"

# ---- the compromised account -----------------------------------------
for i in 1 2 3 4 5 6; do
	ask frank@example.org END-OF-MESSAGE "f$i" 1 >>"$TMP/frank"
done
t "frank: 2 pass, then deferrals" eq "$(sed -n 3p "$TMP/frank")" "$DEFER"
t "going on to 3 times the limit locks the account" eq \
    "$(sq "SELECT count(*) FROM users WHERE name = 'frank@example.org'
           AND locked_at IS NOT NULL AND lock_reason LIKE 'compromised%'")" 1
t "with an audit row" eq \
    "$(sq "SELECT tool || ' ' || action FROM audit
           WHERE account = 'frank@example.org' AND action = 'user lock'")" \
    "mailuser-policyd user lock"
t "and one LOG_WARNING line for fail2ban" eq \
    "$(grep -c 'compromised account locked: user=frank@example.org rhost=192.0.2.7 limit=messages_per_hour' "$TMP/daemon.log")" 1
sleep 0.5
t "the notify program ran with user, address and limit" eq \
    "$(cat "$RUN/notified" 2>/dev/null)" \
    "frank@example.org 192.0.2.7 messages_per_hour"
t "a locked account is refused, with another text" eval \
    'ask frank@example.org RCPT f7 0 | grep -q "^action=DEFER_IF_PERMIT 4.7.1 This account may not send"'
mu user show --json frank@example.org
t "user show: locked, and its limits" jqt \
    '.locked == true and .messages_per_hour == 2 and .messages_per_hour_from == "user"'
mu user unlock frank@example.org
mu sending reset frank@example.org
t "sending reset and user unlock restore it" eq \
    "$(ask frank@example.org END-OF-MESSAGE f8 1)" "$DUNNO"

# ---- configuration: SIGHUP -------------------------------------------
policyd_conf "over_limit_action = REJECT"
kill -HUP "$PID"
sleep 0.5
t "SIGHUP: over_limit_action = REJECT" eval \
    'ask alice@example.org RCPT a7 0 | grep -q "^action=REJECT 5.7.1 "'
policyd_conf "over_limit_action = HOLD"
kill -HUP "$PID"
sleep 0.5
t "SIGHUP: over_limit_action = HOLD" eval \
    'ask alice@example.org RCPT a8 0 | grep -q "^action=HOLD "'
policyd_conf "over_limit_action = BOUNCE"
kill -HUP "$PID"
sleep 0.5
t "SIGHUP with an error keeps the old configuration" eval \
    'ask alice@example.org RCPT a9 0 | grep -q "^action=HOLD " &&
     grep -q "the old one stays" "$TMP/daemon.log"'
policyd_conf ""
kill -HUP "$PID"

# ---- the store unavailable -------------------------------------------
if on_pg; then
	skip "an unavailable store" "SQLite file"
else
	sleep 0.5
	mv "$TMP/store" "$TMP/store.away"
	a1=$(ask carol@example.org RCPT u1 0)
	a2=$(ask carol@example.org RCPT u2 0)
	t "store unavailable: DEFER_IF_PERMIT 4.3.0" eval \
	    '[ "$a1" = "action=DEFER_IF_PERMIT 4.3.0 Service temporarily unavailable" ] && [ "$a1" = "$a2" ]'
	t "one LOG_ERR line for the outage" eq \
	    "$(grep -c 'store.*unavailable\|store .*mail.db' "$TMP/daemon.log")" 1
	mv "$TMP/store.away" "$TMP/store"
	t "the store back: answers again" eq \
	    "$(ask carol@example.org RCPT u3 0)" "$DUNNO"
	t "and says so" grep -q "available again" "$TMP/daemon.log"
fi

# ---- SIGTERM, spawn mode, inet ------------------------------------------
kill -TERM "$PID"
_i=0
while kill -0 "$PID" 2>/dev/null && [ $_i -lt 30 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
t "SIGTERM: the daemon ends" eval '! kill -0 "$PID" 2>/dev/null'
wait "$PID"
rc=$?
PID=
t "with status 0, its socket removed" eval '[ $rc = 0 ] && [ ! -e "$SOCK" ]'

printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nsasl_username=alice@example.org\n\nrequest=smtpd_access_policy\nprotocol_state=RCPT\n\n' |
    "$PD" -c "$PCONF" >"$TMP/spawn.out" 2>>"$TMP/daemon.log"
rc=$?
t "spawn mode: two requests on standard input, two answers" eval \
    '[ $rc = 0 ] && [ "$(grep -c "^action=" "$TMP/spawn.out")" = 2 ] &&
     head -1 "$TMP/spawn.out" | grep -q "^action=DEFER_IF_PERMIT 4.7.1"'
t "counters survive a restart" eq "$(sent alice@example.org)" 3

PORT=$((20000 + $$ % 20000))
"$PD" -c "$PCONF" --listen "inet:127.0.0.1:$PORT" --foreground \
    2>>"$TMP/daemon.log" &
PID=$!
sleep 0.5
t "inet:127.0.0.1:PORT" eq "$($CLIENT "127.0.0.1:$PORT" ask \
    protocol_state=RCPT sasl_username=carol@example.org)" "$DUNNO"
stop

sed '/^\[policyd\]/,$d' "$PCONF" >"$TMP/root.conf"
chmod 0600 "$TMP/root.conf"
"$PD" -c "$TMP/root.conf" --listen "unix:$RUN/x.sock" --foreground \
    >"$TMP/out" 2>"$TMP/err"
rc=$?
t "as root without user =: refused" eval \
    '[ $rc = 1 ] && grep -q "set \"user =\"" "$TMP/err"'

if grep -q 'Sanitizer' "$TMP/allerr" "$TMP/daemon.log"; then
	echo "not ok - no sanitizer report"
fi
exit 0
