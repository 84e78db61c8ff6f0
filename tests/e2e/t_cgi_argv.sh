# Apache's mod_cgi and mod_cgid turn a query string without "=" into
# command-line arguments, split on "+" (RFC 3875 section 4.4). Through a
# real Apache of each kind (mpm_prefork + mod_cgi, mpm_event + mod_cgid),
# conf-examples/apache-cgi.conf and .htaccess as shipped, each hostile
# URL of issue 11 (send a file to a listener, sign a body with the real
# secret, -c another config, purge, fcgi --listen over a file, help):
#   - with the shipped .htaccess: Apache refuses it (403), while an empty
#     query string and one with "=" still reach hookline;
#   - with the .htaccess of before (no <If> wall): hookline answers as
#     for any request (405 for GET, the usual checks for POST) and says
#     it ignored its arguments;
# and in both: the loopback listener records nothing, no file under the
# config, the spool, the folder or run/ changes, no socket appears and
# no process is left behind.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need /usr/sbin/apache2 apache2
need cc gcc
need setsid util-linux
for m in cgi cgid mpm_prefork mpm_event; do
	[ -f "$APACHE_MODDIR/mod_$m.so" ] || missing "mod_$m not found in $APACHE_MODDIR (Debian package apache2)"
done
deploy_root

# --- hookline's files: a sync and an async GitHub endpoint, the secret
# readable by the web server only, a config an attacker would point -c
# at, and a file the web server's user owns (what fcgi --listen would
# replace with a socket).
E=$D/etc
mkdir -p "$E/hooks.d/github" "$E/hooks.d/queued" "$D/evil/hooks.d" "$D/spool" "$D/out" "$D/www/cgi-bin"
printf '%s\n' "$GITHUB_SECRET" >"$E/github.secret"
cat >"$E/hookline.conf" <<EOF
hooks_dir = hooks.d
spool_dir = $D/spool
log       = stderr

[github]
provider    = github
secret_file = github.secret
mode        = sync

[queued]
provider    = github
secret_file = github.secret
mode        = async
EOF
printf '#!/bin/sh\nprintf "%%s %%s\\n" "$HOOKLINE_ENDPOINT" "$HOOKLINE_DELIVERY" >>%s/hooks.log\n' "$D/out" >"$E/hooks.d/github/push"
cp "$E/hooks.d/github/push" "$E/hooks.d/queued/push"
printf 'hooks_dir = hooks.d\n[default]\nprovider = generic\n' >"$D/evil/evil.conf"
printf '#!/bin/sh\necho evil >%s/evil.marker\n' "$D/out" >"$D/evil/hooks.d/_default"
chmod 0755 "$E/hooks.d/github/push" "$E/hooks.d/queued/push" "$D/evil/hooks.d/_default"
chmod -R go-w "$E" "$D/evil"
chmod -R a+rX "$E" "$D/evil"
chmod 0777 "$D/out"
victim=$D/run/victim.html
make_victim() {
	rm -f "$victim"
	printf '<p>the web user owns this file</p>\n' >"$victim"
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		chown "$WWW_USER:" "$victim"
	fi
}
make_victim
if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
	chown "$WWW_USER:" "$D/spool"
	chgrp "$(id -gn "$WWW_USER")" "$E/github.secret"
	chmod 0640 "$E/github.secret"
else
	chmod 0777 "$D/spool"
fi

# The CGI folder: hookline.cgi and the shipped .htaccess, pointed at $E.
cgibin=$D/www/cgi-bin
cp "$D/bin/hookline" "$cgibin/hookline.cgi"
chmod 0755 "$cgibin/hookline.cgi"
cgi_subst() {
	sed -e "s,/etc/hookline/hookline\.conf,$E/hookline.conf,g" \
	    -e "s,/var/www/cgi-bin,$cgibin,g" "$@" | deploy_subst
}
cgi_subst "$EXAMPLES/apache-cgi.htaccess" >"$D/conf/htaccess.shipped"
grep -q "^SetEnv HOOKLINE_CONF $E/hookline.conf\$" "$D/conf/htaccess.shipped" ||
    fail "apache-cgi.htaccess: the placeholder /etc/hookline/hookline.conf is gone"
grep -q '^<If .*QUERY_STRING' "$D/conf/htaccess.shipped" ||
    fail "apache-cgi.htaccess has no <If> on the query string"
# The .htaccess of before: the same without its <If> section.
sed '/^<If /,/^<\/If>/d' "$D/conf/htaccess.shipped" >"$D/conf/htaccess.old"
cgi_subst "$EXAMPLES/apache-cgi.conf" >"$D/conf/site.conf"
grep -q "^Listen 127.0.0.1:$DPORT\$" "$D/conf/site.conf" || fail "apache-cgi.conf: the placeholder 127.0.0.1:8080 is gone"
chmod -R a+rX "$D/www" "$D/conf"
[ "$E2E_FAILS" -eq 0 ] || case_end

