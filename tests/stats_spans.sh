#!/bin/sh
# stats_spans.sh BINARY - the statistics' top sources and policy history read from migration
# 020 (issue 17): rollup_src_span (4/16/64-day spans of rollup_src, src/store/src_span.h) and
# the policy history's split read of the reports (short ones by their begin, the long ones by
# reports_domain_long).  On generated reports of two domains over 70 days (daily, noon-to-noon
# and three-day reports, one 20-day report with another policy; 40 IPv4 /24 and 4 IPv6 /48
# prefixes), after each write path (ingest, a second ingest adding to the same days, reanalyze,
# purge):
#   - rollup_src_span is exactly rollup_src summed per span (rows, sums, no empty spans);
#   - `stats --json --only sources,policy --top 1000` over 16 periods a domain (random ends, one
#     day, 17 days, all time) lists the same prefixes with the same sums, in the same order
#     (messages down, then prefix), as rollup_src summed day by day over the period, and
#     --top 5 is its head (some periods);
#   - the policy history counts the reports that overlap the period, the 20-day report too.
# Runs on PostgreSQL too (tests/pg/run.sh: the binary wrapper and the sqlite3 shim).
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
T=$(mktemp -d /tmp/ds-stats-spans.XXXXXX)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
unset DMARCSCOPE_DB LC_ALL
export LANG=C
command -v sqlite3 >/dev/null || { ko "sqlite3 (the CLI) is needed"; finish; }
DB=$T/d.db
ds() { "$BIN" -q --db "$DB" "$@"; }
TODAY=$(($(date +%s) / 86400))
FIRST=$((TODAY - 430))	# 70 days across the 400-day purge of step 4

# reports: part a (days 0-69), part b (the same days again: upserts into existing rows)
python3 - "$T" "$FIRST" <<'PY'
import os, random, sys
out, first = sys.argv[1], int(sys.argv[2])
rng = random.Random(17)
D = 86400
PFX = ["192.0.%d.%d" % (i, 0) for i in range(40)] + ["2001:db8:%x::" % i for i in range(4)]
def xml(org, rid, dom, b, e, p):
    recs = []
    for _ in range(rng.randint(3, 12)):
        base = rng.choice(PFX)
        ip = base[:-1] + str(rng.randint(1, 250)) if "." in base else base + "%x" % rng.randint(1, 9999)
        spf, dkim = rng.choice(["pass", "fail"]), rng.choice(["pass", "fail"])
        recs.append("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
            "<disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>"
            "<identifiers><header_from>%s</header_from></identifiers><auth_results><dkim><domain>%s"
            "</domain><result>%s</result></dkim><spf><domain>%s</domain><result>%s</result></spf>"
            "</auth_results></record>" % (ip, rng.randint(1, 300), dkim, spf, dom, dom, dkim, dom, spf))
    return ('<?xml version="1.0"?><feedback><report_metadata><org_name>%s</org_name><email>r@%s'
        '</email><report_id>%s</report_id><date_range><begin>%d</begin><end>%d</end></date_range>'
        '</report_metadata><policy_published><domain>%s</domain><p>%s</p></policy_published>%s'
        '</feedback>' % (org, org, rid, b, e, dom, p, "".join(recs)))
