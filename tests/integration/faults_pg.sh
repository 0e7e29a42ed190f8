#!/bin/sh
# Faults of a PostgreSQL store, with a real PostgreSQL 15
# (tests/lib/pg.sh) and the real libpam (pamtry), the store made as
# doc/deploy.md says (mailuser-admin init as mailuser_admin, the rights
# of sql/postgresql/roles.sql, the module as mailuser_auth).  Logins run
# inside a private mount namespace whose /dev/log is this test's own
# receiver (tests/integration/syslog_sink.py), so that every line the
# module logs, and its level, can be counted.
#
# One pamtry process is one long-lived auth worker: it reads the password
# of each transaction from a FIFO just before that transaction, so the
# test acts between two transactions of one process (a server stopped,
# a backend terminated, a right revoked) and times each one.
#
#   unreachable  the server stopped (pg_pause), a port nobody listens
#                on, a listener that accepts and never answers (a proxy
#                here in its "silent" mode), with connect_timeout unset
#                (2 s) and 4: every login PAM_AUTHINFO_UNAVAIL, the
#                right password included, within connect_timeout; one
#                LOG_ERR line per outage and process; when the server is
#                back, the next login of the same process works and one
#                LOG_NOTICE line says "reachable again"
#   dropped      the module's backend terminated between two logins
#                (pg_terminate_backend); the connection cut by the proxy
#                in the middle of a login (at its first statement, and at
#                its write transaction): the login succeeds or fails as
#                it should on a fresh connection, retried once, its
#                statements prepared again, a failure counted once
#   no rights    INSERT and UPDATE on failures revoked from the auth
#                role: refused (PAM_AUTHINFO_UNAVAIL), one LOG_ERR;
#                granted again: accepted
#   read-only    default_transaction_read_only on for the database:
#                refused, never a success; off again: accepted
#
#   sh tests/integration/faults_pg.sh BUILD_DIR     (root; exits 0 always)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
. "$top/tests/lib/privlog.sh"

# ---- outside: checks, then the same script in a private mount namespace
if [ -z "${MU_FAULTS_PG_INNER:-}" ]; then
	B=$(cd "${1:-build}" 2>/dev/null && pwd) ||
		{ notok "build directory ${1:-build} exists"; exit 0; }
	if [ "$(id -u)" != 0 ]; then
		ok "PostgreSQL fault tests # SKIP they need root (mounts)"
		exit 0
	fi
	if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
		ok "PostgreSQL fault tests # SKIP no PostgreSQL 15 (apt-get install postgresql-15)"
		exit 0
	fi
	for t in unshare mkfifo python3 psql logger awk; do
		command -v $t >/dev/null ||
			{ notok "$t is installed"; exit 0; }
	done
	privlog_reexec MU_FAULTS_PG_INNER "$top/tests/integration/faults_pg.sh" "$B"
fi

