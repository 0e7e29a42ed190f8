#!/bin/sh
# Tests of "mailuser-admin copy --to DB": a store copied whole, every row
# of every table with its id, into a new store; SQLite to SQLite, and
# SQLite to PostgreSQL and back when tests/lib/pg.sh can start a private
# server.  Compared by "export --format json" of both (identical) and by
# the rows of each table; a target that is not new, the source itself,
# a missing --to are refused and leave the target as it was.
# Run as: sh tests/cli/test_copy.sh BUILD
#
# Prints one TAP-style line per check and exits 0 whatever the results:
# the runner counts the lines.  Needs sqlite3, jq and perl.
set -u

# the source is an SQLite file whatever MU_TEST_DB says: the PostgreSQL
# part below starts a server of its own
unset MU_TEST_DB
. "$(dirname "$0")/lib.sh"

# every table, every column, in key order: what a copy must keep
dump() {
	sqlite3 -readonly "$1" "
	    SELECT 'd', * FROM domains ORDER BY id;
	    SELECT 'u', * FROM users ORDER BY id;
	    SELECT 'h', * FROM pw_history ORDER BY id;
	    SELECT 'f', * FROM failures ORDER BY user_id, source;
	    SELECT 'r', * FROM recent_failures ORDER BY id;
	    SELECT 's', * FROM source_failures ORDER BY source;
	    SELECT 'a', * FROM audit WHERE id <= ${2:-9223372036854775807}
	        ORDER BY id;
	    SELECT 'l', * FROM domain_limits ORDER BY domain_id;
	    SELECT 'm', * FROM user_limits ORDER BY user_id;
	    SELECT 'c', * FROM send_counts ORDER BY user_id, span, bucket"
}
# export --format json of the store $1 into $2
export_json() {
	tool - -c "$CONF" -d "$1" export --format json
	cp "$TMP/out" "$2"
}

# ---- a source with something in every table -------------------------------
H=$(perl -e 'print crypt("pw 1", q($6$rounds=1000$saltsalt$))')
H2=$(perl -e 'print crypt("pw 2", q($1$saltsalt$))')
fresh
mu domain add off.example
mu domain disable off.example
mu domain set --max-days 90 --warn-days 7 example.net
{
	echo "a@example.org:$H"
	echo "b@example.org:$H2"
	echo "c@example.net:$H"
	echo "d@off.example:$H"
	echo "tab@example.net:$H"
} >"$TMP/users.pwd"
mu import --format pwdfile "$TMP/users.pwd"
mu_in 'Copy pw one 1
' user add --force --password-stdin hist@example.org
mu_in 'Copy pw two 2
' user passwd --force --password-stdin hist@example.org
mu user disable b@example.org
mu user expire c@example.net 2031-02-03
mu user lock --reason "a reason, with a comma; and a quote \"" a@example.org
mu user force-change hist@example.org
mu user set --min-days 2 --grace-days 5 c@example.net
# sending limits and counters (mailuser-policyd)
mu limit set --domain example.org --messages-per-hour 50 \
    --recipients-per-day 500
mu limit set --user a@example.org --recipients-per-hour 20
# what logins leave, written as the module writes it: counters, locks,
# fingerprints, unknown names' sources, the last login; texts with a
# tab, a newline and a backslash (COPY's escapes)
sqw "INSERT INTO failures (user_id, source, count, first_fail, last_fail,
         locked_until)
     SELECT id, '192.0.2.1', 3, 1700000000, 1700000100, 1700000900
     FROM users WHERE name = 'a@example.org';
     INSERT INTO failures (user_id, source, count, first_fail, last_fail)
     SELECT id, '', 4, 1700000000, 1700000200 FROM users
     WHERE name = 'a@example.org';
     INSERT INTO failures (user_id, source, count, first_fail, last_fail)
     SELECT id, '2001:db8::/64', 1, 1700000300, 1700000300 FROM users
     WHERE name = 'c@example.net';
     INSERT INTO recent_failures (user_id, digest, at)
     SELECT id, 'xYz', 1700000100 FROM users WHERE name = 'a@example.org';
     INSERT INTO recent_failures (user_id, digest, at)
     SELECT id, 'a' || char(9) || 'b\\c' || char(10), 1700000101 FROM users
     WHERE name = 'a@example.org';
     INSERT INTO source_failures (source, count, first_fail, last_fail)
     VALUES ('198.51.100.7', 12, 1700000000, 1700000500),
            ('unknown', 1, 1700000600, 1700000600);
     UPDATE users SET last_login = 1700001000 WHERE name = 'c@example.net';
     UPDATE users SET lock_reason = 'tab' || char(9) || 'nl' || char(10) ||
         'bs\\' WHERE name = 'tab@example.net';
     INSERT INTO audit (at, uid, actor, tool, action, account, detail)
     VALUES (1700000700, NULL, NULL, 'pam_mailuser', 'passwd',
             'hist@example.org', NULL);
     INSERT INTO send_counts (user_id, span, bucket, msgs, rcpts, def_msgs,
         def_rcpts)
     SELECT id, 60, 28333335, 3, 7, 1, 2 FROM users
     WHERE name = 'a@example.org';
     INSERT INTO send_counts (user_id, span, bucket, msgs, rcpts)
     SELECT id, 3600, 472222, 9, 30 FROM users WHERE name = 'a@example.org'"
