#!/bin/sh
# alerts.sh BINARY - the alert engine end to end with real components on
# loopback: an SMTP server (python3 -m aiosmtpd, Mailbox handler) and webhook
# receivers (tests/alerts/hook.py: verifies the HMAC; answers 500 twice; never
# answers).  A month of reports for example.jp (tests/alerts/gen_month.py),
# each report wrapped in an e-mail, is fed one message at a time through the
# MTA pipe (`dmarcscope ingest -` on stdin) at a test-controlled clock
# ($DMARCSCOPE_NOW): the ingest writer records the changed days and, with
# on_ingest = yes in the config, ingest evaluates and delivers after each
# message.  No --scan-days in that part.
# Prints "ok"/"FAIL" per check, then "N passed, N failed" as the last line.
set -u
BIN=${1:-build/dmarcscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"	# KEEP=1: leave the files for a look
}
trap cleanup EXIT
unset DMARCSCOPE_DB DMARCSCOPE_NOW LC_ALL LC_MESSAGES
export LANG=C
export DMARCSCOPE_SERVICES="$HERE/../data/services.csv"
PY=/usr/bin/python3
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (got '$2', want '$3')"; fi; }

if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	ko "python3-aiosmtpd is not installed (scripts/install-deps.sh)"
	# ---- 11. the hook for failure reports: a DMARC failure's arrival day, not an abuse report's ----
FDB=$T/fr-hook.db
for c in real-failure-linkedin-lf variant-abuse-not-dmarc; do
	DS --db "$FDB" ingest "$HERE/kinds/cases/$c"/input.* >/dev/null 2>&1
done
check "failure reports through ingest: the DMARC one's arrival day is recorded, the abuse one's not" \
    "$(q "$FDB" "SELECT group_concat(c.policy_domain || ' ' || (c.day = f.arrival_time / 86400), ',')
    FROM alert_changes c JOIN failure_reports f ON f.policy_domain = c.policy_domain AND f.is_dmarc_failure = 1")" \
    "example.com 1"
check "and the abuse report is stored" "$(q "$FDB" "SELECT count(*) FROM failure_reports")" "2"

echo "$pass passed, $fail failed"
	exit 1
