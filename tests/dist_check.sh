#!/usr/bin/env bash
# dist_check.sh TARBALL: the release tarball (make dist) holds what the
# shared-hosting story needs, its SHA256SUMS check, and its binary is
# one static file that runs. Exits non-zero on the first fault.
set -euo pipefail

tgz=${1:?usage: dist_check.sh TARBALL}
tmp=$(mktemp -d /tmp/hookline-dist-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "dist_check: $*" >&2; exit 1; }

tar -xzf "$tgz" -C "$tmp"
name=$(basename "$tgz" .tar.gz)
d=$tmp/$name
[ -d "$d" ] || fail "no top folder $name/ in $tgz"

for f in hookline SHA256SUMS README.md LICENSE man/hookline.8 \
    man/hookline.conf.5 conf-examples/hookline.conf \
    conf-examples/apache-cgi.htaccess conf-examples/crontab \
    examples/hooks.d/_default examples/hooks.d/github/push \
    examples/hooks.d/github/issues.resident examples/resident.c; do
	[ -f "$d/$f" ] || fail "$f missing"
done
[ -x "$d/hookline" ] || fail "hookline not executable"
[ -x "$d/examples/hooks.d/github/push" ] || fail "example hook not executable"
[ -x "$d/examples/hooks.d/github/issues.resident" ] || fail "resident example hook not executable"

# Every file is listed, and every listed file checks.
(cd "$d" && find . -type f ! -name SHA256SUMS | sed 's,^\./,,' |
	LC_ALL=C sort) >"$tmp/have"
awk '{ print $2 }' "$d/SHA256SUMS" | LC_ALL=C sort >"$tmp/listed"
cmp -s "$tmp/have" "$tmp/listed" || fail "SHA256SUMS does not list every file"
(cd "$d" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c failed"
# The check itself can fail: a changed byte is caught.
printf x >>"$d/README.md"
if (cd "$d" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1); then
	fail "sha256sum -c missed a changed file"
fi

file "$d/hookline" | grep -q 'statically linked' ||
	fail "hookline is not statically linked: $(file "$d/hookline")"
if readelf -d "$d/hookline" 2>/dev/null | grep -q NEEDED; then
	fail "hookline needs shared libraries"
fi
"$d/hookline" --version | grep -q '^hookline ' || fail "hookline --version"
echo "dist_check: ok ($(wc -l <"$d/SHA256SUMS") files)"
