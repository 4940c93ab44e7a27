#!/bin/sh
# metrics.sh BINARY - GET /api/v1/metrics: a real server (serve) over a
# database filled by `watch --once` from a Maildir (the real corpus plus one
# refused message); the answer is read by a strict text-format parser
# (promtext.py), which must also reject broken samples; the numbers equal the
# database's; with an admin password the endpoint needs it like the rest of
# the API.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${CORPUS:-$HERE/../../../shared/corpus/real}
T=$(mktemp -d /tmp/ds-metrics.XXXXXX)
SPID=""
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
unset DMARCSCOPE_DB LC_ALL DMARCSCOPE_ADMIN_PASSWORD
export LANG=C
[ -d "$CORPUS/aggregate" ] || { ko "corpus $CORPUS missing"; finish; }
python3 "$HERE/mkmsgs.py" "$CORPUS" "$T/M/new" >/dev/null
mkdir -p "$T/M/cur" "$T/M/tmp"
"$BIN" -q --db "$T/d.db" watch --maildir "$T/M" --once 2>/dev/null
PORT=$(python3 "$HERE/../servers/freeports.py" 1)
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "$@" && return 0; sleep 0.1; done; return 1; }

# the parser itself must refuse broken text
printf '# TYPE a gauge\na 1\nb 2\na 3\n' >"$T/bad1"
printf 'a{x="1\\q"} 1\n' >"$T/bad2"
printf '# TYPE a gauge\na 1\n# TYPE a gauge\n' >"$T/bad3"
printf 'a 1' >"$T/bad4"
printf 'a{x="1"} 1\na{x="1"} 2\n' >"$T/bad5"
# histograms and counters: not cumulative, no +Inf, a counter without
# _total, a bucket without le, _count unlike +Inf, a family cut in two, a
# negative counter, le out of order, no _sum
H='# TYPE h histogram\n'
printf "${H}"'h_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n' >"$T/bad6"
printf "${H}"'h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n' >"$T/bad7"
printf '# TYPE c counter\nc 1\n' >"$T/bad8"
printf "${H}"'h_bucket 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n' >"$T/bad9"
printf "${H}"'h_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n' >"$T/bad10"
printf "${H}"'h_bucket{x="a",le="+Inf"} 1\nh_sum{x="a"} 1\nh_count{x="a"} 1\ng 1\nh_bucket{x="b",le="+Inf"} 1\nh_sum{x="b"} 1\nh_count{x="b"} 1\n' >"$T/bad11"
printf '# TYPE c_total counter\nc_total -1\n' >"$T/bad12"
printf "${H}"'h_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n' >"$T/bad13"
printf "${H}"'h_bucket{le="+Inf"} 1\nh_count 1\n' >"$T/bad14"
printf "${H}"'h_bucket{x="a",le="1"} 0\nh_bucket{x="a",le="+Inf"} 1\nh_sum{x="a"} 0.5\nh_count{x="a"} 1\n# TYPE c_total counter\nc_total 3\n' >"$T/good1"
nb=0; for i in $(seq 14); do python3 "$HERE/promtext.py" "$T/bad$i" >/dev/null || nb=$((nb + 1)); done
check "the strict parser refuses 14 broken texts" "$nb" 14
python3 "$HERE/promtext.py" "$T/good1" >/dev/null; check "the strict parser takes a good histogram and counter" "$?" 0

