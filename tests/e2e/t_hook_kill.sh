# 504 hook_timeout for a hook that ignores SIGTERM: SIGKILL 5 s later
# ends it and its process group. (The kill is the same code in every
# mode: one FastCGI server and the CGI one are enough, and each run
# costs 7 s.)
only_servers lighttpd-fastcgi apache-cgi
id=$(new_id)
post_generic generic stubborn "$id"
expect_error 504 hook_timeout
if awk -v t="$TIME" -v m="$((HOOK_TIMEOUT + KILL_AFTER + 3))" 'BEGIN { exit !(t > m) }'; then
	fail "504 after ${TIME}s; timeout ${HOOK_TIMEOUT}s + ${KILL_AFTER}s grace"
fi
pidf=$ROOT/out/stubborn.$id.pid
if [ "$(wc -l <"$pidf" 2>/dev/null)" != 2 ]; then
	fail "the stubborn hook did not write its two pids"
elif ! wait_for 30 pids_gone "$pidf"; then
	fail "still running after the 504: $(for p in $(cat "$pidf"); do pid_alive "$p" && ps -o pid=,pgid=,args= -p "$p"; done)"
fi
