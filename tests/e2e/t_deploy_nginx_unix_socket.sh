# conf-examples/nginx-unix-socket.conf as shipped (paths and port
# replaced): nginx in front of `hookline fcgi --listen SOCKET`, started
# with the command the example's comment gives. Signed deliveries reach
# their endpoint through PATH_INFO, and the answers are hookline's,
# also the 413 nginx gives itself.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need nginx nginx-light
need setpriv util-linux
deploy_root

conf=$D/conf/nginx.conf
deploy_subst "$EXAMPLES/nginx-unix-socket.conf" >"$conf"
sock=$D/run/hookline.sock
grep -q "unix:$sock;" "$conf" || fail "nginx-unix-socket.conf: the socket placeholder /run/hookline/hookline.sock is gone"
grep -q "listen *127.0.0.1:$DPORT;" "$conf" || fail "nginx-unix-socket.conf: the listen placeholder 127.0.0.1:8080 is gone"
[ "$E2E_FAILS" -eq 0 ] || case_end

# The command of the example's comment, with our paths; its -c names
# the system's hookline.conf, which became lib.sh's.
example_command "$conf" || case_end
[ "${LISTEN_CMD[2]}" = "$ROOT/etc/hookline.conf" ] || fail "the command's -c is ${LISTEN_CMD[2]}"
bg hookline as_www "${LISTEN_CMD[@]}"
if ! wait_for 50 sock_ready "$sock"; then
	fail "hookline did not make $sock"
	show_logs
	case_end
fi

NGINX=$(prog nginx)
if ! "$NGINX" -t -q -p "$D/" -c "$conf" -e "$D/log/nginx-startup.log" >"$D/log/nginx-t.out" 2>&1; then
	fail "nginx -t refuses the configuration"
	sed 's/^/      /' "$D/log/nginx-t.out"
	case_end
fi
bg nginx "$NGINX" -p "$D/" -c "$conf" -e "$D/log/nginx-startup.log" -g 'daemon off;'
if ! wait_for 100 port_open "$DPORT"; then
	fail "nginx did not listen on $DPORT"
	show_logs
	case_end
fi

BASE=http://127.0.0.1:$DPORT/hooks
LOGS="$D/log/hookline.out"
deploy_checks

# /hooksfoo is not hookline's.
req POST ../hooksfoo -H 'Content-Type: application/json' --data-binary '{}'
[ "$STATUS" = 404 ] || fail "/hooksfoo answered $STATUS, expected nginx's 404"
grep -q unknown_endpoint "$BODY" && fail "/hooksfoo reached hookline"
