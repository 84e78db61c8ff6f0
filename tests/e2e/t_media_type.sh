# 415 unsupported_media_type for a body that is not JSON; JSON with
# parameters and application/<x>+json are accepted.
id=$(new_id)
req POST generic -H 'Content-Type: text/plain' -H "Webhook-Id: $id" --data-binary '{"event":"ok","data":{}}'
expect_error 415 unsupported_media_type
req POST generic -H 'Content-Type: application/xml' -H "Webhook-Id: $id" --data-binary '<x/>'
expect_error 415 unsupported_media_type
expect_lines "$ROOT/out/ok.log" "$id" ""
id=$(new_id)
CT='application/json; charset=utf-8' post_generic generic ok "$id"
expect_status 200 && expect_json .status success
id=$(new_id)
CT='application/vnd.example+json' post_generic generic ok "$id"
expect_status 200 && expect_json .status success
