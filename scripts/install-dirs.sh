#!/bin/sh
# install-dirs.sh: the part of `make install` that prepares the server:
# the configuration folder with a commented hookline.conf (never over one
# that is there), and the spool and log folders owned by the user that
# serves ($HOOKLINE_USER, www-data by default: the user Debian's Apache,
# lighttpd and nginx run as, and so hookline and its hooks). As
# non-root (a DESTDIR for a package, say) the folders are made but not
# given away; it says so. Prints what it did and the next step.
#
# usage: install-dirs.sh DESTDIR CONFDIR SPOOLDIR LOGDIR BINDIR DOCDIR
set -eu
dest=$1 conf=$2 spool=$3 log=$4 bin=$5 doc=$6
user=${HOOKLINE_USER:-www-data}
cd "$(dirname "$0")/.."

grp=$(id -gn "$user" 2>/dev/null || echo "$user")
owner=
if [ "$(id -u)" -eq 0 ] && id "$user" >/dev/null 2>&1; then
	owner=$user:$(id -gn "$user")
fi

say() { printf 'make install: %s\n' "$*"; }

install -d -m 0755 "$dest$conf" "$dest$conf/hooks.d"
if [ -e "$dest$conf/hookline.conf" ]; then
	say "kept $dest$conf/hookline.conf (yours)"
else
	install -m 0640 conf-examples/hookline.conf "$dest$conf/hookline.conf"
	[ -n "$owner" ] && chgrp "${owner#*:}" "$dest$conf/hookline.conf"
	say "made $dest$conf/hookline.conf (commented; $(stat -c '%U:%G %a' "$dest$conf/hookline.conf"))"
fi

# dir: a folder only the serving user writes.
serving_dir() {
	if [ -d "$dest$1" ]; then
		say "kept $dest$1 (owner $(stat -c %U:%G "$dest$1"))"
		return 0
	fi
	install -d -m 0750 "$dest$1"
	if [ -n "$owner" ]; then
		chown "$owner" "$dest$1"
		say "made $dest$1 ($owner 0750)"
	else
		say "made $dest$1, NOT owned by $user (not root, or no such user): chown $user: $1"
	fi
}
serving_dir "$spool"
serving_dir "$log"

cat <<EOT
make install: installed $dest$bin/hookline, its man pages, and the examples
  in $dest$doc/.
Next (README.md, "Deploying", has every step): put a secret in
  $conf/github.secret (root:$grp 0640) and hooks in $conf/hooks.d/,
  run "hookline check" as root (it checks as $user), then configure the
  web server from $doc/conf-examples/.
EOT
