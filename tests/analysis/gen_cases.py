#!/usr/bin/env python3
"""gen_cases.py - write the end-to-end analysis cases under tests/analysis/cases/.

    python3 tests/analysis/gen_cases.py          (rewrites every case directory)

Every case is one entry of CASES below; this script is the only source of the
files, and it is deterministic (no clock, no randomness), so the generated
files are committed and `git diff` after a re-run shows exactly what changed.
A case directory holds:

  report.xml          an RFC 7489 aggregate report (unique report_id per case);
  report-N.xml        more reports, ingested after report.xml in order;
  setup.sql           optional rows for the `hosts` table (what enrichment would
                      have found: PTR name, AS number), applied before ingest;
  senders             optional: one `dmarcscope senders add` per line, prefixed
                      with `before` or `after` (ingest); shell quoting;
  expect.json         a subset of `dmarcscope stats --json --domain D`, plus the
                      reserved keys described in run.py ("mismatches", "_before",
                      "_domain", "_about", "_known_bug").

The expected values are worked out by hand from docs/CLASSIFICATION.md (the
rule that applies is named in each case's "_about"), never copied from the
program's output.

Times: every report starts on 2024-04-01 00:00:00 UTC unless it says otherwise.
Addresses: documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32), except where a real provider's address is the point (Google's
209.85.220.0/24, SendGrid's 167.89.0.0/16); those come with the PTR a real
lookup would give, in setup.sql.
"""
import json
import os
import shutil
import sys
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases")

DAY = 86400
D0 = 1711929600          # 2024-04-01 00:00:00 UTC
DOM = "example.co.jp"


# ---- building blocks -------------------------------------------------------------------

def rec(ip, count, disp="none", pe_dkim="fail", pe_spf="fail", hfrom=DOM, env=None,
        dkim=(), spf=(), reasons=()):
    """One <record>.  dkim: (domain, selector, result); spf: (domain, scope, result);
    reasons: (type, comment or None).  env defaults to the first SPF domain."""
    if env is None:
        env = spf[0][0] if spf else hfrom
    return dict(ip=ip, count=count, disp=disp, pe_dkim=pe_dkim, pe_spf=pe_spf, hfrom=hfrom,
                env=env, dkim=list(dkim), spf=list(spf), reasons=list(reasons))


def aligned(ip, count, disp="none", hfrom=DOM):
    """Your own server: SPF and DKIM pass for the header From domain."""
    return rec(ip, count, disp, "pass", "pass", hfrom=hfrom,
               dkim=[(hfrom, "s1", "pass")], spf=[(hfrom, "mfrom", "pass")])


def report(rid, records, org="google.com", email="noreply-dmarc-support@google.com",
           begin=D0, end=None, domain=DOM, adkim="r", aspf="r", p="reject", sp=None, pct=100,
           raw_begin=None):
    return dict(rid=rid, records=records, org=org, email=email, begin=begin,
                end=end if end is not None else begin + DAY - 1, domain=domain, adkim=adkim,
                aspf=aspf, p=p, sp=sp if sp is not None else p, pct=pct, raw_begin=raw_begin)


def host(ip, ptr=None, asn=None, fcrdns=1):
    return (ip, ptr, asn, fcrdns)


def zeros():
    return [[0, 0, 0], [0, 0, 0], [0, 0, 0]]


def mx(cells):
    """A 3x3 count matrix from {(spf_row, dkim_col): n}; 0 aligned, 1 unaligned, 2 fail."""
    m = zeros()
    for (i, j), n in cells.items():
        m[i][j] = n
    return m


def matrix(all_=None, internal=None, third_party=None, unauthorized=None):
    out = {}
    for k, v in (("all", all_), ("internal", internal), ("third_party", third_party),
                 ("unauthorized", unauthorized)):
        if v is not None:
            out[k] = {"count": mx(v) if isinstance(v, dict) else v}
    return out


def classes(normal=0, forwarded=0, auth_failure=0, spoofing=0):
    return {"normal": normal, "forwarded": forwarded, "auth_failure": auth_failure,
            "spoofing_suspected": spoofing}


def paths(normal=0, forwarded=0, forwarded_no_dkim=0, ml_own=0, ml_other=0, spoofing=0):
    return {"normal": normal, "forwarded": forwarded, "forwarded_no_dkim": forwarded_no_dkim,
            "ml_own": ml_own, "ml_other": ml_other, "spoofing": spoofing}


def dispositions(none=0, pass_=0, quarantine=0, reject=0):
    return {"none": none, "pass": pass_, "quarantine": quarantine, "reject": reject}


def day(date, messages, normal=0, forwarded=0, auth_failure=0, spoofing=0):
    return {"date": date, "messages": messages, "dmarc_pass": normal, "normal": normal,
            "forwarded": forwarded, "auth_failure": auth_failure,
            "spoofing_suspected": spoofing}


def rid(n, k=None):
    return "dmarcscope-analysis-%04d%s" % (n, "" if k is None else "-%d" % k)


# ---- the cases ---------------------------------------------------------------------------

CASES = []


def case(num, name, about, reports, expect, setup=(), senders=(), domain=DOM, known_bug=None):
    CASES.append(dict(num=num, name=name, about=about, reports=reports, expect=expect,
                      setup=list(setup), senders=list(senders), domain=domain,
                      known_bug=known_bug))


GOOGLE_FWD = host("209.85.220.41", "mail-sor-f41.google.com")

# -- the six JIPDEC path cases (docs/CLASSIFICATION.md §4) --

case(1, "jipdec-normal",
     "JIPDEC normal: your own server (My Senders, internal CIDR registered before ingest), "
     "SPF and DKIM pass and aligned, p=reject, disposition none: P3 normal/normal.",
     [report(rid(1), [aligned("192.0.2.10", 12)])],
     {"messages": 12, "records": 1, "dmarc_pass": 12, "spf_aligned": 12, "dkim_aligned": 12,
      "classes": classes(normal=12), "paths": paths(normal=12),
      "dispositions": dispositions(none=12),
      "matrix": matrix({(0, 0): 12}, {(0, 0): 12}, {}, {}),
      "daily": [day("2024-04-01", 12, normal=12)],
      "senders_registered": 1,
      "guidance": {"current_policy": "reject", "next_step": "stay"}},
     senders=["before --domain example.co.jp --internal --cidr 192.0.2.0/24"])

