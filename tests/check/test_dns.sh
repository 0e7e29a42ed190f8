#!/bin/sh
# mailserver-check against a real DNS server: unbound on a free port of
# 127.0.0.1 holds the zones (local-data) and sends the blacklist zones to
# rbldnsd, and one zone to a port that never answers.  Every case runs
# the built tool with --resolver at it and asserts each verdict (read
# from --json with jq) and the exit code.
#
#   sh tests/check/test_dns.sh BUILD_DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/check/lib.sh"
B=$(cd "${1:-build}" && pwd)
TOOL=$B/mailserver-check
# CHECK_WRAP: a command to run the tool under, e.g. valgrind (then the
# timing case is skipped)
W=${CHECK_WRAP:-}

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
for c in unbound unbound-checkconf rbldnsd jq openssl python3; do
	command -v $c >/dev/null 2>&1 || { notok "$c is installed"; exit 1; }
done
[ -x "$TOOL" ] || { notok "$TOOL is built"; exit 1; }
dns_init || { notok "temporary directory"; exit 1; }
T=$DNS_TMP

# ---- keys -------------------------------------------------------------
key() {	# NAME BITS: $T/NAME.pem and the base64 DER public key
	openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" \
	    -out "$T/$1.pem" 2>/dev/null &&
	    openssl pkey -in "$T/$1.pem" -pubout -outform DER | base64 -w0
}
K2048=$(key mail 2048) && K1024=$(key small 1024) && K2=$(key other 2048) ||
	{ notok "DKIM keys made with openssl"; exit 1; }

# ---- blacklists (rbldnsd) ---------------------------------------------
cat >"$T/bl4" <<'EOF'
:127.0.0.2:Listed by bl.test: see https://bl.test/$
127.0.0.2
192.0.2.66 :127.0.0.4:Sent spam to our traps, see https://bl.test/q?$
EOF
cat >"$T/bl6" <<'EOF'
:127.0.0.2:Listed by bl.test (IPv6)
::ffff:127.0.0.2/128
2001:db8::1/128
EOF
# answers every query with the "public resolver" error, as Spamhaus does
# for queries through a public resolver
cat >"$T/zen" <<'EOF'
:127.255.255.254:Query through a public resolver refused
127.0.0.0/8
192.0.2.0/24
EOF
# a retired zone: lists nothing, not even its test address
: >"$T/retired"
i=1
Z50=
ZONES50=
printf '127.0.0.2\n' >"$T/many"
while [ $i -le 50 ]; do
	Z50="$Z50 --dnsbl bl$i.test"
	ZONES50="$ZONES50 bl$i.test:ip4set:many"
	i=$((i + 1))
done
# shellcheck disable=SC2086
dns_rbldnsd bl.test:ip4set:bl4 bl.test:ip6trie:bl6 \
    zen.spamhaus.org:ip4set:zen retired.test:ip4set:retired $ZONES50 ||
	{ notok "rbldnsd started"; exit 1; }
dns_sink || { notok "a port that never answers"; exit 1; }

