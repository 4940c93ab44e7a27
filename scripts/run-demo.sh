#!/bin/sh
# run-demo.sh - `make run`: generate the demo reports (120 days ending
# yesterday, UTC; DEMO_END=YYYY-MM-DD picks another last day), ingest them into
# ./dmarcscope.db (again is fine: duplicates add nothing), enrich their
# sources once against the demo's own servers on loopback, register the demo's
# My Senders, print the summary, then start the portal in the foreground on
# 127.0.0.1:8080 (Ctrl-C stops).  PORTAL_LISTEN=ADDR:PORT picks another
# address; PORTAL=0 stops after the summary.  DMARCSCOPE_DB=PATH another DB,
# DMARCSCOPE_BIN another binary, DEMO_WORK=DIR another scratch directory than
# build/, DEMO_SRV=DIR where the servers run (default a new /tmp folder; it is
# removed, and the servers stopped, before the portal starts) (tests/demo.sh
# uses all three).
#
# Nothing leaves the machine.  The demo's sources sit in real public ranges,
# so the bundled DB-IP country database places them; their PTR, DNSBL, AS and
# whois facts are demo data (demo/gen_demo.py servers) answered by the test
# servers of tests/servers/start.sh (unbound, rbldnsd, a canned RDAP server),
# with the AS numbers from dmarcscope-demo-asn.mmdb, the source that marks them
# as demo data in the portal.  The portal then runs with --offline.
set -eu
DB="${DMARCSCOPE_DB:-dmarcscope.db}"
BIN="${DMARCSCOPE_BIN:-./build/dmarcscope}"
W="${DEMO_WORK:-build}"
D="$W/demo"
rm -rf "$W/demo-reports" "$D"

# --- My Senders for the demo domains, before the reports so that ingest
# classifies with them (already registered on a second run: fine)
sender() {
	$BIN --db "$DB" -q senders add "$@" >/dev/null 2>&1 || true
}
for d in example.co.jp shop.example.jp; do
	sender --domain "$d" --internal --cidr 160.16.104.0/28 --note "demo: our VPS (mail, mailing list)"
	sender --domain "$d" --third-party --service Microsoft --note "demo: our mailboxes (Microsoft 365)"
done
sender --domain example.co.jp --third-party --service "Twilio SendGrid" --note "demo: newsletter, web form"
sender --domain shop.example.jp --third-party --service "Amazon SES" --note "demo: order mail"

# --- the reports
python3 demo/gen_demo.py reports "$W/demo-reports"
$BIN --db "$DB" ingest --no-progress "$W/demo-reports"

# --- the demo's host facts
python3 demo/gen_demo.py servers "$D" >/dev/null
perl demo/make-asn-mmdb.pl "$D/asn.tsv" "$D/dmarcscope-demo-asn.mmdb"
if [ -n "${DEMO_SRV:-}" ]; then SRV=$DEMO_SRV; mkdir -p "$SRV"; else SRV=$(mktemp -d /tmp/dmarcscope-demo.XXXXXX); fi
# the servers run in $SRV/s (start.sh's DIR): stop.sh is given that folder
trap 'sh tests/servers/stop.sh "$SRV/s"; rmdir "$SRV" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
if ENRICH_DNS_CONF="$D/dns.conf" ENRICH_RBL_DIR="$D" ENRICH_RBL_ZONES="$(cat "$D/rbl-zones")" \
    ENRICH_RDAP_DIR="$D/rdap" ENRICH_NO_MMDB=1 sh tests/servers/start.sh "$SRV/s" >"$D/servers.log" 2>&1; then
	. "$SRV/s/env"
	mkdir -p "$D/rdap-bootstrap"
	for fam in 4 6; do
		printf '{"description": "dmarcscope demo: its networks to the demo RDAP server on loopback",\n "publication": "2026-01-01T00:00:00Z", "version": "1.0",\n "services": [[%s, ["http://127.0.0.1:%s/rdap/"]]]}\n' \
		    "$(cat "$D/rdap-prefixes$fam")" "$RDAP_PORT" > "$D/rdap-bootstrap/ipv$fam.json"
	done
	DMARCSCOPE_ENRICH_LOOPBACK_ONLY=1 $BIN --db "$DB" enrich --dns "$DNS" \
	    --dnsbl "$(cat "$D/dnsbl")" --asn-mmdb "$D/dmarcscope-demo-asn.mmdb" \
	    --rdap-bootstrap "$D/rdap-bootstrap" --no-progress
else
	# the portal still works; its background enrichment (--offline) fills the countries
	tail -3 "$D/servers.log" >&2
	echo "run-demo.sh: the demo's servers did not start (make deps installs unbound and rbldnsd): no reverse DNS, DNSBL, AS or whois in the demo" >&2
fi
sh tests/servers/stop.sh "$SRV/s"
rmdir "$SRV" 2>/dev/null || true
trap - EXIT

echo
$BIN --db "$DB" summary --domain example.co.jp
[ "${PORTAL:-1}" = 0 ] && exit 0
LISTEN="${PORTAL_LISTEN:-127.0.0.1:8080}"
echo
echo "Open http://$LISTEN/ in a browser ($(ls "$W/demo-reports" | wc -l) demo reports; host facts other than the country are demo data)."
exec $BIN --db "$DB" serve --listen "$LISTEN" --offline