case(2, "jipdec-forwarded",
     "JIPDEC forwarded: Gmail forwarding (PTR mail-sor-f41.google.com, Google forwards=yes), "
     "SPF fails at the forwarder's IP, DKIM survived and is aligned: DMARC pass, P2 "
     "normal/forwarded.",
     [report(rid(2), [rec("209.85.220.41", 7, "none", "pass", "fail", env=DOM,
                          dkim=[(DOM, "s1", "pass")], spf=[(DOM, "mfrom", "fail")])])],
     {"messages": 7, "dmarc_pass": 7, "spf_aligned": 0, "dkim_aligned": 7,
      "classes": classes(normal=7), "paths": paths(forwarded=7),
      "matrix": matrix({(2, 0): 7}, {}, {}, {(2, 0): 7}),
      "top_sources": [{"prefix": "209.85.220.0/24", "messages": 7, "spf_aligned": 0,
                       "dkim_aligned": 7, "dmarc_pass": 7, "spoofing_suspected": 0}]},
     setup=[GOOGLE_FWD])

case(3, "jipdec-forwarded-no-dkim",
     "JIPDEC forwarded without DKIM: via Google (PTR mail-sor-f69.google.com), SPF fail, no "
     "signature, p=reject so disposition reject: F4 relay without an aligned signature, "
     "forwarded/forwarded_no_dkim.",
     [report(rid(3), [rec("209.85.220.69", 4, "reject", "fail", "fail",
                          spf=[(DOM, "mfrom", "fail")])])],
     {"messages": 4, "dmarc_pass": 0, "spf_aligned": 0, "dkim_aligned": 0,
      "classes": classes(forwarded=4), "paths": paths(forwarded_no_dkim=4),
      "dispositions": dispositions(reject=4),
      "matrix": matrix({(2, 2): 4}, {}, {}, {(2, 2): 4})},
     setup=[host("209.85.220.69", "mail-sor-f69.google.com")])

case(4, "jipdec-ml-own",
     "JIPDEC mailing list on your own domain: your list server (registered by rDNS suffix "
     "lists.example.co.jp) re-sends with your envelope domain (SPF pass, aligned) but the "
     "changed body breaks your DKIM signature: P1 normal/ml_own.",
     [report(rid(4), [rec("192.0.2.80", 9, "none", "fail", "pass",
                          dkim=[(DOM, "s1", "fail")],
                          spf=[("lists.example.co.jp", "mfrom", "pass")])])],
     {"messages": 9, "dmarc_pass": 9, "spf_aligned": 9, "dkim_aligned": 0,
      "classes": classes(normal=9), "paths": paths(ml_own=9),
      "matrix": matrix({(0, 2): 9}, {(0, 2): 9}, {}, {})},
     setup=[host("192.0.2.80", "ml.lists.example.co.jp")],
     senders=["before --domain example.co.jp --internal --rdns lists.example.co.jp"])

case(5, "jipdec-ml-other-heuristic",
     "JIPDEC mailing list on another domain, found by the F5 heuristic: an unknown host, SPF "
     "pass for the list's envelope domain lists.example.org, your signature broken (an "
     "aligned d= that failed) next to the list's own passing signature; no reason given: "
     "F5 forwarded/ml_other.",
     [report(rid(5), [rec("203.0.113.25", 6, "reject", "fail", "fail",
                          dkim=[(DOM, "s1", "fail"), ("example.org", "list", "pass")],
                          spf=[("lists.example.org", "mfrom", "pass")])])],
     {"messages": 6, "dmarc_pass": 0, "spf_aligned": 0, "dkim_aligned": 0,
      "classes": classes(forwarded=6), "paths": paths(ml_other=6),
      "dispositions": dispositions(reject=6),
      "matrix": matrix({(1, 1): 6}, {}, {}, {(1, 1): 6})})

case(6, "jipdec-ml-other-reason",
     "JIPDEC mailing list on another domain, by the receiver's reason mailing_list (F1): no "
     "DKIM at all, SPF pass for the list's domain.  The same record without the reason "
     "(second record) is F7 spoofing, so the reason is what makes it ml_other.",
     [report(rid(6), [
         rec("203.0.113.26", 5, "none", "fail", "fail",
             spf=[("lists.example.org", "mfrom", "pass")],
             reasons=[("mailing_list", "list detected")]),
         rec("203.0.113.27", 2, "reject", "fail", "fail",
             spf=[("lists.example.org", "mfrom", "pass")])])],
     {"messages": 7, "dmarc_pass": 0,
      "classes": classes(forwarded=5, spoofing=2), "paths": paths(ml_other=5, spoofing=2),
      "dispositions": dispositions(none=5, reject=2),
      "matrix": matrix({(1, 2): 7}, {}, {}, {(1, 2): 7})})

case(7, "jipdec-spoofing",
     "JIPDEC spoofing: unknown hosts; SPF fail for your domain, SPF pass for the spoofer's "
     "own domain, SPF softfail (counts as fail) with a signature of the spoofer's d=: F7 "
     "spoofing_suspected/spoofing for all three.",
     [report(rid(7), [
         rec("198.51.100.66", 20, "reject", "fail", "fail", spf=[(DOM, "mfrom", "fail")]),
         rec("198.51.100.67", 3, "reject", "fail", "fail",
             spf=[("spoofer.example", "mfrom", "pass")]),
         rec("198.51.100.68", 2, "quarantine", "fail", "fail",
             dkim=[("spoofer.example", "x", "pass")], spf=[(DOM, "mfrom", "softfail")])])],
     {"messages": 25, "dmarc_pass": 0, "spf_aligned": 0, "dkim_aligned": 0,
      "classes": classes(spoofing=25), "paths": paths(spoofing=25),
      "dispositions": dispositions(reject=23, quarantine=2),
      "spoofing_suspected": 25,
      "matrix": matrix({(2, 2): 20, (1, 2): 3, (2, 1): 2}, {}, {},
                       {(2, 2): 20, (1, 2): 3, (2, 1): 2}),
      "top_sources": [{"prefix": "198.51.100.0/24", "messages": 25, "spf_aligned": 0,
                       "dmarc_pass": 0, "spoofing_suspected": 25}],
      "guidance": {"what_if": {"reject": {"spoofing_stopped": 25, "my_senders": 0},
                               "quarantine": {"spoofing_stopped": 25}}}})