# --- the loopback listener a "send" would post to.
cc -O -o "$D/bin/stub_http" "$E2E_DIR/stub_http.c" 2>"$D/log/stub-cc.err" ||
    { fail "cannot build the stub server: $(head -c 300 "$D/log/stub-cc.err")"; case_end; }
bg stub "$D/bin/stub_http" "$D/log/stub.requests" 200
wait_for 50 test -s "$D/log/stub.out" || { fail "the stub server did not start"; case_end; }
STUB=http://127.0.0.1:$(head -n 1 "$D/log/stub.out")/
stub_lines() { cat "$D/log/stub.requests" 2>/dev/null | wc -l; }

# start_cgi_apache MPM CGI-MODULE: Apache from site.conf, in the
# foreground.
start_cgi_apache() {
	apache_main "$D/conf/site.conf" "$1" authz_core mime alias env dir "$2"
	printf 'TypesConfig /etc/mime.types\n<IfModule mod_cgid.c>\nScriptSock "%s/run/cgisock"\n</IfModule>\n' \
	    "$D" >>"$D/apache/httpd.conf"
	if ! /usr/sbin/apache2 -f "$D/apache/httpd.conf" -t >"$D/log/apache-t.out" 2>&1; then
		fail "apache2 -t refuses the configuration ($1, $2)"
		sed 's/^/      /' "$D/log/apache-t.out"
		return 1
	fi
	# In a session of its own: mpm_prefork's shutdown signals its whole
	# process group, which would otherwise be the test run's.
	bg "apache-$2" setsid /usr/sbin/apache2 -f "$D/apache/httpd.conf" -DFOREGROUND
	wait_for 100 port_open "$DPORT" || { fail "apache2 ($1, $2) did not listen on $DPORT"; show_logs; return 1; }
}

# stop_cgi_apache CGI-MODULE: by the pid bg noted, and by Apache's pid
# file (should setsid have forked).
stop_cgi_apache() {
	local pid
	pid=$(cat "$D/run/apache2.pid" 2>/dev/null)
	stop_pid "$(cat "$D/run/apache-$1.bgpid")"
	if [ -n "$pid" ] && pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		wait_for 50 eval "! pid_alive $pid" || kill -KILL "$pid" 2>/dev/null
	fi
	wait_for 50 eval "! port_open $DPORT"
}

# Everything a request could change: names, types, sizes, modes, owners
# and times of the config, the spool, the CGI folder, run/ and out/; but
# the shared counters (spool/stats), which every request adds to.
snapshot() {
	find "$E" "$D/evil" "$D/spool" "$cgibin" "$D/run" "$D/out" \
	    -printf '%p %y %s %m %u %T@\n' 2>/dev/null |
	    grep -v "^$D/spool/stats " | sort
}

# Processes running from the CGI folder (a CGI request still running,
# a listener or a drainer it left).
cgi_procs() {
	pgrep -f "^$cgibin/" || true
}

CGI_URL=http://127.0.0.1:$DPORT/cgi-bin/hookline.cgi

# to_url METHOD PATH?QUERY [curl options...]: req to that URL exactly.
to_url() {
	local method=$1 saved=$BASE
	BASE=$CGI_URL$2
	shift 2
	req "$method" "" --max-time 10 "$@"
	BASE=$saved
}

# hookline's "argument(s) ignored" lines: mod_cgi writes a CGI program's
# stderr to the site's ErrorLog, mod_cgid to the server's.
ignored_lines() {
	cat "$D/log/hookline-error.log" "$D/log/apache-main-error.log" 2>/dev/null |
	    grep -c 'argument(s) ignored'
}

# hostile LABEL WALL METHOD PATH QUERY [curl options...]: one request;
# with WALL=yes Apache must refuse it, else hookline must answer as for
# the same request without the query string.
hostile() {
	local label=$1 wall=$2 method=$3 path=$4 query=$5 want
	shift 5
	to_url "$method" "$path?$query" "$@"
	if [ "$wall" = yes ]; then
		if [ "$STATUS" != 403 ]; then
			fail "$label: ?$query answered $STATUS, not Apache's 403"
			show_answer
		fi
		return
	fi
	case $method$path in
	GET*) want="405 method_not_allowed" ;;
	POST/github) want="401 invalid_signature" ;;
	*) want=$HOSTILE_WANT ;;
	esac
	expect_error "${want% *}" "${want#* }" || note "($label)"
}

