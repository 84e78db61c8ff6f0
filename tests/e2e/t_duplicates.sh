# Duplicates: a delivery id seen before answers 200 duplicate and runs
# nothing, also when twenty arrive at once, and also in another process
# (a FastCGI process started after the first was killed; a CGI run from
# the shell). Ids are per endpoint; a delivery that ran nothing (ignored,
# 401) or whose sync hooks failed is not remembered, so its retry runs.
O=$ROOT/out
LOG=$O/dup.log
# Hooks of the [generic] endpoint (hooks are looked up per request).
# dup-once writes a line; dup-slow too, after a moment, so that the
# concurrent requests overlap it; dup-flaky fails the first time it sees
# a delivery, then succeeds.
if [ ! -x "$ROOT/etc/hooks.d/generic/dup-slow" ]; then
	hook generic/dup-once "printf 'once %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$LOG"
	hook generic/dup-flaky "if [ -e $O/dup-flaky.\$HOOKLINE_DELIVERY ]; then
	printf 'flaky-ok %s\n' \"\$HOOKLINE_DELIVERY\" >>$LOG
else
	: >$O/dup-flaky.\$HOOKLINE_DELIVERY
	printf 'flaky-fail %s\n' \"\$HOOKLINE_DELIVERY\" >>$LOG
	exit 1
fi"
	hook generic/dup-slow "sleep 0.3
printf 'slow %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$LOG"
	chmod go-w "$ROOT"/etc/hooks.d/generic/dup-*
fi

expect_duplicate() {	# expect_duplicate ID
	expect_status 200 && expect_json_type && expect_json .status duplicate &&
	    expect_json .delivery "$1"
}

# Twice: success, then duplicate; the hook ran once.
id=$(new_id)
post_generic generic dup-once "$id"
expect_status 200 && expect_json .status success
post_generic generic dup-once "$id"
expect_duplicate "$id"
# X-Request-Id is the generic endpoint's other place for the id.
post_json generic '{"event":"dup-once","data":{"n":2}}' -H "X-Request-Id: $id"
expect_duplicate "$id"
expect_lines "$LOG" " $id " "once $id 1"
expect_log "$id" 200

# Ids are per endpoint: the same id on [fallback] is a new delivery.
post_generic fallback dup-once "$id"
expect_status 200 && expect_json .status success
expect_lines "$ROOT/out/fallback.log" " $id" "_default dup-once $id"

# Ids are kept as they are: "a/b" and "a%2Fb" are two deliveries.
pre=$(new_id)
for sid in "$pre/a" "$pre%2Fa"; do
	post_generic generic dup-once "$sid"
	expect_status 200 && expect_json .status success && expect_json .delivery "$sid"
done
for sid in "$pre/a" "$pre%2Fa"; do
	post_generic generic dup-once "$sid"
	expect_duplicate "$sid"
done
expect_lines "$LOG" " $pre" "once $pre/a 1
once $pre%2Fa 1"

# Nothing ran (no hook for the event): not remembered.
id2=$(new_id)
post_generic generic dup-no-such-event "$id2"
expect_status 200 && expect_json .status ignored
post_generic generic dup-once "$id2"
expect_status 200 && expect_json .status success
expect_lines "$LOG" " $id2 " "once $id2 1"

# Refused (401): not remembered; the signed delivery then runs, once.
push=$ROOT/data/dup-push.json
printf '{"ref":"refs/heads/main","repository":{"full_name":"octo/dup"}}' >"$push"
gh() {	# gh ID [curl options...]
	local gid=$1
	shift
	req POST github -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
	    -H "X-GitHub-Delivery: $gid" --data-binary "@$push" "$@"
}
id3=$(new_id)
gh "$id3" -H "X-Hub-Signature-256: $(github_sign not-the-secret "$push")"
expect_error 401 invalid_signature
gh "$id3" -H "X-Hub-Signature-256: $(github_sign "$GITHUB_SECRET" "$push")"
expect_status 200 && expect_json .status success
gh "$id3" -H "X-Hub-Signature-256: $(github_sign "$GITHUB_SECRET" "$push")"
expect_duplicate "$id3"
expect_lines "$ROOT/out/github.log" "$id3" "push $id3"

