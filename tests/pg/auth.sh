#!/bin/sh
# auth.sh [BIN] - provider mode and alerts on PostgreSQL (issue 17), against
# SQLite, with real components on loopback: a throwaway PostgreSQL 15
# (tests/servers/pg.sh), `dmarcscope serve`, aiosmtpd and the webhook
# receiver of tests/alerts/.
#   1. the provider CLI (tenant, domain, user, token, audit): the same
#      commands on both backends give the same output, exit status and ids;
#   2. login over HTTP on PostgreSQL: the same answers as on SQLite (login,
#      CSRF, password change, logout, lockout, API tokens), sessions stored
#      hashed, the audit log;
#   3. alerts: a month of reports day by day (tests/alerts/gen_month.py),
#      `alerts run` after each day, then list, ack, settings, test: the same
#      alerts, deliveries and mails on both backends;
#   4. several nodes: four `alerts run` processes at once on one PostgreSQL
#      over ten domains' months: every alert once, every mail and webhook
#      call once, the same alerts as one process on SQLite.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
T=$(mktemp -d /tmp/dmarcscope-pgauth.XXXXXX)
chmod 755 "$T"
PIDS="" PGDIR=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -n "$PGDIR" ] && sh tests/servers/pg.sh stop "$PGDIR" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
unset DMARCSCOPE_DB DMARCSCOPE_NOW LC_ALL LC_MESSAGES
export LANG=C
export DMARCSCOPE_SERVICES="$ROOT/data/services.csv"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }
finish() { echo "$pass passed, $fail failed"; exit 0; }

# comparisons of two failures would pass: the binary must run
if ! "$BIN" --version >/dev/null 2>&1; then
	ko "$BIN does not run"
	finish
fi

# ---- PostgreSQL ------------------------------------------------------------------------------
PGDIR=$T/pg
if ! PGURL=$(sh tests/servers/pg.sh start "$PGDIR" 2>"$T/pg.err"); then
	ko "PostgreSQL does not start: $(tail -3 "$T/pg.err")"
	PGDIR=""
	finish
fi
newdb() { sh tests/servers/pg.sh newdb "$PGDIR" "$1"; }	# NAME -> a fresh database's DSN
pq() { psql -qXAt "$1" -c "$2"; }
sq() { sqlite3 "$1" "$2"; }

