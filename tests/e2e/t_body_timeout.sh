# 408 request_timeout under CGI: Apache's mod_cgid hands the body to
# hookline as it arrives, so a sender that trickles its body (40 bytes,
# one every 0.25 s) meets body_timeout (3 s here; Apache's own Timeout
# is 60 s, per read) and gets hookline's JSON 408, logged; nothing runs.
# (mod_cgid passes the answer on once it has read the sender's whole
# body, so the trickler sends all it announced.) (The FastCGI servers
# here read the whole body before they start the request: the FastCGI
# case is t_deploy_slow_sender.sh, behind mod_proxy_fcgi.)
only_servers apache-cgi
conf=$ROOT/etc/hookline.conf
cp "$conf" "$ROOT/data/$CASE.conf"
trap 'cat "$ROOT/data/$CASE.conf" >"$conf"' EXIT
sed -i '1a body_timeout = 3' "$conf"

tout=$ROOT/data/$CASE.trickle.out
before=$(cat "$ROOT/out/ok.log" 2>/dev/null | wc -l)
trickle "$PORT" cgi-bin/hookline.cgi/generic 40 40 0.25 "$tout"
wait_for 300 eval '! pid_alive "$TRICKLER"' || fail "the trickler got no answer within 30 s"
expect_408 "$tout"
[ "$(cat "$ROOT/out/ok.log" 2>/dev/null | wc -l)" = "$before" ] || fail "a hook ran"

# A body that arrives in time is fine.
id=$(new_id)
post_generic generic ok "$id"
expect_status 200 && expect_json .status success
expect_lines "$ROOT/out/ok.log" "$id" "ok $id 1"
