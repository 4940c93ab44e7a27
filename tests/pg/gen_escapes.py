#!/usr/bin/env python3
"""tests/pg/gen_escapes.py N - one aggregate report of N records (to stdout) whose reasons,
DKIM and SPF results and envelope_from hold a tab, a newline, a CR, backslashes and quotes
(character references where XML would normalize them): what COPY text format must escape
(tests/pg/stage.sh)."""
import sys
n = int(sys.argv[1])
out = ['<?xml version="1.0" encoding="UTF-8"?>\n<feedback><report_metadata><org_name>copy.example</org_name>'
       '<email>dmarc@copy.example</email><report_id>copy-escapes-1</report_id>'
       '<date_range><begin>1704067200</begin><end>1704153599</end></date_range></report_metadata>'
       '<policy_published><domain>copy.example</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>'
       '<sp>none</sp><pct>100</pct></policy_published>']
for i in range(n):
    ip = "192.0.%d.%d" % (2 + i // 250, 1 + i % 250)
    out.append('<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>'
               '<disposition>none</disposition><dkim>fail</dkim><spf>pass</spf>'
               '<reason><type>local_policy</type><comment>tab&#9;here back\\slash nl&#10;x cr&#13;z "q" %d</comment></reason>'
               '</policy_evaluated></row><identifiers><header_from>copy.example</header_from>'
               '<envelope_from>b\\ounce.copy.example</envelope_from></identifiers><auth_results>'
               '<dkim><domain>copy.example</domain><selector>s\\%d</selector><result>fail</result>'
               '<human_result>a&#9;b\\N</human_result></dkim>'
               '<spf><domain>copy.example</domain><result>pass</result><human_result>l1&#10;l2 \\. %d</human_result></spf>'
               '</auth_results></record>' % (ip, 1 + i % 7, i, i % 3, i))
out.append('</feedback>\n')
sys.stdout.write(''.join(out))