# ---- 1. the provider CLI on both backends ----------------------------------------------------
SDB=$T/cli.db
PDB=$(newdb p4_cli)
report() {	# DOMAIN ID
	cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>google.com</org_name><email>noreply@google.com</email>
<report_id>$2</report_id><date_range><begin>1711929600</begin><end>1712015999</end></date_range></report_metadata>
<policy_published><domain>$1</domain><adkim>r</adkim><aspf>r</aspf><p>none</p></policy_published>
<record><row><source_ip>192.0.2.10</source_ip><count>3</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
<identifiers><header_from>$1</header_from></identifiers>
<auth_results><spf><domain>$1</domain><result>pass</result></spf></auth_results></record></feedback>
XML
}
report orphan.example r1 >"$T/r1.xml"
report acme.example r2 >"$T/r2.xml"
# one command a line: [STDIN-LINE |] ARGS
cat >"$T/cli.cmds" <<'EOF'
ingest @T/r1.xml @T/r2.xml
tenant add acme
tenant add acme
tenant add beta
tenant add Bad/Name
tenant list
domain assign acme.example acme
domain assign acme.example acme
domain assign acme.example beta
domain assign beta.example beta
domain assign gamma.example nosuch
domain list
domain list --tenant acme --json
domain list --unassigned
secret-ops-1 | user add ops --role operator --password-stdin
secret-al-1 | user add al --role admin --tenant acme --password-stdin
secret-al-1 | user add al --role viewer --tenant acme --password-stdin
secret-vi-1 | user add vi --role viewer --tenant beta --password-stdin
secret-xx-1 | user add xx --role admin --password-stdin
short | user add yy --role admin --tenant acme --password-stdin
user list
user list --json
user list --tenant acme
user list --operators --json
secret-al-2 | user passwd al --password-stdin
user disable vi
user list --tenant beta --json
user enable vi
token add --tenant acme --name ci
token add --tenant beta --scope write
token add --tenant beta --scope admin
token list --json
token list --tenant beta
token rm 1
token rm 1
token rm 99
tenant list --json
tenant disable beta
tenant list --json
tenant enable beta
tenant rm beta
tenant rm beta --force
tenant list --json
user list --json
token list --json
domain list --json
user rm al
user rm al
user list --json
tenant audit --json --limit 200
tenant audit acme --limit 200
tenant audit --limit 0
EOF
cli_run() {	# DB OUT
	while IFS= read -r line; do
		case $line in
		*" | "*) input=${line%% | *}; args=${line#* | } ;;
		*) input=""; args=$line ;;
		esac
		args=$(echo "$args" | sed "s|@T|$T|g")
		# shellcheck disable=SC2086
		printf '%s\n' "$input" | "$BIN" --db "$1" $args >"$T/o" 2>"$T/e"
		rc=$?
		{ echo "== $line"; echo "exit $rc"; cat "$T/o" "$T/e"; } |
		    sed -E 's/dms_[A-Za-z0-9_-]{43}/dms_TOKEN/g; s/dms_[A-Za-z0-9_-]{8}/dms_PREFIX/g;
		    s/"(created_at|pw_changed_at|at|last_used|revoked_at)": [1-9][0-9]{9}/"\1": TIME/g;
		    s/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2})?Z/DATE/g;
		    s/cli:[a-z0-9_-]+/cli:USER/g'
	done <"$T/cli.cmds" >"$2"
}
cli_run "$SDB" "$T/cli.sqlite"
cli_run "$PDB" "$T/cli.pg"
python3 - "$T/cli.sqlite" "$T/cli.pg" >"$T/cli.cmp" <<'PYEOF'
import sys
def blocks(p):
    out, cur = [], None
    for l in open(p, encoding="utf-8", errors="replace"):
        if l.startswith("== "):
            cur = [l[3:].rstrip("\n"), []]
            out.append(cur)
        elif cur is not None:
            cur[1].append(l)
    return out
a, b = blocks(sys.argv[1]), blocks(sys.argv[2])
for (ca, la), (cb, lb) in zip(a, b):
    print(("same " if la == lb else "DIFF ") + ca)
    if la != lb:
        print("  sqlite: " + "".join(la)[:400].replace("\n", " | "))
        print("  pg:     " + "".join(lb)[:400].replace("\n", " | "))
if len(a) != len(b):
    print("DIFF block count %d %d" % (len(a), len(b)))
PYEOF
while IFS= read -r l; do
	case $l in
	"same "*) ok "cli, same on both backends: ${l#same }" ;;
	"DIFF "*) ko "cli, backends differ: ${l#DIFF }" ;;
	*) echo "$l" ;;
	esac
done <"$T/cli.cmp"
check "cli: the commands ran (SQLite: tenant, user, token added)" \
    "$(grep -c -e '^tenant acme added' -e '^user al added' -e '^token 1 for tenant acme' "$T/cli.sqlite")" "3"
check "cli (pg): rows as on SQLite: tenants users tokens domains audit" \
    "$(pq "$PDB" "SELECT (SELECT count(*) FROM tenants) || ' ' || (SELECT count(*) FROM users) || ' ' ||
    (SELECT count(*) FROM api_tokens) || ' ' || (SELECT count(*) FROM tenant_domains) || ' ' ||
    (SELECT count(*) FROM audit_log)")" \
    "$(sq "$SDB" "SELECT (SELECT count(*) FROM tenants) || ' ' || (SELECT count(*) FROM users) || ' ' ||
    (SELECT count(*) FROM api_tokens) || ' ' || (SELECT count(*) FROM tenant_domains) || ' ' ||
    (SELECT count(*) FROM audit_log)")"
# the one difference: SQLite may give a removed tenant's id (its highest rowid) to the next
# one, and the old tenant's audit entries would then name the new one; PostgreSQL's identity
# never gives an id twice
"$BIN" -q --db "$PDB" tenant add beta >/dev/null
check "cli (pg): a tenant added after a removal gets a new id" \
    "$(pq "$PDB" "SELECT id > (SELECT max(tenant_id) FROM audit_log WHERE target = 'beta' AND action = 'tenant_rm') FROM tenants WHERE name = 'beta'")" "t"
