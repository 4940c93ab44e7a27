#!/usr/bin/env python3
"""run.py BIN [--update] [CASE...] - the report kinds' data-driven cases.

BIN is tests/kinds/kindtool (make kinds; `make kinds-check` uses the ASan
build).  For every folder of tests/kinds/cases/:
    input.eml | input.json   (or the same .gz, inflated to a scratch file)
    mode                     optional: auto (default) | failure | tlsrpt
    expect.json              the whole expected output of `BIN MODE INPUT`
The output must equal expect.json (as JSON).  --update rewrites expect.json
from the output instead (review the diff!).

Then: pairs of cases that must have the same duplicate identity (the same
report sent twice in different bytes), and the fuzz corpora
(tests/kinds/corpus/arf, tests/kinds/corpus/tlsrpt) plus every case input
replayed through the fuzz bodies (`BIN replay`).

Prints PASS/FAIL lines and a closing "N passed, N failed".
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
SAME_IDENTITY = [("real-failure-linkedin-crlf", "real-failure-linkedin-lf")]


def case_input(d, tmp):
    for name in sorted(os.listdir(d)):
        if name.startswith("input."):
            path = os.path.join(d, name)
            if name.endswith(".gz"):
                out = os.path.join(tmp, os.path.basename(d) + "-" + name[:-3])
                with gzip.open(path, "rb") as f, open(out, "wb") as g:
                    g.write(f.read())
                return out
            return path
    return None


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    binary, args = args[0], args[1:]
    update = "--update" in args
    only = [a for a in args if a != "--update"]
    passed = failed = 0
    outputs = {}
    inputs = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in sorted(os.listdir(CASES)):
            d = os.path.join(CASES, case)
            if not os.path.isdir(d) or (only and case not in only):
                continue
            inp = case_input(d, tmp)
            if inp is None:
                print("FAIL %s: no input file" % case)
                failed += 1
                continue
            inputs.append(inp)
            mode = "auto"
            if os.path.exists(os.path.join(d, "mode")):
                mode = open(os.path.join(d, "mode")).read().strip()
            p = subprocess.run([binary, mode, inp], capture_output=True, timeout=300)
            if p.returncode != 0:
                print("FAIL %s: exit %d\n%s" % (case, p.returncode,
                                                p.stderr.decode(errors="replace")[-3000:]))
                failed += 1
                continue
            try:
                got = json.loads(p.stdout)
            except ValueError as e:
                print("FAIL %s: output is not JSON (%s)" % (case, e))
                failed += 1
                continue
            outputs[case] = got
            exp_path = os.path.join(d, "expect.json")
            if update:
                with open(exp_path, "w") as f:
                    json.dump(got, f, indent=2, sort_keys=True, ensure_ascii=False)
                    f.write("\n")
                print("UPDATED %s" % case)
                passed += 1
                continue
            if not os.path.exists(exp_path):
                print("FAIL %s: no expect.json (run with --update and review)" % case)
                failed += 1
                continue
            with open(exp_path) as f:
                exp = json.load(f)
            if got == exp:
                print("PASS %s" % case)
                passed += 1
            else:
                a = json.dumps(exp, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
                b = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False).splitlines()
                import difflib
                diff = "\n".join(list(difflib.unified_diff(a, b, "expect", "got", lineterm=""))[:40])
                print("FAIL %s: output differs\n%s" % (case, diff))
                failed += 1

        for a, b in SAME_IDENTITY:
            if a not in outputs or b not in outputs:
                continue
            ia, ib = outputs[a].get("identity"), outputs[b].get("identity")
            sa = outputs[a].get("model", {}).get("bytes_sha256")
            sb = outputs[b].get("model", {}).get("bytes_sha256")
            if ia is not None and ia == ib and sa != sb:
                print("PASS identity %s == %s (different bytes)" % (a, b))
                passed += 1
            else:
                print("FAIL identity %s (%s) != %s (%s)" % (a, ia, b, ib))
                failed += 1

        if not only:
            for which in ("arf", "tlsrpt"):
                targets = [os.path.join(HERE, "corpus", which)] + inputs
                targets = [t for t in targets if os.path.exists(t)]
                p = subprocess.run([binary, "replay", which] + targets, capture_output=True,
                                   timeout=1800)
                out = p.stdout.decode(errors="replace")
                if p.returncode == 0 and " passed, 0 failed" in out:
                    n = int(out.strip().splitlines()[-1].split()[0])
                    print("PASS replay %s: %d inputs" % (which, n))
                    passed += 1
                else:
                    print("FAIL replay %s: exit %d\n%s" % (which, p.returncode,
                                                           p.stderr.decode(errors="replace")[-3000:]))
                    failed += 1

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
