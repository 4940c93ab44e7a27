#!/bin/sh
# install-deps.sh - install the Debian packages dmarcscope needs to build, test
# and benchmark, when they are missing.  Needs root (or sudo) only if something
# is missing.  Safe to run repeatedly.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libexpat1-dev libxml2-dev libxml2-utils zlib1g-dev libzip-dev libgmime-3.0-dev
libsqlite3-dev sqlite3 libjansson-dev libzstd-dev libssl-dev libcmocka-dev
python3 time gzip zip unzip
libpsl-dev publicsuffix libc-ares-dev libmaxminddb-dev mmdb-bin libcurl4-openssl-dev
libmicrohttpd-dev unbound rbldnsd dnsutils libmaxmind-db-writer-perl wrk
chromium fonts-ipafont-gothic iso-codes"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
	echo "install-deps: missing packages:$missing (run as root: apt-get install$missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null || true
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
