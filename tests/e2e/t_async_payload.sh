# Async: HOOKLINE_PAYLOAD_FILE is each attempt's own copy, never the
# spool's body: a hook that overwrites it changes neither what the next
# hook of the attempt reads nor what the retry reads. A program started
# with no fd of the hook's and no environment reads it; it is 0600 and
# gone after each attempt.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out
hook async/apay.d/10-tamper "p=\$HOOKLINE_PAYLOAD_FILE
f=$O/apay.\$HOOKLINE_DELIVERY.\$HOOKLINE_ATTEMPT
printf '%s\n' \"\$p\" >>$O/apay.\$HOOKLINE_DELIVERY.paths
stat -c '%a' \"\$p\" >\$f.mode
for fd in 3 4 5 6 7 8 9; do eval \"exec \$fd<&-\"; done
env -i HOOKLINE_PAYLOAD_FILE=\"\$p\" /bin/sh -c 'cat \"\$HOOKLINE_PAYLOAD_FILE\"' >\$f.a
printf tampered >\"\$p\"
[ \"\$HOOKLINE_ATTEMPT\" -ge 2 ] || exit 75"
hook async/apay.d/20-read "printf '%s\n' \"\$HOOKLINE_PAYLOAD_FILE\" >>$O/apay.\$HOOKLINE_DELIVERY.paths
cat \"\$HOOKLINE_PAYLOAD_FILE\" >$O/apay.\$HOOKLINE_DELIVERY.\$HOOKLINE_ATTEMPT.b"
id=$(new_id)
json='{"event":"apay","data":{"n":7}}'
post_json async "$json" -H "Webhook-Id: $id"
expect_status 202
wait_for 100 test -s "$O/apay.$id.2.a" ||
    fail "the retry did not run within 10 s"
sleep 0.5
for f in 1.a 1.b 2.a; do
	cmp -s "$O/apay.$id.$f" <(printf '%s' "$json") ||
	    fail "attempt.hook $f read '$(cat "$O/apay.$id.$f" 2>/dev/null)', want the body"
done
[ -e "$O/apay.$id.2.b" ] && fail "the hook that succeeded on attempt 1 ran again"
for n in 1 2; do
	[ "$(cat "$O/apay.$id.$n.mode" 2>/dev/null)" = 600 ] ||
	    fail "attempt $n: payload file mode '$(cat "$O/apay.$id.$n.mode" 2>/dev/null)', want 600"
done
paths=$(sort -u "$O/apay.$id.paths" 2>/dev/null)
[ "$(printf '%s\n' "$paths" | wc -l)" = 2 ] ||
    fail "want one copy per attempt (2 paths), got: $(cat "$O/apay.$id.paths" 2>/dev/null)"
for p in $paths; do
	case $p in
	"$ROOT/spool/payload/"*) ;;
	*) fail "payload file '$p' is not under the spool's payload/ folder" ;;
	esac
	[ -e "$p" ] && fail "payload file $p is still there after its attempt"
done
# The spool's own body is still what was received.
for b in "$ROOT"/spool/*/*/body; do
	grep -qF tampered "$b" 2>/dev/null && fail "the spool's copy $b was changed"
done
