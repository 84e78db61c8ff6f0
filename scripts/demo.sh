#!/usr/bin/env bash
# demo.sh (make demo): hookline behind lighttpd on 127.0.0.1, in two
# minutes. Installs what is missing (Debian packages), builds hookline,
# writes a configuration with one GitHub endpoint into a temporary
# folder, starts lighttpd from conf-examples/lighttpd-fastcgi.conf with
# the example hooks of examples/hooks.d, sends a signed sample push, and
# shows the answer and what the hook did; then an "issues" delivery to
# the resident Python hook (issues.resident, started once, kept running). Then it keeps serving until
# Ctrl-C, and prints a curl command to send more.
#
#   DEMO_ONESHOT=1   stop after the sample delivery
#   DEMO_PORT=N      the port (default 8080, or a free one if it is taken)
#   HOOKLINE_BIN=F   use this binary instead of building ./hookline
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

if [ -t 1 ]; then
	say() { printf '\033[1m%s\033[0m\n' "$*"; }
else
	say() { printf '== %s\n' "$*"; }
fi
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# --- 1. Debian packages, only those missing ---------------------------

PKGS=(build-essential pkg-config libfcgi-dev libjson-c-dev
      libcurl4-openssl-dev libssl-dev libinih-dev lighttpd curl openssl jq
      python3)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "Installing ${missing[*]}"
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=
	elif command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		die "please install: ${missing[*]} (as root: apt-get install ${missing[*]})"
	fi
	$SUDO apt-get update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
	# Debian starts a lighttpd of its own on port 80; ours needs nothing
	# from it.
fi
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$LIGHTTPD" ] || die "lighttpd not found"

# --- 2. Build -----------------------------------------------------------

if [ -n "${HOOKLINE_BIN:-}" ]; then
	BIN=$HOOKLINE_BIN
else
	say "Building hookline"
	make
	BIN=$REPO/hookline
fi
[ -x "$BIN" ] || die "no hookline binary at $BIN"

# --- 3. A temporary folder with everything ------------------------------

free_port() {
	local p
	for p in "${DEMO_PORT:-8080}" $(seq 8081 8180); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
		[ -n "${DEMO_PORT:-}" ] && die "port $DEMO_PORT is taken"
	done
	die "no free port from 8080 to 8180"
}
PORT=$(free_port)

D=$(mktemp -d "${TMPDIR:-/tmp}/hookline-demo.XXXXXX")
LPID=
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$LPID" ] && kill -0 "$LPID" 2>/dev/null; then
		kill -TERM "$LPID" 2>/dev/null || true
		wait "$LPID" 2>/dev/null || true
	fi
	rm -rf "$D"
}
trap cleanup EXIT
# DEMO_ONESHOT removes the folder on exit: then the lines, not paths.
where() { [ "${DEMO_ONESHOT:-0}" = 1 ] || printf ' (%s)' "$1"; }
trap 'echo; say "Stopping."; exit 0' INT TERM

chmod 0755 "$D"
mkdir -p "$D"/{bin,etc,spool,log,run,tmp,www/html,out}
cp "$BIN" "$D/bin/hookline"
cp -R examples/hooks.d "$D/etc/hooks.d"
# The example hooks write to a fixed path; here, to the demo folder (a
# quoted path stays quoted: the Python hook's is a string).
HOOK_LOG=$D/out/hooks.log
find "$D/etc/hooks.d" -type f -exec sed -i "s|^LOG=\([\"']\{0,1\}\).*|LOG=\1$HOOK_LOG\1|" {} +
chmod -R go-w "$D/etc"
chmod -R a+rX "$D/etc" "$D/bin" "$D/www"
SECRET=demo-secret-$RANDOM$RANDOM
printf '%s\n' "$SECRET" >"$D/etc/github.secret"
cat >"$D/etc/hookline.conf" <<EOF
# hookline.conf written by scripts/demo.sh (see conf-examples/hookline.conf)
hooks_dir = hooks.d
spool_dir = $D/spool
max_body  = 10M
timeout   = 10
log       = stderr

[github]
provider    = github
secret_file = github.secret
mode        = sync
EOF
# Started as root, lighttpd runs hookline as www-data.
if [ "$(id -u)" -eq 0 ] && id www-data >/dev/null 2>&1; then
	chown www-data: "$D/spool" "$D/log" "$D/run" "$D/tmp" "$D/out"
	chown root:www-data "$D/etc/github.secret"
	chmod 0640 "$D/etc/github.secret"
else
	chmod 0600 "$D/etc/github.secret"
fi

sed -e "s,/usr/local/bin/hookline,$D/bin/hookline,g" \
    -e "s,/etc/hookline/hookline\.conf,$D/etc/hookline.conf,g" \
    -e "s,/var/www/html,$D/www/html,g" \
    -e "s,/var/log/lighttpd/,$D/log/,g" \
    -e "s,/run/lighttpd-hookline\.pid,$D/run/lighttpd.pid,g" \
    -e "s,/run/lighttpd/,$D/run/,g" \
    -e "s,/var/tmp,$D/tmp,g" \
    -e "s,^\([[:space:]]*server\.port[[:space:]]*=[[:space:]]*\)8080,\1$PORT," \
    conf-examples/lighttpd-fastcgi.conf >"$D/lighttpd.conf"

