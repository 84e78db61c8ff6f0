#!/usr/bin/env bash
# dist.sh BIN OUT: OUT.tar.gz, the release for shared hosting: the
# static binary BIN (stripped) as hookline, the man pages, conf-examples/,
# the example hooks, README.md, LICENSE, and SHA256SUMS of them all.
# Files are sorted, owned by 0:0 and dated by the last commit (else
# VERSION's mtime), so the same tree gives the same tarball.
set -euo pipefail

bin=${1:?usage: dist.sh BIN OUT}
out=${2:?usage: dist.sh BIN OUT}
name=$(basename "$out")
top=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$out" "$out.tar.gz"
mkdir -p "$out/man" "$out/examples"
strip -o "$out/hookline" "$bin"
chmod 0755 "$out/hookline"
cp "$top/doc/hookline.8" "$top/doc/hookline.conf.5" "$out/man/"
cp -R "$top/conf-examples" "$out/conf-examples"
cp -R "$top/examples/hooks.d" "$out/examples/hooks.d"
cp "$top/examples/resident.c" "$out/examples/"
cp "$top/README.md" "$top/LICENSE" "$out/"
(cd "$out" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort |
	sed 's,^\./,,' | xargs -d '\n' sha256sum >SHA256SUMS)

when=$(git -C "$top" log -1 --format=%ct 2>/dev/null ||
	stat -c %Y "$top/VERSION")
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$when" \
	-C "$(dirname "$out")" -czf "$out.tar.gz" "$name"
echo "$out.tar.gz"
