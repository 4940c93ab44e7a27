#!/bin/sh
# bench/web.sh - the portal's HTTP benchmarks with wrk (Debian), against
# `dmarcscope serve` on a database holding the 1,000,000-record report of
# bench/run.sh (generated and ingested on first use, then reused).
#
# Measures, each for WEB_SECONDS (default 10) with 2 threads and 32
# connections:
#   1. the summary endpoint (/api/v1/stats), one URL: the response cache
#   2. the summary endpoint, 28 different ranges in turn
#   3. the mail list (/api/v1/records, page 1, 50 rows), one URL
#   4. the mail list, 100 pages x 3 sort orders (more URLs than cache slots)
# and the threats list, URL view and TLS screen (issue 13) uncached over
# KIND_REPORTS (default 100,000) synthetic failure reports added to the database;
# and, before those, uncached single requests timed with curl: the summary
# over 20 ranges, and the mail list for every filter and every sort
# (WEB_SAMPLES requests each, default 20, of the first page; an ignored
# sample=N parameter makes each one miss the response cache; p50, p95 and
# max).
# Then provider mode (issue 14): an operator and a tenant admin are added (the
# tenant owns the benchmark's domain), each logs in, and the summary endpoint
# is measured again with each one's session cookie (5. operator, 6. tenant,
# whose principal carries its domain list), plus 10 logins timed with curl
# (one argon2id verify each); the users and the tenant are removed at the
# end, so the database is served in single-user mode again next time.
# Prints a markdown snippet (numbers and commands) for docs/PERFORMANCE.md.
# Targets: >= 5,000 requests/s on the summary endpoint; p95 <= 200 ms for
# every mail-list filter and sort (on 10M records; WEB_RECORDS sets the size
# of the one big report, default 1,000,000: 10M takes ~15 min to build).
#
# Then bench/overview.sh (the domains overview, issue 19; WEB_OVERVIEW=0 skips it).
# Environment: DMARCSCOPE (binary, default build/dmarcscope), SHARED (default
# ../shared), WEB_SECONDS, WEB_SAMPLES, WEB_RECORDS.  Exit 0 when it ran (a
# missed target is marked MISS), 2 on a setup error.
set -eu
cd "$(dirname "$0")/.."
BIN=${DMARCSCOPE:-build/dmarcscope}
SHARED=${SHARED:-../shared}
SECS=${WEB_SECONDS:-10}
SAMPLES=${WEB_SAMPLES:-20}
NREC=${WEB_RECORDS:-1000000}
OUT=bench/out/web
DB=$OUT/web.db
[ "$NREC" = 1000000 ] || { OUT=bench/out/web$NREC; DB=$OUT/web.db; }
BIG=bench/out/big
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "web.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }

if [ ! -f "$OUT/loaded" ]; then
	if ! ls "$BIG"/*big$NREC.xml.gz >/dev/null 2>&1; then
		python3 "$SHARED/tools/gen_corpus.py" --big "$NREC" --formats gz --out "$BIG" >/dev/null
	fi
	rm -f "$DB" "$DB-wal" "$DB-shm"
	"$BIN" --db "$DB" -q ingest --no-progress --max-decompressed 64g "$BIG"/*big$NREC.xml.gz
	# what enrichment would have found: a host name and country per address
	# (the search and the ptr/country sorts read them)
	sqlite3 "$DB" "INSERT OR IGNORE INTO hosts (ip, ptr, fcrdns, country, updated_at)
	    SELECT DISTINCT source_ip, 'mx' || abs(random() % 1000) || '.host' ||
	    abs(random() % 5000) || '.example.net', 1,
	    substr('USJPDEFRGBBRRUCNINNL', 1 + 2 * abs(random() % 10), 2), 1795000000
	    FROM records"
	touch "$OUT/loaded"
fi
RECORDS=$(sqlite3 "$DB" 'select count(*) from records')
DOMAIN=$(sqlite3 "$DB" 'select policy_domain from reports order by record_count desc limit 1')
DAY=$(sqlite3 "$DB" "select date(min(date_begin), 'unixepoch') from reports where policy_domain = '$DOMAIN'")
SINCE=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$DAY') - d.timedelta(days=29))")
UNTIL=$DAY

# provider mode's users (left over from an interrupted run: removed first)
bench_users_rm() {
	for u in bench-ops bench-admin; do "$BIN" --db "$DB" -q user rm "$u" >/dev/null 2>&1 || true; done
	"$BIN" --db "$DB" -q tenant rm bench-tenant --force >/dev/null 2>&1 || true
}
bench_users_rm
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; bench_users_rm' EXIT INT TERM
for i in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
STATS="/api/v1/stats?domain=$DOMAIN&since=$SINCE&until=$UNTIL"
LIST="/api/v1/records?domain=$DOMAIN&since=$SINCE&until=$UNTIL&per_page=50"

SINCES=$(python3 -c "import datetime as d; u=d.date.fromisoformat('$UNTIL'); print(','.join(chr(34) + str(u - d.timedelta(days=k)) + chr(34) for k in range(1, 29)))")
cat >"$OUT/stats-ranges.lua" <<EOF
local n = 0
local since = { $SINCES }
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/stats?domain=$DOMAIN&since=" .. since[(n % 28) + 1] .. "&until=$UNTIL")
end
EOF
cat >"$OUT/list-pages.lua" <<EOF
local n = 0
local sorts = { "date", "count", "ip" }
request = function()
  n = n + 1
  return wrk.format("GET", "$LIST&page=" .. ((n % 100) + 1) .. "&sort=" .. sorts[(n % 3) + 1])
end
EOF

run() {	# name, wrk args...
	name=$1; shift
	wrk -t2 -c32 -d"${SECS}s" --timeout 30s --latency "$@" >"$OUT/$name.txt" 2>&1 || true
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$OUT/$name.txt")
	p50=$(awk '$1 == "50%" { print $2 }' "$OUT/$name.txt")
	p99=$(awk '$1 == "99%" { print $2 }' "$OUT/$name.txt")
	non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$OUT/$name.txt")
	echo "$name ${rps:-0} ${p50:-?} ${p99:-?} ${non2xx:-0}"
}
# Cold (uncached) timings first: every URL is new to the response cache.
cold() {	# path... -> "median max" seconds
	for u in "$@"; do curl -s -o /dev/null -w '%{time_total}\n' "$BASE$u"; done |
	    sort -n | awk '{ v[NR] = $1 } END { printf "%.3f %.3f", v[int((NR + 1) / 2)], v[NR] }'
}
STATS_COLD=$(cold $(python3 -c "import datetime as d; u=d.date.fromisoformat('$UNTIL'); print(' '.join('/api/v1/stats?domain=$DOMAIN&since=%s&until=$UNTIL' % (u - d.timedelta(days=k)) for k in range(30, 50)))"))
LIST_COLD=$(cold "$LIST&page=2" "$LIST&page=3&sort=count" "$LIST&page=4&sort=ip" "$LIST&page=500&dir=asc" "$LIST&page=5&class=spoofing_suspected")
# Every mail-list filter and sort, uncached: SAMPLES different pages each.
IP=$(sqlite3 "$DB" "select source_ip from records where id = (select max(id) / 3 from records)")
lat() {	# query suffix -> "p50 p95 max" milliseconds
	for k in $(seq "$SAMPLES"); do
		curl -s -o /dev/null -w '%{time_total}\n' "$BASE$LIST$1&sample=$k"
	done | sort -n | awk '{ v[NR] = $1 * 1000 }
	    END { i = int(NR * 0.95 + 0.999); if (i > NR) i = NR
	    printf "%.0f %.0f %.0f", v[int((NR + 1) / 2)], v[i], v[NR] }'
}
LISTROWS=""
for f in "" "&dir=asc" "&class=forwarded" "&class=spoofing_suspected" "&result=pass" \
    "&result=fail" "&q=zz" "&q=mx1" "&q=10." "&ip=$IP" "&sort=domain" "&sort=ip" \
    "&sort=ptr" "&sort=count" "&sort=header_from" "&sort=dmarc" "&sort=spf" "&sort=dkim" \
    "&sort=disposition" "&sort=country" "&sort=class" "&sort=count&class=forwarded" \
    "&q=mx1&sort=country&dir=asc"; do
	set -- $(lat "$f")
	v=$(awk -v p="$2" 'BEGIN { print (p <= 200 ? "ok" : "MISS") }')
	LISTROWS="$LISTROWS| \`${f:-(none: date, newest first)}\` | $1 | $2 | $3 | $v |
"
done
# Failure and TLS reports (issue 13): KIND_REPORTS synthetic failure reports of
# $DOMAIN (3 URLs each, one in ten an abuse report) and a TLS report a day for
# 10 years, added once; the threats list, the URL view and the TLS screen,
# uncached, as lat() does (target: p95 <= 200 ms, as the mail list).
NKIND=${KIND_REPORTS:-100000}
if [ ! -f "$OUT/kinds-loaded-$NKIND" ]; then
	sqlite3 "$DB" <<EOF
DELETE FROM failure_reports WHERE ident LIKE 'bench:%';
DELETE FROM tls_reports WHERE ident LIKE 'tlsrpt:bench%';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NKIND)
INSERT INTO failure_reports (ident, policy_domain, feedback_type, is_dmarc_failure, auth_failure,
  reporter, reporter_domain, source_ip, ip_family, source_ip_from, arrival_time, subject,
  mail_from, url_count, flags, model, ingested_at)
SELECT 'bench:' || i, '$DOMAIN', CASE WHEN i % 10 = 0 THEN 'abuse' ELSE 'auth-failure' END,
  i % 10 <> 0, 'dmarc', 'dmarc@r' || (i % 20) || '.example', 'r' || (i % 20) || '.example',
  '198.51.' || (i % 200) || '.' || (i % 250), 4, 'feedback-report',
  strftime('%s', '$UNTIL') - i * 300, 'Subject ' || i, 'x@$DOMAIN', 3, '[]', '{}', 0 FROM n;
INSERT INTO failure_urls SELECT id, policy_domain, arrival_time,
  'http://phish' || (id % 500) || '.example' || (id % 37) || '.test/p' || k,
  'phish' || (id % 500) || '.example' || (id % 37) || '.test', 'example' || (id % 37) || '.test',
  '[]', 1 FROM failure_reports, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3)
  WHERE ident LIKE 'bench:%';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3650)
INSERT INTO tls_reports (ident, org_name, report_id, date_begin, date_end, success_count,
  failure_count, model, ingested_at)
SELECT 'tlsrpt:bench' || i, 'Org ' || (i % 7), 'bench' || i, strftime('%s', '$UNTIL') - i * 86400,
  strftime('%s', '$UNTIL') - i * 86400 + 86399, 1000, 10, '{}', 0 FROM n;
INSERT INTO tls_policies (tls_report_id, policy_domain, policy_type, date_begin, date_end,
  success_count, failure_count)
SELECT id, '$DOMAIN', 'sts', date_begin, date_end, 1000, 10 FROM tls_reports
  WHERE ident LIKE 'tlsrpt:bench%';
INSERT INTO tls_failures SELECT p.id, p.policy_domain, p.date_begin, CASE WHEN p.id % 3 = 0
  THEN 'certificate-expired' ELSE 'starttls-not-supported' END, '203.0.113.' || (p.id % 50),
  '192.0.2.' || (p.id % 5), 'mx' || (p.id % 5) || '.example', NULL, 5, NULL, NULL
  FROM tls_policies p JOIN tls_reports r ON r.id = p.tls_report_id
  WHERE r.ident LIKE 'tlsrpt:bench%';
EOF
	touch "$OUT/kinds-loaded-$NKIND"
fi
klat() {	# path -> "p50 p95 max" milliseconds, uncached
	for k in $(seq "$SAMPLES"); do
		curl -s -o /dev/null -w '%{time_total}\n' "$BASE/api/v1/$1&sample=$k"
	done | sort -n | awk '{ v[NR] = $1 * 1000 }
	    END { i = int(NR * 0.95 + 0.999); if (i > NR) i = NR
	    printf "%.0f %.0f %.0f", v[int((NR + 1) / 2)], v[i], v[NR] }'
}
KINDROWS=""
for u in "threats?domain=$DOMAIN" "threats?domain=$DOMAIN&page=500" "threats?domain=$DOMAIN&kind=all" \
    "threats?domain=$DOMAIN&reporter=r3.example" "threats?ip=198.51.3.3" \
    "threats?domain=$DOMAIN&url_domain=example5.test" "threats?domain=$DOMAIN&q=Subject%2012" \
    "threat-urls?domain=$DOMAIN" "threat-urls?domain=$DOMAIN&by=domain" "tls?domain=$DOMAIN" \
    "tls?all=1"; do
	set -- $(klat "$u")
	v=$(awk -v p="$2" 'BEGIN { print (p <= 200 ? "ok" : "MISS") }')
	KINDROWS="$KINDROWS| \`/api/v1/$u\` | $1 | $2 | $3 | $v |
"
done
R1=$(run summary-cached "$BASE$STATS")
R2=$(run summary-ranges -s "$OUT/stats-ranges.lua" "$BASE")
R3=$(run list-cached "$BASE$LIST")
R4=$(run list-pages -s "$OUT/list-pages.lua" "$BASE")
COLD=$(curl -s -o /dev/null -w '%{time_total}' "$BASE$LIST&page=7777&sort=count")

# Provider mode: the same summary URL with a logged-in session (the principal is
# resolved from the cookie on every request: session, user, tenant, domains).
"$BIN" --db "$DB" -q tenant add bench-tenant >/dev/null
"$BIN" --db "$DB" -q domain assign "$DOMAIN" bench-tenant >/dev/null
printf 'bench-ops-password\n' | "$BIN" --db "$DB" -q user add bench-ops --role operator \
    --password-stdin >/dev/null
printf 'bench-admin-password\n' | "$BIN" --db "$DB" -q user add bench-admin --role admin \
    --tenant bench-tenant --password-stdin >/dev/null
login() {	# user password -> the session cookie (name=value)
	curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
	    --data "{\"user\":\"$1\",\"password\":\"$2\"}" "$BASE/api/v1/login" |
	    sed -n 's/^[Ss]et-[Cc]ookie: *\([^;]*\);.*/\1/p'
}
LOGINS=$(for k in $(seq 10); do
	curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
	    --data '{"user":"bench-ops","password":"bench-ops-password"}' "$BASE/api/v1/login"
done | sort -n | awk '{ v[NR] = $1 * 1000 } END { printf "%.0f %.0f %.0f", v[1], v[int((NR + 1) / 2)], v[NR] }')
CK_OPS=$(login bench-ops bench-ops-password)
CK_ADM=$(login bench-admin bench-admin-password)
R5=$(run summary-cached-operator -H "Cookie: $CK_OPS" "$BASE$STATS")
R6=$(run summary-cached-tenant -H "Cookie: $CK_ADM" "$BASE$STATS")
R7=$(run session-tenant -H "Cookie: $CK_ADM" "$BASE/api/v1/session")
# the tenant's uncached lists (its queries carry the tenant's domains)
tlat() {	# path -> "p50 p95 max" milliseconds, uncached, as the tenant admin
	for k in $(seq "$SAMPLES"); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $CK_ADM" "$BASE/api/v1/$1&sample=$k"
	done | sort -n | awk '{ v[NR] = $1 * 1000 }
	    END { i = int(NR * 0.95 + 0.999); if (i > NR) i = NR
	    printf "%.0f %.0f %.0f", v[int((NR + 1) / 2)], v[i], v[NR] }'
}
TENANTROWS=""
for u in "records?since=$SINCE&until=$UNTIL&per_page=50" \
    "records?since=$SINCE&until=$UNTIL&per_page=50&sort=count" \
    "records?domain=$DOMAIN&since=$SINCE&until=$UNTIL&per_page=50&class=forwarded" \
    "reports?per_page=50" "threats?kind=all" "map?since=$SINCE&until=$UNTIL"; do
	set -- $(tlat "$u")
	TENANTROWS="$TENANTROWS| \`/api/v1/$u\` | $1 | $2 | $3 |
