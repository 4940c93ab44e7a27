#!/bin/sh
# tests/pg/core.sh - the PostgreSQL backend's core (issue 17) against SQLite,
# on a throwaway PostgreSQL 15 on loopback (tests/servers/pg.sh).
#
#   1. schema: src/store/sql_pg/ builds the same tables, columns (order, type,
#      NOT NULL), unique keys and indexes as src/store/sql/;
#   2. the same inputs (../shared/corpus/real/aggregate, every input of
#      tests/cases, three messages on stdin) into SQLite and into PostgreSQL:
#      ingest totals and exit code, summary --json, export --format json,
#      quarantine list, archive get of every message, quarantine retry/drop,
#      then a re-ingest (duplicates only) and stats --json per domain once the
#      analysis ops are wired;
#   1b. tests/unit/test_pg_store.c, built next to the binary (deferred
#      writes: errors, rollback; a lost connection made again);
#   3. two (and four) ingest processes given the same inputs at once: every
#      report stored once, nothing refused or failed, the same export as
#      SQLite's;
#   4. kill -9 of an ingest in the middle, then the same ingest again:
#      nothing lost, nothing twice (the export equals SQLite's), no
#      half-written row left (pending archive rows, unfinished reports).
#
# Usage: sh tests/pg/core.sh [BINARY]      prints "N passed, N failed"
set -u

BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGSH=$ROOT/tests/servers/pg.sh
T=$(mktemp -d /tmp/dmarcscope-pgcore.XXXXXX)
chmod 755 "$T"	# the server runs as user postgres when we are root
trap 'sh "$PGSH" stop "$T/pg"; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; }
same() {	# NAME FILE1 FILE2
	if cmp -s "$2" "$3"; then ok "$1"; else bad "$1"; diff "$2" "$3" | head -10 | cut -c1-400; fi
}
check() {	# NAME COMMAND...
	_n=$1; shift
	if "$@"; then ok "$_n"; else bad "$_n"; fi
}

if ! sh "$PGSH" start "$T/pg" >"$T/pg.out" 2>&1; then
	cat "$T/pg.out"
	bad "PostgreSQL starts (tests/servers/pg.sh)"
	echo "$PASS passed, $FAIL failed"
	exit 1
fi
. "$T/pg/env"
newdb() { sh "$PGSH" newdb "$T/pg" "$1"; }
psqlc() {	# DSN SQL
	psql -X -q -At "$1" -c "$2"
}

# ---- inputs ----
mkdir -p "$T/in/cases"
if [ -d "$ROOT/../shared/corpus/real/aggregate" ]; then
	cp -r "$ROOT/../shared/corpus/real/aggregate" "$T/in/real"
fi
for d in "$ROOT"/tests/cases/*/; do
	c=$(basename "$d")
	for f in "$d"input*; do
		[ -e "$f" ] || continue
		mkdir -p "$T/in/cases/$c"
		cp -r "$f" "$T/in/cases/$c/"
	done
done
# failure and TLS reports only once store_pg.c wires the kinds ops (p2)
if ! grep -q '^[[:space:]]*\.kinds = &store_pg_kinds_ops' "$ROOT/src/store/store_pg.c"; then
	echo "skip failure and TLS report inputs: store_pg.c does not wire the kinds ops yet"
	for d in "$T"/in/cases/*/; do
		rm -f "$T/probe.db"
		"$BIN" --db "$T/probe.db" ingest --json --no-progress "$d" 2>/dev/null |
		    grep -q '"failure_reports":0,"tls_reports":0' || rm -rf "$d"
	done
	rm -f "$T/probe.db"