# -- auth_failure and reclassification --

AUTHFAIL_REC = dict(disp="none", pe_dkim="fail", pe_spf="fail",
                    spf=[(DOM, "mfrom", "softfail")])

case(8, "auth-failure-my-senders-before",
     "A registered internal CIDR (added before ingest) sends with SPF softfail and no DKIM: "
     "F3 auth_failure/normal; the what-if counts it as your own mail that enforcement "
     "would hit, and the next step is to fix the senders.",
     [report(rid(8), [rec("192.0.2.20", 8, **AUTHFAIL_REC)], p="none")],
     {"messages": 8, "dmarc_pass": 0,
      "classes": classes(auth_failure=8), "paths": paths(normal=8),
      "matrix": matrix({(2, 2): 8}, {(2, 2): 8}, {}, {}),
      "guidance": {"current_policy": "none", "next_step": "fix_senders",
                   "what_if": {"quarantine": {"my_senders": 8, "known_services": 0,
                                              "auth_failure": 8, "spoofing_stopped": 0}}}},
     senders=["before --domain example.co.jp --internal --cidr 192.0.2.0/24"])

case(9, "reclassify-after-ingest",
     "The record of case 0008, but the CIDR is registered AFTER ingest: right after ingest "
     "it is F7 spoofing (_before); `senders add` reanalyses the domain and it becomes F3 "
     "auth_failure, in the classes, the paths and the matrices.",
     [report(rid(9), [rec("192.0.2.21", 8, **AUTHFAIL_REC)], p="none")],
     {"_before": {"messages": 8, "classes": classes(spoofing=8), "paths": paths(spoofing=8),
                  "matrix": matrix({(2, 2): 8}, zeros(), zeros(), {(2, 2): 8}),
                  "senders_registered": 0, "spoofing_suspected": 8},
      "messages": 8, "classes": classes(auth_failure=8), "paths": paths(normal=8),
      "matrix": matrix({(2, 2): 8}, {(2, 2): 8}, {}, {}),
      "senders_registered": 1, "spoofing_suspected": 0,
      "top_sources": [{"prefix": "192.0.2.0/24", "messages": 8, "spoofing_suspected": 0}]},
     senders=["after --domain example.co.jp --internal --cidr 192.0.2.0/24"])

case(10, "auth-failure-known-esp-sendgrid",
     "An unregistered host of a known ESP: nothing in `hosts`, SPF pass for sendgrid.net "
     "(data/services.csv: Twilio SendGrid, transactional, forwards=no) names the service; "
     "no DKIM: F6 auth_failure/normal, counted under known services in the what-if.",
     [report(rid(10), [rec("167.89.12.34", 15, "none", "fail", "fail",
                           spf=[("sendgrid.net", "mfrom", "pass")])], p="none")],
     {"messages": 15, "dmarc_pass": 0, "spf_aligned": 0,
      "classes": classes(auth_failure=15), "paths": paths(normal=15),
      "matrix": matrix({(1, 2): 15}, {}, {}, {(1, 2): 15}),
      "senders_registered": 0,
      "guidance": {"what_if": {"quarantine": {"my_senders": 0, "known_services": 15}}}})

case(11, "reason-forwarded-override",
     "The receiver's override reasons on failing mail from unknown hosts: forwarded with a "
     "broken aligned signature → F2 forwarded/forwarded; trusted_forwarder without DKIM → "
     "F2 forwarded/forwarded_no_dkim.",
     [report(rid(11), [
         rec("198.51.100.200", 4, "none", "fail", "fail", dkim=[(DOM, "s1", "fail")],
             spf=[(DOM, "mfrom", "fail")], reasons=[("forwarded", None)]),
         rec("198.51.100.201", 3, "none", "fail", "fail", spf=[(DOM, "mfrom", "fail")],
             reasons=[("trusted_forwarder", "arc=pass")])])],
     {"messages": 7, "dmarc_pass": 0,
      "classes": classes(forwarded=7), "paths": paths(forwarded=4, forwarded_no_dkim=3),
      "dispositions": dispositions(none=7)})

# -- alignment: relaxed / strict, PSL --

RELAXED_RECS = [
    rec("198.51.100.30", 10, "none", "pass", "fail", dkim=[("mail.example.co.jp", "s1", "pass")],
        spf=[("mailer.example.net", "mfrom", "pass")]),
]

case(12, "dkim-relaxed-aligned",
     "adkim=r: a passing signature d=mail.example.co.jp aligns with From example.co.jp "
     "(same organizational domain); SPF passes for the ESP's own envelope (not aligned), "
     "from an unknown host, so P2 does not fire: P3 normal/normal.",
     [report(rid(12), RELAXED_RECS, adkim="r")],
     {"messages": 10, "dmarc_pass": 10, "dkim_aligned": 10, "spf_aligned": 0,
      "classes": classes(normal=10), "paths": paths(normal=10),
      "matrix": matrix({(1, 0): 10}), "mismatches": 0})

case(13, "dkim-strict-not-aligned",
     "adkim=s: the same d=mail.example.co.jp signature does not align with example.co.jp "
     "(strict needs identical domains), so nothing aligns: F7 spoofing.  A second record "
     "signed with d=example.co.jp itself does align under strict.",
     [report(rid(13), [
         rec("198.51.100.30", 10, "reject", "fail", "fail",
             dkim=[("mail.example.co.jp", "s1", "pass")],
             spf=[("mailer.example.net", "mfrom", "pass")]),
         rec("198.51.100.31", 2, "none", "pass", "fail", dkim=[(DOM, "s1", "pass")],
             spf=[("mailer.example.net", "mfrom", "pass")])], adkim="s")],
     {"messages": 12, "dmarc_pass": 2, "dkim_aligned": 2, "spf_aligned": 0,
      "classes": classes(normal=2, spoofing=10), "paths": paths(normal=2, spoofing=10),
      "matrix": matrix({(1, 1): 10, (1, 0): 2}), "mismatches": 0,
      "policy_history": [{"adkim": "s", "aspf": "r", "p": "reject", "reports": 1}]})

