#!/bin/sh
# export.sh [BINARY] - `export --kind failure|tlsrpt` and the failure / TLS
# counts of `stats` and `summary`, data-driven: ingests the real samples
# (../shared/corpus/real/failure and smtp_tls; the two LinkedIn files are one
# report), exports each kind in each format (json, csv, parsedmarc-json,
# parsedmarc-csv; csv also with --lang ja --tz Asia/Tokyo, and with filters)
# and compares with the expected files in tests/kinds/export/ (JSON with the
# run-dependent "ingested_at" removed and indented, CSV byte for byte).
# Every CSV is parsed (python csv: one field count per file, the rows
# expected); the counts of `stats --json` / `summary --json` and the digest
# line are checked, an abuse report (Feedback-Type: abuse) is exported but
# not counted, bad --kind is a usage error, and `export | head` exits 0.
# UPDATE=1 rewrites the expected files (then review them by eye: they are the
# truth).  Prints "N passed, N failed" last.
set -u
BIN=${1:-build/dmarcscope}
cd "$(dirname "$0")/../.." || exit 2
SH=${SHARED:-../shared}
EXP=tests/kinds/export
T=$(mktemp -d /tmp/kinds-export.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {	# name expected got
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: expected '$2', got '$3'"; fi
}
if [ ! -d "$SH/corpus/real/failure" ] || [ ! -d "$SH/corpus/real/smtp_tls" ]; then
	echo "skip: $SH/corpus/real/failure or smtp_tls not found"
	echo "0 passed, 0 failed"
	exit 0
fi
D="$BIN --db $T/k.db"
if $D ingest --no-progress "$SH/corpus/real/failure" "$SH/corpus/real/smtp_tls" >"$T/ingest.out" 2>&1; then
	ok "the real failure and TLS samples ingest"
else
	ko "ingest: $(tail -3 "$T/ingest.out")"
fi

# JSON: drop ingested_at (the ingest time), indent; CSV as it is
norm() {	# kind format file
	case $2 in
	*json) python3 - "$3" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
for o in a:
    o.pop("ingested_at", None)
sys.stdout.write(json.dumps(a, indent=1, ensure_ascii=False) + "\n")
EOF
	;;
	*) cat "$3" ;;
	esac
}
compare() {	# name expected-file kind format [export options...]
	name=$1 exp=$2 kind=$3 fmt=$4
	shift 4
	if ! $D export --kind "$kind" --format "$fmt" "$@" >"$T/out" 2>"$T/err"; then
		ko "$name: export failed: $(head -3 "$T/err")"
		return
	fi
	norm "$kind" "$fmt" "$T/out" >"$T/norm" || { ko "$name: output does not parse"; return; }
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$T/norm" "$EXP/$exp"
		ok "$name: $EXP/$exp written"
	elif cmp -s "$T/norm" "$EXP/$exp"; then
		ok "$name"
	else
		ko "$name: differs from $EXP/$exp:"
		diff "$EXP/$exp" "$T/norm" | head -20
	fi
}
mkdir -p "$EXP"
for k in failure tlsrpt; do
	compare "$k json" "$k.json" "$k" json
	compare "$k csv" "$k.csv" "$k" csv
	compare "$k parsedmarc-json" "$k.parsedmarc.json" "$k" parsedmarc-json
	compare "$k parsedmarc-csv" "$k.parsedmarc.csv" "$k" parsedmarc-csv
	compare "$k csv --lang ja --tz Asia/Tokyo" "$k.ja.csv" "$k" csv --lang ja --tz Asia/Tokyo
done
compare "failure csv --domain example.com" "failure.example.com.csv" failure csv --domain example.com
compare "failure json --since 2019-01-01 --until 2020-01-01" "failure.2019.json" failure json \
    --since 2019-01-01 --until 2020-01-01
compare "tlsrpt csv --domain company-y.example" "tlsrpt.company-y.csv" tlsrpt csv --domain company-y.example

