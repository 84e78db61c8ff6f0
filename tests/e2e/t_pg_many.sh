# Two hosts, one database (pg_hosts.sh): 500 async deliveries from 16
# clients, spread over both hosts (odd numbers to A, even to B), with
# both drainers running: every one is answered 202 and runs exactly
# once, on either host.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up
N=${PG_MANY:-500}
pre=$(new_id)
pg_load "$N" "$pre" "$D/out/many.codes"
n202=$(grep -c '^202 ' "$D/out/many.codes")
[ "$n202" = "$N" ] || fail "$n202 of $N answered 202: $(grep -v '^202 ' "$D/out/many.codes" | cut -d' ' -f1 | sort | uniq -c | tr '\n' ' ')"
# Both hosts' drainers were started by their responders.
host_drainer A >/dev/null || grep -q "^$pre-[0-9]* A " "$RUNS" || fail "host A has no drainer"
host_drainer B >/dev/null || grep -q "^$pre-[0-9]* B " "$RUNS" || fail "host B has no drainer"
ran_once "$pre" "$N"
a=$(grep -c "^$pre-[0-9]* A " "$RUNS")
b=$(grep -c "^$pre-[0-9]* B " "$RUNS")
# Accepted by one host, run by the other: the queue is shared.
x=$(grep -cE "^$pre-[0-9]*[13579] B |^$pre-[0-9]*[02468] A " "$RUNS")
note "runs by host A: $a, by host B: $b; run by the host that did not accept them: $x"
# Both drainers took deliveries from the shared queue, also ones the
# other host accepted (with 500, none at all would mean no sharing).
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "one host ran every delivery (A $a, B $b): the other drainer took none"
[ "$x" -gt 0 ] || fail "every delivery ran on the host that accepted it: the queue is not shared"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
