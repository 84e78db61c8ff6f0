# A FastCGI process reads its configuration again when any file of it
# changes, by the file's whole identity (device, inode, size, mtime,
# ctime), not its mtime alone:
# - a broken edit keeps the last good configuration and is logged with
#   its file, line and key; the fix, copied over it with cp -p from a
#   file given the broken one's mtime (touch -r), is loaded all the same;
# - a secret file rotated in place, its mtime put back, the config file
#   untouched: the old secret is refused (401), the new one accepted.
only_servers lighttpd-fastcgi apache-fcgid
E=$ROOT/etc
CONF=$E/hookline.conf
D=$ROOT/data/reload
mkdir -p "$D"

keep_secret() {	# keep_secret FILE: readable by the web server's group only
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		chgrp "$(id -gn "$WWW_USER")" "$1"
		chmod 0640 "$1"
	else
		chmod 0644 "$1"
	fi
}
mtime() { stat -c %.9Y "$1"; }

# Two secrets of one length: a rotation that keeps the file's size.
S1=reload-one-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
S2=reload-two-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$S1" >"$E/reload.secret"
keep_secret "$E/reload.secret"
mkdir -p "$E/hooks.d/reload-gh"
chmod 0755 "$E/hooks.d/reload-gh"
cat >>"$CONF" <<-EOF

	; t_reload.sh: its secret file is rotated in place
	[reload-gh]
	provider    = github
	mode        = sync
	secret_file = reload.secret
	EOF
conf_settle

body=$D/push.json
printf '%s' '{"zen":"reload","hook_id":1}' >"$body"
gh() {	# gh SECRET: a github ping signed with SECRET
	req POST reload-gh -H 'Content-Type: application/json' \
	    -H 'X-GitHub-Event: ping' -H "X-GitHub-Delivery: $(new_id)" \
	    -H "X-Hub-Signature-256: $(github_sign "$1" "$body")" \
	    --data-binary "@$body"
}
# Each request may meet another process: a few of each.
gh "$S1"
expect_status 200
expect_json .status ignored

# --- broken, then fixed with the broken file's mtime --------------------
cp -p "$CONF" "$D/good.conf"
{ printf 'reload_bogus = 1\n'; cat "$D/good.conf"; } >"$D/broken.conf"
cat "$D/broken.conf" >"$CONF"	# in place, as an editor may
conf_settle
for i in 1 2 3; do
	gh "$S1"
	expect_status 200 || break	# the last good one goes on
	post_generic reload-new ping "$(new_id)"
	expect_error 404 unknown_endpoint || break
	sleep 0.6	# another look by the same process
done
if ! grep -qF "hookline.conf:1: unknown key 'reload_bogus'" $LOGS 2>/dev/null; then
	fail "the broken configuration was not logged with its file, line and key"
fi

{ cat "$D/good.conf"; printf '\n[reload-new]\nprovider = generic\nmode = sync\n'; } >"$D/fixed.conf"
bm=$(mtime "$CONF")
touch -r "$CONF" "$D/fixed.conf"
cp -p "$D/fixed.conf" "$CONF"
[ "$(mtime "$CONF")" = "$bm" ] || fail "cp -p did not keep the broken file's mtime"
conf_settle
for i in 1 2 3 4; do
	post_generic reload-new ping "$(new_id)"
	expect_status 200 || break
	expect_json .status ignored
done

# --- a secret file rotated in place, its mtime put back ----------------
was=$D/was.secret
touch -r "$E/reload.secret" "$was"
printf '%s\n' "$S2" >"$E/reload.secret"
touch -r "$was" "$E/reload.secret"
conf_settle
for i in 1 2 3; do
	gh "$S1"
	expect_error 401 invalid_signature || break
	gh "$S2"
	expect_status 200 || break
	expect_json .status ignored
done
