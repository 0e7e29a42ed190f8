#!/bin/sh
# Failed logins while a large import runs (part of make bench).
#
#   sh tests/bench/import_logins.sh BUILD [USERS]      USERS default 1000000
#   sh tests/bench/import_logins.sh --smoke BUILD DIR  20,000 users, in DIR
#
# A store with 1,000 users (sha512crypt, rounds=1000) gets logins with a
# wrong password through the real module (bench_pam, as bench.sh runs
# it: pam_start_confdir on a private service file, one process, a new
# wrong password each time, the users taken in turn), with deny= and
# deny_total= high enough that every login writes its failure and none
# is locked.  First with nothing else running, then while
# "mailuser-admin import --format pwdfile" adds USERS more users to the
# same store: the logins run from the start of the import to its end
# (bench_pam -S).  Printed: the logins' p50, p99 and max time and how
# many returned PAM_AUTHINFO_UNAVAIL (the module's answer when it cannot
# record a failure), the import's own time and, from its debug line,
# its transactions and the longest time one held the write lock.  Rows
# imp_idle and imp_LABEL are appended to the results.tsv of bench.sh
# (BUILD/bench/, or DIR), as bench_pam writes them.
#
# IMPORT_ALT="LABEL=/path/to/mailuser-admin ..." runs the same import
# with other builds of the tool too (each on a fresh copy of the store),
# for a before/after in one run; their store schema must be the one of
# BUILD's module and tool.  The import file is made once and kept in
# BUILD/bench-cache (BENCH_CACHE), or in DIR.
set -eu

smoke=0
if [ "${1:-}" = --smoke ]; then
	smoke=1
	shift
fi
B=$(cd "${1:-build}" && pwd)
drv=$B/bench_pam
admin=$B/mailuser-admin
PASS=bench-password-1
DOM=bench.example
LOGIN_USERS=1000
if [ "$smoke" = 1 ]; then
	work=$(cd "${2:?smoke mode needs a directory}" && pwd)
	cache=$work
	N=20000
else
	work=$B/bench
	cache=${BENCH_CACHE:-$B/bench-cache}
	N=${2:-1000000}
fi
mkdir -p "$work" "$cache"
tsv=$work/results.tsv
# the service file names the module, the configuration and the store: a
# directory of a path without spaces
svc=$(mktemp -d /tmp/mailuser-imp.XXXXXX)
trap 'rm -rf "$svc"' EXIT
trap 'exit 1' INT TERM HUP
cp "$B/pam_mailuser.so" "$svc/pam_mailuser.so"
mkdir "$svc/pam.d"
say() { printf '%s\n' "$*" >&2; }

# ---- fixtures --------------------------------------------------------------

hash=$cache/hash-sha512crypt
if [ ! -s "$hash" ]; then
	"$drv" hash sha512crypt 1000 "$PASS" >"$hash.tmp"
	mv "$hash.tmp" "$hash"
fi
H=$(cat "$hash")
file=$cache/import-$N.pwd
if [ ! -s "$file" ] || [ "$(head -c 200 "$file" | head -1)" != \
    "$(printf 'i%07d@%s:%s' 1 "$DOM" "$H")" ]; then
	say "import_logins: making $file"
	awk -v n="$N" -v h="$H" -v dom="$DOM" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "i%07d@%s:%s\n", i, dom, h
	}' >"$file.tmp"
	mv "$file.tmp" "$file"
fi

# A fresh store with the login users, made by BUILD's tool.
conf=$svc/store.conf
db=$svc/store.db
printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\ndeny = 1000000\ndeny_total = 1000000\n' \
    "$db" >"$conf"