"$BIN" --db "$T/d.db" serve --no-enrich --listen "127.0.0.1:$PORT" >/dev/null 2>"$T/serve.err" &
SPID=$!
wait_up "http://127.0.0.1:$PORT/api/v1/version" || ko "serve did not start: $(cat "$T/serve.err")"
CT=$(curl -s -o "$T/m.txt" -w '%{http_code} %{content_type}' "http://127.0.0.1:$PORT/api/v1/metrics")
check "GET /api/v1/metrics" "$CT" "200 text/plain; version=0.0.4; charset=utf-8"
if python3 "$HERE/promtext.py" "$T/m.txt" >"$T/m.json"; then ok "the text format is valid"
else ko "text format: $(cat "$T/m.json")"; fi
get() { python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1])).get(sys.argv[2], -1)))' "$T/m.json" "$1"; }
q() { sqlite3 "$T/d.db" "$1"; }
check "reports by kind: aggregate" "$(get 'dmarcscope_reports{kind=aggregate}')" "$(q 'SELECT count(*) FROM reports')"
check "reports by kind: failure" "$(get 'dmarcscope_reports{kind=failure}')" "$(q 'SELECT count(*) FROM failure_reports')"
check "reports by kind: tlsrpt" "$(get 'dmarcscope_reports{kind=tlsrpt}')" "$(q 'SELECT count(*) FROM tls_reports')"
check "records" "$(get 'dmarcscope_records{}')" "$(q 'SELECT count(*) FROM records')"
check "messages counted" "$(get 'dmarcscope_messages_counted{}')" "$(q 'SELECT sum(count) FROM records')"
check "raw messages from the Maildir, stored" "$(get 'dmarcscope_raw_messages{source=maildir,state=stored}')" \
    "$(q "SELECT count(*) FROM raw_messages WHERE state = 'stored'")"
check "quarantine open" "$(get 'dmarcscope_quarantine_entries{state=open}')" "$(q 'SELECT count(*) FROM quarantine WHERE resolved = 0')"
check "the broken gzip is a refusal of class archive" "$(get 'dmarcscope_refusals{reason=archive}')" 1
SZ=$(get 'dmarcscope_database_size_bytes{}')
if [ "$SZ" -gt 0 ]; then ok "database size $SZ bytes"; else ko "database size $SZ"; fi

# the ingest latency histogram: every message committed, from its Maildir delivery
NRAW=$(q 'SELECT count(*) FROM raw_messages')
check "ingest latency: one observation per message committed" \
    "$(get 'dmarcscope_ingest_latency_seconds_count{source=maildir}')" "$NRAW"
check "ingest latency: the +Inf bucket is the count" \
    "$(get 'dmarcscope_ingest_latency_seconds_bucket{le=+Inf,source=maildir}')" "$NRAW"
check "ingest latency: each within 60 s of its delivery" \
    "$(get 'dmarcscope_ingest_latency_seconds_bucket{le=60,source=maildir}')" "$NRAW"

# HTTP requests: by route pattern and status, never by raw path
B=http://127.0.0.1:$PORT
for p in meta meta records/4242 records/4343 records/nan no-such-route; do
	curl -s -o /dev/null "$B/api/v1/$p"
done
curl -s -o /dev/null "$B/"; curl -s -o /dev/null -I "$B/api/v1/domains"
curl -s -o "$T/m2.txt" "$B/api/v1/metrics"
if python3 "$HERE/promtext.py" "$T/m2.txt" >"$T/m.json"; then ok "the text format is valid (HTTP metrics)"
else ko "text format: $(cat "$T/m.json")"; fi
check "HTTP: GET /api/v1/meta 200 twice" \
    "$(get 'dmarcscope_http_requests_total{method=GET,route=/api/v1/meta,status=200}')" 2
check "HTTP: two record ids are one route, 404 twice" \
    "$(get 'dmarcscope_http_requests_total{method=GET,route=/api/v1/records/{record_id},status=404}')" 2
check "HTTP: a non-numeric id and an unknown path are route other" \
    "$(get 'dmarcscope_http_requests_total{method=GET,route=other,status=404}')" 2
check "HTTP: HEAD counted with its method" \
    "$(get 'dmarcscope_http_requests_total{method=HEAD,route=/api/v1/domains,status=200}')" 1
check "HTTP: the portal's files are route static" \
    "$(get 'dmarcscope_http_requests_total{method=GET,route=static,status=200}')" 1
# (match the paths, not the digits: a duration sum like 0.004242 is no label)
check "HTTP: no raw path in a label" \
    "$(grep -c -e records/4242 -e records/4343 -e records/nan -e no-such-route "$T/m2.txt")" 0
check "HTTP: the duration histogram counts the route's requests" \
    "$(get 'dmarcscope_http_request_duration_seconds_count{route=/api/v1/meta}')" 2
