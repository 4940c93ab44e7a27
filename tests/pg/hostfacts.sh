#!/bin/sh
# hostfacts.sh [BIN] - the host facts the ingest's analysis reads on PostgreSQL
# (issue 17): they come from one read per event batch (store_pg_hostcache.c),
# and what is stored must be what SQLite stores, which looks each IP up.
# The demo's reports are ingested once into SQLite to learn their source IPs;
# every other IP then gets a hosts row (a PTR of a known service, an ASN) in a
# fresh SQLite database and a fresh PostgreSQL database alike, the same
# reports are ingested into both, and each record's service, sender kind,
# class and path must be equal (and more records must carry a service than
# with no hosts known, or the facts were never read).  A throwaway
# PostgreSQL 15 (tests/servers/pg.sh) on loopback.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-pghosts.XXXXXX)
chmod 755 "$T"
PGDIR=""
cleanup() {
	[ -n "$PGDIR" ] && sh tests/servers/pg.sh stop "$PGDIR" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
unset DMARCSCOPE_DB DMARCSCOPE_NOW LC_ALL LC_MESSAGES
export LANG=C
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; exit 0; }
PGDIR=$T/pg
if ! sh tests/servers/pg.sh start "$PGDIR" >/dev/null 2>"$T/pg.err"; then
	ko "PostgreSQL does not start: $(tail -3 "$T/pg.err")"
	PGDIR=""
	finish
fi
python3 demo/gen_demo.py reports "$T/in" >/dev/null
"$BIN" --db "$T/plain.db" ingest --no-progress "$T/in" >/dev/null 2>"$T/err" ||
	ko "ingest without hosts: $(head -c 300 "$T/err")"
sqlite3 "$T/plain.db" "SELECT DISTINCT source_ip FROM records ORDER BY 1" >"$T/ips"
check "the demo has source IPs" "$( [ "$(wc -l <"$T/ips")" -gt 20 ] && echo yes)" yes
# a hosts row for every other IP: PTRs of services dmarcscope knows, ASNs
python3 - "$T/ips" >"$T/hosts.sql" <<'PY'
import sys
ptrs = ["mail-%d.outbound.protection.outlook.com", "mail-sor-f%d.google.com", "o%d.sendgrid.net",
        "host%d.example.net"]
print("BEGIN;")
for i, ip in enumerate(l.strip() for l in open(sys.argv[1])):
    if i % 2 == 0:
        print("INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn, as_name, country) VALUES "
              "('%s', '%s', 1, 'x.example', %d, 'AS name', 'JP');"
              % (ip, ptrs[i % 4] % i, [8075, 15169, 11377, 64500][i % 4]))
print("COMMIT;")
PY
PG=$(sh tests/servers/pg.sh newdb "$PGDIR" hosts)
"$BIN" --db "$T/s.db" summary >/dev/null && sqlite3 "$T/s.db" <"$T/hosts.sql"
"$BIN" --db "$PG" summary >/dev/null && psql -qX "$PG" -f "$T/hosts.sql" >/dev/null
check "the same hosts on both" "$(psql -qXAt "$PG" -c 'SELECT count(*) FROM hosts')" \
    "$(sqlite3 "$T/s.db" 'SELECT count(*) FROM hosts')"
"$BIN" --db "$T/s.db" ingest --no-progress "$T/in" >/dev/null 2>"$T/err" ||
	ko "ingest into SQLite: $(head -c 300 "$T/err")"
"$BIN" --db "$PG" ingest --no-progress "$T/in" >/dev/null 2>"$T/err" ||
	ko "ingest into PostgreSQL: $(head -c 300 "$T/err")"
Q="SELECT source_ip, coalesce(service, ''), sender_kind, cls, path, count FROM records ORDER BY 1, 2, 3, 4, 5, 6"
sqlite3 -separator '|' "$T/s.db" "$Q" >"$T/s.rows"
psql -qXAt -F '|' "$PG" -c "$Q" >"$T/p.rows"
check "every record's service, sender kind, class and path as on SQLite" \
    "$(cmp -s "$T/s.rows" "$T/p.rows" && echo same || echo "differ: $(diff "$T/s.rows" "$T/p.rows" | head -3 | tr '\n' ' ')")" same
svc() { sqlite3 "$1" "SELECT count(service) FROM records"; }
check "the known hosts name more services than none do" \
    "$( [ "$(svc "$T/s.db")" -gt "$(svc "$T/plain.db")" ] && echo yes || echo "no: $(svc "$T/s.db") vs $(svc "$T/plain.db")")" yes
check "stats the same on both" \
    "$("$BIN" --db "$PG" stats --json 2>&1 | sha256sum)" "$("$BIN" --db "$T/s.db" stats --json 2>&1 | sha256sum)"
finish
