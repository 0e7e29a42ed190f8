#!/bin/sh
# The sending-limit commands of mailuser-admin (mailuser-policyd): limit
# set, limit show, sending, sending reset, the limit lines of user show,
# their audit rows, and their refusals.
#   sh tests/cli/test_limits.sh BUILD
# Prints TAP-style lines and exits 0.  MU_TEST_DB=pg runs it on
# PostgreSQL (see lib.sh).
set -u

. "$(dirname "$0")/lib.sh"
printf '[policyd]\nrecipients_per_day = 700\n' >>"$CONF"

fresh
mu_in 'Pw-for-tests-9!' user add --force --password-stdin ann@example.org
mu_in 'Pw-for-tests-9!' user add --force --password-stdin bob@example.org
audits() { sq "SELECT count(*) FROM audit WHERE $1"; }

# ---- limit set ------------------------------------------------------------
ok_run "limit set --domain" limit set --domain example.org \
    --messages-per-hour 100 --recipients-per-hour 500
ok_run "limit set --user" limit set --user ann@example.org \
    --messages-per-hour 10
t "stored per domain" eq "$(sq "SELECT msgs_hour || ' ' || rcpts_hour ||
    ' ' || coalesce(rcpts_day, -1) FROM domain_limits")" "100 500 -1"
t "stored per user" eq "$(sq "SELECT msgs_hour || ' ' ||
    coalesce(rcpts_hour, -1) FROM user_limits")" "10 -1"
t "audited" eq "$(sq "SELECT action || ': ' || account || ': ' || detail
    FROM audit WHERE action LIKE '%limit' ORDER BY id")" \
    "domain limit: example.org: messages_per_hour=100 recipients_per_hour=500
user limit: ann@example.org: messages_per_hour=10"
ok_run "a second set keeps the other values" limit set --user \
    ann@example.org --recipients-per-day 50
t "... kept" eq "$(sq "SELECT msgs_hour || ' ' || rcpts_day
    FROM user_limits")" "10 50"
ok_run "0 is no limit" limit set --user bob@example.org \
    --messages-per-hour 0
ok_run "inherit clears a value" limit set --user bob@example.org \
    --messages-per-hour inherit
t "no value left: no row" eq \
    "$(sq "SELECT count(*) FROM user_limits u JOIN users s ON s.id =
           u.user_id WHERE s.name = 'bob@example.org'")" 0
ok_run "a user name is made canonical" limit set --user ANN@Example.ORG \
    --recipients-per-hour 20
err_run "no such user" "no such user: nope@example.org" limit set \
    --user nope@example.org --messages-per-hour 1
err_run "no such domain" "no such domain: nope.example" limit set \
    --domain nope.example --messages-per-hour 1
mu limit set --messages-per-hour 1
t "neither --domain nor --user: usage" usage_error
mu limit set --domain example.org --user ann@example.org \
    --messages-per-hour 1
t "both: usage" usage_error
mu limit set --domain example.org
t "nothing to set: usage" usage_error
mu limit set --domain example.org --messages-per-hour -1
t "a negative number is refused" eval '[ "$rc" = 2 ] &&
    err_has "not a number from 0"'
mu limit set --domain example.org --messages-per-hour 12x
t "a number with junk is refused" eval '[ "$rc" = 2 ]'
mu limit set --domain example.org --recipients-per-day 99999999999
t "a number too large is refused" eval '[ "$rc" = 2 ]'
mu limit show --messages-per-hour 1
t "limit show takes no limit option" usage_error

# ---- limit show and user show ---------------------------------------------
ok_run "limit show" limit show
t "lists the defaults, the domain and the user" eval \
    'out_has "recipients_per_day=700" && out_has "^example.org  " &&
     out_has "^ann@example.org  "'
mu limit show --json
t "limit show --json" jqt '.defaults.recipients_per_day == 700 and
    (.own | length) == 2 and .own[0].domain == "example.org" and
    .own[1].user == "ann@example.org" and .own[1].recipients_per_day == 50
    and .own[1].messages_per_hour == 10 and .own[0].recipients_per_day ==
    null'
