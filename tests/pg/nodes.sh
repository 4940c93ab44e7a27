#!/bin/sh
# nodes.sh [BIN] - several web nodes on one PostgreSQL, and a read replica
# (issue 17): a throwaway primary (tests/servers/pg.sh) and a real streaming
# standby of it (pg_basebackup -R, a second postmaster on another loopback
# port), two `serve` processes:
#   A  --db PRIMARY
#   B  --db PRIMARY --db-replica STANDBY --replica-max-lag 2000
# Checks: a sender registered through one node shows on the other within a
# second (both ways); 40 writes through A each read back at once from A (the
# response cache keyed by the node's own writes too: 24 of 40 were stale
# before); B reads from the standby (with its replay paused, B's
# data version stays behind A's while the lag is within the bound) and falls
# back to the primary once the lag passes the bound, and returns to the
# standby when it has caught up; with the standby stopped, B still answers
# from the primary; SQLite refuses --db-replica; config check knows
# [database].  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
T=$(mktemp -d /tmp/dmarcscope-pgnodes.XXXXXX)
chmod 755 "$T"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
as_pg() {	# as tests/servers/pg.sh: the server runs as postgres when we are root
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
PIDS=""
SB=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "$SB" ] && as_pg "$PGBIN/pg_ctl" -D "$SB/data" -m immediate -w stop \
	    >/dev/null 2>&1
	sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"
P=0 F=0
ok() { P=$((P + 1)); echo "PASS $1"; }
no() { F=$((F + 1)); echo "FAIL $1"; }
check() {	# name, then the command
	name=$1; shift
	if "$@"; then ok "$name"; else no "$name"; fi
}
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if ! sh tests/servers/pg.sh start "$T/pg" >"$T/pg.log" 2>&1; then
	cat "$T/pg.log"
	echo "0 passed, 1 failed (PostgreSQL did not start)"
	exit 1
fi
. "$T/pg/env"
PRIMARY="$PG_DSN"
python3 tests/web/gen_reports.py "$T/demo" >/dev/null
"$BIN" --db "$PRIMARY" -q ingest --no-progress "$T/demo" >/dev/null 2>"$T/ingest.err" ||
    { no "ingest into the primary"; cat "$T/ingest.err" | head; }

# ---- the standby ----------------------------------------------------------------
PPORT=$(psql -Atq "$PRIMARY" -c "SHOW port")
PUSER=$(psql -Atq "$PRIMARY" -c "SELECT current_user")
PDB=$(psql -Atq "$PRIMARY" -c "SELECT current_database()")
SP=$(port)
SB="$T/standby"
mkdir -p "$SB"
[ "$(id -u)" = 0 ] && chown postgres: "$SB"
if as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PPORT" -U "$PUSER" \
    -D "$SB/data" -R -X stream -c fast >"$T/basebackup.log" 2>&1 &&
    as_pg "$PGBIN/pg_ctl" -D "$SB/data" -l "$SB/server.log" -w \
    -o "-p $SP -k $SB -c listen_addresses=127.0.0.1" start >"$T/standby.log" 2>&1; then
	ok "streaming standby started (pg_basebackup -R, port $SP)"
else
	no "streaming standby started"; cat "$T/basebackup.log" "$T/standby.log" "$SB/server.log" 2>/dev/null | tail
	echo "$P passed, $F failed"; exit 1
fi
STANDBY="postgresql://$PUSER@127.0.0.1:$SP/$PDB"
check "the standby is in recovery" [ "$(psql -Atq "$STANDBY" -c 'SELECT pg_is_in_recovery()')" = t ]

# ---- two nodes --------------------------------------------------------------------
PA=$(port) PB=$(port)
"$BIN" --db "$PRIMARY" serve --listen "127.0.0.1:$PA" --no-enrich >"$T/a.log" 2>&1 &
PIDS="$PIDS $!"
"$BIN" --db "$PRIMARY" serve --listen "127.0.0.1:$PB" --no-enrich --db-replica "$STANDBY" \
    --replica-max-lag 2000 >"$T/b.log" 2>&1 &
