#!/bin/sh
# check.sh - everything `make check` runs, with one closing line "N passed, N failed".
#   1. build (optimised) and the ASan+UBSan build of the binary and unit tests
#   2. unit tests (cmocka) under ASan/UBSan
#   3. data-driven cases (tests/cases) against the ASan binary
#   4. CLI behaviour (tests/cli.sh) against the ASan binary; the two-thread ingest
#      (tests/pipeline.sh) under ASan and under ThreadSanitizer; the portal's API and
#      browser tests (tests/web/run.sh: real libmicrohttpd server, real Chromium)
#   5. fuzz corpus replay under ASan/UBSan
#   6. conformance against ../shared/corpus/real, when it exists; every read path over it
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

# 3. data-driven cases (first: tests/cases/ is what tests/gen_fixtures.py writes)
if python3 tests/gen_fixtures.py --check >"$LOG/gen-fixtures.log" 2>&1; then add 1 0 "gen_fixtures --check"; else add 0 1 "gen_fixtures --check"; cat "$LOG/gen-fixtures.log" | head -20; fi
if [ -f tests/run_cases.py ]; then
	python3 tests/run_cases.py "$BIN" >"$LOG/cases.log" 2>&1
	set -- $(counts "$LOG/cases.log"); add "${1:-0}" "${2:-1}" "cases"
	grep -E "^FAIL" "$LOG/cases.log" | head -20
fi

# 4. CLI behaviour
if [ -f tests/cli.sh ]; then
	sh tests/cli.sh "$BIN" >"$LOG/cli.log" 2>&1
	set -- $(counts "$LOG/cli.log"); add "${1:-0}" "${2:-1}" "cli"
	grep -E "^FAIL" "$LOG/cli.log" | head -20
fi

[ -f tests/auth_cli.sh ] && { sh tests/auth_cli.sh "$BIN" >"$LOG/auth-cli.log" 2>&1; set -- $(counts "$LOG/auth-cli.log"); add "${1:-0}" "${2:-1}" "provider CLI (tenant, domain, user, token)"; grep -E "^FAIL" "$LOG/auth-cli.log" | head -20; }
[ -f tests/hardening.sh ] && { sh tests/hardening.sh "$BIN" >"$LOG/hardening.log" 2>&1; set -- $(counts "$LOG/hardening.log"); add "${1:-0}" "${2:-1}" "hardening"; grep -E "^FAIL" "$LOG/hardening.log" | head -20; }
# 4b. the two-thread ingest stores exactly what the one-thread ingest stores
if [ -f tests/pipeline.sh ]; then
	sh tests/pipeline.sh "$BIN" >"$LOG/pipeline.log" 2>&1
	set -- $(counts "$LOG/pipeline.log"); add "${1:-0}" "${2:-1}" "pipeline"
	grep -E "^FAIL" "$LOG/pipeline.log" | head -20
fi

# 4b'. the same under ThreadSanitizer: a data race between the parsing, writing,
# archiving and checkpoint threads aborts the binary, and the comparison fails
if [ -f tests/pipeline.sh ]; then
	if make -s -j"$JOBS" tsan >"$LOG/tsan-build.log" 2>&1; then
		TSAN_OPTIONS="halt_on_error=1 exitcode=66" sh tests/pipeline.sh build-tsan/dmarcscope \
		    >"$LOG/pipeline-tsan.log" 2>&1
		set -- $(counts "$LOG/pipeline-tsan.log"); add "${1:-0}" "${2:-1}" "pipeline (tsan)"
		grep -E "^FAIL" "$LOG/pipeline-tsan.log" | head -20
	else
		tail -20 "$LOG/tsan-build.log"
		add 0 1 "pipeline (tsan): build failed"
	fi
fi

[ -f tests/groupcommit.sh ] && { sh tests/groupcommit.sh "$BIN" >"$LOG/groupcommit.log" 2>&1; set -- $(counts "$LOG/groupcommit.log"); add "${1:-0}" "${2:-1}" "group commit (grouped = one by one, kill -9)"; grep "^FAIL" "$LOG/groupcommit.log" | head; }

