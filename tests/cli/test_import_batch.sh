#!/bin/sh
# Tests of the batched import and the brute-force defence's CLI parts:
# import in two phases (checks with reads only, then short transactions),
# what it writes and what it does not, a user created by another process
# between the phases, an interrupted import finished with --continue;
# weak hashes refused without --allow-weak and listed by stats and check,
# hashes that can never verify listed by check; the failure source
# escaped by "failures"; CRLF passwords; the quality checks failing
# closed.  Run as: sh tests/cli/test_import_batch.sh BUILD
#
# Prints one TAP-style line per check and exits 0 whatever the results:
# the runner counts the lines.  Needs sqlite3, jq, perl (its crypt()
# makes and checks hashes) and python3 (to feed an import through a pipe
# step by step).  MU_TEST_DB=pg runs it on PostgreSQL (see lib.sh).
set -u

. "$(dirname "$0")/lib.sh"

# ---- helpers of these tests ------------------------------------------------
# lines N PREFIX DOMAIN HASH: N pwdfile lines PREFIX0000001@DOMAIN...
lines() {
	awk -v n="$1" -v p="$2" -v d="$3" -v h="$4" 'BEGIN {
		for (i = 1; i <= n; i++) printf "%s%07d@%s:%s\n", p, i, d, h }'
}
# the configuration with debug = yes: import says how it wrote
DCONF=$TMP/debug.conf
cp "$CONF" "$DCONF"
echo "debug = yes" >>"$DCONF"

H=$(perl -e 'print crypt("pw 1", q($6$rounds=1000$saltsalt$))')
H_DES=$(perl -e 'print crypt("pw 4", "ab")')
H_BIG=$(perl -e 'print crypt("longpassword123", "abcdefghijklmnopqrstuvwx")')
H_BSDI=$(perl -e 'print crypt("pw 8", "_J9..salt")')
H_NT=$(perl -e 'print crypt("pw 7", q($3$))')
H_MD5=$(perl -e 'print crypt("pw 3", q($1$saltsalt$))')
# control bytes written into the store (NL is lib.sh's)
ESC=$(printf '\033')
CR=$(printf '\r')

# ---- a large import, in batches ----------------------------------------------
N=30000
fresh
lines $N u example.org "$H" >"$TMP/big.pwd"
a0=$(naudit)
tool - -c "$DCONF" import --format pwdfile "$TMP/big.pwd"
cp "$TMP/err" "$TMP/big.err"
t "large import: exit 0, the summary line" eval '[ "$rc" = 0 ] &&
    out_has "^imported $N users, 0 domains added$"'
t "large import: written in several transactions (debug line)" eval '
    n=$(sed -n "s/.*import: \([0-9]*\) transactions of [0-9]* to [0-9]* users, longest write lock [0-9]* ms$/\1/p" "$TMP/big.err")
    [ -n "$n" ] && [ "$n" -ge 3 ]'
t "large import: nothing else on standard error" eval \
    '[ "$(grep -vc "import: [0-9]* transactions" "$TMP/big.err")" = 0 ]'
t "large import: every row is there, with its hash" eq \
    "$(nusers),$(sq "SELECT count(DISTINCT hash) FROM users"),$(sq "SELECT hash FROM users LIMIT 1")" \
    "$N,1,$H"
t "large import: ids in the order of the file" eq \
    "$(sq "SELECT name FROM users ORDER BY id LIMIT 1"),$(sq "SELECT name FROM users ORDER BY id DESC LIMIT 1")" \
    "u0000001@example.org,u0030000@example.org"
t "large import: one audit row per user, after the summary row" eq \
    "$(sq "SELECT count(*) FROM audit WHERE action = 'user add' AND
           detail = 'import' AND id > (SELECT id FROM audit WHERE
           action = 'import')")" $N
t "large import: the summary row has the final counts" eq \
    "$(sq "SELECT count(*) || '|' || min(detail) FROM audit WHERE action = 'import'")" \
    "1|format pwdfile, $N users, 0 domains, 0 bad lines skipped"
t "large import: exactly the audit rows of the import were added" eq \
    "$(naudit)" $((a0 + N + 1))