case(14, "psl-spf-subdomain-relaxed",
     "aspf=r: SPF pass for bounce.example.co.jp aligns with From example.co.jp (the PSL "
     "makes example.co.jp the organizational domain of both): P3 normal.",
     [report(rid(14), [rec("198.51.100.40", 6, "none", "fail", "pass",
                           spf=[("bounce.example.co.jp", "mfrom", "pass")])], aspf="r")],
     {"messages": 6, "dmarc_pass": 6, "spf_aligned": 6, "dkim_aligned": 0,
      "classes": classes(normal=6), "paths": paths(normal=6),
      "matrix": matrix({(0, 2): 6}), "mismatches": 0})

case(15, "psl-spf-subdomain-strict",
     "aspf=s: SPF pass for bounce.example.co.jp does not align with example.co.jp: SPF "
     "pass_unaligned, no DKIM, unknown host: F7 spoofing.",
     [report(rid(15), [rec("198.51.100.40", 6, "reject", "fail", "fail",
                           spf=[("bounce.example.co.jp", "mfrom", "pass")])], aspf="s")],
     {"messages": 6, "dmarc_pass": 0, "spf_aligned": 0,
      "classes": classes(spoofing=6), "matrix": matrix({(1, 2): 6}), "mismatches": 0})

case(16, "psl-co-jp-public-suffix",
     "From example.co.jp, SPF and DKIM pass for other.co.jp: co.jp is a public suffix, so "
     "other.co.jp is another organization (a naive last-two-labels rule would call both "
     "co.jp and align them): nothing aligned, F7 spoofing.",
     [report(rid(16), [rec("198.51.100.50", 5, "reject", "fail", "fail",
                           dkim=[("other.co.jp", "s", "pass")],
                           spf=[("other.co.jp", "mfrom", "pass")])])],
     {"messages": 5, "dmarc_pass": 0, "spf_aligned": 0, "dkim_aligned": 0,
      "classes": classes(spoofing=5), "matrix": matrix({(1, 1): 5}), "mismatches": 0})

case(17, "psl-ac-jp-subdomain",
     "Policy domain example.ac.jp (ac.jp is a public suffix): SPF mx.example.ac.jp and DKIM "
     "lab.example.ac.jp align with From example.ac.jp; From sub.example.ac.jp aligns with "
     "example.ac.jp; other.ac.jp aligns with nothing (F7).",
     [report(rid(17), [
         rec("192.0.2.60", 4, "none", "pass", "pass", hfrom="example.ac.jp",
             dkim=[("lab.example.ac.jp", "s1", "pass")],
             spf=[("mx.example.ac.jp", "mfrom", "pass")]),
         rec("192.0.2.61", 3, "none", "pass", "pass", hfrom="sub.example.ac.jp",
             dkim=[("example.ac.jp", "s1", "pass")], spf=[("example.ac.jp", "mfrom", "pass")]),
         rec("192.0.2.62", 2, "reject", "fail", "fail", hfrom="example.ac.jp",
             dkim=[("other.ac.jp", "s1", "pass")], spf=[("other.ac.jp", "mfrom", "pass")])],
         domain="example.ac.jp")],
     {"domain": "example.ac.jp", "messages": 9, "dmarc_pass": 7, "spf_aligned": 7,
      "dkim_aligned": 7, "classes": classes(normal=7, spoofing=2),
      "matrix": matrix({(0, 0): 7, (1, 1): 2}), "mismatches": 0},
     domain="example.ac.jp")

# -- rollups: spreading, sources, reporters, policy --

case(18, "three-day-spread",
     "A report covering three whole UTC days (end = last second): 100 aligned messages "
     "spread 33/33/34 and 7 spoofed ones 2/2/3 (cumulative rounding, exact sums); the "
     "records count once, on the first day.",
     [report(rid(18), [aligned("192.0.2.70", 100),
                       rec("198.51.100.70", 7, "reject", spf=[(DOM, "mfrom", "fail")])],
             end=D0 + 3 * DAY - 1)],
     {"messages": 107, "records": 2, "dmarc_pass": 100,
      "classes": classes(normal=100, spoofing=7),
      "period": {"first_day": "2024-04-01", "last_day": "2024-04-03"},
      "daily": [day("2024-04-01", 35, normal=33, spoofing=2),
                day("2024-04-02", 35, normal=33, spoofing=2),
                day("2024-04-03", 37, normal=34, spoofing=3)],
      "reporters": [{"org": "google.com", "reports": 1, "messages": 107}], "reports": 1,
      "top_sources": [{"prefix": "192.0.2.0/24", "messages": 100},
                      {"prefix": "198.51.100.0/24", "messages": 7}]})

case(19, "reporter-verdict-mismatch",
     "The reporter says policy_evaluated dkim=pass but its own auth results show the "
     "example.co.jp signature failed (and SPF failed): we trust the reporter's pass (P3 "
     "normal) but list the record in `mismatches`; a record where both agree is not listed.",
     [report(rid(19), [
         rec("192.0.2.90", 6, "none", "pass", "fail", dkim=[(DOM, "s1", "fail")],
             spf=[(DOM, "mfrom", "fail")]),
         aligned("192.0.2.91", 2)])],
     {"messages": 8, "dmarc_pass": 8, "dmarc_pass_reporter": 8, "dkim_aligned": 2,
      "spf_aligned": 2, "classes": classes(normal=8), "paths": paths(normal=8),
      "mismatches": [{"source_ip": "192.0.2.90", "count": 6, "header_from": DOM,
                      "reporter_dkim": "pass", "reporter_spf": "fail",
                      "our_dkim": "fail", "our_spf": "fail", "dkim_domain": DOM,
                      "spf_domain": DOM, "reporter": "google.com", "report_id": rid(19),
                      "date": "2024-04-01"}]})

