#!/bin/sh
# imap_fail.sh BINARY - IMAP intake when the server misbehaves (issue 16),
# against a real Dovecot on loopback and a TCP relay (tcpproxy.py):
#   1. the watched folder deleted while `fetch --interval` polls it: one log
#      line, no busy loop (CPU time, connections), and once it is made again
#      new mail is taken (new UIDVALIDITY);
#   2. the processed folder deleted while polling: made again, mail moved;
#   3. a server that stops answering mid-command (relay "stall") next to a
#      healthy mailbox: the healthy one's mail is taken within seconds, the
#      stuck one is given up after `timeout`, logged once, retried with
#      backoff (few connections, little CPU), and SIGTERM stops at once;
#   4. a connection dropped mid-FETCH (relay "cut"): retried, stored once.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=${GEN_CORPUS:-$HERE/../../../shared/tools/gen_corpus.py}
T=$(mktemp -d /tmp/ds-imapfail.XXXXXX); chmod 755 "$T"
FPID="" XPID=""
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
unset DMARCSCOPE_DB LC_ALL
export LANG=C DMARCSCOPE_NO_PIPELINE=1
USER=dmarc@example.com PASS=secret
. "$HERE/dovecot_lib.sh"
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	[ -n "$XPID" ] && kill "$XPID" 2>/dev/null
	dovecot_kill imap
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
if ! command -v dovecot >/dev/null || [ ! -f "$GEN" ]; then
	ko "dovecot (scripts/install-deps.sh) or $GEN is missing"
	finish
fi
set -- $(python3 "$HERE/../servers/freeports.py" 2)
PORT=$1 XPORT=$2
printf '%s\n' "$PASS" >"$T/pw"
python3 "$GEN" --reports 12 --seed 16 --out "$T/corpus" >/dev/null 2>&1
python3 "$HERE/soakmsgs.py" "$T/corpus" "$T/msgs" >/dev/null
dovecot_conf imap "$PORT"
dovecot_start imap "$PORT" || { ko "dovecot did not start: $(tail -3 "$T/imap/dovecot.log")"; finish; }
URL=imap://127.0.0.1:$PORT
imap() { curl -s -u "$USER:$PASS" "$@"; }
append() { imap -T "$T/msgs/$(printf %06d "$1").eml" "$URL/$2" || ko "APPEND $1 to $2"; }
count() { imap_count "$PORT" "$1"; }
reports() { "$BIN" --db "$1" summary --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["reports"])'; }
wait_for() {	# seconds, command...: 0 once the command succeeds
	n=$(($1 * 20)); shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.05; done
	return 1
}
is() { [ "$($1 "$2")" = "$3" ]; }
ticks() {	# CPU time (1/100 s) of process $1 and its children
	for p in "$1" $(ps -o pid= --ppid "$1"); do
		awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}
stop_fetch() { kill -TERM "$FPID"; wait "$FPID"; rc=$?; FPID=""; }

# 1. the watched folder deleted while polling
imap "$URL/" -X "CREATE Reports" >/dev/null
append 1 Reports; append 2 Reports
"$BIN" --db "$T/a.db" fetch --imap "$URL/Reports" --tls none --user "$USER" --password-file "$T/pw" \
    --processed-folder Processed --interval 1 --max-backoff 4 2>"$T/err1" &
FPID=$!
wait_for 10 is count Reports 0 || ko "the first two messages were not taken"
check "folder: first messages stored" "$(reports "$T/a.db")" 2
imap "$URL/" -X "DELETE Reports" >/dev/null
c0=$(ticks "$FPID")
sleep 8
c1=$(ticks "$FPID")
nl=$(grep -c "retrying" "$T/err1")
check "folder deleted: one log line" "$nl" 1
if grep -q "missing (deleted or renamed?)" "$T/err1"; then ok "folder deleted: the line says the folder is missing"
else ko "folder deleted: $(cat "$T/err1")"; fi
L=$(grep -c 'STATUS "Reports"' "$T/imap/dovecot.log" 2>/dev/null || echo 0)
if [ $((c1 - c0)) -le 50 ]; then ok "folder deleted: no busy loop ($((c1 - c0))/100 s CPU in 8 s)"
else ko "folder deleted: $((c1 - c0))/100 s CPU in 8 s"; fi
imap "$URL/" -X "CREATE Reports" >/dev/null
append 3 Reports; append 4 Reports
if wait_for 15 is count Reports 0; then ok "folder made again: new mail taken"; else ko "folder made again: mail not taken: $(cat "$T/err1")"; fi
check "folder made again: 4 reports" "$(reports "$T/a.db")" 4
if grep -q "working again" "$T/err1" && grep -q "UIDVALIDITY" "$T/err1"; then ok "folder made again: 'working again', new UIDVALIDITY logged"
else ko "folder made again: log: $(cat "$T/err1")"; fi

