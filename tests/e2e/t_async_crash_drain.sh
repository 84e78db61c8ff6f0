# kill -9 of the drainer (and its workers) in the middle of a hook, then
# `hookline drain`:
# every accepted delivery runs at least once, and the log tells which
# one ran twice.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out/async-crash.log
pre=$(new_id)
# The first run of the first delivery outlasts the kill, however slow
# this host is today: a longer timeout for this case.
CONF=$ROOT/etc/hookline.conf
cp "$CONF" "$ROOT/tmp/hookline.conf.crash"
trap 'cp "$ROOT/tmp/hookline.conf.crash" "$CONF"' EXIT
sed -i 's/^timeout *=.*/timeout = 60/' "$CONF"
sleep 1
hook async/crash "printf 'start %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$O
case \$HOOKLINE_DELIVERY in
$pre-1) [ \"\$HOOKLINE_ATTEMPT\" = 1 ] && sleep 20 ;;
esac
printf 'end %s %s\n' \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_ATTEMPT\" >>$O"
for i in 1 2 3 4 5; do
	post_generic async crash "$pre-$i"
	expect_status 202
done
wait_for 100 grep -qF "start $pre-1 1" "$O" || fail "the first hook did not start"
pid=$(drainer_pid) || { fail "no drainer holds the lock"; case_end; }
# The drainer and its workers, as a crash or the OOM killer would take
# them; the hooks live in process groups of their own.
pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
kill -KILL -- "-$pgid"
wait_for 30 eval "! pid_alive $pid" || fail "the drainer $pid did not die"
# Nothing ran the others meanwhile: their drainer is gone.
sleep 0.5
hl drain 2>>"$ROOT/log/drain-cmd.log" || fail "hookline drain failed: $(tail -n 3 "$ROOT/log/drain-cmd.log")"
for i in 1 2 3 4 5; do
	grep -qF "start $pre-$i " "$O" || fail "$pre-$i never ran"
	grep -qF "end $pre-$i " "$O" || fail "$pre-$i never finished"
done
[ "$(lines_of "$O" "start $pre-1 ")" = 2 ] || fail "$pre-1 started $(lines_of "$O" "start $pre-1 ") times, expected 2 (interrupted, then again)"
grep -qF "start $pre-1 2" "$O" || fail "the rerun of $pre-1 did not say attempt 2"
for i in 2 3 4 5; do
	[ "$(lines_of "$O" "start $pre-$i ")" = 1 ] || fail "$pre-$i ran $(lines_of "$O" "start $pre-$i ") times"
done
# The log names it.
grep -F '"result":"interrupted"' "$ROOT/log/drain-cmd.log" | grep -qF "\"delivery\":\"$pre-1\"" ||
    fail "no log line says $pre-1 was interrupted: $(tail -n 3 "$ROOT/log/drain-cmd.log" | cut -c1-300)"
[ "$(grep -F '"result":"interrupted"' "$ROOT/log/drain-cmd.log" | grep -cF "$pre-")" = 1 ] ||
    fail "the log says other deliveries were interrupted"
out=$(hl show "$pre-1")
printf '%s\n' "$out" | grep -q '1 interrupted' || fail "show does not count the interruption: $out"
# (The interrupted first run, orphaned, ends by itself when its sleep
# does.)
