#!/bin/sh
# tests/groupcommit.sh - group commit (issue 17, part 5): `ingest` of a
# directory or mbox commits many messages per transaction, each message still
# all or nothing, and a crash loses nothing.
#
#   1. Every input of the data-driven cases (quirks, refusals, recovery,
#      duplicates) and a generated directory: the default (grouped) and
#      --commit-each store the same (summary, export, quarantine, exit code),
#      inline and with the two-thread pipeline.
#   2. The same bytes twice inside one group: stored once, counted as a
#      duplicate once (the parser's read connection cannot see the open group).
#   3. kill -9 in the middle of a grouped ingest, then the same ingest again:
#      the totals equal a clean ingest; nothing lost, nothing twice.
#   4. A refused message inside a group takes none of its neighbours with it.
# Each comparison includes the rollups and the rows their triggers keep (the
# overview's days and spans, the source spans): a grouped transaction settles
# them before its COMMIT (store_sqlite_stage.c), one by one the triggers do.
#
# Usage: sh tests/groupcommit.sh [BINARY]      prints "N passed, N failed"
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-group.XXXXXX)
trap 'rm -rf "$T"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; }
same() { if cmp -s "$2" "$3"; then ok "$1"; else bad "$1"; diff "$2" "$3" | head -10; fi; }
snapshot() {	# DB OUT
	"$BIN" --db "$1" summary --json 2>/dev/null | sed -E 's/"(duplicates|raw_messages)":[0-9]+,?//g' >"$2.summary"
	"$BIN" --db "$1" export --format json >"$2.export" 2>/dev/null
	"$BIN" --db "$1" quarantine list 2>&1 | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}Z//; s/^ *[0-9]+ +[0-9]+ //' \
	    | sort >"$2.quarantine"
	# every rollup and what their triggers keep (a grouped transaction
	# settles them before its COMMIT, 028; one by one, the row triggers do);
	# the overview's rows by domain and reporter name, not by their ids and
	# bits, which follow the order domains and reporters came in (on
	# PostgreSQL, through tests/pg/run.sh, a group settles in key order)
	printf '%s\n' "$ROLLUP_DUMPS" | while IFS=: read -r _n _sql; do
		echo "== $_n"
		sqlite3 "$1" "$_sql" | LC_ALL=C sort
	done >"$2.rollups" 2>&1
}
ROLLUP_DUMPS="day:SELECT * FROM rollup_day
src:SELECT * FROM rollup_src
srcspan:SELECT * FROM rollup_src_span
hours:SELECT * FROM rollup_hours
org:SELECT * FROM rollup_org
domday:SELECT d.policy_domain, t.day, t.messages, t.dmarc_pass, t.spf_aligned, t.dkim_aligned, t.forwarded, t.auth_failure, t.spoofing FROM rollup_domain_day t JOIN ov_domain d ON d.id = t.domain_id
domdayorg:SELECT d.policy_domain, t.day, r.org FROM rollup_domain_day t JOIN ov_domain d ON d.id = t.domain_id JOIN ov_reporter r ON r.domain_id = t.domain_id AND (t.orgs & r.bit) <> 0
domspan:SELECT d.policy_domain, t.level, t.start, t.messages, t.dmarc_pass, t.spf_aligned, t.dkim_aligned, t.forwarded, t.auth_failure, t.spoofing, t.first_day, t.last_day FROM rollup_domain_span t JOIN ov_domain d ON d.id = t.domain_id
domspanorg:SELECT d.policy_domain, t.level, t.start, r.org FROM rollup_domain_span t JOIN ov_domain d ON d.id = t.domain_id JOIN ov_reporter r ON r.domain_id = t.domain_id AND (t.orgs & r.bit) <> 0
summary:SELECT policy_domain, reports, first_begin, last_begin, last_end, p, sp, np, pct, testing, messages FROM domain_summary"
run() {	# NAME DB ARGS... -> $T/NAME.rc
	_n=$1 _db=$2; shift 2
	"$BIN" --db "$_db" ingest --no-progress --json "$@" >"$T/$_n.json" 2>"$T/$_n.err"
	echo $? >"$T/$_n.rc"
}
count() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$T/$1.json"; }

