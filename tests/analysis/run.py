#!/usr/bin/env python3
"""run.py - the end-to-end analysis cases (tests/analysis/cases/) against a binary.

    python3 tests/analysis/run.py BINARY [CASE_DIR...]   (default: every case)

The cases are written by gen_cases.py (see there for the files).  For each
case, in a fresh temporary directory (also the working directory):
  1. BINARY --db T summary --json               creates the database (migrations)
  2. setup.sql, when present, with Python's sqlite3 module (the `hosts` rows)
  3. BINARY --db T senders add ARGS             for each `before ARGS` line of senders
  4. BINARY --db T ingest --no-progress report.xml [report-2.xml ...]   must exit 0
  5. when expect.json has "_before": stats --json --domain D, matched against it
  6. BINARY --db T senders add ARGS             for each `after ARGS` line
  7. BINARY --db T stats --json --domain D      matched against expect.json
  8. when expect.json has "mismatches": mismatches --json --domain D; a number is
     the expected length of the list, a list is matched element-wise
and then, for every case, checks that hold whatever the data:
  9. the stats are consistent: the classes, paths, dispositions, matrix cells,
     daily and hourly series, top sources and reporters each add up to
     `messages`; internal + third_party + unauthorized = all, cell by cell;
     dmarc_pass = classes.normal
 10. `reanalyze --domain D` changes nothing: the stats are identical, key by key
     (the rollups kept at ingest equal the rollups rebuilt from the records)
 11. ingesting the same reports again adds nothing (duplicates): stats identical

expect.json keys: any key of `stats --json` (subset matching: a dict matches when
every expected key matches, a list must have the same length and match element
by element, scalars must be equal; the operators $contains and $gte of
tests/run_cases.py work too), plus these reserved keys:
  "mismatches"   see 8 (stats has no such key)
  "_before"      see 5
  "_domain"      the policy domain D (default example.co.jp)
  "_about"       what the case shows; not checked
  "_known_bug"   the case pins a reported bug in the code under test: when it
                 fails it is printed as `skip NAME: KNOWN BUG: ...` and counted as
                 neither passed nor failed, unless DS_TEST_STRICT is set in the
                 environment (then it fails); once the bug is fixed it passes

Output: `ok   NAME`, `FAIL NAME: what` (more lines indented), or the skip line
above, per case; then exactly `N passed, N failed` as the last line.  Exit 1 if
any case failed.  CASES_VERBOSE=1 prints every command and its output.
Python standard library only; each command has a 60 s timeout.
"""
import datetime
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True          # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
from run_cases import Fail, jtxt, match, parse_json  # noqa: E402  (tests/run_cases.py)

TIMEOUT = 60
VERBOSE = os.environ.get("CASES_VERBOSE", "") not in ("", "0")
STRICT = os.environ.get("DS_TEST_STRICT") is not None
DEFAULT_DOMAIN = "example.co.jp"
MAX_SERIES_DAYS = 800    # stats.c: the daily series covers at most this many days
RESERVED = ("mismatches", "_before", "_domain", "_about", "_known_bug")


def env_for_binary():
    env = dict(os.environ)
    env.pop("DMARCSCOPE_DB", None)
    # the expectations are worked out against the repository's service map
    env["DMARCSCOPE_SERVICES"] = os.path.join(ROOT, "data", "services.csv")
    return env


class Runner:
    def __init__(self, binary, tmp):
        self.base = [binary, "--db", os.path.join(tmp, "t.db")]
        self.tmp = tmp
        self.env = env_for_binary()

    def run(self, args, label):
        cmd = self.base + args
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=TIMEOUT, env=self.env,
                               cwd=self.tmp)
        except subprocess.TimeoutExpired:
            raise Fail("%s: timed out after %d s" % (label, TIMEOUT))
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if VERBOSE:
            print("  $ %s  -> exit %d" % (" ".join(shlex.quote(c) for c in cmd), p.returncode))
            for name, text in (("stdout", out), ("stderr", err)):
                if text.strip():
                    print("  %s:\n%s" % (name, "".join("    " + l + "\n" for l in
                                                       text.rstrip("\n").split("\n")[:60])))
        return p.returncode, out, err

    def ok(self, args, label):
        rc, out, err = self.run(args, label)
        if rc != 0:
            raise Fail("%s: exit %d: %s" % (label, rc, err.strip()[:600]))
        return out

    def json(self, args, label):
        return parse_json(self.ok(args, label), label)


