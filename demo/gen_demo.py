#!/usr/bin/env python3
"""gen_demo.py - the demo data of `make run` (scripts/run-demo.sh).

  gen_demo.py reports OUTDIR [--end YYYY-MM-DD]
      120 days of DMARC aggregate reports, ending on --end (default: yesterday,
      UTC, or $DEMO_END), for two Japanese-style policy domains:
      example.co.jp at p=none and shop.example.jp already at p=quarantine.
      The reporters are those a Japanese mail administrator receives (Google,
      Microsoft, Yahoo! JAPAN, NTT Docomo, KDDI, SoftBank), in the containers
      they use (.xml.gz and .zip attachments, plain .xml, e-mails).  Beside
      them, failure reports for the spoofing campaign and a few of My Senders,
      and daily TLS reports (demo/gen_kinds.py).
  gen_demo.py servers OUTDIR
      What the demo's loopback servers answer about those sources (started by
      tests/servers/start.sh, see run-demo.sh): unbound lines (PTR and forward
      records), rbldnsd zone files, canned RDAP answers, the RDAP bootstrap
      prefixes, and asn.tsv for demo/make-asn-mmdb.pl.

The sources sit in the real public ranges of the services they stand for
(Microsoft 365, Google, Amazon SES, SendGrid, BIGLOBE, a mailing list on a
Hetzner server, the domain's own VPS at Sakura Internet) and of access and
hosting networks in several countries for the spoofers, so the bundled DB-IP
country database places them on the map.  Everything else about them (PTR
names, DNSBL listings, whois) is demo data, written here; the portal marks it
so (the AS numbers come from dmarcscope-demo-asn.mmdb, see enrich_host.c).

The story: the domain's own mail passes; a newsletter stream on SendGrid is
not DKIM-signed with the domain (registered sender, failing); forwarders and a
mailing list break SPF or DKIM; a spoofing campaign starts in the middle of
the period (two sources) and grows from 20 days before the end (more
countries, and against shop.example.jp, where p=quarantine stops it).

Deterministic: the same last day gives the same bytes.  Which reports exist
and their IDs depend only on their date (the campaign is placed relative to the
last day), so a run on a later day adds the new days and the others are
duplicates of what the first run stored.  Standard library only.
"""
import datetime, gzip, io, json, os, random, sys, zipfile

import gen_kinds
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

DAYS = 120
DOMAINS = [("example.co.jp", "none"), ("shop.example.jp", "quarantine")]
# org_name, report e-mail, container, share of the domain's recipients
REPORTERS = [
    ("google.com", "noreply-dmarc-support@google.com", "zip-eml", 0.34),
    ("Outlook.com", "dmarcreport@microsoft.com", "gz-eml", 0.14),
    ("Yahoo! JAPAN", "dmarc-report@mail.yahoo.co.jp", "gz", 0.22),
    ("docomo.ne.jp", "dmarc-report@docomo.ne.jp", "xml", 0.12),
    ("KDDI", "dmarc_report@ml.au.com", "gz-eml", 0.10),
    ("SoftBank", "dmarc-report@softbank.jp", "zip", 0.08),
]

ZEN_XBL = ("zen.spamhaus.org", "127.0.0.4", "https://check.spamhaus.org/listed/?searchterms=$")
ZEN_PBL = ("zen.spamhaus.org", "127.0.0.10", "https://check.spamhaus.org/listed/?searchterms=$")
SPAMCOP = ("bl.spamcop.net", "127.0.0.2", "Blocked - see https://www.spamcop.net/bl.shtml?$")
BARRACUDA = ("b.barracudacentral.org", "127.0.0.2", "http://www.barracudanetworks.com/reputation/?pr=1&ip=$")


def net(handle, name, org, cc, abuse, start, end, cidr):
    return dict(handle=handle, name=name, org=org, country=cc, abuse=abuse,
                start=start, end=end, cidr=cidr)


RD_MS = net("NET-40-64-0-0-1", "MSFT", "Microsoft Corporation", "US", "abuse@microsoft.com",
            "40.64.0.0", "40.127.255.255", "40.64.0.0/10")
RD_MS52 = net("NET-52-96-0-0-1", "MSFT", "Microsoft Corporation", "US", "abuse@microsoft.com",
              "52.96.0.0", "52.115.255.255", "52.96.0.0/12")
