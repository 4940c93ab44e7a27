#!/bin/sh
# bench/stats.sh - the analysis benchmark (issue 3): a 90-day summary and the
# SPF x DKIM matrix for one domain over STATS_RECORDS (default 10,000,000)
# generated records, read from the rollups.
#
# Generates (and caches, keyed on the generator's sha256 and arguments) the
# reports with bench/gen_records.py, ingests them into bench/out/stats.db
# (cached too), checks the totals against the generator, then measures:
#   - stats_build() in process (build/bench/stats_bench), as the web server
#     runs it: STATS_RUNS runs, median and p95, for the summary + matrix and
#     for the full object (sources, reporters, series, policy);
#   - the `dmarcscope stats --json` command, wall clock, process start included.
# Rewrites the <!-- stats-bench --> section of docs/PERFORMANCE.md.
#
#   - the same HTTP requests on PostgreSQL (issue 17): a throwaway PostgreSQL 15
#     (tests/servers/pg.sh, in bench/out/pg-stats) loaded from the SQLite
#     database by bench/pg_copy.sh (COPY of every table; ingesting 10M records
#     again would take long), then `serve` on it; skipped when STATS_PG=0 or
#     PostgreSQL 15 is not installed.
#
# Every row has the CPU time a request costs next to the wall times (the load average inflates
# the latter, not the former): in process, stats_bench's own CPU time per run; over HTTP, the
# serve process's utime + stime (/proc) over the requests, and on PostgreSQL also that of the
# server's backends connected to the database (not autovacuum's).
#
# Environment: STATS_RECORDS, STATS_RUNS (default 50), DMARCSCOPE (binary), STATS_PG.
#   STATS_REUSE=1      use bench/out/stats.db as it is when only its key differs (the binary
#                      migrates it when it opens it: a new rollup of a migration is filled from
#                      the rollups there), instead of ingesting the corpus again
#   STATS_PG_DSN=DSN   an already loaded PostgreSQL database instead of the throwaway copy;
#                      STATS_PG_DATA=DIR its data directory, for the server's CPU time
set -eu
cd "$(dirname "$0")/.."
BIN=${DMARCSCOPE:-build/dmarcscope}
SB=build/bench/stats_bench
N=${STATS_RECORDS:-10000000}
RUNS=${STATS_RUNS:-50}
OUT=bench/out
CORP=$OUT/stats-corpus
DB=$OUT/stats.db
DOC=docs/PERFORMANCE.md
DOMAIN=bench.example.jp
END=2026-11-21
make -s all "$SB" >/dev/null
mkdir -p "$OUT"

key="gen_records.py sha256=$(sha256sum bench/gen_records.py | cut -c1-16) records=$N end=$END"
if [ ! -f "$CORP.key" ] || [ "$(cat "$CORP.key")" != "$key" ]; then
	echo "stats-bench: generating $N records" >&2
	rm -rf "$CORP" "$DB" "$DB-wal" "$DB-shm" "$DB.key"
	python3 bench/gen_records.py "$CORP" --records "$N" --days 90 --end "$END" \
	    --domain "$DOMAIN" > "$CORP.json"
	echo "$key" > "$CORP.key"
