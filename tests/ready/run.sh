#!/bin/sh
# tests/ready/run.sh [BINARY] - readiness for p=reject (issue 18 part 3):
# the data-driven cases of tests/ready/cases.py (fixture reports → shares,
# met-since date, recommended record, what-if counts), and the query plans:
# the readiness reads use their indexes (no full scan of records, reports or
# rollup_domain_day) on SQLite.  Under tests/pg/run.sh the same cases run
# on PostgreSQL (the plan checks need the SQLite file and are skipped there).
# Prints "N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 tests/ready/cases.py "$BIN" >"$T/out" 2>&1
cat "$T/out"
pass=$(tail -n 1 "$T/out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
fail=$(tail -n 1 "$T/out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -n "$pass" ] || { pass=0; fail=1; echo "FAIL cases.py gave no count"; }

# the plans (SQLite only: the PostgreSQL wrapper is not a SQLite file)
if [ -z "${DMARCSCOPE_PG_BIN:-}" ]; then
	db=$T/plan.db
	"$BIN" --db "$db" -q summary >/dev/null 2>&1
	plan() {	# NAME SQL: no "SCAN" of a table in the plan
		if sqlite3 "$db" "EXPLAIN QUERY PLAN $2" >"$T/plan" 2>&1 &&
		    ! grep -E "SCAN (r|p|records|reports|rollup_domain_day)( |$)" "$T/plan" >/dev/null; then
			pass=$((pass + 1)); echo "ok   plan: $1"
		else
			fail=$((fail + 1)); echo "FAIL plan: $1: $(tr '\n' ' ' <"$T/plan")"
		fi
	}
	plan "days through rollup_domain_day_domain" "SELECT day FROM rollup_domain_day INDEXED BY \
rollup_domain_day_domain WHERE policy_domain = 'a' AND day >= 1 AND day < 9 ORDER BY day"
	plan "policy through reports_domain_begin" "SELECT p FROM reports WHERE policy_domain = 'a' AND \
date_begin < 9 ORDER BY date_begin DESC, id DESC LIMIT 1"
	# the join of store_sqlite_ready.c's rd_groups
	plan "records by sender: reports_domain_begin then records_domain" "SELECT r.count FROM reports p \
INDEXED BY reports_domain_begin JOIN records r INDEXED BY records_domain ON r.policy_domain = 'a' AND \
r.report_id = p.id WHERE p.policy_domain = 'a' AND \
p.date_begin >= 1 AND p.date_begin < 9 ORDER BY p.date_begin DESC LIMIT 10"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
