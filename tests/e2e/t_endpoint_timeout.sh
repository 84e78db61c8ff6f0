# A section's timeout is that endpoint's alone: a hook sleeping 3 s
# succeeds under [limit_long] (timeout = 8) and gets 504 under
# [limit_plain], which keeps the global timeout (HOOK_TIMEOUT, 2 s).
add_endpoints "[limit_long]
provider = generic
timeout  = 8

[limit_plain]
provider = generic"
O=$ROOT/out/limit-timeout.log
for ep in limit_long limit_plain; do
	hook "$ep/nap" "sleep 3
printf '%s %s\n' \"\$HOOKLINE_ENDPOINT\" \"\$HOOKLINE_DELIVERY\" >>$O"
done

long=$(new_id)
post_generic limit_long nap "$long"
expect_status 200 && expect_json .status success
expect_lines "$O" "$long" "limit_long $long"

plain=$(new_id)
post_generic limit_plain nap "$plain"
expect_error 504 hook_timeout
sleep 1.5	# past the 3 s the hook would have slept, had it lived
expect_lines "$O" "$plain" ""
expect_log "$plain" 504