fi
STDIN_FILES=$(ls "$T"/in/cases/*/input.eml | head -3)

# json totals without the timing; the export sorted (ids and arrival order
# differ between concurrent writers, nothing else may)
totals() { sed -E 's/"seconds":[0-9.]+,//' "$1"; }
norm_export() {	# IN OUT
	python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = sorted(json.dumps(r, sort_keys=True) for r in d)
open(sys.argv[2], "w").write("\n".join(rows) + "\n")
EOF
}
snapshot() {	# DB OUT
	"$BIN" --db "$1" summary --json >"$2.summary" 2>>"$2.log"
	"$BIN" --db "$1" export --format json >"$2.export" 2>>"$2.log"
	norm_export "$2.export" "$2.nexport" 2>>"$2.log"
	"$BIN" --db "$1" quarantine list --all 2>&1 |
	    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}Z//' >"$2.quarantine"
}
ingest() {	# DB NAME ARGS...
	_db=$1; _o=$2; shift 2
	"$BIN" --db "$_db" ingest --json --no-progress "$@" >"$_o.json" 2>"$_o.err"
	echo $? >"$_o.rc"
	totals "$_o.json" >"$_o.totals"
}
stdin_ingest() {	# DB NAME
	: >"$2.stdin"
	for f in $STDIN_FILES; do
		"$BIN" --db "$1" ingest --json --no-progress - <"$f" >>"$2.stdin" 2>>"$2.err"
		echo "rc=$?" >>"$2.stdin"
	done
	sed -i -E 's/"seconds":[0-9.]+,//' "$2.stdin"
}

# ---- 2. the same inputs into both ----
S=$T/s.db
P=$(newdb core)
ingest "$S" "$T/s1" "$T/in"
ingest "$P" "$T/p1" "$T/in"
same "ingest totals" "$T/s1.totals" "$T/p1.totals"
same "ingest exit code" "$T/s1.rc" "$T/p1.rc"
check "ingest stored reports" grep -q '"reports":[1-9]' "$T/p1.json"
stdin_ingest "$S" "$T/s1"
stdin_ingest "$P" "$T/p1"
same "stdin ingest (hash after the parse)" "$T/s1.stdin" "$T/p1.stdin"
snapshot "$S" "$T/s2"
snapshot "$P" "$T/p2"
same "summary --json" "$T/s2.summary" "$T/p2.summary"
same "export --format json" "$T/s2.export" "$T/p2.export"
same "quarantine list --all" "$T/s2.quarantine" "$T/p2.quarantine"
check "quarantine holds entries" test -s "$T/p2.quarantine"
# every archived message reads back byte for byte (archive get checks the hash)
psqlc "$P" "SELECT id || ' ' || sha256 FROM raw_messages ORDER BY id" >"$T/raw.list"
nraw=0 rawbad=0
while read -r id sha; do
	nraw=$((nraw + 1))
	got=$("$BIN" --db "$P" archive get "$id" 2>>"$T/raw.err" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sha" ] || { rawbad=$((rawbad + 1)); echo "archive get $id: $got != $sha"; }
done <"$T/raw.list"
check "archive get: $nraw archived messages read back" test "$nraw" -gt 0 -a "$rawbad" = 0

# re-ingest: duplicates only
ingest "$S" "$T/s3" "$T/in"
ingest "$P" "$T/p3" "$T/in"
same "re-ingest totals" "$T/s3.totals" "$T/p3.totals"
stdin_ingest "$S" "$T/s3"
stdin_ingest "$P" "$T/p3"
same "stdin re-ingest" "$T/s3.stdin" "$T/p3.stdin"
snapshot "$S" "$T/s4"
snapshot "$P" "$T/p4"
same "summary after re-ingest" "$T/s4.summary" "$T/p4.summary"
same "export after re-ingest" "$T/s4.export" "$T/p4.export"

# quarantine retry and drop
"$BIN" --db "$S" quarantine retry --json 2>&1 | sed -E 's/"seconds":[0-9.]+,//' >"$T/s5.retry"
"$BIN" --db "$P" quarantine retry --json 2>&1 | sed -E 's/"seconds":[0-9.]+,//' >"$T/p5.retry"
same "quarantine retry" "$T/s5.retry" "$T/p5.retry"
QID=$("$BIN" --db "$S" quarantine list --json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    d = json.loads(line)
    for e in (d if isinstance(d, list) else [d]):
        print(e["id"]); sys.exit(0)' 2>/dev/null)
if [ -n "$QID" ]; then
	"$BIN" --db "$S" quarantine drop --reason "not ours" "$QID" >"$T/s5.drop" 2>&1
	"$BIN" --db "$P" quarantine drop --reason "not ours" "$QID" >"$T/p5.drop" 2>&1
	same "quarantine drop" "$T/s5.drop" "$T/p5.drop"
fi
snapshot "$S" "$T/s6"
snapshot "$P" "$T/p6"
same "quarantine after retry and drop" "$T/s6.quarantine" "$T/p6.quarantine"
same "summary after retry and drop" "$T/s6.summary" "$T/p6.summary"

# stats --json per domain: only once the analysis ops are wired
if grep -q '^[[:space:]]*\.analysis = &store_pg_analysis_ops' "$ROOT/src/store/store_pg.c"; then
	"$BIN" --db "$S" stats 2>/dev/null | awk '{print $1}' | grep '\.' >"$T/domains"
	for d in $(cat "$T/domains"); do
		"$BIN" --db "$S" stats --json --domain "$d" >"$T/s.stats.$d" 2>&1
		"$BIN" --db "$P" stats --json --domain "$d" >"$T/p.stats.$d" 2>&1
		same "stats --json --domain $d" "$T/s.stats.$d" "$T/p.stats.$d"
	done
else
	echo "skip stats --json: store_pg.c does not wire the analysis ops yet"
fi

# ---- 1. schema ----
# PostgreSQL-only tables: sql_pg/025's unlogged rollup stages and 027's domain_summary stage
# (a grouped ingest's rows before their one upsert per transaction; empty outside one)
check "schema: PostgreSQL's own tables are sql_pg/025's and 027's unlogged, empty stages" \
    test "$(psqlc "$P" "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'
    AND c.relpersistence = 'u'")|$(psqlc "$P" "SELECT (SELECT count(*) FROM stage_day) +
    (SELECT count(*) FROM stage_src) + (SELECT count(*) FROM stage_org) +
    (SELECT count(*) FROM stage_hours) + (SELECT count(*) FROM stage_summary)")" = \
    "stage_day stage_hours stage_org stage_src stage_summary|0"
# PostgreSQL-only columns: the generated ones (sql_pg/023's packed rollup rows, derived from
# the row's own columns); the last columns of their tables, so the others keep their places
psqlc "$P" "SELECT c.table_name, c.column_name, c.ordinal_position, c.data_type,
    c.is_nullable FROM information_schema.columns c JOIN information_schema.tables t
    USING (table_schema, table_name) WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
    AND c.is_generated = 'NEVER' AND c.table_name NOT IN ('stage_day', 'stage_src', 'stage_org',
    'stage_hours', 'stage_summary') ORDER BY 1, 3" >"$T/pg.columns"
check "schema: PostgreSQL's generated columns are sql_pg/023's packed rows, last in their tables" \
    test "$(psqlc "$P" "SELECT string_agg(c.table_name || '.' || c.column_name, ' ' ORDER BY c.table_name)
    FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.is_generated = 'ALWAYS'
    AND c.ordinal_position = (SELECT max(ordinal_position) FROM information_schema.columns x
    WHERE x.table_schema = 'public' AND x.table_name = c.table_name)")" = \
    "rollup_domain_day.packed rollup_domain_span.packed"
# PostgreSQL-only indexes: those its enforced foreign keys need for deletes (sql_pg/017; SQLite
# runs with foreign_keys off and has none of them), and any other a sql_pg file creates
# that no SQLite file does (020's rollup_src_span_empty: its purge finds emptied spans)
{ sed -n 's/^CREATE INDEX IF NOT EXISTS \([a-z_]*\) .*/\1/p' "$ROOT"/src/store/sql_pg/017_fk_indexes.sql
  sed -n 's/^CREATE \(UNIQUE \)\{0,1\}INDEX \(IF NOT EXISTS \)\{0,1\}\([a-z_]*\) .*/\3/p' \
      "$ROOT"/src/store/sql_pg/*.sql | sort -u >"$T/pg.created"
  sed -n 's/^CREATE \(UNIQUE \)\{0,1\}INDEX \(IF NOT EXISTS \)\{0,1\}\([a-z_]*\) .*/\3/p' \
      "$ROOT"/src/store/sql/*.sql | sort -u >"$T/sq.created"
  comm -23 "$T/pg.created" "$T/sq.created"; } | sort -u >"$T/pg.only"
