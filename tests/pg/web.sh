#!/bin/sh
# web.sh [BIN] - the portal on PostgreSQL against the portal on SQLite, route
# by route (store_pg_web.c, store_pg_web_kinds.c).
#
# The same inputs go into a SQLite file and into a throwaway PostgreSQL 15
# (tests/servers/pg.sh, loopback): the demo reports, the failure and TLS
# samples (gen_kinds.py, tests/kinds/cases), the portal fixtures (a hostile
# report, a quarantined input), ../shared/corpus/real when present, one My
# Senders entry and the same host facts.  Two `serve` processes, one on
# each store, then answer every read route (tests/pg/webcompare.py: every
# mail-list sort and filter, CSV, counts, senders, map, reports, threats,
# URLs, TLS, every record, report, host, failure report and raw message the
# lists name) as the local operator and as a tenant's read token, and the
# answers must be the same JSON.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
T=$(mktemp -d /tmp/dmarcscope-pgweb.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"
P=0 F=0
ok() { P=$((P + 1)); echo "PASS $1"; }
no() { F=$((F + 1)); echo "FAIL $1"; }
tally() {	# log
	set -- $(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$1" | tail -1)
	P=$((P + ${1:-0})); F=$((F + ${2:-1}))
}

if ! sh tests/servers/pg.sh start "$T/pg" >"$T/pg.log" 2>&1; then
	cat "$T/pg.log"
	echo "0 passed, 1 failed (PostgreSQL did not start)"
	exit 1
fi
. "$T/pg/env"
PGDB="$PG_DSN"
SQ="$T/test.db"

# ---- the same data in both stores ---------------------------------------------
python3 tests/web/gen_reports.py "$T/demo" >/dev/null
python3 tests/web/gen_kinds.py "$T/kinds" >/dev/null
IN="$T/demo $T/kinds tests/web/fixtures/xss.xml tests/web/fixtures/junk.bin"
IN="$IN $(ls tests/kinds/cases/*/input.* 2>/dev/null | tr '\n' ' ')"
C=${SHARED:-../shared}/corpus/real
[ -d "$C" ] && IN="$IN $C"
for db in "$SQ" "$PGDB"; do
	# one list, one order: the ids come out the same
	"$BIN" --db "$db" -q ingest --no-progress $IN >/dev/null 2>>"$T/ingest.err"
	"$BIN" --db "$db" -q senders add --domain example.co.jp --internal --cidr 192.0.2.10/32 \
	    --note mx1 >/dev/null 2>>"$T/ingest.err"
	"$BIN" --db "$db" -q tenant add alpha >/dev/null 2>>"$T/ingest.err"
	"$BIN" --db "$db" -q domain assign shop.example.jp alpha >/dev/null 2>>"$T/ingest.err"
done
HOSTS="('192.0.2.10', 'mx1.example.co.jp', 1, 'example.co.jp', 64500, 'EXAMPLE-JP', 'JP', 1795000000),
 ('192.0.2.11', 'mx2.example.co.jp', 1, 'example.co.jp', 64500, 'EXAMPLE-JP', 'JP', 1795000000),
 ('2001:db8:10::25', 'mx6.example.co.jp', 1, 'example.co.jp', 64500, 'EXAMPLE-JP', 'JP', 1795000000),
 ('198.51.100.20', 'o1.esp.example.net', 1, 'example.net', 64501, 'ESP-NET', 'US', 1795000000),
 ('198.51.100.21', 'o2.esp.example.net', 1, 'example.net', 64501, 'ESP-NET', 'US', 1795000000),
 ('198.51.100.77', 'lists.example.org', 0, 'example.org', 64502, 'LISTS-ORG', 'DE', 1795000000),
 ('203.0.113.5', 'host5.spoof.example', 0, 'spoof.example', 64503, 'BAD-AS', 'RU', 1795000000),
 ('203.0.113.66', NULL, NULL, NULL, 64504, 'OTHER-AS', 'BR', 1795000000)"
COLS="ip, ptr, fcrdns, base_domain, asn, as_name, country, updated_at"
sqlite3 "$SQ" "DELETE FROM hosts; INSERT INTO hosts ($COLS) VALUES $HOSTS;" 2>>"$T/ingest.err"
psql -q "$PGDB" -c "DELETE FROM hosts; INSERT INTO hosts ($COLS) VALUES $HOSTS;" \
    >/dev/null 2>>"$T/ingest.err"
n_sq=$(sqlite3 "$SQ" "SELECT count(*) || ' ' || sum(count) FROM records")
n_pg=$(psql -Atq "$PGDB" -c "SELECT count(*) || ' ' || sum(count) FROM records")
if [ -n "$n_sq" ] && [ "$n_sq" = "$n_pg" ]; then ok "same records in both stores ($n_sq)"
else no "same records in both stores (sqlite '$n_sq', postgresql '$n_pg')"; tail -5 "$T/ingest.err"; fi

# a tenant's read token in each store (its scope: shop.example.jp)
TA=$("$BIN" --db "$SQ" token add --tenant alpha --scope read --name cmp 2>>"$T/ingest.err" |
    grep -o 'dms_[A-Za-z0-9_-]*' | head -1)
TB=$("$BIN" --db "$PGDB" token add --tenant alpha --scope read --name cmp 2>>"$T/ingest.err" |
    grep -o 'dms_[A-Za-z0-9_-]*' | head -1)

# ---- two portals ---------------------------------------------------------------
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PA=$(port) PB=$(port)
"$BIN" --db "$SQ" serve --listen "127.0.0.1:$PA" --no-enrich --max-range 3660 >"$T/serve-sq.log" 2>&1 &
PIDS="$PIDS $!"
"$BIN" --db "$PGDB" serve --listen "127.0.0.1:$PB" --no-enrich --max-range 3660 >"$T/serve-pg.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 100); do
	curl -sf "http://127.0.0.1:$PA/api/v1/version" >/dev/null 2>&1 &&
	    curl -sf "http://127.0.0.1:$PB/api/v1/version" >/dev/null 2>&1 && break
	sleep 0.1
done

python3 tests/pg/webcompare.py "http://127.0.0.1:$PA" "http://127.0.0.1:$PB" >"$T/cmp.log" 2>&1
grep -v '^PASS' "$T/cmp.log" | head -40
tally "$T/cmp.log"
echo "operator: $(tail -1 "$T/cmp.log")"
if [ -n "$TA" ] && [ -n "$TB" ]; then
	python3 tests/pg/webcompare.py "http://127.0.0.1:$PA" "http://127.0.0.1:$PB" --label tenant \
	    --auth-a "Authorization: Bearer $TA" --auth-b "Authorization: Bearer $TB" >"$T/cmp-t.log" 2>&1
	grep -v '^PASS' "$T/cmp-t.log" | head -40
	tally "$T/cmp-t.log"
	echo "tenant: $(tail -1 "$T/cmp-t.log")"
	# the tenant sees its own domain only
	if curl -s -H "Authorization: Bearer $TB" "http://127.0.0.1:$PB/api/v1/domains" |
	    python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if [x["domain"] for x in d] == ["shop.example.jp"] else 1)'
	then ok "tenant on postgresql: its domain only"; else no "tenant on postgresql: its domain only"; fi
else
	no "a tenant's token in both stores (sqlite '${TA:-none}', postgresql '${TB:-none}')"
fi

# the data version moves when another process writes
v1=$(curl -s "http://127.0.0.1:$PB/api/v1/version")
"$BIN" --db "$PGDB" -q senders add --domain example.co.jp --internal --cidr 192.0.2.11/32 \
    >/dev/null 2>>"$T/ingest.err"
sleep 1
v2=$(curl -s "http://127.0.0.1:$PB/api/v1/version")
if [ -n "$v1" ] && [ "$v1" != "$v2" ]; then ok "version follows another process's write ($v1 → $v2)"
else no "version follows another process's write ($v1 → $v2)"; fi
# the query time limit (store_web watch): a read blocked by a lock is
# cancelled at the deadline, answers 503, and the connection serves the
# next request once the lock is gone
PC=$(port)
"$BIN" --db "$PGDB" serve --listen "127.0.0.1:$PC" --no-enrich --max-range 3660 --query-timeout 0.5 \
    >"$T/serve-pg2.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 100); do curl -sf "http://127.0.0.1:$PC/api/v1/version" >/dev/null 2>&1 && break; sleep 0.1; done
psql -q "$PGDB" -c "BEGIN; LOCK TABLE records, rollup_day, rollup_hours, rollup_src, rollup_org
    IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;" \
    >/dev/null 2>&1 &
LK=$!
sleep 0.5
U="http://127.0.0.1:$PC/api/v1/records?domain=example.co.jp&since=2026-10-01&until=2026-12-31&per_page=7"
t0=$(python3 -c 'import time; print(int(time.time() * 1000))')
c1=$(curl -s -o "$T/to.json" -w '%{http_code}' "$U")
t1=$(python3 -c 'import time; print(int(time.time() * 1000))')
if [ "$c1" = 503 ] && grep -q '"timeout"' "$T/to.json" && [ $((t1 - t0)) -lt 2500 ]; then
	ok "query time limit: a blocked read is cancelled (503 after $((t1 - t0)) ms, limit 500)"
else no "query time limit: a blocked read is cancelled (status $c1 after $((t1 - t0)) ms)"; fi
# the same for a read of another interface (statistics: store_analysis)
S="http://127.0.0.1:$PC/api/v1/stats?domain=example.co.jp&since=2026-10-01&until=2026-12-31&x=1"
t0=$(python3 -c 'import time; print(int(time.time() * 1000))')
c3=$(curl -s -o "$T/to3.json" -w '%{http_code}' "$S")
t1=$(python3 -c 'import time; print(int(time.time() * 1000))')
if [ "$c3" = 503 ] && [ $((t1 - t0)) -lt 2500 ]; then
	ok "query time limit: a blocked statistics read is cancelled (503 after $((t1 - t0)) ms)"
else no "query time limit: a blocked statistics read is cancelled (status $c3 after $((t1 - t0)) ms)"; fi
wait "$LK"
c2=$(curl -s -o "$T/to2.json" -w '%{http_code}' "$U")
if [ "$c2" = 200 ] && grep -q '"rows"' "$T/to2.json"; then ok "after the cancel the connection serves again"
else no "after the cancel the connection serves again (status $c2)"; fi
locks=$(psql -Atq "$PGDB" -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
if [ "$locks" = 0 ]; then ok "no statement left waiting on the server"
else no "no statement left waiting on the server ($locks)"; fi

# stopped: a sanitizer build reports leaks and errors at exit
for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
PIDS=""
if grep -qi "error\|fail\|sanitizer" "$T/serve-pg.log" ||
    grep -qi "sanitizer\|runtime error\|fatal" "$T/serve-pg2.log"; then
	no "postgresql serve logs clean"
	grep -i "error\|fail\|sanitizer\|fatal" "$T/serve-pg.log" "$T/serve-pg2.log" | head -20
else ok "postgresql serve logs clean (the time-limited one: $(grep -c . "$T/serve-pg2.log") lines)"; fi

echo "$P passed, $F failed"
[ "$F" -eq 0 ]
