# kill -9 of a FastCGI process leaves none of its resident workers
# behind: neither an idle one (waiting on stdin) nor a busy one (in the
# middle of a delivery, not reading stdin), nor the child the busy one
# started in its process group (the kernel's parent-death signal ends
# the worker; the FastCGI process's guard ends its group). Bounded
# wait: 5 s each.
. "$E2E_DIR/resident_lib.sh"
only_servers lighttpd-fastcgi apache-fcgid
res_endpoint res_kill "timeout  = 30"
resident_py res_kill/kill.resident v1 'if b"\"busy\"" in body:
    child = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL)
    open("'"$ROOT"'/out/kill.busy", "w").write("%d %d %d\n" % (os.getpid(), os.getppid(), child.pid))
    time.sleep(60)'
res_ready res_kill
R=kill.resident

# Idle workers: one per FastCGI process that served a delivery.
res_ok res_kill "$R" 1 2 3 4
idle=$(rec_field "$R" 4 | sort -u)
parents=$(rec_field "$R" 5 | sort -u)
[ -n "$idle" ] || fail "no worker recorded"
for p in $idle; do
	worker_alive "$p" "$R" || fail "the idle worker $p is not running before the kill"
done
for pp in $parents; do
	kill -KILL "$pp" 2>/dev/null || fail "cannot kill the FastCGI process $pp"
done
for p in $idle; do
	wait_for 50 eval "! worker_alive $p $R" || fail "the idle worker $p outlived its FastCGI process (kill -9)"
done

# A busy worker: the delivery is in flight when its parent dies.
rm -f "$ROOT/out/kill.busy"
(curl -sS -o /dev/null --max-time 20 -H 'Content-Type: application/json' \
    --data-binary '{"event":"kill.resident","data":{"do":"busy"}}' "$BASE/res_kill" || true) &
client=$!
if wait_for 100 test -s "$ROOT/out/kill.busy"; then
	read -r w pp child <"$ROOT/out/kill.busy"
	kill -KILL "$pp" 2>/dev/null || fail "cannot kill the FastCGI process $pp"
	wait_for 50 eval "! worker_alive $w $R" ||
	    fail "the busy worker $w outlived its FastCGI process (kill -9)"
	if ! wait_for 50 eval "! worker_alive $child sleep"; then
		kill -KILL "$child" 2>/dev/null
		fail "the busy worker's child $child outlived its FastCGI process (kill -9)"
	fi
else
	fail "the busy delivery did not start within 10 s"
fi
kill "$client" 2>/dev/null
wait "$client" 2>/dev/null
# The server goes on: a new FastCGI process, a new worker.
wait_for 50 eval 'post_res res_kill "$R" "{\"n\":9}"; [ "$STATUS" = 200 ]' ||
    fail "no 200 after the kills: $STATUS $BODY_TEXT"
