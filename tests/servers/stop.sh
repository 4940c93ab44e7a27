#!/bin/sh
# stop.sh DIR - stop the servers tests/servers/start.sh DIR started (by the
# pids in DIR), wait for them to exit, and remove DIR.
[ $# -eq 1 ] || { echo "usage: stop.sh DIR" >&2; exit 2; }
T=$1
[ -d "$T" ] || exit 0
pids=""
for f in "$T"/rbl/rbldnsd.pid "$T"/dns/*.pid "$T"/rdap.pid; do
	[ -s "$f" ] && pids="$pids $(cat "$f")"
done
[ -f "$T/stop.sh" ] && sh "$T/stop.sh" >/dev/null 2>&1
for p in $pids; do
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.05; i=$((i + 1)); done
done
rm -rf "$T"
exit 0
