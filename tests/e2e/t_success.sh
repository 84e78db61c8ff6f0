# 200 success: the hook ran and exited 0; the answer lists it.
id=$(new_id)
post_generic generic ok "$id"
expect_status 200
expect_json_type
expect_json .status success
expect_json .event ok
expect_json .delivery "$id"
expect_json '.hooks | length' 1
expect_jq '.hooks[0].hook | test("(^|/)ok$")' 'hooks[0].hook names the hook'
expect_json '.hooks[0].exit' 0
expect_jq '.hooks[0].duration_ms | type == "number" and . >= 0' 'duration_ms is a number'
# The hook ran once, with the event as its only argument.
expect_lines "$ROOT/out/ok.log" "$id" "ok $id 1"
expect_log "$id" 200