case(20, "ipv6-top-sources",
     "Top sources group IPv6 by /48 and IPv4 by /24: two addresses of 2001:db8:abcd::/48 "
     "(one written in full, uncompressed) make one source of 8 (5 SPF aligned: 62.5%), "
     "ahead of 192.0.2.0/24 (5) and 2001:db8:abce::/48 (2).",
     [report(rid(20), [
         aligned("2001:0db8:abcd:0001:0000:0000:0000:0025", 5),
         rec("2001:db8:abcd:ffff::1", 3, "none", "pass", "fail", dkim=[(DOM, "s1", "pass")],
             spf=[(DOM, "mfrom", "fail")]),
         aligned("2001:db8:abce::1", 2),
         aligned("192.0.2.1", 1),
         aligned("192.0.2.200", 4)])],
     {"messages": 15, "dmarc_pass": 15,
      "top_sources": [
          {"prefix": "2001:db8:abcd::/48", "messages": 8, "spf_aligned": 5,
           "spf_aligned_pct": 62.5, "dkim_aligned": 8, "dkim_aligned_pct": 100.0,
           "dmarc_pass": 8, "spoofing_suspected": 0},
          {"prefix": "192.0.2.0/24", "messages": 5, "spf_aligned": 5,
           "spf_aligned_pct": 100.0},
          {"prefix": "2001:db8:abce::/48", "messages": 2}]})

MIXED = [
    aligned("192.0.2.10", 40),                                              # internal, normal
    rec("192.0.2.11", 3, spf=[(DOM, "mfrom", "fail")]),                     # internal, F3
    rec("167.89.1.1", 20, "none", "pass", "fail",                           # SendGrid signing
        dkim=[(DOM, "s1", "pass"), ("sendgrid.net", "smtpapi", "pass")],    # as you: normal
        spf=[("sendgrid.net", "mfrom", "pass")]),
    rec("167.89.1.2", 5, dkim=[("sendgrid.net", "smtpapi", "pass")],        # SendGrid without
        spf=[("sendgrid.net", "mfrom", "pass")]),                           # your DKIM: F3/F6
    rec("198.51.100.9", 7, "reject", spf=[("spoofer.example", "mfrom", "pass")]),   # F7
    rec("203.0.113.9", 2, "reject", dkim=[(DOM, "s1", "fail")],             # F7 (SPF fail,
        spf=[(DOM, "mfrom", "fail")]),                                      # so not F5)
    rec("209.85.220.50", 6, "none", "pass", "fail", dkim=[(DOM, "s1", "pass")],     # Gmail fwd:
        spf=[(DOM, "mfrom", "fail")]),                                      # P2 forwarded
]

case(21, "matrix-mixed",
     "Seven records, every matrix group: an internal CIDR (before ingest) with one passing "
     "and one failing source, SendGrid registered as third party by DKIM domain AFTER "
     "ingest (one source signing as you, one not), and unauthorized spoofers and a Gmail "
     "forwarder.  Before the third-party rule, the SendGrid sources sit in 'unauthorized' "
     "and the failing one is a known service (F6); after it, in 'third_party' (F3).",
     [report(rid(21), MIXED, p="none")],
     {"_before": {
         "messages": 83, "classes": classes(normal=66, auth_failure=8, spoofing=9),
         "matrix": matrix({(0, 0): 40, (1, 0): 20, (1, 1): 5, (1, 2): 7, (2, 0): 6,
                           (2, 2): 5},
                          {(0, 0): 40, (2, 2): 3}, zeros(),
                          {(1, 0): 20, (1, 1): 5, (1, 2): 7, (2, 0): 6, (2, 2): 2}),
         "senders_registered": 1,
         "guidance": {"what_if": {"quarantine": {"my_senders": 3, "known_services": 5}}}},
      "messages": 83, "records": 7, "dmarc_pass": 66, "spf_aligned": 40, "dkim_aligned": 66,
      "classes": classes(normal=66, auth_failure=8, spoofing=9),
      "paths": paths(normal=68, forwarded=6, spoofing=9),
      "matrix": matrix({(0, 0): 40, (1, 0): 20, (1, 1): 5, (1, 2): 7, (2, 0): 6, (2, 2): 5},
                       {(0, 0): 40, (2, 2): 3},
                       {(1, 0): 20, (1, 1): 5},
                       {(1, 2): 7, (2, 0): 6, (2, 2): 2}),
      "senders_registered": 2,
      "guidance": {"what_if": {"quarantine": {"my_senders": 8, "known_services": 0,
                                              "spoofing_stopped": 9, "forwarded": 0,
                                              "auth_failure": 8}}}},
     setup=[host("209.85.220.50", "mail-sor-f50.google.com")],
     senders=["before --domain example.co.jp --internal --cidr 192.0.2.0/24",
              "after --domain example.co.jp --third-party --dkim sendgrid.net"])

# -- guidance --

case(22, "guidance-ready-quarantine",
     "p=none, 15 days of reports (one report covering them), a registered internal sender, "
     "everything passes: the next step is p=quarantine, with that single reason.",
     [report(rid(22), [aligned("192.0.2.10", 150)], p="none", end=D0 + 15 * DAY - 1)],
     {"messages": 150, "period": {"first_day": "2024-04-01", "last_day": "2024-04-15"},
      "daily": [day("2024-04-%02d" % (i + 1), 10, normal=10) for i in range(15)],
      "guidance": {"current_policy": "none", "next_step": "quarantine",
                   "reasons": [{"code": "ready_quarantine"}]}},
     senders=["before --domain example.co.jp --internal --cidr 192.0.2.0/24"])

case(23, "guidance-quarantine-to-reject",
     "p=quarantine, 15 days, a registered sender: 2 of 1002 messages (0.2%, under 0.5%) "
     "are auth failures of your own sender, so the next step is p=reject.",
     [report(rid(23), [aligned("192.0.2.10", 1000),
                       rec("192.0.2.99", 2, "quarantine", spf=[(DOM, "mfrom", "fail")])],
             p="quarantine", end=D0 + 15 * DAY - 1)],
     {"messages": 1002, "classes": classes(normal=1000, auth_failure=2),
      "guidance": {"current_policy": "quarantine", "next_step": "reject",
                   "reasons": [{"code": "senders_failing"}, {"code": "ready_reject"}]}},
     senders=["before --domain example.co.jp --internal --cidr 192.0.2.0/24"])

