#!/bin/sh
# pkgcheck.sh NAME... - asks pkg-config for each library the build needs and,
# for every one it cannot find, prints one line naming it, the Debian package
# that provides it and the command that installs it.  Prints nothing and exits
# 0 when all are there (the Makefile stops the build on any output).
command -v pkg-config >/dev/null 2>&1 || {
	echo "pkg-config is not installed: run 'make deps' (or: apt-get install pkg-config)"
	exit 1
}
deb() {	# pkg-config name -> Debian -dev package
	case "$1" in
	expat) echo libexpat1-dev ;;
	libxml-2.0) echo libxml2-dev ;;
	zlib) echo zlib1g-dev ;;
	libzip) echo libzip-dev ;;
	gmime-3.0) echo libgmime-3.0-dev ;;
	sqlite3) echo libsqlite3-dev ;;
	jansson) echo libjansson-dev ;;
	libzstd) echo libzstd-dev ;;
	libcrypto) echo libssl-dev ;;
	libpsl) echo libpsl-dev ;;
	libcares) echo libc-ares-dev ;;
	libmaxminddb) echo libmaxminddb-dev ;;
	libcurl) echo libcurl4-openssl-dev ;;
	libmicrohttpd) echo libmicrohttpd-dev ;;
	libargon2) echo libargon2-dev ;;
	libpq) echo libpq-dev ;;
	cmocka) echo libcmocka-dev ;;
	*) echo "lib$1-dev" ;;
	esac
}
rc=0
for p in "$@"; do
	if ! pkg-config --exists "$p" 2>/dev/null; then
		d=$(deb "$p")
		echo "missing library: $p (Debian package $d): run 'make deps' or 'apt-get install $d'"
		rc=1
	fi
done
exit $rc