check "cli (pg): no password or token stored in clear" \
    "$(pg_dump -a "$PDB" 2>/dev/null | grep -c -e 'secret-al' -e 'secret-ops' -e 'dms_[A-Za-z0-9_-]\{43\}')" "0"

# ---- 2. login over HTTP: the same answers on both backends ------------------------------------
wait_http() {	# PORT PID
	for _ in $(seq 150); do
		curl -s -o /dev/null "http://127.0.0.1:$1/api/v1/version" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# req METHOD PATH [BODY] [curl args]: the answer in $T/b, headers in $T/h; prints a line for
# the transcript: the status and the answer's fields that do not change from run to run
req() {
	m=$1 p=$2; shift 2
	body=""; [ $# -gt 0 ] && { body=$1; shift; }
	if [ -n "$body" ]; then
		st=$(curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$m" -H 'Content-Type: application/json' \
		    --data-binary "$body" "$@" "http://127.0.0.1:$PORT/api/v1$p")
	else
		st=$(curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$m" "$@" "http://127.0.0.1:$PORT/api/v1$p")
	fi
	echo "$m $p $st $(python3 -c "import json,sys
try: d = json.load(open(sys.argv[1]))
except Exception: d = {}
if isinstance(d, list): print(sorted(json.dumps(x, sort_keys=True) for x in d)); sys.exit()
print(' '.join('%s=%s' % (k, json.dumps(d[k])) for k in sorted(d) if k not in ('csrf', 'expires', 'now')))" "$T/b")" \
	    "retry=$(grep -ci '^Retry-After:' "$T/h")" \
	    "cookie=$(grep -i '^Set-Cookie:' "$T/h" | tr -d '\r')" |
	    sed -E 's/dms_session=[A-Za-z0-9_-]{43}/dms_session=ID/; s/dms_[A-Za-z0-9_-]{8}/dms_PREFIX/g'

}
jv() { python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))" "$T/b" "$1"; }
hdr_cookie() { grep -i '^Set-Cookie:' "$T/h" | head -1 | sed 's/^[^:]*: //' | cut -d';' -f1; }
web_run() {	# DB OUT
	D="$BIN --db $1"
	$D tenant add acme >/dev/null 2>&1
	$D domain assign acme.example acme >/dev/null 2>&1
	printf 'alice-secret-1\n' | $D user add alice --role admin --tenant acme --password-stdin >/dev/null
	printf 'vera-secret-1\n' | $D user add vera --role viewer --tenant acme --password-stdin >/dev/null
	TOK=$($D token add --tenant acme --scope read 2>/dev/null)
	set -- $(python3 tests/servers/freeports.py 1) "$1" "$2"
	PORT=$1
	$D serve --no-enrich --listen "127.0.0.1:$PORT" >"$3.serve.out" 2>"$3.serve.err" &
	SPID=$!
	PIDS="$PIDS $SPID"
	if ! wait_http "$PORT" "$SPID"; then
		echo "serve did not start: $(tail -3 "$3.serve.err")" >"$3"
		return
	fi
	{
	req GET /session
	req POST /login '{"user":"alice","password":"wrong-one"}'
	req POST /login '{"user":"nobody","password":"wrong-one"}'
	req POST /login '{"user":"alice","password":"alice-secret-1"}'
	C1=$(hdr_cookie); X1=$(jv csrf)
	echo "csrf length ${#X1}"
	req GET /session "" -H "Cookie: $C1"
	[ "$(jv csrf)" = "$X1" ] && echo "the session keeps its CSRF token"
	req GET /domains "" -H "Cookie: $C1"
	req POST /password '{"old":"alice-secret-1","new":"alice-secret-2"}' -H "Cookie: $C1"
	req POST /password '{"old":"nope-nope","new":"alice-secret-2"}' -H "Cookie: $C1" -H "X-CSRF-Token: $X1"
	req POST /password '{"old":"alice-secret-1","new":"alice-secret-2"}' -H "Cookie: $C1" -H "X-CSRF-Token: $X1"
	req POST /login '{"user":"alice","password":"alice-secret-1"}'
	req POST /login '{"user":"alice","password":"alice-secret-2"}'
	C2=$(hdr_cookie); X2=$(jv csrf)
	req POST /logout '{}' -H "Cookie: $C1" -H "X-CSRF-Token: $X2"
	req POST /logout '{}' -H "Cookie: $C1" -H "X-CSRF-Token: $X1"
	req GET /session "" -H "Cookie: $C1"
	req GET /session "" -H "Cookie: $C2"
	req POST /login '{"user":"vera","password":"vera-secret-1"}'
	for i in 1 2 3 4 5; do req POST /login '{"user":"vera","password":"wrong-wrong"}'; done
	req POST /login '{"user":"vera","password":"vera-secret-1"}'
	req GET /session "" -H "Authorization: Bearer $TOK"
	req GET /domains "" -H "Authorization: Bearer $TOK"
	req POST /login '{"user":"alice","password":"alice-secret-2"}'
	C3=$(hdr_cookie)
	} >"$3" 2>&1
	$D user disable alice >/dev/null
	req GET /session "" -H "Cookie: $C3" >>"$3"
	$D token rm 1 >/dev/null
	req GET /session "" -H "Authorization: Bearer $TOK" >>"$3"
	$D user enable alice >/dev/null
	$D tenant disable acme >/dev/null
	req POST /login '{"user":"alice","password":"alice-secret-2"}' >>"$3"
	kill "$SPID"; wait "$SPID" 2>/dev/null
}
WS=$T/web.db
WP=$(newdb p4_web)
web_run "$WS" "$T/web.sqlite"
web_run "$WP" "$T/web.pg"
n=0
while IFS= read -r l; do
	n=$((n + 1))
	got=$(sed -n "${n}p" "$T/web.pg")
	if [ "$l" = "$got" ]; then ok "http, same on both backends: $(echo "$l" | cut -c1-90)"
	else ko "http, backends differ: sqlite '$l' / pg '$got'"; fi
done <"$T/web.sqlite"
check "http: as many answers on both" "$(wc -l <"$T/web.pg")" "$(wc -l <"$T/web.sqlite")"
check "http (pg): alice logged in, locked out vera (429), the token read /domains" \
    "$(grep -c '^POST /login 200' "$T/web.pg") $(grep -c '^POST /login 429 .*retry=1' "$T/web.pg") $(grep -c '^GET /domains 200' "$T/web.pg")" \
    "4 1 2"
check "http (pg): sessions stored as SHA-256, none in clear" \
    "$(pq "$WP" "SELECT count(*) FILTER (WHERE id_hash ~ '^[0-9a-f]{64}$') || ' ' || count(*) FROM sessions")" \
    "$(sq "$WS" "SELECT count(*) || ' ' || count(*) FROM sessions")"
check "http (pg): the audit log as on SQLite (action count)" \
    "$(pq "$WP" "SELECT string_agg(action || ' ' || n, ',' ORDER BY action COLLATE \"C\") FROM (SELECT action, count(*) n FROM audit_log GROUP BY action) x")" \
    "$(sq "$WS" "SELECT group_concat(action || ' ' || n, ',') FROM (SELECT action, count(*) n FROM audit_log GROUP BY action ORDER BY action)")"
check "http (pg): the lock and failed logins stored" \
    "$(pq "$WP" "SELECT count(*) FROM login_locks WHERE kind = 'user' AND key = 'vera'")" "1"
check "http (pg): no sanitizer report, no password in serve's log" \
    "$(cat "$T/web.pg.serve.err" | grep -c -e 'Sanitizer' -e 'runtime error:' -e 'secret')" "0"

# ---- 3. alerts: a month day by day on both backends -------------------------------------------
PY=/usr/bin/python3
wait_port() {
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
smtp_start() {	# PORT MAILDIR
	$PY -m aiosmtpd -n -l "127.0.0.1:$1" -c aiosmtpd.handlers.Mailbox "$2" </dev/null >>"$T/smtp.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_port "$1" || ko "the SMTP server on $1 did not start"
}
hook_start() {	# PORT LOG
	python3 tests/alerts/hook.py "$1" ok s3cret "$2" </dev/null >>"$T/hook.err" 2>&1 &
	PIDS="$PIDS $!"
	wait_port "$1" || ko "the webhook receiver on $1 did not start"
}
if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	ko "python3-aiosmtpd is not installed (scripts/install-deps.sh)"
	finish
fi
set -- $(python3 tests/servers/freeports.py 6)
SMTP_S=$1 SMTP_P=$2 HOOK_S=$3 HOOK_P=$4 SMTP_N=$5 HOOK_N=$6
smtp_start "$SMTP_S" "$T/mail-sqlite"; smtp_start "$SMTP_P" "$T/mail-pg"
hook_start "$HOOK_S" "$T/hook-sqlite.log"; hook_start "$HOOK_P" "$T/hook-pg.log"
D0=1793577600	# 2026-11-02, a Monday
python3 tests/alerts/gen_month.py "$T/month" "$D0" 30
AS=$T/alerts.db
AP=$(newdb p4_alerts)
run_opts() { echo "--smtp smtp://127.0.0.1:$1 --from dmarcscope@example.jp --base-url https://dmarc.example.jp/"; }
month_run() {	# DB SMTP-PORT HOOK-PORT OUT
	"$BIN" -q --db "$1" senders add --domain example.jp --internal --cidr 192.0.2.0/24 >/dev/null
	"$BIN" -q --db "$1" alerts settings --domain example.jp --add-recipient admin@example.jp:ja \
	    --add-recipient ops@example.jp:en --webhook "http://127.0.0.1:$3/hook" --webhook-secret s3cret \
	    >/dev/null
	for k in $(seq 1 30); do
		dd=$(printf "%02d" "$k")
		"$BIN" -q --db "$1" ingest "$T/month/day$dd" >/dev/null 2>>"$4.err"
		echo "day $k $("$BIN" -q --db "$1" alerts run --json --now $((D0 + k * 86400 + 7200)) $(run_opts "$2") 2>>"$4.err")"
	done >"$4"
}
month_run "$AS" "$SMTP_S" "$HOOK_S" "$T/month.sqlite"
month_run "$AP" "$SMTP_P" "$HOOK_P" "$T/month.pg"
check "alerts: no error on either backend" "$(cat "$T/month.sqlite.err" "$T/month.pg.err")" ""
check "alerts: the month gives alerts (SQLite, the reference)" \
    "$(sq "$AS" "SELECT count(*) > 3 FROM alerts")" "1"
n=0
while IFS= read -r l; do
	n=$((n + 1))
	check "alerts run, same on both: ${l%% \{*}" "$(sed -n "${n}p" "$T/month.pg")" "$l"
done <"$T/month.sqlite"
same() {	# NAME ARGS...: the same output on both backends
	name=$1; shift
	"$BIN" --db "$AS" "$@" >"$T/same.s" 2>&1; rs=$?
	"$BIN" --db "$AP" "$@" >"$T/same.p" 2>&1; rp=$?
	sed -i "s/:$HOOK_S\//:HOOK\//" "$T/same.s"; sed -i "s/:$HOOK_P\//:HOOK\//" "$T/same.p"	# the receivers' ports
	if [ "$rs" = "$rp" ] && cmp -s "$T/same.s" "$T/same.p"; then ok "alerts, same on both: $name (exit $rs)"
	else ko "alerts, backends differ: $name (exit $rs/$rp): $(diff "$T/same.s" "$T/same.p" | head -6 | tr '\n' ' ')"; fi
}
same "alerts list --json" alerts list --json --limit 1000
same "alerts list (text)" alerts list --limit 1000
same "alerts list --deliveries --json" alerts list --deliveries --json --limit 1000
same "alerts list --domain --state open" alerts list --domain example.jp --state open --json
mails() {	# MAILDIR -> one line per mail: alert id, recipient, subject (sorted)
	python3 tests/alerts/mailcheck.py "$1" | python3 -c "import json,sys
print('\n'.join(sorted('%s %s %s' % (m['xalert'], m['to'], m['subject']) for m in map(json.loads, sys.stdin))))"
}
mails "$T/mail-sqlite" >"$T/mails.sqlite"; mails "$T/mail-pg" >"$T/mails.pg"
check "alerts: the same mails (alert, recipient, subject) on both" "$(cmp -s "$T/mails.sqlite" "$T/mails.pg" && echo same)" "same"
check "alerts (pg): every alert mailed once per recipient" \
    "$(grep -c '^[0-9]' "$T/mails.pg")" "$(($(pq "$AP" "SELECT count(*) FROM alerts") * 2))"
check "alerts (pg): the webhook called once per alert, signature verified" \
    "$(grep -c '"status": 200, "sig_ok": true' "$T/hook-pg.log")" "$(pq "$AP" "SELECT count(*) FROM alerts")"
check "alerts (pg): the change log consumed, nothing left in the queue" \
    "$(pq "$AP" "SELECT (SELECT count(*) FROM alert_changes) || ' ' || (SELECT count(*) FROM alert_deliveries WHERE state <> 'sent')")" "0 0"
ID=$(pq "$AP" "SELECT min(id) FROM alerts")
same "alerts ack $ID" alerts ack "$ID"
same "alerts ack $ID again" alerts ack "$ID"
same "alerts ack 99999 (unknown)" alerts ack 99999
same "alerts list after ack" alerts list --json --limit 1000
same "alerts list --state open after ack" alerts list --state open --json
same "alerts settings --set spoof_min=80" alerts settings --domain example.jp --set spoof_min=80 --cooldown 5
same "alerts settings --set bogus=1 (refused)" alerts settings --domain example.jp --set bogus=1
same "alerts settings --rm-recipient" alerts settings --domain example.jp --rm-recipient ops@example.jp
check "alerts settings --json: the same (updated_at aside)" \
    "$("$BIN" --db "$AP" alerts settings --domain example.jp --json | grep -v -e updated_at -e webhook_url)" \
    "$("$BIN" --db "$AS" alerts settings --domain example.jp --json | grep -v -e updated_at -e webhook_url)"
END=$((D0 + 30 * 86400 + 9000))
same "alerts run --scan-days 14: nothing new" alerts run --json --now $END --scan-days 14 --no-deliver
"$BIN" -q --db "$AS" alerts test --domain example.jp $(run_opts "$SMTP_S") >"$T/test.s" 2>&1
"$BIN" -q --db "$AP" alerts test --domain example.jp $(run_opts "$SMTP_P") >"$T/test.p" 2>&1
check "alerts test: the same channels and results on both" "$(cat "$T/test.p")" "$(cat "$T/test.s")"
check "alerts test (pg): a sample through each channel" "$(grep -c ' sent' "$T/test.p")" "2"
same "alerts settings --cooldown 0" alerts settings --domain example.jp --cooldown 0
same "alerts run --scan-days 14, cooldown 0: the same new alerts" alerts run --json --now $END --scan-days 14 --no-deliver
same "alerts list --deliveries after the rescan" alerts list --deliveries --json --limit 1000

# ---- 4. several nodes: four `alerts run` at once on one PostgreSQL ----------------------------
# ten domains' months (example.jp's, renamed), ingested without evaluating: the change log holds
# every (domain, day); then four processes evaluate and deliver at once, with the clock at the
# month's end.  SQLite, one process, is the reference.
for dd in $(seq -w 1 30); do
	mkdir -p "$T/multi/day$dd"
	for i in $(seq -w 1 10); do
		for f in "$T/month/day$dd"/*.xml; do
			sed -e "s/example\.jp/d$i.example/g" -e "s|<report_id>\([^<]*\)</report_id>|<report_id>\1-d$i</report_id>|" \
			    "$f" >"$T/multi/day$dd/d$i-$(basename "$f")"
		done
	done
done
NS=$T/nodes.db
NP=$(newdb p4_nodes)
END=$((D0 + 30 * 86400 + 7200))
smtp_start "$SMTP_N" "$T/mail-nodes"; hook_start "$HOOK_N" "$T/hook-nodes.log"
for db in "$NS" "$NP"; do
	"$BIN" -q --db "$db" ingest "$T/multi"/day* >/dev/null 2>>"$T/nodes.err"
	for i in $(seq -w 1 10); do
		"$BIN" -q --db "$db" senders add --domain "d$i.example" --internal --cidr 192.0.2.0/24 >/dev/null
		"$BIN" -q --db "$db" alerts settings --domain "d$i.example" --add-recipient "admin@d$i.example:ja" \
		    --add-recipient "ops@d$i.example:en" --webhook "http://127.0.0.1:$HOOK_N/hook" \
		    --webhook-secret s3cret --summary off >/dev/null
	done
done
check "nodes: the change log holds the same (domain, day) pairs on both" \
    "$(pq "$NP" "SELECT count(*) FROM alert_changes")" "$(sq "$NS" "SELECT count(*) FROM alert_changes")"
NCH=$(pq "$NP" "SELECT count(*) FROM alert_changes")
"$BIN" -q --db "$NS" alerts run --json --now $END --no-deliver >"$T/nodes-sqlite.out" 2>>"$T/nodes.err"
for n in 1 2 3 4; do
	"$BIN" -q --db "$NP" alerts run --json --now $END $(run_opts "$SMTP_N") >"$T/node$n.out" 2>>"$T/nodes.err" &
	eval "NODE$n=\$!"
done
wait $NODE1 $NODE2 $NODE3 $NODE4
check "nodes: no error" "$(cat "$T/nodes.err")" ""
NA=$(pq "$NP" "SELECT count(*) FROM alerts")
check "nodes: the same alerts as one process on SQLite (domain rule key day numbers)" \
    "$(pq "$NP" "SELECT string_agg(policy_domain || ' ' || rule || ' ' || subject_key || ' ' || day || ' ' || numbers, ',' ORDER BY policy_domain COLLATE \"C\", rule COLLATE \"C\", subject_key COLLATE \"C\", day) FROM alerts" | md5sum)" \
    "$(sq "$NS" "SELECT group_concat(x, ',') FROM (SELECT policy_domain || ' ' || rule || ' ' || subject_key || ' ' || day || ' ' || numbers x FROM alerts ORDER BY policy_domain, rule, subject_key, day)" | md5sum)"
check "nodes: alerts for the ten domains" "$(pq "$NP" "SELECT count(DISTINCT policy_domain) FROM alerts")" "10"
python3 tests/alerts/mailcheck.py "$T/mail-nodes" >"$T/nodes.jsonl"
check "nodes: every alert mailed once per recipient" \
    "$(python3 -c "import json,sys
ms = [json.loads(l) for l in open(sys.argv[1])]
keys = [(m['xalert'], m['to']) for m in ms]
print(len(keys), len(set(keys)))" "$T/nodes.jsonl")" "$((NA * 2)) $((NA * 2))"
check "nodes: the webhook called once per alert" \
    "$(python3 -c "import json,sys
ks = [json.loads(l)['key'] for l in open(sys.argv[1])]
print(len(ks), len(set(ks)))" "$T/hook-nodes.log")" "$NA $NA"
check "nodes: every delivery sent at the first attempt" \
    "$(pq "$NP" "SELECT count(*) FILTER (WHERE state = 'sent' AND attempts = 1) || ' ' || count(*) FROM alert_deliveries")" \
    "$((NA * 3)) $((NA * 3))"
sum() { _s=0; for _n in "$@"; do _s=$((_s + _n)); done; echo $_s; }	# (a bare Debian has no bc)
changes=$(cat "$T"/node?.out | sed -n 's/.*"changes":\([0-9]*\).*/\1/p' | tr '\n' ' ')
sent=$(cat "$T"/node?.out | sed -n 's/.*"sent":\([0-9]*\).*/\1/p' | tr '\n' ' ')
new=$(cat "$T"/node?.out | sed -n 's/.*"alerts":\([0-9]*\).*/\1/p' | tr '\n' ' ')
echo "     nodes: (domain, day) evaluated per process: $changes; alerts added: $new; deliveries sent: $sent"
check "nodes: each (domain, day) evaluated by one process only (claimed)" \
    "$(sum $changes)" "$NCH"
check "nodes: the processes' counts add up (alerts, sent)" \
    "$(sum $new) $(sum $sent)" "$NA $((NA * 3))"
check "nodes: the change log consumed" "$(pq "$NP" "SELECT count(*) FROM alert_changes")" "0"

finish
