#!/bin/sh
# enrich_lock.sh BINARY - enrichment keeps no database write lock while it
# waits on DNS (issue 16).  A DNS server on loopback that never answers
# (tests/servers/dnsfail.py blackhole) makes every lookup time out; while
# `dmarcscope enrich` works through ~600 hosts, another writer (sqlite3,
# BEGIN IMMEDIATE with a 300 ms busy timeout, every 100 ms) must get the
# lock every time, and the timeouts must still be written.  Then the daemon
# (`serve --config`, enrichment on, the same DNS server) gets SIGTERM while
# its web worker enriches and ingest runs beside it: it must stop within
# 5 s, and an ingest meanwhile must not wait on enrichment.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=${GEN_CORPUS:-$HERE/../../../shared/tools/gen_corpus.py}
T=$(mktemp -d /tmp/ds-enrlock.XXXXXX)
EPID="" SPID=""
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
cleanup() {
	[ -n "$EPID" ] && kill "$EPID" 2>/dev/null
	[ -n "$SPID" ] && kill -9 "-$SPID" 2>/dev/null
	[ -f "$T/dns.pid" ] && kill "$(cat "$T/dns.pid")" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
unset DMARCSCOPE_DB LC_ALL
export LANG=C
[ -f "$GEN" ] || { ko "$GEN is missing"; finish; }
command -v sqlite3 >/dev/null || { ko "sqlite3 is missing"; finish; }
set -- $(python3 "$HERE/../servers/freeports.py" 2)
DNS=$1 WPORT=$2
python3 "$HERE/../servers/dnsfail.py" "$DNS" blackhole "$T/dns.pid" &
python3 "$GEN" --reports 60 --seed 16 --out "$T/corpus" >/dev/null 2>&1
python3 "$GEN" --reports 20 --seed 17 --out "$T/more" >/dev/null 2>&1
"$BIN" -q --db "$T/a.db" ingest "$T/corpus" 2>/dev/null
cp "$T/a.db" "$T/b.db"
HOSTS=$(sqlite3 "$T/a.db" "SELECT count(DISTINCT source_ip) FROM records")
echo "info $HOSTS hosts to enrich; every DNS query times out (200 ms, 2 tries)"

# 1. the command, with a writer beside it
"$BIN" --db "$T/a.db" enrich --dns "127.0.0.1:$DNS" --dnsbl none --skip rdap --timeout 200 \
    --concurrency 40 --no-progress --json >"$T/enrich.json" 2>"$T/enrich.err" &
EPID=$!
sleep 1
tries=0 locked=0
while [ "$tries" -lt 40 ] && kill -0 "$EPID" 2>/dev/null; do
	tries=$((tries + 1))
	sqlite3 "$T/a.db" ".timeout 300" "BEGIN IMMEDIATE;" "ROLLBACK;" >/dev/null 2>&1 ||
	    locked=$((locked + 1))
	sleep 0.1
done
wait "$EPID"; rc=$?; EPID=""
if [ "$tries" -ge 10 ]; then ok "enrichment ran beside the writer ($tries tries)"
else ko "enrichment ended too soon ($tries tries): $(cat "$T/enrich.err")"; fi
check "a writer beside enrichment always gets the lock within 300 ms ($tries tries)" "$locked" 0
check "enrich: exit" "$rc" 0
W=$(sqlite3 "$T/a.db" "SELECT count(*) FROM hosts WHERE ptr_state = 'timeout'")
check "every host's timeout written" "$W" "$HOSTS"

# 2. the daemon's web worker enriches; SIGTERM stops it at once
cat >"$T/ds.conf" <<EOC
[general]
db = $T/b.db
[daemon]
alerts = no
drain_timeout = 20
[enrich]
dns = 127.0.0.1:$DNS
dnsbl = none
skip = rdap
timeout_ms = 200
concurrency = 40
EOC
setsid "$BIN" serve --config "$T/ds.conf" --listen "127.0.0.1:$WPORT" >/dev/null 2>"$T/serve.err" &
SPID=$!
python3 -c "import socket,time
for _ in range(100):
    try: socket.create_connection(('127.0.0.1', $WPORT), 0.2); break
    except OSError: time.sleep(0.1)"
sleep 2
t0=$(date +%s%N)
"$BIN" -q --db "$T/b.db" ingest "$T/more" 2>/dev/null
ims=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$ims" -lt 3000 ]; then ok "ingest beside the enriching daemon: $ims ms"
else ko "ingest beside the enriching daemon took $ims ms"; fi
t0=$(date +%s%N)
kill -TERM "$SPID"; wait "$SPID"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -9 "-$SPID" 2>/dev/null; SPID=""
if [ "$rc" -eq 0 ] && [ "$ms" -lt 5000 ]; then ok "SIGTERM while enriching: exit 0 in $ms ms"
else ko "SIGTERM while enriching: exit $rc in $ms ms: $(tail -3 "$T/serve.err")"; fi
if grep -q "did not stop" "$T/serve.err"; then ko "a worker had to be killed: $(grep "did not stop" "$T/serve.err")"
else ok "no worker had to be killed"; fi
finish
