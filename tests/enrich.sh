#!/bin/sh
# enrich.sh [BINARY] - `dmarcscope enrich` end to end against real servers on
# loopback (tests/servers/start.sh: unbound, rbldnsd, a SERVFAIL server, a
# black hole and a canned RDAP server; mmdb fixtures built by Perl), stopped
# on exit.  Checks every cache state (ok, nxdomain, servfail, timeout, and a
# timeout after an answer), the values, the TTLs, the retry of temporary
# failures, RDAP reuse per network, the reanalysis queue, --offline, the
# exports' columns, --host, --config and the command's errors.
# Prints "N passed, N failed" last; exit status 1 when anything failed.
set -u
BIN=${1:-build/dmarcscope}
cd "$(dirname "$0")/.."
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
T=$(mktemp -d /tmp/enrich-test.XXXXXX)
SRV=$T/srv
trap 'sh tests/servers/stop.sh "$SRV"; rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {	# name expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got '$3', wanted '$2'"; fi
}
expect_rc() {	# name expected-rc command...
	name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		ko "$name: exit $got, wanted $want: $(head -c 300 "$T/err")"; fi
}
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$1" "$2"; }
DB=$T/t.db
q() { sqlite3 "$DB" "$1"; }

export DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1
export DMARCSCOPE_SERVICES=$(pwd)/tests/fixtures/enrich/services.csv
if ! sh tests/servers/start.sh "$SRV" >"$T/start.log" 2>&1; then
	cat "$T/start.log"
	echo "0 passed, 1 failed (the test servers did not start)"
	exit 1
fi
. "$SRV/env"

report() {	# domain report-id ip...
	dom=$1 rid=$2; shift 2
	printf '<?xml version="1.0"?><feedback><report_metadata><org_name>r.example</org_name>'
	printf '<email>a@r.example</email><report_id>%s</report_id><date_range><begin>1700000000' "$rid"
	printf '</begin><end>1700086399</end></date_range></report_metadata><policy_published>'
	printf '<domain>%s</domain><p>none</p></policy_published>\n' "$dom"
	for ip in "$@"; do
		printf '<record><row><source_ip>%s</source_ip><count>2</count><policy_evaluated>' "$ip"
		printf '<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated>'
		printf '</row><identifiers><header_from>%s</header_from></identifiers><auth_results>' "$dom"
		printf '<spf><domain>%s</domain><result>pass</result></spf></auth_results></record>\n' "$dom"
	done
	printf '</feedback>\n'
}
IPS="192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 198.51.100.7 203.0.113.9 2001:db8::25 2001:db8::26"
# shellcheck disable=SC2086
report example.com rid-1 $IPS > "$T/r1.xml"
report example.org rid-2 192.0.2.1 > "$T/r2.xml"
D="$BIN --db $DB"
COMMON="--dnsbl rbl.test,zen.spamhaus.org --mmdb $MMDB/country.mmdb --mmdb $MMDB/geoip2.mmdb --rdap-bootstrap $BOOTSTRAP --timeout 200"

# --- the command's errors
expect_rc "enrich --help exits 0" 0 $D enrich --help
grep -q "usage: dmarcscope enrich" "$T/out" && ok "--help shows usage" || ko "--help shows usage"
grep -q "DB-IP" "$T/out" && ok "--help carries the DB-IP attribution" || ko "--help attribution"
expect_rc "unknown option is a usage error" 2 $D enrich --frobnicate
expect_rc "--concurrency 0 is a usage error" 2 $D enrich --concurrency 0
expect_rc "a bad DNSBL zone is a usage error" 2 $D enrich --dnsbl 'bad zone;x'
expect_rc "an unknown --skip kind is a usage error" 2 $D enrich --skip whois
expect_rc "a stray argument is a usage error" 2 $D enrich extra
expect_rc "a DNS server off loopback is refused here" 2 $D enrich --dns 192.0.2.53
grep -q loopback "$T/err" && ok "... saying why" || ko "... saying why: $(cat "$T/err")"
expect_rc "a missing mmdb is an error" 2 $D enrich --dns "$DNS" --mmdb /nonexistent.mmdb
expect_rc "a missing config file is an error" 2 $BIN --db "$DB" --config /nonexistent.ini enrich

# --- ingest does not wait on DNS or touch the cache
expect_rc "ingest" 0 $D ingest --no-progress "$T/r1.xml" "$T/r2.xml"
check "ingest leaves the hosts table alone" 0 "$(q 'SELECT count(*) FROM hosts')"
q "DELETE FROM analysis_pending"