fi
# the database depends on the analysis code and the schema, not on the whole binary
binsha=$(cat src/analyze/*.c src/store/sql/*.sql | sha256sum | cut -c1-16)
if [ "${STATS_REUSE:-0}" = 1 ] && [ -f "$DB" ] && [ -f "$OUT/stats-ingest.json" ]; then
	echo "stats-bench: STATS_REUSE=1: $DB as it is ($(cat "$DB.key" 2>/dev/null))" >&2
	[ "$(cat "$DB.key" 2>/dev/null)" = "$key bin=$binsha" ] ||
	    reuse_note=" (STATS_REUSE=1: ingested by an earlier binary, \`$(cut -d' ' -f5 "$DB.key" 2>/dev/null)\`, migrated since)"
elif [ ! -f "$DB.key" ] || [ "$(cat "$DB.key")" != "$key bin=$binsha" ]; then
	echo "stats-bench: ingesting (a few minutes for 10M records)" >&2
	rm -f "$DB" "$DB-wal" "$DB-shm"
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$OUT/stats-ingest.rss" \
	    "$BIN" --db "$DB" ingest --no-progress --json "$CORP" > "$OUT/stats-ingest.json"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' > "$OUT/stats-ingest.time"
	echo "$key bin=$binsha" > "$DB.key"
fi
python3 - "$CORP.json" "$OUT/stats-ingest.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1])); i = json.load(open(sys.argv[2]))
assert i["records"] == g["records"] and i["message_count"] == g["messages"], (g, i)
PY
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
SINCE=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$END') - d.timedelta(days=89))")
sum_json=$("$SB" "$DB" "$DOMAIN" "$SINCE" "$END" "$RUNS" summary)
all_json=$("$SB" "$DB" "$DOMAIN" "$SINCE" "$END" "$RUNS" all)
# where the time goes: each section alone (with the summary every answer has), CPU median
per_section=""
for sec in summary sources reporters series policy; do
	c=$("$SB" "$DB" "$DOMAIN" "$SINCE" "$END" 20 "$sec" | python3 -c "import json,sys; print('%.1f' % json.load(sys.stdin)['cpu_median_ms'])")
	per_section="$per_section${per_section:+, }$sec $c ms"
done
cli=""
for i in 1 2 3 4 5; do
	t0=$(date +%s.%N)
	"$BIN" --db "$DB" stats --json --only summary --domain "$DOMAIN" --since "$SINCE" \
	    --until "$END" > "$OUT/stats-cli.json"
	t1=$(date +%s.%N)
	cli="$cli $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
done
# CPU ticks (utime + stime) of a process, or of the backends of a PostgreSQL data directory's
# server connected to database DB (the portal's connections: not autovacuum, not the
# checkpointer; parallel workers that came and went are not counted)
ticks() {	# PID
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
pg_ticks() {	# DATADIR DB
	[ -n "$1" ] && [ -f "$1/postmaster.pid" ] || { echo 0; return; }
	t=0
	for p in $(ps -o pid=,args= --ppid "$(head -1 "$1/postmaster.pid")" |
	    awk -v db="$2" '$2 == "postgres:" && $4 == db { print $1 }'); do
		t=$((t + $(ticks "$p")))
	done
	echo $t
}
HZ=$(getconf CLK_TCK)
# through HTTP: the portal's statistics endpoint, every request a new URL
# (a nonce parameter), so the response cache never answers
http_bench() {	# DB FILE [PGDATA]: one request time (s) per line into FILE, CPU ms per
	# request of serve and of PostgreSQL into FILE.cpu ("serve pg"), the load into FILE.load
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$BIN" --db "$1" serve --listen "127.0.0.1:$PORT" --no-enrich > "$2.serve.log" 2>&1 &
	SPID=$!
	trap 'kill $SPID 2>/dev/null' EXIT
	for i in 1 2 3 4 5 6 7 8 9 10; do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/version" && break
		sleep 0.5
	done
	# one request first: the connections and caches of a running portal
	curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/stats?domain=$DOMAIN&since=$SINCE&until=$END&nonce=0"
	cut -d' ' -f1-3 /proc/loadavg > "$2.load"
	: > "$2"
	c0=$(ticks $SPID) g0=$(pg_ticks "${3:-}" "${1##*/}")
	for i in $(seq 1 "$RUNS"); do
		curl -s -o /dev/null -w '%{time_total}\n' \
		    "http://127.0.0.1:$PORT/api/v1/stats?domain=$DOMAIN&since=$SINCE&until=$END&nonce=$i" \
		    >> "$2"
	done
	c1=$(ticks $SPID) g1=$(pg_ticks "${3:-}" "${1##*/}")
	awk -v c=$((c1 - c0)) -v g=$((g1 - g0)) -v n="$RUNS" -v hz="$HZ" \
	    'BEGIN { printf "%.1f %.1f\n", c * 1000 / hz / n, g * 1000 / hz / n }' > "$2.cpu"
	curl -s "http://127.0.0.1:$PORT/api/v1/stats?domain=$DOMAIN&since=$SINCE&until=$END&nonce=last" \
	    > "$2.json"
	kill $SPID 2>/dev/null; wait $SPID 2>/dev/null || true
	trap - EXIT
}
http_row() {	# FILE: "median | p95 | max" in ms
	sort -g "$1" | awk '{ a[NR] = $1 * 1000 } END { p = int((NR * 95 + 99) / 100); printf "%.1f ms | %.1f ms | %.1f ms", a[int((NR + 1) / 2)], a[p], a[NR] }'
}
http_p95() {
	sort -g "$1" | awk '{ a[NR] = $1 * 1000 } END { printf "%.1f", a[int((NR * 95 + 99) / 100)] }'
}
http_bench "$DB" "$OUT/stats-http.txt"
http="$(http_row "$OUT/stats-http.txt") | $(cut -d' ' -f1 "$OUT/stats-http.txt.cpu") ms"
http_p95=$(http_p95 "$OUT/stats-http.txt")
http_verdict=$(awk -v p="$http_p95" 'BEGIN { print (p <= 100 ? "PASS" : "MISS") }')