chmod 600 "$conf"
# the tools' own: with debug = yes, import says how long it held the lock
aconf=$svc/admin.conf
{ cat "$conf"; echo "debug = yes"; } >"$aconf"
chmod 600 "$aconf"
fresh_store() {
	rm -f "$db" "$db-wal" "$db-shm"
	"$admin" -c "$conf" init
	"$admin" -c "$conf" domain add "$DOM"
	awk -v n="$LOGIN_USERS" -v h="$H" -v dom="$DOM" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "u%07d@%s:%s\n", i, dom, h
	}' | "$admin" -c "$conf" import --format pwdfile - >/dev/null
}
printf 'auth required %s conf=%s\naccount required %s conf=%s\n' \
    "$svc/pam_mailuser.so" "$conf" "$svc/pam_mailuser.so" "$conf" \
    >"$svc/pam.d/imp"

# logins CASE TITLE [-S FILE]: wrong-password logins into the TSV
logins() {
	c=$1 title=$2
	shift 2
	"$drv" run -d "$svc/pam.d" -C "$c" -t "$title" -N "$LOGIN_USERS" \
	    -p "$PASS" -x -w 1 -r 1 -e auth_err -o "$svc/imp.tsv" "$@" \
	    imp=pam_mailuser || true
}

# ---- cases -----------------------------------------------------------------

fresh_store
logins imp_idle "wrong password, no import running" \
    -n "$([ "$smoke" = 1 ] && echo 50 || echo 2000)"

times=$svc/times
: >"$times"
: >"$svc/batches"
for a in "mailuser-admin=$admin" ${IMPORT_ALT:-}; do
	label=${a%%=*} tool=${a#*=}
	case "$label" in
	"" | *[!a-z0-9_+-]* | "$a")
		say "import_logins: IMPORT_ALT: expected LABEL=/path, not \"$a\""
		exit 2 ;;
	esac
	fresh_store
	rm -f "$svc/done"
	say "import_logins: $label: import of $N users with logins beside it"
	(
		t0=$(date +%s.%N)
		"$tool" -c "$aconf" import --format pwdfile "$file" \
		    >"$svc/imp.out" 2>"$svc/imp.err"
		echo $? >"$svc/imp.rc"
		awk -v l="imp_$label" -v a="$t0" -v b="$(date +%s.%N)" \
		    'BEGIN { printf "%s %.1f\n", l, b - a }' >>"$times"
		touch "$svc/done"
	) &
	logins "imp_$label" "wrong password while $label imports $N users" \
	    -S "$svc/done" -n 1000000
	wait
	rc=$(cat "$svc/imp.rc")
	sed -n "s/^.*\(import: [0-9]* transactions of .*\)/   $label: \1/p" \
	    "$svc/imp.err" >>"$svc/batches"
	got=$(sqlite3 "$db" "SELECT count(*) FROM users")
	if [ "$rc" != 0 ] || [ "$got" != $((N + LOGIN_USERS)) ]; then
		say "import_logins: $label: import exit $rc, $got users:" \
		    "$(head -3 "$svc/imp.err")"
		echo "imp_$label FAILED" >>"$times"
	fi
done

# ---- the table --------------------------------------------------------------

echo
echo "== wrong-password logins while \"import\" adds $N users" \
    "($LOGIN_USERS-user store, 1 process)"
awk -F '\t' -v times="$times" '
BEGIN {
	while ((getline l < times) > 0) {
		split(l, f, " ")
		if (f[2] == "FAILED")
			failed[f[1]] = 1
		else
			secs[f[1]] = f[2]
	}
	printf "   %-30s %7s %9s %9s %9s %8s %9s\n", "while", "logins",
	    "p50 ms", "p99 ms", "max ms", "unavail", "import s"
}
$1 ~ /^imp_/ && $2 == "pam_mailuser" {
	what = $1 == "imp_idle" ? "no import" : "import by " substr($1, 5)
	printf "   %-30s %7d %9.3f %9.3f %9.3f %8d %9s%s\n", what, $6, $3, $4,
	    $11, $8, $1 in secs ? secs[$1] : "-",
	    $1 in failed ? "  (import FAILED)" : ""
}' "$svc/imp.tsv"
cat "$svc/batches"
cat "$svc/imp.tsv" >>"$tsv"
