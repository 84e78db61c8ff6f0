# lib.sh: helpers for hookline's end-to-end tests, sourced by run.sh and
# by each case (bash). A temporary root per web server holds the
# generated server configuration, hookline.conf, the hooks, the spool,
# the logs and what the hooks wrote; the server listens on 127.0.0.1 only.
#
# Layout of $ROOT:
#   bin/hookline          the binary under test (copied: the web server
#                         user must be able to reach it)
#   etc/hookline.conf     the configuration (see write_hookline_conf)
#   etc/hooks.d/<ep>/     the hooks of each endpoint
#   etc/outside/          executables no request may ever reach
#   spool/                hookline's spool (writable by the server user)
#   out/                  what the hooks write (world-writable)
#   log/                  the web server's logs: hookline's log lines
#   run/                  pid files and sockets
#   www/                  document root and cgi-bin
#   data/                 request bodies and answers of the tests

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REPO=${REPO:-$(cd "$E2E_DIR/../.." && pwd)}
EXAMPLES=$REPO/conf-examples
WWW_USER=${WWW_USER:-www-data}
APACHE_MODDIR=${APACHE_MODDIR:-/usr/lib/apache2/modules}

# Timeouts of the test configuration. A hook past HOOK_TIMEOUT gets
# SIGTERM; KILL_AFTER is hookline's built-in grace before SIGKILL (the
# contract's 5 s).
HOOK_TIMEOUT=2
KILL_AFTER=5
# Fixed for the whole run: cases source this file again in subshells.
GITHUB_SECRET=${GITHUB_SECRET:-e2e-github-secret-$$-$RANDOM$RANDOM}
export GITHUB_SECRET

# ---------------------------------------------------------------------
# Reporting. A case runs in a subshell; each failed check prints one
# line and counts; the case's exit status is the count (see case_end).

E2E_FAILS=0

fail() {
	E2E_FAILS=$((E2E_FAILS + 1))
	printf '    FAIL: %s\n' "$*"
}

note() {
	printf '    note: %s\n' "$*"
}

# Exit codes understood by run.sh.
E2E_SKIP=77	# could not run here (a missing tool); counted as skipped
E2E_NA=78	# does not apply to this server; not counted

skip() {
	printf '    skip: %s\n' "$*"
	exit "$E2E_SKIP"
}

only_servers() {
	local s
	for s in "$@"; do
		[ "$s" = "$SERVER" ] && return 0
	done
	exit "$E2E_NA"
}

case_end() {
	[ "$E2E_FAILS" -eq 0 ] && exit 0
	exit 1
}

# ---------------------------------------------------------------------
# Tools.

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	local i p
	# Below Linux's ephemeral range (32768-60999): a port there can be
	# taken by a client's outgoing connection between this check and
	# the server's bind (seen: Apache "Address already in use").
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Succeeds when something accepts connections on 127.0.0.1:$1.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# conf_settle: after a case edits the server's hookline.conf. A FastCGI
# process looks at its config at most once a second, so a request in the
# same second as the edit may still meet the old one; a second later, the
# next request reloads it.
conf_settle() { sleep 1.1; }

# add_endpoints TEXT: appends TEXT (sections of a case) to hookline.conf
# once per server (a case runs again against the same root only when it
# is listed twice), then lets the FastCGI processes see it.
add_endpoints() {
	local first
	first=$(printf '%s\n' "$1" | grep -m1 '^\[')
	grep -qxF -- "$first" "$ROOT/etc/hookline.conf" && return 0
	printf '\n%s\n' "$1" >>"$ROOT/etc/hookline.conf"
	conf_settle
}

