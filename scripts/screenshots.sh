#!/bin/sh
# screenshots.sh [OUTDIR] - regenerates docs/screenshots/ from exactly what
# `make run` shows: scripts/run-demo.sh (PORTAL=0) into a scratch database,
# then the portal as make run starts it (serve --offline) on a free loopback
# port, and tests/web/shots.mjs photographs every screen in ja and en.
# Needs the build (make all) and node_modules (make deps).
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-docs/screenshots}
BIN=${DMARCSCOPE_BIN:-$(pwd)/build/dmarcscope}
T=$(mktemp -d /tmp/dmarcscope-shots.XXXXXX)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
DMARCSCOPE_DB=$T/demo.db DMARCSCOPE_BIN=$BIN DEMO_WORK=$T PORTAL=0 sh scripts/run-demo.sh \
    >"$T/run.out" 2>"$T/run.err" || { tail -5 "$T/run.err"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --db "$T/demo.db" serve --listen "127.0.0.1:$PORT" --offline >"$T/serve.log" 2>&1 &
PID=$!
i=0
until curl -fsS -m 2 "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && { cat "$T/serve.log"; exit 1; }; sleep 0.2
done
mkdir -p "$OUT"
node tests/web/shots.mjs "http://127.0.0.1:$PORT" "$OUT"
# the login and account screens (provider mode): login.mjs builds its own database with users
node tests/web/login.mjs "$BIN" --shots "$OUT" >/dev/null
