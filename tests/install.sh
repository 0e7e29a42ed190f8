#!/bin/sh
# make install / uninstall into a staging DESTDIR.
set -u
cd "$(dirname "$0")/.." || exit 2
d=$(mktemp -d /tmp/mu-install.XXXXXX)
trap 'rm -rf "$d"' EXIT INT TERM
check() { if eval "$1"; then echo "ok - $2"; else echo "not ok - $2"; fi; }

make -s install DESTDIR="$d" PREFIX=/usr PAMDIR=/lib/security >"$d.log" 2>&1
check '[ $? -eq 0 ]' "make install DESTDIR=... succeeds"
for f in lib/security/pam_mailuser.so usr/sbin/mailuser-admin \
    usr/share/man/man8/pam_mailuser.8 usr/share/man/man8/mailuser-admin.8 \
    usr/share/man/man5/mailuser.conf.5 usr/share/doc/pam_mailuser/README \
    usr/share/doc/pam_mailuser/fail2ban/filter.d/pam_mailuser.conf; do
	check '[ -f "$d/$f" ]' "installed $f"
done
check '[ "$(stat -c %a "$d/lib/security/pam_mailuser.so")" = 644 ]' \
	"module installed mode 0644"
check '[ "$(stat -c %a "$d/usr/sbin/mailuser-admin")" = 755 ]' \
	"mailuser-admin installed mode 0755"
check '! find "$d/etc" -type f 2>/dev/null | grep -q .' \
	"nothing installed into /etc"
make -s uninstall DESTDIR="$d" PREFIX=/usr PAMDIR=/lib/security \
	>>"$d.log" 2>&1
check '[ -z "$(find "$d" -type f)" ]' "make uninstall removes every file"
[ -z "$(find "$d" -type f)" ] || find "$d" -type f | sed 's/^/# left: /'
rm -f "$d.log"
exit 0