# --- 1. a server that never answers: every DNS lookup a temporary failure
expect_rc "enrich against a black hole" 0 $D enrich --dns "$BLACKHOLE" $COMMON --json
cp "$T/out" "$T/s1.json"
check "9 hosts queued from records" 9 "$(jget "$T/s1.json" "['queued']")"
check "all 9 PTR lookups temporary" 9 "$(jget "$T/s1.json" "['ptr']['temporary']")"
check "timeouts counted" True "$(jget "$T/s1.json" "['dns_timeouts'] > 0")"
check "timeout: state" "9|9" "$(q "SELECT count(*), sum(ptr_state = 'timeout') FROM hosts")"
check "timeout: never cached as no PTR (ptr and fcrdns NULL)" 9 \
    "$(q 'SELECT count(*) FROM hosts WHERE ptr IS NULL AND fcrdns IS NULL')"
check "timeout: due again at once (expires = lookup time)" 9 \
    "$(q 'SELECT count(*) FROM hosts WHERE ptr_expires = ptr_at')"
check "timeout: DNSBL rows temporary" "18|18" \
    "$(q "SELECT count(*), sum(state = 'timeout') FROM host_dnsbl")"
check "timeout: AS (Team Cymru) temporary" 9 "$(q "SELECT count(*) FROM hosts WHERE asn_state = 'timeout' AND asn IS NULL")"
check "mmdb still answered (offline data)" 9 "$(q "SELECT count(*) FROM hosts WHERE geo_state = 'ok'")"
check "nothing changed, nothing queued for reanalysis" 0 "$(q 'SELECT count(*) FROM analysis_pending')"

# --- 2. the real server: every lookup retried and answered
rc_m() { q "SELECT coalesce(sum(value), 0) FROM service_metrics WHERE name = 'dmarcscope_enrich_cache_requests_total' AND v2 = '$1'" | cut -d. -f1; }
H0=$(rc_m hit) M0=$(rc_m miss)
expect_rc "enrich against unbound" 0 $D enrich --dns "$DNS" $COMMON --json
cp "$T/out" "$T/s2.json"
check "/metrics: the run's RDAP cache hits and misses counted (issue 16)" \
    "$(jget "$T/s2.json" "['rdap_reused']"):$(jget "$T/s2.json" "['rdap_fetches']")" \
    "$(($(rc_m hit) - H0)):$(($(rc_m miss) - M0))"
check "9 hosts looked up again" 9 "$(jget "$T/s2.json" "['hosts']")"
row() { q "SELECT coalesce(ptr,'-'), coalesce(fcrdns,'-'), ptr_state, coalesce(base_domain,'-'), coalesce(country,'-'), coalesce(asn,'-'), coalesce(service,'-'), coalesce(service_type,'-') FROM hosts WHERE ip = '$1'"; }
check "192.0.2.1: confirmed PTR, ESP by PTR" "mta1.mail.example.net|1|ok|example.net|JP|64496|Example ESP|marketing" "$(row 192.0.2.1)"
check "192.0.2.2: PTR not confirmed, no service" "mail.example.org|0|ok|example.org|JP|64496|-|-" "$(row 192.0.2.2)"
check "192.0.2.3: NXDOMAIN" "-|0|nxdomain|-|JP|64496|-|-" "$(row 192.0.2.3)"
check "192.0.2.4: the confirming name of two" "b.example.com|1|ok|example.com|JP|64496|Example Mail|email_provider" "$(row 192.0.2.4)"
check "192.0.2.4: both names kept" 1 "$(q "SELECT ptr_names LIKE '%a.example.com%' AND ptr_names LIKE '%b.example.com%' FROM hosts WHERE ip = '192.0.2.4'")"
check "192.0.2.5: name without an address" "nofwd.example.com|0|ok|example.com|JP|64496|-|-" "$(row 192.0.2.5)"
check "198.51.100.7: SERVFAIL, GeoIP2 country" "-|-|servfail|-|DE|-|-|-" "$(row 198.51.100.7)"
check "203.0.113.9: service by AS, registered_country" "host9.example.org|1|ok|example.org|FR|64498|Example Three Hosting|hosting" "$(row 203.0.113.9)"
check "2001:db8::25: IPv6 nibble PTR, AAAA confirms" "mail6.example.com|1|ok|example.com|NL|64497|Example Mail|email_provider" "$(row 2001:db8::25)"
check "2001:db8::26: IPv6 NXDOMAIN" "-|0|nxdomain|-|NL|64497|-|-" "$(row 2001:db8::26)"
check "positive TTL 24 h" 1 "$(q "SELECT ptr_expires - ptr_at FROM hosts WHERE ip = '192.0.2.1'" | grep -c '^86400$')"
check "negative TTL 1 h" 3600 "$(q "SELECT ptr_expires - ptr_at FROM hosts WHERE ip = '192.0.2.3'")"
check "SERVFAIL is temporary: due at once" 0 "$(q "SELECT ptr_expires - ptr_at FROM hosts WHERE ip = '198.51.100.7'")"
check "AS name from Team Cymru" "EXAMPLE-NET - Example Networks Inc.|cymru" "$(q "SELECT as_name, asn_source FROM hosts WHERE ip = '192.0.2.1'")"
check "no origin data: AS none (negative)" "none" "$(q "SELECT asn_state FROM hosts WHERE ip = '198.51.100.7'")"
bl() { q "SELECT state, coalesce(codes,'-'), coalesce(meaning,'-'), coalesce(txt,'-'), expires_at - checked_at FROM host_dnsbl WHERE ip = '$1' AND zone = '$2'"; }
check "DNSBL 127.0.0.2 with its TXT" "listed|127.0.0.2|-|Listed in test DNSBL, see http://bl.test/?ip=192.0.2.1|86400" "$(bl 192.0.2.1 rbl.test)"
check "DNSBL 127.0.0.4 with its TXT" "listed|127.0.0.4|-|Spam source 192.0.2.2|86400" "$(bl 192.0.2.2 rbl.test)"
check "DNSBL not listed: negative TTL" "not_listed|-|-|-|3600" "$(bl 192.0.2.3 rbl.test)"
check "DNSBL codes decoded for a known zone" "listed|127.0.0.4 127.0.0.10|XBL: exploited host (CBL); PBL: end-user range (ISP policy)" \
    "$(q "SELECT state, codes, meaning FROM host_dnsbl WHERE ip = '192.0.2.2' AND zone = 'zen.spamhaus.org'")"
