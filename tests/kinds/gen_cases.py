#!/usr/bin/env python3
"""gen_cases.py - writes the synthetic (hostile, variant and cap) inputs of
tests/kinds/cases/.  The real samples there are copies of
../shared/corpus/real (see tests/kinds/README.md); this script never touches
them.  Deterministic: running it again writes the same bytes.

    python3 tests/kinds/gen_cases.py     then    python3 tests/kinds/run.py BIN --update

Each case gets input.eml / input.json (or input.eml.gz / input.json.gz when
large: run.py inflates it); the expected output (expect.json) is written by
run.py --update and reviewed by hand.
"""
import base64
import gzip
import json
import os
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")


def write(case, name, data):
    d = os.path.join(HERE, case)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def arf(sample, feedback=None, subject="DMARC Failure Report for example.com",
        sample_type="message/rfc822", extra_top="", ctype=None):
    """An RFC 6591 report around a sample (a string: the sample message)."""
    if feedback is None:
        feedback = ("Feedback-Type: auth-failure\nUser-Agent: gen/1.0\nVersion: 1\n"
                    "Original-Mail-From: <bounce@example.com>\n"
                    "Original-Rcpt-To: <user@receiver.example>\n"
                    "Arrival-Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
                    "Source-IP: 192.0.2.10\nReported-Domain: example.com\n"
                    "Auth-Failure: dmarc\nIdentity-Alignment: none\n"
                    "Reporting-MTA: dns; mx.receiver.example\nDelivery-Result: reject\n"
                    "DKIM-Domain: example.com\nDKIM-Identity: @example.com\n"
                    "DKIM-Selector: s1\nSPF-DNS: txt; example.com; \"v=spf1 -all\"\n")
    ct = ctype or 'multipart/report; report-type=feedback-report; boundary="REP"'
    return ("From: DMARC Reports <dmarc@receiver.example>\n"
            "To: rua@example.com\n"
            "Subject: %s\n"
            "Date: Tue, 02 Jan 2024 10:05:00 +0000\n"
            "Message-ID: <report-1@receiver.example>\n"
            "MIME-Version: 1.0\n%s"
            "Content-Type: %s\n\n"
            "--REP\nContent-Type: text/plain; charset=us-ascii\n\n"
            "This is an authentication failure report (see https://www.rfc-editor.org/rfc/rfc6591).\n\n"
            "--REP\nContent-Type: message/feedback-report\n\n%s\n"
            "--REP\nContent-Type: %s\n\n%s\n"
            "--REP--\n") % (subject, extra_top, ct, feedback, sample_type, sample)


SAMPLE_HDR = ("Received: from mail.attacker.example (mail.attacker.example [198.51.100.7])\n"
              "\tby mx.receiver.example with ESMTP id abc; Tue, 02 Jan 2024 09:59:58 +0000\n"
              "From: \"Example Billing\" <billing@example.com>\n"
              "To: <user@receiver.example>\n"
              "Date: Tue, 02 Jan 2024 09:59:57 +0000\n"
              "Message-ID: <sample-%s@attacker.example>\n"
              "MIME-Version: 1.0\n")


