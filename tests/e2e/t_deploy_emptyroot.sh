# Shared hosting for real (issue 14): the static binary as a CGI program
# in an empty root entered with chroot. The root holds only the binary,
# hookline.conf, the hooks, the secret, the spool, an /etc/hosts and a
# static busybox as /bin/sh (with `cat` linked to it): no libc, no NSS
# modules, no /proc, no /dev. hookline is run as a web server runs a CGI
# program (a CGI environment from env -i, the body on stdin), as the web
# server's user when there is one. Checked: a signed GitHub push is 200
# and its hook ran with the payload; the same delivery again is a 200
# duplicate; a wrong signature is 401; an async endpoint answers 202 and
# the drainer that answer starts runs the hook, with no /proc/self/exe to
# exec and no /dev/null for its stdio (stderr a file, then a pipe, as a
# web server's error log is), and `hookline drain` in the root finds
# nothing left; a forward to a name from the root's /etc/hosts reaches a
# stub on 127.0.0.1 (names resolved without the host's NSS). Needs root
# (chroot).
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
if [ "$(id -u)" -ne 0 ]; then
	[ "${CI:-}" = true ] && { fail "not root (CI=true: this case must run)"; case_end; }
	skip "needs root: it enters an empty root with chroot"
fi
need chroot coreutils
need file file
need openssl openssl
need /bin/busybox busybox-static
file -L /bin/busybox | grep -q 'statically linked' ||
    missing "/bin/busybox is not static (Debian package busybox-static)"
command -v cc >/dev/null 2>&1 || missing "no C compiler for the stub HTTP server (Debian package build-essential)"

# The binary: the suite's when it is static, else build/static/hookline.
if file -L "$HOOKLINE_BIN" | grep -q 'statically linked'; then
	SBIN=$HOOKLINE_BIN
elif [ -x "$REPO/build/static/hookline" ] &&
     file -L "$REPO/build/static/hookline" | grep -q 'statically linked'; then
	SBIN=$REPO/build/static/hookline
	note "HOOKLINE_BIN is dynamic: testing $SBIN"
else
	skip "HOOKLINE_BIN is not static and there is no build/static/hookline (make static)"
fi
deploy_root

# Who runs it: the web server's user when there is one, as a host would.
if id "$WWW_USER" >/dev/null 2>&1; then
	RUID=$(id -u "$WWW_USER")
	RGID=$(id -g "$WWW_USER")
else
	RUID=0
	RGID=0
fi
AS=(--userspec="$RUID:$RGID" --groups="$RGID")
# Absolute: env -i leaves no PATH, and chroot is in /usr/sbin.
CHROOT=$(prog chroot)
TIMEOUT=$(command -v timeout)

# --- the empty root.
R=$D/root
mkdir -p "$R"/{bin,etc/hooks.d/github,etc/hooks.d/fwd,spool,out}
cp "$SBIN" "$R/hookline"
cp /bin/busybox "$R/bin/sh"
ln -s sh "$R/bin/cat"
printf '127.0.0.1\tlocalhost\n127.0.0.1\thookline-fwd-test\n' >"$R/etc/hosts"
printf '%s\n' "$GITHUB_SECRET" >"$R/etc/github.secret"
chown "$RUID:$RGID" "$R/spool" "$R/out"
chmod 0640 "$R/etc/github.secret"
chgrp "$RGID" "$R/etc/github.secret"
# The hook: its $0, event and delivery, and the payload it is given.
cat >"$R/etc/hooks.d/github/push" <<'EOS'
#!/bin/sh
printf '%s %s %s\n' "$0" "$HOOKLINE_EVENT" "$HOOKLINE_DELIVERY" >>/out/hook.log
cat "$HOOKLINE_PAYLOAD_FILE" >"/out/payload.$HOOKLINE_DELIVERY"
EOS
chmod 0755 "$R" "$R"/{bin,etc,etc/hooks.d,etc/hooks.d/github,etc/hooks.d/fwd} \
    "$R/hookline" "$R/bin/sh" "$R/etc/hooks.d/github/push"

# The stub the forward goes to, by a name only the root's /etc/hosts has.
cc -O -o "$D/bin/stub_http" "$E2E_DIR/stub_http.c" 2>"$D/log/stub-cc.out" ||
    { fail "cannot build the stub server: $(head -c 300 "$D/log/stub-cc.out")"; case_end; }
