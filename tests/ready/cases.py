#!/usr/bin/env python3
# tests/ready/cases.py BINARY - the data-driven cases of readiness for
# p=reject (issue 18 part 3): each case builds a fresh database from fixture
# aggregate reports (one report a day, with aligned mail of a registered
# sender, its failures, a known service's unaligned mail, forwarded mail and
# spoofing, on the domain and on a subdomain), optionally a DMARC record in
# the DNS check history, runs `dmarcscope readiness --json` and compares the
# shares, the met-since date, the recommended record and the what-if counts
# with the values written below (worked out by hand from the fixture).
# Prints "ok"/"FAIL" per check and "N passed, N failed" last.
import json
import os
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/dmarcscope")
HERE = os.path.dirname(os.path.abspath(__file__))
DOM = "example.co.jp"
D0 = 1711929600  # 2024-04-01
DAY = 86400
passed = failed = 0


def ok(msg):
    global passed
    passed += 1
    print("ok   " + msg)


def ko(msg):
    global failed
    failed += 1
    print("FAIL " + msg)


def rec(ip, n, hfrom, dkim, spf, auth, reason=""):
    r = ("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
         "<disposition>none</disposition><dkim>%s</dkim><spf>%s</spf>%s</policy_evaluated></row>"
         "<identifiers><header_from>%s</header_from></identifiers><auth_results>%s</auth_results></record>"
         % (ip, n, dkim, spf, reason, hfrom, auth))
    return r


def report(day, pol, d):
    """One day's report: d has good, fail, svc, fwd, spoof, spoof_sub counts."""
    b = D0 + day * DAY
    out = ['<?xml version="1.0" encoding="UTF-8"?><feedback><version>1.0</version>'
           "<report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email>"
           "<report_id>r-%d</report_id><date_range><begin>%d</begin><end>%d</end></date_range>"
           "</report_metadata><policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf>%s"
           "</policy_published>" % (day, b, b + DAY - 1, DOM, pol)]
    ok_auth = ("<dkim><domain>%s</domain><selector>s1</selector><result>pass</result></dkim>"
               "<spf><domain>%s</domain><result>pass</result></spf>" % (DOM, DOM))
    fail_auth = "<spf><domain>bounce.example.net</domain><result>fail</result></spf>"
    if d.get("good"):
        out.append(rec("192.0.2.10", d["good"], DOM, "pass", "pass", ok_auth))
    if d.get("fail"):
        out.append(rec("192.0.2.10", d["fail"], DOM, "fail", "fail", fail_auth))
    if d.get("svc"):
        out.append(rec("198.51.100.20", d["svc"], DOM, "fail", "fail",
                       "<dkim><domain>sendgrid.net</domain><selector>s1</selector><result>pass</result></dkim>"
                       "<spf><domain>sendgrid.net</domain><result>pass</result></spf>"))
    if d.get("fwd"):
        out.append(rec("203.0.113.50", d["fwd"], DOM, "fail", "fail",
                       "<dkim><domain>%s</domain><selector>s1</selector><result>fail</result></dkim>"
                       "<spf><domain>lists.example.org</domain><result>pass</result></spf>" % DOM,
                       "<reason><type>forwarded</type></reason>"))
    if d.get("spoof"):
        out.append(rec("203.0.113.66", d["spoof"], DOM, "fail", "fail", fail_auth))
    if d.get("spoof_sub"):
        out.append(rec("203.0.113.67", d["spoof_sub"], "mail." + DOM, "fail", "fail", fail_auth))
    out.append("</feedback>\n")
    return "".join(out)


def get(j, path):
    for k in path.split("."):
        if isinstance(j, list):
            j = j[int(k)]
        else:
            j = j.get(k) if j is not None else None
    return j


def sender(j, kind, label=None):
    for s in j["senders"]:
        if s["kind"] == kind and (label is None or label in (s.get("value"), s.get("service"))):
            return s
    return None


