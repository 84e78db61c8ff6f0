# 413 payload_too_large: a 20 MB body over max_body (8M here: the
# 5 MB case needs the same configuration) is answered quickly.
big=$ROOT/data/20M.json
[ -f "$big" ] || { printf '{"event":"ok","data":"'; head -c 20971520 /dev/zero | tr '\0' a; printf '"}'; } >"$big"
id=$(new_id)
req POST generic -H 'Content-Type: application/json' -H "Webhook-Id: $id" --data-binary "@$big"
expect_error 413 payload_too_large
if awk -v t="$TIME" 'BEGIN { exit !(t > 5) }'; then
	fail "413 took ${TIME}s (more than 5 s)"
fi
expect_lines "$ROOT/out/ok.log" "$id" ""
# Just over the limit is refused too; the process lives on.
over=$ROOT/data/8M+1.json
[ -f "$over" ] || { printf '{"event":"ok","data":"'; head -c $((8388609 - 24)) /dev/zero | tr '\0' a; printf '"}'; } >"$over"
[ "$(stat -c %s "$over")" -eq 8388609 ] || fail "test body is $(stat -c %s "$over") bytes, not 8M+1"
req POST generic -H 'Content-Type: application/json' -H "Webhook-Id: $id-b" --data-binary "@$over"
expect_error 413 payload_too_large
id=$(new_id)
post_generic generic ok "$id"
expect_status 200