t "large import: the imported users are usable (a login's hash)" verifies \
    "pw 1" "$(sq "SELECT hash FROM users WHERE name = 'u0012345@example.org'")"

# on a terminal (script(1) gives one): the progress of both phases
if command -v script >/dev/null 2>&1; then
	fresh
	on_tty /dev/null "$BIN" -c "$CONF" import --format pwdfile \
	    "$TMP/big.pwd"
	t "on a terminal: the progress of the checks, then of the writing" eval '
	    grep -Eq "^import: 30,000 lines in [0-9.]+ s" "$TMP/tty" &&
	    grep -Eq "^import, writing: [0-9,]+ users, [0-9,]+ users/s, [0-9]+%" "$TMP/tty" &&
	    grep -Eq "^import, writing: 30,000 users in [0-9.]+ s" "$TMP/tty" &&
	    [ "$(nusers)" = $N ]'
else
	skip "on a terminal: the progress of both phases" "no script(1)"
fi

# --create-domains over many batches: each domain once, with its audit row
fresh
{
	lines 5000 a one.example "$H"
	lines 5000 b two.example "$H"
	lines 5000 c example.org "$H"
	lines 5000 d three.example "$H"
} >"$TMP/doms.pwd"
mu import --format pwdfile --create-domains "$TMP/doms.pwd"
t "--create-domains in batches: three domains added" eval 'succeeded &&
    out_has "^imported 20000 users, 3 domains added$"'
t "--create-domains: each user in its domain" eq \
    "$(sq_join , "SELECT d.name || '=' || count(*)
           FROM users u JOIN domains d ON d.id = u.domain_id
           GROUP BY d.name ORDER BY d.name")" \
    "example.org=5000,one.example=5000,three.example=5000,two.example=5000"
t "--create-domains: one domain add row each, before their users" eq \
    "$(sq_join , "SELECT account FROM audit
           WHERE action = 'domain add' AND detail = 'import' ORDER BY id")" \
    "one.example,two.example,three.example"
t "--create-domains: a new domain's audit row comes before its users'" eq \
    "$(sq "SELECT count(*) FROM audit WHERE action = 'domain add' AND
           account = 'three.example' AND id < (SELECT min(id) FROM audit
           WHERE account LIKE '%@three.example')")" 1
t "--create-domains: the summary counts the domains" eq \
    "$(sq "SELECT detail FROM audit WHERE action = 'import'")" \
    "format pwdfile, 20000 users, 3 domains, 0 bad lines skipped"

# ---- bad lines: nothing written -------------------------------------------
fresh
mu_in 'Exists pw 1
' user add --force --password-stdin u0000777@example.org
u0=$(nusers)
a0=$(naudit)
# the users and their hashes, in the order of their ids
rows() { sq "SELECT name || hash FROM users ORDER BY id" | cksum; }
before=$(rows)
{ cat "$TMP/big.pwd"; echo "broken line"; } >"$TMP/bad1.pwd"
mu import --format pwdfile "$TMP/bad1.pwd"
t "bad lines at the end of a large file: exit 1, nothing written" eval '
    [ "$rc" = 1 ] && [ "$(nusers)" = "$u0" ] && [ "$(naudit)" = "$a0" ] &&
    [ ! -s "$TMP/out" ]'
t "bad lines: each reported, then nothing imported" eval '
    err_has "bad1\.pwd:777: u0000777@example\.org: user already exists$" &&
    err_has "bad1\.pwd:30001: wrong field count" &&
    err_has "bad1\.pwd: 2 bad lines: nothing imported"'
{ cat "$TMP/big.pwd"; sed -n 5p "$TMP/big.pwd"; } >"$TMP/dup.pwd"
sed -i '777d' "$TMP/dup.pwd"
mu import --format pwdfile "$TMP/dup.pwd"
t "a duplicate at the end of a large file: exit 1, nothing written" eval '
    [ "$rc" = 1 ] && [ "$(nusers)" = "$u0" ] && [ "$(naudit)" = "$a0" ] &&
    err_has "dup\.pwd:30000: u0000005@example\.org: duplicate of an earlier line of the file$"'
