# 504 hook_timeout: the hook sleeps past the timeout; it and the child
# in its process group are gone afterwards.
id=$(new_id)
post_generic generic slow "$id"
expect_error 504 hook_timeout
if awk -v t="$TIME" -v m="$((HOOK_TIMEOUT + 3))" 'BEGIN { exit !(t > m) }'; then
	fail "504 after ${TIME}s; timeout is ${HOOK_TIMEOUT}s"
fi
if awk -v t="$TIME" -v m="$HOOK_TIMEOUT" 'BEGIN { exit !(t < m - 0.2) }'; then
	fail "504 after ${TIME}s, before the ${HOOK_TIMEOUT}s timeout"
fi
pidf=$ROOT/out/slow.$id.pid
if [ "$(wc -l <"$pidf" 2>/dev/null)" != 2 ]; then
	fail "the slow hook did not write its two pids"
elif ! wait_for 30 pids_gone "$pidf"; then
	fail "still running after the 504: $(for p in $(cat "$pidf"); do pid_alive "$p" && ps -o pid=,pgid=,args= -p "$p"; done)"
fi
expect_log "$id" 504
