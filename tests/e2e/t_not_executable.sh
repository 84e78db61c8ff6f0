# A hook without its execute bit (chmod 644) is refused and reported,
# in the answer and the log, like the other refusals: not answered
# "ignored" with nothing run. In E.d/ too; a file there that is no
# program (a README) is skipped as run-parts does. The answer names the
# hook relative to the hooks folder; only the log has the server path.
H=$ROOT/etc/hooks.d/generic
O=$ROOT/out
hook generic/noexec "printf 'WRONG %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/noexec.log"
chmod 0644 "$H/noexec"
hook generic/mixed.d/10-ok "printf 'ok %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/mixed.log"
hook generic/mixed.d/20-off "printf 'WRONG %s\n' \"\$HOOKLINE_DELIVERY\" >>$O/noexec.log"
chmod 0644 "$H/mixed.d/20-off"
printf 'These hooks deploy the site.\n' >"$H/mixed.d/README"
chmod 0644 "$H/mixed.d/README"

id=$(new_id)
post_generic generic noexec "$id"
expect_error 500 hook_failed
expect_json '.hooks | length' 1
expect_json '.hooks[0].hook' noexec
expect_json '.hooks[0].refused' 'not executable'
expect_json '.hooks[0].exit' -1
grep -qF "$ROOT" "$BODY" && fail "the answer holds a server path: $BODY_TEXT"
expect_log "$id" 500
grep -hF -- "$id" $LOGS 2>/dev/null |
    grep -qF "\"refused\":\"$H/noexec: not executable\"" ||
    fail "no log line with the refusal and the hook's full path"

id=$(new_id)
post_generic generic mixed "$id"
expect_error 500 hook_failed
expect_json '[.hooks[] | .hook + "=" + (.exit | tostring) + ":" + (.refused // "")] | join(",")' \
    'mixed.d/10-ok=0:,mixed.d/20-off=-1:not executable'
expect_lines "$O/mixed.log" "$id" "ok $id"
grep -qF "$ROOT" "$BODY" && fail "the answer holds a server path: $BODY_TEXT"
expect_log "$id" 500
[ -e "$O/noexec.log" ] && fail "a hook without its x bit ran: $(cat "$O/noexec.log")"
