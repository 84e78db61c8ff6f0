# 400 invalid_json: not JSON, or JSON that is not an object.
id=$(new_id)
post_json generic '{"event":"ok","data":' -H "Webhook-Id: $id"
expect_error 400 invalid_json
post_json generic '["ok"]' -H "Webhook-Id: $id"
expect_error 400 invalid_json
post_json generic '' -H "Webhook-Id: $id"
expect_error 400 invalid_json
expect_lines "$ROOT/out/ok.log" "$id" ""
