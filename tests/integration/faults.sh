#!/bin/sh
# Fail closed, with real faults: when a login attempt cannot be recorded
# (lockout on), every login of the user is refused with
# PAM_AUTHINFO_UNAVAIL, the right password included, until attempts can
# be recorded again, and one LOG_ERR line a minute per process says why
# (see pam_mailuser(8), BRUTE-FORCE DEFENCE).  Logins go through the real
# libpam (pamtry) inside a private mount namespace whose /dev/log is this
# test's own receiver; the faults are real:
#
#   disk full    the store on a 1 MiB tmpfs, filled by a file (dd until
#                ENOSPC); also with 8 KiB left, and right after a success
#   read-only    that tmpfs remounted read-only
#   write lock   another process (python3's sqlite3) in BEGIN IMMEDIATE
#                for longer than 4 x busy_timeout (busy_timeout = 100)
#   I/O error    the store's directory mounted through faultfs
#                (tests/tools/faultfs.c, FUSE, built here with
#                pkg-config fuse3), whose writes answer EIO while a file
#                .fail (or .fail-all, the -shm file too) exists beside
#                the store in the backing directory
#
# For each: three wrong passwords and the right one in one process, the
# log line and its hint, the right password 8 times in one process (one
# log line, not 8), an unknown user; after the fault, the right password
# accepted and failures counted again.
#
#   sh tests/integration/faults.sh BUILD_DIR     (root; exits 0 always)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
. "$top/tests/lib/privlog.sh"

# ---- outside: checks, then the same script in a private mount namespace
if [ -z "${MU_FAULTS_INNER:-}" ]; then
	B=$(cd "${1:-build}" 2>/dev/null && pwd) ||
		{ notok "build directory ${1:-build} exists"; exit 0; }
	if [ "$(id -u)" != 0 ]; then
		ok "fault tests # SKIP they need root (mounts)"
		exit 0
	fi
	for t in unshare mountpoint python3 sqlite3 logger truncate dd; do
		command -v $t >/dev/null ||
			{ notok "$t is installed"; exit 0; }
	done
	privlog_reexec MU_FAULTS_INNER "$top/tests/integration/faults.sh" "$B"
fi

# ---- inside the private mount namespace
B=$1
PW='Right-Pass-2024'
UNAVAIL='Authentication service cannot retrieve authentication info'
tmp=$(mktemp -d /tmp/mu-faults.XXXXXX) || { notok "temporary directory"; exit 0; }
log=$tmp/auth.log
sink='' writer='' ff='' devmounted=''
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$writer" ]; then
		kill "$writer" 2>/dev/null
		wait "$writer" 2>/dev/null
	fi
	if [ -n "$ff" ]; then
		umount "$tmp/fuse" 2>/dev/null || umount -l "$tmp/fuse" 2>/dev/null
		kill "$ff" 2>/dev/null
		wait "$ff" 2>/dev/null
	fi
	if mountpoint -q "$tmp/disk" 2>/dev/null; then
		umount "$tmp/disk" 2>/dev/null || umount -l "$tmp/disk"
	fi
	privlog_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mount --make-rprivate / || { notok "mounts made private"; exit 0; }
# a private /dev with what PAM, SQLite, python3 and FUSE need, and a log
# socket that is ours
fusedev=
[ -c /dev/fuse ] && fusedev=1
privlog_dev mu-faults ${fusedev:+fuse} || { notok "private /dev"; exit 0; }
privlog_sink || { notok "syslog receiver started"; exit 0; }

# a copy of the module (the checkout's path may have a space)
cp "$B/pam_mailuser.so" "$tmp/pam_mailuser.so" || { notok "module copied"; exit 0; }
printf 'auth required %s conf=%s\naccount required %s conf=%s\n' \
	"$tmp/pam_mailuser.so" "$tmp/mailuser.conf" "$tmp/pam_mailuser.so" \
	"$tmp/mailuser.conf" >"$tmp/mailsvc"

# conf DB [LINE...]: the configuration, for the store DB
conf() {
	db=$1
	shift
	{
		printf 'db = %s\nhash = sha512crypt\nhash_cost = 1000\n' "$db"
		printf 'deny = 3\n'
		for l in "$@"; do echo "$l"; done
	} >"$tmp/mailuser.conf" && chmod 600 "$tmp/mailuser.conf"
}
admin() { "$B/mailuser-admin" -c "$tmp/mailuser.conf" "$@"; }
mkstore() {
	admin init >/dev/null && admin domain add example.org >/dev/null &&
		echo "$PW" | admin user add alice@example.org \
		    --password-stdin >/dev/null
}

