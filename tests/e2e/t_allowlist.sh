# allow_ip: a request from outside the endpoint's ranges is 403
# forbidden, before its signature is looked at, and runs nothing.
# X-Forwarded-For counts only with the global trusted_proxies, and then
# the client is the right-most address that is not a trusted proxy. The
# servers listen on 127.0.0.1 only, so IPv6 is seen as ranges only.
O=$ROOT/out
E=$ROOT/etc
CONF=$E/hookline.conf
LOG=$O/allow.log
D=$ROOT/data/allowlist
mkdir -p "$D"

# put_conf FILE: FILE becomes hookline.conf at once (a new inode: no
# process reads half a file); every process checks the file again on its
# next request a second later.
put_conf() {
	cp "$1" "$D/conf.new"
	chmod 0644 "$D/conf.new"
	mv "$D/conf.new" "$CONF"
	sleep 1.1
}

if ! grep -q '^\[al-local\]' "$CONF"; then
	cat "$CONF" - >"$D/conf.al" <<-EOF

	; t_allowlist.sh
	[al-local]
	provider = generic
	allow_ip = 127.0.0.1/32

	[al-ten]
	provider = generic
	allow_ip = 10.0.0.0/8

	; several ranges, on two lines; 127.0.0.1 in its IPv4-mapped form
	[al-list]
	provider = generic
	allow_ip = 192.0.2.0/24 ::ffff:127.0.0.0/104
	allow_ip = 2001:db8::/32

	[al-v6]
	provider = generic
	allow_ip = ::1/128

	; the address is checked before the signature
	[al-signed]
	provider    = github
	secret_file = github.secret
	allow_ip    = 10.0.0.0/8
	EOF
	for ep in al-local al-ten al-list al-v6; do
		hook "$ep/_default" "printf '%s %s %s\n' \"\$HOOKLINE_ENDPOINT\" \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_REMOTE_ADDR\" >>$LOG"
	done
	hook al-signed/push "printf '%s %s %s\n' \"\$HOOKLINE_ENDPOINT\" \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_REMOTE_ADDR\" >>$LOG"
	chmod -R go-w "$E/hooks.d"
	put_conf "$D/conf.al"
fi
probe() {
	post_generic al-v6 probe "$(new_id)"
	[ "$STATUS" = 403 ]
}
wait_for 50 probe || { fail "the al-* endpoints did not appear"; show_answer; case_end; }

allowed() {	# allowed ENDPOINT ID ADDR: 200 success, the hook saw ADDR
	expect_status 200 && expect_json .status success
	expect_lines "$LOG" " $2 " "$1 $2 $3"
}
forbidden() {	# forbidden ID: 403 forbidden, nothing ran
	expect_error 403 forbidden
	expect_lines "$LOG" " $1 " ""
}
XFF=X-Forwarded-For

# --- without trusted_proxies: X-Forwarded-For is nobody's word ----------
id=$(new_id)
post_generic al-local ok "$id"
allowed al-local "$id" 127.0.0.1
expect_log "$id" 200
id=$(new_id)
post_generic al-local ok "$id" -H "$XFF: 10.1.2.3"
allowed al-local "$id" 127.0.0.1
id=$(new_id)
post_generic al-list ok "$id"
allowed al-list "$id" 127.0.0.1
id=$(new_id)
post_generic al-ten ok "$id"
forbidden "$id"
post_generic al-ten ok "$id" -H "$XFF: 10.1.2.3"
forbidden "$id"
post_generic al-v6 ok "$id"
forbidden "$id"
# Unsigned, from outside: 403, not 401.
req POST al-signed -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
    -H "X-GitHub-Delivery: $id" --data-binary '{"ref":"x"}'
forbidden "$id"
# And before the body is parsed.
post_json al-ten '{"event":' -H "Webhook-Id: $id"
forbidden "$id"
# The refusal is logged with its reason and the address.
log_403() {
	local f
	for f in $LOGS; do
		[ -f "$f" ] || continue
		grep -F '"endpoint":"al-ten"' "$f" 2>/dev/null | grep -F '"remote_addr":"127.0.0.1"' |
		    grep -Eq '"status": *403([^0-9]|$)' && return 0
	done
	return 1
}
wait_for 30 log_403 || fail "no log line for al-ten with remote_addr 127.0.0.1 and status 403"

# --- with trusted_proxies = 127.0.0.1 -------------------------------------
cp "$CONF" "$D/conf.before"
restore() {
	# Back as it was, for the cases that follow.
	put_conf "$D/conf.before"
}
trap restore EXIT
# Global keys come before the first section.
sed '0,/^\[/s//trusted_proxies = 127.0.0.1\n\n[/' "$D/conf.before" >"$D/conf.proxied"
put_conf "$D/conf.proxied"

id=$(new_id)
post_generic al-ten ok "$id" -H "$XFF: 10.1.2.3"
allowed al-ten "$id" 10.1.2.3
# What the client wrote left of what our proxy appended is not looked at.
id=$(new_id)
post_generic al-ten ok "$id" -H "$XFF: 192.0.2.1, 10.1.2.3"
allowed al-ten "$id" 10.1.2.3
# Trusted proxies on the right are skipped.
id=$(new_id)
post_generic al-ten ok "$id" -H "$XFF: 10.1.2.3, 127.0.0.1"
allowed al-ten "$id" 10.1.2.3
id=$(new_id)
post_generic al-ten ok "$id" -H "$XFF: 192.0.2.1"
forbidden "$id"
post_generic al-ten ok "$id" -H "$XFF: 10.1.2.3, 192.0.2.1"
forbidden "$id"
post_generic al-ten ok "$id" -H "$XFF: not-an-address"
forbidden "$id"
# No header: the client is the proxy itself.
post_generic al-ten ok "$id"
forbidden "$id"
# The client behind the proxy is not 127.0.0.1.
post_generic al-local ok "$id" -H "$XFF: 10.1.2.3"
forbidden "$id"
id=$(new_id)
post_generic al-list ok "$id" -H "$XFF: 192.0.2.77"
allowed al-list "$id" 192.0.2.77

# --- without it again: the header is ignored -------------------------------
trap - EXIT
restore
id=$(new_id)
post_generic al-ten ok "$id" -H "$XFF: 10.1.2.3"
forbidden "$id"
