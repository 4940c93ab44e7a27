#!/usr/bin/env python3
"""gen_kinds.py OUTDIR - failure reports (ARF, RFC 6591) and TLS reports
(RFC 8460) for example.co.jp in November 2026, the month of the portal
tests' aggregate data (gen_reports.py), so the Email Threats, sample, URL
and TLS screens have data in the portal's own domain and period, and a
failure report joins the aggregate records and hosts of the same IP
(tests/web/kinds.sh ingests them with tests/kinds/cases/*/input.*).

Written: ruf-*.eml (five failure reports: a Japanese phishing subject in
UTF-8, an executable attachment, an ISO-2022-JP subject, one from the
domain's own server, one Feedback-Type: abuse), tls-*.json (two TLS
reports, one with failures).  Documentation addresses only (RFC 5737,
RFC 2606).  Deterministic; standard library only (email builds the MIME).
"""
import json, os, sys
from email.message import EmailMessage
from email import policy
from email.utils import format_datetime
from datetime import datetime, timezone

DOMAIN = "example.co.jp"


def when(d, h, m=0):
    return datetime(2026, 11, d, h, m, tzinfo=timezone.utc)


def ruf(n, reporter, ip, arrival, subject, body, fbtype="auth-failure", auth="dmarc", attach=None,
        subject_charset="utf-8"):
    sample = EmailMessage(policy=policy.SMTP)
    sample["Received"] = ("from unknown (HELO mail.attacker.example) ([%s]) by mx.reporter.example "
                          "with ESMTP; %s" % (ip, format_datetime(arrival)))
    sample["From"] = '"Example Co." <info@%s>' % DOMAIN
    sample["To"] = "customer@reporter.example"
    sample["Date"] = format_datetime(arrival)
    sample["Message-ID"] = "<sample-%d@attacker.example>" % n
    # an ISO-2022-JP subject is written as its encoded word after serialising
    # (email would re-encode it as UTF-8)
    sample["Subject"] = "SUBJECT-PLACEHOLDER" if subject_charset == "iso-2022-jp" else subject
    sample.set_content(body)
    if attach:
        name, data = attach
        sample.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)

    rep = EmailMessage(policy=policy.SMTP)
    rep["From"] = "DMARC failure reports <%s>" % reporter
    rep["To"] = "ruf@%s" % DOMAIN
    rep["Subject"] = "DMARC failure report for %s" % DOMAIN
    rep["Date"] = format_datetime(arrival)
    rep["Message-ID"] = "<ruf-%d@%s>" % (n, reporter.split("@")[1])
    rep.set_content("This is an email abuse report for an email message received from IP %s.\n" % ip)
    fields = [("Feedback-Type", fbtype), ("User-Agent", "reporter/1.0"), ("Version", "1"),
              ("Original-Mail-From", "<bounce@%s>" % DOMAIN), ("Original-Rcpt-To", "<customer@reporter.example>"),
              ("Arrival-Date", format_datetime(arrival)), ("Source-IP", ip), ("Reported-Domain", DOMAIN),
              ("Reporting-MTA", "dns; mx.reporter.example")]
    if fbtype == "auth-failure":
        fields += [("Auth-Failure", auth), ("Identity-Alignment", "none"), ("Delivery-Result", "reject")]
    fr = "".join("%s: %s\r\n" % kv for kv in fields).encode()
    rep.add_attachment(fr, maintype="message", subtype="feedback-report", disposition="inline", cte="7bit")
    rep.add_attachment(sample)
    # multipart/report with report-type, as RFC 6591 wants it; fixed boundaries
    rep.replace_header("Content-Type", rep.get_content_type().replace("mixed", "report"))
    rep.set_param("report-type", "feedback-report")
    rep.set_boundary("report-%d" % n)
    if sample.is_multipart():
        sample.set_boundary("sample-%d" % n)
    out = rep.as_bytes(policy=policy.SMTP)
    if subject_charset == "iso-2022-jp":
        from email.header import Header
        out = out.replace(b"SUBJECT-PLACEHOLDER", Header(subject, "iso-2022-jp").encode().encode("ascii"))
    return out


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    reps = [
        ruf(1, "dmarc-ruf@reporter-a.example", "203.0.113.5", when(20, 3, 15), "【重要】お客様のアカウントを確認してください",
            "お客様のアカウントに不審なログインがありました。\n"
            "https://secure-login.phish.example/verify?u=1 で確認してください。\n"
            "詳しくは http://bit.phish.example/abc をご覧ください。\n"),
        ruf(2, "dmarc-ruf@reporter-a.example", "203.0.113.5", when(21, 8, 40), "Invoice overdue",
            "Please pay the attached invoice today: https://secure-login.phish.example/pay\n",
            attach=("payment.pdf.exe", b"MZ\x90\x00 not a real program\n")),
        ruf(3, "ruf@reporter-b.example", "203.0.113.66", when(22, 1, 5), "ご請求のお知らせ",
            "ご請求金額の確認: http://secure-login.phish.example/verify?u=2\n", subject_charset="iso-2022-jp"),
        ruf(4, "ruf@reporter-b.example", "192.0.2.10", when(23, 5, 30), "Newsletter November",
            "Our November newsletter. Read it at https://www.example.co.jp/news/2026-11\n", auth="dkim"),
        ruf(5, "abuse@reporter-b.example", "198.51.100.90", when(24, 12, 0), "cheap watches",
            "buy now http://shop.spam.example/\n", fbtype="abuse"),
    ]
    for i, m in enumerate(reps, 1):
        with open(os.path.join(out, "ruf-%d.eml" % i), "wb") as f:
            f.write(m)

    def tls(org, rid, day, ok, failures):
        return {"organization-name": org, "contact-info": "tlsrpt@%s" % org.lower(),
                "report-id": rid,
                "date-range": {"start-datetime": "2026-11-%02dT00:00:00Z" % day,
                               "end-datetime": "2026-11-%02dT23:59:59Z" % day},
                "policies": [{
                    "policy": {"policy-type": "sts", "policy-domain": DOMAIN, "mx-host": ["mx1.%s" % DOMAIN],
                               "policy-string": ["version: STSv1", "mode: enforce", "mx: mx1.%s" % DOMAIN,
                                                 "max_age: 604800"]},
                    "summary": {"total-successful-session-count": ok,
                                "total-failure-session-count": sum(x["failed-session-count"] for x in failures)},
                    "failure-details": failures}]}
    reports = [
        tls("reporter-a.example", "2026-11-20T00:00:00Z_example.co.jp", 20, 1480, []),
        tls("reporter-a.example", "2026-11-21T00:00:00Z_example.co.jp", 21, 1390, [
            {"result-type": "certificate-expired", "sending-mta-ip": "198.51.100.200",
             "receiving-mx-hostname": "mx1.%s" % DOMAIN, "receiving-ip": "192.0.2.25", "failed-session-count": 40}]),
        tls("reporter-b.example", "rb-20261121-1", 21, 700, [
            {"result-type": "starttls-not-supported", "sending-mta-ip": "198.51.100.201",
             "receiving-mx-hostname": "mx2.%s" % DOMAIN, "receiving-ip": "192.0.2.26", "failed-session-count": 12,
             "additional-information": "https://reporter-b.example/tls?id=1"},
            {"result-type": "sts-policy-invalid", "sending-mta-ip": "198.51.100.201",
             "failed-session-count": 3, "failure-reason-code": "policy-syntax"}]),
    ]
    for i, r in enumerate(reports, 1):
        with open(os.path.join(out, "tls-%d.json" % i), "w") as f:
            json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
