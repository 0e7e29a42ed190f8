#!/bin/sh
# mailuser-admin migrate: a store of schema 1 (tests/fixtures/schema-v1.sql,
# the schema as version 1 shipped it) is refused by the module and the
# other commands, then migrated to this build's version with its users,
# hashes and counters kept, and old wrong-password records removed.
#   sh tests/cli/test_migrate.sh BUILD
# MU_TEST_DB=pg runs it on PostgreSQL (see lib.sh), where stores start at
# version 2: there the version rules, and version 2 to 3.
set -u

. "$(dirname "$0")/lib.sh"

if on_pg; then
	fresh
	mu migrate
	t "migrate of a store of this build's version: nothing to do" eval \
	    'succeeded && out_has "schema version 3, nothing to do"'
	# version 2: the store without the sending limits' tables
	sqw "DROP TABLE send_counts; DROP TABLE user_limits;
	     DROP TABLE domain_limits;
	     UPDATE mailuser_meta SET schema_version = 2"
	mu migrate
	t "migrate: schema 2 to 3" eval \
	    'succeeded && out_has "schema version 2 to 3"'
	t "the sending limits' tables are there" eq \
	    "$(sq "SELECT count(*) FROM domain_limits;
	           SELECT count(*) FROM user_limits;
	           SELECT count(*) FROM send_counts")" "0
0
0"
	sqw "UPDATE mailuser_meta SET schema_version = 4"
	mu user list
	t "a newer store is refused" eval \
	    '[ "$rc" -ne 0 ] && err_has "schema version 4"'
	mu migrate
	t "a newer store is refused, by migrate too" eval \
	    '[ "$rc" -ne 0 ] && err_has "schema version 4, this build knows 3"'
	sqw "UPDATE mailuser_meta SET schema_version = 3,
	     application_id = 1234"
	mu user list
	t "a database of another application is refused" eval \
	    '[ "$rc" -ne 0 ] && err_has "application"'
	skip "migrate of a schema 1 store (tests/fixtures/schema-v1.sql)" \
	    "SQLite file"
	exit 0
fi
pam_setup
service mail

HASH=$(printf 'Right pw 1\n' | "$BIN" -c "$CONF" hash --force \
    --password-stdin)
umask 077
sqlite3 "$DB" "PRAGMA journal_mode=WAL;" >/dev/null
sqlite3 "$DB" <"$ROOT/tests/fixtures/schema-v1.sql"
sqlite3 "$DB" "INSERT INTO domains (name, created) VALUES ('example.org', 0);
INSERT INTO users (name, domain_id, hash, pw_changed, created)
    VALUES ('alice@example.org', 1, '$HASH', 0, 0);
INSERT INTO failures VALUES (1, '192.0.2.9', 2, 1, 1, NULL);
INSERT INTO recent_failures (user_id, digest, at)
    VALUES (1, '\$6\$rounds=1000\$salt\$wholecryptstringofawrongpassword', 1);"
t "a schema 1 store" eq "$(sq 'PRAGMA user_version')" 1

pam_login mail 192.0.2.40 'Right pw 1'
rc=$?
t "the module refuses it: PAM_AUTHINFO_UNAVAIL" eval \
    '[ $rc -ne 0 ] && grep -q "cannot retrieve" "$TMP/pam.out"'
mu user list
t "user list refuses it, naming migrate" one_error \
    'schema version 1 is older than this build.s \(3\): run "mailuser-admin migrate"'
mu migrate
t "migrate: schema 1 to 2 to 3" eval \
    'succeeded && out_has "schema version 1 to 2" &&
     out_has "schema version 2 to 3"'
t "the store is at version 3" eq "$(sq 'PRAGMA user_version')" 3
t "users, hashes and counters kept" eq \
    "$(sq "SELECT name || ' ' || (hash = '$HASH') FROM users;
           SELECT count FROM failures")" "alice@example.org 1
2"
t "old wrong-password records removed" eq \
    "$(sq 'SELECT count(*) FROM recent_failures')" 0
t "the new tables and columns are there" eq \
    "$(sq "SELECT count(*) FROM source_failures;
           SELECT count(*) FROM pragma_table_info('users')
           WHERE name = 'last_login';
           SELECT count(*) FROM domain_limits, user_limits, send_counts")" \
    "0
1
0"
t "an audit row for the migration" eq \
    "$(sq "SELECT detail FROM audit WHERE action = 'migrate' ORDER BY id")" \
    "schema 1 to 2
schema 2 to 3"
mu migrate
t "migrate again: nothing to do" eval \
    'succeeded && out_has "schema version 3, nothing to do"'
pam_login mail 192.0.2.40 'Right pw 1'
rc=$?
t "the module logs in on the migrated store" eq "$rc" 0
t "and records the login" eq \
    "$(sq 'SELECT last_login IS NOT NULL FROM users')" 1
sqlite3 "$DB" 'PRAGMA user_version = 4'
mu migrate
t "a newer store is refused, by migrate too" eval \
    '[ "$rc" -ne 0 ] && err_has "schema version 4, this build knows 3"'
if grep -q 'Sanitizer' "$TMP/allerr"; then
	echo "not ok - no sanitizer report"
fi
exit 0