fi
set -- $(python3 "$HERE/servers/freeports.py" 8)
SMTP_PORT=$1 HOOK_OK=$2 HOOK_FAIL=$3 HOOK_HANG=$4 HOOK_OK2=$5 HOOK_BAD=$6 TLS_PORT=$7 SMTPS_PORT=$8
wait_port() {
	for _ in $(seq 100); do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" \
		    2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
SMTP_PID=""
smtp_start() {
	$PY -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$T/Maildir" \
	    </dev/null >>"$T/smtp.log" 2>&1 &
	SMTP_PID=$!
	PIDS="$PIDS $SMTP_PID"
	wait_port "$SMTP_PORT" || ko "the SMTP server did not start"
}
smtp_stop() { kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null; }
hook_start() {	# PORT MODE LOG
	python3 "$HERE/alerts/hook.py" "$1" "$2" s3cret "$3" </dev/null >>"$T/hook.err" 2>&1 &
	PIDS="$PIDS $!"
	wait_port "$1" || ko "webhook receiver $2 did not start"
}
q() { sqlite3 "$1" "$2"; }
DS() { "$BIN" -q "$@"; }
RUN="--smtp smtp://127.0.0.1:$SMTP_PORT --from dmarcscope@example.jp --base-url https://dmarc.example.jp/"
D0=1793577600	# 2026-11-02, a Monday; day k of the month begins at D0 + (k-1) days
python3 "$HERE/alerts/gen_month.py" "$T/month" "$D0" 30

# each report as the mail a reporter sends (gzip attachment), for the MTA pipe
python3 - "$T/month" <<'PYEOF'
import gzip, os, sys
from email.message import EmailMessage
for d in sorted(os.listdir(sys.argv[1])):
    for f in sorted(os.listdir(os.path.join(sys.argv[1], d))):
        if not f.endswith(".xml"):
            continue
        p = os.path.join(sys.argv[1], d, f)
        m = EmailMessage()
        m["From"] = "noreply-dmarc@" + f[:-4] + ".example"
        m["To"] = "dmarc@example.jp"
        m["Subject"] = "Report domain: example.jp " + d
        m.set_content("DMARC aggregate report")
        m.add_attachment(gzip.compress(open(p, "rb").read()), maintype="application",
                         subtype="gzip", filename=f + ".gz")
        open(p[:-4] + ".eml", "wb").write(bytes(m))
PYEOF
printf '[smtp]\nurl = smtp://127.0.0.1:%s\nfrom = dmarcscope@example.jp\n[alerts]\nbase_url = https://dmarc.example.jp/\non_ingest = yes\n' \
    "$SMTP_PORT" >"$T/alerts.ini"
pipe() {	# DB NOW FILE: one message through the MTA pipe at the clock NOW
	DMARCSCOPE_NOW=$2 "$BIN" -q --db "$1" --config "$T/alerts.ini" ingest - <"$3"
}
qstate() {	# DB -> "sent pending" deliveries
	q "$1" "SELECT (SELECT count(*) FROM alert_deliveries WHERE state = 'sent') || ' ' ||
	    (SELECT count(*) FROM alert_deliveries WHERE state = 'pending')"
}

# ---- 1. the month through the MTA pipe: SMTP, webhook, summaries -------------------------------
DB=$T/month.db
smtp_start
hook_start "$HOOK_OK" ok "$T/hook-ok.log"
DS --db "$DB" senders add --domain example.jp --internal --cidr 192.0.2.0/24 >/dev/null
DS --db "$DB" alerts settings --domain example.jp --add-recipient admin@example.jp:ja \
    --add-recipient ops@example.jp:en --webhook "http://127.0.0.1:$HOOK_OK/hook" \
    --webhook-secret s3cret >/dev/null
: >"$T/runs"
for k in $(seq 1 30); do
	dd=$(printf "%02d" "$k")
	[ "$k" -eq 20 ] && smtp_stop	# the SMTP server is down when the campaign starts
	[ "$k" -eq 21 ] && smtp_start
	now=$((D0 + k * 86400 + 7200))
	a0=$(q "$DB" "SELECT count(*) FROM alerts")
	for m in "$T/month/day$dd"/*.eml; do
		pipe "$DB" "$now" "$m" 2>>"$T/ingest.err" || echo "day $k: ingest - exit $?" >>"$T/ingest.err"
		[ "$k" -eq 21 ] && [ ! -f "$T/at-summary.db" ] && cp "$DB" "$T/at-summary.db"	# the summary went out here
	done
	echo "day $k $(($(q "$DB" "SELECT count(*) FROM alerts") - a0)) $(qstate "$DB") $(q "$DB" "SELECT count(*) FROM alert_changes")" >>"$T/runs"
done
check "every message stored through the pipe (exit 0, no error)" "$(cat "$T/ingest.err")" ""
check "stored: 30 + 24 reports" "$(q "$DB" "SELECT count(*) FROM reports")" "54"
check "the change log is consumed after each run" "$(awk '$6 != 0' "$T/runs" | wc -l | tr -d ' ')" "0"
"$BIN" --db "$DB" alerts list --json --limit 1000 >"$T/alerts.json"
rule_days() {	# RULE -> the days of its alerts, space separated
	python3 -c "import json,sys; print(' '.join(a['day'] for a in sorted(json.load(open(sys.argv[1])),
key=lambda a: a['id']) if a['rule'] == sys.argv[2]))" "$T/alerts.json" "$1"
}
check "spoofing started: exactly one, on day 20" "$(rule_days spoofing_started)" "2026-11-21"
check "spike: once, on day 28 (not on 21-22, in cooldown on 29)" "$(rule_days spoofing_spike)" "2026-11-29"
check "new sending source on day 20" "$(rule_days new_source)" "2026-11-21"
check "policy changed on day 15" "$(rule_days policy_changed)" "2026-11-16"
check "missing reports: yahoo.com silent 3 days after day 24" "$(rule_days missing_reports)" "2026-11-28"
check "no pass-rate drop, no failing sender (spoofing not counted)" \
    "$(rule_days pass_rate_drop)$(rule_days sender_failing)" ""
check "day 20 (SMTP down): 2 alerts, their 4 mails wait, the webhooks went out" \
    "$(sed -n 's/^day 20 \([0-9]*\) [0-9]* \([0-9]*\) .*/\1 \2/p' "$T/runs")" "2 4"
check "day 21: nothing pending after the SMTP server is back" \
    "$(sed -n 's/^day 21 [0-9]* [0-9]* \([0-9]*\) .*/\1/p' "$T/runs")" "0"
check "day 29: no new alert (its spike in cooldown)" "$(sed -n 's/^day 29 \([0-9]*\) .*/\1/p' "$T/runs")" "0"
SPOOF_ID=$(q "$DB" "SELECT id FROM alerts WHERE rule = 'spoofing_started'")
python3 "$HERE/alerts/mailcheck.py" "$T/Maildir" >"$T/mails.jsonl"
mails() {	# python expression over m (one mail) -> matching count
	python3 -c "import json,sys
n = 0
for l in open(sys.argv[1]):
    m = json.loads(l)
    if eval(sys.argv[2]): n += 1
print(n)" "$T/mails.jsonl" "$1"
}
check "spoofing started: one mail per recipient, no more" \
    "$(mails "m['xalert'] == '$SPOOF_ID'")" "2"
check "ja mail: RFC 2047 subject, decoded" \
    "$(mails "m['xalert'] == '$SPOOF_ID' and m['to'] == 'admin@example.jp' and '=?UTF-8?' in m['raw_subject'] and m['subject'] == '[dmarcscope] example.jp: なりすましの疑い'")" "1"
check "en mail: English subject" \
    "$(mails "m['xalert'] == '$SPOOF_ID' and m['to'] == 'ops@example.jp' and m['subject'] == '[dmarcscope] Spoofing suspected: example.jp'")" "1"
LINK="https://dmarc.example.jp/#/mail?domain=example.jp&since=2026-11-21&until=2026-11-21&class=spoofing_suspected"
check "both: multipart/alternative, UTF-8 text + HTML, Auto-Submitted" \
    "$(mails "m['xalert'] == '$SPOOF_ID' and m['type'] == 'multipart/alternative' and m['parts'] == [['text/plain', 'utf-8'], ['text/html', 'utf-8']] and m['auto'] == 'auto-generated'")" "2"
check "both: the numbers and the link (text and HTML)" \
    "$(mails "m['xalert'] == '$SPOOF_ID' and '$LINK' in m['text'] and '$LINK'.replace('&', '&amp;') in m['html'] and ' 200 ' in m['text']")" "2"
check "ja body in Japanese, en body in English" \
    "$(mails "m['xalert'] == '$SPOOF_ID' and (('なりすましの疑いが 200 通' in m['text']) if m['to'] == 'admin@example.jp' else ('200 messages suspected of spoofing example.jp' in m['text']))")" "2"
NALERTS=$(q "$DB" "SELECT count(*) FROM alerts")
check "every alert mailed once per recipient" "$(mails "m['xalert'].isdigit()")" "$((NALERTS * 2))"
check "no Message-ID twice" "$(python3 -c "import json,sys
ids = [json.loads(l)['message_id'] for l in open(sys.argv[1])]
print(len(ids) - len(set(ids)))" "$T/mails.jsonl")" "0"
check "webhook: every alert once, signature verified" \
    "$(grep -c '"status": 200, "sig_ok": true' "$T/hook-ok.log")" "$NALERTS"
check "webhook: no other request" "$(wc -l <"$T/hook-ok.log" | tr -d ' ')" "$NALERTS"
check "nothing left in the queue" \
    "$(q "$DB" "SELECT count(*) FROM alert_deliveries WHERE state != 'sent'")" "0"
# the weekly summary: Mondays 09:00 JST, the week before, in both languages
check "weekly summaries: one per week and recipient" \
    "$(mails "m['xalert'].startswith('summary')")" "$(($(q "$DB" "SELECT count(*) FROM summary_runs WHERE kind = 'weekly'") * 2))"
check "weekly summary runs: Mondays, weeks of the month" \
    "$(q "$DB" "SELECT group_concat(date(period_start, 'unixepoch'), ' ') FROM summary_runs ORDER BY period_start")" \
    "2026-10-26 2026-11-02 2026-11-09 2026-11-16 2026-11-23"
# the summary went out with the first message after Monday 09:00 JST (day 21's google report;
# yahoo's report of that Sunday came after it): compare with the digest of the store then
"$BIN" --db "$T/at-summary.db" summary --domain example.jp --since 2026-11-16 --until 2026-11-22 --lang ja \
    | sed '1,/^archived/d' | sed '/^$/d' >"$T/digest-ja"
"$BIN" --db "$T/at-summary.db" summary --domain example.jp --since 2026-11-16 --until 2026-11-22 --lang en \
    | sed '1,/^archived/d' | sed '/^$/d' >"$T/digest-en"
same_digest() {	# SUBJECT-PART DIGEST-FILE
	python3 -c "import json,sys
want = [l for l in open(sys.argv[3]).read().splitlines() if l.strip()]
for l in open(sys.argv[1]):
    m = json.loads(l)
    if sys.argv[2] in m['subject']:
        got = [x for x in m['text'].splitlines() if x.strip()]
        print('same' if want and got[1:] == want else 'differs')" "$T/mails.jsonl" "$1" "$2"
}
check "ja weekly summary = 'summary --lang ja' digest" \
    "$(same_digest "週次サマリー 2026-11-16〜2026-11-22" "$T/digest-ja")" "same"
check "en weekly summary = 'summary --lang en' digest" \
    "$(same_digest "Weekly summary for example.jp: 2026-11-16 to 2026-11-22" "$T/digest-en")" "same"
# evaluating the whole month again adds nothing and sends nothing
out=$(DS --db "$DB" alerts run --json --now $((D0 + 30 * 86400 + 9000)) --scan-days 14 $RUN)
check "rescan of 14 days: no new alert, nothing sent" \
    "$(echo "$out" | sed 's/.*"alerts":\([0-9]*\).*"sent":\([0-9]*\).*/\1 \2/')" "0 0"
# without the cooldown, the same rescan does alert the spike of day 29 (the check above can fail)
DS --db "$DB" alerts settings --domain example.jp --cooldown 0 >/dev/null
DS --db "$DB" alerts run --now $((D0 + 30 * 86400 + 9000)) --scan-days 14 --no-deliver >/dev/null
"$BIN" --db "$DB" alerts list --json --limit 1000 >"$T/alerts.json"
check "cooldown 0: the spike of day 29 is alerted" \
    "$(rule_days spoofing_spike | grep -c '2026-11-29 .*2026-11-30')" "1"
DS --db "$DB" alerts settings --domain example.jp --cooldown 7 >/dev/null

# ---- 2. ack, list, settings errors -----------------------------------------------------------
DS --db "$DB" alerts ack "$SPOOF_ID" >/dev/null
check "ack: the alert leaves the open list" \
    "$("$BIN" --db "$DB" alerts list --state open --json | grep -c '"spoofing_started"')" "0"
DS --db "$DB" alerts ack 99999 2>/dev/null; check "ack of an unknown id: exit 1" "$?" "1"
DS --db "$DB" alerts settings --domain example.jp --set bogus=1 2>/dev/null
check "settings: unknown threshold refused (exit 2)" "$?" "2"
DS --db "$DB" alerts settings --domain example.jp --add-recipient not-an-address 2>/dev/null
check "settings: a bad address refused (exit 2)" "$?" "2"
DS --db "$DB" alerts settings --domain example.jp --set spoof_min=80 >/dev/null
check "settings: a threshold override is stored" \
    "$(q "$DB" "SELECT thresholds FROM alert_settings")" '{"spoof_min":80}'

# ---- 3. alerts test: each channel, the signature ---------------------------------------------
out=$(DS --db "$DB" alerts test --domain example.jp $RUN)
check "test: a sample through each channel" "$(echo "$out" | grep -c ' sent')" "3"
check "test: the receiver verified the signature" "$(tail -1 "$T/hook-ok.log" | grep -c '"sig_ok": true')" "1"
hook_start "$HOOK_BAD" ok "$T/hook-bad.log"
sqlite3 "$DB" "UPDATE alert_settings SET webhook_url = 'http://127.0.0.1:$HOOK_BAD/', webhook_secret = 'wrong'"
DS --db "$DB" alerts test --domain example.jp $RUN >"$T/test-bad.out" 2>&1
check "test: a wrong secret is refused by the receiver (exit 1)" "$?:$(grep -c 'webhook  FAILED  webhook: HTTP status 401' "$T/test-bad.out")" "1:1"

# ---- 4. webhook retries: 500, 500, 200 -> delivered once -------------------------------------
BASE=$T/base.db
for k in 16 17 18 19 20; do DS --db "$BASE" ingest "$T/month/day$k" >/dev/null; done
DS --db "$BASE" alerts settings --domain example.jp --set quiet_days=3 --summary off \
    --webhook "http://127.0.0.1:$HOOK_FAIL/" --webhook-secret s3cret >/dev/null
cp "$BASE" "$T/hang.db"; cp "$BASE" "$T/kill.db"; cp "$BASE" "$T/fr.db"; cp "$BASE" "$T/digest.db"; cp "$BASE" "$T/nd.db"
hook_start "$HOOK_FAIL" fail2 "$T/hook-fail.log"
N0=$((D0 + 20 * 86400 + 7200))
DS --db "$BASE" alerts run --now $N0 --scan-days 5 --retry-base 60 >/dev/null
DS --db "$BASE" alerts run --now $((N0 + 30)) --retry-base 60 >/dev/null	# not due yet
DS --db "$BASE" alerts run --now $((N0 + 61)) --retry-base 60 >/dev/null
DS --db "$BASE" alerts run --now $((N0 + 61 + 121)) --retry-base 60 >/dev/null
DS --db "$BASE" alerts run --now $((N0 + 86400)) --retry-base 60 >/dev/null
check "one alert (spoofing started)" "$(q "$BASE" "SELECT group_concat(rule) FROM alerts")" "spoofing_started"
check "receiver: 500, 500, 200 and nothing after" \
    "$(python3 -c "import json,sys; print(' '.join(str(json.loads(l)['status']) for l in open(sys.argv[1])))" "$T/hook-fail.log")" \
    "500 500 200"
check "the same delivery key on every attempt" \
    "$(python3 -c "import json,sys; print(len({json.loads(l)['key'] for l in open(sys.argv[1])}))" "$T/hook-fail.log")" "1"
check "delivery: sent after 3 attempts" \
    "$(q "$BASE" "SELECT state || ' ' || attempts FROM alert_deliveries")" "sent 3"

# ---- 5. a receiver that never answers: the run returns, the queue keeps it ---------------------
hook_start "$HOOK_HANG" hang "$T/hook-hang.log"
sqlite3 "$T/hang.db" "UPDATE alert_settings SET webhook_url = 'http://127.0.0.1:$HOOK_HANG/'"
t0=$(date +%s)
DS --db "$T/hang.db" alerts run --now $N0 --scan-days 5 --timeout 2 >/dev/null
t1=$(date +%s)
check "run returns within its timeout (2 s + slack)" "$([ $((t1 - t0)) -le 8 ] && echo yes)" "yes"
check "the delivery waits in the queue" \
    "$(q "$T/hang.db" "SELECT state || ' ' || attempts || ' ' || (next_attempt > $N0) FROM alert_deliveries")" "pending 1 1"
check "its error says why" "$(q "$T/hang.db" "SELECT last_error LIKE '%imed out%' FROM alert_deliveries")" "1"

# ---- 6. kill -9 while sending: no loss; the resend carries the same key -----------------------
sqlite3 "$T/kill.db" "UPDATE alert_settings SET webhook_url = 'http://127.0.0.1:$HOOK_HANG/'"
"$BIN" -q --db "$T/kill.db" alerts run --now $N0 --scan-days 5 --timeout 30 >/dev/null 2>&1 &
KPID=$!
before=$(wc -l <"$T/hook-hang.log")
for _ in $(seq 100); do [ "$(wc -l <"$T/hook-hang.log")" -gt "$before" ] && break; sleep 0.1; done
kill -9 $KPID; wait $KPID 2>/dev/null
check "after kill -9: the alert is stored, its delivery claimed" \
    "$(q "$T/kill.db" "SELECT count(*) || ' ' || (SELECT state || ' ' || attempts FROM alert_deliveries) FROM alerts")" "1 pending 1"
hook_start "$HOOK_OK2" ok "$T/hook-ok2.log"
sqlite3 "$T/kill.db" "UPDATE alert_settings SET webhook_url = 'http://127.0.0.1:$HOOK_OK2/'"
DS --db "$T/kill.db" alerts run --now $((N0 + 60)) --timeout 30 >/dev/null
check "within the lease: not sent again" "$(cat "$T/hook-ok2.log" 2>/dev/null | wc -l | tr -d ' ')" "0"
DS --db "$T/kill.db" alerts run --now $((N0 + 121)) --timeout 30 >/dev/null
check "after the lease: sent once" "$(wc -l <"$T/hook-ok2.log" | tr -d ' ')" "1"
check "the resend has the interrupted request's key (duplicate detectable)" \
    "$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])['key'] == json.loads(open(sys.argv[2]).read())['key'])" "$T/hook-hang.log" "$T/hook-ok2.log")" "True"
