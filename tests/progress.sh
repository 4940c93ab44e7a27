#!/bin/sh
# progress.sh BINARY - the progress bars of the long commands (issue 16):
# ingest, reanalyze, quarantine retry and enrich draw the same bar
# ("[###...]  NN%  ...", redrawn with \r, erased with ESC [K) on stderr when
# it is a terminal (a pty made by tests/ptyrun.py), and never when stderr
# is a pipe or a file, with --no-progress, -q, or --syslog.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${CORPUS:-$HERE/../../shared/corpus/real}
T=$(mktemp -d /tmp/ds-progress.XXXXXX)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
unset DMARCSCOPE_DB LC_ALL
export LANG=C
[ -d "$CORPUS/aggregate" ] || { ko "corpus $CORPUS missing"; finish; }
python3 "$HERE/intake/mkmsgs.py" "$CORPUS" "$T/msgs" >/dev/null
printf '<?xml version="1.0"?><feedback></feedback>\n' >"$T/msgs/zz.xml"	# a second refusal
D="--db $T/d.db"
pty() { out=$1; shift; python3 "$HERE/ptyrun.py" "$out" "$@"; }
ESC=$(printf '\033')
# a bar: "[" 30 cells "]", a percentage, the erase to the end of the line
bar() { grep -c "\[[#.]\{30\}\] *[0-9]\{1,3\}%  $2.*$ESC\[K" "$1"; }
# (a pty turns \n into \r\n: a bare \r is no sign of a bar there)
clean() { if grep -q -e "$ESC" -e '\[[#.]\{30\}\]' "$1"; then echo drawn; else echo clean; fi; }

pty "$T/ingest.tty" "$BIN" $D ingest "$T/msgs"
check "ingest on a terminal: exit 1 (two refused)" "$?" 1
check "ingest on a terminal: the bar, with the totals at the end" \
    "$(bar "$T/ingest.tty" '30 messages  25 reports  3 duplicates  2 refused')" 1
"$BIN" --db "$T/p.db" ingest "$T/msgs" >/dev/null 2>"$T/ingest.pipe"
check "ingest into a file: no bar" "$(clean "$T/ingest.pipe")" clean

# --jobs: the parent draws one bar over its workers' totals; a worker's
# refusal line takes the bar off its line first
pty "$T/jobs.tty" "$BIN" --db "$T/j.db" ingest --jobs 3 "$T/msgs"
check "ingest --jobs 3 on a terminal: exit 1 (two refused)" "$?" 1
check "ingest --jobs 3 on a terminal: one bar, with the totals at the end" \
    "$(bar "$T/jobs.tty" '30 messages  25 reports  3 duplicates  2 refused')" 1
check "ingest --jobs 3 on a terminal: each refusal line starts clean" \
    "$(grep -c "$ESC\[Kdmarcscope: refused" "$T/jobs.tty")" 2
"$BIN" --db "$T/j2.db" ingest --jobs 3 "$T/msgs" >/dev/null 2>"$T/jobs.pipe"
check "ingest --jobs 3 into a file: no bar" "$(clean "$T/jobs.pipe")" clean

pty "$T/re.tty" "$BIN" $D reanalyze
check "reanalyze on a terminal: exit 0" "$?" 0
check "reanalyze on a terminal: the bar with the records" "$(bar "$T/re.tty" '[0-9]* of [0-9]* records' | grep -c '^[1-9]')" 1
check "reanalyze on a terminal: erased at the end" "$(tail -c 4 "$T/re.tty" | od -An -c | tr -d ' \n')" '\r033[K'
"$BIN" $D reanalyze >/dev/null 2>"$T/re.pipe"
check "reanalyze into a file: no bar" "$(clean "$T/re.pipe")" clean
pty "$T/re.np" "$BIN" $D reanalyze --no-progress
check "reanalyze --no-progress on a terminal: no bar" "$(clean "$T/re.np")" clean
pty "$T/re.q" "$BIN" -q $D reanalyze
check "reanalyze -q on a terminal: no bar" "$(clean "$T/re.q")" clean
pty "$T/re.sl" "$BIN" --syslog $D reanalyze
check "reanalyze --syslog on a terminal: no bar" "$(clean "$T/re.sl")" clean

pty "$T/qr.tty" "$BIN" $D quarantine retry
check "quarantine retry on a terminal: exit 1 (still refused)" "$?" 1
check "quarantine retry on a terminal: the bar with the entries" \
    "$(bar "$T/qr.tty" '2 of 2 entries  0 resolved  2 still refused')" 1
check "quarantine retry: the bar is erased before a refusal line" \
    "$(grep -c "$ESC\[Kdmarcscope: still refused" "$T/qr.tty")" 1
"$BIN" $D quarantine retry >/dev/null 2>"$T/qr.pipe"
check "quarantine retry into a file: no bar" "$(clean "$T/qr.pipe")" clean

pty "$T/en.tty" "$BIN" $D enrich --offline
check "enrich on a terminal: exit 0" "$?" 0
check "enrich on a terminal: the bar with the hosts" \
    "$(bar "$T/en.tty" 'enrich: [0-9]*/[0-9]* hosts' | grep -c '^[1-9]')" 1
"$BIN" $D enrich --offline --refresh >/dev/null 2>"$T/en.pipe"
check "enrich into a file: no bar" "$(clean "$T/en.pipe")" clean
finish
