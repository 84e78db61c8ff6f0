# lib_deploy.sh: helpers for the t_deploy_*.sh and t_manpages.sh cases,
# sourced after lib.sh. Each deploy case starts its own server from one
# conf-examples/ file (nginx, Apache with mod_proxy_fcgi, lighttpd with
# mod_cgi, `hookline fcgi --listen`, systemd-socket-activate) in a folder
# of its own, $D = $ROOT/<case>, on its own port on 127.0.0.1,
# and stops what it started when the case ends. They use lib.sh's
# hookline.conf and hooks ($ROOT/etc) and its req/expect_* checks.
#
# Layout of $D:
#   bin/hookline    a copy of the binary (its own path: its processes are
#                   told apart from those of run.sh's server)
#   conf/           the examples with their placeholders replaced
#   run/            pid files and sockets (writable by the server user)
#   log/            the servers' logs and hookline's stderr (writable
#                   by the server user)
#   tmp/            the servers' temporary files
#   www/html/       an empty document root

DEPLOY_PIDS=()

# The case runs once per run.sh run, not once per server: under the
# first server of the run's list that can start here; under the others
# it does not apply.
once_per_run() {
	local s
	for s in ${SERVERS:-${E2E_SERVERS:-lighttpd-fastcgi apache-fcgid apache-cgi}}; do
		if server_supported "$s" >/dev/null 2>&1; then
			[ "$s" = "${SERVER:-}" ] && return 0
			exit "$E2E_NA"
		fi
	done
	exit "$E2E_NA"
}

# missing WHAT: a tool this case needs is not installed. A failure when
# CI=true (CI must install everything), else a skip saying what to install.
missing() {
	if [ "${CI:-}" = true ]; then
		fail "$* (CI=true: a missing server or tool is a failure)"
		case_end
	fi
	skip "$*"
}

# need PROGRAM PACKAGE: PROGRAM (a name on PATH or an absolute path) is
# there, or the case stops as missing() says.
need() {
	if [ "${1#/}" != "$1" ]; then
		[ -x "$1" ] && return 0
	elif command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; then
		return 0
	fi
	missing "$1 not installed (Debian package $2)"
}

# The path of PROGRAM, also from /usr/sbin when that is not on PATH.
prog() {
	command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"
}

# Makes $D and a free port $DPORT; registers the cleanup.
deploy_root() {
	D=$ROOT/$CASE
	rm -rf "$D"
	mkdir -p "$D"/{bin,conf,run,log,tmp,www/html}
	chmod 0755 "$D" "$D"/{bin,conf,log,www,www/html}
	# run/, tmp/, log/: written by servers that dropped to WWW_USER.
	cp "$ROOT/bin/hookline" "$D/bin/hookline"
	chmod 0755 "$D/bin/hookline"
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		chown "$WWW_USER:" "$D/run" "$D/tmp" "$D/log"
		chmod 0755 "$D/run" "$D/tmp"
	else
		chmod 0777 "$D/run" "$D/tmp" "$D/log"
	fi
	DPORT=$(free_port) || { fail "no free port"; case_end; }
	trap deploy_cleanup EXIT
}

# The placeholders of conf-examples/ replaced: lib.sh's, and those of
# the deploy examples. The binary is $D's copy; the port is $DPORT; the
# FastCGI port 9000 is $FPORT.
deploy_subst() {
	sed -e "s,/usr/local/bin/hookline,$D/bin/hookline,g" \
	    -e "s,/run/hookline/,$D/run/,g" \
	    -e "s,/run/nginx-hookline\.pid,$D/run/nginx.pid,g" \
	    -e "s,/run/lighttpd-hookline\.pid,$D/run/lighttpd.pid,g" \
	    -e "s,/var/log/nginx/,$D/log/,g" \
	    -e "s,/var/log/lighttpd/,$D/log/,g" \
	    -e "s,/var/log/apache2/,$D/log/,g" \
	    -e "s,/var/www/html,$D/www/html,g" \
	    -e "s,/var/tmp,$D/tmp,g" \
	    -e "s,127\.0\.0\.1:9000,127.0.0.1:${FPORT:-9000},g" \
	    "$@" | PORT=$DPORT subst_placeholders
}

# as_www COMMAND...: COMMAND as the web server's user when we are root
# (as the examples run hookline), else as ourselves. It execs: use it
# only as bg's COMMAND (or in a subshell); the pid bg notes is COMMAND's.
as_www() {
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		exec setpriv --reuid="$WWW_USER" --regid="$WWW_USER" \
		    --init-groups -- "$@"
	fi
	exec "$@"
}