check "a list's error code is no listing" "error|127.255.255.254|Spamhaus error: query through a public resolver refused|-|0" "$(bl 192.0.2.5 zen.spamhaus.org)"
check "IPv6 DNSBL listing" listed "$(q "SELECT state FROM host_dnsbl WHERE ip = '2001:db8::25' AND zone = 'rbl.test'")"
check "dnsbl_listed per host" "0|2|1" "$(q "SELECT group_concat(dnsbl_listed, '|') FROM (SELECT dnsbl_listed FROM hosts WHERE ip IN ('192.0.2.2','192.0.2.3','192.0.2.1') ORDER BY ip DESC)")"
check "RDAP: network, org, abuse contact" "EXAMPLE-NET|Example Networks Inc.|JP|abuse@example.net|192.0.2.0|192.0.2.255" \
    "$(q "SELECT n.name, n.org, n.country, n.abuse_email, n.start_addr, n.end_addr FROM hosts h JOIN rdap_networks n ON n.id = h.rdap_net WHERE h.ip = '192.0.2.4'")"
check "RDAP: one fetch for the five 192.0.2.x hosts" 1 "$(grep -c '^/rdap/ip/192\.0\.2\.' "$RDAP_LOG")"
check "RDAP: every 192.0.2.x host has the network" 5 "$(q "SELECT count(*) FROM hosts WHERE ip LIKE '192.0.2.%' AND rdap_state = 'ok' AND rdap_net IS NOT NULL")"
check "RDAP: redirect followed for IPv6" "EXAMPLE6-NET|abuse@example6.net" "$(q "SELECT n.name, n.abuse_email FROM hosts h JOIN rdap_networks n ON n.id = h.rdap_net WHERE h.ip = '2001:db8::26'")"
check "RDAP: 404 is notfound (negative TTL)" "notfound|3600" "$(q "SELECT rdap_state, rdap_expires - rdap_at FROM hosts WHERE ip = '198.51.100.7'")"
check "RDAP: HTTP 500 is temporary" "error|0" "$(q "SELECT rdap_state, rdap_expires - rdap_at FROM hosts WHERE ip = '203.0.113.9'")"
check "changed hosts queue their domains for reanalysis" "example.com example.org" "$(q "SELECT group_concat(policy_domain, ' ') FROM (SELECT policy_domain FROM analysis_pending ORDER BY 1)")"
check "summary: ok / negative / temporary PTRs" "6 2 1" "$(jget "$T/s2.json" "['ptr']['ok']") $(jget "$T/s2.json" "['ptr']['negative']") $(jget "$T/s2.json" "['ptr']['temporary']")"
check "summary: listed hosts" 4 "$(jget "$T/s2.json" "['listed_hosts']")"
check "summary: at most 200 queries in flight" True "$(jget "$T/s2.json" "['dns_peak_in_flight'] <= 200")"