STUB_LOG=$D/log/stub.log
: >"$STUB_LOG"
"$D/bin/stub_http" "$STUB_LOG" 200 >"$D/run/stub.port" 2>>"$D/log/stub.out" </dev/null &
DEPLOY_PIDS+=("$!")
wait_for 50 test -s "$D/run/stub.port" || { fail "the stub did not start"; case_end; }
SPORT=$(cat "$D/run/stub.port")

cat >"$R/etc/hookline.conf" <<EOC
# hookline.conf of t_deploy_emptyroot.sh: every path inside the root
$(spool_floor_line)
hooks_dir = /etc/hooks.d
spool_dir = /spool
log       = stderr
timeout   = 10

[github]
provider    = github
secret_file = /etc/github.secret
mode        = sync

[gh-async]
provider    = github
secret_file = /etc/github.secret
mode        = async
hooks       = /etc/hooks.d/github

[fwd]
provider    = github
secret_file = /etc/github.secret
mode        = async
hooks       = /etc/hooks.d/fwd
forward     = http://hookline-fwd-test:$SPORT/x
EOC
chmod 0644 "$R/etc/hookline.conf"

# What the root holds: nothing else.
got=$(cd "$R" && find . -mindepth 1 | sort | tr '\n' ' ')
want='./bin ./bin/cat ./bin/sh ./etc ./etc/github.secret ./etc/hookline.conf ./etc/hooks.d ./etc/hooks.d/fwd ./etc/hooks.d/github ./etc/hooks.d/github/push ./etc/hosts ./hookline ./out ./spool '
[ "$got" = "$want" ] || fail "the root holds: $got"

BODY_F=$D/push.json
printf '%s' '{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"octo/hello"}}' >"$BODY_F"
SIG=$(github_sign "$GITHUB_SECRET" "$BODY_F")
ERR=$D/log/hookline.err

# cgi ENDPOINT ID SIGNATURE: one POST of $BODY_F, as a web server runs a
# CGI program, in the root; stderr to $ERR. Sets CGI_STATUS and CGI_JSON
# (a file). cgi_piped: the same with stderr a pipe (Apache's CGI stderr
# is one, to its error log), read by cat into $ERR.
N=0
cgi_exec() {
	env -i GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    REQUEST_METHOD=POST CONTENT_LENGTH="$(wc -c <"$BODY_F")" \
	    CONTENT_TYPE=application/json PATH_INFO="/$1" \
	    HTTP_X_GITHUB_EVENT=push HTTP_X_GITHUB_DELIVERY="$2" \
	    HTTP_X_HUB_SIGNATURE_256="$3" REMOTE_ADDR=127.0.0.1 \
	    HOOKLINE_CONF=/etc/hookline.conf \
	    "$TIMEOUT" 30 "$CHROOT" "${AS[@]}" "$R" /hookline <"$BODY_F" >"$D/cgi.$N.out"
}
cgi_answer() {
	CGI_JSON=$D/cgi.$N.json
	CGI_STATUS=$(sed -n 's/^Status: \([0-9][0-9][0-9]\).*/\1/p' "$D/cgi.$N.out" | head -n 1)
	sed '1,/^\r\{0,1\}$/d' "$D/cgi.$N.out" >"$CGI_JSON"
}
cgi() {
	N=$((N + 1))
	cgi_exec "$@" 2>>"$ERR"
	echo "(exit $?)" >>"$ERR"
	cgi_answer
}
cgi_piped() {
	N=$((N + 1))
	cgi_exec "$@" 2>&1 | cat >>"$ERR"
	echo "(exit ${PIPESTATUS[0]})" >>"$ERR"
	cgi_answer
}

# expect_cgi STATUS JSON-STATUS-OR-ERROR: the answer of the last cgi.
expect_cgi() {
	local what
	if [ "$CGI_STATUS" != "$1" ]; then
		fail "request $N: Status '$CGI_STATUS', expected $1; answer: $(head -c 300 "$D/cgi.$N.out"); stderr: $(tail -n 3 "$ERR" | tr '\n' ' ' | cut -c1-300)"
		return 1
	fi
	what=$(jq -r '.error // .status' "$CGI_JSON" 2>/dev/null)
	[ "$what" = "$2" ] || fail "request $N: '$what' in $(head -c 300 "$CGI_JSON"), expected $2"
}
ran() {	# ran ID: how many times the hook ran for ID
	local n
	n=$(grep -c -- " push $1\$" "$R/out/hook.log" 2>/dev/null)
	echo "${n:-0}"
}
drain() {
	env -i HOOKLINE_CONF=/etc/hookline.conf \
	    "$TIMEOUT" 60 "$CHROOT" "${AS[@]}" "$R" /hookline -c /etc/hookline.conf drain \
	    >>"$D/log/drain.out" 2>&1 </dev/null
}