psqlc "$P" "SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = 'public' AND NOT EXISTS
    (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname) ORDER BY 1" |
    grep -vxF -f "$T/pg.only" >"$T/pg.indexes"
check "schema: PostgreSQL's own indexes (sql_pg/017's foreign-key ones, 020's) exist" \
    test "$(psqlc "$P" "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname IN
    ($(sed "s/.*/'&'/" "$T/pg.only" | paste -sd,))")" = "$(wc -l < "$T/pg.only" | tr -d ' ')"
psqlc "$P" "SELECT t.relname || ':' || (SELECT string_agg(a.attname, ',' ORDER BY k.n)
    FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a
    ON a.attrelid = t.oid AND a.attnum = k.attnum) FROM pg_index x JOIN pg_class t
    ON t.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
    WHERE ns.nspname = 'public' AND x.indisunique ORDER BY 1" | grep -v ':id$' >"$T/pg.unique"
python3 - "$S" "$T" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t = sys.argv[2]
types = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea", "REAL": "double precision"}
cols, idx, uniq = [], [], []
# rollup_settling: SQLite's flag row of a settling grouped transaction (sql/028), which
# PostgreSQL's stage tables and statement triggers make unneeded there
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                          "AND name NOT LIKE 'sqlite_%' AND name <> 'rollup_settling' "
                          "ORDER BY name"):
    for cid, col, typ, notnull, dflt, pk in db.execute("PRAGMA table_info(%s)" % name):
        nullable = "NO" if (notnull or pk) else "YES"
        cols.append("%s|%s|%d|%s|%s" % (name, col, cid + 1, types.get(typ.upper(), typ), nullable))
    for _, iname, unique, origin, partial in db.execute("PRAGMA index_list(%s)" % name):
        icols = ",".join(r[2] for r in db.execute("PRAGMA index_info(%s)" % iname))
        if origin == "c":
            idx.append(iname)
        if unique and icols != "id":
            uniq.append("%s:%s" % (name, icols))
    # WITHOUT ROWID tables and non-integer keys: the primary key is an index
    if not any(u.startswith(name + ":") for u in uniq):
        pk = [r[1] for r in sorted(db.execute("PRAGMA table_info(%s)" % name), key=lambda r: r[5]) if r[5]]
        if pk and pk != ["id"]:
            uniq.append("%s:%s" % (name, ",".join(pk)))
    else:
        pk = [r[1] for r in sorted(db.execute("PRAGMA table_info(%s)" % name), key=lambda r: r[5]) if r[5]]
        key = "%s:%s" % (name, ",".join(pk))
        if pk and pk != ["id"] and key not in uniq:
            uniq.append(key)
