#!/bin/sh
# make demo: a store in a temporary directory, one domain, one user, and
# logins through the real libpam, narrated.  Then, as root, the real mail
# stack on 127.0.0.1: Dovecot, saslauthd and Postfix authenticating
# through the module (tests/lib/stack.sh, shared with the integration
# tests).  Leaves nothing behind: no process, no file.
set -eu
B=${1:-build}
B=$(cd "$B" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '\n==> %s\n' "$*"; }
run() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/    /'; }

tmp=$(mktemp -d /tmp/mailuser-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

say "A configuration file: where the store lives, how passwords are hashed"
cat >"$tmp/mailuser.conf" <<EOC
db = $tmp/mailuser.db
hash = yescrypt
EOC
chmod 600 "$tmp/mailuser.conf"
sed 's/^/    /' "$tmp/mailuser.conf"
admin() { "$B/mailuser-admin" -c "$tmp/mailuser.conf" "$@"; }

say "Create the store (only mailuser-admin creates it; the module never does)"
run admin init
say "Add a mail domain and a mail user (no /etc/passwd entry is made)"
run admin domain add example.org
printf '    $ echo ... | mailuser-admin user add alice@example.org --password-stdin\n'
echo 'Blue-Harbor-Lantern-42' | admin user add alice@example.org --password-stdin
run admin user show alice@example.org

say "A PAM service, as /etc/pam.d/dovecot would have it"
# the module is loaded from a copy: a pam.d line cannot hold a path with
# a space, and the checkout's path may have one
cp "$B/pam_mailuser.so" "$tmp/pam_mailuser.so"
cat >"$tmp/dovecot" <<EOC
auth    required $tmp/pam_mailuser.so conf=$tmp/mailuser.conf
account required $tmp/pam_mailuser.so conf=$tmp/mailuser.conf
EOC
sed 's/^/    /' "$tmp/dovecot"

# The demo fails (exit 1, after it has shown everything) when an outcome
# is not the one it announces.
unexpected=0
verdict() {	# WANT GOT
	echo "    => $2"
	if [ "$1" != "$2" ]; then
		echo "    demo: expected $1" >&2
		unexpected=$((unexpected + 1))
	fi
}
try() {
	want=$1 label=$2 user=$3 pw=$4
	say "$label"
	printf '    login %s with password "%s"\n' "$user" "$pw"
	if echo "$pw" | "$B/pamtry" -d "$tmp" -r 192.0.2.10 dovecot "$user" \
	    >"$tmp/out"; then
		got=ACCEPTED
	else
		got=REFUSED
	fi
	sed 's/^/    /' "$tmp/out"
	verdict "$want" "$got"
}
try ACCEPTED "The right password, through the real libpam" \
    alice@example.org 'Blue-Harbor-Lantern-42'
try ACCEPTED \
    "Mixed case reaches the same account; PAM_USER comes back canonical" \
    Alice@Example.ORG 'Blue-Harbor-Lantern-42'
try REFUSED "A wrong password" alice@example.org 'blue-harbor-lantern-42'
try REFUSED "A user who is not in the store" bob@example.org 'whatever'
try REFUSED "A system account is never consulted" root 'whatever'

say "Done with part 1; removing $tmp"
rm -rf "$tmp"
trap - EXIT INT TERM

# ---- part 2: the real servers ----------------------------------------------
if [ "$(id -u)" != 0 ]; then
	say "Part 2, the real mail stack, needs root (it writes /etc/pam.d); skipped"
	exit $((unexpected != 0))
fi
for t in dovecot saslauthd postfix swaks; do
	if ! command -v $t >/dev/null 2>&1; then
		say "Part 2 needs $t (make deps installs it); skipped"
		exit $((unexpected != 0))
	fi
done
set +e
STACK_NAME=mailuser-demo
. "$top/tests/lib/stack.sh"
fail() { echo "    demo: $*" >&2; exit 1; }
show() { sed 's/^/    /'; }
PW=Blue-Harbor-Lantern-42

say "Part 2: the real mail stack on 127.0.0.1"
cat <<EOT
    Private instances of Dovecot (IMAP), saslauthd and Postfix (SMTP), with
    their configuration, state and logs in one temporary directory, each on
    a free port of 127.0.0.1, set up from doc/examples/ (see doc/deploy.md).
    Stopped and removed at the end, whatever happens.
EOT
stack_init "$B" || fail "cannot set up the store"
stack_user_add alice@example.org "$PW" || fail "cannot add alice"
echo "    store $STACK_DB: domain example.org, user alice@example.org"

stack_pam_install dovecot || fail "cannot install the PAM service"
say "PAM service /etc/pam.d/$STACK_SVC (doc/examples/pam.d/dovecot, the"
echo "    module path and conf= filled in); Dovecot and saslauthd use it"
show <"/etc/pam.d/$STACK_SVC"

say "Dovecot: passdb pam (service $STACK_SVC), userdb static"
stack_dovecot_start || fail "dovecot did not start"
echo "    listening on 127.0.0.1:$STACK_IMAP_PORT (IMAP)"

imap() {	# WANT LABEL PASSWORD
	say "$2"
	printf '    C: a LOGIN alice@example.org "%s"\n' "$3"
	r=$(stack_imap alice@example.org "$3")
	printf '    S: a %s\n' "$r" | sed 's/\[CAPABILITY [^]]*\]/[CAPABILITY ...]/'
	case $r in
	OK*) verdict "$1" ACCEPTED ;;
	*) verdict "$1" REFUSED ;;
	esac
}
imap ACCEPTED "IMAP login with the right password" "$PW"
grep 'Login: user=' "$STACK_TMP/dovecot/dovecot.log" | tail -n 1 |
    sed 's/^/    dovecot.log: /'
