"""sqlite3 - stands in for Python's sqlite3 module while tests/pg/run.sh runs
the SQLite suites on PostgreSQL (tests/pg/shim is put first on PYTHONPATH).

connect(PATH) opens the database tests/pg/dmarcscope-pg made for the file
PATH; execute() sends the statement through psql, with the ? parameters bound
as quoted literals, and returns rows as tuples of int or str (booleans as 1/0,
as SQLite gives them).  INSERT OR IGNORE and INSERT OR REPLACE (by
the first column) are rewritten.  Only what the suites use is here: execute, fetchone,
fetchall, iteration, executescript, commit, close, Error.  SQL that only
SQLite understands fails with sqlite3.Error, and so does the suite's check.
"""
import os
import re
import subprocess

__all__ = ["connect", "Error", "DatabaseError", "OperationalError", "IntegrityError"]


class Error(Exception):
    pass


class DatabaseError(Error):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


_HERE = os.path.dirname(os.path.abspath(__file__))
_US = "\x1f"
_RS = "\x1e"


def _literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, bytes):
        return "'\\x%s'::bytea" % v.hex()
    return "'" + str(v).replace("'", "''") + "'"


def _bind(sql, params):
    out, i, k = [], 0, 0
    quote = None
    while i < len(sql):
        c = sql[i]
        if quote:
            if c == quote:
                quote = None
        elif c in ("'", '"'):
            quote = c
        elif c == "?":
            m = re.match(r"\?(\d+)", sql[i:])
            if m:		# ?N: the Nth parameter
                n = int(m.group(1)) - 1
                i += len(m.group(0))
            else:
                n = k
                k += 1
                i += 1
            if n >= len(params):
                raise Error("too few parameters")
            out.append(_literal(params[n]))
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _dialect(sql):
    s = sql
    m = re.match(r"\s*INSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*\(([^)]*)\)", s, re.I)
    if m:
        # the suites replace by the table's key, its first column (hosts.ip)
        cols = [c.strip() for c in m.group(2).split(",")]
        s = re.sub(r"INSERT\s+OR\s+REPLACE\s+", "INSERT ", s, count=1, flags=re.I)
        s = s.rstrip().rstrip(";") + " ON CONFLICT (%s) DO UPDATE SET %s" % (
            cols[0], ", ".join("%s = EXCLUDED.%s" % (c, c) for c in cols[1:]))
    if re.match(r"\s*INSERT\s+OR\s+IGNORE\s+", s, re.I):
        s = re.sub(r"INSERT\s+OR\s+IGNORE\s+", "INSERT ", s, count=1, flags=re.I)
        s = s.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    return s


def _value(v):
    if v == "\\N":
        return None
    if v == "t":
        return 1
    if v == "f":
        return 0
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if re.fullmatch(r"-?\d+\.\d*(e[-+]?\d+)?", v):
        return float(v)
    return v


class Cursor:
    def __init__(self, rows):
        self._rows = rows
        self.rowcount = len(rows)

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchall(self):
        r, self._rows = self._rows, []
        return r

    def __iter__(self):
        return iter(self.fetchall())


class Connection:
    def __init__(self, path):
        wrap = os.path.join(_HERE, "..", "dmarcscope-pg")
        p = subprocess.run([wrap, "--print-dsn", path], capture_output=True, text=True)
        self.dsn = p.stdout.strip()
        if p.returncode != 0 or not self.dsn.startswith("postgres"):
            raise OperationalError("unable to open database file %s" % path)

    def _psql(self, sql):
        p = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-F", _US, "-R", _RS,
                            "-P", "null=\\N", self.dsn], input=sql, capture_output=True,
                           text=True)
        if p.returncode != 0:
            msg = p.stderr.strip()
            raise (IntegrityError if "duplicate key" in msg else DatabaseError)(msg)
        return p.stdout

    def execute(self, sql, params=()):
        out = self._psql(_dialect(_bind(sql, tuple(params))) + ";\n")
        out = out.rstrip("\n")
        rows = []
        if out:
            for rec in out.split(_RS):
                rec = rec.strip("\n")
                if rec == "":
                    continue
                rows.append(tuple(_value(v) for v in rec.split(_US)))
        return Cursor(rows)

    def executescript(self, sql):
        self._psql(sql)

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def connect(path, *a, **k):
    return Connection(path)


if __name__ == "__main__":
    # `python3 sqlite3.py`: stdin's statements (one per ';' at a line end)
    # rewritten as above, for the sqlite3 shell stand-in
    import sys
    text = sys.stdin.read()
    for stmt in re.split(r";\s*\n", text):
        if stmt.strip():
            sys.stdout.write(_dialect(stmt.strip()) + ";\n")
