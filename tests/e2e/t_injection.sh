# Hostile payload fields and headers: $(...), backticks, ;, newlines and
# ../ run nothing and create nothing. Markers would be created by any
# shell that parsed them; afterwards none exists, no file appeared
# outside the folders hookline and the hooks write, no hook outside the
# hooks folder ran, and the _default hook got each body intact.
m=$ROOT/pwned
stamp=$ROOT/data/injection.stamp
# A second in the past: file times may have a resolution of 1 s.
touch -d "@$(($(date +%s) - 1))" "$stamp"

hostile=(
	"\$(touch $m-dollar)"
	"\`touch $m-backtick\`"
	"; touch $m-semicolon;"
	"| touch $m-pipe"
	"&& touch $m-and"
	"../../../../../../$m-dotdot"
	"../outside/evil"
	"x'\"; touch $m-quote; echo \""
)

n=0
for h in "${hostile[@]}"; do
	n=$((n + 1))
	# As payload values (with a newline, escaped as JSON does), keys,
	# and as the delivery id and other headers.
	esc=$(printf '%s' "$h" | sed 's/\\/\\\\/g; s/"/\\"/g')
	body="{\"event\":\"push\",\"data\":{\"v\":\"$esc\",\"nl\":\"a\\n$esc\\nb\",\"$esc\":1}}"
	printf '%s' "$body" >"$ROOT/data/inject.$n.json"
	req POST inject -H 'Content-Type: application/json' \
	    -H "Webhook-Id: $h" -H "X-Request-Id: $h" -H "X-Evil: $h" \
	    -H "User-Agent: $h" --data-binary "@$ROOT/data/inject.$n.json"
	case $STATUS in
	200|400) ;;
	*) fail "hostile delivery id $n: expected 200 or 400, got $STATUS"; show_answer ;;
	esac
	# As the event name: refused.
	post_json inject "{\"event\":\"$esc\",\"data\":{}}" -H "Webhook-Id: inj-$n-$$"
	expect_error 400 invalid_event
	# As a github event and delivery (signed, so it gets past the
	# signature check).
	printf '%s' '{"zen":"x"}' >"$ROOT/data/inject-gh.json"
	req POST github -H 'Content-Type: application/json' \
	    -H "X-GitHub-Event: $h" -H "X-GitHub-Delivery: $h" \
	    -H "X-Hub-Signature-256: $(github_sign "$GITHUB_SECRET" "$ROOT/data/inject-gh.json")" \
	    --data-binary "@$ROOT/data/inject-gh.json"
	expect_error 400 invalid_event
done
# A newline cannot be sent in a header; in an event name it is refused.
post_json inject '{"event":"push\ntouch x","data":{}}' -H "Webhook-Id: inj-nl-$$"
expect_error 400 invalid_event

sleep 0.5
for f in "$m"*; do
	[ -e "$f" ] && fail "created by a shell: $f"
done
[ -e "$ROOT/out/outside.log" ] && fail "a hook outside the hooks folder ran: $(cat "$ROOT/out/outside.log")"
[ -s "$ROOT/out/github.log" ] && grep -q pwned "$ROOT/out/github.log" && fail "a github hook ran for a hostile event"
# Nothing new outside the spool, the hooks' output, the logs, the
# server's run and temp folders, and the test's own data.
new=$(find "$ROOT" -newer "$stamp" ! -type d \
    ! -path "$ROOT/spool/*" ! -path "$ROOT/out/*" ! -path "$ROOT/log/*" \
    ! -path "$ROOT/run/*" ! -path "$ROOT/tmp/*" ! -path "$ROOT/data/*" 2>/dev/null)
[ -n "$new" ] && fail "files appeared: $new"
new=$(find /tmp /var/tmp -maxdepth 2 -newer "$stamp" -name '*pwned*' 2>/dev/null)
[ -n "$new" ] && fail "files appeared: $new"
# The hook got every body that was accepted, intact.
for f in "$ROOT"/out/inject.??????; do
	[ -f "$f" ] || continue
	found=
	for b in "$ROOT"/data/inject.*.json; do
		cmp -s "$f" "$b" && found=1 && break
	done
	[ -n "$found" ] || fail "the hook got a body that was not sent: $(head -c 200 "$f")"
done
