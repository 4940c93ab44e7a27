#!/bin/sh
# tests/feed/run.sh [BINARY] - the spoofing-host feed (issue 18 part 5) end
# to end: `dmarcscope feed` (CSV, JSON, rbldnsd zone), `feed allow`,
# `takedown`, and the API routes (spoofers, spoofers.csv, spoofers.zone,
# takedown, spoofer-allow) of a real `dmarcscope serve` on loopback, with
# the portal screen in Chromium (tests/web/spoofers.mjs; SHOTS=DIR keeps
# its screenshots).
#
# Data: tests/feed/gen.py (November 2026; what each host is, there).  Real
# servers on loopback only: the generated zone is loaded into rbldnsd and
# queried with dig (127.0.0.2 and the TXT for a spoofer; NXDOMAIN for every
# My Senders host, the allow-listed, the known service and forwarder); the
# RDAP abuse contact comes from the canned RDAP server (tests/servers/
# start.sh, answers in tests/feed/rdap/) through `dmarcscope enrich`.
# Data-driven: the CASES table (feed options -> the listed hosts).
# On PostgreSQL: tests/pg/run.sh runs this file with its wrapper binary.
# Prints "N passed, N failed" last; exit status 1 when anything failed.
set -u
BIN=${1:-build/dmarcscope}
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
T=$(mktemp -d /tmp/feed-test.XXXXXX)
chmod 755 "$T"
SRV=$T/srv
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	[ -f "$T/rbl/pid" ] && kill "$(cat "$T/rbl/pid")" 2>/dev/null
	sh tests/servers/stop.sh "$SRV" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {	# name expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got '$3', wanted '$2'"; fi
}
has() {		# name file text
	if grep -qF -- "$3" "$2"; then ok "$1"; else ko "$1: no '$3' in $(head -c 400 "$2")"; fi
}
hasnt() {	# name file text
	if grep -qF -- "$3" "$2"; then ko "$1: '$3' is there"; else ok "$1"; fi
}
expect_rc() {	# name expected-rc command...
	name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		ko "$name: exit $got, wanted $want: $(head -c 300 "$T/err")"; fi
}
DB=$T/feed.db
D="$BIN --db $DB"
P="--until 2026-11-30"
export DMARCSCOPE_SERVICES=$ROOT/data/services.csv
export DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1

# --- data
python3 tests/feed/gen.py "$T/in" || { echo "0 passed, 1 failed (gen.py)"; exit 1; }
expect_rc "ingest" 0 $D ingest --no-progress "$T/in"
expect_rc "My Senders: example.jp internal 192.0.2.10" 0 $D senders add --domain example.jp --internal --cidr 192.0.2.10
expect_rc "My Senders: example.jp internal 192.0.2.30" 0 $D senders add --domain example.jp --internal --cidr 192.0.2.30
expect_rc "My Senders: example.co.jp third party 192.0.2.16/28" 0 $D senders add --domain example.co.jp --third-party --cidr 192.0.2.16/28

# --- the allow-list from the CLI
expect_rc "feed allow add" 0 $D feed allow add 203.0.113.70/28 --note "our partner"
check "... canonical network" "allow-listed 203.0.113.64/28" "$(cat "$T/out")"
expect_rc "feed allow add: the same again is refused" 1 $D feed allow add 203.0.113.64/28
expect_rc "feed allow add: not a network" 2 $D feed allow add 203.0.113.300
expect_rc "feed allow add: no argument" 2 $D feed allow add
expect_rc "feed allow del: not listed" 1 $D feed allow del 198.51.100.0/24
expect_rc "feed allow list" 0 $D feed allow list --json
check "... one row, with its note" "203.0.113.64/28 our partner" \
    "$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(len(r)==1 and r[0]['cidr'], r[0]['note'])" "$T/out")"
expect_rc "feed: bad format" 2 $D feed --format xml
expect_rc "feed: bad --days" 2 $D feed --days 0
expect_rc "feed: bad --zone-name" 2 $D feed --format rbldnsd --zone-name 'a b'
expect_rc "feed: a stray argument" 2 $D feed extra

# --- the servers: canned RDAP (our answers), unbound and rbldnsd of the enrich fixtures
if ! ENRICH_RDAP_DIR=$ROOT/tests/feed/rdap sh tests/servers/start.sh "$SRV" >"$T/start.log" 2>&1; then
	cat "$T/start.log"
	echo "$pass passed, $((fail + 1)) failed (the test servers did not start)"
	exit 1