# 1. A signed push: 200, the hook ran with the payload.
id=$(new_id)
cgi github "$id" "$SIG"
expect_cgi 200 success && {
	[ "$(jq -r .delivery "$CGI_JSON")" = "$id" ] || fail "the answer names delivery $(jq -r .delivery "$CGI_JSON")"
}
[ "$(ran "$id")" = 1 ] || fail "the hook ran $(ran "$id") times for $id"
grep -qx -- "/etc/hooks.d/github/push push $id" "$R/out/hook.log" 2>/dev/null ||
    fail "the hook wrote: $(head -c 300 "$R/out/hook.log" 2>/dev/null)"
cmp -s "$R/out/payload.$id" "$BODY_F" || fail "the hook's payload file is not the body sent"

# 2. The same delivery again: a duplicate, not run again.
cgi github "$id" "$SIG"
expect_cgi 200 duplicate
[ "$(ran "$id")" = 1 ] || fail "the duplicate ran the hook ($(ran "$id") runs)"

# 3. A wrong signature: 401, nothing ran.
bad=$(new_id)
cgi github "$bad" "sha256=$(printf '0%.0s' $(seq 64))"
expect_cgi 401 invalid_signature
[ "$(ran "$bad")" = 0 ] || fail "a badly signed delivery ran the hook"

# The drainer a 202 started, while it runs: its pid from drain.lock.
drainer_running() {
	local pid
	pid=$(head -n 1 "$R/spool/drain.lock" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# 4. Async: 202, then the drainer that answer started runs the hook,
# though the root has no /proc/self/exe to exec and no /dev/null for its
# stdin and stdout (stderr is a file: kept). Nothing else drains.
aid=$(new_id)
cgi gh-async "$aid" "$SIG"
expect_cgi 202 accepted
if ! wait_for 100 eval '[ "$(ran "$aid")" = 1 ]'; then
	fail "the drainer the 202 started did not run the async delivery ($(ran "$aid") runs)"
else
	cmp -s "$R/out/payload.$aid" "$BODY_F" || fail "the async hook's payload file is not the body sent"
fi
# It exits with nothing pending; then `hookline drain` has nothing left.
wait_for 100 eval '! drainer_running' || fail "the started drainer is still running"
drain || fail "hookline drain in the root failed: $(tail -c 300 "$D/log/drain.out")"
[ "$(ran "$aid")" = 1 ] || fail "the async delivery ran $(ran "$aid") times after drain"

# 5. A forward to hookline-fwd-test (the root's /etc/hosts), the request
# with stderr a pipe: the drainer it starts has no file to keep, and
# neither /dev/null; the stub gets the request from it.
fid=$(new_id)
cgi_piped fwd "$fid" "$SIG"
expect_cgi 202 accepted
if ! wait_for 100 grep -q 'line=POST /x ' "$STUB_LOG"; then
	fail "the stub got no request (hookline-fwd-test:$SPORT) from the started drainer"
else
	grep 'line=POST /x ' "$STUB_LOG" | grep -q "len=$(wc -c <"$BODY_F") " ||
	    fail "the stub got: $(head -c 300 "$STUB_LOG")"
fi
wait_for 100 eval '! drainer_running' || fail "the started drainer is still running"
[ "$(grep -c 'line=POST /x ' "$STUB_LOG")" = 1 ] || fail "the stub got $(grep -c 'line=POST /x ' "$STUB_LOG") requests"
[ "$(ran "$fid")" = 0 ] || fail "the forward-only endpoint ran the push hook"

if [ "$E2E_FAILS" -ne 0 ]; then
	printf '      hookline stderr:\n'
	tail -n 12 "$ERR" | cut -c1-300 | sed 's/^/        /'
	show_logs
fi
case_end
