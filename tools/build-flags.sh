#!/bin/sh
# Write the compiler and linker flags of the libraries the build needs
# into OUT.cflags and OUT.libs, from pkg-config (and -lcrack,
# -lunistring and -lunbound: cracklib and libunistring ship no .pc file,
# and libunbound's names libevent and nettle, whose -dev packages a
# build does not need).  The Makefile runs this as a rule, so the flags are
# read only when something is compiled, after "make deps" has installed
# the packages: never while the Makefile is parsed.
#
# When a library is missing, nothing is written: one message names the
# Debian packages and the apt-get line that installs them, and the exit
# status is 1, so that make stops before compiling anything.
#
#   sh tools/build-flags.sh OUT  (PKG_CONFIG and CC from the environment)
set -u
out=$1
pc=${PKG_CONFIG:-pkg-config}
cc=${CC:-cc}

missing=""
if ! command -v "$pc" >/dev/null 2>&1; then
	missing="pkg-config libpam0g-dev libcrypt-dev libsqlite3-dev libidn2-dev libpq-dev libunbound-dev libssl-dev"
else
	# pkg-config module, Debian package
	for pair in pam:libpam0g-dev libxcrypt:libcrypt-dev \
	    sqlite3:libsqlite3-dev libidn2:libidn2-dev libpq:libpq-dev; do
		"$pc" --exists "${pair%%:*}" 2>/dev/null ||
			missing="$missing ${pair#*:}"
	done
fi
# header, Debian package
for pair in crack.h:libcrack2-dev uninorm.h:libunistring-dev \
    unbound.h:libunbound-dev openssl/evp.h:libssl-dev; do
	if ! printf '#include <%s>\n' "${pair%%:*}" |
	    "$cc" -E -x c - >/dev/null 2>&1; then
		missing="$missing ${pair#*:}"
	fi
done
if [ -n "$missing" ]; then
	echo "pam_mailuser: cannot build: missing$missing" >&2
	echo "pam_mailuser: install them (as root): apt-get install$missing" >&2
	exit 1
fi

cflags=$("$pc" --cflags pam libxcrypt sqlite3 libidn2 libpq) || exit 1
libs=$("$pc" --libs pam libxcrypt sqlite3 libidn2 libpq) || exit 1
mkdir -p "$(dirname "$out")" || exit 1
printf '%s\n' "$cflags" >"$out.cflags.tmp" &&
	printf '%s -lunistring -lcrack -lunbound\n' "$libs" >"$out.libs.tmp" &&
	mv "$out.cflags.tmp" "$out.cflags" &&
	mv "$out.libs.tmp" "$out.libs"
