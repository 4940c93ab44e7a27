#!/bin/sh
# bench/pg_ratio.sh [RUNS] - issue 17's ingest target, by itself: the mixed
# corpus (bench/out/mixed, made by bench/run.sh) into SQLite and into
# PostgreSQL, interleaved, RUNS rounds (default 3), each into a fresh database
# (PostgreSQL's migrated before the timing starts, as SQLite's is).  Prints
# one line per run (wall, the client's CPU, and for PostgreSQL the server's
# CPU: the whole throwaway cluster's, the exited backends through the
# postmaster's cutime/cstime), then the medians and PostgreSQL / SQLite.
# Each round also runs PostgreSQL with `ingest --jobs J` (PGR_JOBS, default
# the CPUs, at most 4): worker processes whose grouped transactions write
# side by side; its median and ratio are printed on a line of their own.
# bench/run.sh (make bench) measures the same in its section a with the
# floors and the big report; this is the quick form for a quiet moment.
# Environment: DMARCSCOPE (default build/dmarcscope), PGR_DIR (default
# bench/out/pg-ratio, removed first).  Exit 0, or 2 on a setup error.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BIN=${DMARCSCOPE:-build/dmarcscope}
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
JOBS=${PGR_JOBS:-$([ "$NCPU" -gt 4 ] && echo 4 || echo "$NCPU")}
DIR=${PGR_DIR:-bench/out/pg-ratio}
[ -d bench/out/mixed ] || { echo "pg_ratio.sh: bench/out/mixed missing (BENCH_GEN_ONLY=1 sh bench/run.sh)" >&2; exit 2; }
sh tests/servers/pg.sh stop "$DIR/pg" >/dev/null 2>&1 || true
rm -rf "$DIR"
mkdir -p "$DIR"
DSN=$(sh tests/servers/pg.sh start "$DIR/pg") || { echo "pg_ratio.sh: PostgreSQL did not start" >&2; exit 2; }
trap 'sh tests/servers/pg.sh stop "$DIR/pg" >/dev/null 2>&1' EXIT INT TERM
PM=$(head -1 "$DIR/pg/data/postmaster.pid")
ADMIN=$(printf '%s' "$DSN" | sed 's|/[^/]*$|/postgres|')
BDSN=$(printf '%s' "$DSN" | sed 's|/[^/]*$|/ratio|')
server_ticks() {	# the cluster's CPU so far, in clock ticks
	for p in $PM $(cat /proc/"$PM"/task/*/children 2>/dev/null); do
		[ -r /proc/"$p"/stat ] || continue
		sed 's/.*) //' /proc/"$p"/stat | awk -v pm="$([ "$p" = "$PM" ] && echo 1)" \
		    '{ s = $12 + $13; if (pm == 1) s += $14 + $15; print s }'
	done | awk '{ t += $1 } END { print t + 0 }'
}
TCK=$(getconf CLK_TCK)
run() {	# DB [JOBS] -> "wall cpu" of one ingest
	/usr/bin/time -f '%e %U %S' -o "$DIR/time" "$BIN" --db "$1" -q ingest --jobs "${2:-1}" \
	    --json --no-progress bench/out/mixed >"$DIR/out.json"
	awk '{ printf "%.2f %.2f", $1, $2 + $3 }' "$DIR/time"
}
pg_round() {	# JOBS LABEL: one PostgreSQL run into a fresh database, its wall into $DIR/pg$1.times
	psql -qAt "$ADMIN" -c "DROP DATABASE IF EXISTS ratio" -c "CREATE DATABASE ratio" >/dev/null 2>&1
	"$BIN" --db "$BDSN" -q senders list >/dev/null
	t0=$(server_ticks)
	set -- "$1" "$2" $(run "$BDSN" "$1")
	sleep 1	# the postmaster reaps the ingest's backends: their CPU moves to its cutime/cstime
	st=$(awk -v a="$t0" -v b="$(server_ticks)" -v t="$TCK" 'BEGIN { printf "%.2f", (b - a) / t }')
	echo "round $r PostgreSQL$2: wall $3 s, client CPU $4 s, server CPU $st s"
	echo "$3" >>"$DIR/pg$1.times"
	grep -q '"failed":0,' "$DIR/out.json" && grep -q '"reports":2000,' "$DIR/out.json" ||
	    echo "round $r PostgreSQL$2: NOT all stored: $(head -c 300 "$DIR/out.json")"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$DIR/sqlite.times" ; : >"$DIR/pg1.times" ; : >"$DIR/pg$JOBS.times"
for r in $(seq "$RUNS"); do
	rm -f "$DIR/s.db" "$DIR/s.db-wal" "$DIR/s.db-shm"
	"$BIN" --db "$DIR/s.db" -q senders list >/dev/null
	set -- $(run "$DIR/s.db")
	echo "round $r SQLite: wall $1 s, CPU $2 s"
	echo "$1" >>"$DIR/sqlite.times"
	pg_round 1 ""
	[ "$JOBS" -gt 1 ] && pg_round "$JOBS" " --jobs $JOBS"
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
s=$(med "$DIR/sqlite.times"); p=$(med "$DIR/pg1.times")
echo "medians: SQLite $s s, PostgreSQL $p s: PostgreSQL / SQLite $(awk -v a="$p" -v b="$s" 'BEGIN { printf "%.2f", a / b }')x (target <= 3x)"
if [ "$JOBS" -gt 1 ]; then
	p=$(med "$DIR/pg$JOBS.times")
	echo "medians: SQLite $s s, PostgreSQL --jobs $JOBS $p s: PostgreSQL / SQLite $(awk -v a="$p" -v b="$s" 'BEGIN { printf "%.2f", a / b }')x (target <= 3x)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
