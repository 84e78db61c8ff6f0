# 400 invalid_event: names outside 1-128 of [A-Za-z0-9._:-], or
# starting with ".", are refused before the file system is touched.
id=$(new_id)
long=$(printf 'a%.0s' $(seq 129))
for ev in '../outside/evil' '../generic/ok' '.hidden' 'a b' 'ok/..' "$long" 'ok\n' 'deploy.d/10-first'; do
	post_json generic "{\"event\":\"$ev\",\"data\":{}}" -H "Webhook-Id: $id"
	expect_error 400 invalid_event
done
# 128 bytes is fine (no hook: ignored).
ok128=$(printf 'b%.0s' $(seq 128))
post_generic generic "$ok128" "$(new_id)"
expect_status 200 && expect_json .status ignored
[ -e "$ROOT/out/outside.log" ] && fail "a hook outside the hooks folder ran: $(cat "$ROOT/out/outside.log")"
expect_lines "$ROOT/out/ok.log" "$id" ""
