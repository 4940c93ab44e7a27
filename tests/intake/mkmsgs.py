#!/usr/bin/env python3
# mkmsgs.py CORPUS OUTDIR - one RFC 5322 message per report file of the real
# corpus (aggregate, failure, smtp_tls): .eml files as they are, every other
# file attached to a new message (as a receiver sends it), for IMAP APPEND.
import os
import sys
from email.message import EmailMessage

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for sub in ("aggregate", "failure", "smtp_tls"):
    d = os.path.join(src, sub)
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if not os.path.isfile(p):
            continue
        data = open(p, "rb").read()
        n += 1
        dst = os.path.join(out, "%03d.eml" % n)
        if name.endswith(".eml"):
            if b"\r\n" not in data:
                data = data.replace(b"\n", b"\r\n")
            open(dst, "wb").write(data)
            continue
        m = EmailMessage()
        m["From"] = "noreply-dmarc@receiver.example"
        m["To"] = "dmarc@example.com"
        m["Subject"] = "Report " + name
        m["Message-ID"] = "<%d.corpus@receiver.example>" % n
        m.set_content("report attached")
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        open(dst, "wb").write(m.as_bytes(policy=m.policy.clone(linesep="\r\n")))
# One the ingest refuses (a broken gzip attachment): it must end in Error,
# after it is in quarantine.
m = EmailMessage()
m["From"] = "noreply-dmarc@receiver.example"
m["To"] = "dmarc@example.com"
m["Subject"] = "Report Domain: example.com Submitter: broken.example"
m["Message-ID"] = "<broken.corpus@receiver.example>"
m.set_content("report attached")
m.add_attachment(b"\x1f\x8b\x08\x00broken" * 40, maintype="application", subtype="gzip",
                 filename="broken.example!example.com!1700000000!1700086400.xml.gz")
n += 1
open(os.path.join(out, "%03d.eml" % n), "wb").write(m.as_bytes(policy=m.policy.clone(linesep="\r\n")))
print(n)
