#!/bin/sh
# api_kinds.sh BINARY - the API of failure and TLS reports (issue 13):
# /threats (every filter, the My Senders split, paging), threats.csv (en,
# ja with BOM, tz), /threats/ID (sample, defanged URLs with their counts
# across reports, attachments, host), /threats/ID/attachment (confirm,
# bytes, headers), /threat-urls (by url and by domain), /tls, and what
# records/ID, hosts/IP and domains gained.
#
# Data-driven: ingests every input of tests/kinds/cases (the real failure
# and TLS samples of ../shared/corpus are among them, copied byte for byte)
# plus, when present, ../shared/corpus/real/failure and smtp_tls (they are
# duplicates of those cases), and an aggregate report for two of the
# failure reports' addresses.  Every expected value is computed from the
# cases' expect.json models (the parser's output), never read from the
# server's database, so a wrong answer fails.  The server runs on a free
# loopback port with --no-enrich.  Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/dmarcscope}
T=$(mktemp -d /tmp/dmarcscope-kinds.XXXXXX)
trap 'rm -rf "$T"' EXIT
exec python3 - "$BIN" "$T" "${SHARED:-../shared}" <<'PYEOF'
import csv, email.utils, glob, hashlib, http.client, io, ipaddress, json, os, socket
import sqlite3, subprocess, sys, time, urllib.parse

BIN, T, SHARED = sys.argv[1], sys.argv[2], sys.argv[3]
DB = os.path.join(T, "kinds.db")
P = F = 0

def check(name, cond, detail=""):
    global P, F
    if cond:
        P += 1
        print("PASS " + name)
    else:
        F += 1
        print("FAIL %s %s" % (name, str(detail)[:1500]))

# ---- the models --------------------------------------------------------------
fails, tlss = {}, {}          # identity -> model (duplicates collapse, as in the store)
inputs = []
for d in sorted(glob.glob("tests/kinds/cases/*/")):
    e = json.load(open(d + "expect.json"))
    inputs += glob.glob(d + "input.*")
    if e.get("result") != "ok":
        continue
    (fails if e["kind"] == "failure" else tlss)[e["identity"]] = e["model"]

def policy_domain(m):
    fb = m.get("feedback") or {}
    if fb.get("reported_domain"):
        return fb["reported_domain"].lower()
    a = email.utils.parseaddr((m.get("sample") or {}).get("from") or "")[1]
    return a.rsplit("@", 1)[1].lower() if "@" in a else ""

F_ = list(fails.values())
for m in F_:
    m["_domain"] = policy_domain(m)
    m["_dmarc"] = bool(m["is_dmarc_failure"])

# ---- the database --------------------------------------------------------------
# an aggregate report: example.com, 2024-01-02 (UTC), from 192.0.2.10, and
# 2019-04-30 from 10.10.10.10 (a second report)
AGG = """<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>agg.example</org_name><email>r@agg.example</email>
<report_id>%s</report_id><date_range><begin>%d</begin><end>%d</end></date_range>
</report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>
<record><row><source_ip>%s</source_ip><count>3</count><policy_evaluated>
<disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers><auth_results><spf>
<domain>attacker.example</domain><result>fail</result></spf></auth_results></record></feedback>
"""
aggs = [("agg-2024-01-02", 1704153600, 1704239999, "192.0.2.10"),
        ("agg-2019-04-30", 1556582400, 1556668799, "10.10.10.10")]
for rid, b, e, ip in aggs:
    with open(os.path.join(T, rid + ".xml"), "w") as f:
        f.write(AGG % (rid, b, e, ip))
extra = [os.path.join(T, a[0] + ".xml") for a in aggs]
for sub in ("failure", "smtp_tls"):
    extra += sorted(glob.glob(os.path.join(SHARED, "corpus", "real", sub, "*")))
p = subprocess.run([BIN, "--db", DB, "ingest", "--no-progress"] + sorted(inputs) + extra,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
check("ingest (exit 0 or 1: some cases are refused on purpose)", p.returncode in (0, 1),
      p.stderr[-800:])
# what enrichment would have found for one address
db = sqlite3.connect(DB)
db.execute("INSERT OR REPLACE INTO hosts (ip, ptr, fcrdns, country, updated_at) VALUES "
           "('192.0.2.10', 'mail.attacker.example', 0, 'RU', 1795000000)")
db.commit()
ids = {}   # identity -> failure id, read from the database only to name the rows
for fid, ident in db.execute("SELECT id, ident FROM failure_reports"):
    ids[ident] = fid
db.close()
check("every failure model is stored once", sorted(ids) == sorted(fails),
      (sorted(ids), sorted(fails)))
for ident, m in fails.items():
    m["_id"] = ids.get(ident)

# ---- the server --------------------------------------------------------------
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); n = s.getsockname()[1]; s.close(); return n
port = free_port()
errf = open(os.path.join(T, "serve.err"), "wb")
srv = subprocess.Popen([BIN, "--db", DB, "serve", "--listen", "127.0.0.1:%d" % port,
                        "--no-enrich"], stdout=subprocess.DEVNULL, stderr=errf)
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
    except OSError:
        time.sleep(0.05)