# try N RHOST PASSWORD...: one pamtry process, N transactions of user
# $who (one password a line, the last one again); its output in
# $tmp/out, its exit status in $rc, what it logged in $tmp/newlog, the
# results in $got: S success, U PAM_AUTHINFO_UNAVAIL, F authentication
# failure, N unknown user, ? anything else
who=alice@example.org
try() {
	n=$1 rh=$2
	shift 2
	logsync
	before=$(wc -l <"$log")
	printf '%s\n' "$@" | "$B/pamtry" -d "$tmp" -r "$rh" -n "$n" mailsvc \
	    "$who" >"$tmp/out" 2>&1
	rc=$?
	logsync
	tail -n +$((before + 1)) "$log" |
	    grep -v -e 'mu-log-mark' -e 'no default config other' \
	    >"$tmp/newlog"
	got=$(sed -n 's/^auth: //p' "$tmp/out" | while read -r l; do
		case $l in
		Success) printf S ;;
		"$UNAVAIL") printf U ;;
		"Authentication failure") printf F ;;
		"User not known to the underlying authentication module")
			printf N ;;
		*) printf '?' ;;
		esac
	done)
}

# expect RESULTS STATUS MESSAGE: the last try gave RESULTS, exit STATUS
expect() {
	if [ "$got" = "$1" ] && [ "$rc" = "$2" ]; then
		ok "$3"
	else
		notok "$3"
		echo "# expected $1 (exit $2), got $got (exit $rc)"
		sed 's/^/# pamtry: /' "$tmp/out" | head -20
		sed 's/^/# log: /' "$tmp/newlog" | head -10
	fi
}

# logged_once HINT MESSAGE: the last try logged exactly one line
# "cannot record login attempts", at LOG_ERR, naming the store, with HINT
logged_once() {
	n=$(grep -c 'cannot record login attempts' "$tmp/newlog")
	line=$(grep 'cannot record login attempts' "$tmp/newlog" | head -1)
	pri=$(printf '%s\n' "$line" | sed -n 's/^<\([0-9]*\)>.*/\1/p')
	if [ "$n" = 1 ] && [ -n "$pri" ] && [ $((pri % 8)) = 3 ] &&
	    printf '%s\n' "$line" | grep -qF "store $db: " &&
	    printf '%s\n' "$line" | grep -qF -- "$1"; then
		ok "$2"
	else
		notok "$2"
		echo "# $n line(s) \"cannot record login attempts\"; the log:"
		sed 's/^/# /' "$tmp/newlog" | head -20
	fi
}

# Wait for the next second: last_login then changes, so a success writes
# to the store (a success in the same second may write nothing: see
# same_second).
next_second() {
	s=$(date +%s)
	while [ "$(date +%s)" = "$s" ]; do sleep 0.02; done
}

# fault_case NAME RHOST HINT ON OFF: the checks common to every fault,
# made by the command ON, removed by OFF
fault_case() {
	name=$1 rh=$2 hint=$3 on=$4 off=$5
	who=alice@example.org
	try 1 "$rh" "$PW"
	expect S 0 "$name: before the fault, the right password is accepted"
	next_second
	if ! $on; then
		notok "$name: the fault is made"
		$off
		return
	fi
	try 4 "$rh" wrong-1 wrong-2 wrong-3 "$PW"
	expect UUUU 9 "$name: 3 wrong passwords, then the right one, in one process: PAM_AUTHINFO_UNAVAIL each"
	logged_once "$hint" "$name: one LOG_ERR line \"cannot record login attempts\", hint \"$hint\""
	echo "# $line"
	# mu_store_log appends SQLite's message: the failure's, not that of
	# the ROLLBACK after it
	if [ -n "$line" ] &&
	    ! printf '%s\n' "$line" | grep -qE 'cannot rollback|: not an error$'
	then
		ok "$name: the line ends with SQLite's message of the failure, not the ROLLBACK's"
	else
		notok "$name: the line ends with SQLite's message of the failure, not the ROLLBACK's"
		echo "# it ends with \"${line##*: }\""
	fi
	try 8 "$rh" "$PW"
	expect UUUUUUUU 9 "$name: the right password 8 times in one process: PAM_AUTHINFO_UNAVAIL each"
	logged_once "$hint" "$name: those 8 refusals logged once, not 8 times"
	who=nobody@example.org
	try 1 "$rh" whatever
	who=alice@example.org
	expect U 9 "$name: an unknown user: PAM_AUTHINFO_UNAVAIL too"
	$off
	try 1 "$rh" "$PW"
	expect S 0 "$name: fault removed: the right password is accepted again"
	try 4 "$rh" wrong-1 wrong-2 wrong-3 "$PW"
	expect FFFF 7 "$name: fault removed: failures are counted again (3 lock the source)"
	admin unlock alice@example.org >/dev/null
}

