# conf-examples/apache-proxy-fcgi.conf as shipped (paths and ports
# replaced): Apache's mod_proxy_fcgi in front of `hookline fcgi --listen
# 127.0.0.1:PORT`, started with the command the example's comment gives.
# PATH_INFO reaches hookline as /github (the delivery runs the github
# endpoint's hook and is logged under it), /nosuch is 404, /hooks alone
# is the implicit endpoint. Then the unix-socket ProxyPass line of the
# example's comments, with hookline on a socket.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
deploy_root
proxy_fcgi_up
site=$D/conf/site.conf
deploy_checks

# /hooksfoo is not hookline's.
req POST ../hooksfoo -H 'Content-Type: application/json' --data-binary '{}'
[ "$STATUS" = 404 ] || fail "/hooksfoo answered $STATUS, expected Apache's 404"
grep -q unknown_endpoint "$BODY" && fail "/hooksfoo reached hookline"

# The unix-socket variant the example gives in a comment: that ProxyPass
# line instead of the TCP one, hookline on a socket.
stop_pid "$(cat "$D/run/apache.bgpid")"
sock=$D/run/hookline.sock
sed -e '/^[[:space:]]*ProxyPass "\/hooks" "fcgi:/d' \
    -e 's/^\([[:space:]]*\)#[[:space:]]*\(ProxyPass "\/hooks" "unix:\)/\1\2/' "$site" >"$D/conf/site-unix.conf"
grep -q "^[[:space:]]*ProxyPass \"/hooks\" \"unix:$sock|fcgi://localhost\"" "$D/conf/site-unix.conf" ||
    { fail "apache-proxy-fcgi.conf has no unix-socket ProxyPass line for /run/hookline/hookline.sock"; case_end; }
bg hookline-unix as_www "$D/bin/hookline" -c "$ROOT/etc/hookline.conf" fcgi --listen "$sock"
wait_for 50 sock_ready "$sock" || { fail "hookline did not make $sock"; show_logs; case_end; }
apache_main "$D/conf/site-unix.conf" mpm_event authz_core proxy proxy_fcgi setenvif
bg apache-unix /usr/sbin/apache2 -f "$D/apache/httpd.conf" -DFOREGROUND
wait_for 100 port_open "$DPORT" || { fail "apache2 (unix socket) did not listen on $DPORT"; show_logs; case_end; }
LOGS="$D/log/hookline-unix.out"
id=$(new_id)
post_github "$id"
expect_status 200 && expect_json .status success
expect_lines "$ROOT/out/github.log" "$id" "push $id"
expect_log "$id" 200
req POST nosuch -H 'Content-Type: application/json' --data-binary '{"event":"x","data":{}}'
expect_error 404 unknown_endpoint
