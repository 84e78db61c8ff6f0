# kill -9 of the FastCGI processes under load: every request answered
# 202 was in the spool, and runs.
. "$E2E_DIR/async_lib.sh"
only_servers lighttpd-fastcgi apache-fcgid
async_setup
O=$ROOT/out/async-load.log
N=300
hook async/load "printf '%s\n' \"\$HOOKLINE_DELIVERY\" >>$O"
pre=$(new_id)
seq 1 "$N" | xargs -P 16 -I{} curl -sS -o /dev/null --max-time 30 \
    -w '%{http_code} {}\n' -H 'Expect:' -H 'Content-Type: application/json' \
    -H "Webhook-Id: $pre-{}" --data-binary '{"event":"load","data":{"n":{}}}' \
    "$BASE/async" >"$ROOT/data/load.codes" 2>/dev/null &
clients=$!
kills=0
for k in 1 2 3 4; do
	sleep 0.4
	# The FastCGI processes are started bare; drainers have arguments.
	pids=$(pgrep -f "^$ROOT/bin/hookline\$" || true)
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null && kills=$((kills + 1))
done
wait "$clients"
n202=$(grep -c '^202 ' "$ROOT/data/load.codes")
note "$kills kills; $n202 of $N answered 202; others: $(grep -v '^202 ' "$ROOT/data/load.codes" | cut -d' ' -f1 | sort | uniq -c | tr '\n' ' ')"
[ "$kills" -gt 0 ] || fail "no FastCGI process was found to kill"
[ "$n202" -gt 0 ] || fail "nothing was accepted"
# A drainer may have been killed with them, or not started: run one.
hl drain 2>>"$ROOT/log/drain-cmd.log"
missing() {
	local id
	for id in $(awk '$1 == 202 { print $2 }' "$ROOT/data/load.codes"); do
		grep -qxF "$pre-$id" "$O" 2>/dev/null || echo "$pre-$id"
	done
}
wait_for 300 eval '[ -z "$(missing)" ]' || {
	hl drain 2>>"$ROOT/log/drain-cmd.log"
	m=$(missing)
	[ -z "$m" ] || fail "answered 202 but never ran: $(echo $m | cut -c1-300)"
}
# The web server may hold its backend disabled for a while after the
# kills; the next case wants it answering again (GET: hookline's 405).
back() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/async")" = 405 ]; }
wait_for 300 back || fail "the FastCGI backend did not come back in 30 s"
