#!/bin/sh
# retention.sh [BIN] - `dmarcscope purge` (issue 16) on PostgreSQL against
# SQLite (issue 17), with a throwaway PostgreSQL 15 (tests/servers/pg.sh):
# the corpus of tests/retention.sh (the demo ending 380 days ago, plus
# tests/retention_gen.py's reports around the 400-day cut) stored in both;
#   - purge --dry-run: the same counts on both, and nothing changes;
#   - purge --all: the same counts deleted as on SQLite, and as counted;
#     the statistics over the kept period unchanged, every statistic after
#     the purge the same on both backends (the early rollup days rebuilt);
#   - the archive: the same bytes dropped, the quarantined message kept;
#   - the same messages again are duplicates on both;
#   - two purges at once on one PostgreSQL delete each report once: their
#     counts add up to the dry run's, and the result is a single purge's;
#   - --vacuum (VACUUM FULL) runs.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-pgret.XXXXXX)
chmod 755 "$T"
PGDIR=""
cleanup() {
	[ -n "$PGDIR" ] && sh tests/servers/pg.sh stop "$PGDIR" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
unset DMARCSCOPE_DB DMARCSCOPE_NOW LC_ALL LC_MESSAGES
export LANG=C
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; exit 0; }
if ! "$BIN" --version >/dev/null 2>&1; then
	ko "$BIN does not run"
	finish
fi
PGDIR=$T/pg
if ! sh tests/servers/pg.sh start "$PGDIR" >/dev/null 2>"$T/pg.err"; then
	ko "PostgreSQL does not start: $(tail -3 "$T/pg.err")"
	PGDIR=""
	finish
