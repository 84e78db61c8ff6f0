# HOOKLINE_PAYLOAD_FILE (sync) is a regular file, 0600 in a 0700
# folder, that a program started with no fd of the hook's and no
# environment reads; one copy per attempt, which a hook that overwrites
# it does not change for the next hook; gone after the attempt, also
# after a timeout.
O=$ROOT/out
# Records the path and modes, reads the file from a program with no fd
# but 0-2 and no environment, then overwrites it.
hook generic/pfile.d/10-tamper "p=\$HOOKLINE_PAYLOAD_FILE
d=\$HOOKLINE_DELIVERY
printf '%s\n' \"\$p\" >>$O/pfile.\$d.path
stat -c '%a %F' \"\$p\" >$O/pfile.\$d.mode
stat -c '%a' \"\$(dirname \"\$p\")\" >$O/pfile.\$d.dirmode
for fd in 3 4 5 6 7 8 9; do eval \"exec \$fd<&-\"; done
env -i HOOKLINE_PAYLOAD_FILE=\"\$p\" /bin/sh -c 'cat \"\$HOOKLINE_PAYLOAD_FILE\"' >$O/pfile.\$d.a
printf tampered >\"\$p\""
hook generic/pfile.d/20-read "printf '%s\n' \"\$HOOKLINE_PAYLOAD_FILE\" >>$O/pfile.\$HOOKLINE_DELIVERY.path
cat \"\$HOOKLINE_PAYLOAD_FILE\" >$O/pfile.\$HOOKLINE_DELIVERY.b"
hook generic/pslow "printf '%s\n' \"\$HOOKLINE_PAYLOAD_FILE\" >$O/pslow.\$HOOKLINE_DELIVERY.path
exec sleep 60"

id=$(new_id)
json='{"event":"pfile","data":{"n":42}}'
post_json generic "$json" -H "Webhook-Id: $id"
expect_status 200
expect_json .status success
for x in a b; do
	cmp -s "$O/pfile.$id.$x" <(printf '%s' "$json") ||
	    fail "hook $x read '$(cat "$O/pfile.$id.$x" 2>/dev/null)' from HOOKLINE_PAYLOAD_FILE, want the body"
done
[ "$(cat "$O/pfile.$id.mode" 2>/dev/null)" = "600 regular file" ] ||
    fail "payload file: '$(cat "$O/pfile.$id.mode" 2>/dev/null)', want '600 regular file'"
[ "$(cat "$O/pfile.$id.dirmode" 2>/dev/null)" = 700 ] ||
    fail "payload folder mode '$(cat "$O/pfile.$id.dirmode" 2>/dev/null)', want 700"
p=$(head -n 1 "$O/pfile.$id.path" 2>/dev/null)
case $p in
"$ROOT/spool/payload/"*) ;;
*) fail "payload file '$p' is not under the spool's payload/ folder" ;;
esac
[ "$(sort -u "$O/pfile.$id.path" | wc -l)" = 1 ] ||
    fail "the attempt's hooks got different paths: $(cat "$O/pfile.$id.path")"
[ -n "$p" ] && [ ! -e "$p" ] || fail "payload file $p is still there after the answer"

# A hook past the timeout: killed, and its payload file removed.
id=$(new_id)
post_generic generic pslow "$id"
expect_error 504 hook_timeout
p=$(cat "$O/pslow.$id.path" 2>/dev/null)
[ -n "$p" ] || fail "the slow hook did not note its payload file"
[ -n "$p" ] && [ -e "$p" ] && fail "payload file $p is still there after the timeout"
