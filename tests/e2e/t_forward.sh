# Forwarding, end to end. An upstream hookline behind its own lighttpd
# (async endpoints with `forward` and no hooks) passes each accepted
# delivery on through its spool: to the hookline under test, which
# verifies the Standard Webhooks signature and runs its hook with the
# same body; and to scripted targets: 503 twice then 200 gets three
# attempts; 400 is not retried; 429 with Retry-After is waited for; a
# target that never answers times out and holds up no other target;
# of two targets, one answering 400 fails alone while the other retries.
command -v cc >/dev/null 2>&1 || skip "no C compiler for the stub HTTP server"
[ -x "$LIGHTTPD" ] || skip "lighttpd not installed (the upstream runs behind it)"

HL=$ROOT/bin/hookline
"$HL" send --help >/dev/null 2>&1 || skip "this hookline has no send command (main.c)"
O=$ROOT/out
UP=$ROOT/up
CONF=$ROOT/etc/hookline.conf

# --- the hookline under test: an endpoint that takes the forwards.
if [ ! -s "$ROOT/etc/fwd-in.secret" ]; then
	printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64)" >"$ROOT/etc/fwd-in.secret"
	chmod 0644 "$ROOT/etc/fwd-in.secret"
	printf '\n[fwd-in]\nprovider = generic\nsecret_file = fwd-in.secret\nmode = sync\n' >>"$CONF"
	hook fwd-in/_default "cat >$O/fwd-in.\$HOOKLINE_DELIVERY.body
printf '%s %s\n' \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" >>$O/fwd-in.log"
	chmod -R go-w "$ROOT/etc/hooks.d"
	conf_settle	# else a forward could meet the old config: 404, dead
fi
FWD_SECRET=$(head -n 1 "$ROOT/etc/fwd-in.secret")
OTHER_SECRET=whsec_$(head -c 32 /dev/urandom | base64)

# --- scripted targets.
cc -O -o "$ROOT/bin/stub_http" "$E2E_DIR/stub_http.c" 2>"$ROOT/data/stub-cc.err" ||
    { cat "$ROOT/data/stub-cc.err"; fail "cannot build the stub server"; case_end; }
STUB_PIDS=
start_stub() {	# start_stub NAME ANSWER...
	local name=$1
	shift
	"$ROOT/bin/stub_http" "$ROOT/data/stub-$name.log" "$@" >"$ROOT/data/stub-$name.port" &
	STUB_PIDS="$STUB_PIDS $!"
	wait_for 50 test -s "$ROOT/data/stub-$name.port" || fail "stub $name did not start"
}
stub_url() { printf 'http://127.0.0.1:%s/%s' "$(cat "$ROOT/data/stub-$1.port")" "$1"; }
stub_count() { wc -l <"$ROOT/data/stub-$1.log" 2>/dev/null || echo 0; }
stub_ms() { sed -n "$2{s/.* ms=\([0-9]*\) .*/\1/p}" "$ROOT/data/stub-$1.log"; }	# stub_ms NAME LINE

start_stub flaky 503 503 200
start_stub bad 400
start_stub slow '429|Retry-After: 4' 200
start_stub hang hang
start_stub fast 200
start_stub mixbad 400
start_stub mixflaky 503 503 200

# --- the upstream hookline, behind its own lighttpd.
mkdir -p "$UP"/{bin,etc/hooks.d,spool,log,run,tmp,www/html,www/cgi-bin}
# Hooks folders with no hook in them: the forward is the only consumer.
# (An endpoint without a hooks folder at all is answered 500 today.)
for ep in to-hookline wrong-secret flaky bad slow hang mixed; do
	mkdir -p "$UP/etc/hooks.d/$ep"
done
cp "$HOOKLINE_BIN" "$UP/bin/hookline"
chmod -R a+rX,go-w "$UP"/{bin,etc,www}
chmod 0755 "$UP"
if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
	chown "$WWW_USER:" "$UP"/{spool,log,run,tmp}
else
	chmod 0777 "$UP"/{spool,log,run,tmp}
fi
cat >"$UP/etc/hookline.conf" <<EOF
# the upstream of t_forward.sh: async endpoints that only forward
hooks_dir       = hooks.d
spool_dir       = $UP/spool
log             = $UP/log/up.log
retry           = 1s 1s 1s 1s
forward_timeout = 2

[to-hookline]
mode           = async
forward        = $BASE/fwd-in
forward_secret = $FWD_SECRET

[wrong-secret]
mode           = async
forward        = $BASE/fwd-in
forward_secret = $OTHER_SECRET

[flaky]
mode    = async
forward = $(stub_url flaky)

[bad]
mode    = async
forward = $(stub_url bad)

[slow]
mode    = async
forward = $(stub_url slow)

[hang]
mode    = async
forward = $(stub_url hang) $(stub_url fast)