def req(path, method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, "/api/v1/" + path, body=body,
              headers={"Content-Type": "application/json"} if body is not None else {})
    r = c.getresponse()
    data = r.read()
    h = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, h, data

def get(path):
    st, h, data = req(path)
    if st != 200:
        raise ValueError("%s: %d %r" % (path, st, data[:200]))
    return json.loads(data)

def q(**kw):
    return urllib.parse.urlencode(kw)

def day(t):
    return time.strftime("%Y-%m-%d", time.gmtime(t))

try:
    # ---- /threats: every filter against the models ----------------------------
    def expect(domain=None, kind_all=False, reporter=None, ip=None, url_domain=None, qq=None,
               since=None, until=None):
        out = []
        for m in F_:
            if not kind_all and not m["_dmarc"]:
                continue
            if domain and m["_domain"] != domain:
                continue
            rep = (m.get("reporter") or "").lower()
            if reporter and reporter not in (rep, rep.rsplit("@", 1)[-1]):
                continue
            if ip and m.get("source_ip") != ip:
                continue
            if url_domain and not any(url_domain in (u.get("host"), u.get("registered_domain"))
                                      for u in m["urls"]):
                continue
            if qq:
                s = qq.lower()
                if not ((m.get("source_ip") or "").startswith(qq) or
                        s in ((m.get("sample") or {}).get("subject") or "").lower() or
                        s in ((m.get("sample") or {}).get("from") or "").lower() or s in rep):
                    continue
            if since and m["arrival_time"] < since:
                continue
            if until and m["arrival_time"] >= until:
                continue
            out.append(m)
        return out

    cases = [
        ("no filter", {}, {}),
        ("domain", {"domain": "example.com"}, {"domain": "example.com"}),
        ("domain (failure only)", {"domain": "domain.de"}, {"domain": "domain.de"}),
        ("kind=all", {"kind": "all"}, {"kind_all": True}),
        ("kind=dmarc", {"kind": "dmarc"}, {}),
        ("reporter address", {"reporter": "dmarc@receiver.example"},
         {"reporter": "dmarc@receiver.example"}),
        ("reporter domain", {"reporter": "receiver.example"}, {"reporter": "receiver.example"}),
        ("ip", {"ip": "192.0.2.10"}, {"ip": "192.0.2.10"}),
        ("ip v6", {"ip": "2001:db8::25"}, {"ip": "2001:db8::25"}),
        ("ip v6 written otherwise", {"ip": "2001:DB8:0::25"}, {"ip": "2001:db8::25"}),
        ("ip + kind=all", {"ip": "2001:db8::1", "kind": "all"},
         {"ip": "2001:db8::1", "kind_all": True}),
        ("url_domain (registered)", {"url_domain": "evil.example"}, {"url_domain": "evil.example"}),
        ("url_domain (host)", {"url_domain": "login.example.co.uk"},
         {"url_domain": "login.example.co.uk"}),
        ("q subject", {"q": "invoice"}, {"qq": "invoice"}),
        ("q ip prefix", {"q": "10.10."}, {"qq": "10.10."}),
        ("period", {"since": "2024-01-01", "until": "2024-01-02"},
         {"since": 1704067200, "until": 1704240000}),
        ("period + domain", {"domain": "example.com", "since": "2019-01-01", "until": "2019-12-31"},
         {"domain": "example.com", "since": 1546300800, "until": 1577836800}),
    ]
    for name, params, ekw in cases:
        j = get("threats?" + q(per_page=500, **params))
        want = expect(**ekw)
        got_ids = sorted(r["id"] for r in j["rows"])
        want_ids = sorted(m["_id"] for m in want)
        check("threats %s: rows" % name, got_ids == want_ids and j["total"] == len(want),
              (got_ids, want_ids, j["total"]))
        # reports_received: every failure report of the domain and range, abuse too
        rec = expect(domain=ekw.get("domain"), kind_all=True, since=ekw.get("since"),
                     until=ekw.get("until"))
        s = j["summary"]
        check("threats %s: summary" % name, s["threats"] == len(want) and
              s["my_senders"] + s["unauthorized"] == len(want) and
              s["reports_received"] == len(rec), (s, len(want), len(rec)))
        check("threats %s: newest first" % name,
              [r["arrival_time"] for r in j["rows"]] ==
              sorted((r["arrival_time"] for r in j["rows"]), reverse=True))
    # row fields against the model
    j = get("threats?" + q(kind="all", per_page=500))
    byid = {r["id"]: r for r in j["rows"]}
    bad = []
    for m in F_:
        r = byid.get(m["_id"])
        s = m.get("sample") or {}
        if r is None or (r["subject"], r["mail_from"], r["source_ip"], r["policy_domain"],
                         r["url_count"], r["attachment_count"], r["flags"],
                         r["feedback_type"], r["reporter"], r["arrival_time"]) != (
                s.get("subject"), s.get("from"), m.get("source_ip"), m["_domain"],
                len(m["urls"]), len(m["attachments"]), m["flags"], m["kind"], m["reporter"],
                m["arrival_time"]):
            bad.append((m["_id"], r))
    check("threats rows: every field as the model says", not bad, bad[:2])
    r = byid[[m for m in F_ if m.get("source_ip") == "192.0.2.10"][0]["_id"]]
    check("threats rows: ptr and country from the enrichment cache",
          r["ptr"] == "mail.attacker.example" and r["country"] == "RU", r)
    check("threats rows: markup in a subject is a plain JSON string",
          any(x["subject"] and x["subject"].startswith("<script>") for x in j["rows"]))
    j1 = get("threats?" + q(kind="all", per_page=3, page=2))
    check("threats paging", [x["id"] for x in j1["rows"]] == [x["id"] for x in j["rows"][3:6]]
          and j1["page"] == 2 and j1["per_page"] == 3)

    # ---- My Senders: authorized and the split -------------------------------
    def split_ok(want_mine, label):
        for _ in range(20):
            j = get("threats?" + q(domain="example.com", per_page=500))
            mine = [x["id"] for x in j["rows"] if x["authorized"]]
            if j["summary"]["my_senders"] == len(want_mine) and sorted(mine) == sorted(want_mine):
                break
            time.sleep(0.3)
        check("My Senders split: " + label, j["summary"]["my_senders"] == len(want_mine) and
              sorted(mine) == sorted(want_mine) and
              j["summary"]["unauthorized"] == j["total"] - len(want_mine),
              (j["summary"], mine, want_mine))
    ex = expect(domain="example.com")
    split_ok([], "nothing registered")
    st, _, _ = req("senders", "POST", json.dumps({"domain": "example.com", "kind": 1,
                   "match_type": "cidr", "value": "2001:db8::/32"}))
    check("register a CIDR sender", st == 201, st)
    split_ok([m["_id"] for m in ex if ":" in (m.get("source_ip") or "")], "a CIDR")
    st, _, _ = req("senders", "POST", json.dumps({"domain": "example.com", "kind": 2,
                   "match_type": "rdns", "value": "attacker.example"}))
    split_ok([m["_id"] for m in ex if ":" in (m.get("source_ip") or "") or
              m.get("source_ip") == "192.0.2.10"], "a CIDR and a reverse-DNS rule (ptr from hosts)")
    j = get("threats?" + q(domain="domain.de"))
    check("My Senders are per domain", j["summary"]["my_senders"] == 0, j["summary"])

    # ---- /threats/ID ---------------------------------------------------------------
    url_reports = {}
    for m in F_:
        for u in m["urls"]:
            url_reports[u["url"]] = url_reports.get(u["url"], 0) + 1
    bad = []
    for m in F_:
        d = get("threats/%d" % m["_id"])
        s = m.get("sample") or {}
        want_urls = sorted((u["url"], u["defanged"], u["count"], u.get("host"),
                            u.get("registered_domain"), url_reports[u["url"]]) for u in m["urls"])
        got_urls = sorted((u["url"], u["defanged"], u["count"], u["host"], u["reg_domain"],
                           u["reports"]) for u in d["urls"])
        atts = [(a["index"], a["name"], a["sha256"], a["size"], a["flags"]) for a in d["attachments"]]
        watts = [(i, a["name"], a["sha256"], a["size"], a["flags"]) for i, a in
                 enumerate(m["attachments"])]
        sample_ok = all(d["sample"].get(k) == s.get(k) for k in
                        ("subject", "from", "to", "date", "message_id", "text", "headers",
                         "kind", "text_truncated"))
        if not (got_urls == want_urls and atts == watts and sample_ok and
                d["feedback"] == m.get("feedback") and d["warnings"] == m["warnings"] and
                d["is_dmarc_failure"] == m["_dmarc"] and d["source_ip"] == m.get("source_ip")
                and d["source_ip_from"] == m.get("source_ip_from") and d["flags"] == m["flags"]
                and d["policy_domain"] == m["_domain"] and d["arrival_time"] == m["arrival_time"]):
            bad.append((m["_id"], got_urls[:2], want_urls[:2], atts[:2], watts[:2], sample_ok))
    check("threats/ID: sample, feedback, defanged URLs with their report counts, "
          "attachments (%d reports)" % len(F_), not bad, bad[:2])
    check("threats/ID: every URL defanged (no scheme:// left)",
          all("://" not in u["defanged"].replace("xx", "") or "[.]" in u["defanged"] or
              "[:]" in u["defanged"] for m in F_ for u in get("threats/%d" % m["_id"])["urls"]))
    shared = [u for u, n in url_reports.items() if n > 1]
    check("a URL in several reports is counted across them", shared and all(
        any(x["url"] == u and x["reports"] == url_reports[u] for m in F_ if
            any(v["url"] == u for v in m["urls"]) for x in get("threats/%d" % m["_id"])["urls"])
        for u in shared), shared)
    m10 = [m for m in F_ if m.get("source_ip") == "192.0.2.10"][0]
    d = get("threats/%d" % m10["_id"])
    h = d["host"]
    check("threats/ID: host facts, class from the aggregate data, My Senders",
          h["ip"] == "192.0.2.10" and h["ptr"] == "mail.attacker.example" and
          h["country"] == "RU" and h["class_name"] is not None and h["messages"] == 3 and
          h["authorized"] is True and d["authorized"] is True, h)
    st, _, _ = req("threats/999999")
    check("threats/ID: unknown id 404", st == 404, st)

    # ---- attachments ------------------------------------------------------------------
    withatt = [m for m in F_ if m["attachments"]]
    check("some reports have attachments", withatt)
    bad = []
    for m in withatt:
        for i, a in enumerate(m["attachments"]):
            st, hd, data = req("threats/%d/attachment?n=%d&confirm=1" % (m["_id"], i))
            if (st != 200 or hashlib.sha256(data).hexdigest() != a["sha256"] or
                    len(data) != a["size"] or hd.get("content-type") != "application/octet-stream"
                    or not hd.get("content-disposition", "").startswith("attachment; filename=\"")
                    or hd.get("x-content-type-options") != "nosniff"):
                bad.append((m["_id"], i, st, hd))
    check("attachment: exact bytes (sha256 and size as the model), octet-stream, "
          "attachment, nosniff (%d attachments)" % sum(len(m["attachments"]) for m in withatt),
          not bad, bad[:2])
    mx = [m for m in withatt if any(a["name"] == "invoice.pdf.exe" for a in m["attachments"])][0]
    ix = [a["name"] for a in mx["attachments"]]
    st, hd, data = req("threats/%d/attachment?n=%d" % (mx["_id"], ix.index("invoice.pdf.exe")))
    check("attachment without confirm: 400 confirm_required, no bytes",
          st == 400 and json.loads(data)["error"] == "confirm_required", (st, data[:100]))
    st, hd, data = req("threats/%d/attachment?n=%d&confirm=yes" % (mx["_id"], 0))
    check("attachment with confirm=yes: 400", st == 400, st)
    st, hd, data = req("threats/%d/attachment?n=%d&confirm=1" % (mx["_id"], len(ix)))
    check("attachment index out of range: 404", st == 404, st)
    st, hd, data = req("threats/%d/attachment?confirm=1" % mx["_id"])
    check("attachment without n: 400", st == 400, st)
    st, hd, data = req("threats/%d/attachment?n=-1&confirm=1" % mx["_id"])
    check("attachment n=-1: 400", st == 400, st)
    nx = [i for i, a in enumerate(mx["attachments"]) if any(ord(c) > 127 for c in a["name"] or "")]
    if nx:
        st, hd, data = req("threats/%d/attachment?n=%d&confirm=1" % (mx["_id"], nx[0]))
        cd = hd.get("content-disposition", "")
        name = mx["attachments"][nx[0]]["name"]
        check("attachment: ASCII filename plus filename* UTF-8",
              all(ord(c) < 128 for c in cd) and
              ("filename*=UTF-8''" + urllib.parse.quote(name, safe="")) in cd, cd)
    noatt = [m for m in F_ if not m["attachments"]][0]
    st, _, _ = req("threats/%d/attachment?n=0&confirm=1" % noatt["_id"])
    check("attachment of a report without any: 404", st == 404, st)

    # ---- threats.csv --------------------------------------------------------------------
    st, hd, data = req("threats.csv?" + q(domain="example.com", lang="ja", tz="Asia/Tokyo"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    want = expect(domain="example.com")
    check("threats.csv lang=ja: BOM, Japanese header naming JST, one row per threat",
          st == 200 and data.startswith(b"\xef\xbb\xbf") and rows[0][0] == "日付 (JST)" and
          "件名" in rows[0] and len(rows) - 1 == len(want) and
          len({len(r) for r in rows}) == 1, (st, rows[:2], len(want)))
    newest = max(want, key=lambda m: (m["arrival_time"], m["_id"]))
    check("threats.csv: the date in the zone asked for", rows[1][0] ==
          time.strftime("%Y-%m-%d %H:%M", time.gmtime(newest["arrival_time"] + 9 * 3600)),
          (rows[1][0], newest["arrival_time"]))
    check("threats.csv: authorized in Japanese", set(r[rows[0].index("送信元の登録")]
          for r in rows[1:]) <= {"登録済み", "未承認"} and "登録済み" in
          [r[rows[0].index("送信元の登録")] for r in rows[1:]])
    st, hd, data = req("threats.csv?" + q(kind="all"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    check("threats.csv en: header, every row, attachment disposition",
          rows[0][0] == "date (UTC)" and rows[0][7] == "subject" and len(rows) - 1 == len(F_)
          and not data.startswith(b"\xef\xbb\xbf") and
          hd.get("content-disposition", "").startswith("attachment; filename=\"threats-all-")
          and hd.get("content-type", "").startswith("text/csv"), (rows[:1], len(rows), hd))
    subj = rows[0].index("subject")
    check("threats.csv: the subjects of the models", sorted(r[subj] for r in rows[1:]) ==
          sorted(((m.get("sample") or {}).get("subject") or "") for m in F_))
    st, _, _ = req("threats.csv?lang=fr")
    check("threats.csv lang=fr: 400", st == 400, st)

    # ---- /threat-urls ------------------------------------------------------------------
    def url_expect(domain=None, url_domain=None, by_domain=False, kind_all=False):
        agg = {}
        for m in F_:
            if (not kind_all and not m["_dmarc"]) or (domain and m["_domain"] != domain):
                continue
            for u in m["urls"]:
                if url_domain and url_domain not in (u.get("host"), u.get("registered_domain")):
                    continue
                k = (u.get("registered_domain") or u.get("host") or "") if by_domain else u["url"]
                a = agg.setdefault(k, {"reports": set(), "occ": 0, "urls": set(), "seen": []})
                a["reports"].add(m["_id"]); a["occ"] += u["count"]; a["urls"].add(u["url"])
                a["seen"].append(m["arrival_time"])
        return agg
    for label, params, ekw in (("by url", {}, {}), ("by url, kind=all", {"kind": "all"},
                               {"kind_all": True}),
                               ("by url, url_domain", {"url_domain": "evil.example"},
                                {"url_domain": "evil.example"}),
                               ("by domain", {"by": "domain"}, {"by_domain": True}),
                               ("by domain, domain.de", {"by": "domain", "domain": "domain.de"},
                                {"by_domain": True, "domain": "domain.de"})):
        want = url_expect(**ekw)
        got, page = [], 1
        while True:
            j = get("threat-urls?" + q(per_page=500, page=page, **params))
            got += j["rows"]
            if page * 500 >= j["total"]:
                break
            page += 1
        key = "reg_domain" if ekw.get("by_domain") else "url"
        gotd = {(r[key] or ""): (r["reports"], r["occurrences"], r["first_seen"], r["last_seen"])
                for r in got}
        wantd = {k: (len(a["reports"]), a["occ"], min(a["seen"]), max(a["seen"]))
                 for k, a in want.items()}
        check("threat-urls %s: counts, occurrences, first and last seen (%d rows)"
              % (label, len(wantd)), gotd == wantd and j["total"] == len(wantd),
              [(k, gotd.get(k), wantd.get(k)) for k in set(gotd) ^ set(wantd) or
               [k for k in wantd if gotd.get(k) != wantd[k]]][:3])
        check("threat-urls %s: most reports first" % label,
              [r["reports"] for r in got] == sorted((r["reports"] for r in got), reverse=True))
        if ekw.get("by_domain"):
            check("threat-urls %s: defanged domain, no URL" % label, all(
                r["url"] is None and r["defanged"] is None and
                (r["defanged_domain"] is None or "." not in r["defanged_domain"].replace("[.]", ""))
                for r in got))
        else:
            dmap = {u["url"]: u["defanged"] for m in F_ for u in m["urls"]}
            check("threat-urls %s: defanged as the model" % label,
                  all(r["defanged"] == dmap[r["url"]] for r in got))
    for bad_q in ("by=x", "kind=x", "url_domain=a%20b"):
        st, _, _ = req("threat-urls?" + bad_q)
        check("threat-urls %s: 400" % bad_q, st == 400, st)

    # ---- /tls ------------------------------------------------------------------------
    T_ = list(tlss.values())
    def tls_expect(domain=None, since=None, until=None):
        s = f = 0; days = {}; types = {}; fl = {}; reps = []
        for m in T_:
            for p in m["policies"]:
                if domain and p["policy_domain"].lower() != domain:
                    continue
                if since and m["begin"] < since or until and m["begin"] >= until:
                    continue
                s += p["successful_session_count"]; f += p["failed_session_count"]
                dd = days.setdefault(day(m["begin"]), [0, 0])
                dd[0] += p["successful_session_count"]; dd[1] += p["failed_session_count"]
                reps.append((m["report_id"], p["policy_domain"].lower(), p["policy_type"],
                             p["successful_session_count"], p["failed_session_count"]))
                for x in p["failure_details"]:
                    types[x["result_type"]] = types.get(x["result_type"], 0) + x["failed_session_count"]
                    k = (x["result_type"], x.get("sending_mta_ip"), x.get("receiving_ip"),
                         x.get("receiving_mx_hostname"))
                    fl[k] = fl.get(k, 0) + x["failed_session_count"]
        return s, f, days, types, fl, sorted(reps)
    for label, params, ekw in (("all", {}, {}), ("example.com", {"domain": "example.com"},
                               {"domain": "example.com"}),
                               ("example.com 2024-01", {"domain": "example.com",
                                "since": "2024-01-01", "until": "2024-01-31"},
                                {"domain": "example.com", "since": 1704067200,
                                 "until": 1706745600})):
        j = get("tls?" + q(**params))
        s, f, days, types, fl, reps = tls_expect(**ekw)
        gotfl = {}
        for x in j["failures"]:
            k = (x["result_type"], x["sending_mta_ip"], x["receiving_ip"],
                 x["receiving_mx_hostname"])
            gotfl[k] = gotfl.get(k, 0) + x["sessions"]
        check("tls %s: summary and failure rate" % label, j["summary"]["success"] == s and
              j["summary"]["failure"] == f and abs(j["summary"]["failure_rate"] -
              (f / (s + f) if s + f else 0)) < 1e-9, (j["summary"], s, f))
        check("tls %s: days" % label, {x["day"]: [x["success"], x["failure"]]
              for x in j["days"]} == days, (j["days"], days))
        check("tls %s: failure types" % label, {x["result_type"]: x["sessions"]
              for x in j["failure_types"]} == types, (j["failure_types"], types))
        check("tls %s: failure details with reporters" % label, gotfl == fl and
              all(x["reporters"] and all(isinstance(n, str) for n in x["reporters"])
                  for x in j["failures"]), (gotfl, fl))
        check("tls %s: reports" % label, sorted((x["report_id"], x["policy_domain"],
              x["policy_type"], x["success"], x["failure"]) for x in j["reports"]) == reps,
              (j["reports"][:2], reps[:2]))
        check("tls %s: domains with TLS reports" % label, j["domains"] ==
              sorted({p["policy_domain"].lower() for m in T_ for p in m["policies"]}))
    j = get("tls")
    check("tls: additional information (a URI) defanged", any(
        x["additional_information"] and x["additional_information_defanged"] and
        x["additional_information_defanged"].startswith("hxxp") and "[.]" in
        x["additional_information_defanged"] for x in j["failures"]))

    # ---- what other routes gained -------------------------------------------------------
    recs = get("records?" + q(ip="192.0.2.10"))["rows"]
    d = get("records/%d" % recs[0]["id"])
    want = sorted(m["_id"] for m in F_ if m.get("source_ip") == "192.0.2.10" and
                  1704153600 <= m["arrival_time"] < 1704240000)
    check("records/ID: the failure reports of the same IP and day",
          sorted(x["id"] for x in d["failure_reports"]) == want and want and
          all(set(x) >= {"id", "arrival_time", "subject", "reporter"} for x in d["failure_reports"]),
          (d.get("failure_reports"), want))
    recs = get("records?" + q(ip="10.10.10.10"))["rows"]
    d = get("records/%d" % recs[0]["id"])
    want = sorted(m["_id"] for m in F_ if m.get("source_ip") == "10.10.10.10" and
                  1556582400 <= m["arrival_time"] < 1556668800)
    check("records/ID: another day, another report",
          sorted(x["id"] for x in d["failure_reports"]) == want and want, d.get("failure_reports"))
    for ip in ("192.0.2.10", "10.10.10.10", "2001:db8::1"):
        j = get("hosts/" + urllib.parse.quote(ip))
        want = sorted((m["_id"] for m in F_ if m.get("source_ip") == ip), reverse=True)
        check("hosts/%s: failure reports count and recent" % ip,
              j["failure_reports"]["count"] == len(want) and
              sorted(x["id"] for x in j["failure_reports"]["recent"]) == sorted(want[:10]),
              (j["failure_reports"], want))
    j = get("hosts/" + urllib.parse.quote("2001:DB8:0::25"))
    check("hosts/IP written otherwise: the same failure reports", j["failure_reports"]["count"] ==
          len([m for m in F_ if m.get("source_ip") == "2001:db8::25"]) > 0, j["failure_reports"])
    j = get("hosts/192.0.2.10?" + q(domain="domain.de"))
    check("hosts/IP?domain: only that domain's failure reports", j["failure_reports"]["count"] == 0)
    doms = {x["domain"]: x for x in get("domains")}
    fd = {}
    for m in F_:
        fd[m["_domain"]] = fd.get(m["_domain"], 0) + 1
    td = {}
    for m in T_:
        for dd in {p["policy_domain"].lower() for p in m["policies"]}:
            td[dd] = td.get(dd, 0) + 1
    check("domains: failure- and TLS-only domains listed with their counts",
          all(doms.get(k, {}).get("failure_reports") == n for k, n in fd.items()) and
          all(doms.get(k, {}).get("tls_reports") == n for k, n in td.items()) and
          doms["domain.de"]["reports"] == 0 and doms["example.com"]["reports"] == 2,
          (doms, fd, td))

    # ---- bad input ---------------------------------------------------------------------
    for bad_q in ("kind=abuse", "reporter=" + "a" * 400, "ip=nope", "since=2024-1-1",
                  "url_domain=x/y", "per_page=501"):
        st, _, _ = req("threats?" + bad_q)
        check("threats %s: 400" % bad_q[:30], st == 400, st)
    st, _, data = req("threats?" + q(domain="x'OR'1'='1"))
    check("threats: SQL in a value is only a value", st == 200 and json.loads(data)["total"] == 0)
    st, h, _ = req("threats?kind=all")
    check("threats: application/json, nosniff", h.get("content-type", "").startswith(
        "application/json") and h.get("x-content-type-options") == "nosniff")
except (OSError, http.client.HTTPException, ValueError, KeyError, IndexError, TypeError) as e:
    import traceback
    traceback.print_exc()
    check("requests", False, "%s: %s" % (type(e).__name__, e))

srv.terminate()
try:
    srv.wait(timeout=30)
except subprocess.TimeoutExpired:
    srv.kill()

# ---- the window: more failure reports than the list looks at ------------------------
# 30,010 reports of window.example, one a minute, every tenth an abuse report, one
# URL each (a host per 100 reports); the list covers the newest 30,000.
WIN, N = 30000, 30010
DB = os.path.join(T, "window.db")
subprocess.run([BIN, "--db", DB, "summary"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
db = sqlite3.connect(DB)
db.executescript("""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
INSERT INTO failure_reports (ident, policy_domain, feedback_type, is_dmarc_failure, reporter,
  reporter_domain, source_ip, arrival_time, subject, flags, model, ingested_at)
SELECT 'w:' || i, 'window.example', CASE WHEN i %% 10 = 0 THEN 'abuse' ELSE 'auth-failure' END,
  i %% 10 <> 0, 'r@rep.example', 'rep.example', '192.0.2.' || (i %% 200), 1700000000 + i * 60,
  'S' || i, '[]', '{}', 0 FROM n;
INSERT INTO failure_urls SELECT id, policy_domain, arrival_time,
  'http://h' || (id / 100) || '.example/', 'h' || (id / 100) || '.example',
  'h' || (id / 100) || '.example', '[]', 1 FROM failure_reports;
-- urls.example: 26,000 reports with 4 URLs each (104,000 URL rows)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 26000)
INSERT INTO failure_reports (ident, policy_domain, feedback_type, is_dmarc_failure, reporter,
  reporter_domain, source_ip, arrival_time, subject, flags, model, ingested_at)
SELECT 'u:' || i, 'urls.example', 'auth-failure', 1, 'r@rep.example', 'rep.example',
  '198.51.100.1', 1600000000 + i * 60, 'U' || i, '[]', '{}', 0 FROM n;
INSERT INTO failure_urls SELECT id, policy_domain, arrival_time,
  'http://u' || (CAST(substr(subject, 2) AS INTEGER) %% 7) || '.example/' || k,
  'u' || (CAST(substr(subject, 2) AS INTEGER) %% 7) || '.example', 'example', '[]', 2
  FROM failure_reports, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3)
  WHERE policy_domain = 'urls.example';
""" % N)
db.commit()
db.close()
port = free_port()
srv = subprocess.Popen([BIN, "--db", DB, "serve", "--listen", "127.0.0.1:%d" % port,
                        "--no-enrich"], stdout=subprocess.DEVNULL, stderr=errf)
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
    except OSError:
        time.sleep(0.05)
try:
    win = list(range(N, N - WIN, -1))            # the newest WIN, newest first (i = id)
    dm = [i for i in win if i % 10]
    j = get("threats?" + q(domain="window.example", per_page=500))
    check("window: total counts the newest %d reports only, partial" % WIN,
          j["total"] == len(dm) and j["partial"] is True and j["summary"]["threats"] == len(dm)
          and j["summary"]["reports_received"] == N, (j["total"], len(dm), j["partial"]))
    check("window: page 1 is the newest", [x["id"] for x in j["rows"]] == dm[:500])
    last = (len(dm) + 499) // 500
    j = get("threats?" + q(domain="window.example", per_page=500, page=last))
    check("window: the last page ends at the window's edge",
          [x["id"] for x in j["rows"]] == dm[(last - 1) * 500:], [x["id"] for x in j["rows"]][-3:])
    j = get("threats?" + q(domain="window.example", kind="all", page=600, per_page=50))
    check("window: kind=all, a page in the middle", j["total"] == WIN and
          [x["id"] for x in j["rows"]] == win[599 * 50:600 * 50])
    j = get("threats?" + q(kind="all", per_page=1))
    check("window: no domain (failure_reports_time)", j["total"] == WIN and j["partial"] is True
          and j["rows"][0]["id"] == N)
    j = get("threats?" + q(ip="192.0.2.7", kind="all", per_page=500))
    want = [i for i in range(N, 0, -1) if i % 200 == 7]
    check("window: ip (failure_reports_ip_time), under the window: exact",
          [x["id"] for x in j["rows"]] == want and j["partial"] is False and j["total"] == len(want))
    # a range inside the window: exact, not partial
    t0 = 1700000000 + (N - 999) * 60
    j = get("threats?" + q(domain="window.example", since=day(t0 + 86400), kind="all", per_page=1))
    want = [i for i in range(N, 0, -1) if 1700000000 + i * 60 >= (t0 + 86400) // 86400 * 86400]
    check("window: a range smaller than the window is exact", j["total"] == len(want) and
          j["partial"] is False, (j["total"], len(want)))
    j = get("threats?" + q(domain="window.example", url_domain="h300.example", kind="all"))
    want = [i for i in win if i // 100 == 300]
    check("window: url_domain inside the window", sorted(x["id"] for x in j["rows"]) ==
          sorted(want) and j["total"] == len(want))
    j = get("threat-urls?" + q(domain="window.example", kind="all", per_page=500))
    hosts = {}
    for i in win:
        hosts["http://h%d.example/" % (i // 100)] = hosts.get("http://h%d.example/" % (i // 100), 0) + 1
    check("window: threat-urls over the window", j["total"] == len(hosts) and j["partial"] is True
          and all(x["reports"] == hosts[x["url"]] for x in j["rows"]), (j["total"], len(hosts)))
    j = get("threat-urls?" + q(domain="window.example", kind="all", per_page=50, page=99))
    st, _, _ = req("threat-urls?" + q(domain="window.example", kind="all", per_page=50, page=99))
    check("window: threat-urls past the last page: no rows, the total still", st == 200 and
          j["rows"] == [] and j["total"] == len(hosts), (j["total"], len(j["rows"])))
    # at most url_window (50,000) URL rows: the newest 12,500 reports of urls.example
    j = get("threat-urls?" + q(domain="urls.example", per_page=500))
    newest = range(26000, 26000 - j["url_window"] // 4, -1)
    want = {}
    for i in newest:
        for k in range(4):
            u = "http://u%d.example/%d" % (i % 7, k)
            want[u] = want.get(u, 0) + 1
    got = {x["url"]: (x["reports"], x["occurrences"]) for x in j["rows"]}
    check("window: the URL view stops after its url_window of URL rows, partial",
          j["url_window"] == 50000 and
          got == {u: (n, 2 * n) for u, n in want.items()} and j["partial"] is True and
          j["total"] == 28, (j["total"], j["partial"], list(got.items())[:2]))
    j = get("threat-urls?" + q(domain="urls.example", per_page=10, page=9))
    check("window: the URL view past its last page: the totals still", j["rows"] == [] and
          j["total"] == 28 and j["partial"] is True, j)
except (OSError, http.client.HTTPException, ValueError, KeyError, IndexError, TypeError) as e:
    import traceback
    traceback.print_exc()
    check("window requests", False, "%s: %s" % (type(e).__name__, e))

srv.terminate()
try:
    rc = srv.wait(timeout=30)
except subprocess.TimeoutExpired:
    srv.kill(); rc = srv.wait()
err = open(os.path.join(T, "serve.err"), errors="replace").read()
check("server stopped cleanly, no sanitizer report", rc == 0 and "Sanitizer" not in err and
      "runtime error" not in err, err[-1500:])
print("%d passed, %d failed" % (P, F))
sys.exit(1 if F else 0)
PYEOF
