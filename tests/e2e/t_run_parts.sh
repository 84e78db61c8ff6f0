# D/E.d/: each executable whose name matches ^[A-Za-z0-9_-]+$ runs, in
# byte order; names with dots or tildes, hidden and non-executable files
# do not. A file D/E wins over D/E.d/.
id=$(new_id)
post_generic generic deploy "$id"
expect_status 200
expect_json .status success
expect_lines "$ROOT/out/order.log" "$id" "10-first $id
20-second $id
3-third $id
B_upper $id
a-lower $id"
expect_json '.hooks | length' 5
expect_json '[.hooks[].hook | sub(".*/"; "")] | join(",")' '10-first,20-second,3-third,B_upper,a-lower'
expect_log "$id" 200

id=$(new_id)
post_generic generic both "$id"
expect_status 200
expect_lines "$ROOT/out/order.log" "$id" "both-file $id"
