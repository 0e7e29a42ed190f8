# tests/lib/pg.sh: a private PostgreSQL 15 for the tests, without systemd.
# Sourced, never run on its own.  POSIX sh.  Run as root (the server then
# runs as the postgres user: initdb and postgres refuse root) or as any
# other user (the server runs as that user).
#
#   . "$top/tests/lib/pg.sh"
#   trap pg_stop EXIT           (or call pg_stop from the suite's own trap)
#   pg_start || exit 1          a new cluster, database mailuser, two roles
#   pg_pause / pg_resume        stop and start the same cluster (outages)
#   pg_psql [ARGS...]           psql as the superuser over the socket
#   pg_psql_admin [ARGS...]     psql as mailuser_admin on database mailuser
#   pg_stop                     stop it and remove every file; safe to call
#                               twice, or when pg_start failed half way
#
# pg_start makes a directory with a short path (a unix socket path has at
# most 107 bytes), runs initdb there (UTF-8, locale C, so text sorts as
# SQLite's BINARY does), listens on a socket in that directory and on a
# free port of 127.0.0.1, both with scram-sha-256 passwords (the
# superuser alone also by peer over the socket), and creates the database
# mailuser owned by the role mailuser_admin, and the role mailuser_auth.
# No schema: a suite applies sql/postgresql/schema.sql (or runs
# "mailuser-admin init") and sql/postgresql/roles.sql itself.  It prints
# nothing on success; on failure it says why on standard error, shows the
# server log's last lines, removes what it made and returns 1.
#
# It sets and exports:
#   PG_DIR        the directory (data/, the socket, the log)
#   PG_PORT       the TCP port on 127.0.0.1
#   PG_SOCKDIR    the socket's directory (host=$PG_SOCKDIR)
#   PG_ADMIN_PW, PG_AUTH_PW              the two roles' passwords
#   PG_ADMIN_URL, PG_AUTH_URL            postgresql://ROLE:PW@127.0.0.1:PORT/
#                                        mailuser?sslmode=disable
#   PG_ADMIN_KV, PG_AUTH_KV              the same as key=value strings
#   PG_ADMIN_SOCK, PG_AUTH_SOCK          key=value strings over the socket
#   PG_OWNER, PG_SUPER_PW                the server's user, the superuser's
#                                        password (for pg_psql in a child)
#
# fsync is off unless PG_DURABLE=1 (benchmarks that want the real cost of
# a commit set it before pg_start).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# Inherited from a shell that ran pg_start (all exported): a child
# program may run  sh -c '. tests/lib/pg.sh; pg_pause'  on that cluster.
PG_DIR=${PG_DIR:-}
PG_PORT=${PG_PORT:-}
PG_OWNER=${PG_OWNER:-}

# Run a command as the cluster's owner.
pg_as() {
	if [ "$PG_OWNER" = postgres ]; then
		# from /: the caller's directory may be one postgres cannot
		# enter (a checkout in a 0700 directory), and psql says so
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

pg_fail() {
	echo "pg: $*" >&2
	if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/log" ]; then
		tail -n 15 "$PG_DIR/log" | sed 's/^/pg: log: /' >&2
	fi
	pg_stop
	return 1
}

pg_secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

pg_freeport() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] || {
		echo "pg: no $PG_BIN/initdb (apt-get install postgresql-15)" >&2
		return 1
	}
	if [ "$(id -u)" = 0 ]; then
		PG_OWNER=postgres
	else
		PG_OWNER=$(id -un)
	fi
	PG_DIR=$(mktemp -d /tmp/pgXXXXXX) || return 1
	# clients of any user may reach the socket; data/ stays 0700
	chmod 0755 "$PG_DIR" && chown "$PG_OWNER" "$PG_DIR" ||
		{ pg_fail "cannot prepare $PG_DIR"; return 1; }
	PG_SOCKDIR=$PG_DIR
	PG_SUPER_PW=$(pg_secret)
	PG_ADMIN_PW=$(pg_secret)
	PG_AUTH_PW=$(pg_secret)
	(umask 077 && printf '%s\n' "$PG_SUPER_PW" >"$PG_DIR/pw") &&
		chown "$PG_OWNER" "$PG_DIR/pw" &&
		pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres \
		    --pwfile="$PG_DIR/pw" -E UTF8 --locale=C \
		    -A scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log" >&2; pg_fail "initdb failed"
		  return 1; }
	rm -f "$PG_DIR/pw"
	_pg_peer=peer
	[ "$PG_OWNER" = postgres ] || _pg_peer=scram-sha-256
	pg_as sh -c 'cat >"$1/data/pg_hba.conf"' sh "$PG_DIR" <<EOF