# 4a. analysis: data-driven path cases and the analysis commands
if [ -f tests/analysis/run.py ]; then
	python3 tests/analysis/run.py "$BIN" >"$LOG/analysis-cases.log" 2>&1
	set -- $(counts "$LOG/analysis-cases.log"); add "${1:-0}" "${2:-1}" "analysis cases"
	grep -E "^(FAIL|skip)" "$LOG/analysis-cases.log" | head -20
fi
if [ -f tests/analysis_cli.sh ]; then
	sh tests/analysis_cli.sh "$BIN" >"$LOG/analysis-cli.log" 2>&1
	set -- $(counts "$LOG/analysis-cli.log"); add "${1:-0}" "${2:-1}" "analysis cli"
	grep -E "^(FAIL|skip)" "$LOG/analysis-cli.log" | head -20
fi
[ -f tests/guidance.sh ] && { sh tests/guidance.sh "$BIN" >"$LOG/guidance.log" 2>&1; set -- $(counts "$LOG/guidance.log"); add "${1:-0}" "${2:-1}" "policy guidance"; grep "^FAIL" "$LOG/guidance.log" | head; }
[ -f tests/alerts.sh ] && { sh tests/alerts.sh "$BIN" >"$LOG/alerts.log" 2>&1; set -- $(counts "$LOG/alerts.log"); add "${1:-0}" "${2:-1}" "alerts (SMTP, webhooks)"; grep "^FAIL" "$LOG/alerts.log" | head; }
[ -f tests/intake/imap.sh ] && { sh tests/intake/imap.sh "$BIN" >"$LOG/imap.log" 2>&1; set -- $(counts "$LOG/imap.log"); add "${1:-0}" "${2:-1}" "IMAP intake (Dovecot)"; grep "^FAIL" "$LOG/imap.log" | head; }
[ -f tests/intake/maildir.sh ] && { sh tests/intake/maildir.sh "$BIN" >"$LOG/maildir.log" 2>&1; set -- $(counts "$LOG/maildir.log"); add "${1:-0}" "${2:-1}" "Maildir watch (inotify)"; grep "^FAIL" "$LOG/maildir.log" | head; }
[ -f tests/intake/daemon.sh ] && { sh tests/intake/daemon.sh "$BIN" >"$LOG/daemon.log" 2>&1; set -- $(counts "$LOG/daemon.log"); add "${1:-0}" "${2:-1}" "serve --config daemon, config check"; grep "^FAIL" "$LOG/daemon.log" | head; }
[ -f tests/intake/metrics.sh ] && { sh tests/intake/metrics.sh "$BIN" >"$LOG/metrics.log" 2>&1; set -- $(counts "$LOG/metrics.log"); add "${1:-0}" "${2:-1}" "/metrics (strict text-format parser)"; grep "^FAIL" "$LOG/metrics.log" | head; }
[ -f tests/intake/logs.sh ] && { sh tests/intake/logs.sh "$BIN" >"$LOG/logs.log" 2>&1; set -- $(counts "$LOG/logs.log"); add "${1:-0}" "${2:-1}" "refusal log lines, --syslog (private /dev/log)"; grep "^FAIL" "$LOG/logs.log" | head; }
[ -f tests/progress.sh ] && { sh tests/progress.sh "$BIN" >"$LOG/progress.log" 2>&1; set -- $(counts "$LOG/progress.log"); add "${1:-0}" "${2:-1}" "progress bars on a terminal (pty)"; grep "^FAIL" "$LOG/progress.log" | head; }
[ -f tests/retention.sh ] && { sh tests/retention.sh "$BIN" >"$LOG/retention.log" 2>&1; set -- $(counts "$LOG/retention.log"); add "${1:-0}" "${2:-1}" "retention (purge, rollups, dry run, daemon)"; grep "^FAIL" "$LOG/retention.log" | head; }
[ -f tests/intake/imap_fail.sh ] && { sh tests/intake/imap_fail.sh "$BIN" >"$LOG/imap-fail.log" 2>&1; set -- $(counts "$LOG/imap-fail.log"); add "${1:-0}" "${2:-1}" "IMAP: folder deleted, stalled server, drop mid-fetch"; grep "^FAIL" "$LOG/imap-fail.log" | head; }
[ -f tests/intake/enrich_lock.sh ] && { sh tests/intake/enrich_lock.sh "$BIN" >"$LOG/enrich-lock.log" 2>&1; set -- $(counts "$LOG/enrich-lock.log"); add "${1:-0}" "${2:-1}" "enrichment holds no write lock while it waits on DNS"; grep "^FAIL" "$LOG/enrich-lock.log" | head; }
[ -f tests/intake/soak.sh ] && { sh tests/intake/soak.sh "$BIN" 200 >"$LOG/soak.log" 2>&1; set -- $(counts "$LOG/soak.log"); add "${1:-0}" "${2:-1}" "IMAP soak, 200 reports (make soak: 2000)"; grep "^FAIL" "$LOG/soak.log" | head; }
[ -f tests/dnscheck/run.sh ] && { sh tests/dnscheck/run.sh "$BIN" >"$LOG/dnscheck.log" 2>&1; set -- $(counts "$LOG/dnscheck.log"); add "${1:-0}" "${2:-1}" "DNS record checks (unbound, HTTPS, history)"; grep "^FAIL" "$LOG/dnscheck.log" | head; }
[ -f tests/fixes/run.sh ] && { sh tests/fixes/run.sh "$BIN" >"$LOG/fixes.log" 2>&1; set -- $(counts "$LOG/fixes.log"); add "${1:-0}" "${2:-1}" "exact fixes from the data (unbound, JIPDEC paths, SPF limit)"; grep "^FAIL" "$LOG/fixes.log" | head; }

