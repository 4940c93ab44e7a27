#!/bin/sh
# fresh-machine.sh - proves the README's two commands on a machine that has
# never built the project: bootstraps a Debian 12 root with debootstrap (the
# base system plus git and make, nothing else), copies a clean clone of this
# repository's HEAD and ../shared into it, then inside it with chroot runs
# `make run` until the portal answers and `make check` to its closing line.
#
#   sh scripts/fresh-machine.sh            (as root; about 20-30 minutes)
#   FRESH_ROOT=/var/tmp/x  FRESH_KEEP=1    where to build it; keep it afterwards
#
# Network: only what the host is configured for.  The Debian mirror is read
# from the host's apt sources, the npm settings (registry, CA file) from the
# host's npmrc files, and the host's extra CA certificates are copied in, so
# nothing here names a registry.  Prints the time of each step; the exit
# status is make check's.
set -eu
cd "$(dirname "$0")/.."
PROJ=$(pwd)
SHARED=${SHARED:-$PROJ/../shared}
ROOT=${FRESH_ROOT:-/var/tmp/dmarcscope-fresh}
PORT=${FRESH_PORT:-18080}
LOG=${FRESH_LOG:-$PROJ/build/fresh-machine}
[ "$(id -u)" = 0 ] || { echo "fresh-machine: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
[ -d "$SHARED" ] || { echo "fresh-machine: $SHARED not found" >&2; exit 2; }
command -v debootstrap >/dev/null 2>&1 || apt-get -o DPkg::Lock::Timeout=600 install -y -qq debootstrap >/dev/null
mkdir -p "$LOG"

mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb  *\([^ ]*\/debian\)  *bookworm .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || { echo "fresh-machine: no Debian mirror in the host's apt sources" >&2; exit 2; }

umount_all() {
	for m in dev/shm dev/pts dev sys proc; do
		mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"
	done
	return 0
}
cleanup() {
	[ -n "${RUNPID:-}" ] && kill -TERM "-$RUNPID" 2>/dev/null
	umount_all
	[ "${FRESH_KEEP:-0}" = 1 ] || rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM
umount_all
rm -rf "$ROOT"
t0=$(date +%s)
echo "fresh-machine: debootstrap bookworm into $ROOT"
debootstrap --include=git,make bookworm "$ROOT" "$mirror" >"$LOG/debootstrap.log" 2>&1 || {
	tail -20 "$LOG/debootstrap.log"; exit 1; }
t1=$(date +%s)
echo "fresh-machine: debootstrap took $((t1 - t0)) s"

# the host's network settings: resolver, apt sources, CA certificates, npmrc
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
rm -f "$ROOT/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null || \
	cp /etc/apt/sources.list "$ROOT/etc/apt/sources.list"
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$ROOT/usr/local/share/ca-certificates"
	cp -a /usr/local/share/ca-certificates/. "$ROOT/usr/local/share/ca-certificates/"
fi
if [ -f /etc/ssl/certs/ca-certificates.crt ] && [ ! -f "$ROOT/etc/ssl/certs/ca-certificates.crt" ]; then
	mkdir -p "$ROOT/etc/ssl/certs"
	cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/"
fi
for f in /etc/npmrc /usr/etc/npmrc /root/.npmrc; do
	[ -f "$f" ] && mkdir -p "$ROOT$(dirname "$f")" && cp "$f" "$ROOT$f"
done

mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount -t devpts devpts "$ROOT/dev/pts" 2>/dev/null || true
mount -t tmpfs -o size=2g tmpfs "$ROOT/dev/shm"

mkdir -p "$ROOT/work"
git clone -q "$PROJ" "$ROOT/work/main"
cp -a "$SHARED" "$ROOT/work/shared"
echo "fresh-machine: clean clone of $(git rev-parse --short HEAD) and ../shared copied in"

inroot() {	# command... : run in the fresh root, as a login shell of root
	chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$1"
}

# make run: until the portal answers (it stays in the foreground; then stopped)
t2=$(date +%s)
setsid sh -c "$(cat <<EOS
chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PORTAL_LISTEN=127.0.0.1:$PORT /bin/sh -c 'cd /work/main && make run'
EOS
)" >"$LOG/make-run.log" 2>&1 &
RUNPID=$!
ok=0
while kill -0 "$RUNPID" 2>/dev/null; do
	if inroot "command -v curl >/dev/null && curl -fsS -m 2 http://127.0.0.1:$PORT/api/v1/version" \
	    >"$LOG/version.json" 2>/dev/null; then ok=1; break; fi
	[ $(( $(date +%s) - t2 )) -gt 3600 ] && break
	sleep 5
done
t3=$(date +%s)
if [ "$ok" = 1 ]; then
	echo "fresh-machine: make run: the portal answered after $((t3 - t2)) s: $(cat "$LOG/version.json")"
	inroot "curl -fsS -m 5 http://127.0.0.1:$PORT/ | head -c 200" >"$LOG/index.html" 2>&1 || true
else
	echo "fresh-machine: make run FAILED after $((t3 - t2)) s; last lines:"
	tail -25 "$LOG/make-run.log"
fi
kill -TERM "-$RUNPID" 2>/dev/null || true
wait "$RUNPID" 2>/dev/null || true
RUNPID=
[ "$ok" = 1 ] || exit 1

# make check, in the same root (as CI would: its own command, after make run)
t4=$(date +%s)
set +e
inroot 'cd /work/main && make check' >"$LOG/make-check.log" 2>&1
rc=$?
set -e
t5=$(date +%s)
echo "fresh-machine: make check took $((t5 - t4)) s, exit $rc; its last lines:"
tail -2 "$LOG/make-check.log"
echo "fresh-machine: total $((t5 - t0)) s"
exit "$rc"
