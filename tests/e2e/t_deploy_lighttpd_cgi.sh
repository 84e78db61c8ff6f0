# conf-examples/lighttpd-cgi.conf as shipped (paths and port replaced):
# lighttpd's mod_cgi runs hookline once per delivery, as CGI. The
# endpoint comes from PATH_INFO, the configuration from the environment
# the example sets, and the log lines from hookline's stderr land in
# lighttpd's breakagelog.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need lighttpd lighttpd
deploy_root

conf=$D/conf/lighttpd.conf
deploy_subst "$EXAMPLES/lighttpd-cgi.conf" >"$conf"
grep -q "\"/hooks\" => \"$D/bin/hookline\"" "$conf" || fail "lighttpd-cgi.conf: the placeholder /usr/local/bin/hookline is gone"
grep -q "server.port *= *$DPORT\$" "$conf" || fail "lighttpd-cgi.conf: the port placeholder 8080 is gone"
grep -q "\"HOOKLINE_CONF\" => \"$ROOT/etc/hookline.conf\"" "$conf" || fail "lighttpd-cgi.conf: the placeholder /etc/hookline/hookline.conf is gone"
[ "$E2E_FAILS" -eq 0 ] || case_end

LIGHTTPD=$(prog lighttpd)
if ! "$LIGHTTPD" -tt -f "$conf" >"$D/log/lighttpd-t.out" 2>&1; then
	fail "lighttpd refuses the configuration"
	sed 's/^/      /' "$D/log/lighttpd-t.out"
	case_end
fi
bg lighttpd "$LIGHTTPD" -D -f "$conf"
if ! wait_for 100 port_open "$DPORT"; then
	fail "lighttpd did not listen on $DPORT"
	show_logs
	case_end
fi

BASE=http://127.0.0.1:$DPORT/hooks
LOGS="$D/log/hookline.log"
deploy_checks

# CGI: no hookline process outlives its request.
if ! wait_for 30 eval "! pgrep -f '^$D/bin/hookline' >/dev/null"; then
	fail "hookline processes stay after their requests: $(pgrep -f "^$D/bin/hookline" | tr '\n' ' ')"
fi

# Nothing but /hooks is served.
printf 'secret\n' >"$D/www/html/file.txt"
req GET ../file.txt
[ "$STATUS" = 403 ] || fail "GET /file.txt answered $STATUS, expected 403"
