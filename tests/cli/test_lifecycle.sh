#!/bin/sh
# Tests of the account lifecycle commands of mailuser-admin: import,
# export, audit, stats, generated passwords, rename, domain del --cascade,
# and the bash completion.  Run as: sh tests/cli/test_lifecycle.sh BUILD
#
# Prints one TAP-style line per check and exits 0 whatever the results:
# the runner counts the lines.  Needs root, sqlite3, jq, perl (its crypt()
# checks hashes) and bash.  MU_TEST_DB=pg runs it on PostgreSQL (see
# lib.sh).
set -u

. "$(dirname "$0")/lib.sh"
COMPLETION=$ROOT/doc/bash-completion/mailuser-admin

# ---- helpers of these tests --------------------------------------------
# Here a usage error is exit status 2 alone: most of these are errors of an
# option's value, which print one message and no usage text.
usage_error() { [ "$rc" = 2 ]; }
# The store's files hold none of the given strings (bytes, not rows); on
# PostgreSQL, a dump of the store's data holds none of them.
store_lacks() {
	_f1=$DB
	_f2=$DB-wal
	if on_pg; then
		PGPASSWORD=$PG_ADMIN_PW "$PG_BIN/pg_dump" -h "$PG_DIR" \
		    -p "$PG_PORT" -U mailuser_admin -d mailuser --data-only \
		    >"$TMP/dump" || { echo "# pg_dump failed"; return 1; }
		_f1=$TMP/dump
		_f2=
	fi
	for _s in "$@"; do
		for _f in "$_f1" "$_f2"; do
			[ -f "$_f" ] || continue
			if grep -aqF -- "$_s" "$_f"; then
				echo "# found in $_f: $_s"
				return 1
			fi
		done
	done
	return 0
}

# Hashes with known passwords ("pw N"), computed by perl's crypt(3) and by
# the tool, one per method.
H_SHA512=$(perl -e 'print crypt("pw 1", q($6$rounds=1000$saltsalt$))')
H_SHA256=$(perl -e 'print crypt("pw 2", q($5$saltsalt$))')
H_MD5=$(perl -e 'print crypt("pw 3", q($1$saltsalt$))')
H_DES=$(perl -e 'print crypt("pw 4", "ab")')
H_BCRYPT=$(printf 'pw 5\n' | "$BIN" -c "$CONF" hash --force --method bcrypt \
    --cost 4 --password-stdin 2>/dev/null)
H_YES=$(printf 'pw 6\n' | "$BIN" -c "$CONF" hash --force --method yescrypt \
    --password-stdin 2>/dev/null)

# ---- import pwdfile, export, round trip ----------------------------------

fresh
# sorted in byte order, canonical names
cat >"$TMP/users.pwd" <<EOF
alice@example.org:$H_SHA512
bob@example.org:$H_SHA256
carol@example.net:$H_MD5
dave@example.org:$H_DES
erin@example.org:$H_BCRYPT
frank@example.org:$H_YES
EOF
a0=$(naudit)
# dave has a DES hash: a weak method, imported with --allow-weak
mu import --format pwdfile --allow-weak "$TMP/users.pwd"
t "import --format pwdfile" eval 'succeeded &&
    out_has "^imported 6 users, 0 domains added$"'
t "six users stored" eq "$(nusers)" 6
t "hashes kept as they are (sha512crypt verifies)" verifies "pw 1" \
    "$(sq "SELECT hash FROM users WHERE name = 'alice@example.org'")"
t "hashes kept as they are (yescrypt verifies)" verifies "pw 6" \
    "$(sq "SELECT hash FROM users WHERE name = 'frank@example.org'")"
t "imported users belong to their domains" eq \
    "$(sq "SELECT d.name FROM users u JOIN domains d ON d.id = u.domain_id
           WHERE u.name = 'carol@example.net'")" example.net
t "import audit: one row per user and one for the import" eq \
    "$(sq "SELECT count(*) FROM audit WHERE id > $a0 AND
           action = 'user add' AND detail = 'import'"),$(sq "SELECT detail
           FROM audit WHERE action = 'import'")" \
    "6,format pwdfile, 6 users, 0 domains, 0 bad lines skipped"
mu export --format pwdfile
t "export --format pwdfile gives the imported file byte for byte" \
    cmp -s "$TMP/out" "$TMP/users.pwd"
mu export --format pwdfile --domain example.net
t "export --domain: only that domain" eq "$(cat "$TMP/out")" \
    "carol@example.net:$H_MD5"
err_run "export --domain of an unknown domain" "no such domain" \
    export --format pwdfile --domain nowhere.example
mu export --format xml
t "export --format xml: usage error" usage_error
mu export
t "export without --format: usage error" usage_error

