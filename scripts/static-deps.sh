#!/usr/bin/env bash
# static-deps.sh DIR: a minimal static libcurl for `make static`, built
# from Debian's own curl source (apt-get source) into DIR/curl: HTTP and
# HTTPS over OpenSSL, names resolved by c-ares (no NSS), nothing else,
# and not reading the host's openssl.cnf (written for the host's own
# OpenSSL; see crypto_init in src/verify.c).
# The other libraries (libfcgi, json-c, libinih, libcrypto, libssl,
# libcares) are Debian's own static archives from their -dev packages.
# A finished build is kept: a second run only checks it is there (and
# newer than this script).
set -euo pipefail

dir=${1:?usage: static-deps.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
prefix=$dir/curl
stamp=$prefix/.built

if [ "$stamp" -nt "$0" ] && [ -f "$prefix/lib/libcurl.a" ]; then
	exit 0
fi

for a in libfcgi libjson-c libinih libcrypto libssl libcares; do
	if [ ! -f "/usr/lib/x86_64-linux-gnu/$a.a" ]; then
		echo "static-deps: /usr/lib/x86_64-linux-gnu/$a.a missing:" \
		    "install libfcgi-dev libjson-c-dev libinih-dev libssl-dev" \
		    "libc-ares-dev" >&2
		exit 1
	fi
done

# Debian's curl source: apt-get source needs a deb-src entry; as root
# one is added for the archives already configured, else the caller
# must have one.
src=$dir/src
if ! ls -d "$src"/curl-*/ >/dev/null 2>&1; then
	if ! apt-get source --print-uris curl >/dev/null 2>&1; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "static-deps: no deb-src entry for curl; add one" \
			    "(or run as root) and retry" >&2
			exit 1
		fi
		d=/etc/apt/sources.list.d
		if [ -f $d/debian.sources ]; then	# deb822, Debian 12
			sed 's/^Types: deb$/Types: deb-src/; /^#/d' \
			    $d/debian.sources >$d/hookline-static-src.sources
		else					# one-line style
			sed -n 's/^deb /deb-src /p' /etc/apt/sources.list \
			    >$d/hookline-static-src.list
		fi
		apt-get update -qq
	fi
	rm -rf "$src" && mkdir -p "$src"
	(cd "$src" && apt-get source -qq curl) >&2
fi
cd "$(ls -d "$src"/curl-*/ | head -n1)"

rm -rf build-static "$prefix" && mkdir build-static && cd build-static
../configure --prefix="$prefix" --disable-shared --enable-static \
	--with-openssl --enable-ares --disable-openssl-auto-load-config \
	--disable-dict --disable-file --disable-ftp --disable-gopher \
	--disable-imap --disable-ldap --disable-ldaps --disable-mqtt \
	--disable-pop3 --disable-rtsp --disable-smb --disable-smtp \
	--disable-telnet --disable-tftp --disable-manual \
	--disable-ntlm --disable-ntlm-wb --disable-kerberos-auth \
	--disable-negotiate-auth --disable-alt-svc --disable-hsts \
	--disable-unix-sockets --disable-cookies --disable-netrc \
	--without-libpsl --without-libidn2 --without-nghttp2 \
	--without-nghttp3 --without-ngtcp2 --without-brotli \
	--without-zstd --without-zlib --without-librtmp --without-libssh2 \
	--without-libssh --without-libgsasl --without-gssapi \
	--without-ca-bundle --without-ca-path >&2
make -s -j"$(nproc)" -C lib >&2
make -s -C lib install >&2
make -s -C include install >&2
touch "$stamp"