def main():
    # <script> in the subject (sample and report)
    s = (SAMPLE_HDR % "script" +
         "Subject: <script>alert(1)</script> Your invoice\n"
         "Content-Type: text/plain; charset=utf-8\n\nPay at http://pay.example.net/now.\n")
    write("hostile-script-subject", "input.eml",
          arf(s, subject="DMARC Failure Report <script>alert('r')</script>"))

    # HTML body with onerror=, <script>, links, a meta refresh, a text part too
    html = ("<html><head><meta http-equiv=\"refresh\" content=\"0; url=http://refresh.example.org/r\">"
            "<script>document.location='http://script-src.example/'</script></head>"
            "<body><img src=\"http://IMG.Evil.Example:80/x.png\" onerror=\"alert(document.cookie)\">"
            "<a href=\"HTTPS://Login.Example.CO.UK:443/verify?id=1#top\">Verify</a>"
            "<a href=\"https://login.example.co.uk/verify?id=1#top\">again</a>"
            "<form action=\"http://203.0.113.9/collect\"><input></form>"
            "<p>Or visit www.Phish.example.com/start today.</p></body></html>")
    s = (SAMPLE_HDR % "html" + "Subject: Account notice\n"
         "Content-Type: multipart/alternative; boundary=\"ALT\"\n\n"
         "--ALT\nContent-Type: text/plain; charset=utf-8\n\n"
         "Verify at https://login.example.co.uk/verify?id=1#top (or http://pay.example.net/now).\n"
         "--ALT\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
         + base64.encodebytes(html.encode()).decode() + "--ALT--\n")
    write("hostile-html-onerror", "input.eml", arf(s))

    # javascript: URL (and data:, userinfo disguise)
    html = ("<html><body><a href=\" javascript:alert('x') \">Open</a>"
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">d</a>"
            "<a href=\"http://www.paypal.com@evil.example/login\">PayPal</a></body></html>")
    s = (SAMPLE_HDR % "js" + "Subject: Click\nContent-Type: text/html; charset=utf-8\n\n" + html + "\n")
    write("hostile-javascript-url", "input.eml", arf(s))

    # attachment named invoice.pdf.exe (RFC 2231 name too), plus a harmless one
    payload = base64.encodebytes(b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode").decode()
    s = (SAMPLE_HDR % "exe" + "Subject: Invoice 2024-001\n"
         "Content-Type: multipart/mixed; boundary=\"MIX\"\n\n"
         "--MIX\nContent-Type: text/plain; charset=utf-8\n\nPlease see the attached invoice.\n"
         "--MIX\nContent-Type: application/octet-stream; name=\"invoice.pdf.exe\"\n"
         "Content-Disposition: attachment; filename=\"invoice.pdf.exe\"\n"
         "Content-Transfer-Encoding: base64\n\n" + payload +
         "--MIX\nContent-Type: application/pdf\n"
         "Content-Disposition: attachment; filename*=utf-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf\n"
         "Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(b"%PDF-1.4\n%%EOF\n").decode() +
         "--MIX--\n")
    write("hostile-attachment-exe", "input.eml", arf(s))

    # 20,000 MIME parts in the sample: refused with the cap named
    parts = "".join("--P\nContent-Type: text/plain\n\n%d\n" % i for i in range(20000))
    s = (SAMPLE_HDR % "parts" + "Subject: many parts\n"
         "Content-Type: multipart/mixed; boundary=\"P\"\n\n" + parts + "--P--\n")
    write("hostile-20000-parts", "input.eml.gz", arf(s))

    # 2,000 levels of nested multiparts: refused (depth)
    out = []
    for i in range(2000):
        out.append('Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n' % (i, i))
    out.append("Content-Type: text/plain\n\ndeep\n")
    for i in reversed(range(2000)):
        out.append("--n%d--\n" % i)
    s = SAMPLE_HDR % "deep" + "Subject: deep\n" + "".join(out)
    write("hostile-deep-nesting", "input.eml.gz", arf(s))

    # ISO-2022-JP subject in the sample, UTF-8 encoded report subject,
    # ISO-2022-JP text body
    jp = "請求書のご案内"
    enc = "=?ISO-2022-JP?B?%s?=" % base64.b64encode(jp.encode("iso2022_jp")).decode()
    body = "お支払いはこちら: https://支払い.example.jp/pay 。\n".encode("iso2022_jp")
    s = (SAMPLE_HDR % "jp" + "Subject: %s\n" % enc +
         "Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n")
    rep_subj = "=?UTF-8?B?%s?=" % base64.b64encode("DMARC 失敗レポート example.com".encode()).decode()
    data = arf(s + "@@BODY@@\n", subject=rep_subj).encode("ascii")
    data = data.replace(b"@@BODY@@", body)
    write("variant-iso-2022-jp-subject", "input.eml", data)

    # Feedback-Type: abuse: kept as abuse, not a DMARC failure
    fb = ("Feedback-Type: abuse\nUser-Agent: SomeISP/2.0\nVersion: 1\n"
          "Source-IP: 2001:DB8::0:1\nArrival-Date: Wed, 03 Jan 2024 11:00:00 +0100\n"
          "Reported-Domain: example.com\n")
    s = SAMPLE_HDR % "abuse" + "Subject: spam\nContent-Type: text/plain\n\nbuy now http://shop.example.biz\n"
    write("variant-abuse-not-dmarc", "input.eml", arf(s, feedback=fb, subject="Abuse report"))

    # no Source-IP: taken from the sample's Received header, with a warning;
    # text/rfc822-headers sample; two Original-Rcpt-To
    fb = ("Feedback-Type: auth-failure\nVersion: 1\nUser-Agent: x\nAuth-Failure: spf\n"
          "Original-Rcpt-To: <a@receiver.example>\nOriginal-Rcpt-To: <b@receiver.example>\n"
          "Arrival-Date: Thu, 04 Jan 2024 08:00:00 GMT\nReported-Domain: example.com\n")
    s = ("Received: from localhost (localhost [127.0.0.1]) by relay.example with SMTP; "
         "Thu, 04 Jan 2024 07:59:59 GMT\n"
         "Received: from sender.example (unknown [IPv6:2001:db8::25]) by mx.receiver.example "
         "with ESMTPS; Thu, 04 Jan 2024 07:59:58 GMT\n"
         "From: xxxxx@example.com\nTo: xxxxx@receiver.example\nSubject: redacted\n"
         "Message-ID: <redacted-1@example.com>\nDate: Thu, 04 Jan 2024 07:59:50 GMT\n")
    write("variant-no-source-ip-headers-only", "input.eml",
          arf(s, feedback=fb, sample_type="text/rfc822-headers"))

    # no ARF part and no DMARC text: not a failure report
    write("not-report-plain-mail", "input.eml",
          "From: a@example.com\nTo: b@example.com\nSubject: lunch\n\nSee you at noon.\n")

    # the URL cap: 600 distinct URLs kept to 500
    urls = "\n".join("http://host%d.example.com/p" % i for i in range(600))
    s = SAMPLE_HDR % "urls" + "Subject: urls\nContent-Type: text/plain\n\n" + urls + "\n"
    write("cap-arf-urls", "input.eml", arf(s))

    # the header cap: 400 header fields in the sample, 300 kept
    hdrs = "".join("X-Filler-%d: %d\n" % (i, i) for i in range(400))
    s = SAMPLE_HDR % "hdrs" + hdrs + "Subject: headers\nContent-Type: text/plain\n\nx\n"
    write("cap-arf-headers", "input.eml", arf(s))

    # the attachment cap: 120 attachments, 100 listed
    atts = "".join("--A\nContent-Type: application/octet-stream\n"
                   "Content-Disposition: attachment; filename=\"f%d.bin\"\n\n%d\n" % (i, i)
                   for i in range(120))
    s = (SAMPLE_HDR % "atts" + "Subject: attachments\n"
         "Content-Type: multipart/mixed; boundary=\"A\"\n\n" + atts + "--A--\n")
    write("cap-arf-attachments", "input.eml", arf(s, feedback=None))

    # the size cap: a 17 MiB report is refused before GMime sees it
    s = SAMPLE_HDR % "big" + "Subject: big\nContent-Type: text/plain\n\n" + ("A" * 76 + "\n") * 230000
    write("cap-arf-size", "input.eml.gz", arf(s))

    # TLS-RPT: JSON that starts with { but is not a TLS report
    write("tls-not-tlsrpt-json", "input.json",
          json.dumps({"organization": "x", "policies": 3, "hello": "world"}, indent=1))
    # TLS-RPT: not JSON at all after the {
    write("tls-broken-json", "input.json", '{"organization-name": "x", ')
    # TLS-RPT: a negative count
    rep = {"organization-name": "N", "date-range": {"start-datetime": "2024-01-01T00:00:00Z",
           "end-datetime": "2024-01-01T23:59:59Z"}, "contact-info": "a@n.example",
           "report-id": "neg-1", "policies": [{"policy": {"policy-type": "sts",
           "policy-domain": "Example.COM", "mx-host": ["mx1.example.com", "mx2.example.com"]},
           "summary": {"total-successful-session-count": -5, "total-failure-session-count": 0}}]}
    write("tls-negative-count", "input.json", json.dumps(rep, indent=1))
    # TLS-RPT: duplicate member names (strict)
    write("tls-duplicate-key", "input.json",
          '{"organization-name": "a", "organization-name": "b", "date-range": {}, '
          '"report-id": "d", "policies": []}')
    # TLS-RPT: caps: 1,001 policies; 10,001 failure-details
    pol = {"policy": {"policy-type": "tlsa", "policy-domain": "example.com"},
           "summary": {"total-successful-session-count": 1, "total-failure-session-count": 0}}
    rep = dict(rep, **{"report-id": "cap-policies", "policies": [pol] * 1001})
    write("cap-tls-policies", "input.json.gz", json.dumps(rep))
    det = {"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.1",
           "failed-session-count": 1}
    pol2 = {"policy": {"policy-type": "sts", "policy-domain": "example.com"},
            "summary": {"total-successful-session-count": 1, "total-failure-session-count": 10001},
            "failure-details": [det] * 10001}
    rep = dict(rep, **{"report-id": "cap-details", "policies": [pol2]})
    write("cap-tls-details", "input.json.gz", json.dumps(rep))
    # TLS-RPT: unknown result-type and a bad IP kept with warnings
    rep = {"organization-name": "W", "date-range": {"start-datetime": "2024-02-01T00:00:00Z",
           "end-datetime": "2024-02-01T23:59:59Z"}, "contact-info": "w@w.example",
           "report-id": "<warn-1@w.example>", "policies": [{"policy": {"policy-type": "sts",
           "policy-domain": "example.org", "policy-string": ["version: STSv1", "mode: enforce"],
           "mx-host": "*.mx.example.org"}, "summary": {"total-successful-session-count": 10,
           "total-failure-session-count": 2}, "failure-details": [{"result-type": "sts-webpki-invalid",
           "sending-mta-ip": "2001:DB8:0::5", "receiving-mx-hostname": "a.mx.example.org",
           "receiving-mx-helo": "a", "receiving-ip": "not-an-ip", "failed-session-count": 1,
           "failure-reason-code": "X509"}, {"result-type": "Something-New",
           "failed-session-count": 1}]}]}
    write("tls-warnings", "input.json", json.dumps(rep, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
