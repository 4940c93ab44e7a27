#!/bin/sh
# cli.sh BINARY - command-line behaviour: help, exit statuses, stdin delivery,
# quarantine retry, dedupe on re-ingest, export formats and their escaping.
# Prints "N passed, N failed".
set -u
BIN=${1:-build/dmarcscope}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
expect_rc() {	# name expected-rc command...
	name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else ko "$name: exit $got, wanted $want: $(head -c 300 "$T/err")"; fi
}
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$1" "$2"; }
DB="$T/t.db"
D="$BIN --db $DB"

report() {	# org report_id begin count [extra-org-text]
	cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback><version>1.0</version>
<report_metadata><org_name>$1</org_name><email>noreply@reporter.example</email>
<report_id>$2</report_id><date_range><begin>$3</begin><end>$(($3 + 86399))</end></date_range>
</report_metadata>
<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
<record><row><source_ip>192.0.2.10</source_ip><count>$4</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf>
<reason><type>local_policy</type><comment>=HYPERLINK("http://evil.example") &lt;script&gt;alert(1)&lt;/script&gt; "quoted"</comment></reason></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>bounce.example.com</domain><result>fail</result></spf></auth_results></record>
</feedback>
XML
}

# help and usage
expect_rc "--help exits 0" 0 $BIN --help
grep -q "ingest" "$T/out" && ok "--help lists commands" || ko "--help lists commands"
for c in ingest summary export quarantine; do
	expect_rc "$c --help exits 0" 0 $D $c --help
	grep -qi "usage: dmarcscope $c" "$T/out" && ok "$c --help shows usage" || ko "$c --help shows usage"
done
expect_rc "no command is a usage error" 2 $BIN
expect_rc "unknown command is a usage error" 2 $D frobnicate
expect_rc "ingest without INPUT is a usage error" 2 $D ingest
expect_rc "export without --format is a usage error" 2 $D export
expect_rc "bad --since is a usage error" 2 $D summary --since 2024-13-45
expect_rc "bad size is a usage error" 2 $D ingest --max-decompressed lots x
expect_rc "unopenable database is an error" 2 $BIN --db /nonexistent/dir/x.db summary
expect_rc "ingest --jobs 0 is a usage error" 2 $D ingest --jobs 0 x
grep -q "jobs: a number from 1 to 16, not '0'" "$T/err" && ok "--jobs 0: says what it wants" \
	|| ko "--jobs 0: $(cat "$T/err")"
expect_rc "ingest --jobs 17 is a usage error" 2 $D ingest --jobs 17 x

# ingest --jobs: worker processes sharing the files store what one process stores
mkdir -p "$T/jobs/a" "$T/jobs/b"
for i in 1 2 3 4 5 6 7 8 9; do
	report "jobs$i.example" "jobs-$i" $((1700006400 + i * 86400)) "$i" >"$T/jobs/a/r$i.xml"
	report "jobs$i.example" "jobs-b$i" $((1700006400 + i * 86400)) 1 | gzip -c -n >"$T/jobs/b/r$i.xml.gz"
done
$BIN --db "$T/j1.db" ingest --json --no-progress "$T/jobs" >"$T/j1.json" 2>"$T/j1.err"
$BIN --db "$T/j3.db" ingest --jobs 3 --json --no-progress "$T/jobs" >"$T/j3.json" 2>"$T/j3.err"; rc=$?
[ $rc = 0 ] && ok "ingest --jobs 3: exit 0" || ko "ingest --jobs 3: exit $rc: $(cat "$T/j3.err")"
[ "$(jget "$T/j3.json" "['messages'], d['reports'], d['message_count']")" = "(18, 18, 54)" ] \
	&& ok "ingest --jobs 3: the workers' totals added up" || ko "ingest --jobs 3: $(cat "$T/j3.json")"
for n in 1 3; do
	$BIN --db "$T/j$n.db" export --format json | python3 -c '
import json, sys
print("\n".join(sorted(json.dumps(r, sort_keys=True) for r in json.load(sys.stdin))))' >"$T/j$n.export"
done
[ -s "$T/j1.export" ] && cmp -s "$T/j1.export" "$T/j3.export" \
	&& ok "ingest --jobs 3: the same reports as one process" || ko "ingest --jobs 3: exports differ"
