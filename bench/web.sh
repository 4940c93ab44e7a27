#!/bin/sh
# bench/web.sh - the portal's HTTP benchmarks with wrk (Debian), against
# `dmarcscope serve` on a database holding the 1,000,000-record report of
# bench/run.sh (generated and ingested on first use, then reused).
#
# Measures, each for WEB_SECONDS (default 10) with 2 threads and 32
# connections:
#   1. the summary endpoint (/api/v1/stats), one URL: the response cache
#   2. the summary endpoint, 28 different ranges in turn
#   3. the mail list (/api/v1/records, page 1, 50 rows), one URL
#   4. the mail list, 100 pages x 3 sort orders (more URLs than cache slots)
# and, before those, uncached single requests timed with curl: the summary
# over 20 ranges, and the mail list for every filter and every sort
# (WEB_SAMPLES requests each, default 20, of the first page; an ignored
# sample=N parameter makes each one miss the response cache; p50, p95 and
# max).
# Prints a markdown snippet (numbers and commands) for docs/PERFORMANCE.md.
# Targets: >= 5,000 requests/s on the summary endpoint; p95 <= 200 ms for
# every mail-list filter and sort (on 10M records; WEB_RECORDS sets the size
# of the one big report, default 1,000,000: 10M takes ~15 min to build).
#
# Environment: DMARCSCOPE (binary, default build/dmarcscope), SHARED (default
# ../shared), WEB_SECONDS, WEB_SAMPLES, WEB_RECORDS.  Exit 0 when it ran (a
# missed target is marked MISS), 2 on a setup error.
set -eu
cd "$(dirname "$0")/.."
BIN=${DMARCSCOPE:-build/dmarcscope}
SHARED=${SHARED:-../shared}
SECS=${WEB_SECONDS:-10}
SAMPLES=${WEB_SAMPLES:-20}
NREC=${WEB_RECORDS:-1000000}
OUT=bench/out/web
DB=$OUT/web.db
[ "$NREC" = 1000000 ] || { OUT=bench/out/web$NREC; DB=$OUT/web.db; }
BIG=bench/out/big
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "web.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }

