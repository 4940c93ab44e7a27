#!/usr/bin/env python3
"""mailcheck.py MAILDIR - one JSON line per message in MAILDIR/new (sorted by
file name = arrival): raw Subject header, decoded subject, To, Message-ID,
Auto-Submitted, X-Dmarcscope-Alert, the parts' types and charsets, and the
decoded text and HTML.  Parsed with Python's email package."""
import email
import email.policy
import json
import os
import sys

d = os.path.join(sys.argv[1], "new")
for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    with open(os.path.join(d, name), "rb") as f:
        raw = f.read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    text = html = ""
    for p in m.walk():
        if p.is_multipart():
            continue
        parts.append([p.get_content_type(), p.get_content_charset()])
        if p.get_content_type() == "text/plain":
            text = p.get_content()
        elif p.get_content_type() == "text/html":
            html = p.get_content()
    raw_subject = email.message_from_bytes(raw, policy=email.policy.compat32).get("Subject", "")
    print(json.dumps({"file": name, "raw_subject": str(raw_subject), "subject": str(m["Subject"]),
                      "to": str(m["To"]), "message_id": str(m["Message-ID"]),
                      "auto": str(m["Auto-Submitted"]), "xalert": str(m["X-Dmarcscope-Alert"]),
                      "type": m.get_content_type(), "parts": parts, "text": text, "html": html},
                     ensure_ascii=False))