mu export --format dovecot
cp "$TMP/out" "$TMP/exp.dovecot"
t "export --format dovecot names the scheme of each method" eval '
    grep -qxF "alice@example.org:{SHA512-CRYPT}$H_SHA512::::::" "$TMP/out" &&
    grep -qxF "bob@example.org:{SHA256-CRYPT}$H_SHA256::::::" "$TMP/out" &&
    grep -qxF "carol@example.net:{MD5-CRYPT}$H_MD5::::::" "$TMP/out" &&
    grep -qxF "dave@example.org:{CRYPT}$H_DES::::::" "$TMP/out" &&
    grep -qxF "erin@example.org:{BLF-CRYPT}$H_BCRYPT::::::" "$TMP/out" &&
    grep -qxF "frank@example.org:{CRYPT}$H_YES::::::" "$TMP/out"'
mu export --format csv
cp "$TMP/out" "$TMP/exp.csv"
t "export --format csv: header and rows" eval '
    [ "$(head -1 "$TMP/out")" = "address,hash" ] &&
    grep -qxF "alice@example.org,$H_SHA512" "$TMP/out" &&
    [ "$(wc -l <"$TMP/out")" = 7 ]'
mu export --format json
t "export --format json parses, with hashes and state" jqt '
    length == 6 and .[0].name == "alice@example.org" and
    .[0].domain == "example.org" and .[0].hash_method == "sha512crypt" and
    (.[0].hash | startswith("$6$")) and .[0].disabled == false and
    .[0].force_change == false and .[0].locked == false and
    .[0].expires == null and
    ([.[].name] == (map(.name) | sort))'
cp "$TMP/out" "$TMP/exp.json"
t "export --format json: each hash is the stored one" eq \
    "$(jq -r '.[] | "\(.name):\(.hash)"' "$TMP/exp.json")" \
    "$(cat "$TMP/users.pwd")"

# every format back into a new store gives the same users and hashes
for f in dovecot csv; do
	fresh
	mu import --format "$f" --allow-weak "$TMP/exp.$f"
	t "round trip $f: import of the export succeeds" succeeded
	mu export --format "$f"
	t "round trip $f: export again is byte-identical" \
	    cmp -s "$TMP/out" "$TMP/exp.$f"
	mu export --format pwdfile
	t "round trip $f: same names and hashes as the original" \
	    cmp -s "$TMP/out" "$TMP/users.pwd"
done

# ---- dovecot passwd-file details -----------------------------------------

fresh
printf '%s\n' \
    "# a comment" \
    "u1@example.org:{SHA512-CRYPT}$H_SHA512:1000:1000::/home/u1::userdb_quota_rule=*:storage=1G" \
    "u2@example.org:{sha256-crypt}$H_SHA256:1000:1000:Gecos:/home/u2:/bin/false" \
    "u3@example.org:{CRYPT}$H_DES" \
    "u4@example.org:{BLF-CRYPT}$H_BCRYPT::" \
    "u5@example.org:{MD5-CRYPT}$H_MD5:::" \
    "u6@example.org:$H_YES" "" >"$TMP/d.users"
mu import --format dovecot --allow-weak "$TMP/d.users"
t "dovecot: schemes (any case), bare hashes, fewer or more fields, comments" \
    eval 'succeeded && [ "$(nusers)" = 6 ]'
t "dovecot: scheme prefix removed, hash kept" eq \
    "$(sq "SELECT hash FROM users WHERE name = 'u2@example.org'")" "$H_SHA256"

# ---- csv details ---------------------------------------------------------

fresh
printf '\357\273\277Address,Hash\r\n"o,dd@example.org","%s"\r\n"plain@example.org",%s\r\n' \
    "$H_SHA512" "$H_MD5" >"$TMP/q.csv"
mu import --format csv "$TMP/q.csv"
t "csv: BOM, header case, CRLF and RFC 4180 quotes" eval 'succeeded &&
    [ "$(sq "SELECT count(*) FROM users WHERE name IN
             ('"'o,dd@example.org'"', '"'plain@example.org'"')")" = 2 ]'
mu export --format csv
t "csv export quotes a field with a comma" \
    grep -qxF "\"o,dd@example.org\",$H_SHA512" "$TMP/out"

fresh
cp "$CONF" "$TMP/dd.conf"
echo "default_domain = example.org" >>"$TMP/dd.conf"
printf 'Address,Password\nalpha@example.org,Csv pass one\n"beta@example.org","Csv ""pass"", two"\ngamma,Csv pass three\n' \
    >"$TMP/pw.csv"
tool - -c "$TMP/dd.conf" import --format csv "$TMP/pw.csv"
t "csv with a password column, bare name with default_domain" eval \
    'succeeded && [ "$(nusers)" = 3 ]'