check "HTTP: ... and its +Inf bucket" \
    "$(get 'dmarcscope_http_request_duration_seconds_bucket{le=+Inf,route=/api/v1/meta}')" 2

# IMAP polls: a real Dovecot on loopback (one good poll), and a closed port (one error)
if command -v dovecot >/dev/null; then
	set -- $(python3 "$HERE/../servers/freeports.py" 2)
	IPORT=$1 DEAD=$2
	D=$T/dc; mkdir -p "$D/run" "$D/state" "$D/mail"; chmod 755 "$T"
	cat >"$D/dovecot.conf" <<EOC
protocols = imap
listen = 127.0.0.1
base_dir = $D/run
state_dir = $D/state
instance_name = ds-metrics-$(basename "$T")
log_path = $D/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$D/mail/%u/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IPORT
  }
  inet_listener imaps {
    port = 0
  }
}
EOC
	echo "m@example.com:{PLAIN}pw" >"$D/users"; printf 'pw\n' >"$T/ipw"
	mkdir -p "$D/mail/m@example.com/Maildir/cur" "$D/mail/m@example.com/Maildir/new" \
	    "$D/mail/m@example.com/Maildir/tmp"
	chown -R nobody:nogroup "$D/mail"
	dovecot -c "$D/dovecot.conf" </dev/null >/dev/null 2>&1
	for _ in $(seq 100); do curl -s -o /dev/null "imap://127.0.0.1:$IPORT/" -u m@example.com:pw && break; sleep 0.1; done
	# two of the Maildir's messages with a header more: new bytes, known reports
	for f in $(find "$T/M" -type f -name '00[12]*' | head -2); do
		{ printf 'X-Metrics-Test: %s\r\n' "$(basename "$f")"; cat "$f"; } >"$T/append.eml"
		curl -s -u m@example.com:pw -T "$T/append.eml" "imap://127.0.0.1:$IPORT/INBOX"
	done
	sleep 2	# the arrival is the server's INTERNALDATE, not the fetch
	"$BIN" -q --db "$T/d.db" fetch --imap "imap://127.0.0.1:$IPORT/INBOX" --user m@example.com \
	    --password-file "$T/ipw" --tls none 2>"$T/fetch.err"
	check "fetch from Dovecot" "$?" 0
	"$BIN" -q --db "$T/d.db" fetch --imap "imap://127.0.0.1:$DEAD/INBOX" --user m@example.com \
	    --password-file "$T/ipw" --tls none --timeout 2 2>>"$T/fetch.err"
	check "fetch from a closed port fails" "$?" 2
	NOW=$(date +%s)
	curl -s -o "$T/m3.txt" "$B/api/v1/metrics"
	if python3 "$HERE/promtext.py" "$T/m3.txt" >"$T/m.json"; then ok "the text format is valid (IMAP metrics)"
	else ko "text format: $(cat "$T/m.json")"; fi
	MB=imap://127.0.0.1:$IPORT/INBOX
	check "IMAP: one good poll of the mailbox" "$(get "dmarcscope_imap_polls_total{mailbox=$MB,result=ok}")" 1
	check "IMAP: one failed poll of the closed port" \
	    "$(get "dmarcscope_imap_polls_total{mailbox=imap://127.0.0.1:$DEAD/INBOX,result=error}")" 1
	LS=$(get "dmarcscope_imap_last_success_timestamp_seconds{mailbox=$MB}")
	if [ $((NOW - LS)) -ge 0 ] && [ $((NOW - LS)) -lt 60 ]; then ok "IMAP: last success time $LS"
	else ko "IMAP: last success time $LS (now $NOW)"; fi
	check "IMAP: no success time for the closed port" \
	    "$(get "dmarcscope_imap_last_success_timestamp_seconds{mailbox=imap://127.0.0.1:$DEAD/INBOX}")" -1
	check "ingest latency: the two IMAP messages" \
	    "$(get 'dmarcscope_ingest_latency_seconds_count{source=imap}')" 2
	check "ingest latency: from the APPEND (INTERNALDATE): over 1 s, under 10 s" \
	    "$(get 'dmarcscope_ingest_latency_seconds_bucket{le=1,source=imap}'):$(get 'dmarcscope_ingest_latency_seconds_bucket{le=10,source=imap}')" 0:2
	m=$(cat "$D/run/master.pid" 2>/dev/null) && kill "$m" 2>/dev/null
else
	ko "dovecot (scripts/install-deps.sh) is missing: IMAP polls not checked"
fi

# the enrichment queue and counters
check "enrichment queue: hosts never looked up" "$(get 'dmarcscope_enrich_queue_hosts{}')" \
    "$(q 'SELECT count(*) FROM hosts WHERE ptr_at IS NULL AND geo_at IS NULL AND asn_at IS NULL AND rdap_at IS NULL')"
"$BIN" -q --db "$T/d.db" enrich --offline --json >"$T/enrich.json" 2>/dev/null
W=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["written"])' "$T/enrich.json")
curl -s -o "$T/m4.txt" "$B/api/v1/metrics"
if python3 "$HERE/promtext.py" "$T/m4.txt" >"$T/m.json"; then ok "the text format is valid (enrichment)"
else ko "text format: $(cat "$T/m.json")"; fi
check "enrichment: hosts looked up counted ($W)" "$(get 'dmarcscope_enrich_hosts_looked_up_total{}')" "$W"
check "enrichment: the queue is empty after the run" "$(get 'dmarcscope_enrich_queue_hosts{}')" 0
G=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["geo"]["ok"])' "$T/enrich.json")
check "enrichment: geo lookups counted ($G)" "$(get 'dmarcscope_enrich_lookups_total{kind=geo,result=positive}')" "$G"
check "enrichment: RDAP cache hits and misses (offline: 0 each)" \
    "$(get 'dmarcscope_enrich_cache_requests_total{cache=rdap,result=hit}'):$(get 'dmarcscope_enrich_cache_requests_total{cache=rdap,result=miss}')" 0:0
kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=""

# protected like the rest of the API
printf 'sekrit-pw-123\n' >"$T/pw"
"$BIN" --db "$T/d.db" serve --no-enrich --listen "127.0.0.1:$PORT" --password-file "$T/pw" >/dev/null 2>>"$T/serve.err" &
SPID=$!
wait_up "http://127.0.0.1:$PORT/"
check "without the password: 401" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/metrics")" 401
check "with it: 200" "$(curl -s -o /dev/null -w '%{http_code}' -u admin:sekrit-pw-123 "http://127.0.0.1:$PORT/api/v1/metrics")" 200
kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=""

# with users (as beyond loopback, where serve requires them): operators only
cp "$T/d.db" "$T/u.db"
U="$BIN -q --db $T/u.db"
$U tenant add acme >/dev/null && echo 'op-password-1' | $U user add op --role operator --password-stdin >/dev/null &&
    echo 'vw-password-1' | $U user add vw --role viewer --tenant acme --password-stdin >/dev/null
TOK=$($U token add --tenant acme 2>/dev/null | grep -o 'dms_[A-Za-z0-9_-]*' | head -1)
"$BIN" --db "$T/u.db" serve --no-enrich --listen "127.0.0.1:$PORT" >/dev/null 2>>"$T/serve.err" &
SPID=$!
wait_up "http://127.0.0.1:$PORT/"
login() { curl -s -o /dev/null -c "$T/jar.$1" -H 'Content-Type: application/json' \
    -d "{\"user\":\"$1\",\"password\":\"$2\"}" "http://127.0.0.1:$PORT/api/v1/login"; }
login op op-password-1; login vw vw-password-1
mc() { curl -s -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$PORT/api/v1/metrics"; }
check "users defined, nobody: 401" "$(mc)" 401
check "a tenant's API token: 403" "$(mc -H "Authorization: Bearer $TOK")" 403
check "a tenant's viewer: 403" "$(mc -b "$T/jar.vw")" 403
check "an operator: 200" "$(mc -b "$T/jar.op")" 200
finish
