#!/bin/sh
# tests/kinds/ingest.sh BINARY - the report kinds end to end through
# `dmarcscope ingest` (meant for the ASan/UBSan binary, build-asan/dmarcscope):
#   - every file of ../shared/corpus/real/failure and ../shared/corpus/real/smtp_tls
#     is stored (rows counted in failure_reports / tls_reports / tls_policies /
#     tls_failures / failure_urls), nothing quarantined, and the LinkedIn CRLF and
#     LF copies are one report (a kind_duplicates row);
#   - the same bytes again, and a TLS report re-serialised (other bytes, same
#     report-id), are duplicates;
#   - hostile and odd inputs of tests/kinds/cases: the 20,000-part tree and the
#     deep nesting refused with the cap named and kept in quarantine,
#     invoice.pdf.exe stored with its flags, Feedback-Type: abuse stored with
#     is_dmarc_failure = 0, a '{' JSON that is no TLS report refused with the
#     TLS kind's reason, a DSN (multipart/report of another type) refused;
#   - an aggregate report mailed with a subject saying "DMARC failure" is still
#     stored (the failure kind answers NOT_REPORT, the parts are walked);
#   - --max-parts reaches the failure parser (quarantine retry, with the default
#     caps, then stores it); --redact (and DMARCSCOPE_REDACT=1 for a retry)
#     leaves no local part in the stored columns or model; purge --samples-older-than drops samples and
#     nothing else.
# Prints "N passed, N failed".
set -u
BIN=${1:-build-asan/dmarcscope}
SHARED=${SHARED:-../shared}
cd "$(dirname "$0")/../.."
if [ ! -d "$SHARED/corpus/real/failure" ]; then
	echo "kinds ingest: $SHARED/corpus/real not found; skipped"
	echo "0 passed, 0 failed"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
export BIN T SHARED
exec python3 - <<'EOF'
import gzip, json, os, sqlite3, subprocess, sys

BIN, T, SH = os.environ["BIN"], os.environ["T"], os.environ["SHARED"]
CASES = "tests/kinds/cases"
P = F = 0


def check(name, ok, detail=""):
    global P, F
    if ok:
        P += 1
        print("ok   " + name)
    else:
        F += 1
        print("FAIL " + name + (": " + detail if detail else ""))


def ingest(db, *args):
    r = subprocess.run([BIN, "--db", db, "ingest", "--json", "--no-progress"] + list(args),
                       capture_output=True, text=True)
    san = "ERROR: AddressSanitizer" in r.stderr or "runtime error:" in r.stderr
    try:
        out = json.loads(r.stdout)
    except ValueError:
        out = {}
    return r.returncode, out, r.stderr, san


def q(db, sql, *a):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, a).fetchall()
    except sqlite3.Error as e:
        print("     (%s: %s)" % (sql[:60], e))
        return []
    finally:
        c.close()


def one(db, sql, *a):
    rows = q(db, sql, *a)
    return rows[0][0] if rows else None


def case_input(name):
    d = os.path.join(CASES, name)
    return os.path.join(d, [f for f in os.listdir(d) if f.startswith("input")][0])


# ---- 1. the real corpus ---------------------------------------------------
db = os.path.join(T, "real.db")
fail_dir = os.path.join(SH, "corpus/real/failure")
tls_dir = os.path.join(SH, "corpus/real/smtp_tls")
files = sorted(os.path.join(fail_dir, f) for f in os.listdir(fail_dir)) + \
    sorted(os.path.join(tls_dir, f) for f in os.listdir(tls_dir))
rc, out, err, san = ingest(db, *files)
check("real corpus: ingest exits 0, no sanitizer report", rc == 0 and not san, err[-500:])
check("real corpus: nothing refused", out.get("refused") == 0, json.dumps(out))
check("real corpus: ingest --json counts 4 failure and 4 TLS reports",
      out.get("failure_reports") == 4 and out.get("tls_reports") == 4 and
      out.get("reports") == 8 and out.get("duplicates") == 1, json.dumps(out))
check("real corpus: 5 failure files -> 4 failure reports (LinkedIn CRLF = LF)",
      one(db, "SELECT count(*) FROM failure_reports") == 4)
