#!/bin/sh
# senders_totals.sh [BIN] - the Senders screen's data (GET /api/v1/senders)
# adds up: on each tab (internal, third party, unauthorized) the groups listed
# hold exactly the messages its SPF x DKIM matrix counts, and no group mixes
# kinds or services.  The demo data puts hosts of several kinds in one /24
# (own servers and an own mailing list in 192.0.2.0/24; SendGrid, a forwarder
# and a list elsewhere in 198.51.100.0/24); rules make them differ: one own
# server registered alone (/32), SendGrid registered as a service, a DKIM
# rule that makes part of one host's mail third party.
#
# Starts its own `dmarcscope serve --no-enrich` on a free loopback port.
# Prints PASS/FAIL per check and "N passed, N failed" as the last line.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
T=$(mktemp -d /tmp/dmarcscope-senders.XXXXXX)
DB="$T/t.db"
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"
P=0 F=0
pass() { P=$((P + 1)); echo "PASS $1"; }
fail() { F=$((F + 1)); echo "FAIL $1"; }

python3 tests/web/gen_reports.py "$T/demo" >/dev/null
"$BIN" --db "$DB" -q ingest "$T/demo" >/dev/null 2>"$T/err" || { fail "ingest: $(head -c 300 "$T/err")"; }
D=example.co.jp
"$BIN" --db "$DB" -q senders add --domain $D --internal --cidr 192.0.2.10/32 >/dev/null &&
"$BIN" --db "$DB" -q senders add --domain $D --third-party --service "Twilio SendGrid" >/dev/null &&
"$BIN" --db "$DB" -q senders add --domain $D --third-party --dkim lists.example.org >/dev/null ||
    fail "senders add"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
PID=$!
for i in $(seq 50); do
	curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break
	sleep 0.1
done

# check RANGE LABEL: the totals for one period
check() {
	if ! curl -sf "http://127.0.0.1:$PORT/api/v1/senders?domain=$D&$1" >"$T/s.json"; then
		fail "$2: GET /api/v1/senders"
		return
	fi
	python3 - "$T/s.json" "$2" <<'EOF' >"$T/r.txt"
import json, sys
d = json.load(open(sys.argv[1]))
label = sys.argv[2]
out = []
def check(cond, name):
    out.append(("PASS " if cond else "FAIL ") + label + ": " + name)
m = d["matrix"]
total = 0
for name, kind in (("internal", 1), ("third_party", 2), ("unauthorized", 0)):
    groups = [g for g in d["groups"] if g["sender_kind"] == kind]
    listed = sum(g["messages"] for g in groups)
    ips = sum(ip["messages"] for g in groups for ip in g["ips"])
    total += listed
    check(listed == m[name]["messages"] and listed == ips,
          "%s: the list (%d) and the matrix (%d) add up to the same total" % (name, listed, m[name]["messages"]))
    mixed = [g["prefix"] for g in groups if len({(ip["sender_kind"], ip.get("service")) for ip in g["ips"]}) > 1
             or any(ip["sender_kind"] != g["sender_kind"] or ip.get("service") != g.get("service") for ip in g["ips"])]
    check(not mixed, "%s: no group mixes kinds or services %s" % (name, mixed))
check(total == m["all"]["messages"], "the three tabs add up to all (%d = %d)" % (total, m["all"]["messages"]))
check(len({g["sender_kind"] for g in d["groups"] if g["prefix"] == "192.0.2.0/24"}) >= 2,
      "192.0.2.0/24 is split by kind")
check(len({g.get("service") for g in d["groups"] if g["prefix"] == "198.51.100.0/24"}) >= 2,
      "198.51.100.0/24 is split by service")
print("\n".join(out))
EOF
	cat "$T/r.txt"
	P=$((P + $(grep -c '^PASS' "$T/r.txt")))
	F=$((F + $(grep -c '^FAIL' "$T/r.txt")))
}
check "since=2026-11-01&until=2026-11-30" "November"
check "since=2026-11-10&until=2026-11-12" "three days"

[ "$F" -ne 0 ] && tail -5 "$T/serve.log"
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