src_max=$(sq "SELECT max(id) FROM audit")
dump "$DB" >"$TMP/src.dump"
sqlite3 "$DB" ".backup '$TMP/src.db'"
t "the source has rows in every table" eval '
    for c in d u h f r s a l m c; do
        grep -q "^$c|" "$TMP/src.dump" || exit 1
    done'

# ---- SQLite to SQLite -----------------------------------------------------
T1=$TMP/copy1.db
tool - -c "$CONF" -d "$T1" init
mu copy --to "$T1"
t "copy into a new store: exit 0, one line saying what" eval 'succeeded &&
    [ "$(cat "$TMP/out")" = "copied 6 users and 3 domains to $T1" ]'
dump "$T1" "$src_max" >"$TMP/t1.dump"
t "every row of every table, with its id" cmp -s "$TMP/src.dump" \
    "$TMP/t1.dump"
t "the target's own init row replaced; one row records the copy" eq \
    "$(sqlite3 -readonly "$T1" "SELECT count(*) || '|' || max(id) || '|' ||
       (SELECT action || '|' || detail FROM audit ORDER BY id DESC LIMIT 1)
       FROM audit")" "$((src_max + 1))|$((src_max + 1))|copy|from $DB"
t "the source is unchanged" eval '
    dump "$DB" | cmp -s - "$TMP/src.dump"'
export_json "$DB" "$TMP/src.json"
export_json "$T1" "$TMP/t1.json"
t "export --format json of both: identical" eval '
    [ -s "$TMP/src.json" ] && cmp -s "$TMP/src.json" "$TMP/t1.json"'
t "export: the state came along (locked, disabled, expiry)" jqf \
    'map(select(.name == "a@example.org"))[0].locked and
     map(select(.name == "b@example.org"))[0].disabled and
     map(select(.name == "c@example.net"))[0].expires == "2031-02-03"' \
    "$TMP/t1.json"
mu_in 'Copy pw three 3
' -d "$T1" user add --force --password-stdin new@example.org
t "the copy is a working store: a new user gets the next id" eq \
    "$(sqlite3 -readonly "$T1" "SELECT id FROM users WHERE name = 'new@example.org'")" \
    "$(($(sq "SELECT max(id) FROM users") + 1))"
t "a copied hash verifies" verifies "Copy pw two 2" \
    "$(sqlite3 -readonly "$T1" "SELECT hash FROM users
       WHERE name = 'hist@example.org'")"

# ---- refusals ---------------------------------------------------------------
cp "$T1" "$TMP/t1.before"
mu copy --to "$T1"
t "a target with users: refused with one clear message" one_error \
    "copy: .*copy1\.db holds users or domains already"
t "the refused target is unchanged" cmp -s "$T1" "$TMP/t1.before"
T2=$TMP/copy2.db
tool - -c "$CONF" -d "$T2" init
tool - -c "$CONF" -d "$T2" domain add only.example
mu copy --to "$T2"
t "a target with a domain only: refused" one_error "holds users or domains"
mu copy --to "$DB"
t "the source itself: refused" one_error "is the source store"
mu copy --to "$TMP/missing.db"
t "a target that does not exist: refused, nothing made" eval '
    [ "$rc" = 1 ] && [ ! -e "$TMP/missing.db" ]'
mu copy
t "copy without --to: usage error" eval '[ "$rc" = 2 ] &&
    err_has "copy: --to is required"'
mu copy --json --to "$T2"
t "copy --json is not an option: usage error" usage_error
mu copy --to "$T2" extra
t "copy with an argument: usage error" usage_error