case(24, "guidance-fix-senders",
     "p=none, 15 days, a registered sender failing for 10 of 100 messages (10%, over 2%): "
     "the next step is to fix the senders, not to enforce.",
     [report(rid(24), [aligned("192.0.2.10", 90),
                       rec("192.0.2.99", 10, spf=[(DOM, "mfrom", "fail")])],
             p="none", end=D0 + 15 * DAY - 1)],
     {"messages": 100, "classes": classes(normal=90, auth_failure=10),
      "guidance": {"current_policy": "none", "next_step": "fix_senders",
                   "reasons": [{"code": "senders_failing"}]}},
     senders=["before --domain example.co.jp --internal --cidr 192.0.2.0/24"])

case(25, "policy-history-and-reporters",
     "Three reports: google.com on 2024-04-01 with p=none, google.com and Yahoo on "
     "2024-04-02 with p=quarantine pct=50.  Policy history has two entries in time order; "
     "reporters are ordered by messages; the current policy is the latest.",
     [report(rid(25, 1), [aligned("192.0.2.10", 10)], p="none", sp="none"),
      report(rid(25, 2), [aligned("192.0.2.10", 20)], p="quarantine", sp="none", pct=50,
             begin=D0 + DAY),
      report(rid(25, 3), [aligned("192.0.2.11", 5)], org="Yahoo",
             email="dmarchelp@yahooinc.com", p="quarantine", sp="none", pct=50,
             begin=D0 + DAY)],
     {"messages": 35, "reports": 3,
      "reporters": [{"org": "google.com", "reports": 2, "messages": 30},
                    {"org": "Yahoo", "reports": 1, "messages": 5}],
      "policy_history": [
          {"p": "none", "sp": "none", "pct": 100, "first_seen": "2024-04-01",
           "last_seen": "2024-04-01", "reports": 1},
          {"p": "quarantine", "sp": "none", "pct": 50, "first_seen": "2024-04-02",
           "last_seen": "2024-04-02", "reports": 2}],
      "daily": [day("2024-04-01", 10, normal=10), day("2024-04-02", 25, normal=25)],
      "guidance": {"current_policy": "quarantine"}})

case(26, "other-domain-isolated",
     "A report for example.com (all spoofed) and a My Senders rule for example.com that "
     "covers every address: neither changes the statistics of example.co.jp.",
     [report(rid(26, 1), [aligned("192.0.2.10", 5)]),
      report(rid(26, 2), [rec("192.0.2.10", 50, "reject", hfrom="example.com",
                              spf=[("example.com", "mfrom", "fail")])], domain="example.com")],
     {"messages": 5, "records": 1, "dmarc_pass": 5, "classes": classes(normal=5),
      "senders_registered": 0, "reports": 1,
      "matrix": matrix({(0, 0): 5}, zeros(), zeros(), {(0, 0): 5})},
     senders=["before --domain example.com --internal --cidr 0.0.0.0/0"])

# -- facts and lookups --

case(27, "empty-header-from",
     "An empty header_from falls back to the policy domain: SPF and DKIM pass for "
     "example.co.jp align.",
     [report(rid(27), [rec("192.0.2.10", 3, "none", "pass", "pass", hfrom="", env=DOM,
                           dkim=[(DOM, "s1", "pass")], spf=[(DOM, "mfrom", "pass")])])],
     {"messages": 3, "dmarc_pass": 3, "spf_aligned": 3, "dkim_aligned": 3,
      "classes": classes(normal=3)})

case(28, "spf-helo-vs-mfrom",
     "SPF uses the mfrom result; helo only when there is no mfrom result (RFC 7489 §4.1): "
     "helo pass for example.co.jp next to an mfrom fail is not aligned (F7); a lone helo "
     "pass for example.co.jp is.",
     [report(rid(28), [
         rec("198.51.100.80", 4, "reject", "fail", "fail", env="other.example",
             spf=[(DOM, "helo", "pass"), ("other.example", "mfrom", "fail")]),
         rec("198.51.100.81", 2, "none", "fail", "pass", env=DOM, spf=[(DOM, "helo", "pass")])])],
     {"messages": 6, "dmarc_pass": 2, "spf_aligned": 2,
      "classes": classes(normal=2, spoofing=4), "matrix": matrix({(2, 2): 4, (0, 2): 2})})

case(29, "spf-no-domain-uses-envelope",
     "An SPF result without a domain is taken for envelope_from: pass with envelope_from "
     "example.co.jp aligns.",
     [report(rid(29), [rec("192.0.2.10", 3, "none", "fail", "pass", env=DOM,
                           spf=[("", "mfrom", "pass")])])],
     {"messages": 3, "dmarc_pass": 3, "spf_aligned": 3, "classes": classes(normal=3)})

case(30, "relay-by-asn",
     "A host with no PTR but AS15169 (Google, forwards=yes) in `hosts`: the AS number names "
     "the relay; SPF fail, no DKIM: F4 forwarded/forwarded_no_dkim.",
     [report(rid(30), [rec("74.125.0.5", 3, "reject", spf=[(DOM, "mfrom", "fail")])])],
     {"messages": 3, "classes": classes(forwarded=3), "paths": paths(forwarded_no_dkim=3)},
     setup=[host("74.125.0.5", None, 15169)])

case(31, "my-senders-rdns-label-boundary",
     "My Senders by rDNS suffix example.co.jp (before ingest): mta1.example.co.jp matches "
     "(F3 auth_failure), mta1.evilexample.co.jp does not (F7 spoofing).",
     [report(rid(31), [rec("203.0.113.5", 4, "none", spf=[(DOM, "mfrom", "fail")]),
                       rec("203.0.113.6", 3, "none", spf=[(DOM, "mfrom", "fail")])])],
     {"messages": 7, "classes": classes(auth_failure=4, spoofing=3),
      "matrix": matrix(None, {(2, 2): 4}, zeros(), {(2, 2): 3})},
     setup=[host("203.0.113.5", "mta1.example.co.jp"),
            host("203.0.113.6", "mta1.evilexample.co.jp")],
     senders=["before --domain example.co.jp --internal --rdns example.co.jp"])