mu import --format pwdfile --dry-run "$TMP/dup.pwd"
t "--dry-run with bad lines: exit 1, the summary, nothing written" eval '
    [ "$rc" = 1 ] && [ "$(nusers)" = "$u0" ] && [ "$(naudit)" = "$a0" ] &&
    out_has "^dry run: 29999 users and 0 domains would be added, 1 bad line$"'
sed '777d' "$TMP/big.pwd" >"$TMP/good.pwd"
mu import --format pwdfile --dry-run --create-domains "$TMP/good.pwd"
t "--dry-run of a good file: exit 0, the summary, nothing written" eval '
    succeeded && [ "$(nusers)" = "$u0" ] && [ "$(naudit)" = "$a0" ] &&
    out_has "^dry run: 29999 users and 0 domains would be added, 0 bad lines$"'
t "--dry-run: the store is the same, row for row" eq \
    "$before|$a0" "$(rows)|$(naudit)"
mu import --format pwdfile --continue "$TMP/dup.pwd"
t "--continue: exit 3, the good lines written, the bad one skipped" eval '
    [ "$rc" = 3 ] && out_has "^imported 29999 users, 0 domains added, 1 bad line skipped$" &&
    [ "$(nusers)" = $((u0 + 29999)) ]'
t "--continue: the summary row counts the skipped line" eq \
    "$(sq "SELECT detail FROM audit WHERE action = 'import'")" \
    "format pwdfile, 29999 users, 0 domains, 1 bad lines skipped"
t "--continue: the existing user keeps its hash" verifies "Exists pw 1" \
    "$(sq "SELECT hash FROM users WHERE name = 'u0000777@example.org'")"

# ---- a user created between the phases ------------------------------------
# The import reads a pipe.  Its first line makes it start its read
# transaction (phase 1 sees the store as it was then); once it waits for
# more input, "user add" and "domain del" change the store; then the
# rest of the file comes.  Phase 1 saw neither change, phase 2 must.
fresh
mu domain add gone.example
{
	echo "first@example.org:$H"
	echo "late@example.org:$H"
	lines 3000 v example.org "$H"
	echo "who@gone.example:$H"
	echo "last@example.org:$H"
} >"$TMP/race.pwd"
cat >"$TMP/feed.py" <<'EOF'
# feed.py BIN CONF FILE OUT ERR: run "BIN -c CONF import --format pwdfile -"
# with FILE on a pipe: its first line, then (once the import has read it
# and waits for more) BIN user add and domain del, then the rest.
import fcntl, os, subprocess, sys, termios, time, struct
binp, conf, path, out, err = sys.argv[1:6]
data = open(path, 'rb').read()
first, rest = data.split(b'\n', 1)
with open(out, 'wb') as o, open(err, 'wb') as e:
    p = subprocess.Popen([binp, '-c', conf, 'import', '--format', 'pwdfile',
                          '-'], stdin=subprocess.PIPE, stdout=o, stderr=e)
    p.stdin.write(first + b'\n')
    p.stdin.flush()
    fd = p.stdin.fileno()
    def waiting():
        n = struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'\0' * 4))[0]
        try:
            sc = open('/proc/%d/syscall' % p.pid).read().split()
        except OSError:
            return False
        # read(0, ...) with the pipe empty: the first line is done
        return n == 0 and sc[:2] == ['0', '0x0']
    for _ in range(3000):
        if waiting():
            break
        time.sleep(0.01)
    else:
        sys.exit('the import never waited for input')
    time.sleep(0.05)
    if not waiting():
        sys.exit('the import did not stay waiting')
    r = subprocess.run([binp, '-c', conf, 'user', 'add', '--force',
                        '--password-stdin', 'late@example.org'],
                       input=b'Late pw 1\n')
    r2 = subprocess.run([binp, '-c', conf, 'domain', 'del', 'gone.example'])
    if r.returncode != 0 or r2.returncode != 0:
        sys.exit('user add or domain del failed')
    p.stdin.write(rest)
    p.stdin.close()
    sys.exit(p.wait())
