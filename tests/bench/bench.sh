#!/bin/sh
# make bench: pam_mailuser beside pam_userdb and pam_pwdfile.
#
#   sh tests/bench/bench.sh BUILD            the full benchmark
#   sh tests/bench/bench.sh --smoke BUILD DIR   a few logins, 100 users,
#                                             everything in DIR
#
# Fixtures (stores of 1k, 100k and 1M users for each module) are built
# once into $BENCH_CACHE (default BUILD/bench-cache) and reused while the
# schema and this script are unchanged; each run works on copies of them.
# Every user of a fixture has the same precomputed hash: the size scaling
# measures the lookup, not the hash.
#
# The pam_mailuser stores are made the direct bulk way: sql/sqlite/schema.sql
# applied by sqlite3, PRAGMA journal_mode=WAL, one domain row, then every
# user in one INSERT ... SELECT inside one transaction.  pam_userdb's is a
# Berkeley DB hash made by db_load -T -t hash; pam_pwdfile's a "user:hash"
# file.  pam_pwdfile gets "nodelay" (else it asks libpam for a 2 s delay
# after a failure) and pam_permit.so as its account step (it has none).
#
# Output: the tables on standard output, also kept in BUILD/bench/, with
# the machine-readable BUILD/bench/results.tsv and a check of the targets.
#
# BENCH_ALT="NAME=/path/to/pam_mailuser.so ..." runs other builds of the
# module beside the others, each on its own copy of the stores, labelled
# NAME, with the targets checked for each: the way to measure a change
# before and after in one run.
#
# The store interface (issue 12), in the same run: a private PostgreSQL 15
# (tests/lib/pg.sh, with PG_DURABLE=1: fsync and synchronous_commit on,
# PostgreSQL's defaults; BENCH_PG_DURABLE=0 for the fast test settings)
# on 127.0.0.1 with TLS off, two stores of 1k and 1M users made by
# "mailuser-admin init" as the admin role, sql/postgresql/roles.sql, one
# domain, and every user in one INSERT ... SELECT generate_series (about
# 15 s for 1M; the cluster is new every run).  The module connects as the
# auth role; a second auth role with synchronous_commit = off shows what
# the commit's flush costs.  Beside them the floors, timed in the same
# rounds by bench_pam: the bare hash (@crypt), a bare prepared round trip
# (@pgping, SELECT 1) and the module's user lookup alone (@pglookup).
# Cases pg1k, pg1m (right password), pgx1k, pgx1m (wrong), pgw30x (30
# processes, wrong passwords, one user, the counters checked after it
# with psql and sqlite3) and cold (the first login of a new process);
# then the round trips of one login, counted with strace on the
# PostgreSQL socket (rows rt_*: their p50 column holds the count).
# BENCH_PG=0 leaves PostgreSQL out; without initdb it is left out too.
#
# Last, tests/bench/import_logins.sh measures wrong-password logins while
# a 1M-line import runs (IMPORT_ALT names other builds of the tool), and
# tests/bench/imap_logins.sh IMAP logins per second through Dovecot with
# the store in SQLite, in PostgreSQL and pam_permit (as root, with
# Dovecot installed).  BENCH_PARTS="classic store import imap" (the
# default) names the parts to run.
set -eu

smoke=0
if [ "${1:-}" = --smoke ]; then
	smoke=1
	shift
fi
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
drv=$B/bench_pam
PASS=bench-password-1
DOM=bench.example

if [ "$smoke" = 1 ]; then
	work=$(cd "${2:?smoke mode needs a directory}" && pwd)
	cache=$work/cache
else
	cache=${BENCH_CACHE:-$B/bench-cache}
	work=$B/bench
