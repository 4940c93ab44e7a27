# dovecot_lib.sh - sourced by soak.sh, imap_fail.sh and bench/intake_latency.sh:
# a Dovecot instance on 127.0.0.1 under $T (the caller's temporary folder),
# one user ($USER / $PASS), Maildir storage, plain text (loopback only) unless
# told otherwise.
#   dovecot_conf NAME PORT [SSL]  write $T/NAME/dovecot.conf and the user's
#                            Maildir; SSL: the ssl lines (default "ssl = no")
#   dovecot_start NAME PORT  start it, wait for the port (1 when it never opens
#                            or the master did not stay up)
#   dovecot_kill NAME        SIGKILL every process of the instance (a crash)
#   dovecot_stop NAME        SIGTERM the master and wait (a clean stop)
#   wait_port PORT           0 once 127.0.0.1:PORT accepts, 1 after 10 s
#   imap_count PORT FOLDER   messages in FOLDER (STATUS), empty when it fails
# Needs $T, $USER, $PASS.
dovecot_conf() {
	D=$T/$1; mkdir -p "$D/run" "$D/state" "$D/mail"
	cat >"$D/dovecot.conf" <<EOC
protocols = imap
listen = 127.0.0.1
base_dir = $D/run
state_dir = $D/state
instance_name = ds-$1-$(basename "$T")
log_path = $D/dovecot.log
${3:-ssl = no}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$D/mail/%u/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $2
  }
  inet_listener imaps {
    port = 0
  }
}
EOC
	echo "$USER:{PLAIN}$PASS" >"$D/users"
	mkdir -p "$D/mail/$USER/Maildir/cur" "$D/mail/$USER/Maildir/new" "$D/mail/$USER/Maildir/tmp"
	chown -R nobody:nogroup "$D/mail"
}
wait_port() {
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.2)" \
		    2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# Dovecot names its processes "dovecot-INSTANCE/service"; the instance name
# holds $T's unique basename, so this matches this instance's processes only.
dovecot_pids() { pgrep -f "^dovecot-ds-$1-$(basename "$T")/" 2>/dev/null; }
dovecot_start() {
	dovecot -c "$T/$1/dovecot.conf" </dev/null >/dev/null 2>&1 || return 1
	wait_port "$2" || return 1
	# the port can answer while the master gives up (a listener it could not
	# bind): it must still be running
	sleep 0.2
	live "$(cat "$T/$1/run/master.pid" 2>/dev/null || echo 0)"
}
# A crash: the master is stopped first (SIGSTOP), or it starts new children
# (log, stats, a login's mail process) between the children's SIGKILL and its
# own, and those orphans live on: an orphan login process keeps the port, so
# the next start fails with "Address already in use" while the port still
# answers (seen in make check).  Then every process of the instance goes.
dovecot_kill() {
	m=$(cat "$T/$1/run/master.pid" 2>/dev/null) || m=""
	[ -n "$m" ] && kill -STOP "$m" 2>/dev/null
	for _ in $(seq 50); do
		p=$(for q in $m $(dovecot_pids "$1"); do live "$q" && echo "$q"; done)
		[ -z "$p" ] && break
		kill -9 $p 2>/dev/null
		sleep 0.1
	done
	rm -f "$T/$1/run/master.pid"
}
live() {	# PID is a process, not a zombie (an init that never reaps keeps those)
	_st=$(sed -n 's/^[0-9]* (.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_st" ] && [ "$_st" != Z ]
}
dovecot_stop() {
	m=$(cat "$T/$1/run/master.pid" 2>/dev/null) || return 0
	kill -TERM "$m" 2>/dev/null
	for _ in $(seq 100); do live "$m" || break; sleep 0.1; done
	dovecot_kill "$1"	# what is left, if anything
}
imap_count() {
	curl -s -u "$USER:$PASS" "imap://127.0.0.1:$1/" -X "STATUS $2 (MESSAGES)" |
	    sed -n 's/.*(MESSAGES \([0-9]*\)).*/\1/p' | tr -d '\r'
}
