#!/bin/sh
# run.sh SECONDS [HARNESS...] - build the libFuzzer harnesses (`make fuzz-build`)
# and run each for SECONDS (default 60) on a scratch copy of its seed corpus.
#
#   HARNESS: agg, unpack, gzip, zip, mime, utf8fix, pipeline, dnsrec (default: all, one
#            after the other; tests/fuzz/fuzz.mk says what each covers)
#   FUZZ_JOBS=N   run N fuzzing processes per harness (libFuzzer -fork=N)
#
# The committed corpus (tests/fuzz/corpus/) is never written: new inputs go to
# build-fuzz/run/HARNESS/corpus.  Crashes, leaks and timeouts are written to
# build-fuzz/run/HARNESS/artifacts/; copy a reproducer to tests/fuzz/crashes/
# and replay it with build-asan/fuzz_replay_HARNESS FILE.  To grow the
# committed corpus, minimise first:
#   build-fuzz/fuzz_agg -merge=1 tests/fuzz/corpus/agg build-fuzz/run/agg/corpus
# Long runs on a shared machine: nice -n 10 sh tests/fuzz/run.sh 3600 pipeline
# (docs/FUZZING.md has the runs so far).
set -u
cd "$(dirname "$0")/../.."
SECS=${1:-60}
[ $# -gt 0 ] && shift
HARNESSES=${*:-agg unpack gzip zip mime utf8fix pipeline dnsrec}
JOBS=${FUZZ_JOBS:-1}

make -s fuzz-build || exit 2
status=0
for h in $HARNESSES; do
	bin=build-fuzz/fuzz_$h
	work=build-fuzz/run/$h
	if [ ! -x "$bin" ]; then
		echo "run.sh: no harness $bin" >&2
		status=2
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	cp tests/fuzz/corpus/"$h"/* "$work/corpus/" 2>/dev/null
	set -- -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=1024 -timeout=20 \
	    -print_final_stats=1 -artifact_prefix="$work/artifacts/"
	[ -f "tests/fuzz/$h.dict" ] && set -- "$@" -dict="tests/fuzz/$h.dict"
	[ "$JOBS" -gt 1 ] && set -- "$@" -fork="$JOBS" -ignore_crashes=0
	echo "== fuzz_$h for ${SECS}s (log: $work/fuzz.log)"
	if "$bin" "$@" "$work/corpus" >"$work/fuzz.log" 2>&1; then
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/fuzz.log"
		echo "fuzz_$h: no crash; corpus now $(ls "$work/corpus" | wc -l) files"
	else
		status=1
		tail -60 "$work/fuzz.log"
		echo "fuzz_$h: FAILED; reproducers in $work/artifacts/:"
		ls -l "$work/artifacts/"
	fi
done
exit $status
