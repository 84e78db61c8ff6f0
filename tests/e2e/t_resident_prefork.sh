# resident_idle under `hookline fcgi --listen` with its pool of worker
# processes (conf-examples/apache-proxy-fcgi.conf behind Apache's
# mod_proxy_fcgi): every process of the pool waits for the same
# socket, each connection wakes them all and one takes it. The process
# that started a resident worker must still end it after resident_idle
# when it lost the race for a connection that came after (it used to
# wait in accept() then, its idle worker up until its next request).
# slow_accept.c makes every process but one lose that race.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
deploy_root

O=$ROOT/out
HCONF=$D/conf/hookline.conf
mkdir -p "$D/hooks"
# The resident hook: half a second of work, its pid and its FastCGI
# process, then status 0.
cat >"$D/hooks/idle.resident" <<EOF
#!/bin/sh
while IFS= read -r line || exit 0; do
	case \$line in HOOKLINE_BODY_LENGTH=*) len=\${line#*=} ;; esac
	if [ -z "\$line" ]; then
		head -c "\$len" >/dev/null
		sleep 0.5
		echo "\$\$ \$PPID" >>$O/prefork.res
		echo 0 >&3
	fi
done
EOF
printf '#!/bin/sh\nexit 0\n' >"$D/hooks/one"
chmod 0755 "$D/hooks" "$D/hooks/idle.resident" "$D/hooks/one"
: >"$O/prefork.res"
chmod 0666 "$O/prefork.res"
cat >"$HCONF" <<EOF
hooks_dir = $ROOT/etc/hooks.d
spool_dir = $ROOT/spool
timeout = $HOOK_TIMEOUT
log = stderr
[prefork]
provider = generic
mode = sync
hooks = $D/hooks
resident_idle = 2s
EOF
chmod 0644 "$HCONF"
# The race, every time: accept() waits 200 ms (slow_accept.c), so every
# process that woke for a connection gets there after one took it.
if ! cc -O -shared -fPIC -o "$D/bin/slow_accept.so" "$E2E_DIR/slow_accept.c" -ldl 2>"$D/log/cc.out"; then
	fail "slow_accept.c does not build: $(head -c 300 "$D/log/cc.out")"
	case_end
fi
chmod 0755 "$D/bin/slow_accept.so"
export LD_PRELOAD=$D/bin/slow_accept.so
proxy_fcgi_up
unset LD_PRELOAD
parent=$(cat "$D/run/hookline.bgpid")
wait_for 50 eval '[ "$(pgrep -P "$parent" | wc -l)" -ge 2 ]' ||
    fail "hookline fcgi --listen runs $(pgrep -P "$parent" | wc -l) worker processes, expected several"

# Resident deliveries at once (each takes 0.5 s), so that several
# processes of the pool start a worker; then they all wait in poll().
clients=()
for i in 1 2 3 4 5 6 7 8; do
	curl -sS -o /dev/null --max-time 20 -H 'Content-Type: application/json' \
	    --data-binary '{"event":"idle","data":{"n":1}}' "$BASE/prefork" &
	clients+=("$!")
done
wait "${clients[@]}"
owners=$(awk '{print $2}' "$O/prefork.res" | sort -u)
workers=$(awk '{print $1}' "$O/prefork.res" | sort -u)
[ -n "$workers" ] || fail "the resident hook recorded nothing"
for w in $workers; do
	pid_alive "$w" || fail "resident worker $w is not up after its delivery"
done
[ "$E2E_FAILS" -eq 0 ] || case_end

# A one-shot delivery: its connection wakes every waiting process, one
# takes it.
post_generic prefork one "$(new_id)"
expect_status 200

# resident_idle = 2s: each gone within 10 s, with no request coming.
for w in $workers; do
	wait_for 100 eval "! pid_alive $w" ||
	    fail "resident worker $w still up 10 s after resident_idle = 2s (its FastCGI process: $(awk -v w="$w" '$1 == w {print $2; exit}' "$O/prefork.res"), owners: $(echo $owners))"
done
for o in $owners; do
	pid_alive "$o" || fail "the FastCGI process $o is gone"
done

# The pool still answers, with a new worker.
n=$(wc -l <"$O/prefork.res")
post_generic prefork idle "$(new_id)"
expect_status 200
[ "$(wc -l <"$O/prefork.res")" -eq $((n + 1)) ] || fail "a resident delivery after the idle ends was not recorded"
