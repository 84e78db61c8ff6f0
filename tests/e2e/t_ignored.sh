# 200 ignored: no hook for this event (and no _default).
id=$(new_id)
post_generic generic nohook "$id"
expect_status 200
expect_json_type
expect_json .status ignored
expect_json .event nohook
expect_log "$id" 200