if [ ! -f "$OUT/loaded" ]; then
	if ! ls "$BIG"/*big$NREC.xml.gz >/dev/null 2>&1; then
		python3 "$SHARED/tools/gen_corpus.py" --big "$NREC" --formats gz --out "$BIG" >/dev/null
	fi
	rm -f "$DB" "$DB-wal" "$DB-shm"
	"$BIN" --db "$DB" -q ingest --no-progress --max-decompressed 64g "$BIG"/*big$NREC.xml.gz
	# what enrichment would have found: a host name and country per address
	# (the search and the ptr/country sorts read them)
	sqlite3 "$DB" "INSERT OR IGNORE INTO hosts (ip, ptr, fcrdns, country, updated_at)
	    SELECT DISTINCT source_ip, 'mx' || abs(random() % 1000) || '.host' ||
	    abs(random() % 5000) || '.example.net', 1,
	    substr('USJPDEFRGBBRRUCNINNL', 1 + 2 * abs(random() % 10), 2), 1795000000
	    FROM records"
	touch "$OUT/loaded"
fi
RECORDS=$(sqlite3 "$DB" 'select count(*) from records')
DOMAIN=$(sqlite3 "$DB" 'select policy_domain from reports order by record_count desc limit 1')
DAY=$(sqlite3 "$DB" "select date(min(date_begin), 'unixepoch') from reports where policy_domain = '$DOMAIN'")
SINCE=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$DAY') - d.timedelta(days=29))")
UNTIL=$DAY

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT INT TERM
for i in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
STATS="/api/v1/stats?domain=$DOMAIN&since=$SINCE&until=$UNTIL"
LIST="/api/v1/records?domain=$DOMAIN&since=$SINCE&until=$UNTIL&per_page=50"

SINCES=$(python3 -c "import datetime as d; u=d.date.fromisoformat('$UNTIL'); print(','.join(chr(34) + str(u - d.timedelta(days=k)) + chr(34) for k in range(1, 29)))")
cat >"$OUT/stats-ranges.lua" <<EOF
local n = 0
local since = { $SINCES }
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/stats?domain=$DOMAIN&since=" .. since[(n % 28) + 1] .. "&until=$UNTIL")
end
EOF
cat >"$OUT/list-pages.lua" <<EOF
local n = 0
local sorts = { "date", "count", "ip" }
request = function()
  n = n + 1
  return wrk.format("GET", "$LIST&page=" .. ((n % 100) + 1) .. "&sort=" .. sorts[(n % 3) + 1])
end
EOF

run() {	# name, wrk args...
	name=$1; shift
	wrk -t2 -c32 -d"${SECS}s" --timeout 30s --latency "$@" >"$OUT/$name.txt" 2>&1 || true
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$OUT/$name.txt")
	p50=$(awk '$1 == "50%" { print $2 }' "$OUT/$name.txt")
	p99=$(awk '$1 == "99%" { print $2 }' "$OUT/$name.txt")
	non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$OUT/$name.txt")
	echo "$name ${rps:-0} ${p50:-?} ${p99:-?} ${non2xx:-0}"
}
# Cold (uncached) timings first: every URL is new to the response cache.
cold() {	# path... -> "median max" seconds
	for u in "$@"; do curl -s -o /dev/null -w '%{time_total}\n' "$BASE$u"; done |
	    sort -n | awk '{ v[NR] = $1 } END { printf "%.3f %.3f", v[int((NR + 1) / 2)], v[NR] }'
}
STATS_COLD=$(cold $(python3 -c "import datetime as d; u=d.date.fromisoformat('$UNTIL'); print(' '.join('/api/v1/stats?domain=$DOMAIN&since=%s&until=$UNTIL' % (u - d.timedelta(days=k)) for k in range(30, 50)))"))
LIST_COLD=$(cold "$LIST&page=2" "$LIST&page=3&sort=count" "$LIST&page=4&sort=ip" "$LIST&page=500&dir=asc" "$LIST&page=5&class=spoofing_suspected")
# Every mail-list filter and sort, uncached: SAMPLES different pages each.
IP=$(sqlite3 "$DB" "select source_ip from records where id = (select max(id) / 3 from records)")
lat() {	# query suffix -> "p50 p95 max" milliseconds
	for k in $(seq "$SAMPLES"); do
		curl -s -o /dev/null -w '%{time_total}\n' "$BASE$LIST$1&sample=$k"
	done | sort -n | awk '{ v[NR] = $1 * 1000 }
	    END { i = int(NR * 0.95 + 0.999); if (i > NR) i = NR
	    printf "%.0f %.0f %.0f", v[int((NR + 1) / 2)], v[i], v[NR] }'
}
LISTROWS=""
for f in "" "&dir=asc" "&class=forwarded" "&class=spoofing_suspected" "&result=pass" \
    "&result=fail" "&q=zz" "&q=mx1" "&q=10." "&ip=$IP" "&sort=domain" "&sort=ip" \
    "&sort=ptr" "&sort=count" "&sort=header_from" "&sort=dmarc" "&sort=spf" "&sort=dkim" \
    "&sort=disposition" "&sort=country" "&sort=class" "&sort=count&class=forwarded" \
    "&q=mx1&sort=country&dir=asc"; do
	set -- $(lat "$f")
	v=$(awk -v p="$2" 'BEGIN { print (p <= 200 ? "ok" : "MISS") }')
	LISTROWS="$LISTROWS| \`${f:-(none: date, newest first)}\` | $1 | $2 | $3 | $v |
"
done
R1=$(run summary-cached "$BASE$STATS")
R2=$(run summary-ranges -s "$OUT/stats-ranges.lua" "$BASE")
R3=$(run list-cached "$BASE$LIST")
R4=$(run list-pages -s "$OUT/list-pages.lua" "$BASE")
COLD=$(curl -s -o /dev/null -w '%{time_total}' "$BASE$LIST&page=7777&sort=count")

verdict() { awk -v r="$1" 'BEGIN { print (r >= 5000 ? "ok" : "MISS") }'; }
row() {	# label, result line, target
	set -- "$1" $2 "$3"
	printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$3" "$4" "$5" "$6" "$7"
}
cat <<EOF
<!-- web-bench -->
## Web portal (bench/web.sh)

$(date -u +%Y-%m-%d), $(nproc) CPUs, $RECORDS records loaded (one report, domain \`$DOMAIN\`),
\`dmarcscope serve --no-enrich\`, wrk 2 threads x 32 connections x ${SECS} s each.

| endpoint | requests/s | p50 | p99 | non-2xx | target |
|---|---|---|---|---|---|
$(row "summary \`$STATS\` (one URL: cache hit)" "$R1" "≥ 5,000/s: $(verdict "$(echo "$R1" | cut -d' ' -f2)")")
$(row "summary, 28 different ranges in turn" "$R2" "≥ 5,000/s: $(verdict "$(echo "$R2" | cut -d' ' -f2)")")
$(row "mail list page 1 (one URL: cache hit)" "$R3" "info")
$(row "mail list, 100 pages x 3 sorts (300 URLs: mostly cache misses)" "$R4" "info")

Mail list, every filter and sort, first page, uncached (\`$LIST\` plus the filter
plus \`&sample=1..$SAMPLES\`, an ignored parameter that defeats the response cache;
curl, one at a time; milliseconds; target p95 <= 200 ms):

| filter / sort | p50 | p95 | max | target |
|---|---|---|---|---|
$(printf '%s' "$LISTROWS")

Uncached single requests (curl, one at a time, before the wrk runs):
- summary over 20 different ranges: median $(echo $STATS_COLD | cut -d' ' -f1) s, max $(echo $STATS_COLD | cut -d' ' -f2) s;
- mail list, 5 different pages / sorts / filters: median $(echo $LIST_COLD | cut -d' ' -f1) s, max $(echo $LIST_COLD | cut -d' ' -f2) s
  (one report of $RECORDS records: filtered and re-sorted lists work on the newest
  30,000 records of the range and say \`"partial": true\`);
- mail list page 7777 sorted by count after the wrk runs: ${COLD} s.

The response cache is keyed by URL and data version; identical concurrent requests
wait for one computation (single flight). "28 ranges" cycles through 28 URLs, so after
the first request for each it measures cache hits too; the uncached cost is the
"Uncached single requests" line.

Commands:
\`\`\`sh
$([ "$NREC" = 1000000 ] || printf 'WEB_RECORDS=%s ' "$NREC")sh bench/web.sh        # WEB_SECONDS=$SECS; builds $DB once
wrk -t2 -c32 -d${SECS}s --latency '$BASE$STATS'
wrk -t2 -c32 -d${SECS}s --latency -s $OUT/stats-ranges.lua $BASE
wrk -t2 -c32 -d${SECS}s --latency '$BASE$LIST'
wrk -t2 -c32 -d${SECS}s --latency -s $OUT/list-pages.lua $BASE
\`\`\`
The raw wrk output is in $OUT/*.txt.
<!-- /web-bench -->
EOF
