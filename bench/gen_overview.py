#!/usr/bin/env python3
"""gen_overview.py - the domains overview's benchmark corpus (issue 19).

Deterministic (random.Random(--seed), fixed dates): --domains policy domains,
each with one aggregate report a day from one of six reporters for --days
days ending --end (UTC), about --records records in all, written as mbox
files (one e-mail per report, the report gzipped and base64-encoded, as the
big reporters send them) that `dmarcscope ingest` reads.  Also writes
senders.sql (My Senders: each domain's own servers, for the domains that have
registered them) to load before ingest, and summary.json (reports, records,
messages).

Per domain, drawn once: the published policy (p=none 40 %, quarantine 35 %,
reject 25 %; pct < 100 for some), its volume (a long tail: a few large
domains, many small ones), whether it is spoofed (30 %: spoofing records from
random addresses, in waves), whether its own senders fail (10 %: SPF and
DKIM fail from its own servers), and whether its reports stop (3 %: the last
10 days are missing).  Names read like a provider's customers:
WORD-WORD-NNNN.example.{jp,com,net}.

Standard library only.  Usage:
  gen_overview.py --out DIR [--domains 10000] [--days 90] [--records 10000000]
                  [--end 2026-11-30] [--seed 19] [--per-file 20000]
"""
import argparse, base64, datetime as dt, gzip, json, os, random

WORDS = ("sakura shop tokyo osaka kyoto hana mori umi sora yama kawa green blue star net mail "
         "nagoya fukuoka sendai sapporo kobe yokohama bank care farm food tech soft web cloud "
         "design print travel hotel clinic school law office labo works trade home auto").split()
REPORTERS = [("google.com", "noreply-dmarc-support@google.com"),
             ("Yahoo! JAPAN", "dmarc-report@mail.yahoo.co.jp"),
             ("Outlook.com", "dmarcreport@microsoft.com"),
             ("docomo.ne.jp", "dmarc-report@docomo.ne.jp"),
             ("KDDI", "dmarc@kddi.example"),
             ("Mail.Ru", "dmarc_support@corp.mail.ru")]


