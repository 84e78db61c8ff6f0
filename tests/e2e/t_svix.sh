# Svix through the web server: deliveries signed by the svix SDK itself
# (tests/e2e/svix/sign.js, Webhook.sign) with Svix's header names
# svix-id, svix-timestamp, svix-signature are accepted by a `standard`
# and a `generic` endpoint (200, the hook runs with svix-id as the
# delivery id, a second time is a duplicate), also when the endpoint's
# secret is written without its base64 padding and when the SDK signed
# with the second secret line. Tampered body, timestamp or signature,
# another secret, a timestamp past the tolerance, and an id from one set
# of headers with the signature from the other are 401 and run nothing.
# `hookline send --provider svix` is accepted too.
#
# The SDK is installed with `npm ci` from tests/e2e/svix/package.json and
# package-lock.json into build/svix (.ci/run does it first); without node
# or without the npm registry the case is skipped and says why. The
# SDK-made vectors in tests/vectors/svix.json run in the unit tests
# (test_verify_std, test_sign) either way.
O=$ROOT/out
E=$ROOT/etc
CONF=$E/hookline.conf
HL=$ROOT/bin/hookline
LOG=$O/svix.log
D=$ROOT/data/svix
SDK=$REPO/build/svix
mkdir -p "$D"

command -v node >/dev/null 2>&1 ||
	skip "node is not installed (Debian: apt-get install nodejs npm; .ci/run does)"
# One install for all servers (they run this case at the same time).
sdk_install() {
	mkdir -p "$SDK" || return 1
	(
		flock 9
		if [ -f "$SDK/node_modules/svix/package.json" ] &&
		    cmp -s "$SDK/package-lock.json" "$E2E_DIR/svix/package-lock.json"; then
			exit 0
		fi
		command -v npm >/dev/null 2>&1 || { echo "npm is not installed"; exit 1; }
		cp "$E2E_DIR/svix/package.json" "$E2E_DIR/svix/package-lock.json" "$SDK/" &&
		    cd "$SDK" &&
		    timeout 300 npm ci --ignore-scripts --no-audit --no-fund >npm-ci.log 2>&1 ||
		    { head -n 3 "$SDK/npm-ci.log" 2>/dev/null; exit 1; }
	) 9>"$SDK.lock"
}
if ! why=$(sdk_install); then
	skip "cannot install the svix SDK with npm ci in $SDK (is the npm registry reachable?): $(printf '%s' "$why" | tr '\n' ' ' | cut -c1-300)"
fi
svix_sign() {	# svix_sign SECRET(S) ID TS BODY-FILE: the SDK's headers as curl -H args into SVH
	local out
	out=$(NODE_PATH=$SDK/node_modules node "$E2E_DIR/svix/sign.js" "$@") ||
	    { fail "the svix SDK could not sign: $out"; SVH=(); return 1; }
	SVH=()
	while IFS= read -r l; do
		SVH+=(-H "$l")
	done <<<"$out"
}

whsec_of() {	# whsec_of BYTES: a new secret as Svix shows it
	printf 'whsec_%s' "$(head -c "$1" /dev/urandom | base64 -w0)"
}

# The endpoints, added once per server root: [svix] with two secrets
# (rotation), [svix-nopad] with a 25-byte key written without its "==",
# [svix-generic].
if ! grep -q '^\[svix\]' "$CONF"; then
	whsec_of 24 >"$E/svix.secret"
	whsec_of 24 >"$E/svix.secret2"
	whsec_of 24 >"$E/svix.wrong"
	whsec_of 25 >"$E/svix-nopad.padded"
	tr -d '=' <"$E/svix-nopad.padded" >"$E/svix-nopad.secret"
	whsec_of 32 >"$E/svix-generic.secret"
	for f in "$E"/svix.secret "$E"/svix.secret2 "$E"/svix.wrong "$E"/svix-nopad.* "$E"/svix-generic.secret; do
		printf '\n' >>"$f"
		chmod 0644 "$f"
	done
	{
		printf '\n[svix]\nprovider = standard\nmode = sync\nsecret_file = svix.secret\nsecret_file = svix.secret2\n'
		printf '\n[svix-nopad]\nprovider = standard\nmode = sync\nsecret_file = svix-nopad.secret\n'
		printf '\n[svix-generic]\nprovider = generic\nmode = sync\nsecret_file = svix-generic.secret\n'
	} >>"$CONF"
	for ep in svix svix-nopad svix-generic; do
		hook "$ep/_default" "printf '%s %s %s\n' \"\$HOOKLINE_ENDPOINT\" \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" >>$LOG"
	done
	chmod -R go-w "$E/hooks.d"
	conf_settle
fi
sec() { head -n 1 "$1"; }
CTJ='Content-Type: application/json'
BODY_STD=$D/standard.json
BODY_GEN=$D/generic.json
printf '{"type":"user.created","data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","email_addresses":[{"email_address":"zo\xc3\xab@example.com"}]},"object":"event"}' >"$BODY_STD"
printf '{"event":"email.delivered","data":{"to":["a@example.com"]}}' >"$BODY_GEN"