fi
mkdir -p "$cache" "$work"
pamd=$work/pam.d
rm -rf "$pamd"
mkdir -p "$pamd"
# What the PAM service lines name (module, stores, configurations, the
# cached fixtures) is reached through a directory of a path without a
# space, which a service line cannot hold; removed at the end.
svc=$(mktemp -d /tmp/mailuser-bench.XXXXXX)
PG_DIR=
trap 'rm -rf "$svc"; [ -z "$PG_DIR" ] || pg_stop' EXIT
trap 'exit 1' INT TERM HUP
ln -s "$cache" "$svc/cache"
cp "$B/pam_mailuser.so" "$svc/pam_mailuser.so"
tsv=$work/results.tsv
: >"$tsv"

have_userdb=0
have_pwdfile=0
command -v db_load >/dev/null 2>&1 && have_userdb=1
for d in "$(pkg-config --variable=libdir pam 2>/dev/null)/security" \
    /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security \
    /lib/security /usr/lib/security; do
	[ -f "$d/pam_pwdfile.so" ] && have_pwdfile=1 && break
done
if [ "$smoke" = 0 ] && [ $have_userdb = 0 -o $have_pwdfile = 0 ]; then
	echo "bench: db_load or pam_pwdfile.so missing (make bench-deps)" >&2
	exit 2
fi

say() { printf '%s\n' "$*" >&2; }

# BENCH_PARTS: which parts run (default all): classic (the cases against
# pam_userdb and pam_pwdfile), store (SQLite beside PostgreSQL), import
# (import_logins.sh), imap (imap_logins.sh), policyd (policyd.sh).
part() {
	case " ${BENCH_PARTS:-classic store import imap policyd} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# ---- fixtures ------------------------------------------------------------

# A hash per method, made once and kept, so cached fixtures stay valid.
hash_of() {	# METHOD COST
	f=$cache/hash-$1
	if [ ! -s "$f" ]; then
		"$drv" hash "$1" "$2" "$PASS" >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
	cat "$f"
}

# What a fixture depends on; a fixture whose stamp differs is rebuilt.
# Bump FIXTURES when the way they are made changes.
FIXTURES=1
stamp_of() {	# KIND N HASH
	printf '%s %s %s %s %s\n' "$FIXTURES" "$1" "$2" "$3" \
	    "$(cksum <"$top/sql/sqlite/schema.sql")"
}

fresh() {	# FILE STAMP
	[ -f "$1" ] && [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$2" ]
}

names() {	# N HASH SEP: "user SEP hash" for u0000001 .. uN
	awk -v n="$1" -v h="$2" -v sep="$3" -v dom="$DOM" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "u%07d@%s%s%s\n", i, dom, sep, h
	}'
}

mk_mailuser() {	# FILE N HASH
	rm -f "$1.tmp" "$1.tmp-wal" "$1.tmp-shm"
	{
		cat "$top/sql/sqlite/schema.sql"
		cat <<EOF
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO domains (id, name, created)
    VALUES (1, '$DOM', CAST(strftime('%s', 'now') AS INTEGER));
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq
    WHERE i < $2)
INSERT INTO users (name, domain_id, hash, pw_changed, created)
    SELECT printf('u%07d@%s', i, '$DOM'), 1, '$3',
        CAST(strftime('%s', 'now') AS INTEGER),
        CAST(strftime('%s', 'now') AS INTEGER) FROM seq;
COMMIT;
EOF
	} | sqlite3 -batch -bail "$1.tmp" >/dev/null
	mv "$1.tmp" "$1"
}

mk_userdb() {	# FILE(without .db) N HASH
	rm -f "$1.tmp.db"
	names "$2" "$3" '
' | db_load -T -t hash "$1.tmp.db"
	mv "$1.tmp.db" "$1.db"
}

mk_pwdfile() {	# FILE N HASH
	names "$2" "$3" : >"$1.tmp"
	mv "$1.tmp" "$1"
}

