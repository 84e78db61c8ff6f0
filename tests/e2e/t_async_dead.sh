# After the schedule (retry = 1s 2s: three attempts) a failing delivery
# is dead; list --dead shows it; replay runs it again, and once the hook
# is fixed it is done.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out/async-dead.log
FIXED=$ROOT/out/async-dead.fixed
hook async/dead "printf '%s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$O
[ -e $FIXED ]"
rm -f "$FIXED"
id=$(new_id)
post_generic async dead "$id"
expect_status 202
dead_json() {
	hl list --dead --json | jq -e --arg id "$id" \
	    'map(select(.delivery == $id and .failures == 3)) | length == 1' >/dev/null
}
wait_for 150 dead_json || fail "not dead after 15 s: $(hl list 2>&1 | tail -n 3)"
[ "$(lines_of "$O" "$id")" = 3 ] || fail "ran $(lines_of "$O" "$id") times before dead/, expected 3"
sleep 1
[ "$(lines_of "$O" "$id")" = 3 ] || fail "a dead delivery ran again by itself"
hl list --dead | grep -q "dead" || fail "hookline list --dead shows nothing"
hl list --pending --json | jq -e --arg id "$id" 'map(select(.delivery == $id)) | length == 0' >/dev/null ||
    fail "a dead delivery is listed as pending"

# A person fixes the hook and replays it (by the sender's delivery id).
touch "$FIXED"
out=$(hl replay "$id" 2>&1) || fail "replay failed: $out"
printf '%s\n' "$out" | grep -q 'was dead' || fail "replay said: $out"
wait_for 100 eval "[ \"\$(lines_of $O '$id')\" -ge 4 ] 2>/dev/null" || fail "the replayed delivery did not run"
expect_lines "$O" "$id" "$id 1
$id 2
$id 3
$id 4"
done_json() {
	hl list --done --json | jq -e --arg id "$id" 'map(select(.delivery == $id)) | length == 1' >/dev/null
}
wait_for 50 done_json || fail "the replayed delivery is not done"
# Replaying something unknown is an error.
hl replay no-such-delivery >/dev/null 2>&1 && fail "replay of an unknown id succeeded"
true