# 4c. enrichment against real unbound, rbldnsd and an RDAP server on loopback
if [ -f tests/enrich.sh ]; then
	sh tests/enrich.sh "$BIN" >"$LOG/enrich.log" 2>&1
	set -- $(counts "$LOG/enrich.log"); add "${1:-0}" "${2:-1}" "enrich"
	grep -E "^FAIL" "$LOG/enrich.log" | head -20
fi

# 4d. the RFC 9989 tree walk through a real resolver on loopback
if [ -f tests/treewalk.sh ]; then
	sh tests/treewalk.sh "$BIN" >"$LOG/treewalk.log" 2>&1
	set -- $(counts "$LOG/treewalk.log"); add "${1:-0}" "${2:-1}" "tree walk"
	grep -E "^FAIL" "$LOG/treewalk.log" | head -20
fi

# 4b. web portal: API (curl) + browser (playwright-core + /usr/bin/chromium)
if [ -f tests/web/run.sh ]; then
	sh tests/web/run.sh "$BIN" >"$LOG/web.log" 2>&1
	set -- $(counts "$LOG/web.log"); add "${1:-0}" "${2:-1}" "web"
	grep -E "^FAIL" "$LOG/web.log" | head -20
fi
[ -f tests/web/api_kinds.sh ] && { sh tests/web/api_kinds.sh "$BIN" >"$LOG/api-kinds.log" 2>&1; set -- $(counts "$LOG/api-kinds.log"); add "${1:-0}" "${2:-1}" "failure/TLS API"; grep "^FAIL" "$LOG/api-kinds.log" | head; }
[ -f tests/web/auth_web.sh ] && { sh tests/web/auth_web.sh "$BIN" >"$LOG/auth-web.log" 2>&1; set -- $(counts "$LOG/auth-web.log"); add "${1:-0}" "${2:-1}" "login endpoints (curl)"; grep "^FAIL" "$LOG/auth-web.log" | head; }
[ -f tests/web/login.mjs ] && { node tests/web/login.mjs "$BIN" >"$LOG/login-web.log" 2>&1; set -- $(counts "$LOG/login-web.log"); add "${1:-0}" "${2:-1}" "login and account screens (browser)"; grep "^FAIL" "$LOG/login-web.log" | head; }
[ -f tests/web/isolation.sh ] && { sh tests/web/isolation.sh "$BIN" >"$LOG/isolation.log" 2>&1; set -- $(counts "$LOG/isolation.log"); add "${1:-0}" "${2:-1}" "provider mode: tenant isolation over every route"; grep "^FAIL" "$LOG/isolation.log" | head; }
[ -f tests/web/senders_totals.sh ] && { sh tests/web/senders_totals.sh "$BIN" >"$LOG/senders-totals.log" 2>&1; set -- $(counts "$LOG/senders-totals.log"); add "${1:-0}" "${2:-1}" "senders totals"; grep "^FAIL" "$LOG/senders-totals.log" | head; }
[ -f tests/web/alerts.sh ] && { sh tests/web/alerts.sh "$BIN" >"$LOG/alerts-web.log" 2>&1; set -- $(counts "$LOG/alerts-web.log"); add "${1:-0}" "${2:-1}" "alert screens (browser)"; grep "^FAIL" "$LOG/alerts-web.log" | head; }
[ -f tests/web/overview.sh ] && { sh tests/web/overview.sh "$BIN" >"$LOG/overview.log" 2>&1; set -- $(counts "$LOG/overview.log"); add "${1:-0}" "${2:-1}" "domains overview (API, tenants, browser ja/en)"; grep "^FAIL" "$LOG/overview.log" | head; }
[ -f tests/web/kinds.sh ] && { sh tests/web/kinds.sh "$BIN" >"$LOG/web-kinds.log" 2>&1; set -- $(counts "$LOG/web-kinds.log"); add "${1:-0}" "${2:-1}" "web: threats, TLS, safety"; grep "^FAIL" "$LOG/web-kinds.log" | head; }

