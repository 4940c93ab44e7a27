#!/bin/sh
# install-deps.sh - install the Debian packages dmarcscope needs to build, test
# and benchmark, when they are missing.  Needs root (or sudo) only if something
# is missing.  Then `npm ci` when node_modules/ is missing or older than
# package-lock.json.  Safe to run repeatedly.
set -eu
cd "$(dirname "$0")/.."
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libexpat1-dev libxml2-dev libxml2-utils zlib1g-dev libzip-dev libgmime-3.0-dev
libsqlite3-dev sqlite3 libjansson-dev libzstd-dev zstd libssl-dev libcmocka-dev
python3 time gzip zip unzip curl openssl procps ca-certificates
libpsl-dev publicsuffix libc-ares-dev libmaxminddb-dev mmdb-bin libcurl4-openssl-dev
libmicrohttpd-dev libargon2-dev unbound rbldnsd dovecot-imapd dnsutils libmaxmind-db-writer-perl wrk
chromium fonts-ipafont-gothic iso-codes python3-aiosmtpd
libpq-dev postgresql-15 postgresql-client-15"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# node and npm: the machine's own if present, else Debian's
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
	echo "install-deps: missing packages:$missing (run as root: apt-get install$missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null || true
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi

# The front-end libraries, the DB-IP Lite database and the browser-test driver,
# exactly as pinned in package-lock.json (no download addresses are recorded).
# A node_modules that is a symbolic link (a git worktree sharing another
# checkout's) is left alone: npm ci would empty the directory it points to.
if [ -L node_modules ]; then
	:
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "install-deps: npm ci" >&2
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
