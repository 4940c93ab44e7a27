#!/bin/sh
# bench/pg_copy.sh SRC.db DSN - a faithful bulk copy of a dmarcscope SQLite database into
# an empty PostgreSQL database (the benches' way to a large PostgreSQL database without
# ingesting it again: bench/stats.sh's 10M-record read benchmark).
#
# DSN's database gets dmarcscope's PostgreSQL schema first (`dmarcscope --db DSN summary`
# migrates it); then every table of that schema which the SQLite file has too, except
# schema_version, is copied with COPY ... FROM STDIN (CSV from `sqlite3 -csv`), every column
# both sides have, bytea columns as hex.  Triggers and foreign-key checks are off during the
# copy (session_replication_role = replica): the trigger-kept tables (domain_summary, the
# overview rollups) are copied as they are, not rebuilt.  The identity sequences are moved
# past the copied ids, then ANALYZE.  Both schemas must be at the same migration (open the
# SQLite file once with the same binary).  Prints one line per table (rows) on stderr.
# Environment: DMARCSCOPE (binary, default build/dmarcscope).  Exit 1 on any failure.
set -eu
[ $# -eq 2 ] || { echo "usage: pg_copy.sh SRC.db DSN" >&2; exit 2; }
SRC=$1 DSN=$2
BIN=${DMARCSCOPE:-build/dmarcscope}
"$BIN" --db "$DSN" summary > /dev/null
q() { psql -X -At -v ON_ERROR_STOP=1 "$DSN" -c "$1"; }
for t in $(q "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
        AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY 1"); do
	have=$(sqlite3 -readonly "$SRC" "SELECT name FROM pragma_table_info('$t')" | sort)
	[ -n "$have" ] || { echo "pg_copy: $t: not in $SRC, left empty" >&2; continue; }
	cols="" sel=""
	for cd in $(q "SELECT column_name || ':' || data_type FROM information_schema.columns
	        WHERE table_schema = 'public' AND table_name = '$t' ORDER BY ordinal_position" | tr ' ' '_'); do
		c=${cd%%:*} ty=${cd#*:}
		printf '%s\n' "$have" | grep -qx "$c" || continue
		cols="$cols${cols:+, }$c"
		if [ "$ty" = bytea ]; then
			sel="$sel${sel:+, }CASE WHEN \"$c\" IS NULL THEN NULL ELSE '\\x' || hex(\"$c\") END"
		else
			sel="$sel${sel:+, }\"$c\""
		fi
	done
	sqlite3 -readonly -csv -noheader "$SRC" "SELECT $sel FROM \"$t\"" |
	    psql -X -q -v ON_ERROR_STOP=1 "$DSN" -c "SET session_replication_role = replica" \
	    -c "\\copy $t($cols) FROM STDIN WITH (FORMAT csv)"
	echo "pg_copy: $t: $(q "SELECT count(*) FROM $t") rows" >&2
done
# the identity sequences past the copied ids
q "SELECT table_name || ' ' || column_name FROM information_schema.columns WHERE table_schema = 'public'
    AND (is_identity = 'YES' OR column_default LIKE 'nextval%')" | while read -r t c; do
	q "SELECT setval(pg_get_serial_sequence('$t', '$c'), greatest(coalesce(max($c), 0), 1),
	    max($c) IS NOT NULL) FROM $t" > /dev/null
done
q "ANALYZE" > /dev/null
