# conf-examples/crontab as shipped (/home/me replaced): its line parses
# as a crontab(5) entry, and its command, run as cron runs it (sh -c,
# a bare environment), drains a spool: a delivery stored by hookline as
# CGI for an async endpoint, while no drainer could start, runs its hook
# once the cron command has run, and the next run finds nothing to do.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need flock util-linux
if ! "$ROOT/bin/hookline" drain --help 2>&1 | grep -q 'usage: hookline drain'; then
	skip "hookline drain is not there yet (the spool's part): skipped until 'hookline drain --help' prints its usage"
fi
deploy_root

tab=$D/conf/crontab
HOME_ME=$D/home/me
sed -e "s,/home/me/,$HOME_ME/,g" "$EXAMPLES/crontab" >"$tab"

# Every line is a comment, blank, a NAME=value setting or an entry:
# five time fields (or an @keyword) and a command.
field='(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?)*'
entries=0 cmd=
n=0
while IFS= read -r line || [ -n "$line" ]; do
	n=$((n + 1))
	case $line in
	''|'#'*) continue ;;
	esac
	if printf '%s\n' "$line" | grep -Eq '^[A-Za-z_][A-Za-z0-9_]* *='; then
		continue
	fi
	if ! printf '%s\n' "$line" | grep -Eq "^($field +){5}[^ ]" &&
	   ! printf '%s\n' "$line" | grep -Eq '^@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly) +[^ ]'; then
		fail "crontab line $n is not a crontab(5) entry: $line"
		continue
	fi
	entries=$((entries + 1))
	cmd=$(printf '%s\n' "$line" | sed -E "s#^($field +){5}##")
	when=$(printf '%s\n' "$line" | awk '{print $1, $2, $3, $4, $5}')
done <"$tab"
[ "$entries" -eq 1 ] || fail "crontab has $entries entries, expected 1"
[ "${when:-}" = '* * * * *' ] || fail "the entry runs at '${when:-}', not every minute"
case $cmd in
*%*) fail "the command holds a %, which cron turns into a newline: $cmd" ;;
esac
# Its words (it has no quotes to honour).
# shellcheck disable=SC2086
set -- $cmd
[ "${1:-}" = "$HOME_ME/cgi-bin/hookline.cgi" ] || fail "the command runs '${1:-}', not /home/me/cgi-bin/hookline.cgi"
if [ "${2:-}" != -c ] || [ "${4:-}" != drain ] || [ $# -ne 4 ]; then
	fail "the command is not 'hookline.cgi -c FILE drain': $cmd"
fi
conf=${3:-}
[ "$E2E_FAILS" -eq 0 ] || case_end

# The shared-hosting layout the command names: the CGI copy of hookline,
# and hookline.conf with an async GitHub endpoint.
mkdir -p "$HOME_ME/cgi-bin" "$(dirname "$conf")/hooks.d/queued" "$D/out"
cp "$D/bin/hookline" "$HOME_ME/cgi-bin/hookline.cgi"
chmod 0755 "$HOME_ME/cgi-bin/hookline.cgi"
etc=$(dirname "$conf")
spool=$etc/spool
printf '%s\n' "$GITHUB_SECRET" >"$etc/queued.secret"
chmod 0600 "$etc/queued.secret"
cat >"$conf" <<EOF
hooks_dir = hooks.d
spool_dir = spool
log       = $etc/hookline.log
retry     = 1s

[queued]
provider    = github
secret_file = queued.secret
mode        = async
EOF
printf '#!/bin/sh\nprintf "push %%s %%s\\n" "$HOOKLINE_DELIVERY" "$HOOKLINE_ATTEMPT" >>%s/queued.log\n' "$D/out" \
    >"$etc/hooks.d/queued/push"
chmod 0755 "$etc/hooks.d/queued/push"
chmod -R go-w "$etc"
mkdir -m 0700 "$spool"

# One delivery through CGI, as Apache would pass it, with drain.lock
# held so that the CGI process cannot start a drainer: only cron's
# command may run it.
body=$(github_body)
id=$(new_id)
len=$(wc -c <"$body")
answer=$D/log/cgi.out
if ! flock -o -n "$spool/drain.lock" \
    env -i PATH=/usr/bin:/bin GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
    SERVER_PROTOCOL=HTTP/1.1 SCRIPT_NAME=/cgi-bin/hookline.cgi PATH_INFO=/queued \
    REMOTE_ADDR=127.0.0.1 CONTENT_TYPE=application/json CONTENT_LENGTH="$len" \
    HTTP_X_GITHUB_EVENT=push HTTP_X_GITHUB_DELIVERY="$id" HOOKLINE_CONF="$conf" \
    HTTP_X_HUB_SIGNATURE_256="$(github_sign "$GITHUB_SECRET" "$body")" \
    "$HOME_ME/cgi-bin/hookline.cgi" <"$body" >"$answer" 2>"$D/log/cgi.err"; then
	fail "hookline.cgi failed: $(head -c 300 "$D/log/cgi.err")"
fi
grep -qi '^Status: 202' "$answer" || fail "the CGI answer is not 202: $(head -c 300 "$answer" | tr '\r\n' '  ')"
grep -q '"status":"accepted"' "$answer" || fail "the CGI answer is not accepted: $(tail -n 1 "$answer")"
sleep 1
[ ! -s "$D/out/queued.log" ] || fail "the hook ran before cron's command (a drainer started anyway)"

# cron runs the command with /bin/sh -c and a bare environment.
run_cron() {
	env -i HOME="$HOME_ME" LOGNAME=me PATH=/usr/bin:/bin SHELL=/bin/sh \
	    /bin/sh -c "$cmd" >"$D/log/cron.out" 2>&1
}
run_cron || fail "the crontab command exits $?: $(head -c 300 "$D/log/cron.out")"
expect_lines "$D/out/queued.log" "$id" "push $id 1"
[ ! -s "$D/log/cron.out" ] || fail "the crontab command printed (cron would mail it): $(head -c 300 "$D/log/cron.out")"
# A second run: nothing is due, nothing runs again.
run_cron || fail "the second crontab run exits $?: $(head -c 300 "$D/log/cron.out")"
expect_lines "$D/out/queued.log" "$id" "push $id 1"