mu limit show --json ann@example.org
t "limit show USER: each value and where it comes from" jqt \
    '.messages_per_hour == 10 and .messages_per_hour_from == "user" and
     .recipients_per_hour == 20 and .recipients_per_day == 50'
mu limit show --json bob@example.org
t "a user without its own: the domain's, then the default" jqt \
    '.messages_per_hour == 100 and .messages_per_hour_from == "domain" and
     .recipients_per_day == 700 and .recipients_per_day_from == "default"'
mu limit show example.org
t "limit show DOMAIN" eval 'succeeded && out_has "messages_per_hour: +100 \(domain\)" &&
    out_has "recipients_per_day: +700 \(default\)"'
err_run "limit show of no such user" "no such user" limit show \
    nope@example.org
mu user show bob@example.org
t "user show: the limits" eval \
    'succeeded && out_has "^sending limits: +messages_per_hour=100 \(domain\)"'
mu user show --json ann@example.org
t "user show --json: the limits" jqt \
    '.messages_per_hour == 10 and .recipients_per_day_from == "user"'

# ---- sending ------------------------------------------------------------
NOW=$(date +%s)
MIN=$((NOW / 60))
HOUR=$((NOW / 3600))
sqw "INSERT INTO send_counts (user_id, span, bucket, msgs, rcpts, def_msgs,
         def_rcpts)
     SELECT id, 60, $MIN, 4, 9, 1, 2 FROM users WHERE name = 'ann@example.org';
     INSERT INTO send_counts (user_id, span, bucket, msgs, rcpts)
     SELECT id, 60, $((MIN - 60)), 50, 50 FROM users
     WHERE name = 'ann@example.org';
     INSERT INTO send_counts (user_id, span, bucket, msgs, rcpts, def_msgs,
         def_rcpts)
     SELECT id, 3600, $HOUR, 4, 9, 1, 2 FROM users
     WHERE name = 'ann@example.org';
     INSERT INTO send_counts (user_id, span, bucket, msgs, rcpts)
     SELECT id, 60, $MIN, 1, 30 FROM users WHERE name = 'bob@example.org'"
mu sending --json ann@example.org
t "sending USER: the windows, without the minute an hour ago" jqt \
    '.last_hour.messages == 4 and .last_hour.recipients == 9 and
     .last_hour.deferred_messages == 1 and .last_day.recipients == 9 and
     .messages_per_hour == 10'
mu sending ann@example.org
t "sending USER as text" eval \
    'succeeded && out_has "messages, last hour: +4 of 10"'
mu sending --json
t "sending: top senders by recipients" jqt \
    '.last_hour[0].user == "bob@example.org" and
     .last_hour[1].user == "ann@example.org" and
     (.last_day | length) == 1'
ok_run "sending as text" sending
err_run "sending of no such user" "no such user" sending nope@example.org
ok_run "sending reset" sending reset ann@example.org
t "says how many buckets" out_has "3 buckets"
t "the counters are gone" eq "$(sq "SELECT count(*) FROM send_counts s
    JOIN users u ON u.id = s.user_id WHERE u.name = 'ann@example.org'")" 0
t "bob's stay" eq "$(sq "SELECT count(*) FROM send_counts")" 1
t "audited" eq "$(audits "action = 'sending reset'")" 1
err_run "sending reset of no such user" "no such user" sending reset \
    nope@example.org
mu sending reset
t "sending reset without a user: usage" usage_error

# ---- what goes with a user or a domain -------------------------------------
ok_run "user del" user del bob@example.org
t "takes its counters and limits" eq \
    "$(sq "SELECT count(*) FROM send_counts")" 0
ok_run "domain del --cascade" domain del --cascade example.org
t "takes its limits" eq "$(sq "SELECT count(*) FROM domain_limits;
    SELECT count(*) FROM user_limits")" "0
0"

if grep -q 'Sanitizer' "$TMP/allerr"; then
	echo "not ok - no sanitizer report"
fi
exit 0
