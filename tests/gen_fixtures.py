#!/usr/bin/env python3
"""gen_fixtures.py - writes every data-driven case under tests/cases/.

Each case is one directory tests/cases/NNNN-name/ with its input
(input.xml, input.xml.gz, input.zip, input.eml, input.mbox, input/ or
input.bin; or input1.*, input2.*, ... ingested in one command, in order),
an optional `args` file (one line of extra `ingest` arguments) and
expect.json (see tests/run_cases.py for the matching rules).

The generated files are committed, so the tests never depend on running this
script.  Edit the case here, then regenerate:

    python3 tests/gen_fixtures.py            # (re)write tests/cases/
    python3 tests/gen_fixtures.py --check    # fail if tests/cases/ is stale

Everything is deterministic: gzip members have mtime 0, zip entries a fixed
date, and no randomness.  Only the Python standard library is used.  All
names and addresses are reserved for documentation (example.com/.net/.org,
*.example, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).

Case numbering: 00xx schema generations and value quirks, 004x IPs and bad
records, 005x dates, 006x-008x XML bytes and well-formedness, 010x gzip,
011x zip, 012x-013x mail, 014x mbox/Maildir, 015x dedupe.
"""
import base64
import datetime
import gzip
import io
import ipaddress
import json
import os
import quopri
import shutil
import struct
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")

B = 1700006400          # 2023-11-15 00:00:00 UTC
E = 1700092799          # 2023-11-15 23:59:59 UTC
DAY = 86400
ZIP_DATE = (2023, 11, 16, 1, 2, 4)

CASES = {}              # name -> {relative path: bytes}


