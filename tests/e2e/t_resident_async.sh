# A resident hook on an async endpoint: the drainer's worker for the
# endpoint keeps it up while the endpoint has more due (one process for
# a burst held back by a first delivery that waits until the whole
# burst is spooled: no timing assumption); a status 75 is retried
# (HOOKLINE_ATTEMPT 2), a failing one goes dead after the schedule.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out
hook async/burst.resident "echo \$\$ >>$O/burst.pids
while IFS= read -r line || exit 0; do
	if [ -z \"\$line\" ]; then
		body=\$(head -c \"\$HOOKLINE_BODY_LENGTH\")
		st=0
		case \$body in
		*slow*) n=0; while [ ! -e $O/go ] && [ \$n -lt 150 ]; do sleep 0.1; n=\$((n + 1)); done ;;
		*flaky*) [ \"\$HOOKLINE_ATTEMPT\" -ge 2 ] || st=75 ;;
		*doomed*) st=1 ;;
		esac
		printf '%s %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" \"\$st\" >>$O/burst.log
		echo \$st >&3
		continue
	fi
	case \$line in HOOKLINE_[A-Z_]*=*) export \"\$line\" ;; esac
done"
post_json async '{"event":"burst","data":"slow"}' -H "Webhook-Id: $(new_id)"
expect_status 202
ids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	id=$(new_id)
	ids="$ids $id"
	post_generic async burst "$id"
	expect_status 202
done
: >"$O/go"
wait_for 150 eval "[ \"\$(wc -l 2>/dev/null <$O/burst.log)\" -ge 11 ] 2>/dev/null" ||
	fail "$(wc -l <"$O/burst.log") of 11 deliveries ran in 15 s"
for id in $ids; do
	[ "$(lines_of "$O/burst.log" "$id 1 0")" = 1 ] || fail "$id did not run once: $(grep -F "$id" "$O/burst.log")"
done
n=$(sort -u "$O/burst.pids" | wc -l)
[ "$n" -le 2 ] || fail "$n resident processes for a burst of 11 (want 1, 2 at most)"
note "$n resident process(es) for 11 deliveries"

flaky=$(new_id)
post_json async '{"event":"burst","data":"flaky"}' -H "Webhook-Id: $flaky"
expect_status 202
doomed=$(new_id)
post_json async '{"event":"burst","data":"doomed"}' -H "Webhook-Id: $doomed"
expect_status 202
wait_for 150 listed done "$flaky" || fail "the flaky delivery is not done after 15 s"
[ "$(grep -F "$flaky" "$O/burst.log" | cut -d' ' -f2,3 | tr '\n' ' ')" = "1 75 2 0 " ] ||
	fail "flaky: $(grep -F "$flaky" "$O/burst.log" | tr '\n' ' ')"
wait_for 150 listed dead "$doomed" || fail "the doomed delivery is not dead after 15 s"
[ "$(lines_of "$O/burst.log" "$doomed")" = 3 ] || fail "doomed ran $(lines_of "$O/burst.log" "$doomed") times, want 3"
