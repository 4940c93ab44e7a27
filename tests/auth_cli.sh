#!/bin/sh
# auth_cli.sh BINARY - provider mode's CLI end to end on a scratch database:
# tenant add|list|rm|audit, domain assign|unassign|list (unassigned domains
# with reports included), user add|passwd|disable|enable|rm|list (passwords
# from stdin, never stored or logged in clear), token add|list|rm (shown
# once, stored hashed, revoked), usage errors and exit statuses, and the
# audit entry every change leaves.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset DMARCSCOPE_DB
export LANG=C
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else ko "$name"; fi; }
# run WANT-RC NAME COMMAND...: stdout in $T/out, stderr in $T/err
run() {
	want=$1 name=$2; shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null; got=$?
	if [ "$got" = "$want" ]; then ok "$name (exit $want)"
	else ko "$name: exit $got, wanted $want: $(head -c 400 "$T/err")"; fi
}
# runin WANT-RC NAME INPUT COMMAND...: the same with INPUT on stdin
runin() {
	want=$1 name=$2 input=$3; shift 3
	printf '%s\n' "$input" | "$@" >"$T/out" 2>"$T/err"; got=$?
	if [ "$got" = "$want" ]; then ok "$name (exit $want)"
	else ko "$name: exit $got, wanted $want: $(head -c 400 "$T/err")"; fi
}
out_has() { grep -qF -- "$1" "$T/out"; }
err_has() { grep -qiF -- "$1" "$T/err"; }
out_lacks() { ! grep -qF -- "$1" "$T/out"; }
DB="$T/t.db"
D="$BIN --db $DB"
sql() { sqlite3 "$DB" "$1"; }
audits() { sql "SELECT count(*) FROM audit_log WHERE action = '$1' AND target = '$2'"; }

# a report for a domain no tenant owns, and one for a domain acme will own
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
report orphan.example r1 > "$T/r1.xml"
report acme.example r2 > "$T/r2.xml"
run 0 "ingest two reports" $D ingest "$T/r1.xml" "$T/r2.xml"

# ---- help and usage errors ---------------------------------------------------------------
for c in tenant domain user token; do
	run 0 "$c --help" $D $c --help
	check "$c --help prints usage" out_has "usage: dmarcscope $c"
	run 2 "$c without a subcommand" $D $c
	run 2 "$c with an unknown subcommand" $D $c frobnicate
	check "$c frobnicate names it" err_has "unknown subcommand 'frobnicate'"
done
run 2 "tenant add with a bad name" $D tenant add "no spaces"
check "the bad name is explained" err_has "only letters, digits"
run 2 "tenant add with no name" $D tenant add

# ---- tenants -----------------------------------------------------------------------------
run 0 "tenant add Acme" $D tenant add Acme
check "the name is lower-cased" out_has "tenant acme added"
run 1 "tenant add acme again" $D tenant add acme
check "a second acme is refused as existing" err_has "tenant acme exists"
run 0 "tenant add beta" $D tenant add beta
run 0 "tenant list" $D tenant list
check "list shows acme" out_has "acme"
run 0 "tenant list --json" $D tenant list --json
check "list --json has both tenants" sh -c "python3 -c \"import json,sys; d=json.load(open('$T/out')); sys.exit(0 if [t['name'] for t in d] == ['acme','beta'] else 1)\""
check "tenant_add audited" test "$(audits tenant_add acme)" = 1

# ---- domains -----------------------------------------------------------------------------
run 0 "domain list before any assignment" $D domain list
check "a domain with reports and no tenant is unassigned" out_has "orphan.example"
check "unassigned is said" out_has "(unassigned)"
run 0 "domain assign ACME.example. acme" $D domain assign ACME.example. acme
check "the domain is normalised" out_has "acme.example assigned to tenant acme"
run 0 "assigning it to its owner again is a no-op" $D domain assign acme.example acme
run 1 "assigning it to beta is refused" $D domain assign acme.example beta
check "the refusal names the owner" err_has "belongs to tenant acme"
run 1 "domain assign to an unknown tenant" $D domain assign x.example nosuch
check "the unknown tenant is named" err_has "no tenant named 'nosuch'"
run 2 "domain assign of a non-domain" $D domain assign "not a domain" acme
run 0 "domain assign other.example beta" $D domain assign other.example beta
run 0 "domain list --json" $D domain list --json
check "list --json: acme.example→acme, other→beta, orphan unassigned" sh -c "python3 -c \"import json,sys; d={x['domain']: x['tenant'] for x in json.load(open('$T/out'))}; sys.exit(0 if d == {'acme.example':'acme','other.example':'beta','orphan.example':None} else 1)\""
run 0 "domain list --tenant acme" $D domain list --tenant acme
check "only acme's domain" sh -c "grep -q acme.example '$T/out' && ! grep -q other.example '$T/out' && ! grep -q orphan '$T/out'"
run 0 "domain list --unassigned" $D domain list --unassigned
check "only the unassigned domain" sh -c "grep -q orphan.example '$T/out' && ! grep -q acme.example '$T/out'"
run 0 "domain unassign other.example" $D domain unassign other.example
run 1 "domain unassign it again" $D domain unassign other.example
check "domain_assign and domain_unassign audited" test "$(audits domain_assign other.example)$(audits domain_unassign other.example)" = 11

