# 404 unknown_endpoint: no section of that name.
id=$(new_id)
post_generic nosuch ok "$id"
expect_error 404 unknown_endpoint
post_generic 'generic/ok' ok "$id"
expect_error 404 unknown_endpoint
expect_lines "$ROOT/out/ok.log" "$id" ""
