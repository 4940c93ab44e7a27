#!/bin/sh
# run.sh [BINARY] - the DNS record checks (`dmarcscope check`, issue 18)
# against a real unbound on loopback (tests/servers/start.sh) serving the
# zones of tests/dnscheck/cases/*/zone.conf, and an HTTPS server on loopback
# (https.py, a self-signed certificate made here and trusted with --ca-file)
# serving the MTA-STS policies of tests/dnscheck/policies/.
#
# Each case directory holds zone.conf (unbound local-data), args (the domain
# on the first line, then check's options, one per line) and expect.json
# (the findings as "severity code name | arg", sorted).  UPDATE=1 writes
# expect.json from the output instead of comparing (then read the diff).
# Then: exit statuses, a resolver that fails (SERVFAIL) and one that never
# answers (the deadline), and the change tracking (--save against the
# zones, then against change.conf: history rows and the alert with its diff).
# Prints ok/FAIL lines and "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-dnscheck.XXXXXX)
P=0 F=0
ok() { P=$((P + 1)); echo "ok   $1"; }
ko() { F=$((F + 1)); echo "FAIL $1"; }
cleanup() {
	sh tests/servers/stop.sh "$T/srv" >/dev/null 2>&1
	sh tests/servers/stop.sh "$T/srv2" >/dev/null 2>&1
	[ -s "$T/https.pid" ] && kill "$(cat "$T/https.pid")" 2>/dev/null
	[ -d "$T/pg" ] && sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP PIPE
export DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1
D=tests/dnscheck
zones() {	# the zones, with case 01 replaced by $1 when given
	printf 'local-zone: "test." static\nlocal-zone: "example." static\n'
	for z in $D/cases/*/zone.conf; do
		if [ -n "${1:-}" ] && [ "$z" = "$D/cases/01-all-good/zone.conf" ]; then
			cat "$1"
		else
			cat "$z"
		fi
	done
}
zones > "$T/dns.conf"
zones $D/change.conf > "$T/dns2.conf"
for s in srv:dns.conf srv2:dns2.conf; do
	if ! ENRICH_DNS_CONF=$T/${s#*:} ENRICH_NO_MMDB=1 sh tests/servers/start.sh "$T/${s%%:*}" \
	    >"$T/start.log" 2>&1; then
		cat "$T/start.log"
		ko "loopback DNS server started"
		echo "$P passed, $F failed"
		exit 1
	fi
done
DNS2=$(sed -n 's/^DNS=//p' "$T/srv2/env")
. "$T/srv/env"

# --- the MTA-STS policy host: HTTPS with a certificate made now
SANS="DNS:mta-sts.good.test,DNS:mta-sts.sts-test.test,DNS:mta-sts.sts-bad.test,DNS:mta-sts.sts-big.test,DNS:mta-sts.sts-policy.test,DNS:mta-sts.stsnone.test"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj /CN=dmarcscope-dnscheck-test -addext "subjectAltName=$SANS" >/dev/null 2>&1 ||
    ko "test certificate made"
HPORT=$(python3 tests/servers/freeports.py 1)
python3 $D/https.py "$HPORT" "$T/cert.pem" "$T/key.pem" $D/policies "$T/https.pid" \
    >"$T/https.log" 2>&1 &
i=0
while [ ! -s "$T/https.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$T/https.pid" ] || ko "https.py started: $(cat "$T/https.log")"

run_check() {	# dir [extra options]: check --json of a case into $T/out.json; $? of check
	dir=$1
	shift
	dom=$(head -n 1 "$dir/args")
	# shellcheck disable=SC2046
	"$BIN" --db "$T/db" check "$dom" --json --resolver "$DNS" --ca-file "$T/cert.pem" \
	    --https-port "$HPORT" $(tail -n +2 "$dir/args") "$@" >"$T/out.json" 2>"$T/err"
}
norm() {	# findings JSON on stdin -> sorted lines
	python3 -c '
import json, sys
r = json.load(sys.stdin)
for l in sorted("%s %s %s | %s" % (f["severity"], f["code"], f["name"], f["arg"]) for f in r["findings"]):
    print(l)'
}

# --- the data-driven cases
for dir in $D/cases/*/; do
	dir=${dir%/}
	name=${dir##*/}
	run_check "$dir"
	rc=$?
	if [ $rc -gt 1 ]; then
		ko "$name: check exited $rc: $(cat "$T/err")"
		continue
	fi
	norm < "$T/out.json" > "$T/got" 2>"$T/err" || { ko "$name: bad JSON: $(cat "$T/err")"; continue; }
	if [ "${UPDATE:-0}" = 1 ]; then
		python3 -c 'import json,sys; print(json.dumps([l.rstrip("\n") for l in open(sys.argv[1])], indent=1, ensure_ascii=False))' \
		    "$T/got" > "$dir/expect.json"
		ok "$name: expect.json written"
		continue
	fi
	python3 -c 'import json,sys; [print(l) for l in json.load(open(sys.argv[1]))]' "$dir/expect.json" \
	    > "$T/want"
	if cmp -s "$T/want" "$T/got"; then
		ok "$name ($(wc -l < "$T/got") findings)"
	else
		ko "$name: findings differ"
		diff "$T/want" "$T/got" | sed 's/^/     /'
	fi
done

# --- every finding's text is one line in both languages, and every code has a case
python3 - "$D/cases" <<'PY' && ok "every error/warning code is covered by a case" || ko "codes without a case"
import glob, json, re, sys
seen = set()
for f in glob.glob(sys.argv[1] + "/*/expect.json"):
    for l in json.load(open(f)):
        seen.add(l.split()[1])
src = open("src/dnscheck/findings.c", encoding="utf-8").read()
codes = re.findall(r'\{ "([a-z]+\.[a-z_]+)", DC_(ERROR|WARN|INFO)', src)
missing = [c for c, s in codes if s != "INFO" and c not in seen and c not in ("dns.tempfail", "dns.cap")]
if missing:
    print("     not covered:", " ".join(missing))
    sys.exit(1)
PY

# --- exit status
run_check $D/cases/01-all-good
[ $? = 0 ] && ok "exit 0 without an error" || ko "all-good exit status"
run_check $D/cases/10-spf-over-limit
[ $? = 1 ] && ok "exit 1 with an error" || ko "over-limit exit status"
"$BIN" check 'bad domain!' --resolver "$DNS" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "not a domain" "$T/err" && ok "a bad domain is a usage error" || ko "bad domain"
"$BIN" check good.test --resolver "$DNS" --no-https --selector s2048 --lang ja >"$T/ja.txt" 2>&1
grep -q "DMARC レコード" "$T/ja.txt" && grep -q "RFC 9989 §4.8" "$T/ja.txt" &&
    ok "text output in Japanese with RFC sections" || ko "ja text: $(head -3 "$T/ja.txt")"

# --- a failing resolver: findings say so, nothing is called missing
"$BIN" check good.test --json --resolver "$SERVFAIL" --no-https >"$T/sf.json" 2>"$T/err"
norm < "$T/sf.json" > "$T/sf.txt"
grep -q "dns.tempfail" "$T/sf.txt" && ! grep -q "dmarc.none\|spf.none" "$T/sf.txt" &&
    ok "SERVFAIL: dns.tempfail, no record called missing" || ko "servfail: $(cat "$T/sf.txt")"
start=$(date +%s)
"$BIN" check good.test --json --resolver "$BLACKHOLE" --timeout 200 --deadline 1500 --no-https \
    >"$T/bh.json" 2>"$T/err"
took=$(( $(date +%s) - start ))
norm < "$T/bh.json" | grep -q "dns.cap" && [ $took -le 5 ] &&
    ok "a resolver that never answers: stopped by the deadline (${took}s)" ||
    ko "blackhole: ${took}s $(norm < "$T/bh.json" | head -3)"

# --- change tracking (--save): baseline, unchanged, changed (alert with the diff).
# The DKIM selector comes from an aggregate report of good.test (no --selector).
now=$(date +%s)
cat > "$T/report.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>receiver.example</org_name><email>r@receiver.example</email>
    <report_id>dnscheck-1</report_id><date_range><begin>$((now - 86400))</begin><end>$now</end></date_range></report_metadata>
  <policy_published><domain>good.test</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p></policy_published>
  <record>
    <row><source_ip>192.0.2.1</source_ip><count>5</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>good.test</header_from></identifiers>
    <auth_results><dkim><domain>good.test</domain><selector>s2048</selector><result>pass</result></dkim>
      <spf><domain>good.test</domain><scope>mfrom</scope><result>pass</result></spf></auth_results>
  </record>
</feedback>
XML
"$BIN" --db "$T/db" -q ingest "$T/report.xml" >/dev/null 2>&1 || ko "report ingested"
save() {	# resolver
	"$BIN" --db "$T/db" check good.test --save --resolver "$1" --ca-file "$T/cert.pem" \
	    --https-port "$HPORT" 2>&1 | grep "record change"
}
"$BIN" --db "$T/db" check good.test --json --resolver "$DNS" --no-https | norm > "$T/sel.txt"
grep -q "dkim.ok s2048._domainkey.good.test" "$T/sel.txt" &&
    ok "the DKIM selector seen in the reports is looked up" || ko "selector from reports: $(cat "$T/sel.txt")"

[ "$(save "$DNS")" = "0 record changes recorded" ] && ok "first --save: the baseline" ||
    ko "baseline: $(save "$DNS")"
[ "$(save "$DNS")" = "0 record changes recorded" ] && ok "same records: no change" || ko "unchanged"
out=$(save "$DNS2")
[ "$out" = "3 record changes recorded" ] && ok "changed zone: 3 changes (DMARC, SPF, BIMI gone)" ||
    ko "changes: $out"
n=$(sqlite3 "$T/db" "SELECT count(*) FROM dns_records WHERE policy_domain='good.test' AND gone_at IS NOT NULL")
[ "$n" = 3 ] && ok "history: 3 rows closed" || ko "history rows closed: $n"
sqlite3 "$T/db" "SELECT numbers FROM alerts WHERE rule='dns_record_changed'" > "$T/alert.json"
python3 - "$T/alert.json" <<'PY' && ok "alert dns_record_changed with the diff" || ko "alert: $(cat "$T/alert.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) == 1, rows
ch = {c["kind"]: c for c in rows[0]["changes"]}
assert ch["dmarc"]["before"].endswith("p=reject; rua=mailto:dmarc@good.test") and "p=quarantine" in ch["dmarc"]["after"], ch
assert "192.0.2.2" in ch["spf"]["after"] and "192.0.2.2" not in ch["spf"]["before"], ch
assert ch["bimi"]["after"] is None, ch
PY
[ "$(save "$DNS2")" = "0 record changes recorded" ] && ok "no second alert for the same records" ||
    ko "second run after the change"
n=$(sqlite3 "$T/db" "SELECT count(*) FROM alerts WHERE rule='dns_record_changed'")
[ "$n" = 1 ] && ok "one alert" || ko "alerts: $n"
"$BIN" --db "$T/db" check good.test --save --resolver "$SERVFAIL" --no-https >/dev/null 2>&1
n=$(sqlite3 "$T/db" "SELECT count(*) FROM dns_records WHERE policy_domain='good.test' AND gone_at IS NOT NULL")
[ "$n" = 3 ] && ok "a failed lookup marks nothing gone" || ko "servfail closed rows: $n"
[ "$(save "$DNS2")" = "0 record changes recorded" ] && ok "the next good run after it: no change" ||
    ko "after servfail"

# --- the daemon's daily child: serve --config with [dnscheck]
P3=$(python3 tests/servers/freeports.py 1)
cp "$T/db" "$T/d.db"
sqlite3 "$T/d.db" "DELETE FROM dns_checks; DELETE FROM dns_records"
printf '[general]\ndb = %s\n[daemon]\nalerts = no\n[retention]\nauto = no\n[dnscheck]\nresolver = %s\ntimeout = 500\n' \
    "$T/d.db" "$DNS" >"$T/d.conf"
"$BIN" --config "$T/d.conf" config check >"$T/cc.out" 2>&1 && ok "config check knows [dnscheck]" ||
    ko "config check: $(cat "$T/cc.out")"
printf '[dnscheck]\nauto = maybe\nresolvr = x\n' > "$T/bad.conf"
"$BIN" --config "$T/bad.conf" config check >"$T/cc.out" 2>&1
grep -q "resolvr: unknown key" "$T/cc.out" && grep -q "auto = maybe" "$T/cc.out" &&
    ok "config check: a bad [dnscheck]" || ko "bad [dnscheck]: $(cat "$T/cc.out")"
DMARCSCOPE_DNSCHECK_DELAY=0 "$BIN" serve --config "$T/d.conf" --no-enrich --listen "127.0.0.1:$P3" \
    >"$T/daemon.out" 2>&1 &
DPID=$!
n=0
for _ in $(seq 150); do
	n=$(sqlite3 "$T/d.db" "SELECT count(*) FROM dns_checks WHERE policy_domain = 'good.test'" 2>/dev/null)
	[ "$n" = 1 ] && break
	sleep 0.1
done
kill "$DPID"; wait "$DPID" 2>/dev/null
[ "$n" = 1 ] && grep -q "dnscheck: 1 domain checked" "$T/daemon.out" &&
    ok "serve --config: the dnscheck child checked the report's domain" ||
    ko "daemon: $n $(tail -5 "$T/daemon.out")"

# --- the same history on PostgreSQL (store_pg_dnscheck.c), when it is installed
if [ -x "${PGBIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
	chmod 755 "$T"		# pg.sh hands $T/pg to the postgres user
	PGDSN=$(sh tests/servers/pg.sh start "$T/pg" 2>"$T/pg.err")
	[ -n "$PGDSN" ] || { ko "PostgreSQL started: $(tail -3 "$T/pg.err")"; PGDSN=postgresql://none@127.0.0.1:1/x; }
	pgsave() {	# resolver selector
		"$BIN" --db "$PGDSN" check good.test --save --resolver "$1" --no-https --selector "$2" 2>&1 |
		    grep "record change"
	}
	a=$(pgsave "$DNS" s2048)
	b=$(pgsave "$DNS" s2048)
	c=$(pgsave "$DNS" other)
	d=$(pgsave "$DNS2" s2048)
	[ "$a $b" = "0 record changes recorded 0 record changes recorded" ] &&
	    ok "PostgreSQL: baseline, then no change" || ko "pg: $a / $b"
	[ "$c" = "0 record changes recorded" ] &&
	    ok "PostgreSQL: a selector no longer in the reports is not a change" || ko "pg selector: $c"
	[ "$d" = "3 record changes recorded" ] && ok "PostgreSQL: the changed zone (DMARC, SPF, BIMI gone)" ||
	    ko "pg changes: $d $(psql "$PGDSN" -Atc "select id,kind,gone_at,last_seen from dns_records" 2>&1 | tr "\n" " ")"
	sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
else
	echo "skip PostgreSQL (not installed)"
fi

# --- the API and the screen (ja, en) on the portal over the same database;
# dkim.test saved too (errors and warnings on the screen)
run_check $D/cases/20-dkim-keys --save >/dev/null
PORT=$(python3 tests/servers/freeports.py 1)
"$BIN" --db "$T/db" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
SPID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
done
API="http://127.0.0.1:$PORT/api/v1"
curl -s "$API/check?domain=good.test" > "$T/api.json"
python3 - "$T/api.json" <<'PY' && ok "GET /check: the stored result and the history" || ko "api: $(head -c 300 "$T/api.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["checked"] is True and d["domain"] == "good.test", d.keys()
codes = {f["code"] for f in d["result"]["findings"]}
assert "dmarc.p_quarantine" in codes and "dkim.ok" in codes, codes
f = [f for f in d["result"]["findings"] if f["code"] == "dmarc.p_quarantine"][0]
assert f["rfc"] and f["text"]["ja"] and f["text"]["en"] and f["severity"] == "info", f
gone = [h for h in d["history"] if h["gone_at"]]
assert len(gone) == 3 and {h["kind"] for h in gone} == {"dmarc", "spf", "bimi"}, gone
PY
code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$API/check?domain=Bad%20Domain")
[ "$code" = 400 ] && ok "GET /check with a bad domain: 400" || ko "bad domain: $code"
curl -s "$API/check?domain=never.test" | grep -q '"checked": *false' &&
    ok "a domain never checked: checked false" || ko "never checked"
if [ -d node_modules/playwright-core ] && [ -x /usr/bin/chromium ]; then
	node $D/check.mjs "http://127.0.0.1:$PORT" ${SHOTS:+--shots "$SHOTS"} >"$T/web.log" 2>&1
	set -- $(tail -n 1 "$T/web.log")
	P=$((P + ${1:-0})) F=$((F + ${3:-1}))
	grep "^FAIL" "$T/web.log" | sed 's/^/     /'
	echo "ok   browser: ${1:-0} checks passed (ja, en)"
else
	echo "skip browser test (no playwright-core or chromium)"
fi
kill $SPID 2>/dev/null
wait $SPID 2>/dev/null
echo "$P passed, $F failed"
[ "$F" = 0 ]
