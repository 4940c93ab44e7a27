#!/bin/sh
# run.sh [BINARY] - the exact fixes (`dmarcscope fixes`, issue 18 part 2) on
# data-driven cases: each tests/fixes/cases/NN-name/ is a report (rows, made
# into XML by mkreport.py, or `from`: one of the JIPDEC path cases of
# tests/analysis/cases/, with its senders and setup.sql), My Senders
# (senders: `senders add` arguments, one line each), hosts rows (setup.sql),
# extra options (args), the zone (zone.conf, unbound local-data, served by a real unbound on
# loopback: tests/servers/start.sh), and expect.json: the fixes as
# "severity code lookups_after | en text" and "  ja | ja text" lines.
# UPDATE=1 writes expect.json from the output instead (then read the diff).
# Then: the text and --saved outputs, exit statuses, a bad domain, the
# resolver that fails (nothing is called missing), the JSON's evidence.
# Prints ok/FAIL lines and "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-fixes.XXXXXX)
P=0 F=0
ok() { P=$((P + 1)); echo "ok   $1"; }
ko() { F=$((F + 1)); echo "FAIL $1"; }
cleanup() {
	sh tests/servers/stop.sh "$T/srv" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM HUP PIPE
export DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1
export DMARCSCOPE_SERVICES=$PWD/data/services.csv
unset DMARCSCOPE_DB
D=tests/fixes
{
	printf 'local-zone: "test." static\nlocal-zone: "example." static\n'
	cat $D/jipdec.conf $D/portal/zone.conf $D/cases/*/zone.conf 2>/dev/null
} > "$T/dns.conf"
if ! ENRICH_DNS_CONF=$T/dns.conf ENRICH_NO_MMDB=1 sh tests/servers/start.sh "$T/srv" >"$T/start.log" 2>&1; then
	cat "$T/start.log"
	ko "loopback DNS server started"
	echo "$P passed, $F failed"
	exit 1
fi
. "$T/srv/env"

setup() {	# case dir -> database $T/db for it; prints the domain
	dir=$1
	rm -f "$T/db"
	"$BIN" --db "$T/db" summary --json >/dev/null 2>&1
	src=$dir
	if [ -f "$dir/from" ]; then
		src=$D/$(cat "$dir/from")
		dom=example.co.jp
	else
		dom=$(cat "$dir/domain")
	fi
	[ -f "$src/setup.sql" ] && python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()' "$T/db" "$src/setup.sql"
	if [ -f "$src/senders" ]; then
		while IFS= read -r line; do
			line=${line#before }
			case $line in after*|'') continue ;; esac
			eval "set -- $line"
			"$BIN" --db "$T/db" senders add "$@" >/dev/null 2>&1 || echo "senders add $line failed" >&2
		done < "$src/senders"
	fi
	if [ -f "$dir/rows" ]; then
		python3 $D/mkreport.py "$dir/rows" "$dom" "$T/report.xml"
		set -- "$T/report.xml"
	else
		set -- "$src"/report*.xml
	fi
	"$BIN" --db "$T/db" ingest --no-progress "$@" >/dev/null 2>&1 || echo "ingest failed" >&2
	echo "$dom"
}
norm() {	# fixes JSON on stdin -> lines
	python3 -c '
import json, sys
r = json.load(sys.stdin)
for f in r["fixes"]:
    a = f["spf_lookups_after"]
    print("%s %s %s | %s" % (f["severity"], f["code"], "-" if a is None else a, f["text"]["en"]))
    print("  ja | %s" % f["text"]["ja"])'
}

# --- the data-driven cases
for dir in $D/cases/*/; do
	dir=${dir%/}
	name=${dir##*/}
	dom=$(setup "$dir" 2>"$T/err")
	[ -s "$T/err" ] && { ko "$name: setup: $(cat "$T/err")"; continue; }
	# shellcheck disable=SC2046
	"$BIN" --db "$T/db" fixes "$dom" --until 2024-04-30 --days 60 --json --resolver "$DNS" \
	    $(cat "$dir/args" 2>/dev/null) >"$T/out.json" 2>"$T/err"
	rc=$?
	if [ $rc -gt 1 ]; then
		ko "$name: fixes exited $rc: $(cat "$T/err")"
		continue
	fi
	cp "$T/out.json" "$T/$name.json"
	norm < "$T/out.json" > "$T/got" 2>"$T/err" || { ko "$name: bad JSON: $(cat "$T/err")"; continue; }
	if [ "${UPDATE:-0}" = 1 ]; then
		python3 -c 'import json,sys; print(json.dumps([l.rstrip("\n") for l in open(sys.argv[1])], indent=1, ensure_ascii=False))' \
		    "$T/got" > "$dir/expect.json"
		ok "$name: expect.json written"
		continue
	fi
	python3 -c 'import json,sys; [print(l) for l in json.load(open(sys.argv[1]))]' "$dir/expect.json" \
	    > "$T/want"
	if cmp -s "$T/want" "$T/got"; then
		ok "$name ($(grep -vc '^  ja' "$T/got") fixes)"
	else
		ko "$name: fixes differ"
		diff "$T/want" "$T/got" | sed 's/^/     /'
	fi
done

# --- the codes of the table: every fix code is covered by a case
python3 - "$D/cases" <<'PY' && ok "every fix code is covered by a case" || ko "codes without a case"
import glob, json, re, sys
seen = set()
for f in glob.glob(sys.argv[1] + "/*/expect.json"):
    for l in json.load(open(f)):
        if not l.startswith("  ja"):
            seen.add(l.split()[1])
src = open("src/analyze/fixes_text.c", encoding="utf-8").read()
codes = [c for c in re.findall(r'\{ "([a-z]+\.[a-z_0-9]+)", "', src)]
missing = [c for c in codes if c not in seen]
if missing:
    print("     not covered:", " ".join(missing))
    sys.exit(1)
PY

# --- the JSON: evidence, the record after the change, the SPF summary
python3 - "$T/12-over-limit.json" "$T/07-own-ip4.json" <<'PY' && ok "JSON: evidence, record_after, lookups before/after, SPF summary" || ko "JSON fields"
import json, sys
over = json.load(open(sys.argv[1]))
own = json.load(open(sys.argv[2]))
inc = [f for f in over["fixes"] if f["code"] == "spf.add_include"][0]
assert inc["spf_lookups_before"] == 9 and inc["spf_lookups_after"] == 11, inc
assert inc["record_after"].endswith("include:_spf.google.com -all"), inc["record_after"]
assert inc["evidence"]["messages"] == 7 and inc["evidence"]["reporters"] == ["example.net"], inc
assert inc["evidence"]["first"] == 1711929600 and inc["evidence"]["last"] == 1712015999
assert inc["sender"]["kind"] == "third_party" and inc["sender"]["service"] == "Google"
ip4 = [f for f in over["fixes"] if f["code"] == "spf.add_ip4"]
assert not ip4, "the own host passes DKIM: no SPF fix"
a = [f for f in own["fixes"] if f["code"] == "spf.add_ip4"][0]
assert a["change"] == "ip4:192.0.2.40" and a["spf_lookups_exact"] is True
assert a["record_after"] == "v=spf1 ip4:198.51.100.0/24 include:_spf.prov.test ip4:192.0.2.40 -all", a
s = own["spf"][0]
assert s["name"] == "own.test" and s["lookups"] == 2 and s["lookups_after"] == 2 and s["changes"] == 1, s
assert own["messages"] == {"passing": 30, "failing": 12, "spoofing": 0}, own["messages"]
assert own["dns"] == "live"
PY

# --- text output, Japanese, exit status
dom=$(setup $D/cases/07-own-ip4 2>/dev/null)
"$BIN" --db "$T/db" fixes own.test --until 2024-04-30 --days 60 --resolver "$DNS" --lang ja >"$T/ja.txt" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "SPF レコードに \`ip4:192.0.2.40\` を追加" "$T/ja.txt" && grep -q "RFC 7208 §5.6" "$T/ja.txt" &&
    grep -q "変更後: v=spf1" "$T/ja.txt" && ok "text in Japanese, exit 1 with an error-level fix" ||
    ko "ja text (rc $rc): $(head -5 "$T/ja.txt")"
dom=$(setup $D/cases/02-jipdec-forwarded 2>/dev/null)
"$BIN" --db "$T/db" fixes example.co.jp --until 2024-04-30 --days 60 --resolver "$DNS" >"$T/en.txt" 2>&1
[ $? = 0 ] && grep -q "No fix needed" "$T/en.txt" && ok "exit 0 when only info (forwarded)" || ko "info exit: $(cat "$T/en.txt")"
"$BIN" --db "$T/db" fixes example.co.jp --until 2024-04-30 --days 1 --resolver "$DNS" --json >"$T/old.json" 2>&1
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(len(j["fixes"]) != 0)' "$T/old.json" &&
    ok "--days: reports outside the period give no fix" || ko "period: $(cat "$T/old.json")"
"$BIN" --db "$T/db" fixes 'Bad Domain!' --resolver "$DNS" >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "not a domain" "$T/err" && ok "a bad domain is a usage error" || ko "bad domain: $(cat "$T/err")"

# --- a failing resolver: the count is unknown, nothing is called missing
dom=$(setup $D/cases/07-own-ip4 2>/dev/null)
"$BIN" --db "$T/db" fixes own.test --until 2024-04-30 --days 60 --resolver "$SERVFAIL" --json >"$T/sf.json" 2>"$T/err"
python3 - "$T/sf.json" <<'PY' && ok "SERVFAIL: the ip4 fix stays, its lookup count is unknown, no new_record" || ko "servfail: $(cat "$T/sf.json")"
import json, sys
j = json.load(open(sys.argv[1]))
codes = [f["code"] for f in j["fixes"]]
assert "spf.new_record" not in codes and "spf.add_ip4" in codes, codes
a = [f for f in j["fixes"] if f["code"] == "spf.add_ip4"][0]
assert a["spf_lookups_after"] is None and "dmarcscope fixes own.test" in a["text"]["en"], a
PY

# --- --saved: the last saved check (what the portal uses), no DNS query
dom=$(setup $D/cases/12-over-limit 2>/dev/null)
"$BIN" --db "$T/db" check over.test --resolver "$DNS" --no-https --save >/dev/null 2>&1
"$BIN" --db "$T/db" fixes over.test --until 2024-04-30 --days 60 --saved --json --resolver 127.0.0.1:9 \
    >"$T/saved.json" 2>"$T/err"
python3 - "$T/saved.json" <<'PY' && ok "--saved: the saved SPF record and count, includes not counted" || ko "saved: $(cat "$T/saved.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["dns"] == "saved"
inc = [f for f in j["fixes"] if f["code"] == "spf.add_include"][0]
assert inc["spf_lookups_before"] == 9 and inc["spf_lookups_after"] is None, inc
assert "dmarcscope fixes over.test" in inc["text"]["en"]
assert not [f for f in j["fixes"] if f["code"] == "spf.limit"]
PY

# --- the portal: GET /fixes and the screens (ja, en) on portal.test, its
# check saved; quiet.test has reports that all pass and no saved check
dom=$(setup $D/portal 2>"$T/err")
[ -s "$T/err" ] && ko "portal setup: $(cat "$T/err")"
"$BIN" --db "$T/db" check portal.test --resolver "$DNS" --no-https --selector s1 --selector google --save >/dev/null 2>&1
printf '198.51.100.5 4 quiet.test spf=quiet.test:pass\n' > "$T/quiet.rows"
python3 $D/mkreport.py "$T/quiet.rows" quiet.test "$T/quiet.xml"
"$BIN" --db "$T/db" ingest --no-progress "$T/quiet.xml" >/dev/null 2>&1
PORT=$(python3 tests/servers/freeports.py 1)
"$BIN" --db "$T/db" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
SPID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
done
API="http://127.0.0.1:$PORT/api/v1"
curl -s "$API/fixes?domain=portal.test&days=30&until=2024-04-01" > "$T/api.json"
python3 - "$T/api.json" <<'PY' && ok "GET /fixes: the saved check's SPF count, the fixes with evidence" || ko "api: $(head -c 400 "$T/api.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["domain"] == "portal.test" and d["dns"] == "saved" and d["checked"] is True and d["days"] == 30, d.keys()
codes = [f["code"] for f in d["fixes"]]
for c in ("spf.add_range", "dkim.not_aligned", "spf.not_aligned", "dkim.key_missing", "spf.add_include", "fwd.dkim_survived"):
    assert c in codes, (c, codes)
r = [f for f in d["fixes"] if f["code"] == "spf.add_range"][0]
assert r["spf_lookups_before"] == 2 and r["spf_lookups_after"] == 2 and r["change"] == "ip4:192.0.2.40/31", r
assert sorted(r["evidence"]["ips"]) == ["192.0.2.40", "192.0.2.41"] and r["evidence"]["messages"] == 15, r
assert r["text"]["ja"] and r["text"]["en"] and r["rfc"] == "RFC 7208 §5.6"
PY
code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$API/fixes?domain=portal.test&days=0")
code2=$(curl -s -o "$T/e.json" -w '%{http_code}' "$API/fixes?domain=Bad%20Domain")
[ "$code" = 400 ] && [ "$code2" = 400 ] && ok "GET /fixes: days=0 and a bad domain answer 400" || ko "bad args: $code $code2"
if [ -d node_modules/playwright-core ] && [ -x /usr/bin/chromium ]; then
	node $D/fixes.mjs "http://127.0.0.1:$PORT" ${SHOTS:+--shots "$SHOTS"} >"$T/web.log" 2>&1
	set -- $(tail -n 1 "$T/web.log")
	P=$((P + ${1:-0})) F=$((F + ${3:-1}))
	grep "^FAIL" "$T/web.log" | sed 's/^/     /'
	echo "ok   browser: ${1:-0} checks passed (ja, en)"
else
	echo "skip browser test (no playwright-core or chromium)"
fi
kill $SPID 2>/dev/null
wait $SPID 2>/dev/null

echo "$P passed, $F failed"
[ $F = 0 ]
