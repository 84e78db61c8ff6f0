# An empty PATH_INFO, or "/", is the [default] endpoint, or without one
# (as here) the implicit generic endpoint whose hooks are hooks_dir
# itself: with no hook of that name there, the event is ignored.
id=$(new_id)
post_generic '' nohook "$id"
expect_status 200 && expect_json .status ignored
id=$(new_id)
BASE_SAVE=$BASE
BASE=$BASE/
post_generic '' nohook "$id"
BASE=$BASE_SAVE
expect_status 200 && expect_json .status ignored
