"""tests/pg/analysis.py - the body of tests/pg/analysis.sh (read its header).

Environment: BIN, T, SHARED, ROOT, PG_DSN (a postgresql:// URI of the
throwaway server), DNS, MMDB, BOOTSTRAP (tests/servers/start.sh);
PG_ANALYSIS_ONLY=compare,enrich,kinds,imap,unit picks parts (default: all).
Prints "ok"/"FAIL" lines and "N passed, N failed" last; exits 1 on a failure.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

BIN, T, SHARED, ROOT = (os.environ[k] for k in ("BIN", "T", "SHARED", "ROOT"))
PG_DSN = os.environ["PG_DSN"]
P = F = 0
TODAY = __import__("time").strftime("%Y-%m-%d", __import__("time").gmtime())

# keys whose values are times of the run or durations: masked before comparing
VOLATILE = {"seconds", "elapsed", "elapsed_ms", "ms", "created_at", "ingested_at", "at",
            "expires", "checked_at", "fetched_at", "updated_at", "queued_at", "rate",
            "per_second", "dns_peak_in_flight", "dns_timeouts", "generated_at", "now",
            "ptr_at", "geo_at", "asn_at", "rdap_at", "ptr_expires", "geo_expires",
            "asn_expires", "rdap_expires", "expires_at", "duration_ms", "hosts_per_second",
            "max_transaction_ms", "cutoff", "transactions", "page_size", "pages_before",
            "pages_after", "free_pages_before", "free_pages_after"}


def check(name, ok, detail=""):
    global P, F
    if ok:
        P += 1
        print("ok   " + name)
    else:
        F += 1
        print("FAIL " + name + (": " + detail if detail else ""))
    sys.stdout.flush()


def run(db, *args, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    r = subprocess.run([BIN, "--db", db] + list(args), capture_output=True, text=True, env=e)
    return r.returncode, r.stdout, r.stderr


# lists whose order is the DNS server's (unbound rotates an RRset)
UNORDERED = {"ptr_names"}


def mask(v):
    if isinstance(v, dict):
        return {k: ("T" if k in VOLATILE else sorted(x) if k in UNORDERED and
                    isinstance(x, list) else mask(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [mask(x) for x in v]
    return v


def norm(text):
    """JSON with the volatile keys masked, else the text with run times masked."""
    try:
        return json.dumps(mask(json.loads(text)), sort_keys=True, indent=1, ensure_ascii=False)
    except ValueError:
        pass
    out = []
    for line in text.splitlines():
        line = re.sub(r"\d+(\.\d+)? ?(s|ms|seconds)\b", "D", line)
        line = re.sub(TODAY + r"[T ]\d\d:\d\d(:\d\d)?", "NOW", line)	# ingest times
        out.append(line)
    return "\n".join(out)


def first_diff(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end>"
        y = lb[i] if i < len(lb) else "<end>"
        if x != y:
            return "line %d: sqlite %r, postgresql %r" % (i + 1, x[:200], y[:200])
    return ""


def same(name, dbs, *args, env=None, rc_wanted=0):
    """Runs the command on both stores and compares rc and masked stdout."""
    res = [run(db, *args, env=env) for db in dbs]
    (ra, oa, ea), (rb, ob, eb) = res
    if ra != rc_wanted or rb != rc_wanted:
        check(name, False, "exit %d / %d: %s | %s" % (ra, rb, ea[-300:], eb[-300:]))
        return res
    na, nb = norm(oa), norm(ob)
    check(name + (" (%d lines)" % len(na.splitlines())), na == nb, first_diff(na, nb))
    return res


def dsn_with_db(name):
    u = urllib.parse.urlsplit(PG_DSN)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def psql(sql, dsn=PG_DSN):
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", dsn,
                        "-c", sql], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return r.stdout.strip()


def new_pg_db(name):
    psql("DROP DATABASE IF EXISTS %s" % name)
    psql("CREATE DATABASE %s" % name)
    return dsn_with_db(name)


def synthetic_report(path, dom, rid, ips):
    with open(path, "w") as f:
        f.write('<?xml version="1.0"?><feedback><report_metadata><org_name>r.example</org_name>'
                '<email>a@r.example</email><report_id>%s</report_id><date_range><begin>1700000000'
                '</begin><end>1700086399</end></date_range></report_metadata><policy_published>'
                '<domain>%s</domain><p>none</p></policy_published>\n' % (rid, dom))
        for ip in ips:
            f.write('<record><row><source_ip>%s</source_ip><count>2</count><policy_evaluated>'
                    '<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>'
                    '</policy_evaluated></row><identifiers><header_from>%s</header_from>'
                    '</identifiers><auth_results><spf><domain>%s</domain><result>pass</result>'
                    '</spf></auth_results></record>\n' % (ip, dom, dom))
        f.write('</feedback>\n')


ENRICH_IPS = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "198.51.100.7",
              "203.0.113.9", "2001:db8::25", "2001:db8::26"]
COMMON = ["--dns", os.environ["DNS"], "--dnsbl", "rbl.test,zen.spamhaus.org",
          "--mmdb", os.environ["MMDB"] + "/country.mmdb", "--mmdb",
          os.environ["MMDB"] + "/geoip2.mmdb", "--rdap-bootstrap", os.environ["BOOTSTRAP"],
          "--timeout", "200", "--json", "--no-progress"]


def inputs():
    demo = os.path.join(T, "demo")
    subprocess.run(["python3", os.path.join(ROOT, "demo/gen_demo.py"), "reports", demo],
                   check=True, capture_output=True)
    syn = os.path.join(T, "syn")
    os.makedirs(syn)
    synthetic_report(os.path.join(syn, "r1.xml"), "example.com", "rid-1", ENRICH_IPS)
    synthetic_report(os.path.join(syn, "r2.xml"), "example.org", "rid-2", ["192.0.2.1"])
    real = os.path.join(SHARED, "corpus/real")
    kinds = os.path.join(ROOT, "tests/kinds/corpus")
    return [demo, syn] + [p for p in (real, kinds) if os.path.isdir(p)]


def senders(dbs):
    for d in ("example.co.jp", "shop.example.jp"):
        same("senders add cidr " + d, dbs, "senders", "add", "--domain", d, "--internal",
             "--cidr", "160.16.104.0/28", "--note", "our VPS")
        same("senders add service " + d, dbs, "senders", "add", "--domain", d,
             "--third-party", "--service", "Example ESP")
    same("senders add rdns", dbs, "senders", "add", "--domain", "example.com", "--internal",
         "--rdns", "mail.example.net")
    same("senders add dkim", dbs, "senders", "add", "--domain", "example.com",
         "--third-party", "--dkim", "example.net")
    same("a sender twice is refused on both", dbs, "senders", "add", "--domain", "example.com",
         "--third-party", "--dkim", "example.net", rc_wanted=1)


def compare(dbs):
    senders(dbs)
    ins = inputs()
    same("ingest (demo, corpus/real, kinds corpus, hosts)", dbs, "ingest", "--json",
         "--no-progress", *ins, rc_wanted=1)	# 1: some inputs refused
    same("summary", dbs, "summary", "--json")
    same("enrich (first run)", dbs, "enrich", *COMMON)
    same("enrich (second run: only the temporary states)", dbs, "enrich", *COMMON)
    for ip in ENRICH_IPS:
        same("enrich --host " + ip, dbs, "enrich", "--host", ip)
    same("enrich --host (unknown)", dbs, "enrich", "--host", "203.0.113.200", rc_wanted=1)
    same("reanalyze", dbs, "reanalyze")
    rc, out, _ = run(dbs[0], "stats")
    domains = [ln.split()[0] for ln in out.splitlines()[1:] if ln.strip() and
               "." in ln.split()[0]]
    check("stats lists the domains", rc == 0 and len(domains) >= 5, out[:200])
    same("stats (the domain list)", dbs, "stats")
    for d in domains:
        same("stats " + d, dbs, "stats", "--domain", d, "--json")
        same("stats %s (a period)" % d, dbs, "stats", "--domain", d, "--json", "--since",
             "2018-09-01", "--until", "2026-11-01")
        same("summary --domain " + d, dbs, "summary", "--domain", d, "--json")
        same("senders suggest " + d, dbs, "senders", "suggest", "--domain", d, "--json",
             "--min-messages", "1", "--min-rate", "50")
        same("mismatches " + d, dbs, "mismatches", "--domain", d, "--json", "--limit", "500")
    same("senders list", dbs, "senders", "list", "--json")
    same("senders list --domain", dbs, "senders", "list", "--domain", "example.com", "--json")
    rc, _, err = run(dbs[1], "export", "--format", "csv", "--domain", "example.com")
    if "no mail-list query" in err:	# the portal's list query: store_pg_web.c (p3)
        print("skip export csv: the PostgreSQL store has no mail-list query yet")
    else:
        same("export csv (hosts columns)", dbs, "export", "--format", "csv")
    same("export parsedmarc-json", dbs, "export", "--format", "parsedmarc-json", "--domain",
         "example.com")
    for kind in ("failure", "tlsrpt"):
        for fmt in ("json", "csv", "parsedmarc-csv"):
            same("export --kind %s --format %s" % (kind, fmt), dbs, "export", "--kind", kind,
                 "--format", fmt)
        same("export --kind %s (a period)" % kind, dbs, "export", "--kind", kind, "--format",
             "json", "--since", "2018-01-01", "--until", "2025-01-01")
    same("export --kind failure --domain", dbs, "export", "--kind", "failure", "--format",
         "csv", "--domain", "example.co.jp")
    same("export --kind tlsrpt --domain", dbs, "export", "--kind", "tlsrpt", "--format",
         "csv", "--domain", "example.co.jp")
    real = os.path.join(SHARED, "corpus/real")
    again = [os.path.join(real, "failure"), os.path.join(real, "smtp_tls")]
    same("failure and TLS reports again: duplicates", dbs, "ingest", "--json",
         "--no-progress", *again)
    same("summary after the duplicates", dbs, "summary", "--json")
    same("purge --samples-older-than 0", dbs, "purge", "--samples-older-than", "0", "--json")
    same("export --kind failure after the purge", dbs, "export", "--kind", "failure",
         "--format", "json")
    rc, out, _ = run(dbs[0], "senders", "list", "--json")
    try:
        first = json.loads(out)
        sid = str((first if isinstance(first, list) else first.get("senders", []))[0]["id"])
    except (ValueError, IndexError, KeyError, TypeError):
        sid = "1"
    same("senders rm", dbs, "senders", "rm", sid)
    same("stats example.co.jp after senders rm", dbs, "stats", "--domain", "example.co.jp",
         "--json")
    same("senders rm (unknown id)", dbs, "senders", "rm", "999999", rc_wanted=1)


def concurrent_enrich():
    """Two enrich runs at once on one PostgreSQL database: each host once."""
    dsn = new_pg_db("p2_conc")
    ins = inputs_conc()
    rc, out, err = run(dsn, "ingest", "--no-progress", "--json", *ins)
    check("concurrency: ingest", rc == 0, err[-300:])
    due = int(psql("SELECT count(DISTINCT source_ip) FROM records", dsn))
    res = [None, None]
    conf = os.path.join(T, "conc.ini")
    with open(conf, "w") as f:
        f.write("[enrich]\nbatch = 20\n")	# batches interleave between the runs

    def one(i):
        r = subprocess.run([BIN, "--db", dsn, "--config", conf, "enrich"] + COMMON +
                           ["--concurrency", "4", "--skip", "rdap"], capture_output=True,
                           text=True)
        res[i] = (r.returncode, r.stdout, r.stderr)
    # Both runs must overlap, however loaded the machine. A run's first write
    # to host_dnsbl comes after its first claim (sync writes hosts, a claim
    # enrich_claims, both committed at once), so the test holds host_dnsbl in
    # SHARE mode: each run claims a batch, looks it up and waits at its first
    # DNSBL result. Once both wait there, each holds a batch of its own, and
    # the gate lets them go. (A gate on hosts stopped both runs at the sync,
    # before any claim: one loaded run then did all 203 hosts.)
    gate = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    gate.stdin.write("BEGIN;\nLOCK TABLE host_dnsbl IN SHARE MODE;\n"
                     "SELECT 'locked';\n")
    gate.stdin.flush()
    for _ in range(300):	# the lock is granted once the session's own query holds it
        if int(psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = 'host_dnsbl' AND l.mode = 'ShareLock' AND "
                    "l.granted", dsn)) > 0:
            break
        time.sleep(0.1)
    th = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in th:
        t.start()
    waiting = 0
    for _ in range(1200):	# 120 s for two ASan binaries to start under load
        waiting = int(psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON "
                           "c.oid = l.relation WHERE c.relname = 'host_dnsbl' AND NOT l.granted",
                           dsn))
        if waiting >= 2 or not any(t.is_alive() for t in th):
            break
        time.sleep(0.1)
    gate.stdin.write("COMMIT;\n")
    gate.stdin.close()
    gate.wait()
    check("concurrency: both runs waited at the gate", waiting >= 2, "%d waiting" % waiting)
    for t in th:
        t.join()
    try:
        a, b = (json.loads(r[1]) for r in res)
    except ValueError:
        check("concurrency: two enrich runs", False, "%r %r" % (res[0][2][-300:],
                                                                 res[1][2][-300:]))
        return
    check("concurrency: both runs succeeded", res[0][0] == 0 and res[1][0] == 0)
    check("concurrency: the runs looked at %d + %d hosts = the %d due" %
          (a["hosts"], b["hosts"], due), a["hosts"] + b["hosts"] == due)
    check("concurrency: both took part (a batch of 20 each at least)",
          a["hosts"] >= 20 and b["hosts"] >= 20,
          "%d / %d" % (a["hosts"], b["hosts"]))
    n = psql("SELECT count(*) FROM hosts WHERE ptr_state IS NOT NULL", dsn)
    check("concurrency: every host written", int(n) == due, n)
    rc, out, _ = run(dsn, "enrich", *(COMMON + ["--skip", "rdap"]))
    try:
        third = json.loads(out)["hosts"]
    except (ValueError, KeyError):
        third = -1
    temp = int(psql("SELECT count(*) FROM hosts h, (SELECT extract(epoch FROM now())::bigint "
                    "AS t) n WHERE ptr_expires <= n.t OR geo_expires <= n.t OR "
                    "asn_expires <= n.t OR EXISTS (SELECT 1 FROM host_dnsbl d WHERE "
                    "d.ip = h.ip AND d.expires_at <= n.t)", dsn))
    check("concurrency: a later run takes the temporary failures again (%d)" % temp,
          third == temp, "%d hosts" % third)


def concurrent_kinds():
    """Three ingest processes given the same failure and TLS reports at once,
    each in other bytes (a header line of its own: the archive sees three
    messages, the kinds one report), store each report once and count the
    other copies as duplicates (the kinds' unique ident, ON CONFLICT); the
    summary equals SQLite's after the three in a row."""
    real = os.path.join(SHARED, "corpus/real")
    srcs = [os.path.join(real, d, f) for d in ("failure", "smtp_tls")
            for f in sorted(os.listdir(os.path.join(real, d))) if f.endswith(".eml")]
    dirs = []
    for i in range(3):
        d = os.path.join(T, "kcopy%d" % i)
        os.makedirs(d)
        for n, src in enumerate(srcs):
            data = open(src, "rb").read()
            eol = b"\r\n" if b"\r\n" in data[:2000] else b"\n"
            with open(os.path.join(d, "%02d.eml" % n), "wb") as f:
                f.write(b"X-Copy: %d" % i + eol + data)
        dirs.append(d)
    sq = os.path.join(T, "kinds-once.db")
    for d in dirs:
        run(sq, "ingest", "--no-progress", d)
    dsn = new_pg_db("p2_kinds")
    run(dsn, "summary")	# the schema, before the race
    res = [None] * 3

    def one(i):
        res[i] = run(dsn, "ingest", "--no-progress", "--json", dirs[i])
    th = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    failed = [json.loads(r[1]).get("failed") if r[1].startswith("{") else r[2][-200:]
              for r in res]
    check("kinds at once: the three ingests ran, nothing failed", failed == [0, 0, 0],
          "%r" % (failed,))
    a, b = (norm(run(db, "summary", "--json")[1]) for db in (sq, dsn))
    check("kinds at once: the summary equals SQLite's (each report once, the copies "
          "duplicates)", a == b, first_diff(a, b))
    n = psql("SELECT count(*) - count(DISTINCT ident) FROM failure_reports", dsn) + " " + \
        psql("SELECT count(*) - count(DISTINCT ident) FROM tls_reports", dsn)
    check("kinds at once: no ident twice", n == "0 0", n)


def inputs_conc():
    syn = os.path.join(T, "conc")
    os.makedirs(syn)
    ips = ["192.0.2.%d" % i for i in range(1, 200)] + ENRICH_IPS[5:]
    synthetic_report(os.path.join(syn, "c.xml"), "example.com", "conc-1", ips)
    return [syn]


DOVECOT_CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = p2-imap-{tag}
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def mailbox_claim():
    """Two nodes configured for one IMAP box: a node holding the box's claim
    (the store's advisory lock, here held by a psql session) keeps `fetch`
    of another node off it; released, the box is taken whole, once."""
    import shutil
    import socket
    import time
    if shutil.which("dovecot") is None:
        check("claim: dovecot is installed (scripts/install-deps.sh)", False)
        return
    d = os.path.join(T, "imap")
    port = int(subprocess.run(["python3", os.path.join(ROOT, "tests/servers/freeports.py"),
                               "1"], capture_output=True, text=True).stdout.split()[0])
    user, pw = "dmarc@example.com", "secret"
    for sub in ("run", "state", "mail/%s/Maildir/cur" % user, "mail/%s/Maildir/new" % user,
                "mail/%s/Maildir/tmp" % user):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    with open(os.path.join(d, "dovecot.conf"), "w") as f:
        f.write(DOVECOT_CONF.format(d=d, port=port, tag=os.path.basename(T)))
    with open(os.path.join(d, "users"), "w") as f:
        f.write("%s:{PLAIN}%s\n" % (user, pw))
    with open(os.path.join(d, "pw"), "w") as f:
        f.write(pw + "\n")
    subprocess.run(["chown", "-R", "nobody:nogroup", os.path.join(d, "mail")])
    # (dovecot's children keep a captured stdout open: nothing is captured)
    subprocess.run(["dovecot", "-c", os.path.join(d, "dovecot.conf")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        msgs = os.path.join(T, "msgs")
        subprocess.run(["python3", os.path.join(ROOT, "tests/intake/mkmsgs.py"),
                        os.path.join(SHARED, "corpus/real"), msgs], capture_output=True)
        url = "imap://127.0.0.1:%d" % port
        files = sorted(os.listdir(msgs))[:12]
        for fn in files:
            subprocess.run(["curl", "-s", "-u", "%s:%s" % (user, pw), "-T",
                            os.path.join(msgs, fn), url + "/INBOX"], capture_output=True)

        def inbox():
            r = subprocess.run(["curl", "-s", "-u", "%s:%s" % (user, pw), url + "/", "-X",
                                "STATUS INBOX (MESSAGES)"], capture_output=True, text=True)
            m = re.search(r"MESSAGES (\d+)", r.stdout)
            return int(m.group(1)) if m else -1
        check("claim: %d messages in the box" % len(files), inbox() == len(files))
        dsn = new_pg_db("p2_imap")
        box = url + "/INBOX"
        fetch = ["fetch", "--imap", box, "--tls", "none", "--user", user, "--password-file",
                 os.path.join(d, "pw"), "--processed-folder", "Processed", "--error-folder",
                 "Error"]
        run(dsn, "summary")	# the schema
        holder = subprocess.Popen(["psql", "-X", "-q", "-d", dsn, "-c",
                                   "SELECT pg_advisory_lock(1685220003, hashtext('%s'))" % box,
                                   "-c", "SELECT pg_sleep(60)"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            n = psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                     "classid = 1685220003 AND granted", dsn)
            if n == "1":
                break
            time.sleep(0.1)
        rc, out, err = run(dsn, *fetch)
        check("claim: another node's claim: fetch leaves the box alone",
              rc == 0 and inbox() == len(files), "exit %d, %d left: %s" % (rc, inbox(),
                                                                           err[-300:]))
        check("claim: ... and says so", "another node is polling" in err, err[-300:])
        # the holder's backend sleeps on: end it (a disconnect is noticed late)
        psql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
             "AND classid = 1685220003", dsn)
        holder.wait()
        for _ in range(100):
            if psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                    "classid = 1685220003", dsn) == "0":
                break
            time.sleep(0.1)
        rc, out, err = run(dsn, *fetch)
        check("claim: released: fetch takes the box", rc <= 1 and inbox() == 0,
              "exit %d, %d left: %s" % (rc, inbox(), err[-300:]))
        direct = os.path.join(T, "direct.db")
        run(direct, "ingest", "--no-progress", *[os.path.join(msgs, fn) for fn in files])

        def totals(db):
            j = json.loads(run(db, "summary", "--json")[1])
            return (j["reports"], j["records"], j["messages"], j["quarantined"],
                    j["duplicates"])
        check("claim: the totals equal a direct ingest (SQLite)", totals(dsn) == totals(direct),
              "%r / %r" % (totals(dsn), totals(direct)))
        n = psql("SELECT count(*) FROM intake_messages", dsn)
        check("claim: one intake row per message", n == str(len(files)), n)
        n = psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                 "classid = 1685220003", dsn)
        check("claim: released after the poll", n == "0", n)
    finally:
        pid = open(os.path.join(d, "run/master.pid")).read().strip() \
            if os.path.exists(os.path.join(d, "run/master.pid")) else ""
        if pid:
            subprocess.run(["kill", pid])


def unit():
    """tests/unit/test_pg_intake.c (built next to the binary by make unit)."""
    ut = os.path.join(os.path.dirname(BIN), "tests", "test_pg_intake")
    if not os.access(ut, os.X_OK):
        print("skip unit test_pg_intake: %s not built (make unit)" % ut)
        return
    e = dict(os.environ)
    e["DMARCSCOPE_TEST_PG"] = new_pg_db("p2_unit")
    r = subprocess.run([ut], capture_output=True, text=True, env=e)
    out = r.stdout + r.stderr
    check("unit test_pg_intake (intake ops as SQLite's, metrics, mailbox claim)",
          r.returncode == 0 and "PASSED  ] 2 test" in out, out[-500:])


def main():
    only = os.environ.get("PG_ANALYSIS_ONLY", "compare,enrich,kinds,imap,unit").split(",")
    if "compare" in only:
        compare([os.path.join(T, "sqlite.db"), new_pg_db("p2_cmp")])
    if "enrich" in only:
        concurrent_enrich()
    if "kinds" in only:
        concurrent_kinds()
    if "imap" in only:
        mailbox_claim()
    if "unit" in only:
        unit()
    print("%d passed, %d failed" % (P, F))
    sys.exit(1 if F else 0)


main()
