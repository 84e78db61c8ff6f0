# 500 hook_failed: the hook exited 3; the answer lists it with its exit.
id=$(new_id)
post_generic generic fail "$id"
expect_error 500 hook_failed
expect_json '.hooks | length' 1
expect_json '.hooks[0].exit' 3
expect_lines "$ROOT/out/fail.log" "$id" "fail $id"
expect_log "$id" 500
# The secret of the github endpoint, the hook's stderr aside, is never
# in the answer.
grep -qF "$GITHUB_SECRET" "$BODY" && fail "the answer holds a secret"
# The process serves the next request.
id=$(new_id)
post_generic generic ok "$id"
expect_status 200
