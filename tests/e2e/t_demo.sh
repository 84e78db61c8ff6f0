# make demo, as DEMO_ONESHOT=1 scripts/demo.sh: lighttpd from the
# example, the example hooks, one signed push answered "success" and
# logged by the push hook, and an issues event logged by the resident
# Python hook issues.resident. (It starts a lighttpd of its own.)
only_servers lighttpd-fastcgi
out=$(DEMO_ONESHOT=1 HOOKLINE_BIN=$HOOKLINE_BIN timeout 60 "$REPO/scripts/demo.sh" 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "scripts/demo.sh exited $rc"
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/      /'
else
	printf '%s\n' "$out" | grep -q '"status": "success"' ||
	    fail "the demo's answer is not a success"
	printf '%s\n' "$out" | grep -q 'github push delivery=.* ref=refs/heads/main head=4b825dc' ||
	    fail "the demo's push hook logged nothing"
	printf '%s\n' "$out" | grep -q 'github issues delivery=.* action=opened #1 "Hello from a resident hook"' ||
	    fail "the demo's resident hook issues.resident logged nothing"
	# The folder is gone once it exits: no path into it is shown.
	d=$(printf '%s\n' "$out" | grep -o '/[^ ]*hookline-demo\.[A-Za-z0-9]*' | head -n 1)
	[ -z "$d" ] || fail "the one-shot demo prints paths under $d, which it removes"
fi
