#!/usr/bin/env python3
"""mkreport.py ROWS DOMAIN OUT - an aggregate report (RFC 7489 appendix C) for
the fixes cases, from a rows file: one record per line,

    IP COUNT ENVELOPE_FROM [spf=DOMAIN:RESULT] [dkim=DOMAIN:SELECTOR:RESULT]... [reason=TYPE]

'#' starts a comment.  The report covers 2024-04-01 (UTC), reported by
example.net, policy p=none; the policy_evaluated verdicts are what the
auth results give for relaxed alignment on DOMAIN's last two labels.
Python standard library only.
"""
import sys
from xml.sax.saxutils import escape


def org(d):
    return ".".join(d.split(".")[-2:])


def main():
    rows, domain, out = sys.argv[1], sys.argv[2], sys.argv[3]
    recs = []
    for line in open(rows, encoding="utf-8"):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        ip, count, env = line[0], line[1], line[2]
        spf, dkims, reason = None, [], None
        for w in line[3:]:
            k, v = w.split("=", 1)
            if k == "spf":
                spf = v.split(":")
            elif k == "dkim":
                dkims.append(v.split(":"))
            elif k == "reason":
                reason = v
        dk_ok = any(r == "pass" and org(d) == org(domain) for d, s, r in dkims)
        spf_ok = spf is not None and spf[1] == "pass" and org(spf[0]) == org(domain)
        x = ["<record><row><source_ip>%s</source_ip><count>%s</count><policy_evaluated>"
             "<disposition>none</disposition><dkim>%s</dkim><spf>%s</spf>" %
             (ip, count, "pass" if dk_ok else "fail", "pass" if spf_ok else "fail")]
        if reason:
            x.append("<reason><type>%s</type></reason>" % reason)
        x.append("</policy_evaluated></row><identifiers><envelope_from>%s</envelope_from>"
                 "<header_from>%s</header_from></identifiers><auth_results>" % (escape(env), domain))
        for d, s, r in dkims:
            x.append("<dkim><domain>%s</domain><selector>%s</selector><result>%s</result></dkim>"
                     % (d, s, r))
        if spf:
            x.append("<spf><domain>%s</domain><scope>mfrom</scope><result>%s</result></spf>"
                     % (spf[0], spf[1]))
        x.append("</auth_results></record>")
        recs.append("".join(x))
    with open(out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<feedback><version>1.0</version>'
                "<report_metadata><org_name>example.net</org_name><email>dmarc@example.net</email>"
                "<report_id>fixes-%s</report_id><date_range><begin>1711929600</begin>"
                "<end>1712015999</end></date_range></report_metadata><policy_published>"
                "<domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp>"
                "<pct>100</pct></policy_published>\n%s\n</feedback>\n"
                % (domain, domain, "\n".join(recs)))


main()