RD_MS6 = net("MICROSOFT-IPV6-BLK-JP", "MICROSOFT-IPV6-BLK-JP", "Microsoft Corporation", "JP",
             "abuse@microsoft.com", "2a01:111:f403:2c00::", "2a01:111:f403:2cff:ffff:ffff:ffff:ffff",
             "2a01:111:f403:2c00::/56")
RD_SAKURA = net("160.16.0.0 - 160.16.255.255", "SAKURA-NET", "SAKURA Internet Inc.", "JP",
                "abuse@sakura.ad.jp", "160.16.0.0", "160.16.255.255", "160.16.0.0/16")
RD_SENDGRID = net("NET-167-89-0-0-1", "SENDGRID", "SendGrid, Inc.", "US", "abuse@sendgrid.com",
                  "167.89.0.0", "167.89.127.255", "167.89.0.0/17")
RD_SENDGRID2 = net("NET-149-72-0-0-1", "SENDGRID", "SendGrid, Inc.", "US", "abuse@sendgrid.com",
                   "149.72.0.0", "149.72.255.255", "149.72.0.0/16")
RD_SES = net("NET-54-240-0-0-1", "AMAZON-2011L", "Amazon Technologies Inc.", "US",
             "abuse@amazonaws.com", "54.240.0.0", "54.240.255.255", "54.240.0.0/16")
RD_GOOGLE = net("NET-209-85-128-0-1", "GOOGLE", "Google LLC", "US", "network-abuse@google.com",
                "209.85.128.0", "209.85.255.255", "209.85.128.0/17")
RD_GOOGLE6 = net("NET6-2607-F8B0-1", "GOOGLE-IPV6", "Google LLC", "US", "network-abuse@google.com",
                 "2607:f8b0::", "2607:f8b0:ffff:ffff:ffff:ffff:ffff:ffff", "2607:f8b0::/32")
RD_BIGLOBE = net("133.208.0.0 - 133.208.255.255", "BIGLOBE", "BIGLOBE Inc.", "JP",
                 "abuse@biglobe.ne.jp", "133.208.0.0", "133.208.255.255", "133.208.0.0/16")
RD_HETZNER = net("88.198.0.0 - 88.198.255.255", "HETZNER-RZ-FSN1", "Hetzner Online GmbH", "DE",
                 "abuse@hetzner.com", "88.198.0.0", "88.198.255.255", "88.198.0.0/16")
RD_VNPT = net("113.160.0.0 - 113.191.255.255", "VNPT-VN", "VNPT Corp", "VN", "abuse@vnnic.vn",
              "113.160.0.0", "113.191.255.255", "113.160.0.0/11")
RD_CHINANET = net("117.88.0.0 - 117.95.255.255", "CHINANET-JS", "CHINANET Jiangsu province network",
                  "CN", "anti-spam@chinatelecom.cn", "117.88.0.0", "117.95.255.255", "117.88.0.0/13")
RD_TELESP = net("201.68.0.0/14", "TELEFONICA-BRASIL", "TELEFONICA BRASIL S.A", "BR",
                "abuse@telefonica.com.br", "201.68.0.0", "201.71.255.255", "201.68.0.0/14")
RD_CORBINA = net("95.31.0.0 - 95.31.255.255", "BEELINE-BROADBAND", "PJSC Vimpelcom", "RU",
                 "abuse@beeline.ru", "95.31.0.0", "95.31.255.255", "95.31.0.0/16")
RD_OVH = net("51.68.0.0 - 51.68.255.255", "OVH", "OVH SAS", "FR", "abuse@ovh.net",
             "51.68.0.0", "51.68.255.255", "51.68.0.0/16")
RD_LINODE = net("NET-45-79-0-0-1", "LINODE-US", "Akamai Technologies, Inc.", "US",
                "abuse@linode.com", "45.79.0.0", "45.79.255.255", "45.79.0.0/16")