hash_of() { sq "SELECT hash FROM users WHERE name = '$1'"; }
t "csv passwords hashed with the configured method" eval '
    verifies "Csv pass one" "$(hash_of alpha@example.org)" &&
    verifies "Csv \"pass\", two" "$(hash_of beta@example.org)" &&
    verifies "Csv pass three" "$(hash_of gamma@example.org)" &&
    [ "$(sq "SELECT hash FROM users" | grep -c "^\\\$6\\\$")" = 3 ]'
t "csv passwords are nowhere in the store files" store_lacks \
    "Csv pass one" 'Csv "pass", two' "Csv pass three"

# The quality checks are those of "user passwd": whatever it says of a
# weak password, import says for that line.
fresh
mu_in 'alice pw 1
' user add --force --password-stdin weak@example.org
mu_in 'abc
' user passwd --password-stdin weak@example.org
if [ "$rc" = 0 ]; then
	skip "csv: a weak password is refused as user passwd refuses it" \
	    "no quality rule refuses \"abc\" here"
else
	why=$(sed 's/^mailuser-admin: //' "$TMP/err")
	printf 'address,password\nw2@example.org,abc\n' >"$TMP/weak.csv"
	mu import --format csv "$TMP/weak.csv"
	t "csv: a weak password is refused as user passwd refuses it" eval \
	    '[ "$rc" = 1 ] && grep -qF "weak.csv:2: w2@example.org: $why" "$TMP/err"'
	mu import --format csv --force "$TMP/weak.csv"
	t "csv: --force skips the quality checks" eval \
	    'succeeded && [ "$(nusers)" = 2 ]'
fi

# ---- malformed input: every reason, with its line number -----------------

fresh
mu_in 'Exists pw 1
' user add --force --password-stdin exists@example.org
long=$(printf '%05000d' 0)
{
	echo "good1@example.org:$H_SHA512"		# 1
	echo "three:fields:here"			# 2
	echo "onlyname@example.org"			# 3
	echo "nohash@example.org:"			# 4
	echo "bad@example.org:notahash"			# 5
	echo "cut@example.org:\$6\$rounds=1000\$saltsalt\$abc"	# 6
	echo "locked@example.org:!$H_SHA512"		# 7
	echo "good2@example.org:$H_MD5"			# 8
	echo "good1@example.org:$H_SHA512"		# 9 duplicate
	echo "exists@example.org:$H_SHA512"		# 10
	echo "a b@example.org:$H_SHA512"		# 11
	echo "x@y@example.org:$H_SHA512"		# 12
	echo "bare:$H_SHA512"				# 13
	echo "who@nowhere.example:$H_SHA512"		# 14
	printf 'latin1-\351@example.org:%s\n' "$H_SHA512"	# 15
	printf 'nul@example.org:%s\000x\n' "$H_SHA512"	# 16
	echo "long@example.org:$long"			# 17
	printf 'good3@example.org:%s\r\n' "$H_SHA256"	# 18 CRLF
	echo "# comment"				# 19
	echo ""						# 20
	echo "Good4@Example.ORG:$H_DES"			# 21
} >"$TMP/bad.pwd"
u0=$(nusers)
a0=$(naudit)
# line 21 has a DES hash, good with --allow-weak
mu import --format pwdfile --allow-weak "$TMP/bad.pwd"
t "bad lines: exit 1, nothing written" eval '[ "$rc" = 1 ] &&
    [ "$(nusers)" = "$u0" ] && [ "$(naudit)" = "$a0" ] && [ ! -s "$TMP/out" ]'
cp "$TMP/err" "$TMP/bad.err"
# expect LINE REASON: the line's report holds the reason (ERE)
expect() {
	t "bad line $1: $2" grep -Eq "^mailuser-admin: [^ ]*bad\.pwd:$1: .*$2" \
	    "$TMP/bad.err"
}
expect 2 "wrong field count"
expect 3 "wrong field count"
expect 4 "nohash@example\.org: empty hash"
expect 5 "bad@example\.org: unknown hash method"
expect 6 "cut@example\.org: malformed hash"
expect 7 "locked@example\.org: locked or disabled hash"
expect 9 "good1@example\.org: duplicate of an earlier line"
expect 10 "exists@example\.org: user already exists"
expect 11 "a\\\\x20b@example\.org: space"
expect 12 "more than one '@'"
expect 13 "bare: name without @domain \(use --domain\)"
expect 14 "who@nowhere\.example: no such domain"
expect 15 "not valid UTF-8"
expect 16 "NUL byte"
expect 17 "line too long"
t "every bad line reported once, good lines not at all" eval '
    [ "$(grep -c "bad\.pwd:[0-9]*:" "$TMP/bad.err")" = 15 ] &&
    ! grep -Eq "bad\.pwd:(1|8|18|19|20|21):" "$TMP/bad.err"'
t "a closing line says nothing was imported" \
    grep -q "bad.pwd: 15 bad lines: nothing imported" "$TMP/bad.err"
t "no password or hash in the messages" eval \
    '! grep -qF "$H_SHA512" "$TMP/bad.err"'

