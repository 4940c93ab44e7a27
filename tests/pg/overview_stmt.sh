#!/bin/sh
# tests/pg/overview_stmt.sh [BIN] - the overview rollups' statement triggers on PostgreSQL
# (sql_pg/019_overview_stmt.sql, issue 17), on a throwaway PostgreSQL 15 on loopback
# (tests/servers/pg.sh), with SQL straight into the tables the ingest, reanalysis and purge
# write (rollup_day, rollup_org):
#   1. the triggers are statement triggers: one 400-row upsert into rollup_day calls each
#      trigger function at most once (pg_stat_xact_user_functions; 016's row triggers: 400
#      and more);
#   2. exactness after statements that touch one domain-day many times: a multi-row insert
#      with several rows per (domain, day), an upsert adding to existing rows and inserting
#      new ones in the same statement, multi-row rollup_org inserts bringing new orgs to
#      several domains at once (distinct bits), deletes of some rows of a day, of whole days,
#      of orgs, of a whole domain: after each, rollup_domain_day equals the sums of rollup_day
#      and the OR of rollup_org's bits, every span equals the sums of its days (first/last day
#      with messages, orgs), no span without days, no day without a source row;
#   3. two sessions at once upserting rows of the same 1,200 domain-days, one in ascending
#      and one in descending order of domain (their rollup_day rows distinct, so only the
#      triggers' writes meet), four rounds: no deadlock (the triggers write in key order;
#      016's row triggers locked in the statement's row order and deadlocked), and exact;
#   4. two writers adding new orgs to one domain at once (one holds its transaction open):
#      distinct bits (016 gave both orgs the same bit).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-ovstmt.XXXXXX)
chmod 755 "$T"
P=0 F=0
cleanup() {
	sh tests/servers/pg.sh stop "$T/pg" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ok() { P=$((P + 1)); echo "PASS $1"; }
no() { F=$((F + 1)); echo "FAIL $1"; }
check() {	# NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else no "$1: got [$2], want [$3]"; fi
}
finish() { echo "$P passed, $F failed"; [ "$F" -eq 0 ]; exit $?; }
if ! sh tests/servers/pg.sh start "$T/pg" >/dev/null 2>"$T/pg.err"; then
	no "PostgreSQL does not start: $(tail -3 "$T/pg.err")"
	finish
fi
. "$T/pg/env"
DB=$PG_DSN
q() { psql -qXAt -v ON_ERROR_STOP=1 "$DB" -c "$1" 2>&1; }
"$BIN" --db "$DB" -q summary >/dev/null 2>"$T/migrate.err" || { no "migrate: $(cat "$T/migrate.err")"; finish; }

# Mismatches between the overview rollups and their sources: 0 when exact.
MISMATCH="
WITH src AS (
  SELECT d.id, r.day, sum(r.messages) AS m,
         sum(CASE WHEN r.cls = 0 THEN r.messages ELSE 0 END) AS dp,
         sum(CASE WHEN r.spf_cat = 0 THEN r.messages ELSE 0 END) AS sa,
         sum(CASE WHEN r.dkim_cat = 0 THEN r.messages ELSE 0 END) AS da,
         sum(CASE WHEN r.cls = 1 THEN r.messages ELSE 0 END) AS fw,
         sum(CASE WHEN r.cls = 2 THEN r.messages ELSE 0 END) AS af,
         sum(CASE WHEN r.cls NOT IN (0, 1, 2) THEN r.messages ELSE 0 END) AS sp
  FROM rollup_day r JOIN ov_domain d ON d.policy_domain = r.policy_domain GROUP BY 1, 2),
org AS (
  SELECT d.id, o.day, bit_or(b.bit) AS orgs FROM rollup_org o
  JOIN ov_domain d ON d.policy_domain = o.policy_domain
  JOIN ov_reporter b ON b.domain_id = d.id AND b.org = o.org GROUP BY 1, 2),
want AS (
  SELECT coalesce(s.day, o.day) AS day, coalesce(s.id, o.id) AS id, coalesce(s.m, 0) AS m,
         coalesce(s.dp, 0) AS dp, coalesce(s.sa, 0) AS sa, coalesce(s.da, 0) AS da,
         coalesce(s.fw, 0) AS fw, coalesce(s.af, 0) AS af, coalesce(s.sp, 0) AS sp,
         coalesce(o.orgs, 0) AS orgs
  FROM src s FULL JOIN org o ON o.id = s.id AND o.day = s.day),
got AS (
  SELECT day, domain_id, messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,
         auth_failure, spoofing, orgs FROM rollup_domain_day),
wspan AS (
  SELECT l.level, x.day >> (2 * l.level) AS start, x.domain_id, sum(x.messages),
         sum(x.dmarc_pass), sum(x.spf_aligned), sum(x.dkim_aligned), sum(x.forwarded),
         sum(x.auth_failure), sum(x.spoofing), min(x.day) FILTER (WHERE x.messages <> 0),
         max(x.day) FILTER (WHERE x.messages <> 0), bit_or(x.orgs)
  FROM rollup_domain_day x, (VALUES (1), (2), (3)) l(level) GROUP BY 1, 2, 3),
gspan AS (
  SELECT level, start, domain_id, messages, dmarc_pass, spf_aligned, dkim_aligned, forwarded,
         auth_failure, spoofing, first_day, last_day, orgs FROM rollup_domain_span)
SELECT (SELECT count(*) FROM (SELECT * FROM want EXCEPT SELECT * FROM got) a)
     + (SELECT count(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM want) b)
     + (SELECT count(*) FROM (SELECT * FROM wspan EXCEPT SELECT * FROM gspan) c)
     + (SELECT count(*) FROM (SELECT * FROM gspan EXCEPT SELECT * FROM wspan) d)
     + (SELECT count(*) FROM (SELECT domain_id FROM ov_reporter WHERE bit < (1::bigint << 62)
                              GROUP BY domain_id HAVING count(*) <> count(DISTINCT bit)) e)"
exact() {	# NAME: the rollups equal their sources, and there is something to compare
	n=$(q "SELECT count(*) FROM rollup_domain_day")
	check "$1: exact ($n day rows)" "$(q "$MISMATCH")" 0
}
# rows of rollup_day: domains dN (N in $1..$2), days $3..$4, cls $5, messages $6
rows() {
	echo "SELECT 'd' || lpad(n::text, 4, '0'), day, $5, 0, n % 3, (n + day) % 3, 0, 0, 0, 0,
	    $6 + n % 7, 1 FROM generate_series($1, $2) n, generate_series($3, $4) day"
}
INS="INSERT INTO rollup_day(policy_domain, day, cls, path, spf_cat, dkim_cat, sender_kind, known,
    disposition, reporter_pass, messages, records)"