fi
. "$SRV/env"
# RDAP only (the abuse contact); then the facts enrichment would have found for
# two hosts: a known forwarder (service column) and a known service (PTR)
expect_rc "enrich: RDAP from the loopback server" 0 $D enrich --dns "$DNS" --skip ptr,dnsbl,geo,asn \
    --rdap-bootstrap "$BOOTSTRAP" --timeout 500 --json
sqlite3 "$DB" "INSERT INTO hosts (ip) VALUES ('203.0.113.80'), ('203.0.113.81') ON CONFLICT DO NOTHING"
sqlite3 "$DB" "UPDATE hosts SET service = 'Example Forwarding', service_type = 'forwarder' WHERE ip = '203.0.113.80'"
sqlite3 "$DB" "UPDATE hosts SET ptr = 'o1.ptr1234.sendgrid.net' WHERE ip = '203.0.113.81'"
sqlite3 "$DB" "UPDATE hosts SET ptr = 'host5.spoof-isp.example', country = 'NL', asn = 64511, as_name = 'SPOOF-AS' WHERE ip = '203.0.113.5'"
check "RDAP: the network and abuse contact of 203.0.113.5 stored with the host" "abuse@spoof-isp.example" \
    "$(sqlite3 "$DB" "SELECT n.abuse_email FROM hosts h JOIN rdap_networks n ON n.id = h.rdap_net WHERE h.ip = '203.0.113.5'")"

# --- data-driven cases: options -> the hosts listed (sorted)
ips() { python3 -c "import json,sys; print(' '.join(sorted(h['ip'] for h in json.load(open(sys.argv[1]))['hosts'])))" "$1"; }
while IFS='|' read -r name opts want; do
	[ -z "$name" ] && continue
	# shellcheck disable=SC2086
	$D feed $P --format json $opts >"$T/case.json" 2>"$T/err" || { ko "case $name: $(cat "$T/err")"; continue; }
	check "case $name" "$want" "$(ips "$T/case.json")"
done <<'CASES'
every domain|--days 30|198.51.100.20 198.51.100.77 2001:db8:bad::5 203.0.113.5
one domain|--domain example.jp|198.51.100.20 2001:db8:bad::5 203.0.113.5
the other domain: its spoofer, not 192.0.2.10 (My Senders of example.jp)|--domain example.co.jp|203.0.113.5
at least 5 messages|--min-messages 5|198.51.100.77 2001:db8:bad::5 203.0.113.5
at least 3 days|--min-days 3|198.51.100.77 203.0.113.5
at least 61 messages|--min-messages 61|198.51.100.77 203.0.113.5
both thresholds|--min-messages 61 --min-days 3 --domain example.jp|
the first week only|--until 2026-11-07 --days 7|2001:db8:bad::5 203.0.113.5
October: the old spoofer|--until 2026-10-31 --days 30|203.0.113.99
a domain with no reports|--domain none.example|
CASES

# --- never listed, even far above the threshold
$D feed $P --format json --min-messages 50 >"$T/f.json"
reasons() { python3 -c "import json,sys; print(' '.join('%s=%s' % (x['ip'], x['reason']) for x in sorted(json.load(open(sys.argv[1]))['excluded'], key=lambda x: x['ip'])))" "$1"; }
check "excluded above 50 messages: My Senders (both rules), allow-list, forwarder, service" \
    "192.0.2.10=my_senders 192.0.2.20=my_senders 203.0.113.66=allow_list 203.0.113.80=known_forwarder 203.0.113.81=known_service" \
    "$(reasons "$T/f.json")"
check "... and listed: the spoofers only" "198.51.100.77 203.0.113.5" "$(ips "$T/f.json")"

# --- JSON and CSV contents
$D feed $P --format json >"$T/all.json"
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); h=[x for x in d['hosts'] if x['ip']==sys.argv[2]][0]; print(eval(sys.argv[3]))" "$T/all.json" "$1" "$2"; }
check "S1: messages, days, domains" "65 3 example.co.jp,example.jp" "$(j 203.0.113.5 "'%d %d %s' % (h['messages'], h['days'], h['domains'])")"
check "S1: reporters (two, comma in a name kept apart)" "2 Receiver A,Receiver B; Inc." "$(j 203.0.113.5 "str(h['nreporters'])+' '+h['reporters']")"
check "S1: first and last seen" "1793664000 1793923199" "$(j 203.0.113.5 "'%d %d' % (h['first_seen'], h['last_seen'])")"
check "S1: abuse contact and network from RDAP" "abuse@spoof-isp.example Spoof Hosting B.V." "$(j 203.0.113.5 "h['abuse_email']+' '+h['rdap_org']")"
check "S1: failure reports and samples, newest first" "2 ['【重要】お支払い情報の確認', 'Your account is suspended']" \
    "$(j 203.0.113.5 "'%d %s' % (h['failure_reports'], [s['subject'] for s in h['samples']])")"
