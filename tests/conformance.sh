#!/bin/sh
# conformance.sh BINARY - ingest parsedmarc's real sample reports from
# ../shared/corpus/real and compare with the totals the issue names:
# 20 reports, 2,345 records, 8,528 messages, 4 duplicates, nothing refused;
# empty.xml refused with a clear reason.  Prints "N passed, N failed".
set -u
BIN=${1:-build/dmarcscope}
C=${SHARED:-../shared}/corpus/real
if [ ! -d "$C" ]; then
	echo "conformance: $C not found; skipped"
	echo "0 passed, 0 failed"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() {	# name expected got
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok   conformance: $1 = $3"
	else fail=$((fail + 1)); echo "FAIL conformance: $1: expected $2, got $3"; fi
}
"$BIN" --db "$T/c.db" ingest --json --no-progress "$C/aggregate" "$C/aggregate_invalid" \
	"$C/extract_report" >"$T/ingest.json" 2>"$T/ingest.err"
check "ingest exit status" 0 $?
"$BIN" --db "$T/c.db" summary --json >"$T/summary.json"
get() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
check reports 20 "$(get "$T/summary.json" reports)"
check records 2345 "$(get "$T/summary.json" records)"
check messages 8528 "$(get "$T/summary.json" messages)"
check duplicates 4 "$(get "$T/summary.json" duplicates)"
check quarantined 0 "$(get "$T/summary.json" quarantined)"
# Ingesting everything again adds nothing.
"$BIN" --db "$T/c.db" ingest --json --no-progress "$C/aggregate" "$C/aggregate_invalid" \
	"$C/extract_report" >"$T/again.json" 2>/dev/null
check "re-ingest new reports" 0 "$(get "$T/again.json" reports)"
"$BIN" --db "$T/c.db" summary --json >"$T/summary2.json"
check "re-ingest records unchanged" 2345 "$(get "$T/summary2.json" records)"
"$BIN" --db "$T/c.db" ingest --no-progress "$C/empty.xml" 2>"$T/empty.err"
check "empty.xml exit status" 1 $?
if grep -q "refused .*empty.xml: empty input" "$T/empty.err"; then
	pass=$((pass + 1)); echo "ok   conformance: empty.xml refused: $(cat "$T/empty.err")"
else
	fail=$((fail + 1)); echo "FAIL conformance: empty.xml message: $(cat "$T/empty.err")"
fi
"$BIN" --db "$T/c.db" summary --json >"$T/summary3.json"
check "empty.xml quarantined" 1 "$(get "$T/summary3.json" quarantined)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