# 1. the case inputs and a generated directory, grouped and one by one
mkdir -p "$T/in"
i=0
for f in tests/cases/*/input*; do
	[ -f "$f" ] || continue
	i=$((i + 1)); cp "$f" "$T/in/$(printf %04d $i)-$(basename "$f")"
done
python3 "${SHARED:-../shared}/tools/gen_corpus.py" --reports 300 --max-records 20 --seed 7 \
    --out "$T/gen" >/dev/null 2>&1 || python3 ../shared/tools/gen_corpus.py --help >/dev/null 2>&1
[ -d "$T/gen" ] && cp -r "$T/gen" "$T/in/gen"
n_in=$(find "$T/in" -type f | wc -l)
[ "$n_in" -gt 300 ] && ok "inputs: $n_in files" || bad "inputs: only $n_in files (generator?)"
for mode in inline pipeline; do
	if [ $mode = inline ]; then export DMARCSCOPE_NO_PIPELINE=1; else unset DMARCSCOPE_NO_PIPELINE; fi
	run g-$mode "$T/g-$mode.db" "$T/in"
	run e-$mode "$T/e-$mode.db" --commit-each "$T/in"
	snapshot "$T/g-$mode.db" "$T/g-$mode"; snapshot "$T/e-$mode.db" "$T/e-$mode"
	same "$mode: exit code grouped = one by one" "$T/g-$mode.rc" "$T/e-$mode.rc"
	same "$mode: summary grouped = one by one" "$T/g-$mode.summary" "$T/e-$mode.summary"
	same "$mode: export grouped = one by one" "$T/g-$mode.export" "$T/e-$mode.export"
	same "$mode: quarantine grouped = one by one" "$T/g-$mode.quarantine" "$T/e-$mode.quarantine"
	same "$mode: rollups, overview rows and spans grouped (settled) = one by one (triggers)" \
	    "$T/g-$mode.rollups" "$T/e-$mode.rollups"
	n=$(grep -c . "$T/g-$mode.rollups")
	[ "$n" -gt 1000 ] && ok "$mode: $n rollup rows compared" || bad "$mode: only $n rollup rows"
	for k in reports records refused failed; do
		a=$(count g-$mode $k); b=$(count e-$mode $k)
		[ -n "$a" ] && [ "$a" = "$b" ] && ok "$mode: $k $a = $b" || bad "$mode: $k '$a' vs '$b'"
	done
done
unset DMARCSCOPE_NO_PIPELINE
[ "$(count g-pipeline reports)" -gt 300 ] && ok "the grouped ingest stored $(count g-pipeline reports) reports" \
    || bad "the grouped ingest stored $(count g-pipeline reports) reports"

# 2. the same bytes twice in one group
mkdir -p "$T/twice"
f=$(ls "$T/gen"/* 2>/dev/null | head -1)
cp "$f" "$T/twice/a"; cp "$f" "$T/twice/b"
run twice "$T/twice.db" "$T/twice"
[ "$(count twice reports)" = 1 ] && [ "$(count twice duplicates)" = 1 ] && ok "same bytes twice in a group: 1 stored, 1 duplicate" \
    || bad "same bytes twice in a group: $(cat "$T/twice.json")"
n=$("$BIN" --db "$T/twice.db" summary --json | sed -n 's/.*"raw_messages":\([0-9]*\).*/\1/p')
[ "$n" = 1 ] && ok "same bytes twice: archived once" || bad "same bytes twice: $n archived copies"

# 3. kill -9 mid-run, then again: equal to a clean ingest
big="$T/kill"
python3 "${SHARED:-../shared}/tools/gen_corpus.py" --reports 1500 --max-records 40 --seed 11 \
    --out "$big" >/dev/null 2>&1
if [ -d "$big" ]; then
	"$BIN" --db "$T/clean.db" ingest --no-progress "$big" >/dev/null 2>&1
	snapshot "$T/clean.db" "$T/clean"
	killed=0
	for delay in 0.2 0.4 0.7; do
		rm -f "$T/k.db"*
		"$BIN" --db "$T/k.db" ingest --no-progress "$big" >/dev/null 2>&1 &
		pid=$!
		sleep $delay
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		part=$("$BIN" --db "$T/k.db" summary --json 2>/dev/null | sed -n 's/.*"reports":\([0-9]*\).*/\1/p')
		[ "${part:-0}" -lt 1500 ] && killed=$((killed + 1))
		"$BIN" --db "$T/k.db" ingest --no-progress "$big" >/dev/null 2>&1
		snapshot "$T/k.db" "$T/k"
		same "kill -9 after ${delay}s (${part:-0} reports committed), then again: summary = clean" "$T/k.summary" "$T/clean.summary"
		same "kill -9 after ${delay}s, then again: export = clean" "$T/k.export" "$T/clean.export"
		same "kill -9 after ${delay}s, then again: rollups = clean" "$T/k.rollups" "$T/clean.rollups"
	done
	[ "$killed" -gt 0 ] && ok "killed mid-run $killed times" || bad "the ingest had finished before every kill (corpus too small)"
fi

# 4. a refused message between good ones, in one group
mkdir -p "$T/mixed"
ls "$T/gen"/* | head -5 | while read -r f; do cp "$f" "$T/mixed/"; done
printf '<?xml version="1.0"?><feedback><report_metadata>' >"$T/mixed/zz-broken.xml"
printf 'not a report at all\n' >"$T/mixed/zz-text.txt"
ls "$T/gen"/* | sed -n 6,10p | while read -r f; do cp "$f" "$T/mixed/"; done
run mixedg "$T/mixedg.db" "$T/mixed"
run mixede "$T/mixede.db" --commit-each "$T/mixed"
[ "$(count mixedg reports)" = "$(count mixede reports)" ] && [ "$(count mixedg reports)" -ge 10 ] \
    && ok "refused messages in a group: the other $(count mixedg reports) reports stored" \
    || bad "refused messages in a group: $(count mixedg reports) vs $(count mixede reports)"
[ "$(count mixedg refused)" = 2 ] && ok "refused messages in a group: 2 refused" || bad "refused: $(count mixedg refused)"
snapshot "$T/mixedg.db" "$T/mg"; snapshot "$T/mixede.db" "$T/me"
same "refused messages in a group: quarantine = one by one" "$T/mg.quarantine" "$T/me.quarantine"
same "refused messages in a group: rollups = one by one" "$T/mg.rollups" "$T/me.rollups"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
