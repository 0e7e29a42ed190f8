#!/bin/sh
# The brute-force commands of mailuser-admin against counters made by the
# real module: failures, unlock, user lock and user unlock, stats.  Logins
# go through libpam with build/pamtry and a service file in a temporary
# directory (pam_start_confdir).  Run as:
#   sh tests/cli/test_lockout_cli.sh BUILD
# The module and pamtry always come from build/ (a sanitizer build of the
# module cannot be loaded by a program built without the sanitizer); the
# tool comes from BUILD.  Prints TAP-style lines and exits 0.
# MU_TEST_DB=pg runs it on PostgreSQL (see lib.sh), the module logging in
# as the auth role of sql/postgresql/roles.sql.
set -u

. "$(dirname "$0")/lib.sh"
pam_setup
service source deny=3
service total deny=100 deny_total=4 unlock_time=0

accepted() { pam_login "$@"; }
refused() { ! pam_login "$@"; }

GOOD='Right pw 1'
mu init
mu domain add example.org
apply_roles
printf '%s\n' "$GOOD" | "$BIN" -c "$CONF" user add --force --password-stdin \
    alice@example.org
t "the module accepts the right password" accepted source 192.0.2.9 "$GOOD"

# ---- one source ----------------------------------------------------------

for n in 1 2 3; do
	pam_login source 192.0.2.9 "Wrong $n"
done
t "after deny=3 failures the source is locked" \
    refused source 192.0.2.9 "$GOOD"
t "another source still logs in" accepted source 192.0.2.10 "$GOOD"
mu failures
t "failures: the source, the count and the lock" eval 'succeeded &&
    out_has "^USER +SOURCE +COUNT +FIRST FAILURE +LAST FAILURE +LOCKED UNTIL$" &&
    out_has "^alice@example\.org +192\.0\.2\.9 +3 +[0-9-]{10} [0-9:]{8} UTC +[0-9-]{10} [0-9:]{8} UTC +[0-9-]{10} [0-9:]{8} UTC$" &&
    [ "$(wc -l <"$TMP/out")" = 2 ]'
mu failures --json alice@example.org
t "failures --json" jqt 'length == 1 and .[0].user == "alice@example.org" and
    .[0].source == "192.0.2.9" and .[0].all_sources == false and
    .[0].count == 3 and .[0].locked == true and
    (.[0].locked_until | test("UTC$")) and
    (.[0].first_failure | test("UTC$")) and (.[0].last_failure | test("UTC$"))'
mu stats --json
t "stats: one user with a failure lock" jqt \
    '.locked == {"total": 1, "admin": 0, "failures": 1}'
mu unlock --source 192.0.2.10 alice@example.org
t "unlock --source of a source without counter: error" \
    one_error "no failures recorded for alice@example.org from 192.0.2.10"
mu unlock --source ::ffff:192.0.2.9 alice@example.org
t "unlock --source, the address spelled as IPv4-mapped IPv6" succeeded
mu failures --json
t "the counter is gone" jqt 'length == 0'
t "the source logs in again" accepted source 192.0.2.9 "$GOOD"
t "unlock --source is audited" eq "$(sq "SELECT account || '|' || detail
    FROM audit WHERE action = 'unlock'")" "alice@example.org|source 192.0.2.9"
# an IPv6 source is its /64: any address in it names the row
for w in 1 2 3; do refused source 2001:db8:1:2::5 "wrong $w"; done
mu failures --json
t "IPv6: the counter is the /64's" jqt \
    '.[0].source == "2001:db8:1:2::/64" and .[0].locked == true'
mu unlock --source 2001:db8:1:2::77 alice@example.org
t "unlock --source with another address of the /64" succeeded
mu failures --json
t "the /64's counter is gone" jqt 'length == 0'
# names not in the store are counted per source
refused source 198.51.100.99 "whatever" nobody@example.org
refused source 198.51.100.99 "whatever" nobody2@example.org
mu stats --json
t "stats: failures of unknown names, per source" jqt \
    '.unknown_name_failures == 2 and .unknown_name_sources == 1'

# ---- every source, until unlocked ----------------------------------------

pam_login total 192.0.2.11 "Bad 1"
pam_login total 192.0.2.11 "Bad 2"
pam_login total 192.0.2.12 "Bad 3"
pam_login total 192.0.2.12 "Bad 4"
t "deny_total=4: a fifth source is refused too" \
    refused total 192.0.2.13 "$GOOD"