# the same on PostgreSQL, loaded from the SQLite database by a bulk copy
pg_md=""
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ "${STATS_PG:-1}" != 0 ] && [ -n "${STATS_PG_DSN:-}" ]; then
	PGDB=$STATS_PG_DSN
	pg_data=${STATS_PG_DATA:-}
	pg_size=$(psql -X -At "$PGDB" -c 'SELECT pg_database_size(current_database())')
	pg_from="the database STATS_PG_DSN names (loaded by \`sh bench/pg_copy.sh $DB DSN\` before)"
elif [ "${STATS_PG:-1}" != 0 ] && [ -x "$PGBIN/initdb" ]; then
	sh tests/servers/pg.sh stop "$OUT/pg-stats" 2>/dev/null || true
	rm -rf "$OUT/pg-stats"
	chmod o+x "$OUT" 2>/dev/null || true
	PG_DSN=$(sh tests/servers/pg.sh start "$OUT/pg-stats")
	trap 'sh tests/servers/pg.sh stop "$OUT/pg-stats" >/dev/null 2>&1' EXIT
	PGDB=${PG_DSN%/*}/stats
	psql -X -q "$PG_DSN" -c 'CREATE DATABASE stats'
	echo "stats-bench: copying $DB into PostgreSQL (bench/pg_copy.sh)" >&2
	t0=$(date +%s.%N)
	DMARCSCOPE=$BIN sh bench/pg_copy.sh "$DB" "$PGDB" 2> "$OUT/stats-pgcopy.log"
	t1=$(date +%s.%N)
	pg_copy_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
	pg_size=$(psql -X -At "$PGDB" -c 'SELECT pg_database_size(current_database())')
	pg_data=$OUT/pg-stats/data
	pg_from="the SQLite database above copied by \`sh bench/pg_copy.sh $DB DSN\` (COPY of
  every table, triggers off, sequences moved on; $pg_copy_s s; ingesting the 10M records again
  would take far longer) into a throwaway server (\`tests/servers/pg.sh\`, loopback, fsync off)"
fi
if [ -n "${PGDB:-}" ]; then
	trap - EXIT
	http_bench "$PGDB" "$OUT/stats-http-pg.txt" "$pg_data"
	[ -n "${STATS_PG_DSN:-}" ] || trap 'sh tests/servers/pg.sh stop "$OUT/pg-stats" >/dev/null 2>&1' EXIT
	python3 - "$OUT/stats-http.txt.json" "$OUT/stats-http-pg.txt.json" <<'PY' || pg_same="DIFFERENT"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for j in (a, b):
    j.pop("generated_at", None); j.pop("took_ms", None)
sys.exit(0 if a == b else 1)
PY
	pg_same=${pg_same:-the same}
	pg_p95=$(http_p95 "$OUT/stats-http-pg.txt")
	pg_verdict=$(awk -v p="$pg_p95" 'BEGIN { print (p <= 100 ? "PASS" : "MISS") }')
	[ -n "${STATS_PG_DSN:-}" ] || sh tests/servers/pg.sh stop "$OUT/pg-stats" > /dev/null
	trap - EXIT
	set -- $(cat "$OUT/stats-http-pg.txt.cpu")
	pg_md="| the same on PostgreSQL $(psql --version | awk '{ print $3 }') (load average $(cat "$OUT/stats-http-pg.txt.load")) | $RUNS | $(http_row "$OUT/stats-http-pg.txt") | $1 ms + PostgreSQL $2 ms | p95 ≤ 100 ms | $pg_verdict |"
	pg_note="- PostgreSQL: $pg_from;
  $(awk -v b="$pg_size" 'BEGIN { printf "%.0f MB", b / 1e6 }') (\`pg_database_size\`); the last answer is $pg_same as SQLite's."
fi
msgs=$(python3 -c "import json; print(json.load(open('$OUT/stats-cli.json'))['messages'])")
exp=$(python3 -c "import json; print(json.load(open('$CORP.json'))['messages'])")
[ "$msgs" = "$exp" ] || { echo "stats-bench: FAIL messages $msgs != $exp" >&2; exit 1; }
rows=$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM rollup_day) || ' day, ' || (SELECT count(*) FROM rollup_src) || ' source, ' || (SELECT count(*) FROM rollup_hours) || ' hourly (one per day and class, 24 counters)'")
p95=$(echo "$sum_json" | python3 -c "import json,sys; print(json.load(sys.stdin)['p95_ms'])")
verdict=$(awk -v p="$p95" 'BEGIN { print (p <= 100 ? "PASS" : "MISS") }')

section=$(cat <<MD
<!-- stats-bench -->
<!-- generated by bench/stats.sh (make bench); edit the script, not this section -->
## Analysis: 90-day statistics over $(python3 -c "print(format($N, ','))") records

Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`sh bench/stats.sh\` on $(nproc) CPUs, commit $(git rev-parse --short HEAD); load average before the runs: $LOAD (other work on the machine inflates the tails).

- Corpus: \`python3 bench/gen_records.py $CORP --records $N --days 90 --end $END\`:
  $(python3 -c "import json; g=json.load(open('$CORP.json')); print('%d gzipped reports, %d records, %d messages, %s to %s' % (g['files'], g['records'], g['messages'], g['first_day'], g['last_day']))").
- Ingest (once, cached${reuse_note:-}): \`$BIN --db $DB ingest --json $CORP\`: $(cat "$OUT/stats-ingest.time") s, peak RSS $(awk '{ printf "%.1f MiB", $1 / 1024 }' "$OUT/stats-ingest.rss"); rollup rows: $rows.
- In process, as the portal answers (\`build/bench/stats_bench DB $DOMAIN $SINCE $END $RUNS SECTIONS\`, stats_build + JSON serialisation):

| what | runs | median | p95 | max | CPU median | target | result |
|---|---:|---:|---:|---:|---:|---|---|
| summary + matrix (totals, classes, paths, dispositions, 4 matrices, guidance) | $RUNS | $(echo "$sum_json" | python3 -c "import json,sys; j=json.load(sys.stdin); print('%.1f ms | %.1f ms | %.1f ms | %.1f ms' % (j['median_ms'], j['p95_ms'], j['max_ms'], j['cpu_median_ms']))") | p95 ≤ 100 ms | $verdict |
| everything (+ top sources by /24 and /48, reporters, daily and hourly series, policy history) | $RUNS | $(echo "$all_json" | python3 -c "import json,sys; j=json.load(sys.stdin); print('%.1f ms | %.1f ms | %.1f ms | %.1f ms' % (j['median_ms'], j['p95_ms'], j['max_ms'], j['cpu_median_ms']))") | — | info |

- Per section, in process (20 runs each, with the summary every answer has), CPU median: $per_section.
  The top sources read migration 020's rollup_src_span (4, 16 and 64-day spans of rollup_src,
  kept by triggers): 90 days are about 10-19 rows a prefix instead of 90, summed per prefix in C
  on SQLite (src/store/src_top.c) and without parallel workers on PostgreSQL (serial_plan); the
  policy history reads the period's reports only (020's reports_domain_long for the long ones).
- Through HTTP (issue 5's target): \`dmarcscope serve --no-enrich\` on the same database,
  \`curl\` one request at a time to \`/api/v1/stats?domain=$DOMAIN&since=$SINCE&until=$END&nonce=N\`
  (the whole object; a new URL each time, so the response cache never answers); CPU: the
  server's CPU time per request (serve's utime + stime, and its PostgreSQL backends'):

| what | requests | median | p95 | max | CPU per request | target | result |
|---|---:|---:|---:|---:|---:|---|---|
| 90-day statistics, uncached, over HTTP (load average $(cat "$OUT/stats-http.txt.load")) | $RUNS | $http | p95 ≤ 100 ms | $http_verdict |
$pg_md

${pg_note:-}

- The command, process start-up included: \`dmarcscope stats --json --only summary --domain $DOMAIN --since $SINCE --until $END\`, 5 runs:$cli s.
<!-- /stats-bench -->
MD
)
python3 - "$DOC" "$section" <<'PY'
import re, sys
path, sec = sys.argv[1], sys.argv[2]
doc = open(path).read()
pat = re.compile(r"<!-- stats-bench -->.*?<!-- /stats-bench -->\n?", re.S)
doc = pat.sub(lambda m: sec + "\n", doc) if pat.search(doc) else doc.rstrip("\n") + "\n\n" + sec + "\n"
open(path, "w").write(doc)
PY
echo "$section"
