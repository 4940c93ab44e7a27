#!/bin/sh
# reanalyze_hosts.sh [BIN] - reanalysis on PostgreSQL reads host facts per
# report, not per record (store_pg_analysis_scan.c -> pg_hostcache_more), and
# stores what SQLite stores.  The demo's reports are ingested into a fresh
# SQLite database and a fresh PostgreSQL database with no host known; then
# every other source IP gets a hosts row (a PTR of a known service, an ASN) on
# both, both are reanalysed, and each record's service, sender kind, class
# and path must be equal, as must `stats --json`; more records must carry a
# service than before (the facts were read).  The same for a domain with
# more source IPs than the host table holds.  The PostgreSQL server logs every
# statement of the reanalysis: the one-IP host read must not be among them,
# the batched read (ip = ANY) must.  A throwaway PostgreSQL 15
# (tests/servers/pg.sh) on loopback.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-pgrehosts.XXXXXX)
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
PG=$(sh tests/servers/pg.sh newdb "$PGDIR" rehosts)
"$BIN" --db "$T/s.db" ingest --no-progress "$T/in" >/dev/null 2>"$T/err" ||
	ko "ingest into SQLite: $(head -c 300 "$T/err")"
"$BIN" --db "$PG" ingest --no-progress "$T/in" >/dev/null 2>"$T/err" ||
	ko "ingest into PostgreSQL: $(head -c 300 "$T/err")"
sqlite3 "$T/s.db" "SELECT DISTINCT source_ip FROM records ORDER BY 1" >"$T/ips"
check "the demo has source IPs" "$( [ "$(wc -l <"$T/ips")" -gt 20 ] && echo yes)" yes
svc_before=$(sqlite3 "$T/s.db" "SELECT count(service) FROM records")
# a hosts row for every other IP (the ingest may have made some already): PTRs of services dmarcscope knows, ASNs
python3 - "$T/ips" >"$T/hosts.sql" <<'PY'
import sys
ptrs = ["mail-%d.outbound.protection.outlook.com", "mail-sor-f%d.google.com", "o%d.sendgrid.net",
        "host%d.example.net"]
print("BEGIN;")
for i, ip in enumerate(l.strip() for l in open(sys.argv[1])):
    if i % 2 == 0:
        print("INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn, as_name, country) VALUES "
              "('%s', '%s', 1, 'x.example', %d, 'AS name', 'JP') ON CONFLICT (ip) DO UPDATE "
              "SET ptr = excluded.ptr, fcrdns = 1, asn = excluded.asn;"
              % (ip, ptrs[i % 4] % i, [8075, 15169, 11377, 64500][i % 4]))
print("COMMIT;")
PY
sqlite3 "$T/s.db" <"$T/hosts.sql"
psql -qX "$PG" -f "$T/hosts.sql" >/dev/null
check "the same hosts on both" "$(psql -qXAt "$PG" -c 'SELECT count(*) FROM hosts')" \
    "$(sqlite3 "$T/s.db" 'SELECT count(*) FROM hosts')"
"$BIN" --db "$T/s.db" reanalyze --no-progress >/dev/null 2>"$T/err" ||
	ko "reanalyze on SQLite: $(head -c 300 "$T/err")"
# every statement of the PostgreSQL reanalysis in the server's log
psql -qX "$PG" -c "ALTER DATABASE rehosts SET log_statement = 'all'" >/dev/null
: >"$PGDIR/server.log"
"$BIN" --db "$PG" reanalyze --no-progress >/dev/null 2>"$T/err" ||
	ko "reanalyze on PostgreSQL: $(head -c 300 "$T/err")"
psql -qX "$PG" -c "ALTER DATABASE rehosts RESET log_statement" >/dev/null
one=$(grep -c 'FROM hosts WHERE ip = \$1' "$PGDIR/server.log")
many=$(grep -c 'FROM hosts WHERE ip = ANY' "$PGDIR/server.log")
nrec=$(sqlite3 "$T/s.db" "SELECT count(*) FROM records")
nrep=$(sqlite3 "$T/s.db" "SELECT count(*) FROM reports")
check "no host read one record at a time" "$one" 0
check "host facts read in batches, at most one per report" \
    "$( [ "$many" -gt 0 ] && [ "$many" -le "$nrep" ] && [ "$nrep" -lt "$nrec" ] && echo yes ||
    echo "no: $many batched reads, $nrep reports, $nrec records")" yes
Q="SELECT source_ip, coalesce(service, ''), sender_kind, cls, path, count FROM records ORDER BY 1, 2, 3, 4, 5, 6"
sqlite3 -separator '|' "$T/s.db" "$Q" >"$T/s.rows"
psql -qXAt -F '|' "$PG" -c "$Q" >"$T/p.rows"
check "every record's service, sender kind, class and path as on SQLite" \
    "$(cmp -s "$T/s.rows" "$T/p.rows" && echo same || echo "differ: $(diff "$T/s.rows" "$T/p.rows" | head -3 | tr '\n' ' ')")" same
