#!/usr/bin/env python3
"""gen_month.py OUTDIR START_UNIX DAYS - a month of aggregate reports for
example.jp, one directory per day (dayNN/), for tests/alerts.sh.

Every day: google.com reports 1000 aligned messages from 192.0.2.10 (the
domain's registered server); yahoo.com reports 300 of them until day 24 and
then stops.  The published policy is p=none until day 14, p=quarantine from
day 15.  A spoofing campaign from 203.0.113.66 (nothing aligned) starts on
day 20 with 200 messages a day and jumps to 2000 on days 28 and 29.
Before day 20 there are 3 stray failing messages a day (below the threshold).
"""
import os
import sys

out, start, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

GOOD = """<record><row><source_ip>192.0.2.10</source_ip><count>{n}</count><policy_evaluated>
<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
<identifiers><header_from>example.jp</header_from></identifiers><auth_results>
<dkim><domain>example.jp</domain><selector>s1</selector><result>pass</result></dkim>
<spf><domain>example.jp</domain><result>pass</result></spf></auth_results></record>"""
SPOOF = """<record><row><source_ip>{ip}</source_ip><count>{n}</count><policy_evaluated>
<disposition>{disp}</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.jp</header_from></identifiers><auth_results>
<spf><domain>spoofer.example</domain><result>fail</result></spf></auth_results></record>"""


def report(org, rid, begin, policy, records):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feedback><version>1.0</version>
<report_metadata><org_name>{org}</org_name><email>dmarc@{org}</email>
<report_id>{rid}</report_id><date_range><begin>{begin}</begin><end>{begin + 86399}</end></date_range>
</report_metadata>
<policy_published><domain>example.jp</domain><adkim>r</adkim><aspf>r</aspf><p>{policy}</p><sp>{policy}</sp><pct>100</pct></policy_published>
{records}
</feedback>
"""


for k in range(1, days + 1):
    begin = start + (k - 1) * 86400
    policy = "none" if k < 15 else "quarantine"
    disp = "none" if k < 15 else "quarantine"
    d = os.path.join(out, "day%02d" % k)
    os.makedirs(d, exist_ok=True)
    recs = [GOOD.format(n=1000)]
    if k < 20:
        recs.append(SPOOF.format(ip="198.51.100.7", n=3, disp=disp))
    else:
        recs.append(SPOOF.format(ip="203.0.113.66", n=2000 if k in (28, 29) else 200, disp=disp))
    with open(os.path.join(d, "google.xml"), "w") as f:
        f.write(report("google.com", "g%d" % k, begin, policy, "\n".join(recs)))
    if k <= 24:
        with open(os.path.join(d, "yahoo.xml"), "w") as f:
            f.write(report("yahoo.com", "y%d" % k, begin, policy, GOOD.format(n=300)))
