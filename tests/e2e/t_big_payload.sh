# A 5 MB payload reaches the hook byte for byte, on stdin and in
# HOOKLINE_PAYLOAD_FILE (sync mode).
body=$ROOT/data/5M.json
if [ ! -f "$body" ]; then
	{
		printf '{"event":"cat","data":{"blob":"'
		head -c 3900000 /dev/urandom | base64 -w0
		# Escapes, UTF-8 and CR LF as a sender may write them.
		printf '","text":"caf\xc3\xa9 \\u00e9 \\n \\" \\\\ \\/ \xe2\x98\x83"},\r\n "z":[1,2.5e3,true,null]}\r\n'
	} >"$body"
fi
size=$(stat -c %s "$body")
id=$(new_id)
req POST generic -H 'Content-Type: application/json' -H "Webhook-Id: $id" --data-binary "@$body"
expect_status 200
expect_json .status success
for what in stdin file; do
	got=$ROOT/out/cat.$id.$what
	if [ ! -f "$got" ]; then
		fail "the hook wrote no copy of its $what"
	elif ! cmp -s "$body" "$got"; then
		fail "$what differs from the $size bytes sent ($(stat -c %s "$got") bytes; first difference: $(cmp "$body" "$got" 2>&1 | head -1))"
	fi
done
# (What the hook did to its copy, cat appends when it can, stays with
# it: t_payload_file.)