check("real corpus: 4 TLS reports", one(db, "SELECT count(*) FROM tls_reports") == 4)
check("real corpus: TLS policies and failure details stored",
      one(db, "SELECT count(*) FROM tls_policies") >= 4 and
      one(db, "SELECT count(*) FROM tls_failures") >= 5)
check("real corpus: the LinkedIn twin is a duplicate",
      one(db, "SELECT count(*) FROM kind_duplicates WHERE kind = 2") == 1)
check("real corpus: quarantine empty",
      one(db, "SELECT count(*) FROM quarantine WHERE resolved = 0") == 0)
check("real corpus: every raw message stored",
      one(db, "SELECT count(*) FROM raw_messages WHERE state = 'stored'") == len(files))
row = q(db, "SELECT policy_domain, reporter_domain, source_ip, ip_family, source_ip_from, "
        "arrival_time, subject, rcpt_to FROM failure_reports WHERE reporter LIKE '%linkedin%'")
check("real corpus: LinkedIn columns", row == [("example.com", "linkedin.com", "10.10.10.10", 4,
      "feedback-report", 1556590140, "Subject line, could be UTF8 encoded",
      "recipient@linkedin.com")], repr(row))
row = q(db, "SELECT source_ip_from, is_dmarc_failure FROM failure_reports "
        "WHERE source_ip_from = 'text'")
check("real corpus: Exim report without ARF part read from its text", row == [("text", 1)],
      repr(row))
row = q(db, "SELECT org_name, success_count, failure_count FROM tls_reports "
        "WHERE org_name = 'Google Inc.'")
check("real corpus: the multipart/report; report-type=tlsrpt mail (gzip part) stored",
      row == [("Google Inc.", 48, 0)], repr(row))
row = q(db, "SELECT sum(failed_session_count) FROM tls_failures f JOIN tls_policies p "
        "ON p.id = f.policy_id JOIN tls_reports r ON r.id = p.tls_report_id "
        "WHERE r.org_name = 'Company-X'")
check("real corpus: RFC 8460 example failure details add up", row == [(303,)], repr(row))

row = q(db, "SELECT count(*) FROM failure_reports f WHERE f.source_ip IS NOT NULL AND "
        "NOT EXISTS (SELECT 1 FROM hosts h WHERE h.ip = f.source_ip)")
check("real corpus: every failure report's source is queued for enrichment (hosts)",
      row == [(0,)] and one(db, "SELECT count(*) FROM hosts") == 3, repr(row))

# ---- 2. duplicates ----------------------------------------------------------
rc, out, err, san = ingest(db, *files)
check("same bytes again: all duplicates", rc == 0 and out.get("duplicates") == len(files) - 1 + 1
      and out.get("reports") == 0, json.dumps(out))
check("same bytes again: no new rows", one(db, "SELECT count(*) FROM failure_reports") == 4 and
      one(db, "SELECT count(*) FROM tls_reports") == 4)
doc = json.load(open(os.path.join(tls_dir, "rfc8460.json")))
alt = os.path.join(T, "rfc8460-reserialised.json.gz")
with gzip.open(alt, "wb") as f:
    f.write(json.dumps(doc, indent=4, sort_keys=True).encode())
rc, out, err, san = ingest(db, alt)
check("TLS report re-serialised and gzipped: a duplicate by report-id",
      rc == 0 and out.get("duplicates") == 1 and one(db, "SELECT count(*) FROM tls_reports") == 4,
      json.dumps(out))

# ---- 3. hostile and odd inputs ---------------------------------------------
db2 = os.path.join(T, "hostile.db")


def refused_with(name, path, words, *args):
    rc, out, err, san = ingest(db2, *(list(args) + [path]))
    ok = rc == 1 and out.get("refused") == 1 and not san and all(w in err for w in words)
    check(name, ok, "rc=%d %s" % (rc, err[-400:]))
    qn = one(db2, "SELECT count(*) FROM quarantine q JOIN raw_messages r ON r.id = q.raw_id "
             "WHERE q.resolved = 0 AND (r.source = ?1 OR r.source = ?1 || '#1')", path)
    check(name + ": kept in quarantine", qn == 1)


