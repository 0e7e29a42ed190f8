#!/bin/sh
# IMAP logins per second through the real Dovecot: a new connection,
# LOGIN, LOGOUT, again and again, by 1 and by 4 client processes, with
# passdb pam asking pam_mailuser (100,000 users in the store, every one
# with the same precomputed sha512crypt hash of 1000 rounds), once with
# the store in SQLite and once in PostgreSQL (a private PostgreSQL 15 of
# tests/lib/pg.sh on 127.0.0.1, sslmode=disable, PG_DURABLE=1 unless
# BENCH_PG_DURABLE=0; the store made by "mailuser-admin init" and
# sql/postgresql/roles.sql, the module connecting as the auth role), and
# in the same run with pam_permit.so in its place, which shows what
# Dovecot and the client cost without any password check.
# auth_cache_size = 0, so every login reaches PAM.  The last part of
# make bench (4 s turns there); not a test.  Run as root:
#
#   sh tests/bench/imap_logins.sh [BUILD_DIR [SECONDS [USERS [ROUNDS]]]]
#
# Defaults: 5 seconds per turn, 100000 users, 3 rounds; the PAM stacks
# take turns so that other load on the machine hits all alike.  Prints
# one table (ms/login is the mean time of one login as one client sees
# it); the stack (tests/lib/stack.sh) and PostgreSQL are private, on
# 127.0.0.1, and removed at the end.  Without PostgreSQL (no initdb, or
# IMAP_PG=0) the PostgreSQL rows are left out.  With IMAP_TSV=FILE, rows
# "imapC STACK" (C clients; logins/s in the fifth column, failures in the
# seventh) are appended to FILE, as bench.sh's results.tsv has them.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STACK_NAME=mailuser-bench
. "$top/tests/lib/stack.sh"
. "$top/tests/lib/pg.sh"
B=${1:-build}
SECS=${2:-5}
USERS=${3:-100000}
ROUNDS=${4:-3}
PASS=bench-password-1
DOM=bench.example
say() { printf '%s\n' "$*" >&2; }

stack_init "$B" || exit 1
trap 'stack_cleanup; pg_stop' EXIT
# Dovecot's defaults otherwise; lockout stays on, as it is by default
say "store: $USERS users, one sha512crypt rounds=1000 hash"
hash=$(echo "$PASS" | stack_admin hash --method sha512crypt --cost 1000 \
    --password-stdin) || exit 1
case $hash in '$6$rounds=1000$'*) ;; *) say "bad hash: $hash"; exit 1 ;; esac
stack_admin domain add "$DOM" >/dev/null || exit 1
now=$(date +%s)
stack_sql "BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $USERS)
INSERT INTO users (name, domain_id, hash, pw_changed, created)
SELECT 'user' || i || '@$DOM', (SELECT id FROM domains WHERE name = '$DOM'),
       '$hash', $now, $now FROM n;
COMMIT;" || exit 1
say "store: $(stack_sql 'SELECT count(*) FROM users') users"

# The same users in PostgreSQL.
stacks="pam_mailuser"
if [ "${IMAP_PG:-1}" = 1 ] && [ -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]
then
	PG_DURABLE=${BENCH_PG_DURABLE:-1}
	adm=$STACK_TMP/pg-admin.conf
	pgconf=$STACK_TMP/mailuser-pg.conf
	psql_adm() {
		PGPASSWORD=$PG_ADMIN_PW psql -X -q -v ON_ERROR_STOP=1 \
		    -h 127.0.0.1 -p "$PG_PORT" -U mailuser_admin -d mailuser "$@"
	}
	if pg_start; then
		printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\n' \
		    "$PG_ADMIN_URL" >"$adm"
		printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\n' \
		    "$PG_AUTH_URL" >"$pgconf"
		chmod 600 "$adm" "$pgconf"
		# init and domain add as the tool does them; should the tool
		# fail, the same with psql, said on the output
		if ! "$STACK_ADMIN" -c "$adm" init >/dev/null 2>&1; then
			say "mailuser-admin init failed on PostgreSQL: the schema applied with psql"
			psql_adm -1 -f "$top/sql/postgresql/schema.sql" >/dev/null
		fi
		psql_adm -f "$top/sql/postgresql/roles.sql" >/dev/null
		if ! "$STACK_ADMIN" -c "$adm" domain add "$DOM" >/dev/null 2>&1
		then
			say "mailuser-admin domain add failed on PostgreSQL: done with psql"
			echo "INSERT INTO domains (name, created) VALUES ('$DOM', $now)" |
			    psql_adm >/dev/null
		fi
		psql_adm -v h="$hash" -v n="$USERS" -v dom="$DOM" \
		    -v now="$now" >/dev/null <<'EOF'