case(32, "known-service-by-subdomain-and-dkim",
     "Known services named by a passing auth domain below the map's key: SPF pass for "
     "em1234.sendgrid.net (org domain sendgrid.net) and a passing DKIM d=mcsv.net "
     "(Mailchimp) with SPF fail: both F6 auth_failure.",
     [report(rid(32), [
         rec("167.89.55.1", 4, spf=[("em1234.sendgrid.net", "mfrom", "pass")]),
         rec("198.2.128.1", 3, dkim=[("mcsv.net", "k1", "pass")],
             spf=[(DOM, "mfrom", "fail")])], p="none")],
     {"messages": 7, "classes": classes(auth_failure=7), "paths": paths(normal=7),
      "guidance": {"what_if": {"quarantine": {"known_services": 7}}}})

case(33, "my-senders-service-after-ingest",
     "SendGrid registered AFTER ingest as a third party by service name (\"Twilio "
     "SendGrid\", from the service map): the failing record stays auth_failure but moves "
     "from F6 (known service, unauthorized) to F3 (third party).",
     [report(rid(33), [rec("167.89.12.35", 6, spf=[("sendgrid.net", "mfrom", "pass")])],
             p="none")],
     {"_before": {"classes": classes(auth_failure=6),
                  "matrix": matrix(None, zeros(), zeros(), {(1, 2): 6}),
                  "guidance": {"what_if": {"quarantine": {"my_senders": 0,
                                                          "known_services": 6}}}},
      "classes": classes(auth_failure=6),
      "matrix": matrix(None, zeros(), {(1, 2): 6}, zeros()),
      "guidance": {"what_if": {"quarantine": {"my_senders": 6, "known_services": 0}}}},
     senders=["after --domain example.co.jp --third-party --service 'Twilio SendGrid'"])

case(34, "policy-without-adkim-aspf",
     "A policy_published without adkim and aspf (both optional): alignment is relaxed, so "
     "DKIM d=mail.example.co.jp and SPF bounce.example.co.jp align with example.co.jp.",
     [report(rid(34), [rec("192.0.2.10", 4, "none", "pass", "pass",
                           dkim=[("mail.example.co.jp", "s1", "pass")],
                           spf=[("bounce.example.co.jp", "mfrom", "pass")])],
             adkim=None, aspf=None)],
     {"messages": 4, "dmarc_pass": 4, "spf_aligned": 4, "dkim_aligned": 4,
      "matrix": matrix({(0, 0): 4})})

case(35, "spf-non-pass-results-are-fail",
     "Anything but SPF pass is the fail category (softfail, neutral, none, temperror, "
     "permerror) even for the aligned domain; DKIM passes aligned, so each is DMARC pass via "
     "DKIM, and SPF fail from an unknown host makes it P2 normal/forwarded.",
     [report(rid(35), [
         rec("198.51.100.%d" % (110 + i), i + 1, "none", "pass", "fail",
             dkim=[(DOM, "s1", "pass")], spf=[(DOM, "mfrom", res)])
         for i, res in enumerate(("softfail", "neutral", "none", "temperror", "permerror"))])],
     {"messages": 15, "dmarc_pass": 15, "spf_aligned": 0, "dkim_aligned": 15,
      "classes": classes(normal=15), "paths": paths(forwarded=15),
      "matrix": matrix({(2, 0): 15}), "mismatches": 0})

# -- regressions: bugs found by these tests, fixed (each case names what was wrong) --

case(90, "regress-begin-near-int64-min",
     "A hostile report with <begin>-9223372036854775808</begin> is stored (with an error "
     "note), but analysis_spread() computes (begin - unit + 1) / unit, a signed overflow: "
     "UBSan aborts the ingest, and the release build drops the record's 5 messages from "
     "every rollup (stats say 0 while summary says 5).",
     [report(rid(90), [aligned("192.0.2.10", 5)], raw_begin="-9223372036854775808")],
     {"messages": 5, "classes": classes(normal=5)})

case(91, "regress-empty-report-reporters",
     "A report whose only record is invalid (skipped) counts in `reporters` at ingest "
     "(Yahoo: 1 report, 0 messages) but disappears when the domain is reanalysed, here by "
     "an unrelated `senders add` after ingest: analysis_rebuild_domain() rebuilds "
     "rollup_org from the records only.",
     [report(rid(91, 1), [aligned("192.0.2.10", 5)]),
      report(rid(91, 2), [rec("not-an-address", 3, spf=[(DOM, "mfrom", "fail")])],
             org="yahoo.com", email="dmarchelp@yahooinc.com")],
     {"_before": {"reports": 2,
                  "reporters": [{"org": "google.com", "reports": 1, "messages": 5},
                                {"org": "yahoo.com", "reports": 1, "messages": 0}]},
      "messages": 5, "reports": 2,
      "reporters": [{"org": "google.com", "reports": 1, "messages": 5},
                    {"org": "yahoo.com", "reports": 1, "messages": 0}]},
     senders=["after --domain example.co.jp --internal --cidr 203.0.113.0/24"])

case(92, "regress-data-on-day-zero",
     "A report covering 1970-01-01 and 1970-01-02 (begin 0; broken reporters send it): "
     "stats_build() uses first_day == 0 as 'unset', so day 0 is forgotten once day 1 is "
     "seen: period.first_day says 1970-01-02 and the daily series drops day 0's 5 "
     "messages (daily adds up to 5 of 10).",
     [report(rid(92), [aligned("192.0.2.10", 10)], begin=0, end=2 * DAY - 1)],
     {"messages": 10, "period": {"first_day": "1970-01-01", "last_day": "1970-01-02"},
      "daily": [day("1970-01-01", 5, normal=5), day("1970-01-02", 5, normal=5)]})

