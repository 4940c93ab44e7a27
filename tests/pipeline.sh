#!/bin/sh
# tests/pipeline.sh - the two-thread ingest (parse in one thread, write in
# another) must store exactly what the one-thread ingest stores.
#
# Every input of the data-driven cases (tests/cases/*/input*: every quirk,
# refusal, recovery and duplicate), mbox, stdin and a report large enough to
# be streamed (> 16 MiB) are ingested twice: with DMARCSCOPE_NO_PIPELINE=1
# and without it.  The summaries, the exports, the quarantine lists and the
# exit codes must be identical; re-ingesting must add only duplicates.
#
# Usage: sh tests/pipeline.sh [BINARY]      prints "N passed, N failed"
set -u

BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-pipeline.XXXXXX)
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; }
same() {	# NAME FILE1 FILE2
	if cmp -s "$2" "$3"; then ok "$1"; else bad "$1"; diff "$2" "$3" | head -10; fi
}

# summary without the volatile parts, export, quarantine list (times cut)
snapshot() {	# DB OUT
	"$BIN" --db "$1" summary --json >"$2.summary" 2>>"$2.log"
	"$BIN" --db "$1" export --format json >"$2.export" 2>>"$2.log"
	"$BIN" --db "$1" quarantine list 2>&1 | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}Z//' \
	    >"$2.quarantine"
}

# ingest MODE DB ARGS... : MODE inline|pipeline; prints the exit code to $T/rc
ingest() {
	_m=$1; _db=$2; shift 2
	if [ "$_m" = inline ]; then
		DMARCSCOPE_NO_PIPELINE=1 "$BIN" --db "$_db" ingest --no-progress --json "$@" \
		    >"$_db.json" 2>"$_db.err"
	else
		"$BIN" --db "$_db" ingest --no-progress --json "$@" >"$_db.json" 2>"$_db.err"
	fi
	echo $? >"$_db.rc"
	sed -E 's/"seconds":[0-9.]+,//' "$_db.json" >"$_db.totals"
}