fixture() {	# KIND TAG N HASH
	f=$cache/$1-$2
	[ "$1" = userdb ] && chk=$f.db || chk=$f
	st=$(stamp_of "$1" "$3" "$4")
	if ! fresh "$chk" "$st"; then
		say "bench: building $1 fixture, $3 users"
		t0=$(date +%s)
		"mk_$1" "$f" "$3" "$4"
		printf '%s\n' "$st" >"$chk.stamp"
		say "bench:   done in $(($(date +%s) - t0)) s"
	fi
}

# A pam_mailuser service on its own copy of a store.
mailuser_service() {	# SERVICE MODULE TAG METHOD COST [CONF-LINES]
	cp "$cache/mailuser-$3" "$svc/$1.db"
	chmod 600 "$svc/$1.db"	# the module refuses a store others can read
	rm -f "$svc/$1.db-wal" "$svc/$1.db-shm"
	{
		echo "db = $svc/$1.db"
		echo "hash = $4"
		[ "$5" = 0 ] || echo "hash_cost = $5"
		[ -z "${6:-}" ] || printf '%s\n' "$6"
	} >"$svc/$1.conf"
	chmod 600 "$svc/$1.conf"
	printf 'auth required %s conf=%s\naccount required %s conf=%s\n' \
	    "$2" "$svc/$1.conf" "$2" "$svc/$1.conf" >"$pamd/$1"
}

# Service files for every module on one fixture set.
services() {	# TAG METHOD COST
	tag=$1
	mailuser_service "mailuser-$tag" "$svc/pam_mailuser.so" "$@"
	list="mailuser-$tag=pam_mailuser"
	for a in $alts; do
		mailuser_service "alt-${a%%=*}-$tag" "${a#*=}" "$@"
		list="$list alt-${a%%=*}-$tag=${a%%=*}"
	done
	if [ $have_userdb = 1 ]; then
		printf 'auth required pam_userdb.so db=%s crypt=crypt\naccount required pam_userdb.so db=%s crypt=crypt\n' \
		    "$svc/cache/userdb-$tag" "$svc/cache/userdb-$tag" >"$pamd/userdb-$tag"
		list="$list userdb-$tag=pam_userdb"
	fi
	if [ $have_pwdfile = 1 ]; then
		printf 'auth required pam_pwdfile.so pwdfile=%s nodelay\naccount required pam_permit.so\n' \
		    "$svc/cache/pwdfile-$tag" >"$pamd/pwdfile-$tag"
		list="$list pwdfile-$tag=pam_pwdfile"
	fi
	eval "svc_$tag=\$list"
}

printf 'auth required pam_permit.so\naccount required pam_permit.so\n' \
    >"$pamd/permit"

alts=""
for a in ${BENCH_ALT:-}; do
	case "${a%%=*}" in
	"" | *[!a-z0-9_+-]* | "$a")
		echo "bench: BENCH_ALT: expected NAME=/path/to/pam_mailuser.so," \
		    "not \"$a\"" >&2
		exit 2 ;;
	esac
	if [ ! -f "${a#*=}" ]; then
		echo "bench: BENCH_ALT: no such file: ${a#*=}" >&2
		exit 2
	fi
	alts="$alts $a"
done

set_of() {	# TAG N METHOD COST
	h=$(hash_of "$3" "$4")
	fixture mailuser "$1" "$2" "$h"
	[ $have_userdb = 0 ] || fixture userdb "$1" "$2" "$h"
	[ $have_pwdfile = 0 ] || fixture pwdfile "$1" "$2" "$h"
	services "$1" "$3" "$4"
}

# ---- cases -----------------------------------------------------------------

# pam_permit, the floor, is run beside the others where success is the
# expected result (it accepts everything).
# $floors (e.g. the bare hash) come after the modules.
fails=0
floors=
case_run() {	# CASE TAG N TITLE DRIVER-ARGS...
	c=$1 tag=$2 n=$3 title=$4
	shift 4
	eval "list=\$svc_$tag"
	list="$list $floors"
	case " $* " in *" -e "*) ;; *) list="$list permit=pam_permit" ;; esac
	# shellcheck disable=SC2086
	"$drv" run -d "$pamd" -C "$c" -t "$title" -N "$n" -p "$PASS" \
	    -o "$tsv" "$@" $list || fails=$((fails + 1))
}

