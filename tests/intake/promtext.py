#!/usr/bin/env python3
# promtext.py FILE - a strict reader of the Prometheus text exposition format
# (version 0.0.4): every line is a # HELP, a # TYPE or a sample; names and
# label names match the format's patterns; label values use only the \\, \"
# and \n escapes; a metric has at most one HELP and one TYPE, before its
# samples, and its samples are contiguous; no two samples have the same
# name and labels; values are floats (or +Inf, -Inf, NaN); the text ends with
# a newline.  Prints the samples as JSON {"name{k=v,...}": value} on success;
# exit 1 with "line N: why" on the first violation.
import json
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LNAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(n, why):
    print("line %d: %s" % (n, why))
    sys.exit(1)


def value(n, s):
    if s in ("+Inf", "-Inf", "NaN"):
        return s
    try:
        return float(s)
    except ValueError:
        fail(n, "bad value %r" % s)


def labels(n, s, i):
    """s[i] == '{'; returns (dict, index after '}')"""
    out = {}
    i += 1
    while True:
        if s[i:i + 1] == "}":
            return out, i + 1
        m = LNAME.match(s, i)
        if not m:
            fail(n, "bad label name at %d" % i)
        k = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            fail(n, "label %s: want =\"" % k)
        i += 2
        v = []
        while True:
            if i >= len(s):
                fail(n, "unterminated label value")
            c = s[i]
            if c == "\\":
                e = s[i + 1:i + 2]
                if e not in ("\\", '"', "n"):
                    fail(n, "bad escape \\%s" % e)
                v.append("\n" if e == "n" else e)
                i += 2
                continue
            if c == '"':
                i += 1
                break
            if c == "\n":
                fail(n, "newline in a label value")
            v.append(c)
            i += 1
        if k in out:
            fail(n, "label %s twice" % k)
        out[k] = "".join(v)
        if s[i:i + 1] == ",":
            i += 1
        elif s[i:i + 1] != "}":
            fail(n, "want , or } after a label")


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    if not text.endswith("\n"):
        fail(0, "does not end with a newline")
    helps, types, done, seen, samples = set(), {}, set(), set(), {}
    current = None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.fullmatch(name):
                    fail(n, "bad metric name %r" % name)
                if name in done or (current is not None and current != name and name in seen):
                    fail(n, "%s %s after its samples" % (parts[1], name))
                if parts[1] == "HELP":
                    if name in helps:
                        fail(n, "second HELP for %s" % name)
                    helps.add(name)
                else:
                    if name in types:
                        fail(n, "second TYPE for %s" % name)
                    if len(parts) != 4 or parts[3] not in TYPES:
                        fail(n, "bad TYPE line")
                    types[name] = parts[3]
                    if name in seen:
                        fail(n, "TYPE for %s after its samples" % name)
            continue
        if line == "":
            fail(n, "empty line")
        m = NAME.match(line)
        if not m:
            fail(n, "bad metric name")
        name = m.group(0)
        i = m.end()
        lab = {}
        if line[i:i + 1] == "{":
            lab, i = labels(n, line, i)
        if line[i:i + 1] != " ":
            fail(n, "want a space before the value")
        rest = line[i + 1:].split(" ")
        if len(rest) not in (1, 2):
            fail(n, "want VALUE [TIMESTAMP]")
        v = value(n, rest[0])
        if len(rest) == 2 and not re.fullmatch(r"-?[0-9]+", rest[1]):
            fail(n, "bad timestamp")
        if current != name:
            if name in seen:
                fail(n, "samples of %s not contiguous" % name)
            if current is not None:
                done.add(current)
            current = name
        seen.add(name)
        key = name + "{" + ",".join("%s=%s" % kv for kv in sorted(lab.items())) + "}"
        if key in samples:
            fail(n, "duplicate sample %s" % key)
        samples[key] = v
    if not samples:
        fail(0, "no samples")
    print(json.dumps(samples, sort_keys=True))


main()
