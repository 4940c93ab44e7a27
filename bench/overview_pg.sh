#!/bin/sh
# bench/overview_pg.sh SQLITE_DB - the domains overview's benchmark on
# PostgreSQL (issue 19): a throwaway PostgreSQL 15 on loopback
# (tests/servers/pg.sh), the schema made by `dmarcscope` (every migration),
# then the tables the overview reads bulk-copied (COPY, CSV) from the SQLite
# benchmark database, already migrated (bench/overview.sh): domain_summary,
# ov_domain, ov_reporter, rollup_domain_day, rollup_domain_span, rollup_org,
# reports, senders, tenants, tenant_domains, alerts.  records (9.97M rows)
# and the other rollups are not copied: the overview never reads them.  The
# copy runs with session_replication_role = replica (no triggers: the
# rollups are copied as they are), then ANALYZE; then bench/overview.sh
# against it (OV_DB=the DSN) prints the same table, its server CPU column
# the serve process's and PostgreSQL's processes' together.  Environment: as
# overview.sh; OV_PGDIR (default bench/out/overview-pg, removed first);
# OV_PGKEEP=1 copies, prints the DSN and leaves the server running (no
# benchmark; stop it with `sh tests/servers/pg.sh stop OV_PGDIR`).
# Exit 0 when it ran, 2 on a setup error.
set -eu
cd "$(dirname "$0")/.."
SRC=${1:?usage: overview_pg.sh SQLITE_DB}
BIN=${DMARCSCOPE:-build/dmarcscope}
DIR=${OV_PGDIR:-bench/out/overview-pg}
sh tests/servers/pg.sh stop "$DIR" >/dev/null 2>&1 || true
rm -rf "$DIR"
DSN=$(sh tests/servers/pg.sh start "$DIR") || { echo "overview_pg.sh: PostgreSQL did not start" >&2; exit 2; }
[ "${OV_PGKEEP:-0}" = 1 ] || trap 'sh tests/servers/pg.sh stop "$DIR" >/dev/null 2>&1' EXIT INT TERM
"$BIN" --db "$DSN" -q senders list >/dev/null || { echo "overview_pg.sh: no schema" >&2; exit 2; }
start=$(date +%s)
for t in domain_summary ov_domain ov_reporter rollup_domain_day rollup_domain_span rollup_org reports senders \
    tenants tenant_domains alerts; do
	cols=$(psql -qAt "$DSN" -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position)
	    FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$t'")
	scols=$(sqlite3 "$SRC" "SELECT group_concat(name, ',') FROM pragma_table_info('$t')")
	use=$(python3 -c 'import sys; s = set(sys.argv[2].split(",")); print(",".join(c for c in sys.argv[1].split(",") if c in s))' \
	    "$cols" "$scols")
	sqlite3 -csv "$SRC" "SELECT $use FROM $t" |
	    psql -q "$DSN" -v ON_ERROR_STOP=1 -c "SET session_replication_role = replica" \
	    -c "\\copy $t($use) FROM pstdin WITH (FORMAT csv)"
	echo "overview_pg.sh: $t: $(psql -qAt "$DSN" -c "SELECT count(*) FROM $t") rows" >&2
done
psql -q "$DSN" -c "SELECT setval(pg_get_serial_sequence('ov_domain', 'id'), (SELECT max(id) FROM ov_domain))" \
    -c "ANALYZE" >/dev/null
echo "overview_pg.sh: copied in $(( $(date +%s) - start )) s" >&2
if [ "${OV_PGKEEP:-0}" = 1 ]; then
	echo "$DSN"
	exit 0
fi
# the server CPU column then holds PostgreSQL's processes too
OV_PGPID=$(head -1 "$DIR/data/postmaster.pid") OV_DB=$DSN DMARCSCOPE=$BIN sh bench/overview.sh
