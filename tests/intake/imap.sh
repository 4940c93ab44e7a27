#!/bin/sh
# imap.sh BINARY - `dmarcscope fetch` against a real Dovecot on loopback,
# started here (plain, and STARTTLS with a self-signed certificate made
# here).  Messages of the real corpus (../shared/corpus/real, wrapped by
# mkmsgs.py) are APPENDed with curl; after fetch every one is in Processed or
# Error and the totals equal a direct `dmarcscope ingest` of the same files.
# Also: a second fetch adds nothing; a wrong password is a clear error; the
# server killed (SIGKILL) and restarted mid-run, and the fetcher killed
# mid-run, lose nothing and count nothing twice; STARTTLS is refused without
# the CA and works with --ca-file.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${CORPUS:-$HERE/../../../shared/corpus/real}
T=$(mktemp -d /tmp/ds-imap.XXXXXX); chmod 755 "$T"
FETCH_PID=""
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
unset DMARCSCOPE_DB LC_ALL
export LANG=C DMARCSCOPE_NO_PIPELINE=1

if ! command -v dovecot >/dev/null || [ ! -d "$CORPUS/aggregate" ]; then
	ko "dovecot (scripts/install-deps.sh) or the corpus $CORPUS is missing"
	finish
fi
set -- $(python3 "$HERE/../servers/freeports.py" 2)
PORT=$1 TPORT=$2
USER=dmarc@example.com PASS=secret
printf '%s\n' "$PASS" >"$T/pw"; printf 'wrong\n' >"$T/badpw"

# Dovecot instances under $T: dovecot_conf NAME PORT SSL, dovecot_start,
# dovecot_kill (every process of the instance: no orphan keeps a port).
. "$HERE/dovecot_lib.sh"
cleanup() {
	[ -n "$FETCH_PID" ] && kill "$FETCH_PID" 2>/dev/null
	dovecot_kill plain; dovecot_kill tls
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

URL=imap://127.0.0.1:$PORT
imap() { curl -s -u "$USER:$PASS" "$@"; }
append_all() {	# every message of $T/msgs, $1 times over
	for _ in $(seq "$1"); do
		for f in "$T"/msgs/*.eml; do
			imap -T "$f" "$URL/INBOX" || { echo "APPEND failed: $f"; return 1; }
		done
	done
}
count() {	# messages in folder $1
	imap "$URL/" -X "STATUS $1 (MESSAGES)" | sed -n 's/.*(MESSAGES \([0-9]*\)).*/\1/p' | tr -d '\r'
}
totals() {	# reports records messages quarantined of a database
	"$BIN" --db "$1" summary --json | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["reports"], d["records"], d["messages"], d["quarantined"])'
}

N=$(python3 "$HERE/mkmsgs.py" "$CORPUS" "$T/msgs")
dovecot_conf plain "$PORT" "ssl = no"
dovecot_start plain "$PORT" || { ko "dovecot did not start: $(tail -3 "$T/plain/dovecot.log")"; finish; }

# The expected totals: a direct ingest of the same messages.
"$BIN" -q --db "$T/direct.db" ingest "$T/msgs" 2>/dev/null
WANT=$(totals "$T/direct.db")
NREF=$("$BIN" --db "$T/direct.db" quarantine list 2>/dev/null | grep -c . )

# 1. one pass
append_all 1 || ko "APPEND"
check "APPENDed $N messages" "$(count INBOX)" "$N"
F="--imap $URL/INBOX --tls none --user $USER --password-file $T/pw --processed-folder Processed --error-folder Error"
"$BIN" --db "$T/a.db" fetch $F 2>"$T/err1"; rc=$?
if [ $rc -le 1 ]; then ok "fetch exit $rc"; else ko "fetch exit $rc: $(head -3 "$T/err1")"; fi
check "INBOX empty after fetch" "$(count INBOX)" 0
P=$(count Processed) E=$(count Error)
check "every message in Processed or Error" "$((P + E))" "$N"
if [ "$E" -gt 0 ] && [ "$P" -gt 0 ]; then ok "refused ones in Error ($E), stored in Processed ($P)"
else ko "Processed $P, Error $E"; fi
check "totals equal a direct ingest" "$(totals "$T/a.db")" "$WANT"
RQ=$(sqlite3 "$T/a.db" "SELECT count(*) FROM intake_messages WHERE outcome IN ('refused','partial')")
check "one intake row per refused message in Error" "$RQ" "$E"

