#!/bin/sh
# maildir.sh BINARY - `dmarcscope watch` on a Maildir: messages of the real
# corpus (wrapped by mkmsgs.py) are delivered one at a time as an MDA does
# (written to tmp/, renamed into new/); each must be stored and moved to
# .Processed/cur (or .Error/cur when refused) within a second; the totals
# equal a direct `dmarcscope ingest`.  Then the watcher is killed (SIGKILL)
# mid-batch and restarted: nothing lost, nothing counted twice.  SIGTERM
# exits 0; the [maildir:NAME] section of --config; a directory that is not a
# Maildir is a clear error.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${CORPUS:-$HERE/../../../shared/corpus/real}
T=$(mktemp -d /tmp/ds-maildir.XXXXXX)
WPID=""
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
cleanup() { [ -n "$WPID" ] && kill "$WPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
unset DMARCSCOPE_DB LC_ALL
export LANG=C DMARCSCOPE_NO_PIPELINE=1
[ -d "$CORPUS/aggregate" ] || { ko "corpus $CORPUS missing"; finish; }

totals() {
	"$BIN" --db "$1" summary --json | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["reports"], d["records"], d["messages"], d["quarantined"])'
}
nfiles() { find "$@" -type f 2>/dev/null | wc -l; }
N=$(python3 "$HERE/mkmsgs.py" "$CORPUS" "$T/msgs")
"$BIN" -q --db "$T/direct.db" ingest "$T/msgs" 2>/dev/null
WANT=$(totals "$T/direct.db")
M=$T/Maildir
mkdir -p "$M/cur" "$M/new" "$M/tmp"
deliver() {	# file, unique name
	cp "$1" "$M/tmp/$2" && mv "$M/tmp/$2" "$M/new/$2"
}

# 1. one at a time, each within a second
"$BIN" --db "$T/a.db" watch --maildir "$M" 2>"$T/err1" &
WPID=$!
sleep 0.5
i=0 slow=0 max=0
for f in "$T"/msgs/*.eml; do
	i=$((i + 1))
	t0=$(date +%s%N)
	deliver "$f" "$i.$$.test"
	while [ "$(nfiles "$M/.Processed/cur" "$M/.Error/cur")" -lt "$i" ]; do
		sleep 0.01
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 5000 ] && break
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -gt "$max" ] && max=$ms
	[ "$ms" -ge 1000 ] && slow=$((slow + 1))
done
check "every message stored and moved within a second (slowest ${max} ms)" "$slow" 0
check "new/ and cur/ empty" "$(nfiles "$M/new" "$M/cur")" 0
E=$(nfiles "$M/.Error/cur")
if [ "$E" -ge 1 ]; then ok "refused message in .Error ($E)"; else ko "no message in .Error"; fi
check "totals equal a direct ingest" "$(totals "$T/a.db")" "$WANT"
kill -TERM "$WPID"; wait "$WPID"; rc=$?; WPID=""
check "SIGTERM: exit" "$rc" 0

# 2. killed mid-batch, restarted
rm -rf "$M"; mkdir -p "$M/cur" "$M/new" "$M/tmp"
for k in 1 2 3 4 5 6 7 8; do for f in "$T"/msgs/*.eml; do deliver "$f" "$k.$(basename "$f").b"; done; done
TOTAL=$((8 * N))
"$BIN" --db "$T/b.db" watch --maildir "$M" 2>"$T/err2" &
WPID=$!
for _ in $(seq 400); do [ "$(ls "$M/.Processed/cur" 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.005; done
kill -9 "$WPID"; wait "$WPID" 2>/dev/null; WPID=""
LEFT=$(nfiles "$M/new" "$M/cur")
if [ "$LEFT" -gt 0 ]; then ok "killed mid-batch ($LEFT left)"; else ko "the kill came too late (nothing left)"; fi
"$BIN" --db "$T/b.db" watch --maildir "$M" --once 2>>"$T/err2"; rc=$?
check "restart: every message moved" "$(nfiles "$M/.Processed/cur" "$M/.Error/cur")" "$TOTAL"
check "restart: totals equal a direct ingest" "$(totals "$T/b.db")" "$WANT"

# 3. the config file, and errors
rm -rf "$M"; mkdir -p "$M/cur" "$M/new" "$M/tmp" "$T/done"
printf '[maildir:rua]\npath = %s\nprocessed_folder = %s\nerror_folder = .Bad\n' "$M" "$T/done" >"$T/ds.conf"
deliver "$T/msgs/001.eml" one.test
"$BIN" -q --db "$T/c.db" --config "$T/ds.conf" watch --once; rc=$?
check "[maildir:rua] of --config: exit" "$rc" 0
check "[maildir:rua]: moved to the absolute processed folder" "$(nfiles "$T/done/cur")" 1
"$BIN" --db "$T/c.db" watch --maildir "$T/msgs" --once 2>"$T/err3"; rc=$?
if [ $rc -eq 2 ] && grep -q "not a Maildir" "$T/err3"; then ok "not a Maildir: clear error"
else ko "not a Maildir: exit $rc $(cat "$T/err3")"; fi
finish
