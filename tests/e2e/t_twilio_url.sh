# Twilio through the web server with public_url copied whole from
# Twilio's console, query string included (as the README says): a
# delivery to that URL is signed over it once, not with the query twice
# (200). Twilio signs the URL it requested, so a request with another
# query is checked against that query (200 when signed for it, 401 when
# signed for public_url's). Form fields with a repeated name are signed
# as twilio-python and twilio-node sign them: names sorted, each one's
# distinct values sorted (200); a tampered field is 401.
O=$ROOT/out
E=$ROOT/etc
CONF=$E/hookline.conf
LOG=$O/twilio-url.log
D=$ROOT/data/twilio-url
mkdir -p "$D"
PUBLIC=https://hooks.example.test/hooks/twilio-url

if ! grep -q '^\[twilio-url\]' "$CONF"; then
	printf 'twilio-url-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$E/twilio-url.secret"
	chmod 0644 "$E/twilio-url.secret"
	printf '\n[twilio-url]\nprovider = twilio\nmode = sync\nsecret_file = twilio-url.secret\npublic_url = %s?foo=1&bar=2\n' \
	    "$PUBLIC" >>"$CONF"
	hook "twilio-url/_default" "printf '%s %s\n' \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" >>$LOG"
	chmod -R go-w "$E/hooks.d"
	conf_settle
fi
K=$(head -n 1 "$E/twilio-url.secret")
CTF='Content-Type: application/x-www-form-urlencoded'

tw_sig() {	# tw_sig SIGNED-STRING: base64 HMAC-SHA1 under the Auth Token
	printf '%s' "$1" | openssl dgst -sha1 -hmac "$K" -binary | base64 -w0
}
# Fields out of order, one name four times: values b, a, b again and
# empty. Signed: each name once in order, its distinct values sorted
# ("" < "a" < "b"); '+' is a space, %2B a '+'.
FORM='To=%2B14155550199&Tag=b&From=%2B14155550100&Tag=a&Body=Hi+there&Tag=b&Tag=&MessageSid=SM1'
PARAMS='BodyHi thereFrom+14155550100MessageSidSM1TagTagaTagbTo+14155550199'

probe() {
	req POST 'twilio-url?foo=1&bar=2' -H "$CTF" --data-binary 'a=1'
	[ "$STATUS" = 401 ]
}
wait_for 50 probe || { fail "the twilio-url endpoint did not appear"; show_answer; case_end; }

delivered() {	# delivered ID
	expect_status 200 && expect_json .status success && expect_json .delivery "$1"
	expect_lines "$LOG" " $1" "twilio $1"
}

# The URL as configured, the request carrying its query.
id=$(new_id)
req POST 'twilio-url?foo=1&bar=2' -H "$CTF" -H "I-Twilio-Idempotency-Token: $id" \
    -H "X-Twilio-Signature: $(tw_sig "$PUBLIC?foo=1&bar=2$PARAMS")" --data-binary "$FORM"
delivered "$id"

# Another query than public_url's: Twilio signed the URL it requested.
id=$(new_id)
req POST 'twilio-url?foo=1&bar=3' -H "$CTF" -H "I-Twilio-Idempotency-Token: $id" \
    -H "X-Twilio-Signature: $(tw_sig "$PUBLIC?foo=1&bar=3$PARAMS")" --data-binary "$FORM"
delivered "$id"
bad=$(new_id)
req POST 'twilio-url?foo=1&bar=3' -H "$CTF" -H "I-Twilio-Idempotency-Token: $bad" \
    -H "X-Twilio-Signature: $(tw_sig "$PUBLIC?foo=1&bar=2$PARAMS")" --data-binary "$FORM"
expect_error 401 invalid_signature
# Both queries one after the other is not what Twilio signs.
req POST 'twilio-url?foo=1&bar=2' -H "$CTF" -H "I-Twilio-Idempotency-Token: $bad" \
    -H "X-Twilio-Signature: $(tw_sig "$PUBLIC?foo=1&bar=2&foo=1&bar=2$PARAMS")" --data-binary "$FORM"
expect_error 401 invalid_signature
# One of the repeated values changed.
req POST 'twilio-url?foo=1&bar=2' -H "$CTF" -H "I-Twilio-Idempotency-Token: $bad" \
    -H "X-Twilio-Signature: $(tw_sig "$PUBLIC?foo=1&bar=2$PARAMS")" --data-binary "${FORM/Tag=a/Tag=c}"
expect_error 401 invalid_signature
expect_lines "$LOG" " $bad" ""
