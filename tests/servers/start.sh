#!/bin/sh
# start.sh DIR - start the loopback servers the enrichment tests and the
# enrichment bench talk to, with state in DIR (created; must not exist or be
# empty).  Nothing listens beyond 127.0.0.1, and the resolver refuses every
# name it does not serve itself, so nothing ever leaves the machine.
#
#   unbound   PTR, A, AAAA, TXT and Team Cymru data from $ENRICH_DNS_CONF;
#             stubs the DNSBL zones to rbldnsd and 100.51.198.in-addr.arpa
#             to the SERVFAIL server; refuses everything else ("." refuse)
#   rbldnsd   the DNSBL zones ($ENRICH_RBL_ZONES, files in $ENRICH_RBL_DIR)
#   dnsfail   a server answering SERVFAIL to everything, and a "black hole"
#             that never answers (tests/servers/dnsfail.py)
#   rdap      canned RDAP JSON (tests/servers/rdap.py, files in $ENRICH_RDAP_DIR)
#
# Ports are picked free at start.  DIR/env then holds shell assignments:
#   DNS=127.0.0.1:P  SERVFAIL=127.0.0.1:P  BLACKHOLE=127.0.0.1:P  RBL_PORT=P
#   RDAP_PORT=P  RDAP_LOG=FILE  BOOTSTRAP=DIR (IANA-format files pointing at the
#   canned server)  MMDB=DIR (the fixture databases, built by make-mmdb.pl)
# and DIR/stop.sh stops every server started here (by pid; tests/servers/stop.sh
# DIR runs it).  Exit status 0 when every server answered, else 1 (with the
# servers that did start already stopped).
#
# Environment (all optional; the defaults are the test fixtures):
#   ENRICH_DNS_CONF    unbound server-clause lines (tests/fixtures/enrich/dns.conf)
#   ENRICH_RBL_ZONES   rbldnsd zone specs, space separated
#   ENRICH_RBL_DIR     directory with the files the specs name
#   ENRICH_RDAP_DIR    canned RDAP answers (tests/fixtures/enrich/rdap)
#   ENRICH_NO_MMDB=1   skip building the mmdb fixtures
#   UNBOUND_THREADS    unbound num-threads (1)
set -eu
[ $# -eq 1 ] || { echo "usage: start.sh DIR" >&2; exit 2; }
T=$1
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$(cd "$HERE/../fixtures/enrich" && pwd)
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
DNS_CONF=${ENRICH_DNS_CONF:-$FIX/dns.conf}
RBL_DIR=${ENRICH_RBL_DIR:-$FIX}
RBL_ZONES=${ENRICH_RBL_ZONES:-"rbl.test:ip4trie:rbl.zone rbl.test:ip6trie:rbl6.zone zen.spamhaus.org:ip4trie:zen-xbl.zone zen.spamhaus.org:ip4trie:zen-pbl.zone"}
RDAP_DIR=${ENRICH_RDAP_DIR:-$FIX/rdap}
THREADS=${UNBOUND_THREADS:-1}

for c in unbound rbldnsd dig; do
	command -v $c >/dev/null 2>&1 || [ -x /usr/sbin/$c ] || {
		echo "start.sh: $c is not installed (make deps)" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin
mkdir -p "$T"
T=$(cd "$T" && pwd)
chmod 755 "$T"
mkdir -p "$T/dns" "$T/rbl" "$T/rdap-bootstrap"
chmod 755 "$T/dns" "$T/rbl"
: > "$T/stop.sh"

# shellcheck disable=SC2046
set -- $($PY "$HERE/freeports.py" 5)
DNS_PORT=$1 RBL_PORT=$2 FAIL_PORT=$3 HOLE_PORT=$4 RDAP_PORT=$5

fail() {
	echo "start.sh: $*" >&2
	sh "$T/stop.sh" >/dev/null 2>&1 || true
	exit 1
}
addstop() {	# pidfile
	echo "[ -f '$1' ] && kill \$(cat '$1') 2>/dev/null; rm -f '$1'" >> "$T/stop.sh"
}
waitfile() {	# file
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$1" ]
}

# --- rbldnsd
stubs=""
specs=""
for z in $RBL_ZONES; do
	name=${z%%:*}
	file=${z##*:}
	cp "$RBL_DIR/$file" "$T/rbl/$file"
	chmod 644 "$T/rbl/$file"
	specs="$specs $z"
	case " $stubs " in *" $name "*) ;; *) stubs="$stubs $name" ;; esac
done
# -q quiet, -b address/port, -u user, -w directory of the zone files, -p pid file
# shellcheck disable=SC2086
rbldnsd -q -b 127.0.0.1/$RBL_PORT -u nobody -w "$T/rbl" -p "$T/rbl/rbldnsd.pid" $specs \
    </dev/null >"$T/rbl/rbldnsd.log" 2>&1 || fail "rbldnsd did not start: $(cat "$T/rbl/rbldnsd.log")"
waitfile "$T/rbl/rbldnsd.pid" || fail "rbldnsd wrote no pid file"
addstop "$T/rbl/rbldnsd.pid"

# --- SERVFAIL server and black hole
$PY "$HERE/dnsfail.py" $FAIL_PORT servfail "$T/dns/servfail.pid" </dev/null >"$T/dns/servfail.log" 2>&1 &
waitfile "$T/dns/servfail.pid" || fail "dnsfail.py servfail did not start"
addstop "$T/dns/servfail.pid"
$PY "$HERE/dnsfail.py" $HOLE_PORT blackhole "$T/dns/blackhole.pid" </dev/null >"$T/dns/blackhole.log" 2>&1 &
waitfile "$T/dns/blackhole.pid" || fail "dnsfail.py blackhole did not start"
addstop "$T/dns/blackhole.pid"

# --- unbound
{
	cat <<EOF
server:
  interface: 127.0.0.1
  port: $DNS_PORT
  do-ip6: no
  do-daemonize: yes
  num-threads: $THREADS
  num-queries-per-thread: 4096
  outgoing-range: 8192
  so-rcvbuf: 4m
  so-sndbuf: 4m
  so-reuseport: yes
  username: ""
  chroot: ""
  directory: "$T/dns"
  pidfile: "$T/dns/unbound.pid"
  use-syslog: no
  logfile: "$T/dns/unbound.log"
  verbosity: 0
  module-config: "iterator"
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  local-zone: "." refuse
  local-zone: "100.51.198.in-addr.arpa." transparent
EOF
	for z in $stubs; do echo "  local-zone: \"$z.\" transparent"; done
	sed 's/^/  /' "$DNS_CONF"
	cat <<EOF
stub-zone:
  name: "100.51.198.in-addr.arpa."
  stub-addr: 127.0.0.1@$FAIL_PORT
EOF
	for z in $stubs; do
		printf 'stub-zone:\n  name: "%s."\n  stub-addr: 127.0.0.1@%s\n' "$z" "$RBL_PORT"
	done
	printf 'remote-control:\n  control-enable: no\n'
} > "$T/dns/unbound.conf"
unbound-checkconf "$T/dns/unbound.conf" >"$T/dns/checkconf.log" 2>&1 ||
    fail "unbound.conf: $(cat "$T/dns/checkconf.log")"
unbound -c "$T/dns/unbound.conf" </dev/null >"$T/dns/unbound.out" 2>&1 ||
    fail "unbound did not start: $(cat "$T/dns/unbound.out" "$T/dns/unbound.log" 2>/dev/null)"
waitfile "$T/dns/unbound.pid" || fail "unbound wrote no pid file"
addstop "$T/dns/unbound.pid"

# --- canned RDAP server
$PY "$HERE/rdap.py" $RDAP_PORT "$RDAP_DIR" "$T/rdap.log" "$T/rdap.pid" </dev/null \
    >"$T/rdap.out" 2>&1 &
waitfile "$T/rdap.pid" || fail "rdap.py did not start"
addstop "$T/rdap.pid"
cat > "$T/rdap-bootstrap/ipv4.json" <<EOF
{"description": "test bootstrap: documentation networks to the canned RDAP server",
 "publication": "2026-01-01T00:00:00Z", "version": "1.0",
 "services": [[["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"],
               ["http://127.0.0.1:$RDAP_PORT/rdap/"]]]}
EOF
cat > "$T/rdap-bootstrap/ipv6.json" <<EOF
{"description": "test bootstrap", "publication": "2026-01-01T00:00:00Z", "version": "1.0",
 "services": [[["2001:db8::/32"], ["http://127.0.0.1:$RDAP_PORT/rdap/"]]]}
EOF
: > "$T/rdap.log"

# --- mmdb fixtures
if [ "${ENRICH_NO_MMDB:-0}" != 1 ]; then
	mkdir -p "$T/mmdb"
	perl "$FIX/make-mmdb.pl" "$T/mmdb" >"$T/mmdb.log" 2>&1 ||
	    fail "make-mmdb.pl: $(cat "$T/mmdb.log")"
fi

# --- wait until everything answers
i=0
until dig +time=1 +tries=1 @127.0.0.1 -p "$DNS_PORT" example.com TXT 2>/dev/null | grep -q 'status: '; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "unbound does not answer on port $DNS_PORT"
	sleep 0.1
done
first=${stubs# }
first=${first%% *}
i=0
until dig +time=1 +tries=1 @127.0.0.1 -p "$RBL_PORT" "2.0.0.127.$first" A 2>/dev/null | grep -q 'status: '; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "rbldnsd does not answer on port $RBL_PORT"
	sleep 0.1
done
i=0
until $PY -c "import socket,sys; socket.create_connection(('127.0.0.1', $RDAP_PORT), 1)" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "rdap.py does not listen on port $RDAP_PORT"
	sleep 0.1
done

cat > "$T/env" <<EOF
DNS=127.0.0.1:$DNS_PORT
SERVFAIL=127.0.0.1:$FAIL_PORT
BLACKHOLE=127.0.0.1:$HOLE_PORT
RBL_PORT=$RBL_PORT
RDAP_PORT=$RDAP_PORT
RDAP_LOG=$T/rdap.log
BOOTSTRAP=$T/rdap-bootstrap
MMDB=$T/mmdb
EOF
exit 0
