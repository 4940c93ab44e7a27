#!/bin/sh
# isolation.sh [BIN] - provider mode's tenant isolation (issue 14), proven
# against a real `dmarcscope serve` on a free loopback port (--no-enrich).
#
# Data: three policy domains, each with aggregate reports (the same two
# reporters, overlapping source addresses), failure reports (one reporter,
# an address they share, a URL they share) and TLS reports:
#   alpha-corp.example   tenant alpha   (users alpha-admin, alpha-viewer, two tokens)
#   bravo-corp.example   tenant bravo   (user bravo-admin)
#   nobody-corp.example  unassigned     (operators only)
# plus one e-mail holding an alpha and a bravo report (its raw view is an
# operator's only) and a quarantined input.  Everything of bravo's and the
# unassigned domain's carries a marker ("bravo", "nobody-corp", its own
# addresses 203.0.113.99, 203.0.113.77, 198.51.100.99).
#
# Routes come from `serve --routes` (the router's own table): every route is
# requested as alpha (session and read token) with every value of bravo's
# and the unassigned domain's that its path and query can take (domain,
# ip, report, record, report and failure ids, raw ids, attachments, CSV,
# URLs, reporters, search); no answer may hold a marker, a by-id read of
# another's row must be refused (4xx), and the list totals must be alpha's
# own.  A route whose placeholder or query parameter the test has no values
# for fails ("teach tests/web/isolation.sh"): a new route cannot be missed.
# Then: nobody without credentials gets anything but the public routes
# (401); a viewer and a read token are refused every write; CSRF; writes
# into another tenant's domain or sender; the operator sees the unassigned
# domain; the response cache and the live-update version are per tenant;
# security headers on every answer; `serve` refuses a non-loopback listen
# address with no users.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
T=$(mktemp -d /tmp/dmarcscope-iso.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
export DMARCSCOPE_SERVICES="${DMARCSCOPE_SERVICES:-$ROOT/data/services.csv}"
exec python3 - "$BIN" "$T" "$ROOT" <<'PYEOF'
import http.client, json, os, re, signal, socket, sqlite3, subprocess, sys, time, urllib.parse
from email.message import EmailMessage
from email import policy
from email.utils import format_datetime
from datetime import datetime, timezone

BIN, T, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
DB = os.path.join(T, "iso.db")
npass = nfail = 0

def ok(name):
    global npass
    npass += 1

def ko(name, why=""):
    global nfail
    nfail += 1
    print("FAIL %s%s" % (name, (": " + why) if why else ""))

def check(name, cond, why=""):
    if cond:
        ok(name)
        print("ok   " + name)
    else:
        ko(name, why)

def cli(*args, stdin=None):
    p = subprocess.run([BIN, "--db", DB] + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        ko("dmarcscope " + " ".join(args), p.stderr.decode(errors="replace")[-500:])
    return p.stdout.decode(errors="replace")

# ---- the data ------------------------------------------------------------------
A, B, U = "alpha-corp.example", "bravo-corp.example", "nobody-corp.example"
BASE = 1793491200 + 86400  # 2026-11-01
IPS = {A: "203.0.113.11", B: "203.0.113.99", U: "203.0.113.77"}
SHARED_IP = "192.0.2.10"
REPORTERS = [("google.com", "noreply-dmarc-support@google.com"),
             ("Yahoo! JAPAN", "dmarc-report@mail.yahoo.co.jp")]
D = os.path.join(T, "in")
os.makedirs(D)

def agg(domain, org, email, day, rid):
    rows = ""
    for ip, n, res in ((SHARED_IP, 10 + day, "pass"), ("198.51.100.20", 3, "pass"),
                       (IPS[domain], 2 + day, "fail")):
        rows += ("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
                 "<disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated>"
                 "</row><identifiers><header_from>%s</header_from></identifiers><auth_results>"
                 "<dkim><domain>%s</domain><result>%s</result></dkim><spf><domain>%s</domain>"
                 "<result>%s</result></spf></auth_results></record>"
                 % (ip, n, res, res, domain, domain, res, domain, res))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback><report_metadata><org_name>%s'
            '</org_name><email>%s</email><report_id>%s</report_id><date_range><begin>%d</begin>'
            '<end>%d</end></date_range></report_metadata><policy_published><domain>%s</domain>'
            '<p>none</p></policy_published>%s</feedback>\n'
            % (org.replace("&", "&amp;"), email, rid, BASE + day * 86400, BASE + day * 86400 + 86399,
               domain, rows)).encode()

for dom in (A, B, U):
    label = dom.split("-")[0]
    for org, email in REPORTERS:
        for day in range(3):
            with open(os.path.join(D, "agg-%s-%s-%d.xml" % (label, org[:5], day)), "wb") as f:
                f.write(agg(dom, org, email, day, "rid-%s-%s-%d" % (label, org[:5], day)))

# one e-mail with an alpha and a bravo report: its raw view is an operator's
m = EmailMessage()
m["From"] = "noreply-dmarc-support@google.com"
m["To"] = "rua@provider.example"
m["Subject"] = "Report Domain: several"
m.set_content("two reports")
for dom, rid in ((A, "mixed-alpha"), (B, "mixed-bravo")):
    m.add_attachment(agg(dom, "google.com", "noreply-dmarc-support@google.com", 5, rid),
                     maintype="text", subtype="xml", filename="google.com!%s!%d!%d.xml"
                     % (dom, BASE + 5 * 86400, BASE + 6 * 86400 - 1))
with open(os.path.join(D, "mixed.eml"), "wb") as f:
    f.write(bytes(m))

def ruf(n, dom, ip, day, subject, body, attach=None):
    arrival = datetime(2026, 11, 2 + day, 3, n, tzinfo=timezone.utc)
    s = EmailMessage(policy=policy.SMTP)
    s["From"] = "<info@%s>" % dom
    s["To"] = "customer@receiver.example"
    s["Date"] = format_datetime(arrival)
    s["Message-ID"] = "<sample-%d@sender.example>" % n
    s["Subject"] = subject
    s.set_content(body)
    if attach:
        s.add_attachment(attach[1], maintype="application", subtype="octet-stream", filename=attach[0])
    r = EmailMessage(policy=policy.SMTP)
    r["From"] = "ruf@reporter.example"
    r["To"] = "ruf@%s" % dom
    r["Subject"] = "DMARC failure report"
    r["Date"] = format_datetime(arrival)
    r["Message-ID"] = "<ruf-%d@reporter.example>" % n
    r.set_content("failure report\n")
    fields = [("Feedback-Type", "auth-failure"), ("User-Agent", "r/1"), ("Version", "1"),
              ("Original-Mail-From", "<bounce@%s>" % dom), ("Arrival-Date", format_datetime(arrival)),
              ("Source-IP", ip), ("Reported-Domain", dom), ("Auth-Failure", "dmarc"),
              ("Delivery-Result", "reject")]
    r.add_attachment("".join("%s: %s\r\n" % kv for kv in fields).encode(), maintype="message",
                     subtype="feedback-report", disposition="inline", cte="7bit")
    r.add_attachment(s)
    r.replace_header("Content-Type", r.get_content_type().replace("mixed", "report"))
    r.set_param("report-type", "feedback-report")
    return r.as_bytes(policy=policy.SMTP)

RUFS = [(1, A, SHARED_IP, 0, "alpha newsletter", "read http://alpha-site.example/news and "
         "http://shared-url.example/x\n", None),
        (2, B, SHARED_IP, 0, "BRAVO bravo invoice", "pay at http://evil-bravo.example/pay and "
         "http://shared-url.example/x\n", ("bravo-invoice.pdf.exe", b"MZ bravo not a program\n")),
        (3, B, IPS[B], 1, "bravo second", "http://evil-bravo.example/again\n", None),
        (4, U, IPS[U], 1, "nobody-corp note", "http://nobody-corp.example/\n", None)]
for n, dom, ip, day, subj, body, att in RUFS:
    with open(os.path.join(D, "ruf-%d.eml" % n), "wb") as f:
        f.write(ruf(n, dom, ip, day, subj, body, att))

def tls(dom, n, failures, sip):
    return {"organization-name": "reporter.example", "contact-info": "tls@reporter.example",
            "report-id": "tls-%s-%d" % (dom.split("-")[0], n),
            "date-range": {"start-datetime": "2026-11-0%dT00:00:00Z" % (2 + n),
                           "end-datetime": "2026-11-0%dT23:59:59Z" % (2 + n)},
            "policies": [{"policy": {"policy-type": "sts", "policy-domain": dom,
                                     "mx-host": ["mx.%s" % dom]},
                          "summary": {"total-successful-session-count": 100 + n,
                                      "total-failure-session-count": failures},
                          "failure-details": [{"result-type": "certificate-expired",
                                               "sending-mta-ip": sip,
                                               "receiving-mx-hostname": "mx.%s" % dom,
                                               "failed-session-count": failures}] if failures else []}]}
for dom, sip in ((A, "198.51.100.11"), (B, "198.51.100.99"), (U, "198.51.100.77")):
    for n in (1, 2):
        with open(os.path.join(D, "tls-%s-%d.json" % (dom.split("-")[0], n)), "w") as f:
            json.dump(tls(dom, n, 5 * n, sip), f)

cli("-q", "ingest", "--no-progress", D)
subprocess.run([BIN, "--db", DB, "-q", "ingest", "--no-progress",   # refused: quarantined
                os.path.join(ROOT, "tests/web/fixtures/junk.bin")], stderr=subprocess.DEVNULL)
cli("tenant", "add", "alpha")
cli("tenant", "add", "bravo")
cli("domain", "assign", A, "alpha")
cli("domain", "assign", B, "bravo")
PW = {"ops": "ops-password-1", "alpha-admin": "alpha-password-1",
      "alpha-viewer": "alpha-viewer-pw-1", "bravo-admin": "bravo-password-1"}
cli("user", "add", "ops", "--role", "operator", "--password-stdin", stdin=(PW["ops"] + "\n").encode())
cli("user", "add", "alpha-admin", "--role", "admin", "--tenant", "alpha", "--password-stdin",
    stdin=(PW["alpha-admin"] + "\n").encode())
cli("user", "add", "alpha-viewer", "--role", "viewer", "--tenant", "alpha", "--password-stdin",
    stdin=(PW["alpha-viewer"] + "\n").encode())
cli("user", "add", "bravo-admin", "--role", "admin", "--tenant", "bravo", "--password-stdin",
    stdin=(PW["bravo-admin"] + "\n").encode())
def token(scope):
    out = cli("token", "add", "--tenant", "alpha", "--scope", scope, "--name", "iso " + scope)
    mt = re.search(r"dms_[A-Za-z0-9_-]{43}", out)
    return mt.group(0) if mt else "none"
TOK_R, TOK_W = token("read"), token("write")
cli("token", "add", "--tenant", "bravo", "--scope", "write", "--name", "bravo's token")

# ---- the server ---------------------------------------------------------------------
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

def serve(db, listen):
    err = open(os.path.join(T, "serve.err"), "a")
    return subprocess.Popen([BIN, "--db", db, "serve", "--no-enrich", "--listen", listen],
                            stdout=subprocess.DEVNULL, stderr=err)

srv, port = None, 0
for attempt in range(5):
    port = free_port()
    srv = serve(DB, "127.0.0.1:%d" % port)
    for i in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if srv.poll() is not None:
                break
            time.sleep(0.1)
    else:
        srv.kill()
    if srv.poll() is None:
        break
    srv = None
if srv is None:
    ko("serve starts", open(os.path.join(T, "serve.err")).read()[-1000:])
    print("%d passed, %d failed" % (npass, nfail))
    sys.exit(1)

class Who:
    def __init__(self, name, cookie=None, csrf=None, bearer=None):
        self.name, self.cookie, self.csrf, self.bearer = name, cookie, csrf, bearer

    def hdr(self, csrf=True):
        h = {}
        if self.cookie:
            h["Cookie"] = self.cookie
            if csrf and self.csrf:
                h["X-CSRF-Token"] = self.csrf
        if self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        return h

NREQ = 0
def request(who, method, path, body=None, csrf=True):
    """-> (status, headers dict (lower-case names), body bytes)"""
    global NREQ
    h = who.hdr(csrf) if who else {}
    if method != "GET":
        h["Content-Type"] = "application/json"
        if body is None:
            body = "{}"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path if path.startswith("/api/") else "/api/v1" + path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    hd = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    NREQ += 1
    return r.status, hd, data

def login(user):
    st, hd, data = request(None, "POST", "/login", json.dumps({"user": user, "password": PW[user]}))
    if st != 200:
        ko("login " + user, "%d %r" % (st, data[:200]))
        return Who(user)
    return Who(user, hd["set-cookie"].split(";")[0], json.loads(data)["csrf"])

OPS, AA, AV, BA = login("ops"), login("alpha-admin"), login("alpha-viewer"), login("bravo-admin")
AR, AW = Who("alpha read token", bearer=TOK_R), Who("alpha write token", bearer=TOK_W)

def get_json(who, path):
    st, _, data = request(who, "GET", path)
    if st != 200:
        ko("GET %s as %s" % (path, who.name), "%d %r" % (st, data[:200]))
        return {}
    return json.loads(data)

RANGE = "since=2026-10-25&until=2026-12-05"

# ---- ids, as the operator sees them ----------------------------------------------------
def ids_of(dom):
    x = {}
    reps = get_json(OPS, "/reports?domain=%s&per_page=500" % dom).get("rows", [])
    x["report_id"] = [r["id"] for r in reps]
    x["raw_id"] = sorted({r["raw_id"] for r in reps if r.get("raw_id")})
    recs = []
    for rid in x["report_id"]:
        recs += get_json(OPS, "/records?report=%d&per_page=500" % rid).get("rows", [])
    x["record_id"] = [r["id"] for r in recs]
    x["records"] = len(recs)
    th = get_json(OPS, "/threats?domain=%s&kind=all&per_page=500&%s" % (dom, RANGE)).get("rows", [])
    x["failure_id"] = [t["id"] for t in th]
    tl = get_json(OPS, "/tls?domain=%s&%s" % (dom, RANGE))
    x["tls_reports"] = tl.get("reports", [])
    return x

IDS = {d: ids_of(d) for d in (A, B, U)}
mixed = [r for r in get_json(OPS, "/reports?per_page=500").get("rows", [])
         if r.get("report_id", "").startswith("mixed-")]
MIXED_RAW = sorted({r["raw_id"] for r in mixed})
check("data: every domain has aggregate, failure and TLS reports",
      all(IDS[d]["report_id"] and IDS[d]["failure_id"] and IDS[d]["tls_reports"] for d in (A, B, U))
      and len(mixed) == 2 and len(MIXED_RAW) == 1, repr({d: {k: len(v) if isinstance(v, list) else v
                                                          for k, v in IDS[d].items()} for d in IDS}))
QUAR = get_json(OPS, "/quarantine")
QUAR = QUAR if isinstance(QUAR, list) else []
st, _, data = request(OPS, "POST", "/senders", json.dumps({"domain": B, "kind": 1, "match_type": "cidr",
                                                           "value": "203.0.113.99/32", "note": "bravo's"}))
B_SENDER = json.loads(data).get("id", 0) if st == 201 else 0
check("operator registers a sender for bravo", st == 201, "%d %r" % (st, data[:200]))
B_RAW_ONLY = [r for r in IDS[B]["raw_id"] if r not in MIXED_RAW]
# the administration routes (api_admin.c): bravo's and the operators' users, bravo's token
TENANTS = {t["name"]: t["id"] for t in get_json(OPS, "/tenants").get("tenants", [])}
USERS = {u["name"]: u["id"] for u in get_json(OPS, "/users").get("users", [])}
B_TOKENS = [t["id"] for t in get_json(OPS, "/tokens?tenant=%d" % TENANTS.get("bravo", 0)).get("tokens", [])]

# alerts (issue 15): one open alert per domain, written as the evaluator writes them
def alert_ids(domain):
    db = sqlite3.connect(DB)
    try:
        db.execute("INSERT OR IGNORE INTO alerts(policy_domain, rule, subject_key, day, numbers, link, "
                   "created_at) VALUES (?, 'spoofing_started', '', 20780, ?, ?, 1795000000)",
                   (domain, json.dumps({"spoofing": 77, "domain": domain}),
                    "#/mail?domain=" + domain))
        db.commit()
        return [r[0] for r in db.execute("SELECT id FROM alerts WHERE policy_domain = ?", (domain,))]
    finally:
        db.close()
ALERTS = {d: alert_ids(d) for d in (A, B, U)}

# ---- every route, as alpha, with everything of bravo's and the unassigned domain's ----
MARKERS = [b"bravo", b"nobody-corp", b"203.0.113.99", b"203.0.113.77", b"198.51.100.99",
           b"198.51.100.77"]
# A new route is requested here automatically.  When its path has a new
# {placeholder} or its query a new parameter, this test fails until they are
# taught: add the placeholder to FOREIGN (ids of bravo's or the unassigned
# domain's rows, made above as the operator or bravo-admin) and OWN (alpha's),
# the parameter to PARAMS (values pointing at bravo's data).
FOREIGN = {   # placeholder -> values that are not alpha's: must be refused
    "record_id": IDS[B]["record_id"][:6] + IDS[U]["record_id"][:3],
    "report_id": IDS[B]["report_id"] + IDS[U]["report_id"][:2],
    "raw_id": B_RAW_ONLY + IDS[U]["raw_id"][:2] + MIXED_RAW + [q["raw_id"] for q in QUAR if q.get("raw_id")],
    "ip": [IPS[B], IPS[U], "198.51.100.99"],
    "sender_id": [B_SENDER],
    "quarantine_id": [q["id"] for q in QUAR],
    "failure_id": IDS[B]["failure_id"] + IDS[U]["failure_id"],
    "user_id": [USERS.get("bravo-admin", 0), USERS.get("ops", 0)],
    "token_id": B_TOKENS,
    "alert_id": ALERTS[B] + ALERTS[U],
}
SHARED = {"ip": [SHARED_IP, "198.51.100.20"]}   # alpha's too: answered, with alpha's part only
OWN = {"record_id": IDS[A]["record_id"][:2], "report_id": IDS[A]["report_id"][:2],
       "raw_id": [r for r in IDS[A]["raw_id"] if r not in MIXED_RAW][:2], "ip": [IPS[A]],
       "failure_id": IDS[A]["failure_id"], "sender_id": [], "quarantine_id": [],
       "alert_id": ALERTS[A]}
PARAMS = {    # query parameter -> values to try (bravo's, the unassigned domain's, shared)
    "domain": [B, U, B.upper()],
    "since": ["2026-10-25"], "until": ["2026-12-05"],
    "ip": [IPS[B], IPS[U], SHARED_IP],
    "report": [str(x) for x in IDS[B]["report_id"][:3] + IDS[U]["report_id"][:1]],
    "reporter": ["reporter.example", "google.com"],
    "url_domain": ["evil-bravo.example", "shared-url.example", "nobody-corp.example"],
    "q": ["bravo", "203.0.113", "nobody"],
    "class": ["normal", "auth_failure"], "result": ["pass", "fail"],
    "sort": ["domain", "ip"], "dir": ["asc"], "page": ["1"], "per_page": ["500"],
    "lang": ["ja", "en"], "tz": ["Asia/Tokyo"], "kind": ["all"], "by": ["domain", "url"],
    "n": ["0"], "confirm": ["1"],
    "tenant": [str(TENANTS.get("bravo", 0))], "limit": ["1000"],
    "state": ["open", "acknowledged"], "rule": ["spoofing_started"],
    "filter": ["unassigned", "spoofed", "p_none,silent"],
    "days": ["30", "366"], "min_messages": ["1"], "min_days": ["1"], "zone_name": ["bl.example"],
    "threshold": ["99", "100"],   # /readiness
}

def variants(params):
    """query strings for a route: each parameter's values, with the range and kind=all"""
    base = {}
    if "since" in params:
        base.update(since="2026-10-25", until="2026-12-05")
    if "kind" in params:
        base["kind"] = "all"
    out = [dict(base)]
    for p in params:
        if p in ("since", "until"):
            continue
        for v in PARAMS[p]:
            q = dict(base)
            q[p] = v
            if p == "n":
                q["confirm"] = "1"
            out.append(q)
    return out

def leaks(hd, data):
    blob = (data + json.dumps(hd).encode()).lower()
    return [m.decode() for m in MARKERS if m in blob]

routes = []
rout = subprocess.run([BIN, "serve", "--routes"], stdout=subprocess.PIPE).stdout.decode()
for line in rout.splitlines():
    f = line.split("\t")
    if len(f) < 6:
        ko("serve --routes line", repr(line))
        continue
    params = [] if f[3] == "-" else f[3].split(",")
    body = params[0].startswith("body:") if params else False
    routes.append({"method": f[0], "path": f[1], "type": f[2], "access": f[5],
                   "params": [] if body else params,
                   "body": ([params[0][5:]] + params[1:]) if body else []})
check("serve --routes lists the routes with their access", len(routes) >= 20, "%d" % len(routes))
covered = {}
untaught = []
for rt in routes:
    key = "%s %s" % (rt["method"], rt["path"])
    phs = re.findall(r"\{([^}]*)\}", rt["path"])
    qps = rt["params"]
    missing = [p for p in phs if p not in FOREIGN] + [p for p in qps if p not in PARAMS]
    if missing:
        untaught.append("%s: %s" % (key, missing))
        continue
    if rt["method"] != "GET":
        continue   # the writes: below
    covered[key] = 0
    sub = rt["path"][len("/api/v1"):]
    reqs = []   # (path, expect refused)
    if phs:
        p = phs[0]
        for v in FOREIGN[p]:
            reqs.append((sub.replace("{%s}" % p, str(v)), True))
        for v in SHARED.get(p, []):
            reqs.append((sub.replace("{%s}" % p, str(v)), False))
        qs = [{"confirm": "1", "n": "0"}] if "confirm" in qps else [{}]
        if "domain" in qps:
            qs += [{"domain": B}, {"domain": U}]
        reqs = [(path + ("?" + urllib.parse.urlencode(q) if q else ""), refused)
                for path, refused in reqs for q in qs]
    else:
        reqs = [(sub + ("?" + urllib.parse.urlencode(q) if q else ""), False) for q in variants(qps)]
    for who in (AA, AR):
        for path, refused in reqs:
            st, hd, data = request(who, "GET", path)
            covered[key] += 1
            name = "%s %s as %s" % ("GET", path, who.name)
            bad = leaks(hd, data)
            if bad:
                ko(name, "answer holds %s: %r" % (bad, data[:300]))
            elif refused and st < 400:
                ko(name, "another's row answered %d: %r" % (st, data[:300]))
            elif st >= 500:
                ko(name, "status %d" % st)
            else:
                ok(name)
check("every route's placeholders and parameters have values in this test", not untaught,
      "teach tests/web/isolation.sh: %s" % untaught)
gets = [r for r in routes if r["method"] == "GET"]
check("every GET route requested as tenant alpha (%d routes, %d requests)"
      % (len(gets), sum(covered.values())),
      all(covered.get("GET %s" % r["path"], 0) > 0 for r in gets),
      repr([r["path"] for r in gets if not covered.get("GET %s" % r["path"])]))

# the same routes with alpha's own values answer (the test is not vacuous)
own_ok = []
for rt in gets:
    phs = re.findall(r"\{([^}]*)\}", rt["path"])
    sub = rt["path"][len("/api/v1"):]
    if rt["access"] == "operator":
        continue
    if phs:
        vals = OWN.get(phs[0], [])
        if not vals:
            continue
        path = sub.replace("{%s}" % phs[0], str(vals[0]))
        if "confirm" in rt["params"]:
            continue   # attachments: the one of bravo's is refused above; alpha has none
    else:
        q = {"domain": A} if "domain" in rt["params"] else {}
        if "since" in rt["params"]:
            q.update(since="2026-10-25", until="2026-12-05")
        if sub == "/takedown":
            q["ip"] = IPS[A]   # alpha's spoofer: its take-down text
        path = sub + ("?" + urllib.parse.urlencode(q) if q else "")
    st, hd, data = request(AA, "GET", path)
    own_ok.append((path, st))
check("alpha's own values answer 200 on every GET route", all(s == 200 for _, s in own_ok),
      repr([x for x in own_ok if x[1] != 200]))

# readiness (issue 18 part 3): another tenant's domain is not found, the own one answers
st, hd, data = request(AA, "GET", "/readiness?" + urllib.parse.urlencode({"domain": B, "since": "2026-10-25",
                                                                          "until": "2026-12-05"}))
check("alpha's /readiness of bravo's domain: 404", st == 404 and not leaks(hd, data), "%d %r" % (st, data[:200]))

# ---- exact: alpha's lists are alpha's rows, nothing more --------------------------------
doms = get_json(AA, "/domains")
check("alpha's /domains: alpha-corp.example only", [d.get("domain") for d in doms] == [A], repr(doms)[:300])
recs = get_json(AA, "/records?per_page=500&" + RANGE)
check("alpha's /records over every domain: alpha's records only",
      recs.get("total") == IDS[A]["records"] and all(r["policy_domain"] == A for r in recs.get("rows", [])),
      "total %r, alpha has %d" % (recs.get("total"), IDS[A]["records"]))
reps = get_json(AA, "/reports?per_page=500")
check("alpha's /reports: alpha's reports only", reps.get("total") == len(IDS[A]["report_id"]),
      "%r vs %d" % (reps.get("total"), len(IDS[A]["report_id"])))
th = get_json(AA, "/threats?kind=all&per_page=500&" + RANGE)
check("alpha's /threats: alpha's failure reports only",
      sorted(t["id"] for t in th.get("rows", [])) == sorted(IDS[A]["failure_id"]), repr(th)[:300])
host = get_json(AA, "/hosts/%s?%s" % (SHARED_IP, RANGE))
own_msgs = sum(r["count"] for r in get_json(OPS, "/records?ip=%s&domain=%s&per_page=500" % (SHARED_IP, A))
               .get("rows", []))
check("a shared host's page for alpha counts alpha's messages only",
      sum(d.get("messages", 0) for d in host.get("daily", [])) == own_msgs and own_msgs > 0,
      "%r vs %d" % (host.get("daily"), own_msgs))
one = get_json(AA, "/threats/%d" % IDS[A]["failure_id"][0])
shared = [u for u in one.get("urls", []) if "shared-url" in json.dumps(u)]
check("a URL alpha shares with bravo counts alpha's reports only",
      shared and all(u.get("reports") == 1 for u in shared), repr(one.get("urls"))[:300])
tl = get_json(AA, "/tls?" + RANGE)
check("alpha's /tls: alpha's TLS reports only",
      tl.get("reports") and all(r.get("policy_domain") == A for r in tl["reports"]), repr(tl)[:300])
fx = get_json(AA, "/fixes?days=400&domain=" + A)
st_b, _, data_b = request(AA, "GET", "/fixes?days=400&domain=" + B)
check("alpha's /fixes: its own domain's fixes only, bravo's domain answers 404",
      fx.get("domain") == A and "bravo" not in json.dumps(fx) and st_b == 404 and b"bravo" not in data_b,
      "%r %d" % (repr(fx)[:200], st_b))
st, hd, data = request(AA, "GET", "/records.csv?" + RANGE)
lines = data.decode("utf-8-sig").strip().splitlines()
check("alpha's records.csv: alpha's rows only", st == 200 and len(lines) - 1 == IDS[A]["records"],
      "%d, %d lines" % (st, len(lines)))
st, hd, data = request(AA, "GET", "/raw/%d" % OWN["raw_id"][0]) if OWN["raw_id"] else (0, {}, b"")
check("alpha's own raw message answers", st == 200 and b"alpha-corp" in data, "%d" % st)
st, hd, data = request(OPS, "GET", "/raw/%d" % MIXED_RAW[0]) if MIXED_RAW else (0, {}, b"")
check("the operator reads the mixed message", st == 200 and b"bravo" in data and b"alpha" in data, "%d" % st)

ov = get_json(AA, "/overview?per_page=200&" + RANGE)
check("alpha's /overview: alpha-corp.example only, its own totals",
      [r.get("domain") for r in ov.get("rows", [])] == [A] and ov.get("total") == 1 and
      ov.get("totals", {}).get("messages") == ov["rows"][0].get("messages"), repr(ov)[:300])
for q in ("q=corp", "filter=unassigned", "sort=tenant&dir=asc", "q=bravo"):
    ov = get_json(AA, "/overview?per_page=200&%s&%s" % (q, RANGE))
    check("alpha's /overview?%s: nothing of another's" % q,
          all(r.get("domain") == A for r in ov.get("rows", [])) and ov.get("total") == len(ov.get("rows", [])) <= 1,
          repr(ov)[:300])
st, hd, data = request(AA, "GET", "/overview.csv?" + RANGE)
lines = data.decode("utf-8-sig").strip().splitlines()
check("alpha's overview.csv: alpha's domain only", st == 200 and [l.split(",")[0] for l in lines[1:]] == [A],
      "%d %r" % (st, lines[:3]))

# ---- the operator: every domain, the unassigned one too ---------------------------------
doms = get_json(OPS, "/domains")
unassigned = [d for d in doms if d.get("domain") == U]
check("the operator sees the unassigned domain, marked so", unassigned and
      unassigned[0].get("tenant") is None and {d.get("domain") for d in doms} >= {A, B, U}, repr(doms)[:300])
ov = get_json(OPS, "/overview?per_page=200&filter=unassigned&" + RANGE)
check("the operator's overview, filter=unassigned: the unassigned domain only",
      [r.get("domain") for r in ov.get("rows", [])] == [U] and ov["rows"][0].get("tenant") is None, repr(ov)[:300])
st, _, _ = request(OPS, "GET", "/stats?domain=" + U)
check("the operator's statistics of the unassigned domain", st == 200, "%d" % st)
st, _, _ = request(AA, "GET", "/stats?domain=" + U)
check("alpha's statistics of the unassigned domain: 404", st == 404, "%d" % st)
st, _, _ = request(OPS, "GET", "/quarantine")
check("the operator reads the quarantine", st == 200, "%d" % st)

# ---- no credentials -----------------------------------------------------------------------
anon = []
for rt in routes:
    if rt["access"] == "public":
        continue
    path = re.sub(r"\{[^}]*\}", "1", rt["path"])
    st, hd, data = request(None, rt["method"], path)
    if st != 401 or leaks(hd, data) or b"alpha" in data:
        anon.append((rt["method"], path, st))
check("without credentials every route but login, logout and session answers 401 (%d routes)"
      % len([r for r in routes if r["access"] != "public"]), not anon, repr(anon))
st, hd, _ = request(None, "GET", "/session")
check("GET /session answers without credentials", st == 200, "%d" % st)

# ---- writes: viewer, read token, CSRF, another tenant's domain and sender ---------------
writes = [r for r in routes if r["method"] != "GET" and r["access"] != "public"
          and not r["path"].endswith("/password")]
def fill(path):
    return re.sub(r"\{[^}]*\}", lambda m: str((FOREIGN.get(m.group(0)[1:-1]) or [1])[0]), path)
for who, label in ((AV, "a viewer"), (AR, "a read token")):
    refused = []
    for rt in writes:
        body = json.dumps({"domain": A, "kind": 1, "match_type": "cidr", "value": "192.0.2.200/32"})
        st, hd, data = request(who, rt["method"], fill(rt["path"])[len("/api/v1"):], body)
        if st != 403:
            refused.append((rt["method"], rt["path"], st))
    check("%s is refused every write (%d routes): 403" % (label, len(writes)), not refused, repr(refused))
st, _, _ = request(AV, "GET", "/quarantine")
check("a viewer cannot read the quarantine (operators')", st == 403, "%d" % st)
st, _, _ = request(AA, "GET", "/quarantine")
check("a tenant admin cannot read the quarantine", st == 403, "%d" % st)
for q in QUAR[:1]:
    st, _, _ = request(AA, "POST", "/quarantine/%d/retry" % q["id"])
    check("a tenant admin cannot retry a quarantined input", st == 403, "%d" % st)

sender = json.dumps({"domain": A, "kind": 1, "match_type": "cidr", "value": "192.0.2.201/32"})
st, _, data = request(AA, "POST", "/senders", sender, csrf=False)
check("a session's write without X-CSRF-Token: 403 csrf", st == 403 and b"csrf" in data, "%d %r" % (st, data))
st, _, data = request(Who("x", AA.cookie, BA.csrf), "POST", "/senders", sender)
check("a session's write with another session's token: 403 csrf", st == 403 and b"csrf" in data, "%d" % st)
st, _, data = request(AA, "POST", "/senders", sender)
A_SENDER = json.loads(data).get("id", 0) if st == 201 else 0
check("alpha's admin registers a sender for alpha's domain", st == 201, "%d %r" % (st, data[:200]))
st, _, data = request(AA, "POST", "/senders", json.dumps({"domain": B, "kind": 1, "match_type": "cidr",
                                                          "value": "192.0.2.202/32"}))
check("alpha's admin cannot register a sender for bravo's domain", st == 403, "%d %r" % (st, data[:200]))
st, _, data = request(AA, "DELETE", "/senders/%d" % B_SENDER)
check("alpha's admin cannot remove bravo's sender (404)", st == 404, "%d" % st)
sl = get_json(BA, "/senders?domain=%s&%s" % (B, RANGE))
check("bravo's sender is still there",
      any(s.get("id") == B_SENDER for s in sl.get("registered", [])), repr(sl.get("registered")))
sl = get_json(AA, "/senders?domain=%s&%s" % (A, RANGE))
check("alpha's senders list holds alpha's only",
      [s.get("policy_domain") for s in sl.get("registered", [])] == [A], repr(sl.get("registered")))
st, _, data = request(AW, "POST", "/senders", json.dumps({"domain": A, "kind": 2, "match_type": "rdns",
                                                          "value": "mail.alpha-esp.example"}))
check("a write token registers a sender without a CSRF token", st == 201, "%d %r" % (st, data[:200]))
st, _, data = request(AW, "POST", "/senders", json.dumps({"domain": B, "kind": 2, "match_type": "rdns",
                                                          "value": "mail.alpha-esp.example"}))
check("a write token cannot write into bravo's domain", st == 403, "%d" % st)
st, _, data = request(AW, "POST", "/password", json.dumps({"old": "x" * 8, "new": "y" * 8}))
check("a token cannot change a password", st in (401, 403), "%d" % st)
for aid in ALERTS[B][:1] + ALERTS[U][:1]:
    st, _, data = request(AA, "POST", "/alerts/%d/ack" % aid)
    check("alpha's admin cannot acknowledge another domain's alert %d (404)" % aid, st == 404,
          "%d %r" % (st, data[:200]))
st, _, data = request(AA, "GET", "/alerts/count")
check("alpha's bell counts alpha's alert only", st == 200 and json.loads(data).get("open") == 1,
      "%d %r" % (st, data[:200]))
st, _, data = request(AA, "DELETE", "/senders/%d" % A_SENDER)
check("alpha's admin removes alpha's sender", st == 200, "%d %r" % (st, data[:200]))

# ---- the administration routes: alpha's admin and bravo's users, tokens, audit entries ----
for method, path, body, want in (
        ("POST", "/users/%d/disable" % USERS.get("bravo-admin", 0), "{}", 404),
        ("POST", "/users/%d/password" % USERS.get("bravo-admin", 0), '{"password":"x-password-1"}', 404),
        ("DELETE", "/users/%d" % USERS.get("bravo-admin", 0), None, 404),
        ("POST", "/users/%d/disable" % USERS.get("ops", 0), "{}", 404),
        ("DELETE", "/tokens/%d" % (B_TOKENS or [0])[0], None, 404),
        ("POST", "/users", json.dumps({"name": "intruder", "role": "admin", "password": "intruder-pw-1",
                                       "tenant_id": TENANTS.get("bravo", 0)}), 403),
        ("POST", "/users", json.dumps({"name": "intruder", "role": "operator", "password": "intruder-pw-1"}), 403),
        ("POST", "/tokens", json.dumps({"scope": "write", "tenant_id": TENANTS.get("bravo", 0)}), 403),
        ("GET", "/users?tenant=%d" % TENANTS.get("bravo", 0), None, 403),
        ("GET", "/domains?tenant=%d" % TENANTS.get("bravo", 0), None, 403),
        ("GET", "/tenants", None, 403)):
    st, hd, data = request(AA, method, path, body)
    check("alpha's admin: %s %s answers %d" % (method, path, want), st == want and not leaks(hd, data),
          "%d %r" % (st, data[:200]))
st, _, data = request(AA, "GET", "/audit?limit=1000")
check("alpha's audit log holds no entry of bravo's", st == 200 and b"bravo" not in data.lower(),
      "%d %r" % (st, data[:300]))
st, _, data = request(OPS, "GET", "/domains?tenant=%d" % TENANTS.get("bravo", 0))
check("the operator's view of bravo (tenant=ID): bravo's domains only",
      st == 200 and [d.get("domain") for d in json.loads(data)] == [B], "%d %r" % (st, data[:300]))

# ---- the response cache and the live-update version, per tenant --------------------------
for path in ("/domains", "/records?per_page=50&" + RANGE, "/threats?kind=all&" + RANGE):
    _, _, da = request(AA, "GET", path)
    _, _, db = request(BA, "GET", path)
    _, _, da2 = request(AA, "GET", path)
    check("cached %s: alpha then bravo then alpha, each its own" % path.split("?")[0],
          b"bravo" in db and b"alpha" not in db and b"bravo" not in da and da == da2,
          "%r / %r" % (da[:120], db[:120]))
# A tenant's version is t<id>-reports-failures-tls-senders-hosts-pending-domains: its pending
# reanalysis (a sender registered above) finishes in the background and moves it, so wait
# for both tenants' pending work to be done first (alpha's went 1 -> 0 while bravo ingested).
# (the last field may be negative on PostgreSQL: split at the first 7 dashes only)
def pending_done(v):
    f = v.split("-", 7)
    return len(f) == 8 and f[6] == "0"
for i in range(120):
    vs = [get_json(who, "/version").get("version", "") for who in (AA, BA)]
    if all(pending_done(v) for v in vs):
        break
    time.sleep(0.25)
check("both tenants' pending reanalysis done (versions %s)" % vs, all(pending_done(v) for v in vs))
va = get_json(AA, "/version").get("version")
vb = get_json(BA, "/version").get("version")
vo = get_json(OPS, "/version").get("version")
check("tenants' versions differ from each other and the operator's", len({va, vb, vo}) == 3, "%s %s %s" % (va, vb, vo))
with open(os.path.join(T, "late-bravo.xml"), "wb") as f:
    f.write(agg(B, "google.com", "noreply-dmarc-support@google.com", 9, "rid-bravo-late"))
cli("-q", "ingest", "--no-progress", os.path.join(T, "late-bravo.xml"))
for i in range(40):
    time.sleep(0.25)
    if get_json(OPS, "/version").get("version") != vo:
        break
vo2, va2, vb2 = (get_json(OPS, "/version").get("version"), get_json(AA, "/version").get("version"),
                 get_json(BA, "/version").get("version"))
check("bravo's new report moves the operator's and bravo's versions, not alpha's",
      vo2 != vo and vb2 != vb and va2 == va, "ops %s->%s bravo %s->%s alpha %s->%s"
      % (vo, vo2, vb, vb2, va, va2))

# ---- security headers on every answer --------------------------------------------------------
hdrs_bad = []
for who, path in ((None, "/records"), (AA, "/domains"), (AA, "/raw/999999"), (None, "/session")):
    st, hd, _ = request(who, "GET", path)
    if not (hd.get("x-content-type-options") == "nosniff" and "frame-ancestors 'none'" in
            hd.get("content-security-policy", "") and hd.get("referrer-policy") == "no-referrer"
            and hd.get("cross-origin-resource-policy") == "same-origin"):
        hdrs_bad.append((path, st))
check("security headers on 200, 401 and 404 answers", not hdrs_bad, repr(hdrs_bad))

srv.send_signal(signal.SIGTERM)
try:
    srv.wait(timeout=30)
except subprocess.TimeoutExpired:
    srv.kill()

# ---- X-Forwarded-For / -Proto count only from a trusted proxy ---------------------------------
import sqlite3
def proxied_login(extra_args):
    """a wrong password through a "proxy" on loopback: the audited address, the
    cookie of a right one"""
    global srv, port
    port = free_port()
    srv = subprocess.Popen([BIN, "--db", DB, "serve", "--no-enrich", "--listen", "127.0.0.1:%d" % port]
                           + extra_args, stdout=subprocess.DEVNULL,
                           stderr=open(os.path.join(T, "serve.err"), "a"))
    for i in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    hdr = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.250, 198.51.100.250",
           "X-Forwarded-Proto": "https"}
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/api/v1/login", body=json.dumps({"user": "alpha-viewer", "password": "wrong-pw-1"}),
              headers=hdr)
    c.getresponse().read()
    c.request("POST", "/api/v1/login", body=json.dumps({"user": "alpha-viewer",
                                                        "password": PW["alpha-viewer"]}), headers=hdr)
    r = c.getresponse()
    r.read()
    cookie = (r.getheader("Set-Cookie") or "") + (" HSTS" if r.getheader("Strict-Transport-Security")
                                                  else "")
    c.close()
    srv.send_signal(signal.SIGTERM)
    srv.wait(timeout=30)
    db = sqlite3.connect(DB)
    ip = db.execute("SELECT ip FROM audit_log WHERE action = 'login_failed' ORDER BY id DESC LIMIT 1"
                    ).fetchone()
    db.close()
    return (ip[0] if ip else None), cookie