# same_second NAME RHOST ON OFF: a success, the fault, and the right
# password again within the same second.  The success wrote last_login;
# the second one writes the same value: its transaction changes no page,
# commits without writing, and must be refused all the same.
same_second() {
	name=$1 rh=$2 on=$3 off=$4
	who=alice@example.org
	next_second
	t0=$(date +%s)
	try 1 "$rh" "$PW"
	first=$got
	$on
	try 1 "$rh" "$PW"
	t1=$(date +%s)
	$off
	if [ "$first" != S ]; then
		notok "$name: a success, then the fault within the same second (the success failed: $first)"
	elif [ "$t0" != "$t1" ]; then
		ok "$name: the right password in the same second as a success: refused # SKIP not done within one second"
	else
		expect U 9 "$name: the right password in the same second as the last success: PAM_AUTHINFO_UNAVAIL"
	fi
}

# ---- 1. disk full: the store on a small tmpfs, filled
disk=$tmp/disk
mkdir "$disk" && mount -t tmpfs -o size=1m,mode=0700 mu-faults-disk "$disk" ||
	{ notok "a 1 MiB tmpfs for the store"; exit 0; }
conf "$disk/mail.db"
mkstore || { notok "store set up"; exit 0; }
ok "store set up on a 1 MiB tmpfs"

full_on() {
	dd if=/dev/zero of="$disk/fill" bs=4k 2>/dev/null
	[ "$(stat -f -c %a "$disk")" = 0 ]
}
full_off() { rm -f "$disk/fill"; }
fault_case "disk full" 192.0.2.1 "the file system is full" full_on full_off

# nearly full: 8 KiB left (2 blocks of 4 KiB).  A success writes one
# page to the WAL (a frame of 4120 bytes), a counted failure three: with
# at most 4095 bytes free in the WAL's last block too, the failure cannot
# be recorded, the success could.
nearly_on() {
	full_on && truncate -s -8K "$disk/fill" &&
		[ "$(stat -f -c %a "$disk")" = 2 ]
}
next_second
if [ "$(stat -f -c %S "$disk")" != 4096 ]; then
	ok "disk nearly full # SKIP the tmpfs blocks are not 4 KiB"
elif nearly_on; then
	try 2 192.0.2.5 wrong-1 "$PW"
	expect UU 9 "disk nearly full (8 KiB left): a wrong password, then the right one: PAM_AUTHINFO_UNAVAIL each"
else
	notok "disk nearly full: the disk filled but for 8 KiB"
fi
full_off
admin unlock alice@example.org >/dev/null
same_second "disk full" 192.0.2.6 full_on full_off

# ---- 2. read-only: the same tmpfs remounted read-only
ro_on() { mount -o remount,ro "$disk"; }
ro_off() { mount -o remount,rw "$disk"; }
fault_case "read-only store" 192.0.2.2 "the store is read-only to this process" \
	ro_on ro_off

# ---- 3. a writer holding the write lock past 4 x busy_timeout
conf "$disk/mail.db" "busy_timeout = 100"
cat >"$tmp/writer.py" <<'EOF'
# writer.py DB READY RELEASE SECONDS PARENT: BEGIN IMMEDIATE, create
# READY, and COMMIT when RELEASE exists, after SECONDS, or when the
# process PARENT is no longer its parent (killed)
import os, sqlite3, sys, time
db, ready, release = sys.argv[1], sys.argv[2], sys.argv[3]
hold, parent = float(sys.argv[4]), int(sys.argv[5])
c = sqlite3.connect(db, timeout=5, isolation_level=None)
c.execute('BEGIN IMMEDIATE')
open(ready, 'w').close()
t = time.monotonic()
while (time.monotonic() - t < hold and not os.path.exists(release) and
       os.getppid() == parent):
    time.sleep(0.01)
