#!/usr/bin/env python3
"""gen_records.py - deterministic aggregate reports for the analysis benchmark.

    python3 bench/gen_records.py OUTDIR --records N [--days 90] [--domain D]
        [--end YYYY-MM-DD] [--reporters 4] [--seed 1]

Writes DAYS x REPORTERS gzipped RFC 7489 reports for one policy domain, the
records split evenly, ending on --end (default: yesterday, UTC), so a 90-day
window ending today covers them all.  The traffic mixes aligned senders,
ESPs, forwarders and spoofers over a pool of ~20,000 source IPs (IPv4 and
IPv6), so every class and matrix cell is populated.  Prints one JSON line:
{"files", "records", "messages", "first_day", "last_day"}.
"""
import argparse, datetime, gzip, json, os, random

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--records", type=int, required=True)
ap.add_argument("--days", type=int, default=90)
ap.add_argument("--domain", default="bench.example.jp")
ap.add_argument("--end")
ap.add_argument("--reporters", type=int, default=4)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()

rnd = random.Random(a.seed)
end = (datetime.date.fromisoformat(a.end) if a.end else
       datetime.datetime.utcnow().date() - datetime.timedelta(days=1))
first = end - datetime.timedelta(days=a.days - 1)
D = a.domain
orgs = ["google.com", "Outlook.com", "Yahoo! JAPAN", "KDDI", "docomo.ne.jp", "SoftBank"][:a.reporters]

pool = []
for i in range(20000):
    if i % 10 == 0:
        pool.append("2001:db8:%x:%x::%x" % (i % 97, i % 13, i))
    else:
        pool.append("%d.%d.%d.%d" % (10 + i % 40, (i * 7) % 250, (i * 13) % 250, 1 + i % 250))

# (weight, spf_domain, spf_result, dkim list [(d, result)], evaluated dkim, spf, reason)
kinds = [
    (60, D, "pass", [(D, "pass")], "pass", "pass", None),
    (10, "sendgrid.net", "pass", [(D, "pass"), ("sendgrid.net", "pass")], "pass", "fail", None),
    (8, D, "fail", [(D, "pass")], "pass", "fail", None),
    (6, D, "fail", [], "fail", "fail", None),
    (4, "lists.example.org", "pass", [(D, "fail")], "fail", "fail", None),
    (2, D, "fail", [], "fail", "fail", "forwarded"),
    (10, "attacker.example", "pass", [], "fail", "fail", None),
]
weights = [k[0] for k in kinds]

os.makedirs(a.out, exist_ok=True)
per_file = max(1, a.records // (a.days * len(orgs)))
extra = a.records - per_file * a.days * len(orgs)
total_records = total_msgs = files = 0
for d in range(a.days):
    day = first + datetime.timedelta(days=d)
    begin = int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp())
    for o, org in enumerate(orgs):
        n = per_file + (1 if extra > 0 else 0)
        extra -= 1 if extra > 0 else 0
        if n <= 0:
            continue
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n<report_metadata>'
                 '<org_name>%s</org_name><email>noreply@%s</email><report_id>bench-%d-%d</report_id>'
                 '<date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>\n'
                 '<policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>'
                 '<sp>none</sp><pct>100</pct></policy_published>\n'
                 % (org, "example.net", d, o, begin, begin + 86399, D)]
        for r in range(n):
            k = rnd.choices(kinds, weights)[0]
            ip = pool[rnd.randrange(len(pool))]
            cnt = rnd.randint(1, 20)
            total_msgs += cnt
            reason = ('<reason><type>%s</type></reason>' % k[6]) if k[6] else ''
            disp = "none"
            dk = "".join('<dkim><domain>%s</domain><selector>s1</selector><result>%s</result></dkim>'
                         % x for x in k[3])
            parts.append('<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>'
                         '<disposition>%s</disposition><dkim>%s</dkim><spf>%s</spf>%s</policy_evaluated></row>'
                         '<identifiers><header_from>%s</header_from></identifiers><auth_results>%s'
                         '<spf><domain>%s</domain><scope>mfrom</scope><result>%s</result></spf>'
                         '</auth_results></record>\n'
                         % (ip, cnt, disp, k[4], k[5], reason, D, dk, k[1], k[2]))
        parts.append('</feedback>\n')
        total_records += n
        name = os.path.join(a.out, "%s!%s!%d!%d.xml.gz" % (org.replace(" ", "_").replace("!", ""), D, begin, begin + 86399))
        with gzip.open(name, "wt", compresslevel=1, encoding="utf-8") as f:
            f.write("".join(parts))
        files += 1
print(json.dumps({"files": files, "records": total_records, "messages": total_msgs,
                  "first_day": first.isoformat(), "last_day": end.isoformat()}))
