#!/bin/sh
# Progress of the long commands (import, export, audit prune, domain del
# --cascade): shown on standard error when it is a terminal (script(1)
# gives the command a pseudo-terminal), nothing extra when it is not; and
# the work done in short transactions comes out whole.  Run as:
#   sh tests/cli/test_progress.sh BUILD
# Prints TAP-style lines and exits 0.  MU_TEST_DB=pg runs it on
# PostgreSQL (see lib.sh).
set -u

. "$(dirname "$0")/lib.sh"

command -v script >/dev/null 2>&1 ||
	{ echo "not ok - script(1) is installed (bsdutils)"; exit 0; }


mu init
mu domain add example.org
mu domain add other.example
N=3000
H='$6$rounds=1000$abcdefgh$'
H=$H$(printf 'A%.0s' $(seq 86))
i=0
while [ $i -lt $N ]; do
	echo "u$i@example.org:$H"
	i=$((i + 1))
done >"$TMP/users.txt"
echo "keep@other.example:$H" >"$TMP/other.txt"
mu import --format pwdfile "$TMP/other.txt"

# ---- import -------------------------------------------------------------
on_tty "$TMP/imp.out" "$BIN" -c "$CONF" import --format pwdfile \
    "$TMP/users.txt"
t "import on a terminal: exit 0" eq "$rc" 0
t "import on a terminal: count, rate, part done and time left" \
    tty_has "^import: [0-9,]+ lines, [0-9,]+ lines/s, [0-9]+%, about [0-9]+ (s|min [0-9]+ s) left"
t "import on a terminal: a last line with the count and the time taken" \
    tty_has "^import: 3,000 lines in [0-9.]+ s"
t "import on a terminal: the result on standard output" \
    grep -q '^imported 3000 users' "$TMP/imp.out"
t "import: every user is there" eq "$(sq "SELECT count(*) FROM users")" \
    $((N + 1))

mu domain add third.example
sed 's/@example.org/@third.example/' "$TMP/users.txt" >"$TMP/third.txt"
mu import --format pwdfile "$TMP/third.txt"
t "import, standard error not a terminal: nothing but the result" eval \
    'succeeded && [ "$(cat "$TMP/out")" = "imported 3000 users, 0 domains added" ]'
# from a pipe the size is unknown: count and rate, no estimate
mu domain add fourth.example
sed 's/@example.org/@fourth.example/' "$TMP/users.txt" >"$TMP/fourth.txt"
script -qec "cat '$TMP/fourth.txt' | '$BIN' -c '$CONF' import \
    --format pwdfile - >/dev/null" /dev/null </dev/null 2>&1 |
    tr '\r' '\n' >"$TMP/tty"
t "import from a pipe on a terminal: count and rate, no estimate" eval \
    'tty_has "^import: [0-9,]+ lines, [0-9,]+ lines/s" &&
     ! tty_has "left" && tty_has "^import: 3,000 lines in"'

# ---- export -------------------------------------------------------------
on_tty "$TMP/exp.out" "$BIN" -c "$CONF" export --format pwdfile \
    --domain example.org
t "export on a terminal: progress on standard error" eval \
    'eq "$rc" 0 && tty_has "^export: 3,000 users in [0-9.]+ s"'
t "export on a terminal: standard output holds only the users" eval \
    '[ "$(wc -l <"$TMP/exp.out")" -eq $N ] &&
     ! grep -q "export:" "$TMP/exp.out"'
mu export --format pwdfile --domain example.org
t "export, not a terminal: nothing on standard error" eval \
    'succeeded && cmp -s "$TMP/out" "$TMP/exp.out"'

# ---- domain del --cascade -----------------------------------------------
on_tty "$TMP/del.out" "$BIN" -c "$CONF" domain del --cascade example.org
t "domain del --cascade on a terminal: progress, then done" eval \
    'eq "$rc" 0 && tty_has "^domain del: 3,000 users in [0-9.]+ s"'
t "domain del --cascade: the domain and its users are gone" eval \
    '[ "$(sq "SELECT count(*) FROM users WHERE name LIKE '"'"'%@example.org'"'"'")" = 0 ] &&
     [ "$(sq "SELECT count(*) FROM domains WHERE name = '"'"'example.org'"'"'")" = 0 ]'
t "domain del --cascade: other domains untouched" eq \
    "$(sq "SELECT count(*) FROM users WHERE name NOT LIKE '%@example.org'")" \
    $((2 * N + 1))
t "domain del --cascade: one audit row per user, and the domain's" eval \
    '[ "$(sq "SELECT count(*) FROM audit WHERE action = '"'"'user del'"'"' AND detail = '"'"'domain del --cascade'"'"'")" = $N ] &&
     [ "$(sq "SELECT detail FROM audit WHERE action = '"'"'domain del'"'"' AND account = '"'"'example.org'"'"'")" = "cascade, 3000 users" ]'
mu domain del --cascade third.example
t "domain del --cascade, not a terminal: silent" eval \
    'succeeded && [ ! -s "$TMP/out" ]'

# ---- audit prune --------------------------------------------------------
before=$(sq "SELECT count(*) FROM audit")
on_tty "$TMP/prune.out" "$BIN" -c "$CONF" audit prune --before 2999-01-01
t "audit prune on a terminal: progress, then the count" eval \
    'eq "$rc" 0 && tty_has "^audit prune: [0-9,]+ rows in [0-9.]+ s" &&
     grep -q "^$before audit rows removed" "$TMP/prune.out"'
t "audit prune: only its own row is left" eq \
    "$(sq "SELECT count(*) || ' ' || min(action) FROM audit")" "1 audit prune"
mu audit prune --before 2999-01-01
t "audit prune, not a terminal: the count alone" eval \
    'succeeded && [ "$(cat "$TMP/out")" = "1 audit row removed" ]'

if grep -q 'Sanitizer' "$TMP/allerr"; then
	echo "not ok - no sanitizer report"
fi
exit 0