# --- 4. lighttpd --------------------------------------------------------

say "Starting lighttpd on 127.0.0.1:$PORT$(where "configuration: $D/lighttpd.conf")"
"$LIGHTTPD" -tt -f "$D/lighttpd.conf" || die "lighttpd refuses the configuration"
"$LIGHTTPD" -D -f "$D/lighttpd.conf" >"$D/log/lighttpd.out" 2>&1 &
LPID=$!
for _ in $(seq 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	kill -0 "$LPID" 2>/dev/null || { cat "$D"/log/*; die "lighttpd exited"; }
	sleep 0.1
done
URL=http://127.0.0.1:$PORT/hooks/github

# --- 5. A signed sample delivery ----------------------------------------

BODY='{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"4b825dc642cb6eb9a060e54bf8d69288fbee4904","repository":{"full_name":"octo-org/hello-world"},"pusher":{"name":"octocat"},"head_commit":{"id":"4b825dc642cb6eb9a060e54bf8d69288fbee4904","message":"Say hello from the hookline demo\n\nA second paragraph."}}'
DELIVERY=$(cat /proc/sys/kernel/random/uuid)
SIG=sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)

say "Sending a signed GitHub push (delivery $DELIVERY) to $URL"
CODE=$(curl -sS -o "$D/answer.json" -D "$D/answer.headers" -w '%{http_code}' "$URL" \
	-H 'Content-Type: application/json' \
	-H 'X-GitHub-Event: push' \
	-H "X-GitHub-Delivery: $DELIVERY" \
	-H "X-Hub-Signature-256: $SIG" \
	--data-binary "$BODY") || die "curl failed"
echo
say "The answer: HTTP $CODE"
grep -i '^content-type' "$D/answer.headers" | tr -d '\r'
jq . "$D/answer.json" 2>/dev/null || cat "$D/answer.json"
echo
say "What the hook did$(where "$HOOK_LOG"):"
sleep 0.2
cat "$HOOK_LOG" 2>/dev/null || echo "(nothing: the hook did not run)"
echo
say "hookline's log line$(where "$D/log/hookline.log"):"
grep -F "$DELIVERY" "$D/log/hookline.log" 2>/dev/null || tail -n 3 "$D/log/hookline.log" 2>/dev/null || true
echo

ok=0
[ "$CODE" = 200 ] && grep -q '"status" *: *"success"' "$D/answer.json" && ok=1

# --- 6. A resident hook -------------------------------------------------

BODY='{"action":"opened","issue":{"number":1,"title":"Hello from a resident hook"}}'
DELIVERY=$(cat /proc/sys/kernel/random/uuid)
SIG=sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
say "Sending an issues event: issues.resident, a Python hook that stays running"
CODE=$(curl -sS -o "$D/answer.json" -w '%{http_code}' "$URL" \
	-H 'Content-Type: application/json' \
	-H 'X-GitHub-Event: issues' \
	-H "X-GitHub-Delivery: $DELIVERY" \
	-H "X-Hub-Signature-256: $SIG" \
	--data-binary "$BODY") || die "curl failed"
say "The answer: HTTP $CODE"
jq -c . "$D/answer.json" 2>/dev/null || cat "$D/answer.json"
sleep 0.2
grep -F "issues delivery=$DELIVERY" "$HOOK_LOG" 2>/dev/null || echo "(nothing: the hook did not run)"
echo

if [ "${DEMO_ONESHOT:-0}" = 1 ]; then
	[ "$ok" = 1 ] || die "the sample delivery did not succeed"
	say "Demo done (DEMO_ONESHOT=1; its temporary folder is removed)."
	exit 0
fi
[ "$ok" = 1 ] || say "The sample delivery did not succeed: see the answer and $D/log/."

cat <<EOF
hookline is serving at  $URL
GitHub secret:          $SECRET
Hooks:                  $D/etc/hooks.d/github/  (they log to $HOOK_LOG)
Server log:             $D/log/hookline.log

Send another push (copy and paste):

  body='{"ref":"refs/heads/main","after":"abc","head_commit":{"message":"Another one"}}'
  curl -sS $URL \\
    -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \\
    -H "X-GitHub-Delivery: \$(cat /proc/sys/kernel/random/uuid)" \\
    -H "X-Hub-Signature-256: sha256=\$(printf '%s' "\$body" | openssl dgst -sha256 -hmac '$SECRET' -r | cut -d' ' -f1)" \\
    --data-binary "\$body"; echo

Watch the hooks:  tail -f $HOOK_LOG
Press Ctrl-C to stop (the folder $D is removed).
EOF
wait "$LPID" || true