# ---- the zones (unbound) ----------------------------------------------
{
	cat <<'EOF'
local-zone: "good.test." static
local-data: "mx.good.test. A 192.0.2.25"
local-data: "mx.good.test. AAAA 2001:db8::25"
local-data: "good.test. MX 10 mx.good.test."
local-data: 'good.test. TXT "v=spf1 mx include:_spf.good.test ip6:2001:db8::/64 -all"'
local-data: 'good.test. TXT "google-site-verification=abc"'
local-data: '_spf.good.test. TXT "v=spf1 ip4:192.0.2.0/24 " "a:mx.good.test ~all"'
local-data: 'mx.good.test. TXT "v=spf1 a -all"'
local-data: '_dmarc.good.test. TXT "v=DMARC1; p=reject; rua=mailto:d@good.test,mailto:reports@other.test"'
local-data: "mail2.good.test. A 192.0.2.32"
local-data: "elsewhere.good.test. A 192.0.2.99"
local-zone: "other.test." static
local-data: 'good.test._report._dmarc.other.test. TXT "v=DMARC1"'
local-zone: "2.0.192.in-addr.arpa." static
local-data: "25.2.0.192.in-addr.arpa. PTR mx.good.test."
local-data: "31.2.0.192.in-addr.arpa. PTR elsewhere.good.test."
local-data: "32.2.0.192.in-addr.arpa. PTR mail2.good.test."
local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." static
local-data: "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR mx.good.test."
local-zone: "bad.test." static
local-data: 'twospf.bad.test. TXT "v=spf1 ip4:192.0.2.25 -all"'
local-data: 'twospf.bad.test. TXT "v=spf1 mx -all"'
local-data: 'many.bad.test. TXT "v=spf1 a:a1.bad.test a:a2.bad.test a:a3.bad.test a:a9.bad.test include:i1.bad.test -all"'
local-data: 'i1.bad.test. TXT "v=spf1 a:a4.bad.test a:a5.bad.test include:i2.bad.test ?all"'
local-data: 'i2.bad.test. TXT "v=spf1 a:a6.bad.test a:a7.bad.test mx:a8.bad.test ?all"'
local-data: "a1.bad.test. A 198.51.100.1"
local-data: "a2.bad.test. A 198.51.100.2"
local-data: "a3.bad.test. A 198.51.100.3"
local-data: "a4.bad.test. A 198.51.100.4"
local-data: "a5.bad.test. A 198.51.100.5"
local-data: "a6.bad.test. A 198.51.100.6"
local-data: "a7.bad.test. A 198.51.100.7"
local-data: "a8.bad.test. MX 10 a1.bad.test."
local-data: "a9.bad.test. A 198.51.100.9"
local-data: 'voids.bad.test. TXT "v=spf1 a:n1.bad.test a:n2.bad.test a:n3.bad.test ip4:192.0.2.25 -all"'
local-data: 'notauth.bad.test. TXT "v=spf1 ip4:198.51.100.0/24 ~all"'
local-data: 'plusall.bad.test. TXT "v=spf1 +all"'
local-data: 'syntax.bad.test. TXT "v=spf1 ip4:192.0.2.300 -all"'
local-data: '_dmarc.notauth.bad.test. TXT "v=DMARC1; p=none; rua=mailto:x@third.test"'
local-data: 'old._domainkey.good.test. TXT "v=DKIM1; k=rsa; p="'
local-data: 'broken._domainkey.good.test. TXT "v=DKIM1; k=rsa; p=AAAAB3NzaC1yc2E="'
local-data: '_dmarc.twospf.bad.test. TXT "v=DMARC1; p=quarantine"'
local-data: '_dmarc.syntax.bad.test. TXT "v=DMARC1; rua=mailto:d@syntax.bad.test"'
local-zone: "100.51.198.in-addr.arpa." static
local-zone: "third.test." static
local-zone: "zen.spamhouse.org." redirect
local-data: "zen.spamhouse.org. A 198.51.100.80"
EOF
	dns_txt mail._domainkey.good.test "v=DKIM1; k=rsa; p=$K2048"
	dns_txt small._domainkey.good.test "v=DKIM1; p=$K1024"
	dns_stub bl.test
	dns_stub zen.spamhaus.org
	dns_stub retired.test
	i=1
	while [ $i -le 50 ]; do
		dns_stub "bl$i.test"
		i=$((i + 1))
	done
	dns_forward_sink slow.test
} >"$T/zones.conf"
dns_unbound "$T/zones.conf" || { notok "unbound started"; exit 1; }
ok "unbound on $DNS_RESOLVER, rbldnsd on 127.0.0.1@$DNS_RBL_PORT"

# ---- helpers ------------------------------------------------------------
# run ARGS...: the tool with --json and a 2 s timeout; $rc, $T/out
run() {
	$W "$TOOL" -c /dev/null --resolver "$DNS_RESOLVER" --timeout 2 --json \
	    "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
run_table() {
	$W "$TOOL" -c /dev/null --resolver "$DNS_RESOLVER" --timeout 2 "$@" \
	    >"$T/out" 2>"$T/err"
	rc=$?
}
# field CHECK SUBJECT [FIELD]: the verdict (or FIELD) of that result
field() {
	jq -r --arg c "$1" --arg s "$2" --arg f "${3:-verdict}" \
	    '[.results[] | select(.check == $c and .subject == $s) | .[$f]]
	     | join("|")' "$T/out" 2>/dev/null
}
# want DESCRIPTION CHECK SUBJECT VERDICT [REASON-PATTERN]
want() {
	v=$(field "$2" "$3")
	r=$(field "$2" "$3" reason)
	case "$v:$r" in
	$4:${5:-*}) ok "$1: $2 $3 is $4" ;;
	*)
		notok "$1: $2 $3 is $4${5:+ (reason $5)}"
		echo "# got: $v: $r"
		head -c 3000 "$T/err" | sed 's/^/# stderr: /'
		;;
	esac
}
exit_is() {	# DESCRIPTION CODE
	if [ "$rc" = "$2" ]; then ok "$1: exit $2"; else
		notok "$1: exit $2"
		echo "# got exit $rc"
		sed 's/^/# /' "$T/err" | head -5
	fi
}

