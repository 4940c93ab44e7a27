#!/bin/sh
# bench/overview.sh - the domains overview's benchmark (issue 19), run by
# bench/web.sh (or alone): 10,000 policy domains and about 10M records over
# 90 days (bench/gen_overview.py, deterministic, seed 19, ending 2026-11-30),
# ingested once into bench/out/overview/ov.db through `dmarcscope ingest`
# (mbox files, one e-mail a report) and reused; then `dmarcscope serve`
# (loopback, --no-enrich) and, with curl, the first page of GET
# /api/v1/overview (50 rows) uncached (an ignored sample=N parameter makes
# every request miss the response cache) for every sort in its default
# direction and the other, every filter, a search, over the default 30 days
# and over the whole 90 days: OV_SAMPLES requests each (default 20), p50,
# p95 and max.  Target: p95 <= 200 ms for every one.  Also the CSV of every
# domain and GET /api/v1/domains (the picker's list).
# Prints a markdown snippet (numbers and commands) for docs/PERFORMANCE.md.
#
# Environment: DMARCSCOPE (binary, default build/dmarcscope), OV_DOMAINS,
# OV_RECORDS (the corpus size; other sizes get their own directory),
# OV_SAMPLES, OV_SHOTS=DIR (screenshots of the overview on this corpus, ja
# and en).  Exit 0 when it ran (a missed target is marked MISS), 2 on a setup
# error.
set -eu
cd "$(dirname "$0")/.."
BIN=${DMARCSCOPE:-build/dmarcscope}
NDOM=${OV_DOMAINS:-10000}
NREC=${OV_RECORDS:-10000000}
SAMPLES=${OV_SAMPLES:-20}
OUT=bench/out/overview
[ "$NDOM" = 10000 ] && [ "$NREC" = 10000000 ] || OUT=bench/out/overview-$NDOM-$NREC
DB=${OV_DB:-$OUT/ov.db}	# OV_DB: an existing database (a copy: serve migrates it)
mkdir -p "$OUT"
if [ -z "${OV_DB:-}" ] && [ ! -f "$OUT/loaded" ]; then
	rm -rf "$OUT/corpus" "$DB" "$DB-wal" "$DB-shm"
	python3 bench/gen_overview.py --out "$OUT/corpus" --domains "$NDOM" --days 90 \
	    --records "$NREC" --end 2026-11-30 >"$OUT/gen.log"
	"$BIN" --db "$DB" -q senders list >/dev/null 2>&1 || true
	sqlite3 "$DB" <"$OUT/corpus/senders.sql"
	start=$(date +%s)
	"$BIN" --db "$DB" -q ingest --no-progress --json "$OUT"/corpus/*.mbox >"$OUT/ingest.json"
	echo "$(( $(date +%s) - start ))" >"$OUT/ingest.seconds"
	touch "$OUT/loaded"
fi
"$BIN" --db "$DB" -q senders list >/dev/null	# migrate first (not timed)
case "$DB" in
postgres*) sql() { psql -qAt "$DB" -c "$1"; }; BACKEND=PostgreSQL ;;	# bench/overview_pg.sh
*) sql() { sqlite3 "$DB" "$1"; }; BACKEND=SQLite ;;
esac
DOMAINS=$(sql 'select count(*) from domain_summary')
REPORTS=$(sql 'select count(*) from reports')
RECORDS=$(sql 'select count(*) from records')
DAYROWS=$(sql 'select count(*) from rollup_domain_day')
[ "$BACKEND" = SQLite ] && DBSIZE="$(du -m "$DB" | cut -f1) MB" || DBSIZE="PostgreSQL"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT/api/v1"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
n() { python3 -c "print(f'{int($1):,}')"; }
cpu() {	# the server's CPU time so far, in clock ticks (with OV_PGPID: and the PostgreSQL
	# server's processes, children of that postmaster: the serve process's connections)
	for p in $PID ${OV_PGPID:+$OV_PGPID $(pgrep -P "$OV_PGPID")}; do
		cat "/proc/$p/stat" 2>/dev/null
	done | awk '{ s += $14 + $15 } END { print s }'
}
TICK=$(getconf CLK_TCK)
lat() {	# URL -> "p50 p95 max" milliseconds over SAMPLES uncached requests
	curl -s -o /dev/null "$1&sample=0"	# warm (the pages), not counted
	for k in $(seq "$SAMPLES"); do
		curl -s -o /dev/null -w '%{time_total}\n' "$1&sample=$k"
	done | sort -n | awk '{ v[NR] = $1 * 1000 }
	    END { i = int(NR * 0.95 + 0.999); if (i > NR) i = NR
	    printf "%.0f %.0f %.0f", v[int((NR + 1) / 2)], v[i], v[NR] }'
}
ROWS=""
WORST=0
# the same run's floor: a request that reads nothing (the machine's load and curl's cost)
c0=$(cpu); l0=$(cut -d' ' -f1 /proc/loadavg)
set -- $(lat "$BASE/version?x=1")
FLOOR="| floor: \`/api/v1/version\` | $1 | $2 | $3 | $(awk -v a="$c0" -v b="$(cpu)" -v t="$TICK" -v n="$SAMPLES" \
    'BEGIN { printf "%.0f", (b - a) * 1000 / t / (n + 1) }') | $l0-$(cut -d' ' -f1 /proc/loadavg) | |
"
for period in "since=2026-11-01&until=2026-11-30" "since=2026-09-01&until=2026-11-30"; do
	for f in "" "&dir=asc" "&sort=domain" "&sort=domain&dir=desc" "&sort=dmarc_pass" "&sort=dmarc_pass&dir=asc" \
	    "&sort=spf_aligned" "&sort=dkim_aligned" "&sort=spoofing" "&sort=spoofing&dir=asc" \
	    "&sort=auth_failure" "&sort=policy" "&sort=next_step" "&sort=alerts" "&sort=reporters" \
	    "&sort=reporters&dir=asc" "&sort=last_report" "&sort=tenant" "&filter=spoofed" "&filter=failing" \
	    "&filter=p_none" "&filter=silent" "&filter=unassigned" "&filter=spoofed,p_none&sort=spoofing" \
	    "&q=sakura" "&q=tokyo&sort=dmarc_pass&dir=asc" "&page=200&sort=domain"; do
		c0=$(cpu); l0=$(cut -d' ' -f1 /proc/loadavg)
		set -- $(lat "$BASE/overview?per_page=50&$period$f")
		c=$(awk -v a="$c0" -v b="$(cpu)" -v t="$TICK" -v n="$SAMPLES" \
		    'BEGIN { printf "%.0f", (b - a) * 1000 / t / (n + 1) }')
		l1=$(cut -d' ' -f1 /proc/loadavg)
		v=$(awk -v p="$2" 'BEGIN { print (p <= 200 ? "ok" : "MISS") }')
		WORST=$(awk -v a="$WORST" -v b="$2" 'BEGIN { print (b > a ? b : a) }')
		ROWS="$ROWS| \`$period${f:-  (messages, most first)}\` | $1 | $2 | $3 | $c | $l0-$l1 | $v |
"
	done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
CSV=$(curl -s -o "$OUT/overview.csv" -w '%{time_total}' "$BASE/overview.csv?since=2026-11-01&until=2026-11-30&sample=1")
CSVLINES=$(($(wc -l <"$OUT/overview.csv") - 1))
DOMS=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/domains?sample=1")
if [ -n "${OV_SHOTS:-}" ]; then
	node tests/web/shots_overview.mjs "http://127.0.0.1:$PORT" "$OV_SHOTS" >"$OUT/shots.log" 2>&1 ||
	    { echo "overview.sh: screenshots failed:" >&2; tail -5 "$OUT/shots.log" >&2; }
fi
cat <<EOF
### Domains overview (issue 19), $BACKEND

Measured $(date -u '+%Y-%m-%d %H:%M') UTC by \`sh bench/overview.sh\` (commit $(git rev-parse --short HEAD)).

- Corpus: \`python3 bench/gen_overview.py --domains $NDOM --days 90 --records $NREC --end 2026-11-30\`
  (deterministic, seed 19): $(n "$DOMAINS") domains, $(n "$REPORTS") reports,
  $(n "$RECORDS") records over 90 days, ingested with \`dmarcscope ingest\`$( [ -f "$OUT/ingest.seconds" ] && echo " in $(cat "$OUT/ingest.seconds") s") into a
  ${DBSIZE} database; $(n "$DAYROWS") rows in rollup_domain_day.
- Each row: $SAMPLES requests of the first page (50 rows) with curl, one after another, each
  missing the response cache (\`&sample=N\`); the database file is in the page cache.
  Load average before: $LOAD0, after: $LOAD1 (2 CPUs, shared with other work).
- Target: p95 <= 200 ms for every sort and filter. Worst p95: ${WORST} ms.

| query (\`/api/v1/overview?per_page=50&...\`) | p50 ms | p95 ms | max ms | server CPU ms/request | load | target |
|---|---:|---:|---:|---:|---|---|
$FLOOR$ROWS
- The CSV of every domain (\`overview.csv\`, $CSVLINES rows, 30 days): $(awk -v s="$CSV" 'BEGIN { printf "%.0f", s * 1000 }') ms.
- \`/api/v1/domains\` (the domain picker's list, $DOMAINS domains): $(awk -v s="$DOMS" 'BEGIN { printf "%.0f", s * 1000 }') ms.
EOF