def record(ip, count, dkim, spf, dom, dkim_dom, spf_dom, dkim_res, spf_res):
    return ("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
            "<disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>"
            "<identifiers><header_from>%s</header_from></identifiers><auth_results><dkim><domain>%s"
            "</domain><selector>s1</selector><result>%s</result></dkim><spf><domain>%s</domain>"
            "<result>%s</result></spf></auth_results></record>"
            % (ip, count, dkim, spf, dom, dkim_dom, dkim_res, spf_dom, spf_res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--domains", type=int, default=10000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--records", type=int, default=10000000)
    ap.add_argument("--end", default="2026-11-30")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--per-file", type=int, default=20000)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    end = dt.datetime.fromisoformat(a.end).replace(tzinfo=dt.timezone.utc)
    first = int(end.timestamp()) - (a.days - 1) * 86400
    names, seen = [], set()
    while len(names) < a.domains:
        n = "%s-%s-%04d.example.%s" % (rnd.choice(WORDS), rnd.choice(WORDS), rnd.randrange(10000),
                                       rnd.choice(("jp", "com", "net", "co.jp")))
        if n not in seen:
            seen.add(n)
            names.append(n)
    per_report = a.records / float(a.domains * a.days)
    doms = []
    senders = []
    for i, n in enumerate(names):
        r = rnd.random()
        d = {"name": n, "p": "none" if r < 0.40 else "quarantine" if r < 0.75 else "reject",
             "pct": rnd.choice((10, 25, 50)) if rnd.random() < 0.1 else None,
             "vol": int(rnd.paretovariate(1.2) * 20), "spoofed": rnd.random() < 0.30,
             "failing": rnd.random() < 0.10, "stops": rnd.random() < 0.03,
             "own": "160.%d.%d" % (16 + i // 250 % 200, i % 250), "rep": rnd.randrange(len(REPORTERS))}
        doms.append(d)
        if rnd.random() < 0.8:
            senders.append("INSERT OR IGNORE INTO senders(policy_domain, kind, match_type, value, note, "
                           "created_at) VALUES ('%s', 1, 'cidr', '%s.0/24', 'bench', 0);" % (n, d["own"]))
    with open(os.path.join(a.out, "senders.sql"), "w") as f:
        f.write("BEGIN;\n" + "\n".join(senders) + "\nCOMMIT;\n")
    nrep = nrec = nmsg = 0
    fileno, infile, out = 0, 0, None
    carry = 0.0
    for day in range(a.days):
        b = first + day * 86400
        for d in doms:
            if d["stops"] and day >= a.days - 10:
                continue
            carry += per_report
            k = max(1, int(carry))
            carry -= k
            dom = d["name"]
            recs = []
            wave = d["spoofed"] and (day // 7) % 3 != 0
            for j in range(k):
                ip = "%s.%d" % (d["own"], 1 + (j % 200))
                cnt = 1 + rnd.randrange(d["vol"] + 1)
                t = rnd.random()
                if wave and t < 0.35:      # spoofing: someone else's address, no pass
                    recs.append(record("%d.%d.%d.%d" % (rnd.randrange(1, 223), rnd.randrange(256),
                                                        rnd.randrange(256), rnd.randrange(1, 255)),
                                       cnt, "fail", "fail", dom, "spam.example", "spam.example",
                                       "fail", "softfail"))
                elif d["failing"] and t < 0.55:   # own server, broken signing
                    recs.append(record(ip, cnt, "fail", "fail", dom, dom, dom, "fail", "fail"))
                elif t < 0.62:             # forwarded: DKIM survives
                    recs.append(record("209.85.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255)),
                                       cnt, "pass", "fail", dom, dom, "forwarder.example", "pass",
                                       "pass"))
                else:
                    recs.append(record(ip, cnt, "pass", "pass", dom, dom, dom, "pass", "pass"))
                nmsg += cnt
            nrec += k
            org, email = REPORTERS[(d["rep"] + day // 30) % len(REPORTERS)]
            rid = "ov-%d-%s" % (day, dom)
            pol = "<p>%s</p><sp>%s</sp>%s" % (d["p"], d["p"], "<pct>%d</pct>" % d["pct"] if d["pct"] else "")
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback><report_metadata><org_name>%s'
                   '</org_name><email>%s</email><report_id>%s</report_id><date_range><begin>%d'
                   '</begin><end>%d</end></date_range></report_metadata><policy_published><domain>%s'
                   '</domain><adkim>r</adkim><aspf>r</aspf>%s</policy_published>%s</feedback>\n'
                   % (org.replace("&", "&amp;"), email, rid, b, b + 86399, dom, pol, "".join(recs)))
            gz = gzip.compress(xml.encode(), 6, mtime=0)
            fname = "%s!%s!%d!%d.xml.gz" % (org.split()[0].lower(), dom, b, b + 86399)
            if out is None or infile >= a.per_file:
                if out is not None:
                    out.close()
                out = open(os.path.join(a.out, "reports-%04d.mbox" % fileno), "w")
                fileno += 1
                infile = 0
            body = base64.encodebytes(gz).decode()
            out.write("From dmarc@reporter.example Mon Jan  1 00:00:00 2026\n"
                      "From: %s\nTo: rua@provider.example\nSubject: Report Domain: %s Report-ID: %s\n"
                      "Message-ID: <%s@reporter.example>\nMIME-Version: 1.0\n"
                      "Content-Type: application/gzip; name=\"%s\"\n"
                      "Content-Disposition: attachment; filename=\"%s\"\n"
                      "Content-Transfer-Encoding: base64\n\n%s\n"
                      % (email, dom, rid, rid, fname, fname, body))
            infile += 1
            nrep += 1
    if out is not None:
        out.close()
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"domains": a.domains, "days": a.days, "reports": nrep, "records": nrec,
                   "messages": nmsg, "end": a.end, "seed": a.seed}, f)
    print(json.dumps({"reports": nrep, "records": nrec, "messages": nmsg}))


if __name__ == "__main__":
    main()
