# tests/lib/stack.sh: a private mail stack on loopback (Dovecot, Cyrus
# saslauthd, Postfix) that authenticates through the built pam_mailuser.
# Sourced by the integration tests (tests/integration/*.sh), make demo
# (tests/demo.sh) and the IMAP benchmark (tests/bench/imap_logins.sh); it
# is not a test itself.  POSIX sh; needs root (the servers read only
# /etc/pam.d/SERVICE, so a uniquely named service file is put there).
#
#   top=...; . "$top/tests/lib/stack.sh"
#   stack_init BUILD_DIR        temp dir, mailuser.conf, empty store, traps
#   stack_user_add USER PASSWORD
#   stack_need COMMAND...       for the tests: "not ok" and exit 1 if missing
#   stack_users PASSWORD NAME...    NAME@example.org each, or "not ok", exit 1
#   stack_pam_install [dovecot|smtp] [NAME]
#                               /etc/pam.d/NAME from doc/examples/pam.d
#   stack_dovecot_start         IMAP and POP3 on $STACK_IMAP_PORT, ..POP3..
#   stack_saslauthd_start       socket $STACK_SASL_MUX
#   stack_postfix_start         smtpd on $STACK_SMTP_PORT (needs saslauthd);
#                               $STACK_POSTFIX_MAIN and $STACK_POSTFIX_MASTER,
#                               if set, are appended to its main.cf and
#                               master.cf as they are (e.g. a policy service)
#   stack_imap USER PASSWORD [SRC]   the server's reply to LOGIN
#   stack_pop3 USER PASSWORD [SRC]   the reply to PASS
#   stack_smtp_rcpt TO [USER PASSWORD]   the replies to AUTH and RCPT
#   stack_testsasl USER PASSWORD     testsaslauthd's answer
#   stack_expect DESCRIPTION ACTUAL PATTERN [LOGS]   one TAP line
#   (everything started is stopped, by PID, and every file removed at exit,
#   also when a test fails or is interrupted)
#
# Everything lives in one mktemp -d directory: configuration, state, run
# and log directories, sockets, the store.  Servers listen on 127.0.0.1
# only, on ports found free at start, so system instances of the same
# servers (on 143/110/25) do not matter.  Nothing is delivered: Postfix's
# only transport is discard, and its queue is emptied before it stops.

STACK_TOP=${STACK_TOP:-$top}
STACK_TMP=
STACK_PAMFILES=
STACK_DOMAIN=example.org

# /usr/bin/python3 (Debian's) starts in tens of milliseconds; a python3
# found first on PATH may be a slow wrapper.
if [ -x /usr/bin/python3 ]; then
	STACK_PY=/usr/bin/python3
else
	STACK_PY=python3
fi
stack_client() { "$STACK_PY" "$STACK_TOP/tests/lib/mailclient.py" "$@"; }

# ---- TAP ------------------------------------------------------------------
stack_ok() { echo "ok - $*"; }
stack_notok() { echo "not ok - $*"; }
stack_diag() { sed 's/^/# /'; }

# stack_expect DESCRIPTION ACTUAL PATTERN [WHICH_LOGS]: ok when ACTUAL
# matches the shell pattern PATTERN; else not ok, the reply, and the tail
# of the named logs (dovecot, sasl, postfix) as "#" lines.
stack_expect() {
	case "$2" in
	$3)
		stack_ok "$1"
		;;
	*)
		stack_notok "$1"
		printf 'expected: %s\ngot:      %s\n' "$3" "$2" | stack_diag
		stack_logs ${4:-}
		;;
	esac
}

stack_logs() {	# [dovecot] [sasl] [postfix]
	for w in "$@"; do
		case $w in
		dovecot) f=$STACK_TMP/dovecot/dovecot.log ;;
		sasl) f=$STACK_TMP/sasl/saslauthd.log ;;
		postfix) f=$STACK_TMP/postfix/maillog ;;
		*) continue ;;
		esac
		[ -f "$f" ] || continue
		echo "# --- last lines of $f"
		tail -n 15 "$f" | stack_diag
	done
}

# ---- set-up and clean-up --------------------------------------------------

