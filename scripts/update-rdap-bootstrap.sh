#!/bin/sh
# update-rdap-bootstrap.sh [DIR] - fetch IANA's RDAP bootstrap files
# (RFC 9224: ipv4.json, ipv6.json, asn.json) into DIR (default data/rdap,
# next to this script), checking that each is JSON with a "services" array
# before it replaces the old one.  Needs curl and python3, and the network:
# this is for users and packagers, never run by the tests.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$HERE/data/rdap}
BASE=${RDAP_BOOTSTRAP_BASE:-https://data.iana.org/rdap}
mkdir -p "$DIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in ipv4.json ipv6.json asn.json; do
	echo "fetching $BASE/$f" >&2
	curl -fsS --max-time 60 --proto '=https' -o "$tmp/$f" "$BASE/$f"
	python3 - "$tmp/$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
if not isinstance(d.get("services"), list) or not d["services"]:
    sys.exit("%s: no services" % sys.argv[1])
print("%s: %d services, published %s" % (sys.argv[1].rsplit("/", 1)[-1],
      len(d["services"]), d.get("publication")), file=sys.stderr)
PY
done
for f in ipv4.json ipv6.json asn.json; do
	mv "$tmp/$f" "$DIR/$f"
done
echo "updated $DIR" >&2
