# What the operator sees of an async delivery and can do about it: the
# log line of an attempt carries the hook's output tail; `retry ID` and
# `drain --now` run a waiting delivery at once (the schedule is an hour
# here); show's counters after fail, fail, fail, replay, success.
. "$E2E_DIR/async_lib.sh"
async_setup
C=$ROOT/etc/hookline.conf
O=$ROOT/out/async-consumers.log
FIXED=$ROOT/out/async-consumers.fixed
rm -f "$FIXED"
hook async/later "printf '%s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$O
echo \"out-tail-\$HOOKLINE_ATTEMPT\"
echo \"err-tail-\$HOOKLINE_ATTEMPT\" >&2
[ -e $FIXED ]"

# log_line ID RESULT: a drainer's log line of ID with "result":RESULT.
log_line() {
	local f
	for f in $LOGS; do
		[ -f "$f" ] || continue
		grep -F -- "\"delivery\":\"$1\"" "$f" 2>/dev/null |
		    grep -F "\"result\":\"$2\"" && return 0
	done
	return 1
}
pending_with() {	# pending_with ID ATTEMPTS
	hl list --pending --json | jq -e --arg id "$1" --argjson n "$2" \
	    'map(select(.delivery == $id and .attempts == $n)) | length == 1' >/dev/null
}
is_done() {
	hl list --done --json | jq -e --arg id "$1" \
	    'map(select(.delivery == $id)) | length == 1' >/dev/null
}

# An hour between tries: only retry and drain --now run it again soon.
sed -i 's/^retry = 1s 2s$/retry = 1h/' "$C"
conf_settle

# 1. The failed attempt's log line has the hook's stdout and stderr.
id=$(new_id)
post_generic async later "$id"
expect_status 202
wait_for 100 pending_with "$id" 1 || fail "not pending after one attempt: $(hl list 2>&1 | tail -n 2)"
wait_for 30 log_line "$id" retry >/dev/null || fail "no log line of the failed attempt"
line=$(log_line "$id" retry | head -n 1)
printf '%s\n' "$line" | jq -e '.hooks[0].stdout == "out-tail-1\n" and
    .hooks[0].stderr == "err-tail-1\n" and .hooks[0].state == "retrying"' >/dev/null ||
    fail "the log line lacks the output tails: $line"
hl show "$id" | grep -q 'why  *pending: next try' || fail "show does not say when: $(hl show "$id")"

# 2. Fixed, and retried by hand: it runs now, not in an hour.
touch "$FIXED"
out=$(hl retry "$id" 2>&1) || fail "retry failed: $out"
printf '%s\n' "$out" | grep -q "due now: .*(was pending)" || fail "retry said: $out"
wait_for 100 is_done "$id" || fail "retry did not run it: $(hl show "$id" 2>&1 | head -n 20)"
expect_lines "$O" "$id" "$id 1
$id 2"
hl retry "$id" >/dev/null 2>&1 && fail "retry of a done delivery succeeded"
hl retry no-such-delivery >/dev/null 2>&1 && fail "retry of an unknown id succeeded"
out=$(hl retry --bogus x 2>&1) && fail "retry --bogus succeeded"
printf '%s\n' "$out" | grep -q 'unknown argument --bogus' || fail "retry --bogus said: $out"

# 3. drain --now runs what waits for its next try.
rm -f "$FIXED"
id2=$(new_id)
post_generic async later "$id2"
expect_status 202
wait_for 100 pending_with "$id2" 1 || fail "second: not pending after one attempt"
touch "$FIXED"
out=$(hl drain --now 2>&1) || fail "drain --now failed: $out"
wait_for 100 is_done "$id2" || fail "drain --now did not run it: $(hl show "$id2" 2>&1 | head -n 20)"
out=$(hl drain --later 2>&1) && fail "drain --later succeeded"
printf '%s\n' "$out" | grep -q 'unknown argument --later' || fail "drain --later said: $out"

sed -i 's/^retry = 1h$/retry = 1s 2s/' "$C"
conf_settle

# 4. Three failures (dead), a replay, a success: the counts add up.
rm -f "$FIXED"
id3=$(new_id)
post_generic async later "$id3"
expect_status 202
dead3() {
	hl list --dead --json | jq -e --arg id "$id3" 'map(select(.delivery == $id)) | length == 1' >/dev/null
}
wait_for 150 dead3 || fail "third: not dead after 15 s"
hl show "$id3" | grep -q 'why  *dead: later ran out of retries after 3 tries: exit 1' ||
    fail "show of the dead one: $(hl show "$id3")"
touch "$FIXED"
hl replay "$id3" >/dev/null 2>&1 || fail "replay failed"
wait_for 100 is_done "$id3" || fail "third: the replay did not finish it"
out=$(hl show "$id3")
printf '%s\n' "$out" | grep -q 'attempts  *4 (3 failed, 1 succeeded)' || fail "show's counters: $out"
printf '%s\n' "$out" | grep -q 'replayed  *1 time$' || fail "show's replays: $out"
printf '%s\n' "$out" | grep -q 'why  *done: every consumer succeeded' || fail "show's why: $out"
true