INSERT INTO users (name, domain_id, hash, pw_changed, created)
    SELECT 'user' || i || '@' || :'dom',
        (SELECT id FROM domains WHERE name = :'dom'), :'h', :now, :now
    FROM generate_series(1, :n) AS i;
VACUUM ANALYZE users;
EOF
		PG_DB=postgres pg_psql -q -c CHECKPOINT >/dev/null
		got=$(psql_adm -A -t -c 'SELECT count(*) FROM users')
		if [ "$got" = "$USERS" ]; then
			stacks="$stacks pgsql"
			say "PostgreSQL store: $got users"
		else
			say "PostgreSQL store not made: its rows are left out"
		fi
	else
		say "PostgreSQL did not start: its rows are left out"
	fi
fi
stacks="$stacks pam_permit"

stack_pam_install dovecot || exit 1
stack_dovecot_start || exit 1
say "dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:$STACK_IMAP_PORT"

pamfile=/etc/pam.d/$STACK_SVC
cp "$pamfile" "$STACK_TMP/pam.mailuser"
printf 'auth required pam_permit.so\naccount required pam_permit.so\n' \
    >"$STACK_TMP/pam.permit"
[ -z "${pgconf:-}" ] ||
	sed "s|conf=$STACK_CONF|conf=$pgconf|g" "$pamfile" >"$STACK_TMP/pam.pgsql"

# one measurement: CLIENTS processes for SECS seconds; prints "LOGINS FAILS"
measure() {	# CLIENTS
	i=0
	while [ $i -lt "$1" ]; do
		stack_client imap-bench 127.0.0.1 "$STACK_IMAP_PORT" \
		    "user%d@$DOM" "$PASS" "$SECS" "$USERS" >"$STACK_TMP/b.$i" &
		i=$((i + 1))
	done
	wait
	cat "$STACK_TMP"/b.* | awk '{ l += $1; f += $2 } END { print l, f }'
	rm -f "$STACK_TMP"/b.*
}

use() {	# pam_mailuser | pgsql | pam_permit: what /etc/pam.d/$STACK_SVC holds
	case $1 in
	pam_mailuser) cp "$STACK_TMP/pam.mailuser" "$pamfile" ;;
	pgsql) cp "$STACK_TMP/pam.pgsql" "$pamfile" ;;
	pam_permit) cp "$STACK_TMP/pam.permit" "$pamfile" ;;
	esac
}

# warm up: auth workers and login processes started, the store cached
for module in $stacks; do
	use $module
	stack_client imap-bench 127.0.0.1 "$STACK_IMAP_PORT" "user%d@$DOM" \
	    "$PASS" 1 "$USERS" >/dev/null
done
# The machine may be busy with other work: the two PAM stacks take turns,
# ROUNDS times, and each row adds up its turns.
: >"$STACK_TMP/results"
r=1
while [ $r -le "$ROUNDS" ]; do
	for c in 1 4; do
		for module in $stacks; do
			use $module
			echo "$module $c $(measure $c)" >>"$STACK_TMP/results"
		done
	done
	r=$((r + 1))
done

printf '\nIMAP LOGIN+LOGOUT, a new connection each; %s users, sha512crypt\n' \
    "$USERS"
printf 'rounds=1000, auth_cache_size = 0; %s rounds of %s s per row; %s CPUs\n\n' \
    "$ROUNDS" "$SECS" "$(nproc)"
printf '%-20s %7s %8s %9s %9s %11s %9s\n' "PAM stack" clients logins \
    failures logins/s "ms/login" "of permit"
for c in 1 4; do
	for module in $stacks; do
		awk -v m=$module -v c=$c -v t="$((SECS * ROUNDS))" \
		    -v tsv="${IMAP_TSV:-}" '
		    $1 == m && $2 == c { l += $3; f += $4 }
		    $1 == "pam_permit" && $2 == c { p += $3 }
		    END {
			name = m
			if (m == "pam_mailuser")
				name = "pam_mailuser/sqlite"
			else if (m == "pgsql")
				name = "pam_mailuser/pgsql"
			printf "%-20s %7s %8d %9d %9.1f %11.1f %8.0f%%\n", name, c,
			    l, f, l / t, l ? 1000 * t * c / l : 0,
			    p ? 100 * l / p : 0
			if (tsv != "")
				printf "imap%s\t%s\t%.4f\t0\t%.1f\t%d\t%d\t0\t-\t0\t0\n",
				    c, name, l ? 1000 * t * c / l : 0, l / t, l,
				    f >> tsv
		    }' "$STACK_TMP/results"
	done
done