mu import --format pwdfile --allow-weak --dry-run "$TMP/bad.pwd"
t "--dry-run with bad lines: exit 1, nothing written, a summary" eval '
    [ "$rc" = 1 ] && [ "$(nusers)" = "$u0" ] &&
    out_has "^dry run: 4 users and 0 domains would be added, 15 bad lines$"'
mu import --format pwdfile --allow-weak --continue "$TMP/bad.pwd"
t "--continue: exit 3, the bad lines reported" eval '[ "$rc" = 3 ] &&
    [ "$(grep -c "bad\.pwd:[0-9]*:" "$TMP/err")" = 15 ] &&
    out_has "^imported 4 users, 0 domains added, 15 bad lines skipped$"'
t "--continue: exactly the good lines written" eq \
    "$(sq "SELECT name FROM users ORDER BY name" | tr '\n' ' ')" \
    "exists@example.org good1@example.org good2@example.org good3@example.org good4@example.org "
t "CRLF line: the carriage return is not part of the hash" eq \
    "$(sq "SELECT hash FROM users WHERE name = 'good3@example.org'")" \
    "$H_SHA256"

fresh
printf '%s\n' "x@example.org:{PLAIN}secret" \
    "y@example.org:{SSHA512}abc" "z@example.org:{SHA512-CRYPT}$H_MD5" \
    "w@example.org:{SHA512-CRYPT" "onefield" >"$TMP/bad.dovecot"
mu import --format dovecot "$TMP/bad.dovecot"
t "dovecot: unsupported schemes, mismatched and cut prefixes, one field" \
    eval '[ "$rc" = 1 ] && [ "$(nusers)" = 0 ] &&
    err_has "bad\.dovecot:1: x@example\.org: unsupported scheme \{PLAIN\}" &&
    err_has "bad\.dovecot:2: y@example\.org: unsupported scheme \{SSHA512\}" &&
    err_has "bad\.dovecot:3: z@example\.org: \{SHA512-CRYPT\} scheme with a hash of another method" &&
    err_has "bad\.dovecot:4: w@example\.org: unterminated \{SCHEME\} prefix" &&
    err_has "bad\.dovecot:5: wrong field count"'
t "dovecot: {PLAIN} password not echoed" eval '! grep -q secret "$TMP/err"'

printf 'address,hash\na@example.org,%s,extra\n"b@example.org,%s\nc@exa"mple.org,%s\n"d@example.org"x,%s\ne@example.org,"%s"\n' \
    "$H_MD5" "$H_MD5" "$H_MD5" "$H_MD5" "$H_MD5" >"$TMP/bad.csv"
mu import --format csv "$TMP/bad.csv"
t "csv: field count, unterminated quote, stray quote, text after a quote" \
    eval '[ "$rc" = 1 ] && [ "$(nusers)" = 0 ] &&
    err_has "bad\.csv:2: wrong field count" &&
    err_has "bad\.csv:3: unterminated quoted field" &&
    err_has "bad\.csv:4: quote in an unquoted field" &&
    err_has "bad\.csv:5: text after a closing quote" &&
    [ "$(grep -c "bad\.csv:[0-9]*:" "$TMP/err")" = 4 ]'
printf 'name,hash\na@example.org,%s\n' "$H_MD5" >"$TMP/hdr.csv"
err_run "csv: a wrong header is refused" 'hdr\.csv:1: the first line must be the header' \
    import --format csv "$TMP/hdr.csv"
: >"$TMP/empty.csv"
err_run "csv: an empty file has no header" 'no header line' \
    import --format csv "$TMP/empty.csv"
printf 'address,password\nnopw@example.org,\n' >"$TMP/nopw.csv"
mu import --format csv --force "$TMP/nopw.csv"
t "csv: an empty password is refused even with --force" eval '[ "$rc" = 1 ] &&
    err_has "nopw\.csv:2: nopw@example\.org: empty password"'

mu import --format pwdfile "$TMP/nonexistent.pwd"
t "a missing file: one clear error" one_error "nonexistent\.pwd: No such file"
mu import "$TMP/users.pwd"
t "import without --format: usage error" usage_error
mu import --format json "$TMP/users.pwd"
t "import --format json: usage error" usage_error
mu import --format pwdfile --json "$TMP/users.pwd"
t "import --json is not an option: usage error" usage_error

# domains, bare names, standard input
fresh
printf 'bare1:%s\nbare2:%s\nnew@fresh.example:%s\nnew2@fresh.example:%s\n' \
    "$H_MD5" "$H_MD5" "$H_MD5" "$H_MD5" >"$TMP/dom.pwd"
mu import --format pwdfile --domain Example.NET "$TMP/dom.pwd"
t "without --create-domains an unknown domain is a bad line" eval \
    '[ "$rc" = 1 ] && err_has "dom\.pwd:3: new@fresh\.example: no such domain" &&
     [ "$(nusers)" = 0 ]'