# --- 3. run again: only the temporary failures are due
q "DELETE FROM analysis_pending"
expect_rc "enrich again" 0 $D enrich --dns "$DNS" $COMMON --json
cp "$T/out" "$T/s3.json"
check "only the 3 hosts with a temporary state are due" 3 "$(jget "$T/s3.json" "['hosts']")"
check "no new fetch for cached networks" 1 "$(grep -c '^/rdap/ip/192\.0\.2\.' "$RDAP_LOG")"
check "nothing changed: nothing queued" 0 "$(q 'SELECT count(*) FROM analysis_pending')"

# --- 4. a timeout after an answer keeps the answer
at=$(q "SELECT ptr_at FROM hosts WHERE ip = '192.0.2.1'")
sleep 1
expect_rc "enrich --refresh against the black hole" 0 $D enrich --refresh --dns "$BLACKHOLE" $COMMON --skip rdap --json
check "the answer stays (state ok, name, fcrdns)" "ok|mta1.mail.example.net|1" "$(q "SELECT ptr_state, ptr, fcrdns FROM hosts WHERE ip = '192.0.2.1'")"
check "... with its lookup time" "$at" "$(q "SELECT ptr_at FROM hosts WHERE ip = '192.0.2.1'")"
check "... and is due again" 1 "$(q "SELECT ptr_expires > ptr_at AND ptr_expires <= strftime('%s','now') FROM hosts WHERE ip = '192.0.2.1'")"
check "a NXDOMAIN stays a NXDOMAIN" nxdomain "$(q "SELECT ptr_state FROM hosts WHERE ip = '192.0.2.3'")"
check "a listing stays listed" "listed|127.0.0.2" "$(q "SELECT state, codes FROM host_dnsbl WHERE ip = '192.0.2.1' AND zone = 'rbl.test'")"
check "no host changed" 0 "$(q 'SELECT count(*) FROM analysis_pending')"
expect_rc "enrich (back to normal)" 0 $D enrich --dns "$DNS" $COMMON --skip rdap --json
check "every host answered again" 9 "$(jget "$T/out" "['hosts']")"

# --- 5. expiry: an entry past its TTL is looked up again
q "UPDATE hosts SET ptr_expires = 1 WHERE ip = '192.0.2.4'"
expect_rc "enrich after an expiry" 0 $D enrich --dns "$DNS" $COMMON --json
check "the expired host (and the temporary ones) due" 4 "$(jget "$T/out" "['hosts']")"
check "... and fresh again" 86400 "$(q "SELECT ptr_expires - ptr_at FROM hosts WHERE ip = '192.0.2.4'")"

# --- 6. new records: only their new address
report example.net rid-3 192.0.2.1 192.0.2.40 > "$T/r3.xml"
expect_rc "ingest one more report" 0 $D ingest --no-progress "$T/r3.xml"
check "ingest still leaves the cache alone" 9 "$(q 'SELECT count(*) FROM hosts')"
expect_rc "enrich the new address" 0 $D enrich --dns "$DNS" $COMMON --skip rdap --json
check "one new host queued" 1 "$(jget "$T/out" "['queued']")"
check "192.0.2.40: NXDOMAIN" nxdomain "$(q "SELECT ptr_state FROM hosts WHERE ip = '192.0.2.40'")"

# --- 7. --offline: no network at all, mmdb and service map only
q "DELETE FROM analysis_pending"
expect_rc "enrich --offline --refresh" 0 $D enrich --offline --refresh --dns "$BLACKHOLE" --asn-mmdb "$MMDB/asn.mmdb" --mmdb "$MMDB/country.mmdb" --mmdb "$MMDB/geoip2.mmdb" --json
check "offline: no DNS query" 0 "$(jget "$T/out" "['dns_queries']")"
check "offline: no RDAP fetch" 0 "$(jget "$T/out" "['rdap_fetches']")"
check "offline: AS from the ASN database" "64511|ASN-FIXTURE Example Transit|asn.mmdb" "$(q "SELECT asn, as_name, asn_source FROM hosts WHERE ip = '203.0.113.9'")"
check "offline: service follows the AS (none now)" "-" "$(q "SELECT coalesce(service,'-') FROM hosts WHERE ip = '203.0.113.9'")"
check "offline: that change queues its domain" example.com "$(q 'SELECT group_concat(policy_domain) FROM analysis_pending')"
check "offline: PTR data kept" "host9.example.org|ok" "$(q "SELECT ptr, ptr_state FROM hosts WHERE ip = '203.0.113.9'")"
check "offline: AS of the others not known offline kept" "64496|cymru" "$(q "SELECT asn, asn_source FROM hosts WHERE ip = '192.0.2.1'")"