refused_with("20,000 MIME parts refused, cap named", case_input("hostile-20000-parts"),
             ["1000 MIME parts", "failure report"])
refused_with("2,000 nested multiparts refused, cap named", case_input("hostile-deep-nesting"),
             ["nested more than 8"])
refused_with("'{' JSON that is no TLS report refused with the kind's reason",
             case_input("tls-not-tlsrpt-json"), ["not a TLS report (RFC 8460)"])
refused_with("broken JSON refused", case_input("tls-broken-json"), ["not valid JSON"])
refused_with("10,001 failure-details refused, cap named", case_input("cap-tls-details"),
             ["10000 failure-details"])
refused_with("--max-parts reaches the failure parser",
             os.path.join(fail_dir, "dmarc_ruf_report_linkedin.eml"), ["more than 3 MIME parts"],
             "--max-parts", "3")

r = subprocess.run([BIN, "--db", db2, "quarantine", "retry"], capture_output=True, text=True)
check("quarantine retry (default caps): the report refused under --max-parts 3 is stored",
      one(db2, "SELECT count(*) FROM failure_reports WHERE reporter LIKE '%linkedin%'") == 1,
      r.stdout + r.stderr)
n_fail = one(db2, "SELECT count(*) FROM failure_reports")

rc, out, err, san = ingest(db2, case_input("hostile-attachment-exe"))
row = q(db2, "SELECT flags, attachment_count FROM failure_reports WHERE id > ?", n_fail)
check("invoice.pdf.exe: stored, flagged", rc == 0 and len(row) == 1 and
      "executable-attachment" in row[0][0] and row[0][1] == 2, repr(row))
model = json.loads(one(db2, "SELECT model FROM failure_reports WHERE id > ?", n_fail) or "{}")
check("invoice.pdf.exe: attachment flags in the stored model",
      any(a.get("name") == "invoice.pdf.exe" and "double-extension" in a.get("flags", [])
          for a in model.get("attachments", [])))
rc, out, err, san = ingest(db2, case_input("variant-abuse-not-dmarc"))
row = q(db2, "SELECT feedback_type, is_dmarc_failure FROM failure_reports "
        "WHERE feedback_type = 'abuse'")
check("Feedback-Type: abuse stored with is_dmarc_failure = 0", rc == 0 and row == [("abuse", 0)],
      repr(row))
rc, out, err, san = ingest(db2, case_input("hostile-javascript-url"))
urls = q(db2, "SELECT url, host, reg_domain FROM failure_urls ORDER BY url")
check("URLs stored one row each, with host and registered domain",
      rc == 0 and ("http://www.paypal.com@evil.example/login", "evil.example", "evil.example")
      in urls and any(u[0].startswith("javascript:") for u in urls), repr(urls))

dsn = os.path.join(T, "dsn.eml")
with open(dsn, "w") as f:
    f.write("From: MAILER-DAEMON@mx.example\nTo: a@example.com\nSubject: Undelivered\n"
            "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;"
            " boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nIt bounced.\n--b\n"
            "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
            "Final-Recipient: rfc822; x@example.org\nAction: failed\nStatus: 5.1.1\n--b--\n")
refused_with("a DSN (multipart/report of another type) refused", dsn,
             ["multipart/report of type 'delivery-status'"])

xml = open("tests/cases/0001-rfc7489-baseline/input.xml", "rb").read()
agg = os.path.join(T, "agg-failure-subject.eml")
import base64
with open(agg, "w") as f:
    f.write("From: dmarc@receiver.example\nTo: rua@example.com\n"
            "Subject: DMARC failure and forensic words in an aggregate report's subject\n"
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
            "Content-Type: text/plain\n\nAttached.\n--b\nContent-Type: application/gzip; "
            "name=\"r.xml.gz\"\nContent-Transfer-Encoding: base64\n\n" +
            base64.encodebytes(gzip.compress(xml)).decode() + "--b--\n")
rc, out, err, san = ingest(db2, agg)
check("aggregate mail whose subject says 'DMARC failure': stored as aggregate",
      rc == 0 and out.get("reports") == 1 and one(db2, "SELECT count(*) FROM reports") == 1,
      "rc=%d %s %s" % (rc, json.dumps(out), err[-300:]))