# ip: PTR name, forward-confirmed, AS, AS name, DNSBL listings, RDAP network,
# the country DB-IP gives (checked by tests/demo.sh against the bundled file)
HOSTS = {
    # Microsoft 365, the company's mailboxes (Japan data centres)
    "40.107.74.72": ("mail-tycjpn01on2072.outbound.protection.outlook.com", True, 8075,
                     "MICROSOFT-CORP-MSN-AS-BLOCK", [], RD_MS, "JP"),
    "40.107.75.50": ("mail-os0jpn01on2050.outbound.protection.outlook.com", True, 8075,
                     "MICROSOFT-CORP-MSN-AS-BLOCK", [], RD_MS, "JP"),
    "52.101.228.18": ("mail-tycjpn01on2018.outbound.protection.outlook.com", True, 8075,
                      "MICROSOFT-CORP-MSN-AS-BLOCK", [], RD_MS52, "JP"),
    "2a01:111:f403:2c14::703": ("mail-tycjpn01on20703.outbound.protection.outlook.com", True, 8075,
                                "MICROSOFT-CORP-MSN-AS-BLOCK", [], RD_MS6, "JP"),
    # the company's own VPS: system mail and its own mailing list
    "160.16.104.12": ("mail.example.co.jp", True, 9371, "SAKURA-C SAKURA Internet Inc.", [],
                      RD_SAKURA, "JP"),
    "160.16.104.13": ("ml.example.co.jp", True, 9371, "SAKURA-C SAKURA Internet Inc.", [],
                      RD_SAKURA, "JP"),
    # SendGrid: the newsletter (custom DKIM) and notices (sendgrid.net DKIM only)
    "167.89.123.54": ("o1678912354.outbound-mail.sendgrid.net", True, 11377, "SENDGRID", [],
                      RD_SENDGRID, "US"),
    "149.72.161.59": ("o1497216159.outbound-mail.sendgrid.net", True, 11377, "SENDGRID", [],
                      RD_SENDGRID2, "US"),
    # Amazon SES: shop.example.jp's order mail
    "54.240.8.35": ("a8-35.smtp-out.amazonses.com", True, 14618, "AMAZON-AES", [], RD_SES, "US"),
    "54.240.27.16": ("a27-16.smtp-out.amazonses.com", True, 14618, "AMAZON-AES", [], RD_SES, "US"),
    # Gmail users forwarding what they receive
    "209.85.220.41": ("mail-sor-f41.google.com", True, 15169, "GOOGLE", [], RD_GOOGLE, "US"),
    "209.85.220.69": ("mail-sor-f69.google.com", True, 15169, "GOOGLE", [], RD_GOOGLE, "US"),
    "2607:f8b0:4864:20::42e": ("mail-pg1-x42e.google.com", True, 15169, "GOOGLE", [],
                               RD_GOOGLE6, "US"),
    # a Japanese ISP forwarding to its subscribers' mailboxes
    "133.208.180.21": ("mta-snd-w01.mail.biglobe.ne.jp", True, 2518, "BIGLOBE BIGLOBE Inc.", [],
                       RD_BIGLOBE, "JP"),
    # a mailing list (Mailman on a Hetzner server) that rewrites the subject
    "88.198.116.91": ("static.91.116.198.88.clients.your-server.de", True, 24940,
                      "HETZNER-AS", [], RD_HETZNER, "DE"),
    # spoofers
    "113.160.224.66": ("static.vnpt.vn", False, 45899, "VNPT-AS-VN VNPT Corp",
                       [ZEN_XBL, SPAMCOP, BARRACUDA], RD_VNPT, "VN"),
    "117.95.164.77": ("77.164.95.117.broad.xz.js.dynamic.163data.com.cn", False, 4134,
                      "CHINANET-BACKBONE No.31,Jin-rong Street", [ZEN_XBL, ZEN_PBL, SPAMCOP],
                      RD_CHINANET, "CN"),
    "201.68.112.45": ("201-68-112-45.dsl.telesp.net.br", True, 27699, "TELEFONICA BRASIL S.A",
                      [ZEN_PBL, ZEN_XBL], RD_TELESP, "BR"),
    "95.31.18.119": ("95-31-18-119.broadband.corbina.ru", True, 8402,
                     "CORBINA-AS OJSC Vimpelcom", [ZEN_PBL, BARRACUDA], RD_CORBINA, "RU"),
    "51.68.12.34": ("ns3140123.ip-51-68-12.eu", True, 16276, "OVH", [SPAMCOP, BARRACUDA],
                    RD_OVH, "FR"),
    "45.79.119.21": ("45-79-119-21.ip.linodeusercontent.com", True, 63949,
                     "AKAMAI-LINODE-AP Akamai Connected Cloud", [BARRACUDA], RD_LINODE, "US"),
}
SPOOFERS_WAVE1 = ["113.160.224.66", "117.95.164.77"]
SPOOFERS_WAVE2 = ["201.68.112.45", "95.31.18.119", "51.68.12.34", "45.79.119.21"]