DS --db "$T/kill.db" alerts run --now $((N0 + 86400)) >/dev/null
check "and never again" "$(wc -l <"$T/hook-ok2.log" | tr -d ' ')" "1"

# ---- 6b. kill -9 of `ingest -` between the evaluation and the delivery ----------------------
# The MTA pipe evaluates (commits the alert and its queue rows), then delivers to a webhook
# that never answers; kill -9 there.  The next message's ingest sends it once, after the lease.
KDB=$T/kill-pipe.db
for k in 16 17 18 19; do DS --db "$KDB" ingest "$T/month/day$k" >/dev/null; done
DS --db "$KDB" alerts settings --domain example.jp --set quiet_days=3 --summary off \
    --webhook "http://127.0.0.1:$HOOK_HANG/" --webhook-secret s3cret >/dev/null
printf '[alerts]\non_ingest = yes\ntimeout = 30\n' >"$T/kill.ini"
before=$(wc -l <"$T/hook-hang.log")
DMARCSCOPE_NOW=$N0 "$BIN" -q --db "$KDB" --config "$T/kill.ini" ingest - <"$T/month/day20/google.eml" &
KPID=$!
for _ in $(seq 100); do [ "$(wc -l <"$T/hook-hang.log")" -gt "$before" ] && break; sleep 0.1; done
kill -9 $KPID; wait $KPID 2>/dev/null
check "pipe killed while delivering: report, alert and claimed delivery are stored" \
    "$(q "$KDB" "SELECT (SELECT count(*) FROM reports) || ' ' || (SELECT group_concat(rule) FROM alerts) || ' ' || (SELECT state || ' ' || attempts FROM alert_deliveries)")" \
    "9 spoofing_started pending 1"