mu import --format pwdfile --domain Example.NET --create-domains --dry-run \
    "$TMP/dom.pwd"
t "--dry-run --create-domains: a summary, nothing written" eval \
    'succeeded && out_has "^dry run: 4 users and 1 domain would be added, 0 bad lines$" &&
     [ "$(nusers)" = 0 ] && [ "$(sq "SELECT count(*) FROM domains")" = 2 ]'
tool "$(cat "$TMP/dom.pwd")" -c "$CONF" import --format pwdfile \
    --domain Example.NET --create-domains -
t "import from standard input, --domain, --create-domains" eval 'succeeded &&
    out_has "^imported 4 users, 1 domain added$" &&
    [ "$(sq "SELECT count(*) FROM users WHERE name IN
             ('"'bare1@example.net'"', '"'bare2@example.net'"')")" = 2 ] &&
    [ "$(sq "SELECT count(*) FROM users u JOIN domains d ON d.id = u.domain_id
             WHERE d.name = '"'fresh.example'"'")" = 2 ]'
t "created domain audited" eq "$(sq "SELECT count(*) FROM audit WHERE
    action = 'domain add' AND account = 'fresh.example' AND detail = 'import'")" 1

# ---- user add --generate -------------------------------------------------

fresh
mu user add --generate gen@example.org
pw=$(cat "$TMP/out")
t "user add --generate prints one password of 16 characters" eval \
    'succeeded && [ "$(wc -l <"$TMP/out")" = 1 ] && [ ${#pw} = 16 ]'
t "generated password: no look-alikes, letters and digits only" eval \
    'printf "%s" "$pw" | grep -Eqx "[A-HJ-NP-Za-km-np-z2-9]{16}"'
t "generated password verifies against the stored hash" verifies "$pw" \
    "$(sq "SELECT hash FROM users WHERE name = 'gen@example.org'")"
t "generated password is nowhere in the store files" store_lacks "$pw"
t "without --must-change no change is forced" eq \
    "$(sq "SELECT force_change FROM users WHERE name = 'gen@example.org'")" 0
mu user add --generate --length 24 --must-change gen2@example.org
pw2=$(cat "$TMP/out")
t "--length 24 --must-change" eval 'succeeded && [ ${#pw2} = 24 ] &&
    [ "$(sq "SELECT force_change FROM users WHERE name = '"'gen2@example.org'"'")" = 1 ]'
mu user show --json gen2@example.org
t "user show --json: force_change after --must-change" jqt '.force_change == true'
t "two generated passwords differ" eval '[ "$pw" != "$pw2" ]'
mu user add --generate --length 12 gen3@example.org
t "--length 12 is the minimum" eval 'succeeded && [ "$(wc -c <"$TMP/out")" = 13 ]'
mu user add --generate --length 11 gen4@example.org
t "--length 11 is refused (exit 2)" eval 'usage_error && err_has "12 to 128"'
mu user add --generate --length 129 gen4@example.org
t "--length 129 is refused (exit 2)" usage_error
mu user add --generate --length 16x gen4@example.org
t "--length 16x is refused (exit 2)" usage_error
mu_in 'x
' user add --generate --password-stdin gen4@example.org
t "--generate with --password-stdin: exit 2" usage_error
mu user add --length 20 --password-file /dev/null gen4@example.org
t "--length without --generate: exit 2" usage_error
t "refused commands added no user" eq \
    "$(sq "SELECT count(*) FROM users WHERE name = 'gen4@example.org'")" 0
mu user add --generate gen@example.org
t "--generate for an existing user prints no password" eval \
    'one_error "already exists" && [ ! -s "$TMP/out" ]'
mu_in 'Quay-Sloe-pw 1
' user add --must-change --password-stdin must@example.org
t "--must-change with a given password" eval 'succeeded &&
    [ "$(sq "SELECT force_change FROM users WHERE name = '"'must@example.org'"'")" = 1 ]'

# ---- user rename ---------------------------------------------------------

id=$(sq "SELECT id FROM users WHERE name = 'gen@example.org'")
sqw "INSERT INTO pw_history (user_id, hash, changed) VALUES ($id, 'x', 1);
     INSERT INTO failures (user_id, source, count, first_fail, last_fail)
     VALUES ($id, '192.0.2.1', 2, 1, 2)"
ok_run "user rename" user rename gen@example.org Renamed@Example.NET
t "renamed: same id, new canonical name and domain" eq \
    "$(sq "SELECT u.id, d.name FROM users u JOIN domains d ON d.id = u.domain_id
           WHERE u.name = 'renamed@example.net'")" "$id|example.net"
t "renamed: history and counters kept" eq \
    "$(sq "SELECT (SELECT count(*) FROM pw_history WHERE user_id = $id),
                  (SELECT count(*) FROM failures WHERE user_id = $id)")" "1|1"
