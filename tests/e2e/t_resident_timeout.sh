# A resident worker that hangs in a delivery (with a child in its process
# group) is killed at the endpoint's timeout, with its process group: the
# delivery is answered 504 hook_timeout, and the next delivery gets a
# fresh worker and succeeds. (Under apache-cgi, one-shot: the same
# answers.)
. "$E2E_DIR/resident_lib.sh"
res_endpoint res_hang "timeout  = 2"
resident_py res_hang/hang.resident v1 'if b"\"hang\"" in body:
    child = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL)
    open("'"$ROOT"'/out/hang.pids", "w").write("%d\n%d\n%s\n" % (os.getpid(), child.pid, wid))
    time.sleep(60)'
res_ready res_hang
R=hang.resident

res_ok res_hang "$R" 1

before=$(grep -c . "$ROOT/out/$R.rec" 2>/dev/null)
post_res res_hang "$R" '{"do":"hang"}'
expect_error 504 hook_timeout
awk -v t="$TIME" 'BEGIN { exit !(t >= 1.5 && t < 10) }' ||
    fail "the 504 came after ${TIME}s, the timeout is 2 s"
expect_log "$DELIVERY" 504
# Worker and child: gone (SIGTERM at 2 s; SIGKILL 5 s later at most).
wait_for 80 eval "! worker_alive \$(sed -n 1p $ROOT/out/hang.pids) $R && ! worker_alive \$(sed -n 2p $ROOT/out/hang.pids) sleep" ||
    fail "the hung worker or its child still runs: $(cat "$ROOT/out/hang.pids" 2>/dev/null | tr '\n' ' ')"

for i in 2 3 4; do
	res_ok res_hang "$R" "$i"
	[ -n "$(rec_of "$R" "$DELIVERY")" ] || fail "delivery $i after the timeout was not recorded"
done
hung=$(sed -n 3p "$ROOT/out/hang.pids" 2>/dev/null)
[ -z "$(rec_field "$R" 7 | tail -n +$((before + 1)) | grep -xF "$hung")" ] ||
    fail "the worker $hung that hung answered again"