EOF
python3 "$TMP/feed.py" "$BIN" "$CONF" "$TMP/race.pwd" "$TMP/out" "$TMP/err"
rc=$?
cat "$TMP/err" >>"$TMP/allerr"
t "changed between the phases: exit 3 (lines skipped)" eq "$rc" 3
t "a user added meanwhile: reported like an existing user, with its line" \
    err_has "\(standard input\):2: late@example\.org: user already exists \(added by another process during the import\)$"
t "a domain deleted meanwhile: reported, with its line" \
    err_has "\(standard input\):3003: who@gone\.example: no such domain \(deleted by another process during the import\)$"
t "changed between the phases: the other users imported" eval '
    out_has "^imported 3002 users, 0 domains added, 2 bad lines skipped$" &&
    [ "$(nusers)" = 3003 ] &&
    [ "$(sq "SELECT count(*) FROM users WHERE name IN ('"'first@example.org'"', '"'last@example.org'"')")" = 2 ]'
t "the user added meanwhile keeps its own password" verifies "Late pw 1" \
    "$(sq "SELECT hash FROM users WHERE name = 'late@example.org'")"
t "changed between the phases: the summary row counts them" eq \
    "$(sq "SELECT detail FROM audit WHERE action = 'import'")" \
    "format pwdfile, 3002 users, 0 domains, 2 bad lines skipped"

# ---- an interrupted import, finished with --continue ------------------------
fresh
M=150000
lines $M w example.org "$H" >"$TMP/kill.pwd"
"$BIN" -c "$CONF" import --format pwdfile "$TMP/kill.pwd" >/dev/null \
    2>>"$TMP/allerr" &
pid=$!
i=0
# killed once a batch of phase 2 is in (SIGKILL: no cleanup of any kind)
while [ $i -lt 1200 ]; do
	if on_pg; then
		n=$(sq "SELECT count(*) FROM users" 2>/dev/null)
	else
		n=$(sqlite3 "$DB" "PRAGMA busy_timeout = 2000; SELECT count(*) FROM users" 2>/dev/null | tail -1)
	fi
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.05
	i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
n=$(nusers)
if [ "$n" -gt 0 ] && [ "$n" -lt $M ]; then
	t "interrupted in phase 2: the batches written are there, whole" eq \
	    "$(sq "SELECT count(*) FROM audit WHERE action = 'user add'")" "$n"
	t "interrupted: the summary row says how far it got" eval '
	    sq "SELECT detail FROM audit WHERE action = '"'import'"'" |
	    grep -Eq "^format pwdfile, in progress: $n users, 0 domains so far$"'
	t "interrupted: the users written are the first lines of the file" eq \
	    "$(sq "SELECT max(name) FROM users")" "$(printf 'w%07d@example.org' "$n")"
	mu import --format pwdfile --continue "$TMP/kill.pwd"
	t "the same import with --continue adds the rest (exit 3)" eval '
	    [ "$rc" = 3 ] && [ "$(nusers)" = $M ] &&
	    out_has "^imported $((M - n)) users, 0 domains added, $n bad lines skipped$" &&
	    [ "$(grep -c "user already exists$" "$TMP/err")" = "$n" ]'
else
	skip "interrupted import (4 checks)" "the kill came at $n of $M users"
fi

# ---- weak hashes -------------------------------------------------------------
fresh
printf '%s\n' "des@example.org:$H_DES" "big@example.org:$H_BIG" \
    "bsdi@example.org:$H_BSDI" "nt@example.org:$H_NT" \
    "md5@example.org:$H_MD5" "sha@example.org:$H" >"$TMP/weak.pwd"
mu import --format pwdfile "$TMP/weak.pwd"
t "weak hashes: refused, nothing imported" eval '[ "$rc" = 1 ] &&
    [ "$(nusers)" = 0 ] && err_has "weak\.pwd: 4 bad lines: nothing imported"'
t "weak: DES named, with its 8-character limit and the option" \
    err_has "weak\.pwd:1: des@example\.org: weak hash method descrypt: DES crypt: only the first 8 characters of a password count \(--allow-weak imports it\)$"
