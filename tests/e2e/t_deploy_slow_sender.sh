# A slow sender does not hold the others up behind Apache's
# mod_proxy_fcgi (which streams a body to hookline as it arrives) and
# `hookline fcgi --listen` as conf-examples/apache-proxy-fcgi.conf starts
# it, with its default pool of workers. While one connection trickles
# its body a byte a second, 50 deliveries (signed and unsigned) are all
# answered and their hooks run, and async ones are run by the drainer a
# worker kicks; the trickler then gets hookline's JSON 408 once
# body_timeout has passed, and a log line. A worker killed with
# SIGKILL is replaced and the pool keeps answering; SIGTERM to the
# parent stops every worker, and so does SIGKILL (they do not outlive
# it). --workers 0 serves without a pool.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
deploy_root

# A configuration of its own (other cases edit lib.sh's): lib.sh's
# [generic] and [github] endpoints and hooks, body_timeout, and an
# async endpoint, where a worker's 202 kicks a drainer that runs it.
BODY_TIMEOUT=15
HCONF=$D/conf/hookline.conf
mkdir -p "$D/hooks"
printf '#!/bin/sh\nprintf "async %%s\\n" "$HOOKLINE_DELIVERY" >>%s\n' "$ROOT/out/async-pool.log" >"$D/hooks/ok"
chmod 0755 "$D/hooks" "$D/hooks/ok"
cat >"$HCONF" <<EOF
hooks_dir = $ROOT/etc/hooks.d
spool_dir = $ROOT/spool
timeout = $HOOK_TIMEOUT
body_timeout = $BODY_TIMEOUT
log = stderr
[generic]
provider = generic
[github]
provider = github
secret_file = $ROOT/etc/github.secret
[pool_async]
provider = generic
mode = async
hooks = $D/hooks
EOF
chmod 0644 "$HCONF"
proxy_fcgi_up
parent=$(cat "$D/run/hookline.bgpid")

# workers: the pids of the pool's workers, one a line.
workers() {
	pgrep -P "$1" | sort
}
wait_for 50 eval '[ "$(workers "$parent" | wc -l)" -ge 2 ]' ||
    fail "hookline fcgi --listen runs $(workers "$parent" | wc -l) worker processes, expected several"

# The trickler: 100 bytes announced, one sent a second, 40 at most.
tout=$ROOT/data/$CASE.trickle.out
trickle "$DPORT" hooks/generic 100 40 1 "$tout"
sleep 2

# 50 deliveries, 5 senders at once: 40 unsigned to [generic] (its ok
# hook), 10 signed to [github].
dir=$ROOT/data/$CASE.sent
mkdir -p "$dir"
body=$(github_body)
sig=$(github_sign "$GITHUB_SECRET" "$body")
send_some() {
	local k id
	for ((k = 0; k < 10; k++)); do
		id=e2e-slow-$1-$k-$RANDOM
		if [ "$1" = 4 ]; then
			curl -sS -o "$dir/$id.body" -w '%{http_code}' --max-time 30 -H 'Expect:' \
			    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
			    -H "X-GitHub-Delivery: $id" -H "X-Hub-Signature-256: $sig" \
			    --data-binary "@$body" "$BASE/github" >"$dir/$id.status" 2>"$dir/$id.err"
		else
			curl -sS -o "$dir/$id.body" -w '%{http_code}' --max-time 30 -H 'Expect:' \
			    -H 'Content-Type: application/json' -H "Webhook-Id: $id" \
			    --data-binary '{"event":"ok","data":{"n":1}}' "$BASE/generic" \
			    >"$dir/$id.status" 2>"$dir/$id.err"
		fi
	done
}
pids=()
for s in 0 1 2 3 4; do
	send_some "$s" &
	pids+=($!)
done
wait "${pids[@]}"
pid_alive "$TRICKLER" && [ ! -s "$tout" ] ||
    fail "the trickler was answered (or gone) before the 50 deliveries were: $(head -c 300 "$tout" | tr '\r\n' '  ')"