def end_date(arg):
    s = arg or os.environ.get("DEMO_END")
    if s:
        return datetime.date.fromisoformat(s)
    return datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)


# ---- the traffic -----------------------------------------------------------
# A stream: (ip, [(dkim domain, result)], (spf domain, result), messages on a
# weekday for the whole domain, weekend factor).

def streams(domain, day, date):
    """The streams of one domain on day `day` (0..DAYS-1) of the period."""
    sat_sun = date.weekday() >= 5
    own = [(domain, "pass")]
    out = []
    if domain == "example.co.jp":
        for ip, share in (("40.107.74.72", 0.34), ("40.107.75.50", 0.28), ("52.101.228.18", 0.2),
                          ("2a01:111:f403:2c14::703", 0.18)):
            out.append((ip, own, (domain, "pass"), 700 * share, 0.1))
        out.append(("160.16.104.12", own, (domain, "pass"), 45, 1.0))
        # the company's own list: the list rewrites the subject (DKIM breaks),
        # its envelope ml.example.co.jp passes SPF (aligned, relaxed)
        out.append(("160.16.104.13", [(domain, "fail")], ("ml." + domain, "pass"), 30, 0.2))
        if date.weekday() == 1:	# the Tuesday newsletter, DKIM signed with the domain
            out.append(("167.89.123.54", [(domain, "pass"), ("sendgrid.net", "pass")],
                        ("em4817." + domain, "pass"), 1300, 1.0))
        # notices from the web form: SendGrid's own DKIM only, its bounce domain
        out.append(("149.72.161.59", [("sendgrid.net", "pass")], ("sendgrid.net", "pass"), 35, 0.6))
        out.append(("209.85.220.41", own, ("gmail.com", "pass"), 22, 0.5))
        out.append(("209.85.220.69", [(domain, "fail")], (domain, "fail"), 6, 0.5))
        out.append(("2607:f8b0:4864:20::42e", own, ("gmail.com", "pass"), 9, 0.5))
        out.append(("133.208.180.21", [(domain, "pass" if day % 3 else "fail")], (domain, "softfail"),
                    12, 0.4))
        out.append(("88.198.116.91", [(domain, "fail")], ("lists.example.org", "pass"), 14, 0.3))
    else:
        for ip, share in (("54.240.8.35", 0.55), ("54.240.27.16", 0.45)):
            out.append((ip, [(domain, "pass"), ("amazonses.com", "pass")],
                        ("mail." + domain, "pass"), 420 * share, 0.9))
        out.append(("160.16.104.12", own, (domain, "pass"), 30, 1.0))
        out.append(("40.107.74.72", own, (domain, "pass"), 80, 0.15))
        out.append(("209.85.220.41", own, ("gmail.com", "pass"), 8, 0.6))
    # the spoofing campaign: two sources from the middle of the period, four
    # more 20 days before the end (and then against the shop too)
    ramp = 1.0 + max(0, day - (DAYS - 20)) / 8.0
    if domain == "example.co.jp" and day >= DAYS // 2:
        out.append(("113.160.224.66", [], (domain, "softfail"), 40 * ramp, 1.0))
        out.append(("117.95.164.77", [("mailer-notice.example", "fail")],
                    ("mailer-notice.example", "pass"), 25 * ramp, 1.0))
    if day >= DAYS - 20:
        for i, ip in enumerate(SPOOFERS_WAVE2):
            if domain == "shop.example.jp" and i % 2:
                continue
            out.append((ip, [], (domain, "fail" if i % 2 else "softfail"), (30 + 15 * i) * ramp, 1.0))
    return [(ip, dk, spf, vol * (wk if sat_sun else 1.0)) for ip, dk, spf, vol, wk in out]


def aligned(d, domain):
    return d == domain or d.endswith("." + domain)


