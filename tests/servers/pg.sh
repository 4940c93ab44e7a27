#!/bin/sh
# pg.sh - a throwaway PostgreSQL 15 on loopback for the tests and benches.
#
#   pg.sh start DIR        initdb into DIR/data (DIR created, must be empty or
#                          absent), start the server on a free port of
#                          127.0.0.1 (socket in DIR, fsync off), create the
#                          database dmarc; print its DSN on stdout and write
#                          DIR/env (PG_DSN=... PG_PORT=... PG_DIR=...)
#   pg.sh newdb DIR NAME   create one more database NAME; print its DSN
#   pg.sh stop DIR         stop the server (fast shutdown); DIR stays
#
# The cluster's superuser is "dmarc", trusted on loopback without a password;
# nothing listens beyond 127.0.0.1.  As root, initdb and the server run as
# the user postgres (initdb refuses root) and DIR is handed to it.
# Environment: PGBIN (default /usr/lib/postgresql/15/bin).
set -eu
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HERE=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: pg.sh start DIR | newdb DIR NAME | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
T=$2

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

dsn() {	# NAME
	echo "postgresql://dmarc@127.0.0.1:$PG_PORT/$1"
}

case $cmd in
start)
	[ -x "$PGBIN/initdb" ] || { echo "pg.sh: $PGBIN/initdb missing (apt-get install postgresql-15)" >&2; exit 1; }
	mkdir -p "$T"
	[ -z "$(ls -A "$T")" ] || { echo "pg.sh: $T is not empty" >&2; exit 1; }
	T=$(cd "$T" && pwd)
	chmod 755 "$T"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$T"
		runuser -u postgres -- test -w "$T" ||
		    { echo "pg.sh: user postgres cannot reach $T (chmod o+x its parents)" >&2; exit 1; }
	fi
	as_pg "$PGBIN/initdb" -D "$T/data" -A trust -U dmarc -E UTF8 --locale=C.UTF-8 --no-sync \
		>"$T/initdb.log" 2>&1 || { cat "$T/initdb.log" >&2; exit 1; }
	tries=0
	while :; do
		PG_PORT=$(python3 "$HERE/freeports.py" 1)
		if as_pg "$PGBIN/pg_ctl" -D "$T/data" -l "$T/server.log" -w -t 60 -o "-p $PG_PORT -k $T \
-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
-c max_connections=60 -c shared_buffers=64MB" start >"$T/pg_ctl.log" 2>&1; then
			break
		fi
		tries=$((tries + 1))
		[ $tries -lt 3 ] || { cat "$T/pg_ctl.log" "$T/server.log" >&2; exit 1; }
	done
	"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U dmarc -d postgres \
		-c 'CREATE DATABASE dmarc' >/dev/null
	{
		echo "PG_DSN=$(dsn dmarc)"
		echo "PG_PORT=$PG_PORT"
		echo "PG_DIR=$T"
	} >"$T/env.tmp"
	mv "$T/env.tmp" "$T/env"
	dsn dmarc
	;;
newdb)
	[ $# -eq 3 ] || usage
	. "$T/env"
	"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U dmarc -d postgres \
		-c "CREATE DATABASE \"$3\"" >/dev/null
	dsn "$3"
	;;
stop)
	[ -d "$T/data" ] || exit 0
	as_pg "$PGBIN/pg_ctl" -D "$T/data" -m fast -w stop >/dev/null 2>&1 || true
	;;
*)
	usage
	;;
esac
