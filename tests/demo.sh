#!/bin/sh
# make demo: a store in a temporary directory, one domain, one user, and
# logins through the real libpam, narrated.  Leaves nothing behind.
set -eu
B=${1:-build}
B=$(cd "$B" && pwd)
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
cat >"$tmp/dovecot" <<EOC
auth    required $B/pam_mailuser.so conf=$tmp/mailuser.conf
account required $B/pam_mailuser.so conf=$tmp/mailuser.conf
EOC
sed 's/^/    /' "$tmp/dovecot"

try() {
	label=$1 user=$2 pw=$3
	say "$label"
	printf '    login %s with password "%s"\n' "$user" "$pw"
	if echo "$pw" | "$B/pamtry" -d "$tmp" -r 192.0.2.10 dovecot "$user" \
	    >"$tmp/out"; then
		verdict=ACCEPTED
	else
		verdict=REFUSED
	fi
	sed 's/^/    /' "$tmp/out"
	echo "    => $verdict"
}
try "The right password, through the real libpam" alice@example.org \
    'Blue-Harbor-Lantern-42'
try "Mixed case reaches the same account; PAM_USER comes back canonical" \
    Alice@Example.ORG 'Blue-Harbor-Lantern-42'
try "A wrong password" alice@example.org 'blue-harbor-lantern-42'
try "A user who is not in the store" bob@example.org 'whatever'
try "A system account is never consulted" root 'whatever'

say "Done; removing $tmp"
