# Two hosts, one database (pg_hosts.sh): kill -9 of the drainer that is
# running a delivery's hook (with the hook, as a crash of that host would
# take them), and the other host runs that delivery once the claim's
# lease (database_lease = 3s here) has expired; the log says it ran
# twice. Whichever host's drainer claims it first is the one that dies.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up
pre=$(new_id)
id=$pre-slow
to A
post_generic pg slow "$id"
expect_status 202 || { pg_logs_show; case_end; }
started() { grep -q "^start $id [AB] [0-9]* 1$" "$RUNS" 2>/dev/null; }
wait_for 150 started || { fail "the slow hook did not start within 15 s"; pg_logs_show; case_end; }
read -r _ _ x hookpid _ < <(grep "^start $id " "$RUNS" | head -n 1)
y=B
[ "$x" = B ] && y=A
pid=$(host_drainer "$x") || { fail "host $x ran the hook, but no drainer holds its spool's lock"; case_end; }
note "host $x (drainer $pid) runs the hook (pid $hookpid); host $y must take it over"
# The drainer, its workers (its process group) and the hook (its own).
pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
kill -KILL -- "-$pgid" "-$hookpid" 2>/dev/null
wait_for 30 eval "! pid_alive $pid" || fail "the drainer $pid did not die"
wait_for 30 eval "! pid_alive $hookpid" || fail "the hook $hookpid did not die"
# Within the lease, nobody runs it again; after it, host y does. Its
# drainer is started by a delivery it accepts, as traffic would.
sleep 1
[ "$(runs_of "$id")" = 0 ] || fail "$id finished although its hook was killed"
to "$y"
post_generic pg rec "$pre-kick"
expect_status 202
took_over() { grep -q "^$id $y [0-9]* 2\$" "$RUNS"; }
# 3 s of lease, then the drainer's next look (lease + 10 s at most).
if ! wait_for 200 took_over; then
	fail "host $y did not run $id (attempt 2) within 20 s of the kill: $(grep "$id" "$RUNS" | tr '\n' ';')"
	pg_logs_show
fi
grep -q "^start $id $x " "$RUNS" || fail "the first start was not on host $x"
[ "$(runs_of "$id")" = 1 ] || fail "$id finished $(runs_of "$id") times, expected once (by host $y)"
[ "$(grep -c "^start $id " "$RUNS")" = 2 ] || fail "$id started $(grep -c "^start $id " "$RUNS") times, expected 2"
# The log of host y says it ran twice (the first run was interrupted).
# shellcheck disable=SC2086
logs_y=$([ "$y" = A ] && echo "$LOGS_A" || echo "$LOGS_B")
# shellcheck disable=SC2086
wait_for 30 eval "cat $logs_y 2>/dev/null | grep -F '\"delivery\":\"$id\"' | grep -q 'interrupted'" ||
    fail "no log line of host $y says $id was interrupted and ran again"
