# hookline send against hookline's own verifiers, one endpoint per
# provider: signed with the endpoint's secret it is accepted and its hook
# runs with the event and delivery id the sender would give (exit 0,
# "HTTP/1.1 200"); signed with another secret it is refused (exit 1,
# 401 invalid_signature); a usage error exits 2.
HL=$ROOT/bin/hookline
"$HL" send --help >/dev/null 2>&1 || skip "this hookline has no send command (main.c)"
CONF=$ROOT/etc/hookline.conf
O=$ROOT/out
PROVIDERS="generic github gitlab gitea bitbucket stripe slack standard shopify paddle"

# A secret each, and another one to sign wrongly with; Standard Webhooks
# secrets are whsec_ and base64.
secret_for() {	# secret_for PROVIDER TAG
	case $1 in
	generic|standard) printf 'whsec_%s' "$(head -c 24 /dev/urandom | base64)" ;;
	*) printf '%s-%s-%s' "$1" "$2" "$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" ;;
	esac
}

# The endpoints, added once per server root (the process reloads it).
if ! grep -q '^\[send-generic\]' "$CONF"; then
	for p in $PROVIDERS; do
		secret_for "$p" right >"$ROOT/etc/send-$p.secret"
		secret_for "$p" wrong >"$ROOT/etc/send-$p.wrong"
		chmod 0644 "$ROOT/etc/send-$p.secret" "$ROOT/etc/send-$p.wrong"
		printf '\n[send-%s]\nprovider = %s\nsecret_file = send-%s.secret\nmode = sync\n' \
		    "$p" "$p" "$p" >>"$CONF"
		hook "send-$p/_default" "printf '%s %s %s\n' \"\$HOOKLINE_PROVIDER\" \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" >>$O/send.log"
	done
	chmod -R go-w "$ROOT/etc/hooks.d"
	conf_settle
fi

# send ENDPOINT [send options...]: runs hookline send, sets SEND_RC,
# SEND_OUT (its stdout), SEND_ERR and SEND_STATUS (the status code).
send() {
	local ep=$1
	shift
	SEND_OUT=$ROOT/data/$CASE.send.out
	SEND_ERR=$ROOT/data/$CASE.send.err
	"$HL" send "$BASE/$ep" --timeout 10 "$@" >"$SEND_OUT" 2>"$SEND_ERR"
	SEND_RC=$?
	SEND_STATUS=$(head -n 1 "$SEND_OUT" | sed -n 's,^HTTP/[0-9.]* \([0-9][0-9][0-9]\).*,\1,p')
	BODY=$ROOT/data/$CASE.send.body
	tail -n +2 "$SEND_OUT" >"$BODY"
	BODY_TEXT=$(head -c 600 "$BODY" | tr '\n\r' '  ')
	STATUS=${SEND_STATUS:-000}
	LAST_REQ="hookline send $BASE/$ep $*"
}

expect_send() {	# expect_send RC STATUS
	if [ "$SEND_RC" != "$1" ] || [ "$STATUS" != "$2" ]; then
		fail "hookline send: expected exit $1 and HTTP $2, got exit $SEND_RC and HTTP $STATUS"
		show_answer
		sed 's/^/      stderr: /' "$SEND_ERR"
		return 1
	fi
}

# The new endpoints are there once the configuration is reloaded.
endpoint_ready() {
	send send-paddle --provider paddle --secret-file "$ROOT/etc/send-paddle.secret"
	[ "$STATUS" != 404 ] && [ "$STATUS" != 000 ]
}
wait_for 50 endpoint_ready || fail "send-* endpoints did not appear"

declare -A event=(
	[generic]=ping [github]=push [gitlab]=push [gitea]=push
	[bitbucket]=repo:push [stripe]=payment_intent.succeeded
	[slack]=app_mention [standard]=user.created [shopify]=orders.create
	[paddle]=transaction.completed
)

