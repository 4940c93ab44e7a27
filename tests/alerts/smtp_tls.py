#!/usr/bin/env python3
"""smtp_tls.py PORT CERT KEY MAILDIR USER PASSWORD - an SMTP server on
127.0.0.1 for tests/alerts.sh that requires STARTTLS and then AUTH
(PLAIN/LOGIN) with USER/PASSWORD, and stores what it accepts in MAILDIR
(aiosmtpd's Mailbox handler).  Runs until killed."""
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult

port, cert, key, maildir, user, password = sys.argv[1:7]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)


def auth(server, session, envelope, mechanism, data):
    ok = data.login.decode() == user and data.password.decode() == password
    return AuthResult(success=ok, handled=False)


c = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), tls_context=ctx,
               require_starttls=True, auth_required=True, auth_require_tls=True,
               authenticator=auth)
c.start()
while True:
    time.sleep(3600)
