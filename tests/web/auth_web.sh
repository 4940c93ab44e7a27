#!/bin/sh
# auth_web.sh [BIN] - the portal's login endpoints with curl against a real
# `dmarcscope serve` on a free loopback port (--no-enrich): GET /session in
# single-user mode and with users, POST /login (wrong password, unknown
# user, cookie flags, CSRF token), POST /password (CSRF refused, wrong old
# password, policy, success), POST /logout, lockout (429 + Retry-After), the
# http.c checks every change passes (Origin, media type), API tokens as
# Bearer, a viewer's can_write, and the audit entries.  The session id is
# never stored in clear.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${1:-build/dmarcscope}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
T=$(mktemp -d /tmp/dmarcscope-auth.XXXXXX)
DB="$T/t.db"
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else ko "$name"; fi; }
D="$BIN --db $DB"

start() {
	for attempt in 1 2 3 4 5; do
		PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		$D serve --no-enrich --listen 127.0.0.1:$PORT >>"$T/serve.out" 2>>"$T/serve.err" &
		PID=$!
		for i in $(seq 1 100); do
			curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/version" && return 0
			kill -0 $PID 2>/dev/null || break
			sleep 0.1
		done
		kill $PID 2>/dev/null; wait $PID 2>/dev/null; PID=""
	done
	echo "FAIL serve does not start: $(cat "$T/serve.err")"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
}
stop() { kill $PID 2>/dev/null; wait $PID 2>/dev/null; PID=""; }

