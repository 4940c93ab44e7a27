#!/usr/bin/env python3
# promtext.py FILE - a strict reader of the Prometheus text exposition format
# (version 0.0.4): every line is a # HELP, a # TYPE or a sample; names and
# label names match the format's patterns (no reserved __ label names); label
# values use only the \\, \" and \n escapes; a metric family has at most one
# HELP and one TYPE, before its samples, and its samples are contiguous (a
# histogram's NAME_bucket, NAME_sum and NAME_count samples belong to family
# NAME); no two samples have the same name and labels; values are floats (or
# +Inf, -Inf, NaN); the text ends with a newline.
# The naming conventions and histogram rules are checked too: a counter's
# name ends in _total and its values are finite and >= 0; a gauge or counter
# sample has its family's own name; a histogram has, per label set, buckets
# with an le label in increasing order, cumulative (never decreasing), the
# last le="+Inf", and a _sum and a _count equal to the +Inf bucket; le is
# used by histogram buckets alone.
# Prints the samples as JSON {"name{k=v,...}": value} on success; exit 1 with
# "line N: why" on the first violation.
import json
import math
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
    if not re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", s):
        fail(n, "bad value %r" % s)
    return float(s)


def num(v):
    return {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}.get(v, v)


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
        if k.startswith("__"):
            fail(n, "reserved label name %s" % k)
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


def family_of(name, types):
    if name in types:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        base = name[:-len(suf)]
        if name.endswith(suf) and types.get(base) == "histogram":
            return base
        if name.endswith(suf) and suf != "_bucket" and types.get(base) == "summary":
            return base
    return name


def check_histograms(hist):
    """hist: {(family, labelkey): {"buckets": [(line, le, v)], "sum": .., "count": (line, v)}}"""
    for (fam, lk), h in hist.items():
        where = "%s%s" % (fam, lk)
        b = h.get("buckets", [])
        line = b[0][0] if b else h.get("count", (0, 0))[0]
        if not b:
            fail(line, "histogram %s has no buckets" % where)
        prev_le, prev_v = -math.inf, 0.0
        for n, le, v in b:
            if le <= prev_le:
                fail(n, "histogram %s: le %s not after %s" % (where, le, prev_le))
            if num(v) != num(v) or num(v) < prev_v:
                fail(n, "histogram %s: bucket le=%s not cumulative" % (where, le))
            prev_le, prev_v = le, num(v)
        if b[-1][1] != math.inf:
            fail(b[-1][0], "histogram %s: no le=\"+Inf\" bucket last" % where)
        if "sum" not in h:
            fail(line, "histogram %s has no _sum" % where)
        if "count" not in h:
            fail(line, "histogram %s has no _count" % where)
        if num(h["count"][1]) != b[-1][2]:
            fail(h["count"][0], "histogram %s: _count is not the +Inf bucket" % where)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    if not text.endswith("\n"):
        fail(0, "does not end with a newline")
    helps, types, done, seen, samples = set(), {}, set(), set(), {}
    hist = {}
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
                    if name in seen:
                        fail(n, "TYPE for %s after its samples" % name)
                    types[name] = parts[3]
                    if parts[3] == "counter" and not name.endswith("_total"):
                        fail(n, "counter %s: the name does not end in _total" % name)
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
        fam = family_of(name, types)
        typ = types.get(fam, "untyped")
        if current != fam:
            if fam in seen:
                fail(n, "samples of %s not contiguous" % fam)
            if current is not None:
                done.add(current)
            current = fam
        seen.add(fam)
        if typ == "counter":
            if isinstance(v, str) or v < 0:
                fail(n, "counter %s: value %s is not finite and >= 0" % (name, rest[0]))
        if typ in ("counter", "gauge") and name != fam:
            fail(n, "%s sample %s is not named %s" % (typ, name, fam))
        if typ == "histogram":
            if name == fam:
                fail(n, "histogram %s: a sample without _bucket, _sum or _count" % fam)
            rest_lab = dict(lab)
            le = rest_lab.pop("le", None)
            lk = "{" + ",".join("%s=%s" % kv for kv in sorted(rest_lab.items())) + "}"
            h = hist.setdefault((fam, lk), {})
            if name.endswith("_bucket"):
                if le is None:
                    fail(n, "histogram bucket without le")
                try:
                    lev = math.inf if le == "+Inf" else float(le)
                except ValueError:
                    fail(n, "bad le %r" % le)
                if lev != lev:
                    fail(n, "bad le %r" % le)
                h.setdefault("buckets", []).append((n, lev, num(v)))
            else:
                if le is not None:
                    fail(n, "le on %s" % name)
                h["sum" if name.endswith("_sum") else "count"] = (n, v)
        elif "le" in lab:
            fail(n, "le label outside a histogram's buckets")
        key = name + "{" + ",".join("%s=%s" % kv for kv in sorted(lab.items())) + "}"
        if key in samples:
            fail(n, "duplicate sample %s" % key)
        samples[key] = v
    if not samples:
        fail(0, "no samples")
    check_histograms(hist)
    print(json.dumps(samples, sort_keys=True))


main()
