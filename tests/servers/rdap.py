#!/usr/bin/env python3
# rdap.py PORT DIR LOG PIDFILE - a canned RDAP server on 127.0.0.1:PORT.
# GET /rdap/ip/ADDR (or /rdap2/ip/ADDR) answers DIR/ADDR.json (':' in ADDR
# written as '_') with Content-Type application/rdap+json.  DIR/ADDR.status
# overrides: "404", "429", "500", or "302 /path" (a redirect).  Anything else
# is a 404 with an RDAP error body.  Every request path is appended to LOG.
import http.server
import os
import sys

port, root, log, pidfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/rdap+json", extra=None):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        with open(log, "a") as f:
            f.write(self.path + "\n")
        parts = self.path.split("/")
        if len(parts) != 4 or parts[1] not in ("rdap", "rdap2") or parts[2] != "ip":
            return self.send(404, '{"errorCode":404,"title":"not found"}')
        name = parts[3].replace(":", "_")
        if "/" in name or name.startswith("."):
            return self.send(400, '{"errorCode":400}')
        st = os.path.join(root, name + ".status")
        if parts[1] == "rdap" and os.path.exists(st):
            words = open(st).read().split()
            code = int(words[0])
            if code in (301, 302, 307):
                return self.send(code, "", extra={"Location": words[1]})
            return self.send(code, '{"errorCode":%d,"title":"canned"}' % code)
        js = os.path.join(root, name + ".json")
        if os.path.exists(js):
            return self.send(200, open(js).read())
        return self.send(404, '{"errorCode":404,"title":"not found"}')

srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
with open(pidfile, "w") as f:
    f.write("%d\n" % os.getpid())
srv.serve_forever()