if [ "$smoke" = 1 ]; then
	set_of s100 100 sha512crypt 1000
	case_run ok s100 100 "smoke: correct password" -w 2 -n 5 -r 1
	case_run wrong s100 100 "smoke: wrong password" -x -w 2 -n 3 -r 1 \
	    -e auth_err
	case_run unknown s100 100 "smoke: unknown user" -u nouser -w 1 -n 3 \
	    -r 1 -e user_unknown,auth_err
	cp "$tsv" "${BENCH_SMOKE_TSV:-/dev/null}" 2>/dev/null || true
	exit $((fails != 0))
fi

say "bench: fixtures in $cache"
t_fix=$(date +%s)
set_of 1k 1000 sha512crypt 1000
set_of 100k 100000 sha512crypt 1000
set_of 1m 1000000 sha512crypt 1000
set_of y1k 1000 yescrypt 0
t_fix=$(($(date +%s) - t_fix))
H=$(hash_of sha512crypt 1000)

# ---- PostgreSQL ------------------------------------------------------------

pg_url() {	# ROLE PASSWORD DB
	printf 'postgresql://%s:%s@127.0.0.1:%s/%s?sslmode=disable' \
	    "$1" "$2" "$PG_PORT" "$3"
}

# psql as the admin role on DB over TCP
pg_adm() {	# DB PSQL-ARGS...
	_db=$1
	shift
	PGPASSWORD=$PG_ADMIN_PW psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
	    -p "$PG_PORT" -U mailuser_admin -d "$_db" "$@"
}

# One store: database DB owned by the admin role, made by "mailuser-admin
# init", the rights of roles.sql for both auth roles, one domain and N
# users in one statement.
pg_store() {	# DB N
	adm=$svc/pg-admin-$1.conf
	printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\n' \
	    "$(pg_url mailuser_admin "$PG_ADMIN_PW" "$1")" >"$adm"
	chmod 600 "$adm"
	if ! "$B/mailuser-admin" -c "$adm" init >/dev/null 2>"$svc/init.err"
	then
		# so that a broken init does not stop the benchmark: the
		# schema as init applies it, said on the output
		say "bench: mailuser-admin init on PostgreSQL failed:" \
		    "$(head -1 "$svc/init.err"); sql/postgresql/schema.sql" \
		    "applied with psql instead"
		echo "$1: mailuser-admin init failed ($(head -1 "$svc/init.err"));" \
		    "schema applied with psql -1 -f sql/postgresql/schema.sql" \
		    >>"$svc/pg-notes"
		pg_adm "$1" -1 -f "$top/sql/postgresql/schema.sql" \
		    >/dev/null || return 1
	fi
	for r in mailuser_auth mailuser_auth_async; do
		pg_adm "$1" -v auth_role=$r -f "$top/sql/postgresql/roles.sql" \
		    >/dev/null || return 1
	done
	if ! "$B/mailuser-admin" -c "$adm" domain add "$DOM" >/dev/null \
	    2>"$svc/init.err"; then
		echo "$1: mailuser-admin domain add failed" \
		    "($(head -1 "$svc/init.err")); the domain inserted with psql" \
		    >>"$svc/pg-notes"
		pg_adm "$1" -v dom="$DOM" >/dev/null <<'EOF' || return 1
INSERT INTO domains (name, created)
    VALUES (:'dom', extract(epoch FROM now())::bigint);
EOF
	fi
	pg_adm "$1" -v h="$H" -v n="$2" -v dom="$DOM" >/dev/null <<'EOF'
INSERT INTO users (name, domain_id, hash, pw_changed, created)
    SELECT 'u' || lpad(i::text, 7, '0') || '@' || :'dom',
        (SELECT id FROM domains WHERE name = :'dom'), :'h',
        extract(epoch FROM now())::bigint, extract(epoch FROM now())::bigint
    FROM generate_series(1, :n) AS i;
EOF
	pg_adm "$1" -c 'VACUUM ANALYZE users, domains' >/dev/null
}