t "weak: bigcrypt named" \
    err_has "weak\.pwd:2: big@example\.org: weak hash method bigcrypt: .*\(--allow-weak imports it\)$"
t "weak: BSDi extended DES named" \
    err_has "weak\.pwd:3: bsdi@example\.org: weak hash method bsdicrypt: BSDi extended DES.*\(--allow-weak imports it\)$"
t "weak: NT named" \
    err_has "weak\.pwd:4: nt@example\.org: weak hash method nt: NT hash.*\(--allow-weak imports it\)$"
t "weak: md5crypt and sha512crypt are not weak lines" eval \
    '! err_has "weak\.pwd:(5|6):"'
printf '%s\n' "d@example.org:{CRYPT}$H_DES" >"$TMP/weak.dovecot"
mu import --format dovecot "$TMP/weak.dovecot"
t "weak: a Dovecot {CRYPT} DES hash is refused too" eval '[ "$rc" = 1 ] &&
    err_has "weak\.dovecot:1: d@example\.org: weak hash method descrypt"'
printf 'address,hash\nc@example.org,%s\n' "$H_NT" >"$TMP/weak.csv"
mu import --format csv "$TMP/weak.csv"
t "weak: a csv NT hash is refused too" eval '[ "$rc" = 1 ] &&
    err_has "weak\.csv:2: c@example\.org: weak hash method nt"'
mu import --format pwdfile --allow-weak "$TMP/weak.pwd"
t "--allow-weak: the weak hashes imported as they are" eval 'succeeded &&
    out_has "^imported 6 users, 0 domains added$" &&
    [ "$(sq "SELECT hash FROM users WHERE name = '"'nt@example.org'"'")" = "$H_NT" ]'
t "--allow-weak: a DES hash still verifies" verifies "pw 4" \
    "$(sq "SELECT hash FROM users WHERE name = 'des@example.org'")"
t "--allow-weak: a BSDi hash still verifies" verifies "pw 8" \
    "$(sq "SELECT hash FROM users WHERE name = 'bsdi@example.org'")"
fresh
printf '%s\n' "n1@example.org:\$3\$\$abc" "n2@example.org:_J9..sal" \
    "n3@example.org:\$3\$\$AA1D3A1AEDFFBCAD8E571C79606D7606" >"$TMP/cut.pwd"
mu import --format pwdfile --allow-weak "$TMP/cut.pwd"
t "--allow-weak: a cut-off NT or BSDi hash is still refused" eval '
    [ "$rc" = 1 ] && [ "$(nusers)" = 0 ] &&
    err_has "cut\.pwd:1: n1@example\.org: malformed hash" &&
    err_has "cut\.pwd:2: n2@example\.org: malformed hash" &&
    err_has "cut\.pwd:3: n3@example\.org: malformed hash"'
printf '%s\n' "x1@example.org:\$9\$abc" "x2@example.org:\$y\$j9T\$abc\$" >"$TMP/unk.pwd"
mu import --format pwdfile "$TMP/unk.pwd"
t "an unknown method and a cut yescrypt hash are refused" eval '
    [ "$rc" = 1 ] && err_has "unk\.pwd:1: x1@example\.org: unknown hash method" &&
    err_has "unk\.pwd:2: x2@example\.org: malformed hash"'

# ---- stats and check list them ------------------------------------------------
fresh
mu import --format pwdfile --allow-weak "$TMP/weak.pwd"
mu stats --json
t "stats --json: weak_hashes counts DES, bigcrypt, BSDi and NT" jqt \
    '.weak_hashes == 4 and .users == 6'
mu stats
t "stats: the weak hashes as text" eval 'succeeded &&
    out_has "^weak hashes: +4 \(see \"mailuser-admin check\"\)$"'
mu check
cp "$TMP/out" "$TMP/check.out"
t "check with weak hashes: still OK (warnings only)" eval '[ "$rc" = 0 ] &&
    out_has "^verdict: OK$" && ! out_has "^PROBLEM"'
