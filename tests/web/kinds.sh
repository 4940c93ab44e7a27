#!/bin/sh
# kinds.sh [BIN] [--shots DIR] - the browser tests of the failure-report and
# TLS-report screens (issue 13): tests/web/threats.mjs (Email Threats, the
# sample view, URLs, TLS reports, and failure reports on the statistics,
# record and host screens, in ja and en) and tests/web/safety.mjs (hostile
# failure reports: no script runs, no CSP violation, nothing loads).
#
# Builds its own temp DB (apart from run.sh's, whose counts stay as they
# are): the portal tests' November 2026 aggregate data (gen_reports.py), the
# failure and TLS reports of gen_kinds.py for the same domain and month, and
# every input of tests/kinds/cases (the hostile, real and variant ones; those
# refused are quarantined); registers 192.0.2.10 as an internal sender of
# example.co.jp; starts `dmarcscope serve` on a free loopback port with
# --no-enrich (no traffic leaves the machine).  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
SHOTS=""
[ "${2:-}" = "--shots" ] && SHOTS="${3:-/tmp/dmarcscope-kinds-shots}"
T=$(mktemp -d /tmp/dmarcscope-kinds.XXXXXX)
DB="$T/test.db"
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"

python3 tests/web/gen_reports.py "$T/demo" >/dev/null
python3 tests/web/gen_kinds.py "$T/kinds" >/dev/null
"$BIN" --db "$DB" -q ingest "$T/demo" >/dev/null 2>"$T/ingest.err"
"$BIN" --db "$DB" -q ingest "$T/kinds" >/dev/null 2>>"$T/ingest.err"
"$BIN" --db "$DB" -q ingest tests/kinds/cases/*/input.* >/dev/null 2>>"$T/ingest.err"
"$BIN" --db "$DB" -q senders add --domain example.co.jp --internal --cidr 192.0.2.10/32 --note 'mx1' \
    >/dev/null 2>>"$T/ingest.err"
sqlite3 "$DB" <<'EOF' 2>>"$T/ingest.err"
INSERT OR REPLACE INTO hosts (ip, ptr, fcrdns, base_domain, asn, as_name, country, updated_at) VALUES
 ('192.0.2.10', 'mx1.example.co.jp', 1, 'example.co.jp', 64500, 'EXAMPLE-JP', 'JP', 1795000000),
 ('203.0.113.5', 'host5.spoof.example', 0, 'spoof.example', 64503, 'BAD-AS', 'RU', 1795000000);
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
node tests/web/threats.mjs "http://127.0.0.1:$PORT" ${SHOTS:+--shots "$SHOTS"} >"$T/threats.log" 2>&1
cat "$T/threats.log"; tally "$T/threats.log"
node tests/web/safety.mjs "http://127.0.0.1:$PORT" >"$T/safety.log" 2>&1
cat "$T/safety.log"; tally "$T/safety.log"
if [ "$F" -ne 0 ]; then
	echo "--- ingest"; tail -5 "$T/ingest.err"
	echo "--- serve.log"; tail -20 "$T/serve.log"
fi
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