# A pam_mailuser service on a PostgreSQL store, as ROLE.
pg_service() {	# SERVICE DB ROLE PASSWORD [CONF-LINES]
	{
		echo "db = $(pg_url "$3" "$4" "$2")"
		echo "hash = sha512crypt"
		echo "hash_cost = 1000"
		[ -z "${5:-}" ] || printf '%s\n' "$5"
	} >"$svc/$1.conf"
	chmod 600 "$svc/$1.conf"
	printf 'auth required %s conf=%s\naccount required %s conf=%s\n' \
	    "$svc/pam_mailuser.so" "$svc/$1.conf" "$svc/pam_mailuser.so" \
	    "$svc/$1.conf" >"$pamd/$1"
}

have_pg=0
t_pg=0
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if part store && [ "${BENCH_PG:-1}" = 1 ] && [ -x "$PG_BIN/initdb" ] &&
    command -v psql >/dev/null 2>&1; then
	. "$top/tests/lib/pg.sh"
	t_pg=$(date +%s)
	say "bench: PostgreSQL 15: stores of 1k and 1M users"
	PG_DURABLE=${BENCH_PG_DURABLE:-1}
	PG_ASYNC_PW=$(pg_secret)
	if pg_start && PG_DB=postgres pg_psql -q -v ON_ERROR_STOP=1 \
	    >/dev/null <<EOF &&
CREATE DATABASE mailuser_1m OWNER mailuser_admin;
CREATE ROLE mailuser_auth_async LOGIN PASSWORD '$PG_ASYNC_PW';
ALTER ROLE mailuser_auth_async SET synchronous_commit = off;
EOF
	    pg_store mailuser 1000 && pg_store mailuser_1m 1000000 &&
	    PG_DB=postgres pg_psql -q -c CHECKPOINT >/dev/null; then
		have_pg=1
		PGV=$(PG_DB=postgres pg_psql -A -t -c 'SHOW server_version')
		say "bench:   done in $(($(date +%s) - t_pg)) s"
	else
		say "bench: PostgreSQL could not be set up: its cases are left out"
		pg_stop
	fi
	t_pg=$(($(date +%s) - t_pg))
fi
if [ $have_pg = 1 ]; then
	for d in 1k:mailuser 1m:mailuser_1m; do
		t=${d%%:*} db=${d#*:}
		pg_service "pg-$t" "$db" mailuser_auth "$PG_AUTH_PW"
		pg_service "pga-$t" "$db" mailuser_auth_async "$PG_ASYNC_PW"
	done
	pg_service pg-hi-1k mailuser mailuser_auth "$PG_AUTH_PW" \
	    "deny = 1000000
deny_total = 600"
fi
mailuser_service sq-hi-1k "$svc/pam_mailuser.so" 1k sha512crypt 1000 \
    "deny = 1000000
deny_total = 600"

{
	echo "pam_mailuser benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo |
	    sed 's/.*: //'), $(uname -sr)"
	echo "versions: pam_mailuser $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?');" \
	    "$(dpkg-query -W -f='${Package} ${Version}\n' libpam0g libpam-modules \
	    libpam-pwdfile libdb5.3 libsqlite3-0 libcrypt1 2>/dev/null |
	    paste -sd, - | sed 's/,/, /g')"
	for a in $alts; do
		echo "also measured: ${a%%=*} = ${a#*=}"
	done
	if [ -s "$svc/pg-notes" ]; then
		sed 's/^/note: /' "$svc/pg-notes"
	fi
	if [ $have_pg = 1 ]; then
		echo "PostgreSQL $PGV (tests/lib/pg.sh) on 127.0.0.1:$PG_PORT," \
		    "sslmode=disable, fsync and synchronous_commit" \
		    "$([ "$PG_DURABLE" = 1 ] && echo on || echo off)" \
		    "(pg-async: the auth role with synchronous_commit = off)"
	fi
	echo "command: make bench (fixture check/build: ${t_fix} s," \
	    "PostgreSQL stores: ${t_pg} s)"
	echo "Every login: pam_start_confdir, PAM_RHOST/PAM_RUSER/PAM_TTY," \
	    "pam_authenticate, pam_acct_mgmt, pam_end."
	echo "All users of a fixture share one precomputed hash" \
	    "(the size scaling measures the lookup, not the hash)."
	echo "Users are taken from the end of the fixtures (pam_pwdfile's" \
	    "worst case); pam_permit is the empty-stack floor."
} | tee "$work/results.txt"

