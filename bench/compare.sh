#!/bin/sh
# bench/compare.sh OLD_BIN NEW_BIN [ROUNDS] - the same-run ingest comparison of
# two binaries (docs/PERFORMANCE.md "Report kinds: the aggregate path before and
# after"): ROUNDS rounds (default 5) of, alternately OLD then NEW, each into a
# fresh database:
#   mixed    dmarcscope --db X ingest --json --no-progress bench/out/mixed
#   big-xml  ... --max-decompressed 2g bench/out/big/<1M-record report>.xml
#   big-gz   ... the same report .xml.gz
# The corpora are bench/run.sh's (BENCH_GEN_ONLY=1 sh bench/run.sh makes them).
# Prints one line per run: corpus binary round seconds(own) wall_s maxrss_kib reports
# records, then the medians.  COMPARE_CORPORA="mixed big-xml big-gz" selects.
set -eu
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2 ROUNDS=${3:-5}
CORPORA=${COMPARE_CORPORA:-mixed big-xml big-gz}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
BIG=$(ls bench/out/big/*.xml | head -1)
input() {
	case $1 in
	mixed) echo bench/out/mixed ;;
	big-xml) echo "$BIG" ;;
	big-gz) echo "$BIG.gz" ;;
	esac
}
for c in $CORPORA; do
	i=1
	while [ "$i" -le "$ROUNDS" ]; do
		for which in old new; do
			[ "$which" = old ] && b=$OLD || b=$NEW
			rm -f "$T"/db*
			/usr/bin/time -f "%e %M" -o "$T/time" "$b" --db "$T/db" ingest --json --no-progress \
			    --max-decompressed 2g "$(input "$c")" >"$T/out" 2>"$T/err" || true
			python3 - "$c" "$which" "$i" "$T/out" "$T/time" <<'PY'
import json, sys
c, w, i, out, tm = sys.argv[1:]
o = json.load(open(out))
wall, rss = open(tm).read().split()[-2:]
print(c, w, i, "%.3f" % o["seconds"], wall, rss, o["reports"], o["records"])
PY
		done
		i=$((i + 1))
	done
done | tee "$T/all"
python3 - "$T/all" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for c in dict.fromkeys(r[0] for r in rows):
    for w in ("old", "new"):
        s = [float(r[3]) for r in rows if r[0] == c and r[1] == w]
        m = [int(r[5]) for r in rows if r[0] == c and r[1] == w]
        print("median %-8s %s: %.3f s (min %.3f, max %.3f), max RSS %.1f MiB" %
              (c, w, statistics.median(s), min(s), max(s), max(m) / 1024))
PY
