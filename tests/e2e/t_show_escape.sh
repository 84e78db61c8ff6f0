# `hookline show` and `list` on the operator's terminal: a hook that
# prints ESC sequences, CSI as UTF-8 C1 (\xc2\x9b) and as a raw byte
# (\x9b), OSC, and invalid UTF-8, on stdout and stderr, is shown with
# every control character escaped (\xHH), in text and in --json
# (\u00XX, \ufffd); valid UTF-8 (é) passes. (The sender's own fields
# are bounded before they are stored: event names and delivery ids by
# allowlist, the content type without its parameters.) The delivery
# comes in through CGI (as Apache would start hookline) to an async
# endpoint and is drained by `hookline drain`, as cron would.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need flock util-linux
deploy_root

etc=$D/etc
mkdir -p "$etc/hooks.d/queued"
cat >"$etc/hookline.conf" <<EOF
hooks_dir = hooks.d
spool_dir = spool
log       = $D/log/hookline.log

[queued]
provider = generic
mode     = async
EOF
# What a payload could make a hook echo: colours, a CSI clear-screen as
# C1 in UTF-8 and raw, an OSC title, invalid UTF-8 and a real é.
cat >"$etc/hooks.d/queued/push" <<'EOF'
#!/bin/sh
printf 'esc \033[31mred\033[0m c1 \302\2332J raw \2332J osc \033]0;pwned\007 bad \377\376 caf\303\251\n'
printf 'err \033[2J \302\235 0;t\302\234 \235 \300\257\n' >&2
EOF
chmod 0755 "$etc/hooks.d/queued/push"
chmod -R go-w "$etc"
mkdir -m 0700 "$etc/spool"
HL=$D/bin/hookline

# One delivery through CGI, drain.lock held so that no drainer starts.
body=$D/log/body.json
printf '{"event":"push","data":{"n":1}}' >"$body"
id=$(new_id)
if ! flock -o -n "$etc/spool/drain.lock" \
    env -i PATH=/usr/bin:/bin GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
    SERVER_PROTOCOL=HTTP/1.1 SCRIPT_NAME=/cgi-bin/hookline.cgi PATH_INFO=/queued \
    REMOTE_ADDR=127.0.0.1 CONTENT_TYPE=application/json CONTENT_LENGTH="$(wc -c <"$body")" \
    HTTP_WEBHOOK_ID="$id" HOOKLINE_CONF="$etc/hookline.conf" \
    "$HL" <"$body" >"$D/log/cgi.out" 2>"$D/log/cgi.err"; then
	fail "hookline as CGI failed: $(head -c 300 "$D/log/cgi.err")"
fi
grep -q '"status":"accepted"' "$D/log/cgi.out" ||
    { fail "the delivery was not accepted: $(tail -n 1 "$D/log/cgi.out" | cut -c1-300)"; case_end; }
"$HL" -c "$etc/hookline.conf" drain >"$D/log/drain.out" 2>&1 ||
    fail "hookline drain failed: $(head -c 300 "$D/log/drain.out")"
name=$("$HL" -c "$etc/hookline.conf" list --json | jq -r '.[0].name')
[ -n "$name" ] && [ "$name" != null ] || { fail "list --json shows no delivery"; case_end; }

# raw_bytes FILE: the bytes of FILE other than tab, newline and printable
# ASCII, in hex: only é (c3 a9) may be left.
raw_bytes() {
	LC_ALL=C tr -d '\11\12\40-\176' <"$1" | od -An -v -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# expect_safe WHAT FILE ALLOWED: FILE holds no raw byte but ALLOWED.
expect_safe() {
	local got
	got=$(raw_bytes "$2")
	if [ "$got" != "$3" ]; then
		fail "$1 lets raw bytes through: '$got' (only '$3' may pass)"
		LC_ALL=C cat -v "$2" | head -n 20 | cut -c1-200 | sed 's/^/      /'
	fi
}

# expect_has WHAT FILE STRING: FILE holds STRING literally.
expect_has() {
	grep -qF -- "$3" "$2" || fail "$1 does not show '$3'"
}

out=$D/log/show.txt
"$HL" -c "$etc/hookline.conf" show "$name" >"$out" 2>&1 || fail "show $name exits $?"
expect_safe "show" "$out" "c3 a9"
expect_has "show" "$out" 'esc \x1b[31mred\x1b[0m c1 \xc2\x9b2J raw \x9b2J osc \x1b]0;pwned\x07 bad \xff\xfe caf'
expect_has "show" "$out" 'err \x1b[2J \xc2\x9d 0;t\xc2\x9c \x9d \xc0\xaf'

out=$D/log/show.json
"$HL" -c "$etc/hookline.conf" show --json "$name" >"$out" 2>&1 || fail "show --json $name exits $?"
expect_safe "show --json" "$out" "c3 a9"
jq -e . "$out" >/dev/null 2>&1 || fail "show --json is not JSON: $(head -c 300 "$out")"
expect_has "show --json" "$out" 'c1 \u009b2J raw \ufffd2J osc \u001b]0;pwned\u0007 bad \ufffd\ufffd caf'
expect_has "show --json" "$out" '\u009d 0;t\u009c \ufffd \ufffd\ufffd'

for args in "list" "list --json" "list --done" "list --done --json"; do
	out=$D/log/list.out
	# shellcheck disable=SC2086
	"$HL" -c "$etc/hookline.conf" $args >"$out" 2>&1 || fail "$args exits $?"
	expect_safe "$args" "$out" ""
	grep -qF -- "$name" "$out" || fail "$args does not show $name"
done