# Many short batches rather than a few long ones: a burst of other work
# on the machine then lands on every module alike.
# The failure cases come last: a good login of a user who has a failure
# row from the same source writes (it resets the counter), and the cases
# with a right password measure the read path.
S="sha512crypt rounds=1000"
K="-k 1000"
part classic && {
	# the bare hash beside them: the target is pam_permit + hash + 0.15
	floors=@crypt=bare-hash
	case_run s1k 1k 1000 "correct password, $S, 1k users" $K -n 20 -r 25 \
	    -H "$H"
	case_run s100k 100k 100000 "correct password, $S, 100k users" \
	    $K -n 20 -r 25 -H "$H"
	case_run s1m 1m 1000000 "correct password, $S, 1M users" \
	    $K -n 20 -r 25 -H "$H"
	floors=
	case_run y1k y1k 1000 "correct password, yescrypt (default cost), 1k users" \
	    $K -n 8 -r 25
	case_run w1 100k 100000 "throughput, 1 process, $S, 100k users" \
	    $K -w 1 -n 40 -r 15
	case_run w2 100k 100000 "throughput, 2 processes, $S, 100k users" \
	    $K -w 2 -n 40 -r 15
	case_run w30 100k 100000 "30 processes, correct password, $S, 100k users" \
	    $K -w 30 -n 4 -r 15
	case_run wrong 100k 100000 "wrong password, $S, 100k users" \
	    $K -x -n 20 -r 25 -e auth_err
	case_run unknown 100k 100000 "unknown user, $S configured, 100k users" \
	    $K -u nouser -n 20 -r 25 -e user_unknown,auth_err
	case_run w30x 100k 100000 "30 processes, wrong password, $S, 100k users" \
	    $K -x -w 30 -n 4 -r 15 -e auth_err
} | tee -a "$work/results.txt"

# ---- the store interface: SQLite beside PostgreSQL ------------------------

# run CASE N TITLE SERVICES DRIVER-ARGS...: one table, services as given
run() {
	c=$1 n=$2 title=$3 list=$4
	shift 4
	# shellcheck disable=SC2086
	"$drv" run -d "$pamd" -C "$c" -t "$title" -N "$n" -p "$PASS" \
	    -o "$tsv" "$@" $list || fails=$((fails + 1))
}

