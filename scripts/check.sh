#!/bin/sh
# check.sh - everything `make check` runs, with one closing line "N passed, N failed".
#   1. build (optimised) and the ASan+UBSan build of the binary and unit tests;
#      the source rules (scripts/checksrc.sh)
#   2. unit tests (cmocka) under ASan/UBSan
#   3. the generated fixtures are current; the ThreadSanitizer build
#   4. every suite side by side (scripts/runsuites.py, CHECK_JOBS at a time):
#      data-driven cases, CLI, the two-thread ingest under ASan and TSan, analysis,
#      alerts, intake (Dovecot, Maildir, daemon, soak), DNS checks, enrichment,
#      the portal's API and browser tests (libmicrohttpd, Chromium), PostgreSQL
#      against SQLite and the SQLite suites again on PostgreSQL, the fuzz corpus
#      replay, conformance and every read path over ../shared/corpus/real
set -u
cd "$(dirname "$0")/.."
LOG=build/check-logs
mkdir -p "$LOG"
P=0 F=0
add() {	# passed failed suite
	P=$((P + $1)); F=$((F + $2))
	echo "== $3: $1 passed, $2 failed"
}
counts() {	# file -> "passed failed" from a closing "N passed, N failed" line
	sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$1" | tail -1
}
JOBS=$(nproc 2>/dev/null || echo 2)
echo "== building"
if ! make -s -j"$JOBS" all unit >"$LOG/build.log" 2>&1 || \
   ! make -s -j"$JOBS" asan >"$LOG/asan-build.log" 2>&1; then
	cat "$LOG/build.log" "$LOG/asan-build.log" 2>/dev/null | tail -40
	echo "0 passed, 1 failed"
	exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
BIN=build-asan/dmarcscope

# 1b. source rules: banned calls, unbounded scanf formats, line length (scripts/checksrc.sh)
sh scripts/checksrc.sh >"$LOG/checksrc.log" 2>&1; set -- $(counts "$LOG/checksrc.log"); add "${1:-0}" "${2:-1}" "checksrc"; grep -v "^ok" "$LOG/checksrc.log" | head -20

# 2. unit tests
for t in build-asan/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if "$t" >"$LOG/$name.log" 2>&1; then rc=0; else rc=1; fi
	np=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$LOG/$name.log" | tail -1)
	nf=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$LOG/$name.log" | tail -1)
	np=${np:-0}; nf=${nf:-0}
	[ "$rc" -ne 0 ] && [ "$nf" -eq 0 ] && nf=1	# crashed
	[ "$nf" -ne 0 ] && tail -30 "$LOG/$name.log"
	add "$np" "$nf" "unit $name"
done

# 3. the generated fixtures are what tests/gen_fixtures.py writes
if python3 tests/gen_fixtures.py --check >"$LOG/gen-fixtures.log" 2>&1; then add 1 0 "gen_fixtures --check"; else add 0 1 "gen_fixtures --check"; cat "$LOG/gen-fixtures.log" | head -20; fi

# the ThreadSanitizer binary for the pipeline suite below
TSAN_OK=1
make -s -j"$JOBS" tsan >"$LOG/tsan-build.log" 2>&1 || { TSAN_OK=0; tail -20 "$LOG/tsan-build.log"; add 0 1 "pipeline (tsan): build failed"; }

