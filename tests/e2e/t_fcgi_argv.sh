# FastCGI starters pass no GATEWAY_INTERFACE, so the arguments on their
# command line still count (args.c): lighttpd's "bin-path" with
# "hookline -c FILE", and spawn-fcgi's "-- hookline -c FILE" behind
# lighttpd, each with HOOKLINE_CONF naming a file that does not exist:
# a signed push to /hooks/github runs its hook only when -c was read.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need lighttpd lighttpd
need spawn-fcgi spawn-fcgi
deploy_root
LIGHTTPD=$(prog lighttpd)
conf=$ROOT/etc/hookline.conf

# run_lighttpd FILE: lighttpd -D from FILE, listening on $DPORT.
run_lighttpd() {
	if ! "$LIGHTTPD" -tt -f "$1" >"$D/log/lighttpd-t.out" 2>&1; then
		fail "lighttpd refuses $(basename "$1")"
		sed 's/^/      /' "$D/log/lighttpd-t.out"
		return 1
	fi
	bg lighttpd "$LIGHTTPD" -D -f "$1"
	wait_for 100 port_open "$DPORT" || { fail "lighttpd did not listen on $DPORT"; show_logs; return 1; }
}

push_runs() {
	local id
	id=$(new_id)
	post_github "$id"
	expect_status 200 && expect_json .status success
	expect_lines "$ROOT/out/github.log" "$id" "push $id"
}

BASE=http://127.0.0.1:$DPORT/hooks

# 1. bin-path with -c, and a HOOKLINE_CONF that -c must win over.
lconf=$D/conf/lighttpd-binpath.conf
deploy_subst "$EXAMPLES/lighttpd-fastcgi.conf" |
    sed -e "s,\"bin-path\"\( *\)=> \"$D/bin/hookline\",\"bin-path\"\1=> \"$D/bin/hookline -c $conf\"," \
        -e "s,\"HOOKLINE_CONF\" => \"$conf\",\"HOOKLINE_CONF\" => \"$D/nonexistent.conf\"," \
        -e "s,\"socket\"\( *\)=> \"[^\"]*\",\"socket\"\1=> \"$D/run/binpath.sock\"," >"$lconf"
grep -q "\"bin-path\" *=> \"$D/bin/hookline -c $conf\"" "$lconf" || fail "lighttpd-fastcgi.conf: no bin-path line to add -c to"
grep -q "\"HOOKLINE_CONF\" => \"$D/nonexistent.conf\"" "$lconf" || fail "lighttpd-fastcgi.conf: no HOOKLINE_CONF line"
grep -q "\"socket\" *=> \"$D/run/binpath.sock\"" "$lconf" || fail "lighttpd-fastcgi.conf: no socket line"
[ "$E2E_FAILS" -eq 0 ] || case_end
if run_lighttpd "$lconf"; then
	push_runs
	pid=$(pgrep -f "^$D/bin/hookline -c $conf\$" | head -n 1)
	[ -n "$pid" ] || fail "no FastCGI process started as 'hookline -c FILE'"
	[ -n "$pid" ] && tr '\0' '\n' <"/proc/$pid/environ" | grep -q '^GATEWAY_INTERFACE=' &&
	    fail "lighttpd passed GATEWAY_INTERFACE to its FastCGI process"
	stop_pid "$(cat "$D/run/lighttpd.bgpid")"
	wait_for 50 eval "! port_open $DPORT"
fi

# 2. spawn-fcgi -- hookline -c FILE on a socket, lighttpd in front.
sock=$D/run/spawned.sock
user_opts=()
if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
	user_opts=(-u "$WWW_USER" -g "$(id -gn "$WWW_USER")" -U "$WWW_USER")
fi
bg spawn-fcgi env HOOKLINE_CONF="$D/nonexistent.conf" \
    "$(prog spawn-fcgi)" -n -s "$sock" "${user_opts[@]}" -- "$D/bin/hookline" -c "$conf"
wait_for 50 sock_ready "$sock" || { fail "spawn-fcgi made no $sock"; show_logs; case_end; }
lconf=$D/conf/lighttpd-socket.conf
deploy_subst "$EXAMPLES/lighttpd-fastcgi.conf" |
    sed -e '/"bin-path"/d' -e '/"bin-environment"/,/^[[:space:]]*),$/d' -e '/"max-procs"/d' \
        -e "s,\"socket\"\( *\)=> \"[^\"]*\",\"socket\"\1=> \"$sock\"," >"$lconf"
grep -q "\"socket\" *=> \"$sock\"" "$lconf" || fail "lighttpd-fastcgi.conf: no socket line"
! grep -q 'bin-path\|HOOKLINE_CONF' "$lconf" || fail "lighttpd-socket.conf still starts hookline itself"
[ "$E2E_FAILS" -eq 0 ] || case_end
run_lighttpd "$lconf" && push_runs
