#!/bin/sh
# Postfix policy servers under load (part of make bench): mailuser-policyd
# on an SQLite store of 100,000 users beside Debian's policyd-rate-limit,
# in the same run, on the same requests.
#
#   sh tests/bench/policyd.sh BUILD [SECONDS]     SECONDS per run, 10
#
# The load is BUILD/bench_policyd (tests/bench/bench_policyd.c): 16
# connections kept open, as 16 smtpd processes keep theirs, each sending
# for one message after the other one RCPT request per recipient (1 to
# 10, 1.5 on average) and one END-OF-MESSAGE request with recipient_count,
# as Postfix does with check_policy_service in smtpd_recipient_restrictions
# and smtpd_end_of_data_restrictions; every request with the attributes
# of Postfix 3.7, sasl_username one of the 100,000 users at random, the
# same sequence for both servers (the same seed).  Latency: from the
# request's first byte sent to the end of its answer.  Runs:
#
#   - closed load (a request goes as soon as the answer to the one before
#     is in): the most each server does, for both servers;
#   - mailuser-policyd at a steady 5,000 requests/s (POLICYD_RATE), each
#     connection at its own fixed times: the latency at the target rate
#     (a request delayed behind a slow one counts from its own time);
#   - mailuser-policyd, closed load, without sasl_username: answered
#     without the store, the cost of its protocol and event loop alone.
#
# The limits are equivalent and never reached (every answer DUNNO, which
# is checked): mailuser-policyd 500 recipients an hour for the domain
# (and 100 messages, 2000 recipients a day), policyd-rate-limit 500 an
# hour per sasl_username (it counts each RCPT it passes; its other stages
# are not looked at).  Both on SQLite in the same directory, both as
# nobody, each server alone on CPU 0 and the client on CPU 1 (taskset,
# when there are two CPUs).  policyd-rate-limit: its package's defaults
# but debug off (debug writes every request to standard error).
#
# Besides requests per second of wall time, the server's own CPU time
# (utime + stime from /proc/PID/stat) over the run: CPU ms per request,
# and requests per CPU second, the rate one core of its own would give
# (the figure that matters on a shared machine; the load average is
# printed with it).
#
# The store: "mailuser-admin init" and "import --format pwdfile" of a
# generated file, kept in BUILD/bench-cache (BENCH_CACHE) while the schema
# and this script are unchanged; each run works on a copy.
#
# Output: a table on standard output, also in BUILD/bench/policyd.txt;
# with POLICYD_TSV=FILE, rows appended to FILE in the format of bench.sh's
# results.tsv (case pd100k; label; p50_ms; p99_ms; requests_per_s;
# requests; errors; 0; the answers; CPU ms per request).
set -eu

