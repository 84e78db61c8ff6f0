# Two hosts, one database (pg_hosts.sh): a resident hook (a file named
# *.resident) of an async endpoint stays up in the database's drainer
# and answers several deliveries in one process, as the local spool's
# drainer's workers do; it does not outlive the drainer, whether the
# drainer ends (nothing left) or is killed with kill -9 in the middle of
# one of its deliveries; while the drainer stays (a delivery waits for
# its retry), a worker idle for resident_idle (2 s here) exits.
# max_running = 1: one drainer process per host, so one worker.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up 'max_running = 1
resident_idle = 2s'
pre=$(new_id)
# The hook writes "DELIVERY HOST PID ATTEMPT" per delivery, as pg_hosts'
# hooks do (HOST: its parent, the drainer, names its host's binary). The
# first delivery takes 3 s, so that the others are queued before the
# drainer is done with it and the drainer stays; a body with "hang"
# sleeps (the kill -9 below).
# shellcheck disable=SC2016
pg_hook pg/res.resident 'h=?
case $(tr "\0" " " <"/proc/$PPID/cmdline" 2>/dev/null) in
*'"$D"'/hA/*) h=A ;;
*'"$D"'/hB/*) h=B ;;
esac
b='"$D"'/out/res.body.$$
while IFS= read -r line || exit 0; do
	case $line in
	"")
		head -c "$HOOKLINE_BODY_LENGTH" >"$b"
		case $(cat "$b") in
		*\"n\":1}*) sleep 3 ;;
		*hang*) echo "hang $HOOKLINE_DELIVERY $h $$" >>'"$RUNS"'; sleep 60 ;;
		esac
		printf "%s %s %s %s\n" "$HOOKLINE_DELIVERY" $h $$ "$HOOKLINE_ATTEMPT" >>'"$RUNS"'
		echo 0 >&3 ;;
	HOOKLINE_[A-Z_]*=*)
		export "$line" ;;
	esac
done'
chmod go-w "$D/hooks.d/pg/res.resident"

# Six deliveries to host A, one after the other.
to A
for i in 1 2 3 4 5 6; do
	post_json pg "{\"event\":\"res\",\"data\":{\"n\":$i}}" -H "Webhook-Id: $pre-$i"
	expect_status 202 || { pg_logs_show; case_end; }
done
wait_for 300 eval '[ "$(cat "$RUNS" 2>/dev/null | grep -c "^$pre-")" -ge 6 ]' ||
    { fail "after 30 s, $(grep -c "^$pre-" "$RUNS") of 6 ran"; pg_logs_show; case_end; }
for i in 1 2 3 4 5 6; do
	[ "$(runs_of "$pre-$i")" = 1 ] || fail "$pre-$i ran $(runs_of "$pre-$i") times"
done
grep "^$pre-" "$RUNS" | grep -vq "^$pre-[1-6] A [0-9]* 1\$" &&
    fail "not all run by host A on their first attempt: $(grep "^$pre-" "$RUNS" | tr '\n' ';')"
pids=$(grep "^$pre-" "$RUNS" | cut -d' ' -f3 | sort -u)
[ "$(printf '%s\n' "$pids" | wc -l)" = 1 ] ||
    fail "6 deliveries ran in $(printf '%s\n' "$pids" | wc -l) processes, expected one resident worker: $(printf '%s' "$pids" | tr '\n' ' ')"
# Nothing left: the drainer ends, and its worker with it.
wait_for 150 eval '! host_drainer A >/dev/null' || fail "host A's drainer is still running"
for p in $pids; do
	wait_for 50 eval "! pid_alive $p" || fail "the resident worker $p outlived its drainer"
done

# A delivery that fails and waits an hour for its retry keeps the
# drainer up (it stays while anything is pending); the worker that took
# the next delivery exits after 2 s without one, the drainer still up.
post_generic pgretry fixme "$pre-wait"
expect_status 202
wait_for 150 eval 'grep -q "^try $pre-wait A " "$RUNS"' || { fail "the failing delivery did not run"; pg_logs_show; case_end; }
post_json pg '{"event":"res","data":{"n":7}}' -H "Webhook-Id: $pre-7"
expect_status 202
wait_for 150 eval '[ "$(runs_of "$pre-7")" = 1 ]' || { fail "$pre-7 did not run"; pg_logs_show; case_end; }
read -r _ _ idle _ < <(grep "^$pre-7 " "$RUNS")
dpid=$(host_drainer A) || fail "host A's drainer left although a delivery waits for its retry"
wait_for 100 eval "! pid_alive $idle" || fail "the idle resident worker $idle did not exit after resident_idle (2 s)"
[ -n "$dpid" ] && { pid_alive "$dpid" || fail "the drainer $dpid left with its idle worker"; }

# kill -9 of the drainer while its resident worker holds a delivery:
# the worker goes with it (no orphan).
post_json pg '{"event":"res","data":{"do":"hang"}}' -H "Webhook-Id: $pre-hang"
expect_status 202
wait_for 150 eval 'grep -q "^hang $pre-hang A " "$RUNS"' || { fail "the hanging delivery did not start"; pg_logs_show; case_end; }
read -r _ _ _ wpid < <(grep "^hang $pre-hang " "$RUNS")
dpid=$(host_drainer A) || { fail "no drainer holds host A's spool lock"; case_end; }
kill -KILL "$dpid"
wait_for 50 eval "! pid_alive $dpid" || fail "the drainer $dpid did not die"
wait_for 50 eval "! pid_alive $wpid" || fail "the resident worker $wpid outlived the drainer killed with kill -9"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
