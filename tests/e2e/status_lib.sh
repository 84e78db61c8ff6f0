# status_lib.sh: what the t_status_*.sh cases share, on top of lib.sh:
# the watching URLs turned on in hookline.conf (a bearer token, or
# 127.0.0.1 alone), and requests to them.

MONITOR_TOKEN_FILE=$ROOT/etc/monitor.token

# status_setup token|ip: monitor = metrics health status, answering to
# the bearer token in etc/monitor.token (token), or to 127.0.0.1 and ::1
# without a token (ip: what a headless browser can reach). Rewrites the
# global keys only when they change, then lets FastCGI see it.
status_setup() {
	local c=$ROOT/etc/hookline.conf want have
	if [ ! -s "$MONITOR_TOKEN_FILE" ]; then
		head -c 24 /dev/urandom | base64 >"$MONITOR_TOKEN_FILE"
		# As a secret: readable by the web server's group only.
		if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
			chgrp "$(id -gn "$WWW_USER")" "$MONITOR_TOKEN_FILE"
			chmod 0640 "$MONITOR_TOKEN_FILE"
		else
			chmod 0644 "$MONITOR_TOKEN_FILE"
		fi
	fi
	MONITOR_TOKEN=$(cat "$MONITOR_TOKEN_FILE")
	case $1 in
	token) want='monitor_token_file = monitor.token' ;;
	ip) want='monitor_allow_ip = 127.0.0.1 ::1' ;;
	esac
	have=$(grep -E '^monitor_(token_file|allow_ip) ' "$c" || true)
	[ "$have" = "$want" ] && return 0
	# Global keys come before the first section; a new file renamed
	# into place, as an operator should.
	sed -e '/^monitor/d' -e '/^health_max_due/d' \
	    -e "0,/^\[/s//monitor = metrics health status\n$want\n\n[/" \
	    "$c" >"$c.new" && chmod 0644 "$c.new" && mv "$c.new" "$c"
	conf_settle
}

# mon PATH [curl options...]: GET $BASE/-/PATH with the token.
mon() {
	local p=$1
	shift
	req GET "-/$p" -H "Authorization: Bearer $MONITOR_TOKEN" "$@"
}
