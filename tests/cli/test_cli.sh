#!/bin/sh
# Tests of mailuser-admin, run as: sh tests/cli/test_cli.sh BUILD_DIR
#
# Prints one TAP-style line per check ("ok - ..." or "not ok - ...",
# diagnostics on "#" lines) and exits 0 whatever the results: the runner
# counts the lines.  Needs root (init sets groups), sqlite3, jq, mandoc,
# perl (its crypt() verifies hashes), and script(1) and setpriv(1) for the
# terminal and unprivileged cases.  MU_TEST_DB=pg runs it on PostgreSQL
# (see lib.sh); the checks of SQLite files are skipped there.
set -u

. "$(dirname "$0")/lib.sh"

# ---- command line --------------------------------------------------------

tool -
t "no command: usage on stderr, exit 2" usage_error

BS=$(printf '\b')
mandoc -Tascii "$ROOT/doc/mailuser-admin.8" 2>/dev/null | sed "s/.$BS//g" |
    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
    tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//' >"$TMP/man.syn"
sed 's/^usage://' "$TMP/err" | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//' \
    >"$TMP/usage.syn"
t "usage() mirrors the man page SYNOPSIS" \
    cmp -s "$TMP/man.syn" "$TMP/usage.syn"

mu frobnicate
t "unknown command: exit 2" usage_error
mu user frobnicate x@example.org
t "unknown user command: exit 2" usage_error
mu user add
t "user add without a name: exit 2" usage_error
mu user show a@example.org b@example.org
t "user show with two names: exit 2" usage_error
mu domain list --password-stdin
t "option not allowed for the command: exit 2" usage_error
mu user expire a@example.org
t "user expire without a date: exit 2" usage_error

err_run "-c with a missing file is an error" "nonexistent" \
    -c "$TMP/nonexistent.conf" domain list
printf 'db = %s\nfrobnicate = 1\n' "$DB" >"$TMP/unknown.conf"
chmod 0600 "$TMP/unknown.conf"
tool - -c "$TMP/unknown.conf" domain list
t "unknown configuration key is an error" one_error 'unknown option'
cp "$CONF" "$TMP/gw.conf"
chmod 0620 "$TMP/gw.conf"
tool - -c "$TMP/gw.conf" domain list
t "group-writable configuration file is refused" one_error 'writable'

# ---- init ----------------------------------------------------------------

if on_pg; then
	mu init --group mail
	t "init --group on PostgreSQL: refused, it is for a file" eval \
	    '[ "$rc" = 2 ] && err_has "are for an SQLite file"'
	mu init --mode 0600
	t "init --mode on PostgreSQL: refused, it is for a file" eval \
	    '[ "$rc" = 2 ] && err_has "are for an SQLite file"'
	t "refused init created no table" eq \
	    "$(sq "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
	mu init
	t "init of an empty database" eval '[ "$rc" = 0 ] && [ ! -s "$TMP/out" ]'
	t "schema applied (application_id, schema_version)" eq \
	    "$(sq 'SELECT application_id, schema_version FROM mailuser_meta')" \
	    "1296848211|3"
	before=$(sq "SELECT count(*) FROM audit")
	err_run "second init is refused" "already holds a mailuser store" init
	t "refused init left the store alone" eq \
	    "$(sq "SELECT count(*) FROM audit")" "$before"
	skip "init: groups, modes, WAL, directories, stale -wal files" "SQLite file"
else
mu init --group mail --mode 0660
t "init --group mail --mode 0660" eval '[ "$rc" = 0 ] && [ ! -s "$TMP/out" ]'
t "init warns that the group cannot write the directory" \
    grep -q "$TMP is not writable by the group" "$TMP/err"
t "database is root:mail 0660" stat_is "$DB" "660 root mail"
t "-wal pre-created root:mail 0660" stat_is "$DB-wal" "660 root mail"
t "-shm pre-created root:mail 0660" stat_is "$DB-shm" "660 root mail"
t "schema applied (application_id, user_version)" \
    eq "$(sq 'PRAGMA application_id; PRAGMA user_version;' | tr '\n' ' ')" \
    "1296848211 3 "
t "database is in WAL mode" eq "$(sq 'PRAGMA journal_mode')" wal

before=$(cksum <"$DB")
err_run "second init is refused" "already exists" init --group mail
t "refused init left the database alone" eq "$(cksum <"$DB")" "$before"

