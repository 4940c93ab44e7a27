#!/usr/bin/env python3
# intake_latency.py PORT USER PASSFILE MAILDIR WEBPORT MSGDIR MANIFEST N OUT.md
# - the measurement half of bench/intake_latency.sh (which starts Dovecot and
# the daemon).  For N messages each way: APPEND one to INBOX (imaplib, plain
# text on loopback) or deliver one to MAILDIR (tmp/, then rename into new/),
# then poll what the portal polls: /api/v1/version every 20 ms until it
# changes, then /api/v1/stats for the report's policy domain and day until
# its "messages" number changes (the dashboard's number).  Messages are taken
# in order from MSGDIR; MANIFEST (soakmsgs' numbering = gen_corpus's sorted
# file names) gives each one's domain and day.  A pause of 0-1 s (fixed
# seed) between samples spreads them over the daemon's poll cycle.
# Writes a <!-- intake-latency --> section to OUT.md.
import datetime
import imaplib
import json
import os
import random
import shutil
import statistics
import sys
import time
import urllib.request

port, user, pwfile, maildir, wport, msgdir, manifest, n, out = sys.argv[1:10]
port, wport, n = int(port), int(wport), int(n)
password = open(pwfile).readline().strip()
rows = {}
with open(manifest) as f:
    head = f.readline().rstrip("\n").split("\t")
    for line in f:
        d = dict(zip(head, line.rstrip("\n").split("\t")))
        rows[d["file"]] = d
names = sorted(rows)
msgs = sorted(os.listdir(msgdir))
base = "http://127.0.0.1:%d/api/v1/" % wport


def get(path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return json.loads(r.read())


def stats_path(i):
    d = rows[names[i]]
    day = datetime.datetime.utcfromtimestamp(int(d["begin"])).strftime("%Y-%m-%d")
    return "stats?domain=%s&since=%s&until=%s" % (d["policy_domain"], day, day)


def measure(i, deliver):
    sp = stats_path(i)
    before_v = get("version")["version"]
    before_s = get(sp).get("messages", 0)
    t0 = time.monotonic()
    deliver(i)
    tv = ts = None
    while time.monotonic() - t0 < 30:
        if tv is None and get("version")["version"] != before_v:
            tv = time.monotonic() - t0
        if tv is not None and get(sp).get("messages", 0) != before_s:
            ts = time.monotonic() - t0
            break
        time.sleep(0.02)
    return tv, ts


imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)


def append(i):
    imap.append("INBOX", None, None, open(os.path.join(msgdir, msgs[i]), "rb").read())


def drop(i):
    tmp = os.path.join(maildir, "tmp", "bench.%d" % i)
    shutil.copyfile(os.path.join(msgdir, msgs[i]), tmp)
    os.rename(tmp, os.path.join(maildir, "new", "bench.%d" % i))


rnd = random.Random(16)
res = {"IMAP APPEND": [], "Maildir delivery": []}
first = int(os.environ.get("FIRST", "0"))
i = first
for k in range(2 * n):
    way = "IMAP APPEND" if k % 2 == 0 else "Maildir delivery"
    tv, ts = measure(i, append if k % 2 == 0 else drop)
    res[way].append((tv, ts))
    i += 1
    time.sleep(rnd.random())
imap.logout()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


lines = []
for way, v in res.items():
    lost = sum(1 for tv, ts in v if ts is None)
    vs = [tv * 1000 for tv, ts in v if tv is not None]
    ss = [ts * 1000 for tv, ts in v if ts is not None]
    lines.append("| %s | %d | %s | %s | %s | %s | %d |" % (
        way, len(v), "%.0f" % statistics.median(vs) if vs else "-",
        "%.0f" % pct(vs, 95) if vs else "-",
        "%.0f" % statistics.median(ss) if ss else "-", "%.0f" % pct(ss, 95) if ss else "-",
        lost))
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