PIDS="$PIDS $!"
A="http://127.0.0.1:$PA/api/v1" B="http://127.0.0.1:$PB/api/v1"
for i in $(seq 100); do
	curl -sf "$A/version" >/dev/null 2>&1 && curl -sf "$B/version" >/dev/null 2>&1 && break
	sleep 0.1
done
check "both nodes answer the same domains" [ -n "$(curl -s "$A/domains")" ] &&
    [ "$(curl -s "$A/domains")" = "$(curl -s "$B/domains")" ]
R="domain=example.co.jp&since=2026-11-01&until=2026-11-30"
# every read route, A (the primary) against B (the standby): the same answers
python3 tests/pg/webcompare.py "http://127.0.0.1:$PA" "http://127.0.0.1:$PB" --max-ids 5 --label "A/B" \
    >"$T/ab.log" 2>&1
if tail -1 "$T/ab.log" | grep -q ' 0 failed'; then ok "every read route: node B (standby) answers as A ($(tail -1 "$T/ab.log"))"
else no "every read route: node B (standby) answers as A"; grep -v '^PASS' "$T/ab.log" | head -10; fi

# register(NODE, CIDR): POST a sender through NODE
register() {
	curl -s -X POST -H 'Content-Type: application/json' \
	    -d "{\"domain\":\"example.co.jp\",\"kind\":2,\"match_type\":\"cidr\",\"value\":\"$2\"}" \
	    "$1/senders" | grep -q '"id"'
}
# shows_within(NODE, CIDR, MS): the Senders screen of NODE lists CIDR within MS
shows_within() {
	t0=$(now_ms)
	while :; do
		curl -s "$1/senders?$R" | grep -q "\"$2\"" && { WAITED=$(( $(now_ms) - t0 )); return 0; }
		WAITED=$(( $(now_ms) - t0 ))
		[ "$WAITED" -gt "$3" ] && return 1
		sleep 0.05
	done
}
curl -s "$B/senders?$R" >/dev/null	# cached on B under the current version
if register "$A" 198.51.100.0/24 && shows_within "$B" 198.51.100.0/24 3000 && [ "$WAITED" -le 1000 ]
then ok "a sender registered on A shows on B (through the standby) in ${WAITED} ms"
else no "a sender registered on A shows on B within a second (${WAITED:-?} ms)"; fi
curl -s "$A/senders?$R" >/dev/null
if register "$B" 203.0.113.0/24 && shows_within "$A" 203.0.113.0/24 3000 && [ "$WAITED" -le 1000 ]
then ok "a sender registered on B shows on A in ${WAITED} ms"
else no "a sender registered on B shows on A within a second (${WAITED:-?} ms)"; fi

# ---- read your writes on one node: the first read after a write through A never gets A's
# cached answer from before it, though A reads the data version again only 4 times a second
curl -s "$A/senders?$R" >/dev/null
stale=0 bad=0
for i in $(seq 40); do
	register "$A" "198.18.$i.0/24" || { bad=$((bad + 1)); continue; }
	curl -s "$A/senders?$R" | grep -q "\"198.18.$i.0/24\"" || stale=$((stale + 1))
done
if [ "$bad" -eq 0 ] && [ "$stale" -eq 0 ]; then ok "40 writes through A, each read back at once from A"
else no "40 writes through A read back at once: $stale stale answers, $bad writes refused"; fi

