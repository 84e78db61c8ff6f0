# conf-examples/systemd/ (hookline.socket, hookline.service,
# hookline-drain.service, hookline-drain.timer) and
# conf-examples/nginx-systemd-socket.conf as shipped, paths replaced.
# The units pass `systemd-analyze verify` (their Documentation= man
# pages found in doc/); there is no systemd to start them here, so
# systemd-socket-activate plays hookline.socket (the socket as stdin,
# as StandardInput=socket gives it, with the unit's owner group and
# mode) for the service's ExecStart= and Environment=, as its User=
# (played by the web server's user), behind nginx. The drain service's
# command runs once; the timer fires every minute.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need nginx nginx-light
need systemd-analyze systemd
need systemd-socket-activate systemd
need setpriv util-linux
deploy_root

U=$D/conf
for f in hookline.socket hookline.service hookline-drain.service hookline-drain.timer; do
	if [ ! -f "$EXAMPLES/systemd/$f" ]; then
		fail "conf-examples/systemd/$f is missing"
		continue
	fi
	deploy_subst "$EXAMPLES/systemd/$f" >"$U/$f"
done
[ "$E2E_FAILS" -eq 0 ] || case_end

# key UNIT-FILE KEY: the values of KEY= in the file, one a line.
key() {
	sed -n "s/^$2=//p" "$1"
}

# systemd-analyze verify: nothing to say. The man pages the units
# name are looked up in a MANPATH holding doc/.
mkdir -p "$D/man/man8" "$D/man/man5"
cp "$REPO/doc/hookline.8" "$D/man/man8/" 2>/dev/null
cp "$REPO/doc/hookline.conf.5" "$D/man/man5/" 2>/dev/null
if ! out=$(cd "$U" && MANPATH=$D/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
    ./hookline.socket ./hookline.service ./hookline-drain.service \
    ./hookline-drain.timer 2>&1) || [ -n "$out" ]; then
	fail "systemd-analyze verify complains:"
	printf '%s\n' "$out" | head -n 20 | sed 's/^/      /'
fi

# What the issue asks of the service's confinement.
for want in StandardInput=socket NoNewPrivileges=yes ProtectSystem=strict \
    "ReadWritePaths=$ROOT/spool" PrivateTmp=yes ProtectHome=yes \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
    "Environment=HOOKLINE_CONF=$ROOT/etc/hookline.conf"; do
	grep -qxF "$want" "$U/hookline.service" || fail "hookline.service lacks $want"
done
grep -qxF "Environment=HOOKLINE_CONF=$ROOT/etc/hookline.conf" "$U/hookline-drain.service" ||
    fail "hookline-drain.service does not name the configuration"
grep -Eq '^(User=[a-z]|DynamicUser=yes)' "$U/hookline.service" ||
    fail "hookline.service runs as root (no User= or DynamicUser=)"

# The timer: every minute.
cal=$(key "$U/hookline-drain.timer" OnCalendar)
norm=$(systemd-analyze calendar "$cal" 2>&1 | sed -n 's/^ *Normalized form: //p')
[ "$norm" = '*-*-* *:*:00' ] || fail "hookline-drain.timer's OnCalendar=$cal is '$norm', not every minute"

# The socket, as hookline.socket describes it.
sock=$(key "$U/hookline.socket" ListenStream)
[ "$sock" = "$D/run/hookline.sock" ] || { fail "ListenStream=$sock, expected /run/hookline/hookline.sock replaced"; case_end; }
[ "$(key "$U/hookline.socket" Accept)" != yes ] || fail "hookline.socket has Accept=yes: one process per connection"
mode=$(key "$U/hookline.socket" SocketMode)
group=$(key "$U/hookline.socket" SocketGroup)
deploy_subst "$EXAMPLES/nginx-systemd-socket.conf" >"$U/nginx.conf"
grep -q "fastcgi_pass  *unix:$sock;" "$U/nginx.conf" ||
    fail "nginx-systemd-socket.conf does not pass to hookline.socket's $sock"

# The service's command and environment, run as systemd would.
read -r -a cmd <<<"$(key "$U/hookline.service" ExecStart)"
[ "${cmd[0]}" = "$D/bin/hookline" ] || fail "ExecStart= runs ${cmd[0]}, not the binary"
envs=()
while read -r e; do
	[ -n "$e" ] && envs+=(-E "$e")
done <<<"$(key "$U/hookline.service" Environment)"
[ "$E2E_FAILS" -eq 0 ] || case_end
bg hookline systemd-socket-activate --inetd -l "$sock" "${envs[@]}" -- \
    setpriv --reuid="$(id -u "$WWW_USER" 2>/dev/null || id -u)" \
    --regid="$(id -g "$WWW_USER" 2>/dev/null || id -g)" --clear-groups -- "${cmd[@]}"
if ! wait_for 50 sock_ready "$sock"; then
	fail "systemd-socket-activate did not make $sock"
	show_logs
	case_end
fi
# SocketUser= root, SocketGroup=, SocketMode=: what systemd would set.
if [ "$(id -u)" -eq 0 ] && [ -n "$group" ] && getent group "$group" >/dev/null; then
	chgrp "$group" "$sock" || fail "chgrp $group $sock"
fi
[ -n "$mode" ] && { chmod "$mode" "$sock" || fail "chmod $mode $sock"; }

NGINX=$(prog nginx)
if ! "$NGINX" -t -q -p "$D/" -c "$U/nginx.conf" -e "$D/log/nginx-startup.log" >"$D/log/nginx-t.out" 2>&1; then
	fail "nginx -t refuses the configuration"
	sed 's/^/      /' "$D/log/nginx-t.out"
	case_end
fi
bg nginx "$NGINX" -p "$D/" -c "$U/nginx.conf" -e "$D/log/nginx-startup.log" -g 'daemon off;'
if ! wait_for 100 port_open "$DPORT"; then
	fail "nginx did not listen on $DPORT"
	show_logs
	case_end
fi

BASE=http://127.0.0.1:$DPORT/hooks
LOGS="$D/log/hookline.out"
deploy_checks

# The hookline that answered is the one systemd-socket-activate started
# (same pid: it execs), running as the service's user.
pid=$(cat "$D/run/hookline.bgpid")
exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
[ "$exe" = "$D/bin/hookline" ] || fail "the socket's process runs '$exe', not hookline"
if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
	[ "$(stat -c %U "/proc/$pid")" = "$WWW_USER" ] || fail "hookline runs as $(stat -c %U "/proc/$pid")"
fi
# It serves with a pool of workers, as `fcgi --listen` does.
[ "$(pgrep -P "$pid" | wc -l)" -ge 2 ] ||
    fail "the socket's hookline runs $(pgrep -P "$pid" | wc -l) workers, expected a pool"

# hookline-drain.service's command, once, as that user: nothing due.
read -r -a dcmd <<<"$(key "$U/hookline-drain.service" ExecStart)"
denv=$(key "$U/hookline-drain.service" Environment)
if ! out=$( (env -i PATH=/usr/bin:/bin "$denv" \
    setpriv --reuid="$(id -u "$WWW_USER" 2>/dev/null || id -u)" \
    --regid="$(id -g "$WWW_USER" 2>/dev/null || id -g)" --clear-groups -- \
    "${dcmd[@]}") 2>&1); then
	fail "hookline-drain.service's '${dcmd[*]}' failed: $out"
fi