err_run "init --mode 0666 is refused" "--mode" -d "$TMP/m.db" init --mode 0666
err_run "init --mode 0755 is refused" "--mode" -d "$TMP/m.db" init --mode 0755
err_run "init --group with an unknown group is refused" "no such group" \
    -d "$TMP/m.db" init --group no-such-group-xyz
t "refused init created no file" eq "$(ls "$TMP" | grep -c '^m\.db')" 0

ok_run "init into a missing directory" -d "$TMP/sub/s.db" init --group mail
t "directory made by init is root:mail 2770" stat_is "$TMP/sub" \
    "2770 root mail"
ok_run "init without --group" -d "$TMP/own.db" init
t "without --group the database is 0600 root:root" stat_is "$TMP/own.db" \
    "600 root root"
t "without --group the -wal file is 0600 root:root" stat_is \
    "$TMP/own.db-wal" "600 root root"

: >"$TMP/stale.db-wal"
err_run "init refuses a stale -wal file" "stale.db-wal.*exists" \
    -d "$TMP/stale.db" init
t "init refusing a stale -wal created no database" test ! -e "$TMP/stale.db"
err_run "init in a directory two levels down fails" "" \
    -d "$TMP/no/such/x.db" init
t "failed init left nothing behind" test ! -e "$TMP/no"
fi

# ---- check ---------------------------------------------------------------

mu check
t "check of a new store: OK, exit 0" eval '[ "$rc" = 0 ] &&
    out_has "^verdict: OK$" && ! out_has "^PROBLEM"'
if on_pg; then
	t "check names the PostgreSQL store, without its password" eval \
	    'out_has "^store +postgresql://mailuser_admin@127\.0\.0\.1:$PG_PORT/mailuser" &&
	     out_lacks "$PG_ADMIN_PW"'
	skip "check of the file's mode, its -wal file, a text file" \
	    "SQLite file"
else
chmod 0666 "$DB"
mu check
t "check of a mode 0666 store: PROBLEMS, exit 1" eval '[ "$rc" = 1 ] &&
    out_has "^PROBLEM: .*mode 0666" && out_has "^verdict: PROBLEMS"'
chmod 0660 "$DB"
chmod 0600 "$DB-wal"
mu check
t "check notices a -wal file whose mode differs" eval '[ "$rc" = 1 ] &&
    out_has "^PROBLEM: .*-wal: owner, group or mode differs"'
chmod 0660 "$DB-wal"
mu check
t "check is OK again after the repair" eval '[ "$rc" = 0 ] &&
    out_has "^verdict: OK$"'
tool - -c "$CONF" -d "$TMP/missing.db" check
t "check of a missing store: PROBLEMS, exit 1" eval '[ "$rc" = 1 ] &&
    out_has "^verdict: PROBLEMS"'
printf 'this is not a database, just some text that is long enough\n' \
    >"$TMP/text.db"
chmod 0600 "$TMP/text.db"
tool - -c "$CONF" -d "$TMP/text.db" check
t "check of a text file: PROBLEMS, exit 1" eval '[ "$rc" = 1 ] &&
    out_has "^verdict: PROBLEMS"'
fi

# ---- store errors --------------------------------------------------------

if on_pg; then
	# nothing listens on port 1 of 127.0.0.1
	err_run "unreachable server: one clear error" "127\.0\.0\.1" \
	    -d "postgresql://mailuser_admin@127.0.0.1:1/mailuser?connect_timeout=2" \
	    domain list
	mu -d "postgresql://mailuser_admin:Wrong-pw-4@127.0.0.1:$PG_PORT/mailuser?sslmode=disable" \
	    domain list
	t "wrong database password: one clear error, without the password" \
	    eval 'one_error "password authentication failed" &&
	    ! grep -q "Wrong-pw-4" "$TMP/err"'
	mu -d "$PG_ADMIN_URL&dbname=postgres" domain list
	t "a database without a store: one clear error" \
	    one_error "not a mailuser store"
	printf 'db = %s\n' "$PG_ADMIN_URL" >"$TMP/pub.conf"
	chmod 0644 "$TMP/pub.conf"
	tool - -c "$TMP/pub.conf" domain list
	t "a configuration holding a password, readable by others: refused" \
	    one_error "holds a database password and is readable by others"
	skip "a missing, text, directory, symlinked, foreign or unreadable store" \
	    "SQLite file"