# ---- inside the private mount namespace
B=$1
. "$top/tests/lib/pg.sh"
PW='Right-Pass-2024'
UNAVAIL='Authentication service cannot retrieve authentication info'
tmp=$(mktemp -d /tmp/mu-fpg.XXXXXX) || { notok "temporary directory"; exit 0; }
log=$tmp/auth.log
sink='' proxy='' spid='' devmounted=''
cleanup() {
	trap - EXIT INT TERM HUP
	exec 3>&-
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	fi
	if [ -n "$proxy" ]; then
		kill "$proxy" 2>/dev/null
		wait "$proxy" 2>/dev/null
	fi
	pg_stop
	privlog_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mount --make-rprivate / || { notok "mounts made private"; exit 0; }
# a private /dev with what PAM, PostgreSQL (POSIX shared memory in
# /dev/shm), psql and python3 need, and a log socket that is ours
privlog_dev mu-fpg shm || { notok "private /dev"; exit 0; }
privlog_sink || { notok "syslog receiver started"; exit 0; }

# ---- PostgreSQL and the store, as the deployment guide sets them up
t_start=$(date +%s)
pg_start || { notok "PostgreSQL 15 started"; exit 0; }
ok "PostgreSQL 15 on 127.0.0.1:$PG_PORT"
ADMINCONF=$tmp/admin.conf
printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\n' "$PG_ADMIN_URL" \
    >"$ADMINCONF" && chmod 600 "$ADMINCONF"
adm() { "$B/mailuser-admin" -c "$ADMINCONF" "$@"; }
if adm init >"$tmp/init.out" 2>&1 &&
    psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -v auth_role=mailuser_auth \
    -f "$top/sql/postgresql/roles.sql" >>"$tmp/init.out" 2>&1 &&
    adm domain add example.org >>"$tmp/init.out" 2>&1 &&
    printf '%s\n' "$PW" | adm user add alice@example.org --password-stdin \
    >>"$tmp/init.out" 2>&1; then
	ok "store made: mailuser-admin init as mailuser_admin, roles.sql, a user"
else
	notok "store made: mailuser-admin init as mailuser_admin, roles.sql, a user"
	sed 's/^/# /' "$tmp/init.out" | head -20
	exit 0
fi
# as the superuser: -A -t, one value
sq() { pg_psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1" 2>&1; }
# as the admin role (the schema's and the database's owner)
aq() { pg_psql_admin -X -q -A -t -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

# ---- a TCP proxy in front of the server, told what to do by a file:
#   forward    pass everything both ways
#   silent     a new connection is accepted and never answered (a host
#              that does not answer); connections made before go on
#   cut K      the K-th chunk the clients send from now on is not
#              passed: that connection is closed both ways (the client
#              sees its server go away in the middle of a login); then
#              forward again
# It prints "cut" for each cut, and leaves when this shell is gone.
cat >"$tmp/proxy.py" <<'EOF'
import os, socket, sys, threading, time
portfile, upport, modefile, parent = (sys.argv[1], int(sys.argv[2]),
                                      sys.argv[3], int(sys.argv[4]))
lock = threading.Lock()

def mode():
    try:
        with open(modefile) as f:
            return f.read().split()
    except OSError:
        return ['forward']

def setmode(text):
    with open(modefile + '.new', 'w') as f:
        f.write(text)
    os.replace(modefile + '.new', modefile)

def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

def pump(src, dst, from_client, pair):
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b''
        if not data:
            break
        if from_client:
            with lock:
                m = mode()
                if m[0] == 'cut':
                    k = int(m[1])
                    if k <= 1:
                        setmode('forward')
                        print('cut', flush=True)
                        close(*pair)
                        return
                    setmode('cut %d' % (k - 1))
        try:
            dst.sendall(data)
        except OSError:
            break
    close(*pair)

def serve(c):
    if mode()[0] == 'silent':
        while True:             # read, never answer
            try:
                if not c.recv(65536):
                    break
            except OSError:
                break
        c.close()
        return
    u = socket.create_connection(('127.0.0.1', upport))
    pair = (c, u)
    threading.Thread(target=pump, args=(u, c, False, pair),
                     daemon=True).start()
    pump(c, u, True, pair)

def watch():
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0))
s.listen(64)
with open(portfile + '.new', 'w') as f:
    f.write('%d\n' % s.getsockname()[1])
os.replace(portfile + '.new', portfile)
threading.Thread(target=watch, daemon=True).start()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
setproxy() { printf '%s\n' "$1" >"$tmp/mode.new" && mv "$tmp/mode.new" "$tmp/mode"; }
setproxy forward
python3 "$tmp/proxy.py" "$tmp/proxy.port" "$PG_PORT" "$tmp/mode" $$ \
    >"$tmp/proxy.out" 2>&1 &
proxy=$!
i=0
while [ ! -s "$tmp/proxy.port" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
PROXY_PORT=$(cat "$tmp/proxy.port" 2>/dev/null)
[ -n "$PROXY_PORT" ] || { notok "proxy started"; exit 0; }
NOPORT=$(pg_freeport)

# ---- the module: one configuration and PAM service per way to the server
cp "$B/pam_mailuser.so" "$tmp/pam_mailuser.so" || { notok "module copied"; exit 0; }
AUTH="dbname=mailuser user=mailuser_auth password=$PG_AUTH_PW sslmode=disable"
# service NAME DB: the configuration $tmp/NAME.conf and the service NAME
service() {
	printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\ndeny = 5\ndeny_total = 0\n' \
	    "$2" >"$tmp/$1.conf" && chmod 600 "$tmp/$1.conf" &&
	printf 'auth required %s conf=%s\naccount required %s conf=%s\n' \
	    "$tmp/pam_mailuser.so" "$tmp/$1.conf" "$tmp/pam_mailuser.so" \
	    "$tmp/$1.conf" >"$tmp/$1"
}
service direct "host=127.0.0.1 port=$PG_PORT $AUTH" &&
	service noport "host=127.0.0.1 port=$NOPORT $AUTH" &&
	service proxy "host=127.0.0.1 port=$PROXY_PORT $AUTH" &&
	service proxy4 "host=127.0.0.1 port=$PROXY_PORT $AUTH connect_timeout=4" ||
	{ notok "configurations written"; exit 0; }

# ---- one auth worker: a pamtry process fed through a FIFO
who=alice@example.org
# sess_start SERVICE N RHOST: a pamtry process for N transactions
sess_start() {
	svc=$1 rh=$3
	rm -f "$tmp/fifo" && mkfifo "$tmp/fifo" || return 1
	logsync
	sbefore=$(wc -l <"$log")
	"$B/pamtry" -d "$tmp" -r "$rh" -n "$2" "$svc" "$who" <"$tmp/fifo" \
	    >"$tmp/sout" 2>&1 &
	spid=$!
	exec 3>"$tmp/fifo"
	sdone=0 sgot='' smax=0 smin=999
}
# sess_send PASSWORD: the next transaction; its result in $got (S
# success, U PAM_AUTHINFO_UNAVAIL, F authentication failure, ? else, T
# no answer within 20 s), its time in $secs; $sgot and $smax collect
# them for the process
sess_send() {
	sdone=$((sdone + 1))
	t0=$(date +%s.%N)
	printf '%s\n' "$1" >&3
	i=0
	while [ "$(grep -c '^auth: ' "$tmp/sout")" -lt $sdone ] &&
	    [ $i -lt 2000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	t1=$(date +%s.%N)
	secs=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
	l=$(sed -n 's/^auth: //p' "$tmp/sout" | sed -n "${sdone}p")
	case $l in
	'') got=T ;;
	Success) got=S ;;
	"$UNAVAIL") got=U ;;
	"Authentication failure") got=F ;;
	*) got='?' ;;
	esac
	sgot=$sgot$got
	smax=$(awk "BEGIN { print ($secs > $smax) ? $secs : $smax }")
	smin=$(awk "BEGIN { print ($secs < $smin) ? $secs : $smin }")
}
# sess_end: the process ends; its exit status in $rc, what it logged in
# $tmp/newlog
sess_end() {
	exec 3>&-
	wait "$spid"
	rc=$?
	spid=
	logsync
	tail -n +$((sbefore + 1)) "$log" | grep 'pam_mailuser' >"$tmp/newlog"
}
# check WHAT EXPECTED MESSAGE
check() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		notok "$3"
		echo "# expected \"$2\", got \"$1\""
		sed 's/^/# pamtry: /' "$tmp/sout" | tail -n 12
		sed 's/^/# log: /' "$tmp/newlog" 2>/dev/null | head -10
	fi
}
# lt A B: A < B (decimals)
lt() { awk "BEGIN { exit !($1 < $2) }"; }
# nlog SEVERITY TEXT: the module's lines of the last process at that
# level (3 LOG_ERR, 5 LOG_NOTICE, 7 LOG_DEBUG) that hold TEXT
nlog() {
	awk -v s="$1" -v t="$2" 'match($0, /^<[0-9]+>/) {
		p = substr($0, 2, RLENGTH - 2) + 0
		if (p % 8 == s && index($0, t)) n++ }
	    END { print n + 0 }' "$tmp/newlog"
}
# nlog_max SEVERITY: the module's lines of the last process at that level
# or above
nlog_max() {
	awk -v s="$1" 'match($0, /^<[0-9]+>/) {
		if (substr($0, 2, RLENGTH - 2) % 8 <= s) n++ }
	    END { print n + 0 }' "$tmp/newlog"
}
# nerr: the lines at LOG_ERR or above
nerr() { nlog_max 3; }
showlog() { sed 's/^/# log: /' "$tmp/newlog" | head -12; }
# fails RHOST: alice's failure counter for that source
fails() {
	sq "SELECT coalesce(sum(f.count), 0) FROM failures f JOIN users u
	    ON u.id = f.user_id WHERE u.name = '$who' AND f.source = '$1'"
}
# the auth role's sessions on the server
authpids() {
	sq "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity
	    WHERE usename = 'mailuser_auth'"
}
# no password of a role may be logged
nosecret() {
	if grep -qF -e "$PG_AUTH_PW" -e "$PG_ADMIN_PW" "$tmp/newlog"; then
		notok "$1: no password in the log"
	else
		ok "$1: no password in the log"
	fi
}