GOOD="--ip 192.0.2.25 --ip 2001:db8::25 --host mx.good.test --domain good.test --selector mail --dnsbl bl.test"

# ---- a correct set-up ---------------------------------------------------
run $GOOD --dkim-key "mail=$T/mail.pem"
exit_is "correct set-up" 0
t=$(jq -r '[.results[].verdict] | unique | join(",")' "$T/out")
if [ "$t" = "OK,SKIP" ]; then ok "correct set-up: every check OK (relay skipped)"
else notok "correct set-up: every check OK"; jq -c '.results[]' "$T/out" | sed 's/^/# /'; fi
want "correct" rdns 192.0.2.25 OK '*PTR mx.good.test*'
want "correct" rdns 2001:db8::25 OK '*AAAA*'
want "correct" spf good.test OK '*one record*'
want "correct" spf "good.test 192.0.2.25" OK 'pass*'
want "correct" spf "good.test 2001:db8::25" OK 'pass*'
want "correct" spf-helo "mx.good.test 192.0.2.25" OK
want "correct" dkim mail._domainkey.good.test OK "RSA key of 2048 bits, matches $T/mail.pem"
want "correct" dmarc _dmarc.good.test OK 'p=reject'
want "correct, external rua authorised" dmarc-report \
    "good.test mailto:reports@other.test" OK
want "correct" dnsbl "bl.test 192.0.2.25" OK 'not listed'
want "correct" dnsbl "bl.test 2001:db8::25" OK 'not listed'
want "correct" relay "" SKIP
t=$(jq -r '.summary' "$T/out")
case $t in
"MAILSERVER OK - 0 FAIL, 0 WARN, 0 UNKNOWN, "*" OK, 1 skipped") ok "summary: $t" ;;
*) notok "summary line"; echo "# $t" ;;
esac

run_table $GOOD
exit_is "table" 0
if head -n 1 "$T/out" | grep -q '^MAILSERVER OK - ' &&
    sed -n 2p "$T/out" | grep -q '^CHECK  *SUBJECT  *VERDICT  REASON$' &&
    ! grep -q "$(printf '\033')" "$T/out"; then
	ok "table: summary line, then aligned columns; no colour off a terminal"
else
	notok "table"; sed 's/^/# /' "$T/out"
fi
if command -v script >/dev/null 2>&1; then
	script -qec "\"$TOOL\" -c /dev/null --resolver $DNS_RESOLVER $GOOD" \
	    /dev/null >"$T/tty" 2>&1
	if grep -q "$(printf '\033')\[32mOK" "$T/tty"; then
		ok "table on a terminal: verdicts in colour"
	else
		notok "table on a terminal: verdicts in colour"
	fi
fi

# ---- reverse DNS --------------------------------------------------------
run --ip 192.0.2.30 --dnsbl bl.test
want "missing PTR" rdns 192.0.2.30 FAIL '*no PTR record*'
exit_is "missing PTR" 2
run --ip 192.0.2.31 --dnsbl bl.test
want "PTR whose name does not resolve back" rdns 192.0.2.31 FAIL \
    '*elsewhere.good.test*do not hold 192.0.2.31*'
run --ip 192.0.2.32 --host mx.good.test --dnsbl bl.test
want "PTR not the host name" rdns 192.0.2.32 WARN \
    '*mail2.good.test*not the host name mx.good.test*'

# ---- SPF ----------------------------------------------------------------
run --ip 192.0.2.25 --domain twospf.bad.test --dnsbl bl.test
want "two SPF records" spf twospf.bad.test FAIL '2 SPF records*'
want "two SPF records" spf "twospf.bad.test 192.0.2.25" FAIL 'permerror*'
exit_is "two SPF records" 2
run --ip 192.0.2.25 --domain many.bad.test --dnsbl bl.test
want "SPF over 10 lookups" spf many.bad.test FAIL \
    '*more than 10 DNS-lookup terms*'
run --ip 192.0.2.25 --domain voids.bad.test --dnsbl bl.test
want "SPF over 2 void lookups" spf voids.bad.test FAIL \
    '*more than 2 void lookups*'
