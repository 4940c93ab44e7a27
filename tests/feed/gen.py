#!/usr/bin/env python3
"""gen.py OUTDIR - the feed test's data: aggregate reports (one XML file per
report) and failure reports (ARF .eml) for November 2026, from the table
HOSTS below.  Each row: ip, domain, days (of November), messages per day,
reporter, kind (spoof: SPF and DKIM fail, nothing aligned; pass: SPF aligned
pass).  What each host must become in the feed is in tests/feed/run.sh."""
import base64
import calendar
import os
import sys

HOSTS = [
    # the spoofers: S1 on two domains, three days, two reporters
    ("203.0.113.5", "example.jp", [3, 4], 20, "Receiver A", "spoof"),
    ("203.0.113.5", "example.jp", [5], 20, "Receiver B, Inc.", "spoof"),
    ("203.0.113.5", "example.co.jp", [5], 5, "Receiver A", "spoof"),
    ("2001:db8:bad::5", "example.jp", [6, 7], 10, "Receiver A", "spoof"),
    ("198.51.100.20", "example.jp", [8], 2, "Receiver A", "spoof"),
    # My Senders: 192.0.2.10 is example.jp's (passes there) and fails for example.co.jp;
    # 192.0.2.20 is in example.co.jp's 192.0.2.16/28 and fails for example.jp
    ("192.0.2.10", "example.jp", [3, 4, 5, 6, 7, 8, 9], 100, "Receiver A", "pass"),
    ("192.0.2.10", "example.co.jp", [3, 4, 5, 6], 100, "Receiver A", "spoof"),
    ("192.0.2.20", "example.jp", [3, 4], 40, "Receiver A", "spoof"),
    ("192.0.2.30", "example.jp", [3, 4], 50, "Receiver A", "pass"),
    # allow-listed (203.0.113.64/28), a known forwarder, a known service (by PTR)
    ("203.0.113.66", "example.jp", [10, 11, 12], 50, "Receiver A", "spoof"),
    ("203.0.113.80", "example.jp", [10, 11], 30, "Receiver A", "spoof"),
    ("203.0.113.81", "example.jp", [10, 11], 30, "Receiver A", "spoof"),
    # another tenant's domain
    ("198.51.100.77", "other.example", [10, 11, 12], 30, "Receiver A", "spoof"),
]
# before the period (October 10th)
OLD = ("203.0.113.99", "example.jp", 50)

FAILURES = [
    # ip, domain, day, hour, subject
    ("203.0.113.5", "example.jp", 3, 10, "Your account is suspended"),
    ("203.0.113.5", "example.jp", 5, 22, "【重要】お支払い情報の確認"),
    ("198.51.100.77", "other.example", 11, 9, "other tenant secret"),
]


def ts(month, day, hour=0):
    return calendar.timegm((2026, month, day, hour, 0, 0))


def record(ip, count, domain, kind):
    if kind == "pass":
        ev, spf = "pass", (domain, "pass")
    else:
        ev, spf = "fail", ("attacker.example", "fail")
    return ("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
            "<disposition>none</disposition><dkim>fail</dkim><spf>%s</spf></policy_evaluated>"
            "</row><identifiers><header_from>%s</header_from></identifiers><auth_results>"
            "<spf><domain>%s</domain><result>%s</result></spf></auth_results></record>\n"
            % (ip, count, ev, domain, spf[0], spf[1]))


def report(out, n, org, domain, begin, rows):
    with open(os.path.join(out, "agg-%03d.xml" % n), "w") as f:
        f.write('<?xml version="1.0"?><feedback><report_metadata><org_name>%s</org_name>'
                "<email>dmarc@receiver.example</email><report_id>feed-%d</report_id>"
                "<date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>"
                "<policy_published><domain>%s</domain><p>none</p></policy_published>\n"
                % (org.replace("&", "&amp;"), n, begin, begin + 86399, domain))
        f.writelines(rows)
        f.write("</feedback>\n")


def arf(out, n, ip, domain, when, subject):
    subj = "=?UTF-8?B?%s?=" % base64.b64encode(subject.encode()).decode()
    date = "Tue, %02d Nov 2026 %02d:00:00 +0000" % (when[0], when[1])
    with open(os.path.join(out, "ruf-%02d.eml" % n), "w") as f:
        f.write("From: DMARC Reports <dmarc@receiver.example>\nTo: ruf@%s\n"
                "Subject: Failure report for %s\nDate: %s\nMessage-ID: <ruf-%d@receiver.example>\n"
                "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; "
                "boundary=\"REP\"\n\n--REP\nContent-Type: text/plain; charset=us-ascii\n\n"
                "An authentication failure report.\n\n--REP\nContent-Type: message/feedback-report\n\n"
                "Feedback-Type: auth-failure\nUser-Agent: gen/1.0\nVersion: 1\n"
                "Original-Mail-From: <bounce@attacker.example>\nOriginal-Rcpt-To: <user@receiver.example>\n"
                "Arrival-Date: %s\nSource-IP: %s\nReported-Domain: %s\nAuth-Failure: dmarc\n"
                "Identity-Alignment: none\nDelivery-Result: reject\n\n--REP\n"
                "Content-Type: message/rfc822\n\nFrom: \"Billing\" <billing@%s>\n"
                "To: <user@receiver.example>\nDate: %s\nMessage-ID: <sample-%d@attacker.example>\n"
                "MIME-Version: 1.0\nSubject: %s\nContent-Type: text/plain; charset=us-ascii\n\n"
                "Pay here.\n\n--REP--\n"
                % (domain, domain, date, n, date, ip, domain, domain, date, n, subj))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    # one report per (reporter, domain, day)
    groups = {}
    for ip, dom, days, per, org, kind in HOSTS:
        for d in days:
            groups.setdefault((org, dom, d), []).append(record(ip, per, dom, kind))
    n = 0
    for (org, dom, d), rows in sorted(groups.items()):
        n += 1
        report(out, n, org, dom, ts(11, d), rows)
    n += 1
    report(out, n, "Receiver A", OLD[1], ts(10, 10), [record(OLD[0], OLD[2], OLD[1], "spoof")])
    for i, (ip, dom, day, hour, subject) in enumerate(FAILURES, 1):
        arf(out, i, ip, dom, (day, hour), subject)


main()