# ==== 1. unreachable ========================================================
# -- the server stopped, then started again, under one process
sess_start direct 7 192.0.2.11
sess_send "$PW"
check "$got" S "server stopped: before it, the right password is accepted (the session is kept)"
if pg_pause; then
	for k in 1 2 3 4 5; do sess_send "$PW"; done
	s5=$sgot m5=$smax
	pg_resume || notok "PostgreSQL started again"
	sess_send "$PW"
else
	notok "PostgreSQL stopped (pg_pause)"
fi
sess_end
check "$s5" SUUUUU "server stopped: the right password 5 times in the same process: PAM_AUTHINFO_UNAVAIL each"
if lt "$m5" 4; then
	ok "server stopped: each refusal within 4 s (slowest $m5 s)"
else
	notok "server stopped: each refusal within 4 s (slowest $m5 s)"
fi
check "$got" S "server started again: the next login of the same process is accepted (no restart)"
check "$(nerr)/$(nlog 3 'cannot connect')/$(nlog 3 'logged once until it can be reached again')" \
    1/1/1 "server stopped: one LOG_ERR line for the outage over 5 logins (\"cannot connect\", \"logged once\")"
grep 'cannot connect' "$tmp/newlog" | head -1 | sed 's/^/# /'
check "$(nlog 5 'reachable again after')" 1 \
    "server started again: one LOG_NOTICE line \"reachable again after N s\""
