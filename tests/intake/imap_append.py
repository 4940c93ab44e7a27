#!/usr/bin/env python3
# imap_append.py PORT USER PASSFILE FOLDER RATE FILE... - APPENDs each file
# (soakmsgs.py's messages, "X-Soak-Seq: <NNNNNN>" first) to FOLDER of the IMAP
# server on 127.0.0.1:PORT (plain text, loopback only), RATE messages a
# second at most (0: as fast as it can), over one connection kept open.
# The server may be killed and restarted meanwhile (soak.sh does): on a
# dropped connection it reconnects (for up to 120 s) and, when the APPEND in
# hand may have been stored before the drop, searches INBOX, Processed and
# Error for its X-Soak-Seq before sending it again, so every file is in the
# mailbox exactly once.  Prints "appended SEQ" per message (flushed) and
# "resent SEQ" / "found SEQ" after a drop; exits 0 when every file is in.
import imaplib
import re
import sys
import time

port, user, pwfile, folder, rate = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], \
    float(sys.argv[5])
files = sys.argv[6:]
password = open(pwfile).readline().strip()


def connect():
    end = time.time() + 120
    while True:
        try:
            c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
            c.login(user, password)
            return c
        except (OSError, imaplib.IMAP4.error, EOFError):
            if time.time() > end:
                raise
            time.sleep(0.2)


def present(c, seq):
    for box in (folder, "Processed", "Error"):
        try:
            typ, _ = c.select(box, readonly=True)
            if typ != "OK":
                continue
            typ, data = c.uid("SEARCH", "HEADER", "X-Soak-Seq", "<%s>" % seq)
            if typ == "OK" and data and data[0].split():
                return True
        except imaplib.IMAP4.error:
            continue
    return False


c = connect()
t0 = time.time()
for i, path in enumerate(files):
    data = open(path, "rb").read()
    seq = re.match(rb"X-Soak-Seq: <(\d+)>", data).group(1).decode()
    if rate > 0:
        wait = t0 + i / rate - time.time()
        if wait > 0:
            time.sleep(wait)
    doubt = False
    while True:
        try:
            if doubt and present(c, seq):
                print("found", seq, flush=True)
                break
            typ, _ = c.append(folder, None, None, data)
            if typ != "OK":
                raise imaplib.IMAP4.abort("APPEND answered %s" % typ)
            print("resent" if doubt else "appended", seq, flush=True)
            break
        except (OSError, imaplib.IMAP4.abort, EOFError):
            doubt = True
            try:
                c.shutdown()
            except Exception:
                pass
            c = connect()
try:
    c.logout()
except Exception:
    pass
