# A hook failing twice then succeeding runs three times, attempt 1, 2,
# 3, with growing delays (retry = 1s 2s); only the failed hook of a
# delivery runs again.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out/async-retry.log
hook async/retry.d/a-once "printf 'a %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$O"
hook async/retry.d/b-flaky "printf 'b %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" \"\$(date +%s.%N)\" >>$O
echo \"try \$HOOKLINE_ATTEMPT\" >&2
[ \"\$HOOKLINE_ATTEMPT\" -ge 3 ] || exit 75"
id=$(new_id)
post_generic async retry "$id"
expect_status 202
wait_for 150 eval "[ \"\$(lines_of $O 'b $id')\" -ge 3 ] 2>/dev/null" ||
    fail "the flaky hook ran $(lines_of "$O" "b $id") times in 15 s, expected 3"
sleep 1.5
[ "$(lines_of "$O" "a $id")" = 1 ] || fail "the hook that succeeded ran $(lines_of "$O" "a $id") times"
[ "$(lines_of "$O" "b $id")" = 3 ] || fail "the flaky hook ran $(lines_of "$O" "b $id") times, expected 3"
got=$(grep -F "b $id" "$O" | awk '{print $3}' | tr '\n' ' ')
[ "$got" = "1 2 3 " ] || fail "HOOKLINE_ATTEMPT was $got, expected 1 2 3"
grep -F "b $id" "$O" | awk '{print $4}' | awk '
	NR > 1 { d[NR - 1] = $1 - prev }
	{ prev = $1 }
	END {
		if (!(d[1] >= 0.9 && d[2] >= 1.9 && d[2] > d[1])) {
			printf "delays %.2f %.2f\n", d[1], d[2]; exit 1
		}
	}' || fail "delays do not grow as 1s, 2s: $(grep -F "b $id" "$O" | awk '{print $4}' | tr '\n' ' ')"
out=$(hl show "$id" 2>&1)
printf '%s\n' "$out" | grep -q 'attempts *3 (2 failed' || fail "show: $out"
printf '%s\n' "$out" | grep -q 'exit 75' || fail "show lacks the exit 75: $out"
printf '%s\n' "$out" | grep -q 'try 2' || fail "show lacks the stderr tail: $out"
