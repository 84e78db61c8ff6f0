# 405 method_not_allowed with Allow: POST, for anything but POST.
id=$(new_id)
req GET generic -H "Webhook-Id: $id"
expect_error 405 method_not_allowed
expect_header Allow 'POST'
req PUT generic -H 'Content-Type: application/json' --data-binary '{"event":"ok","data":{}}'
expect_error 405 method_not_allowed
expect_header Allow 'POST'
# Nothing ran.
expect_lines "$ROOT/out/ok.log" "$id" ""
