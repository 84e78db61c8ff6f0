# A resident worker that exits in the middle of a delivery: that delivery
# is answered 500 hook_failed, the worker is gone and never answers
# again, and the deliveries after it succeed (a fresh worker). A worker
# that writes something other than a status on fd 3 breaks the
# protocol: that delivery fails too and the worker is replaced (killed).
# Under apache-cgi every delivery has its own process: the answers are
# the same.
. "$E2E_DIR/resident_lib.sh"
res_endpoint res_crash
# Before it misbehaves, the worker writes down its pid.
resident_py res_crash/crash.resident v1 'if b"\"die\"" in body or b"\"garble\"" in body:
    open("'"$ROOT"'/out/crash.bad", "a").write("%d %s\n" % (os.getpid(), wid))
if b"\"die\"" in body:
    os._exit(3)
if b"\"garble\"" in body:
    os.write(3, b"fine, thanks\n")
    time.sleep(30)'
res_ready res_crash
R=crash.resident

res_ok res_crash "$R" 1

before=$(grep -c . "$ROOT/out/$R.rec" 2>/dev/null)
post_res res_crash "$R" '{"do":"die"}'
expect_error 500 hook_failed
expect_json '.hooks[0].hook' "$R"
died=$DELIVERY
[ -z "$(rec_of "$R" "$died")" ] || fail "the delivery the worker died on was recorded"
expect_log "$died" 500

post_res res_crash "$R" '{"do":"garble"}'
expect_error 500 hook_failed
expect_log "$DELIVERY" 500

res_ok res_crash "$R" 2 3 4 5 6
[ "$(grep -c . "$ROOT/out/crash.bad" 2>/dev/null)" = 2 ] ||
    fail "crash.bad holds '$(cat "$ROOT/out/crash.bad" 2>/dev/null)', expected two workers"
while read -r p w; do
	# The one that exited is reaped; the one that garbled is killed
	# (it would sleep 30 s).
	wait_for 50 eval "! worker_alive $p $R" || fail "the misbehaving worker $p still runs"
	[ -z "$(rec_field "$R" 7 | tail -n +$((before + 1)) | grep -xF "$w")" ] ||
	    fail "worker $w answered a delivery after misbehaving"
done <"$ROOT/out/crash.bad"