sqlite3 "$KDB" "UPDATE alert_settings SET webhook_url = 'http://127.0.0.1:$HOOK_OK2/'"
n0=$(wc -l <"$T/hook-ok2.log")
DMARCSCOPE_NOW=$((N0 + 60)) "$BIN" -q --db "$KDB" --config "$T/kill.ini" ingest - <"$T/month/day20/yahoo.eml"
check "next message within the lease: not sent again" "$(($(wc -l <"$T/hook-ok2.log") - n0))" "0"
DMARCSCOPE_NOW=$((N0 + 86400)) "$BIN" -q --db "$KDB" --config "$T/kill.ini" ingest - <"$T/month/day21/google.eml"
check "next message after the lease: sent once, with the interrupted request's key" \
    "$(($(wc -l <"$T/hook-ok2.log") - n0)) $(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])['key'] == json.loads(open(sys.argv[2]).readlines()[-1])['key'])" "$T/hook-hang.log" "$T/hook-ok2.log")" "1 True"
DMARCSCOPE_NOW=$((N0 + 2 * 86400)) "$BIN" -q --db "$KDB" --config "$T/kill.ini" ingest - <"$T/month/day22/google.eml"
check "and never again" "$(($(wc -l <"$T/hook-ok2.log") - n0))" "1"