imap REFUSED "IMAP login with a wrong password" 'blue-harbor-lantern-42'
grep 'pam_authenticate() failed' "$STACK_TMP/dovecot/dovecot.log" |
    tail -n 1 | sed 's/.*: pam(/    dovecot.log: pam(/'

say "Postfix: SMTP AUTH through Cyrus saslauthd -a pam -r"
stack_saslauthd_start -r || fail "saslauthd did not start"
stack_postfix_start || fail "postfix did not start"
cat <<EOT
    saslauthd socket $STACK_SASL_MUX; Postfix on 127.0.0.1:$STACK_SMTP_PORT with
    smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated
                               reject_unauth_destination
    and a mynetworks that does not hold this client (127.0.0.1).
    Each dialogue stops after RCPT TO: nothing is ever sent.
EOT

smtp() {	# WANT LABEL [USER PASSWORD]
	want=$1 label=$2
	shift 2
	say "$label"
	[ $# -gt 0 ] && printf '    C: AUTH PLAIN (%s, password "%s")\n' "$1" "$2"
	echo "    C: MAIL FROM:<sender@example.org>"
	echo "    C: RCPT TO:<someone@foreign.example>"
	stack_smtp_rcpt someone@foreign.example "$@" | sed 's/^/    S: /'
	if grep -q '^<-  250 2.1.5' "$STACK_TMP/swaks.out"; then
		verdict "$want" "RELAY ACCEPTED"
	else
		verdict "$want" REFUSED
	fi
}
smtp REFUSED "SMTP to another domain without AUTH: Postfix is no open relay"
smtp "RELAY ACCEPTED" "SMTP AUTH with the right password, then the same RCPT" \
    alice@example.org "$PW"
smtp REFUSED "SMTP AUTH with a wrong password" alice@example.org 'nope'

say "Stopping Dovecot, saslauthd and Postfix"
echo "    and removing /etc/pam.d/$STACK_SVC and $STACK_TMP"
svc=$STACK_SVC
stack_cleanup
if [ -e "/etc/pam.d/$svc" ]; then
	fail "/etc/pam.d/$svc is still there"
fi
echo "    done: nothing left running, nothing left behind"
if [ "$unexpected" -ne 0 ]; then
	echo "    demo: $unexpected outcome(s) not as expected" >&2
	exit 1
fi

# ---- part 3: mailserver-check ----------------------------------------------
for t in unbound rbldnsd openssl; do
	if ! command -v $t >/dev/null 2>&1; then
		say "Part 3 needs $t (make deps installs it); skipped"
		exit 0
	fi
done
say "Part 3: mailserver-check, the server's reputation self-check"
cat <<EOT
    A private Postfix again, and a private DNS: unbound on a free port of
    127.0.0.1 holding two mail domains, one set up right and one broken,
    with rbldnsd for a blacklist zone.  mailserver-check asks that DNS
    (--resolver) and probes that Postfix (--smtp).  See
    mailserver-check(8).
EOT
DNS_NAME=mailuser-demo-dns
. "$top/tests/check/lib.sh"
stack_init "$B" || fail "cannot set up the store"
stack_pam_install smtp || fail "cannot install the PAM service"
stack_saslauthd_start -r || fail "saslauthd did not start"
stack_postfix_start || fail "postfix did not start"
dns_init || fail "cannot make a directory"
trap 'dns_cleanup; stack_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
MX=mx.mailuser-test.invalid
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$DNS_TMP/mail.pem" 2>/dev/null || fail "openssl genpkey"
KEY=$(openssl pkey -in "$DNS_TMP/mail.pem" -pubout -outform DER | base64 -w0)
printf ':127.0.0.2:Listed: see https://bl.demo.test/$\n127.0.0.2\n203.0.113.66\n' \
    >"$DNS_TMP/bl"
dns_rbldnsd bl.demo.test:ip4set:bl || fail "rbldnsd did not start"
{
	cat <<EOC
local-zone: "mailuser-test.invalid." static
local-data: "$MX. A 203.0.113.25"
local-data: '$MX. TXT "v=spf1 a -all"'
local-zone: "113.0.203.in-addr.arpa." static
local-data: "25.113.0.203.in-addr.arpa. PTR $MX."
local-zone: "example.org." static
local-data: "example.org. MX 10 $MX."
local-data: 'example.org. TXT "v=spf1 mx -all"'
local-data: '_dmarc.example.org. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.org"'
local-zone: "broken.example." static
local-data: 'broken.example. TXT "v=spf1 mx -all"'
local-data: 'broken.example. TXT "v=spf1 ip4:203.0.113.0/24 ~all"'
local-data: 'mail._domainkey.broken.example. TXT "v=DKIM1; p="'
local-zone: "zen.spamhouse.org." redirect
local-data: "zen.spamhouse.org. A 198.51.100.80"
EOC
	dns_txt mail._domainkey.example.org "v=DKIM1; k=rsa; p=$KEY"
	dns_stub bl.demo.test
} >"$DNS_TMP/zones.conf"
dns_unbound "$DNS_TMP/zones.conf" || fail "unbound did not start"
echo "    Postfix on 127.0.0.1:$STACK_SMTP_PORT, unbound on $DNS_RESOLVER"

check() {	# WANT-EXIT LABEL ARGS...
	want=$1 label=$2
	shift 2
	say "$label"
	printf '    $ mailserver-check --resolver %s --smtp 127.0.0.1:%s \\\n' \
	    "$DNS_RESOLVER" "$STACK_SMTP_PORT"
	printf '        %s\n' "$*"
	"$B/mailserver-check" -c /dev/null --resolver "$DNS_RESOLVER" \
	    --smtp "127.0.0.1:$STACK_SMTP_PORT" --timeout 3 "$@" \
	    >"$DNS_TMP/out" 2>&1
	rc=$?
	show <"$DNS_TMP/out"
	verdict "exit $want" "exit $rc"
}
check 1 "The correct domain: everything OK but one WARN (this Postfix has
    no TLS, so it offers AUTH in clear)" \
    --ip 203.0.113.25 --host "$MX" --domain example.org --selector mail \
    --dkim-key "mail=$DNS_TMP/mail.pem" --dnsbl bl.demo.test
check 2 "The broken domain: no PTR, two SPF records, a revoked DKIM key, no
    DMARC, a listing, and a misspelt blacklist zone" \
    --ip 203.0.113.66 --host "$MX" --domain broken.example \
    --selector mail --dnsbl bl.demo.test --dnsbl zen.spamhouse.org

say "Stopping Postfix, saslauthd, unbound and rbldnsd"
dns_cleanup
stack_cleanup
echo "    done: nothing left running, nothing left behind"
if [ "$unexpected" -ne 0 ]; then
	echo "    demo: $unexpected outcome(s) not as expected" >&2
	exit 1
fi