# 4-6. every suite, CHECK_JOBS at a time (default: one more than the cores),
# longest first; each writes $LOG/NAME.log and ends with "N passed, N failed"
# (scripts/runsuites.py).  Suites share nothing: each starts its own servers
# on free loopback ports in a mktemp folder of its own.
SHARED_DIR=${SHARED:-../shared}
{
s() { printf '%s\t%s\t%s\n' "$1" "$2" "$3"; }
s cases "cases" "python3 tests/run_cases.py $BIN"
s cli "cli" "sh tests/cli.sh $BIN"
s auth-cli "provider CLI (tenant, domain, user, token)" "sh tests/auth_cli.sh $BIN"
s hardening "hardening" "sh tests/hardening.sh $BIN"
# the two-thread ingest stores what the one-thread ingest stores; the same under
# ThreadSanitizer (a data race aborts the binary and the comparison fails)
s pipeline "pipeline" "sh tests/pipeline.sh $BIN"
[ "$TSAN_OK" = 1 ] && s pipeline-tsan "pipeline (tsan)" "TSAN_OPTIONS='halt_on_error=1 exitcode=66' sh tests/pipeline.sh build-tsan/dmarcscope"
s groupcommit "group commit (grouped = one by one, kill -9)" "sh tests/groupcommit.sh $BIN"
# analysis: data-driven path cases and the analysis commands
s analysis-cases "analysis cases" "python3 tests/analysis/run.py $BIN"
s analysis-cli "analysis cli" "sh tests/analysis_cli.sh $BIN"
s guidance "policy guidance" "sh tests/guidance.sh $BIN"
s alerts "alerts (SMTP, webhooks)" "sh tests/alerts.sh $BIN"
s imap "IMAP intake (Dovecot)" "sh tests/intake/imap.sh $BIN"
s maildir "Maildir watch (inotify)" "sh tests/intake/maildir.sh $BIN"
s daemon "serve --config daemon, config check" "sh tests/intake/daemon.sh $BIN"
s metrics "/metrics (strict text-format parser)" "sh tests/intake/metrics.sh $BIN"
s logs "refusal log lines, --syslog (private /dev/log)" "sh tests/intake/logs.sh $BIN"
s progress "progress bars on a terminal (pty)" "sh tests/progress.sh $BIN"
s retention "retention (purge, rollups, dry run, daemon)" "sh tests/retention.sh $BIN"
s stats-spans "statistics: top sources from 020's spans, policy history" "sh tests/stats_spans.sh $BIN"
s imap-fail "IMAP: folder deleted, stalled server, drop mid-fetch" "sh tests/intake/imap_fail.sh $BIN"
s enrich-lock "enrichment holds no write lock while it waits on DNS" "sh tests/intake/enrich_lock.sh $BIN"
s soak "IMAP soak, 200 reports (make soak: 2000)" "sh tests/intake/soak.sh $BIN 200"
s dnscheck "DNS record checks (unbound, HTTPS, history)" "sh tests/dnscheck/run.sh $BIN"
# enrichment against real unbound, rbldnsd and an RDAP server on loopback
s enrich "enrich" "sh tests/enrich.sh $BIN"
# the RFC 9989 tree walk through a real resolver on loopback
s treewalk "tree walk" "sh tests/treewalk.sh $BIN"
# the portal: API (curl) and browser (playwright-core + /usr/bin/chromium)
s web "web" "sh tests/web/run.sh $BIN"
s api-kinds "failure/TLS API" "sh tests/web/api_kinds.sh $BIN"
s auth-web "login endpoints (curl)" "sh tests/web/auth_web.sh $BIN"
s login-web "login and account screens (browser)" "node tests/web/login.mjs $BIN"
s isolation "provider mode: tenant isolation over every route" "sh tests/web/isolation.sh $BIN"
s senders-totals "senders totals" "sh tests/web/senders_totals.sh $BIN"
s alerts-web "alert screens (browser)" "sh tests/web/alerts.sh $BIN"
s overview "domains overview (API, tenants, browser ja/en)" "sh tests/web/overview.sh $BIN"
s web-kinds "web: threats, TLS, safety" "sh tests/web/kinds.sh $BIN"
s demo "demo (make run)" "sh tests/demo.sh $BIN"
# the mail list as CSV: CLI and portal identical, lang=ja, tz, file name
s csv "csv" "sh tests/csv.sh $BIN"
s kinds-ingest "report kinds through ingest" "sh tests/kinds/ingest.sh $BIN"
s kinds "report kinds (cases + fuzz corpus replay, ASan)" "make -s kinds-check"
s kinds-export "export --kind failure|tlsrpt, failure/TLS counts" "sh tests/kinds/export.sh $BIN"
# PostgreSQL against SQLite, side by side, and the SQLite suites again on
# PostgreSQL (issue 17: one list, both backends)
s pg-analysis "PostgreSQL analysis, hosts, intake, kinds against SQLite" "sh tests/pg/analysis.sh $BIN"
s pg-auth "PostgreSQL provider mode, login and alerts against SQLite (four alerts nodes)" "sh tests/pg/auth.sh $BIN"
s pg-retention "PostgreSQL retention against SQLite (two purges at once)" "sh tests/pg/retention.sh $BIN"
s pg-web "PostgreSQL portal reads against SQLite, route by route" "sh tests/pg/web.sh $BIN"
s pg-nodes "PostgreSQL: two web nodes, a streaming standby, lag fallback" "sh tests/pg/nodes.sh $BIN"
s pg-core "PostgreSQL core against SQLite (concurrent ingests, kill -9)" "sh tests/pg/core.sh $BIN"
s pg-suites "the SQLite suites again on PostgreSQL (tests/pg/run.sh)" "sh tests/pg/run.sh $BIN"
s pg-hostfacts "PostgreSQL: host facts read per batch at ingest, records as on SQLite" "sh tests/pg/hostfacts.sh $BIN"
s pg-overview-stmt "PostgreSQL: overview statement triggers exact, one call per statement, no deadlock" "sh tests/pg/overview_stmt.sh $BIN"
s pg-reanalyze-hosts "PostgreSQL: host facts read per report at reanalysis, records as on SQLite" "sh tests/pg/reanalyze_hosts.sh $BIN"
s pg-stage "PostgreSQL: bulk ingest's rollup stage = per-message upserts = SQLite, kill -9" "sh tests/pg/stage.sh $BIN"
s feed "spoofing-host feed (rbldnsd + dig, RDAP, take-down, web)" "sh tests/feed/run.sh $BIN"
s ready "readiness for p=reject (cases, plans)" "sh tests/ready/run.sh $BIN"
s ready-overview "overview next step = readiness (demo, real corpus)" "sh tests/ready/overview_cmp.sh $BIN"
s fixes "exact fixes from the data (unbound, JIPDEC paths, SPF limit)" "sh tests/fixes/run.sh $BIN"
# fuzz corpus replay under ASan/UBSan (one closing line per harness: summed)
s fuzz "fuzz corpus replay" "make -s fuzz-replay"
# conformance against the real corpus; every read path over it under ASan/UBSan
if [ -d "$SHARED_DIR/corpus/real" ]; then
	s conformance "conformance" "sh tests/conformance.sh $BIN"
else
	echo "== conformance: $SHARED_DIR/corpus not found, skipped" >&2
fi
s realpaths "real paths" "sh tests/realpaths.sh $BIN"
} >"$LOG/suites.tsv"
CJ=${CHECK_JOBS:-$((JOBS + 1))}
echo "== $(grep -c . "$LOG/suites.tsv") suites, $CJ at a time"
python3 scripts/runsuites.py -j "$CJ" --logdir "$LOG" --hints scripts/suite-times.json --sum fuzz \
    <"$LOG/suites.tsv" | tee "$LOG/suites.out"
set -- $(counts "$LOG/suites.out"); add "${1:-0}" "${2:-1}" "suites (above)"

echo "$P passed, $F failed"
[ "$F" -eq 0 ]
