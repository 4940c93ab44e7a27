#!/bin/sh
# overview.sh [BIN] [--shots DIR] - the domains overview (issue 19): GET
# /api/v1/overview and overview.csv checked with a real `dmarcscope serve`
# (loopback, --no-enrich), then the browser tests (tests/web/overview.mjs,
# ja and en).
#
# Data: bench/gen_overview.py at a small size (80 domains, 40 days ending
# 2026-11-30, about 4,000 records; deterministic), My Senders for most
# domains, ingested as mbox.  The API's numbers are checked against sums
# over the records table (the per-record class and alignment the analysis
# wrote), not against the rollups they are read from: messages, DMARC pass,
# SPF and DKIM aligned, spoofing, auth failures per domain and in total;
# every sort in both directions; paging (the pages partition the set);
# search; every filter (against its definition over the same records); the
# next step and readiness against `readiness --json` (every domain); the spoofing series; the CSV (en, ja);
# bad parameters (400); the rollup table after `reanalyze` and after a
# repeated ingest; then tenants: a tenant's user sees its own domains only,
# an operator's tenant view too, filter=unassigned.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
SHOTS=""
[ "${2:-}" = "--shots" ] && SHOTS="${3:-docs/screenshots}"
T=$(mktemp -d /tmp/dmarcscope-overview.XXXXXX)
DB="$T/test.db"
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"
python3 bench/gen_overview.py --out "$T/corpus" --domains 80 --days 40 --records 4000 \
    --end 2026-11-30 --per-file 1000 >/dev/null
