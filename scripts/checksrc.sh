#!/bin/sh
# checksrc.sh [FILE...] - source rules for the C code (default: every .c and
# .h under src/), in `make check`.  Reports each violation as FILE:LINE: why,
# one "ok"/"FAIL" line per file, and closes with "N passed, N failed" (files).
#
# Rules (comments and string literals are not searched for calls):
#   - banned calls: atoi atol atoll atof (no error detection: strtol/strtoll
#     with an end pointer), strcpy strcat strncpy strncat sprintf vsprintf gets
#     (unbounded or silently truncating: snprintf, memcpy with a checked
#     length, dbuf), strtok (not reentrant: strtok_r or strchr), tmpnam
#     tempnam mktemp (mkstemp), alloca (a bound the compiler cannot see),
#     asctime ctime gmtime localtime (static buffers: the _r forms);
#   - a scanf-family format with %s or %[ needs a width (%63s);
#   - lines at most 110 columns, tabs at 8; a line holding non-ASCII text
#     (the Japanese message tables) is not measured: its sentences stay whole;
#   - no trailing white space;
#   - the storage boundary (issue 17): outside src/store/, no reach-through
#     `->ops->` (call the store_*() wrappers of src/store/store*.h), and no
#     backend named: no store_sqlite_*ops / store_pg_*ops, no sqlite3_* or
#     libpq (PQ*, lo_*) calls, no <sqlite3.h> / <libpq-fe.h>, no DSN scheme
#     literal ("sqlite:", "postgres://", "postgresql://": store.c reads DSNs);
#   - run on the whole tree (no FILE): the generated wrappers in the store
#     headers are current (scripts/store_wrappers.py --check), reported as
#     the file "store wrappers".
# Exit: 0 when every file is clean, 1 otherwise.
set -u
whole=0
if [ $# -eq 0 ]; then
	cd "$(dirname "$0")/.." || exit 1
	set -- $(find src -name '*.[ch]' | LC_ALL=C sort)
	whole=1
fi
WHOLE=$whole exec python3 - "$@" <<'PYEOF'
import os, re, sys
WHOLE = os.environ.get("WHOLE") == "1"

LIMIT = 110
BANNED = ("atoi atol atoll atof strcpy strcat strncpy strncat sprintf vsprintf gets strtok "
          "tmpnam tempnam mktemp alloca asctime ctime gmtime localtime").split()
CALL = re.compile(r"(?<![\w.>])(" + "|".join(BANNED) + r")\s*\(")
SCANF = re.compile(r"(?<![\w.>])(?:v?f|v?s|v)?scanf\s*\(")
UNBOUNDED = re.compile(r"%\*?(?:[sS]|\[)")
# the storage boundary: what only src/store/ may say
REACH = re.compile(r"->\s*ops\s*->")
BACKEND = re.compile(r"\b(store_(?:sqlite|pg)_\w*ops|sqlite3_\w+|sqlite3\b|PQ[a-z]\w*\s*\(|"
                     r"lo_(?:open|close|read|write|creat|create|import|export|unlink|lseek|"
                     r"truncate)\s*\()")
BACKEND_INC = re.compile(r"#\s*include\s*[<\"](?:sqlite3|libpq-fe|libpq/\w+|postgres\w*)\.h[>\"]")
SCHEME = re.compile(r"(?i)\"(?:sqlite:|postgres(?:ql)?://)")

def code_only(text):
    """text with comments and the insides of string and character literals
    blanked out (newlines kept, so line numbers hold); and the literals."""
    out, lits = [], []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            lits.append((text.count("\n", 0, i) + 1, text[i:j]))
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out), lits

npass = nfail = 0
for path in sys.argv[1:]:
    try:
        text = open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as e:
        print("%s: cannot read: %s" % (path, e))
        nfail += 1
        continue
    bad = []
    code, lits = code_only(text)
    clines = code.split("\n")
    for no, line in enumerate(text.split("\n"), 1):
        if line != line.rstrip():
            bad.append((no, "trailing white space"))
        if line.isascii() and len(line.expandtabs(8)) > LIMIT:
            bad.append((no, "%d columns (limit %d)" % (len(line.expandtabs(8)), LIMIT)))
        cl = clines[no - 1] if no - 1 < len(clines) else ""
        for m in CALL.finditer(cl):
            bad.append((no, "%s() is banned (see scripts/checksrc.sh)" % m.group(1)))
    # scanf formats: the literal(s) of the statement that follows the call
    for m in SCANF.finditer(code):
        start = code.count("\n", 0, m.start()) + 1
        end = code.count("\n", 0, code.find(";", m.end()) if code.find(";", m.end()) >= 0
                         else len(code)) + 1
        for no, lit in lits:
            if start <= no <= end and lit.startswith('"') and UNBOUNDED.search(lit):
                bad.append((no, "scanf format with an unbounded %s or %[: give a width"))
    if not path.replace("\\", "/").split("src/", 1)[-1].startswith("store/") and "src/" in path:
        for no, cl in enumerate(clines, 1):
            if REACH.search(cl):
                bad.append((no, "->ops-> outside src/store/: call the store_*() wrapper"))
            m = BACKEND.search(cl)
            if m:
                bad.append((no, "%s outside src/store/: the backend is the store's business"
                            % m.group(1).rstrip("( ")))
        for no, line in enumerate(text.split("\n"), 1):
            if BACKEND_INC.search(line):
                bad.append((no, "backend header outside src/store/"))
        for no, lit in lits:
            if SCHEME.match(lit):
                bad.append((no, "DSN scheme outside src/store/: ask store.c (store_exists)"))
    for no, why in sorted(set(bad)):
        print("%s:%d: %s" % (path, no, why))
    if bad:
        nfail += 1
        print("FAIL %s" % path)
    else:
        npass += 1
        print("ok   %s" % path)
if WHOLE:
    import subprocess
    r = subprocess.run([sys.executable, "scripts/store_wrappers.py", "--check"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr, end="")
        print("FAIL store wrappers (run: python3 scripts/store_wrappers.py)")
        nfail += 1
    else:
        print("ok   store wrappers")
        npass += 1
print("%d passed, %d failed" % (npass, nfail))
sys.exit(1 if nfail else 0)
PYEOF
