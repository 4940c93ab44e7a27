#!/bin/sh
# tests/pg/run.sh - the SQLite test suites, run again on the PostgreSQL backend
# (issue 17: "the same test suites run on both backends from one list").
#
# Starts a throwaway PostgreSQL 15 on loopback, then runs every suite of the
# list below with tests/pg/dmarcscope-pg as the binary: each database file a
# suite names becomes a PostgreSQL database of its own.  A suite that looks
# into the SQLite file itself (the sqlite3 shell, file sizes, copies of the
# file) cannot run so; those are listed in SKIP with the reason, and the
# PostgreSQL behaviour they cover is tested by tests/pg/*.sh instead.
# The suites' own looks into the database (the sqlite3 shell, Python's sqlite3
# module) go to PostgreSQL through the stand-ins in tests/pg/shim.
#
# Not on this list, and why:
#   tests/alerts.sh        copies database files and uses SQLite's date() and
#                          group_concat in its own SQL; tests/pg/auth.sh runs the
#                          alert commands on both backends and compares them
#   tests/retention.sh     counts SQLite pages and VACUUM, and writes the database
#                          path into a daemon configuration; tests/pg/retention.sh
#                          runs purge on both backends and compares
#   tests/web/api_kinds.sh builds its data with SQLite-only SQL (booleans into
#                          integer columns, recursive generators); tests/pg/web.sh
#                          compares every failure/TLS route on both backends
#   tests/pipeline.sh      compares SQLite files written by two thread modes;
#                          tests/pg/core.sh compares PostgreSQL with SQLite
#   tests/intake/*.sh, tests/enrich.sh, tests/demo.sh  write a database path into
#                          configuration files the wrapper cannot see
#   tests/web/run.sh, the browser suites: tests/pg/web.sh compares every API
#                          route of a PostgreSQL node with a SQLite one
#
# Usage: sh tests/pg/run.sh [BINARY] [SUITE...]   prints "N passed, N failed"
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build-asan/dmarcscope}
[ $# -gt 0 ] && shift
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
LOG=build/check-logs/pg
mkdir -p "$LOG"

# suite | how it is run (the binary is appended)
SUITES="cli:sh tests/cli.sh
cases:python3 tests/run_cases.py
analysis-cli:sh tests/analysis_cli.sh
auth-cli:sh tests/auth_cli.sh
auth-web:sh tests/web/auth_web.sh
web-kinds:sh tests/web/kinds.sh
analysis-cases:python3 tests/analysis/run.py
stats-spans:sh tests/stats_spans.sh
guidance:sh tests/guidance.sh
csv:sh tests/csv.sh
groupcommit:sh tests/groupcommit.sh
kinds-ingest:sh tests/kinds/ingest.sh
kinds-export:sh tests/kinds/export.sh
isolation:sh tests/web/isolation.sh
overview:sh tests/web/overview.sh
senders-totals:sh tests/web/senders_totals.sh
conformance:sh tests/conformance.sh
realpaths:sh tests/realpaths.sh
metrics:sh tests/intake/metrics.sh
feed:sh tests/feed/run.sh
ready:sh tests/ready/run.sh
ready-overview:sh tests/ready/overview_cmp.sh
fixes:sh tests/fixes/run.sh"

T=$(mktemp -d /tmp/dmarcscope-pgrun.XXXXXX)
chmod 755 "$T"
stop() {
	sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap stop EXIT INT TERM
if ! sh tests/servers/pg.sh start "$T/pg" >"$LOG/pg-start.log" 2>&1; then
	cat "$LOG/pg-start.log"
	echo "FAIL PostgreSQL did not start (scripts/install-deps.sh installs postgresql-15)"
	echo "0 passed, 1 failed"
	exit 1
fi
. "$T/pg/env"
export DMARCSCOPE_PG_BIN="$BIN"
export DMARCSCOPE_PG_BASE="postgresql://dmarc@127.0.0.1:$PG_PORT"
WRAP=$PWD/tests/pg/dmarcscope-pg
# the sqlite3 shell the suites call for their own looks into the database
PATH=$PWD/tests/pg/shim:$PATH
PYTHONPATH=$PWD/tests/pg/shim${PYTHONPATH:+:$PYTHONPATH}
export PATH PYTHONPATH
# one database migrated once, copied for every database a suite creates
psql -qAt "$DMARCSCOPE_PG_BASE/postgres" -c "CREATE DATABASE dstemplate" >/dev/null 2>&1
"$BIN" --db "$DMARCSCOPE_PG_BASE/dstemplate" summary >/dev/null 2>"$LOG/template.log" &&
    export DMARCSCOPE_PG_TEMPLATE=dstemplate
# the suites side by side (PG_JOBS at a time; each suite's databases are its own)
FILTER=" $* "
echo "$SUITES" | while IFS=: read -r name cmd; do
	case "$FILTER" in "  ") ;; *" $name "*) ;; *) continue ;; esac
	printf '%s\t%s\t%s\n' "$name" "pg $name" "$cmd $WRAP"
done >"$T/suites.tsv"
python3 scripts/runsuites.py -j "${PG_JOBS:-2}" --logdir "$LOG" --hints scripts/suite-times-pg.json \
    <"$T/suites.tsv"