PASS = {"good": 1000, "fwd": 10, "spoof": 5}
# name, policy_published, days (list of dicts, None = no report), args, dns record, checks
CASES = [
    ("p=none, every day passes", "<p>none</p><sp>none</sp><pct>100</pct>", [PASS] * 30, [], None, {
        "totals.legitimate": 30000, "totals.failing": 0, "totals.forwarded": 300, "totals.spoofing": 150,
        "totals.aligned_pct": 100.0, "ready.met": True, "ready.met_since": "2024-04-01", "ready.run_days": 30,
        "policy.source": "reports", "policy.record": "v=DMARC1; p=none",
        "next.step": "quarantine_test", "next.record": "v=DMARC1; p=quarantine; t=y",
        # t=y: receivers apply none instead of quarantine
        "whatif.next.spoofing_suspected.quarantined": 0, "whatif.next.spoofing_suspected.failing": 150,
        "whatif.current.forwarded.quarantined": 0,
    }),
    ("p=quarantine pct=50, own sender fails 0.2%", "<p>quarantine</p><sp>quarantine</sp><pct>50</pct>",
     [{"good": 998, "fail": 2, "fwd": 10, "spoof": 20}] * 30, [], None, {
        "totals.legitimate": 30000, "totals.failing": 60, "totals.failing_pct": 0.2, "ready.met": True,
        "ready.met_since": "2024-04-01", "policy.record": "v=DMARC1; p=quarantine; pct=50",
        "next.step": "raise_pct", "next.record": "v=DMARC1; p=quarantine",
        "whatif.next.auth_failure.quarantined": 60, "whatif.next.forwarded.quarantined": 300,
        "whatif.next.spoofing_suspected.quarantined": 600, "whatif.next.spoofing_suspected.rejected": 0,
        "whatif.current.auth_failure.quarantined": 30, "whatif.current.spoofing_suspected.quarantined": 300,
        "sender:192.0.2.0/24.failing": 60, "sender:192.0.2.0/24.legitimate": 30000,
        "sender:192.0.2.0/24.next.quarantined": 60,
    }),
    ("p=reject t=y (RFC 9989 test mode)", "<p>reject</p><sp>reject</sp><testing>y</testing>",
     [{"good": 500, "spoof": 10}] * 20, ["--since", "2024-04-01", "--until", "2024-04-20"], None, {
        "ready.met": True, "ready.run_days": 20, "policy.record": "v=DMARC1; p=reject; t=y",
        "next.step": "reject", "next.record": "v=DMARC1; p=reject",
        "whatif.current.spoofing_suspected.quarantined": 200, "whatif.current.spoofing_suspected.rejected": 0,
        "whatif.next.spoofing_suspected.rejected": 200, "whatif.next.spoofing_suspected.quarantined": 0,
    }),
    ("never meets 99.5% (a known service fails 1%)", "<p>none</p><sp>none</sp><pct>100</pct>",
     [{"good": 990, "svc": 10, "spoof": 3}] * 30, [], None, {
        "totals.legitimate": 30000, "totals.failing": 300, "totals.failing_pct": 1.0, "totals.aligned_pct": 99.0,
        "ready.met": False, "ready.met_since": None, "ready.run_days": 0, "ready.reason": "below_threshold",
        "ready.aligned_pct_14": 99.0, "ready.gap_pct": 0.5, "ready.legitimate_14": 14000,
        "ready.failing_14": 140, "ready.to_fix": 70,
        "service:Twilio SendGrid.failing": 300, "service:Twilio SendGrid.failing_pct": 100.0,
        "next.step": "quarantine_test",
    }),
    ("the same with --threshold 99", "<p>none</p><sp>none</sp><pct>100</pct>",
     [{"good": 990, "svc": 10}] * 30, ["--threshold", "99"], None, {
        "threshold": 99.0, "ready.met": True, "ready.met_since": "2024-04-01", "ready.to_fix": 0,
    }),
    ("a gap of two days 10 days before the end", "<p>quarantine</p><sp>quarantine</sp><pct>100</pct>",
     [PASS] * 18 + [None, None] + [PASS] * 10, [], None, {
        "ready.met": False, "ready.run_days": 10, "ready.reason": "gap", "ready.last_day": "2024-04-30",
        "days.18.reported": False, "days.18.aligned_pct": None, "days.20.reported": True,
        "totals.legitimate": 28000, "next.step": "reject_test", "next.record": "v=DMARC1; p=reject; t=y",
        "whatif.next.spoofing_suspected.quarantined": 140, "whatif.next.spoofing_suspected.rejected": 0,
        "whatif.current.forwarded.quarantined": 280,
    }),
    ("a gap early: met since the day after it", "<p>quarantine</p><sp>quarantine</sp><pct>100</pct>",
     [PASS] * 4 + [None] + [PASS] * 25, [], None, {
        "ready.met": True, "ready.met_since": "2024-04-06", "ready.run_days": 25,
    }),
    ("10 days of reports only", "<p>none</p><sp>none</sp><pct>100</pct>",
     [None] * 20 + [PASS] * 10, [], None, {
        "ready.met": False, "ready.run_days": 10, "ready.reason": "short_history",
    }),
    ("a bad day 5 days before the end", "<p>none</p><sp>none</sp><pct>100</pct>",
     [PASS] * 25 + [{"good": 900, "fail": 100}] + [PASS] * 4, [], None, {
        "ready.met": False, "ready.run_days": 4, "ready.reason": "below_threshold", "days.25.met": False,
        "days.25.aligned_pct": 90.0,
    }),
    ("the DNS record's other tags are kept", "<p>none</p><sp>none</sp><pct>100</pct>", [PASS] * 30, [],
     "v=DMARC1; p=none; rua=mailto:dmarc@example.co.jp; ruf=mailto:f@example.co.jp; fo=1; adkim=s", {
        "policy.source": "dns", "next.step": "quarantine_test",
        "next.record": "v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc@example.co.jp; "
                       "ruf=mailto:f@example.co.jp; fo=1; adkim=s",
    }),
    ("p=reject, sp=none: subdomain mail is not stopped", "<p>reject</p><sp>none</sp><pct>100</pct>",
     [{"good": 100, "spoof": 5, "spoof_sub": 7}] * 30, [], None, {
        "policy.record": "v=DMARC1; p=reject; sp=none", "next.step": "done", "next.changed": False,
        "whatif.current.spoofing_suspected.failing": 360, "whatif.current.spoofing_suspected.rejected": 150,
        "whatif.current.spoofing_suspected.quarantined": 0, "other.spoofing": 360, "other.next.rejected": 150,
    }),
    ("p=quarantine pct=25 with a DNS record: pct 25 -> 50", "<p>quarantine</p><pct>25</pct>",
     [{"good": 100, "spoof": 4}] * 30, [],
     "v=DMARC1; p=quarantine; pct=25; rua=mailto:agg@report.example.net", {
        "next.step": "raise_pct", "next.record": "v=DMARC1; p=quarantine; pct=50; rua=mailto:agg@report.example.net",
        "whatif.current.spoofing_suspected.quarantined": 30, "whatif.next.spoofing_suspected.quarantined": 60,
    }),
    ("--days 7 and --max-records 5: the breakdown is cut", "<p>none</p><sp>none</sp><pct>100</pct>",
     [PASS] * 30, ["--days", "7", "--max-records", "5"], None, {
        "since": "2024-04-24", "until": "2024-04-30", "totals.legitimate": 7000, "records.cut": True,
        "ready.met": True, "ready.met_since": "2024-04-01",
    }),
]


