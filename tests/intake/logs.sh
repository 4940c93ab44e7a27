#!/bin/sh
# logs.sh BINARY - log lines (issue 16): every refusal is one line on stderr
# with the input, the reason, the message's Message-ID (when it is mail) and
# its archive id; `quarantine retry` says the same of what is still refused;
# with --syslog nothing of it goes to stderr, and under a private /dev/log (a
# mount namespace: unshare -m, a tmpfs on /dev, a Python listener on
# /dev/log) each refusal arrives as one datagram, facility mail, severity
# warning, ident dmarcscope with its pid, with the same text.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/ds-logs.XXXXXX)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
unset DMARCSCOPE_DB LC_ALL
export LANG=C

# Three refused inputs: a mail with no report, a mail whose attachment is
# a broken gzip (its name in a folded header), an XML file that is no report.
mkdir -p "$T/in"
printf 'From: a@example.net\r\nTo: dmarc@example.com\r\nMessage-ID: <no-report.1@example.net>\r\nSubject: hello\r\n\r\njust text\r\n' >"$T/in/1.eml"
{
	printf 'From: b@example.net\r\nTo: dmarc@example.com\r\nMessage-ID: <broken.2@example.net>\r\n'
	printf 'Subject: Report Domain: example.com\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n'
	printf -- '--b\r\nContent-Type: application/gzip\r\nContent-Disposition: attachment; filename="a\r\n b.xml.gz"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\nH4sIAAAAAAAAA0vMycsHAA==garbage\r\n--b--\r\n'
} >"$T/in/2.eml"
printf '<?xml version="1.0"?><feedback><report_metadata></report_metadata></feedback>\n' >"$T/in/3.xml"

"$BIN" --db "$T/a.db" ingest "$T/in" >/dev/null 2>"$T/err"
check "ingest: exit 1 (refused)" "$?" 1
NREF=$(grep -c '^dmarcscope: refused ' "$T/err")
check "three refusal lines" "$NREF" 3
check "every stderr line is a whole event (dmarcscope: ..., then the totals)" \
    "$(grep -v '^dmarcscope: ' "$T/err")" "3 messages: 0 new reports (0 records, 0 messages counted), 0 duplicates, 3 refused"
check "the mail without a report: reason, Message-ID, archive id" \
    "$(grep -c "refused $T/in/1.eml: no DMARC aggregate, failure or TLS report found.* (Message-ID <no-report.1@example.net>; archive [0-9][0-9]*)$" "$T/err")" 1
check "the broken attachment: its reason and the mail's Message-ID" \
    "$(grep -c "refused $T/in/2.eml: .*gzip.*(Message-ID <broken.2@example.net>; archive [0-9][0-9]*)$" "$T/err")" 1
check "the XML file: reason, no Message-ID, archive id" \
    "$(grep -c "refused $T/in/3.xml: .*(no Message-ID; archive [0-9][0-9]*)$" "$T/err")" 1
ARCH=$(sed -n 's/.*no-report\.1@example\.net>; archive \([0-9]*\))$/\1/p' "$T/err")
check "the archive id is the message's" "$(sqlite3 "$T/a.db" "SELECT source FROM raw_messages WHERE id = ${ARCH:-0}")" "$T/in/1.eml"

"$BIN" --db "$T/a.db" quarantine retry >/dev/null 2>"$T/rerr"
check "quarantine retry: each still refused, with its Message-ID" \
    "$(grep -c "still refused .*(Message-ID <no-report.1@example.net>; archive $ARCH)$" "$T/rerr"):$(grep -c '^dmarcscope: still refused' "$T/rerr")" "1:3"

# an input whose name holds a line break: still one line
mkdir -p "$T/nl"; cp "$T/in/3.xml" "$T/nl/bad
name.xml"
"$BIN" --db "$T/n.db" ingest "$T/nl" >/dev/null 2>"$T/nlerr"
check "a line break in the input's name: one line, a space instead" \
    "$(grep -c "^dmarcscope: refused $T/nl/bad name.xml: .*(no Message-ID; archive 1)$" "$T/nlerr"):$(wc -l <"$T/nlerr")" "1:2"

