#!/bin/sh
# bench/pg_profile.sh [ROWS] - where PostgreSQL's ingest time goes: a throwaway
# PostgreSQL 15 on loopback (tests/servers/pg.sh, in PGP_DIR, default
# bench/out/pg-profile, removed first) with pg_stat_statements loaded
# (track = all: the triggers' nested statements too), the mixed corpus
# (bench/out/mixed, made by bench/run.sh) ingested once into a fresh migrated
# database; prints the ingest's wall and client CPU, the top-level statement
# count and execution time, then the ROWS (default 25) statements with the
# most execution time: top-level (t) or nested (f), calls, seconds, rows,
# the statement's start.  A statement's time includes its triggers' nested
# statements.  Environment: DMARCSCOPE (default build/dmarcscope), PGP_INPUT
# (what is ingested, default bench/out/mixed; e.g. the big report's file).
# Exit 0, or 2 on a setup error.
set -eu
cd "$(dirname "$0")/.."
ROWS=${1:-25}
BIN=${DMARCSCOPE:-build/dmarcscope}
DIR=${PGP_DIR:-bench/out/pg-profile}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
INPUT=${PGP_INPUT:-bench/out/mixed}
[ -e "$INPUT" ] || { echo "pg_profile.sh: $INPUT missing (BENCH_GEN_ONLY=1 sh bench/run.sh)" >&2; exit 2; }
sh tests/servers/pg.sh stop "$DIR/pg" >/dev/null 2>&1 || true
rm -rf "$DIR"
mkdir -p "$DIR"
DSN=$(sh tests/servers/pg.sh start "$DIR/pg") || { echo "pg_profile.sh: PostgreSQL did not start" >&2; exit 2; }
trap 'sh tests/servers/pg.sh stop "$DIR/pg" >/dev/null 2>&1' EXIT INT TERM
cat >>"$DIR/pg/data/postgresql.conf" <<EOF
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.max = 10000
EOF
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$PGBIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/server.log" -w restart >/dev/null \
    || { echo "pg_profile.sh: PostgreSQL did not restart" >&2; exit 2; }
ADMIN=$(printf '%s' "$DSN" | sed 's|/[^/]*$|/postgres|')
DB=$(printf '%s' "$DSN" | sed 's|/[^/]*$|/profile|')
psql -qXAt "$ADMIN" -c "CREATE DATABASE profile" >/dev/null
psql -qXAt "$DB" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
"$BIN" --db "$DB" -q senders list >/dev/null
psql -qXAt "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f 'ingest: wall %e s, client CPU %U s user + %S s system' \
    "$BIN" --db "$DB" -q ingest --json --no-progress "$INPUT" >/dev/null
Q="FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'"
psql -qXAt "$DB" -c "SELECT 'top-level statements: ' || sum(calls) FILTER (WHERE toplevel) || ', execution ' || round(sum(total_exec_time) FILTER (WHERE toplevel)::numeric / 1000, 2) || ' s' $Q"
psql -qXAt -F ' | ' "$DB" -c "SELECT CASE WHEN toplevel THEN 't' ELSE 'f' END, calls, round(total_exec_time::numeric / 1000, 3), rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) $Q ORDER BY total_exec_time DESC LIMIT $ROWS"