def check(name, j, path, want):
    if path.startswith(("sender:", "service:", "other.")):
        if path.startswith("other."):
            s, rest = sender(j, "other"), path[len("other."):]
        else:
            kind, rest = path.split(":", 1)
            label, rest = rest.rsplit(".", 1) if rest.count(".") == 1 or kind == "service" else (None, None)
            if kind == "sender":
                # the label holds dots: the last one or two parts are the key
                for k in ("next.quarantined", "next.rejected", "failing", "legitimate"):
                    if path.endswith("." + k):
                        label, rest = path[len("sender:"):-len(k) - 1], k
                s = sender(j, "sender", label)
            else:
                s = sender(j, "service", label)
        got = get(s, rest) if s is not None else "<no such sender>"
    else:
        got = get(j, path)
    if got == want:
        ok("%s: %s = %r" % (name, path, want))
    else:
        ko("%s: %s = %r, wanted %r" % (name, path, got, want))


def build(db, env):
    """--build DB: the screen's database (tests/ready/run.sh, ready.mjs): p=none published with
    rua/ruf in the DNS check history; SendGrid failing 2% for 12 days, then fixed; forwarded
    mail and spoofing every day, a few spoofed subdomain messages, one own failure on
    2024-04-26.  Met since 2024-04-13 at 99.5%, not at 100%."""
    with tempfile.TemporaryDirectory() as t:
        run = lambda a: subprocess.run([BIN, "--db", db, "-q"] + a, env=env, capture_output=True, text=True)
        r = run(["senders", "add", "--domain", DOM, "--internal", "--cidr", "192.0.2.0/24", "--note", "mail.example.co.jp"])
        if r.returncode != 0:
            sys.exit("senders add: " + r.stderr)
        files = []
        for i in range(30):
            d = {"good": 4800 + 37 * (i % 5), "svc": 100 if i < 12 else 0, "fwd": 40 + i % 3, "spoof": 120 + 9 * (i % 4),
                 "spoof_sub": 6, "fail": 3 if i == 5 else 1 if i == 25 else 0}
            f = os.path.join(t, "%d.xml" % i)
            with open(f, "w") as fh:
                fh.write(report(i, "<p>none</p><sp>none</sp><pct>100</pct>", d))
            files.append(f)
        r = run(["ingest"] + files)
        if r.returncode != 0:
            sys.exit("ingest: " + r.stderr)
    sql = ("INSERT INTO dns_records(policy_domain, kind, name, text, first_seen, last_seen) VALUES ('%s', 'dmarc', "
           "'_dmarc.%s', 'v=DMARC1; p=none; rua=mailto:dmarc-rua@example.co.jp; ruf=mailto:dmarc-ruf@example.co.jp; "
           "fo=1', %d, %d)" % (DOM, DOM, D0, D0 + 30 * DAY))
    r = subprocess.run(["sqlite3", db, sql], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("sqlite3: " + r.stderr)
    return 0


def main():
    env = dict(os.environ, LANG="C", DMARCSCOPE_SERVICES=os.path.join(HERE, "../../data/services.csv"))
    env.pop("DMARCSCOPE_DB", None)
    if len(sys.argv) > 3 and sys.argv[2] == "--build":
        return build(sys.argv[3], env)
    with tempfile.TemporaryDirectory() as t:
        for n, (name, pol, days, args, dns, checks) in enumerate(CASES):
            db = os.path.join(t, "%d.db" % n)
            r = subprocess.run([BIN, "--db", db, "-q", "senders", "add", "--domain", DOM, "--internal",
                                "--cidr", "192.0.2.0/24"], env=env, capture_output=True, text=True)
            if r.returncode != 0:
                ko("%s: senders add: %s" % (name, r.stderr.strip()))
                continue
            files = []
            for i, d in enumerate(days):
                if d is None:
                    continue
                f = os.path.join(t, "%d-%d.xml" % (n, i))
                with open(f, "w") as fh:
                    fh.write(report(i, pol, d))
                files.append(f)
            r = subprocess.run([BIN, "--db", db, "-q", "ingest"] + files, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                ko("%s: ingest: %s" % (name, r.stderr.strip()))
                continue
            if dns:
                sql = ("INSERT INTO dns_records(policy_domain, kind, name, text, first_seen, last_seen) "
                       "VALUES ('%s', 'dmarc', '_dmarc.%s', '%s', %d, %d)" % (DOM, DOM, dns, D0, D0 + 30 * DAY))
                r = subprocess.run(["sqlite3", db, sql], env=env, capture_output=True, text=True)
                if r.returncode != 0:
                    ko("%s: sqlite3: %s" % (name, r.stderr.strip()))
                    continue
            r = subprocess.run([BIN, "--db", db, "readiness", DOM, "--json"] + args, env=env,
                               capture_output=True, text=True)
            if r.returncode != 0:
                ko("%s: readiness: %s" % (name, r.stderr.strip()))
                continue
            j = json.loads(r.stdout)
            for path, want in checks.items():
                check(name, j, path, want)
            # every case: the text output in both languages names the next record
            for lang in ("en", "ja"):
                r = subprocess.run([BIN, "--db", db, "readiness", DOM, "--lang", lang] + args, env=env,
                                   capture_output=True, text=True)
                if r.returncode == 0 and j["next"]["record"] in r.stdout:
                    ok("%s: text (%s) shows the next record" % (name, lang))
                else:
                    ko("%s: text (%s): rc %d %s" % (name, lang, r.returncode, r.stderr.strip()))
    # usage errors
    for args in (["--threshold", "101"], ["--threshold", "x"], ["--days", "0"], ["--since", "2024-13-01"]):
        r = subprocess.run([BIN, "--db", os.path.join(t if False else "/nonexistent", "x.db"), "readiness", DOM]
                           + args, env=env, capture_output=True, text=True)
        if r.returncode == 2:
            ok("usage: %s refused" % " ".join(args))
        else:
            ko("usage: %s: rc %d" % (" ".join(args), r.returncode))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
