#!/bin/sh
# reanalyze_pg.sh BIN DSN PGDIR [RUNS] - `dmarcscope reanalyze` on PostgreSQL:
# wall time, the client's CPU (user+sys), the server's CPU (every process of
# the cluster, the exited backends through the postmaster's cutime/cstime)
# and the number of top-level statements pg_stat_statements counted in DSN's
# database (the server CPU is the whole cluster's: keep it to this run).
#
# DSN: a database already filled (ingest); PGDIR: the DIR of
# tests/servers/pg.sh, whose server has shared_preload_libraries =
# 'pg_stat_statements' and the extension created in DSN's database:
#   echo "shared_preload_libraries = 'pg_stat_statements'" >>PGDIR/data/postgresql.conf
#   pg_ctl -D PGDIR/data restart; psql DSN -c 'CREATE EXTENSION pg_stat_statements'
# One line per run, then the load average.  Read-only apart from the
# reanalysis itself (the records' analysis and the rollups are rewritten).
set -eu
[ $# -ge 3 ] || { echo "usage: reanalyze_pg.sh BIN DSN PGDIR [RUNS]" >&2; exit 2; }
BIN=$1 DSN=$2 PGDIR=$3 RUNS=${4:-3}
PM=$(head -1 "$PGDIR/data/postmaster.pid")
TCK=$(getconf CLK_TCK)

# clock ticks of the whole cluster: the postmaster, its live children, and
# the children that exited (cutime, cstime of the postmaster)
server_ticks() {
	t=0
	for p in $PM $(cat /proc/"$PM"/task/*/children 2>/dev/null); do
		[ -r /proc/"$p"/stat ] || continue
		# fields after the ")" of the command name: 12 utime 13 stime 14 cutime 15 cstime
		v=$(sed 's/.*) //' /proc/"$p"/stat | awk -v pm="$([ "$p" = "$PM" ] && echo 1)" \
		    '{ s = $12 + $13; if (pm == 1) s += $14 + $15; print s }')
		t=$((t + v))
	done
	echo $t
}

TMPF=$(mktemp /tmp/reanalyze_pg.XXXXXX)
trap 'rm -f "$TMPF"' EXIT
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	psql -qXAt "$DSN" -c 'SELECT pg_stat_statements_reset()' >/dev/null
	s0=$(server_ticks)
	/usr/bin/time -o "$TMPF" -f '%e %U %S' "$BIN" --db "$DSN" reanalyze --no-progress >/dev/null
	out=$(tail -1 "$TMPF")
	sleep 2	# the backend exits, the postmaster reaps it
	s1=$(server_ticks)
	n=$(psql -qXAt "$DSN" -c "SELECT sum(calls) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'")
	x=$(psql -qXAt "$DSN" -c "SELECT round(sum(total_exec_time)::numeric / 1000, 2) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'")
	echo "$out $s0 $s1 $n $x" | awk -v tck="$TCK" '{ printf "run: wall %.2f s, client cpu %.2f s, server cpu %.2f s, statements %d, server exec %.2f s\n", $1, $2 + $3, ($5 - $4) / tck, $6, $7 }'
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
