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

lighttpd_up "$conf"

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