UPS="ON CONFLICT (policy_domain, day, cls, path, spf_cat, dkim_cat, sender_kind, known,
    disposition, reporter_pass) DO UPDATE SET messages = rollup_day.messages + excluded.messages,
    records = rollup_day.records + excluded.records"

# ---- 1. statement triggers: calls per statement ------------------------------------------------
calls=$(psql -qXAt -v ON_ERROR_STOP=1 "$DB" 2>&1 <<EOF
SET track_functions = 'pl';
BEGIN;
$INS $(rows 1 20 20000 20009 0 5) UNION ALL $(rows 1 20 20000 20009 1 3) ORDER BY 1, 2, 3 $UPS;
SELECT coalesce(max(calls), 0) FROM pg_stat_xact_user_functions WHERE funcname LIKE 'rollup%';
COMMIT;
EOF
)
check "one 400-row statement calls each overview trigger function at most once" "$calls" 1
exact "after one statement of 400 rows over 200 domain-days"

# ---- 2. exactness: several rows per domain-day in one statement, upserts, deletes --------------
q "$INS $(rows 1 30 20005 20070 2 4) UNION ALL $(rows 1 30 20005 20070 3 0) ORDER BY 1, 2, 3
    $UPS" >/dev/null
exact "insert: 4 rows per domain-day, some with 0 messages, spans of all levels"
q "$INS $(rows 10 40 20060 20090 2 1) UNION ALL $(rows 10 40 20060 20090 4 2) ORDER BY 1, 2, 3
    $UPS" >/dev/null
exact "one upsert adding to existing rows and inserting new ones"
q "INSERT INTO rollup_org(policy_domain, day, org, reports, messages)
    SELECT 'd' || lpad(n::text, 4, '0'), day, 'org' || ((n * day) % 5), 1, 1
    FROM generate_series(1, 45) n, generate_series(20000, 20080, 3) day
    ON CONFLICT (policy_domain, day, org) DO UPDATE SET reports = rollup_org.reports + 1" >/dev/null
