#!/usr/bin/env python3
"""https.py PORT CERT KEY DIR PIDFILE - the MTA-STS policy host of the DNS
check tests (tests/dnscheck/run.sh): HTTPS on 127.0.0.1:PORT with a
self-signed certificate, answering GET /.well-known/mta-sts.txt with
DIR/<Host>.txt (404 when there is none).  A file named <Host>.big makes a
policy of that many KiB (the size cap test).  Loopback only."""
import http.server
import os
import ssl
import sys

PORT, CERT, KEY, DIR, PIDFILE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        body = None
        if self.path == "/.well-known/mta-sts.txt" and "/" not in host and host:
            p = os.path.join(DIR, host + ".txt")
            big = os.path.join(DIR, host + ".big")
            if os.path.exists(p):
                with open(p, "rb") as f:
                    body = f.read()
            elif os.path.exists(big):
                with open(big) as f:
                    kib = int(f.read().strip())
                body = b"version: STSv1\nmode: enforce\nmax_age: 86400\n" + b"mx: x.example\n" * (kib * 73)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(PIDFILE + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(PIDFILE + ".tmp", PIDFILE)
srv.serve_forever()
