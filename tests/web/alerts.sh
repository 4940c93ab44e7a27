#!/bin/sh
# alerts.sh [BIN] [--shots DIR] - the browser tests of the alert screens
# (issue 15): tests/web/alerts.mjs in ja and en.
#
# Its own temp DB: the month of tests/alerts/gen_month.py for example.jp (a
# spoofing campaign from day 20), ingested one day at a time with `ingest
# --alerts` at a test-controlled clock ($DMARCSCOPE_NOW), which evaluates the
# alerts as the reports arrive; a real SMTP server (aiosmtpd, loopback) for
# the test-send button; `dmarcscope serve` on a free loopback port with
# --no-enrich and the [smtp] config.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
SHOTS=""
[ "${2:-}" = "--shots" ] && SHOTS="${3:-docs/screenshots}"
T=$(mktemp -d /tmp/dmarcscope-alerts-web.XXXXXX)
DB="$T/test.db"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"
unset DMARCSCOPE_NOW
set -- $(python3 tests/servers/freeports.py 2)
PORT=$1 SMTP_PORT=$2
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$T/Maildir" \
    </dev/null >"$T/smtp.log" 2>&1 &
PIDS="$PIDS $!"
printf '[smtp]\nurl = smtp://127.0.0.1:%s\nfrom = dmarcscope@example.jp\n[alerts]\nbase_url = http://127.0.0.1:%s/\n' \
    "$SMTP_PORT" "$PORT" >"$T/ds.ini"
D0=1793577600	# 2026-11-02
python3 tests/alerts/gen_month.py "$T/month" "$D0" 22
"$BIN" --db "$DB" -q senders add --domain example.jp --internal --cidr 192.0.2.0/24 >/dev/null
for k in $(seq 1 22); do
	dd=$(printf "%02d" "$k")
	DMARCSCOPE_NOW=$((D0 + k * 86400 + 7200)) "$BIN" --db "$DB" --config "$T/ds.ini" -q ingest \
	    --alerts "$T/month/day$dd" >/dev/null 2>>"$T/ingest.err"
done
"$BIN" --db "$DB" --config "$T/ds.ini" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break
	sleep 0.1
done
node tests/web/alerts.mjs "http://127.0.0.1:$PORT" "$T/Maildir" ${SHOTS:+--shots "$SHOTS"} 2>&1