check "S1: PTR, country, AS from the hosts table" "host5.spoof-isp.example NL 64511 SPOOF-AS" "$(j 203.0.113.5 "'%s %s %d %s' % (h['ptr'], h['country'], h['asn'], h['as_name'])")"
check "S2: IPv6" "6 20" "$(j 2001:db8:bad::5 "'%d %d' % (h['family'], h['messages'])")"
check "JSON: the allow-list in scope" "['203.0.113.64/28']" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['allow_list'])" "$T/all.json")"
$D feed $P --domain example.jp >"$T/jp.csv"
check "CSV: header" "ip,messages,days,first_seen,last_seen,domains,reporters,ptr,country,asn,as_name,abuse_email,failure_reports,failure_first,failure_last,sample_subjects" "$(head -1 "$T/jp.csv")"
has "CSV: the S1 row (enrichment from the hosts table)" "$T/jp.csv" '203.0.113.5,60,3,2026-11-03,2026-11-05,example.jp,"Receiver A,Receiver B; Inc.",host5.spoof-isp.example,NL,64511,SPOOF-AS,abuse@spoof-isp.example,2,2026-11-03,2026-11-05,【重要】お支払い情報の確認 | Your account is suspended'
check "CSV: three hosts" 4 "$(wc -l <"$T/jp.csv" | tr -d ' ')"
hasnt "CSV of example.jp: nothing of other.example" "$T/jp.csv" "other"
$D feed $P --domain example.jp --format json >"$T/jp.json"
hasnt "JSON of example.jp: not the other domain's failure report" "$T/jp.json" "other tenant secret"
hasnt "JSON of example.jp: not the other domain's spoofer" "$T/jp.json" "198.51.100.77"

# --- the zone in a real rbldnsd, queried with dig
expect_rc "feed --format rbldnsd" 0 $D feed $P --format rbldnsd --zone-name spoof.test
mkdir -p "$T/rbl" && cp "$T/out" "$T/rbl/feed.zone" && chmod 755 "$T/rbl" && chmod 644 "$T/rbl/feed.zone"
has "zone: the allow-list as an exclusion" "$T/rbl/feed.zone" "!203.0.113.64/28"
has "zone: SOA of the zone name" "$T/rbl/feed.zone" '$SOA 3600 spoof.test. hostmaster.spoof.test.'
RBL=$(python3 tests/servers/freeports.py 1)
PATH=$PATH:/usr/sbin rbldnsd -q -b "127.0.0.1/$RBL" -u nobody -w "$T/rbl" -p "$T/rbl/pid" spoof.test:combined:feed.zone \
    </dev/null >"$T/rbl/log" 2>&1 || ko "rbldnsd did not start: $(cat "$T/rbl/log")"
i=0
until dig +time=1 +tries=1 @127.0.0.1 -p "$RBL" spoof.test SOA 2>/dev/null | grep -q 'status: '; do
	i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1