t "renamed: the password still verifies" verifies "$pw" \
    "$(sq "SELECT hash FROM users WHERE name = 'renamed@example.net'")"
err_run "rename of an unknown user" "no such user: gen@example.org" \
    user rename gen@example.org other@example.org
err_run "rename onto an existing user" "already exists" \
    user rename renamed@example.net gen2@example.org
err_run "rename into an unknown domain" "no such domain: nowhere.example" \
    user rename renamed@example.net x@nowhere.example
err_run "rename to an invalid name" "invalid user name" \
    user rename renamed@example.net 'a b@example.org'
mu user rename renamed@example.net
t "rename with one name: usage error" usage_error

# ---- domain del --cascade ------------------------------------------------

mu_in 'Casc pw 1
' user add --force --password-stdin c1@example.net
cid=$(sq "SELECT id FROM users WHERE name = 'c1@example.net'")
sqw "INSERT INTO recent_failures (user_id, digest, at) VALUES ($cid, 'd', 1)"
err_run "domain del with users names --cascade" "use --cascade" \
    domain del example.net
a0=$(naudit)
ok_run "domain del --cascade" domain del --cascade example.net
t "cascade: domain, users and their rows gone" eq \
    "$(sq "SELECT (SELECT count(*) FROM domains WHERE name = 'example.net'),
                  (SELECT count(*) FROM users WHERE id IN ($id, $cid)),
                  (SELECT count(*) FROM pw_history WHERE user_id = $id),
                  (SELECT count(*) FROM failures WHERE user_id = $id),
                  (SELECT count(*) FROM recent_failures WHERE user_id = $cid)")" \
    "0|0|0|0|0"
t "cascade: one audit row per user and one for the domain" eq \
    "$(sq_join ';' "SELECT action || ' ' || account || ' ' ||
                  coalesce(detail, '') FROM audit WHERE id > $a0 ORDER BY id")" \
    "domain del example.net cascade, 2 users;user del c1@example.net domain del --cascade;user del renamed@example.net domain del --cascade"
ok_run "domain del --cascade of an empty domain" domain del --cascade \
    example.org
mu domain add example.org
mu user add --cascade x@example.org
t "--cascade is not a user add option" usage_error

# ---- audit ---------------------------------------------------------------

fresh
mu_in 'Audit pw 1
' user add --force --password-stdin au@example.org
mu_in 'Audit pw 2
' user passwd --force --password-stdin au@example.org
mu user disable au@example.org
mu user enable au@example.org
mu user expire au@example.org 2031-01-01
mu user lock --reason "audit test" au@example.org
mu user unlock au@example.org
mu user rename au@example.org au2@example.org
mu unlock au2@example.org
mu user force-change au2@example.org
mu user set --max-days 30 au2@example.org
mu domain set --max-days 60 example.org
mu domain add tmp.example
mu domain disable tmp.example
mu domain enable tmp.example
mu domain del tmp.example
mu export --format pwdfile
printf 'imp@example.org:%s\n' "$H_MD5" >"$TMP/one.pwd"
mu import --format pwdfile "$TMP/one.pwd"
mu user del imp@example.org
mu audit --json
cp "$TMP/out" "$TMP/audit.json"
t "audit --json parses" jqt 'type == "array" and length > 0'
for act in init "domain add" "domain disable" "domain enable" "domain del" \
    "user add" "user passwd" "user disable" "user enable" "user expire" \
    "user lock" "user unlock" "user rename" "user del" unlock import export \
    "user force-change" "user set" "domain set"; do
	t "audit row for \"$act\"" jqf --arg a "$act" \
	    'any(.[]; .action == $a)' "$TMP/audit.json"
done
# the name: the terminal's login, else the uid's name (no terminal here)
t "audit rows say when and who (uid, name, tool)" jqf --arg u "$(id -un)" \
    'all(.[]; (.at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$")) and
     .uid == 0 and .actor == $u and .tool == "mailuser-admin")' \
    "$TMP/audit.json"
t "audit rows name the account" jqf \
    '[.[] | select(.action == "user rename")][0] |
     .account == "au2@example.org" and .detail == "from au@example.org"' \
    "$TMP/audit.json"
t "lock reason recorded" jqf \
    'any(.[]; .action == "user lock" and .detail == "audit test")' \
    "$TMP/audit.json"
t "no audit row holds a hash or a password" eval \
    '! grep -Eq "\\\$(6|5|1|y|2b)\\\$|Audit pw" "$TMP/audit.json" &&
     [ "$(sq "SELECT count(*) FROM audit WHERE coalesce(detail, '"''"') LIKE '"'%\$%'"'
              OR coalesce(account, '"''"') LIKE '"'%\$%'"'")" = 0 ]'