# every CSV parses, with one field count per file; rows per file
csvcheck() {	# name rows file
	got=$(python3 - "$3" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
n = {len(r) for r in rows}
print("%d %s" % (len(rows) - 1, "same" if len(n) == 1 else "ragged:%s" % sorted(n)))
EOF
)
	check "$1 parses ($2 rows, one field count)" "$2 same" "$got"
}
csvcheck "failure csv" 4 "$EXP/failure.csv"
csvcheck "failure csv (ja)" 4 "$EXP/failure.ja.csv"
csvcheck "failure parsedmarc-csv" 4 "$EXP/failure.parsedmarc.csv"
csvcheck "failure csv --domain example.com" 2 "$EXP/failure.example.com.csv"
# tlsrpt: one row per policy plus one per failure detail (4 reports, 4 policies, 7 details)
csvcheck "tlsrpt csv" 11 "$EXP/tlsrpt.csv"
csvcheck "tlsrpt parsedmarc-csv" 11 "$EXP/tlsrpt.parsedmarc.csv"
csvcheck "tlsrpt csv --domain company-y.example" 4 "$EXP/tlsrpt.company-y.csv"
check "Japanese CSV starts with a UTF-8 BOM and names the zone" "efbbbf 日付 (JST)" \
    "$(head -c 3 "$EXP/failure.ja.csv" | od -An -tx1 | tr -d ' \n') $(head -1 "$EXP/failure.ja.csv" | cut -d, -f1 | tail -c +4)"
check "JSON: 4 failure reports (the LinkedIn CRLF/LF pair is one), 4 TLS reports" "4 4" \
    "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))), len(json.load(open(sys.argv[2]))))' "$EXP/failure.json" "$EXP/tlsrpt.json")"
check "no URL in the failure CSV is a live link (defanged)" "" \
    "$(grep -E 'https?://' "$EXP/failure.csv" | head -1)"

# counts: stats --json, summary --json, the digest
st() {	# domain -> "failure_reports tls.reports tls.success tls.failure"
	$D stats --domain "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["tls"]; print(d["failure_reports"], t["reports"], t["success"], t["failure"])'
}
check "stats example.com: 2 failure reports, 2 TLS reports (0 ok / 4 failed sessions)" "2 2 0 4" "$(st example.com)"
check "stats domain.de: 1 failure report, no TLS report" "1 0 0 0" "$(st domain.de)"
check "stats company-y.example: TLS 5326 ok / 303 failed" "0 1 5326 303" "$(st company-y.example)"
check "stats --since/--until: the period filters the failure count" "1" \
    "$($D stats --domain example.com --since 2019-01-01 --until 2020-01-01 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["failure_reports"])')"
check "summary --json has failure_reports and tls" "2 4" \
    "$($D summary --domain example.com --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["failure_reports"], d["tls"]["failure"])')"
check "summary --json kinds: every failure report, the DMARC ones, TLS reports" "4 4 4" \
    "$($D summary --json | python3 -c 'import json,sys; k=json.load(sys.stdin)["kinds"]; print(k["failure"], k["failure_dmarc"], k["tlsrpt"])')"
check "summary --domain example.com --json kinds follow the filter" "2 2" \
    "$($D summary --domain example.com --json | python3 -c 'import json,sys; k=json.load(sys.stdin)["kinds"]; print(k["failure"], k["tlsrpt"])')"
check "summary text: failure and TLS reports" "failure reports 4 (4 DMARC failures; export --kind failure)|TLS reports 4" \
    "$($D summary | grep -E '^(failure|TLS) reports' | tr -s ' ' | paste -sd'|')"
check "digest: failure reports received" "Failure reports received: 2" \
    "$($D summary --domain example.com --lang en | grep '^Failure reports' | tr -s ' ')"
check "digest: TLS sessions (ja)" "TLSセッション: 成功 5,326 / 失敗 303 (5.4%)" \
    "$($D stats --domain company-y.example --lang ja --only summary | grep '^TLS' | tr -s ' ')"
check "digest: no TLS line without TLS reports" "" \
    "$($D summary --domain domain.de --lang en | grep '^TLS sessions')"

# Feedback-Type: abuse is exported, but is no DMARC failure: not counted
A="$BIN --db $T/abuse.db"
$A ingest --no-progress tests/kinds/cases/variant-abuse-not-dmarc/input.eml >/dev/null 2>&1
check "abuse report: exported (feedback_type abuse), not counted" "abuse 0 1 0" \
    "$($A export --kind failure --format csv | tail -1 | cut -d, -f10) $($A stats --domain example.com --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["failure_reports"])') $($A summary --json | python3 -c 'import json,sys; k=json.load(sys.stdin)["kinds"]; print(k["failure"], k["failure_dmarc"])')"

# usage and pipes
$D export --kind bogus --format json >/dev/null 2>&1
check "--kind bogus: usage error (2)" 2 $?
$D export --format json >/dev/null 2>&1
check "no --kind: the aggregate export as before (0)" 0 $?
( $D export --kind failure --format parsedmarc-json 2>/dev/null; echo $? >"$T/rc" ) | head -c 10 >/dev/null
check "export --kind failure | head: exit 0" 0 "$(cat "$T/rc")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