# bg NAME COMMAND...: starts COMMAND in the background, output to
# $D/log/NAME.out; its pid is remembered for deploy_cleanup.
bg() {
	local name=$1
	shift
	"$@" >>"$D/log/$name.out" 2>&1 </dev/null &
	DEPLOY_PIDS+=("$!")
	echo "$!" >"$D/run/$name.bgpid"
}

# Stops pid $1: SIGTERM, up to 5 s, then SIGKILL; reaps it.
stop_pid() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	wait_for 50 eval "! pid_alive $pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# What this case started (by the pids bg noted), newest first; then any
# process still running from $D (our copy of the binary: processes it
# forked, a drainer it started), by pid.
deploy_cleanup() {
	local i p left
	for ((i = ${#DEPLOY_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${DEPLOY_PIDS[i]}"
	done
	DEPLOY_PIDS=()
	if [ -n "${D:-}" ]; then
		wait_for 30 eval "! pgrep -f '^$D/' >/dev/null"
		left=$(pgrep -f "^$D/" || true)
		for p in $left; do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	return 0
}

# example_command FILE: the `runuser -u USER -- .../hookline ... fcgi
# --listen ...` line of the example's comment (placeholders replaced in
# FILE already) into the array LISTEN_CMD, without "runuser -u USER --":
# bg runs it as the web server's user itself (as_www).
example_command() {
	local line
	local -a w
	line=$(sed -n 's/^#[[:space:]]*\(runuser .*fcgi --listen .*\)$/\1/p' "$1" | head -n 1)
	if [ -z "$line" ]; then
		fail "no 'runuser ... fcgi --listen' command in $(basename "$1")"
		return 1
	fi
	read -r -a w <<<"$line"
	if [ "${w[1]}" != -u ] || [ "${w[3]}" != -- ] || [ "${w[4]}" != "$D/bin/hookline" ]; then
		fail "unexpected command in $(basename "$1"): $line"
		return 1
	fi
	LISTEN_CMD=("${w[@]:4}")
}

# proxy_fcgi_up: conf-examples/apache-proxy-fcgi.conf as shipped (paths
# and ports replaced) in $D/conf/site.conf; hookline started with the
# command the example's comment gives (as the web server's user; with
# HCONF set, -c HCONF instead of the example's), then Apache in front of
# it. Sets FPORT, BASE and LOGS; stops the case when something does not
# start.
proxy_fcgi_up() {
	local site=$D/conf/site.conf m i
	need /usr/sbin/apache2 apache2
	for m in proxy proxy_fcgi setenvif; do
		[ -f "$APACHE_MODDIR/mod_$m.so" ] || missing "mod_$m not found in $APACHE_MODDIR (Debian package apache2)"
	done
	need setpriv util-linux
	FPORT=$(free_port) || { fail "no free port"; case_end; }
	[ "$FPORT" != "$DPORT" ] || FPORT=$(free_port)
	deploy_subst "$EXAMPLES/apache-proxy-fcgi.conf" >"$site"
	grep -q "fcgi://127.0.0.1:$FPORT\"" "$site" || fail "apache-proxy-fcgi.conf: the placeholder 127.0.0.1:9000 is gone"
	grep -q "^Listen 127.0.0.1:$DPORT\$" "$site" || fail "apache-proxy-fcgi.conf: the placeholder 127.0.0.1:8080 is gone"
	[ "$E2E_FAILS" -eq 0 ] || case_end
	example_command "$site" || case_end
	[ "${LISTEN_CMD[*]: -2}" = "--listen 127.0.0.1:$FPORT" ] || fail "the command listens on '${LISTEN_CMD[*]: -2}'"
	for ((i = 0; i + 1 < ${#LISTEN_CMD[@]}; i++)); do
		[ "${LISTEN_CMD[i]}" = -c ] && [ -n "${HCONF:-}" ] && LISTEN_CMD[i + 1]=$HCONF
	done
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
}

# lighttpd_up CONF: lighttpd checks CONF, then serves it on $DPORT;
# the case stops when it does not.
lighttpd_up() {
	local lighttpd
	lighttpd=$(prog lighttpd)
	if ! "$lighttpd" -tt -f "$1" >"$D/log/lighttpd-t.out" 2>&1; then
		fail "lighttpd refuses the configuration"
		sed 's/^/      /' "$D/log/lighttpd-t.out"
		case_end
	fi
	bg lighttpd "$lighttpd" -D -f "$1"
	if ! wait_for 100 port_open "$DPORT"; then
		fail "lighttpd did not listen on $DPORT"
		show_logs
		case_end
	fi
}

# apache_main SITE MODULE...: $D/apache/httpd.conf, the server-wide part
# lib.sh's write_apache_conf would write, loading MODULE... and
# including SITE (an example with its placeholders replaced).
apache_main() {
	local site=$1 m
	shift
	mkdir -p "$D/apache"
	{
		cat <<-EOF
		# generated by tests/e2e/lib_deploy.sh: the server-wide part;
		# the site is a conf-examples/ file with its placeholders replaced.
		ServerRoot "$D/apache"
		DefaultRuntimeDir "$D/run"
		PidFile "$D/run/apache2.pid"
		ErrorLog "$D/log/apache-main-error.log"
		LogLevel warn
		User $WWW_USER
		Group $(id -gn "$WWW_USER" 2>/dev/null || echo "$WWW_USER")
		ServerName 127.0.0.1
		StartServers 1
		EOF
		for m in "$@"; do
			printf 'LoadModule %s_module %s/mod_%s.so\n' "$m" "$APACHE_MODDIR" "$m"
		done
		cat <<-EOF
		<Directory />
		AllowOverride None
		Require all denied
		</Directory>
		Include "$site"
		EOF
	} >"$D/apache/httpd.conf"
	chmod -R a+rX "$D/apache"
}

# A unix socket is there (someone listens on it: hookline made it).
sock_ready() {
	[ -S "$1" ]
}

# show_logs: the last lines of every log of $D, for a failure.
show_logs() {
	local f
	for f in "$D"/log/*; do
		[ -s "$f" ] || continue
		printf '      last lines of %s:\n' "${f#"$D"/}"
		tail -n 8 "$f" | cut -c1-300 | sed 's/^/        /'
	done
}

# The body of a GitHub push, and its signature with lib.sh's secret.
github_body() {
	local f=$ROOT/data/$CASE.push.json
	printf '%s' '{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"octo/hello"}}' >"$f"
	echo "$f"
}

# post_github ID [ENDPOINT [SIGNATURE [curl options...]]]: a push to
# $BASE/ENDPOINT (default github) as GitHub sends it, signed with
# lib.sh's secret unless SIGNATURE is given.
post_github() {
	local id=$1 ep=${2:-github} sig=${3:-} body
	shift
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] && shift
	body=$(github_body)
	[ -n "$sig" ] || sig=$(github_sign "$GITHUB_SECRET" "$body")
	req POST "$ep" -H 'Content-Type: application/json' \
	    -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $id" \
	    -H "X-Hub-Signature-256: $sig" \
	    -H 'User-Agent: GitHub-Hookshot/e2e' --data-binary "@$body" "$@"
}

# The checks every deployment must pass, against $BASE: a signed push
# runs github/push and is logged; the endpoint comes from PATH_INFO
# (/github runs it, /nosuch is 404, a bare $BASE is the implicit
# endpoint); a wrong signature is 401; GET is 405; an oversized body is
# a JSON 413. Expects LOGS to name hookline's log files.
deploy_checks() {
	local id big mib
	id=$(new_id)
	post_github "$id"
	expect_status 200 && expect_json_type
	expect_json .status success
	expect_json .event push
	expect_json .delivery "$id"
	expect_lines "$ROOT/out/github.log" "$id" "push $id"
	expect_log "$id" 200
	if ! wait_for 30 eval "grep -F -- '$id' $LOGS 2>/dev/null | grep -q '\"endpoint\":\"github\"'"; then
		fail "the log line of $id does not name the endpoint github (PATH_INFO lost?)"
	fi

	req POST nosuch -H 'Content-Type: application/json' --data-binary '{"event":"x","data":{}}'
	expect_error 404 unknown_endpoint

	# PATH_INFO empty: the implicit generic endpoint; no hook for nohook.
	req POST "" -H 'Content-Type: application/json' -H "Webhook-Id: $(new_id)" \
	    --data-binary '{"event":"nohook","data":{}}'
	expect_status 200 && expect_json .status ignored

	id=$(new_id)
	post_github "$id" github "sha256=$(printf '0%.0s' $(seq 64))"
	expect_error 401 invalid_signature
	expect_lines "$ROOT/out/github.log" "$id" ""

	req GET github
	expect_error 405 method_not_allowed

	# Over lib.sh's max_body (8M), and over the 10M a server in front
	# may refuse itself: a JSON 413 from hookline or from that server,
	# never a hook run.
	big=$ROOT/data/$CASE.big
	for mib in 9 11; do
		head -c $((mib * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$big"
		id=$(new_id)
		req POST github -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
		    -H "X-GitHub-Delivery: $id" --data-binary "@$big"
		expect_error 413 payload_too_large
		expect_lines "$ROOT/out/github.log" "$id" ""
	done
	rm -f "$big"

	# The watching URLs through this server as shipped: a GET to
	# <script URL>/-/health reaches hookline, with the Authorization
	# header (Apache: CGIPassAuth), and without it is hookline's 401.
	. "$E2E_DIR/status_lib.sh"
	status_setup token
	mon health
	expect_status 200 && expect_json .status ok
	req GET -/health
	expect_error 401 unauthorized
}