else
err_run "missing store: one clear error" "missing\.db.*No such file" \
    -d "$TMP/missing.db" domain list
err_run "not-a-database file: one clear error" "text\.db" \
    -d "$TMP/text.db" domain list
mkdir "$TMP/dir.db"
err_run "store that is a directory: one clear error" "not a regular file" \
    -d "$TMP/dir.db" domain list
ln -s "$DB" "$TMP/link.db"
err_run "store that is a symlink: refused" "symbolic link" \
    -d "$TMP/link.db" domain list
sqlite3 "$TMP/plain.db" 'CREATE TABLE t (x); PRAGMA user_version = 1;'
err_run "SQLite file of another application: refused" "application_id" \
    -d "$TMP/plain.db" domain list

if command -v setpriv >/dev/null 2>&1; then
	chmod 0711 "$TMP"
	cp "$BIN" "$TMP/mailuser-admin"
	printf 'db = %s\n' "$DB" >"$TMP/pub.conf"
	chmod 0644 "$TMP/pub.conf"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$TMP/mailuser-admin" -c "$TMP/pub.conf" domain list \
	    </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	cat "$TMP/err" >>"$TMP/allerr"
	t "store unreadable for the caller: one clear error" one_error \
	    "mail\.db.*(unable to open|denied)"
	chmod 0700 "$TMP"
else
	skip "store unreadable for the caller" "no setpriv"
fi
fi

# ---- domains -------------------------------------------------------------

ok_run "domain add (mixed case)" domain add Example.ORG
mu domain list
t "domain list shows the lowercased domain" out_has '^example\.org +0 +enabled'
err_run "domain add of an existing domain is refused" "already exists" \
    domain add example.org
err_run "domain add of a bad name is refused" "invalid domain" \
    domain add 'bad_domain!'