B=$(cd "${1:-build}" && pwd)
SECS=${2:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
PD=$B/mailuser-policyd
ADMIN=$B/mailuser-admin
LOAD=$B/bench_policyd
N=100000
CONNS=16
DOM=bench.example
cache=${BENCH_CACHE:-$B/bench-cache}
out=$B/bench/policyd.txt
say() { printf '%s\n' "$*" >&2; }

for f in "$PD" "$ADMIN" "$LOAD"; do
	[ -x "$f" ] || { say "policyd bench: $f is not built"; exit 2; }
done
[ "$(id -u)" = 0 ] || { say "policyd bench: needs root (runs as nobody)"; exit 2; }
PRL=
if [ -x /usr/bin/policyd-rate-limit ]; then
	PRL=/usr/bin/policyd-rate-limit
elif [ "${POLICYD_BENCH_INSTALL:-1}" = 1 ]; then
	say "policyd bench: apt-get install policyd-rate-limit"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends policyd-rate-limit >/dev/null 2>&1 &&
	    PRL=/usr/bin/policyd-rate-limit ||
	    say "policyd bench: policyd-rate-limit not installed: left out"
fi
mkdir -p "$cache" "$B/bench"

# ---- the store, cached -------------------------------------------------------
# What the fixture depends on; another stamp rebuilds it.
FIXTURE=1
stamp=$(printf '%s %s %s' "$FIXTURE" "$N" \
    "$(cat "$top/sql/sqlite/schema.sql" "$0" | cksum)")
fx=$cache/policyd-100k.db
if [ ! -f "$fx" ] || [ "$(cat "$fx.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "policyd bench: building the store of $N users"
	t=$(mktemp -d /tmp/mailuser-pdfx.XXXXXX)
	printf 'db = %s/store.db\n' "$t" >"$t/conf"
	chmod 0600 "$t/conf"
	# any well-formed hash: nobody logs in
	h='$6$rounds=1000$q5kJLblJaJoGJepI$gpD6RzFqrgluR1uQd.nDu2/gAhh5fbavgL18i6CE95X559.YA7WN0z5qCBXhBS1EB9d/HS/4w/qbRSuBLDb5e/'
	awk -v n=$N -v h="$h" -v d=$DOM 'BEGIN {
		for (i = 1; i <= n; i++) printf "u%07d@%s:%s\n", i, d, h }' \
	    >"$t/users.pwd"
	if "$ADMIN" -c "$t/conf" init >/dev/null &&
	    "$ADMIN" -c "$t/conf" domain add $DOM >/dev/null &&
	    "$ADMIN" -c "$t/conf" import --format pwdfile "$t/users.pwd" \
		>/dev/null &&
	    "$ADMIN" -c "$t/conf" limit set --domain $DOM \
		--messages-per-hour 100 --recipients-per-hour 500 \
		--recipients-per-day 2000 >/dev/null &&
	    sqlite3 "$t/store.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	then
		cp "$t/store.db" "$fx.tmp" && mv "$fx.tmp" "$fx"
		printf '%s\n' "$stamp" >"$fx.stamp"
		rm -rf "$t"
	else
		rm -rf "$t"
		say "policyd bench: the store could not be made"
		exit 1
	fi
fi

# ---- a private directory, the servers, the load --------------------------------
w=$(mktemp -d /tmp/mailuser-pdbench.XXXXXX)
SPID=
stop_server() {
	[ -n "$SPID" ] || return 0
	kill "$SPID" 2>/dev/null || true
	i=0
	while kill -0 "$SPID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=
}
trap 'stop_server; rm -rf "$w"' EXIT
trap 'exit 1' INT TERM HUP
chmod 0711 "$w"
mkdir "$w/pd" "$w/prl"
cp "$fx" "$w/pd/store.db"
printf 'db = %s/pd/store.db\n[policyd]\nlog = stderr\n' "$w" >"$w/pd/conf"
cat >"$w/prl/conf.yaml" <<EOF
debug: False
user: nobody
group: nogroup
pidfile: "$w/prl/pid"
sqlite_config:
    database: "$w/prl/db.sqlite3"
backend: 0
SOCKET: "$w/prl/policy"
socket_permission: 0666
limits:
    - [500, 3600]
limits_by_id: {}
limit_by_sasl: True
limit_by_sender: False
limit_by_ip: False
limited_networks: []
success_action: "dunno"
fail_action: "defer_if_permit Rate limit reach, retry later"
db_error_action: "dunno"
report: False
delay_to_close: 300
EOF
chown -R nobody:nogroup "$w/pd" "$w/prl"
chmod 0700 "$w/pd" "$w/prl"
chmod 0600 "$w/pd/conf" "$w/pd/store.db"

if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	ON_SERVER="taskset -c 0"
	ON_CLIENT="taskset -c 1"
else
	ON_SERVER=
	ON_CLIENT=
fi
AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"

wait_socket() {	# PATH
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		kill -0 "$SPID" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$1" ]
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run LABEL SOCKET [OPTION...]: warm up (1 s, another seed), then the
# measured run; sets $line (bench_policyd's fields plus cpu_ms_per_req
# and cpu_pct of the server)
run() {
	_l=$1
	_s=$2
	shift 2
	$ON_CLIENT "$LOAD" -c $CONNS -d 1 -u $N -D $DOM -s 99 -l warmup "$@" \
	    "$_s" >/dev/null
	c0=$(cpu_ticks "$SPID")
	line=$($ON_CLIENT "$LOAD" -c $CONNS -d "$SECS" -u $N -D $DOM -s 1 \
	    -l "$_l" "$@" "$_s") || say "policyd bench: $_l: the load ended early"
	c1=$(cpu_ticks "$SPID")
	line="$line load=$(cut -d' ' -f1 /proc/loadavg) $(printf '%s\n' "$line" |
	    awk -v c=$((c1 - c0)) -v hz="$HZ" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		ms = c * 1000 / hz
		printf "cpu_ms_per_req=%.4f cpu_pct=%.0f", f["requests"] ? \
		    ms / f["requests"] : 0, f["seconds"] ? \
		    ms / 10 / f["seconds"] : 0 }')"
}
RATE=${POLICYD_RATE:-5000}

say "policyd bench: mailuser-policyd, $CONNS connections, $SECS s"
$ON_SERVER $AS_NOBODY "$PD" -c "$w/pd/conf" --listen "unix:$w/pd/policy" \
    --foreground 2>"$w/pd/log" &
SPID=$!
wait_socket "$w/pd/policy" || { cat "$w/pd/log" >&2; exit 1; }
run mailuser-policyd "$w/pd/policy"
pd=$line
say "policyd bench: mailuser-policyd at $RATE requests/s"
run "mailuser-policyd@$RATE/s" "$w/pd/policy" -r "$RATE"
paced=$line
say "policyd bench: mailuser-policyd, no sasl_username"
run "mailuser-policyd,noauth" "$w/pd/policy" -A
noauth=$line
stop_server
counted=$(sqlite3 "$w/pd/store.db" \
    'SELECT coalesce(sum(msgs), 0) || " messages, " ||
	coalesce(sum(rcpts), 0) || " recipients, " ||
	count(DISTINCT user_id) || " users"
     FROM send_counts WHERE span = 3600')

prl=
if [ -n "$PRL" ]; then
	say "policyd bench: policyd-rate-limit, $CONNS connections, $SECS s"
	$ON_SERVER $AS_NOBODY "$PRL" --file "$w/prl/conf.yaml" \
	    2>"$w/prl/log" &
	SPID=$!
	if wait_socket "$w/prl/policy"; then
		run policyd-rate-limit "$w/prl/policy"
		prl=$line
	else
		say "policyd bench: policyd-rate-limit did not start:"
		tail -n 5 "$w/prl/log" >&2
	fi
	stop_server
fi

# ---- the table ------------------------------------------------------------------
{
	echo "Postfix policy servers: $CONNS connections, unix socket, $N users, SQLite, ${SECS} s each"
	echo "(RCPT per recipient + END-OF-MESSAGE, the same requests for both; server on CPU 0, client on CPU 1)"
	printf '%s\n' "$pd" "${prl:-label=policyd-rate-limit}" "$paced" \
	    "$noauth" | awk '
	{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[NR, kv[1]] = kv[2] }
	}
	END {
		printf "  %-27s %8s %7s %7s %7s %7s %9s %9s %4s %5s  %s\n",
		    "server", "requests", "req/s", "p50 ms", "p99 ms", "max ms",
		    "CPU ms/rq", "req/CPU-s", "CPU%", "load", "answers"
		for (r = 1; r <= NR; r++) {
			if (f[r, "requests"] == "")
				continue
			cpu = f[r, "cpu_ms_per_req"]
			printf "  %-27s %8d %7d %7.3f %7.3f %7.1f %9.4f %9d %4d %5s  dunno %d, defer %d, other %d, closed %d\n",
			    f[r, "label"], f[r, "requests"], f[r, "rps"],
			    f[r, "p50_ms"], f[r, "p99_ms"], f[r, "max_ms"], cpu,
			    (cpu > 0 ? 1000 / cpu : 0), f[r, "cpu_pct"],
			    f[r, "load"], f[r, "dunno"], f[r, "defer"],
			    f[r, "other"], f[r, "closed"]
		}
		if (f[2, "rps"] > 0 && f[2, "cpu_ms_per_req"] > 0)
			printf "  mailuser-policyd / policyd-rate-limit (closed load): %.1fx requests per second, %.1fx per CPU second\n",
			    f[1, "rps"] / f[2, "rps"],
			    f[2, "cpu_ms_per_req"] / f[1, "cpu_ms_per_req"]
	}'
	echo "  mailuser-policyd counted $counted in the store"
	# the targets of issue 13
	printf '%s\n' "$pd" "${prl:-label=policyd-rate-limit}" "$paced" | awk '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[NR, kv[1]] = kv[2] } }
	function verdict(ok, text) { printf "   %-6s %s\n", ok ? "met" : "MISSED", text }
	END {
		cpu = f[1, "cpu_ms_per_req"]
		verdict(f[1, "rps"] >= 5000, sprintf("mailuser-policyd >= 5,000 requests/s (closed load, wall clock): %d", f[1, "rps"]))
		verdict(cpu > 0 && 1000 / cpu >= 5000, sprintf("mailuser-policyd >= 5,000 requests per CPU second (one core): %d", cpu > 0 ? 1000 / cpu : 0))
		if (f[3, "rps"] < 0.95 * f[3, "rate"])
			verdict(0, sprintf("mailuser-policyd p99 <= 2 ms at %d requests/s: the rate not reached (%d/s), the latencies are its backlog", f[3, "rate"], f[3, "rps"]))
		else
			verdict(f[3, "p99_ms"] <= 2, sprintf("mailuser-policyd p99 <= 2 ms at %d requests/s: %.3f ms", f[3, "rate"], f[3, "p99_ms"]))
		verdict(f[1, "p99_ms"] <= 2, sprintf("mailuser-policyd p99 <= 2 ms, closed load: %.3f ms", f[1, "p99_ms"]))
		verdict(f[1, "dunno"] == f[1, "requests"] && f[1, "closed"] == 0, "mailuser-policyd: every answer DUNNO, no connection lost")
		if (f[2, "rps"] > 0)
			verdict(f[1, "rps"] >= 10 * f[2, "rps"], sprintf("mailuser-policyd >= 10x policyd-rate-limit: %.1fx", f[1, "rps"] / f[2, "rps"]))
	}'
} | tee "$out"

if [ -n "${POLICYD_TSV:-}" ]; then
	printf '%s\n' "$pd" ${prl:+"$prl"} "$paced" "$noauth" | awk '
	{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		printf "pd100k\t%s\t%s\t%s\t%s\t%s\t%s\t0\tdunno=%s,defer=%s\t%s\n",
		    f["label"], f["p50_ms"], f["p99_ms"], f["rps"],
		    f["requests"], f["closed"] + f["other"], f["dunno"],
		    f["defer"], f["cpu_ms_per_req"]
	}' >>"$POLICYD_TSV"
fi