[ -f tests/demo.sh ] && { sh tests/demo.sh "$BIN" >"$LOG/demo.log" 2>&1; set -- $(counts "$LOG/demo.log"); add "${1:-0}" "${2:-1}" "demo (make run)"; grep -E "^FAIL" "$LOG/demo.log" | head -20; }
# 4e. the mail list as CSV: CLI and portal identical, lang=ja, tz, file name
sh tests/csv.sh "$BIN" >"$LOG/csv.log" 2>&1; set -- $(counts "$LOG/csv.log"); add "${1:-0}" "${2:-1}" "csv"; grep -E "^FAIL" "$LOG/csv.log" | head -20
[ -f tests/pg/analysis.sh ] && { sh tests/pg/analysis.sh "$BIN" >"$LOG/pg-analysis.log" 2>&1; set -- $(counts "$LOG/pg-analysis.log"); add "${1:-0}" "${2:-1}" "PostgreSQL analysis, hosts, intake, kinds against SQLite"; grep -E "^FAIL" "$LOG/pg-analysis.log" | head -20; }
[ -f tests/pg/auth.sh ] && { sh tests/pg/auth.sh "$BIN" >"$LOG/pg-auth.log" 2>&1; set -- $(counts "$LOG/pg-auth.log"); add "${1:-0}" "${2:-1}" "PostgreSQL provider mode, login and alerts against SQLite (four alerts nodes)"; grep -E "^FAIL" "$LOG/pg-auth.log" | head -20; }
[ -f tests/pg/retention.sh ] && { sh tests/pg/retention.sh "$BIN" >"$LOG/pg-retention.log" 2>&1; set -- $(counts "$LOG/pg-retention.log"); add "${1:-0}" "${2:-1}" "PostgreSQL retention against SQLite (two purges at once)"; grep -E "^FAIL" "$LOG/pg-retention.log" | head -20; }
[ -f tests/pg/web.sh ] && { sh tests/pg/web.sh "$BIN" >"$LOG/pg-web.log" 2>&1; set -- $(counts "$LOG/pg-web.log"); add "${1:-0}" "${2:-1}" "PostgreSQL portal reads against SQLite, route by route"; grep -E "^FAIL" "$LOG/pg-web.log" | head -20; }
[ -f tests/pg/nodes.sh ] && { sh tests/pg/nodes.sh "$BIN" >"$LOG/pg-nodes.log" 2>&1; set -- $(counts "$LOG/pg-nodes.log"); add "${1:-0}" "${2:-1}" "PostgreSQL: two web nodes, a streaming standby, lag fallback"; grep -E "^FAIL" "$LOG/pg-nodes.log" | head -20; }
[ -f tests/pg/auth.sh ] && { sh tests/pg/auth.sh "$BIN" >"$LOG/pg-auth.log" 2>&1; set -- $(counts "$LOG/pg-auth.log"); add "${1:-0}" "${2:-1}" "PostgreSQL provider mode, login and alerts against SQLite (four alerts nodes)"; grep -E "^FAIL" "$LOG/pg-auth.log" | head -20; }
[ -f tests/kinds/ingest.sh ] && { sh tests/kinds/ingest.sh "$BIN" >"$LOG/kinds-ingest.log" 2>&1; set -- $(counts "$LOG/kinds-ingest.log"); add "${1:-0}" "${2:-1}" "report kinds through ingest"; grep -E "^FAIL" "$LOG/kinds-ingest.log" | head -20; }
[ -f tests/kinds/kinds.mk ] && { make -s kinds-check >"$LOG/kinds.log" 2>&1; set -- $(counts "$LOG/kinds.log"); add "${1:-0}" "${2:-1}" "report kinds (cases + fuzz corpus replay, ASan)"; grep -E "^FAIL" "$LOG/kinds.log" | head -20; }

