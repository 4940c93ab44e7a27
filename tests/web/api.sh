#!/bin/sh
# api.sh - JSON API tests with curl, against a server started by run.sh
# (BASE, DB, BIN and T in the environment).  Each check prints PASS/FAIL;
# the last line is "N passed, N failed".
set -u
P=0 F=0
ok() {	# name, then the command to test
	name=$1; shift
	if "$@" >/dev/null 2>&1; then P=$((P + 1)); echo "PASS $name"
	else F=$((F + 1)); echo "FAIL $name"; fi
}
get() { curl -s "$BASE/api/v1/$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
has() { grep -q -- "$1"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
R="since=2026-11-01&until=2026-11-30"

# --- headers
H=$(curl -sI "$BASE/")
ok "csp header" sh -c "echo \"\$0\" | grep -qi \"content-security-policy: default-src 'self'; script-src 'self'; style-src 'self'\"" "$H"
ok "csp frame-ancestors none" sh -c "echo \"\$0\" | grep -qi \"frame-ancestors 'none'\"" "$H"
ok "nosniff" sh -c "echo \"\$0\" | grep -qi 'x-content-type-options: nosniff'" "$H"
ok "referrer-policy" sh -c "echo \"\$0\" | grep -qi 'referrer-policy: no-referrer'" "$H"
ok "api has csp too" sh -c "curl -sI '$BASE/api/v1/meta' | grep -qi content-security-policy"
ok "index.html has no inline script or style" sh -c "curl -s '$BASE/' | python3 -c \"import sys,re; h=sys.stdin.read(); sys.exit(1 if re.search(r'<script(?![^>]*src=)|<style|style=|onload=|onclick=', h) else 0)\""
ok "gzip for big assets" sh -c "curl -sI -H 'Accept-Encoding: gzip' '$BASE/vendor/echarts.min.js' | grep -qi 'content-encoding: gzip'"
ok "etag 304" sh -c "e=\$(curl -sI '$BASE/js/app.js' | sed -n 's/^[Ee][Tt]ag: //p' | tr -d '\r'); [ \"\$(curl -s -o /dev/null -w '%{http_code}' -H \"If-None-Match: \$e\" '$BASE/js/app.js')\" = 304 ]"

# --- read endpoints
ok "meta" sh -c "curl -s '$BASE/api/v1/meta' | grep -q '\"max_range_days\":90'"
ok "version" sh -c "curl -s '$BASE/api/v1/version' | grep -q '\"version\":\"'"
ok "domains" sh -c "curl -s '$BASE/api/v1/domains' | grep -q 'example.co.jp'"
ok "stats" sh -c "curl -s '$BASE/api/v1/stats?domain=example.co.jp&$R' | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['messages']>0 and 'matrix' in d and 'daily' in d else 1)\""
ok "records page" sh -c "curl -s '$BASE/api/v1/records?domain=example.co.jp&$R&per_page=10' | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if len(d['rows'])==10 and d['total']>10 else 1)\""
ok "records class filter" sh -c "curl -s '$BASE/api/v1/records?domain=example.co.jp&$R&class=spoofing_suspected&per_page=500' | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['rows'] and all(r['class_name']=='spoofing_suspected' for r in d['rows']) else 1)\""
ok "records sort asc" sh -c "curl -s '$BASE/api/v1/records?domain=example.co.jp&$R&sort=count&dir=asc' | python3 -c \"import json,sys; c=[r['count'] for r in json.load(sys.stdin)['rows']]; sys.exit(0 if c==sorted(c) else 1)\""
ok "record detail" sh -c "curl -s '$BASE/api/v1/records/1' | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['auth_spf'] and 'explanation_en' in d else 1)\""
ok "senders" sh -c "curl -s '$BASE/api/v1/senders?domain=example.co.jp&$R' | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['groups'] and 'all' in d['matrix'] else 1)\""
ok "host" sh -c "curl -s '$BASE/api/v1/hosts/203.0.113.5?domain=example.co.jp&$R' | grep -q 'host5.spoof.example'"
ok "map" sh -c "curl -s '$BASE/api/v1/map?domain=example.co.jp&$R' | grep -q '\"country\":\"JP\"'"
ok "reports" sh -c "curl -s '$BASE/api/v1/reports?domain=example.co.jp&$R' | grep -q '\"total\":'"
ok "quarantine" sh -c "curl -s '$BASE/api/v1/quarantine' | grep -q 'unrecognised format'"
ok "raw is text/plain + nosniff" sh -c "curl -sD- -o /dev/null '$BASE/api/v1/raw/1' | grep -qi 'content-type: text/plain' && curl -sD- -o /dev/null '$BASE/api/v1/raw/1' | grep -qi nosniff"
ok "raw shows the XML" sh -c "curl -s '$BASE/api/v1/raw/1' | grep -q '<feedback>'"

# --- bad input
ok "bad date 400" [ "$(code "$BASE/api/v1/records?domain=example.co.jp&since=bogus&until=2026-11-30")" = 400 ]
ok "bad sort 400" [ "$(code "$BASE/api/v1/records?domain=example.co.jp&$R&sort=id;DROP%20TABLE%20records")" = 400 ]
ok "bad class 400" [ "$(code "$BASE/api/v1/records?domain=example.co.jp&$R&class=x")" = 400 ]
ok "range > 90 days 400" [ "$(code "$BASE/api/v1/records?domain=example.co.jp&since=2026-01-01&until=2026-11-30")" = 400 ]
ok "unknown endpoint 404" [ "$(code "$BASE/api/v1/nope")" = 404 ]
ok "unknown asset 404" [ "$(code "$BASE/../../etc/passwd")" = 404 ]
ok "PUT 405" [ "$(code -X PUT "$BASE/api/v1/senders")" = 405 ]
ok "POST needs JSON 415" [ "$(code -X POST -d x=1 "$BASE/api/v1/senders")" = 415 ]
ok "cross-origin POST 403" [ "$(code -X POST -H 'Content-Type: application/json' -H 'Origin: http://evil.example' -d '{}' "$BASE/api/v1/senders")" = 403 ]
ok "body too large 413" sh -c "head -c 100000 /dev/zero | tr '\\0' a > '$T/big'; [ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @'$T/big' '$BASE/api/v1/senders')\" = 413 ]"
ok "sql in a value is only a value" sh -c "curl -s \"$BASE/api/v1/records?domain=x%27OR%271%27=%271&$R\" | grep -q '\"total\":0'"
ok "LIKE wildcards are literal" sh -c "curl -s '$BASE/api/v1/records?domain=example.co.jp&$R&q=%25' | grep -q '\"total\":0'"

# --- hostile report fields (org_name, comments, ids with <script> and quotes)
ok "xss: org_name is JSON-escaped data" sh -c "curl -s '$BASE/api/v1/reports?domain=xss.example' | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['rows'][0]['org_name'].startswith('<script>window.__xss=1</script>') else 1)\""
ok "xss: API answers are application/json" sh -c "curl -sD- -o /dev/null '$BASE/api/v1/reports?domain=xss.example' | grep -qi 'content-type: application/json'"
ok "xss: comment is data" sh -c "id=\$(curl -s '$BASE/api/v1/records?domain=xss.example&since=2026-10-31&until=2026-11-30' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"rows\"][0][\"id\"])'); curl -s \"$BASE/api/v1/records/\$id\" | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['reasons'][0]['comment'].startswith('<script>window.__xss=4') else 1)\""
ok "xss: no HTML is ever served from data" sh -c "! curl -s '$BASE/' | grep -q '__xss'"
ok "csv: formula defused" sh -c "curl -s '$BASE/api/v1/records.csv?domain=xss.example&since=2026-10-31&until=2026-11-30' | grep -qF \"\\\"'=HYPERLINK(\\\"\\\"http://x.example\\\"\\\"\""
ok "csv: streamed, rows = total" sh -c "n=\$(curl -s '$BASE/api/v1/records.csv?domain=example.co.jp&$R' | tail -n +2 | wc -l); t=\$(curl -s '$BASE/api/v1/records?domain=example.co.jp&$R' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"total\"])'); [ \"\$n\" = \"\$t\" ]"

# --- My Senders through the API
ok "sender add" sh -c "curl -s -X POST -H 'Content-Type: application/json' -d '{\"domain\":\"shop.example.jp\",\"kind\":2,\"match_type\":\"cidr\",\"value\":\"198.51.100.0/24\"}' '$BASE/api/v1/senders' | grep -q '\"id\"'"
ok "sender duplicate 409" [ "$(code -X POST -H 'Content-Type: application/json' -d '{"domain":"shop.example.jp","kind":2,"match_type":"cidr","value":"198.51.100.0/24"}' "$BASE/api/v1/senders")" = 409 ]
ok "sender bad cidr 400" [ "$(code -X POST -H 'Content-Type: application/json' -d '{"domain":"shop.example.jp","kind":2,"match_type":"cidr","value":"nope"}' "$BASE/api/v1/senders")" = 400 ]
ok "reclassified as third party" sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do curl -s '$BASE/api/v1/senders?domain=shop.example.jp&$R' | grep -q '\"prefix\":\"198.51.100.0/24\",\"sender_kind\":2' && exit 0; sleep 0.3; done; exit 1"
ok "sender remove" sh -c "id=\$(curl -s '$BASE/api/v1/senders?domain=shop.example.jp&$R' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"registered\"][0][\"id\"])'); [ \"\$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Content-Type: application/json' \"$BASE/api/v1/senders/\$id\")\" = 200 ]"

# --- auth and binding
PW_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DMARCSCOPE_ADMIN_PASSWORD=s3cret "$BIN" --db "$DB" serve --listen "127.0.0.1:$PW_PORT" --no-enrich >"$T/pw.log" 2>&1 &
PW_PID=$!
for i in $(seq 50); do curl -s "http://127.0.0.1:$PW_PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
ok "password: 401 without" [ "$(code "http://127.0.0.1:$PW_PORT/api/v1/meta")" = 401 ]
ok "password: 401 wrong" [ "$(code -u admin:wrong "http://127.0.0.1:$PW_PORT/api/v1/meta")" = 401 ]
ok "password: 200 with" [ "$(code -u admin:s3cret "http://127.0.0.1:$PW_PORT/api/v1/meta")" = 200 ]
kill "$PW_PID"; wait "$PW_PID" 2>/dev/null
ok "non-loopback bind needs a password" sh -c "env -u DMARCSCOPE_ADMIN_PASSWORD '$BIN' --db '$DB' serve --listen 0.0.0.0:1 --no-enrich; [ \$? = 2 ]"

echo "$P passed, $F failed"