def day(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d")


def case(name, files, expect, args=None):
    """Register one case.  files: {relative path: bytes or str}."""
    assert name not in CASES, name
    out = {}
    for path, data in files.items():
        if isinstance(data, str):
            data = data.encode("utf-8")
        out[path] = data
    out["expect.json"] = (json.dumps(expect, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    if args:
        out["args"] = (args + "\n").encode()
    CASES[name] = out


def sub(text, old, new, count=1):
    """str/bytes replace that insists the old text is there."""
    assert old in text, (old, text[:200])
    return text.replace(old, new, count)


# ---------------------------------------------------------------- XML builder

DEFAULT_POLICY = [("domain", "example.com"), ("adkim", "r"), ("aspf", "r"), ("p", "none"),
                  ("sp", "none"), ("pct", "100"), ("fo", "1")]


def rec(ip, count, disp="none", dkim="pass", spf="pass", header_from="example.com",
        envelope_from="example.com", envelope_to=None, reasons=(), auth_dkim=None,
        auth_spf=None, dkim_order=("domain", "selector", "result", "human_result"),
        identifiers="identifiers", extra=""):
    """A record spec.  auth_dkim: list of dicts/tuples (domain, selector, result);
    auth_spf: list of tuples (domain, scope, result); None means the default."""
    if auth_dkim is None:
        auth_dkim = [("example.com", "s1", dkim)]
    if auth_spf is None:
        auth_spf = [(envelope_from or header_from, "mfrom", spf)]
    return dict(ip=ip, count=count, disp=disp, dkim=dkim, spf=spf, header_from=header_from,
                envelope_from=envelope_from, envelope_to=envelope_to, reasons=list(reasons),
                auth_dkim=auth_dkim, auth_spf=auth_spf, dkim_order=dkim_order,
                identifiers=identifiers, extra=extra)


def R1():
    return rec("192.0.2.1", 5)


def R2():
    return rec("198.51.100.7", 2, disp="quarantine", dkim="fail", spf="fail",
               envelope_from="bounce.example.net",
               auth_dkim=[("example.com", "s1", "fail")],
               auth_spf=[("bounce.example.net", "mfrom", "fail")])


def _el(name, value, ind):
    if value is None:
        return ""
    return "%s<%s>%s</%s>\n" % (ind, name, value, name)


def render_record(r):
    s = "  <record>\n    <row>\n"
    s += _el("source_ip", r["ip"], "      ")
    s += _el("count", r["count"], "      ")
    s += "      <policy_evaluated>\n"
    s += _el("disposition", r["disp"], "        ")
    s += _el("dkim", r["dkim"], "        ")
    s += _el("spf", r["spf"], "        ")
    for t, c in r["reasons"]:
        s += "        <reason>\n" + _el("type", t, "          ") + _el("comment", c, "          ")
        s += "        </reason>\n"
    s += "      </policy_evaluated>\n    </row>\n"
    s += "    <%s>\n" % r["identifiers"]
    s += _el("envelope_to", r["envelope_to"], "      ")
    s += _el("envelope_from", r["envelope_from"], "      ")
    s += _el("header_from", r["header_from"], "      ")
    s += "    </%s>\n" % r["identifiers"]
    s += "    <auth_results>\n"
    for d in r["auth_dkim"]:
        if isinstance(d, tuple):
            d = dict(zip(("domain", "selector", "result"), d))
        s += "      <dkim>\n"
        for k in r["dkim_order"]:
            s += _el(k, d.get(k), "        ")
        s += "      </dkim>\n"
    for t in r["auth_spf"]:
        if isinstance(t, tuple):
            t = dict(zip(("domain", "scope", "result"), t))
        s += "      <spf>\n"
        for k in ("domain", "scope", "result", "human_result"):
            s += _el(k, t.get(k), "        ")
        s += "      </spf>\n"
    s += "    </auth_results>\n"
    s += r["extra"]
    s += "  </record>\n"
    return s


def report(org="receiver.example", email="noreply-dmarc@receiver.example", rid="rid-0001",
           begin=B, end=E, version="1.0", root="<feedback>", policy=None, records=None,
           decl='<?xml version="1.0" encoding="UTF-8"?>\n', meta_extra="", top_extra=""):
    """A report as text.  version=None drops <version>."""
    if policy is None:
        policy = DEFAULT_POLICY
    if records is None:
        records = [R1(), R2()]
    s = decl + root + "\n"
    if version is not None:
        s += "  <version>%s</version>\n" % version
    s += "  <report_metadata>\n"
    s += _el("org_name", org, "    ")
    s += _el("email", email, "    ")
    s += _el("report_id", rid, "    ")
    s += "    <date_range>\n"
    s += _el("begin", begin, "      ")
    s += _el("end", end, "      ")
    s += "    </date_range>\n"
    s += meta_extra
    s += "  </report_metadata>\n"
    s += "  <policy_published>\n"
    for k, v in policy:
        s += _el(k, v, "    ")
    s += "  </policy_published>\n"
    s += top_extra
    for r in records:
        s += render_record(r)
    s += "</feedback>\n"
    return s


def exp_record(r):
    """The exported form of a record spec whose values are already canonical."""
    def dk(d):
        if isinstance(d, tuple):
            d = dict(zip(("domain", "selector", "result"), d))
        return {"domain": d.get("domain"), "selector": d.get("selector"),
                "result": d.get("result"), "human_result": d.get("human_result")}

    def sp(t):
        if isinstance(t, tuple):
            t = dict(zip(("domain", "scope", "result"), t))
        return {"domain": t.get("domain"), "scope": t.get("scope"), "result": t.get("result"),
                "human_result": t.get("human_result")}
    return {"source_ip": r["ip"], "count": int(r["count"]), "disposition": r["disp"],
            "dkim": r["dkim"], "spf": r["spf"],
            "reasons": [{"type": t, "comment": c} for t, c in r["reasons"]],
            "header_from": r["header_from"], "envelope_from": r["envelope_from"],
            "envelope_to": r["envelope_to"],
            "auth_dkim": [dk(d) for d in r["auth_dkim"]],
            "auth_spf": [sp(t) for t in r["auth_spf"]]}


POLICY_FULL = {"domain": "example.com", "adkim": "r", "aspf": "r", "p": "none", "sp": "none",
               "np": None, "pct": 100, "fo": "1", "testing": None, "discovery_method": None}


def stored(n_reports=1, records=None, messages=None, ingest_extra=None, summary_extra=None):
    """The ingest/summary expectation for 'everything stored, nothing refused'."""
    ing = {"reports": n_reports, "duplicates": 0, "refused": 0}
    summ = {"reports": n_reports, "quarantined": 0}
    if records is not None:
        ing["records"] = records
        summ["records"] = records
    if messages is not None:
        ing["message_count"] = messages
        summ["messages"] = messages
    ing.update(ingest_extra or {})
    summ.update(summary_extra or {})
    return {"exit": 0, "ingest": ing, "summary": summ}


def refused(stderr=(), quarantined=1):
    e = {"exit": 1, "ingest": {"reports": 0, "refused": 1},
         "summary": {"reports": 0, "records": 0, "messages": 0}, "reports": [],
         "stderr_contains": ["refused"] + list(stderr)}
    if quarantined is not None:
        e["summary"]["quarantined"] = quarantined
    return e


# ------------------------------------------------------------ container helpers

def gz(data, fname=None):
    if isinstance(data, str):
        data = data.encode()
    if fname is None:
        return gzip.compress(data, compresslevel=9, mtime=0)
    buf = io.BytesIO()
    with gzip.GzipFile(filename=fname, mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
        f.write(data)
    return buf.getvalue()


def gz_all_flags(data, fname, comment, extra):
    """A gzip member with FEXTRA, FNAME, FCOMMENT and FHCRC all set (RFC 1952)."""
    flg = 0x02 | 0x04 | 0x08 | 0x10
    hdr = b"\x1f\x8b\x08" + bytes([flg]) + b"\x00\x00\x00\x00" + b"\x02\x03"
    hdr += struct.pack("<H", len(extra)) + extra
    hdr += fname + b"\x00" + comment + b"\x00"
    hdr += struct.pack("<H", zlib.crc32(hdr) & 0xFFFF)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = co.compress(data) + co.flush()
    return hdr + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)


def zipb(entries):
    """entries: list of (name, data, method); a name ending in / is a directory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, method in entries:
            zi = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            zi.create_system = 3
            if name.endswith("/"):
                zi.external_attr = (0o40755 << 16) | 0x10
                zi.compress_type = zipfile.ZIP_STORED
                z.writestr(zi, b"")
            else:
                zi.external_attr = 0o100644 << 16
                zi.compress_type = method
                if isinstance(data, str):
                    data = data.encode()
                z.writestr(zi, data, compress_type=method, compresslevel=9 if method else None)
    return buf.getvalue()


def zip1(name, data):
    return zipb([(name, data, zipfile.ZIP_DEFLATED)])


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.encodebytes(data).decode("ascii")


HDR = """From: DMARC Aggregate Reports <noreply-dmarc@receiver.example>
To: dmarc-rua@example.com
Date: Thu, 16 Nov 2023 01:02:03 +0000
Message-ID: <{mid}@receiver.example>
Subject: {subject}
MIME-Version: 1.0
"""


def mail(body_headers, body, subject=None, mid="msg-0001", hdr=None):
    """A whole message as text with LF line ends."""
    if subject is None:
        subject = "Report Domain: example.com Submitter: receiver.example Report-ID: <rid-0001>"
    h = (hdr if hdr is not None else HDR).format(mid=mid, subject=subject)
    return h + body_headers + "\n" + body


def part(headers, body):
    return headers.rstrip("\n") + "\n\n" + body


def multipart(boundary, parts, preamble="This is a multi-part message in MIME format.\n"):
    s = preamble + "\n"
    for p in parts:
        s += "--%s\n%s\n" % (boundary, p.rstrip("\n") + "\n")
    s += "--%s--\n" % boundary
    return s


def att(ctype, filename, data, quoted=True):
    fn = '"%s"' % filename if quoted else filename
    return part("Content-Type: %s; name=%s\nContent-Disposition: attachment; filename=%s\n"
                "Content-Transfer-Encoding: base64\n" % (ctype, fn, fn), b64(data))


TEXT_PART = part("Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n",
                 "This is an aggregate report from receiver.example.\n"
                 "Report domain: example.com\nSubmitter: receiver.example\n")


def eml_with(attachments, subject=None, mid="msg-0001", text=TEXT_PART, boundary="=_b1"):
    parts = ([text] if text else []) + attachments
    return mail('Content-Type: multipart/mixed; boundary="%s"\n' % boundary,
                multipart(boundary, parts), subject=subject, mid=mid)


def crlf(s):
    if isinstance(s, str):
        s = s.encode()
    return s.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def fname(org="receiver.example", begin=B, end=E, ext="xml"):
    return "%s!example.com!%d!%d.%s" % (org, begin, end, ext)


# ====================================================================== cases
# ---- 00xx: schema generations -------------------------------------------

def base_expect(rid="rid-0001", **over):
    e = {"org_name": "receiver.example", "email": "noreply-dmarc@receiver.example",
         "report_id": rid, "begin": B, "end": E}
    e.update(over)
    return e


x = report()
e = stored(1, 2, 7, summary_extra={"domains": 1, "first_begin": day(B), "last_end": day(E)})
e["twice"] = True
e["reports"] = [{
    "org_name": "receiver.example", "email": "noreply-dmarc@receiver.example",
    "extra_contact_info": None, "report_id": "rid-0001", "begin": B, "end": E,
    "schema": "rfc7489", "xml_namespace": None, "version": "1.0", "generator": None,
    "recovered": False, "errors": [], "warnings": [], "extensions": None,
    "policy": POLICY_FULL, "record_count": 2, "message_count": 7, "skipped_records": 0,
    "records": [exp_record(R1()), exp_record(R2())]}]
case("0001-rfc7489-baseline", {"input.xml": x}, e)

# RFC 9990 (SPEC §2.2): default namespace, lang attributes, np/testing/
# discovery_method, generator, a top-level <extension> and a namespaced
# record-level extension, disposition pass, policy_test_mode, no pct.
X9990 = """<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <version>1.0</version>
  <report_metadata>
    <org_name>receiver.example</org_name>
    <email>dmarc-reports@receiver.example</email>
    <extra_contact_info lang="en">https://receiver.example/dmarc</extra_contact_info>
    <report_id>9990-0001</report_id>
    <date_range>
      <begin>%d</begin>
      <end>%d</end>
    </date_range>
    <error lang="en">rua tag has an invalid URI</error>
    <generator>ExampleMTA 4.2</generator>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain>
    <p>quarantine</p>
    <sp>none</sp>
    <np>reject</np>
    <adkim>s</adkim>
    <aspf>r</aspf>
    <discovery_method>treewalk</discovery_method>
    <fo>1</fo>
    <testing>n</testing>
  </policy_published>
  <extension>
    <ext:arc-override xmlns:ext="urn:example:dmarc-ext">enabled</ext:arc-override>
  </extension>
  <record>
    <row>
      <source_ip>203.0.113.5</source_ip>
      <count>3</count>
      <policy_evaluated>
        <disposition>pass</disposition>
        <dkim>pass</dkim>
        <spf>fail</spf>
        <reason>
          <type>policy_test_mode</type>
          <comment lang="en">t=y in the record</comment>
        </reason>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.com</header_from>
      <envelope_from>mail.example.org</envelope_from>
      <envelope_to>example.net</envelope_to>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>example.com</domain>
        <selector>sel2026</selector>
        <result>pass</result>
        <human_result lang="de">Signatur gültig</human_result>
      </dkim>
      <spf>
        <domain>mail.example.org</domain>
        <scope>mfrom</scope>
        <result>softfail</result>
        <human_result lang="en">not permitted</human_result>
      </spf>
    </auth_results>
    <ext:arc-results xmlns:ext="urn:example:dmarc-ext">
      <ext:arc-seal>pass</ext:arc-seal>
    </ext:arc-results>
  </record>
</feedback>
""" % (B, E)
e = stored(1, 1, 3)
e["reports"] = [{
    "org_name": "receiver.example", "email": "dmarc-reports@receiver.example",
    "extra_contact_info": "https://receiver.example/dmarc", "report_id": "9990-0001",
    "begin": B, "end": E, "schema": "rfc9990",
    "xml_namespace": "urn:ietf:params:xml:ns:dmarc-2.0", "version": "1.0",
    "generator": "ExampleMTA 4.2", "recovered": False,
    "extensions": {"$contains": ["arc-override", "arc-results"]},
    "policy": {"domain": "example.com", "adkim": "s", "aspf": "r", "p": "quarantine",
               "sp": "none", "np": "reject", "pct": None, "fo": "1", "testing": "n",
               "discovery_method": "treewalk"},
    "record_count": 1, "message_count": 3, "skipped_records": 0,
    "records": [{
        "source_ip": "203.0.113.5", "count": 3, "disposition": "pass", "dkim": "pass",
        "spf": "fail", "reasons": [{"type": "policy_test_mode", "comment": "t=y in the record"}],
        "header_from": "example.com", "envelope_from": "mail.example.org",
        "envelope_to": "example.net",
        "auth_dkim": [{"domain": "example.com", "selector": "sel2026", "result": "pass",
                       "human_result": "Signatur gültig"}],
        "auth_spf": [{"domain": "mail.example.org", "scope": "mfrom", "result": "softfail",
                      "human_result": "not permitted"}]}]}]
e["warnings_contain"] = ["invalid URI"]
case("0002-rfc9990-namespaced", {"input.xml": X9990}, e)

# The intermediate WG draft namespace, with its <version>2.0</version> example.
x = report(rid="draft02-0001", version="2.0",
           root='<feedback xmlns="http://dmarc.org/dmarc-xml/0.2">')
e = stored(1, 2, 7)
e["reports"] = [base_expect("draft02-0001", schema="rfc9990",
                            xml_namespace="http://dmarc.org/dmarc-xml/0.2", version="2.0",
                            record_count=2)]
case("0003-dmarc-xml-0.2-namespace", {"input.xml": x}, e)

# Old draft (dmarc.org wiki): no <version>, DKIM without selector, no fo.
x = report(rid="olddraft-1", version=None,
           policy=[("domain", "example.com"), ("adkim", "r"), ("aspf", "r"), ("p", "none"),
                   ("sp", "none"), ("pct", "100")],
           records=[rec("192.0.2.20", 4, auth_dkim=[{"domain": "example.com", "result": "pass"}])])
e = stored(1, 1, 4)
e["reports"] = [base_expect("olddraft-1", schema="draft", version=None, xml_namespace=None,
                            policy={"domain": "example.com", "p": "none", "pct": 100, "fo": None},
                            records=[{"source_ip": "192.0.2.20", "count": 4,
                                      "auth_dkim": [{"domain": "example.com", "selector": None,
                                                     "result": "pass", "human_result": None}]}])]
case("0004-old-draft-no-version", {"input.xml": x}, e)

# Microsoft shape: xmlns:xsd/xmlns:xsi prefixes (no default namespace),
# envelope_to present, end = next midnight.
x = report(org="Enterprise Outlook", email="dmarcreport@receiver.example",
           rid="8f0b6c2d1e4a4b7c9d3e2f1a0b9c8d7e", end=B + DAY,
           root='<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
           records=[rec("203.0.113.44", 9, envelope_to="example.net")])
e = stored(1, 1, 9)
e["reports"] = [{"org_name": "Enterprise Outlook", "report_id": "8f0b6c2d1e4a4b7c9d3e2f1a0b9c8d7e",
                 "schema": "rfc7489", "xml_namespace": None, "version": "1.0",
                 "begin": B, "end": B + DAY,
                 "records": [{"source_ip": "203.0.113.44", "envelope_to": "example.net",
                              "envelope_from": "example.com"}]}]
case("0005-microsoft-xsd-xsi-next-midnight", {"input.xml": x}, e)

# Google shape (SPEC §6.4/§6.9): no version, no envelope_from, SPF without
# scope, DKIM children in the order domain, result, selector, ARC details in a
# local_policy comment, a long numeric report_id (must stay a string).
g = rec("203.0.113.9", 6, envelope_from=None,
        reasons=[("local_policy", "arc=pass as[2].d=google.example as[2].s=arc-20160816 "
                  "remote-ip[2]=192.0.2.77")],
        auth_dkim=[("example.com", "google", "pass")],
        auth_spf=[{"domain": "example.com", "result": "pass"}],
        dkim_order=("domain", "result", "selector"))
x = report(org="google.example", email="noreply-dmarc-support@google.example",
           rid="9876543210123456789", version=None,
           policy=[("domain", "example.com"), ("adkim", "r"), ("aspf", "r"), ("p", "none"),
                   ("sp", "none"), ("pct", "100")],
           records=[g])
e = stored(1, 1, 6)
e["reports"] = [{"org_name": "google.example", "report_id": "9876543210123456789",
                 "schema": "draft", "version": None,
                 "policy": {"fo": None, "p": "none"},
                 "records": [{"source_ip": "203.0.113.9", "count": 6, "envelope_from": None,
                              "header_from": "example.com",
                              "reasons": [{"type": "local_policy",
                                           "comment": "arc=pass as[2].d=google.example "
                                                      "as[2].s=arc-20160816 remote-ip[2]=192.0.2.77"}],
                              "auth_dkim": [{"domain": "example.com", "selector": "google",
                                             "result": "pass", "human_result": None}],
                              "auth_spf": [{"domain": "example.com", "scope": None,
                                            "result": "pass", "human_result": None}]}]}]
case("0006-google-shape", {"input.xml": x}, e)

# Amazon SES: <version>0.1</version>, uuid report_id.
x = report(org="AMAZON-SES", email="postmaster@amazonses.example",
           rid="0b5a2e4c-6f1d-4a8e-9c3b-7d2e1f0a9b8c", version="0.1", records=[R1()])
e = stored(1, 1, 5)
e["reports"] = [{"org_name": "AMAZON-SES", "report_id": "0b5a2e4c-6f1d-4a8e-9c3b-7d2e1f0a9b8c",
                 "version": "0.1", "record_count": 1}]
case("0007-amazon-ses-version-0.1", {"input.xml": x}, e)

# RFC 9990: <version> is optional; the namespace alone makes it rfc9990.
x = report(rid="9990-nover-1", version=None, root='<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">',
           policy=[("domain", "example.com"), ("p", "none")])
e = stored(1, 2, 7)
e["reports"] = [base_expect("9990-nover-1", schema="rfc9990", version=None,
                            xml_namespace="urn:ietf:params:xml:ns:dmarc-2.0")]
case("0008-rfc9990-no-version", {"input.xml": x}, e)

# ---- 001x: value-level deviations (SPEC §6.5) --------------------------------

x = report(rid="case-1",
           policy=[("domain", "example.com"), ("adkim", "R"), ("aspf", "S"), ("p", "None"),
                   ("sp", "Quarantine"), ("pct", "100"), ("fo", "1")],
           records=[rec("192.0.2.30", 3, disp="None", dkim="Pass", spf="PASS",
                        auth_dkim=[("example.com", "s1", "PASS")],
                        auth_spf=[("example.com", "mfrom", "TempError")]),
                    rec("192.0.2.31", 2, disp="Quarantine", dkim="FAIL", spf="Fail",
                        auth_dkim=[("example.com", "s1", "Fail")],
                        auth_spf=[("example.com", "MFROM", "SoftFail")])])
e = stored(1, 2, 5)
e["reports"] = [{"policy": {"adkim": "r", "aspf": "s", "p": "none", "sp": "quarantine"},
                 "records": [
                     {"disposition": "none", "dkim": "pass", "spf": "pass",
                      "auth_dkim": [{"result": "pass"}],
                      "auth_spf": [{"result": "temperror"}]},
                     {"disposition": "quarantine", "dkim": "fail", "spf": "fail",
                      "auth_dkim": [{"result": "fail"}],
                      "auth_spf": [{"result": "softfail"}]}]}]
case("0010-enum-mixed-case", {"input.xml": x}, e)

x = report(rid="aliases-1",
           records=[rec("192.0.2.40", 1, dkim="fail", spf="fail",
                        auth_dkim=[("example.com", "s1", "unknown")],
                        auth_spf=[("example.com", "mfrom", "hardfail")]),
                    rec("192.0.2.41", 1, spf="fail", auth_spf=[("example.com", "mfrom", "unknown")]),
                    rec("192.0.2.42", 1, spf="fail", auth_spf=[("example.com", "mfrom", "error")]),
                    rec("192.0.2.43", 1, spf="fail", auth_spf=[("example.com", "mfrom", "HardFail")])])
e = stored(1, 4, 4)
e["reports"] = [{"records": [
    {"source_ip": "192.0.2.40", "auth_dkim": [{"result": "temperror"}],
     "auth_spf": [{"result": "fail"}]},
    {"source_ip": "192.0.2.41", "auth_spf": [{"result": "temperror"}]},
    {"source_ip": "192.0.2.42", "auth_spf": [{"result": "permerror"}]},
    {"source_ip": "192.0.2.43", "auth_spf": [{"result": "fail"}]}]}]
case("0011-spf-dkim-result-aliases", {"input.xml": x}, e)

x = report(rid="disp-pass-1", records=[rec("192.0.2.50", 8, disp="pass")])
e = stored(1, 1, 8)
e["reports"] = [{"schema": "rfc7489", "records": [{"disposition": "pass"}]}]
e["warnings_contain"] = ["disposition"]
case("0012-disposition-pass-in-7489", {"input.xml": x}, e)

x = report(rid="ev-softfail-1",
           records=[rec("192.0.2.60", 2, dkim="softfail", spf="pass",
                        auth_dkim=[("example.com", "s1", "fail")])])
e = stored(1, 1, 2)
e["reports"] = [{"records": [{"dkim": "fail", "spf": "pass"}]}]
e["warnings_contain"] = ["softfail"]
case("0013-policy-evaluated-softfail", {"input.xml": x}, e)

# CLI.md: "an unrecognised value is exported as its raw text".
x = report(rid="raw-enum-1", records=[rec("192.0.2.61", 1, disp="quarantined",
                                          auth_dkim=[("example.com", "s1", "bogus")],
                                          auth_spf=[("example.com", "mfrom", "weird")])])
e = stored(1, 1, 1)
e["reports"] = [{"records": [{"disposition": "quarantined", "auth_dkim": [{"result": "bogus"}],
                              "auth_spf": [{"result": "weird"}]}]}]
e["warnings_contain"] = ["quarantined", "bogus", "weird"]
case("0014-unrecognised-enum-raw-text", {"input.xml": x}, e)

x = report(rid="enum-ws-1", policy=[("domain", " example.com "), ("adkim", " r "), ("aspf", "s\n"),
                                    ("p", "\n      reject\n    "), ("sp", " none "), ("pct", " 100 "),
                                    ("fo", "1")],
           records=[rec("192.0.2.62", " 3 ", disp=" reject ", dkim="\n pass\n", spf=" fail ",
                        auth_dkim=[(" example.com ", " s1 ", " pass ")],
                        auth_spf=[(" example.com ", " mfrom ", " fail ")])])
e = stored(1, 1, 3)
e["reports"] = [{"policy": {"domain": "example.com", "adkim": "r", "aspf": "s", "p": "reject",
                            "sp": "none", "pct": 100},
                 "records": [{"count": 3, "disposition": "reject", "dkim": "pass", "spf": "fail",
                              "auth_dkim": [{"domain": "example.com", "selector": "s1",
                                             "result": "pass"}],
                              "auth_spf": [{"domain": "example.com", "scope": "mfrom",
                                            "result": "fail"}]}]}]
case("0015-values-with-surrounding-whitespace", {"input.xml": x}, e)

# ---- 002x: repeated / missing auth results (SPEC §6.4) ------------------------

r = rec("192.0.2.70", 4,
        auth_dkim=[("example.org", "ietf1", "pass"), ("example.org", "ietf1", "pass"),
                   {"domain": "", "selector": "", "result": "none"},
                   ("example.com", "s1", "fail")])
x = report(rid="multi-dkim-1", org="Enterprise Outlook", records=[r])
e = stored(1, 1, 4)
e["reports"] = [{"records": [{"auth_dkim": [
    {"domain": "example.org", "selector": "ietf1", "result": "pass"},
    {"domain": "example.org", "selector": "ietf1", "result": "pass"},
    {"result": "none"},
    {"domain": "example.com", "selector": "s1", "result": "fail"}]}]}]
case("0020-multiple-dkim-duplicates-empty", {"input.xml": x}, e)

x = report(rid="empty-auth-1", records=[rec("192.0.2.80", 2), rec("192.0.2.81", 3)])
x = sub(x, """    <auth_results>
      <dkim>
        <domain>example.com</domain>
        <selector>s1</selector>
        <result>pass</result>
      </dkim>
      <spf>
        <domain>example.com</domain>
        <scope>mfrom</scope>
        <result>pass</result>
      </spf>
    </auth_results>
""", "    <auth_results></auth_results>\n")
x = sub(x, """    <auth_results>
      <dkim>
        <domain>example.com</domain>
        <selector>s1</selector>
        <result>pass</result>
      </dkim>
      <spf>
        <domain>example.com</domain>
        <scope>mfrom</scope>
        <result>pass</result>
      </spf>
    </auth_results>
""", "    <auth_results/>\n")
e = stored(1, 2, 5)
e["reports"] = [{"record_count": 2, "skipped_records": 0, "records": [
    {"source_ip": "192.0.2.80", "auth_dkim": [], "auth_spf": []},
    {"source_ip": "192.0.2.81", "auth_dkim": [], "auth_spf": []}]}]
case("0021-empty-auth-results", {"input.xml": x}, e)

# Zoho: scope helo and no domain; IKEA: helo with a domain next to mfrom.
x = report(rid="helo-1", records=[
    rec("192.0.2.90", 1, auth_spf=[{"scope": "helo", "result": "pass"}]),
    rec("192.0.2.91", 2, auth_spf=[("mx.example.net", "helo", "pass"),
                                   ("example.com", "mfrom", "pass")])])
e = stored(1, 2, 3)
e["reports"] = [{"records": [
    {"auth_spf": [{"domain": None, "scope": "helo", "result": "pass"}]},
    {"auth_spf": [{"domain": "mx.example.net", "scope": "helo", "result": "pass"},
                  {"domain": "example.com", "scope": "mfrom", "result": "pass"}]}]}]
case("0022-spf-helo-without-domain-and-multiple-spf", {"input.xml": x}, e)

x = report(rid="zero-spf-1", root='<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">',
           policy=[("domain", "example.com"), ("p", "reject")],
           records=[rec("2001:db8::25", 7, auth_spf=[])])
e = stored(1, 1, 7)
e["reports"] = [{"schema": "rfc9990", "records": [
    {"source_ip": "2001:db8::25", "auth_spf": [],
     "auth_dkim": [{"domain": "example.com", "selector": "s1", "result": "pass"}]}]}]
case("0023-zero-spf-rfc9990", {"input.xml": x}, e)

# ---- 003x: reasons and policy_published --------------------------------------

x = report(rid="empty-reason-1", records=[rec("192.0.2.100", 1, disp="none", dkim="fail",
                                              spf="fail", reasons=[("", "")]),
                                          rec("192.0.2.101", 1, dkim="fail", spf="fail")])
x = sub(x, "        <dkim>fail</dkim>\n        <spf>fail</spf>\n      </policy_evaluated>",
        "        <dkim>fail</dkim>\n        <spf>fail</spf>\n        <reason></reason>\n"
        "      </policy_evaluated>")
e = stored(1, 2, 2)
e["reports"] = [{"records": [{"reasons": [{"type": "other"}]},
                             {"reasons": [{"type": "other"}]}]}]
e["warnings_contain"] = ["reason"]
case("0030-empty-reason", {"input.xml": x}, e)

x = report(rid="removed-reason-1", root='<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">',
           records=[rec("192.0.2.110", 3, dkim="fail", spf="fail",
                        reasons=[("forwarded", "via list.example.org")]),
                    rec("192.0.2.111", 1, dkim="fail", spf="fail",
                        reasons=[("sampled_out", None)])])
e = stored(1, 2, 4)
e["reports"] = [{"schema": "rfc9990", "records": [
    {"reasons": [{"type": "forwarded", "comment": "via list.example.org"}]},
    {"reasons": [{"type": "sampled_out", "comment": None}]}]}]
e["warnings_contain"] = ["forwarded", "sampled_out"]
case("0031-removed-reason-types-in-rfc9990", {"input.xml": x}, e)

x = report(rid="unknown-reason-1",
           records=[rec("192.0.2.120", 2, dkim="fail", spf="fail",
                        reasons=[("arc_override", "arc=pass"), ("mailing_list", None)])])
e = stored(1, 1, 2)
e["reports"] = [{"records": [{"reasons": [{"type": "other", "comment": "arc=pass"},
                                          {"type": "mailing_list", "comment": None}]}]}]
e["warnings_contain"] = ["arc_override"]
case("0032-unknown-reason-type", {"input.xml": x}, e)

x = report(rid="two-policies-1")
x = sub(x, "  </policy_published>\n",
        "  </policy_published>\n  <policy_published>\n    <domain>example.com</domain>\n"
        "    <p>reject</p>\n    <sp>reject</sp>\n    <pct>50</pct>\n  </policy_published>\n")
e = stored(1, 2, 7)
e["reports"] = [{"policy": POLICY_FULL, "record_count": 2}]
e["warnings_contain"] = ["policy_published"]
case("0033-multiple-policy-published", {"input.xml": x}, e)

x = report(rid="policy-min-1", policy=[("domain", "example.com"), ("p", "quarantine")])
e = stored(1, 2, 7)
e["reports"] = [{"policy": {"domain": "example.com", "p": "quarantine", "sp": None,
                            "sp_effective": "quarantine",
                            "np": None, "pct": None, "fo": None, "testing": None,
                            "discovery_method": None}}]
case("0034-policy-missing-sp-pct-fo", {"input.xml": x}, e)

x = report(rid="empty-sp-1", policy=[("domain", "example.com"), ("adkim", "r"), ("aspf", "r"),
                                     ("p", "reject"), ("sp", ""), ("pct", "100")])
e = stored(1, 2, 7)
e["reports"] = [{"policy": {"p": "reject", "sp": "reject", "pct": 100}}]
e["warnings_contain"] = ["sp", "empty"]
case("0035-empty-sp", {"input.xml": x}, e)

# report_metadata children out of the 7489 order (estadocuenta sample shape).
x = report(rid="order-1")
x = sub(x, """  <report_metadata>
    <org_name>receiver.example</org_name>
    <email>noreply-dmarc@receiver.example</email>
    <report_id>order-1</report_id>
    <date_range>
      <begin>%d</begin>
      <end>%d</end>
    </date_range>
  </report_metadata>""" % (B, E), """  <report_metadata>
    <report_id>order-1</report_id>
    <date_range>
      <end>%d</end>
      <begin>%d</begin>
    </date_range>
    <extra_contact_info>https://receiver.example/help</extra_contact_info>
    <email>noreply-dmarc@receiver.example</email>
    <org_name>receiver.example</org_name>
  </report_metadata>""" % (E, B))
e = stored(1, 2, 7)
e["reports"] = [base_expect("order-1", extra_contact_info="https://receiver.example/help",
                            record_count=2)]
case("0036-metadata-out-of-order", {"input.xml": x}, e)

x = report(rid="unknown-el-1")
x = sub(x, "      <begin>%d</begin>\n" % B,
        "      <begin>%d</begin>\n      <unknown-tag1>42</unknown-tag1>\n" % B)
x = sub(x, "    <p>none</p>\n", "    <p>none</p>\n    <unknown-tag2><deep>x</deep></unknown-tag2>\n")
e = stored(1, 2, 7)
e["reports"] = [base_expect("unknown-el-1", policy=POLICY_FULL)]
e["warnings_contain"] = ["unknown-tag1", "unknown-tag2"]
case("0037-unknown-elements-ignored", {"input.xml": x}, e)

x = report(rid="identities-1", records=[rec("192.0.2.130", 3, header_from="example.com",
                                            envelope_from="bounce.example.com",
                                            identifiers="identities")])
e = stored(1, 1, 3)
e["reports"] = [{"records": [{"header_from": "example.com",
                              "envelope_from": "bounce.example.com"}]}]
case("0038-identities-instead-of-identifiers", {"input.xml": x}, e)

# Empty org_name: the identity falls back to the email's domain, so a second
# copy with the same email, report_id, domain and dates (formatted
# differently, so the bytes differ) is a duplicate.
x1 = report(org="", email="dmarc@reporter.example", rid="empty-org-1")
x2 = x1.replace("\n", "").replace("  ", "").replace("<org_name></org_name>", "<org_name/>")
e = stored(1, 2, 7, ingest_extra={"duplicates": 1})
e["reports"] = [{"email": "dmarc@reporter.example", "report_id": "empty-org-1",
                 "record_count": 2}]
e["warnings_contain"] = ["org_name"]
case("0039-empty-org-name-identity", {"input1.xml": x1, "input2.xml": x2}, e)

# ---- 004x: source IPs and bad records -------------------------------------------

v6 = ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:0DB8:0:0:1:0:0:5", "2001:db8:0:0:0:0:2:1",
      "2001:db8:85a3::8a2e:370:7334"]
x = report(rid="ipv6-1", records=[rec(ip, i + 1) for i, ip in enumerate(v6)])
e = stored(1, 4, 10)
e["reports"] = [{"records": [{"source_ip": str(ipaddress.IPv6Address(ip))} for ip in v6]}]
assert e["reports"][0]["records"][0]["source_ip"] == "2001:db8::1"
case("0040-ipv6-canonical", {"input.xml": x}, e)

x = report(rid="ipv4-ws-1", records=[rec("\n        192.0.2.10\t\n      ", 2),
                                     rec(" 198.51.100.20 ", 3)])
e = stored(1, 2, 5)
e["reports"] = [{"records": [{"source_ip": "192.0.2.10", "count": 2},
                             {"source_ip": "198.51.100.20", "count": 3}]}]
case("0041-ipv4-surrounding-whitespace", {"input.xml": x}, e)


def bad_record_case(name, bad):
    x = report(rid=name, records=[rec("192.0.2.1", 3), bad, rec("198.51.100.2", 4)])
    e = stored(1, 2, 7)
    e["reports"] = [{"record_count": 2, "message_count": 7, "skipped_records": 1,
                     "records": [{"source_ip": "192.0.2.1", "count": 3},
                                 {"source_ip": "198.51.100.2", "count": 4}]}]
    e["warnings_contain"] = ["skipped"]
    case(name, {"input.xml": x}, e)


bad_record_case("0042-bad-record-invalid-ip", rec("192.0.2.256", 9))
bad_record_case("0043-bad-record-negative-count", rec("203.0.113.1", "-5"))
bad_record_case("0044-bad-record-absurd-count", rec("203.0.113.2", "5000000000"))
bad_record_case("0045-bad-record-missing-source-ip", rec(None, 6))
bad_record_case("0046-bad-record-non-numeric-count", rec("203.0.113.3", "many"))

# ---- 005x: dates (SPEC §6.6) -----------------------------------------------------

x = report(rid="frac-1", begin="1706159544.0", end="1706245943.0", records=[R1()])
e = stored(1, 1, 5)
e["reports"] = [{"begin": 1706159544, "end": 1706245943}]
e["warnings_contain"] = ["fraction"]
case("0050-date-fractional-seconds", {"input.xml": x}, e)

x = report(rid="zero-len-1", begin=1538413632, end=1538413632, records=[R1()])
e = stored(1, 1, 5, summary_extra={"first_begin": day(1538413632), "last_end": day(1538413632)})
e["reports"] = [{"begin": 1538413632, "end": 1538413632}]
case("0051-date-begin-equals-end", {"input.xml": x}, e)

x = report(rid="ms-1", begin=B * 1000, end=E * 1000, records=[R1()])
e = stored(1, 1, 5, summary_extra={"first_begin": day(B), "last_end": day(E)})
e["reports"] = [{"begin": B, "end": E}]
e["warnings_contain"] = ["milli"]
case("0052-date-millisecond-epoch", {"input.xml": x}, e)

x = report(rid="reversed-1", begin=E, end=B, records=[R1()])
e = stored(1, 1, 5)
e["reports"] = [{"begin": E, "end": B, "record_count": 1}]
e["warnings_contain"] = ["before"]
case("0053-date-end-before-begin", {"input.xml": x}, e)

x = report(org="trustwave.example", rid="multiweek-1", begin=1637392339, end=1639516233,
           records=[R1()])
e = stored(1, 1, 5, summary_extra={"first_begin": day(1637392339), "last_end": day(1639516233)})
e["reports"] = [{"begin": 1637392339, "end": 1639516233}]
case("0054-date-multi-week-range", {"input.xml": x}, e)

x = report(rid="negative-1", begin=-5, end=E, records=[R1()])
e = stored(1, 1, 5)
e["reports"] = [{"begin": E, "end": E, "record_count": 1}]     # outside 1990-2100: see 0167
e["warnings_contain"] = ["negative", "outside 1990-2100"]
case("0055-date-negative-begin", {"input.xml": x}, e)

# ---- 006x-008x: XML bytes, encodings, well-formedness (SPEC §6.3) ---------------

x = report(rid="bom-1")
e = stored(1, 2, 7)
e["reports"] = [base_expect("bom-1", record_count=2)]
case("0060-xml-utf8-bom", {"input.xml": b"\xef\xbb\xbf" + x.encode()}, e)

x = report(rid="bel-1", org="yahoo.example",
           records=[rec("192.0.2.140", 2, dkim="fail", spf="fail",
                        reasons=[("local_policy", "arc=pass as[3].d=example.org\x07 as[3].s=arc-2025")])])
e = stored(1, 1, 2)
e["reports"] = [{"records": [{"reasons": [{"type": "local_policy",
                                           "comment": "arc=pass as[3].d=example.org as[3].s=arc-2025"}]}]}]
case("0061-xml-bel-control-in-comment", {"input.xml": x}, e)

x = report(rid="latin1-1", org="@@ORG@@").encode()
x = sub(x, b"@@ORG@@", b"Sue\xf1o \x91Mail\x92 Service")
e = stored(1, 2, 7)
e["reports"] = [{"org_name": "Sueño ‘Mail’ Service", "report_id": "latin1-1"}]
case("0062-xml-invalid-utf8-latin1-cp1252", {"input.xml": x}, e)

x = report(rid="squote-1", decl="<?xml version='1.0' encoding='utf-8'?>\n")
e = stored(1, 2, 7)
e["reports"] = [base_expect("squote-1")]
case("0063-xml-single-quoted-declaration", {"input.xml": x}, e)

x = report(rid="nodecl-1", decl="")
e = stored(1, 2, 7)
e["reports"] = [base_expect("nodecl-1")]
case("0064-xml-no-declaration", {"input.xml": x}, e)

x = report(org="Mail.Ru", email="dmarc_support@corp.mail.example", rid="1700006400.example.com",
           decl="<?xml version='1.0' encoding='utf-8'?>", version=None, end=B + DAY)
x = "".join(line.strip() for line in x.split("\n")) + "\n"
assert x.count("\n") == 1
e = stored(1, 2, 7)
e["reports"] = [{"org_name": "Mail.Ru", "report_id": "1700006400.example.com", "end": B + DAY,
                 "record_count": 2, "records": [exp_record(R1()), exp_record(R2())]}]
case("0065-xml-minified-one-line", {"input.xml": x}, e)

x = report(rid="stray-1")
x = sub(x, "<sp>none</sp>\n", "<sp>none</sp>11\n")
x = sub(x, "  </record>\n", "  </record>\n  stray text\n")
e = stored(1, 2, 7)
e["reports"] = [{"policy": {"sp": "none", "pct": 100}, "record_count": 2}]
case("0066-xml-stray-text-between-elements", {"input.xml": x}, e)

x = report(rid="entity-1", org="&quot;backschues.example",
           records=[rec("192.0.2.150", 1, dkim="fail", spf="fail",
                        reasons=[("other", "a &amp; b &lt;c&gt; &#x41;&#66;"),
                                 ("local_policy", "<![CDATA[x < y & z]]>")])])
e = stored(1, 1, 1)
e["reports"] = [{"org_name": "\"backschues.example",
                 "records": [{"reasons": [{"type": "other", "comment": "a & b <c> AB"},
                                          {"type": "local_policy", "comment": "x < y & z"}]}]}]
case("0067-xml-predefined-entities", {"input.xml": x}, e)

x = report(rid="comment-root-1",
           decl='<?xml version="1.0" encoding="UTF-8"?>\n<!-- Generated by ExampleMTA -->\n'
                '<!-- a second comment -->\n')
e = stored(1, 2, 7)
e["reports"] = [base_expect("comment-root-1")]
case("0068-xml-comment-before-root", {"input.xml": x}, e)

x = report(rid="iso-1", org="@@ORG@@", decl='<?xml version="1.0" encoding="ISO-8859-1"?>\n').encode()
x = sub(x, b"@@ORG@@", b"Sue\xf1o Correo")
e = stored(1, 2, 7)
e["reports"] = [{"org_name": "Sueño Correo", "report_id": "iso-1"}]
case("0069-xml-declared-iso-8859-1", {"input.xml": x}, e)

x = report(rid="utf16-1", org="Sueño Correo", decl='<?xml version="1.0" encoding="UTF-16"?>\n')
e = stored(1, 2, 7)
e["reports"] = [{"org_name": "Sueño Correo", "report_id": "utf16-1", "record_count": 2}]
case("0070-xml-utf16le-bom", {"input.xml": b"\xff\xfe" + x.encode("utf-16-le")}, e)

# IKEA: an unclosed <xs:schema ...> start tag wrapped around <feedback>.
x = report(org="ikea.example", rid="ikea-1",
           decl='<?xml version="1.0" encoding="UTF-8" ?>\n<xs:schema '
                'xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">\n',
           records=[rec("192.0.2.160", 2, auth_dkim=[{"domain": "example.com", "result": "pass"}],
                        auth_spf=[("mx.example.com", "helo", "pass")])])
e = stored(1, 1, 2)
e["reports"] = [{"org_name": "ikea.example", "report_id": "ikea-1", "record_count": 1,
                 "records": [{"source_ip": "192.0.2.160",
                              "auth_spf": [{"domain": "mx.example.com", "scope": "helo"}]}]}]
e["warnings_contain"] = ["schema"]
case("0071-xml-unclosed-xs-schema-wrapper", {"input.xml": x}, e)

# parsedmarc invalid_xml.xml shapes: unescaped < > in text.
x = report(rid="badxml-email-1", email="@@EMAIL@@")
x = sub(x, "<email>@@EMAIL@@</email>", "<email><bad-xml@example.net></email>")
e = stored(1, 2, 7)
e["reports"] = [{"report_id": "badxml-email-1", "recovered": True, "record_count": 2,
                 "policy": {"domain": "example.com"},
                 "records": [{"source_ip": "192.0.2.1"}, {"source_ip": "198.51.100.7"}]}]
case("0072-xml-unescaped-email-recovered", {"input.xml": x}, e)

x = report(rid="badxml-hf-1", records=[rec("192.0.2.170", 3, header_from="@@HF@@"), R1()])
x = sub(x, "<header_from>@@HF@@</header_from>", "<header_from>bad<xml.example</header_from>")
e = stored(1, 2, 8)
e["reports"] = [{"report_id": "badxml-hf-1", "recovered": True, "record_count": 2,
                 "records": [{"source_ip": "192.0.2.170", "count": 3},
                             {"source_ip": "192.0.2.1", "header_from": "example.com"}]}]
case("0073-xml-unescaped-header-from-recovered", {"input.xml": x}, e)

# kddi: <report_id>202504210000000/report_id>
x = report(org="kddi.example", rid="202504210000000", begin=1745177243, end=1745195525)
x = sub(x, "<report_id>202504210000000</report_id>", "<report_id>202504210000000/report_id>")
e = {"exit": 0, "ingest": {"reports": 1, "refused": 0}, "summary": {"reports": 1},
     "reports": [{"org_name": "kddi.example", "recovered": True,
                  "report_id": {"$contains": "202504210000000"},
                  "begin": 1745177243, "end": 1745195525,
                  "policy": {"domain": "example.com"}, "record_count": 2}]}
case("0074-xml-broken-closing-tag", {"input.xml": x}, e)

lol = '<?xml version="1.0"?>\n<!DOCTYPE feedback [\n  <!ENTITY lol "lol">\n'
prev = "lol"
for i in range(1, 10):
    lol += '  <!ENTITY lol%d "%s">\n' % (i, ("&%s;" % prev) * 10)
    prev = "lol%d" % i
lol += "]>\n"
x = report(rid="lol-1", org="&lol9;", decl=lol)
case("0075-xml-doctype-billion-laughs", {"input.xml": x}, refused(["DOCTYPE"]))

x = report(rid="xxe-1", org="&xxe;",
           decl='<?xml version="1.0" encoding="UTF-8"?>\n'
                '<!DOCTYPE feedback [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n')
case("0076-xml-doctype-xxe", {"input.xml": x}, refused(["DOCTYPE"]))

case("0077-not-report-html-root",
     {"input.xml": "<html>\n<head><title>DMARC</title></head>\n<body><p>hello</p></body>\n</html>\n"},
     refused(["not an aggregate report"]))
case("0078-not-report-foo-root",
     {"input.xml": '<?xml version="1.0"?>\n<foo>\n  <bar>1</bar>\n</foo>\n'},
     refused(["not an aggregate report"]))
case("0079-empty-file", {"input.xml": b""}, refused(["empty"], quarantined=None))

junk = bytes(((i * 1103515245 + 12345) >> 7) & 0xFF for i in range(512))
assert junk[:2] != b"\x1f\x8b" and junk[:2] != b"PK" and junk[:1] not in b"<{ \t\r\n\xef\xff\xfe"
case("0080-junk-binary", {"input.bin": junk}, refused())

recs = [rec("%s.%d" % (("192.0.2", "198.51.100", "203.0.113")[i % 3], i % 250 + 1), i % 7 + 1,
            disp=("none", "quarantine", "reject")[i % 3], dkim=("pass", "fail")[i % 2],
            spf=("pass", "fail")[(i // 2) % 2]) for i in range(1500)]
total = sum(r["count"] for r in recs)
x = report(rid="many-1", records=recs)
e = stored(1, 1500, total)
e["reports"] = [{"record_count": 1500, "message_count": total, "skipped_records": 0}]
case("0081-many-records-gzip", {"input.xml.gz": gz(x)}, e)

# Valid multi-byte UTF-8 must survive the repair filter wherever the reader's
# chunk boundaries fall: records whose comment spans a multiple of 4096 bytes
# of the decompressed document are checked (the others are matched by {}).
JA = "日本語のコメント、転送"


def ja_comment(i):
    return "%d番目:%s" % (i, JA * 6)


recs = [rec("192.0.2.%d" % (i % 250 + 1), 1, dkim="fail", spf="fail",
            reasons=[("local_policy", ja_comment(i))]) for i in range(600)]
x = report(org="株式会社サンプル", rid="utf8-stream-1", records=recs)
xb = x.encode()
checked = []
for i in range(600):
    c = ja_comment(i).encode()
    start = xb.index(b"<comment>" + c) + len(b"<comment>")
    if any(start < k * 4096 < start + len(c) for k in range(start // 4096, start // 4096 + 2)):
        checked.append(i)
assert len(checked) >= 20, len(checked)
assert any(xb[k * 4096] & 0xC0 == 0x80 for k in range(1, len(xb) // 4096))
e = stored(1, 600, 600)
e["reports"] = [{"org_name": "株式会社サンプル",
                 "records": [{"reasons": [{"type": "local_policy", "comment": ja_comment(i)}]}
                             if i in checked else {} for i in range(600)]}]
case("0082-xml-multibyte-utf8-across-chunks", {"input.xml.gz": gz(x)}, e)

# UTF-16 reports that are not well-formed: the recovery parser gets them as
# UTF-8 (converted before libxml2, whose encoding detection stays off), so the
# text is the same as in a strict parse; BOM in either byte order.
U16ORG = "Sueño Correo 日本 \U0001F4E8"
x = report(org=U16ORG, rid="utf16-rec-1", email="@@EMAIL@@",
           decl='<?xml version="1.0" encoding="UTF-16"?>\n')
x = sub(x, "<email>@@EMAIL@@</email>", "<email><bad-xml@example.net></email>")
e = stored(1, 2, 7)
e["reports"] = [{"org_name": U16ORG, "report_id": "utf16-rec-1", "recovered": True,
                 "record_count": 2, "records": [exp_record(R1()), exp_record(R2())]}]
case("0083-xml-utf16le-bom-recovered", {"input.xml": b"\xff\xfe" + x.encode("utf-16-le")}, e)
x = sub(x, "utf16-rec-1", "utf16-rec-2")
e["reports"][0]["report_id"] = "utf16-rec-2"
case("0084-xml-utf16be-bom-recovered", {"input.xml": b"\xfe\xff" + x.encode("utf-16-be")}, e)

# UTF-16LE without a BOM, found by "<?" in UTF-16 (XML 1.0 appendix F).
x = report(org="株式会社サンプル", rid="utf16-nobom-1",
           decl='<?xml version="1.0" encoding="UTF-16"?>\n')
e = stored(1, 2, 7)
e["reports"] = [{"org_name": "株式会社サンプル", "report_id": "utf16-nobom-1",
                 "recovered": False, "record_count": 2}]
case("0085-xml-utf16le-no-bom", {"input.xml": x.encode("utf-16-le")}, e)

# A long UTF-16LE report with an error near the end, gzip'd: the conversion
# for the recovery parser runs across the reader's chunks and its own slices
# (every comment has a character outside the BMP, a surrogate pair).
recs = [rec("192.0.2.%d" % (i % 250 + 1), 1, dkim="fail", spf="fail",
            reasons=[("local_policy", ja_comment(i) + "\U0001F4E8")]) for i in range(300)]
x = report(org="株式会社サンプル", rid="utf16-rec-long-1", records=recs,
           decl='<?xml version="1.0" encoding="UTF-16"?>\n')
x = sub(x, "</feedback>\n", "  <oops></oops2>\n</feedback>\n")
xb = b"\xff\xfe" + x.encode("utf-16-le")
assert len(xb) > 4 * 8192
e = stored(1, 300, 300)
e["reports"] = [{"org_name": "株式会社サンプル", "report_id": "utf16-rec-long-1",
                 "recovered": True, "record_count": 300,
                 "records": [{"reasons": [{"type": "local_policy",
                                           "comment": ja_comment(i) + "\U0001F4E8"}]}
                             if i % 10 == 9 else {} for i in range(300)]}]
case("0086-xml-utf16le-recovered-long-gzip", {"input.xml.gz": gz(xb)}, e)

# ---- 010x: gzip (SPEC §6.2) ----------------------------------------------------


def gz_case(name, data, rid, fn="input.xml.gz"):
    e = stored(1, 2, 7)
    e["reports"] = [base_expect(rid, record_count=2, records=[exp_record(R1()), exp_record(R2())])]
    case(name, {fn: data}, e)


gz_case("0100-gzip-plain", gz(report(rid="gz-1")), "gz-1")
gz_case("0101-gzip-fname-header", gz(report(rid="gz-fname-1"), fname=fname()), "gz-fname-1")
gz_case("0102-gzip-fextra-fcomment-fhcrc",
        gz_all_flags(report(rid="gz-flags-1").encode(), fname().encode(), b"a comment",
                     b"XY\x04\x00abcd"), "gz-flags-1")
gz_case("0103-gzip-trailing-crlf-mimecast", gz(report(rid="gz-crlf-1")) + b"\r\n", "gz-crlf-1",
        fn="input.gz")
x = report(rid="gz-multi-1").encode()
cut = x.index(b"<source_ip>198.51.100.7") + 5
gz_case("0104-gzip-concatenated-members", gz(x[:cut]) + gz(x[cut:]), "gz-multi-1")

full = gz(report(rid="gz-trunc-1", records=[rec("192.0.2.%d" % i, 1) for i in range(1, 60)]))
case("0105-gzip-truncated", {"input.xml.gz": full[:len(full) * 2 // 3]}, refused(["truncated"]))

case("0106-gzip-yahoo-unused", {"input.xml.gz": gz(b"unused")}, refused(["not", "report"]))

bomb = report(rid="bomb-1", decl='<?xml version="1.0" encoding="UTF-8"?>\n<!--' +
              " " * (2 * 1024 * 1024) + "-->\n")
case("0107-gzip-bomb-max-decompressed", {"input.xml.gz": gz(bomb)}, refused(["limit"]),
     args="--max-decompressed 1m")

gz_case("0108-gzip-named-zip", gz(report(rid="gz-as-zip-1")), "gz-as-zip-1", fn="input.zip")

# ---- 011x: zip ----------------------------------------------------------------

gz_case("0110-zip-one-entry", zip1(fname(ext="xml"), report(rid="zip-1")), "zip-1",
        fn="input.zip")
gz_case("0111-zip-directory-entry",
        zipb([("reports/", b"", 0),
              ("reports/" + fname(ext="xml"), report(rid="zip-dir-1"), zipfile.ZIP_DEFLATED)]),
        "zip-dir-1", fn="input.zip")

xa = report(rid="zip-a", records=[R1()])
xb = report(rid="zip-b", begin=B + DAY, end=E + DAY, records=[R2()])
e = stored(2, 2, 7, summary_extra={"first_begin": day(B), "last_end": day(E + DAY)})
e["reports"] = [base_expect("zip-a", record_count=1, message_count=5),
                base_expect("zip-b", begin=B + DAY, end=E + DAY, record_count=1, message_count=2)]
case("0112-zip-two-reports", {"input.zip": zipb([
    (fname(ext="xml"), xa, zipfile.ZIP_DEFLATED),
    (fname(begin=B + DAY, end=E + DAY, ext="xml"), xb, zipfile.ZIP_DEFLATED)])}, e)

full = zip1(fname(ext="xml"), report(rid="zip-trunc-1",
                                     records=[rec("192.0.2.%d" % i, 1) for i in range(1, 60)]))
case("0113-zip-truncated", {"input.zip": full[:len(full) // 2]}, refused(["zip"]))

bomb = report(rid="zipbomb-1", decl='<?xml version="1.0" encoding="UTF-8"?>\n<!--' +
              " " * (1024 * 1024) + "-->\n")
case("0114-zip-ratio-bomb", {"input.zip": zip1(fname(ext="xml"), bomb)}, refused(["ratio"]),
     args="--max-ratio 100")

gz_case("0115-zip-stored-xml-zip",
        zipb([(fname(org="seznam.example", ext="xml"), report(rid="zip-stored-1"),
               zipfile.ZIP_STORED)]), "zip-stored-1", fn="input.xml.zip")

gz_case("0116-zip-entry-is-gzip", zip1(fname(ext="xml.gz"), gz(report(rid="zip-gz-1"))),
        "zip-gz-1", fn="input.zip")

# ---- 012x-013x: mail (SPEC §6.1) ---------------------------------------------


def mail_case(name, data, rid, fn="input.eml", n=1, extra=None):
    e = stored(n, 2 * n, 7 * n, ingest_extra={"messages": 1})
    e["reports"] = [base_expect(rid, record_count=2)] if isinstance(rid, str) else \
        [base_expect(r_, record_count=2) if isinstance(r_, str) else r_ for r_ in rid]
    e.update(extra or {})
    case(name, {fn: data}, e)


mail_case("0120-eml-multipart-gzip",
          eml_with([att("application/gzip", fname(ext="xml.gz"), gz(report(rid="eml-gz-1")))]),
          "eml-gz-1", extra={"twice": True})

gx = report(org="google.example", email="noreply-dmarc-support@google.example",
            rid="1627703331531660819", version=None)
ge = base_expect("1627703331531660819", org_name="google.example",
                 email="noreply-dmarc-support@google.example", schema="draft", record_count=2)
gmail = mail('Content-Type: multipart/mixed; boundary="000000000000abcdef0123456789"\n',
             multipart("000000000000abcdef0123456789",
                       [part('Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes\n'
                             "Content-Transfer-Encoding: base64\n",
                             b64("This is an aggregate report from google.example.\n")),
                        att("application/zip", fname(org="google.example", ext="zip"),
                            zip1(fname(org="google.example", ext="xml"), gx))], preamble=""),
             subject="Report domain: example.com Submitter: google.example "
                     "Report-ID: 1627703331531660819", mid="google-1")
mail_case("0121-eml-google-zip", gmail, [ge])

mc = gz(report(org="mimecast.example", rid="4f2a9b8c7d6e5f40", version="1.0",
               decl='<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'),
        fname=fname(org="mimecast.example", ext="xml")) + b"\r\n"
mimecast = mail('Content-Type: application/gzip;\n name="%s"\nContent-Transfer-Encoding: base64\n'
                'Content-Disposition: attachment;\n filename="%s"\n'
                % (fname(org="mimecast.example", ext="xml.gz"),
                   fname(org="mimecast.example", ext="xml.gz")),
                b64(mc), subject="Report domain: example.com Submitter: mimecast.example "
                                 "Report-ID: 4f2a9b8c7d6e5f40", mid="mimecast-1")
mail_case("0122-eml-mimecast-toplevel-gzip-trailing-crlf", mimecast,
          [base_expect("4f2a9b8c7d6e5f40", org_name="mimecast.example", record_count=2)])

qx = report(rid="eml-qp-1", decl='<?xml version="1.0" encoding="UTF-8"?>')
qx = "".join(l.strip() for l in qx.split("\n"))  # one long line: forces soft line breaks
qp = quopri.encodestring(qx.encode()).decode()
assert "=\n" in qp and "=3D" in qp
mail_case("0123-eml-text-xml-quoted-printable",
          eml_with([part('Content-Type: text/xml; charset=utf-8\nContent-Disposition: attachment; '
                         'filename="%s"\nContent-Transfer-Encoding: quoted-printable\n'
                         % fname(ext="xml"), qp)]), "eml-qp-1")

ses = report(org="AMAZON-SES", email="postmaster@amazonses.example",
             rid="0b5a2e4c-6f1d-4a8e-9c3b-7d2e1f0a9b8d", version="0.1")
mail_case("0124-eml-octet-stream-unquoted-filename",
          eml_with([part("Content-Type: application/octet-stream\nContent-Disposition: attachment; "
                         "filename=amazonses.example!example.com!%d!%d.xml.gz\n"
                         "Content-Transfer-Encoding: base64\n" % (B, E), b64(gz(ses)))],
                   subject="Dmarc Aggregate Report Domain: {example.com} Submitter: "
                           "{Amazon SES} Report-ID: {0b5a2e4c-6f1d-4a8e-9c3b-7d2e1f0a9b8d}"),
          [base_expect("0b5a2e4c-6f1d-4a8e-9c3b-7d2e1f0a9b8d", org_name="AMAZON-SES",
                       email="postmaster@amazonses.example", version="0.1", record_count=2)])

html = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="utf-8"/></head>\n'
        "<body><p>This is a DMARC aggregate report for example.com.</p>\n"
        '<img src="cid:logo@receiver.example"/></body></html>\n')
related = part('Content-Type: multipart/related; boundary="=_rel"; type="multipart/alternative"\n',
               multipart("=_rel", [
                   part('Content-Type: multipart/alternative; boundary="=_alt"\n',
                        multipart("=_alt", [part("Content-Type: text/html; charset=utf-8\n"
                                                 "Content-Transfer-Encoding: 8bit\n", html)],
                                  preamble="")),
                   part("Content-Type: image/png\nContent-ID: <logo@receiver.example>\n"
                        "Content-Transfer-Encoding: base64\n",
                        b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * 24))], preamble=""))
ms = report(org="Enterprise Outlook", email="dmarcreport@receiver.example", rid="html-ms-1")
msmail = eml_with([related, att("application/gzip", fname(org="protection.outlook.example",
                                                            ext="xml.gz"), gz(ms))],
                  text=None, boundary="=_mixed")
mail_case("0125-eml-html-related-before-gzip", msmail,
          [base_expect("html-ms-1", org_name="Enterprise Outlook",
                       email="dmarcreport@receiver.example", record_count=2)])

fwd = mail('Content-Type: multipart/mixed; boundary="=_fwd"\n',
           multipart("=_fwd", [part("Content-Type: text/plain; charset=utf-8\n",
                                    "FYI, see the attached report.\n"),
                               part('Content-Type: message/rfc822\nContent-Disposition: attachment; '
                                    'filename="report.eml"\n', gmail)]),
           subject="Fwd: Report domain: example.com Submitter: google.example", mid="fwd-1",
           hdr=HDR.replace("noreply-dmarc@receiver.example", "admin@example.com"))
mail_case("0126-eml-forwarded-message-rfc822", fwd, [ge])

subj = "=?utf-8?B?%s?=" % base64.b64encode(
    b"Report Domain: example.com Submitter: protection.outlook.example Report-ID: <ms-2047-1>"
).decode()
ms = report(org="Enterprise Outlook", email="dmarcreport@receiver.example", rid="ms-2047-1")
mail_case("0127-eml-rfc2047-subject-rfc2231-filename",
          eml_with([part("Content-Type: application/gzip\nContent-Disposition: attachment;\n"
                         " filename*=utf-8''protection.outlook.example%%21example.com%%21%d%%21%d.xml.gz;\n"
                         "Content-Transfer-Encoding: base64\n" % (B, E), b64(gz(ms)))],
                   subject=subj),
          [base_expect("ms-2047-1", org_name="Enterprise Outlook",
                       email="dmarcreport@receiver.example", record_count=2)])

mail_case("0128-eml-gzip-labelled-zip",
          eml_with([att("application/zip", fname(org="gmx.example", ext="zip"),
                        gz(report(rid="gmx-1")))]), "gmx-1")

xa = report(rid="two-att-a")
xb = report(rid="two-att-b")
mail_case("0129-eml-two-report-attachments",
          eml_with([att("application/gzip", fname(ext="xml.gz"), gz(xa)),
                    att("application/zip", fname(ext="zip"), zip1(fname(ext="xml"), xb))]),
          ["two-att-a", "two-att-b"], n=2)

e = refused(["report found"])
e["ingest"]["messages"] = 1
case("0130-eml-no-report",
     {"input.eml": mail("Content-Type: text/plain; charset=us-ascii\n",
                        "Hello,\n\nthis mail has no report attached.\n", subject="Hello")}, e)

arf = mail('Content-Type: multipart/report; report-type=feedback-report;\n boundary="=_arf"\n',
           multipart("=_arf", [
               part("Content-Type: text/plain; charset=us-ascii\n",
                    "This is an authentication failure report for an email message received "
                    "from IP 192.0.2.55.\n"),
               part("Content-Type: message/feedback-report\n",
                    "Feedback-Type: auth-failure\nVersion: 1\nUser-Agent: ExampleMTA/1.0\n"
                    "Auth-Failure: dmarc\nIdentity-Alignment: dkim, spf\n"
                    "Original-Mail-From: <spoof@example.com>\n"
                    "Arrival-Date: Thu, 16 Nov 2023 00:59:00 +0000\nSource-IP: 192.0.2.55\n"
                    "Reported-Domain: example.com\n"
                    "Authentication-Results: mx.receiver.example; dmarc=fail header.from=example.com\n"),
               part("Content-Type: text/rfc822-headers\n",
                    "From: <spoof@example.com>\nTo: <victim@example.net>\nSubject: Invoice\n"
                    "Message-ID: <spoof-1@example.com>\n")]),
           subject="FW: Report Domain: example.com Submitter: receiver.example", mid="arf-1")
# Stored since issue 13 (a failure report is a report kind of its own: it
# counts in ingest's reports, not in the aggregate summary).
e = {"exit": 0, "ingest": {"reports": 1, "duplicates": 0, "refused": 0},
     "summary": {"reports": 0, "records": 0, "messages": 0, "quarantined": 0}, "reports": []}
case("0131-eml-failure-report-arf", {"input.eml": arf}, e)

mail_case("0132-eml-crlf-line-endings",
          crlf(eml_with([att("application/gzip", fname(ext="xml.gz"), gz(report(rid="eml-crlf-1")))])),
          "eml-crlf-1")

mail_case("0133-eml-attachment-without-content-type",
          eml_with([part('Content-Disposition: attachment; filename="%s"\n'
                         "Content-Transfer-Encoding: base64\n" % fname(ext="xml.gz"),
                         b64(gz(report(rid="eml-noct-1"))))]), "eml-noct-1")

mr = report(org="Mail.Ru", email="dmarc_support@corp.mail.example", rid="mailru-1700006400",
            decl="<?xml version='1.0' encoding='utf-8'?>", version=None, end=B + DAY)
mr = "".join(l.strip() for l in mr.split("\n"))
mail_case("0134-eml-mailru",
          eml_with([att("application/gzip", fname(org="mail.ru.example", end=B + DAY, ext="xml.gz"),
                        gz(mr))],
                   text=part("Content-Type: text/plain; charset=utf-8\n"
                             "Content-Transfer-Encoding: base64\n",
                             b64("Отчёт DMARC для example.com\n")),
                   subject="Report Domain: example.com; Submitter: Mail.Ru;"),
          [base_expect("mailru-1700006400", org_name="Mail.Ru", end=B + DAY,
                       email="dmarc_support@corp.mail.example", record_count=2)])

e = stored(1, 2, 7, ingest_extra={"messages": 1})
e["stdin"] = True
e["reports"] = [base_expect("stdin-1", record_count=2)]
case("0135-stdin-eml", {"input.eml": eml_with([att("application/gzip", fname(ext="xml.gz"),
                                                   gz(report(rid="stdin-1")))])}, e)

big = eml_with([att("application/gzip", fname(ext="xml.gz"),
                    gz(report(rid="big-1", records=[rec("192.0.2.%d" % i, 1)
                                                    for i in range(1, 200)])))])
assert len(big) > 3000
case("0136-eml-over-max-message", {"input.eml": big}, refused(["message"], quarantined=None),
     args="--max-message 1k")

# The same HTML-first layout as 0125 but without a DOCTYPE in the HTML.
nodoc = html.split("\n", 1)[1]
rel2 = related.replace(html, nodoc)
mail_case("0137-eml-html-part-without-doctype",
          eml_with([rel2, att("application/gzip", fname(ext="xml.gz"),
                              gz(report(rid="html-nodoc-1")))], text=None, boundary="=_mixed"),
          "html-nodoc-1")

full = gz(report(rid="part-bad", records=[rec("192.0.2.%d" % i, 1) for i in range(1, 60)]))
e = {"exit": 1, "ingest": {"messages": 1, "reports": 1, "records": 2, "refused": 1},
     "summary": {"reports": 1, "records": 2, "messages": 7},
     "reports": [base_expect("part-good", record_count=2)],
     "stderr_contains": ["refused", "truncated"]}
case("0138-eml-one-good-one-truncated-attachment",
     {"input.eml": eml_with([att("application/gzip", fname(ext="xml.gz"), gz(report(rid="part-good"))),
                             att("application/gzip", fname(begin=B + DAY, end=E + DAY, ext="xml.gz"),
                                 full[:len(full) // 2])])}, e)

mail_case("0139-eml-text-xml-7bit",
          eml_with([part('Content-Type: text/xml; charset=utf-8\nContent-Disposition: attachment; '
                         'filename="%s"\nContent-Transfer-Encoding: 7bit\n' % fname(ext="xml"),
                         report(rid="eml-7bit-1"))]), "eml-7bit-1")

# ---- 014x: mbox and Maildir --------------------------------------------------------

MBOX_FROM = "From noreply-dmarc@receiver.example Thu Nov 16 01:02:03 2023\n"
rA = gz(report(rid="mbox-a"))
rB = report(rid="mbox-b", begin=B + DAY, end=E + DAY)
m1 = eml_with([att("application/gzip", fname(ext="xml.gz"), rA)], mid="mbox-1",
              subject="Report Domain: example.com Submitter: receiver.example Report-ID: <mbox-a>")
m2 = eml_with([att("application/zip", fname(begin=B + DAY, end=E + DAY, ext="zip"),
                   zip1(fname(begin=B + DAY, end=E + DAY, ext="xml"), rB))], mid="mbox-2",
              text=part("Content-Type: text/plain; charset=us-ascii\n",
                        "Daily report.\n>From the postmaster: this line was quoted by the MDA.\n"
                        ">>From here on nothing changes.\n"),
              subject="Report Domain: example.com Submitter: receiver.example Report-ID: <mbox-b>")
m3 = eml_with([att("application/gzip", fname(ext="xml.gz"), rA)], mid="mbox-3",
              subject="Report Domain: example.com Submitter: receiver.example Report-ID: <mbox-a>")
mbox = "".join(MBOX_FROM + m + "\n" for m in (m1, m2, m3))
e = stored(2, 4, 14, ingest_extra={"messages": 3, "duplicates": 1},
           summary_extra={"first_begin": day(B), "last_end": day(E + DAY)})
e["reports"] = [base_expect("mbox-a", record_count=2),
                base_expect("mbox-b", begin=B + DAY, end=E + DAY, record_count=2)]
case("0140-mbox-three-messages-one-duplicate", {"input.mbox": mbox}, e)
case("0141-mbox-crlf", {"input.mbox": crlf(mbox)}, e)

md1 = eml_with([att("application/gzip", fname(ext="xml.gz"), gz(report(rid="maildir-new")))],
               mid="md-1")
md2 = eml_with([att("application/zip", fname(ext="zip"),
                    zip1(fname(ext="xml"), report(rid="maildir-cur", begin=B + DAY, end=E + DAY)))],
               mid="md-2")
md3 = eml_with([att("application/gzip", fname(ext="xml.gz"), gz(report(rid="maildir-tmp")))],
               mid="md-3")
e = stored(2, 4, 14, ingest_extra={"messages": 2})
e["reports"] = [base_expect("maildir-new", record_count=2),
                base_expect("maildir-cur", begin=B + DAY, end=E + DAY, record_count=2)]
case("0142-maildir-new-cur-tmp", {
    "input/new/1700096523.M1P101Q1.mx.example": md1,
    "input/cur/1700096524.M2P102Q1.mx.example:2,S": md2,
    "input/tmp/1700096525.M3P103Q1.mx.example": md3}, e)

e = stored(3, 6, 21, ingest_extra={"inputs": 1, "messages": 3},
           summary_extra={"first_begin": day(B), "last_end": day(E + 2 * DAY)})
e["reports"] = [base_expect("dir-a"), base_expect("dir-b", begin=B + DAY, end=E + DAY),
                base_expect("dir-c", begin=B + 2 * DAY, end=E + 2 * DAY)]
case("0143-directory-recursive", {
    "input/a.xml": report(rid="dir-a"),
    "input/sub/b.xml.gz": gz(report(rid="dir-b", begin=B + DAY, end=E + DAY)),
    "input/sub/deeper/c.zip": zip1("c.xml", report(rid="dir-c", begin=B + 2 * DAY,
                                                   end=E + 2 * DAY))}, e)

# ---- 015x: dedupe (SPEC §6.7) --------------------------------------------------------

x = report(rid="dedupe-1")
e = stored(1, 2, 7, ingest_extra={"inputs": 4, "duplicates": 3})
e["reports"] = [base_expect("dedupe-1", record_count=2)]
case("0150-dedupe-same-report-four-containers", {
    "input1.xml": x, "input2.xml.gz": gz(x), "input3.zip": zip1(fname(ext="xml"), x),
    "input4.eml": eml_with([att("application/gzip", fname(ext="xml.gz"), gz(x))])}, e)

x1 = report(rid="reused-id")
x2 = report(rid="reused-id", begin=B + DAY, end=E + DAY)
e = stored(2, 4, 14)
e["reports"] = [base_expect("reused-id"), base_expect("reused-id", begin=B + DAY, end=E + DAY)]
case("0151-dedupe-same-id-different-range", {"input1.xml": x1, "input2.xml": x2}, e)

rid = "example.com.%d.%d" % (B, E)
x1 = report(org="receiver-a.example", email="dmarc@receiver-a.example", rid=rid)
x2 = report(org="receiver-b.example", email="dmarc@receiver-b.example", rid=rid)
e = stored(2, 4, 14)
e["reports"] = [{"org_name": "receiver-a.example", "report_id": rid},
                {"org_name": "receiver-b.example", "report_id": rid}]
case("0152-dedupe-same-id-different-orgs", {"input1.xml": x1, "input2.xml": x2}, e)


# ---- 016x: hardening (issue 12) -----------------------------------------------------

# Outlook.com: the first part of the multipart/alternative is empty.  GLib hands
# an empty part over as a NULL pointer, which once read as "oversize".
alt = part('Content-Type: multipart/alternative; boundary="=_alt"\n',
           multipart("=_alt", [
               part("Content-Type: text/plain; charset=us-ascii\n"
                    "Content-Transfer-Encoding: 7bit\n", ""),
               part("Content-Type: text/html; charset=us-ascii\n"
                    "Content-Transfer-Encoding: 7bit\n", "")], preamble=""))
x = eml_with([att("application/zip", fname(ext="zip"),
                  zip1(fname(ext="xml"), report(rid="outlook-empty-1")))], text=alt)
mail_case("0160-eml-outlook-empty-alternative-part", x, "outlook-empty-1",
          extra={"summary": {"reports": 1, "quarantined": 0}})


def zip_dd(name, data, crc_in_cd=None, crc_in_dd=None):
    """A zip whose entry has a data descriptor: the local header carries the
    sizes but CRC 0 (flag bit 3), the real CRC follows the data."""
    if isinstance(data, str):
        data = data.encode()
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = co.compress(data) + co.flush()
    crc = zlib.crc32(data) & 0xFFFFFFFF
    cd_crc = crc if crc_in_cd is None else crc_in_cd
    dd_crc = crc if crc_in_dd is None else crc_in_dd
    nm = name.encode()
    dostime, dosdate = 0x1041, 0x5770
    lh = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 8, 8, dostime, dosdate, 0, len(comp),
                     len(data), len(nm), 0) + nm
    dd = struct.pack("<IIII", 0x08074B50, dd_crc, len(comp), len(data))
    cd = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 8, 8, dostime, dosdate, cd_crc,
                     len(comp), len(data), len(nm), 0, 0, 0, 0, 0o100644 << 16, 0) + nm
    body = lh + comp + dd
    return body + cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), len(body), 0)


gz_case("0161-zip-data-descriptor-crc0-in-local-header",
        zip_dd(fname(ext="xml"), report(rid="zip-dd-1")), "zip-dd-1", fn="input.zip")
case("0162-zip-data-descriptor-bad-crc",
     {"input.zip": zip_dd(fname(ext="xml"), report(rid="zip-dd-2"), crc_in_cd=0x12345678,
                          crc_in_dd=0x12345678)}, refused(["crc"]))


# <policy_published> after the records: the records are held until it arrives.
x = report(rid="policy-late-1")
pol = x[x.index("  <policy_published>"):x.index("</policy_published>\n") + len("</policy_published>\n")]
x = sub(x, pol, "")
x = sub(x, "</feedback>\n", pol + "</feedback>\n")
e = stored(1, 2, 7)
e["reports"] = [base_expect("policy-late-1", policy=POLICY_FULL, record_count=2,
                            records=[exp_record(R1()), exp_record(R2())])]
e["warnings_contain"] = ["out of order"]
case("0163-policy-published-after-records", {"input.xml": x}, e)

# ... and report_metadata after them too.
x = report(rid="meta-late-1")
meta = x[x.index("  <report_metadata>"):x.index("</report_metadata>\n") + len("</report_metadata>\n")]
pol = x[x.index("  <policy_published>"):x.index("</policy_published>\n") + len("</policy_published>\n")]
x = sub(sub(x, meta, ""), pol, "")
x = sub(x, "</feedback>\n", pol + meta + "</feedback>\n")
e = stored(1, 2, 7)
e["reports"] = [base_expect("meta-late-1", record_count=2)]
e["warnings_contain"] = ["out of order"]
case("0164-metadata-and-policy-after-records", {"input.xml": x}, e)

x = report(rid="no-policy-1")
pol = x[x.index("  <policy_published>"):x.index("</policy_published>\n") + len("</policy_published>\n")]
case("0165-policy-published-absent", {"input.xml": sub(x, pol, "")},
     refused(["<policy_published> is missing"]))


# A record skipped for a bad <count>: stored, exit 0, but said on stderr.
x = report(rid="bad-count-stderr", records=[rec("192.0.2.1", 3), rec("203.0.113.9", "-5"),
                                            rec("198.51.100.2", 4)])
e = stored(1, 2, 7)
e["reports"] = [{"record_count": 2, "skipped_records": 1}]
e["stderr_contains"] = ["warning", "1 record skipped", "invalid <count> '-5'"]
case("0166-bad-count-warned-on-stderr", {"input.xml": x}, e)


# D3: an absurd end (read as milliseconds, still ~292 million years away) is
# replaced by the believable begin, with a warning that keeps what was sent.
x = report(rid="absurd-end-1", end="9223372036854775807", records=[R1()])
e = stored(1, 1, 5, summary_extra={"first_begin": day(B), "last_end": day(B)})
e["reports"] = [{"begin": B, "end": B, "record_count": 1}]
e["warnings_contain"] = ["9223372036854775 is outside 1990-2100"]
case("0167-date-absurd-end", {"input.xml": x}, e)

x = report(rid="long-range-1", begin=B, end=B + 40 * DAY, records=[R1()])
e = stored(1, 1, 5)
e["reports"] = [{"begin": B, "end": B + 40 * DAY}]
e["warnings_contain"] = ["40 days, more than 31"]
case("0168-date-range-over-31-days", {"input.xml": x}, e)


# D10: a policy domain that is no domain name is refused at ingest, by the
# check the web API applies to its domain parameter.
x = report(rid="bad-domain-1", policy=[("domain", "&lt;script&gt;alert(1)&lt;/script&gt;"),
                                       ("p", "none")])
case("0169-policy-domain-script", {"input.xml": x},
     refused(["is not a domain name", "<script>alert(1)</script>"]))
x = report(rid="bad-domain-2", policy=[("domain", '=HYPERLINK("http://evil.example")'),
                                       ("p", "none")])
case("0170-policy-domain-formula", {"input.xml": x}, refused(["is not a domain name"]))


# Normalised values are noted in the warnings (README: "noted in each report's
# warnings"), once per distinct spelling.
x = report(rid="norm-1",
           policy=[("domain", "example.com"), ("adkim", "R"), ("p", "None"), ("pct", "100")],
           records=[rec("192.0.2.30", 3, disp="None", dkim="Pass", spf="fail",
                        auth_dkim=[("example.com", "s1", "unknown")],
                        auth_spf=[("example.com", "mfrom", "TempError")]),
                    rec("192.0.2.31", 2, dkim="Pass", spf="fail",
                        auth_spf=[("example.com", "mfrom", "HardFail")])])
e = stored(1, 2, 5)
e["reports"] = [{"policy": {"adkim": "r", "p": "none"},
                 "warnings": {"$contains": ["adkim 'R' read as 'r'", "p 'None' read as 'none'",
                                            "disposition 'None' read as 'none'",
                                            "dkim 'Pass' read as 'pass'",
                                            "'unknown' read as 'temperror'",
                                            "'TempError' read as 'temperror'",
                                            "'HardFail' read as 'fail'"]}}]
case("0171-normalised-values-warned", {"input.xml": x}, e)


# D7: byte repairs are noted: cp1252 bytes, a NUL and a BEL, a UTF-8-encoded
# surrogate (ED A0 80, read byte by byte as cp1252).
x = report(rid="repairs-1", org="@@ORG@@").encode()
x = sub(x, b"@@ORG@@", b"Sue\xf1o \x91Mail\x92\x00 Serv\x07ice \xed\xa0\x80")
e = stored(1, 2, 7)
e["reports"] = [{"report_id": "repairs-1",
                 "warnings": {"$contains": ["6 bytes not valid UTF-8",
                                            "2 control characters"]}}]
case("0172-byte-repairs-warned", {"input.xml": x}, e)


# Structural oddities stored with a warning: two <row> in one record, a record
# without <policy_evaluated>, a report without records.
x = report(rid="two-rows-1", records=[R1()])
x = sub(x, "    </row>\n", "    </row>\n    <row>\n      <source_ip>192.0.2.99</source_ip>\n"
        "      <count>4</count>\n    </row>\n")
e = stored(1, 1, 4)
e["reports"] = [{"records": [{"source_ip": "192.0.2.99", "count": 4}]}]
e["warnings_contain"] = ["more than one <row>"]
case("0173-record-with-two-rows", {"input.xml": x}, e)

x = report(rid="no-eval-1", records=[R1()])
x = x[:x.index("      <policy_evaluated>")] + x[x.index("</policy_evaluated>\n") + 20:]
e = stored(1, 1, 5)
e["reports"] = [{"record_count": 1}]
e["warnings_contain"] = ["no <policy_evaluated>"]
case("0174-record-without-policy-evaluated", {"input.xml": x}, e)

x = report(rid="no-records-1", records=[])
e = stored(1, 0, 0)
e["reports"] = [{"record_count": 0}]
e["warnings_contain"] = ["no records"]
case("0175-report-without-records", {"input.xml": x}, e)


# Draft-style extensions are kept (name=definition), not dropped as unknown.
x = report(rid="draft-ext-1", top_extra='  <extensions>\n'
           '    <extension name="arc" definition="https://ext.example/arc-1.0">\n'
           '      <arc_seal>pass</arc_seal>\n    </extension>\n'
           '    <extension name="bimi" definition="https://ext.example/bimi"/>\n'
           '  </extensions>\n')
e = stored(1, 2, 7)
e["reports"] = [{"report_id": "draft-ext-1", "warnings": [],
                 "extensions": "arc=https://ext.example/arc-1.0,bimi=https://ext.example/bimi"}]
case("0176-draft-style-extensions-kept", {"input.xml": x}, e)


# ================================================================== writer

def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, files in sorted(CASES.items()):
        d = os.path.join(CASES_DIR, name)
        for rel, data in files.items():
            assert len(data) < 20 * 1024, (name, rel, len(data))
        if check:
            have = {}
            for root, _dirs, fnames in os.walk(d):
                for f in fnames:
                    p = os.path.join(root, f)
                    with open(p, "rb") as fh:
                        have[os.path.relpath(p, d)] = fh.read()
            if have != files:
                stale.append(name)
            continue
        if os.path.isdir(d):
            shutil.rmtree(d)
        for rel, data in files.items():
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as fh:
                fh.write(data)
    if check:
        known = set(CASES)
        extra = [n for n in os.listdir(CASES_DIR) if n not in known] if os.path.isdir(CASES_DIR) else []
        for n in stale:
            print("stale: %s" % n)
        for n in extra:
            print("not generated by this script: %s" % n)
        if stale or extra:
            sys.exit(1)
        print("%d cases up to date" % len(CASES))
    else:
        print("wrote %d cases under %s" % (len(CASES), CASES_DIR))


if __name__ == "__main__":
    main()