db = sqlite3.connect(DB)
rows = db.execute("SELECT a.actor, t.name, a.action, a.target FROM audit_log a LEFT JOIN tenants t"
                  " ON t.id = a.tenant_id WHERE a.action LIKE 'sender_%' ORDER BY a.id").fetchall()
db.close()
want = [("ops", "bravo", "sender_add", B), ("alpha-admin", "alpha", "sender_add", A),
        ("token:" + TOK_W[:12], "alpha", "sender_add", A), ("alpha-admin", "alpha", "sender_rm", A)]
check("sender changes audited with actor and the domain's tenant", rows == want, "%r" % rows)
ip, cookie = proxied_login([])
check("no trusted proxy: X-Forwarded-For and -Proto ignored (audited 127.0.0.1, no Secure, no HSTS)",
      ip == "127.0.0.1" and "Secure" not in cookie and "HSTS" not in cookie, "%r %r" % (ip, cookie))
ip, cookie = proxied_login(["--trusted-proxy", "127.0.0.0/8"])
check("a trusted proxy: the client from X-Forwarded-For, Secure and HSTS from X-Forwarded-Proto",
      ip == "198.51.100.250" and "Secure" in cookie and "HSTS" in cookie, "%r %r" % (ip, cookie))
ip, cookie = proxied_login(["--trusted-proxy", "127.0.0.1", "--trusted-proxy", "198.51.100.0/24"])
check("trusted hops are skipped: the first untrusted address from the right",
      ip == "203.0.113.250", "%r" % ip)
p = subprocess.run([BIN, "--db", DB, "serve", "--trusted-proxy", "not-an-address"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
check("a bad --trusted-proxy is a usage error", p.returncode == 2 and b"trusted proxy" in p.stderr,
      "%d %r" % (p.returncode, p.stderr[-200:]))

# ---- no users: loopback only ------------------------------------------------------------------
EMPTY = os.path.join(T, "empty.db")
subprocess.run([BIN, "--db", EMPTY, "-q", "ingest", "--no-progress", os.path.join(T, "late-bravo.xml")],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
p = serve(EMPTY, "0.0.0.0:%d" % free_port())
try:
    rc = p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    rc = None
err = open(os.path.join(T, "serve.err")).read()
check("serve refuses a non-loopback address when no users are defined",
      rc not in (None, 0) and "no users" in err, "exit %r: %s" % (rc, err[-300:]))

san = re.findall(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|ThreadSanitizer)",
                 open(os.path.join(T, "serve.err"), errors="replace").read())
check("no sanitizer report from serve", not san, repr(san[:3]))
print("ok   %d requests" % NREQ)
print("%d passed, %d failed" % (npass, nfail))
sys.exit(1 if nfail else 0)
PYEOF
