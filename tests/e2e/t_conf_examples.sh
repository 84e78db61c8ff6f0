# conf-examples/hookline.conf, with its paths moved into the test folder,
# passes "hookline check"; the server configurations were exercised by
# starting the servers from them.
only_servers lighttpd-fastcgi
d=$ROOT/example-conf
mkdir -p "$d/hooks.d/github" "$d/spool"
chmod -R go-w "$d"
# As make install leaves it: the spool is the serving user's (user = in
# the example), which check, run as root, checks as.
[ "$(id -u)" -eq 0 ] && chown "$WWW_USER:" "$d/spool"
sed -e "s,/var/spool/hookline,$d/spool,g" "$REPO/conf-examples/hookline.conf" >"$d/hookline.conf"
printf 'an-example-secret\n' >"$d/github.secret"
# As the example's comments say: readable by the web server's group only.
chgrp "$(id -gn "$WWW_USER" 2>/dev/null || id -gn)" "$d/github.secret" 2>/dev/null
chmod 0640 "$d/github.secret"
if ! out=$("$HOOKLINE_BIN" -c "$d/hookline.conf" check 2>&1); then
	fail "hookline check refuses conf-examples/hookline.conf: $out"
fi
