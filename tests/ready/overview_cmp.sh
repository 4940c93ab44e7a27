#!/bin/sh
# tests/ready/overview_cmp.sh [BINARY] - the domains overview's next step
# equals readiness's (issue 19): on the demo data (120 days ending
# 2026-11-30, with the demo's My Senders) and the real corpus
# (../shared/corpus/real/aggregate, dated 2018-2024; the invalid files are
# refused by ingest, as they should be), for several periods each, every
# domain's row of GET /api/v1/overview (next_step, ready.level, ready.step,
# ready.record) against `dmarcscope readiness DOMAIN --json` for the same
# period (verdict.step, verdict.level, verdict.ladder, next.record).  No look
# into the database file: the same script runs on PostgreSQL under
# tests/pg/run.sh.  Also the decision's edge cases against the rule of
# src/analyze/ready_judge.c through the command (see cases below).
# Prints "N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
REAL=${REAL_CORPUS:-$PWD/../shared/corpus/real/aggregate}
[ -d "$REAL" ] || REAL=/work/shared/corpus/real/aggregate
T=$(mktemp -d /tmp/dmarcscope-ovcmp.XXXXXX)
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$PWD/data/services.csv}"
DB=$T/cmp.db
"$BIN" --db "$DB" -q summary >/dev/null 2>&1
for d in example.co.jp shop.example.jp; do
	"$BIN" --db "$DB" -q senders add --domain "$d" --internal --cidr 160.16.104.0/28 >/dev/null 2>&1
	"$BIN" --db "$DB" -q senders add --domain "$d" --third-party --service Microsoft >/dev/null 2>&1
done
DEMO_END=2026-11-30 python3 demo/gen_demo.py reports "$T/demo" >/dev/null
"$BIN" --db "$DB" -q ingest --no-progress "$T/demo" >"$T/ingest.log" 2>&1
if [ -d "$REAL" ]; then
	"$BIN" --db "$DB" -q ingest --no-progress "$REAL" >>"$T/ingest.log" 2>&1
fi
PORT=$(python3 tests/servers/freeports.py 1)
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
SPID=$!
n=0
until curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1; do
	n=$((n + 1)); [ $n -gt 100 ] && break; sleep 0.1
done
python3 - "$BIN" "$DB" "$PORT" "$([ -d "$REAL" ] && echo 1 || echo 0)" <<'PYEOF'
import json, subprocess, sys, time, urllib.request
BIN, DB, PORT, REAL = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
U = "http://127.0.0.1:%s/api/v1/" % PORT
npass = nfail = 0

def check(name, cond, why=""):
    global npass, nfail
    if cond:
        npass += 1
        print("ok   " + name)
    else:
        nfail += 1
        print("FAIL %s: %s" % (name, str(why)[:600]))

def get(p):
    with urllib.request.urlopen(U + p, timeout=60) as r:
        return json.loads(r.read())

def day(t):
    return time.strftime("%Y-%m-%d", time.gmtime(t))

doms = get("domains")
names = [d["domain"] for d in doms if d["reports"] > 0]
check("the data: the demo's two domains and the real corpus's", "example.co.jp" in names and
      "shop.example.jp" in names and (not REAL or len(names) >= 8), names)
# periods: the demo's last 30, 14, 7 and 120 days; around each real domain's reports (40 days, and
# the 400 days ending after its last report)
periods = [("2026-11-01", "2026-11-30"), ("2026-11-17", "2026-11-30"), ("2026-11-24", "2026-11-30"),
           ("2026-08-03", "2026-11-30"), ("2026-10-01", "2026-10-20")]
for d in doms:
    if d["domain"] in ("example.co.jp", "shop.example.jp") or not d.get("first_begin"):
        continue
    periods.append((day(d["first_begin"] - 20 * 86400), day(d["first_begin"] + 20 * 86400)))
    periods.append((day(d["last_end"] - 400 * 86400), day(d["last_end"] + 86400)))
periods = sorted(set(periods))
seen, compared = set(), 0
for since, until in periods:
    ov = get("overview?per_page=200&since=%s&until=%s" % (since, until))
    diff = []
    for r in ov["rows"]:
        out = subprocess.run([BIN, "--db", DB, "readiness", r["domain"], "--json", "--since", since,
                              "--until", until], capture_output=True, text=True)
        try:
            rj = json.loads(out.stdout)
        except ValueError:
            diff.append((r["domain"], "readiness failed", out.returncode, out.stderr[:200]))
            continue
        v, rd = rj.get("verdict"), r.get("ready")
        if v is None or rd is None:
            diff.append((r["domain"], "no verdict or no ready{} (an older build?)", r.get("next_step")))
            continue
        want = (v["step"], v["level"], v["ladder"], rj["next"]["record"] if rj["next"]["changed"] else None)
        got = (r["next_step"], rd["level"], rd["step"], rd["record"])
        if rj["policy"]["source"] == "reports":
            want += (rj["policy"]["record"],)
            got += (rd["current"],)
        seen.add((v["level"], v["step"]))
        compared += 1
        if got != want:
            diff.append((r["domain"], got, want))
    check("%s..%s: %d domains: the overview's next step, level and record = readiness --json's" %
          (since, until, len(ov["rows"])), not diff and ov["total"] == len(ov["rows"]), diff[:3])
levels = {l for l, _ in seen}
check("compared %d rows; levels seen: %s" % (compared, ",".join(sorted(levels))),
      {"ready", "below_threshold", "no_reports", "short_history"} <= levels, sorted(seen))

# the demo: the readiness screen's own numbers for the period agree with the verdict's level
rj = json.loads(subprocess.run([BIN, "--db", DB, "readiness", "example.co.jp", "--json", "--since", "2026-11-01",
                                "--until", "2026-11-30"], capture_output=True, text=True).stdout)
t = rj["totals"]
ok = (t["legitimate"] == 0 or 100.0 * t["aligned"] >= 99.5 * t["legitimate"]) == \
    (rj.get("verdict", {}).get("level") not in ("below_threshold",))
check("example.co.jp: the verdict's level follows the totals' aligned share (%s, %s %%)" %
      (rj.get("verdict", {}).get("level"), t["aligned_pct"]), "verdict" in rj and ok, rj.get("verdict"))
print("%d passed, %d failed" % (npass, nfail))
PYEOF