mu failures alice@example.org
t "failures: the all-sources row, locked until unlocked" eval 'succeeded &&
    out_has "^alice@example\.org +\(all sources\) +4 .* until unlocked$" &&
    out_has "^alice@example\.org +192\.0\.2\.11 +2 " &&
    out_has "^alice@example\.org +192\.0\.2\.12 +2 "'
mu failures --json
t "failures --json: all_sources, locked_until \"until unlocked\"" jqt \
    '.[0].source == "" and .[0].all_sources == true and .[0].count == 4 and
     .[0].locked_until == "until unlocked" and .[0].locked == true and
     length == 3'
t "the module remembered the wrong passwords" eval \
    '[ "$(sq "SELECT count(*) FROM recent_failures")" -gt 0 ]'
mu unlock alice@example.org
t "unlock USER" succeeded
t "unlock USER removes every counter and the remembered passwords" eq \
    "$(sq "SELECT (SELECT count(*) FROM failures),
                  (SELECT count(*) FROM recent_failures)")" "0|0"
t "the user logs in again" accepted total 192.0.2.13 "$GOOD"
mu unlock alice@example.org
t "unlock of a user without counters is no error" succeeded
t "unlock USER is audited" eq "$(sq "SELECT detail FROM audit
    WHERE action = 'unlock' ORDER BY id DESC LIMIT 1")" "all sources, 0 rows"
mu unlock nobody@example.org
t "unlock of an unknown user" one_error "no such user"

# the all-sources row alone can be removed by its empty source
pam_login total 192.0.2.21 "Bad 5"
pam_login total 192.0.2.21 "Bad 6"
pam_login total 192.0.2.22 "Bad 7"
pam_login total 192.0.2.22 "Bad 8"
mu unlock --source '' alice@example.org
t "unlock --source '' removes the all-sources row" eval 'succeeded &&
    [ "$(sq "SELECT count(*) FROM failures WHERE source = '"''"'")" = 0 ] &&
    [ "$(sq "SELECT count(*) FROM failures")" = 2 ]'
t "then a source below deny logs in" accepted total 192.0.2.23 "$GOOD"
mu unlock alice@example.org

# ---- the administrator's lock --------------------------------------------

mu user lock alice@example.org
t "user lock without --reason: usage error" eval '[ "$rc" = 2 ]'
mu user lock --reason "$(printf 'bad\001')" alice@example.org
t "a reason with control characters is refused" one_error "control"
mu user lock --reason "left the company" alice@example.org
t "user lock --reason" succeeded
t "a locked user is refused with the right password" \
    refused source 192.0.2.30 "$GOOD"
mu user show alice@example.org
t "user show: the lock and its reason" \
    out_has '^admin lock: +yes, since [0-9-]{10} [0-9:]{8} UTC: left the company$'
mu user show --json alice@example.org
t "user show --json: the lock" jqt \
    '.locked == true and .lock_reason == "left the company"'
mu stats --json
t "stats: one admin lock" jqt '.locked == {"total": 1, "admin": 1, "failures": 0}'
mu user lock --reason "second reason" alice@example.org
t "locking again replaces the reason, keeps the time" eval 'succeeded &&
    [ "$(sq "SELECT lock_reason FROM users")" = "second reason" ]'
mu failures --json
t "an admin lock: the right password is refused and counted like a wrong one" \
    jqt 'length == 1 and .[0].count == 1'
mu user unlock alice@example.org
t "user unlock" succeeded
t "the user logs in again after user unlock" accepted source 192.0.2.30 "$GOOD"
mu user unlock alice@example.org
t "user unlock of a user who is not locked" one_error "not locked"
mu user lock --reason x nobody@example.org
t "user lock of an unknown user" one_error "no such user"
t "lock and unlock are audited with the reason" eq \
    "$(sq_join , "SELECT action || ':' || coalesce(detail, '') FROM audit
           WHERE action IN ('user lock', 'user unlock') ORDER BY id")" \
    "user lock:left the company,user lock:second reason,user unlock:"
mu failures nobody@example.org
t "failures of an unknown user" one_error "no such user"

t "no sanitizer report in any run" eval \
    '! grep -Eq "Sanitizer|runtime error:" "$TMP/allerr"'
exit 0