# --- 8. the exports' columns
expect_rc "export csv" 0 $D export --format csv --domain example.com
check "csv: reverse DNS and country" "192.0.2.1,mta1.mail.example.net,JP" "$(grep '^[^,]*,example.com,192.0.2.1,' "$T/out" | awk -F, '{print $3","$4","$13}')"
check "csv: unknown PTR empty, country kept" "198.51.100.7,,DE" "$(grep ',198.51.100.7,' "$T/out" | awk -F, '{print $3","$4","$13}')"
check "csv: IPv6" "2001:db8::25,mail6.example.com,NL" "$(grep ',2001:db8::25,' "$T/out" | awk -F, '{print $3","$4","$13}')"
expect_rc "export parsedmarc-csv" 0 $D export --format parsedmarc-csv --domain example.com
check "parsedmarc-csv: country, reverse DNS, base domain" "JP,b.example.com,example.com" "$(grep ',192.0.2.4,' "$T/out" | awk -F, '{print $17","$18","$19}')"
expect_rc "export parsedmarc-json" 0 $D export --format parsedmarc-json --domain example.com
check "parsedmarc-json: source" "{'ip_address': '192.0.2.2', 'country': 'JP', 'reverse_dns': 'mail.example.org', 'base_domain': 'example.org'}" "$(jget "$T/out" "[0]['records'][1]['source']")"

# --- 9. --host
expect_rc "enrich --host" 0 $D enrich --host 192.0.2.2
check "--host: facts" "mail.example.org False JP 64496" "$(jget "$T/out" "['ptr']") $(jget "$T/out" "['fcrdns']") $(jget "$T/out" "['country']") $(jget "$T/out" "['asn']")"
check "--host: DNSBL listings with codes and TXT" "listed listed ['127.0.0.4'] Spam source 192.0.2.2" "$(jget "$T/out" "['dnsbl'][0]['state']") $(jget "$T/out" "['dnsbl'][1]['state']") $(jget "$T/out" "['dnsbl'][0]['codes']") $(jget "$T/out" "['dnsbl'][0]['txt']")"
check "--host: RDAP" "Example Networks Inc. abuse@example.net" "$(jget "$T/out" "['rdap']['org']") $(jget "$T/out" "['rdap']['abuse_email']")"
check "--host: lookup times" "positive True" "$(jget "$T/out" "['lookups']['ptr']['class']") $(jget "$T/out" "['lookups']['ptr']['at'] > 1700000000")"
expect_rc "--host canonicalises IPv6" 0 $D enrich --host 2001:DB8:0:0::25
expect_rc "--host of an unknown address exits 1" 1 $D enrich --host 192.0.2.99
expect_rc "--host of garbage exits 1" 1 $D enrich --host 'x<y'

# --- 10. configuration file, --limit, the summary line
cat > "$T/dmarcscope.ini" <<EOF
[serve]
listen = 127.0.0.1:8080
[enrich]
dns = $DNS
dnsbl = rbl.test
mmdb = $MMDB/country.mmdb
skip = rdap
ttl_negative = 120
EOF
expect_rc "enrich --config --refresh --limit 2" 0 $BIN --db "$DB" --config "$T/dmarcscope.ini" enrich --refresh --limit 2 --json
check "--limit caps the run" 2 "$(jget "$T/out" "['hosts']")"
expect_rc "the summary line on stderr" 0 $BIN --db "$DB" --config "$T/dmarcscope.ini" enrich --refresh --no-progress
check "the config's negative TTL" 120 "$(q "SELECT ptr_expires - ptr_at FROM hosts WHERE ip = '192.0.2.3'")"
grep -q '^dmarcscope: \|^enrich: [0-9]* hosts in ' "$T/err" && ok "summary line" || ko "summary line: $(cat "$T/err")"
expect_rc "-q: no summary" 0 $BIN -q --db "$DB" --config "$T/dmarcscope.ini" enrich
check "-q prints nothing" "" "$(cat "$T/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