t "check: one warning line per weak user, with the method" eval '
    [ "$(grep -c "^WARNING: user [^ ]*: weak hash (" "$TMP/check.out")" = 4 ] &&
    out_has "^WARNING: user des@example\.org: weak hash \(descrypt: DES crypt: only the first 8 characters of a password count\)$" &&
    out_has "^WARNING: user big@example\.org: weak hash \(bigcrypt: " &&
    out_has "^WARNING: user bsdi@example\.org: weak hash \(bsdicrypt: " &&
    out_has "^WARNING: user nt@example\.org: weak hash \(nt: "'
t "check: a count of the hashes" \
    out_has "^hashes +0 that can never verify, 4 weak"
# hashes that can never verify, written behind the tool's back
sqw "INSERT INTO users (name, domain_id, hash, pw_changed, created)
     SELECT 'unk@example.org', id, '\$9\$abcdef', 0, 0 FROM domains WHERE name = 'example.org';
     INSERT INTO users (name, domain_id, hash, pw_changed, created)
     SELECT 'cut@example.org', id, '\$6\$rounds=1000\$saltsalt\$abc', 0, 0 FROM domains WHERE name = 'example.org';
     INSERT INTO users (name, domain_id, hash, pw_changed, created)
     SELECT 'lock@example.org', id, '!$H', 0, 0 FROM domains WHERE name = 'example.org';
     INSERT INTO users (name, domain_id, hash, pw_changed, created)
     SELECT 'empty@example.org', id, '', 0, 0 FROM domains WHERE name = 'example.org';
     INSERT INTO users (name, domain_id, hash, pw_changed, created)
     SELECT 'ev${NL}PROBLEM: fake$ESC@example.org', id, '\$9\$x', 0, 0 FROM domains WHERE name = 'example.org'"
mu check
cp "$TMP/out" "$TMP/check2.out"
t "check: a hash of an unknown method can never verify" \
    out_has "^WARNING: user unk@example\.org: its hash can never verify: unknown hash method"
t "check: a cut-off hash can never verify" \
    out_has "^WARNING: user cut@example\.org: its hash can never verify: malformed hash"
t "check: a locked and an empty hash can never verify" eval '
    out_has "^WARNING: user lock@example\.org: its hash can never verify: locked" &&
    out_has "^WARNING: user empty@example\.org: its hash can never verify: empty hash"'
t "check: names escaped (a newline cannot fake a line)" eval '
    out_has "^WARNING: user ev\\\\x0aPROBLEM:\\\\x20fake\\\\x1b@example\.org: its hash can never verify" &&
    ! out_has "^PROBLEM: fake" && [ "$rc" = 0 ] && out_has "^verdict: OK$"'
t "check: the count of both kinds" \
    out_has "^hashes +5 that can never verify, 4 weak"
fresh
mu import --format pwdfile "$TMP/big.pwd"
mu check
t "check of sound hashes: \"hashes ok\", no warning" eval 'succeeded &&
    out_has "^hashes +ok$" && ! out_has "^WARNING"'

# ---- failures: the source escaped -----------------------------------------
fresh
mu_in 'Fail pw 1
' user add --force --password-stdin f@example.org
sqw "INSERT INTO failures (user_id, source, count, first_fail, last_fail)
     SELECT id, '192.0.2.1${NL}x@example.org  9  fake', 3, 1, 2
     FROM users WHERE name = 'f@example.org';
     INSERT INTO failures (user_id, source, count, first_fail, last_fail)
     SELECT id, 'name:$ESC[2Jevil$CR', 1, 1, 2
     FROM users WHERE name = 'f@example.org'"
mu failures
t "failures: one line per row, whatever the source holds" eval 'succeeded &&
    [ "$(wc -l <"$TMP/out")" = 3 ] && ! out_has "^x@example"'
t "failures: control bytes of the source escaped" eval '
    out_has "192\.0\.2\.1\\\\x0ax@example\.org\\\\x20\\\\x209\\\\x20\\\\x20fake" &&
    out_has "name:\\\\x1b\[2Jevil\\\\x0d" &&
    ! grep -q "$(printf "\033")" "$TMP/out"'
mu failures --json
t "failures --json: the source unchanged (JSON escapes it)" jqt \
    'length == 2 and any(.[]; .source == "192.0.2.1\nx@example.org  9  fake")
     and any(.[]; .source == "name:\u001b[2Jevil\r")'

# ---- passwords from CRLF files ---------------------------------------------
fresh
printf 'Crlf pass one\r\n' >"$TMP/pw.crlf"
mu user add --force --password-file "$TMP/pw.crlf" c1@example.org
t "--password-file with CRLF: the CR is not part of the password" eval '
    succeeded && verifies "Crlf pass one" "$(sq "SELECT hash FROM users WHERE name = '"'c1@example.org'"'")"'
mu_in "$(printf 'Crlf pass two\r\n')" user add --force --password-stdin c2@example.org
t "--password-stdin with CRLF: the CR is not part of the password" eval '
    succeeded && verifies "Crlf pass two" "$(sq "SELECT hash FROM users WHERE name = '"'c2@example.org'"'")"'
printf 'Crlf pass three\r' >"$TMP/pw.cr"
mu user passwd --force --password-file "$TMP/pw.cr" c1@example.org
t "a CR at the end of the input without LF is dropped too" eval '
    succeeded && verifies "Crlf pass three" "$(sq "SELECT hash FROM users WHERE name = '"'c1@example.org'"'")"'
printf 'inner\rcr pass\n' >"$TMP/pw.inner"
mu user passwd --force --password-file "$TMP/pw.inner" c2@example.org
t "a CR inside the password is kept" eval '
    succeeded && verifies "$(printf "inner\rcr pass")" "$(sq "SELECT hash FROM users WHERE name = '"'c2@example.org'"'")"'
printf 'one CR only\r\r\n' >"$TMP/pw.crcr"
mu user passwd --force --password-file "$TMP/pw.crcr" c2@example.org
t "only one CR is dropped" eval '
    succeeded && verifies "$(printf "one CR only\r")" "$(sq "SELECT hash FROM users WHERE name = '"'c2@example.org'"'")"'
pw511=$(printf 'A%.0s' $(seq 511))
printf '%s\r\n' "$pw511" >"$TMP/pw.511"
mu user passwd --force --password-file "$TMP/pw.511" c2@example.org
t "a 511-byte password with CRLF is not too long" eval '
    succeeded && verifies "$pw511" "$(sq "SELECT hash FROM users WHERE name = '"'c2@example.org'"'")"'

# ---- the quality checks fail closed ----------------------------------------
fresh
cp "$CONF" "$TMP/nodict.conf"
echo "dictpath = /nonexistent/cracklib_dict" >>"$TMP/nodict.conf"
tool 'Quite a good pass 9
' -c "$TMP/nodict.conf" user add --password-stdin q@example.org
t "no dictionary: user add refused, with the reason" eval '[ "$rc" = 1 ] &&
    err_has "dictionary" && [ "$(nusers)" = 0 ]'
tool - -c "$TMP/nodict.conf" user add --generate q@example.org
t "no dictionary: a generated password is refused too" eval '[ "$rc" = 1 ] &&
    err_has "dictionary" && [ "$(nusers)" = 0 ] && [ ! -s "$TMP/out" ]'
printf 'address,password\nq@example.org,Quite a good pass 9\n' >"$TMP/q.csv"
tool - -c "$TMP/nodict.conf" import --format csv "$TMP/q.csv"
t "no dictionary: a csv password is a bad line" eval '[ "$rc" = 1 ] &&
    err_has "q\.csv:2: q@example\.org: .*dictionary" && [ "$(nusers)" = 0 ]'
tool 'Quite a good pass 9
' -c "$TMP/nodict.conf" user add --force --password-stdin q@example.org
t "no dictionary: --force still skips the checks" eval \
    'succeeded && [ "$(nusers)" = 1 ]'
tool 'Quite a good pass 9
' -c "$TMP/nodict.conf" hash --password-stdin
t "no dictionary: hash refuses an unchecked password" eval \
    '[ "$rc" = 1 ] && err_has "dictionary" && [ ! -s "$TMP/out" ]'

if grep -q 'Sanitizer' "$TMP/allerr" 2>/dev/null; then
	echo "not ok - no sanitizer report"
fi
exit 0