# ---- 1. every case input, in one run ----
mkdir -p "$T/all"
for f in tests/cases/*/input*; do
	c=$(basename "$(dirname "$f")")
	cp -r "$f" "$T/all/$c-$(basename "$f")"
done
n=$(ls "$T/all" | wc -l)
[ "$n" -gt 100 ] && ok "collected $n case inputs" || bad "collected only $n case inputs"

for m in inline pipeline; do
	ingest $m "$T/$m.db" "$T/all"
	snapshot "$T/$m.db" "$T/$m"
done
same "cases: exit code" "$T/inline.db.rc" "$T/pipeline.db.rc"
same "cases: ingest totals" "$T/inline.db.totals" "$T/pipeline.db.totals"
same "cases: refusal lines" "$T/inline.db.err" "$T/pipeline.db.err"
same "cases: summary" "$T/inline.summary" "$T/pipeline.summary"
same "cases: export" "$T/inline.export" "$T/pipeline.export"
same "cases: quarantine list" "$T/inline.quarantine" "$T/pipeline.quarantine"
grep -q '"refused":[1-9]' "$T/pipeline.db.json" && [ "$(cat "$T/pipeline.db.rc")" = 1 ] &&
    ok "cases: refusals give exit 1" || bad "cases: refusals give exit 1"

# ---- 1b. with My Senders registered first: the parsing thread reads them
# (through its own connection) to classify every record ----
for m in inline pipeline; do
	db="$T/snd-$m.db"
	"$BIN" --db "$db" senders add --domain example.com --internal --cidr 192.0.2.0/24 \
	    >/dev/null 2>&1
	"$BIN" --db "$db" senders add --domain example.com --third-party --dkim example.com \
	    >/dev/null 2>&1
	"$BIN" --db "$db" senders add --domain example.com --third-party --service google \
	    >/dev/null 2>&1
	ingest $m "$db" "$T/all"
	# as the ingest classified them (read commands would reanalyse first:
	# adding the senders queued the domain)
	sqlite3 "$db" "SELECT id, cls, path, sender_kind, sender_id, service FROM records ORDER BY id" \
	    >"$T/snd-$m.cls"
	sqlite3 "$db" "SELECT * FROM rollup_day ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10" \
	    >"$T/snd-$m.rollup"
	snapshot "$db" "$T/snd-$m"
	"$BIN" --db "$db" stats --json --domain example.com --only summary >"$T/snd-$m.stats" 2>&1
done
same "senders: rollups at ingest" "$T/snd-inline.rollup" "$T/snd-pipeline.rollup"
same "senders: export" "$T/snd-inline.export" "$T/snd-pipeline.export"
same "senders: classes" "$T/snd-inline.cls" "$T/snd-pipeline.cls"
same "senders: stats" "$T/snd-inline.stats" "$T/snd-pipeline.stats"
n=$(awk -F'|' '$4 == 1' "$T/snd-pipeline.cls" | wc -l)
[ "${n:-0}" -gt 0 ] && ok "senders: $n records matched an internal sender" ||
    bad "senders: no record matched the internal sender"

# ---- 2. again: only duplicates ----
for m in inline pipeline; do
	ingest $m "$T/$m.db" "$T/all"
	snapshot "$T/$m.db" "$T/$m.2"
done
same "re-ingest: totals" "$T/inline.db.totals" "$T/pipeline.db.totals"
grep -q '"reports":0,"records":0,' "$T/pipeline.db.json" && ok "re-ingest: nothing new" ||
    bad "re-ingest: nothing new ($(cat "$T/pipeline.db.json"))"
same "re-ingest: export unchanged" "$T/pipeline.export" "$T/pipeline.2.export"

# ---- 3. the same bytes twice in one run (the writer finds the second) ----
mkdir -p "$T/twice"
cp tests/cases/0001-rfc7489-baseline/input* "$T/twice/a.xml"
cp tests/cases/0001-rfc7489-baseline/input* "$T/twice/b.xml"
for m in inline pipeline; do
	ingest $m "$T/tw-$m.db" "$T/twice"
done
same "same bytes twice: totals" "$T/tw-inline.db.totals" "$T/tw-pipeline.db.totals"
grep -q '"reports":1,.*"duplicates":1,' "$T/tw-pipeline.db.json" &&
    ok "same bytes twice: 1 report + 1 duplicate" ||
    bad "same bytes twice: $(cat "$T/tw-pipeline.db.json")"

# ---- 4. mbox and stdin ----
{
	for c in 0001-rfc7489-baseline 0002-rfc9990-namespaced 0006-google-shape; do
		echo "From dmarc@example.net Mon Jan  1 00:00:00 2024"
		echo "From: dmarc@example.net"
		echo "Subject: Report $c"
		echo "Content-Type: text/xml"
		echo
		cat tests/cases/$c/input*
		echo
	done
} >"$T/box.mbox"
for m in inline pipeline; do
	ingest $m "$T/mb-$m.db" "$T/box.mbox"
	snapshot "$T/mb-$m.db" "$T/mb-$m"
done
same "mbox: totals" "$T/mb-inline.db.totals" "$T/mb-pipeline.db.totals"
same "mbox: export" "$T/mb-inline.export" "$T/mb-pipeline.export"
grep -q '"messages":3,"reports":3,' "$T/mb-pipeline.db.json" && ok "mbox: 3 messages, 3 reports" ||
    bad "mbox: $(cat "$T/mb-pipeline.db.json")"
cat tests/cases/0002-rfc9990-namespaced/input* |
    "$BIN" --db "$T/in.db" ingest --no-progress --json - >"$T/in.json" 2>&1
grep -q '"reports":1,' "$T/in.json" && ok "stdin: 1 report" || bad "stdin: $(cat "$T/in.json")"

# ---- 5. a streamed report (over the 16 MiB read-whole limit), plain and gzip ----
python3 - "$T/big.xml" <<'EOF'
import sys
recs = []
for i in range(45000):
    recs.append("<record><row><source_ip>10.%d.%d.%d</source_ip><count>%d</count>"
        "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf>"
        "</policy_evaluated></row><identifiers><header_from>example.com</header_from>"
        "</identifiers><auth_results><dkim><domain>example.com</domain><selector>s%d</selector>"
        "<result>pass</result></dkim><spf><domain>bounce.example.net</domain><result>fail</result>"
        "</spf></auth_results></record>\n" % (i >> 16, (i >> 8) & 255, i & 255, 1 + i % 7, i % 3))
with open(sys.argv[1], "w") as f:
    f.write('<?xml version="1.0"?>\n<feedback><report_metadata><org_name>big.example</org_name>'
        '<email>r@big.example</email><report_id>stream-1</report_id><date_range>'
        '<begin>1704067200</begin><end>1704153599</end></date_range></report_metadata>'
        '<policy_published><domain>example.com</domain><p>none</p></policy_published>\n')
    f.write("".join(recs))
    f.write("</feedback>\n")
EOF
sz=$(wc -c <"$T/big.xml")
[ "$sz" -gt 16777216 ] && ok "streamed input is $sz bytes" || bad "streamed input only $sz bytes"
gzip -c "$T/big.xml" >"$T/big.xml.gz"
for m in inline pipeline; do
	ingest $m "$T/bg-$m.db" "$T/big.xml"
	cp "$T/bg-$m.db.totals" "$T/bg-$m.first"
	ingest $m "$T/bg-$m.db" "$T/big.xml" "$T/big.xml.gz"
	snapshot "$T/bg-$m.db" "$T/bg-$m"
done
same "streamed: first totals" "$T/bg-inline.first" "$T/bg-pipeline.first"
grep -q '"reports":1,"records":45000,' "$T/bg-pipeline.first" && ok "streamed: 45000 records" ||
    bad "streamed: $(cat "$T/bg-pipeline.first")"
same "streamed: again, plain + gzip" "$T/bg-inline.db.totals" "$T/bg-pipeline.db.totals"
grep -q '"reports":0,"records":0,.*"duplicates":2,' "$T/bg-pipeline.db.totals" &&
    ok "streamed: both duplicates" || bad "streamed: $(cat "$T/bg-pipeline.db.totals")"
same "streamed: summary" "$T/bg-inline.summary" "$T/bg-pipeline.summary"
# The archived copy of the streamed input (parsed first, archived by a thread
# of its own, stored after the parse) gives back the very same bytes.
for m in inline pipeline; do
	id=$(sqlite3 "$T/bg-$m.db" "SELECT id FROM raw_messages WHERE source LIKE '%big.xml'")
	sqlite3 "$T/bg-$m.db" "SELECT hex(data) FROM raw_chunks WHERE raw_id = $id ORDER BY seq" |
	    python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex("".join(sys.stdin.read().split())))' |
	    zstd -dcq >"$T/bg-$m.restored" 2>/dev/null
	cmp -s "$T/big.xml" "$T/bg-$m.restored" && ok "streamed ($m): archived copy restores the input" ||
	    bad "streamed ($m): archived copy differs from the input"
	want=$(sha256sum <"$T/big.xml" | cut -c1-64)
	got=$(sqlite3 "$T/bg-$m.db" "SELECT sha256 FROM raw_messages WHERE id = $id")
	[ "$want" = "$got" ] && ok "streamed ($m): archived hash" || bad "streamed ($m): hash $got"
done

# ---- 6. large copies of the same bytes in one run (the writer sees the
# second before the first is committed: it is parsed, then found to be a
# duplicate when its hash is known), also for bytes that get quarantined ----
mkdir -p "$T/bigtwice"
cp "$T/big.xml" "$T/bigtwice/a.xml"
cp "$T/big.xml" "$T/bigtwice/b.xml"
head -c 17000000 /dev/zero | tr '\0' 'x' >"$T/bigtwice/c.junk"
cp "$T/bigtwice/c.junk" "$T/bigtwice/d.junk"
for m in inline pipeline; do
	ingest $m "$T/bt-$m.db" "$T/bigtwice"
	snapshot "$T/bt-$m.db" "$T/bt-$m"
done
same "large twice: totals" "$T/bt-inline.db.totals" "$T/bt-pipeline.db.totals"
grep -q '"messages":4,"reports":1,"records":45000,.*"duplicates":1,"refused":2,' \
    "$T/bt-pipeline.db.totals" && ok "large twice: 1 report, 1 duplicate, 2 refused" ||
    bad "large twice: $(cat "$T/bt-pipeline.db.totals")"
same "large twice: summary" "$T/bt-inline.summary" "$T/bt-pipeline.summary"
same "large twice: quarantine list" "$T/bt-inline.quarantine" "$T/bt-pipeline.quarantine"
n=$(sqlite3 "$T/bt-pipeline.db" "SELECT count(*) FROM raw_messages" 2>/dev/null || echo "?")
[ "$n" = 2 ] && ok "large twice: 2 archived copies" || bad "large twice: $n archived copies"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
