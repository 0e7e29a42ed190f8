#!/bin/sh
# The password policy commands of mailuser-admin: the quality checks of
# user add, user passwd and hash (and --force), user passwd as a change
# (history, forced change cleared), user force-change, user set and
# domain set, policy show, expiring and the aging lines of user show.
#   sh tests/cli/test_policy_cli.sh BUILD
# Prints TAP-style lines and exits 0.  MU_TEST_DB=pg runs it on
# PostgreSQL (see lib.sh).
set -u

. "$(dirname "$0")/lib.sh"
printf 'maxdays = 90\n' >>"$CONF"

# pw PASSWORD ARG...: the command with PASSWORD and a newline on stdin
pw() { _p=$1; shift; mu_in "$_p
" "$@"; }
hash_of() { sq "SELECT hash FROM users WHERE name = '$1'"; }
audits() { sq "SELECT count(*) FROM audit WHERE $1"; }

mu init
mu domain add example.org
mu domain add aged.example

# ---- quality checks --------------------------------------------------------

pw basketball user add --password-stdin ann@example.org
t "user add: a dictionary word is refused" \
    one_error 'ann@example.org: it is based on a dictionary word|dictionary word'
pw 'Xq7#pL2' user add --password-stdin ann@example.org
t "user add: a short password is refused" one_error 'shorter than the minimum'
pw 'my-Ann-9#Xqvw' user add --password-stdin ann@example.org
t "user add: the local part is refused" one_error 'contains the user name'
pw 'Zq9#example-Kv' user add --password-stdin ann@example.org
t "user add: the domain is refused" one_error 'contains the domain name'
t "refused passwords added no user" eq "$(sq "SELECT count(*) FROM users")" 0
pw 'Tq9!mirth-Vole' user add --password-stdin ann@example.org
t "user add: a good password" succeeded
pw basketball user add --force --password-stdin bea@example.org
t "user add --force: the checks are skipped" succeeded
t "and the audit row says so" eq "$(audits "action = 'user add' AND
    account = 'bea@example.org' AND detail LIKE '%--force%'")" 1
pw basketball hash --password-stdin
t "hash: the same checks" one_error 'dictionary word'
pw basketball hash --force --password-stdin
t "hash --force" succeeded
printf 'dictpath = /nonexistent/cracklib_dict\n' >>"$CONF"
pw 'Kb4$gravel-Ox1' user add --password-stdin cid@example.org
t "a missing dictionary refuses every new password" \
    one_error 'dictionary is missing or unreadable'
sed -i '/^dictpath/d' "$CONF"

# ---- user passwd: a change like pam_chauthtok's ------------------------------

sqw "UPDATE users SET force_change = 1 WHERE name = 'ann@example.org';
     INSERT INTO failures (user_id, source, count, first_fail, last_fail)
     SELECT id, '192.0.2.1', 2, 1, 1 FROM users
     WHERE name = 'ann@example.org'"
pw 'Tq9!mirth-Vole' user passwd --password-stdin ann@example.org
t "user passwd: the current password is refused" \
    one_error 'same as the current password'
for p in 'Kb4$gravel-Ox1' 'Jv3#Wren-Kiln88' 'Zr5-cobalt-Fern'; do
	pw "$p" user passwd --password-stdin ann@example.org
	[ "$rc" = 0 ] || diag
done
t "three changes" eq "$(sq "SELECT count(*) FROM pw_history h JOIN users u
    ON u.id = h.user_id WHERE u.name = 'ann@example.org'")" 3
pw 'Tq9!mirth-Vole' user passwd --password-stdin ann@example.org
t "user passwd: a remembered password is refused" one_error 'used recently'
t "the last password is stored" verifies 'Zr5-cobalt-Fern' \
    "$(hash_of ann@example.org)"
t "the forced change and the failure counters are cleared" eq \
    "$(sq "SELECT force_change + (SELECT count(*) FROM failures f
     WHERE f.user_id = u.id) FROM users u WHERE name = 'ann@example.org'")" 0
t "one audit row per change" eq "$(audits "action = 'user passwd' AND
    account = 'ann@example.org' AND tool = 'mailuser-admin'")" 3
pw 'Tq9!mirth-Vole' user passwd --force --password-stdin ann@example.org
t "user passwd --force: a remembered password" succeeded
t "its audit row says --force" eq "$(audits "action = 'user passwd' AND
    detail = 'quality checks skipped (--force)'")" 1
pw 'Kb4$gravel-Ox1' user passwd --password-stdin nosuch@example.org
t "user passwd of an unknown user" one_error 'no such user'

# ---- force-change, user set, domain set ------------------------------------

mu user force-change bea@example.org
t "user force-change" eval 'succeeded && [ "$(sq "SELECT force_change FROM
    users WHERE name = '"'bea@example.org'"'")" = 1 ] &&
    [ "$(audits "action = '"'user force-change'"'")" = 1 ]'
