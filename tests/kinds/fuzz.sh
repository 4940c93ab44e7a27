#!/bin/sh
# fuzz.sh SECONDS arf|tlsrpt - build the report kinds' libFuzzer harnesses
# (`make kinds-fuzz`) and run one for SECONDS on a scratch copy of its seed
# corpus (tests/kinds/corpus/NAME), at nice 10.
#
# New inputs go to build-fuzz/kinds/run/NAME/corpus, crashes to .../artifacts/.
# To grow the committed corpus, minimise first:
#   build-fuzz/kinds/fuzz_NAME -merge=1 tests/kinds/corpus/NAME build-fuzz/kinds/run/NAME/corpus
# The final libFuzzer statistics (execs, cov, corpus) are in .../fuzz.log.
set -u
cd "$(dirname "$0")/../.." || exit 2
SECS=${1:-60}
H=${2:-arf}
make -s kinds-fuzz || exit 2
bin=build-fuzz/kinds/fuzz_$H
work=build-fuzz/kinds/run/$H
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp tests/kinds/corpus/"$H"/* "$work/corpus/"
set -- -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=1024 -timeout=20 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/"
[ -f "tests/kinds/$H.dict" ] && set -- "$@" -dict="tests/kinds/$H.dict"
echo "== fuzz_$H for ${SECS}s (log: $work/fuzz.log)"
if nice -n 10 "$bin" "$@" "$work/corpus" >"$work/fuzz.log" 2>&1; then
	grep -E "^#[0-9]+.*(DONE|cov)" "$work/fuzz.log" | tail -1
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/fuzz.log"
	echo "fuzz_$H: no crash; corpus now $(find "$work/corpus" -type f | wc -l) files"
else
	tail -60 "$work/fuzz.log"
	echo "fuzz_$H: FAILED; reproducers in $work/artifacts/:"
	ls -l "$work/artifacts/"
	exit 1
fi
