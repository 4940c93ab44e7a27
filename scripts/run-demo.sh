#!/bin/sh
# run-demo.sh - `make run`: generate the demo reports, ingest them into
# ./dmarcscope.db (again is fine: duplicates add nothing), print the summary,
# then start the portal in the foreground on 127.0.0.1:8080 (Ctrl-C stops).
# PORTAL_LISTEN=ADDR:PORT picks another address; PORTAL=0 skips the portal.
set -eu
DB="${DMARCSCOPE_DB:-dmarcscope.db}"
rm -rf build/demo-reports
python3 demo/gen_demo.py build/demo-reports
./build/dmarcscope --db "$DB" ingest build/demo-reports
# My Senders for the demo domains (already registered on a second run: fine)
for d in example.co.jp shop.example.jp; do
	./build/dmarcscope --db "$DB" -q senders add --domain "$d" --internal \
	    --cidr 192.0.2.0/24 --note "demo: our MTAs" >/dev/null 2>&1 || true
	./build/dmarcscope --db "$DB" -q senders add --domain "$d" --internal \
	    --cidr 2001:db8:10::/48 --note "demo: our IPv6 MTA" >/dev/null 2>&1 || true
	./build/dmarcscope --db "$DB" -q senders add --domain "$d" --third-party \
	    --service "Twilio SendGrid" --note "demo: newsletters" >/dev/null 2>&1 || true
done
echo
./build/dmarcscope --db "$DB" summary --domain example.co.jp
[ "${PORTAL:-1}" = 0 ] && exit 0
LISTEN="${PORTAL_LISTEN:-127.0.0.1:8080}"
echo
echo "Open http://$LISTEN/ in a browser (the demo data is in November 2026)."
# --offline: the demo sources are documentation addresses (RFC 5737/3849), so
# enrichment uses the offline geo data and the service map only.
exec ./build/dmarcscope --db "$DB" serve --listen "$LISTEN" --offline