# stack_init BUILD_DIR [EXTRA_CONF_LINES]
stack_init() {
	STACK_B=$(cd "${1:-build}" && pwd) || return 1
	STACK_MODULE=$STACK_B/pam_mailuser.so
	STACK_ADMIN=$STACK_B/mailuser-admin
	[ "$(id -u)" = 0 ] || { echo "stack: must run as root" >&2; return 1; }
	[ -f "$STACK_MODULE" ] && [ -x "$STACK_ADMIN" ] || {
		echo "stack: $STACK_B lacks pam_mailuser.so or mailuser-admin" >&2
		return 1
	}
	STACK_TMP=$(mktemp -d "/tmp/${STACK_NAME:-mailuser-test}.XXXXXX") ||
		return 1
	trap stack_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# Dovecot's login processes (dovenull), Postfix (postfix) and the
	# mail processes (nobody) must reach their directories in here.
	chmod 0755 "$STACK_TMP"
	# The module is loaded from a copy in here: the checkout may sit in
	# a directory the servers' users cannot enter (root's 0700 home), or
	# in a path with a space, which a pam.d line cannot hold.
	mkdir -m 0755 "$STACK_TMP/lib" &&
		cp "$STACK_MODULE" "$STACK_TMP/lib/pam_mailuser.so" &&
		chmod 0644 "$STACK_TMP/lib/pam_mailuser.so" || return 1
	STACK_MODULE=$STACK_TMP/lib/pam_mailuser.so
	STACK_SVC=${STACK_NAME:-mailuser-test}-$$
	STACK_CONF=$STACK_TMP/mailuser.conf
	STACK_DB=$STACK_TMP/mailuser.db
	{
		echo "db = $STACK_DB"
		echo "hash = sha512crypt"
		echo "hash_cost = 1000"
		if [ -n "${2:-}" ]; then printf '%s\n' "$2"; fi
	} >"$STACK_CONF"
	chmod 0600 "$STACK_CONF"
	stack_admin init >/dev/null &&
		stack_admin domain add "$STACK_DOMAIN" >/dev/null
}

stack_admin() { "$STACK_ADMIN" -c "$STACK_CONF" "$@"; }
stack_sql() { sqlite3 -batch "$STACK_DB" "$@"; }
# the sources and counts of USER's failure counters, "SOURCE N, ..."
stack_sources() {	# USER
	stack_sql "SELECT group_concat(f.source || ' ' || f.count, ', ')
	    FROM failures f JOIN users u ON u.id = f.user_id
	    WHERE u.name = '$1'"
}

stack_user_add() {	# USER PASSWORD
	printf '%s\n' "$2" | stack_admin user add "$1" --password-stdin \
	    >/dev/null
}

# For the tests: one "not ok" line and exit 1 at the first that fails.
stack_need() {	# COMMAND...: each is on PATH
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			{ stack_notok "$c is installed"; exit 1; }
	done
}
stack_users() {	# PASSWORD NAME...: NAME@$STACK_DOMAIN, each with PASSWORD
	p=$1
	shift
	for u in "$@"; do
		stack_user_add "$u@$STACK_DOMAIN" "$p" ||
			{ stack_notok "user $u added"; exit 1; }
	done
}

# Is OPTION a module option this build knows?  A module given an unknown
# option refuses every request with PAM_SERVICE_ERR, so ask it.
stack_module_knows() {	# OPTION=VALUE
	d=$STACK_TMP/probe
	mkdir -p "$d"
	printf 'auth required %s conf=%s %s\n' "$STACK_MODULE" "$STACK_CONF" \
	    "$1" >"$d/probe"
	r=$(echo x | "$STACK_B/pamtry" -d "$d" probe nobody@invalid.example \
	    2>&1)
	rm -rf "$d"
	case $r in
	*"User not known"*) return 0 ;;
	*) return 1 ;;
	esac
}

stack_module_has_chauthtok() {
	nm -D --defined-only "$STACK_MODULE" 2>/dev/null |
	    grep -q ' pam_sm_chauthtok$'
}

# /etc/pam.d/NAME (default $STACK_SVC) made from the shipped example
# for SERVICE (dovecot or smtp): pam_mailuser.so becomes the built
# module with conf= this stack's mailuser.conf.  A password line is kept
# only if the module has pam_sm_chauthtok.
stack_pam_install() {	# [dovecot|smtp] [NAME]
	src=$STACK_TOP/doc/examples/pam.d/${1:-dovecot}
	dst=/etc/pam.d/${2:-$STACK_SVC}
	[ -f "$src" ] || { echo "stack: no $src" >&2; return 1; }
	[ -e "$dst" ] && { echo "stack: $dst exists" >&2; return 1; }
	STACK_PAMFILES="$STACK_PAMFILES $dst"
	sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' \
	    -e "s|pam_mailuser\.so|$STACK_MODULE conf=$STACK_CONF|" "$src" |
	    if stack_module_has_chauthtok; then cat; else
		grep -v '^password'; fi >"$dst.tmp" &&
	    chmod 0644 "$dst.tmp" && mv "$dst.tmp" "$dst"
}

