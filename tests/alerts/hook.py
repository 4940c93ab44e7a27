#!/usr/bin/env python3
"""hook.py PORT MODE SECRET LOG - a webhook receiver on 127.0.0.1 for
tests/alerts.sh.  Every request is logged as one JSON line in LOG: the
status answered, whether the HMAC signature verified, the delivery key and
the alert's rule.
  MODE ok     200 when the signature verifies, else 401
  MODE fail2  500 to the first two requests, then as ok
  MODE hang   reads the request and never answers
Signature: X-Dmarcscope-Signature: sha256=HEX(HMAC-SHA256(SECRET, TS + "." + body))
with TS from X-Dmarcscope-Timestamp.
"""
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, mode, secret, log = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode(), sys.argv[4]
count = {"n": 0}
lock = threading.Lock()


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        ts = self.headers.get("X-Dmarcscope-Timestamp", "")
        sig = self.headers.get("X-Dmarcscope-Signature", "")
        want = "sha256=" + hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        good = hmac.compare_digest(sig, want)
        with lock:
            count["n"] += 1
            k = count["n"]
        try:
            rule = json.loads(body).get("rule")
        except ValueError:
            rule = None
        if mode == "hang":
            status = 0
        elif mode == "fail2" and k <= 2:
            status = 500
        else:
            status = 200 if good else 401
        with open(log, "a") as f:
            f.write(json.dumps({"n": k, "status": status, "sig_ok": good, "rule": rule,
                                "key": self.headers.get("X-Dmarcscope-Delivery"),
                                "ctype": self.headers.get("Content-Type")}) + "\n")
        if status == 0:
            time.sleep(3600)
            return
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