def read_senders(case_dir):
    p = os.path.join(case_dir, "senders")
    out = {"before": [], "after": []}
    if not os.path.exists(p):
        return out
    with open(p, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = shlex.split(line)
            if words[0] not in out:
                raise Fail("senders line %d: starts with %r, not before/after" % (n, words[0]))
            out[words[0]].append(words[1:])
    return out


def report_files(case_dir):
    names = sorted(os.listdir(case_dir))
    extra = [n for n in names if n.startswith("report-") and n.endswith(".xml")]
    extra.sort(key=lambda n: int(n[len("report-"):-len(".xml")]))
    files = (["report.xml"] if "report.xml" in names else []) + extra
    if not files:
        raise Fail("no report.xml")
    return [os.path.abspath(os.path.join(case_dir, n)) for n in files]


def total(x):
    if isinstance(x, list):
        return sum(total(v) for v in x)
    return x


def consistency(s, errs):
    """Checks that hold for any data (step 9)."""
    m = s.get("messages")
    if not isinstance(m, int):
        errs.append("consistency: messages missing")
        return

    def eq(what, got):
        if got != m:
            errs.append("consistency: %s adds up to %s, messages is %d" % (what, got, m))

    eq("classes", sum(s["classes"].values()))
    eq("paths", sum(s["paths"].values()))
    eq("dispositions", sum(s["dispositions"].values()))
    mx = s["matrix"]
    eq("matrix.all", total(mx["all"]["count"]))
    for i in range(3):
        for j in range(3):
            parts = sum(mx[g]["count"][i][j] for g in ("internal", "third_party", "unauthorized"))
            if parts != mx["all"]["count"][i][j]:
                errs.append("consistency: matrix cell [%d][%d]: groups add up to %d, all is %d"
                            % (i, j, parts, mx["all"]["count"][i][j]))
    for g in ("all", "internal", "third_party", "unauthorized"):
        if mx[g]["messages"] != total(mx[g]["count"]):
            errs.append("consistency: matrix.%s.messages %s != its cells" % (g, mx[g]["messages"]))
    if s["dmarc_pass"] != s["classes"]["normal"]:
        errs.append("consistency: dmarc_pass %s != classes.normal %s"
                    % (s["dmarc_pass"], s["classes"]["normal"]))
    if s["spf_aligned"] != sum(mx["all"]["count"][0]):
        errs.append("consistency: spf_aligned != matrix row pass_aligned")
    if s["dkim_aligned"] != sum(r[0] for r in mx["all"]["count"]):
        errs.append("consistency: dkim_aligned != matrix column pass_aligned")
    per = s.get("period") or {}
    if per.get("first_day") and per.get("last_day") and not per.get("since") and \
            not per.get("until"):
        try:
            span = (datetime.date.fromisoformat(per["last_day"]) -
                    datetime.date.fromisoformat(per["first_day"])).days + 1
        except ValueError:      # clamped absurd dates fall outside Python's years
            span = MAX_SERIES_DAYS + 1
        if span <= MAX_SERIES_DAYS:
            eq("daily[].messages", sum(d["messages"] for d in s["daily"]))
            if len(s["daily"]) != span:
                errs.append("consistency: daily has %d days, period spans %d"
                            % (len(s["daily"]), span))
    eq("hourly[].messages", sum(h["messages"] for h in s["hourly"]))
    for d in s["daily"]:
        if d["messages"] != sum(d[k] for k in ("normal", "forwarded", "auth_failure",
                                               "spoofing_suspected")):
            errs.append("consistency: daily %s classes do not add up" % d["date"])
    if len(s["top_sources"]) < 20:
        eq("top_sources[].messages", sum(t["messages"] for t in s["top_sources"]))
    if len(s["reporters"]) < 20:
        eq("reporters[].messages", sum(r["messages"] for r in s["reporters"]))
    na = s["not_aligned"]
    if (na["dmarc"], na["spf"], na["dkim"]) != (m - s["dmarc_pass"], m - s["spf_aligned"],
                                                m - s["dkim_aligned"]):
        errs.append("consistency: not_aligned %s" % jtxt(na))


def diff_keys(a, b, what, errs):
    if a == b:
        return
    keys = sorted(set(a) | set(b))
    changed = [k for k in keys if a.get(k) != b.get(k)]
    for k in changed[:6]:
        errs.append("%s: %s changed from %s to %s" % (what, k, jtxt(a.get(k)), jtxt(b.get(k))))


def run_case(binary, case_dir):
    with open(os.path.join(case_dir, "expect.json"), encoding="utf-8") as f:
        try:
            exp = json.load(f)
        except ValueError as e:
            raise Fail("expect.json: %s" % e)
    domain = exp.get("_domain", DEFAULT_DOMAIN)
    stats_exp = {k: v for k, v in exp.items() if k not in RESERVED}
    senders = read_senders(case_dir)
    reports = report_files(case_dir)
    tmp = tempfile.mkdtemp(prefix="dmarcscope-analysis-")
    errs = []
    try:
        r = Runner(binary, tmp)
        stats_cmd = ["stats", "--json", "--domain", domain]
        r.json(["summary", "--json"], "summary --json (create)")
        sp = os.path.join(case_dir, "setup.sql")
        if os.path.exists(sp):
            with open(sp, encoding="utf-8") as f:
                sql = f.read()
            if os.environ.get("DMARCSCOPE_PG_BASE"):
                # on PostgreSQL (tests/pg/run.sh): the same SQL through psql
                # into the database the wrapper binary made for t.db
                dsn = subprocess.run([binary, "--print-dsn", os.path.join(tmp, "t.db")],
                                     capture_output=True, text=True).stdout.strip()
                p = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", dsn],
                                   input=sql, capture_output=True, text=True)
                if p.returncode != 0:
                    raise Fail("setup.sql: %s" % p.stderr.strip())
            else:
                db = sqlite3.connect(os.path.join(tmp, "t.db"))
                try:
                    db.executescript(sql)
                    db.commit()
                except sqlite3.Error as e:
                    raise Fail("setup.sql: %s" % e)
                finally:
                    db.close()
        for args in senders["before"]:
            r.ok(["senders", "add"] + args, "senders add %s (before ingest)" % " ".join(args))
        r.ok(["ingest", "--no-progress"] + reports, "ingest")
        if "_before" in exp:
            before = r.json(stats_cmd, "stats --json (before)")
            match(exp["_before"], before, "before", errs)
        for args in senders["after"]:
            r.ok(["senders", "add"] + args, "senders add %s (after ingest)" % " ".join(args))
        s = r.json(stats_cmd, "stats --json")
        match(stats_exp, s, "stats", errs)
        if "mismatches" in exp:
            mm = r.json(["mismatches", "--json", "--domain", domain], "mismatches --json")
            want = exp["mismatches"]
            if isinstance(want, int) and not isinstance(want, bool):
                if not isinstance(mm, list) or len(mm) != want:
                    errs.append("mismatches: expected %d, got %s" % (want, jtxt(mm)))
            else:
                match(want, mm, "mismatches", errs)
        try:
            consistency(s, errs)
        except (KeyError, TypeError, IndexError) as e:
            errs.append("consistency: stats shape: %r" % (e,))
        out = r.ok(["reanalyze", "--domain", domain], "reanalyze")
        if "reanalysed" not in out:
            errs.append("reanalyze: no 'reanalysed' line: %s" % jtxt(out.strip()))
        s2 = r.json(stats_cmd, "stats --json (after reanalyze)")
        diff_keys(s, s2, "after reanalyze", errs)
        r.ok(["ingest", "--no-progress"] + reports, "ingest again")
        s3 = r.json(stats_cmd, "stats --json (after a second ingest)")
        diff_keys(s2, s3, "after a second ingest", errs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return errs, exp.get("_known_bug")


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: %s BINARY [CASE_DIR...]\n" % argv[0])
        return 2
    binary = os.path.abspath(argv[1])
    if not os.access(binary, os.X_OK):
        sys.stderr.write("%s: not an executable: %s\n" % (argv[0], binary))
        return 2
    dirs = argv[2:]
    if not dirs:
        root = os.path.join(HERE, "cases")
        dirs = sorted(os.path.join(root, d) for d in os.listdir(root)
                      if os.path.isdir(os.path.join(root, d)))
    passed = failed = known = 0
    for d in dirs:
        name = os.path.basename(os.path.normpath(d))
        if VERBOSE:
            print("== %s" % name)
        bug = None
        try:
            errs, bug = run_case(binary, d)
        except Fail as e:
            errs = [str(e)]
            try:
                with open(os.path.join(d, "expect.json"), encoding="utf-8") as f:
                    bug = json.load(f).get("_known_bug")
            except (OSError, ValueError):
                pass
        except Exception as e:  # a broken case must not stop the run
            errs = ["runner error: %r" % (e,)]
        if errs and bug and not STRICT:
            known += 1
            print("skip %s: KNOWN BUG: %s (%s)"
                  % (name, bug, errs[0][:300].replace("\n", " | ")))
        elif errs:
            failed += 1
            print("FAIL %s: %s%s" % (name, "KNOWN BUG: %s: " % bug if bug else "", errs[0]))
            for more in errs[1:20]:
                print("     %s" % more)
            if len(errs) > 20:
                print("     ... %d more" % (len(errs) - 20))
        else:
            passed += 1
            print("ok   %s%s" % (name, "  (known bug fixed? remove _known_bug)" if bug else ""))
        sys.stdout.flush()
    if known:
        print("%d known bug(s) skipped (DS_TEST_STRICT=1 makes them fail)" % known)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