run --ip 192.0.2.25 --domain notauth.bad.test --dnsbl bl.test
want "SPF not authorising the IP" spf "notauth.bad.test 192.0.2.25" FAIL \
    'softfail: 192.0.2.25 is not authorised*'
want "SPF record itself fine" spf notauth.bad.test OK
run --ip 192.0.2.25 --domain plusall.bad.test --dnsbl bl.test
want "+all" spf plusall.bad.test FAIL '*+all*'
run --ip 192.0.2.25 --domain syntax.bad.test --dnsbl bl.test
want "SPF syntax" spf syntax.bad.test FAIL 'syntax: bad term*'
run --ip 192.0.2.25 --host mail2.good.test --dnsbl bl.test
want "no SPF record for the HELO name" spf-helo mail2.good.test WARN
run --ip 192.0.2.25 --domain nothing.bad.test --dnsbl bl.test
want "no SPF record" spf nothing.bad.test FAIL 'no SPF record*'

# ---- DKIM ---------------------------------------------------------------
run --domain good.test --selector old --selector small --selector broken \
    --selector none --selector mail --dkim-key "mail=$T/other.pem"
want "revoked DKIM key" dkim old._domainkey.good.test FAIL '*revoked*'
want "1024-bit DKIM key" dkim small._domainkey.good.test WARN \
    '*1024 bits*'
want "unparsable DKIM key" dkim broken._domainkey.good.test FAIL \
    '*not an RSA public key*'
want "missing DKIM selector" dkim none._domainkey.good.test FAIL \
    'no key record*'
want "DKIM key not the local private key" dkim mail._domainkey.good.test \
    FAIL "*not the public half of $T/other.pem*"
exit_is "DKIM failures" 2

# ---- DMARC --------------------------------------------------------------
run --domain nodmarc.bad.test --domain notauth.bad.test \
    --domain syntax.bad.test
want "missing DMARC" dmarc _dmarc.nodmarc.bad.test FAIL 'no DMARC record'
want "DMARC p=none" dmarc _dmarc.notauth.bad.test OK 'p=none (monitoring*'
want "external rua not authorised" dmarc-report \
    "notauth.bad.test mailto:x@third.test" WARN \
    '*no v=DMARC1 record at notauth.bad.test._report._dmarc.third.test*'
want "DMARC without p=" dmarc _dmarc.syntax.bad.test FAIL 'no p= policy'

# ---- blacklists ---------------------------------------------------------
run --ip 192.0.2.66 --ip 2001:db8::1 --dnsbl bl.test --dnsbl zen.spamhaus.org \
    --dnsbl zen.spamhouse.org --dnsbl retired.test --dnsbl slow.test
want "listed, with the TXT reason" dnsbl "bl.test 192.0.2.66" FAIL \
    'LISTED: 127.0.0.4: "Sent spam to our traps, see https://bl.test/q?192.0.2.66"'
want "IPv6 listed" dnsbl "bl.test 2001:db8::1" FAIL \
    'LISTED: 127.0.0.2: "Listed by bl.test (IPv6)"'
want "Spamhaus error answer" dnsbl "zen.spamhaus.org 192.0.2.66" UNKNOWN \
    'error answer 127.255.255.254, not a listing: query through a public or open resolver*'
want "misspelt zone answering a parking address" dnsbl \
    "zen.spamhouse.org 192.0.2.66" FAIL \
    'not a blacklist answer: typo in the zone name or a wildcard domain*198.51.100.80*'
want "retired zone: RFC 5782 test fails" dnsbl "retired.test 192.0.2.66" \
    WARN 'broken zone: the test address 127.0.0.2 is not listed*'
want "retired zone: no IPv6" dnsbl "retired.test 2001:db8::1" SKIP
want "zone that times out" dnsbl "slow.test 192.0.2.66" UNKNOWN \
    'timeout: no answer within 2000 ms'
exit_is "blacklists" 2
name=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test.
if grep -q "info: 127.0.0.1 $name A IN" "$DNS_TMP/unbound.log"; then
	ok "IPv6 nibbles: 2001:db8::1 was asked as $name"
else
	notok "IPv6 nibbles: 2001:db8::1 was asked as $name"
	grep 'bl.test. A' "$DNS_TMP/unbound.log" | tail -n 5 | sed 's/^/# /'
fi
if grep -q "info: 127.0.0.1 66.2.0.192.bl.test. A IN" "$DNS_TMP/unbound.log"
then ok "IPv4: 192.0.2.66 was asked as 66.2.0.192.bl.test."
else notok "IPv4: 192.0.2.66 was asked as 66.2.0.192.bl.test."; fi

