# A resident hook (hooks.d/generic/E.resident) in sync mode: every
# delivery answered with the hook's status, the facts it got right, one
# process per FastCGI process for the whole run; under CGI, one-shot (a
# process per delivery, same answers); an idle worker leaves after
# resident_idle; kill -9 of the FastCGI processes leaves no worker
# behind. (resident-hooks' cases cover the issue's
# full list; this is the hookline side's own check.)
O=$ROOT/out
hook generic/rsh.resident "echo \$\$ >>$O/rsh.pids
while IFS= read -r line || exit 0; do
	if [ -z \"\$line\" ]; then
		body=\$(head -c \"\$HOOKLINE_BODY_LENGTH\")
		case \$body in *'\"fail\"'*) st=3 ;; *) st=0 ;; esac
		printf '%s %s %s %s\n' \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" \"\$HOOKLINE_BODY_LENGTH\" \"\$HOOKLINE_RESIDENT\" >>$O/rsh.log
		echo \"said \$HOOKLINE_DELIVERY\"
		echo \$st >&3
		continue
	fi
	case \$line in HOOKLINE_[A-Z_]*=*) export \"\$line\" ;; esac
done"
n=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	id=$(new_id)
	post_generic generic rsh "$id"
	expect_status 200
	expect_json .status success
	expect_json '.hooks[0].hook' rsh.resident
	expect_json '.hooks[0].exit' 0
	expect_lines "$O/rsh.log" "$id" "rsh $id 30 1"
	n=$((n + 1))
done
id=$(new_id)
post_json generic '{"event":"rsh","data":"fail"}' -H "Webhook-Id: $id"
expect_error 500 hook_failed
expect_json '.hooks[0].exit' 3
expect_log "$id" 500
grep -qF "said $id" $LOGS 2>/dev/null ||
	fail "the resident hook's stdout is not in the log for $id"
workers=$(sort -u "$O/rsh.pids" | wc -l)
case $SERVER in
*-cgi)	# One-shot: a start per delivery.
	[ "$workers" -eq 13 ] || fail "CGI: $workers processes for 13 deliveries (want 13)" ;;
*)	# lighttpd runs max-procs 2, mod_fcgid up to 4 processes.
	[ "$workers" -ge 1 ] && [ "$workers" -le 4 ] ||
		fail "FastCGI: $workers resident processes for 13 deliveries (want 1 to 4)"
	# resident_idle: an idle worker leaves while its FastCGI process
	# waits for the next request.
	add_endpoints "[resident]
provider      = generic
mode          = sync
resident_idle = 2s"
	mkdir -p "$ROOT/etc/hooks.d/resident"
	cp "$ROOT/etc/hooks.d/generic/rsh.resident" "$ROOT/etc/hooks.d/resident/"
	: >"$O/rsh.pids"
	id=$(new_id)
	post_generic resident rsh "$id"
	expect_status 200
	idle=$(cat "$O/rsh.pids")
	[ -n "$idle" ] && ! pids_gone "$O/rsh.pids" ||
		fail "no resident worker up after a delivery to [resident]"
	wait_for 100 pids_gone "$O/rsh.pids" ||
		fail "resident worker $idle still up 10 s after resident_idle = 2s"
	: >"$O/rsh.pids"
	post_generic generic rsh "$(new_id)"
	expect_status 200
	pids=$(fcgi_pids)
	[ -n "$pids" ] && kill -KILL $pids
	if ! wait_for 100 pids_gone "$O/rsh.pids"; then
		fail "a resident worker outlived kill -9 of its FastCGI process"
	fi
	# The next case wants the backend answering again.
	back() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/generic")" = 405 ]; }
	wait_for 300 back || fail "the FastCGI backend did not come back in 30 s" ;;
esac
