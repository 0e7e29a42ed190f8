#!/bin/sh
# The PostgreSQL backend against a private PostgreSQL 15 (tests/lib/pg.sh):
# starts it, runs BUILD/test_pgsql (tests/unit/test_pgsql.c) with the
# server's connection strings and the commands that stop and start it,
# and removes it at exit, also on failure.  Needs root (the server runs
# as the postgres user).
#
#   sh tests/unit/test_pgsql.sh [BUILD]      (BUILD: build by default)
#   PG_TEST_WRAP="valgrind -q --leak-check=full --error-exitcode=86" \
#       sh tests/unit/test_pgsql.sh build     (under a checker)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
b=$(cd "${1:-build}" 2>/dev/null && pwd) || b=${1:-build}
if [ ! -x "$b/test_pgsql" ]; then
	echo "not ok - $b/test_pgsql exists" \
	    "(make B=${1:-build} ${1:-build}/test_pgsql)"
	exit 0
fi
. "$top/tests/lib/pg.sh"
trap pg_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! pg_start; then
	echo "not ok - a private PostgreSQL 15 starts"
	exit 1
fi
echo "ok - a private PostgreSQL 15 starts"
lib="'$top/tests/lib/pg.sh'"
PG_PAUSE=". $lib && pg_pause"
PG_RESUME=". $lib && pg_resume"
PG_ROLES=". $lib && pg_psql_admin -q -v ON_ERROR_STOP=1 \
    -f '$top/sql/postgresql/roles.sql' >/dev/null"
export PG_PAUSE PG_RESUME PG_ROLES
${PG_TEST_WRAP:-} "$b/test_pgsql" "$top"
