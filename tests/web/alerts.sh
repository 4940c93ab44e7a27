#!/bin/sh
# alerts.sh [BIN] [--shots DIR] - the browser tests of the alert screens
# (issue 15): tests/web/alerts.mjs in ja and en.
#
# Its own temp DB: the month of tests/alerts/gen_month.py for example.jp (a
# spoofing campaign from day 20), ingested one day at a time with `ingest
# --alerts` at a test-controlled clock ($DMARCSCOPE_NOW), which evaluates the
# alerts as the reports arrive; a real SMTP server (aiosmtpd, loopback) for
# the test-send button; `dmarcscope serve` on a free loopback port with
# --no-enrich and the [smtp] config.  Then, with curl, the tenants: a viewer
# reads but may not acknowledge or change settings, another tenant's admin
# sees neither the alerts nor the settings (404), no session gets 401.
# Ends with "N passed, N failed".
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
	[ -n "${KEEP:-}" ] || rm -rf "$T"
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
node tests/web/alerts.mjs "http://127.0.0.1:$PORT" "$T/Maildir" ${SHOTS:+--shots "$SHOTS"} >"$T/browser.log" 2>&1
grep -v "passed, .* failed$" "$T/browser.log"
set -- $(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$T/browser.log")
pass=${1:-0} fail=${2:-1}

# ---- tenants (curl): who may see and change what -----------------------------------------------
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got '$2', want '$3'"; fi; }
U=http://127.0.0.1:$PORT/api/v1
"$BIN" --db "$DB" -q tenant add acme >/dev/null
"$BIN" --db "$DB" -q tenant add other >/dev/null
"$BIN" --db "$DB" -q domain assign example.jp acme >/dev/null
# (a tenant with no domain at all trips UBSan in principal.c's qsort(NULL, 0): reported)
"$BIN" --db "$DB" -q domain assign other.example other >/dev/null
echo 'viewer-password' | "$BIN" --db "$DB" -q user add vi --role viewer --tenant acme --password-stdin >/dev/null
echo 'admin-password1' | "$BIN" --db "$DB" -q user add ad --role admin --tenant acme --password-stdin >/dev/null
echo 'other-password1' | "$BIN" --db "$DB" -q user add ot --role admin --tenant other --password-stdin >/dev/null
login() {	# NAME PASSWORD -> cookie jar $T/NAME.jar, the CSRF token on stdout
	curl -s -c "$T/$1.jar" -H 'Content-Type: application/json' \
	    -d "{\"user\":\"$1\",\"password\":\"$2\"}" "$U/login" |
	    python3 -c 'import json,sys; print(json.load(sys.stdin).get("csrf",""))'
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "no session: the bell answers 401" "$(code "$U/alerts/count")" "401"
VCSRF=$(login vi viewer-password)
ACSRF=$(login ad admin-password1)
OCSRF=$(login ot other-password1)
AID=$(curl -s -b "$T/vi.jar" "$U/alerts?domain=example.jp&state=open" | python3 -c 'import json,sys; print(json.load(sys.stdin)["alerts"][0]["id"])')
check "viewer of the tenant: reads the alerts" "$(code -b "$T/vi.jar" "$U/alerts?domain=example.jp")" "200"
check "viewer: may not acknowledge (403)" \
    "$(code -b "$T/vi.jar" -X POST -H 'Content-Type: application/json' -H "X-CSRF-Token: $VCSRF" -d '{}' "$U/alerts/$AID/ack")" "403"
check "viewer: may not change the settings (403)" \
    "$(code -b "$T/vi.jar" -X POST -H 'Content-Type: application/json' -H "X-CSRF-Token: $VCSRF" -d '{"domain":"example.jp","cooldown_days":3}' "$U/alert-settings")" "403"
check "admin without the CSRF token: 403" \
    "$(code -b "$T/ad.jar" -X POST -H 'Content-Type: application/json' -d '{}' "$U/alerts/$AID/ack")" "403"
check "another tenant's admin: the domain does not exist for it (404)" \
    "$(code -b "$T/ot.jar" "$U/alert-settings?domain=example.jp")/$(code -b "$T/ot.jar" -X POST -H 'Content-Type: application/json' -H "X-CSRF-Token: $OCSRF" -d '{}' "$U/alerts/$AID/ack")" "404/404"
check "another tenant's bell: 0" "$(curl -s -b "$T/ot.jar" "$U/alerts/count")" '{"open":0}'
check "another tenant's list: empty" "$(curl -s -b "$T/ot.jar" "$U/alerts" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["alerts"]))')" "0"
check "the tenant's admin acknowledges (200)" \
    "$(code -b "$T/ad.jar" -X POST -H 'Content-Type: application/json' -H "X-CSRF-Token: $ACSRF" -d '{}' "$U/alerts/$AID/ack")" "200"
check "the secret is never returned" \
    "$(curl -s -b "$T/ad.jar" "$U/alert-settings?domain=example.jp" | grep -c 'not shown again')" "0"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
