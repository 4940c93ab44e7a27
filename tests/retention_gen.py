#!/usr/bin/env python3
"""retention_gen.py OUTDIR CUT - the aggregate reports tests/retention.sh needs
around the records cut-off CUT (unix seconds, a UTC midnight), beside the demo
corpus (demo/gen_demo.py):

  - daily reports on both sides of the cut, for two domains and three reporters;
  - reports that straddle the cut: noon to noon across it, and three-day
    reports from two days before it;
  - an old three-day report and one that ends exactly at the cut (kept: it
    ends at the cut, not before);
  - one e-mail holding two reports, one old and one kept (two.eml);
  - a message that cannot be parsed (it stays in quarantine, with its bytes);
  - rewrap/old.eml, old2.eml: an old report of the set in two new e-mails
    (other bytes), for the "purged report arriving again" case.
Deterministic for a given CUT.  Standard library only.
"""
import os, random, sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

DAY = 86400
DOMAINS = ["a.example", "b.example"]
ORGS = [("rep-one.example", "dmarc@rep-one.example"), ("rep-two.example", "r@rep-two.example"),
        ("rep-three.example", "x@rep-three.example")]
IPS = ["192.0.2.%d" % i for i in range(1, 9)] + ["198.51.100.%d" % i for i in range(1, 5)] + \
      ["2001:db8::%x" % i for i in range(1, 4)]


def report(rng, org, email, domain, begin, end, rid):
    recs = []
    for _ in range(rng.randint(1, 6)):
        ip = rng.choice(IPS)
        own = ip.startswith("192.0.2.")
        spf = "pass" if own or rng.random() < 0.2 else "fail"
        dkim = "pass" if own and rng.random() < 0.8 else "fail"
        disp = "none" if spf == "pass" or dkim == "pass" else rng.choice(["none", "quarantine"])
        recs.append(
            "<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
            "<disposition>%s</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>"
            "<identifiers><header_from>%s</header_from></identifiers><auth_results>"
            "<dkim><domain>%s</domain><selector>s1</selector><result>%s</result></dkim>"
            "<spf><domain>%s</domain><result>%s</result></spf></auth_results></record>"
            % (ip, rng.randint(1, 500), disp, dkim, spf, domain,
               domain if own else "other.example", dkim, domain if own else "other.example", spf))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback><version>1.0</version>'
            "<report_metadata><org_name>%s</org_name><email>%s</email><report_id>%s</report_id>"
            "<date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>"
            "<policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>"
            "<pct>100</pct></policy_published>%s</feedback>\n"
            % (org, email, rid, begin, end, domain, "".join(recs)))


def mail(parts, subject, msgid):
    m = MIMEMultipart()
    m["From"] = "dmarc@rep-one.example"
    m["To"] = "rua@a.example"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@rep-one.example>" % msgid
    m["Date"] = "Mon, 01 Jan 2024 00:00:00 +0000"
    m.attach(MIMEText("reports attached\n"))
    for name, xml in parts:
        a = MIMEApplication(xml.encode(), "xml")
        a.add_header("Content-Disposition", "attachment", filename=name)
        m.attach(a)
    return m.as_bytes()


def main():
    out, cut = sys.argv[1], int(sys.argv[2])
    rng = random.Random(cut)
    os.makedirs(os.path.join(out, "rewrap"), exist_ok=True)
    keep = {}

    def put(name, xml):
        with open(os.path.join(out, name), "w") as f:
            f.write(xml)
        keep[name] = xml

    n = 0
    for d in range(-20, 21):
        for dom in DOMAINS:
            for org, email in ORGS:
                n += 1
                b = cut + d * DAY
                if org == "rep-three.example":	# noon to noon
                    b += DAY // 2
                put("daily-%d-%s-%s.xml" % (d, dom, org),
                    report(rng, org, email, dom, b, b + DAY - 1, "r%d" % n))
    for dom in DOMAINS:
        n += 1
        put("straddle3-%s.xml" % dom,
            report(rng, "rep-one.example", "m@rep-one.example", dom, cut - 2 * DAY, cut + DAY - 1, "s%d" % n))
        n += 1
        put("old3-%s.xml" % dom,
            report(rng, "rep-two.example", "m@rep-two.example", dom, cut - 6 * DAY, cut - 3 * DAY - 1, "o%d" % n))
        n += 1
        put("endsatcut-%s.xml" % dom,
            report(rng, "rep-two.example", "m@rep-two.example", dom, cut - DAY, cut, "e%d" % n))
    two_old = report(rng, "rep-one.example", "two@rep-one.example", "a.example", cut - 4 * DAY,
                     cut - 3 * DAY - 1, "two-old")
    two_new = report(rng, "rep-one.example", "two@rep-one.example", "a.example", cut + 4 * DAY,
                     cut + 5 * DAY - 1, "two-new")
    with open(os.path.join(out, "two.eml"), "wb") as f:
        f.write(mail([("old.xml", two_old), ("new.xml", two_new)], "Report domain: a.example", "two"))
    with open(os.path.join(out, "broken.xml"), "w") as f:
        f.write("<feedback><report_metadata><org_name>x</org_name></feedback>\n")
    name = "daily--10-a.example-rep-one.example.xml"
    with open(os.path.join(out, "rewrap", "old.eml"), "wb") as f:
        f.write(mail([("again.xml", keep[name])], "Report domain: a.example (resent)", "resent"))
    with open(os.path.join(out, "rewrap", "old2.eml"), "wb") as f:
        f.write(mail([("again.xml", keep[name])], "Report domain: a.example (resent)", "resent2"))


main()
