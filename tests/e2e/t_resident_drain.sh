# Async deliveries through a resident hook (run by the drainer's own
# workers) retry and go dead like one-shot ones (retry = 1s 2s: three
# attempts): status 75 twice then 0 is done after attempt 3; status 75
# every time is dead after 3 failures, with the 75 in `show`; a status
# other than 75 fails the same way. When the drainer has nothing left
# and exits, its workers are gone too.
. "$E2E_DIR/async_lib.sh"
. "$E2E_DIR/resident_lib.sh"
async_setup
resident_sh async/flaky.resident v1 'case $(cat "$b") in
	*\"always\"*) status=75 ;;
	*\"never\"*) status=4; echo "no luck $HOOKLINE_ATTEMPT" >&2 ;;
	*) [ "$HOOKLINE_ATTEMPT" -ge 3 ] || status=75 ;;
	esac
	echo "$HOOKLINE_DELIVERY $HOOKLINE_ATTEMPT $status" >>'"$ROOT"'/out/flaky.attempts'
res_ready async
R=flaky.resident
A=$ROOT/out/flaky.attempts

ok=$(new_id)
post_json async "{\"event\":\"$R\",\"data\":{\"n\":1}}" -H "Webhook-Id: $ok"
expect_status 202
always=$(new_id)
post_json async "{\"event\":\"$R\",\"data\":{\"do\":\"always\"}}" -H "Webhook-Id: $always"
expect_status 202
never=$(new_id)
post_json async "{\"event\":\"$R\",\"data\":{\"do\":\"never\"}}" -H "Webhook-Id: $never"
expect_status 202

wait_for 200 listed done "$ok" || fail "not done in 20 s: $(hl show "$ok" 2>&1 | tail -n 5)"
expect_lines "$A" "$ok " "$ok 1 75
$ok 2 75
$ok 3 0"
wait_for 200 listed dead "$always" 3 || fail "'always' not dead after 3 failures in 20 s: $(hl show "$always" 2>&1 | tail -n 5)"
expect_lines "$A" "$always " "$always 1 75
$always 2 75
$always 3 75"
hl show "$always" 2>/dev/null | grep -q 'exit 75' || fail "show lacks the exit 75: $(hl show "$always" 2>&1 | tail -n 5)"
wait_for 200 listed dead "$never" 3 || fail "'never' not dead after 3 failures in 20 s: $(hl show "$never" 2>&1 | tail -n 5)"
hl show "$never" 2>/dev/null | grep -q 'no luck 3' || fail "show lacks the stderr tail: $(hl show "$never" 2>&1 | tail -n 5)"

# The deliveries went to resident workers: fewer processes than attempts.
attempts=$(grep -c . "$ROOT/out/$R.rec")
pids=$(rec_field "$R" 7 | sort -u | wc -l)
[ "$attempts" = 9 ] || fail "$attempts attempts recorded, expected 9"
[ "$pids" -lt "$attempts" ] || fail "$pids processes for $attempts attempts: not resident"
# The drainer ends when nothing is left, and takes its workers with it.
wait_for 100 eval '! drainer_pid >/dev/null' || fail "the drainer is still running"
for p in $(rec_field "$R" 4 | sort -u); do
	wait_for 50 eval "! worker_alive $p $R" || fail "the drainer's worker $p outlived it"
done