svc_after=$(sqlite3 "$T/s.db" "SELECT count(service) FROM records")
svc_pg=$(psql -qXAt "$PG" -c "SELECT count(service) FROM records")
check "the known hosts name more services after reanalysis" \
    "$( [ "$svc_pg" -gt "$svc_before" ] && [ "$svc_after" -gt "$svc_before" ] && echo yes ||
    echo "no: $svc_pg (PostgreSQL), $svc_after (SQLite) vs $svc_before")" yes
check "stats the same on both" \
    "$("$BIN" --db "$PG" stats --json 2>&1 | sha256sum)" "$("$BIN" --db "$T/s.db" stats --json 2>&1 | sha256sum)"
# a host read after the scan is not answered from the scan's table
psql -qX "$PG" -c "UPDATE hosts SET ptr = 'mail-1.outbound.protection.outlook.com'" >/dev/null
sqlite3 "$T/s.db" "UPDATE hosts SET ptr = 'mail-1.outbound.protection.outlook.com'"
"$BIN" --db "$T/s.db" reanalyze --no-progress >/dev/null 2>&1
"$BIN" --db "$PG" reanalyze --no-progress >/dev/null 2>&1
sqlite3 -separator '|' "$T/s.db" "$Q" >"$T/s.rows"
psql -qXAt -F '|' "$PG" -c "$Q" >"$T/p.rows"
check "a second reanalysis after the hosts changed: as on SQLite" \
    "$(cmp -s "$T/s.rows" "$T/p.rows" && echo same || echo "differ: $(diff "$T/s.rows" "$T/p.rows" | head -3 | tr '\n' ' ')")" same
# more source IPs in one domain than the host table holds (8192): the table
# starts over (22 reports of 400), and one report has more than it holds (its
# last IPs are read one by one); every other IP has a hosts row
mkdir -p "$T/big"
python3 - "$T/big" >"$T/big.sql" <<'PY'
import sys
out = sys.argv[1]
ip = lambda n: "10.%d.%d.%d" % (n >> 16 & 255, n >> 8 & 255, n & 255)
print("BEGIN;")
n = 0
for rep, size in enumerate([400] * 22 + [9000]):
    begin = 1704067200 + rep * 86400
    rows = []
    for _ in range(size):
        n += 1
        rows.append("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
                    "<disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>"
                    "</policy_evaluated></row><identifiers><header_from>big.example</header_from>"
                    "</identifiers><auth_results><spf><domain>big.example</domain><result>fail"
                    "</result></spf></auth_results></record>" % (ip(n), 1 + n % 3))
        if n % 2 == 0:
            print("INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn, as_name, country) VALUES "
                  "('%s', 'mail-%d.outbound.protection.outlook.com', 1, 'outlook.com', 8075, "
                  "'MS', 'JP') ON CONFLICT (ip) DO UPDATE SET ptr = excluded.ptr, asn = 8075;"
                  % (ip(n), n))
    with open("%s/big%02d.xml" % (out, rep), "w") as f:
        f.write("<?xml version=\"1.0\"?><feedback><report_metadata><org_name>big</org_name>"
                "<email>r@big.test</email><report_id>big-%d</report_id><date_range><begin>%d"
                "</begin><end>%d</end></date_range></report_metadata><policy_published>"
                "<domain>big.example</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>"
                "<sp>none</sp><pct>100</pct></policy_published>%s</feedback>\n"
                % (rep, begin, begin + 86399, "".join(rows)))
print("COMMIT;")
PY
"$BIN" --db "$T/s.db" ingest --no-progress "$T/big" >/dev/null 2>"$T/err" ||
	ko "ingest of the large domain into SQLite: $(head -c 300 "$T/err")"
"$BIN" --db "$PG" ingest --no-progress "$T/big" >/dev/null 2>"$T/err" ||
	ko "ingest of the large domain into PostgreSQL: $(head -c 300 "$T/err")"
sqlite3 "$T/s.db" <"$T/big.sql"
psql -qX "$PG" -f "$T/big.sql" >/dev/null
"$BIN" --db "$T/s.db" reanalyze --domain big.example --no-progress >/dev/null 2>"$T/err" ||
	ko "reanalyze of the large domain on SQLite: $(head -c 300 "$T/err")"
"$BIN" --db "$PG" reanalyze --domain big.example --no-progress >/dev/null 2>"$T/err" ||
	ko "reanalyze of the large domain on PostgreSQL: $(head -c 300 "$T/err")"
QB="SELECT source_ip, coalesce(service, ''), sender_kind, cls, path, count FROM records WHERE policy_domain = 'big.example' ORDER BY 1, 2, 3, 4, 5, 6"
sqlite3 -separator '|' "$T/s.db" "$QB" >"$T/s.big"
psql -qXAt -F '|' "$PG" -c "$QB" >"$T/p.big"
check "a domain with more IPs than the host table: its records" "$(wc -l <"$T/p.big")" 17800
check "a domain with more IPs than the host table: as on SQLite" \
    "$(cmp -s "$T/s.big" "$T/p.big" && echo same || echo "differ: $(diff "$T/s.big" "$T/p.big" | head -3 | tr '\n' ' ')")" same
check "a domain with more IPs than the host table: half of them a service" \
    "$(psql -qXAt "$PG" -c "SELECT count(service) FROM records WHERE policy_domain = 'big.example'")" 8900
finish