# ---- 7. failure reports (rows as issue 13's writer stores them in 007's table) ----------------
for i in 1 2; do
	sqlite3 "$T/fr.db" "INSERT INTO failure_reports(ident, policy_domain, feedback_type,
	    is_dmarc_failure, reporter, source_ip, arrival_time, subject, mail_from, model, ingested_at)
	    VALUES ('failure:t$i', 'example.jp', 'auth-failure', 1, 'abuse@receiver.example',
	    '203.0.113.$i', $((D0 + 19 * 86400 + 3600 * i)), '請求書 $i', 'billing@example.jp', '{}', 0)"
done
sqlite3 "$T/fr.db" "UPDATE alert_settings SET webhook_url = NULL"
DS --db "$T/fr.db" alerts run --now $N0 --scan-days 5 >/dev/null
check "failure reports: one alert with the count, the newest subject and source" \
    "$(q "$T/fr.db" "SELECT json_extract(numbers, '$.reports') || ' ' || json_extract(numbers, '$.subject')
    || ' ' || json_extract(numbers, '$.source_ip') FROM alerts WHERE rule = 'failure_report'")" \
    "2 請求書 2 203.0.113.2"

# ---- 8. STARTTLS + AUTH, implicit TLS (self-signed certificate on loopback) -------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 2>/dev/null
$PY "$HERE/alerts/smtp_tls.py" "$TLS_PORT" "$T/cert.pem" "$T/key.pem" "$T/TlsMaildir" alerts pw \
    </dev/null >"$T/tls.log" 2>&1 &