$BIN --db "$T/j3.db" ingest --jobs 2 --json --no-progress - <"$T/jobs/a/r1.xml" >"$T/j3s.json" 2>/dev/null
[ "$(jget "$T/j3s.json" "['messages'], d['duplicates']")" = "(1, 1)" ] \
	&& ok "ingest --jobs 2 -: standard input read once" || ko "--jobs with stdin: $(cat "$T/j3s.json")"

# an MTA pipe: one e-mail on stdin, with a gzip attachment
report "Reporter &amp; Co &lt;b&gt;" "rid-1" 1700006400 5 > "$T/r1.xml"
gzip -c -n "$T/r1.xml" > "$T/r1.xml.gz"
{
	printf 'From: noreply@reporter.example\r\nTo: dmarc@example.com\r\n'
	printf 'Subject: Report Domain: example.com Submitter: reporter.example Report-ID: <rid-1>\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
	printf -- '--b1\r\nContent-Type: text/plain\r\n\r\nThis is a DMARC report.\r\n'
	printf -- '--b1\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n'
	printf 'Content-Disposition: attachment; filename="reporter.example!example.com!1700006400!1700092799.xml.gz"\r\n\r\n'
	base64 "$T/r1.xml.gz" | sed 's/$/\r/'
	printf -- '--b1--\r\n'
} > "$T/mail.eml"
$D ingest --json - < "$T/mail.eml" > "$T/in.json" 2>"$T/err"; rc=$?
[ $rc = 0 ] && ok "stdin e-mail stored (exit 0)" || ko "stdin e-mail: exit $rc: $(cat "$T/err")"
[ "$(jget "$T/in.json" "['reports']")" = 1 ] && ok "stdin: 1 report" || ko "stdin: reports $(cat "$T/in.json")"
[ "$(jget "$T/in.json" "['message_count']")" = 5 ] && ok "stdin: 5 messages" || ko "stdin: message_count"

# the same report as a plain file and as .gz: duplicates, nothing added
$D ingest --json "$T/r1.xml" "$T/r1.xml.gz" > "$T/dup.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ok "duplicate ingest exits 0" || ko "duplicate ingest exit $rc"
[ "$(jget "$T/dup.json" "['reports']")" = 0 ] && [ "$(jget "$T/dup.json" "['duplicates']")" = 2 ] \
	&& ok "same report in other containers: 2 duplicates" || ko "dup counts: $(cat "$T/dup.json")"
$D ingest --json - < "$T/mail.eml" > "$T/dup2.json" 2>/dev/null
[ "$(jget "$T/dup2.json" "['duplicates']")" = 1 ] && ok "same message again: a duplicate" \
	|| ko "same message again: $(cat "$T/dup2.json")"
$D summary --json > "$T/s.json"
[ "$(jget "$T/s.json" "['reports']")" = 1 ] && [ "$(jget "$T/s.json" "['messages']")" = 5 ] \
	&& [ "$(jget "$T/s.json" "['duplicates']")" = 3 ] && ok "summary after duplicates" \
	|| ko "summary after duplicates: $(cat "$T/s.json")"

# a refused input: clear stderr line, exit 1, quarantined; retry with a larger limit fixes it
python3 -c "
import sys
rows=''.join('<record><row><source_ip>198.51.100.%d</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results/></record>'%(i%250+1) for i in range(3000))
sys.stdout.write('<feedback><report_metadata><org_name>big.example</org_name><email>a@big.example</email><report_id>big-1</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata><policy_published><domain>example.com</domain><p>reject</p></policy_published>'+rows+'</feedback>')
" > "$T/big.xml"
gzip -c -n "$T/big.xml" > "$T/big.xml.gz"
$D ingest --max-decompressed 64k "$T/big.xml.gz" > /dev/null 2>"$T/err"; rc=$?
[ $rc = 1 ] && ok "over the decompression limit: exit 1" || ko "limit: exit $rc"
[ "$(grep -c '^dmarcscope: refused' "$T/err")" = 1 ] && grep -q "max-decompressed" "$T/err" \
	&& ok "one clear refusal line" || ko "refusal line: $(cat "$T/err")"