for p in $PROVIDERS; do
	id=$(new_id)
	send "send-$p" --provider "$p" --secret-file "$ROOT/etc/send-$p.secret" --delivery "$id"
	expect_send 0 200 && expect_json .status success
	expect_lines "$O/send.log" " $id" "$p ${event[$p]} $id"

	bad=$(new_id)
	send "send-$p" --provider "$p" --secret-file "$ROOT/etc/send-$p.wrong" --delivery "$bad"
	expect_send 1 401 && expect_json .error invalid_signature
	expect_lines "$O/send.log" " $bad" ""
done

# No secret where one is needed: 401 as well.
send send-github --provider github
expect_send 1 401

# --secret on the command line, a body from a file, an event of our own.
printf '{"zen":"Keep it logically awesome.","hook_id":1}' >"$ROOT/data/ping.json"
id=$(new_id)
send send-github --provider github --secret "$(cat "$ROOT/etc/send-github.secret")" \
    --event ping --delivery "$id" "$ROOT/data/ping.json"
expect_send 0 200 && expect_json .event ping
expect_lines "$O/send.log" " $id" "github ping $id"

# The body from stdin; a generated delivery id.
printf '{"event":"from-stdin","data":{}}' | "$HL" send "$BASE/send-generic" \
    --secret-file "$ROOT/etc/send-generic.secret" - >"$ROOT/data/stdin.out" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "send from stdin: exit $rc: $(cat "$ROOT/data/stdin.out")"
grep -q '^generic from-stdin ' "$O/send.log" || fail "send from stdin: the hook did not run"

# A stale timestamp: Stripe's 300 s tolerance says no.
send send-stripe --provider stripe --secret-file "$ROOT/etc/send-stripe.secret" \
    --timestamp $(($(date +%s) - 3600))
expect_send 1 401

# Usage errors exit 2; no answer exits 1.
"$HL" send >/dev/null 2>&1
[ $? = 2 ] || fail "send without a URL: expected exit 2"
"$HL" send "$BASE/send-generic" --provider twilio --secret x >/dev/null 2>&1
[ $? = 2 ] || fail "send --provider twilio: expected exit 2"
"$HL" send "$BASE/send-standard" --provider standard --secret 'not base64' >/dev/null 2>&1
[ $? = 2 ] || fail "send with a secret that is not whsec_ base64: expected exit 2"
port=$(free_port)
"$HL" send "http://127.0.0.1:$port/x" --timeout 2 >/dev/null 2>"$ROOT/data/refused.err"
[ $? = 1 ] || fail "send to a closed port: expected exit 1"

# A name /etc/hosts gives 127.0.0.1 (not localhost, which libcurl
# answers itself): the static binary resolves it on its own (c-ares),
# without the host's NSS modules. Skipped where /etc/hosts has none.
name=$(awk '$1 == "127.0.0.1" { for (i = 2; i <= NF; i++)
	if ($i !~ /^localhost/) { print $i; exit } }' /etc/hosts)
if [ -n "$name" ]; then
	id=$(new_id)
	"$HL" send "${BASE/127.0.0.1/$name}/send-generic" --timeout 10 --provider generic \
	    --secret-file "$ROOT/etc/send-generic.secret" --delivery "$id" \
	    >"$ROOT/data/byname.out" 2>"$ROOT/data/byname.err"
	rc=$?
	head -n 1 "$ROOT/data/byname.out" | grep -q ' 200' && [ $rc = 0 ] ||
	    fail "send to $name (/etc/hosts): exit $rc, $(head -c 300 "$ROOT/data/byname.err" "$ROOT/data/byname.out")"
	expect_lines "$O/send.log" " $id" "generic ping $id"
fi

# No secret in any answer or log line.
for p in $PROVIDERS; do
	s=$(cat "$ROOT/etc/send-$p.secret")
	for f in $LOGS "$ROOT"/data/*.send.*; do
		[ -f "$f" ] || continue
		grep -qF -- "$s" "$f" && fail "the $p secret appears in $(basename "$f")"
	done
done