PIDS="$PIDS $!"
$PY -m aiosmtpd -n -l "127.0.0.1:$SMTPS_PORT" --smtpscert "$T/cert.pem" --smtpskey "$T/key.pem" \
    -c aiosmtpd.handlers.Mailbox "$T/SmtpsMaildir" </dev/null >"$T/smtps.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$TLS_PORT"; wait_port "$SMTPS_PORT"
printf '[smtp]\nurl = smtp://127.0.0.1:%s\nstarttls = yes\nuser = alerts\npassword = %s\nfrom = d@example.jp\n' \
    "$TLS_PORT" pw >"$T/tls.ini"
sqlite3 "$DB" "UPDATE alert_settings SET webhook_url = NULL"
"$BIN" --db "$DB" --config "$T/tls.ini" alerts test --domain example.jp >"$T/t1" 2>&1
check "STARTTLS: an unverifiable certificate is refused by default" "$?:$(grep -c FAILED "$T/t1")" "1:2"
sed 's/^password = pw$/password = wrong/' "$T/tls.ini" >"$T/bad.ini"
"$BIN" --db "$DB" --config "$T/bad.ini" alerts test --domain example.jp --tls-insecure >"$T/t2" 2>&1
check "STARTTLS: a wrong password is refused" "$?:$(grep -c FAILED "$T/t2")" "1:2"
"$BIN" --db "$DB" --config "$T/tls.ini" alerts test --domain example.jp --tls-insecure >"$T/t3" 2>&1
check "STARTTLS + AUTH: delivered" "$?:$(ls "$T/TlsMaildir/new" | wc -l | tr -d ' ')" "0:2"
"$BIN" --db "$DB" alerts test --domain example.jp --smtp "smtps://127.0.0.1:$SMTPS_PORT" \
    --tls-insecure --from d@example.jp >"$T/t4" 2>&1