# ---- users -------------------------------------------------------------------------------
runin 0 "user add alice (admin of acme)" "alice-secret-1" $D user add Alice --role admin --tenant acme --password-stdin
runin 0 "user add vera (viewer of acme)" "vera-secret-1" $D user add vera --role viewer --tenant acme --password-stdin
runin 0 "user add olga (operator)" "olga-secret-1" $D user add olga --role operator --password-stdin
runin 1 "user add alice again" "alice-secret-2" $D user add alice --role viewer --tenant beta --password-stdin
check "a second alice is refused" err_has "user alice exists"
runin 2 "a short password" "short" $D user add bob --role viewer --tenant acme --password-stdin
check "too short is said" err_has "too short"
runin 2 "an operator with a tenant" "long-enough-1" $D user add bob --role operator --tenant acme --password-stdin
runin 2 "a viewer without a tenant" "long-enough-1" $D user add bob --role viewer --password-stdin
runin 2 "an unknown role" "long-enough-1" $D user add bob --role root --tenant acme --password-stdin
runin 1 "an unknown tenant" "long-enough-1" $D user add bob --role viewer --tenant nosuch --password-stdin
check "bob was never added" test "$(sql "SELECT count(*) FROM users WHERE name = 'bob'")" = 0
if command -v setsid >/dev/null 2>&1; then
	setsid $D user add bob --role viewer --tenant acme </dev/null >"$T/out" 2>"$T/err"
	check "without a terminal and --password-stdin: a clear error" err_has "use --password-stdin"
fi
check "passwords are stored as argon2id" test "$(sql "SELECT count(*) FROM users WHERE pw_hash LIKE '\$argon2id\$v=19\$m=65536,t=2,p=1\$%'")" = 3
check "no password in clear in the database" sh -c "! sqlite3 '$DB' .dump | grep -q 'secret-1'"
run 0 "user list" $D user list
check "user list shows roles" sh -c "grep -q 'alice  *admin  *acme' '$T/out' && grep -q 'olga  *operator' '$T/out'"
run 0 "user list --tenant acme --json" $D user list --tenant acme --json
check "acme's users only" sh -c "python3 -c \"import json,sys; d=[u['name'] for u in json.load(open('$T/out'))]; sys.exit(0 if d == ['alice','vera'] else 1)\""
run 0 "user list --operators" $D user list --operators
check "operators only" sh -c "grep -q olga '$T/out' && ! grep -q alice '$T/out'"
before=$(sql "SELECT pw_hash FROM users WHERE name = 'vera'")
sql "INSERT INTO sessions(id_hash, user_id, created_at, last_seen, csrf, ip) SELECT 'x', id, 1, 1, 'c', NULL FROM users WHERE name = 'vera'"
runin 0 "user passwd vera" "vera-secret-2" $D user passwd vera --password-stdin
check "the hash changed" test "$(sql "SELECT pw_hash FROM users WHERE name = 'vera'")" != "$before"
check "vera's sessions ended" test "$(sql "SELECT count(*) FROM sessions")" = 0
runin 1 "user passwd of nobody" "whatever-123" $D user passwd nobody --password-stdin
run 0 "user disable vera" $D user disable vera
check "disabled" test "$(sql "SELECT disabled FROM users WHERE name = 'vera'")" = 1
run 0 "user enable vera" $D user enable vera
check "enabled" test "$(sql "SELECT disabled FROM users WHERE name = 'vera'")" = 0
run 0 "user rm vera" $D user rm vera
run 1 "user rm vera again" $D user rm vera
check "user_add, user_passwd, user_disable, user_enable, user_rm audited" test "$(audits user_add vera)$(audits user_passwd vera)$(audits user_disable vera)$(audits user_enable vera)$(audits user_rm vera)" = 11111
check "no password in the audit log" test "$(sql "SELECT count(*) FROM audit_log WHERE detail LIKE '%secret%' OR target LIKE '%secret%'")" = 0