# Twenty at once with one id: one runs, the others are duplicates.
id4=$(new_id)
N=20
for i in $(seq 1 "$N"); do
	curl -sS -o "$ROOT/data/dup-conc.$i.body" -w '%{http_code}\n' --max-time 30 \
	    -H 'Expect:' -H 'Content-Type: application/json' -H "Webhook-Id: $id4" \
	    --data-binary "{\"event\":\"dup-slow\",\"data\":{\"i\":$i}}" \
	    "$BASE/generic" >"$ROOT/data/dup-conc.$i.code" 2>&1 &
done
wait
codes=$(sort "$ROOT"/data/dup-conc.*.code | uniq -c | tr -s ' \n' '  ')
statuses=$(jq -r '.status' "$ROOT"/data/dup-conc.*.body 2>&1 | sort | uniq -c | tr -s ' \n' '  ')
[ "$codes" = " $N 200 " ] ||
    fail "$N concurrent requests with one id: HTTP codes $codes"
[ "$statuses" = " $((N - 1)) duplicate 1 success " ] ||
    fail "$N concurrent requests with one id: not one success and $((N - 1)) duplicates: $statuses"
expect_lines "$LOG" " $id4 " "slow $id4 1"

# A sync delivery whose hook failed is forgotten: the sender's retry
# runs it again, and once it succeeded it is a duplicate.
id5=$(new_id)
post_generic generic dup-flaky "$id5"
expect_error 500 hook_failed
post_generic generic dup-flaky "$id5"
expect_status 200 && expect_json .status success
post_generic generic dup-flaky "$id5"
expect_duplicate "$id5"
expect_lines "$LOG" " $id5" "flaky-fail $id5
flaky-ok $id5"

# Another process remembers: a CGI run of the binary from the shell, on
# the same configuration, as the web server's user (the spool is its).
cgi() {	# cgi ID: one CGI request to [generic], answer in $ROOT/data/dup-cgi.out
	local body='{"event":"dup-once","data":{"n":3}}' run=()
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		run=(runuser -u "$WWW_USER" --)
	fi
	printf '%s' "$body" | "${run[@]}" env -i PATH=/usr/bin:/bin \
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST SERVER_PROTOCOL=HTTP/1.1 \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
	    SCRIPT_NAME=/hooks PATH_INFO=/generic REMOTE_ADDR=127.0.0.1 \
	    HTTP_WEBHOOK_ID="$1" HOOKLINE_CONF="$ROOT/etc/hookline.conf" \
	    "$ROOT/bin/hookline" >"$ROOT/data/dup-cgi.out" 2>"$ROOT/data/dup-cgi.err"
}
cgi "$id"
grep -q '"status": *"duplicate"' "$ROOT/data/dup-cgi.out" ||
    fail "a CGI process does not know $id: $(tr '\r\n' '  ' <"$ROOT/data/dup-cgi.out" | cut -c1-300) $(head -c 300 "$ROOT/data/dup-cgi.err")"
expect_lines "$LOG" " $id " "once $id 1"

# FastCGI: the processes that saw the id are killed; the web server
# starts new ones, which still know it.
case $SERVER in
lighttpd-fastcgi|apache-fcgid)
	# The FastCGI processes are started bare; drainers have arguments.
	old=$(pgrep -f "^$ROOT/bin/hookline\$" | sort)
	if [ -z "$old" ]; then
		fail "no FastCGI process of $SERVER found"
	else
		kill -KILL $old
		wait_for 50 eval '! pgrep -f "^$ROOT/bin/hookline\$" | grep -qxF "$old"' ||
		    fail "the FastCGI processes $old did not go away"
		# The server may answer 5xx while it notices; bounded.
		again() {
			post_generic generic dup-once "$id"
			[ "$STATUS" = 200 ]
		}
		wait_for 50 again
		expect_duplicate "$id"
		new=$(pgrep -f "^$ROOT/bin/hookline\$" | sort)
		[ -n "$new" ] && [ -z "$(comm -12 <(echo "$old") <(echo "$new"))" ] ||
		    fail "the answer did not come from a new process (before: $old; now: $new)"
	fi
	expect_lines "$LOG" " $id " "once $id 1"
	;;
esac