# 2. again: nothing new
imap -T "$T/msgs/001.eml" "$URL/Processed" >/dev/null
"$BIN" -q --db "$T/a.db" fetch $F 2>/dev/null
check "second fetch adds nothing" "$(totals "$T/a.db")" "$WANT"

# 2b. the same from the configuration file
cat >"$T/ds.conf" <<EOC
# dmarcscope.conf for the test
[imap:main]
url = $URL/INBOX
tls = none
user = $USER
password_file = $T/pw
processed_folder = Processed
error_folder = Error
EOC
imap -T "$T/msgs/002.eml" "$URL/INBOX" >/dev/null
"$BIN" -q --db "$T/a.db" --config "$T/ds.conf" fetch 2>"$T/err2"; rc=$?
check "fetch from [imap:main] of --config: exit" "$rc" 0
check "fetch from --config: INBOX empty" "$(count INBOX)" 0
check "fetch from --config: totals unchanged" "$(totals "$T/a.db")" "$WANT"
P=$((P + 1))

# 3. wrong password: a clear error, exit 2, nothing moved
append_all 1
"$BIN" --db "$T/b.db" fetch --imap "$URL/INBOX" --tls none --user $USER --password-file "$T/badpw" \
    --processed-folder Processed 2>"$T/err3"; rc=$?
check "wrong password: exit 2" "$rc" 2
if grep -q "login refused" "$T/err3" && [ "$(wc -l <"$T/err3")" -eq 1 ]; then ok "wrong password: one clear line"
else ko "wrong password message: $(cat "$T/err3")"; fi
check "wrong password: INBOX untouched" "$(count INBOX)" "$N"
# plain server, TLS not allowed away: STARTTLS is required by default
"$BIN" --db "$T/b.db" fetch --imap "$URL/INBOX" --user $USER --password-file "$T/pw" 2>"$T/err3b"; rc=$?
if [ $rc -eq 2 ] && grep -q "STARTTLS" "$T/err3b"; then ok "no STARTTLS offered: refused by default"
else ko "plain server without --tls none: exit $rc $(cat "$T/err3b")"; fi

# 4. server killed and restarted mid-run, and the fetcher killed mid-run
append_all 3	# 4 copies of every message now: the copies are duplicates
TOTAL=$(count INBOX)
"$BIN" --db "$T/c.db" fetch $F --interval 1 --max-backoff 2 2>"$T/err4" &
FETCH_PID=$!
for _ in $(seq 100); do [ "$(count Processed)" -gt $((P + 2 * N / 2)) ] && break; sleep 0.05; done
dovecot_kill plain
sleep 1
dovecot_start plain "$PORT"
for _ in $(seq 100); do [ "$(count Processed)" -gt $((P + 2 * N)) ] && break; sleep 0.05; done
kill -9 "$FETCH_PID"; wait "$FETCH_PID" 2>/dev/null; FETCH_PID=""
dovecot_kill plain; dovecot_start plain "$PORT"
"$BIN" --db "$T/c.db" fetch $F --interval 1 --max-backoff 2 2>>"$T/err4" &
FETCH_PID=$!
for _ in $(seq 300); do [ "$(count INBOX)" = 0 ] && break; sleep 0.1; done
kill -TERM "$FETCH_PID"; wait "$FETCH_PID"; rc=$?; FETCH_PID=""
check "after kills: INBOX empty" "$(count INBOX)" 0
# Dovecot's MOVE on Maildir is a copy then an expunge: a server killed between
# the two leaves the message in both folders, and the retried move adds a
# second copy to Processed.  Nothing may be missing; the database counts once.
MV=$(($(count Processed) + $(count Error)))
if [ "$MV" -ge $((P + E + 1 + TOTAL)) ] && [ "$MV" -le $((P + E + 3 + TOTAL)) ]; then
	ok "after kills: every message moved ($MV, want $((P + E + 1 + TOTAL)) or a copy more)"
else ko "after kills: $MV messages moved, want $((P + E + 1 + TOTAL))"; fi
check "after kills: totals equal a direct ingest" "$(totals "$T/c.db")" "$WANT"
if [ $rc -le 1 ]; then ok "SIGTERM: clean exit ($rc)"; else ko "SIGTERM exit $rc"; fi
nl=$(grep -c "retrying" "$T/err4")
if grep -q "retrying" "$T/err4" && [ "$nl" -le 4 ]; then ok "server down logged briefly ($nl lines)"
else ko "server down: $nl 'retrying' lines: $(head -5 "$T/err4")"; fi

