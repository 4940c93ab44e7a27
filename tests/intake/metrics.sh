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
nb=0; for f in bad1 bad2 bad3 bad4 bad5; do python3 "$HERE/promtext.py" "$T/$f" >/dev/null || nb=$((nb + 1)); done
check "the strict parser refuses 5 broken texts" "$nb" 5

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
kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=""

# protected like the rest of the API
printf 'sekrit-pw-123\n' >"$T/pw"
"$BIN" --db "$T/d.db" serve --no-enrich --listen "127.0.0.1:$PORT" --password-file "$T/pw" >/dev/null 2>>"$T/serve.err" &
SPID=$!
wait_up "http://127.0.0.1:$PORT/"
check "without the password: 401" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/metrics")" 401
check "with it: 200" "$(curl -s -o /dev/null -w '%{http_code}' -u admin:sekrit-pw-123 "http://127.0.0.1:$PORT/api/v1/metrics")" 200
finish