ok_run "domain add of a UTF-8 domain" domain add 'bücher.example'
mu domain list --json
t "domain list --json parses, the UTF-8 domain as its A-label" jqt \
    'length == 2 and .[1].name == "xn--bcher-kva.example" and
     .[0].name == "example.org" and .[0].disabled == false and
     .[0].users == 0 and (.[0].created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$"))'
ok_run "domain disable" domain disable example.org
mu domain list --json
t "domain list --json shows it disabled" jqt \
    '.[] | select(.name == "example.org") | .disabled == true'
ok_run "domain enable" domain enable example.org
mu domain list --json
t "domain list --json shows it enabled" jqt \
    '.[] | select(.name == "example.org") | .disabled == false'
err_run "domain disable of an unknown domain" "no such domain" \
    domain disable nowhere.example
err_run "domain del of an unknown domain" "no such domain" \
    domain del nowhere.example
ok_run "domain del of an empty domain" domain del bücher.example
mu domain list --json
t "deleted domain is gone" jqt 'length == 1 and .[0].name == "example.org"'
if on_pg; then
	skip "-wal and -shm survive the tool's close" "SQLite file"
else
	t "-wal and -shm survive the tool's close" eval \
	    'stat_is "$DB-wal" "660 root mail" && stat_is "$DB-shm" "660 root mail"'
fi

# ---- users ---------------------------------------------------------------

mu_in 'Secret-pw 1
' user add --password-stdin bob@example.org
t "user add --password-stdin" succeeded
h=$(sq "SELECT hash FROM users WHERE name = 'bob@example.org'")
t "stored hash is sha512crypt (\$6\$)" eval 'case $h in "\$6\$"*) true;; *) false;; esac'
t "stored hash verifies the password" verifies 'Secret-pw 1' "$h"
t "the newline was not part of the password" eval '! verifies "Secret-pw 1
" "$h"'
t "pw_changed and created are set to now" eval \
    '[ $(( $(date +%s) - $(sq "SELECT pw_changed FROM users") )) -lt 60 ] &&
     [ "$(sq "SELECT count(*) FROM users WHERE created = pw_changed")" = 1 ]'

mu_in 'x
' user add --password-stdin bob@example.org
t "user add of an existing user is refused" one_error "already exists"
mu_in 'x
' user add --password-stdin 'a b@example.org'
t "user add of a bad name is refused" one_error 'invalid user name'
mu_in 'x
' user add --password-stdin 'a@b@example.org'
t "user add of a name with two @ is refused" one_error "more than one '@'"
mu_in 'x
' user add --password-stdin 'x@unknown.example'
t "user add in an unknown domain is refused" one_error "no such domain"
mu_in 'x
' user add --password-stdin bare
t "bare name without default_domain is refused" one_error "default_domain"
mu_in 'Other-Tarn-pw 7
' user add --password-stdin 'Dave@EXAMPLE.org'
t "user add of a mixed-case name" succeeded
t "the name is stored in canonical form" \
    eq "$(sq "SELECT count(*) FROM users WHERE name = 'dave@example.org'")" 1

cp "$CONF" "$TMP/dd.conf"
echo "default_domain = example.org" >>"$TMP/dd.conf"
tool 'Plume-Vetch-pw 7
' -c "$TMP/dd.conf" user add --password-stdin carol
t "bare name gets default_domain" eval 'succeeded &&
    [ "$(sq "SELECT count(*) FROM users WHERE name = '"'carol@example.org'"'")" = 1 ]'

mu_in '' user add --password-stdin empty@example.org
t "empty password is refused" one_error "empty password"
long=$(printf '%0600d' 0)
mu_in "$long
" user add --password-stdin long@example.org
t "password over 511 bytes is refused" one_error "longer than 511"
mu_in "$long
" user add --force --password-stdin long@example.org
t "--force does not allow an over-long password" one_error "longer than 511"
t "refused passwords created no user" \
    eq "$(sq "SELECT count(*) FROM users WHERE name LIKE 'empty@%' OR
              name LIKE 'long@%'")" 0
printf 'nul\000byte\n' >"$TMP/nulpw"
mu user add --password-file "$TMP/nulpw" nul@example.org
t "a password with a NUL byte is refused" one_error "NUL byte"
mu user add --password-file /dev/null nul@example.org
t "an empty password file is refused" one_error "empty password"
printf 'File pw\nsecond line\n' >"$TMP/pwfile"
mu user add --password-file "$TMP/pwfile" --force eve@example.org
t "user add --password-file --force" succeeded
t "only the file's first line is the password" verifies 'File pw' \
    "$(sq "SELECT hash FROM users WHERE name = 'eve@example.org'")"
err_run "missing --password-file is an error" "nonexistent" \
    user add --password-file "$TMP/nonexistent" frank@example.org
mu user add --password-stdin --password-file "$TMP/pwfile" frank@example.org
t "--password-stdin with --password-file: exit 2" eval '[ "$rc" = 2 ]'

# There is no option that takes a password.
mu user add --password=Secret frank@example.org
t "--password=... is not an option" usage_error
mu user add -p Secret frank@example.org
t "-p is not an option" usage_error
mu user add frank@example.org Secret
t "a password as an extra argument is refused" usage_error
t "none of them created the user" \
    eq "$(sq "SELECT count(*) FROM users WHERE name = 'frank@example.org'")" 0
tool -
t "usage lists no option that takes a password" eval \
    '[ "$(grep -o -- "--password[a-z-]*" "$TMP/err" | sort -u | tr "\n" " ")" = \
      "--password-file --password-stdin " ]'

if command -v setsid >/dev/null 2>&1; then
	setsid -w "$BIN" -c "$CONF" user add frank@example.org </dev/null \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	cat "$TMP/err" >>"$TMP/allerr"
	t "without a terminal the prompt fails clearly" one_error "no terminal"
else
	skip "without a terminal the prompt fails clearly" "no setsid"
fi

if command -v script >/dev/null 2>&1; then
	(sleep 1; printf 'Tty-Knoll-pw 9\n'; sleep 1; printf 'Tty-Knoll-pw 9\n') |
	    timeout 30 script -qec "'$BIN' -c '$CONF' user add gina@example.org" \
	    /dev/null >"$TMP/out" 2>&1
	rc=$?
	t "prompt on the terminal, asked twice" eval '[ "$rc" = 0 ] &&
	    [ "$(grep -c "password" "$TMP/out")" = 2 ]'
	t "the password is not echoed" out_lacks 'Tty-Knoll-pw 9'
	t "the prompted password is stored" verifies 'Tty-Knoll-pw 9' \
	    "$(sq "SELECT hash FROM users WHERE name = 'gina@example.org'")"
	(sleep 1; printf 'one\n'; sleep 1; printf 'two\n') |
	    timeout 30 script -qec "'$BIN' -c '$CONF' user add hal@example.org" \
	    /dev/null >"$TMP/out" 2>&1
	rc=$?
	t "different answers are refused" eval '[ "$rc" = 1 ] &&
	    out_has "passwords do not match" &&
	    [ "$(sq "SELECT count(*) FROM users WHERE name = '"'hal@example.org'"'")" = 0 ]'
else
	skip "prompt on the terminal" "no script(1)"
fi

mu user show bob@example.org
t "user show" eval 'succeeded && out_has "^name: +bob@example\.org$" &&
    out_has "^domain: +example\.org$" &&
    out_has "^hash method: +sha512crypt$" && out_has "^disabled: +no$" &&
    out_has "^account expires: +never$" &&
    out_has "^password changed: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$" &&
    out_has "^forced change: +no$" && out_has "^admin lock: +no$"'
t "user show never prints the hash" out_lacks '$6$'
mu user show BOB@Example.ORG
t "user show finds a name given in another case" out_has '^name: +bob@example'
mu user show --json bob@example.org
t "user show --json" jqt '.name == "bob@example.org" and
    .domain == "example.org" and .hash_method == "sha512crypt" and
    .disabled == false and .domain_disabled == false and .expires == null and
    .force_change == false and .locked == false and .lock_reason == null and
    (.password_changed | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$"))'
t "user show --json never prints the hash" out_lacks '$6$'
err_run "user show of an unknown user" "no such user" \
    user show nobody@example.org
mu user list
t "user list" eval 'succeeded && out_has "^bob@example\.org +active +never$" &&
    out_has "^dave@example\.org "'
mu user list --json example.org
t "user list --json DOMAIN" jqt \
    '[.[].name] == ["bob@example.org", "carol@example.org",
                   "dave@example.org", "eve@example.org", "gina@example.org"]'
err_run "user list of an unknown domain" "no such domain" \
    user list nowhere.example

ok_run "user disable" user disable bob@example.org
mu user show --json bob@example.org
t "user show --json: disabled" jqt '.disabled == true'
mu user list --json
t "user list --json: state disabled" jqt \
    '.[] | select(.name == "bob@example.org") | .state == "disabled"'
ok_run "user enable" user enable bob@example.org
mu user show --json bob@example.org
t "user show --json: enabled" jqt '.disabled == false'
err_run "user disable of an unknown user" "no such user" \
    user disable nobody@example.org
err_run "user enable of a bad name" "invalid user name" user enable 'a b'
# An admin lock (set here directly, not with "user lock", which refuses
# such a reason) with a reason holding quotes, a backslash, control bytes
# and invalid UTF-8 (not on PostgreSQL: a UTF-8 database refuses it).
if on_pg; then
	sqw "UPDATE users SET locked_at = 1700000000,
	     lock_reason = 'say \"hi\"\\ $NL $(printf '\001') end'
	     WHERE name = 'bob@example.org'"
	mu user show --json bob@example.org
	t "user show --json escapes strings (quotes, controls)" jqt \
	    '.locked == true and .locked_at == "2023-11-14 22:13:20 UTC" and
	     .lock_reason == "say \"hi\"\\ \n \u0001 end"'
else
sqw "UPDATE users SET locked_at = 1700000000,
     lock_reason = CAST(X'73617920226869225C200A200120FF20656E64' AS TEXT)
     WHERE name = 'bob@example.org'"
mu user show --json bob@example.org
t "user show --json escapes strings (quotes, controls, bad UTF-8)" jqt \
    '.locked == true and .locked_at == "2023-11-14 22:13:20 UTC" and
     .lock_reason == "say \"hi\"\\ \n \u0001 \ufffd end"'
fi
mu user show bob@example.org
t "user show: admin lock" out_has '^admin lock: +yes, since 2023-11-14 22:13:20 UTC'
mu user list --json
t "user list --json: state locked" jqt \
    '.[] | select(.name == "bob@example.org") | .state == "locked" and .locked'
sqw "UPDATE users SET locked_at = NULL, lock_reason = NULL"
ok_run "domain disable with users" domain disable example.org
mu user show --json bob@example.org
t "user show --json: domain disabled" jqt '.domain_disabled == true'
mu domain enable example.org

ok_run "user expire DATE" user expire bob@example.org 2030-01-01
t "expiry stored as 00:00 UTC of the date" \
    eq "$(sq "SELECT expires FROM users WHERE name = 'bob@example.org'")" \
    1893456000
mu user show --json bob@example.org
t "user show --json: expires" jqt '.expires == "2030-01-01" and .expired == false'
mu user show bob@example.org
t "user show: expires" out_has '^account expires: +2030-01-01$'
ok_run "user expire never" user expire bob@example.org never
t "never clears the expiry" \
    eq "$(sq "SELECT count(*) FROM users WHERE name = 'bob@example.org' AND
              expires IS NULL")" 1
ok_run "user expire with a past date" user expire dave@example.org 2001-02-03
mu user list --json
t "user list --json: state expired" jqt \
    '.[] | select(.name == "dave@example.org") |
     .state == "expired" and .expired == true and .expires == "2001-02-03"'
for d in 2030-02-30 2030-13-01 2030-00-10 2030-1-1 30-01-01 tomorrow \
    2030-01-01x 1969-12-31 ''; do
	err_run "bad date \"$d\" is refused" "invalid date" \
	    user expire bob@example.org "$d"
done
t "bad dates changed nothing" \
    eq "$(sq "SELECT count(*) FROM users WHERE name = 'bob@example.org' AND
              expires IS NULL")" 1
err_run "user expire of an unknown user" "no such user" \
    user expire nobody@example.org 2030-01-01

sqw "UPDATE users SET pw_changed = 0 WHERE name = 'bob@example.org'"
printf 'New-Whelk-pw 2\n' >"$TMP/pwfile2"
ok_run "user passwd --password-file" user passwd --password-file \
    "$TMP/pwfile2" bob@example.org
h=$(sq "SELECT hash FROM users WHERE name = 'bob@example.org'")
t "new hash verifies the new password" verifies 'New-Whelk-pw 2' "$h"
t "new hash does not verify the old password" eval '! verifies "Secret-pw 1" "$h"'
t "user passwd sets pw_changed" eval \
    '[ "$(sq "SELECT count(*) FROM users WHERE name = '"'bob@example.org'"' AND
              pw_changed > 0")" = 1 ]'