# The failure counters of user U after pgw30x, "SUM ALLROW": the sum of
# the per-source counts and the count of the every-source lock row.
counters_sq() {	# DB USER
	sqlite3 -batch "$1" "SELECT coalesce(sum(f.count), 0) FROM failures f
	    JOIN users u ON u.id = f.user_id WHERE u.name = '$2' AND
	    f.source <> ''; SELECT coalesce((SELECT f.count FROM failures f
	    JOIN users u ON u.id = f.user_id WHERE u.name = '$2' AND
	    f.source = '' AND f.locked_until IS NOT NULL), 0)" | paste -sd' '
}
counters_pg() {	# DB USER
	pg_adm "$1" -A -t -c "SELECT coalesce(sum(f.count), 0) FROM failures f
	    JOIN users u ON u.id = f.user_id WHERE u.name = '$2' AND
	    f.source <> ''" -c "SELECT coalesce((SELECT f.count FROM failures f
	    JOIN users u ON u.id = f.user_id WHERE u.name = '$2' AND
	    f.source = '' AND f.locked_until IS NOT NULL), 0)" | paste -sd' '
}
# check LABEL "SUM ALLROW" ATTEMPTS: deny_total = 600 of more attempts,
# from 30 sources: exactly 600 counted, the lock row made at 600, every
# attempt answered.  A row "counters LABEL" in the TSV (errors: 0 or 1).
check_counters() {
	set -- "$1" ${2:-x x} "$3"
	ok=0
	[ "$2" = 600 ] && [ "$3" = 600 ] && [ "$4" -gt 600 ] && ok=1
	printf '   %-12s %4s of %4s wrong passwords counted, every-source lock row at %s: %s\n' \
	    "$1" "$2" "$4" "$3" "$([ $ok = 1 ] && echo exact || echo WRONG)"
	printf 'counters\t%s\t%s\t0\t0\t%s\t%s\t0\tcounted=%s lockrow=%s\t0\t0\n' \
	    "$1" "$2" "$4" $((1 - ok)) "$2" "$3" >>"$tsv"
	[ $ok = 1 ] || fails=$((fails + 1))
}

# Round trips to PostgreSQL of one login: strace counts what the worker
# sends on the PostgreSQL socket (one send per round trip: libpq flushes
# a pipeline at its sync), in 1 login and in 21 logins of one process; a
# row "rt_CASE LABEL" in the TSV with the steady count in the p50 column
# and the first login's in the p99 column.
sends() {	# DRIVER-ARGS...: sends on the PostgreSQL socket
	strace -f -qq -yy -e trace=sendto,sendmsg,write -o "$svc/strace" \
	    "$drv" run -d "$pamd" -N 1000 -p "$PASS" -k 1000 -w 1 -r 1 \
	    -P "$PGRT" "$@" >/dev/null 2>&1 || true
	grep -c -- "->127.0.0.1:$PG_PORT\]" "$svc/strace" || true
}
roundtrips() {	# CASE LABEL SERVICE DRIVER-ARGS...
	c=$1 l=$2 sv=$3
	shift 3
	one=$(sends -n 1 "$@" "$sv=x")
	many=$(sends -n 21 "$@" "$sv=x")
	steady=$(awk -v a="$one" -v b="$many" 'BEGIN { printf "%.2f", (b - a) / 20 }')
	printf '   %-40s %6s %6s\n' "$l" "$steady" "$one"
	printf 'rt_%s\t%s\t%s\t%s\t0\t21\t0\t0\t-\t0\t0\n' "$c" "$l" \
	    "$steady" "$one" >>"$tsv"
}

