#!/bin/sh
# daemon.sh BINARY - `dmarcscope config check` and `serve --config`: the
# supervisor with its web, maildir and alerts workers (child processes);
# mail delivered to the configured Maildir shows in the database while the
# portal answers; a killed worker is restarted; SIGHUP with a new file
# starts a second Maildir, SIGHUP with a broken file keeps the running
# configuration; SIGTERM stops everything and exits 0.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${CORPUS:-$HERE/../../../shared/corpus/real}
T=$(mktemp -d /tmp/ds-daemon.XXXXXX)
SPID=""
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
unset DMARCSCOPE_DB LC_ALL
export LANG=C
[ -d "$CORPUS/aggregate" ] || { ko "corpus $CORPUS missing"; finish; }
python3 "$HERE/mkmsgs.py" "$CORPUS" "$T/msgs" >/dev/null
PORT=$(python3 "$HERE/../servers/freeports.py" 1)
mkdir -p "$T/M/cur" "$T/M/new" "$T/M/tmp" "$T/M2/cur" "$T/M2/new" "$T/M2/tmp"
deliver() { cp "$1" "$2/tmp/$3" && mv "$2/tmp/$3" "$2/new/$3"; }
reports() { "$BIN" --db "$T/d.db" summary --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["reports"])'; }
wait_for() {	# seconds, command...: until the command succeeds
	n=$(($1 * 20)); shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.05; done
	return 1
}
moved() { [ "$(find "$1/.Processed/cur" -type f 2>/dev/null | wc -l)" -ge "$2" ]; }
conf() {
	cat <<EOC
# dmarcscope.conf (test)
[general]
db = $T/d.db

[daemon]
imap_interval = 5
alert_interval = 5
drain_timeout = 10

[maildir:local]
path = $T/M
EOC
}
conf >"$T/ok.conf"
"$BIN" --config "$T/ok.conf" config check >"$T/out1" 2>&1; rc=$?
check "config check: good file exit" "$rc" 0
printf '[daemon]\nimap_intervall = 5\nimap_max_backoff = 0\n[imap:x]\nurl = http://example.invalid/\ntls = maybe\n[maildir:y]\npath = %s/nope\n[frobnicate]\n' "$T" >"$T/bad.conf"
"$BIN" --config "$T/bad.conf" config check >"$T/out2" 2>&1; rc=$?
check "config check: bad file exit" "$rc" 1
for w in "imap_intervall: unknown key" "imap_max_backoff" "not an imap://" "tls = maybe" "not a Maildir" "[frobnicate]: unknown section"; do
	if grep -qF "$w" "$T/out2"; then ok "config check names: $w"; else ko "config check misses '$w': $(cat "$T/out2")"; fi
done
printf 'this is not key = value\n[\n' >"$T/broken.conf"
"$BIN" --config "$T/broken.conf" config check >/dev/null 2>&1; rc=$?
check "config check: unparsable file exit" "$rc" 2

"$BIN" serve --config "$T/ok.conf" --no-enrich --listen "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
if wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$PORT/"; then ok "portal answers"; else ko "portal: $(tail -3 "$T/serve.err")"; fi
three() { [ "$(ps -o pid= --ppid "$SPID" | wc -l)" -eq 3 ]; }
if wait_for 5 three; then ok "supervisor has web, maildir and alerts workers"
else ko "supervisor's workers: $(ps -o pid=,cmd= --ppid "$SPID" | tr '\n' ';')"; fi
deliver "$T/msgs/001.eml" "$T/M" a1
if wait_for 3 moved "$T/M" 1; then ok "Maildir delivery taken by the daemon"; else ko "Maildir delivery not taken"; fi
R1=$(reports)
if [ "$R1" -ge 1 ]; then ok "reports stored ($R1)"; else ko "no report stored"; fi

# a killed worker comes back
W=""
for p in $(ps -o pid= --ppid "$SPID"); do
	tr '\0' ' ' <"/proc/$p/cmdline" | grep -q . && W="$W $p"
done
MW=$(for p in $(ps -o pid= --ppid "$SPID"); do ls -l "/proc/$p/fd" 2>/dev/null | grep -q inotify && echo "$p"; done | head -1)
if [ -n "$MW" ]; then
	kill -9 "$MW"
	sleep 0.3
	deliver "$T/msgs/002.eml" "$T/M" a2
	if wait_for 5 moved "$T/M" 2; then ok "killed maildir worker restarted"; else ko "maildir worker not restarted"; fi
else ko "no maildir worker found"; fi

# SIGHUP: a broken file keeps what runs; a good one adds [maildir:two]
cp "$T/ok.conf" "$T/live.conf"
kill "$SPID"; wait "$SPID"; SPID=""
"$BIN" serve --config "$T/live.conf" --no-enrich --listen "127.0.0.1:$PORT" >>"$T/serve.out" 2>>"$T/serve.err" &
SPID=$!
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$PORT/"
cp "$T/bad.conf" "$T/live.conf"
kill -HUP "$SPID"; sleep 0.5
deliver "$T/msgs/003.eml" "$T/M" a3
if wait_for 3 moved "$T/M" 3 && grep -q "keeping the running" "$T/serve.err"; then ok "SIGHUP with a broken file: still running"
else ko "SIGHUP with a broken file: $(tail -3 "$T/serve.err")"; fi
{ conf; printf '\n[maildir:two]\npath = %s/M2\n' "$T"; } >"$T/live.conf"
kill -HUP "$SPID"
deliver "$T/msgs/004.eml" "$T/M2" b1
if wait_for 10 moved "$T/M2" 1; then ok "SIGHUP: the new [maildir:two] is watched"; else ko "SIGHUP: M2 not watched: $(tail -3 "$T/serve.err")"; fi
if wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$PORT/"; then ok "portal answers after reload"; else ko "portal gone after reload"; fi

# SIGTERM: everything stops
CH=$(ps -o pid= --ppid "$SPID" | tr '\n' ' ')
kill -TERM "$SPID"; wait "$SPID"; rc=$?; SPID=""
check "SIGTERM: exit" "$rc" 0
LEFT=0; for p in $CH; do kill -0 "$p" 2>/dev/null && LEFT=$((LEFT + 1)); done
check "SIGTERM: no worker left" "$LEFT" 0
finish