mu audit
t "audit: a table, oldest first" eval 'succeeded &&
    out_has "^TIME +WHO +TOOL +ACTION +ACCOUNT +DETAIL" &&
    [ "$(sed -n 2p "$TMP/out" | grep -c " init ")" = 1 ]'
mu audit --json --user AU2@example.org
t "audit --user: only that account" jqt \
    'length >= 2 and all(.[]; .account == "au2@example.org")'
mu audit --json --since 2999-01-01
t "audit --since a future date: nothing" jqt 'length == 0'
mu audit --json --since 1970-01-01
t "audit --since 1970-01-01: everything" eval \
    'jqt "length == $(jq length "$TMP/audit.json")"'
err_run "audit --since with a bad date" "invalid date" audit --since 2030-02-30
mu audit prune
t "audit prune without --before: usage error" usage_error
mu audit prune --before 1970-01-02
t "audit prune --before an old date removes nothing" eval \
    'succeeded && out_has "^0 audit rows removed$"'
n=$(naudit)
mu audit prune --before 2999-01-01
t "audit prune removes the older rows and records itself" eval 'succeeded &&
    out_has "^$n audit rows removed$" && [ "$(naudit)" = 1 ] &&
    [ "$(sq "SELECT action || '"'|'"' || detail FROM audit")" = \
      "audit prune|before 2999-01-01, $n rows removed" ]'
mu audit --json prune
t "audit --json prune: usage error" usage_error

# ---- secrets in the store files ------------------------------------------

# The users and their hashes are gone after a delete: neither the
# database nor the -wal file may keep them (secure_delete, WAL emptied).
fresh
printf 'address,password\ns1@example.org,Secret csv 1\n' >"$TMP/s.csv"
mu import --format csv "$TMP/s.csv"
mu_in 'Secret add 2
' user add --force --password-stdin s2@example.org
mu_in 'Secret passwd 3
' user passwd --force --password-stdin s2@example.org
old=$(sq "SELECT hash FROM users WHERE name = 's1@example.org'")
mu import --format pwdfile --allow-weak "$TMP/users.pwd"
t "the store files never hold a password" store_lacks \
    "Secret csv 1" "Secret add 2" "Secret passwd 3"
s2hash=$(sq "SELECT hash FROM users WHERE name = 's2@example.org'")
mu domain del --cascade example.org
mu domain del --cascade example.net
if on_pg; then
	skip "after the users are deleted, no hash is left in the db or -wal file" \
	    "SQLite file"
	skip "the -wal file is emptied when the tool exits" "SQLite file"
else
t "after the users are deleted, no hash is left in the db or -wal file" \
    store_lacks "$old" "$s2hash" "$H_SHA512" "$H_SHA256" "$H_MD5" "$H_DES" \
    "$H_BCRYPT" "$H_YES" "${old#*\$*\$*\$}"
t "the -wal file is emptied when the tool exits" eval \
    '[ ! -s "$DB-wal" ]'
fi

# ---- stats ---------------------------------------------------------------

printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\nmaxdays = 90\nwarndays = 7\n' \
    "$DB" >"$TMP/age.conf"
chmod 0600 "$TMP/age.conf"
fresh
mu domain add off.example
now=$(date +%s)
{
	for u in a b c d e f g h; do echo "$u@example.org:$H_SHA512"; done
	echo "m1@example.net:$H_MD5"
	echo "m2@example.net:$H_BCRYPT"
	echo "o1@off.example:$H_SHA512"
	echo "o2@off.example:$H_SHA512"
} >"$TMP/stats.pwd"
mu import --format pwdfile "$TMP/stats.pwd"
mu domain disable off.example
mu user disable a@example.org
mu user lock --reason test b@example.org
sqw "UPDATE users SET force_change = 1 WHERE name = 'c@example.org';
     UPDATE users SET expires = $now - 86400 WHERE name = 'd@example.org';
     UPDATE users SET pw_changed = $now - 100 * 86400 WHERE name = 'e@example.org';
     UPDATE users SET pw_changed = $now - 87 * 86400 WHERE name = 'f@example.org';
     UPDATE users SET pw_changed = $now - 60 * 86400 WHERE name = 'g@example.org';
     UPDATE users SET max_days = 0, pw_changed = 0 WHERE name = 'h@example.org';
     INSERT INTO failures SELECT id, '192.0.2.1', 5, $now, $now, $now + 600
         FROM users WHERE name = 'g@example.org';
     INSERT INTO failures SELECT id, '', 50, $now, $now, 9223372036854775807
         FROM users WHERE name = 'b@example.org';
     INSERT INTO failures SELECT id, '192.0.2.2', 5, 1, 1, 600
         FROM users WHERE name = 'm1@example.net'"
tool - -c "$TMP/age.conf" stats --json
cp "$TMP/out" "$TMP/stats.json"
t "stats --json: users and domains" jqt '.users == 12 and .domains == 3 and
    .disabled_domains == 1 and .disabled_users == 1 and
    .domain_disabled_users == 2'