stack_alive() {	# PID: running, and not a zombie waiting for init
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	'' | Z*) return 1 ;;
	esac
	return 0
}

# Stop the processes of a server: send SIG to PID, then wait for it and
# for its children (found before), each by PID; SIGKILL any that stay.
stack_stop_pids() {	# SIG PID
	kids=$(pgrep -P "$2" 2>/dev/null | tr '\n' ' ')
	kill -"$1" "$2" 2>/dev/null
	i=0
	while [ $i -lt 100 ]; do
		alive=
		for p in $2 $kids; do
			stack_alive "$p" && alive="$alive $p"
		done
		[ -z "$alive" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	for p in $alive; do
		kill -KILL "$p" 2>/dev/null
	done
	wait "$2" 2>/dev/null
	return 0
}

stack_cleanup() {
	trap - EXIT INT TERM
	stack_postfix_stop
	stack_saslauthd_stop
	stack_dovecot_stop
	for f in $STACK_PAMFILES; do
		rm -f "$f" "$f.tmp"
	done
	STACK_PAMFILES=
	[ -n "$STACK_TMP" ] && rm -rf "$STACK_TMP"
	STACK_TMP=
}

stack_port() { stack_client freeport 127.0.0.1; }
stack_wait_port() { stack_client wait 127.0.0.1 "$1" "${2:-15}"; }

# ---- Dovecot --------------------------------------------------------------

# stack_dovecot_start [EXTRA_SETTINGS]: IMAP on $STACK_IMAP_PORT and POP3
# on $STACK_POP3_PORT of 127.0.0.1, passdb pam with service $STACK_SVC
# (its args prefixed with $STACK_PASSDB_ARGS, e.g. "cache_key=%u%s ").
stack_dovecot_start() {
	# a second instance: STACK_DV names its directory (tests/integration/
	# fleet.sh runs two)
	d=$STACK_TMP/${STACK_DV:-dovecot}
	mkdir -p "$d/base" "$d/state" "$STACK_TMP/mail"
	chown nobody:nogroup "$STACK_TMP/mail"
	STACK_IMAP_PORT=$(stack_port) && STACK_POP3_PORT=$(stack_port) ||
		return 1
	# Dovecot 2.4 renamed disable_plaintext_auth to auth_allow_cleartext
	case $(dovecot --version) in
	2.[0-3].*) cleartext="disable_plaintext_auth = no" ;;
	*) cleartext="auth_allow_cleartext = yes" ;;
	esac
	cat >"$d/dovecot.conf" <<EOF
# private test instance: everything under $d
base_dir = $d/base
state_dir = $d/state
log_path = $d/dovecot.log
instance_name = $STACK_SVC-${STACK_DV:-dovecot}
protocols = imap pop3
listen = 127.0.0.1
ssl = no
$cleartext
default_internal_user = dovecot
default_login_user = dovenull
auth_mechanisms = plain login
auth_username_format = %Lu
# tests want every login to reach the module, at once
auth_cache_size = 0
auth_failure_delay = 0
auth_verbose = yes
mail_location = maildir:~/Maildir
passdb {
  driver = pam
  args = ${STACK_PASSDB_ARGS:-}$STACK_SVC
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$STACK_TMP/mail/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $STACK_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $STACK_POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
# Dovecot's own per-address delay after failures (2, 4, 8, 15 s, kept by
# anvil) would make the tests slow: the auth process cannot reach this
# socket, and runs without it.  Keep it in production.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
${1:-}
EOF
	dovecot -F -c "$d/dovecot.conf" >"$d/stdout.log" 2>&1 &
	echo $! >"$d/pid"
	if ! stack_wait_port "$STACK_IMAP_PORT" || \
	    ! stack_wait_port "$STACK_POP3_PORT"; then
		cat "$d/stdout.log" "$d/dovecot.log" 2>/dev/null | stack_diag
		return 1
	fi
}