# The round: every hostile URL, then the checks that nothing happened.
hostile_round() {
	local label=$1 wall=$2 before after left body ignored sent
	before=$(snapshot)
	ignored=$(ignored_lines)
	sent=$(stub_lines)
	hostile "$label" "$wall" GET "" "send+$STUB+/proc/self/environ"
	hostile "$label" "$wall" GET "" "send+$STUB+$E/github.secret"
	body=$(github_body)
	# The body signed with the real secret and posted to the endpoint.
	HOSTILE_WANT="400 missing_field"
	hostile "$label" "$wall" POST "" \
	    "send+http://127.0.0.1:$DPORT/cgi-bin/hookline.cgi/github+--provider+github+--secret-file+$E/github.secret+--event+push+-" \
	    -H 'Content-Type: application/json' --data-binary "@$body"
	hostile "$label" "$wall" POST /github \
	    "send+http://127.0.0.1:$DPORT/cgi-bin/hookline.cgi/github+--provider+github+--secret-file+$E/github.secret+--event+push+-" \
	    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
	    -H "X-GitHub-Delivery: $(new_id)" --data-binary "@$body"
	hostile "$label" "$wall" GET "" "-c+$D/evil/evil.conf"
	# A delivery to the config -c names would run its _default hook;
	# under hookline's own config no hook takes event "x".
	to_url POST "?-c+$D/evil/evil.conf" -H 'Content-Type: application/json' \
	    -H "Webhook-Id: $(new_id)" --data-binary '{"event":"x","data":{}}'
	if [ "$wall" = yes ]; then
		[ "$STATUS" = 403 ] || { fail "$label: POST ?-c+evil.conf answered $STATUS, not Apache's 403"; show_answer; }
	else
		expect_status 200 && expect_json .status ignored
	fi
	hostile "$label" "$wall" GET "" "purge+--older-than+0s"
	hostile "$label" "$wall" GET "" "fcgi+--listen+$victim"
	hostile "$label" "$wall" GET "" "help"
	# Nothing sent, nothing run, nothing changed, nothing left.
	[ "$(stub_lines)" = "$sent" ] ||
	    fail "$label: the listener got a request: $(tail -n 1 "$D/log/stub.requests" | cut -c1-300)"
	[ ! -e "$D/out/evil.marker" ] || fail "$label: the hook of the config -c named ran"
	[ ! -S "$victim" ] || fail "$label: $victim is now a socket"
	wait_for 50 eval '[ -z "$(cgi_procs)" ]'
	left=$(cgi_procs)
	if [ -n "$left" ]; then
		fail "$label: processes left behind: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" | head -n 5)"
		kill -KILL $left 2>/dev/null
	fi
	after=$(snapshot)
	if [ "$before" != "$after" ]; then
		fail "$label: files changed:"
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -n 20 | sed 's/^/      /'
	fi
	# Apache passed the arguments, and hookline said it ignored them:
	# one line per request that reached it.
	if [ "$wall" = no ] && [ "$(ignored_lines)" -lt $((ignored + 9)) ]; then
		fail "$label: not every request logged that hookline ignored its arguments (did Apache pass any?)"
	fi
}

# What must still work behind the wall: a signed delivery with an empty
# query string and with one holding "=", a GET with "?a=b" answered by
# hookline, and an async delivery drained by the drainer a CGI request
# starts (exec'd without GATEWAY_INTERFACE, it reads its "drain -c").
legit_checks() {
	local label=$1 id ep
	for ep in "github?" "github?x=1"; do
		id=$(new_id)
		post_github "$id" "$ep"
		expect_status 200 && expect_json .status success
		expect_lines "$D/out/hooks.log" "$id" "github $id"
	done
	to_url GET "?a=b"
	expect_error 405 method_not_allowed
	to_url GET "?"
	expect_error 405 method_not_allowed
	id=$(new_id)
	post_github "$id" queued
	expect_status 202 && expect_json .status accepted
	wait_for 100 grep -q "queued $id" "$D/out/hooks.log" ||
	    fail "$label: the async delivery $id did not run (did the drainer start?)"
	# The drainer is done before the hostile round looks at the spool.
	wait_for 100 eval '[ -z "$(cgi_procs)" ]' || fail "$label: the drainer did not exit"
	[ -n "$(ls -A "$D/spool/done" 2>/dev/null)" ] ||
	    fail "$label: no done delivery in the spool for purge to find"
}

for kind in "mpm_prefork cgi" "mpm_event cgid"; do
	set -- $kind
	label=$2
	start_cgi_apache "$1" "$2" || continue
	[ -f "$victim" ] && [ ! -S "$victim" ] || make_victim
	BASE=$CGI_URL
	LOGS="$D/log/hookline-error.log"
	cp "$D/conf/htaccess.shipped" "$cgibin/.htaccess"
	chmod 0644 "$cgibin/.htaccess"
	legit_checks "$label"
	hostile_round "$label, shipped .htaccess" yes
	cp "$D/conf/htaccess.old" "$cgibin/.htaccess"
	hostile_round "$label, .htaccess without the wall" no
	stop_cgi_apache "$2"
done