[ -f tests/kinds/export.sh ] && { sh tests/kinds/export.sh "$BIN" >"$LOG/kinds-export.log" 2>&1; set -- $(counts "$LOG/kinds-export.log"); add "${1:-0}" "${2:-1}" "export --kind failure|tlsrpt, failure/TLS counts"; grep -E "^FAIL" "$LOG/kinds-export.log" | head -20; }

[ -f tests/pg/core.sh ] && { sh tests/pg/core.sh "$BIN" >"$LOG/pg-core.log" 2>&1; set -- $(counts "$LOG/pg-core.log"); add "${1:-0}" "${2:-1}" "PostgreSQL core against SQLite (concurrent ingests, kill -9)"; grep -E "^FAIL" "$LOG/pg-core.log" | head -20; }

# 4f. the same suites on PostgreSQL (issue 17: one list, both backends)
[ -f tests/pg/run.sh ] && { sh tests/pg/run.sh "$BIN" >"$LOG/pg-suites.log" 2>&1; set -- $(counts "$LOG/pg-suites.log"); add "${1:-0}" "${2:-1}" "the SQLite suites again on PostgreSQL (tests/pg/run.sh)"; grep -E "^(==|FAIL)" "$LOG/pg-suites.log" | grep -v " 0 failed" | head -20; }

# 5. fuzz corpus replay
if [ -f tests/fuzz/fuzz.mk ]; then
	make -s fuzz-replay >"$LOG/fuzz.log" 2>&1
	rc=$?
	p=0
	for n in $(sed -n 's/^\([0-9][0-9]*\) passed, 0 failed.*/\1/p' "$LOG/fuzz.log"); do
		p=$((p + n)); done
	[ "$rc" -ne 0 ] && tail -30 "$LOG/fuzz.log"
	add "$p" "$([ "$rc" -eq 0 ] && echo 0 || echo 1)" "fuzz corpus replay"
fi

# 6. conformance
if [ -d "${SHARED:-../shared}/corpus/real" ]; then
	sh tests/conformance.sh "$BIN" >"$LOG/conformance.log" 2>&1
	set -- $(counts "$LOG/conformance.log"); add "${1:-0}" "${2:-1}" "conformance"
	grep -E "^FAIL" "$LOG/conformance.log"
else
	echo "== conformance: ../shared/corpus not found, skipped"
fi

# 6b. every read path (CLI commands, every API route) over the real corpus under ASan/UBSan
sh tests/realpaths.sh "$BIN" >"$LOG/realpaths.log" 2>&1; set -- $(counts "$LOG/realpaths.log"); add "${1:-0}" "${2:-1}" "real paths"; grep -E "^FAIL" "$LOG/realpaths.log" | head -20

echo "$P passed, $F failed"
[ "$F" -eq 0 ]