stack_dovecot_stop() {	# every instance
	[ -n "$STACK_TMP" ] || return 0
	for f in "$STACK_TMP"/dovecot*/pid; do
		[ -f "$f" ] || continue
		stack_stop_pids TERM "$(cat "$f")"
		rm -f "$f"
	done
}

# Logins in parallel (Dovecot answers every failure on its next 0.5 s
# tick): stack_bg NAME COMMAND... runs COMMAND in the background with its
# output kept as NAME; stack_bg_wait waits for all; stack_bg_get NAME
# prints it.
STACK_BG=
stack_bg() {
	n=$1
	shift
	"$@" >"$STACK_TMP/bg.$n" 2>&1 &
	STACK_BG="$STACK_BG $!"
}
stack_bg_wait() {	# only these: a bare "wait" would wait for the servers
	for p in $STACK_BG; do
		wait "$p"
	done
	STACK_BG=
}
stack_bg_get() { cat "$STACK_TMP/bg.$1"; }

stack_imap() { stack_client imap ${3:+-s "$3"} 127.0.0.1 "$STACK_IMAP_PORT" \
    "$1" "$2" 2>&1; }
stack_pop3() { stack_client pop3 ${3:+-s "$3"} 127.0.0.1 "$STACK_POP3_PORT" \
    "$1" "$2" 2>&1; }

# ---- saslauthd ------------------------------------------------------------

