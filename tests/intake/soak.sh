#!/bin/sh
# soak.sh BINARY [SIZE] - the IMAP soak test of issue 16.  SIZE reports
# (default 200; `make soak` runs 2000) made by ../shared/tools/gen_corpus.py
# (fixed seed) and wrapped by soakmsgs.py are APPENDed to a real Dovecot on
# loopback (imap_append.py, SOAK_RATE messages a second, default 50) while
# `dmarcscope serve --config` runs with an [imap:soak] section (poll every
# second).  Meanwhile, as the Processed folder fills: at 1/5 of SIZE Dovecot
# is killed (SIGKILL) and restarted, at 2/5 the daemon's whole process group
# (supervisor, web, imap workers) is killed with SIGKILL and started again,
# at 3/5 Dovecot is stopped cleanly and restarted.  Afterwards: the totals
# equal a clean `dmarcscope ingest` of the same files, INBOX is empty, every
# message (by its X-Soak-Seq header, read from Dovecot's Maildir) is in
# Processed and none in Error, the database holds one archived message and one
# intake row per message (none counted twice), each outage was logged in a
# line or two, and SIGTERM stops the daemon with exit 0.
# Prints "ok"/"FAIL" per check and "info" lines with the timings, then
# "N passed, N failed" as the last line.  KEEP=1 keeps the folder.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SIZE=${2:-${SOAK_SIZE:-200}}
RATE=${SOAK_RATE:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=${GEN_CORPUS:-$HERE/../../../shared/tools/gen_corpus.py}
T=$(mktemp -d /tmp/ds-soak.XXXXXX); chmod 755 "$T"
DPID="" APID=""
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
unset DMARCSCOPE_DB LC_ALL
export LANG=C
USER=dmarc@example.com PASS=secret
. "$HERE/dovecot_lib.sh"
cleanup() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null
	[ -n "$DPID" ] && kill -9 "-$DPID" 2>/dev/null
	dovecot_kill imap
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
if ! command -v dovecot >/dev/null || [ ! -f "$GEN" ]; then
	ko "dovecot (scripts/install-deps.sh) or $GEN is missing"
	finish
fi
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
T0=$(now_ms)
say() { echo "info $(( ($(now_ms) - T0) / 1000 )) s: $*"; }

set -- $(python3 "$HERE/../servers/freeports.py" 2)
PORT=$1 WPORT=$2
printf '%s\n' "$PASS" >"$T/pw"
python3 "$GEN" --reports "$SIZE" --seed 7489 --out "$T/corpus" >/dev/null 2>&1
N=$(python3 "$HERE/soakmsgs.py" "$T/corpus" "$T/msgs")
check "corpus: $SIZE messages" "$N" "$SIZE"
totals() {	# reports records messages quarantined raw_messages
	"$BIN" --db "$1" summary --json | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["reports"], d["records"], d["messages"], d["quarantined"], d["raw_messages"])'
}
DMARCSCOPE_NO_PIPELINE=1 "$BIN" -q --db "$T/direct.db" ingest "$T/msgs" 2>/dev/null
WANT=$(totals "$T/direct.db")
say "clean ingest of the $N files: $WANT (reports records messages quarantined raw)"

dovecot_conf imap "$PORT"
dovecot_start imap "$PORT" || { ko "dovecot did not start: $(tail -3 "$T/imap/dovecot.log")"; finish; }
MD=$T/imap/mail/$USER/Maildir
cat >"$T/ds.conf" <<EOC
# dmarcscope.conf for the soak test
[general]
db = $T/soak.db

[daemon]
imap_interval = 1
imap_max_backoff = 4
alerts = no
drain_timeout = 20

[imap:soak]
url = imap://127.0.0.1:$PORT/INBOX
tls = none
user = $USER
password_file = $T/pw
processed_folder = Processed
error_folder = Error
timeout = 10

