#!/bin/sh
# guidance.sh BINARY - the policy guidance of `stats --json` for domains that
# already enforce: it never proposes p=quarantine to a domain that publishes
# it (the next step is the pct ramp or p=reject), says so when p=reject is in
# force, and takes the current policy from the policy seen last, not from
# the one a late reporter first quoted last.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset DMARCSCOPE_DB LC_ALL LC_MESSAGES
export LANG=C
export DMARCSCOPE_SERVICES="$HERE/../data/services.csv"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
DAY=86400
D0=1711929600	# 2024-04-01

# report FILE ID BEGIN END POLICY-XML GOOD FAILING: GOOD aligned messages from
# 192.0.2.10 and FAILING messages from the same (registered) host whose SPF
# and DKIM fail
report() {
	cat >"$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback><version>1.0</version>
<report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email>
<report_id>$2</report_id><date_range><begin>$3</begin><end>$4</end></date_range></report_metadata>
<policy_published><domain>example.co.jp</domain><adkim>r</adkim><aspf>r</aspf>$5</policy_published>
<record><row><source_ip>192.0.2.10</source_ip><count>$6</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
<identifiers><header_from>example.co.jp</header_from></identifiers>
<auth_results><dkim><domain>example.co.jp</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>example.co.jp</domain><result>pass</result></spf></auth_results></record>
XML
	[ "$7" -gt 0 ] && cat >>"$1" <<XML
<record><row><source_ip>192.0.2.10</source_ip><count>$7</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.co.jp</header_from></identifiers>
<auth_results><spf><domain>bounce.example.net</domain><result>fail</result></spf></auth_results></record>
XML
	echo "</feedback>" >>"$1"
}

# case NAME POLICY-XML FAILING WANT-NEXT [EXTRA-REPORT-POLICY]: a fresh
# database, a registered internal sender, 15 days of reports; checks
# guidance.next_step and that no reason proposes the published policy
n=0
case_() {
	name=$1 pol=$2 failing=$3 want=$4 extra=${5:-}
	n=$((n + 1))
	db="$T/$n.db"
	"$BIN" --db "$db" -q senders add --domain example.co.jp --internal --cidr 192.0.2.0/24 \
	    >/dev/null 2>"$T/err" || { ko "$name: senders add: $(cat "$T/err")"; return; }
	report "$T/$n-a.xml" "g-$n-a" $D0 $((D0 + 15 * DAY - 1)) "$pol" 1000 "$failing"
	set -- "$T/$n-a.xml"
	if [ -n "$extra" ]; then
		# a late reporter quoting an older policy for two days early in the period
		report "$T/$n-b.xml" "g-$n-b" $((D0 + 2 * DAY)) $((D0 + 4 * DAY - 1)) "$extra" 10 0
		set -- "$@" "$T/$n-b.xml"
	fi
	"$BIN" --db "$db" -q ingest "$@" >/dev/null 2>"$T/err" ||
	    { ko "$name: ingest: $(cat "$T/err")"; return; }
	"$BIN" --db "$db" stats --json --domain example.co.jp >"$T/s.json" 2>"$T/err" ||
	    { ko "$name: stats: $(cat "$T/err")"; return; }
	got=$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["guidance"]; print(g["current_policy"], g["next_step"])' "$T/s.json")
	if [ "$got" = "$want" ]; then ok "$name: $got"; else ko "$name: got '$got', wanted '$want'"; fi
	cur=${want%% *}
	if [ "$cur" != none ]; then
		# no reason text says to move to the policy already published
		if python3 -c 'import json,sys
g = json.load(open(sys.argv[1]))["guidance"]
bad = [r["en"] for r in g["reasons"] if ("move to p=" + sys.argv[2]) in r["en"]
       or ("p=" + sys.argv[2] + "へ進め") in r["ja"]]
sys.exit(1 if bad else 0)' "$T/s.json" "$cur"; then
			ok "$name: no reason proposes p=$cur again"
		else
			ko "$name: a reason proposes p=$cur again"
		fi
	fi
}

case_ "quarantine, all pass" "<p>quarantine</p><pct>100</pct>" 0 "quarantine reject"
case_ "quarantine, own senders failing 1%" "<p>quarantine</p><pct>100</pct>" 10 "quarantine fix_senders"
case_ "quarantine pct=50" "<p>quarantine</p><pct>50</pct>" 0 "quarantine raise_pct"
case_ "quarantine t=y" "<p>quarantine</p><pct>100</pct><testing>y</testing>" 0 "quarantine raise_pct"
case_ "reject" "<p>reject</p><pct>100</pct>" 0 "reject stay"
case_ "reject pct=25" "<p>reject</p><pct>25</pct>" 0 "reject raise_pct"
case_ "none, all pass" "<p>none</p><pct>100</pct>" 0 "none quarantine"
case_ "quarantine, a late reporter quotes p=none" "<p>quarantine</p><pct>100</pct>" 0 \
    "quarantine reject" "<p>none</p><pct>100</pct>"

# the reasons say what is in force
"$BIN" --db "$T/5.db" stats --json --domain example.co.jp >"$T/s.json" 2>/dev/null
if grep -q '"enforced"' "$T/s.json"; then ok "reject: reason says p=reject is in force"
else ko "reject: no 'enforced' reason"; fi
"$BIN" --db "$T/2.db" stats --json --domain example.co.jp >"$T/s.json" 2>/dev/null
if grep -q '"quarantine_in_force"' "$T/s.json"; then ok "quarantine, not ready: says the step after it is p=reject"
else ko "quarantine, not ready: no 'quarantine_in_force' reason"; fi
"$BIN" --db "$T/2.db" stats --domain example.co.jp >"$T/out" 2>/dev/null
if grep -q "move to p=quarantine" "$T/out"; then ko "quarantine: the text output proposes p=quarantine"
else ok "quarantine: the text output does not propose p=quarantine"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