probe() {
	req POST svix -H "$CTJ" --data-binary '{}'
	[ "$STATUS" = 401 ]
}
wait_for 50 probe || { fail "the svix endpoints did not appear"; show_answer; case_end; }

# delivered EP EVENT ID: 200 success, and the hook ran once with svix-id.
delivered() {
	expect_status 200 && expect_json .status success && expect_json .delivery "$3"
	expect_lines "$LOG" " $3" "$1 $2 $3"
}
refused() {	# refused WHAT
	expect_status 401 || { note "(that was: $1)"; return 1; }
	expect_json .error invalid_signature || note "(that was: $1)"
}

# Signed by the SDK, first secret, then the second (rotation).
now=$EPOCHSECONDS
id=msg_$(new_id)
svix_sign "$(sec "$E/svix.secret")" "$id" "$now" "$BODY_STD"
req POST svix -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_STD"
delivered svix user.created "$id"
# The same delivery again: svix-id is the dedupe key.
req POST svix -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_STD"
expect_status 200 && expect_json .status duplicate && expect_json .delivery "$id"
expect_lines "$LOG" " $id" "svix user.created $id"
id=msg_$(new_id)
svix_sign "$(sec "$E/svix.secret2")" "$id" "$now" "$BODY_STD"
req POST svix -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_STD"
delivered svix user.created "$id"
# Svix lists one signature per active secret: a foreign one, then ours.
id=msg_$(new_id)
svix_sign "$(sec "$E/svix.wrong") $(sec "$E/svix.secret")" "$id" "$now" "$BODY_STD"
req POST svix -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_STD"
delivered svix user.created "$id"

# The SDK signed with the padded key; hookline holds it unpadded.
id=msg_$(new_id)
svix_sign "$(sec "$E/svix-nopad.padded")" "$id" "$now" "$BODY_STD"
req POST svix-nopad -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_STD"
delivered svix-nopad user.created "$id"

# generic with a secret: Standard Webhooks, so Svix's names too.
id=msg_$(new_id)
svix_sign "$(sec "$E/svix-generic.secret")" "$id" "$now" "$BODY_GEN"
req POST svix-generic -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_GEN"
delivered svix-generic email.delivered "$id"

# Tampered: the body, the timestamp, the signature; another secret; an
# hour old; the id in webhook-id with the svix timestamp and signature.
bad=msg_$(new_id)
svix_sign "$(sec "$E/svix.secret")" "$bad" "$now" "$BODY_STD"
sed 's/zo/zO/' "$BODY_STD" >"$D/tampered.json"
req POST svix -H "$CTJ" "${SVH[@]}" --data-binary "@$D/tampered.json"
refused "svix, body changed"
req POST svix -H "$CTJ" "${SVH[0]}" "${SVH[1]}" -H "svix-timestamp: $((now + 1))" "${SVH[4]}" "${SVH[5]}" \
    --data-binary "@$BODY_STD"
refused "svix, svix-timestamp changed"
sig=${SVH[5]#svix-signature: v1,}
case $sig in A*) sig=B${sig#?} ;; *) sig=A${sig#?} ;; esac
req POST svix -H "$CTJ" "${SVH[0]}" "${SVH[1]}" "${SVH[2]}" "${SVH[3]}" -H "svix-signature: v1,$sig" \
    --data-binary "@$BODY_STD"
refused "svix, svix-signature changed"
req POST svix -H "$CTJ" -H "webhook-id: $bad" "${SVH[2]}" "${SVH[3]}" "${SVH[4]}" "${SVH[5]}" \
    --data-binary "@$BODY_STD"
refused "svix, webhook-id with svix-timestamp and svix-signature"
svix_sign "$(sec "$E/svix.wrong")" "$bad" "$now" "$BODY_STD"
req POST svix -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_STD"
refused "svix, another secret"
svix_sign "$(sec "$E/svix.secret")" "$bad" $((now - 3600)) "$BODY_STD"
req POST svix -H "$CTJ" "${SVH[@]}" --data-binary "@$BODY_STD"
refused "svix, an hour old"
expect_lines "$LOG" " $bad" ""

# hookline send --provider svix: its sample, signed under svix-* names.
id=msg_$(new_id)
"$HL" send "$BASE/svix" --provider svix --secret-file "$E/svix.secret2" \
    --delivery "$id" --timeout 10 >"$D/send.out" 2>"$D/send.err"
rc=$?
[ "$rc" = 0 ] || fail "hookline send --provider svix: exit $rc: $(head -c 300 "$D/send.out" "$D/send.err")"
expect_lines "$LOG" " $id" "svix user.created $id"

# No secret in any answer or log line.
for k in "$E"/svix.secret "$E"/svix.secret2 "$E"/svix-nopad.secret "$E"/svix-generic.secret; do
	s=$(sec "$k")
	for f in $LOGS "$ROOT"/data/svix.*.body "$D"/send.*; do
		[ -f "$f" ] || continue
		grep -qF -- "${s#whsec_}" "$f" && fail "a svix secret appears in $(basename "$f")"
	done
done