# the corpus is dated 2024: a retention run (a minute after start, while a
# long soak is still going) would purge it
[retention]
auto = no

[dnscheck]
auto = no
EOC
start_daemon() {	# its own process group: the SIGKILL takes every worker at once
	setsid "$BIN" serve --config "$T/ds.conf" --no-enrich --listen "127.0.0.1:$WPORT" \
	    >>"$T/serve.out" 2>>"$T/serve.err" &
	DPID=$!
}
files() { find "$@" -type f 2>/dev/null; }
processed() { files "$MD/.Processed/cur" "$MD/.Processed/new" | wc -l; }
seqs() {	# the X-Soak-Seq numbers of the messages in Maildir folders $@, one a line
	for d in "$@"; do files "$d/cur" "$d/new"; done | while read -r f; do
		sed -n '1s/^X-Soak-Seq: <\([0-9]*\)>.*/\1/p' "$f"
	done
}
stacks() {	# each daemon process: pid, state, kernel wait, and (with gdb) its threads' frames
	for p in $(pgrep -s "$DPID" 2>/dev/null); do
		st=$(sed 's/^[0-9]* (.*) \(.\).*/\1/' "/proc/$p/stat" 2>/dev/null)
		bt=""
		if command -v gdb >/dev/null 2>&1; then
			bt=$(timeout 30 gdb -batch -p "$p" -ex "thread apply all bt 10" 2>/dev/null |
			    sed -n 's/^#[0-9]* *\(0x[0-9a-f]* in \)\{0,1\}\([A-Za-z_][A-Za-z0-9_]*\) .*/\2/p' |
			    tr '\n' '<' | cut -c1-700)
		fi
		printf '[%s %s %s: %s] ' "$p" "$st" "$(cat "/proc/$p/wchan" 2>/dev/null)" "$bt"
	done
}
why() {	# what the daemon and Dovecot said last, for a FAIL line (make check shows only those)
	echo "daemon: $(tail -4 "$T/serve.err" | tr '\n' '|') dovecot: $(grep -v ' Info: ' "$T/imap/dovecot.log" 2>/dev/null | tail -3 | tr '\n' '|') processes: $(stacks)"
}
until_processed() {	# count, seconds
	end=$(( $(date +%s) + $2 ))
	while [ "$(processed)" -lt "$1" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.05; done
	[ "$(processed)" -ge "$1" ]
}

start_daemon
wait_port "$WPORT" || ko "the daemon's web worker did not start: $(tail -3 "$T/serve.err")"
python3 "$HERE/imap_append.py" "$PORT" "$USER" "$T/pw" INBOX "$RATE" "$T"/msgs/*.eml \
    >"$T/append.log" 2>"$T/append.err" &
APID=$!
say "appending $N messages at $RATE a second; the daemon polls every second"
LIMIT=$((60 + N / 5))

until_processed $((N / 5)) "$LIMIT" || ko "1/5: only $(processed) in Processed after ${LIMIT}s; $(why)"
say "killing Dovecot with $(files "$MD/cur" "$MD/new" | wc -l) in INBOX"
dovecot_kill imap
say "Dovecot killed (SIGKILL) with $(processed) in Processed, $(grep -c . "$T/append.log") appended"
sleep 1
dovecot_start imap "$PORT" || ko "dovecot did not restart"
say "Dovecot restarted"

until_processed $((2 * N / 5)) "$LIMIT" || ko "2/5: only $(processed) in Processed; $(why)"
kill -9 "-$DPID"; wait "$DPID" 2>/dev/null
say "daemon killed (SIGKILL, supervisor and workers) with $(processed) in Processed"
start_daemon
say "daemon started again"

until_processed $((3 * N / 5)) "$LIMIT" || ko "3/5: only $(processed) in Processed; $(why)"
say "stopping Dovecot with $(processed) in Processed, $(files "$MD/cur" "$MD/new" | wc -l) in INBOX"
dovecot_stop imap
say "Dovecot stopped cleanly with $(processed) in Processed"
sleep 2
dovecot_start imap "$PORT" || ko "dovecot did not restart (2)"
say "Dovecot restarted"

wait "$APID"; rc=$?; APID=""
check "appender: exit" "$rc" 0
say "every message appended"
until_processed "$N" "$LIMIT" || ko "only $(processed) of $N in Processed after ${LIMIT}s; $(why)"
end=$(( $(date +%s) + 30 ))
while [ "$(files "$MD/cur" "$MD/new" | wc -l)" -gt 0 ] && [ "$(date +%s)" -lt "$end" ]; do sleep 0.1; done
say "INBOX empty, $(processed) in Processed"
sleep 1.5	# one more poll: the last moves are recorded
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=""
check "SIGTERM: the daemon exits" "$rc" 0
dovecot_stop imap

A=$(sed -n 's/^\(appended\|resent\|found\) //p' "$T/append.log" | sort -u | wc -l)
check "appender: every message in the mailbox once" "$A" "$N"
R=$(grep -c '^resent' "$T/append.log") F=$(grep -c '^found' "$T/append.log")
say "appender: $R sent again after a drop, $F found stored after a drop"
check "INBOX empty" "$(files "$MD/cur" "$MD/new" | wc -l)" 0
check "no message in Error" "$(files "$MD/.Error/cur" "$MD/.Error/new" | wc -l)" 0
PS=$(seqs "$MD/.Processed" | sort -u)
check "every message in Processed" "$(echo "$PS" | grep -c .)" "$N"
WS=$(cd "$T/msgs" && ls | sed 's/\.eml$//')
check "Processed holds exactly the messages appended" "$(echo "$PS" | cksum)" "$(echo "$WS" | cksum)"
P=$(processed)
EXTRA=$((P - N))
# Dovecot's MOVE on Maildir is a copy, then an expunge: a server killed
# between the two keeps the message in INBOX too, and the retried move makes
# a second copy (the database counts it once).  At most one per kill.
if [ "$EXTRA" -ge 0 ] && [ "$EXTRA" -le 2 ]; then ok "Processed: $P files, $EXTRA second copies (at most 2)"
else ko "Processed: $P files for $N messages"; fi
GOT=$(totals "$T/soak.db")
check "totals equal a clean ingest (reports records messages quarantined raw)" "$GOT" "$WANT"
check "one intake row per message" \
    "$(sqlite3 "$T/soak.db" "SELECT count(*), count(DISTINCT uid) FROM intake_messages")" "$N|$N"
# A move the server carried out but whose answer a kill cut off stays
# unconfirmed (moved = 0); the message is in Processed all the same.
UM=$(sqlite3 "$T/soak.db" "SELECT count(*) FROM intake_messages WHERE moved = 0")
if [ "$UM" -le 3 ]; then ok "moves confirmed: all but $UM (at most one per kill)"
else ko "$UM moves never confirmed"; fi
check "intake outcomes: stored or duplicate (a message stored before the kill and read again)" \
    "$(sqlite3 "$T/soak.db" "SELECT count(*) FROM intake_messages WHERE outcome NOT IN ('stored','duplicate')")" 0
DUP=$(sqlite3 "$T/soak.db" "SELECT count(*) FROM intake_messages WHERE outcome = 'duplicate'")
say "intake rows with outcome duplicate (committed, then the process killed before the UID was recorded): $DUP"
nl=$(grep -c "retrying" "$T/serve.err")
if [ "$nl" -ge 1 ] && [ "$nl" -le 4 ]; then ok "outages logged briefly ($nl 'retrying' lines for 2 server outages)"
else ko "$nl 'retrying' lines: $(grep retrying "$T/serve.err" | head -5)"; fi
ELAPSED=$(( ($(now_ms) - T0) / 1000 ))
say "soak of $N messages done in $ELAPSED s"
finish
