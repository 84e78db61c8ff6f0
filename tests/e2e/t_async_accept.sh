# mode = async: 202 accepted once the delivery is on disk, then the hook
# runs (body on stdin and in HOOKLINE_PAYLOAD_FILE, attempt 1); list and
# show report it.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out/async-accept.log
hook async/accept "body=\$(cat)
file=\$(cat \"\$HOOKLINE_PAYLOAD_FILE\")
[ \"\$body\" = \"\$file\" ] && same=same || same=differ
printf '%s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" \"\$same\" \"\$HOOKLINE_EVENT\" >>$O
echo 'accept hook says hi'"
id=$(new_id)
post_generic async accept "$id"
expect_status 202
expect_json_type
expect_json .status accepted
expect_json .event accept
expect_json .delivery "$id"
# The answer does not wait for the hook.
awk -v t="$TIME" 'BEGIN { exit !(t < 2) }' || fail "202 took ${TIME}s"
wait_for 100 grep -qF "$id" "$O" || fail "the hook did not run within 10 s"
expect_lines "$O" "$id" "$id 1 same accept"
expect_log "$id" 202

# The operator's view: done, one attempt, the hook's output kept.
done_json() {
	hl list --done --json | jq -e --arg id "$id" \
	    'map(select(.delivery == $id and .attempts == 1)) | length == 1' >/dev/null
}
wait_for 50 done_json || fail "hookline list --done --json does not show $id once"
out=$(hl show "$id" 2>&1)
printf '%s\n' "$out" | grep -q '(done)' || fail "show: not done: $out"
printf '%s\n' "$out" | grep -q 'accept hook says hi' || fail "show: no output tail: $out"
hl list | grep -q " done " || fail "hookline list shows no done delivery"
# A duplicate of an accepted delivery is not stored again.
post_generic async accept "$id"
expect_status 200
expect_json .status duplicate
sleep 1
expect_lines "$O" "$id" "$id 1 same accept"