# on a terminal: the progress, then the count
if command -v script >/dev/null 2>&1; then
	T3=$TMP/copy3.db
	tool - -c "$CONF" -d "$T3" init
	on_tty "$TMP/tty.out" "$BIN" -c "$CONF" copy --to "$T3"
	t "on a terminal: a last progress line with the rows and the time" \
	    eval '[ "$rc" = 0 ] && tty_has "^copy: [0-9,]+ rows in [0-9.]+ s" &&
	    grep -q "^copied 6 users" "$TMP/tty.out"'
else
	skip "on a terminal: the progress" "no script(1)"
fi

# ---- more rows than a page --------------------------------------------------
fresh
awk -v h="$H" 'BEGIN { for (i = 1; i <= 2500; i++)
	printf "p%05d@example.org:%s\n", i, h }' >"$TMP/many.pwd"
mu import --format pwdfile "$TMP/many.pwd"
T4=$TMP/copy4.db
tool - -c "$CONF" -d "$T4" init
mu copy --to "$T4"
t "2500 users (pages of 1000): all of them, every table alike" eval '
    succeeded && out_has "^copied 2500 users and 2 domains" &&
    dump "$DB" >"$TMP/m.dump" && dump "$T4" "$(sq "SELECT max(id) FROM audit")" |
    cmp -s - "$TMP/m.dump"'

# ---- SQLite to PostgreSQL and back -----------------------------------------
if [ ! -f "$ROOT/tests/lib/pg.sh" ]; then
	skip "SQLite to PostgreSQL and back (8 checks)" "no tests/lib/pg.sh"
	exit 0
fi
# a server of our own, whatever the caller runs: the copy needs an empty
# database; stopped at exit, with what lib.sh cleans up
. "$ROOT/tests/lib/pg.sh"
copy_cleanup() {
	pg_stop
	if command -v cleanup >/dev/null 2>&1; then
		cleanup
	else
		rm -rf "$TMP"
	fi
}
trap copy_cleanup EXIT
trap 'copy_cleanup; exit 1' HUP INT TERM
if ! pg_start 2>"$TMP/pg.err"; then
	skip "SQLite to PostgreSQL and back (8 checks)" \
	    "no PostgreSQL 15: $(head -1 "$TMP/pg.err")"
	exit 0
fi
# the first source again, with its rows of every kind
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$TMP/src.db" "$DB"
tool - -c "$CONF" -d "$PG_ADMIN_URL" init
t "mailuser-admin init of the PostgreSQL target" succeeded
mu copy --to "$PG_ADMIN_URL"
t "SQLite to PostgreSQL: exit 0" eval 'succeeded &&
    out_has "^copied 6 users and 3 domains to postgresql://mailuser_admin@"'
export_json "$PG_ADMIN_URL" "$TMP/pg.json"
export_json "$DB" "$TMP/src.json"
t "PostgreSQL: export --format json identical to the source's" eval '
    [ -s "$TMP/pg.json" ] && cmp -s "$TMP/src.json" "$TMP/pg.json"'
t "PostgreSQL: the identity sequences are past the copied ids" eq \
    "$(pg_psql_admin -Atc "SELECT bool_and(ok) FROM (
         SELECT nextval(pg_get_serial_sequence('users', 'id')) >
                (SELECT max(id) FROM users) AS ok UNION ALL
         SELECT nextval(pg_get_serial_sequence('audit', 'id')) >
                (SELECT max(id) FROM audit) UNION ALL
         SELECT nextval(pg_get_serial_sequence('recent_failures', 'id')) >
                (SELECT max(id) FROM recent_failures)) x")" t
T5=$TMP/back.db
tool - -c "$CONF" -d "$T5" init
tool - -c "$CONF" -d "$PG_ADMIN_URL" copy --to "$T5"
t "PostgreSQL back to SQLite: exit 0" eval 'succeeded &&
    out_has "^copied 6 users and 3 domains to "'
dump "$T5" "$src_max" >"$TMP/back.dump"
t "round trip: every row of every table, with its id, texts unchanged" \
    cmp -s "$TMP/src.dump" "$TMP/back.dump"
export_json "$T5" "$TMP/back.json"
t "round trip: export --format json identical" cmp -s "$TMP/src.json" \
    "$TMP/back.json"
tool - -c "$CONF" copy --to "$PG_ADMIN_URL"
t "a PostgreSQL target with users: refused" one_error \
    "holds users or domains already"

if grep -q 'Sanitizer' "$TMP/allerr"; then
	echo "not ok - no sanitizer report"
fi
exit 0