fi
newdb() { sh tests/servers/pg.sh newdb "$PGDIR" "$1"; }
pq() { psql -qXAt "$1" -c "$2"; }
js() { python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"; }
# the counts of a purge's --json: what is old, or went
counts() { python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in ("records.reports", "records.records", "records.messages", "samples.samples",
          "archive.messages", "archive.bytes"):
    x = v
    for p in k.split("."): x = x.get(p, {}) if isinstance(x, dict) else None
    print(k, x)' "$1"; }
# the data, without pg_dump'"'"'s random \restrict key
dump() { pg_dump -a "$1" | grep -v -e '^\\restrict' -e '^\\unrestrict' | sha256sum; }

NOW=$(date +%s)
TODAY=$((NOW / 86400 * 86400))
CUT=$((TODAY - 400 * 86400))
day() { date -u -d "@$1" +%F; }
CUTD=$(day $CUT)
TODAYD=$(day $TODAY)
python3 demo/gen_demo.py reports "$T/demo" --end "$(day $((TODAY - 380 * 86400)))" >/dev/null
python3 tests/retention_gen.py "$T/gen" "$CUT"
DOMS="example.co.jp shop.example.jp a.example b.example"
SQ=$T/s.db
PG=$(newdb ret)
for db in "$SQ" "$PG"; do
	"$BIN" -q --db "$db" ingest --no-progress "$T/demo" "$T/gen"/*.xml "$T/gen/two.eml" >/dev/null 2>&1
done
check "stored on PostgreSQL as on SQLite (reports, records, one message in quarantine)" \
    "$(pq "$PG" "SELECT (SELECT count(*) FROM reports) || ' ' || (SELECT count(*) FROM records) || ' ' ||
    (SELECT count(*) FROM quarantine WHERE resolved = 0)")" \
    "$(sqlite3 "$SQ" "SELECT (SELECT count(*) FROM reports) || ' ' || (SELECT count(*) FROM records) || ' ' ||
    (SELECT count(*) FROM quarantine WHERE resolved = 0)")"
snap() {	# DB TAG: statistics per domain, kept period and all time
	for d in $DOMS; do
		"$BIN" -q --db "$1" stats --domain "$d" --since "$CUTD" --until "$TODAYD" --json >"$T/$2.kept.$d"
		"$BIN" -q --db "$1" stats --domain "$d" --json >"$T/$2.all.$d"
	done
}
same_files() {	# TAG1 TAG2 KIND -> "same" or the differing domains
	bad=""
	for d in $DOMS; do cmp -s "$T/$1.$3.$d" "$T/$2.$3.$d" || bad="$bad $d"; done
	echo "${bad:-same}"
}
snap "$SQ" s0; snap "$PG" p0
check "before: the statistics (kept period) the same on both" "$(same_files s0 p0 kept)" same
check "before: the statistics (all time) the same on both" "$(same_files s0 p0 all)" same
grep -q '"messages":[1-9]' "$T/p0.kept.a.example" && ok "the kept period has data" ||
    ko "the kept period is empty: the test would prove nothing"

# ---- dry run ---------------------------------------------------------------------------------------
DUMP0=$(dump "$PG")
"$BIN" -q --db "$SQ" purge --all --dry-run --json >"$T/s.dry.json"
"$BIN" -q --db "$PG" purge --all --dry-run --json >"$T/p.dry.json"; rc=$?
check "dry run on PostgreSQL exits 0" "$rc" 0
check "dry run: the same counts on both" "$(counts "$T/p.dry.json")" "$(counts "$T/s.dry.json")"
check "dry run: nothing changed (pg_dump)" "$(dump "$PG")" "$DUMP0"
check "dry run: some reports are old" "$(test "$(js "$T/p.dry.json" records.reports)" -gt 100 && echo yes)" yes
"$BIN" -q --db "$SQ" purge --all --dry-run >"$T/s.dry.txt"
"$BIN" -q --db "$PG" purge --all --dry-run >"$T/p.dry.txt"
check "dry run (text): the same lines but the space line" \
    "$(grep -v -i -e space -e size -e seconds -e database "$T/p.dry.txt")" \
    "$(grep -v -i -e space -e size -e seconds -e database "$T/s.dry.txt")"

# ---- two purges at once on a copy -------------------------------------------------------------------
PC=$(newdb retc)
"$BIN" -q --db "$PC" ingest --no-progress "$T/demo" "$T/gen"/*.xml "$T/gen/two.eml" >/dev/null 2>&1
"$BIN" -q --db "$PC" purge --records-older-than 400 --batch 7 --json >"$T/c1.json" 2>"$T/c1.err" &
P1=$!
"$BIN" -q --db "$PC" purge --records-older-than 400 --batch 7 --json >"$T/c2.json" 2>"$T/c2.err" &
P2=$!
wait $P1; r1=$?
wait $P2; r2=$?
check "two purges at once: both exit 0" "$r1 $r2 $(cat "$T/c1.err" "$T/c2.err")" "0 0 "
jn() { v=$(js "$@" 2>/dev/null); echo "${v:-0}"; }	# a failed purge wrote no JSON: 0
check "two purges at once: each report deleted once (their counts add up to the dry run's)" \
    "$(($(jn "$T/c1.json" records.reports) + $(jn "$T/c2.json" records.reports))) $(($(jn "$T/c1.json" records.records) + $(jn "$T/c2.json" records.records))) $(($(jn "$T/c1.json" records.messages) + $(jn "$T/c2.json" records.messages)))" \
    "$(js "$T/p.dry.json" records.reports) $(js "$T/p.dry.json" records.records) $(js "$T/p.dry.json" records.messages)"
echo "     two purges: reports deleted by each: $(jn "$T/c1.json" records.reports) $(jn "$T/c2.json" records.reports)"
# three more rounds with smaller batches: batches that share domains once deadlocked
# in the domain_summary trigger (each purge locked the rows in its own order)
for round in 1 2 3; do
	PR=$(newdb "retc$round")
	"$BIN" -q --db "$PR" ingest --no-progress "$T/demo" "$T/gen"/*.xml "$T/gen/two.eml" >/dev/null 2>&1
	"$BIN" -q --db "$PR" purge --records-older-than 400 --batch 3 --json >"$T/d1.json" 2>"$T/d1.err" &
	P1=$!
	"$BIN" -q --db "$PR" purge --records-older-than 400 --batch 3 --json >"$T/d2.json" 2>"$T/d2.err" &
	P2=$!
	wait $P1; r1=$?
	wait $P2; r2=$?
	check "two purges at once, round $round (batches of 3): both exit 0, counts add up" \
	    "$r1 $r2 $(cat "$T/d1.err" "$T/d2.err")$(($(jn "$T/d1.json" records.reports) + $(jn "$T/d2.json" records.reports)))" \
	    "0 0 $(js "$T/p.dry.json" records.reports)"
done

# ---- the purge -----------------------------------------------------------------------------------------
"$BIN" -q --db "$SQ" purge --all --json >"$T/s.purge.json"
"$BIN" -q --db "$PG" purge --all --json >"$T/p.purge.json"; rc=$?
check "purge --all on PostgreSQL exits 0" "$rc" 0
check "purge: the same counts deleted on both" "$(counts "$T/p.purge.json")" "$(counts "$T/s.purge.json")"
check "purge: what went = the dry run" "$(counts "$T/p.purge.json")" "$(counts "$T/p.dry.json")"
check "no old report left, the straddlers kept (as on SQLite)" \
    "$(pq "$PG" "SELECT count(*) FILTER (WHERE date_end < $CUT AND date_begin < $CUT) || ' ' || count(*) FROM reports")" \
    "$(sqlite3 "$SQ" "SELECT count(*) FILTER (WHERE date_end < $CUT AND date_begin < $CUT) || ' ' || count(*) FROM reports")"
check "no orphan record, reason or auth result" \
    "$(pq "$PG" "SELECT (SELECT count(*) FROM records x WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = x.report_id)) +
    (SELECT count(*) FROM auth_spf a WHERE NOT EXISTS (SELECT 1 FROM records x WHERE x.id = a.record_id))")" 0
snap "$SQ" s1; snap "$PG" p1
check "after: the kept period's statistics unchanged on PostgreSQL" "$(same_files p0 p1 kept)" same
check "after: the statistics (kept period) the same on both" "$(same_files s1 p1 kept)" same
check "after: every statistic (all time, rollups rebuilt) the same on both" "$(same_files s1 p1 all)" same
check "the copy purged by two processes = the single purge (reports, records)" \
    "$(pq "$PC" "SELECT (SELECT count(*) FROM reports) || ' ' || (SELECT count(*) FROM records)")" \
    "$(pq "$PG" "SELECT (SELECT count(*) FROM reports) || ' ' || (SELECT count(*) FROM records)")"
check "archive: no bytes left but the quarantined message's (as on SQLite)" \
    "$(pq "$PG" "SELECT count(DISTINCT raw_id) FROM raw_chunks")" \
    "$(sqlite3 "$SQ" "SELECT count(DISTINCT raw_id) FROM raw_chunks")"
check "duplicates that named a purged report keep their row, unlinked" \
    "$(pq "$PG" "SELECT count(*) FROM duplicates d WHERE d.report_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = d.report_id)")" 0

# ---- again --------------------------------------------------------------------------------------------
"$BIN" -q --db "$PG" purge --all --json >"$T/p.again.json"
check "a second purge finds nothing" \
    "$(js "$T/p.again.json" records.reports) $(js "$T/p.again.json" samples.samples) $(js "$T/p.again.json" archive.messages)" "0 0 0"
"$BIN" -q --db "$SQ" ingest --no-progress --json "$T/demo" >"$T/s.re.json" 2>/dev/null
"$BIN" -q --db "$PG" ingest --no-progress --json "$T/demo" >"$T/p.re.json" 2>/dev/null
check "the same messages again: the same answer on both (duplicates)" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: v for k, v in d.items() if isinstance(v, int) and "ms" not in k and "second" not in k})' "$T/p.re.json")" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print({k: v for k, v in d.items() if isinstance(v, int) and "ms" not in k and "second" not in k})' "$T/s.re.json")"
"$BIN" -q --db "$PG" purge --archive-older-than 0 --vacuum --json >"$T/p.vac.json"; rc=$?
check "purge --vacuum on PostgreSQL (VACUUM FULL) exits 0" "$rc" 0
finish