mu user force-change nosuch@example.org
t "user force-change of an unknown user" one_error 'no such user'
mu user set --max-days 30 --warn-days 5 bea@example.org
v=$(sq "SELECT max_days || '/' || warn_days || '/' ||
    coalesce(CAST(min_days AS TEXT), 'null') FROM users
    WHERE name = 'bea@example.org'")
t "user set --max-days --warn-days" eval 'succeeded && [ "$v" = 30/5/null ]'
t "user set: audit row with the values" eq "$(audits "action = 'user set'
    AND detail = 'max_days=30 warn_days=5'")" 1
mu user set --max-days inherit bea@example.org
t "user set --max-days inherit" eq "$(sq "SELECT
    coalesce(CAST(max_days AS TEXT), 'null') FROM users
    WHERE name = 'bea@example.org'")" null
mu user set --min-days -1 bea@example.org
t "a negative day count is refused" eval '[ "$rc" = 2 ] &&
    grep -q "expected a number of days" "$TMP/err"'
mu user set --grace-days 1000001 bea@example.org
t "a day count over 1000000 is refused" eval '[ "$rc" = 2 ]'
mu user set --max-days 10 --min-days x bea@example.org
t "nothing is written when one value is bad" eq "$(sq "SELECT
    coalesce(CAST(max_days AS TEXT), 'null') FROM users
    WHERE name = 'bea@example.org'")" null
mu user set bea@example.org
t "user set without an option: usage" usage_error
mu user set --json bea@example.org
t "user set --json: not an option of user set" usage_error
mu domain set --max-days 10 --grace-days 3 aged.example
v=$(sq "SELECT max_days || '/' || grace_days FROM domains
    WHERE name = 'aged.example'")
t "domain set" eval 'succeeded && [ "$v" = 10/3 ]'
mu domain set --max-days 10 nosuch.example
t "domain set of an unknown domain" one_error 'no such domain'

# ---- policy show -----------------------------------------------------------

mu policy show
t "policy show" eval 'succeeded && out_has "^maxdays +90$" &&
    out_has "^warndays +7$" && out_has "^minlen +10$" &&
    out_has "^remember +5$" && out_has "^dictpath .*\(readable\)$" &&
    out_has "^aged\.example +10 +- +- +3$"'
mu policy show --json
t "policy show --json" jqt '.maxdays == 90 and .mindays == 0 and
    .warndays == 7 and .graced == 0 and .minlen == 10 and .remember == 5 and
    .retry == 3 and .dictionary_ok == true and
    .domains == [{"name": "aged.example", "max_days": 10, "min_days": null,
    "warn_days": null, "grace_days": 3}]'

# ---- expiring and user show ------------------------------------------------

now=$(date +%s)
pw 'Jv3#Wren-Kiln88' user add --password-stdin old@aged.example
pw 'Zr5-cobalt-Fern' user add --password-stdin soon@example.org
pw 'Mt2!Quay-Sloe-44' user add --password-stdin late@example.org
sqw "UPDATE users SET pw_changed = $now - 20 * 86400
     WHERE name = 'old@aged.example';
     UPDATE users SET pw_changed = $now - 85 * 86400 - 100
     WHERE name = 'soon@example.org';
     UPDATE users SET pw_changed = $now - 40 * 86400
     WHERE name = 'late@example.org'"
mu expiring 7
t "expiring 7: forced, expired and soon, soonest first" eval 'succeeded &&
    [ "$(awk "NR > 1 { print \$1 }" "$TMP/out" | tr "\n" " ")" = \
      "bea@example.org old@aged.example soon@example.org " ]'
t "expiring: the states" eval \
    'out_has "^old@aged\.example .* 0 +expired$" &&
     out_has "^soon@example\.org .* 5 +warned$" &&
     out_has "^bea@example\.org .* must change \(forced\)$"'
mu expiring --json 60
t "expiring --json 60" jqt 'length == 4 and
    (map(.name) | index("late@example.org")) != null and
    (.[] | select(.name == "soon@example.org") |
     .days_left == 5 and .state == "warned" and (.expires | test("UTC$")))'
mu expiring x
t "expiring with a bad day count" eval '[ "$rc" = 2 ]'
mu user show soon@example.org
t "user show: expiry, days left, state, where values come from" eval \
    'succeeded && out_has "^password expires: +[0-9-]+ [0-9:]+ UTC$" &&
     out_has "^days left: +5$" && out_has "^password state: +warned$" &&
     out_has "^max_days: +90 \(configuration\)$" &&
     out_has "^forced change: +no$"'
mu user show --json old@aged.example
t "user show --json: the aging keys" jqt '.password_state == "expired" and
    .password_days_left == 0 and .max_days == 10 and
    .max_days_from == "domain" and .grace_days_from == "domain" and
    .warn_days == 7 and .warn_days_from == "configuration"'
mu user set --max-days 0 old@aged.example
mu user show --json old@aged.example
t "user show --json: max_days 0 of the user means never" jqt \
    '.password_expires == null and .password_days_left == null and
     .password_state == "ok" and .max_days_from == "user"'

t "no sanitizer report in any run" eval \
    '! grep -Eq "Sanitizer|runtime error:" "$TMP/allerr"'
exit 0