open(t + "/sq.columns", "w").write("\n".join(cols) + "\n")
open(t + "/sq.indexes", "w").write("\n".join(sorted(idx)) + "\n")
open(t + "/sq.unique", "w").write("\n".join(sorted(uniq)) + "\n")
EOF
sort "$T/pg.columns" >"$T/pg.columns.s"
sort "$T/sq.columns" >"$T/sq.columns.s"
sort "$T/pg.unique" >"$T/pg.unique.s"
same "schema: tables, columns, order, types, NOT NULL" "$T/sq.columns.s" "$T/pg.columns.s"
same "schema: indexes" "$T/sq.indexes" "$T/pg.indexes"
same "schema: primary and unique keys" "$T/sq.unique" "$T/pg.unique.s"
V=$(psqlc "$P" "SELECT max(version) FROM schema_version")
N=$(ls "$ROOT"/src/store/sql_pg/*.sql | wc -l)
check "schema_version is $N" test "$V" = "$N"

# ---- 1b. connection and transaction machinery (tests/unit/test_pg_store.c) ----
UT=$(dirname "$BIN")/tests/test_pg_store
if [ -x "$UT" ]; then
	DMARCSCOPE_TEST_PG=$(newdb unit) "$UT" >"$T/unit.log" 2>&1
	for t in $(sed -n 's/^\[       OK \] //p' "$T/unit.log"); do ok "unit: $t"; done
	for t in $(sed -n 's/^\[  FAILED  \] \(test_[a-z_]*\)$/\1/p' "$T/unit.log" | sort -u); do
		bad "unit: $t"; done
	grep -q '^\[  PASSED  \]' "$T/unit.log" || { bad "unit: test_pg_store ran"; tail -5 "$T/unit.log"; }
else
	echo "skip unit test_pg_store: $UT not built (make unit)"
fi
# the API's key tables: every column of every portal query on PostgreSQL too
# (tests/unit/test_api_keys.c; SQLite runs in the unit tests)
UT=$(dirname "$BIN")/tests/test_api_keys
if [ -x "$UT" ]; then
	(cd "$ROOT" && DMARCSCOPE_TEST_PG=$(newdb apikeys) "$UT") >"$T/apikeys.log" 2>&1
	if grep -q '^\[       OK \] test_every_column_pg' "$T/apikeys.log"; then
		ok "unit: test_api_keys on PostgreSQL: every column has its JSON key"
	else
		bad "unit: test_api_keys on PostgreSQL"; grep -v '^dmarcscope: warning' "$T/apikeys.log" | tail -8
	fi
else
	echo "skip unit test_api_keys: $UT not built (make unit)"
fi

# ---- 3. concurrent writers of the same inputs ----
S1=$T/s.first.db
"$BIN" --db "$S1" ingest --json --no-progress "$T/in" >"$T/sf.json" 2>/dev/null
snapshot "$S1" "$T/sf"
for n in 2 4; do
	C=$(newdb "conc$n")
	"$BIN" --db "$C" summary >/dev/null 2>&1	# migrate once, then race the ingest only
	i=1
	while [ $i -le $n ]; do
		"$BIN" --db "$C" ingest --json --no-progress "$T/in" >"$T/c$n.$i.json" 2>"$T/c$n.$i.err" &
		i=$((i + 1))
	done
	wait
	snapshot "$C" "$T/c$n"
	python3 - "$T" "$n" <<'EOF2' >"$T/c$n.check" 2>&1
import json, sys
t, n = sys.argv[1], int(sys.argv[2])
ref = json.load(open("%s/sf.json" % t))
sref = json.load(open("%s/sf.summary" % t))
runs = [json.load(open("%s/c%d.%d.json" % (t, n, i))) for i in range(1, n + 1)]
s = json.load(open("%s/c%d.summary" % (t, n)))
bad = []
if sum(r["reports"] for r in runs) != ref["reports"]:
    bad.append("reports stored %s, want %d in all" % ([r["reports"] for r in runs], ref["reports"]))
if any(r["failed"] for r in runs):
    bad.append("failed %s" % [r["failed"] for r in runs])
for k in ("reports", "records", "messages", "raw_messages", "quarantined", "domains"):
    if s[k] != sref[k]:
        bad.append("summary %s %d, SQLite %d" % (k, s[k], sref[k]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF2
	if [ $? -eq 0 ]; then ok "$n concurrent ingests: each report once, none failed"; else
		bad "$n concurrent ingests: each report once, none failed"; cat "$T/c$n.check"
		grep -h -i "error" "$T"/c$n.*.err | head -5
	fi
	same "$n concurrent ingests: same export as SQLite (sorted)" "$T/sf.nexport" "$T/c$n.nexport"
	P0=$(psqlc "$C" "SELECT count(*) FROM raw_messages WHERE state = 'pending'")
	check "$n concurrent ingests: no pending archive row" test "$P0" = 0
done

# ---- 3b. two grouped ingests of different inputs at once ----
# A provider's two ingest nodes get different reports of the same domains.
# Each groups its messages into transactions (group commit).  When each
# report's trigger upserted its domain's domain_summary row and each report
# its alert_changes rows as they came, two groups meeting the same domains in
# different orders deadlocked (340 of 2,000 messages refused on the mixed
# corpus).  Those now wait in stages and are written with the rollups at the
# end of the group, under the group lock (sql_pg/027, store_pg_changes.c,
# store_pg_batch.c).  Two halves of a generated corpus, interleaved by name,
# at once: nothing failed, and the result equals SQLite given all of it,
# domain_summary and the alert change log included.
GEN=$ROOT/../shared/tools/gen_corpus.py
if [ -f "$GEN" ]; then
	python3 "$GEN" --reports 600 --max-records 20 --seed 9989 --out "$T/half" >/dev/null 2>&1
	mkdir -p "$T/half.a" "$T/half.b"
	i=0
	for f in "$T"/half/*; do
		[ -f "$f" ] || continue
		case $f in *.tsv | *.json | *.txt) continue ;; esac
		if [ $((i % 2)) -eq 0 ]; then mv "$f" "$T/half.a/"; else mv "$f" "$T/half.b/"; fi
		i=$((i + 1))
	done
	"$BIN" --db "$T/half.db" ingest --json --no-progress "$T/half.a" "$T/half.b" >"$T/half.s.json" 2>/dev/null
	snapshot "$T/half.db" "$T/hs"
	H=$(newdb halves)
	"$BIN" --db "$H" summary >/dev/null 2>&1
	"$BIN" --db "$H" ingest --json --no-progress "$T/half.a" >"$T/half.a.json" 2>"$T/half.a.err" &
	"$BIN" --db "$H" ingest --json --no-progress "$T/half.b" >"$T/half.b.json" 2>"$T/half.b.err"
	wait
	snapshot "$H" "$T/hp"
	F=$(python3 -c 'import json,sys; print(sum(json.load(open(f))["failed"] for f in sys.argv[1:]))' \
	    "$T/half.a.json" "$T/half.b.json" 2>&1)
	check "two grouped ingests of different halves at once: none failed ($i messages)" test "$F" = 0
	grep -h -i "deadlock" "$T"/half.?.err | head -2
	same "two grouped ingests of different halves: summary = SQLite's of all" "$T/hs.summary" "$T/hp.summary"
	same "two grouped ingests of different halves: export = SQLite's of all" "$T/hs.nexport" "$T/hp.nexport"
	DSQ="SELECT policy_domain, reports, first_begin, last_begin, last_end, coalesce(p, ''),
	    coalesce(sp, ''), coalesce(np, ''), coalesce(pct, -1), coalesce(testing, ''), messages
	    FROM domain_summary"
	sqlite3 -separator '|' "$T/half.db" "$DSQ" | LC_ALL=C sort >"$T/hs.dsum"
	psqlc "$H" "$DSQ" | LC_ALL=C sort >"$T/hp.dsum"
	check "two grouped ingests of different halves: domain_summary has rows" test -s "$T/hp.dsum"
	same "two grouped ingests of different halves: domain_summary = SQLite's of all" \
	    "$T/hs.dsum" "$T/hp.dsum"
	sqlite3 -separator '|' "$T/half.db" "SELECT policy_domain, day FROM alert_changes" |
	    LC_ALL=C sort >"$T/hs.changes"
	psqlc "$H" "SELECT policy_domain, day FROM alert_changes" | LC_ALL=C sort >"$T/hp.changes"
	check "two grouped ingests of different halves: alert changes recorded" test -s "$T/hp.changes"
	same "two grouped ingests of different halves: alert changes = SQLite's of all" \
	    "$T/hs.changes" "$T/hp.changes"
	check "two grouped ingests of different halves: the stages are empty" \
	    test "$(psqlc "$H" "SELECT (SELECT count(*) FROM stage_summary) +
	    (SELECT count(*) FROM stage_day) + (SELECT count(*) FROM stage_src)")" = 0

	# ---- 3c. one ingest, worker processes (ingest --jobs) ----
	# The files shared out by a hash of their path, each worker with its own
	# connection and grouped transactions: the same as one process, and as
	# SQLite given all of it.
	J=$(newdb jobs)
	"$BIN" --db "$J" summary >/dev/null 2>&1
	"$BIN" --db "$J" ingest --jobs 3 --json --no-progress "$T/half.a" "$T/half.b" \
	    >"$T/jobs.json" 2>"$T/jobs.err"
	check "ingest --jobs 3: exit 0" test $? = 0
	python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
k = ("inputs", "messages", "reports", "records", "message_count", "duplicates", "refused", "failed")
print(" ".join(str(a[x]) for x in k)); print(" ".join(str(b[x]) for x in k))' \
	    "$T/half.s.json" "$T/jobs.json" >"$T/jobs.totals" 2>&1
	check "ingest --jobs 3: the totals are one process's ($(head -1 "$T/jobs.totals"))" \
	    test "$(sed -n 1p "$T/jobs.totals")" = "$(sed -n 2p "$T/jobs.totals")"
	snapshot "$J" "$T/jp"
	same "ingest --jobs 3: summary = SQLite's of all" "$T/hs.summary" "$T/jp.summary"
	same "ingest --jobs 3: export = SQLite's of all" "$T/hs.nexport" "$T/jp.nexport"
	psqlc "$J" "$DSQ" | LC_ALL=C sort >"$T/jp.dsum"
	same "ingest --jobs 3: domain_summary = SQLite's of all" "$T/hs.dsum" "$T/jp.dsum"

	# a worker killed (-9) in the middle: the ingest says so and exits 2;
	# the same ingest again stores the rest, nothing twice
	K=$(newdb jobkill)
	"$BIN" --db "$K" summary >/dev/null 2>&1
	"$BIN" --db "$K" ingest --jobs 2 --json --no-progress "$T/half.a" "$T/half.b" \
	    >"$T/jobkill.json" 2>"$T/jobkill.err" &
	JP=$!
	W=""
	for _ in $(seq 200); do
		W=$(pgrep -P "$JP" | head -1)
		[ -n "$W" ] && break
		sleep 0.02
	done
	sleep 0.3
	[ -n "$W" ] && kill -9 "$W" 2>/dev/null
	wait "$JP"
	check "a worker killed: the ingest exits 2" test $? = 2
	check "a worker killed: it says which, and that running it again completes it" \
	    grep -q "worker [01] ended by signal 9: its share is not complete (the same ingest again completes it)" \
	    "$T/jobkill.err"
	"$BIN" --db "$K" ingest --jobs 2 --json --no-progress "$T/half.a" "$T/half.b" \
	    >"$T/jobkill2.json" 2>"$T/jobkill2.err"
	check "a worker killed, then again: exit 0" test $? = 0
	snapshot "$K" "$T/jk"
	sed -E 's/"duplicates":[0-9]+,//' "$T/hs.summary" >"$T/hs.summary.nd"
	sed -E 's/"duplicates":[0-9]+,//' "$T/jk.summary" >"$T/jk.summary.nd"
	same "a worker killed, then again: summary = SQLite's of all (but the duplicates)" \
	    "$T/hs.summary.nd" "$T/jk.summary.nd"
	check "a worker killed, then again: what the first run stored counts as duplicates" \
	    test "$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
print(a["reports"] + b["reports"], b["duplicates"] > 0)' "$T/jobkill.json" "$T/jobkill2.json" 2>&1)" = "600 True"
	same "a worker killed, then again: export = SQLite's of all" "$T/hs.nexport" "$T/jk.nexport"

	# copies of the same reports in different orders (300 failure reports, 5
	# reports repeated with a header of their own): workers' groups can meet in
	# a deadlock on the reports' unique keys; the losing message's file is
	# tried again after the worker's other files, so nothing fails and the
	# totals are one process's (in about 1 run of 4 here a deadlock happens)
	if [ -d "$ROOT/../shared/corpus/real/failure" ]; then
		python3 - "$ROOT/../shared/corpus/real/failure" "$T/fdup" <<'PY'
import glob, os, random, sys
src = sorted(glob.glob(os.path.join(sys.argv[1], "*.eml")))
os.makedirs(sys.argv[2])
random.seed(7)
for k in range(300):
    data = open(src[k % len(src)], "rb").read().replace(b"10.10.10.10", b"198.51.100.%d" % random.randint(1, 29))
    open(os.path.join(sys.argv[2], "%03d.eml" % k), "wb").write(b"X-Variant: %d\r\n" % k + data)
PY
		"$BIN" --db "$T/fdup.db" ingest --json --no-progress "$T/fdup" >"$T/fdup.s.json" 2>/dev/null
		echo "rc=$?" >>"$T/fdup.s.json"
		for r in 1 2 3; do
			FD=$(newdb "fdup$r")
			"$BIN" --db "$FD" summary >/dev/null 2>&1
			"$BIN" --db "$FD" ingest --jobs 4 --json --no-progress "$T/fdup" >"$T/fdup.$r.json" \
			    2>"$T/fdup.$r.err"
			echo "rc=$?" >>"$T/fdup.$r.json"
		done
		python3 -c 'import json,sys
k = ("messages", "reports", "duplicates", "refused", "failed", "failure_reports")
for f in sys.argv[1:]:
    t = open(f).read().split("\nrc=")
    d = json.loads(t[0]) if t[0].strip() else {}
    print(" ".join(str(d.get(x)) for x in k), "rc=" + (t[1].strip() if len(t) > 1 else "?"))' \
		    "$T/fdup.s.json" "$T/fdup.1.json" "$T/fdup.2.json" "$T/fdup.3.json" >"$T/fdup.totals" 2>&1
		W=$(sed -n 1p "$T/fdup.totals")
		check "--jobs 4 over copies of the same reports, 3 runs: totals of one process each ($W; $(cat "$T"/fdup.?.err | grep -c 'deadlock detected') deadlocks met, retried)" \
		    test "$(sed -n '2,4p' "$T/fdup.totals" | sort -u)" = "$W"
	fi
else
	bad "$GEN is missing (../shared beside the project)"
fi

# ---- 4. kill -9 in the middle, then again ----
mkdir -p "$T/gen"
python3 "$ROOT/bench/gen_records.py" "$T/gen" --records 60000 --days 150 --reporters 4 \
    --end 2024-06-30 >"$T/gen.json"
K=$(newdb kill)
"$BIN" --db "$K" summary >/dev/null 2>&1
"$BIN" --db "$K" ingest --no-progress "$T/gen" >"$T/k1.out" 2>&1 &
KP=$!
n=0
while [ $n -lt 600 ]; do
	c=$(psqlc "$K" "SELECT count(*) FROM reports WHERE complete = 1" 2>/dev/null || echo 0)
	[ "${c:-0}" -ge 30 ] && break
	sleep 0.05
	n=$((n + 1))
done
kill -9 $KP 2>/dev/null
wait $KP 2>/dev/null
BEFORE=$(psqlc "$K" "SELECT count(*) FROM reports")
FILES=$(ls "$T/gen" | wc -l)
check "kill -9 landed mid-run ($BEFORE of $FILES reports stored)" test "$BEFORE" -gt 0 -a "$BEFORE" -lt "$FILES"
ingest "$K" "$T/k2" "$T/gen"
ingest "$T/k.db" "$T/ks" "$T/gen"
snapshot "$K" "$T/k3"
snapshot "$T/k.db" "$T/ks3"
sed -E 's/"duplicates":[0-9]+,//' "$T/ks3.summary" >"$T/ks3.sum"
sed -E 's/"duplicates":[0-9]+,//' "$T/k3.summary" >"$T/k3.sum"
same "after kill -9 and a rerun: summary as SQLite (but the duplicates)" "$T/ks3.sum" "$T/k3.sum"
same "after kill -9 and a rerun: export as SQLite (nothing lost, nothing twice)" \
    "$T/ks3.nexport" "$T/k3.nexport"
python3 - "$T/k2.json" "$BEFORE" "$FILES" <<'EOF' >"$T/k2.check" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
before, files = int(sys.argv[2]), int(sys.argv[3])
ok = r["reports"] == files - before and r["duplicates"] == before and r["failed"] == 0
print(r)
sys.exit(0 if ok else 1)
EOF
if [ $? -eq 0 ]; then ok "rerun stores the rest and counts the rest as duplicates"; else
	bad "rerun stores the rest and counts the rest as duplicates"; cat "$T/k2.check"; fi
H=$(psqlc "$K" "SELECT (SELECT count(*) FROM raw_messages WHERE state = 'pending') +
    (SELECT count(*) FROM reports WHERE complete = 0)")
check "no half-written rows after kill -9" test "$H" = 0

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