local all postgres $_pg_peer
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
EOF
	fsync=off
	[ "${PG_DURABLE:-0}" = 1 ] && fsync=on
	pg_as sh -c 'cat >>"$1/data/postgresql.conf"' sh "$PG_DIR" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
max_connections = 150
fsync = $fsync
full_page_writes = $fsync
synchronous_commit = $fsync
log_line_prefix = '%m [%p] %u@%d '
EOF
	# a port found free may be taken before the server binds it: retry
	for _pg_try in 1 2 3; do
		PG_PORT=$(pg_freeport) || { pg_fail "no free port"; return 1; }
		pg_as sh -c 'echo "port = $2" >>"$1/data/postgresql.conf"' \
		    sh "$PG_DIR" "$PG_PORT"
		pg_resume && break
		PG_PORT=
	done
	[ -n "$PG_PORT" ] || { pg_fail "the server did not start"; return 1; }
	PG_DB=postgres pg_psql -q -v ON_ERROR_STOP=1 >/dev/null <<EOF ||
CREATE ROLE mailuser_admin LOGIN PASSWORD '$PG_ADMIN_PW';
CREATE ROLE mailuser_auth LOGIN PASSWORD '$PG_AUTH_PW';
CREATE DATABASE mailuser OWNER mailuser_admin;
EOF
		{ pg_fail "cannot create the roles and the database"
		  return 1; }
	_pg_tcp="host=127.0.0.1 port=$PG_PORT dbname=mailuser sslmode=disable"
	_pg_sock="host=$PG_DIR port=$PG_PORT dbname=mailuser"
	_pg_at="127.0.0.1:$PG_PORT/mailuser?sslmode=disable"
	PG_ADMIN_URL="postgresql://mailuser_admin:$PG_ADMIN_PW@$_pg_at"
	PG_AUTH_URL="postgresql://mailuser_auth:$PG_AUTH_PW@$_pg_at"
	PG_ADMIN_KV="$_pg_tcp user=mailuser_admin password=$PG_ADMIN_PW"
	PG_AUTH_KV="$_pg_tcp user=mailuser_auth password=$PG_AUTH_PW"
	PG_ADMIN_SOCK="$_pg_sock user=mailuser_admin password=$PG_ADMIN_PW"
	PG_AUTH_SOCK="$_pg_sock user=mailuser_auth password=$PG_AUTH_PW"
	export PG_DIR PG_PORT PG_SOCKDIR PG_ADMIN_PW PG_AUTH_PW PG_ADMIN_URL \
	    PG_AUTH_URL PG_ADMIN_KV PG_AUTH_KV PG_ADMIN_SOCK PG_AUTH_SOCK \
	    PG_OWNER PG_SUPER_PW
	return 0
}

# psql as the superuser over the socket (peer authentication when run as
# root, else its password), without reading any ~/.psqlrc.
pg_psql() {
	PGPASSWORD=$PG_SUPER_PW pg_as "$PG_BIN/psql" -X -h "$PG_DIR" \
	    -p "$PG_PORT" -U postgres -d "${PG_DB:-mailuser}" "$@"
}

pg_psql_admin() {
	PGPASSWORD=$PG_ADMIN_PW "$PG_BIN/psql" -X -h "$PG_DIR" -p "$PG_PORT" \
	    -U mailuser_admin -d mailuser "$@"
}

# The server down, its files kept (connections see it go away).
pg_pause() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 1
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop \
	    >/dev/null 2>&1
}

# The same cluster up again, on the same port and socket.
pg_resume() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 1
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
	    start >/dev/null 2>&1
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop \
		    >/dev/null 2>&1 ||
			pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate \
			    -w -t 10 stop >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
	PG_PORT=
	return 0
}