done
rev() { python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer.rsplit('.', 3 if ':' not in sys.argv[1] else 3)[0])" "$1"; }
qname() { python3 -c "
import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
p = a.reverse_pointer
print(p[:-len('.in-addr.arpa')] if a.version == 4 else p[:-len('.ip6.arpa')])" "$1"; }
dq() {	# ip type -> the answer's rdata, or the status
	out=$(dig +time=2 +tries=1 @127.0.0.1 -p "$RBL" "$(qname "$1").spoof.test" "$2")
	st=$(echo "$out" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
	if [ "$st" = NOERROR ]; then
		dig +short +time=2 +tries=1 @127.0.0.1 -p "$RBL" "$(qname "$1").spoof.test" "$2"
	else
		echo "$st"
	fi
}
check "rbldnsd: spoofer 203.0.113.5 is 127.0.0.2" 127.0.0.2 "$(dq 203.0.113.5 A)"
check "rbldnsd: its TXT" '"Spoofing of example.co.jp +1: 65 messages on 3 days 2026-11-03..2026-11-05, 2 failure reports"' "$(dq 203.0.113.5 TXT)"
check "rbldnsd: spoofer 198.51.100.20 (2 messages) is 127.0.0.2" 127.0.0.2 "$(dq 198.51.100.20 A)"
check "rbldnsd: IPv6 spoofer 2001:db8:bad::5 is 127.0.0.2 (ip6trie)" 127.0.0.2 "$(dq 2001:db8:bad::5 A)"
check "rbldnsd: IPv6 TXT" '"Spoofing of example.jp: 20 messages on 2 days 2026-11-06..2026-11-07"' "$(dq 2001:db8:bad::5 TXT)"
for ip in 192.0.2.10 192.0.2.20 192.0.2.30; do
	check "rbldnsd: My Senders host $ip is NXDOMAIN" NXDOMAIN "$(dq $ip A)"
done
for ip in 203.0.113.66 203.0.113.64 203.0.113.79; do
	check "rbldnsd: allow-listed $ip is NXDOMAIN" NXDOMAIN "$(dq $ip A)"
done
check "rbldnsd: known forwarder 203.0.113.80 is NXDOMAIN" NXDOMAIN "$(dq 203.0.113.80 A)"
check "rbldnsd: known service 203.0.113.81 is NXDOMAIN" NXDOMAIN "$(dq 203.0.113.81 A)"
check "rbldnsd: a host never seen is NXDOMAIN" NXDOMAIN "$(dq 203.0.113.200 A)"
check "rbldnsd: the October spoofer (out of the period) is NXDOMAIN" NXDOMAIN "$(dq 203.0.113.99 A)"

# --- the allow-list takes a spoofer out, and back
expect_rc "feed allow add the spoofer" 0 $D feed allow add 203.0.113.5
$D feed $P --format json >"$T/a.json"
check "allow-listed spoofer: not listed" "198.51.100.20 198.51.100.77 2001:db8:bad::5" "$(ips "$T/a.json")"
expect_rc "takedown of an allow-listed host is refused" 1 $D takedown 203.0.113.5 $P
has "... saying why" "$T/err" "allow_list"
expect_rc "feed allow del" 0 $D feed allow del 203.0.113.5/32
$D feed $P --format json >"$T/a.json"
check "removed again: listed" "198.51.100.20 198.51.100.77 2001:db8:bad::5 203.0.113.5" "$(ips "$T/a.json")"

# --- take-down texts
expect_rc "takedown ja" 0 $D takedown 203.0.113.5 $P --lang ja
cp "$T/out" "$T/ja.txt"
has "ja: subject line" "$T/ja.txt" "件名: なりすましメール送信ホストの調査と停止のお願い (203.0.113.5)"
has "ja: to the RDAP abuse contact" "$T/ja.txt" "宛先: abuse@spoof-isp.example (RDAP の不正利用の連絡先: Spoof Hosting B.V.)"
has "ja: the count and days" "$T/ja.txt" "通数: 65 通 (3 日間、初回 2026-11-03、最終 2026-11-05)"
has "ja: the domains" "$T/ja.txt" "名乗られたドメイン: example.co.jp, example.jp"
has "ja: failure reports" "$T/ja.txt" "失敗レポート: 2 件 (2026-11-03 〜 2026-11-05)"
has "ja: a sample subject with its date" "$T/ja.txt" "「【重要】お支払い情報の確認」 (2026-11-05 22:00 UTC)"
has "ja: the period" "$T/ja.txt" "対象期間: 2026-11-01 〜 2026-11-30 (UTC)"
expect_rc "takedown en" 0 $D takedown 203.0.113.5 $P --lang en
cp "$T/out" "$T/en.txt"
has "en: subject line" "$T/en.txt" "Subject: Spoofed mail sent from 203.0.113.5: please investigate and stop it"
has "en: to the abuse contact" "$T/en.txt" "To: abuse@spoof-isp.example (RDAP abuse contact of Spoof Hosting B.V.)"
has "en: the host with PTR, AS and country" "$T/en.txt" "the host 203.0.113.5 (host5.spoof-isp.example), AS64511 SPOOF-AS, NL in your network"
has "en: messages" "$T/en.txt" "- Messages: 65 on 3 days (first seen 2026-11-03, last seen 2026-11-05)"
has "en: reporters" "$T/en.txt" "- Reported by 2 receivers (Receiver A, Receiver B; Inc.)"
has "en: a sample subject" "$T/en.txt" '"Your account is suspended" (2026-11-03 10:00 UTC)'
expect_rc "takedown without an abuse contact" 0 $D takedown 198.51.100.20 $P --lang en
has "... says none was found" "$T/out" "To: (no abuse contact found in RDAP"
hasnt "... and no failure-report lines" "$T/out" "Failure reports"
expect_rc "takedown of a My Senders host is refused" 1 $D takedown 192.0.2.10 $P
has "... saying why" "$T/err" "my_senders"
expect_rc "takedown of a host with nothing in the period" 1 $D takedown 203.0.113.200 $P
expect_rc "takedown: not an address" 2 $D takedown not-an-ip
expect_rc "takedown --json: both languages" 0 $D takedown 203.0.113.5 $P --json
check "... ja and en, abuse contact" "True True abuse@spoof-isp.example" \
    "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('件名' in d['ja'], 'Subject' in d['en'], d['abuse_email'])" "$T/out")"

# --- the API, as the local operator (no users: every domain)
PORT=$(python3 tests/servers/freeports.py 1)
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
PID=$!
for i in $(seq 80); do
	curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break
	sleep 0.1
done
U="http://127.0.0.1:$PORT/api/v1"
R="since=2026-11-01&until=2026-11-30"
curl -s "$U/spoofers?$R" >"$T/api.json"
check "API spoofers: the same hosts as the CLI" "198.51.100.20 198.51.100.77 2001:db8:bad::5 203.0.113.5" "$(ips "$T/api.json")"
curl -s "$U/spoofers?$R&domain=example.jp&min_messages=5" >"$T/api.json"
check "API spoofers: domain and threshold" "2001:db8:bad::5 203.0.113.5" "$(ips "$T/api.json")"
curl -s -D "$T/h" "$U/spoofers.csv?$R&domain=example.jp" >"$T/api.csv"
check "API spoofers.csv: the CLI's bytes" "$(cat "$T/jp.csv" | md5sum)" "$(md5sum <"$T/api.csv")"
has "API spoofers.csv: a download" "$T/h" 'filename="spoofers.csv"'
curl -s "$U/spoofers.zone?$R&zone_name=spoof.test" >"$T/api.zone"
check "API spoofers.zone: the CLI's zone (but the serial)" "$(grep -v SOA "$T/rbl/feed.zone" | md5sum)" "$(grep -v SOA "$T/api.zone" | md5sum)"
check "API spoofers.zone: bad zone_name" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$U/spoofers.zone?zone_name=a%20b")"
check "API spoofers: bad min_days" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$U/spoofers?min_days=x")"
curl -s "$U/takedown?ip=203.0.113.5&$R" >"$T/td.json"
check "API takedown: ja and en, never sent" "True True False" \
    "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('65 通' in d['ja'], 'Messages: 65' in d['en'], d['sent'])" "$T/td.json")"