[mixed]
mode    = async
forward = $(stub_url mixbad) $(stub_url mixflaky)
EOF
chmod 0644 "$UP/etc/hookline.conf"
UPPORT=$(free_port)
(ROOT=$UP PORT=$UPPORT subst_placeholders "$EXAMPLES/lighttpd-fastcgi.conf") >"$UP/lighttpd.conf"
"$LIGHTTPD" -D -f "$UP/lighttpd.conf" >>"$UP/log/lighttpd.out" 2>&1 &
UP_PID=$!
UPBASE=http://127.0.0.1:$UPPORT/hooks
wait_for 100 port_open "$UPPORT" || { fail "the upstream lighttpd did not start"; tail "$UP"/log/*; }

stop_upstream() {
	kill -TERM "$UP_PID" $STUB_PIDS 2>/dev/null
	wait "$UP_PID" $STUB_PIDS 2>/dev/null
	local left
	left=$(pgrep -f "^$UP/" || true)
	[ -n "$left" ] && kill -KILL $left 2>/dev/null
	return 0
}

# up_cmd ARGS...: the upstream's hookline as the user its web server runs
# it as, who owns the spool (files a root replay wrote would be
# unreadable to that user's drainer).
up_cmd() {
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		setpriv --reuid="$WWW_USER" --regid="$WWW_USER" --clear-groups \
		    "$UP/bin/hookline" -c "$UP/etc/hookline.conf" "$@"
	else
		"$UP/bin/hookline" -c "$UP/etc/hookline.conf" "$@"
	fi
}

# up_state ID FILTER: jq FILTER over the upstream spool entry of ID.
up_state() {
	up_cmd list --json 2>/dev/null |
	    jq -r --arg id "$1" ".[] | select(.delivery == \$id) | $2" 2>/dev/null
}
state_is() { [ "$(up_state "$1" .state)" = "$2" ]; }

# up ENDPOINT ID [FILE]: one generic delivery to the upstream: 202.
up() {
	if [ -n "${3:-}" ]; then
		"$HL" send "$UPBASE/$1" --delivery "$2" "$3"
	else
		"$HL" send "$UPBASE/$1" --delivery "$2" --event deploy
	fi >"$ROOT/data/up-$1.out" 2>&1
	head -n 1 "$ROOT/data/up-$1.out" | grep -q '^HTTP/1.1 202' ||
	    fail "upstream $1: $(head -c 300 "$ROOT/data/up-$1.out")"
}

printf '{"event":"deploy","data":{"ref":"main","n":%s}}' "$RANDOM" >"$ROOT/data/fwd.json"
id_ok=$(new_id) id_wrong=$(new_id) id_flaky=$(new_id) id_bad=$(new_id)
id_slow=$(new_id) id_hang=$(new_id) id_mixed=$(new_id)
up to-hookline "$id_ok" "$ROOT/data/fwd.json"
up wrong-secret "$id_wrong"
up flaky "$id_flaky"
up bad "$id_bad"
up slow "$id_slow"
up hang "$id_hang"
up mixed "$id_mixed"

# The hookline under test took it, signature verified, body unchanged.
if wait_for 200 grep -q "deploy $id_ok" "$O/fwd-in.log"; then
	cmp -s "$O/fwd-in.$id_ok.body" "$ROOT/data/fwd.json" ||
	    fail "the forwarded body differs from the one received"
	expect_log "$id_ok" 200
else
	fail "the forward to hookline did not arrive"
fi
wait_for 100 state_is "$id_ok" done || fail "to-hookline: not done ($(up_state "$id_ok" .state))"
[ "$(up_state "$id_ok" '.succeeded[].hook')" = "forward:$BASE/fwd-in" ] ||
    fail "to-hookline: succeeded is '$(up_state "$id_ok" '.succeeded[].hook')'"

# Signed with another secret: 401, which is not retried; nothing ran.
wait_for 100 state_is "$id_wrong" dead || fail "wrong-secret: not dead ($(up_state "$id_wrong" .state))"
[ "$(up_state "$id_wrong" .attempts)" = 1 ] || fail "wrong-secret: $(up_state "$id_wrong" .attempts) attempts"
up_state "$id_wrong" .error | grep -q 'HTTP 401' || fail "wrong-secret: error is '$(up_state "$id_wrong" .error)'"
grep -q "$id_wrong" "$O/fwd-in.log" && fail "wrong-secret: the hook ran"

# 503, 503, 200: three attempts, then done.
wait_for 200 state_is "$id_flaky" done || fail "flaky: not done ($(up_state "$id_flaky" .state))"
[ "$(up_state "$id_flaky" .attempts)" = 3 ] || fail "flaky: $(up_state "$id_flaky" .attempts) attempts, expected 3"
[ "$(stub_count flaky)" = 3 ] || fail "flaky: the target got $(stub_count flaky) requests, expected 3"

# 400: one attempt, dead at once, the error kept for list and show.
wait_for 100 state_is "$id_bad" dead || fail "bad: not dead ($(up_state "$id_bad" .state))"
[ "$(up_state "$id_bad" .attempts)" = 1 ] || fail "bad: $(up_state "$id_bad" .attempts) attempts"
up_state "$id_bad" .error | grep -q 'HTTP 400' || fail "bad: error is '$(up_state "$id_bad" .error)'"
up_cmd show "$id_bad" 2>&1 | grep -q "forward:$(stub_url bad)" ||
    fail "bad: show does not name the forward"

# 429 with Retry-After: 4, where the schedule says 1 s: waited for.
wait_for 200 state_is "$id_slow" done || fail "slow: not done ($(up_state "$id_slow" .state))"
if [ "$(stub_count slow)" = 2 ]; then
	gap=$(($(stub_ms slow 2) - $(stub_ms slow 1)))
	[ "$gap" -ge 3000 ] || fail "slow: retried after $gap ms despite Retry-After: 4"
else
	fail "slow: the target got $(stub_count slow) requests, expected 2"
fi

# A target that never answers: the other target of the same delivery
# got it at once, and only once; the silent one is tried again.
wait_for 150 eval '[ "$(stub_count hang)" -ge 2 ]' || fail "hang: not retried"
[ "$(stub_count fast)" = 1 ] || fail "hang: the fast target got $(stub_count fast) requests, expected 1"
if [ "$(stub_count fast)" -ge 1 ] && [ "$(stub_count hang)" -ge 1 ]; then
	gap=$(($(stub_ms fast 1) - $(stub_ms hang 1)))
	[ "${gap#-}" -lt 1500 ] || fail "hang: the fast target waited $gap ms for the silent one"
fi
up_state "$id_hang" .error | grep -q 'no answer within 2 s' ||
    fail "hang: error is '$(up_state "$id_hang" .error)'"

# Replay: a dead forward goes back to pending and is tried again.
up_cmd replay "$id_bad" >/dev/null 2>&1 ||
    fail "replay of the dead forward failed"
wait_for 100 eval '[ "$(stub_count bad)" -ge 2 ]' || fail "replay: the target got no second request"

# Two targets, two consumers: the one answering 400 is failed for good,
# the other keeps its own retries (503, 503, 200) to its success; then
# the delivery is dead, for the 400. replay reruns only the failed one;
# replay --all both.
wait_for 200 state_is "$id_mixed" dead || fail "mixed: not dead ($(up_state "$id_mixed" .state))"
[ "$(stub_count mixflaky)" = 3 ] || fail "mixed: the 503 target got $(stub_count mixflaky) requests, expected 3"
[ "$(stub_count mixbad)" = 1 ] || fail "mixed: the 400 target got $(stub_count mixbad) requests, expected 1"
[ "$(up_state "$id_mixed" '[.consumers[] | .state] | join(" ")')" = "failed succeeded" ] ||
    fail "mixed: consumers are '$(up_state "$id_mixed" '[.consumers[] | .state] | join(" ")')'"
up_state "$id_mixed" '.consumers[0].error' | grep -q 'HTTP 400' ||
    fail "mixed: the 400 target's error is '$(up_state "$id_mixed" '.consumers[0].error')'"
up_state "$id_mixed" .error | grep -q 'HTTP 400' || fail "mixed: error is '$(up_state "$id_mixed" .error)'"
out=$(up_cmd show "$id_mixed" 2>&1)
printf '%s\n' "$out" | grep -q "why  *dead: forward:$(stub_url mixbad) failed for good after 1 try: .*HTTP 400" ||
    fail "mixed: show says: $out"
printf '%s\n' "$out" | grep -q "forward:$(stub_url mixflaky): succeeded after 3 tries" ||
    fail "mixed: show does not tell the 503 target's success: $out"
up_cmd replay "$id_mixed" >/dev/null 2>&1 || fail "mixed: replay failed"
wait_for 100 eval '[ "$(stub_count mixbad)" -ge 2 ]' || fail "mixed: replay did not rerun the 400 target"
wait_for 100 state_is "$id_mixed" dead || fail "mixed: not dead after the replay"
[ "$(stub_count mixflaky)" = 3 ] || fail "mixed: replay reran the target that had succeeded"
up_cmd replay --all "$id_mixed" >/dev/null 2>&1 || fail "mixed: replay --all failed"
wait_for 100 eval '[ "$(stub_count mixbad)" -ge 3 ] && [ "$(stub_count mixflaky)" -ge 4 ]' ||
    fail "mixed: replay --all sent $(stub_count mixbad) and $(stub_count mixflaky) requests in all"

stop_upstream
