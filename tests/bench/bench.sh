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
# The pam_mailuser stores are made the direct bulk way: sql/schema.sql
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
# Last, tests/bench/import_logins.sh measures wrong-password logins while
# a 1M-line import runs (IMPORT_ALT names other builds of the tool).
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
trap 'rm -rf "$svc"' EXIT
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
	    "$(cksum <"$top/sql/schema.sql")"
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
		cat "$top/sql/schema.sql"
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
mailuser_service() {	# SERVICE MODULE TAG METHOD COST
	cp "$cache/mailuser-$3" "$svc/$1.db"
	chmod 600 "$svc/$1.db"	# the module refuses a store others can read
	rm -f "$svc/$1.db-wal" "$svc/$1.db-shm"
	{
		echo "db = $svc/$1.db"
		echo "hash = $4"
		[ "$5" = 0 ] || echo "hash_cost = $5"
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
fails=0
case_run() {	# CASE TAG N TITLE DRIVER-ARGS...
	c=$1 tag=$2 n=$3 title=$4
	shift 4
	eval "list=\$svc_$tag"
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
	echo "command: make bench (fixture check/build: ${t_fix} s)"
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
{
	case_run s1k 1k 1000 "correct password, $S, 1k users" $K -n 20 -r 25
	case_run s100k 100k 100000 "correct password, $S, 100k users" \
	    $K -n 20 -r 25
	case_run s1m 1m 1000000 "correct password, $S, 1M users" \
	    $K -n 20 -r 25
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

# Failed logins while "mailuser-admin import" adds 1M users to their
# store, beside the same logins with nothing else running (rows imp_*).
sh "$top/tests/bench/import_logins.sh" "$B" | tee -a "$work/results.txt"

for label in pam_mailuser $alts; do
	sh "$top/tests/bench/targets.sh" "$tsv" "${label%%=*}"
done | tee -a "$work/results.txt"
say "bench: results in $work/results.txt and $tsv"
