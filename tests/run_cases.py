#!/usr/bin/env python3
"""run_cases.py - run the data-driven cases under tests/cases/ against a binary.

    python3 tests/run_cases.py BINARY [CASE_DIR...]     (default: tests/cases/*)

For each case directory, in a fresh temporary directory:
  1. copy the input(s) there (the binary may move Maildir files, and the
     committed fixtures must stay untouched);
  2. BINARY --db TMP/t.db ingest --json --no-progress [args] INPUT...
     INPUT is `input`, `input.*` or, for several, `input1.*`, `input2.*`, ...
     in numeric order.  With "stdin": true the single input is fed on stdin
     and the argument is `-`;
  3. BINARY --db TMP/t.db summary --json
  4. BINARY --db TMP/t.db export --format json
and compare with expect.json:

  "exit"              exit status of the ingest command
  "ingest"            subset of the `ingest --json` object
  "summary"           subset of the `summary --json` object
  "reports"           subset of the exported array (same length, same order)
  "stderr_contains"   substrings (case-insensitive) of the ingest stderr
  "warnings_contain"  substrings (case-insensitive) each found in the warnings
                      or errors of some exported report
  "twice": true       ingest the input(s) again: the second run must exit 0
                      with reports 0 and duplicates >= 1, and the summary's
                      reports/records/messages/quarantined/domains/dates must
                      not change
  "stdin": true       see above

Subset matching: a dict matches when every expected key is present and
matches; a list must have the same length and match element-wise; scalars
must be equal (true is not 1).  Two operators, for values whose exact form is
not part of the contract:
  {"$contains": "x"} or {"$contains": ["x", "y"]}   the value (as JSON text
                      when it is not a string) contains each substring,
                      case-insensitively; null never matches
  {"$gte": N}         a number >= N

Output: `ok   NAME` or `FAIL NAME: what (expected X, got Y)` per case (on
failure, the ingest stderr follows), then exactly `N passed, N failed` as
the last line.  Exit status 1 if any case failed.  CASES_VERBOSE=1 also
prints every command with its exit status, stdout and stderr.
Each command has a 60 s timeout.  Python standard library only.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

TIMEOUT = 60
VERBOSE = os.environ.get("CASES_VERBOSE", "") not in ("", "0")
HERE = os.path.dirname(os.path.abspath(__file__))
STABLE_SUMMARY = ("reports", "records", "messages", "quarantined", "domains", "first_begin",
                  "last_end")


class Fail(Exception):
    pass


def jtxt(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 300 else s[:297] + "..."


def match(exp, got, path, errs):
    """Append a description of every mismatch of exp against got to errs."""
    if isinstance(exp, dict) and len(exp) == 1 and next(iter(exp)).startswith("$"):
        op, arg = next(iter(exp.items()))
        if op == "$contains":
            subs = arg if isinstance(arg, list) else [arg]
            text = got if isinstance(got, str) else (None if got is None else json.dumps(got))
            for s in subs:
                if text is None or s.lower() not in text.lower():
                    errs.append("%s: expected to contain %s, got %s" % (path, jtxt(s), jtxt(got)))
            return
        if op == "$gte":
            if isinstance(got, bool) or not isinstance(got, (int, float)) or got < arg:
                errs.append("%s: expected >= %s, got %s" % (path, arg, jtxt(got)))
            return
        errs.append("%s: unknown operator %s in expect.json" % (path, op))
        return
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            errs.append("%s: expected an object, got %s" % (path, jtxt(got)))
            return
        for k, v in exp.items():
            if k not in got:
                errs.append("%s.%s: missing (expected %s)" % (path, k, jtxt(v)))
            else:
                match(v, got[k], "%s.%s" % (path, k), errs)
        return
    if isinstance(exp, list):
        if not isinstance(got, list):
            errs.append("%s: expected a list, got %s" % (path, jtxt(got)))
            return
        if len(exp) != len(got):
            errs.append("%s: expected %d elements, got %d: %s" % (path, len(exp), len(got),
                                                                 jtxt(got)))
            return
        for i, (e, g) in enumerate(zip(exp, got)):
            match(e, g, "%s[%d]" % (path, i), errs)
        return
    if isinstance(exp, bool) != isinstance(got, bool) or exp != got or \
            (exp is None) != (got is None):
        errs.append("%s: expected %s, got %s" % (path, jtxt(exp), jtxt(got)))


def run(cmd, stdin_path=None, label=""):
    env = dict(os.environ)
    env.pop("DMARCSCOPE_DB", None)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        raise Fail("%s: timed out after %d s: %s" % (label, TIMEOUT, " ".join(cmd)))
    finally:
        if stdin_path:
            stdin.close()
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if VERBOSE:
        print("  $ %s%s  -> exit %d" % (" ".join(shlex.quote(c) for c in cmd),
                                        " < " + stdin_path if stdin_path else "", p.returncode))
        for name, text in (("stdout", out), ("stderr", err)):
            if text.strip():
                print("  %s:\n%s" % (name, "".join("    " + l + "\n"
                                                   for l in text.rstrip("\n").split("\n"))))
    return p.returncode, out, err


def parse_json(text, label):
    t = text.strip()
    try:
        return json.loads(t)
    except ValueError:
        pass
    lines = [l for l in t.split("\n") if l.strip()]
    if lines:
        try:
            return json.loads(lines[-1])
        except ValueError:
            pass
    raise Fail("%s: stdout is not JSON: %s" % (label, jtxt(t)))


def find_inputs(case_dir):
    names = sorted(os.listdir(case_dir))
    numbered = [n for n in names if re.match(r"^input\d+(\.|$)", n)]
    if numbered:
        return sorted(numbered, key=lambda n: int(re.match(r"^input(\d+)", n).group(1)))
    single = [n for n in names if n == "input" or n.startswith("input.")]
    if len(single) != 1:
        raise Fail("case has %d inputs (expected exactly one input or input1.., input2..)"
                   % len(single))
    return single


def copy_inputs(case_dir, inputs, dest):
    os.makedirs(dest)
    paths = []
    for n in inputs:
        src, dst = os.path.join(case_dir, n), os.path.join(dest, n)
        if os.path.isdir(src):
            shutil.copytree(src, dst)
            # git does not keep empty directories; a Maildir needs all three
            for sub in ("new", "cur", "tmp"):
                if os.path.isdir(os.path.join(dst, "new")) or os.path.isdir(os.path.join(dst, "cur")):
                    os.makedirs(os.path.join(dst, sub), exist_ok=True)
        else:
            shutil.copyfile(src, dst)
        paths.append(dst)
    return paths


def run_case(binary, case_dir):
    """Returns (list of failure descriptions, ingest stderr)."""
    with open(os.path.join(case_dir, "expect.json"), encoding="utf-8") as f:
        try:
            exp = json.load(f)
        except ValueError as e:
            raise Fail("expect.json: %s" % e)
    args = []
    ap = os.path.join(case_dir, "args")
    if os.path.exists(ap):
        with open(ap, encoding="utf-8") as f:
            args = shlex.split(f.read().strip())
    inputs = find_inputs(case_dir)
    use_stdin = bool(exp.get("stdin"))
    if use_stdin and len(inputs) != 1:
        raise Fail("stdin cases take exactly one input")

    tmp = tempfile.mkdtemp(prefix="dmarcscope-case-")
    try:
        db = os.path.join(tmp, "t.db")
        base = [binary, "--db", db]

        def ingest(round_):
            paths = copy_inputs(case_dir, inputs, os.path.join(tmp, "in%d" % round_))
            cmd = base + ["ingest", "--json", "--no-progress"] + args
            if use_stdin:
                return run(cmd + ["-"], stdin_path=paths[0], label="ingest")
            return run(cmd + paths, label="ingest")

        def summary():
            rc, out, err = run(base + ["summary", "--json"], label="summary")
            if rc != 0:
                raise Fail("summary --json: exit %d: %s" % (rc, err.strip()))
            return parse_json(out, "summary --json")

        errs = []
        rc, out, err = ingest(1)
        if "exit" in exp and rc != exp["exit"]:
            errs.append("exit: expected %s, got %s" % (exp["exit"], rc))
        if rc not in (0, 1):
            errs.append("ingest exit %d (usage or fatal error)" % rc)
        ing = None
        try:
            ing = parse_json(out, "ingest --json")
        except Fail as e:
            errs.append(str(e))
        if ing is not None and "ingest" in exp:
            match(exp["ingest"], ing, "ingest", errs)
        for s in exp.get("stderr_contains", []):
            if s.lower() not in err.lower():
                errs.append("stderr: expected to contain %s, got %s" % (jtxt(s), jtxt(err.strip())))

        summ = summary()
        if "summary" in exp:
            match(exp["summary"], summ, "summary", errs)

        rc2, out2, err2 = run(base + ["export", "--format", "json"], label="export")
        reports = None
        if rc2 != 0:
            errs.append("export --format json: exit %d: %s" % (rc2, err2.strip()))
        else:
            try:
                reports = parse_json(out2, "export --format json")
            except Fail as e:
                errs.append(str(e))
        if reports is not None:
            if "reports" in exp:
                match(exp["reports"], reports, "reports", errs)
            notes = []
            if isinstance(reports, list):
                for r in reports:
                    if isinstance(r, dict):
                        for k in ("warnings", "errors"):
                            notes += [str(n) for n in (r.get(k) or [])]
            for s in exp.get("warnings_contain", []):
                if not any(s.lower() in n.lower() for n in notes):
                    errs.append("warnings/errors: expected one to contain %s, got %s"
                                % (jtxt(s), jtxt(notes)))

        if exp.get("twice"):
            rc3, out3, err3 = ingest(2)
            if rc3 != 0:
                errs.append("second ingest: exit expected 0, got %d: %s" % (rc3, err3.strip()))
            try:
                ing2 = parse_json(out3, "second ingest --json")
                match({"reports": 0, "duplicates": {"$gte": 1}}, ing2, "second ingest", errs)
            except Fail as e:
                errs.append(str(e))
            summ2 = summary()
            for k in STABLE_SUMMARY:
                if summ.get(k) != summ2.get(k):
                    errs.append("summary after second ingest: %s changed from %s to %s"
                                % (k, jtxt(summ.get(k)), jtxt(summ2.get(k))))
        return errs, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
    passed = failed = 0
    for d in dirs:
        name = os.path.basename(os.path.normpath(d))
        if VERBOSE:
            print("== %s" % name)
        stderr = ""
        try:
            errs, stderr = run_case(binary, d)
        except Fail as e:
            errs = [str(e)]
        except Exception as e:  # a broken case must not stop the run
            errs = ["runner error: %r" % (e,)]
        if errs:
            failed += 1
            print("FAIL %s: %s" % (name, errs[0]))
            for more in errs[1:20]:
                print("     %s" % more)
            if len(errs) > 20:
                print("     ... %d more" % (len(errs) - 20))
            if stderr.strip():
                print("     stderr:")
                for line in stderr.rstrip("\n").split("\n"):
                    print("       " + line)
        else:
            passed += 1
            print("ok   %s" % name)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
