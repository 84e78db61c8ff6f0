# Two hosts, one database (pg_hosts.sh): the operator commands work
# against the database from either host: a delivery accepted by host A
# is listed, shown, replayed, retried and purged from host B.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up
pre=$(new_id)

# in_box X BOX ID: `hookline list --BOX --json` on host X shows ID once.
in_box() {
	hlx "$1" list "--$2" --json 2>>"$D/out/ops.err" | jq -e --arg id "$3" \
	    'map(select(.delivery == $id)) | length == 1' >/dev/null
}

# A delivery of A whose hook fails three times (retry = 1s 2s): dead.
to A
post_generic pg fixme "$pre-dead"
expect_status 202
wait_for 200 in_box B dead "$pre-dead" ||
    fail "host B's list --dead does not show $pre-dead (accepted by A) within 20 s: $(hlx B list --json 2>&1 | head -c 400)"
# Three attempts (retry = 1s 2s), numbered 1 2 3, each running the hook,
# and one log line each: a delivery waiting for its next try is not
# claimed meanwhile.
tries=$(grep "^try $pre-dead " "$RUNS" | cut -d' ' -f5 | tr '\n' ' ')
[ "$tries" = "1 2 3 " ] || fail "the hook of $pre-dead ran with HOOKLINE_ATTEMPT '$tries', expected '1 2 3 '"
# shellcheck disable=SC2086
n=$(cat $LOGS_A $LOGS_B 2>/dev/null | grep -F "\"delivery\":\"$pre-dead\"" | grep -c '"result"')
[ "$n" = 3 ] || fail "$n attempts logged for $pre-dead, expected 3: $(cat $LOGS_A $LOGS_B | grep -F "$pre-dead" | grep '"result"' | sed -n 2p | cut -c1-300)"
out=$(hlx B show "$pre-dead" 2>&1) || fail "host B's show $pre-dead failed: $(printf '%s' "$out" | head -c 300)"
printf '%s\n' "$out" | grep -qF "$pre-dead" || fail "show does not name the delivery: $(printf '%s' "$out" | head -c 300)"
printf '%s\n' "$out" | grep -q 'exit 3\|"exit":3\|exit=3' ||
    note "show does not print the hook's exit 3: $(printf '%s' "$out" | head -c 300)"
# The fix, then replay from B: it runs (on either host) and is done.
touch "$D/out/fixed"
hlx B replay "$pre-dead" >"$D/out/replay.out" 2>&1 || fail "host B's replay failed: $(head -c 300 "$D/out/replay.out")"
wait_for 150 eval '[ "$(runs_of "$pre-dead")" = 1 ]' || fail "$pre-dead did not run after the replay"
wait_for 50 in_box A done "$pre-dead" || fail "host A's list --done does not show $pre-dead after B's replay"
rm -f "$D/out/fixed"

# A delivery of A waiting an hour for its next try: retry from B runs it now.
to A
post_generic pgretry fixme "$pre-retry"
expect_status 202
waiting() { hlx B list --pending --json 2>>"$D/out/ops.err" | jq -e --arg id "$pre-retry" \
    'map(select(.delivery == $id and .failures == 1)) | length == 1' >/dev/null; }
wait_for 150 waiting || fail "host B's list --pending does not show $pre-retry with 1 failure"
touch "$D/out/fixed"
hlx B retry "$pre-retry" >"$D/out/retry.out" 2>&1 || fail "host B's retry failed: $(head -c 300 "$D/out/retry.out")"
wait_for 150 eval '[ "$(runs_of "$pre-retry")" = 1 ]' || fail "$pre-retry did not run after B's retry"

# Purge from B: done deliveries older than 1 s are gone, for A too.
wait_for 50 in_box A done "$pre-retry" || fail "$pre-retry is not done"
sleep 3
hlx B purge --older-than 1s --done >"$D/out/purge.out" 2>&1 || fail "host B's purge failed: $(head -c 300 "$D/out/purge.out")"
in_box A done "$pre-retry" && fail "host A still lists $pre-retry after B's purge"
in_box A done "$pre-dead" && fail "host A still lists $pre-dead after B's purge"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
