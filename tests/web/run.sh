#!/bin/sh
# run.sh [BIN] [--shots DIR] - the portal's tests: API (api.sh, curl) and
# browser (browser.mjs, playwright-core + Debian chromium).
#
# Builds a temp DB from the demo data plus tests/web/fixtures (a report
# whose fields hold <script> and quotes, an input that is quarantined),
# seeds host facts as enrichment would, starts `dmarcscope serve` on a free
# loopback port with --no-enrich (no traffic leaves the machine), runs both
# suites and stops the server.  Ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
SHOTS=""
[ "${2:-}" = "--shots" ] && SHOTS="${3:-docs/screenshots}"
T=$(mktemp -d /tmp/dmarcscope-web.XXXXXX)
DB="$T/test.db"
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"

python3 tests/web/gen_reports.py "$T/demo" >/dev/null
"$BIN" --db "$DB" -q ingest "$T/demo" >/dev/null 2>"$T/ingest.err"
"$BIN" --db "$DB" -q ingest tests/web/fixtures/xss.xml tests/web/fixtures/junk.bin \
    >/dev/null 2>>"$T/ingest.err"
# What enrichment would have found (documentation addresses, made-up facts).
sqlite3 "$DB" <<'EOF'
INSERT OR REPLACE INTO hosts (ip, ptr, fcrdns, base_domain, asn, as_name, country, updated_at) VALUES
 ('192.0.2.10', 'mx1.example.co.jp', 1, 'example.co.jp', 64500, 'EXAMPLE-JP', 'JP', 1795000000),
 ('192.0.2.11', 'mx2.example.co.jp', 1, 'example.co.jp', 64500, 'EXAMPLE-JP', 'JP', 1795000000),
 ('2001:db8:10::25', 'mx6.example.co.jp', 1, 'example.co.jp', 64500, 'EXAMPLE-JP', 'JP', 1795000000),
 ('198.51.100.20', 'o1.esp.example.net', 1, 'example.net', 64501, 'ESP-NET', 'US', 1795000000),
 ('198.51.100.21', 'o2.esp.example.net', 1, 'example.net', 64501, 'ESP-NET', 'US', 1795000000),
 ('198.51.100.77', 'lists.example.org', 0, 'example.org', 64502, 'LISTS-ORG', 'DE', 1795000000),
 ('203.0.113.5', 'host5.spoof.example', 0, 'spoof.example', 64503, 'BAD-AS', 'RU', 1795000000),
 ('203.0.113.66', NULL, NULL, NULL, 64504, 'OTHER-AS', 'BR', 1795000000);
EOF
# DNSBL and RDAP facts, when the enrichment schema (migration 003) is there.
sqlite3 "$DB" <<'EOF' 2>/dev/null || true
INSERT OR REPLACE INTO host_dnsbl (ip, zone, state, codes, meaning, txt, checked_at, expires_at) VALUES
 ('203.0.113.5', 'bl.test', 'listed', '127.0.0.2', 'spam source', 'Listed in test DNSBL', 1795000000, 1895000000),
 ('203.0.113.5', 'other.test', 'not_listed', NULL, NULL, NULL, 1795000000, 1895000000);
INSERT INTO rdap_networks (id, family, lo, hi, start_addr, end_addr, handle, name, org, country, abuse_email, url, fetched_at, expires_at)
 VALUES (1, 4, x'cb007100', x'cb0071ff', '203.0.113.0', '203.0.113.255', 'NET-TEST-1', 'TEST-NET-3', 'Example Hosting', 'RU', 'abuse@spoof.example', 'http://127.0.0.1/rdap', 1795000000, 1895000000);
UPDATE hosts SET dnsbl_listed = 1, rdap_state = 'ok', rdap_at = 1795000000, rdap_expires = 1895000000, rdap_net = 1,
 ptr_state = 'ok', ptr_at = 1795000000, ptr_expires = 1895000000 WHERE ip = '203.0.113.5';
EOF

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
PID=$!
for i in $(seq 50); do
	curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break
	sleep 0.1
done

P=0 F=0
tally() {	# log
	set -- $(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$1" | tail -1)
	P=$((P + ${1:-0})); F=$((F + ${2:-1}))
}
BASE="http://127.0.0.1:$PORT" DB="$DB" BIN="$BIN" T="$T" sh tests/web/api.sh >"$T/api.log" 2>&1
cat "$T/api.log"
tally "$T/api.log"
sh tests/web/hardening.sh "$BIN" >"$T/hard.log" 2>&1; cat "$T/hard.log"; tally "$T/hard.log"
if [ -n "$SHOTS" ]; then
	DMARCSCOPE_BIN="$BIN" DMARCSCOPE_TEST_DB="$DB" node tests/web/browser.mjs "http://127.0.0.1:$PORT" \
	    --shots "$SHOTS" >"$T/browser.log" 2>&1
else
	DMARCSCOPE_BIN="$BIN" DMARCSCOPE_TEST_DB="$DB" node tests/web/browser.mjs "http://127.0.0.1:$PORT" \
	    >"$T/browser.log" 2>&1
fi
cat "$T/browser.log"
tally "$T/browser.log"
node --no-warnings tests/web/dates.mjs >"$T/dates.log" 2>&1; cat "$T/dates.log"; tally "$T/dates.log"
node tests/web/ui.mjs "http://127.0.0.1:$PORT" ${SHOTS:+--shots "$SHOTS"} >"$T/ui.log" 2>&1; cat "$T/ui.log"; tally "$T/ui.log"
if [ "$F" -ne 0 ]; then
	echo "--- serve.log"; tail -20 "$T/serve.log"
fi
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
