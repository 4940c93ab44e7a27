#!/usr/bin/env python3
"""splice.py NAME FILE - put the <!-- NAME --> ... <!-- /NAME --> section read
from FILE into docs/PERFORMANCE.md, replacing the one there (or appending)."""
import re, sys

name, src = sys.argv[1], sys.argv[2]
doc_path = "docs/PERFORMANCE.md"
text = open(src, encoding="utf-8").read()
m = re.search(r"<!-- %s -->.*?<!-- /%s -->" % (name, name), text, re.S)
if not m:
    sys.exit("splice: no <!-- %s --> section in %s" % (name, src))
sec = m.group(0)
doc = open(doc_path, encoding="utf-8").read()
pat = re.compile(r"<!-- %s -->.*?<!-- /%s -->" % (name, name), re.S)
doc = pat.sub(lambda _: sec, doc) if pat.search(doc) else doc.rstrip("\n") + "\n\n" + sec + "\n"
open(doc_path, "w", encoding="utf-8").write(doc)
