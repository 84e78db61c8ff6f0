# 411 length_required: a POST without Content-Length.
# curl -X POST without data sends neither a body nor Content-Length.
id=$(new_id)
req POST generic -H 'Content-Type: application/json' -H "Webhook-Id: $id"
case $SERVER in
lighttpd-fastcgi)
	# lighttpd answers a POST without Content-Length itself (411) and
	# never hands it to hookline.
	expect_status 411 ;;
apache-fcgid)
	# mod_fcgid hands hookline CONTENT_LENGTH=0 for it: an empty body,
	# which is not JSON.
	expect_error 400 invalid_json ;;
*)
	expect_error 411 length_required ;;
esac
expect_lines "$ROOT/out/ok.log" "$id" ""