$D quarantine list --json > "$T/q.json"
[ "$(jget "$T/q.json" "[0]['source']")" = "$T/big.xml.gz" ] && ok "quarantine list shows it" \
	|| ko "quarantine list: $(cat "$T/q.json")"
expect_rc "quarantine retry with the same limit still refuses" 1 $D quarantine retry --max-decompressed 64k
expect_rc "quarantine retry with a larger limit succeeds" 0 $D quarantine retry --max-decompressed 8m
$D summary --json > "$T/s.json"
[ "$(jget "$T/s.json" "['quarantined']")" = 0 ] && [ "$(jget "$T/s.json" "['records']")" = 3001 ] \
	&& ok "retry resolved the entry and stored 3000 records" || ko "after retry: $(cat "$T/s.json")"

# exports: valid JSON, hostile text kept as data, CSV formulas defused
$D export --format json > "$T/e.json"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==2, len(d); r=[x for x in d if x['report_id']=='rid-1'][0]; assert r['org_name']=='Reporter & Co <b>', r['org_name']; assert r['records'][0]['reasons'][0]['comment'].startswith('=HYPERLINK'), r['records'][0]" "$T/e.json" \
	&& ok "export json parses, text kept verbatim" || ko "export json"
$D export --format parsedmarc-json > "$T/p.json"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); r=[x for x in d if x['report_metadata']['report_id']=='rid-1'][0]['records'][0]; assert r['alignment']['dmarc'] is True and r['policy_evaluated']['disposition']=='none'" "$T/p.json" \
	&& ok "export parsedmarc-json" || ko "export parsedmarc-json"
$D export --format csv --domain example.com > "$T/e.csv"
python3 - "$T/e.csv" <<'PY' && ok "export csv: IIJ columns, formulas defused" || ko "export csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert rows[0][:5] == ['date (UTC)', 'policy_domain', 'source_ip', 'reverse_dns', 'count'], rows[0]
assert len(rows) == 1 + 3001, len(rows)
assert all(len(r) == 14 for r in rows)
PY
$D export --format parsedmarc-csv > "$T/p.csv"
python3 - "$T/p.csv" <<'PY' && ok "export parsedmarc-csv: formula in a comment defused" || ko "export parsedmarc-csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
c = [r['policy_override_comments'] for r in rows if r['policy_override_comments']]
assert c and c[0].startswith("'="), c[:1]
PY
$D export --format csv --since 2030-01-01 > "$T/none.csv"
[ "$(wc -l < "$T/none.csv")" = 1 ] && ok "export filter excludes everything" || ko "export filter"
expect_rc "unknown export format" 2 $D export --format xml

# DMARCSCOPE_SQL_PROFILE: the statement profile on stderr, stdout unchanged
DMARCSCOPE_SQL_PROFILE=1 $D summary --json >"$T/prof.out" 2>"$T/prof.err"
$D summary --json >"$T/noprof.out" 2>"$T/noprof.err"
if grep -q "^postgresql database" "$DB" 2>/dev/null; then	# tests/pg/run.sh: a PostgreSQL database
	if cmp -s "$T/prof.out" "$T/noprof.out" && [ ! -s "$T/prof.err" ]; then
		ok "DMARCSCOPE_SQL_PROFILE on PostgreSQL: nothing printed, output unchanged"
	else ko "DMARCSCOPE_SQL_PROFILE on PostgreSQL: $(head -3 "$T/prof.err")"; fi
elif cmp -s "$T/prof.out" "$T/noprof.out" && grep -q '^sql profile: [0-9]* statements' "$T/prof.err" &&
    grep -Eq '^ +[0-9.]+ ms +[0-9]+ calls +[0-9.]+ us  SELECT' "$T/prof.err" && [ ! -s "$T/noprof.err" ]; then
	ok "DMARCSCOPE_SQL_PROFILE: statements on stderr, output unchanged, nothing without it"
else ko "DMARCSCOPE_SQL_PROFILE: $(head -3 "$T/prof.err")"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