mu_in 'x
' user passwd --password-stdin nobody@example.org
t "user passwd of an unknown user" one_error "no such user"
mu_in '' user passwd --password-stdin bob@example.org
t "user passwd refuses an empty password" one_error "empty password"
t "refused passwd kept the hash" \
    eq "$(sq "SELECT hash FROM users WHERE name = 'bob@example.org'")" "$h"

# ---- deleting ------------------------------------------------------------

err_run "domain del with users is refused" "still has .* users" \
    domain del example.org
sqw "INSERT INTO pw_history (user_id, hash, changed)
     SELECT id, 'x', 0 FROM users WHERE name = 'bob@example.org'"
ok_run "user del" user del bob@example.org
t "user del removed the user and its history" eval \
    '[ "$(sq "SELECT (SELECT count(*) FROM users WHERE name = '"'bob@example.org'"'),
              (SELECT count(*) FROM pw_history)" )" = "0|0" ]'
err_run "user del of an unknown user" "no such user" user del bob@example.org
for u in carol dave eve gina; do
	mu user del "$u@example.org"
done
ok_run "domain del once it is empty" domain del example.org

t "changes are audited" eq "$(sq "SELECT count(*) FROM audit WHERE
    tool = 'mailuser-admin' AND action = 'user add'")" 5
