# D/_default runs for an event with neither D/E nor D/E.d/, and gets the
# event name; a named hook wins over it.
id=$(new_id)
post_generic fallback known "$id"
expect_status 200
expect_json .status success
expect_lines "$ROOT/out/fallback.log" "$id" "known known $id"
id=$(new_id)
post_generic fallback something.else "$id"
expect_status 200
expect_json .status success
expect_json .event something.else
expect_lines "$ROOT/out/fallback.log" "$id" "_default something.else $id"
expect_log "$id" 200