n=0
for f in "$dir"/*.status; do
	id=$(basename "$f" .status)
	n=$((n + 1))
	if [ "$(cat "$f")" != 200 ] || [ "$(jq -r .status <"$dir/$id.body" 2>/dev/null)" != success ]; then
		fail "$id: answered $(cat "$f") $(head -c 200 "$dir/$id.body" 2>/dev/null) $(head -c 200 "$dir/$id.err")"
		continue
	fi
	case $id in
	e2e-slow-4-*) expect_lines "$ROOT/out/github.log" "$id" "push $id" ;;
	*) expect_lines "$ROOT/out/ok.log" "$id" "ok $id 1" ;;
	esac
done
[ "$n" = 50 ] || fail "$n deliveries sent, expected 50"

# Async deliveries through the pool: 202, then the drainer a worker
# kicked runs their hook.
ids=()
for k in 1 2 3; do
	id=$(new_id)
	ids+=("$id")
	post_generic pool_async ok "$id"
	expect_status 202 && expect_json .status accepted
done
for id in "${ids[@]}"; do
	wait_for 100 grep -qx "async $id" "$ROOT/out/async-pool.log" ||
	    fail "async delivery $id did not run (drainer not kicked?)"
done

# The trickler's answer: hookline's 408, when body_timeout has passed.
wait_for $(((BODY_TIMEOUT + 10) * 10)) eval '! pid_alive "$TRICKLER"' ||
    fail "the trickler got no answer within body_timeout + 10 s"
expect_408 "$tout"

# A worker killed with SIGKILL is replaced; the pool keeps answering.
before=$(workers "$parent")
victim=$(printf '%s\n' "$before" | head -n 1)
[ -n "$victim" ] || { fail "no worker to kill"; case_end; }
kill -KILL "$victim"
wait_for 50 eval '[ "$(workers "$parent" | wc -l)" = "$(printf "%s\n" "$before" | wc -l)" ] && ! workers "$parent" | grep -qx "$victim"' ||
    fail "worker $victim was not replaced: workers now $(workers "$parent" | tr '\n' ' ')"
grep -q "killed by signal 9" "$LOGS" || fail "the log does not say a worker was killed"
for k in 1 2 3 4 5; do
	id=$(new_id)
	post_generic generic ok "$id"
	expect_status 200 && expect_json .status success
	expect_lines "$ROOT/out/ok.log" "$id" "ok $id 1"
done

# SIGTERM to the parent: every worker stops, the parent exits.
all=$(workers "$parent")
kill -TERM "$parent"
wait_for 100 eval '! pid_alive "$parent"' || fail "hookline did not exit on SIGTERM"
for p in $all; do
	wait_for 50 eval '! pid_alive "$p"' || fail "worker $p outlived SIGTERM to its parent"
done

# SIGKILL to the parent: the workers do not outlive it.
bg hookline2 as_www "${LISTEN_CMD[@]}"
parent=$(cat "$D/run/hookline2.bgpid")
wait_for 50 eval '[ "$(workers "$parent" | wc -l)" -ge 2 ]' || fail "the second pool did not start"
all=$(workers "$parent")
disown "$parent" 2>/dev/null	# no "Killed" notice from bash
kill -KILL "$parent"
for p in $all; do
	wait_for 50 eval '! pid_alive "$p"' || fail "worker $p outlived its parent's SIGKILL"
done

# --workers 0: no pool, the one process serves.
bg hookline3 as_www "${LISTEN_CMD[@]}" --workers 0
parent=$(cat "$D/run/hookline3.bgpid")
wait_for 50 port_open "$FPORT" || fail "hookline --workers 0 did not listen"
id=$(new_id)
post_generic generic ok "$id"
expect_status 200 && expect_json .status success
[ -z "$(workers "$parent")" ] || fail "--workers 0 started workers: $(workers "$parent" | tr '\n' ' ')"