n = 0
for part in "ab":
    os.makedirs(os.path.join(out, part))
    for dom in ("s.example", "t.example"):
        for d in range(70):
            day = (first + d) * D
            shapes = [(day, day + D), (day + D // 2, day + D + D // 2)]
            if d % 5 == 0:
                shapes.append((day, day + 3 * D))
            for b, e in shapes:
                n += 1
                org = "rep%d-%s.example" % (n % 3, part)
                with open(os.path.join(out, part, "r%d.xml" % n), "w") as f:
                    f.write(xml(org, "id%d" % n, dom, b, e, "none"))
    if part == "a":	# 20 days, another policy: found by reports_domain_long
        with open(os.path.join(out, part, "long.xml"), "w") as f:
            f.write(xml("long.example", "long1", "s.example", (first + 30) * D, (first + 50) * D,
                        "quarantine"))
PY

check_all() {	# $1: after what
	sp="SELECT policy_domain, level, start, prefix, days, messages, spf_aligned, dkim_aligned,
	    dmarc_pass, spoofing FROM rollup_src_span"
	rs="SELECT r.policy_domain, l.level, r.day >> (2 * l.level), r.prefix, count(*), sum(r.messages),
	    sum(r.spf_aligned), sum(r.dkim_aligned), sum(r.dmarc_pass), sum(r.spoofing)
	    FROM rollup_src r, (SELECT 1 AS level UNION ALL SELECT 2 UNION ALL SELECT 3) l
	    GROUP BY r.policy_domain, l.level, r.day >> (2 * l.level), r.prefix"
	n1=$(sqlite3 "$DB" "SELECT count(*) FROM ($sp EXCEPT $rs) x")
	n2=$(sqlite3 "$DB" "SELECT count(*) FROM ($rs EXCEPT $sp) x")
	n3=$(sqlite3 "$DB" "SELECT count(*) FROM rollup_src_span")
	if [ "$n1" = 0 ] && [ "$n2" = 0 ] && [ "${n3:-0}" -gt 0 ]; then
		ok "$1: rollup_src_span = rollup_src per span ($n3 rows)"
	else
		ko "$1: rollup_src_span differs from rollup_src: $n1 extra, $n2 missing, $n3 rows"
	fi
	sqlite3 "$DB" "SELECT policy_domain, day, prefix, messages, spf_aligned, dkim_aligned, dmarc_pass,
	    spoofing FROM rollup_src" > "$T/src.txt"
	sqlite3 "$DB" "SELECT policy_domain, date_begin, date_end, p FROM reports" > "$T/reports.txt"
	python3 - "$BIN" "$DB" "$T" "$FIRST" "$1" <<'PY'
import datetime, json, random, subprocess, sys
bin_, db, t, first, what = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
src = [l.split("|") for l in open(t + "/src.txt").read().split("\n") if l]
reps = [l.split("|") for l in open(t + "/reports.txt").read().split("\n") if l]
rng = random.Random(5)
def iso(d):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=d)).isoformat()
periods = [(None, None), (first + 16, first + 32), (first + 30, first + 30), (first + 64, first + 69),
           (first + 45, first + 47)]	# the last: only the 20-day report reaches it from before
while len(periods) < 16:
    a = rng.randint(first - 5, first + 72)
    periods.append((a, rng.randint(a, first + 75)))
bad = []
for dom in ("s.example", "t.example"):
    for lo, hi in periods:	# days, hi inclusive
        args = [bin_, "-q", "--db", db, "stats", "--json", "--domain", dom, "--only", "sources,policy"]
        if lo is not None:
            args += ["--since", iso(lo), "--until", iso(hi)]
        got = {}
        for top in (1000, 5) if len(bad) == 0 and (lo is None or hi - lo in (0, 16, 5)) else (1000,):
            r = subprocess.run(args + ["--top", str(top)], capture_output=True, text=True)
            if r.returncode != 0:
                bad.append("%s %s: exit %d %s" % (dom, (lo, hi), r.returncode, r.stderr.strip()))
                break
            got[top] = json.loads(r.stdout)
        if 1000 not in got:
            continue
        sums = {}
        for d, day, pfx, *v in src:
            if d == dom and (lo is None or lo <= int(day) <= hi):
                s = sums.setdefault(pfx, [0] * 5)
                for i in range(5):
                    s[i] += int(v[i])
        want = sorted(sums.items(), key=lambda kv: (-kv[1][0], kv[0].encode()))
        have = [(x["prefix"], [x["messages"], x["spf_aligned"], x["dkim_aligned"], x["dmarc_pass"],
                 x["spoofing_suspected"]]) for x in got[1000]["top_sources"]]
        if have != want:
            bad.append("%s %s: top sources differ: %s != %s" % (dom, (lo, hi), have[:3], want[:3]))
        if 5 in got and [x["prefix"] for x in got[5]["top_sources"]] != [p for p, _ in want[:5]]:
            bad.append("%s %s: --top 5 is not the head" % (dom, (lo, hi)))
        pol = {}
        for d, b, e, p in reps:
            if d == dom and (lo is None or (int(e) >= lo * 86400 and int(b) < (hi + 1) * 86400)):
                pol[p] = pol.get(p, 0) + 1
        hp = {x["p"]: x["reports"] for x in got[1000]["policy_history"]}
        if hp != pol:
            bad.append("%s %s: policy history %s != %s" % (dom, (lo, hi), hp, pol))
long_seen = any(p == "quarantine" for d, b, e, p in reps)
print(("ok   " if not bad else "FAIL ") + "%s: top sources and policy history = rollup_src and reports "
      "over 32 periods%s" % (what, "" if not bad else ":\n  " + "\n  ".join(bad[:6])))
sys.exit(1 if bad else 0)
PY
	if [ $? -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

ds ingest --no-progress "$T/a" >/dev/null 2>&1
check_all "ingest"
n=$(sqlite3 "$DB" "SELECT count(*) FROM reports WHERE p = 'quarantine' AND date_end - date_begin > 8 * 86400")
[ "$n" = 1 ] && ok "the 20-day report is stored (the long-report path is exercised)" || ko "long report: $n"
ds ingest --no-progress "$T/b" >/dev/null 2>&1
check_all "second ingest (the same days)"
ds reanalyze --domain s.example >/dev/null 2>&1
check_all "reanalyze"
ds purge --records-older-than 400 >/dev/null 2>&1
left=$(sqlite3 "$DB" "SELECT min(day) FROM rollup_src")
# (a report ending after the cut keeps its shares of the day before it)
[ "${left:-0}" -ge $((TODAY - 401)) ] && ok "purge cut the early rollup days" || ko "purge left day $left"
check_all "purge"
# the spans' own writes: a key moved (no writer does this today; the triggers must still hold)
sqlite3 "$DB" "UPDATE rollup_src SET day = day + 3 WHERE policy_domain = 't.example' AND prefix = '192.0.7.0/24'
    AND day = (SELECT max(day) FROM rollup_src WHERE policy_domain = 't.example' AND prefix = '192.0.7.0/24')"
check_all "a rollup_src row moved to another day"
finish