case(93, "regress-ipv4-mapped-source",
     "A reporter writes the source as an IPv4-mapped IPv6 address, ::ffff:192.0.2.10 (RFC "
     "4291 §2.5.5.2: an IPv4 host).  It is grouped into the source ::/48 with every other "
     "mapped address in the world, and the internal CIDR 192.0.2.0/24 does not match it, so "
     "your own server's failure is called spoofing.  Expected here: treated as 192.0.2.10.  "
     "(The spec does not say; this pins the behaviour we think is right.)",
     [report(rid(93), [rec("::ffff:192.0.2.10", 5, spf=[(DOM, "mfrom", "fail")])], p="none")],
     {"messages": 5, "classes": classes(auth_failure=5),
      "matrix": matrix(None, {(2, 2): 5}, zeros(), zeros()),
      "top_sources": [{"prefix": "192.0.2.0/24", "messages": 5}]},
     senders=["before --domain example.co.jp --internal --cidr 192.0.2.0/24"])


# ---- writers -----------------------------------------------------------------------------

def xml_report(r):
    o = []
    a = o.append
    a('<?xml version="1.0" encoding="UTF-8"?>')
    a("<feedback>")
    a("  <version>1.0</version>")
    a("  <report_metadata>")
    a("    <org_name>%s</org_name>" % escape(r["org"]))
    a("    <email>%s</email>" % escape(r["email"]))
    a("    <report_id>%s</report_id>" % escape(r["rid"]))
    a("    <date_range>")
    a("      <begin>%s</begin>" % (r["raw_begin"] if r["raw_begin"] is not None else r["begin"]))
    a("      <end>%d</end>" % r["end"])
    a("    </date_range>")
    a("  </report_metadata>")
    a("  <policy_published>")
    a("    <domain>%s</domain>" % escape(r["domain"]))
    if r["adkim"] is not None:
        a("    <adkim>%s</adkim>" % r["adkim"])
    if r["aspf"] is not None:
        a("    <aspf>%s</aspf>" % r["aspf"])
    a("    <p>%s</p>" % r["p"])
    a("    <sp>%s</sp>" % r["sp"])
    a("    <pct>%d</pct>" % r["pct"])
    a("    <fo>0</fo>")
    a("  </policy_published>")
    for x in r["records"]:
        a("  <record>")
        a("    <row>")
        a("      <source_ip>%s</source_ip>" % escape(x["ip"]))
        a("      <count>%d</count>" % x["count"])
        a("      <policy_evaluated>")
        a("        <disposition>%s</disposition>" % x["disp"])
        a("        <dkim>%s</dkim>" % x["pe_dkim"])
        a("        <spf>%s</spf>" % x["pe_spf"])
        for t, c in x["reasons"]:
            a("        <reason>")
            a("          <type>%s</type>" % t)
            if c is not None:
                a("          <comment>%s</comment>" % escape(c))
            a("        </reason>")
        a("      </policy_evaluated>")
        a("    </row>")
        a("    <identifiers>")
        a("      <envelope_from>%s</envelope_from>" % escape(x["env"]))
        a("      <header_from>%s</header_from>" % escape(x["hfrom"]))
        a("    </identifiers>")
        a("    <auth_results>")
        for d, s, res in x["dkim"]:
            a("      <dkim>")
            a("        <domain>%s</domain>" % escape(d))
            a("        <selector>%s</selector>" % escape(s))
            a("        <result>%s</result>" % res)
            a("      </dkim>")
        for d, scope, res in x["spf"]:
            a("      <spf>")
            a("        <domain>%s</domain>" % escape(d))
            a("        <scope>%s</scope>" % scope)
            a("        <result>%s</result>" % res)
            a("      </spf>")
        a("    </auth_results>")
        a("  </record>")
    a("</feedback>")
    return "\n".join(o) + "\n"


def sql_quote(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def base_domain(ptr):
    # only for the documentation column; the classifier reads ptr and asn
    if ptr is None:
        return None
    labels = ptr.split(".")
    n = 3 if ptr.endswith((".co.jp", ".ac.jp", ".ne.jp", ".or.jp")) else 2
    return ".".join(labels[-n:])


def setup_sql(hosts):
    lines = ["-- hosts rows for this case: what enrichment would have found."]
    for ip, ptr, asn, fcrdns in hosts:
        lines.append("INSERT INTO hosts(ip, ptr, fcrdns, base_domain, asn) VALUES (%s, %s, %s, "
                     "%s, %s);" % (sql_quote(ip), sql_quote(ptr),
                                   sql_quote(fcrdns if ptr else None),
                                   sql_quote(base_domain(ptr)), sql_quote(asn)))
    return "\n".join(lines) + "\n"


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    seen_ids = set()
    nums = set()
    if os.path.isdir(OUT):
        for d in os.listdir(OUT):
            p = os.path.join(OUT, d)
            if os.path.isdir(p) and len(d) > 5 and d[:4].isdigit() and d[4] == "-":
                shutil.rmtree(p)
    os.makedirs(OUT, exist_ok=True)
    for c in CASES:
        if c["num"] in nums:
            sys.exit("duplicate case number %d" % c["num"])
        nums.add(c["num"])
        d = os.path.join(OUT, "%04d-%s" % (c["num"], c["name"]))
        os.makedirs(d)
        for i, r in enumerate(c["reports"]):
            if r["rid"] in seen_ids:
                sys.exit("duplicate report_id %s" % r["rid"])
            seen_ids.add(r["rid"])
            write(os.path.join(d, "report.xml" if i == 0 else "report-%d.xml" % (i + 1)),
                  xml_report(r))
        if c["setup"]:
            write(os.path.join(d, "setup.sql"), setup_sql(c["setup"]))
        if c["senders"]:
            for line in c["senders"]:
                if line.split()[0] not in ("before", "after"):
                    sys.exit("%s: senders line must start with before/after" % c["name"])
            write(os.path.join(d, "senders"), "\n".join(c["senders"]) + "\n")
        exp = {"_about": c["about"]}
        if c["domain"] != DOM:
            exp["_domain"] = c["domain"]
        if c["known_bug"]:
            exp["_known_bug"] = c["known_bug"]
        exp.update(c["expect"])
        write(os.path.join(d, "expect.json"),
              json.dumps(exp, indent=1, ensure_ascii=False) + "\n")
    print("wrote %d cases under %s" % (len(CASES), os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
