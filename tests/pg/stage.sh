#!/bin/sh
# tests/pg/stage.sh [BIN] - bulk mode's rollup stage on PostgreSQL (store_pg_batch.c): in a
# bulk ingest the four rollups (day, source, reporter, hour) wait in the unlogged stage tables
# of sql_pg/025 and reach their tables once per transaction; without bulk mode they are
# upserted per batch (about once per message).
# On a throwaway PostgreSQL 15 on loopback (tests/servers/pg.sh), the same inputs (every case
# input of tests/cases, broken and refused ones included, the real corpus, 300 generated
# reports) go in three ways:
#   staged  the default ingest (two threads: bulk mode, group commit of 256 messages)
#   direct  DMARCSCOPE_NO_PIPELINE=1 (one thread, no bulk mode: no stage)
#   SQLite  the default ingest into a file
# and every rollup table and every table their triggers keep (rollup_day, rollup_src,
# rollup_org, rollup_hours, rollup_src_span, rollup_domain_day, rollup_domain_span with their
# reporters by name, domain_summary) is the same in all three.  The stage is really used:
# the source-span trigger runs once per settle (a handful of calls for the whole ingest)
# in the staged database, once per message in the direct one (pg_stat_user_functions).
# A role without the TEMP privilege nor CREATE on the schema (no DDL at all) stages the same.
# One large report alone, piped in (its batch fills: the rest goes through the stage), stores
# the same rollups as SQLite; another (5,000 records, text that COPY must escape) goes by COPY
# after its first batch and exports as SQLite's.
# Then a kill -9 in the middle of a staged ingest and the same ingest again: the rollups equal
# the clean run's.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
SHARED=${SHARED:-../shared}
T=$(mktemp -d /tmp/dmarcscope-stage.XXXXXX)
chmod 755 "$T"
P=0 F=0
cleanup() {
	sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ok() { P=$((P + 1)); echo "PASS $1"; }
no() { F=$((F + 1)); echo "FAIL $1"; }
check() {	# NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else no "$1: got [$2], want [$3]"; fi
}
same() {	# NAME A B
	if cmp -s "$2" "$3"; then ok "$1 ($(wc -l <"$2") rows)"; else
		no "$1"; diff "$2" "$3" | head -8
	fi
}
finish() { echo "$P passed, $F failed"; [ "$F" -eq 0 ]; exit $?; }
unset DMARCSCOPE_NO_PIPELINE
if ! sh tests/servers/pg.sh start "$T/pg" >/dev/null 2>"$T/pg.err"; then
	no "PostgreSQL does not start: $(tail -3 "$T/pg.err")"
	finish
fi
. "$T/pg/env"
ADMIN=$(printf '%s' "$PG_DSN" | sed 's|/[^/]*$|/postgres|')
dsn() { printf '%s' "$PG_DSN" | sed "s|/[^/]*\$|/$1|"; }
newdb() {	# NAME: an empty database with function call counts
	psql -qXAt "$ADMIN" -c "CREATE DATABASE $1" -c "ALTER DATABASE $1 SET track_functions = 'pl'" \
	    >/dev/null
}

# the inputs
mkdir -p "$T/in"
i=0
for f in tests/cases/*/input* "$SHARED"/corpus/real/*/*; do
	[ -f "$f" ] || continue
	i=$((i + 1)); cp "$f" "$T/in/$(printf %04d $i)-$(basename "$f")"
done
python3 "$SHARED/tools/gen_corpus.py" --reports 300 --max-records 20 --seed 11 \
    --out "$T/in/gen" >/dev/null 2>&1
n_in=$(find "$T/in" -type f | wc -l)
[ "$n_in" -gt 400 ] && ok "inputs: $n_in files" || no "inputs: only $n_in files"

ingest() {	# DB [ENV=VALUE]
	_db=$1; shift
	env "$@" "$BIN" --db "$_db" -q ingest --no-progress --json "$T/in" >"$T/out.json" 2>/dev/null
}
newdb staged; newdb direct
ingest "$(dsn staged)"
ingest "$(dsn direct)" DMARCSCOPE_NO_PIPELINE=1
ingest "$T/s.db"
sleep 1	# the backends' statistics reach the shared counters as they exit

# Every rollup table and what their triggers keep, by names (ids and reporter bits are
# assigned in arrival order, which differs); sorted as bytes.
DUMPS="day:SELECT policy_domain, day, cls, path, spf_cat, dkim_cat, sender_kind, known, disposition, reporter_pass, messages, records FROM rollup_day
src:SELECT policy_domain, day, prefix, messages, spf_aligned, dkim_aligned, dmarc_pass, spoofing FROM rollup_src
org:SELECT policy_domain, day, org, reports, messages FROM rollup_org
hours:SELECT * FROM rollup_hours
srcspan:SELECT policy_domain, level, start, prefix, days, messages, spf_aligned, dkim_aligned, dmarc_pass, spoofing FROM rollup_src_span
domday:SELECT d.policy_domain, t.day, t.messages, t.dmarc_pass, t.spf_aligned, t.dkim_aligned, t.forwarded, t.auth_failure, t.spoofing FROM rollup_domain_day t JOIN ov_domain d ON d.id = t.domain_id
domdayorg:SELECT d.policy_domain, t.day, r.org FROM rollup_domain_day t JOIN ov_domain d ON d.id = t.domain_id JOIN ov_reporter r ON r.domain_id = t.domain_id AND (t.orgs & r.bit) <> 0
domspan:SELECT d.policy_domain, t.level, t.start, t.messages, t.dmarc_pass, t.spf_aligned, t.dkim_aligned, t.forwarded, t.auth_failure, t.spoofing, t.first_day, t.last_day FROM rollup_domain_span t JOIN ov_domain d ON d.id = t.domain_id
domspanorg:SELECT d.policy_domain, t.level, t.start, r.org FROM rollup_domain_span t JOIN ov_domain d ON d.id = t.domain_id JOIN ov_reporter r ON r.domain_id = t.domain_id AND (t.orgs & r.bit) <> 0
summary:SELECT policy_domain, reports, first_begin, last_begin, last_end, p, sp, np, pct, testing, messages FROM domain_summary"
dump() {	# WHERE(pg NAME | sqlite FILE) OUTPREFIX
	printf '%s\n' "$DUMPS" | while IFS=: read -r name sql; do
		if [ "$1" = pg ]; then psql -qXAt "$(dsn "$2")" -c "$sql" 2>&1
		else sqlite3 "$2" "$sql" 2>&1; fi | LC_ALL=C sort >"$3.$name"
	done
}
dump pg staged "$T/staged"
dump pg direct "$T/direct"
dump sqlite "$T/s.db" "$T/sqlite"
[ "$(wc -l <"$T/staged.day")" -gt 1000 ] && ok "staged: $(wc -l <"$T/staged.day") rollup_day rows" \
    || no "staged: only $(wc -l <"$T/staged.day") rollup_day rows"
for name in $(printf '%s\n' "$DUMPS" | cut -d: -f1); do
	same "$name: staged = direct" "$T/staged.$name" "$T/direct.$name"
	same "$name: staged = SQLite" "$T/staged.$name" "$T/sqlite.$name"
done

# the stage was used: the span trigger ran per settle, not per message
calls() { psql -qXAt "$(dsn "$1")" -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'rollup_src_span_insert'"; }
cs=$(calls staged); cd=$(calls direct)
msgs=$(sed -n 's/.*"messages":\([0-9]*\).*/\1/p' "$T/out.json")
if [ "$cs" -gt 0 ] && [ $((cs * 20)) -lt "$cd" ]; then
	ok "the source-span trigger: $cs calls staged, $cd direct ($msgs messages)"
else
	no "the source-span trigger: $cs calls staged, $cd direct ($msgs messages)"
fi

# a role that may neither make temporary tables (TEMP revoked) nor tables (no CREATE on the
# schema): it opens the migrated database without DDL and stages in 025's tables
newdb notemp
"$BIN" --db "$(dsn notemp)" -q summary >/dev/null 2>&1	# migrated by the owner
psql -qXAt "$(dsn notemp)" -c "CREATE ROLE ingester LOGIN" \
    -c "REVOKE TEMP ON DATABASE notemp FROM PUBLIC" \
    -c "GRANT USAGE ON SCHEMA public TO ingester" \
    -c "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ingester" \
    -c "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ingester" >/dev/null
NT=$(dsn notemp | sed 's|//[^@]*@|//ingester@|')
"$BIN" --db "$NT" -q ingest --no-progress --json "$T/in" >"$T/nt.json" 2>"$T/nt.err"
if ! grep -qi -e "permission denied" -e "rollup stage" -e "dmarcscope: store:" "$T/nt.err" && [ "$(calls notemp)" -gt 0 ] && [ $(( $(calls notemp) * 20 )) -lt "$cd" ]; then
	ok "a role without TEMP or CREATE: no warning, the stage used ($(calls notemp) span-trigger calls)"
else
	no "a role without TEMP or CREATE: $(calls notemp) span-trigger calls, $(grep -i -e denied -e store: "$T/nt.err" | head -3)"
fi
dump pg notemp "$T/notemp"
for name in day src org hours srcspan domday summary; do
	same "that role: $name = staged" "$T/notemp.$name" "$T/staged.$name"
done

# one large report alone (one message, 6,000 records: its batch fills, the rest is staged),
# piped in as an MTA would: the same rollups as SQLite
python3 "$SHARED/tools/gen_corpus.py" --big 6000 --formats xml --seed 5 --out "$T/big" >/dev/null 2>&1
BIGF=$(ls "$T"/big/*.xml 2>/dev/null | head -1)
if [ -n "$BIGF" ]; then
	newdb big
	"$BIN" --db "$(dsn big)" -q ingest - <"$BIGF" >/dev/null 2>&1
	"$BIN" --db "$T/big.db" -q ingest - <"$BIGF" >/dev/null 2>&1
	sleep 1	# the backend's function statistics reach the shared counters
	dump pg big "$T/pgbig"
	dump sqlite "$T/big.db" "$T/sqbig"
	# its rollup rows come after its records (the batch filled with those): all staged, one
	# settle; per batch they would be one upsert per 512 source rows (5 here)
	check "a large report alone: the stage was used (one span-trigger call: the settle)" \
	    "$(calls big)" 1
	for name in day src org hours srcspan domday summary; do
		same "a large report alone: $name = SQLite" "$T/pgbig.$name" "$T/sqbig.$name"
	done
else
	no "gen_corpus.py --big 6000 made no report"
fi

# a large report's batches after its first go by COPY (store_pg_batch.c): 5,000 records (512
# through the unnest statement, then 4,096 and 392 by COPY) whose text holds tabs, newlines,
# CRs, backslashes and quotes, piped in alone: the export (every record with its reasons, DKIM
# and SPF rows, in record id order) equals SQLite's, and the server saw the COPYs
python3 tests/pg/gen_escapes.py 5000 >"$T/esc.xml"
newdb escapes
psql -qXAt "$ADMIN" -c "ALTER DATABASE escapes SET log_statement = 'all'" >/dev/null
"$BIN" --db "$(dsn escapes)" -q ingest - <"$T/esc.xml" >/dev/null 2>&1
"$BIN" --db "$T/esc.db" -q ingest - <"$T/esc.xml" >/dev/null 2>&1
"$BIN" --db "$(dsn escapes)" export --format json >"$T/esc.pg.json" 2>&1
"$BIN" --db "$T/esc.db" export --format json >"$T/esc.sq.json" 2>&1
same "COPY: a 5,000-record report's export = SQLite's" "$T/esc.pg.json" "$T/esc.sq.json"
check "COPY: the export has the 5,000 records, with their escapes" \
    "$(grep -o 'tab\\there back\\\\slash nl\\nx cr\\rz' "$T/esc.pg.json" | wc -l)" 5000
for t in records record_reasons auth_dkim auth_spf; do
	check "COPY: $t copied twice (4,096 and 392 records)" \
	    "$(grep -c "COPY $t(" "$T/pg/server.log")" 2
done
check "COPY: record ids in the report's order, none missing" \
    "$(psql -qXAt "$(dsn escapes)" -c "SELECT count(*), max(id) - min(id) + 1 FROM records")" \
    "5000|5000"

# kill -9 in the middle of a staged ingest, then the same again: the clean run's rollups
newdb killed
env "$BIN" --db "$(dsn killed)" -q ingest --no-progress --json "$T/in" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do	# until the first group is committed
	n=$(psql -qXAt "$(dsn killed)" -c "SELECT count(*) FROM reports" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.05
done
if kill -9 "$pid" 2>/dev/null; then ok "killed in the middle ($n reports committed)"
else no "the ingest ended before the kill"; fi
wait "$pid" 2>/dev/null
ingest "$(dsn killed)"
dump pg killed "$T/killed"
for name in day src org hours srcspan domday domspan summary; do
	same "kill -9, then again: $name = the clean run's" "$T/killed.$name" "$T/staged.$name"
done
finish
