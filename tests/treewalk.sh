#!/bin/sh
# treewalk.sh BINARY - the RFC 9989 DNS tree walk as the source of
# organizational domains (`reanalyze --dns`), against a real unbound on
# loopback serving the DMARC records in tests/fixtures/treewalk/dns.conf.
#
# The report's SPF domain other.example.test aligns with header From
# x.mail.example.test under the PSL (both example.test) but not under the
# tree walk (psd=n at mail.example.test).  Prints ok/FAIL lines and
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BIN=${1:-build/dmarcscope}
T=$(mktemp -d /tmp/dmarcscope-treewalk.XXXXXX)
P=0 F=0
ok() { P=$((P + 1)); echo "ok   $1"; }
ko() { F=$((F + 1)); echo "FAIL $1"; }
cleanup() { sh tests/servers/stop.sh "$T/srv" >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT INT TERM
spf_aligned() {
	"$BIN" --db "$T/db" stats --json --only summary --domain x.mail.example.test |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["spf_aligned"])'
}
export DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1
if ! ENRICH_DNS_CONF=tests/fixtures/treewalk/dns.conf ENRICH_NO_MMDB=1 \
    sh tests/servers/start.sh "$T/srv" >"$T/start.log" 2>&1; then
	cat "$T/start.log"
	ko "loopback DNS server started"
	echo "$P passed, $F failed"
	exit 1
fi
. "$T/srv/env"
"$BIN" --db "$T/db" -q ingest tests/fixtures/treewalk/report.xml
[ "$(spf_aligned)" = 7 ] && ok "PSL: other.example.test aligns with x.mail.example.test" ||
    ko "PSL alignment (got $(spf_aligned))"
out=$("$BIN" --db "$T/db" reanalyze --dns "$DNS" 2>&1)
[ "$(spf_aligned)" = 0 ] && ok "tree walk: psd=n at mail.example.test splits them" ||
    ko "tree-walk alignment (got $(spf_aligned)): $out"
echo "$out" | grep -q "tree walk: [1-9][0-9]* name(s) walked, 0 fell back" &&
    ok "reanalyze reports the walks" || ko "walk counts: $out"
"$BIN" --db "$T/db" reanalyze --dns "$BLACKHOLE" --dns-timeout 200 >"$T/bh.out" 2>&1
[ "$(spf_aligned)" = 7 ] && ok "a resolver that never answers falls back to the PSL" ||
    ko "fallback (got $(spf_aligned))"
grep -q "fell back to the PSL" "$T/bh.out" && ! grep -q " 0 fell back" "$T/bh.out" &&
    ok "the fallbacks are counted" || ko "fallback counts: $(cat "$T/bh.out")"
"$BIN" --db "$T/db" reanalyze --dns "no-such-server:x" >/dev/null 2>"$T/bad.err"
[ $? = 2 ] && grep -q "dns" "$T/bad.err" && ok "a bad --dns is a usage error" ||
    ko "bad --dns: $(cat "$T/bad.err")"
echo "$P passed, $F failed"
[ "$F" = 0 ]