t "the audit table holds no hash" \
    eq "$(sq "SELECT count(*) FROM audit WHERE coalesce(detail, '') LIKE '%\$%'")" 0

# ---- busy store ----------------------------------------------------------

if on_pg; then
	skip "a locked store gives one clear error" "SQLite file"
else
printf 'db = %s\nbusy_timeout = 100\n' "$DB" >"$TMP/busy.conf"
chmod 0600 "$TMP/busy.conf"
(printf 'BEGIN IMMEDIATE;\n'; sleep 3; printf 'COMMIT;\n') |
    sqlite3 "$DB" >/dev/null 2>&1 &
holder=$!
sleep 1
tool - -c "$TMP/busy.conf" domain add busy.example
t "a locked store gives one clear error" one_error "busy"
wait "$holder"
fi

# ---- hash ----------------------------------------------------------------

mu_in 'Hash-Drab-pw 5
' hash --password-stdin
h=$(cat "$TMP/out")
t "hash: sha512crypt from the configuration" eval 'succeeded &&
    case $h in "\$6\$"*) true;; *) false;; esac'
t "hash: output verifies" verifies 'Hash-Drab-pw 5' "$h"
mu_in 'Hash-Drab-pw 5
' hash --method yescrypt --password-stdin
h=$(cat "$TMP/out")
t "hash --method yescrypt" eval 'succeeded &&
    case $h in "\$y\$"*) true;; *) false;; esac'