# req NAME METHOD PATH [BODY] [extra curl args...]: headers in $T/h, body in $T/b,
# status in $ST
req() {
	name=$1 m=$2 p=$3; shift 3
	body=""
	if [ $# -gt 0 ]; then body=$1; shift; fi
	if [ -n "$body" ]; then
		ST=$(curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$m" -H 'Content-Type: application/json' \
		    --data-binary "$body" "$@" "http://127.0.0.1:$PORT/api/v1$p")
	else
		ST=$(curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$m" "$@" "http://127.0.0.1:$PORT/api/v1$p")
	fi
}
status() { if [ "$ST" = "$1" ]; then ok "$name: $1"; else ko "$name: status $ST, wanted $1: $(head -c 300 "$T/b")"; fi; }
jv() { python3 -c "import json,sys; d=json.load(open('$T/b')); print(json.dumps(d.get(sys.argv[1])) if isinstance(d.get(sys.argv[1]), (bool, type(None))) else d.get(sys.argv[1]))" "$1"; }
hdr() { grep -i "^$1:" "$T/h" | head -1 | cut -d: -f2- | sed 's/^ //' | tr -d '\r'; }

# ---- single-user mode: no users defined ------------------------------------------------
$D tenant add acme >/dev/null 2>&1
$D domain assign acme.example acme >/dev/null 2>&1
start
req "GET /session with no users" GET /session
status 200
check "no users: the local single-user principal" test "$(jv method) $(jv users) $(jv authenticated)" = "local false true"
check "serve says it runs in single-user mode" grep -q "no users defined: single-user mode" "$T/serve.err"
req "POST /login with no users" POST /login '{"user":"alice","password":"alice-secret-1"}'
status 401
stop

# ---- with users ----------------------------------------------------------------------------
printf 'alice-secret-1\n' | $D user add alice --role admin --tenant acme --password-stdin >/dev/null
printf 'vera-secret-1\n' | $D user add vera --role viewer --tenant acme --password-stdin >/dev/null
start
check "serve says users exist" grep -q "2 users defined" "$T/serve.err"
req "GET /session without a cookie" GET /session
status 200
check "not authenticated, users exist" test "$(jv authenticated) $(jv users)" = "false true"
req "login with a wrong password" POST /login '{"user":"alice","password":"wrong-one"}'
status 401
check "the error is login_failed" test "$(jv error)" = login_failed
cp "$T/b" "$T/wrong.json"
req "login as an unknown user" POST /login '{"user":"nobody","password":"wrong-one"}'
status 401
check "an unknown user gets the same answer" cmp -s "$T/b" "$T/wrong.json"
check "no cookie on failure" test -z "$(hdr Set-Cookie)"
req "login without a password" POST /login '{"user":"alice"}'
status 400
req "login with a body that is not JSON" POST /login 'user=alice'
status 400
ST=$(curl -s -o "$T/b" -w "%{http_code}" -H "Content-Type: text/plain" --data-binary '{"user":"alice","password":"alice-secret-1"}' "http://127.0.0.1:$PORT/api/v1/login"); name="login as text/plain"
status 415
req "login from another origin" POST /login '{"user":"alice","password":"alice-secret-1"}' -H 'Origin: http://evil.example'
status 403
req "login with a 2000-byte password" POST /login "{\"user\":\"alice\",\"password\":\"$(printf '%02000d' 0)\"}"
status 400

req "login as alice" POST /login '{"user":"alice","password":"alice-secret-1"}'
status 200
SC=$(hdr Set-Cookie)
COOKIE=$(echo "$SC" | cut -d';' -f1)
CSRF=$(jv csrf)
check "the cookie is dms_session with a 43-character id" sh -c "echo '$COOKIE' | grep -Eq '^dms_session=[A-Za-z0-9_-]{43}\$'"
check "the cookie is HttpOnly" sh -c "echo '$SC' | grep -q '; HttpOnly'"
check "the cookie is SameSite=Strict" sh -c "echo '$SC' | grep -q '; SameSite=Strict'"
check "the cookie has Path=/" sh -c "echo '$SC' | grep -q '; Path=/'"
check "no Secure flag on plain HTTP" sh -c "! echo '$SC' | grep -q Secure"
check "security headers on the login answer" sh -c "grep -qi '^Content-Security-Policy:' '$T/h' && grep -qi '^X-Content-Type-Options: nosniff' '$T/h'"
check "Cache-Control: no-store" test "$(hdr Cache-Control)" = no-store
check "the answer says who: alice, admin, can write" test "$(jv user) $(jv role) $(jv can_write)" = "alice admin true"
check "a CSRF token of 43 characters" test ${#CSRF} = 43
ID=${COOKIE#dms_session=}
check "the session id is not stored in clear" sh -c "! sqlite3 '$DB' .dump | grep -qF -- '$ID'"
req "GET /session with the cookie" GET /session "" -H "Cookie: $COOKIE"
check "authenticated by session as alice" test "$(jv authenticated) $(jv method) $(jv user)" = "true session alice"
check "the same CSRF token" test "$(jv csrf)" = "$CSRF"

# ---- password change -----------------------------------------------------------------------
req "password without a CSRF token" POST /password '{"old":"alice-secret-1","new":"alice-secret-2"}' -H "Cookie: $COOKIE"
status 403
check "csrf is the error" test "$(jv error)" = csrf
req "password with another token" POST /password '{"old":"alice-secret-1","new":"alice-secret-2"}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
status 403
req "password without a session" POST /password '{"old":"alice-secret-1","new":"alice-secret-2"}' -H "X-CSRF-Token: $CSRF"
status 401
req "password with a wrong current password" POST /password '{"old":"nope-nope","new":"alice-secret-2"}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF"
status 401
req "password too short" POST /password '{"old":"alice-secret-1","new":"short"}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF"
status 400
check "password_policy is the error" test "$(jv error)" = password_policy
req "password change" POST /password '{"old":"alice-secret-1","new":"alice-secret-2"}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF"
status 200
req "the old password no longer logs in" POST /login '{"user":"alice","password":"alice-secret-1"}'
status 401
req "the new one does" POST /login '{"user":"alice","password":"alice-secret-2"}'
status 200
COOKIE2=$(hdr Set-Cookie | cut -d';' -f1)
CSRF2=$(jv csrf)
check "a new session, a new CSRF token" test "$COOKIE2" != "$COOKIE" -a "$CSRF2" != "$CSRF"
req "the first session still works after the change" GET /session "" -H "Cookie: $COOKIE"
check "still alice" test "$(jv user)" = alice

# ---- logout --------------------------------------------------------------------------------
req "logout without a CSRF token" POST /logout '{}' -H "Cookie: $COOKIE"
status 403
req "logout with the other session's token" POST /logout '{}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF2"
status 403
req "logout" POST /logout '{}' -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF"
status 200
check "the cookie is deleted" sh -c "echo '$(hdr Set-Cookie)' | grep -q 'dms_session=; Path=/; Max-Age=0'"
req "the session is gone" GET /session "" -H "Cookie: $COOKIE"
check "not authenticated" test "$(jv authenticated)" = false
req "the other session lives" GET /session "" -H "Cookie: $COOKIE2"
check "authenticated" test "$(jv authenticated)" = true
req "logout with no session" POST /logout '{}'
status 200

# ---- a viewer; lockout -------------------------------------------------------------------
req "login as vera (viewer)" POST /login '{"user":"vera","password":"vera-secret-1"}'
status 200
check "a viewer cannot write" test "$(jv role) $(jv can_write)" = "viewer false"
for i in 1 2 3 4 5; do
	req "vera wrong $i" POST /login '{"user":"vera","password":"wrong-wrong"}'
done
status 401
req "vera locked after 5 failures, right password or not" POST /login '{"user":"vera","password":"vera-secret-1"}'
status 429
check "Retry-After is sent" sh -c "test '$(hdr Retry-After)' -gt 0"
check "the error is locked" test "$(jv error)" = locked

# ---- API tokens ------------------------------------------------------------------------
TOK=$($D token add --tenant acme --scope read 2>/dev/null)
req "GET /session with a read token" GET /session "" -H "Authorization: Bearer $TOK"
check "a token principal that cannot write" test "$(jv method) $(jv can_write) $(jv role)" = "token false viewer"
check "no CSRF token for a token" test "$(jv csrf)" = null
$D token rm 1 >/dev/null
req "GET /session with the revoked token" GET /session "" -H "Authorization: Bearer $TOK"
check "a revoked token is not authenticated" test "$(jv authenticated)" = false

# ---- a tenant that owns no domain yet (UBSan: the principal's domain list is empty) -----
$D tenant add empty >/dev/null 2>&1
printf 'nora-secret-1\n' | $D user add nora --role admin --tenant empty --password-stdin >/dev/null
req "login as nora (a tenant with no domain)" POST /login '{"user":"nora","password":"nora-secret-1"}'
status 200
NC=$(hdr Set-Cookie | cut -d';' -f1)
req "nora: GET /domains" GET /domains "" -H "Cookie: $NC"
status 200
check "a tenant with no domain sees no domain" sh -c "python3 -c \"import json,sys; d=json.load(open('$T/b')); sys.exit(0 if not (d.get('domains') if isinstance(d, dict) else d) else 1)\""

# ---- the audit log -----------------------------------------------------------------------
a() { sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action = '$1' AND target = '$2'"; }
check "logins audited (alice 2, vera 1)" test "$(a login alice)$(a login vera)" = 21
check "failed logins audited with the address" test "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND ip = '127.0.0.1'")" -ge 8
check "the lockout refusal audited" test "$(a login_refused vera)" = 1
check "the token's use audited with the address" test "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action = 'token_use' AND ip = '127.0.0.1'")" = 1
check "logout and password change audited" test "$(a logout alice)$(a password_change alice)" = 11
check "no password in the audit log" test "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE coalesce(detail,'') || coalesce(target,'') LIKE '%secret%'")" = 0
stop
check "serve logged no password" sh -c "! grep -q secret '$T/serve.err'"
check "no sanitizer report from serve" sh -c "! grep -Eq 'Sanitizer|runtime error:' '$T/serve.err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