if [ $have_pg = 1 ]; then
	PG1K=$(pg_url mailuser_auth "$PG_AUTH_PW" mailuser)
	PG1M=$(pg_url mailuser_auth "$PG_AUTH_PW" mailuser_1m)
	PGRT=$PG1K
	{
	echo
	echo "== store interface: SQLite beside PostgreSQL (loopback TCP, TLS off)"
	echo "   sqlite: the SQLite store of the cases above; postgresql: the same"
	echo "   users in PostgreSQL, the module as the auth role; pg-async: as a"
	echo "   role with synchronous_commit = off; bare-hash: one crypt_rn;"
	echo "   pg-ping: one prepared SELECT 1; pg-lookup: the module's user"
	echo "   lookup alone, prepared (both on a kept connection)"
	F="@crypt=bare-hash @pgping=pg-ping @pglookup=pg-lookup permit=pam_permit"
	run pg1k 1000 "right password, $S, 1k users" \
	    "mailuser-1k=sqlite pg-1k=postgresql pga-1k=pg-async $F" \
	    -k 1000 -n 20 -r 25 -H "$H" -P "$PG1K"
	run pg1m 1000000 "right password, $S, 1M users" \
	    "mailuser-1m=sqlite pg-1m=postgresql pga-1m=pg-async $F" \
	    -k 1000 -n 20 -r 25 -H "$H" -P "$PG1M"
	run cold 1000 "right password, the first login of a new process, 1k users" \
	    "mailuser-1k=sqlite pg-1k=postgresql permit=pam_permit" \
	    -k 1000 -n 1 -r 40
	echo
	echo "== round trips to PostgreSQL per login (sends on its socket, strace)"
	printf '   %-40s %6s %6s\n' "login" steady first
	if command -v strace >/dev/null 2>&1; then
		roundtrips right "right password (auth + account)" pg-1k
		roundtrips wrong "wrong password" pg-1k -x -e auth_err
		roundtrips unknown "unknown user" pg-1k -u nouser \
		    -e user_unknown,auth_err
		roundtrips ping "bare prepared round trip (pg-ping)" @pgping
	else
		echo "   (strace is not installed: not counted)"
	fi
	run pgx1k 1000 "wrong password, $S, 1k users" \
	    "mailuser-1k=sqlite pg-1k=postgresql pga-1k=pg-async @crypt=bare-hash" \
	    -x -k 1000 -n 20 -r 25 -H "$H" -e auth_err
	run pgx1m 1000000 "wrong password, $S, 1M users" \
	    "mailuser-1m=sqlite pg-1m=postgresql pga-1m=pg-async @crypt=bare-hash" \
	    -x -k 1000 -n 20 -r 25 -H "$H" -e auth_err
	# one user, 30 sources (one per process), deny_total = 600 of 1200
	U1=$(printf 'u%07d@%s' 1000 "$DOM")
	pg_adm mailuser -c "DELETE FROM failures WHERE user_id =
	    (SELECT id FROM users WHERE name = '$U1')" >/dev/null
	log0=$(wc -l <"$PG_DIR/log")
	run pgw30x 1000 "30 processes, wrong passwords, one user, deny_total = 600" \
	    "sq-hi-1k=sqlite pg-hi-1k=postgresql" \
	    -x -k 1 -w 30 -n 4 -r 10 -e auth_err
	echo
	echo "== exact counters after pgw30x ($U1)"
	n30=$((30 * 4 * 10))
	check_counters sqlite "$(counters_sq "$svc/sq-hi-1k.db" "$U1")" $n30
	check_counters postgresql "$(counters_pg mailuser "$U1")" $n30
	# what the server refused meanwhile, if anything
	tail -n +$((log0 + 1)) "$PG_DIR/log" |
	    sed -n 's/^.* \(ERROR\|FATAL\): *//p' | sort | uniq -c |
	    sed 's/^ */   server log: /'
	} | tee -a "$work/results.txt"
	pg_stop
fi

# Failed logins while "mailuser-admin import" adds 1M users to their
# store, beside the same logins with nothing else running (rows imp_*).
! part import ||
	sh "$top/tests/bench/import_logins.sh" "$B" | tee -a "$work/results.txt"

# IMAP logins through Dovecot: SQLite, PostgreSQL, pam_permit
if part imap && [ "$(id -u)" = 0 ] &&
    command -v dovecot >/dev/null 2>&1; then
	IMAP_TSV=$tsv sh "$top/tests/bench/imap_logins.sh" "$B" 4 100000 3 |
	    tee -a "$work/results.txt"
fi

# Postfix policy servers: mailuser-policyd beside policyd-rate-limit
# (rows pd100k)
if part policyd && [ "$(id -u)" = 0 ]; then
	POLICYD_TSV=$tsv sh "$top/tests/bench/policyd.sh" "$B" |
	    tee -a "$work/results.txt"
fi

for label in pam_mailuser $alts; do
	sh "$top/tests/bench/targets.sh" "$tsv" "${label%%=*}"
done | tee -a "$work/results.txt"
say "bench: results in $work/results.txt and $tsv"