def report_xml(rng, org, email, share, domain, p, day, date, rid):
    begin = int(datetime.datetime(date.year, date.month, date.day,
                                  tzinfo=datetime.timezone.utc).timestamp())
    rows = []
    for ip, dkims, (sd, sr), vol in streams(domain, day, date):
        count = int(round(vol * share * rng.uniform(0.7, 1.3)))
        if count <= 0:
            continue
        dkim_eval = "pass" if any(aligned(d, domain) and r == "pass" for d, r in dkims) else "fail"
        spf_eval = "pass" if aligned(sd, domain) and sr == "pass" else "fail"
        disp = "none" if "pass" in (dkim_eval, spf_eval) or p == "none" else p
        auth = "".join("<dkim><domain>%s</domain><selector>%s</selector><result>%s</result></dkim>"
                       % (d, "selector1" if d == domain else "s1", r) for d, r in dkims)
        auth += "<spf><domain>%s</domain><scope>mfrom</scope><result>%s</result></spf>" % (sd, sr)
        reason = ""
        if ip in ("209.85.220.41", "209.85.220.69", "2607:f8b0:4864:20::42e", "133.208.180.21") \
                and spf_eval == "fail":
            reason = "<reason><type>forwarded</type></reason>"
        elif ip == "88.198.116.91":
            reason = "<reason><type>mailing_list</type></reason>"
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
            % (org_x, email, rid, begin, begin + 86399, domain, p, p, "".join(rows))).encode(), begin


def write_report(out, n, org, email, style, domain, rid, begin, date, xml):
    recv = email.split("@")[1]
    name = "%s!%s!%d!%d" % (recv, domain, begin, begin + 86399)
    if style.startswith("zip"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo(name + ".xml", (date.year, date.month, date.day, 0, 0, 0)), xml)
        payload, ext, ctype = buf.getvalue(), ".zip", "application/zip"
    elif style.startswith("gz"):
        payload, ext, ctype = gzip.compress(xml, mtime=0), ".xml.gz", "application/gzip"
    else:
        payload, ext, ctype = xml, ".xml", "text/xml"
    if style.endswith("eml"):
        # email.mime (compat32) is several times faster than EmailMessage; a
        # fixed boundary keeps the bytes the same from run to run
        m = MIMEMultipart(boundary="dmarcscope-demo-" + rid)
        m["From"] = email
        m["To"] = "dmarc-rua@" + domain
        m["Subject"] = "Report Domain: %s Submitter: %s Report-ID: <%s>" % (domain, recv, rid)
        m.attach(MIMEText("This is an aggregate report from %s.\n" % org))
        a = MIMEApplication(payload, ctype.split("/")[1])
        a.add_header("Content-Disposition", "attachment", filename=name + ext)
        m.attach(a)
        path, data = os.path.join(out, "%s-%d.eml" % (name.replace("!", "_"), n)), m.as_bytes()
    else:
        path, data = os.path.join(out, name + ext), payload
    with open(path, "wb") as f:
        f.write(data)


def reports(out, end):
    os.makedirs(out, exist_ok=True)
    first = end - datetime.timedelta(days=DAYS - 1)
    n = 0
    for day in range(DAYS):
        date = first + datetime.timedelta(days=day)
        # the campaign is placed by the period's day, the rest by the date:
        # seeded by its date, a report keeps its ID (and so is a duplicate)
        # in a later run
        for domain, p in DOMAINS:
            for org, email, style, share in REPORTERS:
                rng = random.Random("%s|%s|%s" % (date.isoformat(), domain, org))
                if rng.random() < 0.06:	# a reporter skips a day now and then
                    continue
                rid = "%s.%s.%d" % (date.strftime("%Y%m%d"), domain.split(".")[0],
                                    rng.randrange(10**9))
                xml, begin = report_xml(rng, org, email, share, domain, p, day, date, rid)
                write_report(out, n, org, email, style, domain, rid, begin, date, xml)
                n += 1
    nf = gen_kinds.failures(out, first, DAYS, SPOOFERS_WAVE1, SPOOFERS_WAVE2, DOMAINS)
    nt = gen_kinds.tls(out, first, DAYS)
    print("%d demo reports in %s (%s to %s): %d aggregate, %d failure, %d TLS"
          % (n + nf + nt, out, first, end, n, nf, nt))


# ---- the servers' data -----------------------------------------------------

