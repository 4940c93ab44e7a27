#!/usr/bin/env python3
"""webcompare.py A_BASE B_BASE [--token-a T --token-b T ...] - the portal's
answers of two servers over the same data, compared route by route.

A is the reference (the SQLite store), B the store under test (PostgreSQL).
Every GET route of `serve --routes` that reads data is asked with the
parameters a page would send: per domain the mail list (every sort key both
ways, every filter, later pages), its CSV, the counts, senders, map,
reports, statistics, threats (+ CSV), URL view (per URL and per domain), TLS;
then every record, report, host, failure report and raw message the lists
name.  Each answer pair is compared as JSON (CSV and raw as bytes), keys
holding the wall-clock time of ingest aside (the two stores were filled
seconds apart).  Prints PASS/FAIL per request and "N passed, N failed".

Options:
  --auth-a HDR --auth-b HDR   a header for every request (a tenant's token):
                              the same comparison as that principal
  --max-ids N                 by-id reads per list (default 25)
  --label S                   prefix of every line
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

# Keys whose values are the time of ingest on each store, or the data
# version (its numbers differ by design).
IGNORE = {"ingested_at", "created_at", "retried_at", "version", "took_ms", "queued_at",
          "enrichment"}
# Row ids: PostgreSQL's identity columns leave gaps where SQLite's rowids do
# not (a duplicate's INSERT ... ON CONFLICT still takes a number), so ids are
# compared by the rows they name: integers under these keys are set aside,
# and each by-id read asks each server for the id its own list gave.
IDS = {"id", "report_id", "raw_id", "failure_id", "sender_id", "rdap_net", "tls_report_id"}


def fetch(base, path, auth):
    req = urllib.request.Request(base + path)
    if auth:
        k, v = auth.split(":", 1)
        req.add_header(k.strip(), v.strip())
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def strip(x):
    if isinstance(x, dict):
        return {k: ("<id>" if k in IDS and isinstance(v, int) else strip(v))
                for k, v in x.items() if k not in IGNORE}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def first_diff(a, b, path="$"):
    if type(a) is not type(b):
        return "%s: %r vs %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k, "A" if k in a else "B")
            d = first_diff(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (path, a, b)


class Run:
    def __init__(self, a, b, auth_a, auth_b, label):
        self.a, self.b, self.auth_a, self.auth_b, self.label = a, b, auth_a, auth_b, label
        self.p = self.f = 0
        self.seen = set()

    def report(self, ok, path, why=""):
        if ok:
            self.p += 1
            print("PASS %s%s" % (self.label, path))
        else:
            self.f += 1
            print("FAIL %s%s %s" % (self.label, path, why[:600]))

    def cmp(self, path, path_b=None):
        """Both answers to path (path_b on B); both JSON answers, or (None, None)."""
        if path in self.seen:
            return None, None
        self.seen.add(path)
        sa, ta, ba = fetch(self.a, path, self.auth_a)
        sb, tb, bb = fetch(self.b, path_b or path, self.auth_b)
        if sa != sb:
            self.report(False, path, "status %d vs %d: %s" % (sa, sb, bb[:300]))
            return None, None
        if "json" not in ta:
            # CSV and raw messages: byte for byte
            why = "bodies differ (%d vs %d bytes)" % (len(ba), len(bb))
            if ba != bb:
                la, lb = ba.split(b"\n"), bb.split(b"\n")
                for i, (x, y) in enumerate(zip(la, lb)):
                    if x != y:
                        why += "; line %d: %r vs %r" % (i + 1, x[:200], y[:200])
                        break
            self.report(ba == bb, path, why)
            return None, None
        ja, jb = json.loads(ba), json.loads(bb)
        d = first_diff(strip(ja), strip(jb))
        self.report(d is None, path, d or "")
        return ja, jb


def rows_of(j):
    if isinstance(j, dict):
        for k in ("rows", "items", "reports", "threats", "urls", "groups", "sources"):
            if isinstance(j.get(k), list):
                return j[k]
    return j if isinstance(j, list) else []


def main():
    args = sys.argv[1:]
    auth_a = auth_b = None
    label = ""
    max_ids = 25
    pos = []
    i = 0
    while i < len(args):
        if args[i] == "--auth-a":
            auth_a = args[i + 1]; i += 2
        elif args[i] == "--auth-b":
            auth_b = args[i + 1]; i += 2
        elif args[i] == "--max-ids":
            max_ids = int(args[i + 1]); i += 2
        elif args[i] == "--label":
            label = args[i + 1] + " "; i += 2
        else:
            pos.append(args[i]); i += 1
    run = Run(pos[0].rstrip("/") + "/api/v1/", pos[1].rstrip("/") + "/api/v1/", auth_a, auth_b, label)
    for p in ("meta", "domains", "quarantine", "tls", "threats?kind=all", "threat-urls", "alerts",
              "alerts/count", "tenants"):
        run.cmp(p)
    # the domains overview (issue 19): the default period, a wide one, every sort both ways,
    # every filter, a search, a page, the CSV
    ov = ("overview?since=2000-01-01&until=2030-01-01", "overview?since=2026-10-01&until=2026-12-31")
    run.cmp("overview")
    for base in ov:
        run.cmp(base)
        for s in ("domain", "messages", "dmarc_pass", "spf_aligned", "dkim_aligned", "spoofing",
                  "auth_failure", "policy", "next_step", "alerts", "reporters", "last_report", "tenant"):
            for dr in ("asc", "desc"):
                run.cmp(base + "&per_page=5&sort=%s&dir=%s" % (s, dr))
        for f in ("spoofed", "failing", "p_none", "silent", "unassigned", "spoofed,p_none"):
            run.cmp(base + "&filter=" + f)
        run.cmp(base + "&q=example")
        run.cmp(base + "&q=co.jp&per_page=2&page=2")
        run.cmp(base.replace("overview?", "overview.csv?"))
        run.cmp(base.replace("overview?", "overview.csv?") + "&lang=ja&sort=domain")
    doms = json.loads(fetch(run.a, "domains", auth_a)[2])
    dl = doms.get("domains", doms) if isinstance(doms, dict) else doms
    names = []
    for d in dl if isinstance(dl, list) else []:
        names.append((d.get("domain"), d.get("first_begin"), d.get("last_end")))
    ids = {"records": [], "reports": [], "hosts": [], "threats": [], "raw": []}
    for dom, fb, le in names[:10]:
        q = "domain=" + urllib.parse.quote(dom)
        # the widest range the API takes, ending after the domain's last report
        import datetime
        end = datetime.datetime.utcfromtimestamp((le or 0) + 86400 * 2)
        start = max(datetime.datetime.utcfromtimestamp(fb or 0) - datetime.timedelta(days=1),
                    end - datetime.timedelta(days=3650))
        q += "&since=%s&until=%s" % (start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"))
        base = "records?" + q
        ja, jb = run.cmp(base + "&per_page=50")
        for r, t in list(zip(rows_of(ja), rows_of(jb)))[:max_ids]:
            ids["records"].append((r.get("id"), t.get("id")))
            ids["hosts"].append(r.get("source_ip"))
        for s in ("date", "domain", "ip", "ptr", "count", "header_from", "dmarc", "spf", "dkim",
                  "disposition", "country", "class"):
            for dr in ("asc", "desc"):
                run.cmp(base + "&per_page=20&sort=%s&dir=%s" % (s, dr))
        run.cmp(base + "&per_page=20&page=2")
        for f in ("class=spoofing_suspected", "class=normal", "class=forwarded", "result=pass",
                  "result=fail", "q=192.", "q=example", "q=%25"):
            run.cmp(base + "&per_page=20&" + f)
            run.cmp(base + "&per_page=20&page=2&sort=count&dir=desc&" + f)
        for ip in sorted({h for h in ids["hosts"] if h})[:3]:
            run.cmp(base + "&per_page=20&ip=" + urllib.parse.quote(ip))
        run.cmp("records.csv?" + q)
        run.cmp("records.csv?" + q + "&lang=ja&result=fail")
        run.cmp("stats?" + q)
        run.cmp("senders?" + q)
        run.cmp("map?" + q)
        ja, jb = run.cmp("reports?" + q + "&per_page=50")
        for r, t in list(zip(rows_of(ja), rows_of(jb)))[:max_ids]:
            ids["reports"].append((r.get("id"), t.get("id")))
            ids["raw"].append((r.get("raw_id"), t.get("raw_id")))
        run.cmp("reports?" + q + "&per_page=5&page=2")
        ja, jb = run.cmp("threats?" + q + "&kind=all&per_page=50")
        for r, t in list(zip(rows_of(ja), rows_of(jb)))[:max_ids]:
            ids["threats"].append((r.get("id"), t.get("id")))
        run.cmp("threats?" + q)
        run.cmp("threats?" + q + "&kind=all&q=a")
        run.cmp("threats.csv?" + q + "&kind=all")
        run.cmp("threat-urls?" + q + "&kind=all")
        run.cmp("threat-urls?" + q + "&kind=all&by=domain")
        run.cmp("tls?" + q)
        ra, rb = run.cmp("readiness?" + q)             # issue 18 part 3: answered, not refused
        if le:   # a domain with aggregate reports (the range of one without is refused by both)
            run.report(isinstance(ra, dict) and "ready" in ra and isinstance(rb, dict), "readiness?" + q + " (200)",
                       "no readiness object: %r" % (str(ra)[:200],))
        run.cmp("readiness?" + q + "&threshold=100")
        run.cmp("alert-settings?domain=" + urllib.parse.quote(dom))
    for kind in ("records", "reports", "threats", "raw"):
        for x, y in sorted(set(ids[kind]), key=str)[:max_ids * 10]:
            if x is not None and y is not None:
                run.cmp("%s/%s" % (kind, x), "%s/%s" % (kind, y))
    for ip in sorted({h for h in ids["hosts"] if h}):
        run.cmp("hosts/" + urllib.parse.quote(ip))
    run.cmp("records/999999999")
    run.cmp("reports/999999999")
    print("%d passed, %d failed" % (run.p, run.f))
    return 0 if run.f == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