check "smtps:// (implicit TLS): delivered" "$?:$(ls "$T/SmtpsMaildir/new" | wc -l | tr -d ' ')" "0:2"

# ---- 9. digest mode and the daily summary ---------------------------------------------------
for i in 1 2; do
	sqlite3 "$T/digest.db" "INSERT INTO failure_reports(ident, policy_domain, feedback_type,
	    is_dmarc_failure, arrival_time, model, ingested_at) VALUES ('failure:d$i', 'example.jp',
	    'auth-failure', 1, $((D0 + 19 * 86400 + 3600 * i)), '{}', 0)"
done
DS --db "$T/digest.db" alerts settings --domain example.jp --no-webhook --digest daily \
    --summary daily --add-recipient digest@example.jp:en >/dev/null
DS --db "$T/digest.db" alerts run --now $N0 --scan-days 5 $RUN >/dev/null	# 11:00 JST
python3 "$HERE/alerts/mailcheck.py" "$T/Maildir" >"$T/mails.jsonl"
check "digest: nothing before 09:00 JST, the daily summary at once" \
    "$(mails "m['to'] == 'digest@example.jp' and 'digest' in m['xalert']")/$(mails "m['to'] == 'digest@example.jp' and m['subject'].startswith('[dmarcscope] Daily summary for example.jp: 2026-11-21 to 2026-11-21')")" "0/1"