"
done

verdict() { awk -v r="$1" 'BEGIN { print (r >= 5000 ? "ok" : "MISS") }'; }
row() {	# label, result line, target
	set -- "$1" $2 "$3"
	printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$3" "$4" "$5" "$6" "$7"
}
cat <<EOF
<!-- web-bench -->
## Web portal (bench/web.sh)

$(date -u +%Y-%m-%d), $(nproc) CPUs, $RECORDS records loaded (one report, domain \`$DOMAIN\`),
\`dmarcscope serve --no-enrich\`, wrk 2 threads x 32 connections x ${SECS} s each.

| endpoint | requests/s | p50 | p99 | non-2xx | target |
|---|---|---|---|---|---|
$(row "summary \`$STATS\` (one URL: cache hit)" "$R1" "≥ 5,000/s: $(verdict "$(echo "$R1" | cut -d' ' -f2)")")
$(row "summary, 28 different ranges in turn" "$R2" "≥ 5,000/s: $(verdict "$(echo "$R2" | cut -d' ' -f2)")")
$(row "mail list page 1 (one URL: cache hit)" "$R3" "info")
$(row "mail list, 100 pages x 3 sorts (300 URLs: mostly cache misses)" "$R4" "info")
$(row "summary (one URL), logged in as an operator (session cookie)" "$R5" "≥ 5,000/s: $(verdict "$(echo "$R5" | cut -d' ' -f2)")")
$(row "summary (one URL), logged in as a tenant admin (session cookie)" "$R6" "≥ 5,000/s: $(verdict "$(echo "$R6" | cut -d' ' -f2)")")
$(row "\`/api/v1/session\` as the tenant admin (uncached: principal + CSRF token)" "$R7" "info")

Provider mode, the tenant admin's uncached requests (its session cookie, \`&sample=1..$SAMPLES\`;
milliseconds):

| request | p50 | p95 | max |
|---|---|---|---|
$(printf '%s' "$TENANTROWS")

Provider mode: 10 logins (\`POST /api/v1/login\`, one argon2id verify of 2 passes over
64 MiB each, curl one at a time): min $(echo $LOGINS | cut -d' ' -f1) ms, median $(echo $LOGINS | cut -d' ' -f2) ms,
max $(echo $LOGINS | cut -d' ' -f3) ms.

Mail list, every filter and sort, first page, uncached (\`$LIST\` plus the filter
plus \`&sample=1..$SAMPLES\`, an ignored parameter that defeats the response cache;
curl, one at a time; milliseconds; target p95 <= 200 ms):

| filter / sort | p50 | p95 | max | target |
|---|---|---|---|---|
$(printf '%s' "$LISTROWS")

Failure and TLS reports (issue 13): $NKIND synthetic failure reports of \`$DOMAIN\`
(3 URL rows each) and 3,650 TLS reports, uncached, milliseconds. The threats list and
the URL view work on the newest 30,000 failure reports of the range, the URL view on at
most 50,000 of their URL rows (\`"partial": true\` beyond):

| request | p50 | p95 | max | target |
|---|---|---|---|---|
$(printf '%s' "$KINDROWS")

Uncached single requests (curl, one at a time, before the wrk runs):
- summary over 20 different ranges: median $(echo $STATS_COLD | cut -d' ' -f1) s, max $(echo $STATS_COLD | cut -d' ' -f2) s;
- mail list, 5 different pages / sorts / filters: median $(echo $LIST_COLD | cut -d' ' -f1) s, max $(echo $LIST_COLD | cut -d' ' -f2) s
  (one report of $RECORDS records: filtered and re-sorted lists work on the newest
  30,000 records of the range and say \`"partial": true\`);
- mail list page 7777 sorted by count after the wrk runs: ${COLD} s.

The response cache is keyed by URL and data version; identical concurrent requests
wait for one computation (single flight). "28 ranges" cycles through 28 URLs, so after
the first request for each it measures cache hits too; the uncached cost is the
"Uncached single requests" line.

Commands:
\`\`\`sh
$([ "$NREC" = 1000000 ] || printf 'WEB_RECORDS=%s ' "$NREC")sh bench/web.sh        # WEB_SECONDS=$SECS; builds $DB once
wrk -t2 -c32 -d${SECS}s --latency '$BASE$STATS'
wrk -t2 -c32 -d${SECS}s --latency -s $OUT/stats-ranges.lua $BASE
wrk -t2 -c32 -d${SECS}s --latency '$BASE$LIST'
wrk -t2 -c32 -d${SECS}s --latency -s $OUT/list-pages.lua $BASE
wrk -t2 -c32 -d${SECS}s --latency -H 'Cookie: dms_session=…' '$BASE$STATS'   # operator, then tenant admin
\`\`\`
The raw wrk output is in $OUT/*.txt.
<!-- /web-bench -->
EOF
# The domains overview (issue 19): 10,000 domains, 10M records over 90 days, its own
# database (bench/overview.sh builds it once); WEB_OVERVIEW=0 skips it.
if [ "${WEB_OVERVIEW:-1}" != 0 ]; then
	kill $PID 2>/dev/null || true
	sh bench/overview.sh
fi
