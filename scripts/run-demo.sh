#!/bin/sh
# run-demo.sh - `make run`: generate the demo reports, ingest them into
# ./dmarcscope.db (again is fine: duplicates add nothing), print the summary,
# then start the portal in the foreground on 127.0.0.1:8080 (Ctrl-C stops).
# PORTAL_LISTEN=ADDR:PORT picks another address; PORTAL=0 skips the portal.
set -eu
DB="${DMARCSCOPE_DB:-dmarcscope.db}"
python3 demo/gen_demo.py build/demo-reports
./build/dmarcscope --db "$DB" ingest build/demo-reports
echo
./build/dmarcscope --db "$DB" summary
[ "${PORTAL:-1}" = 0 ] && exit 0
LISTEN="${PORTAL_LISTEN:-127.0.0.1:8080}"
echo
echo "Open http://$LISTEN/ in a browser (the demo data is in November 2026)."
# --offline: the demo sources are documentation addresses (RFC 5737/3849), so
# enrichment uses the offline geo data and the service map only.
exec ./build/dmarcscope --db "$DB" serve --listen "$LISTEN" --offline
