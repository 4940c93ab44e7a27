#!/bin/sh
# tests/ready/run.sh [BINARY] - readiness for p=reject (issue 18 part 3):
# the data-driven cases of tests/ready/cases.py (fixture reports → shares,
# met-since date, recommended record, what-if counts), and the query plans:
# the readiness reads use their indexes (no full scan of records, reports or
# rollup_domain_day) on SQLite; GET /api/v1/readiness (values, bad
# parameters) and the screen in Chromium in ja and en (tests/ready/ready.mjs;
# SHOTS=DIR saves ready-ja.png and ready-en.png there).  Under tests/pg/run.sh
# the same cases run on PostgreSQL (the plan checks need the SQLite file and
# the portal part is covered by tests/pg/web.sh's comparison: skipped there).
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
rollup_domain_day_domain WHERE domain_id = (SELECT id FROM ov_domain WHERE policy_domain = 'a') AND day >= 1 AND day < 9 ORDER BY day"
	plan "policy through reports_domain_begin" "SELECT p FROM reports WHERE policy_domain = 'a' AND \
date_begin < 9 ORDER BY date_begin DESC, id DESC LIMIT 1"
	# the join of store_sqlite_ready.c's rd_groups
	plan "records by sender: reports_domain_begin then records_domain" "SELECT r.count FROM reports p \
INDEXED BY reports_domain_begin JOIN records r INDEXED BY records_domain ON r.policy_domain = 'a' AND \
r.report_id = p.id WHERE p.policy_domain = 'a' AND \
p.date_begin >= 1 AND p.date_begin < 9 ORDER BY p.date_begin DESC LIMIT 10"
fi

# the API and the screen (SQLite: serve on loopback; ja and en in Chromium)
if [ -z "${DMARCSCOPE_PG_BIN:-}" ]; then
	ok() { pass=$((pass + 1)); echo "ok   $1"; }
	ko() { fail=$((fail + 1)); echo "FAIL $1"; }
	DMARCSCOPE_SERVICES=$PWD/data/services.csv python3 tests/ready/cases.py "$BIN" --build "$T/web.db" ||
	    ko "the screen's database"
	PORT=$(python3 tests/servers/freeports.py 1)
	"$BIN" --db "$T/web.db" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
	SPID=$!
	n=0
	until curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1; do
		n=$((n + 1)); [ $n -gt 100 ] && break; sleep 0.1
	done
	API="http://127.0.0.1:$PORT/api/v1"
	Q="domain=example.co.jp&since=2024-04-01&until=2024-04-30"
	curl -s "$API/readiness?$Q" >"$T/r.json"
	if python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
assert j["ready"]["met_since"] == "2024-04-13", j["ready"]
assert j["totals"]["legitimate"] == 147424 and j["totals"]["failing"] == 1204, j["totals"]
assert j["next"]["record"].startswith("v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc-rua@"), j["next"]
assert len(j["days"]) == 30 and len(j["weeks"]) == 5, (len(j["days"]), len(j["weeks"]))' "$T/r.json" 2>"$T/err"; then
		ok "GET /readiness: met since, totals, next record, 30 days in 5 weeks"
	else
		ko "GET /readiness: $(tail -n 1 "$T/err")"
	fi
	for q in "$Q&threshold=101" "$Q&threshold=abc" "domain=example.co.jp&since=2024-01-01&until=2024-04-30" \
	    "domain=Bad%20Domain&since=2024-04-01&until=2024-04-30" "since=2024-04-01&until=2024-04-30"; do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$API/readiness?$q")
		[ "$code" = 400 ] && ok "GET /readiness?$q: 400" || ko "GET /readiness?$q: $code"
	done
	code=$(curl -s -o /dev/null -w '%{http_code}' "$API/readiness?domain=unknown.example&since=2024-04-01&until=2024-04-30")
	[ "$code" = 200 ] && ok "GET /readiness of a domain without reports: 200 (local mode reads every domain)" ||
	    ko "a domain without reports: $code"
	curl -s "$API/readiness?$Q&threshold=99.9" | grep -q '"met": *false' &&
	    ok "GET /readiness?threshold=99.9: not met" || ko "threshold=99.9 still met"
	if [ -d node_modules/playwright-core ] && [ -x /usr/bin/chromium ]; then
		node tests/ready/ready.mjs "http://127.0.0.1:$PORT" ${SHOTS:+--shots "$SHOTS"} >"$T/web.log" 2>&1
		cat "$T/web.log"
		set -- $(tail -n 1 "$T/web.log")
		pass=$((pass + ${1:-0})) fail=$((fail + ${3:-1}))
	else
		echo "skip browser test (no playwright-core or chromium)"
	fi
	kill $SPID 2>/dev/null
	wait $SPID 2>/dev/null
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
