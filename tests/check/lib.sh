# tests/check/lib.sh: a private DNS on loopback for mailserver-check,
# sourced by tests/check/*.sh and by make demo (tests/demo.sh).  POSIX sh.
#
#   top=...; . "$top/tests/check/lib.sh"
#   dns_init                     temp dir $DNS_TMP, traps
#   dns_rbldnsd ZONE:TYPE:FILE...    rbldnsd on $DNS_RBL_PORT
#   dns_sink                     a UDP port that never answers ($DNS_SINK_PORT)
#   dns_unbound FILE             unbound on $DNS_PORT with the local-zone,
#                                local-data, stub-zone and forward-zone
#                                lines of FILE; the resolver to use is
#                                $DNS_RESOLVER (127.0.0.1@PORT)
#   dns_stub ZONE                a stub-zone line for FILE: ZONE at rbldnsd
#   dns_forward_sink ZONE        a forward-zone line: ZONE never answers
#   dns_txt NAME TEXT            a local-data line, TEXT cut into strings
#                                of 255 bytes
#   dns_cleanup                  stop everything (by PID), remove $DNS_TMP
#
# unbound answers only what the file holds: every other name is REFUSED
# at once (local-zone "." refuse), so nothing is ever asked off the
# machine.  It logs every query it gets ($DNS_TMP/unbound.log).

DNS_TOP=${DNS_TOP:-$top}
DNS_TMP=
DNS_PIDS=

dns_port() { python3 "$DNS_TOP/tests/lib/mailclient.py" freeport 127.0.0.1; }

dns_init() {
	DNS_TMP=$(mktemp -d "/tmp/${DNS_NAME:-mailserver-check}.XXXXXX") ||
		return 1
	chmod 0755 "$DNS_TMP"
	trap dns_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

dns_cleanup() {
	trap - EXIT INT TERM
	for p in $DNS_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $DNS_PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	DNS_PIDS=
	[ -n "$DNS_TMP" ] && rm -rf "$DNS_TMP"
	DNS_TMP=
}

# dns_wait_udp PORT: until a DNS query to PORT gets any answer
dns_wait_udp() {
	python3 - "$1" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
q = bytes.fromhex("12340000000100000000000004746573740000010001")
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.1)
    try:
        s.sendto(q, ("127.0.0.1", port))
        s.recv(512)
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
    finally:
        s.close()
sys.exit(1)
EOF
}

dns_rbldnsd() {
	DNS_RBL_PORT=$(dns_port) || return 1
	(cd "$DNS_TMP" && exec rbldnsd -n -q -b "127.0.0.1/$DNS_RBL_PORT" \
	    -w "$DNS_TMP" "$@") >"$DNS_TMP/rbldnsd.log" 2>&1 &
	DNS_PIDS="$DNS_PIDS $!"
	dns_wait_udp "$DNS_RBL_PORT" || { cat "$DNS_TMP/rbldnsd.log"; return 1; }
}

dns_sink() {
	DNS_SINK_PORT=$(dns_port) || return 1
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recv(4096)
' "$DNS_SINK_PORT" &
	DNS_PIDS="$DNS_PIDS $!"
}

dns_stub() {
	printf 'local-zone: "%s." transparent\n' "$1"
	printf 'stub-zone:\n  name: "%s."\n  stub-addr: 127.0.0.1@%s\nserver:\n' \
	    "$1" "$DNS_RBL_PORT"
}

dns_forward_sink() {
	printf 'local-zone: "%s." transparent\n' "$1"
	printf 'forward-zone:\n  name: "%s."\n  forward-addr: 127.0.0.1@%s\nserver:\n' \
	    "$1" "$DNS_SINK_PORT"
}

dns_txt() {	# NAME TEXT
	printf '%s' "$2" | python3 -c '
import sys
name, t = sys.argv[1], sys.stdin.read()
parts = [t[i:i + 255] for i in range(0, len(t), 255)] or [""]
q = " ".join("\"" + p.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
             for p in parts)
print("local-data: '\''%s. TXT %s'\''" % (name, q))
' "$1"
}

dns_unbound() {	# FILE
	DNS_PORT=$(dns_port) || return 1
	DNS_RESOLVER=127.0.0.1@$DNS_PORT
	cat >"$DNS_TMP/unbound.conf" <<EOF
server:
  interface: 127.0.0.1@$DNS_PORT
  port: $DNS_PORT
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$DNS_TMP"
  pidfile: "$DNS_TMP/unbound.pid"
  use-syslog: no
  logfile: "$DNS_TMP/unbound.log"
  log-queries: yes
  verbosity: 0
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  do-not-query-localhost: no
  num-threads: 1
  local-zone: "." refuse
$(cat "$1")
remote-control:
  control-enable: no
EOF
	if ! unbound-checkconf "$DNS_TMP/unbound.conf" >"$DNS_TMP/checkconf.log" 2>&1
	then
		cat "$DNS_TMP/checkconf.log"
		return 1
	fi
	unbound -d -c "$DNS_TMP/unbound.conf" >"$DNS_TMP/unbound.out" 2>&1 &
	DNS_PIDS="$DNS_PIDS $!"
	dns_wait_udp "$DNS_PORT" ||
		{ cat "$DNS_TMP/unbound.out" "$DNS_TMP/unbound.log"; return 1; }
}