# ---- tokens ------------------------------------------------------------------------------
run 0 "token add --tenant acme --scope write" $D token add --tenant acme --scope write --name ci
TOK=$(cat "$T/out")
check "the token is printed once, dms_ and 43 characters" sh -c "echo '$TOK' | grep -Eq '^dms_[A-Za-z0-9_-]{43}\$'"
check "stderr says it is shown once" err_has "shown once"
check "only its hash is stored" sh -c "! sqlite3 '$DB' .dump | grep -qF '$TOK'"
check "the stored hash is its SHA-256" test "$(sql "SELECT hash FROM api_tokens WHERE id = 1")" = "$(printf '%s' "$TOK" | sha256sum | cut -d' ' -f1)"
run 0 "token add --tenant beta (read by default)" $D token add --tenant beta
run 2 "token add without --tenant" $D token add --scope read
run 2 "token add with a bad scope" $D token add --tenant acme --scope admin
run 0 "token list" $D token list
P=$(echo "$TOK" | cut -c1-12)
check "the list shows the prefix" out_has "$P"
check "the list never shows the token" out_lacks "$TOK"
run 0 "token list --tenant beta --json" $D token list --tenant beta --json
check "beta's token only, scope read" sh -c "python3 -c \"import json,sys; d=json.load(open('$T/out')); sys.exit(0 if len(d) == 1 and d[0]['scope'] == 'read' and d[0]['tenant'] == 'beta' else 1)\""
run 0 "token rm 1" $D token rm 1
check "revoked" test "$(sql "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = 1")" = 1
run 1 "token rm 1 again" $D token rm 1
run 2 "token rm of a non-number" $D token rm abc
check "token_add and token_revoke audited" test "$(audits token_add "$P")$(audits token_revoke "$P")" = 11

# ---- disabling a tenant -------------------------------------------------------------------
sql "INSERT INTO sessions(id_hash, user_id, created_at, last_seen, csrf, ip) SELECT 'y', id, 1, 1, 'c', NULL FROM users WHERE name = 'alice'"
run 0 "tenant disable acme" $D tenant disable acme
check "disabled" test "$(sql "SELECT disabled FROM tenants WHERE name = 'acme'")" = 1
check "its users' sessions ended" test "$(sql "SELECT count(*) FROM sessions")" = 0
run 0 "tenant list shows it" $D tenant list
check "list says disabled" sh -c "grep -q 'acme.*disabled' '$T/out'"
run 0 "tenant enable acme" $D tenant enable acme
check "enabled" test "$(sql "SELECT disabled FROM tenants WHERE name = 'acme'")" = 0
run 1 "tenant disable of nobody" $D tenant disable nosuch
check "tenant_disable and tenant_enable audited" test "$(audits tenant_disable acme)$(audits tenant_enable acme)" = 11

# ---- removing a tenant -------------------------------------------------------------------
run 1 "tenant rm acme while it has users and domains" $D tenant rm acme
check "the refusal says what it still has" err_has "--force"
run 0 "tenant rm acme --force" $D tenant rm acme --force
check "acme's users are gone" test "$(sql "SELECT count(*) FROM users WHERE name = 'alice'")" = 0
check "operators stay" test "$(sql "SELECT count(*) FROM users WHERE name = 'olga'")" = 1
check "acme's tokens are gone" test "$(sql "SELECT count(*) FROM api_tokens WHERE id = 1")" = 0
run 0 "domain list after tenant rm" $D domain list --unassigned
check "acme.example is unassigned again" out_has "acme.example"
check "its reports stay" test "$(sql "SELECT count(*) FROM reports WHERE policy_domain = 'acme.example'")" = 1
run 1 "tenant rm of nobody" $D tenant rm nosuch
run 0 "tenant audit" $D tenant audit
check "the audit shows the removal" out_has "tenant_rm"
check "the actor is the CLI user" out_has "cli:"
run 0 "tenant audit beta --json --limit 2" $D tenant audit beta --json --limit 2
check "two of beta's entries" sh -c "python3 -c \"import json,sys; d=json.load(open('$T/out')); sys.exit(0 if len(d) == 2 and all(e['tenant_id'] == 2 for e in d) else 1)\""
run 2 "tenant audit --limit 0" $D tenant audit --limit 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