check "$(nlog_max 6)" 2 "server stopped: nothing else logged above LOG_DEBUG for the other 4 refusals"
nosecret "server stopped"

# -- a port nobody listens on
sess_start noport 5 192.0.2.12
for k in 1 2 3 4 5; do sess_send "$PW"; done
sess_end
check "$sgot" UUUUU "a port nobody listens on: the right password 5 times in one process: PAM_AUTHINFO_UNAVAIL each"
if lt "$smax" 4; then
	ok "a port nobody listens on: each refusal within 4 s (slowest $smax s)"
else
	notok "a port nobody listens on: each refusal within 4 s (slowest $smax s)"
fi
check "$(nerr)/$(nlog 3 'Connection refused')" 1/1 \
    "a port nobody listens on: one LOG_ERR line for 5 refusals"

# -- a server that accepts and never answers, connect_timeout unset (2 s)
setproxy silent
sess_start proxy 4 192.0.2.13
for k in 1 2 3; do sess_send "$PW"; done
s3=$sgot m3=$smax n3=$smin
setproxy forward
sess_send "$PW"
sess_end
check "$s3" UUU "a server that never answers: the right password 3 times in one process: PAM_AUTHINFO_UNAVAIL each"
if lt "$m3" 4 && lt 1.5 "$n3"; then
	ok "a server that never answers, connect_timeout unset: each refusal after the default 2 s, within 4 s ($n3 to $m3 s)"
else
	notok "a server that never answers, connect_timeout unset: each refusal after the default 2 s, within 4 s ($n3 to $m3 s)"
fi
check "$got" S "a server that answers again: the next login of the same process is accepted"
check "$(nerr)/$(nlog 3 'timeout')/$(nlog 5 'reachable again after')" 1/1/1 \
    "a server that never answers: one LOG_ERR line (a timeout) for 3 refusals, one LOG_NOTICE when it answers again"
grep 'timeout' "$tmp/newlog" | head -1 | sed 's/^/# /'

# -- connect_timeout=4 in the connection string
setproxy silent
sess_start proxy4 1 192.0.2.14
sess_send "$PW"
sess_end
setproxy forward
check "$got" U "a server that never answers, connect_timeout=4: PAM_AUTHINFO_UNAVAIL"
if lt 3.5 "$secs" && lt "$secs" 6; then
	ok "connect_timeout=4 in the string is honoured: refused after $secs s (3.5 to 6 s)"
else
	notok "connect_timeout=4 in the string is honoured: refused after $secs s (3.5 to 6 s)"
fi

# ==== 2. a dropped connection ===============================================
# -- the module's backend terminated between two logins
sess_start direct 4 192.0.2.21
sess_send "$PW"
check "$got" S "backend terminated: a first login is accepted"
p1=$(authpids)
case $p1 in
*,*|'') notok "one kept session of the auth role after a login (\"$p1\")" ;;
*) ok "one kept session of the auth role after a login (pid $p1)" ;;
esac
check "$(sq "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE usename = 'mailuser_auth'")" t \
    "backend terminated: pg_terminate_backend on the auth role's session"