check "API takedown: a My Senders host is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$U/takedown?ip=192.0.2.10&$R")"
check "API takedown: no ip is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$U/takedown")"
check "API spoofer-allow: add" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"cidr":"198.51.100.20","note":"test"}' "$U/spoofer-allow")"
check "API spoofer-allow: the same again is 409" 409 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"cidr":"198.51.100.20/32"}' "$U/spoofer-allow")"
check "API spoofer-allow: not a network is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"cidr":"nope"}' "$U/spoofer-allow")"
check "API spoofer-allow: listed" "['198.51.100.20/32', '203.0.113.64/28']" \
    "$(curl -s "$U/spoofer-allow" | python3 -c "import json,sys; print(sorted(r['cidr'] for r in json.load(sys.stdin)['rows']))")"
curl -s "$U/spoofers?$R" >"$T/api.json"
check "API: the allow-listed host left the feed" "198.51.100.77 2001:db8:bad::5 203.0.113.5" "$(ips "$T/api.json")"
expect_rc "CLI sees the API's entry" 0 $D feed allow list
has "... 198.51.100.20/32" "$T/out" "198.51.100.20/32"
check "API spoofer-allow/remove" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"cidr":"198.51.100.20"}' "$U/spoofer-allow/remove")"
check "API spoofer-allow/remove: gone is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"cidr":"198.51.100.20"}' "$U/spoofer-allow/remove")"

# --- the screen, in Chromium (ja and en)
if command -v node >/dev/null 2>&1 && [ -d node_modules/playwright-core ]; then
	node tests/web/spoofers.mjs "http://127.0.0.1:$PORT" ${SHOTS:+--shots "$SHOTS"} >"$T/web.log" 2>&1
	cat "$T/web.log"
	set -- $(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$T/web.log" | tail -1)
	pass=$((pass + ${1:-0})); fail=$((fail + ${2:-1}))
else
	echo "skip the browser test (no node or playwright-core)"
fi

if [ "$fail" -ne 0 ]; then echo "--- serve.log"; tail -5 "$T/serve.log"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