exact "rollup_org: new orgs for 45 domains in one statement, domains without records"
check "rollup_org: distinct bits for a domain's orgs" \
    "$(q "SELECT count(*) FROM ov_reporter r JOIN ov_domain d ON d.id = r.domain_id
          WHERE d.policy_domain = 'd0007'") $(q "SELECT count(DISTINCT bit) FROM ov_reporter r
          JOIN ov_domain d ON d.id = r.domain_id WHERE d.policy_domain = 'd0007'")" "5 5"
q "INSERT INTO rollup_org(policy_domain, day, org, reports, messages)
    SELECT 'd0003', 20010, 'many' || k, 1, 1 FROM generate_series(1, 70) k" >/dev/null
exact "70 more orgs on one day in one statement (the overflow bit)"
q "DELETE FROM rollup_day WHERE cls = 2 AND day % 2 = 0" >/dev/null
exact "delete some rows of many domain-days"
q "DELETE FROM rollup_org WHERE org = 'org1' OR org LIKE 'many%'" >/dev/null
exact "delete orgs (a day's orgs read again)"
q "DELETE FROM rollup_day WHERE day BETWEEN 20005 AND 20040" >/dev/null
exact "delete whole days (days with orgs stay, spans shrink)"
q "DELETE FROM rollup_org WHERE day < 20040" >/dev/null
exact "delete the orgs of those days (days and spans go)"
check "no day row without messages, orgs and a rollup_day row" "$(q "SELECT count(*)
    FROM rollup_domain_day x JOIN ov_domain d ON d.id = x.domain_id WHERE x.messages = 0
    AND x.orgs = 0 AND NOT EXISTS (SELECT 1 FROM rollup_day r WHERE r.policy_domain =
    d.policy_domain AND r.day = x.day)")" 0
q "DELETE FROM rollup_day WHERE policy_domain IN ('d0012', 'd0013')" >/dev/null
q "DELETE FROM rollup_org WHERE policy_domain IN ('d0012', 'd0013')" >/dev/null
exact "delete two whole domains"
check "their day and span rows are gone" "$(q "SELECT count(*) FROM rollup_domain_span s
    JOIN ov_domain d ON d.id = s.domain_id WHERE d.policy_domain IN ('d0012', 'd0013')")" 0

# ---- 3. two sessions at once, the same domain-days in opposite orders --------------------------
for round in 1 2 3 4; do
	base=$((20200 + round * 40))
	for dir in ASC DESC; do
		cls=$([ $dir = ASC ] && echo 5 || echo 6)
		psql -qXAt -v ON_ERROR_STOP=1 "$DB" >"$T/$dir.out" 2>&1 <<EOF &
BEGIN;
$INS SELECT * FROM ($(rows 100 399 $base $((base + 3)) $cls 2)) x ORDER BY 1 $dir, 2 $dir $UPS;
$INS SELECT * FROM ($(rows 100 399 $base $((base + 3)) $cls 1)) x ORDER BY 1 $dir, 2 $dir $UPS;
COMMIT;
EOF
	done
	wait
	check "two sessions at once, round $round: no error (deadlock)" \
	    "$(cat "$T/ASC.out" "$T/DESC.out" | head -2)" ""
done
exact "after the sessions at once"

# ---- 4. two writers bring new orgs to one domain at once ---------------------------------------
q "INSERT INTO rollup_org(policy_domain, day, org, reports, messages)
    VALUES ('race.example', 20300, 'org0', 1, 1)" >/dev/null
psql -qXAt -v ON_ERROR_STOP=1 "$DB" >"$T/race1.out" 2>&1 <<EOF &
BEGIN;
INSERT INTO rollup_org(policy_domain, day, org, reports, messages)
    VALUES ('race.example', 20301, 'orgA', 1, 1);
SELECT count(*) FROM pg_sleep(2);
COMMIT;
EOF
sleep 0.7
q "INSERT INTO rollup_org(policy_domain, day, org, reports, messages)
    VALUES ('race.example', 20302, 'orgB', 1, 1)" >"$T/race2.out"
wait
check "two writers at once, new orgs for one domain: no error" \
    "$(grep -hv '^1$' "$T/race1.out" "$T/race2.out" | head -2)" ""
check "two writers at once, new orgs for one domain: three orgs, three bits" \
    "$(q "SELECT count(*) || ' ' || count(DISTINCT bit) FROM ov_reporter r
          JOIN ov_domain d ON d.id = r.domain_id WHERE d.policy_domain = 'race.example'")" "3 3"
exact "after the writers at once"
finish
