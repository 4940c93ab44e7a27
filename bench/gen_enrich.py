#!/usr/bin/env python3
"""gen_enrich.py - data for bench/enrich.sh (deterministic).

  gen_enrich.py synthetic N OUTDIR   N unique source IPs (90 % IPv4 in 10.1/16,
                                     10 % IPv6 in 2001:db8:1::/48), one report
  gen_enrich.py real XMLFILE OUTDIR  the unique source IPs of an aggregate report

OUTDIR gets:
  report.xml   (synthetic only) one aggregate report, one record per IP
  dns.conf     unbound server-clause lines: a PTR for 85 % of the IPs, and for
               90 % of those an A/AAAA that confirms it (the rest point
               elsewhere); every other reverse name is NXDOMAIN; Team Cymru
               origin and AS-name data (one AS for everything)
  bl.zone, bl6.zone   rbldnsd data for the zone bl.bench.test: 5 % listed,
               half with 127.0.0.2 and half with 127.0.0.4
  expect.json  how many PTRs, confirmed, listed the run must find
Only documentation and private names and addresses are invented; the real
mode serves synthetic names for the report's addresses on loopback only.
"""
import hashlib
import ipaddress
import json
import os
import re
import sys


def h(s, mod):
    return int(hashlib.sha256(s.encode()).hexdigest()[:8], 16) % mod


def rev_zone_v4(ip):
    o = str(ip).split(".")
    return "%s.%s.%s.in-addr.arpa." % (o[2], o[1], o[0])


def write_data(ips, out):
    ptr = confirmed = listed = 0
    zones = set()
    lines = ['local-zone: "bench.example." static']
    bl4 = [":127.0.0.2:Listed in the bench DNSBL, see http://bl.bench.test/?$"]
    bl6 = [":127.0.0.2:Listed in the bench DNSBL"]
    for ip in ips:
        a = ipaddress.ip_address(ip)
        key = a.exploded
        if a.version == 4:
            zones.add(rev_zone_v4(a))
        else:
            zones.add(".".join(reversed(a.exploded.replace(":", "")[:12])) + ".ip6.arpa.")
        name = "h-" + re.sub(r"[.:]", "-", key) + ".bench.example."
        if h("ptr" + key, 100) < 85:
            ptr += 1
            lines.append('local-data-ptr: "%s %s"' % (ip, name))
            if h("fwd" + key, 100) < 90:
                confirmed += 1
                target = ip
            else:
                target = "192.0.2.250" if a.version == 4 else "2001:db8:ffff::250"
            lines.append('local-data: "%s 300 IN %s %s"' % (name, "A" if a.version == 4
                                                           else "AAAA", target))
        if h("bl" + key, 100) < 5:
            listed += 1
            code = "" if h("code" + key, 2) == 0 else " :127.0.0.4:Spam source $"
            (bl4 if a.version == 4 else bl6).append(str(ip) + code)
    for z in sorted(zones):
        lines.append('local-zone: "%s" static' % z)
    lines.append('local-zone: "origin.asn.cymru.com." redirect')
    lines.append('local-data: \'origin.asn.cymru.com. 300 IN TXT '
                 '"64496 | 10.0.0.0/8 | ZZ | arin | 2000-01-01"\'')
    lines.append('local-zone: "origin6.asn.cymru.com." redirect')
    lines.append('local-data: \'origin6.asn.cymru.com. 300 IN TXT '
                 '"64497 | 2001:db8::/32 | ZZ | ripencc | 2001-01-01"\'')
    lines.append('local-zone: "asn.cymru.com." static')
    lines.append('local-data: \'AS64496.asn.cymru.com. 300 IN TXT '
                 '"64496 | ZZ | arin | 2000-01-01 | BENCH-NET - Bench Networks, ZZ"\'')
    lines.append('local-data: \'AS64497.asn.cymru.com. 300 IN TXT '
                 '"64497 | ZZ | ripencc | 2001-01-01 | BENCH6 - Bench v6, ZZ"\'')
    with open(os.path.join(out, "dns.conf"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "bl.zone"), "w") as f:
        f.write("\n".join(bl4) + "\n")
    with open(os.path.join(out, "bl6.zone"), "w") as f:
        f.write("\n".join(bl6) + "\n")
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump({"hosts": len(ips), "ptr": ptr, "confirmed": confirmed,
                   "listed": listed}, f)


def write_report(ips, out):
    with open(os.path.join(out, "report.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<feedback><version>1.0</version>\n'
                '<report_metadata><org_name>bench.example</org_name>'
                '<email>noreply@bench.example</email><report_id>enrich-bench-%d</report_id>'
                '<date_range><begin>1700000000</begin><end>1700086399</end></date_range>'
                '</report_metadata>\n<policy_published><domain>example.com</domain>'
                '<adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>'
                '</policy_published>\n' % len(ips))
        for ip in ips:
            f.write('<record><row><source_ip>%s</source_ip><count>1</count>'
                    '<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>'
                    '<spf>pass</spf></policy_evaluated></row><identifiers>'
                    '<header_from>example.com</header_from></identifiers><auth_results>'
                    '<spf><domain>example.com</domain><result>pass</result></spf>'
                    '</auth_results></record>\n' % ip)
        f.write("</feedback>\n")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("synthetic", "real"):
        sys.exit(__doc__)
    out = sys.argv[3]
    os.makedirs(out, exist_ok=True)
    if sys.argv[1] == "synthetic":
        n = int(sys.argv[2])
        n6 = n // 10
        ips = [str(ipaddress.ip_address("10.1.0.0") + i + 1) for i in range(n - n6)]
        ips += [str(ipaddress.ip_address("2001:db8:1::") + i + 1) for i in range(n6)]
        write_report(ips, out)
    else:
        text = open(sys.argv[2], encoding="utf-8", errors="replace").read()
        seen = []
        for m in re.finditer(r"<source_ip>\s*([^<\s]+)\s*</source_ip>", text):
            try:
                ip = str(ipaddress.ip_address(m.group(1)))
            except ValueError:
                continue
            seen.append(ip)
        ips = sorted(set(seen))
    write_data(ips, out)
    print(len(ips))


if __name__ == "__main__":
    main()
