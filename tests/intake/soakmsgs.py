#!/usr/bin/env python3
# soakmsgs.py CORPUS OUTDIR - one RFC 5322 message per report file that
# ../shared/tools/gen_corpus.py wrote (deterministic: sorted names), for the
# IMAP soak test (soak.sh) and the latency benchmark (bench/intake_latency.sh).
# Every message gets "X-Soak-Seq: <NNNNNN>" (its number, six digits) as its
# first header, so the test can find each one in any folder (IMAP SEARCH
# HEADER) and tell a missing message from a second copy.  .eml files keep
# their MIME body; the others are attached to a new message as a receiver
# sends them.  Prints the number of messages written.
import os
import sys
from email.message import EmailMessage

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
names = sorted(n for n in os.listdir(src)
               if n.endswith((".xml", ".xml.gz", ".zip", ".eml")))
for n, name in enumerate(names, 1):
    data = open(os.path.join(src, name), "rb").read()
    seq = b"X-Soak-Seq: <%06d>\r\n" % n
    if name.endswith(".eml"):
        if b"\r\n" not in data:
            data = data.replace(b"\n", b"\r\n")
        body = seq + data
    else:
        m = EmailMessage()
        m["From"] = "noreply-dmarc@receiver.example"
        m["To"] = "dmarc@example.com"
        m["Subject"] = "Report " + name
        m["Message-ID"] = "<%d.soak@receiver.example>" % n
        m.set_content("report attached")
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        m.set_boundary("soak-%06d" % n)	# not random: the same bytes every run
        body = seq + m.as_bytes(policy=m.policy.clone(linesep="\r\n"))
    with open(os.path.join(out, "%06d.eml" % n), "wb") as f:
        f.write(body)
print(len(names))