i=0
while [ -n "$(authpids)" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sess_send wrong-1
check "$got" F "backend terminated: the next login of the same process runs (a wrong password refused)"
check "$(fails 192.0.2.21)" 1 "backend terminated: that wrong password counted exactly once"
p2=$(authpids)
if [ -n "$p2" ] && [ "$p2" != "$p1" ]; then
	ok "backend terminated: the module opened a new session (pid $p2)"
else
	notok "backend terminated: the module opened a new session (\"$p1\" then \"$p2\")"
fi
sess_send wrong-2
check "$got/$(fails 192.0.2.21)" F/2 "backend terminated: the next wrong password counted once too (statements prepared on the new session)"
sess_send "$PW"
check "$got/$(fails 192.0.2.21)" S/0 "backend terminated: the right password accepted, its counter cleared"
sess_end
check "$(nerr)" 0 "backend terminated: nothing logged at LOG_ERR"

# -- the connection cut in the middle of a login (through the proxy)
ncut() { grep -c '^cut$' "$tmp/proxy.out"; }
sess_start proxy 5 192.0.2.22
sess_send "$PW"
check "$got" S "connection cut: a first login is accepted"
c0=$(ncut)
setproxy 'cut 1'
sess_send wrong-1
check "$got/$(($(ncut) - c0))/$(fails 192.0.2.22)" F/1/1 \
    "connection cut at the login's first statement: retried on a fresh connection, the wrong password refused and counted once"
setproxy 'cut 2'
sess_send wrong-2
check "$got/$(($(ncut) - c0))/$(fails 192.0.2.22)" F/2/2 \
    "connection cut at the login's write transaction: retried on a fresh connection, the wrong password counted once"
sess_send wrong-3
check "$got/$(fails 192.0.2.22)" F/3 "connection cut: the next wrong password on the new session counted once"
sess_send "$PW"
check "$got/$(fails 192.0.2.22)" S/0 "connection cut: the right password accepted, its counter cleared"
sess_end
check "$(nlog 5 'connection lost, reconnected; trying again')/$(nerr)" 2/0 \
    "connection cut: each retry logged once at LOG_NOTICE, nothing at LOG_ERR"
nosecret "connection cut"

# ==== 3. no right to write the counters =====================================
sess_start direct 5 192.0.2.31
sess_send "$PW"
check "$got" S "write rights revoked: before, the right password is accepted"
r=$(aq "REVOKE INSERT, UPDATE ON failures FROM mailuser_auth")
[ -z "$r" ] || notok "REVOKE INSERT, UPDATE ON failures FROM mailuser_auth ($r)"
sgot=''
sess_send wrong-1
sess_send "$PW"
sess_send "$PW"
check "$sgot/$(fails 192.0.2.31)" UUU/0 \
    "write rights revoked: a wrong password, the right one twice, in the same process: PAM_AUTHINFO_UNAVAIL each, nothing recorded"
r=$(aq "GRANT INSERT, UPDATE ON failures TO mailuser_auth")
[ -z "$r" ] || notok "GRANT INSERT, UPDATE ON failures TO mailuser_auth ($r)"
sess_send "$PW"
check "$got" S "write rights granted again: the next login of the same process is accepted"
sess_end
check "$(nerr)/$(nlog 3 'cannot record login attempts')/$(nlog 3 'the right to write the counters')" \
    1/1/1 "write rights revoked: one LOG_ERR line \"cannot record login attempts\" with its hint, for 3 refusals"
grep 'cannot record' "$tmp/newlog" | head -1 | sed 's/^/# /'

# ==== 4. a read-only server =================================================
r=$(aq "ALTER DATABASE mailuser SET default_transaction_read_only = on")
[ -z "$r" ] || notok "ALTER DATABASE mailuser SET default_transaction_read_only = on ($r)"
sess_start direct 4 192.0.2.41
sess_send wrong-1
sess_send "$PW"
sess_send "$PW"
s3=$sgot
# (the admin's session too is read-only now)
r=$(PGOPTIONS='-c default_transaction_read_only=off' \
    aq "ALTER DATABASE mailuser RESET default_transaction_read_only")
[ -z "$r" ] || notok "ALTER DATABASE mailuser RESET default_transaction_read_only ($r)"
sess_send "$PW"
sess_end
check "$s3/$(fails 192.0.2.41)" UUU/0 \
    "read-only server: a wrong password, the right one twice: PAM_AUTHINFO_UNAVAIL each, never a success"
check "$(nerr)/$(nlog 3 'cannot record login attempts')" 1/1 \
    "read-only server: one LOG_ERR line \"cannot record login attempts\" for 3 refusals"
grep 'cannot record' "$tmp/newlog" | head -1 | sed 's/^/# /'
check "$got" S "read-write again: the next login of the same process is accepted"
sess_start direct 1 192.0.2.41
sess_send "$PW"
sess_end
check "$got" S "read-write again: a new process is accepted"

echo "# $(($(date +%s) - t_start)) s with PostgreSQL"
exit 0
