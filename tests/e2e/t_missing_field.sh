# 400 missing_field with field: the generic provider needs a string
# "event" and a "data".
id=$(new_id)
post_json generic '{"data":{"n":1}}' -H "Webhook-Id: $id"
expect_error 400 missing_field
expect_json .field event
post_json generic '{"event":5,"data":{"n":1}}' -H "Webhook-Id: $id"
expect_error 400 missing_field
expect_json .field event
post_json generic '{"event":"ok"}' -H "Webhook-Id: $id"
expect_error 400 missing_field
expect_json .field data
expect_lines "$ROOT/out/ok.log" "$id" ""