# wait_for TENTHS COMMAND...: runs COMMAND every 0.1 s until it succeeds,
# for at most TENTHS tenths of a second; returns its last status.
wait_for() {
	local tenths=$1 i
	shift
	for ((i = 0; i < tenths; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# The placeholders of conf-examples/ replaced by paths under $ROOT and
# the test port. Every example uses only these.
subst_placeholders() {
	sed -e "s,/usr/local/bin/hookline,$ROOT/bin/hookline,g" \
	    -e "s,/etc/hookline/hookline\.conf,$ROOT/etc/hookline.conf,g" \
	    -e "s,/etc/hookline/,$ROOT/etc/,g" \
	    -e "s,/var/spool/hookline,$ROOT/spool,g" \
	    -e "s,/var/www/cgi-bin,$ROOT/www/cgi-bin,g" \
	    -e "s,/var/www/html,$ROOT/www/html,g" \
	    -e "s,/var/log/lighttpd/,$ROOT/log/,g" \
	    -e "s,/var/log/apache2/,$ROOT/log/,g" \
	    -e "s,/run/lighttpd-hookline\.pid,$ROOT/run/lighttpd.pid,g" \
	    -e "s,/run/lighttpd/,$ROOT/run/,g" \
	    -e "s,/var/tmp,$ROOT/tmp,g" \
	    -e "s,127\.0\.0\.1:8080,127.0.0.1:$PORT,g" \
	    -e "s,^\([[:space:]]*server\.port[[:space:]]*=[[:space:]]*\)8080,\1$PORT," \
	    "$@"
}

# HMAC-SHA256 of file $2 with key $1, as GitHub sends it.
github_sign() {
	printf 'sha256=%s' "$(openssl dgst -sha256 -hmac "$1" -r <"$2" | cut -d' ' -f1)"
}

# A unique delivery id for this case and server (new_id runs in $(...),
# so no counter of ours would survive it).
new_id() {
	local u
	u=$(cat /proc/sys/kernel/random/uuid)
	printf 'e2e-%s-%s-%s' "${SERVER:-x}" "${CASE:-x}" "${u%%-*}"
}

# ---------------------------------------------------------------------
# The temporary root, hookline.conf and the hooks.

make_root() {
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/hookline-e2e.XXXXXX") || return 1
	chmod 0755 "$ROOT"
	mkdir -p "$ROOT"/{bin,etc/hooks.d,etc/outside,spool,out,log,run,tmp,data,www/html,www/cgi-bin,apache}
	cp "$HOOKLINE_BIN" "$ROOT/bin/hookline"
	chmod 0755 "$ROOT/bin/hookline"
	chmod 0777 "$ROOT/out"
	chmod 0755 "$ROOT"/{bin,etc,log,run,tmp,data,www,www/html,www/cgi-bin,apache}
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		chown "$WWW_USER:" "$ROOT/spool" "$ROOT/log" "$ROOT/run" "$ROOT/tmp"
	else
		chmod 0777 "$ROOT/spool" "$ROOT/log" "$ROOT/run" "$ROOT/tmp"
	fi
	# Every folder above $ROOT must let the server user through.
	local d=$ROOT
	while d=$(dirname "$d") && [ "$d" != / ]; do
		if [ "$(stat -c %A "$d" | cut -c10)" != x ] &&
		   [ "$(stat -c %A "$d" | cut -c10)" != t ]; then
			echo "lib.sh: $d is not world-searchable; set TMPDIR" >&2
			return 1
		fi
	done
	write_hookline_conf
	write_hooks
}

# spool_floor_line: nothing where the spool's disk has room for the
# default spool_min_free (5% of the file system, at most 1 GiB) and the
# tests' deliveries (256 MiB); on a nearly full disk, spool_min_free = 0,
# so that the async cases test the spool, not the disk (said once).
spool_floor_line() {
	local size avail floor
	read -r size avail < <(df -B1 --output=size,avail "$ROOT/spool" | tail -n 1)
	[ -n "$avail" ] || return 0
	floor=$((size / 20))
	[ "$floor" -gt $((1 << 30)) ] && floor=$((1 << 30))
	if [ "$avail" -lt $((floor + (256 << 20))) ]; then
		echo "lib.sh: $((avail >> 20)) MiB free for the spool, less than the default spool_min_free ($((floor >> 20)) MiB) plus 256 MiB for the tests: spool_min_free = 0" >&2
		printf 'spool_min_free = 0  ; nearly full disk (lib.sh)'
	fi
}

write_hookline_conf() {
	printf '%s\n' "$GITHUB_SECRET" >"$ROOT/etc/github.secret"
	# As a deployment should: readable by the web server's group only.
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		chgrp "$(id -gn "$WWW_USER")" "$ROOT/etc/github.secret"
		chmod 0640 "$ROOT/etc/github.secret"
	else
		chmod 0644 "$ROOT/etc/github.secret"
	fi
	cat >"$ROOT/etc/hookline.conf" <<-EOF
	# hookline.conf for the end-to-end tests (generated by lib.sh)
	$(spool_floor_line)
	hooks_dir = hooks.d
	spool_dir = $ROOT/spool
	max_body  = 8M
	timeout   = $HOOK_TIMEOUT
	log       = stderr

	; the hooks of most cases; no _default, so unknown events are ignored
	[generic]
	provider = generic
	mode     = sync

	; only a _default hook (and one named hook)
	[fallback]
	provider = generic
	mode     = sync

	; hostile input goes here; its _default copies what it is given
	[inject]
	provider = generic
	mode     = sync

	[github]
	provider    = github
	secret_file = github.secret
	mode        = sync
	EOF
	chmod 0644 "$ROOT/etc/hookline.conf"
}

# hook NAME-under-hooks.d BODY: writes an executable /bin/sh hook.
hook() {
	local f=$ROOT/etc/hooks.d/$1
	mkdir -p "$(dirname "$f")"
	{
		printf '#!/bin/sh\n'
		printf '%s\n' "$2"
	} >"$f"
	chmod 0755 "$f"
}

write_hooks() {
	local O=$ROOT/out
	# generic: one hook per behaviour.
	hook generic/ok "printf '%s %s %s\n' \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" \"\$#\" >>$O/ok.log"
	hook generic/fail "printf 'fail %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/fail.log
echo 'fail hook says no' >&2
exit 3"
	# Sleeps past the timeout with a child in its process group; both
	# pids are written down so the test can see they are gone.
	hook generic/slow "echo \$\$ >$O/slow.\$HOOKLINE_DELIVERY.pid
sleep 60 &
echo \$! >>$O/slow.\$HOOKLINE_DELIVERY.pid
wait"
	# Ignores SIGTERM, so only SIGKILL ends it.
	hook generic/stubborn "trap '' TERM
echo \$\$ >$O/stubborn.\$HOOKLINE_DELIVERY.pid
sleep 60 &
echo \$! >>$O/stubborn.\$HOOKLINE_DELIVERY.pid
wait
sleep 60"
	# The environment exactly as execve gave it to this process (the
	# shell adds PWD to what it exports, so "env" would not do), its
	# arguments and stdin.
	hook generic/env "cat /proc/\$\$/environ >$O/env.\$HOOKLINE_DELIVERY
printf '%s\n' \"\$0\" \"\$@\" >$O/argv.\$HOOKLINE_DELIVERY
ls -l /proc/\$\$/fd >$O/fds.\$HOOKLINE_DELIVERY
cat >$O/env-stdin.\$HOOKLINE_DELIVERY"
	# Copies stdin and the payload file; notes if it could append to
	# the payload file.
	hook generic/cat "cat >$O/cat.\$HOOKLINE_DELIVERY.stdin
cat \"\$HOOKLINE_PAYLOAD_FILE\" >$O/cat.\$HOOKLINE_DELIVERY.file
if printf x 2>/dev/null >>\"\$HOOKLINE_PAYLOAD_FILE\"; then
	echo appended >$O/cat.\$HOOKLINE_DELIVERY.appended
fi"
	# run-parts: byte order of the names that match ^[A-Za-z0-9_-]+$.
	local n
	for n in 10-first 20-second 3-third B_upper a-lower; do
		hook "generic/deploy.d/$n" "printf '%s %s\n' $n \"\$HOOKLINE_DELIVERY\" >>$O/order.log"
	done
	for n in skip.sh 'skip~' .hidden; do
		hook "generic/deploy.d/$n" "printf '%s %s\n' 'WRONG:$n' \"\$HOOKLINE_DELIVERY\" >>$O/order.log"
	done
	# Not executable and no program: no hook, skipped (run-parts).
	# (A script without its x bit is refused instead: t_not_executable.)
	printf 'WRONG: these notes are no hook\n' >"$ROOT/etc/hooks.d/generic/deploy.d/README"
	chmod 0644 "$ROOT/etc/hooks.d/generic/deploy.d/README"
	# A file hook beats a folder of the same name.
	hook generic/both "printf 'both-file %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/order.log"
	hook generic/both.d/1 "printf 'WRONG:both.d %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/order.log"
	# A symlink out of the hooks folder, and a group-writable hook:
	# neither may run.
	hook ../outside/evil "printf 'evil %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/outside.log"
	ln -s ../../outside/evil "$ROOT/etc/hooks.d/generic/escape"
	hook generic/writable "printf 'writable %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/outside.log"
	chmod 0775 "$ROOT/etc/hooks.d/generic/writable"

	# fallback: a named hook, and _default for everything else.
	hook fallback/known "printf 'known %s %s\n' \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" >>$O/fallback.log"
	hook fallback/_default "printf '_default %s %s\n' \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" >>$O/fallback.log"

	# inject: keeps a copy of each body, touches nothing else.
	hook inject/_default "f=\$(mktemp $O/inject.XXXXXX) || exit 1
cat >\"\$f\"
printf '%s' \"\$HOOKLINE_DELIVERY\" >\"\$f.id\"
printf '%s' \"\$HOOKLINE_EVENT\" >\"\$f.event\""

	# github
	hook github/push "printf 'push %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/github.log"

	chmod -R go-w "$ROOT/etc"
	chmod -R a+rX "$ROOT/etc/hooks.d" "$ROOT/etc/outside" "$ROOT/etc/hookline.conf"
	chmod 0775 "$ROOT/etc/hooks.d/generic/writable"
}

# ---------------------------------------------------------------------
# Web servers. start_server sets PORT, BASE (the URL hookline answers
# at, without an endpoint), SERVER_PID and LOGS (the files hookline's
# log lines can land in).

server_supported() {
	case $1 in
	lighttpd-fastcgi)
		command -v lighttpd >/dev/null 2>&1 ||
		    [ -x /usr/sbin/lighttpd ] || { echo "lighttpd not installed"; return 1; } ;;
	apache-fcgid)
		[ -x /usr/sbin/apache2 ] || { echo "apache2 not installed"; return 1; }
		[ -f "$APACHE_MODDIR/mod_fcgid.so" ] || { echo "mod_fcgid not installed (libapache2-mod-fcgid)"; return 1; } ;;
	apache-cgi)
		[ -x /usr/sbin/apache2 ] || { echo "apache2 not installed"; return 1; }
		[ -f "$APACHE_MODDIR/mod_cgid.so" ] || { echo "mod_cgid not found"; return 1; } ;;
	*)
		echo "unknown server $1"; return 1 ;;
	esac
	command -v curl >/dev/null 2>&1 || { echo "curl not installed"; return 1; }
	command -v jq >/dev/null 2>&1 || { echo "jq not installed"; return 1; }
	command -v openssl >/dev/null 2>&1 || { echo "openssl not installed"; return 1; }
	return 0
}