# 2. the processed folder deleted while polling
imap "$URL/" -X "DELETE Processed" >/dev/null
append 5 Reports
if wait_for 10 is count Reports 0; then ok "processed folder deleted: the message moved"; else ko "processed folder deleted: the message stays: $(tail -3 "$T/err1")"; fi
check "processed folder deleted: it was made again, with the message" "$(count Processed)" 1
if grep -q "was missing; made again" "$T/err1"; then ok "processed folder deleted: logged"; else ko "no log line: $(tail -3 "$T/err1")"; fi
stop_fetch
check "SIGTERM: exit" "$rc" 0

# 3. a stalled server next to a healthy mailbox (two [imap:] sections)
imap "$URL/" -X "CREATE Slow" >/dev/null
append 6 Slow
python3 "$HERE/tcpproxy.py" "$XPORT" "$PORT" stall 1500 >"$T/proxy3" &
XPID=$!
wait_port "$XPORT"
cat >"$T/two.conf" <<EOC
[imap:stuck]
url = imap://127.0.0.1:$XPORT/Slow
tls = none
user = $USER
password_file = $T/pw
processed_folder = Processed
timeout = 3

[imap:healthy]
url = imap://127.0.0.1:$PORT/INBOX
tls = none
user = $USER
password_file = $T/pw
processed_folder = Processed
timeout = 3
EOC
"$BIN" --db "$T/b.db" --config "$T/two.conf" fetch --interval 1 --max-backoff 4 2>"$T/err3" &
FPID=$!
sleep 1
c0=$(ticks "$FPID")
slow=0 worst=0
for i in 7 8 9 10; do
	t0=$(date +%s%N)
	append "$i" INBOX
	wait_for 10 is count INBOX 0
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -gt "$worst" ] && worst=$ms
	[ "$ms" -gt 2500 ] && slow=$((slow + 1))
	sleep 1
done
check "stalled server: the healthy mailbox's mail taken within 2.5 s (slowest $worst ms)" "$slow" 0
sleep 4
c1=$(ticks "$FPID")
check "stalled server: its message stays" "$(count Slow)" 1
if grep -q "imap stuck: .*retrying" "$T/err3" && [ "$(grep -c "imap stuck: .*retrying" "$T/err3")" -eq 1 ]; then
	ok "stalled server: one log line"; else ko "stalled server log: $(cat "$T/err3")"; fi
NC=$(grep -c accept "$T/proxy3")
if [ "$NC" -ge 2 ] && [ "$NC" -le 6 ]; then ok "stalled server: retried with backoff ($NC connections in ~13 s)"
else ko "stalled server: $NC connections"; fi
if [ $((c1 - c0)) -le 80 ]; then ok "stalled server: no busy loop ($((c1 - c0))/100 s CPU in ~12 s)"
else ko "stalled server: $((c1 - c0))/100 s CPU"; fi
# a mailbox's process killed: started again
KIDS=$(ps -o pid= --ppid "$FPID" | tr '\n' ' ')
check "one process per mailbox" "$(echo $KIDS | wc -w)" 2
kill -9 $KIDS
sleep 0.5
append 11 INBOX
if wait_for 8 is count INBOX 0; then ok "mailbox processes killed: started again, mail taken"
else ko "mailbox processes killed: mail not taken: $(tail -3 "$T/err3")"; fi
if grep -q "restarting in 1s" "$T/err3"; then ok "mailbox process killed: logged"; else ko "no restart line: $(tail -3 "$T/err3")"; fi
sleep 1.5	# the stuck mailbox's new process is in its stalled command again
t0=$(date +%s%N)
stop_fetch
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$rc" -eq 0 ] && [ "$ms" -lt 1500 ]; then ok "SIGTERM with a stalled command: exit 0 in $ms ms"
else ko "SIGTERM with a stalled command: exit $rc in $ms ms"; fi
kill "$XPID"; wait "$XPID" 2>/dev/null; XPID=""

# 4. the connection dropped mid-FETCH, once
python3 "$HERE/tcpproxy.py" "$XPORT" "$PORT" cut 200 >"$T/proxy4" &
XPID=$!
wait_port "$XPORT"
"$BIN" --db "$T/c.db" fetch --imap "imap://127.0.0.1:$XPORT/Slow" --tls none --user "$USER" \
    --password-file "$T/pw" --processed-folder Processed --interval 1 --max-backoff 2 2>"$T/err4" &
FPID=$!
if wait_for 15 is count Slow 0; then ok "dropped mid-fetch: taken on the retry"; else ko "dropped mid-fetch: $(cat "$T/err4")"; fi
stop_fetch
# connections: wait_port's probe, the one cut, the retry
check "dropped mid-fetch: one more connection" "$(grep -c accept "$T/proxy4")" 3
check "dropped mid-fetch: retried at once, nothing logged as failing" "$(grep -c retrying "$T/err4")" 0
check "dropped mid-fetch: stored once" "$(reports "$T/c.db") $(sqlite3 "$T/c.db" 'SELECT count(*) FROM raw_messages')" "1 1"
finish
