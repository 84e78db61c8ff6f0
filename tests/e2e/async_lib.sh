# async_lib.sh: what the async cases (t_async*.sh) share, on top of
# lib.sh: an [async] endpoint with a short retry schedule, the operator
# commands run as the web server's user (the spool is its), and waiting
# for the drainer.

# The web server runs hookline as $WWW_USER when the tests run as root;
# the operator commands must too, or they leave root's files in the spool.
as_www() {
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		runuser -u "$WWW_USER" -- "$@"
	else
		"$@"
	fi
}

# hl ARGS...: the hookline under test, on the test configuration.
hl() {
	as_www "$ROOT/bin/hookline" -c "$ROOT/etc/hookline.conf" "$@"
}

# async_setup: once per server: [async] (generic, mode = async) and
# retry = 1s 2s, so that a delivery is dead after three attempts.
async_setup() {
	local c=$ROOT/etc/hookline.conf
	grep -q '^\[async\]' "$c" && return 0
	# Global keys come before the first section.
	sed -i '0,/^\[/s//retry = 1s 2s\n\n[/' "$c"
	cat >>"$c" <<-EOF

	; the async cases (t_async*.sh): stored, answered 202, run later
	[async]
	provider = generic
	mode     = async
	EOF
	mkdir -p "$ROOT/etc/hooks.d/async"
	chmod 0755 "$ROOT/etc/hooks.d/async"
	# FastCGI processes reload when the file changes; make sure the
	# change is seen (mtime granularity).
	sleep 1
}

# drainer_pid: the pid in spool/drain.lock while a drainer holds it.
drainer_pid() {
	local spool=${1:-$ROOT/spool} p
	p=$(cat "$spool/drain.lock" 2>/dev/null) || return 1
	[ -n "$p" ] && pid_alive "$p" && echo "$p"
}

# lines_of FILE STRING: how many lines of FILE hold STRING.
lines_of() {
	grep -cF -- "$2" "$1" 2>/dev/null || true
}

# listed BOX ID [FAILURES]: `hookline list --BOX` shows delivery ID once
# (with that many failures, when given).
listed() {
	hl list "--$1" --json | jq -e --arg id "$2" --argjson n "${3:-null}" \
	    'map(select(.delivery == $id and ($n == null or .failures == $n)))
	    | length == 1' >/dev/null
}
