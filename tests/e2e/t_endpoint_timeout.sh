# A section's timeout is that endpoint's alone, sync and async: a hook
# sleeping 3 s succeeds under [limit_long] (timeout = 8) and gets 504
# under [limit_plain], which keeps the global timeout (HOOK_TIMEOUT, 2 s);
# the drainer finishes it under [limit_long_async] and times it out
# under [limit_plain_async].
. "$E2E_DIR/async_lib.sh"
async_setup
add_endpoints "[limit_long]
provider = generic
timeout  = 8

[limit_plain]
provider = generic

[limit_long_async]
provider = generic
mode     = async
timeout  = 8

[limit_plain_async]
provider = generic
mode     = async
retry    = none	; dead after the one attempt: no drainer left running"
O=$ROOT/out/limit-timeout.log
for ep in limit_long limit_plain limit_long_async limit_plain_async; do
	hook "$ep/nap" "sleep 3
printf '%s %s\n' \"\$HOOKLINE_ENDPOINT\" \"\$HOOKLINE_DELIVERY\" >>$O"
done

long=$(new_id)
post_generic limit_long nap "$long"
expect_status 200 && expect_json .status success
expect_lines "$O" "$long" "limit_long $long"

plain=$(new_id)
post_generic limit_plain nap "$plain"
expect_error 504 hook_timeout
sleep 1.5	# past the 3 s the hook would have slept, had it lived
expect_lines "$O" "$plain" ""
expect_log "$plain" 504

along=$(new_id)
post_generic limit_long_async nap "$along"
expect_status 202
aplain=$(new_id)
post_generic limit_plain_async nap "$aplain"
expect_status 202
wait_for 150 listed done "$along" ||
    fail "limit_long_async: not done in 15 s: $(hl show "$along" 2>&1 | tail -n 5)"
expect_lines "$O" "$along" "limit_long_async $along"
wait_for 100 listed dead "$aplain" ||
    fail "limit_plain_async: not dead in 10 s: $(hl show "$aplain" 2>&1 | tail -n 5)"
hl show "$aplain" 2>/dev/null | grep -q 'timed out' ||
    fail "limit_plain_async: its attempt did not time out: $(hl show "$aplain" 2>&1 | tail -n 5)"
expect_lines "$O" "$aplain" ""
# The drainer has nothing left and exits: later cases count processes.
wait_for 50 eval '! drainer_pid >/dev/null' || fail "the drainer is still running"