# ---- 4. --redact ---------------------------------------------------------------
db3 = os.path.join(T, "redact.db")
rc, out, err, san = ingest(db3, "--redact", *[os.path.join(fail_dir, f)
                                              for f in sorted(os.listdir(fail_dir))])
rows = q(db3, "SELECT redacted, reporter, mail_from, envelope_from, rcpt_to, model "
         "FROM failure_reports")
check("--redact: stored, redacted = 1", rc == 0 and len(rows) == 4 and
      all(r[0] == 1 for r in rows), repr([r[:5] for r in rows]))
leaks = [w for w in ("sharepoint@", "peter.pan@", "dmarc-noreply@", "sender@example.com",
                     "recipient@linkedin.com", "info@cardinal.com")
         if any(w in (c or "") for r in rows for c in r[1:])]
check("--redact: no local part left in columns or model", leaks == [], repr(leaks))
check("--redact: domains kept", all("@linkedin.com" in (r[1] or "") or "linkedin" not in
                                    (r[5] or "") for r in rows) and
      one(db3, "SELECT count(*) FROM failure_reports WHERE policy_domain = 'example.com'") == 2)
rc, out, err, san = ingest(db3, "--redact", os.path.join(fail_dir, "dmarc_ruf_report_linkedin.eml"))
check("--redact: duplicates still found (identity before redaction)",
      rc == 0 and out.get("duplicates") == 1, json.dumps(out))

db5 = os.path.join(T, "redact-retry.db")
ingest(db5, "--max-parts", "3", os.path.join(fail_dir, "dmarc_ruf_report_linkedin.eml"))
r = subprocess.run([BIN, "--db", db5, "quarantine", "retry"], capture_output=True, text=True,
                   env=dict(os.environ, DMARCSCOPE_REDACT="1"))
row = q(db5, "SELECT redacted, reporter FROM failure_reports")
check("DMARCSCOPE_REDACT=1 quarantine retry: stored redacted",
      row == [(1, "d\u2026@linkedin.com")], repr(row) + r.stderr)
rc, out, err, san = ingest(db5, "--redact", os.path.join(tls_dir, "rfc8460.json"))
row = q(db5, "SELECT contact_info FROM tls_reports")
check("--redact leaves TLS reports alone", row == [("sts-reporting@company-x.example",)], repr(row))

# ---- 5. purge --samples-older-than ----------------------------------------------
db4 = os.path.join(T, "purge.db")
ingest(db4, "tests/cases/0001-rfc7489-baseline/input.xml", *files)
aggn = one(db4, "SELECT count(*) FROM records")
r = subprocess.run([BIN, "--db", db4, "purge", "--samples-older-than", "36500", "--json"],
                   capture_output=True, text=True)
check("purge: nothing older than 100 years", r.returncode == 0 and
      json.loads(r.stdout or "{}").get("samples_purged") == 0, r.stdout + r.stderr)
r = subprocess.run([BIN, "--db", db4, "purge", "--samples-older-than", "0", "--json"],
                   capture_output=True, text=True)
check("purge: every sample purged", r.returncode == 0 and
      json.loads(r.stdout or "{}").get("samples_purged") == 4, r.stdout + r.stderr)
models = [json.loads(m) for (m,) in q(db4, "SELECT model FROM failure_reports")]
check("purge: sample headers and text gone, sample_purged = 1",
      len(models) == 4 and all(m["sample"]["headers"] == [] and m["sample"]["text"] is None for m in models) and
      one(db4, "SELECT min(sample_purged) FROM failure_reports") == 1)
check("purge: aggregate data, TLS reports and URLs untouched",
      one(db4, "SELECT count(*) FROM records") == aggn and aggn > 0 and
      one(db4, "SELECT count(*) FROM tls_reports") == 4)
r = subprocess.run([BIN, "--db", db4, "purge"], capture_output=True, text=True)
check("purge without --samples-older-than: usage error", r.returncode == 2)

print("%d passed, %d failed" % (P, F))
sys.exit(1 if F else 0)
EOF