# ---- the standby lags: B stays on it within the bound, then reads the primary -----
ver() { curl -s "$1/version" | sed 's/.*"version":"\([^"]*\)".*/\1/'; }
quiet() {	# until the primary writes nothing for a second (reanalysis done)
	for i in $(seq 30); do
		l1=$(psql -Atq "$PRIMARY" -c "SELECT pg_current_wal_lsn()")
		sleep 1
		[ "$l1" = "$(psql -Atq "$PRIMARY" -c "SELECT pg_current_wal_lsn()")" ] && return 0
	done
	return 1
}
lag_round() {	# name CIDR
	quiet
	psql -Atq "$STANDBY" -c "SELECT pg_wal_replay_pause()" >/dev/null
	sleep 0.5
	vb0=$(ver "$B") va0=$(ver "$A")
	t0=$(now_ms)
	register "$A" "$2"
	sleep 0.4
	va1=$(ver "$A") vb1=$(ver "$B")
	if [ "$va1" != "$va0" ] && [ "$vb1" = "$vb0" ]; then
		ok "$1: B reads the standby while it lags less than 2 s (A $va0 → $va1, B stays $vb1)"
	else
		no "$1: B reads the standby while it lags less than 2 s (A $va0 → $va1, B $vb0 → $vb1)"
	fi
	while [ "$(ver "$B")" = "$vb0" ] && [ $(( $(now_ms) - t0 )) -lt 8000 ]; do sleep 0.05; done
	el=$(( $(now_ms) - t0 ))
	# The lag counts from when B's store connection last saw the standby caught up: each
	# connection checks at most every 250 ms, and only when it is used, so that moment can
	# be a few hundred ms before the write at t0 and B moves somewhat before t0 + 2000 ms
	# (CI once saw 1861 ms against an old floor of 1900).  The check at t0 + 400 ms above
	# shows it stays within the bound.
	if [ "$el" -ge 1450 ] && [ "$el" -le 4000 ] && curl -s "$B/senders?$R" | grep -q "\"$2\""; then
		ok "$1: past the bound B reads the primary (its version moved after $el ms, bound 2000)"
	else
		no "$1: past the bound B reads the primary (after $el ms; want 1450..4000)"
	fi
	psql -Atq "$STANDBY" -c "SELECT pg_wal_replay_resume()" >/dev/null
}
lag_round "lag 1" 192.0.2.128/25
sleep 1	# the standby catches up; B goes back to it
lag_round "lag 2 (back on the standby after catching up)" 192.0.2.64/26

# ---- the standby goes away: B answers from the primary ----------------------------
as_pg "$PGBIN/pg_ctl" -D "$SB/data" -m immediate -w stop >/dev/null 2>&1
SB=""
check "standby stopped: B still answers" sh -c "curl -sf '$B/domains' | grep -q example.co.jp"
if register "$A" 10.9.8.0/24 && shows_within "$B" 10.9.8.0/24 3000
then ok "standby stopped: B shows a new sender from the primary (${WAITED} ms)"
else no "standby stopped: B shows a new sender from the primary"; fi
for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
PIDS=""
check "the nodes' logs: no fatal error, no sanitizer report" sh -c \
    "! grep -qi 'fatal\|abort\|sanitizer\|runtime error' '$T/a.log' '$T/b.log'"

# ---- SQLite, configuration ----------------------------------------------------------
"$BIN" --db "$T/x.db" -q ingest --no-progress "$T/demo" >/dev/null 2>&1
if "$BIN" --db "$T/x.db" serve --listen "127.0.0.1:$(port)" --no-enrich --db-replica "$STANDBY" \
    >"$T/sq.log" 2>&1; then no "SQLite refuses --db-replica (it served)"
elif grep -q "read replicas need PostgreSQL" "$T/sq.log"; then ok "SQLite refuses --db-replica"
else no "SQLite refuses --db-replica: $(head -2 "$T/sq.log")"; fi
printf '[general]\ndb = %s\n[database]\nreplica = %s\nreplica_max_lag_ms = 750\n' "$PRIMARY" "$STANDBY" \
    >"$T/good.conf"
printf '[database]\nreplica_max_lag_ms = soon\nreplicas = x\n' >"$T/bad.conf"
check "config check: [database] replica, replica_max_lag_ms" \
    sh -c "'$BIN' --config '$T/good.conf' config check >/dev/null 2>&1"
check "config check: a bad [database] is named" \
    sh -c "'$BIN' --config '$T/bad.conf' config check 2>&1 | grep -q 'replica_max_lag_ms' &&
    ! '$BIN' --config '$T/bad.conf' config check >/dev/null 2>&1"

echo "$P passed, $F failed"
[ "$F" -eq 0 ]
