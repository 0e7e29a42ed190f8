#!/bin/sh
# Run every test suite and print one closing line "N passed, N failed".
#
# Each suite prints one line per check, "ok - ..." or "not ok - ...".
# A suite that exits non-zero without a "not ok" line (a crash, a
# sanitizer report, a valgrind error) counts as one failure.  Full output
# of each suite is kept in build/test-logs/.
#
#   sh tests/run.sh            everything (make check builds first)
#   sh tests/run.sh PATTERN    only suites whose name contains PATTERN

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
logs=build/test-logs
mkdir -p "$logs"
only=${1:-}
passed=0
failed=0

suite() {
	name=$1
	shift
	case "$name" in *"$only"*) ;; *) return 0 ;; esac
	log="$logs/$(echo "$name" | tr ' /' '__').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok' "$log")
	f=$(grep -c '^not ok' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name: exited with status $rc" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-34s %4d passed, %d failed (%ss)\n' "$name" "$p" "$f" \
		"$(($(date +%s) - start))"
	if [ "$f" -ne 0 ]; then
		grep -A4 '^not ok' "$log" | sed 's/^/    /' | head -60
		echo "    (full log: $log)"
	fi
}

export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
VG="valgrind --quiet --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect --suppressions=tests/valgrind.supp"

for b in build build/asan; do
	suite "$b: unit" "$b/test_unit"
	suite "$b: names" "$b/test_names"
	suite "$b: module" "$b/test_module" "$b"
	suite "$b: policy" "$b/test_policy"
	suite "$b: window" "$b/test_window"
	suite "$b: lockout" "$b/test_lockout" "$b"
	suite "$b: passwd" "$b/test_passwd" "$b"
	suite "$b: exports" "$b/test_symbols" "$b/pam_mailuser.so"
	suite "$b: cli" sh tests/cli/test_cli.sh "$b"
	suite "$b: cli lifecycle" sh tests/cli/test_lifecycle.sh "$b"
	suite "$b: cli lockout" sh tests/cli/test_lockout_cli.sh "$b"
	suite "$b: cli policy" sh tests/cli/test_policy_cli.sh "$b"
	suite "$b: cli progress" sh tests/cli/test_progress.sh "$b"
	suite "$b: cli import batch" sh tests/cli/test_import_batch.sh "$b"
	suite "$b: cli migrate" sh tests/cli/test_migrate.sh "$b"
	suite "$b: cli copy" sh tests/cli/test_copy.sh "$b"
	suite "$b: cli limits" sh tests/cli/test_limits.sh "$b"
	suite "$b: policyd" sh tests/policyd/test_policyd.sh "$b"
done
# refusals alike by time: the optimised build only (a statistical test
# that retries once; see tests/module/test_timing.c)
suite "timing: sha512crypt" build/test_timing build sha512crypt
suite "timing: yescrypt" env MU_TIMING_SAMPLES=250 build/test_timing build \
    yescrypt
suite "valgrind: unit" $VG build/test_unit
suite "valgrind: names" $VG build/test_names
suite "valgrind: module" $VG build/test_module build
suite "valgrind: lockout" $VG build/test_lockout build
suite "valgrind: policy" $VG build/test_policy
suite "valgrind: window" $VG build/test_window
# fewer concurrent rounds under valgrind (200 elsewhere): same cases
suite "valgrind: passwd" env MU_TEST_ROUNDS=60 $VG build/test_passwd build
# the PostgreSQL backend through its statement layer, on a server of its
# own (tests/unit/test_pgsql.sh starts and removes it)
suite "pgsql backend" sh tests/unit/test_pgsql.sh build
suite "man pages" sh tests/lint_man.sh
suite "fuzz: parsers, a few seconds each" sh tests/fuzz/run.sh build
suite "install" sh tests/install.sh
suite "build: flags and version" sh tests/build/test_flags.sh
suite "build: from a 0700 directory" sh tests/build/test_private_dir.sh build
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	suite "integration: $(basename "$t" .sh)" sh "$t" build
done

# mailserver-check (tests/check/): its parsers, a real DNS server, the
# stack's real Postfix; again under ASan, and under valgrind
suite "check: unit" build/test_check
suite "check: dns" sh tests/check/test_dns.sh build
suite "check: relay (postfix)" sh tests/check/test_relay.sh build
suite "check: asan unit" build/asan/test_check
suite "check: asan dns" sh tests/check/test_dns.sh build/asan
suite "valgrind: check unit" $VG build/test_check
suite "valgrind: check dns" env CHECK_WRAP="$VG" sh tests/check/test_dns.sh \
    build
# The CLI suites again on PostgreSQL (MU_TEST_DB=pg, see tests/cli/lib.sh),
# the optimised build only, on one private server (tests/lib/pg.sh) that
# is stopped and removed at the end, even on failure.  The server starts
# only when one of these suites is selected.
pg_names="pg: module|pg: lockout|pg: passwd|pg: asan module|pg: asan lockout|\
pg: valgrind module|pg: cli|pg: cli lifecycle|pg: cli lockout|pg: cli policy|\
pg: cli progress|pg: cli import batch|pg: cli migrate|pg: cli limits|\
pg: policyd"
case "$pg_names" in
*"$only"*)
	. tests/lib/pg.sh
	trap pg_stop EXIT
	trap 'pg_stop; exit 1' HUP INT TERM
	if pg_start 2>"$logs/pg-start.err"; then
		# the module suites on PostgreSQL: the module as the auth
		# role, the 30-process exact counters included
		suite "pg: module" env MU_TEST_DB=pg build/test_module build
		suite "pg: lockout" env MU_TEST_DB=pg build/test_lockout build
		suite "pg: passwd" env MU_TEST_DB=pg build/test_passwd build
		suite "pg: asan module" env MU_TEST_DB=pg build/asan/test_module \
		    build/asan
		suite "pg: asan lockout" env MU_TEST_DB=pg \
		    build/asan/test_lockout build/asan
		suite "pg: valgrind module" env MU_TEST_DB=pg $VG \
		    build/test_module build
		suite "pg: cli" env MU_TEST_DB=pg sh tests/cli/test_cli.sh build
		suite "pg: cli lifecycle" env MU_TEST_DB=pg \
		    sh tests/cli/test_lifecycle.sh build
		suite "pg: cli lockout" env MU_TEST_DB=pg \
		    sh tests/cli/test_lockout_cli.sh build
		suite "pg: cli policy" env MU_TEST_DB=pg \
		    sh tests/cli/test_policy_cli.sh build
		suite "pg: cli progress" env MU_TEST_DB=pg \
		    sh tests/cli/test_progress.sh build
		suite "pg: cli import batch" env MU_TEST_DB=pg \
		    sh tests/cli/test_import_batch.sh build
		suite "pg: cli migrate" env MU_TEST_DB=pg \
		    sh tests/cli/test_migrate.sh build
		suite "pg: cli limits" env MU_TEST_DB=pg \
		    sh tests/cli/test_limits.sh build
		suite "pg: policyd" env MU_TEST_DB=pg \
		    sh tests/policyd/test_policyd.sh build
	else
		# one failure, whatever PATTERN selected
		pg_only=$only
		only=
		suite "pg: a private PostgreSQL 15 starts" \
		    sh -c 'cat "$1"; exit 1' sh "$logs/pg-start.err"
		only=$pg_only
	fi
	pg_stop
	;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