DS --db "$T/digest.db" alerts run --now $((N0 + 22 * 3600)) $RUN >/dev/null	# 09:00 JST next day
python3 "$HERE/alerts/mailcheck.py" "$T/Maildir" >"$T/mails.jsonl"
check "digest: both alerts in one mail at 09:00 JST" \
    "$(mails "m['to'] == 'digest@example.jp' and m['subject'] == '[dmarcscope] 2 alerts for example.jp' and 'Spoofing suspected' in m['text'] and 'Failure reports received' in m['text']")" "1"
check "daily summary: the next day's too" \
    "$(mails "m['to'] == 'digest@example.jp' and m['subject'].startswith('[dmarcscope] Daily summary')")" "2"
check "digest: both deliveries marked sent" \
    "$(q "$T/digest.db" "SELECT count(*) FROM alert_deliveries WHERE alert_id IS NOT NULL AND state = 'sent'")" "2"
# days far behind the clock are not evaluated (importing an old archive)
out=$(DS --db "$T/digest.db" alerts run --json --now $((N0 + 40 * 86400)) --scan-days 60 --no-deliver)
check "old days: counted as too old, no alert" \
    "$(echo "$out" | sed 's/.*"alerts":\([0-9]*\).*"too_old":\([0-9]*\).*/\1 \2/')" "0 5"

# ---- 10. stopped between evaluation and delivery: nothing lost, nothing twice -----------------
sqlite3 "$T/nd.db" "UPDATE alert_settings SET webhook_url = 'http://127.0.0.1:$HOOK_OK/'"
n0=$(wc -l <"$T/hook-ok.log")
DS --db "$T/nd.db" alerts run --now $N0 --scan-days 5 --no-deliver >/dev/null	# evaluation committed
check "after evaluation only: the delivery waits, nothing sent" \
    "$(q "$T/nd.db" "SELECT state || ' ' || attempts FROM alert_deliveries")/$(($(wc -l <"$T/hook-ok.log") - n0))" "pending 0/0"
DS --db "$T/nd.db" alerts run --now $((N0 + 5)) >/dev/null
DS --db "$T/nd.db" alerts run --now $((N0 + 3600)) --scan-days 5 >/dev/null
check "the next runs deliver it once" "$(($(wc -l <"$T/hook-ok.log") - n0))" "1"

# ---- 11. the hook for failure reports: a DMARC failure's arrival day, not an abuse report's ----
FDB=$T/fr-hook.db
for c in real-failure-linkedin-lf variant-abuse-not-dmarc; do
	DS --db "$FDB" ingest "$HERE/kinds/cases/$c"/input.* >/dev/null 2>&1
done
check "failure reports through ingest: the DMARC one's arrival day is recorded, the abuse one's not" \
    "$(q "$FDB" "SELECT group_concat(c.policy_domain || ' ' || (c.day = f.arrival_time / 86400), ',')
    FROM alert_changes c JOIN failure_reports f ON f.policy_domain = c.policy_domain AND f.is_dmarc_failure = 1")" \
    "example.com 1"
check "and the abuse report is stored" "$(q "$FDB" "SELECT count(*) FROM failure_reports")" "2"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