# stack_saslauthd_start [OPTION...]: saslauthd -a pam with its socket in
# $STACK_TMP/sasl, in the foreground (-d) so that its log is ours, and in
# a session of its own: on SIGTERM it signals its whole process group.
# The options go to saslauthd; none means -r (hand "user@realm" to PAM
# whole); "plain" means none at all.
stack_saslauthd_start() {
	d=$STACK_TMP/sasl
	STACK_SASL_MUX=$d/mux
	mkdir -p "$d"
	chmod 0755 "$d"
	[ $# -eq 0 ] && set -- -r
	[ "$1" = plain ] && set --
	setsid saslauthd -d -a pam -m "$d" -n 2 "$@" \
	    >>"$d/saslauthd.log" 2>&1 &
	echo $! >"$d/pid"
	i=0
	while [ ! -S "$STACK_SASL_MUX" ] && [ $i -lt 100 ]; do
		stack_alive "$(cat "$d/pid")" || break
		sleep 0.05
		i=$((i + 1))
	done
	[ -S "$STACK_SASL_MUX" ] || { stack_logs sasl; return 1; }
}

stack_saslauthd_stop() {
	f=$STACK_TMP/sasl/pid
	[ -n "$STACK_TMP" ] && [ -f "$f" ] || return 0
	stack_stop_pids TERM "$(cat "$f")"
	rm -f "$f" "$STACK_SASL_MUX" "$STACK_SASL_MUX.accept"
}

# testsaslauthd's one-line answer: 0: OK "Success." or 0: NO "..."
stack_testsasl() {	# USER PASSWORD
	testsaslauthd -u "$1" -p "$2" -s "$STACK_SVC" -f "$STACK_SASL_MUX" 2>&1
}

# ---- Postfix --------------------------------------------------------------

# stack_postfix_start: a private instance (postfix -c DIR) whose only
# listener is smtpd on 127.0.0.1:$STACK_SMTP_PORT, SMTP AUTH through the
# running saslauthd with PAM service $STACK_SVC.  main.cf is the shipped
# example snippet with the test's own settings after it (the last
# setting of a name wins).  mynetworks is a documentation range, so the
# test client on 127.0.0.1 is not trusted and the open-relay test means
# something.
stack_postfix_start() {
	d=$STACK_TMP/postfix
	mkdir -p "$d/etc/sasl" "$d/queue" "$d/data"
	chown postfix "$d/data"
	STACK_SMTP_PORT=$(stack_port) || return 1
	# the shipped snippet, then the test's settings: postconf -e replaces
	# a setting where it stands
	grep -v '^[[:space:]]*#' "$STACK_TOP/doc/examples/postfix/main.cf" \
	    >"$d/etc/main.cf"
	postconf -c "$d/etc" -e \
	    "compatibility_level = 3.6" \
	    "queue_directory = $d/queue" \
	    "data_directory = $d/data" \
	    "mail_owner = postfix" \
	    "setgid_group = postdrop" \
	    "maillog_file = $d/maillog" \
	    "maillog_file_prefixes = $STACK_TMP" \
	    "myhostname = mx.mailuser-test.invalid" \
	    "mydomain = mailuser-test.invalid" \
	    "mydestination =" \
	    "inet_interfaces = 127.0.0.1" \
	    "inet_protocols = ipv4" \
	    "mynetworks = 192.0.2.0/24" \
	    "smtpd_sasl_service = $STACK_SVC" \
	    "smtpd_tls_auth_only = no" \
	    "smtpd_tls_security_level = none" \
	    "default_transport = discard" \
	    "relay_transport = discard" \
	    "local_transport = discard" \
	    "alias_maps =" "alias_database =" "local_recipient_maps =" \
	    "smtputf8_enable = no" "biff = no" || return 1
	# a test's own lines, as written (multi-line values kept)
	if [ -n "${STACK_POSTFIX_MAIN:-}" ]; then
		printf '%s\n' "$STACK_POSTFIX_MAIN" >>"$d/etc/main.cf"
	fi
	cat >"$d/etc/master.cf" <<EOF
127.0.0.1:$STACK_SMTP_PORT inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
anvil     unix  - - n - 1 anvil
discard   unix  - - n - - discard
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
postlog   unix-dgram n - n - 1 postlogd
EOF
	if [ -n "${STACK_POSTFIX_MASTER:-}" ]; then
		printf '%s\n' "$STACK_POSTFIX_MASTER" >>"$d/etc/master.cf"
	fi
	# Debian's smtpd reads $config_directory/sasl/smtpd.conf
	{
		grep -v -e '^[[:space:]]*#' -e '^saslauthd_path:' \
		    "$STACK_TOP/doc/examples/postfix/sasl/smtpd.conf"
		echo "saslauthd_path: $STACK_SASL_MUX"
	} >"$d/etc/sasl/smtpd.conf"
	# What "postfix start" does, without its minute checks of the
	# installation (seconds): the queue directories, then the master
	# daemon (-w: return once it is up).
	for q in active bounce corrupt defer deferred flush hold incoming \
	    private saved trace; do
		install -d -o postfix -g root -m 0700 "$d/queue/$q"
	done
	install -d -o postfix -g postdrop -m 0730 "$d/queue/maildrop"
	install -d -o postfix -g postdrop -m 0710 "$d/queue/public"
	install -d -o root -g root -m 0755 "$d/queue/pid"
	if ! MAIL_CONFIG=$d/etc /usr/lib/postfix/sbin/master -c "$d/etc" -w \
	    >"$d/start.log" 2>&1; then
		cat "$d/start.log" "$d/maillog" 2>/dev/null | stack_diag
		return 1
	fi
	stack_wait_port "$STACK_SMTP_PORT" || { stack_logs postfix; return 1; }
}

stack_postfix_stop() {
	d=$STACK_TMP/postfix
	f=$d/queue/pid/master.pid
	[ -n "$STACK_TMP" ] && [ -f "$f" ] || return 0
	# empty the queue while postlogd still runs (postsuper logs there)
	postsuper -c "$d/etc" -d ALL >/dev/null 2>&1
	# the master stops its children when it gets SIGTERM
	stack_stop_pids TERM "$(tr -d ' ' <"$f")"
	rm -f "$f"
}

# stack_smtp_rcpt TO [AUTH_USER AUTH_PASSWORD]: EHLO, (AUTH PLAIN,) MAIL,
# RCPT, QUIT with swaks; prints the server's reply to AUTH if there was
# one and to RCPT, one per line, e.g. "235 2.7.0 ..." and "250 2.1.5 Ok".
stack_smtp_rcpt() {
	if [ $# -ge 3 ]; then
		set -- "$1" --auth PLAIN --auth-user "$2" --auth-password "$3"
	fi
	swaks --server "127.0.0.1:$STACK_SMTP_PORT" --helo client.invalid \
	    --from sender@example.org --to "$@" --quit-after RCPT \
	    --timeout 15 >"$STACK_TMP/swaks.out" 2>&1
	# replies to AUTH (and its continuation) and RCPT: the lines after
	# the client's command, up to the next command
	awk '/^ -> AUTH|^ -> RCPT/ { want = 1; next }
	     /^ -> / { want = 0 }
	     want && /^<(-|\*\*) +[0-9][0-9][0-9] / {
		sub(/^<(-|\*\*) +/, ""); print }' "$STACK_TMP/swaks.out"
}