start_server() {
	SERVER=$1
	local try
	for try in 1 2 3; do
		PORT=$(free_port) || { echo "no free port" >&2; return 1; }
		case $SERVER in
		lighttpd-fastcgi) start_lighttpd ;;
		apache-fcgid|apache-cgi) start_apache ;;
		esac && return 0
		stop_server
	done
	return 1
}

LIGHTTPD=$(command -v lighttpd 2>/dev/null || echo /usr/sbin/lighttpd)

start_lighttpd() {
	subst_placeholders "$EXAMPLES/lighttpd-fastcgi.conf" >"$ROOT/lighttpd.conf"
	if ! grep -q "$ROOT/bin/hookline" "$ROOT/lighttpd.conf" ||
	   ! grep -q "server.port *= *$PORT" "$ROOT/lighttpd.conf"; then
		echo "lighttpd-fastcgi.conf: placeholders not found" >&2
		return 1
	fi
	"$LIGHTTPD" -tt -f "$ROOT/lighttpd.conf" >"$ROOT/log/lighttpd-check.out" 2>&1 || {
		echo "lighttpd refuses the configuration:" >&2
		cat "$ROOT/log/lighttpd-check.out" >&2
		return 1
	}
	# Foreground (-D) in the background: we own the process.
	"$LIGHTTPD" -D -f "$ROOT/lighttpd.conf" >>"$ROOT/log/lighttpd.out" 2>&1 &
	SERVER_PID=$!
	BASE=http://127.0.0.1:$PORT/hooks
	LOGS="$ROOT/log/hookline.log $ROOT/log/hookline-error.log $ROOT/log/lighttpd.out"
	if ! wait_for 100 port_open "$PORT" || ! kill -0 "$SERVER_PID" 2>/dev/null; then
		# (A lighttpd that exited did not get the port: someone else
		# answers there.)
		echo "lighttpd did not start listening on $PORT:" >&2
		tail -n 20 "$ROOT"/log/* >&2
		return 1
	fi
}

write_apache_conf() {
	local m mods="mpm_event authz_core mime alias env dir"
	case $SERVER in
	apache-fcgid) mods="$mods fcgid" ;;
	apache-cgi) mods="$mods cgid" ;;
	esac
	{
		cat <<-EOF
		# generated by tests/e2e/lib.sh: the server-wide part; the site
		# is conf-examples/$SERVER.conf with its placeholders replaced.
		ServerRoot "$ROOT/apache"
		DefaultRuntimeDir "$ROOT/run"
		PidFile "$ROOT/run/apache2.pid"
		ErrorLog "$ROOT/log/apache-main-error.log"
		LogLevel warn
		User $WWW_USER
		Group $(id -gn "$WWW_USER" 2>/dev/null || echo "$WWW_USER")
		ServerName 127.0.0.1
		StartServers 1
		EOF
		for m in $mods; do
			printf 'LoadModule %s_module %s/mod_%s.so\n' "$m" "$APACHE_MODDIR" "$m"
		done
		cat <<-EOF
		TypesConfig /etc/mime.types
		<IfModule mod_cgid.c>
		ScriptSock "$ROOT/run/cgisock"
		</IfModule>
		<IfModule mod_fcgid.c>
		FcgidIPCDir "$ROOT/run/fcgid"
		FcgidProcessTableFile "$ROOT/run/fcgid_shm"
		</IfModule>
		<Directory />
		AllowOverride None
		Require all denied
		</Directory>
		Include "$ROOT/apache/site.conf"
		EOF
	} >"$ROOT/apache/httpd.conf"
	subst_placeholders "$EXAMPLES/$SERVER.conf" >"$ROOT/apache/site.conf"
	if [ "$SERVER" = apache-cgi ]; then
		cp "$ROOT/bin/hookline" "$ROOT/www/cgi-bin/hookline.cgi"
		chmod 0755 "$ROOT/www/cgi-bin/hookline.cgi"
		subst_placeholders "$EXAMPLES/apache-cgi.htaccess" >"$ROOT/www/cgi-bin/.htaccess"
		chmod 0644 "$ROOT/www/cgi-bin/.htaccess"
	fi
	mkdir -p "$ROOT/run/fcgid"
	[ "$(id -u)" -eq 0 ] && chown "$WWW_USER:" "$ROOT/run/fcgid"
	chmod -R a+rX "$ROOT/apache" "$ROOT/www"
}

start_apache() {
	write_apache_conf
	if ! grep -q "127.0.0.1:$PORT" "$ROOT/apache/site.conf"; then
		echo "$SERVER.conf: placeholders not found" >&2
		return 1
	fi
	/usr/sbin/apache2 -f "$ROOT/apache/httpd.conf" -t >"$ROOT/log/apache-check.out" 2>&1 || {
		echo "apache2 refuses the configuration:" >&2
		cat "$ROOT/log/apache-check.out" >&2
		return 1
	}
	# -k start daemonizes: we find it again by its pid file.
	/usr/sbin/apache2 -f "$ROOT/apache/httpd.conf" -k start >>"$ROOT/log/apache.out" 2>&1 || {
		echo "apache2 did not start:" >&2
		tail -n 20 "$ROOT"/log/* >&2
		return 1
	}
	case $SERVER in
	apache-fcgid) BASE=http://127.0.0.1:$PORT/hooks ;;
	apache-cgi) BASE=http://127.0.0.1:$PORT/cgi-bin/hookline.cgi ;;
	esac
	LOGS="$ROOT/log/apache-main-error.log $ROOT/log/hookline-error.log"
	if ! wait_for 100 port_open "$PORT" || ! wait_for 50 test -s "$ROOT/run/apache2.pid"; then
		echo "apache2 did not start listening on $PORT:" >&2
		tail -n 20 "$ROOT"/log/* >&2
		return 1
	fi
	SERVER_PID=$(cat "$ROOT/run/apache2.pid")
}

stop_server() {
	local pid=${SERVER_PID:-}
	case ${SERVER:-} in
	apache-*)
		if [ -s "${ROOT:-/nonexistent}/run/apache2.pid" ]; then
			pid=$(cat "$ROOT/run/apache2.pid")
		fi ;;
	esac
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		wait_for 100 eval "! kill -0 $pid 2>/dev/null" ||
		    kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	SERVER_PID=
	# What the server started (FastCGI processes, hooks): by our path.
	if [ -n "${ROOT:-}" ]; then
		wait_for 30 eval "! pgrep -f '^$ROOT/' >/dev/null"
		local left
		left=$(pgrep -f "^$ROOT/" || true)
		[ -n "$left" ] && kill -KILL $left 2>/dev/null
	fi
	return 0
}

# PIDs of the FastCGI hookline processes of this server.
fcgi_pids() {
	pgrep -f "^$ROOT/bin/hookline" || true
}

# ---------------------------------------------------------------------
# Requests. req METHOD ENDPOINT [curl options...] sends one request to
# $BASE/ENDPOINT and sets STATUS (HTTP status, 000 when none), HDRS and
# BODY (files), TIME (seconds) and CURL_RC. The body of the answer is
# also in BODY_TEXT.

req() {
	local method=$1 ep=$2 url
	shift 2
	url=$BASE${ep:+/$ep}
	REQ_N=$((${REQ_N:-0} + 1))
	HDRS=$ROOT/data/$CASE.$REQ_N.headers
	BODY=$ROOT/data/$CASE.$REQ_N.body
	local wo
	wo=$(curl -sS -X "$method" -o "$BODY" -D "$HDRS" \
	    -w '%{http_code} %{time_total}' --max-time 30 \
	    -H 'Expect:' "$@" "$url" 2>"$ROOT/data/$CASE.$REQ_N.curlerr")
	CURL_RC=$?
	STATUS=${wo%% *}
	TIME=${wo##* }
	[ -n "$STATUS" ] || STATUS=000
	BODY_TEXT=$(head -c 600 "$BODY" 2>/dev/null | tr '\n\r' '  ')
	LAST_REQ="$method $url"
}

# post_json ENDPOINT JSON [curl options...]; Content-Type is $CT, else
# application/json.
post_json() {
	local ep=$1 json=$2
	shift 2
	req POST "$ep" -H "Content-Type: ${CT:-application/json}" --data-binary "$json" "$@"
}

# A generic delivery: post_generic ENDPOINT EVENT ID [curl options...]
post_generic() {
	local ep=$1 ev=$2 id=$3
	shift 3
	post_json "$ep" "{\"event\":\"$ev\",\"data\":{\"n\":1}}" -H "Webhook-Id: $id" "$@"
}

# trickle PORT PATH LENGTH BYTES EVERY OUT: in the background, a POST to
# 127.0.0.1:PORT/PATH that announces LENGTH bytes of body and sends
# BYTES of them, one every EVERY seconds, as a slow (or hostile) sender
# would; the answer goes to OUT. TRICKLER is its pid; it ends when
# answered and closed, or BYTES * EVERY + 30 s after it started.
trickle() {
	local port=$1 path=$2 len=$3 bytes=$4 every=$5 out=$6
	(
		trap '' PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
		printf 'POST /%s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' \
		    "$path" "$len" >&3
		timeout "$(awk -v b="$bytes" -v e="$every" 'BEGIN { print int(b * e) + 30 }')" cat <&3 >"$out" &
		reader=$!
		for ((i = 0; i < bytes; i++)); do
			kill -0 "$reader" 2>/dev/null || break
			printf ' ' >&3 2>/dev/null || break
			sleep "$every"
		done
		wait "$reader"
	) &
	TRICKLER=$!
}

# expect_408 OUT: the raw HTTP answer in OUT (trickle's) is hookline's
# JSON 408 request_timeout, and a log line in $LOGS says so.
expect_408() {
	if ! grep -q '^HTTP/1.[01] 408' "$1"; then
		fail "the trickler got: $(head -c 300 "$1" | tr '\r\n' '  ')"
	else
		sed '1,/^\r*$/d' "$1" >"$1.json"
		[ "$(jq -c . <"$1.json" 2>/dev/null)" = '{"status":"error","error":"request_timeout"}' ] ||
		    fail "the 408's body is $(head -c 200 "$1.json")"
		grep -qi '^content-type: *application/json' "$1" || fail "the 408 is not application/json"
	fi
	# shellcheck disable=SC2086
	wait_for 30 eval "cat $LOGS 2>/dev/null | grep -F '\"status\":408' | grep -q '\"error\":\"request_timeout\"'" ||
	    fail "no log line with status 408 and request_timeout in $LOGS"
}

# ---------------------------------------------------------------------
# Checks. Each prints what was asked and what came back.

show_answer() {
	printf '      request: %s\n      answer: %s %s\n' "$LAST_REQ" "$STATUS" "$BODY_TEXT"
}

expect_status() {
	if [ "$STATUS" != "$1" ]; then
		fail "expected HTTP $1, got $STATUS"
		show_answer
		[ "$CURL_RC" -ne 0 ] && printf '      curl: %s\n' "$(tail -n 1 "$ROOT/data/$CASE.$REQ_N.curlerr")"
		return 1
	fi
	# The whole answer arrived (not cut off, not reset).
	if [ "$CURL_RC" -ne 0 ]; then
		fail "HTTP $1 arrived, but curl exited $CURL_RC after ${TIME}s: $(tail -n 1 "$ROOT/data/$CASE.$REQ_N.curlerr")"
		show_answer
		return 1
	fi
}

# expect_json JQ-FILTER EXPECTED: the filter's raw output equals EXPECTED.
expect_json() {
	local got
	if ! got=$(jq -r "$1" <"$BODY" 2>/dev/null); then
		fail "answer is not JSON (wanted $1 = $2)"
		show_answer
		return 1
	fi
	if [ "$got" != "$2" ]; then
		fail "answer $1 is '$got', expected '$2'"
		show_answer
		return 1
	fi
}

# expect_jq JQ-BOOLEAN-EXPRESSION DESCRIPTION
expect_jq() {
	if ! jq -e "$1" <"$BODY" >/dev/null 2>&1; then
		fail "answer does not satisfy: $2 ($1)"
		show_answer
		return 1
	fi
}

# The contract: always Content-Type: application/json.
expect_json_type() {
	if ! grep -qi '^content-type: *application/json' "$HDRS"; then
		fail "answer has no Content-Type: application/json"
		sed 's/^/      /' "$HDRS"
		return 1
	fi
}

# expect_error HTTP CODE: an error answer as the contract's table says.
expect_error() {
	expect_status "$1" || return 1
	expect_json_type
	expect_json .status error
	expect_json .error "$2"
}

# expect_header NAME EXTENDED-REGEX-FOR-VALUE
expect_header() {
	if ! grep -Eiq "^$1: *$2"$'\r'"?\$" "$HDRS"; then
		fail "no header '$1: $2'"
		sed 's/^/      /' "$HDRS"
		return 1
	fi
}

# expect_log ID HTTP: within 3 s a log line holds the delivery id and
# "status":HTTP.
log_has() {
	local f
	for f in $LOGS; do
		[ -f "$f" ] || continue
		grep -F -- "$1" "$f" 2>/dev/null | grep -Eq "\"status\" *: *$2([^0-9]|\$)" && return 0
	done
	return 1
}

expect_log() {
	if ! wait_for 30 log_has "$1" "$2"; then
		fail "no log line with delivery '$1' and \"status\":$2"
		local f
		for f in $LOGS; do
			[ -f "$f" ] || continue
			printf '      last lines of %s:\n' "$f"
			tail -n 5 "$f" | cut -c1-400 | sed 's/^/        /'
		done
		return 1
	fi
}

# expect_lines FILE GREP-STRING EXPECTED: the lines of FILE holding the
# string, in order, equal EXPECTED (newline-separated).
expect_lines() {
	local got
	got=$(grep -F -- "$2" "$1" 2>/dev/null || true)
	if [ "$got" != "$3" ]; then
		fail "$(basename "$1") lines for $2:"
		printf '      expected:\n%s\n      got:\n%s\n' \
		    "$(printf '%s\n' "$3" | sed 's/^/        /')" \
		    "$(printf '%s\n' "$got" | sed 's/^/        /')"
		return 1
	fi
}

# pids_gone FILE: none of the pids in FILE is alive (zombies count as
# gone: they no longer run).
pid_alive() {
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pids_gone() {
	local p
	for p in $(cat "$1" 2>/dev/null); do
		pid_alive "$p" && return 1
	done
	return 0
}
