#!/usr/bin/env python3
"""runsuites.py - run test suites side by side and add up their closing lines.

Used by scripts/check.sh (every suite after the builds and unit tests) and by
tests/pg/run.sh (the SQLite suites on PostgreSQL).  Reads a suite list on
standard input, one suite a line:

    NAME<TAB>LABEL<TAB>SHELL COMMAND

and runs up to -j of them at once, each with /bin/sh -c, its output in
LOGDIR/NAME.log, standard input from /dev/null, in a process group of its own.
When a suite's command exits, whatever it left running in its group (a test
server it forgot to stop) is sent SIGTERM, then SIGKILL.

A suite's result is its log's last "N passed, N failed" line; with --sum NAME
the sum of every such line of that suite (the fuzz replay prints one a harness).
A suite that exits non-zero with no failure counted counts one failure; one
with no closing line counts one failure; one running past --timeout is killed
and counts one failure.  Longest suites start first: the durations of the last
run are kept in LOGDIR/durations.json; a suite without one there takes its
time from --hints FILE (the same format, committed: a fresh clone, as CI
runs, would otherwise start the suites in list order and the longest late).

Prints "== LABEL: P passed, F failed (Ns)" for each suite as it ends, with the
first FAIL lines of a failing one, then the total line "N passed, N failed".
Exit status 0 when nothing failed, 1 otherwise.

Exports: nothing (a program).  Usage:
    runsuites.py [-j N] [--logdir DIR] [--hints FILE] [--timeout S] [--sum NAME]...
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

CLOSING = re.compile(r"^([0-9]+) passed, ([0-9]+) failed")
SHOWN = re.compile(r"^\s*(FAIL|== .* [1-9][0-9]* failed)")


def counts(path, summed):
    """(passed, failed, found) from a suite's log."""
    p = f = 0
    found = False
    try:
        with open(path, errors="replace") as fh:
            for line in fh:
                m = CLOSING.match(line)
                if not m:
                    continue
                found = True
                if summed:
                    p += int(m.group(1))
                    f += int(m.group(2))
                else:
                    p, f = int(m.group(1)), int(m.group(2))
    except OSError:
        pass
    return p, f, found


def shown_lines(path, limit=20):
    out = []
    try:
        with open(path, errors="replace") as fh:
            for line in fh:
                if SHOWN.match(line):
                    out.append(line.rstrip("\n"))
                    if len(out) >= limit:
                        break
    except OSError:
        pass
    return out


def kill_group(pgid):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--logdir", default="build/check-logs")
    ap.add_argument("--hints", default=None)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--sum", action="append", default=[])
    args = ap.parse_args()
    os.makedirs(args.logdir, exist_ok=True)
    suites = []
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", 2)
        if len(parts) != 3:
            print("runsuites: bad line: %r" % line, file=sys.stderr)
            print("0 passed, 1 failed")
            return 1
        suites.append(parts)
    dpath = os.path.join(args.logdir, "durations.json")
    try:
        with open(dpath) as fh:
            last = json.load(fh)
    except (OSError, ValueError):
        last = {}
    if args.hints:
        try:
            with open(args.hints) as fh:
                for k, v in json.load(fh).items():
                    last.setdefault(k, v)
        except (OSError, ValueError) as e:
            print("runsuites: no hints from %s: %s" % (args.hints, e), file=sys.stderr)
    # longest first (unknown ones first of all: they may be long)
    order = sorted(range(len(suites)), key=lambda i: -last.get(suites[i][0], 1e9))
    lock = threading.Lock()
    total = [0, 0]
    took = dict(last)
    queue = list(order)

    def run_one(name, label, cmd):
        log = os.path.join(args.logdir, name + ".log")
        t0 = time.monotonic()
        with open(log, "w") as out:
            proc = subprocess.Popen(["/bin/sh", "-c", cmd], stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            timed_out = False
            try:
                rc = proc.wait(timeout=args.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                kill_group(proc.pid)
                rc = proc.wait()
        kill_group(proc.pid)
        secs = time.monotonic() - t0
        p, f, found = counts(log, name in args.sum)
        note = ""
        if timed_out:
            f += 1
            note = " (killed after %d s)" % args.timeout
        elif not found:
            f += 1
            note = " (no closing line, exit %d)" % rc
        elif rc != 0 and f == 0:
            f += 1
            note = " (exit %d)" % rc
        with lock:
            total[0] += p
            total[1] += f
            took[name] = round(secs, 1)
            print("== %s: %d passed, %d failed%s (%d s)" % (label, p, f, note, secs), flush=True)
            if f:
                for s in shown_lines(log):
                    print("   " + s)
                if not found or timed_out:
                    with open(log, errors="replace") as fh:
                        tail = fh.readlines()[-15:]
                    for s in tail:
                        print("   | " + s.rstrip("\n"))
            sys.stdout.flush()

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop(0)
            run_one(*suites[i])

    threads = [threading.Thread(target=worker) for _ in range(max(1, args.j))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        with open(dpath, "w") as fh:
            json.dump(took, fh, indent=0, sort_keys=True)
    except OSError:
        pass
    print("%d passed, %d failed" % (total[0], total[1]))
    return 0 if total[1] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