c.execute('COMMIT')
c.close()
print('held %.3f s' % (time.monotonic() - t))
EOF
# start_writer SECONDS: a writer in BEGIN IMMEDIATE, for SECONDS at most
start_writer() {
	rm -f "$tmp/ready" "$tmp/release"
	python3 "$tmp/writer.py" "$disk/mail.db" "$tmp/ready" "$tmp/release" \
	    "$1" $$ >"$tmp/writer.out" 2>&1 &
	writer=$!
	i=0
	while [ ! -e "$tmp/ready" ] && [ $i -lt 250 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	[ -e "$tmp/ready" ]
}
stop_writer() {
	touch "$tmp/release"
	wait "$writer"
	wrc=$?
	writer=
	return $wrc
}
busy_on() { start_writer 60; }
busy_off() { stop_writer; }
fault_case "write lock held" 192.0.2.3 \
	"another process held the write lock past 4 times busy_timeout" \
	busy_on busy_off
# a shorter lock: the login waits for the commit and succeeds
if start_writer 0.15; then
	try 1 192.0.2.3 "$PW"
	wait "$writer"
	wrc=$?
	writer=
	held=$(cat "$tmp/writer.out")
	expect S 0 "write lock held 150 ms (< 4 x busy_timeout): a login waits for the commit and is accepted (writer: $held)"
	[ "$wrc" = 0 ] || notok "the short writer committed (exit $wrc)"
else
	notok "a writer held the write lock"
fi
conf "$disk/mail.db"
if umount "$disk"; then ok "tmpfs unmounted"; else notok "tmpfs unmounted"; fi

# ---- 4. I/O errors, through faultfs (FUSE)
io_skip() {
	ok "I/O error: the store through faultfs # SKIP $*"
}
if [ -z "$fusedev" ]; then
	io_skip "no /dev/fuse"
elif ! command -v pkg-config >/dev/null || ! pkg-config --exists fuse3; then
	io_skip "fuse3 is not installed (apt-get install fuse3 libfuse3-dev)"
elif ! { fuse_cflags=$(pkg-config --cflags fuse3) &&
    fuse_libs=$(pkg-config --libs fuse3) &&
    ${CC:-cc} -std=gnu11 -Wall -Wextra -O2 $fuse_cflags -o "$tmp/faultfs" \
    "$top/tests/tools/faultfs.c" $fuse_libs; } >"$tmp/cc.out" 2>&1; then
	notok "faultfs built"
	sed 's/^/# /' "$tmp/cc.out" | head -20
else
	back=$tmp/back fuse=$tmp/fuse
	mkdir -m 700 "$back" "$fuse"
	"$tmp/faultfs" "$back" "$fuse" -f -s -o fsname=mu-faultfs \
	    >"$tmp/faultfs.out" 2>&1 &
	ff=$!
	i=0
	while ! mountpoint -q "$fuse" && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if ! mountpoint -q "$fuse"; then
		notok "faultfs mounted"
		sed 's/^/# /' "$tmp/faultfs.out" | head -20
	else
		ok "faultfs mounted"
		conf "$fuse/mail.db"
		disk=$fuse	# the writer's store
		if mkstore && [ "$(sqlite3 "$fuse/mail.db" 'PRAGMA integrity_check')" = ok ]
		then
			ok "I/O error: the store made through faultfs, integrity_check ok"
		else
			notok "I/O error: the store made through faultfs"
		fi
		# SQLite's locks through FUSE (kept by the kernel)
		if start_writer 30; then
			out=$(sqlite3 -cmd '.timeout 100' "$fuse/mail.db" \
			    'BEGIN IMMEDIATE; ROLLBACK;' 2>&1)
			if printf '%s\n' "$out" | grep -q 'locked'; then
				ok "faultfs: a write lock taken through it holds against another process"
			else
				notok "faultfs: a write lock taken through it holds against another process ($out)"
			fi
			stop_writer
		else
			notok "faultfs: a writer took the write lock"
		fi
		io_on() { touch "$back/.fail"; }
		io_off() { rm -f "$back/.fail"; }
		fault_case "I/O error" 192.0.2.4 "an I/O error: check the disk" \
			io_on io_off
		same_second "I/O error" 192.0.2.7 io_on io_off
		# every write failing, the -shm file's too: the store cannot
		# even be opened; refused all the same
		next_second
		touch "$back/.fail-all"
		try 2 192.0.2.4 wrong-1 "$PW"
		expect UU 9 "I/O error on every file, -shm included: a wrong password, then the right one: PAM_AUTHINFO_UNAVAIL each"
		grep 'pam_mailuser' "$tmp/newlog" >"$tmp/mulog"
		echo "# it logged $(grep -c . "$tmp/mulog") line(s) for 2 refusals; the first:"
		head -1 "$tmp/mulog" | sed 's/^/#   /'
		rm -f "$back/.fail-all"
		try 1 192.0.2.4 "$PW"
		expect S 0 "I/O error on every file removed: the right password is accepted"
		out=$(sqlite3 "$fuse/mail.db" 'PRAGMA integrity_check' 2>&1)
		if [ "$out" = ok ]; then
			ok "I/O error: the store is intact after the faults (integrity_check)"
		else
			notok "I/O error: the store is intact after the faults ($out)"
		fi
		if umount "$fuse"; then
			wait "$ff"
			ffrc=$?
			ff=
			if [ "$ffrc" = 0 ]; then
				ok "faultfs unmounted, exited 0"
			else
				notok "faultfs unmounted, exited $ffrc"
			fi
		else
			notok "faultfs unmounted"
		fi
	fi
fi
exit 0