# --syslog: accepted, and nothing on stderr
"$BIN" --syslog --db "$T/b.db" ingest "$T/in" >/dev/null 2>"$T/serr"
check "--syslog: the same exit status" "$?" 1
check "--syslog: no refusal line on stderr" "$(grep -c refused "$T/serr")" 0
check "--syslog: stderr empty" "$(wc -c <"$T/serr")" 0
"$BIN" --syslog --db "$T/b.db" no-such-command >/dev/null 2>"$T/serr2"
check "--syslog: a usage error still exits 2" "$?" 2

# a private /dev/log: what syslog receives
cat >"$T/listen.py" <<'EOP'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[2], "w").close()	# ready
with open(sys.argv[1], "w") as out:
    while True:
        d = s.recv(65536).decode("utf-8", "replace")
        if d == "STOP":
            break
        if "\n" in d:
            open(sys.argv[1] + ".broken", "a").write(d)
        out.write(d + "\n")
        out.flush()
EOP
cat >"$T/ns.sh" <<EON
set -e
mkdir -p "$T/olddev"
mount --bind /dev "$T/olddev"
mount -t tmpfs tmpfs /dev
for f in null zero random urandom; do touch /dev/\$f; mount --bind "$T/olddev/\$f" /dev/\$f; done
python3 "$T/listen.py" "$T/syslog.txt" "$T/ready" &
for _ in \$(seq 50); do [ -f "$T/ready" ] && break; sleep 0.1; done
set +e
"$BIN" --syslog --db "$T/c.db" ingest "$T/in" >/dev/null 2>"$T/nserr"
echo \$? >"$T/nsrc"
python3 -c 'import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"STOP", "/dev/log")'
wait
EON
if unshare -m sh "$T/ns.sh" 2>"$T/ns.err"; then
	check "under a private /dev/log: exit 1" "$(cat "$T/nsrc")" 1
	check "... nothing on stderr" "$(wc -c <"$T/nserr")" 0
	check "... one datagram per refusal" "$(grep -c ' refused ' "$T/syslog.txt")" "$NREF"
	check "... each mail.warning (<20>), ident dmarcscope with its pid" \
	    "$(grep ' refused ' "$T/syslog.txt" | grep -c '^<20>.* dmarcscope\[[0-9][0-9]*\]: refused ')" "$NREF"
	check "... with the Message-ID and archive id" \
	    "$(grep -c "refused $T/in/1.eml: no DMARC .*(Message-ID <no-report.1@example.net>; archive [0-9][0-9]*)$" "$T/syslog.txt")" 1
	check "... no line break inside a datagram" "$(cat "$T/syslog.txt.broken" 2>/dev/null | wc -c)" 0
	check "... the run's totals, one mail.info (<22>) line" \
	    "$(grep -c '^<22>.* dmarcscope\[[0-9]*\]: ingest: 3 messages: 0 new reports .*, 3 refused$' "$T/syslog.txt")" 1
	# the same text as on stderr
	sed -n 's/^<20>.* dmarcscope\[[0-9]*\]: \(refused \)/\1/p' "$T/syslog.txt" | sed "s|$T/||" | sed 's/archive [0-9]*/archive N/' | sort >"$T/a1"
	sed -n 's/^dmarcscope: //p' "$T/err" | sed "s|$T/||" | sed 's/archive [0-9]*/archive N/' | sort >"$T/a2"
	check "... the same lines as on stderr" "$(cmp -s "$T/a1" "$T/a2" && echo same)" same
elif grep -q 'propagation' "$T/ns.err"; then
	# a chroot whose / is no mount point (a fresh-machine root): no private
	# mount namespace can be made there, so the /dev/log part cannot run
	echo "skip unshare -m: $(head -c 200 "$T/ns.err") (the syslog checks need a mount namespace)"
else
	ko "unshare -m (a private /dev/log) failed: $(head -c 300 "$T/ns.err")"
fi
finish
