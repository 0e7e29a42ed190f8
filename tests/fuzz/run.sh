#!/bin/sh
# Run every libFuzzer harness of tests/fuzz/ for a while and print one
# TAP line each: "ok - fuzz NAME: N runs, no crash", or "not ok - ..."
# with the sanitizer report (a crash, a broken property, a leak, a
# timeout).  Each harness starts from its checked-in seeds,
# tests/fuzz/corpus/NAME/ (only read), with tests/fuzz/NAME.dict and
# the libFuzzer flags of tests/fuzz/NAME.options when they exist.  Its
# full output is BUILD/fuzz/NAME.log; a crashing input is saved as
# BUILD/fuzz/crash-NAME-<sha1>.
#
#   sh tests/fuzz/run.sh [-t SECONDS] [-k CORPUS] [-n] BUILD
#     -t  seconds per harness (default 4: make check)
#     -k  keep the growing corpus in CORPUS/NAME (make fuzz); by default
#         it lives in a temporary directory, removed at the end
#     -n  do not build first (by default: make B=BUILD fuzz-build)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

secs=4
keep=
build=1
while getopts t:k:n opt; do
	case $opt in
	t) secs=$OPTARG ;;
	k) keep=$OPTARG ;;
	n) build= ;;
	*) echo "usage: sh tests/fuzz/run.sh [-t SECONDS] [-k CORPUS] [-n] BUILD" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
b=${1:-build}

mkdir -p "$b" || exit 2
if [ -n "$build" ]; then
	if ! ${MAKE:-make} --no-print-directory -s B="$b" fuzz-build \
	    >"$b/fuzz-build.log" 2>&1; then
		echo "not ok - fuzz: harnesses build (clang, libFuzzer)"
		sed 's/^/# /' "$b/fuzz-build.log" | tail -n 20
		exit 1
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mu-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP
# the harnesses' own temporary directories (fuzz_args.c) go in here
mkdir "$work/tmp" || exit 2
export TMPDIR="$work/tmp"

status=0
for src in tests/fuzz/fuzz_*.c; do
	n=$(basename "$src" .c)
	n=${n#fuzz_}
	bin=$b/fuzz/$n
	log=$b/fuzz/$n.log
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $n: $bin is not built"
		status=1
		continue
	fi
	corpus=${keep:-$work/corpus}/$n
	mkdir -p "$corpus" || exit 2
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$b/fuzz/crash-$n-"
	[ -f "tests/fuzz/$n.dict" ] && set -- "$@" -dict="tests/fuzz/$n.dict"
	[ -f "tests/fuzz/$n.options" ] &&
		set -- "$@" $(grep -v '^#' "tests/fuzz/$n.options")
	"$bin" "$@" "$corpus" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ] &&
	    ! grep -q -e '^==[0-9]*==ERROR' -e 'runtime error:' \
		-e '^fuzz property failed' "$log"; then
		echo "ok - fuzz $n: $runs runs, no crash"
	else
		echo "not ok - fuzz $n: exit status $rc after ${runs:-?} runs (log: $log)"
		grep -m1 -A30 -e '^==[0-9]*==ERROR' -e 'runtime error:' \
		    -e '^fuzz property failed' -e 'ERROR: libFuzzer' "$log" |
		    sed 's/^/# /'
		grep 'Test unit written to' "$log" | sed 's/^/# /'
		status=1
	fi
done
exit $status