# 5. STARTTLS with a self-signed certificate
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
chmod 644 "$T/key.pem"
dovecot_conf tls "$TPORT" "ssl = required
ssl_cert = <$T/cert.pem
ssl_key = <$T/key.pem"
dovecot_start tls "$TPORT" || { ko "TLS dovecot did not start: $(tail -3 "$T/tls/dovecot.log")"; finish; }
TURL=imap://127.0.0.1:$TPORT
curl -s --ssl-reqd --cacert "$T/cert.pem" -u "$USER:$PASS" -T "$T/msgs/001.eml" "$TURL/INBOX" ||
    ko "APPEND over STARTTLS"
"$BIN" --db "$T/d.db" fetch --imap "$TURL/INBOX" --user $USER --password-file "$T/pw" \
    --processed-folder Processed 2>"$T/err5"; rc=$?
if [ $rc -eq 2 ] && grep -q "certificate" "$T/err5"; then ok "self-signed certificate refused by default"
else ko "self-signed without CA: exit $rc $(cat "$T/err5")"; fi
"$BIN" --db "$T/d.db" fetch --imap "$TURL/INBOX" --user $USER --password-file "$T/pw" \
    --processed-folder Processed --ca-file "$T/cert.pem" 2>"$T/err6"; rc=$?
check "STARTTLS with --ca-file: exit" "$rc" 0
R=$(curl -s --ssl-reqd --cacert "$T/cert.pem" -u "$USER:$PASS" "$TURL/" -X "STATUS Processed (MESSAGES)" |
    sed -n 's/.*(MESSAGES \([0-9]*\)).*/\1/p' | tr -d '\r')
check "STARTTLS: message moved" "$R" 1

# 6. a server that accepts and never speaks: given up after --timeout, exit 2
SPORT=$(python3 "$HERE/../servers/freeports.py" 1)
python3 -c 'import socket,sys,time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); c = []
while True: c.append(s.accept())' "$SPORT" &
SILENT=$!
wait_port "$SPORT"
t0=$(date +%s)
"$BIN" --db "$T/e.db" fetch --imap "imap://127.0.0.1:$SPORT/INBOX" --tls none --user $USER \
    --password-file "$T/pw" --timeout 2 2>"$T/err7"; rc=$?
dt=$(($(date +%s) - t0))
kill "$SILENT"
if [ $rc -eq 2 ] && [ $dt -le 5 ] && grep -q "Timeout" "$T/err7"; then ok "silent server: given up after ${dt}s"
else ko "silent server: exit $rc after ${dt}s: $(cat "$T/err7")"; fi

# 7. the daemon's IMAP worker (serve --config), and how long a report takes
# from APPEND to the database (interval 1 s; a measurement, not a timed check)
cat >"$T/daemon.conf" <<EOC
[general]
db = $T/f.db
[daemon]
imap_interval = 1
alerts = no
[imap:main]
url = $URL/INBOX
tls = none
user = $USER
password_file = $T/pw
processed_folder = Processed
error_folder = Error
EOC
DPORT=$(python3 "$HERE/../servers/freeports.py" 1)
"$BIN" serve --config "$T/daemon.conf" --no-enrich --listen "127.0.0.1:$DPORT" >/dev/null 2>"$T/err8" &
FETCH_PID=$!
wait_port "$DPORT"
lat=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	f=$(ls "$T"/msgs/*.eml | sed -n "${i}p")
	before=$("$BIN" --db "$T/f.db" summary --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["raw_messages"])' 2>/dev/null || echo 0)
	t0=$(date +%s%N)
	imap -T "$f" "$URL/INBOX"
	for _ in $(seq 200); do
		now=$("$BIN" --db "$T/f.db" summary --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["raw_messages"])' 2>/dev/null || echo 0)
		[ "$now" -gt "$before" ] && break
		sleep 0.02
	done
	lat="$lat $(( ($(date +%s%N) - t0) / 1000000 ))"
done
kill -TERM "$FETCH_PID"; wait "$FETCH_PID"; rc=$?; FETCH_PID=""
check "daemon: INBOX empty" "$(count INBOX)" 0
check "daemon: SIGTERM exit" "$rc" 0
set -- $(echo $lat | tr ' ' '\n' | sort -n)
echo "info APPEND to database, 10 messages, imap_interval 1 s: median $(eval echo \${5}) ms, max $(eval echo \${10}) ms"
if [ "${10}" -lt 5000 ]; then ok "daemon: every APPEND in the database within 5 s"; else ko "daemon latency: $lat"; fi
finish
