#!/usr/bin/env python3
"""gen_reports.py OUTDIR - the fixed report set the portal tests run on
(tests/web/run.sh): 30 days of November 2026 for example.co.jp and
shop.example.jp from documentation addresses (RFC 5737, RFC 3849), one of each
path case of docs/CLASSIFICATION.md, in every container the reporters use.
The checks in api.sh and browser.mjs count on exactly this data, so it stays
as it was when it was `make run`'s demo; the demo itself (demo/gen_demo.py)
moved to real public ranges and a 120-day period ending yesterday.
Deterministic; standard library only.
"""
import base64, gzip, io, os, random, sys, zipfile
from email.message import EmailMessage

DOMAINS = [("example.co.jp", "none"), ("shop.example.jp", "quarantine")]
REPORTERS = [
    ("google.com", "noreply-dmarc-support@google.com", "zip-eml"),
    ("Outlook.com", "dmarcreport@microsoft.com", "gz-eml"),
    ("Yahoo! JAPAN", "dmarc-report@mail.yahoo.co.jp", "gz"),
    ("docomo.ne.jp", "dmarc-report@docomo.ne.jp", "xml"),
    ("KDDI", "dmarc_report@ml.au.com", "gz-eml"),
    ("SoftBank", "dmarc-report@softbank.jp", "zip"),
]
BASE = 1793491200  # 2026-10-31T00:00:00Z


def senders(domain):
    # One of each path case of docs/CLASSIFICATION.md (the service map knows
    # sendgrid.net, so those hosts are identified by their passing auth domains).
    return [  # ip, dkim domain, dkim result, spf domain, spf result, weight
        ("192.0.2.10", domain, "pass", domain, "pass", 40),              # own server
        ("192.0.2.11", domain, "pass", domain, "pass", 25),
        ("2001:db8:10::25", domain, "pass", domain, "pass", 10),
        ("192.0.2.30", domain, "fail", "ml." + domain, "pass", 3),       # own mailing list
        ("198.51.100.20", "sendgrid.net", "pass", "sendgrid.net", "pass", 12),  # ESP, no custom DKIM
        ("198.51.100.21", domain, "pass", "sendgrid.net", "pass", 8),    # ESP, custom DKIM
        ("198.51.100.77", domain, "pass", "lists.example.org", "fail", 4),   # forwarded
        ("198.51.100.90", domain, "fail", "lists.example.org", "pass", 3),   # list elsewhere
        ("203.0.113.5", None, None, "spoof.example", "fail", 3),            # spoofing
        ("203.0.113.66", None, None, domain, "softfail", 2),
    ]


def report_xml(rng, org, email, domain, p, day, rid):
    begin = BASE + day * 86400
    rows = []
    for ip, dk, dkr, sd, sr, w in senders(domain):
        if rng.random() < 0.25:
            continue
        count = max(1, int(w * rng.uniform(0.5, 3.0)))
        dkim_eval = "pass" if dk == domain and dkr == "pass" else "fail"
        # relaxed alignment, as a receiver evaluates it (ml.<domain> aligns)
        spf_eval = "pass" if (sd == domain or sd.endswith("." + domain)) and sr == "pass" else "fail"
        disp = "none" if "pass" in (dkim_eval, spf_eval) or p == "none" else p
        auth = ""
        if dk:
            auth += ("<dkim><domain>%s</domain><selector>s1</selector><result>%s</result>"
                     "</dkim>" % (dk, dkr))
        auth += "<spf><domain>%s</domain><scope>mfrom</scope><result>%s</result></spf>" % (sd, sr)
        reason = ""
        if ip == "198.51.100.77":
            reason = "<reason><type>forwarded</type><comment>lists.example.org</comment></reason>"
        rows.append(
            "<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
            "<disposition>%s</disposition><dkim>%s</dkim><spf>%s</spf>%s</policy_evaluated>"
            "</row><identifiers><header_from>%s</header_from><envelope_from>%s</envelope_from>"
            "</identifiers><auth_results>%s</auth_results></record>"
            % (ip, count, disp, dkim_eval, spf_eval, reason, domain, sd, auth))
    org_x = org.replace("&", "&amp;")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback><version>1.0</version>'
            "<report_metadata><org_name>%s</org_name><email>%s</email><report_id>%s</report_id>"
            "<date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>"
            "<policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>%s</p>"
            "<sp>%s</sp><pct>100</pct></policy_published>%s</feedback>\n"
            % (org_x, email, rid, begin, begin + 86399, domain, p, p, "".join(rows))).encode()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "demo-reports"
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261122)
    n = 0
    for day in range(30):
        for domain, p in DOMAINS:
            for org, email, style in REPORTERS:
                if rng.random() < 0.3:
                    continue
                rid = "%s-%d-%d" % (domain.split(".")[0], day, rng.randrange(10**9))
                xml = report_xml(rng, org, email, domain, p, day, rid)
                recv = email.split("@")[1]
                name = "%s!%s!%d!%d" % (recv, domain, BASE + day * 86400, BASE + day * 86400 + 86399)
                if style.startswith("zip"):
                    buf = io.BytesIO()
                    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                        z.writestr(zipfile.ZipInfo(name + ".xml", (2026, 11, 1, 0, 0, 0)), xml)
                    payload, ext, ctype = buf.getvalue(), ".zip", "application/zip"
                elif style.startswith("gz"):
                    payload, ext, ctype = gzip.compress(xml, mtime=0), ".xml.gz", "application/gzip"
                else:
                    payload, ext, ctype = xml, ".xml", "text/xml"
                if style.endswith("eml"):
                    m = EmailMessage()
                    m["From"] = email
                    m["To"] = "dmarc-rua@" + domain
                    m["Subject"] = "Report Domain: %s Submitter: %s Report-ID: <%s>" % (domain, recv, rid)
                    m.set_content("This is an aggregate report from %s." % org)
                    maintype, subtype = ctype.split("/")
                    m.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name + ext)
                    path, data = os.path.join(out, "%s-%d.eml" % (name.replace("!", "_"), n)), bytes(m)
                else:
                    path, data = os.path.join(out, name + ext), payload
                with open(path, "wb") as f:
                    f.write(data)
                n += 1
    print("%d demo reports in %s" % (n, out))


if __name__ == "__main__":
    main()
