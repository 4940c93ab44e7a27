#!/bin/sh
# csv.sh BINARY - the mail list as CSV from the CLI (`export --format csv`) and
# from the portal (GET /api/v1/records.csv): the same columns and bytes, a
# UTF-8 BOM and IIJ's Japanese headers for lang=ja / --lang ja, the date
# column shifted by tz= / --tz and naming its zone, the download's file name
# (dmarc-DOMAIN-SINCE_UNTIL.csv), bad lang/tz refused.
# Starts `serve --no-enrich` on a free loopback port.  Prints "N passed, N failed".
set -u
BIN=${1:-build/dmarcscope}
T=$(mktemp -d)
SRV=
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {	# name expected got
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: expected '$2', got '$3'"; fi
}
D="$BIN --db $T/c.db"

# two records of example.co.jp: 2026-11-01 20:00 UTC (2026-11-02 05:00 in Tokyo)
cat > "$T/r.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>csv.example</org_name><email>r@csv.example</email>
<report_id>csv-1</report_id><date_range><begin>1793563200</begin><end>1793649599</end></date_range>
</report_metadata><policy_published><domain>example.co.jp</domain><p>none</p></policy_published>
<record><row><source_ip>192.0.2.7</source_ip><count>5</count><policy_evaluated>
<disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.co.jp</header_from></identifiers><auth_results><dkim>
<domain>example.co.jp</domain><result>pass</result></dkim><spf><domain>=cmd.example</domain>
<result>fail</result></spf></auth_results></record>
<record><row><source_ip>198.51.100.9</source_ip><count>2</count><policy_evaluated>
<disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.co.jp</header_from></identifiers><auth_results><spf>
<domain>spoof.example</domain><result>fail</result></spf></auth_results></record>
</feedback>
XML
$D ingest --no-progress "$T/r.xml" >/dev/null 2>"$T/err" || ko "ingest: $(cat "$T/err")"
F="--domain example.co.jp --since 2026-11-01 --until 2026-11-30"
Q="domain=example.co.jp&since=2026-11-01&until=2026-11-30&sort=date&dir=asc"

$D export --format csv $F > "$T/cli-en.csv"
$D export --format csv $F --lang ja --tz Asia/Tokyo > "$T/cli-ja.csv"
check "CLI en: header" "date (UTC),policy_domain,source_ip,reverse_dns,count,header_from,dmarc_result,spf_alignment,spf_result_domain,dkim_alignment,dkim_result_domain,disposition,country_code,class" "$(head -1 "$T/cli-en.csv")"
check "CLI en: no BOM" "64" "$(head -c 1 "$T/cli-en.csv" | od -An -tx1 | tr -d ' ')"
check "CLI ja: BOM" "efbbbf" "$(head -c 3 "$T/cli-ja.csv" | od -An -tx1 | tr -d ' ')"
check "CLI ja: IIJ headers" "日付 (JST),ポリシードメイン,送信元IPアドレス,逆引きドメイン,判定数,ヘッダFrom,DMARC検証結果,SPFアライメント,SPF検証結果,DKIMアライメント,DKIM検証結果,動作,国コード,分類" "$(head -1 "$T/cli-ja.csv" | tail -c +4)"
check "CLI en: the record at 20:00 UTC" "2026-11-01 20:00,example.co.jp,192.0.2.7" "$(grep 192.0.2.7 "$T/cli-en.csv" | cut -d, -f1-3)"
check "CLI ja --tz Asia/Tokyo: the same record at 05:00 the next day" "2026-11-02 05:00,example.co.jp,192.0.2.7" "$(grep 192.0.2.7 "$T/cli-ja.csv" | cut -d, -f1-3)"
$D export --format csv $F --tz UTC-03:30 > "$T/cli-neg.csv"
check "CLI --tz UTC-03:30" "date (UTC-03:30) 2026-11-01 16:30" "$(head -1 "$T/cli-neg.csv" | cut -d, -f1) $(grep 192.0.2.7 "$T/cli-neg.csv" | cut -d, -f1)"
check "only a leading sign is a formula" "fail:=cmd.example" "$(grep 192.0.2.7 "$T/cli-en.csv" | cut -d, -f9)"
$D export --format csv --tz Europe/Berlin >/dev/null 2>&1
check "CLI: unknown --tz is a usage error" 2 $?
$D export --format csv --lang fr >/dev/null 2>&1
check "CLI: unknown --lang is a usage error" 2 $?

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$D serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
SRV=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/meta"; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
B="http://127.0.0.1:$PORT/api/v1/records.csv"
curl -s -D "$T/h-en" -o "$T/web-en.csv" "$B?$Q"
curl -s -D "$T/h-ja" -o "$T/web-ja.csv" "$B?$Q&lang=ja&tz=Asia/Tokyo"
check "web: file name names the domain and the range" \
	'attachment; filename="dmarc-example.co.jp-2026-11-01_2026-11-30.csv"' \
	"$(sed -n 's/^Content-Disposition: \(.*\)\r$/\1/ip' "$T/h-en")"
check "web: Content-Type" "text/csv; charset=utf-8" "$(sed -n 's/^Content-Type: \(.*\)\r$/\1/ip' "$T/h-en")"
if cmp -s "$T/web-en.csv" "$T/cli-en.csv"; then ok "web = CLI, English, UTC (same bytes)"
else ko "web = CLI, English: $(diff "$T/web-en.csv" "$T/cli-en.csv" | head -5)"; fi
if cmp -s "$T/web-ja.csv" "$T/cli-ja.csv"; then ok "web = CLI, lang=ja tz=Asia/Tokyo (same bytes)"
else ko "web = CLI, ja: $(diff "$T/web-ja.csv" "$T/cli-ja.csv" | head -5)"; fi
check "web ja: BOM" "efbbbf" "$(head -c 3 "$T/web-ja.csv" | od -An -tx1 | tr -d ' ')"
check "web: columns of CLI and web" "$(head -1 "$T/cli-en.csv" | tr ',' '\n' | wc -l) columns" \
	"$(head -1 "$T/web-en.csv" | tr ',' '\n' | wc -l) columns"
check "web: plus in a URL as %2B (tz=UTC%2B09:00)" "2026-11-02 05:00" \
	"$(curl -s "$B?$Q&tz=UTC%2B09:00" | grep 192.0.2.7 | cut -d, -f1)"
check "web: default order (date desc) has the same rows" "$(tail -n +2 "$T/cli-en.csv" | sort)" \
	"$(curl -s "$B?domain=example.co.jp&since=2026-11-01&until=2026-11-30" | tail -n +2 | sort)"
check "web: bad tz is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$B?$Q&tz=Mars/Base")"
check "web: bad lang is 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$B?$Q&lang=xx")"
check "web: no domain: dmarc-all-…" 'attachment; filename="dmarc-all-2026-11-01_2026-11-30.csv"' \
	"$(curl -s -D - -o /dev/null "$B?since=2026-11-01&until=2026-11-30" | sed -n 's/^Content-Disposition: \(.*\)\r$/\1/ip')"
kill "$SRV"; wait "$SRV" 2>/dev/null; SRV=

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