"$BIN" --db "$DB" -q senders list >/dev/null 2>&1
sqlite3 "$DB" <"$T/corpus/senders.sql"
"$BIN" --db "$DB" -q ingest --no-progress "$T"/corpus/*.mbox >/dev/null 2>"$T/ingest.err"
set -- $(python3 tests/servers/freeports.py 1)
PORT=$1
"$BIN" --db "$DB" serve --listen "127.0.0.1:$PORT" --no-enrich >"$T/serve.log" 2>&1 &
PID=$!
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$PORT/api/v1/version" >/dev/null 2>&1 && break
	sleep 0.1
done
python3 - "$BIN" "$DB" "$PORT" "$T" >"$T/api.log" 2>&1 <<'PYEOF'
import csv, io, json, sqlite3, subprocess, sys, urllib.request, urllib.error
BIN, DB, PORT, T = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
U = "http://127.0.0.1:%s/api/v1" % PORT
npass = nfail = 0

def check(name, cond, why=""):
    global npass, nfail
    if cond:
        npass += 1
        print("PASS " + name)
    else:
        nfail += 1
        print("FAIL %s%s" % (name, (": " + str(why)[:400]) if why != "" else ""))

def get(path, raw=False, headers=None):
    req = urllib.request.Request(U + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
            return r.status, dict(r.headers), (data if raw else json.loads(data))
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()

SINCE, UNTIL = "2026-11-01", "2026-11-30"
RANGE = "since=%s&until=%s" % (SINCE, UNTIL)
db = sqlite3.connect(DB)
D0, D1 = 1793491200, 1793491200 + 30 * 86400     # 2026-11-01 .. 2026-12-01
# the truth, from the records (every report covers one UTC day)
truth = {}
for dom, m, dp, spf, dkim, fw, af, sp in db.execute(
        "SELECT rp.policy_domain, sum(r.count), sum(CASE WHEN r.cls = 0 THEN r.count ELSE 0 END),"
        " sum(CASE WHEN r.spf_cat = 0 THEN r.count ELSE 0 END),"
        " sum(CASE WHEN r.dkim_cat = 0 THEN r.count ELSE 0 END),"
        " sum(CASE WHEN r.cls = 1 THEN r.count ELSE 0 END),"
        " sum(CASE WHEN r.cls = 2 THEN r.count ELSE 0 END),"
        " sum(CASE WHEN r.cls = 3 THEN r.count ELSE 0 END)"
        " FROM records r JOIN reports rp ON rp.id = r.report_id"
        " WHERE rp.date_begin >= ? AND rp.date_begin < ? GROUP BY 1", (D0, D1)):
    truth[dom] = dict(messages=m, dmarc_pass=dp, spf_aligned=spf, dkim_aligned=dkim, forwarded=fw,
                      auth_failure=af, spoofing=sp)
alld = [r[0] for r in db.execute("SELECT DISTINCT policy_domain FROM reports")]
last_end = dict(db.execute("SELECT policy_domain, max(date_end) FROM reports GROUP BY 1"))
policy = {}
for dom in alld:
    policy[dom] = db.execute("SELECT p, pct FROM reports WHERE policy_domain = ? AND date_begin < ?"
                             " ORDER BY date_begin DESC LIMIT 1", (dom, D1)).fetchone()
check("the corpus: 80 domains (some silent), records in the period", len(alld) >= 70 and len(truth) >= 60,
      "%d domains, %d with records" % (len(alld), len(truth)))

st, _, j = get("/overview?per_page=200&" + RANGE)
check("GET /overview answers 200", st == 200, st)
rows = {r["domain"]: r for r in j["rows"]}
check("every domain is a row, once", sorted(rows) == sorted(alld) and len(j["rows"]) == len(alld) == j["total"],
      "%d rows, %d domains, total %s" % (len(j["rows"]), len(alld), j["total"]))
bad = []
for dom in alld:
    want = truth.get(dom, dict(messages=0, dmarc_pass=0, spf_aligned=0, dkim_aligned=0, forwarded=0,
                               auth_failure=0, spoofing=0))
    got = {k: rows[dom][k] for k in want}
    if got != want:
        bad.append((dom, got, want))
check("per domain: messages, DMARC pass, SPF/DKIM aligned, classes = the records' sums", not bad, bad[:2])
tot = j["totals"]
want = {k: sum(t[k] for t in truth.values()) for k in ("messages", "dmarc_pass", "spf_aligned", "dkim_aligned",
                                                        "spoofing", "auth_failure")}
check("the totals = the records' sums over every domain",
      all(tot[k] == v for k, v in want.items()) and tot["domains"] == len(alld), (tot, want))
r0 = j["rows"][0]
check("percentages: one decimal of the counts",
      abs(r0["dmarc_pass_pct"] - round(1000.0 * r0["dmarc_pass"] / r0["messages"]) / 10) < 1e-9, r0)
check("the spoofing series: one point a day of the period, summing to the row's spoofing",
      all(len(r["spoofing_series"]) == 30 and sum(r["spoofing_series"]) == r["spoofing"] for r in j["rows"]),
      [(r["domain"], len(r["spoofing_series"]), sum(r["spoofing_series"]), r["spoofing"]) for r in j["rows"][:2]])
check("the policy: the last report's p and pct",
      all((rows[d]["policy"]["p"], rows[d]["policy"]["pct"]) == tuple(policy[d]) for d in alld),
      [(d, rows[d]["policy"], policy[d]) for d in alld if (rows[d]["policy"]["p"], rows[d]["policy"]["pct"]) != tuple(policy[d])][:3])
check("the last report: the end of the domain's last report",
      all(rows[d]["last_report"] == last_end[d] for d in alld))

# GET domains (the picker's list) from domain_summary: the reports' own counts
st, _, doms = get("/domains")
want = {d: (n, m) for d, n, m in db.execute("SELECT policy_domain, count(*), sum(message_count) FROM reports GROUP BY 1")}
check("GET /domains: every domain with its reports and messages, most messages first",
      st == 200 and {x["domain"]: (x["reports"], x["messages"]) for x in doms} == want and
      [x["messages"] for x in doms] == sorted((x["messages"] for x in doms), reverse=True), (st, str(doms)[:200]))

# reporters: distinct reporting orgs of the period's reports, per domain (not a sum over days or spans)
def reporters_check(since, until, a, b, jp, several=False):
    want = dict(db.execute("SELECT policy_domain, count(DISTINCT org_name) FROM reports WHERE date_begin >= ?"
                           " AND date_begin < ? GROUP BY 1", (a, b)))
    got = {r["domain"]: r["reporters"] for r in jp["rows"] if r["reporters"]}
    check("period %s..%s: reporters per domain = the distinct orgs of its reports" % (since, until),
          got == want and len(want) > 0 and (not several or max(want.values()) > 1),
          [(d, got.get(d), want.get(d)) for d in set(got) | set(want) if got.get(d) != want.get(d)][:3])
reporters_check(SINCE, UNTIL, D0, D1, j, True)

# other periods: short (days only), long, odd edges (8-day blocks and the days around them)
# (016: spans of 4, 16, 64 days; day 20736 = 2026-10-10 starts a 64-day span (to 12-12), 20752 = 10-26
# a 16-day one: periods that start mid-span, end mid-span, cross span borders, hold a whole 64-day
# span, or are one day)
for since, until in (("2026-11-20", "2026-11-24"), ("2026-10-22", "2026-11-30"), ("2026-11-03", "2026-11-27"),
                     ("2026-10-25", "2026-11-02"), ("2026-10-21", "2026-10-26"), ("2026-10-26", "2026-11-29"),
                     ("2026-11-07", "2026-11-07"), ("2026-10-10", "2026-12-12"), ("2026-10-06", "2026-12-20")):
    a = int(__import__("calendar").timegm(__import__("time").strptime(since, "%Y-%m-%d")))
    b = int(__import__("calendar").timegm(__import__("time").strptime(until, "%Y-%m-%d"))) + 86400
    want = {}
    for dom, m, sp, fd, ld in db.execute(
            "SELECT rp.policy_domain, sum(r.count), sum(CASE WHEN r.cls = 3 THEN r.count ELSE 0 END),"
            " min(rp.date_begin), max(rp.date_begin) FROM records r JOIN reports rp ON rp.id = r.report_id"
            " WHERE rp.date_begin >= ? AND rp.date_begin < ? GROUP BY 1", (a, b)):
        want[dom] = (m, sp, (ld - fd) // 86400 + 1)
    st, _, jp = get("/overview?per_page=200&since=%s&until=%s" % (since, until))
    got = {r["domain"]: (r["messages"], r["spoofing"], r["days"]) for r in jp["rows"] if r["messages"]}
    check("period %s..%s: messages, spoofing and days with data per domain = the records'" % (since, until),
          st == 200 and got == want, [(d, got.get(d), want.get(d)) for d in set(got) | set(want) if got.get(d) != want.get(d)][:3])
    reporters_check(since, until, a, b, jp)

# flags against their definitions
ref = D1 - 2 * 86400
defs = {
    "spoofed": lambda d: truth.get(d, {}).get("spoofing", 0) > 0,
    "failing": lambda d: truth.get(d, {}).get("auth_failure", 0) > 0 and truth[d]["auth_failure"] * 50 > truth[d]["messages"],
    "p_none": lambda d: (policy[d][0] or "none") == "none",
    "silent": lambda d: last_end[d] < ref,
    "unassigned": lambda d: True,
}
for f, fn in defs.items():
    st, _, jf = get("/overview?per_page=200&filter=%s&%s" % (f, RANGE))
    want = sorted(d for d in alld if fn(d))
    got = sorted(r["domain"] for r in jf["rows"])
    check("filter=%s: exactly the domains it defines (%d)" % (f, len(want)), st == 200 and got == want and
          jf["total"] == len(want) and all(f in r["flags"] for r in jf["rows"]), (got[:5], want[:5]))
    check("filter=%s: the flag count in the totals" % f, j["totals"]["flags"][f] == len(want),
          (j["totals"]["flags"][f], len(want)))
check("some domains are silent, some spoofed, some p=none (the filters are not vacuous)",
      all(j["totals"]["flags"][f] > 0 for f in ("spoofed", "silent", "p_none", "failing")), j["totals"]["flags"])
st, _, jf = get("/overview?per_page=200&filter=spoofed,p_none&" + RANGE)
check("two filters: both must hold", sorted(r["domain"] for r in jf["rows"]) ==
      sorted(d for d in alld if defs["spoofed"](d) and defs["p_none"](d)))

# search
q = sorted(alld)[3].split("-")[0]
st, _, jq = get("/overview?per_page=200&q=%s&%s" % (q.upper(), RANGE))
check("q=%s (any case): the domains holding it" % q.upper(),
      sorted(r["domain"] for r in jq["rows"]) == sorted(d for d in alld if q in d) and jq["total"] > 0)
check("q=: the rows' numbers (each domain's days, read by domain) = the whole list's",
      all({k: r[k] for k in ("messages", "spoofing", "dmarc_pass", "days", "next_step")} ==
          {k: rows[r["domain"]][k] for k in ("messages", "spoofing", "dmarc_pass", "days", "next_step")}
          for r in jq["rows"]), jq["rows"][:1])
st, _, jq = get("/overview?q=zzzz-nothing&" + RANGE)
check("a search that matches nothing: no rows, total 0, zero totals",
      st == 200 and jq["rows"] == [] and jq["total"] == 0 and jq["totals"]["messages"] == 0, jq)

# sorts, both directions
def key(r, k):
    m = r["messages"]
    return {"domain": r["domain"], "messages": m, "spoofing": r["spoofing"], "auth_failure": r["auth_failure"],
            "dmarc_pass": r["dmarc_pass"] / m if m else None, "spf_aligned": r["spf_aligned"] / m if m else None,
            "dkim_aligned": r["dkim_aligned"] / m if m else None, "alerts": r["alerts"],
            "reporters": r["reporters"], "last_report": r["last_report"],
            "policy": (["none", "quarantine", "reject"].index(r["policy"]["p"]) if r["policy"]["p"] in
                       ("none", "quarantine", "reject") else -1, r["policy"]["pct"] or 100)}[k]
for k in ("domain", "messages", "dmarc_pass", "spf_aligned", "dkim_aligned", "spoofing", "auth_failure",
          "policy", "next_step", "alerts", "reporters", "last_report", "tenant"):
    for d in ("asc", "desc"):
        st, _, js = get("/overview?per_page=200&sort=%s&dir=%s&%s" % (k, d, RANGE))
        if st != 200:
            check("sort=%s dir=%s" % (k, d), False, st)
            continue
        if k in ("next_step", "tenant"):
            check("sort=%s dir=%s answers every domain" % (k, d), len(js["rows"]) == len(alld))
            continue
        ks = [key(r, k) for r in js["rows"]]
        full = [x for x in ks if x is not None]
        okk = full == sorted(full, reverse=(d == "desc")) and ks[len(full):] == [None] * (len(ks) - len(full))
        check("sort=%s dir=%s: rows in that order (empty domains last)" % (k, d), okk, ks[:8])
# paging: 25 a page
seen, totals = [], set()
for p in range(1, 5):
    st, _, jp = get("/overview?per_page=25&page=%d&sort=spoofing&%s" % (p, RANGE))
    seen += [r["domain"] for r in jp["rows"]]
    totals.add((jp["total"], jp["totals"]["messages"]))
check("paging: the pages partition the set, total and totals on every page",
      sorted(seen) == sorted(alld) and len(seen) == len(set(seen)) and len(totals) == 1, (len(seen), totals))
st, _, jp = get("/overview?per_page=25&page=99&" + RANGE)
check("a page past the end: no rows, the total still right", st == 200 and jp["rows"] == [] and
      jp["total"] == len(alld) and jp["totals"]["messages"] == tot["messages"], jp)

# the next step and the readiness: what `dmarcscope readiness D --json` says for the same period
# (its verdict, src/analyze/ready_judge.c), for every domain
diff, seen = [], set()
for d in sorted(alld):
    out = subprocess.run([BIN, "--db", DB, "readiness", d, "--json", "--since", SINCE, "--until", UNTIL],
                         capture_output=True, text=True)
    try:
        rj = json.loads(out.stdout)
    except ValueError:
        diff.append((d, "readiness", out.returncode, out.stderr[:200]))
        continue
    v, r = rj["verdict"], rows[d]
    want = (v["step"], v["level"], v["ladder"], rj["next"]["record"] if rj["next"]["changed"] else None)
    got = (r["next_step"], r["ready"]["level"], r["ready"]["step"], r["ready"]["record"])
    seen.add(v["step"])
    seen.add(v["level"])
    if rj["policy"]["source"] == "reports" and rj["policy"]["record"] != r["ready"]["current"]:
        got += (r["ready"]["current"],)
        want += (rj["policy"]["record"],)
    if got != want:
        diff.append((d, got, want))
check("next_step, ready{level, step, record} = readiness --json for every domain (%d)" % len(alld),
      not diff and len(alld) > 0, diff[:3])
check("the readiness steps seen are not all one (fix_senders, ready and two ladder steps among them)",
      {"fix_senders", "below_threshold", "ready"} <= seen and len(seen & {"quarantine_test", "quarantine",
                                                     "reject_test", "reject", "raise_pct"}) >= 2, seen)
rank = ["fix_senders", "quarantine_test", "quarantine", "raise_pct", "reject_test", "reject", "collect", "done"]
for dd in ("asc", "desc"):
    st, _, js = get("/overview?per_page=200&sort=next_step&dir=%s&%s" % (dd, RANGE))
    ks = [(rank.index(x["next_step"]) * (1 if dd == "asc" else -1), x["domain"]) for x in js["rows"]]
    check("sort=next_step dir=%s: the readiness order (fix_senders first ascending), then the name" % dd,
          st == 200 and ks == sorted(ks) and len(ks) == len(alld), ks[:6])
r = rows[sorted(alld)[0]]
check("the row's ready object: level, step, record, current, aligned_pct, threshold 99.5, days_needed 14",
      set(r["ready"]) == {"level", "step", "record", "current", "aligned_pct", "threshold", "days_needed"} and
      r["ready"]["threshold"] == 99.5 and r["ready"]["days_needed"] == 14, r["ready"])
pa = [(x["domain"], x["ready"]["aligned_pct"], x["dmarc_pass"], x["auth_failure"]) for x in rows.values()
      if x["dmarc_pass"] + x["auth_failure"] > 0 and
      abs(x["ready"]["aligned_pct"] - int(10000.0 * x["dmarc_pass"] / (x["dmarc_pass"] + x["auth_failure"])) / 100) > 1e-9]
check("ready.aligned_pct = DMARC pass / (pass + auth_failure), floored to 0.01", not pa, pa[:3])

# CSV
st, hd, data = get("/overview.csv?sort=domain&" + RANGE, raw=True)
lines = list(csv.reader(io.StringIO(data.decode())))
check("overview.csv: 200, text/csv, a file name, a row per domain in the asked order",
      st == 200 and hd.get("Content-Type", "").startswith("text/csv") and
      "dmarc-overview-2026-11-01_2026-11-30.csv" in hd.get("Content-Disposition", "") and
      [l[0] for l in lines[1:]] == sorted(alld) and lines[0][0] == "domain", (st, hd, lines[:2]))
byd = {l[0]: l for l in lines[1:]}
d = next(iter(truth))
check("overview.csv: the numbers of the JSON", byd[d][2] == str(rows[d]["messages"]) and
      byd[d][3] == "%.1f" % rows[d]["dmarc_pass_pct"] and byd[d][6] == str(rows[d]["spoofing"]), byd[d])
st, hd, data = get("/overview.csv?lang=ja&filter=spoofed&" + RANGE, raw=True)
check("overview.csv?lang=ja: BOM, Japanese headers, the filter applies",
      data.startswith(b"\xef\xbb\xbf") and "ドメイン" in data.decode("utf-8-sig").splitlines()[0] and
      len(data.decode("utf-8-sig").strip().splitlines()) - 1 == j["totals"]["flags"]["spoofed"])

# bad parameters
for qs in ("sort=bogus", "filter=bogus", "filter=spoofed,,x", "page=0", "per_page=201", "dir=up",
           "since=2026-11-30&until=2026-11-01", "since=2026-13-01", "q=" + "a" * 300):
    st, _, _ = get("/overview?" + qs)
    check("bad parameter %s: 400" % qs[:30], st == 400, st)
st, _, _ = get("/overview.csv?lang=fr")
check("overview.csv?lang=fr: 400", st == 400, st)

# the rollup follows the analysis: reanalyze, and a repeated ingest, leave it equal to the records
def rollup_vs_records():
    a = dict(((d, day), (m, sp)) for d, day, m, sp in db.execute(
        "SELECT i.policy_domain, x.day, x.messages, x.spoofing FROM rollup_domain_day x"
        " JOIN ov_domain i ON i.id = x.domain_id WHERE x.messages <> 0"))
    b = dict(((d, day), (m, sp)) for d, day, m, sp in db.execute(
        "SELECT rp.policy_domain, rp.date_begin / 86400, sum(r.count), sum(CASE WHEN r.cls = 3 THEN r.count"
        " ELSE 0 END) FROM records r JOIN reports rp ON rp.id = r.report_id GROUP BY 1, 2"))
    # the day's reporter bits: one per distinct org of rollup_org that day
    e = set(db.execute("SELECT domain_id, day, orgs FROM rollup_domain_day WHERE orgs <> 0"))
    fo = {}
    for dom, day, bit in db.execute("SELECT b.domain_id, o.day, b.bit FROM rollup_org o JOIN ov_domain i"
                                    " ON i.policy_domain = o.policy_domain JOIN ov_reporter b"
                                    " ON b.domain_id = i.id AND b.org = o.org"):
        fo[(dom, day)] = fo.get((dom, day), 0) | bit
    f = set((k[0], k[1], v) for k, v in fo.items())
    # the spans (4, 16, 64 days): the sums of their days, the first and last day with messages, the orgs
    c = set(db.execute("SELECT level, start, domain_id, messages, spoofing, dmarc_pass, first_day, last_day, orgs"
                       " FROM rollup_domain_span"))
    d = set()
    for lv in (1, 2, 3):
        for st, dom, m, sp, dp, fd, ld in db.execute(
                "SELECT day >> ?1, domain_id, sum(messages), sum(spoofing), sum(dmarc_pass),"
                " min(CASE WHEN messages <> 0 THEN day END), max(CASE WHEN messages <> 0 THEN day END)"
                " FROM rollup_domain_day GROUP BY 1, 2", (2 * lv,)):
            o = 0
            for (x,) in db.execute("SELECT orgs FROM rollup_domain_day WHERE domain_id = ? AND day >= ?"
                                   " AND day < ?", (dom, st << (2 * lv), (st + 1) << (2 * lv))):
                o |= x
            d.add((lv, st, dom, m, sp, dp, fd, ld, o))
    return a == b and c == d and e == f and len(c) > 0 and len(e) > 0, len(a), len(b), len(c ^ d), len(e ^ f)
check("rollup_domain_day = the records' sums per domain and day, its orgs = rollup_org's, rollup_domain_span = its days'", *rollup_vs_records()[:1])
db.execute("DELETE FROM senders WHERE policy_domain = ?", (sorted(alld)[0],))
db.commit()
subprocess.run([BIN, "--db", DB, "-q", "reanalyze"], check=False, stdout=subprocess.DEVNULL)
check("after a My Senders change and reanalyze: still equal", *rollup_vs_records()[:1])
n0 = db.execute("SELECT count(*), sum(reports) FROM domain_summary").fetchone()
subprocess.run([BIN, "--db", DB, "-q", "ingest", "--no-progress"] + [T + "/corpus/reports-0000.mbox"],
               check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
check("a repeated ingest (duplicates) changes neither table",
      rollup_vs_records()[0] and db.execute("SELECT count(*), sum(reports) FROM domain_summary").fetchone() == n0 and
      n0[1] == db.execute("SELECT count(*) FROM reports").fetchone()[0])

# more reporters than bits (62): the domain's reporters are counted in rollup_org; the day's and
# spans' bits follow org rows added and removed (a purge or a reanalysis removes them so)
dom, day = sorted(alld)[1], D0 // 86400 + 3
def reporters_of(dom, n):
    st, _, jr = get("/overview?per_page=200&sort=reporters&sample=%d&%s" % (n, RANGE))
    return st, {r["domain"]: r["reporters"] for r in jr["rows"]}, jr["rows"][0]["domain"] if jr["rows"] else None
_, before, _ = reporters_of(dom, 1)
for k in range(70):
    db.execute("INSERT INTO rollup_org(policy_domain, day, org, reports, messages) VALUES (?, ?, ?, 1, 0)",
               (dom, day, "bulk-%02d.example" % k))
db.commit()
want = db.execute("SELECT count(DISTINCT org) FROM rollup_org WHERE policy_domain = ? AND day >= ? AND day < ?",
                  (dom, D0 // 86400, D1 // 86400)).fetchone()[0]
st, got, top = reporters_of(dom, 2)
check("70 more reporters on one day: %d counted (past the 62 bits), first by reporters" % want,
      st == 200 and want >= 70 and got.get(dom) == want and top == dom and
      all(got[d] == before[d] for d in before if d != dom), (got.get(dom), want, top))
check("70 more reporters: the day's and the spans' bits still equal their rows'", *rollup_vs_records()[:1])
db.execute("DELETE FROM rollup_org WHERE policy_domain = ? AND org LIKE 'bulk-%'", (dom,))
db.commit()
st, got, _ = reporters_of(dom, 3)
check("those reporters removed: every domain's reporters as before", st == 200 and got == before,
      (got.get(dom), before.get(dom)))
check("those reporters removed: the day's and the spans' bits equal their rows' again", *rollup_vs_records()[:1])
# a retention purge (records older than 40 days: the first days of the corpus, a cut inside
# the spans): the rollups still equal what is left
n0 = db.execute("SELECT count(*) FROM rollup_domain_day").fetchone()[0]
subprocess.run([BIN, "--db", DB, "-q", "purge", "--records-older-than", "40", "--no-progress"], check=False,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
n1 = db.execute("SELECT count(*) FROM rollup_domain_day").fetchone()[0]
check("after a purge of records older than 40 days: day rows gone (%d -> %d), the rest equal the records" %
      (n0, n1), n1 < n0 and rollup_vs_records()[0], rollup_vs_records())
print("RESULT %d %d" % (npass, nfail))
PYEOF
grep -v "^RESULT" "$T/api.log"
set -- $(sed -n 's/^RESULT \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$T/api.log")
pass=${1:-0} fail=${2:-1}
sum() {	# LOG: adds its closing counts
	grep -v "passed, .* failed$" "$1"
	set -- $(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$1")
	pass=$((pass + ${1:-0})) fail=$((fail + ${2:-1}))
}
# ---- the browser, single-user mode (no users: the local operator) -----------------------
node tests/web/overview.mjs "http://127.0.0.1:$PORT" ${SHOTS:+--shots "$SHOTS"} >"$T/browser.log" 2>&1
sum "$T/browser.log"

# ---- tenants: acme owns a few domains, one is beta's, the rest unassigned -------------------
"$BIN" --db "$DB" -q tenant add acme >/dev/null
"$BIN" --db "$DB" -q tenant add beta >/dev/null
for d in $(sqlite3 "$DB" "SELECT policy_domain FROM domain_summary ORDER BY policy_domain LIMIT 6"); do
	"$BIN" --db "$DB" -q domain assign "$d" acme >/dev/null
done
BETA=$(sqlite3 "$DB" "SELECT policy_domain FROM domain_summary ORDER BY policy_domain DESC LIMIT 1")
"$BIN" --db "$DB" -q domain assign "$BETA" beta >/dev/null
echo 'ops-password-1' | "$BIN" --db "$DB" -q user add ops --role operator --password-stdin >/dev/null
echo 'acme-password-1' | "$BIN" --db "$DB" -q user add acme-viewer --role viewer --tenant acme --password-stdin >/dev/null
python3 - "$DB" "$PORT" "$T" "$BETA" >"$T/tenants.log" 2>&1 <<'PYEOF'
import json, sqlite3, sys, urllib.request, urllib.error
DB, PORT, T, BETA = sys.argv[1:5]
U = "http://127.0.0.1:%s/api/v1" % PORT
R = "since=2026-11-01&until=2026-11-30"
npass = nfail = 0
def check(name, cond, why=""):
    global npass, nfail
    if cond:
        npass += 1
        print("PASS " + name)
    else:
        nfail += 1
        print("FAIL %s: %s" % (name, str(why)[:300]))
def login(user, pw):
    req = urllib.request.Request(U + "/login", data=json.dumps({"user": user, "password": pw}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.headers.get("Set-Cookie").split(";")[0]
def get(path, cookie=None):
    req = urllib.request.Request(U + path, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req) as r:
            d = r.read()
            return r.status, (json.loads(d) if r.headers.get("Content-Type", "").startswith("application/json") else d)
    except urllib.error.HTTPError as e:
        return e.code, e.read()
db = sqlite3.connect(DB)
acme = [r[0] for r in db.execute("SELECT td.domain FROM tenant_domains td JOIN tenants t ON t.id = td.tenant_id"
                                  " WHERE t.name = 'acme' ORDER BY 1")]
acme_id = db.execute("SELECT id FROM tenants WHERE name = 'acme'").fetchone()[0]
every = db.execute("SELECT count(*) FROM domain_summary").fetchone()[0]
st, _ = get("/overview")
check("no session: 401", st == 401, st)
ops, viewer = login("ops", "ops-password-1"), login("acme-viewer", "acme-password-1")
st, j = get("/overview?per_page=200&" + R, viewer)
check("acme's viewer: acme's %d domains, nothing else" % len(acme),
      st == 200 and sorted(r["domain"] for r in j["rows"]) == acme and j["total"] == len(acme), (st, j if st != 200 else j["total"]))
check("acme's viewer: the tenant column is acme", st == 200 and all(r["tenant"] == "acme" for r in j["rows"]))
st, j2 = get("/overview?per_page=200&q=%s&%s" % (BETA, R), viewer)
check("acme's viewer searching beta's domain: nothing", st == 200 and j2["total"] == 0 and j2["rows"] == [], j2)
st, j2 = get("/overview?filter=unassigned&" + R, viewer)
check("acme's viewer, filter=unassigned: nothing", st == 200 and j2["total"] == 0, j2)
st, d = get("/overview.csv?" + R, viewer)
lines = d.decode().strip().splitlines() if st == 200 else []
check("acme's viewer's CSV: acme's domains only", st == 200 and sorted(l.split(",")[0] for l in lines[1:]) == acme, lines[:3])
st, j = get("/overview?per_page=200&" + R, ops)
check("the operator: every domain (%d), tenants named" % every, st == 200 and j["total"] == every and
      {r["tenant"] for r in j["rows"]} == {None, "acme", "beta"}, j.get("total") if st == 200 else st)
st, j2 = get("/overview?per_page=200&filter=unassigned&" + R, ops)
check("the operator, filter=unassigned: the %d domains no tenant owns" % (every - len(acme) - 1),
      st == 200 and j2["total"] == every - len(acme) - 1 and all(r["tenant"] is None for r in j2["rows"]), j2.get("total"))
st, j2 = get("/overview?per_page=200&tenant=%d&%s" % (acme_id, R), ops)
check("the operator's tenant view (tenant=acme): acme's domains only",
      st == 200 and sorted(r["domain"] for r in j2["rows"]) == acme, j2.get("total") if st == 200 else st)
st, j2 = get("/overview?sort=tenant&dir=asc&per_page=200&" + R, ops)
ts = [r["tenant"] for r in j2["rows"]]
check("sort=tenant: unassigned first, then by name", ts == sorted(ts, key=lambda x: (x is not None, x or "")), ts[:10])

print("RESULT %d %d" % (npass, nfail))
PYEOF
grep -v "^RESULT" "$T/tenants.log"
set -- $(sed -n 's/^RESULT \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$T/tenants.log")
pass=$((pass + ${1:-0})) fail=$((fail + ${2:-1}))
node tests/web/overview.mjs "http://127.0.0.1:$PORT" --users ${SHOTS:+--shots "$SHOTS"} >"$T/browser-users.log" 2>&1
sum "$T/browser-users.log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