t "stats --json: locked (admin, active failure locks, total)" jqt \
    '.locked == {"total": 2, "admin": 1, "failures": 2}'
t "stats --json: forced change, expired accounts" jqt \
    '.force_change == 1 and .expired_accounts == 1'
# maxdays = 90: e (100 days) expired; f (87 days) expires within 7 days;
# every other user changed today or has no maximum age (h)
t "stats --json: expired and expiring passwords (aging policy)" jqt \
    '.expired_passwords == 1 and .expiring_7_days == 1'
t "stats --json: hash methods and legacy hashes" jqt \
    '.configured_method == "sha512crypt" and .legacy_hashes == 2 and
     .hash_methods == {"sha512crypt": 10, "md5crypt": 1, "bcrypt": 1}'
tool - -c "$TMP/age.conf" stats
t "stats: the same figures as text" eval 'succeeded &&
    out_has "^users: +12$" && out_has "^domains: +3 \(1 disabled\)$" &&
    out_has "^locked users: +2 \(admin lock 1, failure lock 2\)$" &&
    out_has "^passwords expiring in 7 days: +1$" &&
    out_has "^legacy hashes: +2 \(configured: sha512crypt\)$" &&
    out_has "^hash method md5crypt +1 \(legacy\)$"'
mu stats --json --since 2020-01-01
t "stats --since: usage error" usage_error

# ---- bash completion -----------------------------------------------------

if command -v bash >/dev/null 2>&1; then
	bash -c 'source "$1" && complete -p mailuser-admin' sh "$COMPLETION" \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	t "completion script loads in bash without error" eval 'succeeded &&
	    out_has "^complete -F _mailuser_admin mailuser-admin$"'
	# comp WORD...: what completes after the words (the last one is the
	# word being completed), with the tool on PATH and the test store.
	comp() {
		PATH="$(dirname "$BIN"):$PATH" bash -c '
		    source "$1"; shift
		    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		    _mailuser_admin; printf "%s\n" "${COMPREPLY[@]}"' \
		    sh "$COMPLETION" mailuser-admin -c "$CONF" "$@" 2>&1 |
		    sort | tr '\n' ' '
	}
	# Every command and option of usage(): the synopsis is parsed into
	# command paths and their options, and each must complete.
	tool -
	sed 's/^usage://; s/^ *//; s/^[^ ]* //' "$TMP/err" | sed 1d \
	    >"$TMP/synopsis"
	missing=""
	while read -r line; do
		set -- $line
		first=$1
		shift
		subs=""
		case $first in
		-*)	# global options: --help | --version
			for o in $(echo "$line" | grep -o -- '--[a-z-]*'); do
				case " $(comp --) " in *" $o "*) ;;
				*) missing="$missing $o" ;; esac
			done
			continue
			;;
		esac
		case $first in
		domain | user | policy | limit)
			subs=$1
			shift
			while [ "${1:-}" = "|" ]; do
				subs="$subs $2"
				shift 2
			done
			;;
		audit)
			[ "${1:-}" = prune ] && { subs=prune; shift; }
			;;
		sending)
			[ "${1:-}" = reset ] && { subs=reset; shift; }
			;;
		esac
		case " $(comp "") " in *" $first "*) ;;
		*) missing="$missing $first" ;; esac
		for s in ${subs:-""}; do
			if [ -n "$s" ]; then
				case " $(comp "$first" "") " in *" $s "*) ;;
				*) missing="$missing $first:$s" ;; esac
			fi
			got=" $(comp $first $s --) "
			for o in $(echo "$line" | grep -o -- '--[a-z-]*' |
			    sort -u); do
				case $got in *" $o "*) ;;
				*) missing="$missing $first${s:+ $s}:$o" ;;
				esac
			done
		done
	done <"$TMP/synopsis"
	t "completion offers every command and option of the synopsis" \
	    eval '[ -z "$missing" ] || { echo "# missing:$missing"; false; }'
	t "completion: formats of import and export" eval '
	    [ "$(comp import --format "")" = "csv dovecot pwdfile " ] &&
	    [ "$(comp export --format "")" = "csv dovecot json pwdfile " ]'
	fresh >/dev/null
	mu_in 'Comp pw 1
' user add --force --password-stdin comp@example.org
	t "completion: user names from the store" eq \
	    "$(comp user show co)" "comp@example.org "
	t "completion: domain names from the store" eq \
	    "$(comp domain del --cascade example.n)" "example.net "
	t "completion: never after a date" eq \
	    "$(comp user expire comp@example.org n)" "never "
else
	skip "bash completion" "no bash"
fi

# ---- sanitizers ----------------------------------------------------------

t "no sanitizer report in any run" eval \
    '! grep -Eq "Sanitizer|runtime error:" "$TMP/allerr"'

exit 0