t "hash --method yescrypt: output verifies" verifies 'Hash-Drab-pw 5' "$h"
mu_in 'Hash-Drab-pw 5
' hash --method bcrypt --cost 4 --password-stdin
h=$(cat "$TMP/out")
t "hash --method bcrypt --cost 4" eval 'succeeded &&
    case $h in "\$2b\$04\$"*) true;; *) false;; esac'
t "hash --method bcrypt: output verifies" verifies 'Hash-Drab-pw 5' "$h"
mu_in 'Hash-Drab-pw 5
' hash --method md5 --password-stdin
t "hash --method of an unknown method is refused" one_error "unknown hash method"
mu_in 'Hash-Drab-pw 5
' hash --cost 5 --password-stdin
t "hash --cost out of range is refused" one_error "out of range"
mu_in '' hash --password-stdin
t "hash of an empty password is refused" one_error "empty password"

# ---- international names -------------------------------------------------

# bytes spelled out: NFC e-acute, its NFD form, u-umlaut, Cyrillic a
NFC_JOSE=$(printf 'jos\303\251')
NFD_JOSE=$(printf 'Jose\314\201')
BUCHER=$(printf 'b\303\274cher.example')
BUCHER_UP=$(printf 'B\303\234CHER.example')
CYR_ALICE=$(printf '\320\260lice')

ok_run "domain add of a U-label domain" domain add "$BUCHER"
mu domain list
t "domain list shows its A-label" out_has '^xn--bcher-kva\.example +0 +enabled'
err_run "the upper-case U-label is the same domain" "already exists" \
    domain add "$BUCHER_UP"
err_run "the A-label is the same domain" "already exists" \
    domain add XN--BCHER-KVA.example
err_run "domain add of a bad A-label is refused" \
    'invalid domain .*invalid A-label' domain add xn--zz.example
err_run "domain add of an emoji domain is refused" \
    'invalid domain .*not allowed in an internationalised domain' \
    domain add "$(printf '\360\237\230\200.example')"
mu_in 'Secret-pw 1
' user add --password-stdin "$NFC_JOSE@$BUCHER"
t "user add of a UTF-8 local part without utf8_local is refused" \
    one_error 'invalid user name .*utf8_local is off'

cp "$CONF" "$TMP/u8.conf"
printf 'utf8_local = yes\n' >>"$TMP/u8.conf"
chmod 0600 "$TMP/u8.conf"
tool 'Secret-pw 1
' -c "$TMP/u8.conf" user add --password-stdin "$NFD_JOSE@$BUCHER_UP"
t "utf8_local: user add of an NFD name" succeeded
tool - -c "$TMP/u8.conf" user list --json
t "utf8_local: stored as NFC, lowercased, with the A-label" \
    jqt ".[] | select(.name == \"$NFC_JOSE@xn--bcher-kva.example\")"
tool 'Secret-pw 1
' -c "$TMP/u8.conf" user add --password-stdin "$NFC_JOSE@$BUCHER"
t "utf8_local: the NFC name is the same user" one_error "already exists"
tool 'Secret-pw 1
' -c "$TMP/u8.conf" user add --password-stdin "$CYR_ALICE@$BUCHER"
t "utf8_local: a Cyrillic a in a Latin name is refused" \
    one_error 'invalid user name .*more than one script'
tool - -c "$TMP/u8.conf" user del "$NFD_JOSE@xn--bcher-kva.example"
t "utf8_local: user del by the NFD name and the A-label" succeeded
ok_run "domain del by the upper-case U-label" domain del "$BUCHER_UP"

# ---- sanitizers ----------------------------------------------------------

t "no sanitizer report in any run" eval \
    '! grep -Eq "Sanitizer|runtime error:" "$TMP/allerr"'

exit 0