run --ip 192.0.2.66 --dnsbl slow.test --dnsbl bl.test
want "a timeout does not hide the other zones" dnsbl "bl.test 192.0.2.66" FAIL
run --ip 192.0.2.25 --dnsbl slow.test
exit_is "only a timeout: UNKNOWN" 3

# 50 zones, in parallel
start=$(date +%s%N)
# shellcheck disable=SC2086
run --ip 192.0.2.25 $Z50
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
n=$(jq '[.results[] | select(.check == "dnsbl" and .verdict == "OK")] | length' \
    "$T/out")
if [ -n "$W" ]; then
	ok "50 zones # SKIP timing under $W"
elif [ "$n" = 50 ] && [ "$ms" -lt 2000 ]; then
	ok "50 zones answered in ${ms} ms (under 2 s)"
else
	notok "50 zones answered in under 2 s"; echo "# $n OK in $ms ms"
fi

# ---- inputs, configuration, command line --------------------------------
$W "$TOOL" -c /dev/null --resolver "$DNS_RESOLVER" --json >"$T/out" 2>&1
rc=$?
exit_is "no inputs: everything skipped" 0
t=$(jq -r '[.results[].verdict] | unique | join(",")' "$T/out")
[ "$t" = SKIP ] && ok "no inputs: every check SKIP" ||
	{ notok "no inputs: every check SKIP"; echo "# $t"; }

cat >"$T/mailuser.conf" <<EOF
db = /nonexistent/mailuser.db
[other]
whatever = 1
[check]
ip = 192.0.2.30, 192.0.2.25
domain = good.test
selector = mail
dnsbl = bl.test
resolver = $DNS_RESOLVER
timeout = 2
EOF
chmod 0600 "$T/mailuser.conf"
$W "$TOOL" -c "$T/mailuser.conf" --json >"$T/out" 2>"$T/err"
rc=$?
want "[check] section" rdns 192.0.2.30 FAIL
want "[check] section" dkim mail._domainkey.good.test OK
exit_is "[check] section" 2
$W "$TOOL" -c "$T/mailuser.conf" --ip 192.0.2.25 --json >"$T/out" 2>"$T/err"
rc=$?
exit_is "an option replaces the [check] list" 0
printf '[check]\nfrobnicate = 1\n' >"$T/bad.conf"
chmod 0600 "$T/bad.conf"
"$TOOL" -c "$T/bad.conf" >"$T/out" 2>"$T/err"
rc=$?
exit_is "unknown [check] key" 3
grep -q 'bad.conf:2: \[check\] unknown option "frobnicate"' "$T/err" &&
	ok "unknown [check] key: file and line named" ||
	{ notok "unknown [check] key: file and line named"; cat "$T/err"; }
chmod 0666 "$T/bad.conf"
"$TOOL" -c "$T/bad.conf" >"$T/out" 2>"$T/err"
rc=$?
exit_is "world-writable configuration refused" 3
"$TOOL" -c "$T/missing.conf" >"$T/out" 2>"$T/err"
rc=$?
exit_is "-c with a missing file" 3
for a in "--ip 300.1.2.3" "--resolver 127.0.0.1@0" "--resolver example.org" \
    "--domain bad..name" "--smtp host:99999" "--timeout 0" "--frobnicate" \
    "extra"; do
	# shellcheck disable=SC2086
	"$TOOL" -c /dev/null $a >"$T/out" 2>"$T/err"
	rc=$?
	exit_is "usage error ($a)" 3
done
"$TOOL" --version >"$T/out" 2>&1
grep -q '^mailserver-check [0-9]' "$T/out" && ok "--version" ||
	notok "--version"

# usage() mirrors the man page SYNOPSIS
BS=$(printf '\b')
mandoc -Tascii "$top/doc/mailserver-check.8" 2>/dev/null | sed "s/.$BS//g" |
    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
    tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//' >"$T/man.syn"
"$TOOL" --help | sed 's/^usage://' | tr -s ' \t\n' '   ' |
    sed 's/^ //; s/ $//' >"$T/usage.syn"
if cmp -s "$T/man.syn" "$T/usage.syn"; then
	ok "usage() mirrors the man page SYNOPSIS"
else
	notok "usage() mirrors the man page SYNOPSIS"
	echo "# man:   $(cat "$T/man.syn")"
	echo "# usage: $(cat "$T/usage.syn")"
fi

dns_cleanup
exit 0
