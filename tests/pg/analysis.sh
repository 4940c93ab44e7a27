#!/bin/sh
# tests/pg/analysis.sh [BINARY] - the PostgreSQL backend's analysis, hosts,
# intake and report-kinds ops (store_pg_analysis.c, _hosts.c, _intake.c,
# _kinds.c) against SQLite's: the same inputs (the demo's reports,
# ../shared/corpus/real, tests/kinds/corpus, the enrichment test's hosts) go
# into a SQLite file and into a throwaway PostgreSQL 15 on loopback
# (tests/servers/pg.sh), and what the commands built on those ops print must
# be the same: ingest, enrich against the loopback servers of
# tests/servers/start.sh (twice), reanalyze, stats, summary, senders
# list/suggest/rm, mismatches, enrich --host, export (aggregate csv, failure
# and tlsrpt json/csv), the kinds' duplicates and purge.  Volatile values
# (times of the run, durations) are masked; ids are compared as they come.
#
# Then, PostgreSQL only: two `enrich` runs at once over the same due hosts
# look each host up once (their "hosts" add up to the hosts due), and a
# mailbox claimed by one connection is refused to a second one until
# released (the IMAP poll's claim, through `fetch` with two nodes is
# tests/pg's integration; here the store op via the advisory lock).
# Prints "N passed, N failed" last; exit status 1 when anything failed.
set -u
BIN=${1:-build/dmarcscope}
SHARED=${SHARED:-../shared}
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
T=$(mktemp -d /tmp/pg-analysis.XXXXXX)
chmod 755 "$T"
cleanup() {
	sh tests/servers/stop.sh "$T/srv" >/dev/null 2>&1
	sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! sh tests/servers/pg.sh start "$T/pg" >"$T/pg.log" 2>&1; then
	tail -5 "$T/pg.log"
	echo "0 passed, 1 failed (PostgreSQL did not start)"
	exit 1
fi
. "$T/pg/env"
if ! sh tests/servers/start.sh "$T/srv" >"$T/srv.log" 2>&1; then
	tail -5 "$T/srv.log"
	echo "0 passed, 1 failed (the enrichment test servers did not start)"
	exit 1
fi
. "$T/srv/env"
export BIN T SHARED ROOT DNS MMDB BOOTSTRAP PG_DSN
export DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1
export DMARCSCOPE_SERVICES=$ROOT/tests/fixtures/enrich/services.csv
exec python3 "$ROOT/tests/pg/analysis.py"