def rdap_json(ip, r):
    ent = {"objectClassName": "entity", "handle": r["name"] + "-ORG", "roles": ["registrant"],
           "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", r["org"]],
                                    ["kind", {}, "text", "org"]]],
           "entities": [{"objectClassName": "entity", "handle": "ABUSE-" + r["name"],
                         "roles": ["abuse"],
                         "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                                  ["fn", {}, "text", "Abuse"],
                                                  ["kind", {}, "text", "group"],
                                                  ["email", {}, "text", r["abuse"]]]]}]}
    pfx, length = r["cidr"].split("/")
    cidr = {"v6prefix" if ":" in pfx else "v4prefix": pfx, "length": int(length)}
    return {"rdapConformance": ["rdap_level_0", "cidr0"], "objectClassName": "ip network",
            "handle": r["handle"], "startAddress": r["start"], "endAddress": r["end"],
            "ipVersion": "v6" if ":" in ip else "v4", "name": r["name"], "type": "ALLOCATION",
            "country": r["country"], "cidr0_cidrs": [cidr], "entities": [ent],
            "remarks": [{"title": "dmarcscope demo",
                         "description": ["Demo data served on loopback by make run."]}]}


def servers(out):
    os.makedirs(os.path.join(out, "rdap"), exist_ok=True)
    dns = ["# the demo's DNS data (gen_demo.py servers), included into unbound's server: clause",
           'local-zone: "in-addr.arpa." static', 'local-zone: "ip6.arpa." static']
    zones, fwd, bl, asn, pfx = set(), [], {}, [], {4: set(), 6: set()}
    for ip, (ptr, confirmed, asnum, asname, lists, rd, _cc) in sorted(HOSTS.items()):
        dns.append('local-data-ptr: "%s %s."' % (ip, ptr))
        if ptr not in zones:
            zones.add(ptr)
            dns.append('local-zone: "%s." static' % ptr)
        rr = "AAAA" if ":" in ip else "A"
        # a name that does not confirm points elsewhere (a shared generic name)
        fwd.append('local-data: "%s. 300 IN %s %s"' % (ptr, rr, ip if confirmed else
                                                        "2001:db8::1" if ":" in ip else "203.0.113.1"))
        for zone, code, txt in lists:
            key = (zone, code)
            bl.setdefault(key, [txt, []])[1].append(ip)
        asn.append("%s\t%d\t%s" % (ip, asnum, asname))
        pfx[6 if ":" in ip else 4].add(rd["cidr"])
        with open(os.path.join(out, "rdap", ip.replace(":", "_") + ".json"), "w") as f:
            json.dump(rdap_json(ip, rd), f, indent=1)
    with open(os.path.join(out, "dns.conf"), "w") as f:
        f.write("\n".join(dns + sorted(set(fwd))) + "\n")
    specs = []
    for (zone, code), (txt, ips) in sorted(bl.items()):
        fn = "%s-%s.zone" % (zone.split(".")[0], code.split(".")[-1])
        with open(os.path.join(out, fn), "w") as f:
            f.write("# %s %s (demo data)\n:%s:%s\n%s\n" % (zone, code, code, txt, "\n".join(ips)))
        specs.append("%s:ip4trie:%s" % (zone, fn))
    with open(os.path.join(out, "rbl-zones"), "w") as f:
        f.write(" ".join(specs) + "\n")
    with open(os.path.join(out, "dnsbl"), "w") as f:
        f.write(",".join(sorted({z for z, _c in bl})) + "\n")
    with open(os.path.join(out, "asn.tsv"), "w") as f:
        f.write("\n".join(asn) + "\n")
    for fam in (4, 6):
        with open(os.path.join(out, "rdap-prefixes%d" % fam), "w") as f:
            f.write(json.dumps(sorted(pfx[fam])) + "\n")
    with open(os.path.join(out, "countries.tsv"), "w") as f:
        f.write("".join("%s\t%s\n" % (ip, h[6]) for ip, h in sorted(HOSTS.items())))
    with open(os.path.join(out, "spoofers"), "w") as f:
        f.write("\n".join(SPOOFERS_WAVE1 + SPOOFERS_WAVE2) + "\n")
    print("demo server data in %s (%d hosts)" % (out, len(HOSTS)))


def main():
    a = sys.argv[1:]
    if len(a) >= 2 and a[0] == "reports":
        end = a[3] if len(a) == 4 and a[2] == "--end" else None
        reports(a[1], end_date(end))
    elif len(a) == 2 and a[0] == "servers":
        servers(a[1])
    else:
        sys.exit("usage: gen_demo.py reports OUTDIR [--end YYYY-MM-DD] | servers OUTDIR")


if __name__ == "__main__":
    main()
