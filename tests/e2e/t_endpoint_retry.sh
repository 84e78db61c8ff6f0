# A section's retry is that endpoint's alone: a failing delivery on
# [limit_retry] (retry = 1s: two attempts) is dead after its own
# schedule while one on [limit_global] (the global retry = 1s 2s of
# async_lib.sh: three attempts) is still being retried.
. "$E2E_DIR/async_lib.sh"
async_setup
add_endpoints "[limit_retry]
provider = generic
mode     = async
retry    = 1s

[limit_global]
provider = generic
mode     = async"
O=$ROOT/out/limit-retry.log
for ep in limit_retry limit_global; do
	hook "$ep/nope" "printf '%s %s %s\n' \"\$HOOKLINE_ENDPOINT\" \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$O
exit 75"
done

own=$(new_id)
post_generic limit_retry nope "$own"
expect_status 202
global=$(new_id)
post_generic limit_global nope "$global"
expect_status 202

wait_for 100 listed dead "$own" 2 ||
    fail "limit_retry: not dead after 2 attempts in 10 s: $(hl list 2>&1 | tail -n 4)"
listed pending "$global" ||
    fail "limit_global: not pending when limit_retry's delivery was dead: $(hl list 2>&1 | tail -n 4)"
wait_for 150 listed dead "$global" 3 ||
    fail "limit_global: not dead after 3 attempts in 15 s: $(hl list 2>&1 | tail -n 4)"
expect_lines "$O" "limit_retry $own" "limit_retry $own 1
limit_retry $own 2"
expect_lines "$O" "limit_global $global" "limit_global $global 1
limit_global $global 2
limit_global $global 3"
# Both dead: the drainer has nothing left and exits (later cases count
# processes).
wait_for 50 eval '! drainer_pid >/dev/null' || fail "the drainer is still running"
