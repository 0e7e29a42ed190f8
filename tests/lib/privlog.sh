# tests/lib/privlog.sh: the module's log lines, every one and its level,
# for the fault suites (tests/integration/faults.sh, faults_pg.sh).
# Sourced by a suite that runs in a mount namespace of its own (unshare
# -m) with $top, $tmp (its directory) and $log (the file the lines go to)
# set.  POSIX sh.
#
#   privlog_dev NAME [fuse] [shm]   a private /dev: tmpfs NAME-dev with
#                                   null, zero, random, urandom, (fuse,)
#                                   (a tmpfs /dev/shm,) and /dev/log, a
#                                   link to $tmp/log.sock; sets devmounted
#   privlog_sink                    the receiver on $tmp/log.sock
#                                   (tests/integration/syslog_sink.py,
#                                   "<PRI>" kept); sets $sink
#   logsync                         wait until every line sent so far is
#                                   in $log (a marker line "mu-log-mark N"
#                                   sent after them comes out after them)
#   privlog_reexec VAR SCRIPT BUILD from outside: BUILD's pamtry (with
#                                   -n), module and mailuser-admin, a
#                                   mount namespace, then SCRIPT BUILD run
#                                   again in one of its own with VAR=1
#                                   (does not return; "not ok" if it fails)
#   privlog_stop                    the receiver stopped, the private /dev
#                                   (and /dev/shm) unmounted
# Each returns non-zero on failure.  A suite's cleanup calls privlog_stop.

privlog_reexec() {
	for _f in pamtry pam_mailuser.so mailuser-admin; do
		[ -x "$3/$_f" ] || { notok "$3/$_f is built"; exit 0; }
	done
	if ! "$3/pamtry" 2>&1 | grep -q -- '-n N'; then
		notok "$3/pamtry knows -n (rebuild it: make tests)"
		exit 0
	fi
	unshare -m true 2>/dev/null ||
		{ notok "a private mount namespace (unshare -m)"; exit 0; }
	exec env "$1=1" unshare -m sh "$2" "$3"
	notok "unshare -m ran this test"
	exit 0
}

privlog_stop() {
	if [ -n "${sink:-}" ]; then
		kill "$sink" 2>/dev/null
		wait "$sink" 2>/dev/null
	fi
	if [ -n "${devmounted:-}" ]; then
		if mountpoint -q /dev/shm 2>/dev/null; then
			umount /dev/shm 2>/dev/null ||
				umount -l /dev/shm 2>/dev/null
		fi
		umount -l /dev
	fi
}

privlog_dev() {
	_name=$1
	shift
	mount -t tmpfs -o mode=755 "$_name-dev" /dev || return 1
	devmounted=1
	mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		mknod -m 666 /dev/random c 1 8 &&
		mknod -m 666 /dev/urandom c 1 9 || return 1
	for _x in "$@"; do
		case $_x in
		fuse) mknod -m 600 /dev/fuse c 10 229 || return 1 ;;
		shm) mkdir -m 1777 /dev/shm &&
			mount -t tmpfs -o mode=1777 "$_name-shm" /dev/shm ||
			return 1 ;;
		esac
	done
	ln -s "$tmp/log.sock" /dev/log
}

privlog_sink() {
	# it leaves when this shell is gone, even if killed
	python3 "$top/tests/integration/syslog_sink.py" --raw "$tmp/log.sock" \
	    "$log" $$ >"$tmp/sink.out" 2>&1 &
	sink=$!
	_i=0
	while ! grep -q ready "$tmp/sink.out" 2>/dev/null && [ $_i -lt 100 ]
	do
		sleep 0.05
		_i=$((_i + 1))
	done
	grep -q ready "$tmp/sink.out"
}

marks=0
logsync() {
	marks=$((marks + 1))
	logger -u "$tmp/log.sock" "mu-log-mark $marks"
	_i=0
	while ! grep -q "mu-log-mark $marks\$" "$log" && [ $_i -lt 100 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done
}
