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
need /usr/sbin/apache2 apache2
for m in proxy proxy_fcgi setenvif; do
	[ -f "$APACHE_MODDIR/mod_$m.so" ] || missing "mod_$m not found in $APACHE_MODDIR (Debian package apache2)"
done
need setpriv util-linux
deploy_root
FPORT=$(free_port) || { fail "no free port"; case_end; }
[ "$FPORT" != "$DPORT" ] || FPORT=$(free_port)

site=$D/conf/site.conf
deploy_subst "$EXAMPLES/apache-proxy-fcgi.conf" >"$site"
grep -q "fcgi://127.0.0.1:$FPORT\"" "$site" || fail "apache-proxy-fcgi.conf: the placeholder 127.0.0.1:9000 is gone"
grep -q "^Listen 127.0.0.1:$DPORT\$" "$site" || fail "apache-proxy-fcgi.conf: the placeholder 127.0.0.1:8080 is gone"
[ "$E2E_FAILS" -eq 0 ] || case_end

example_command "$site" || case_end
[ "${LISTEN_CMD[*]: -2}" = "--listen 127.0.0.1:$FPORT" ] || fail "the command listens on '${LISTEN_CMD[*]: -2}'"
bg hookline as_www "${LISTEN_CMD[@]}"
if ! wait_for 50 port_open "$FPORT"; then
	fail "hookline did not listen on $FPORT"
	show_logs
	case_end
fi

apache_main "$site" mpm_event authz_core proxy proxy_fcgi setenvif
if ! /usr/sbin/apache2 -f "$D/apache/httpd.conf" -t >"$D/log/apache-t.out" 2>&1; then
	fail "apache2 -t refuses the configuration"
	sed 's/^/      /' "$D/log/apache-t.out"
	case_end
fi
bg apache /usr/sbin/apache2 -f "$D/apache/httpd.conf" -DFOREGROUND
if ! wait_for 100 port_open "$DPORT"; then
	fail "apache2 did not listen on $DPORT"
	show_logs
	case_end
fi

BASE=http://127.0.0.1:$DPORT/hooks
LOGS="$D/log/hookline.out"
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
