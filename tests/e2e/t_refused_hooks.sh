# Hooks hookline must refuse to run: a symlink leading out of the hooks
# folder, and a group-writable file. Neither runs, and the answer is not
# a success.
# (Set here again: other cases may tighten the modes under $ROOT/etc.)
chmod 0775 "$ROOT/etc/hooks.d/generic/writable"
[ -L "$ROOT/etc/hooks.d/generic/escape" ] || fail "test setup: hooks.d/generic/escape is not a symlink"
for ev in escape writable; do
	id=$(new_id)
	post_generic generic "$ev" "$id"
	if [ "$STATUS" = 200 ] && [ "$(jq -r .status <"$BODY" 2>/dev/null)" = success ]; then
		fail "hook '$ev' was refused (or should have been) yet the answer is success"
		show_answer
	fi
	case $STATUS in
	5??) ;;
	*) fail "hook '$ev': expected a 5xx answer, got $STATUS"; show_answer ;;
	esac
	# The sender sees the hook's name and a short reason, never a
	# server path (GitHub shows answers in its UI); the log has it.
	case $ev in
	escape) why='symlink leads out of the hooks folder' ;;
	writable) why='writable by group or others' ;;
	esac
	expect_json '.hooks[0].hook' "$ev"
	expect_json '.hooks[0].refused' "$why"
	if grep -qF "$ROOT" "$BODY" || grep -qF 'hooks.d' "$BODY"; then
		fail "hook '$ev': the answer holds a server path: $BODY_TEXT"
	fi
	expect_log "$id" 500
	grep -hF -- "$id" $LOGS 2>/dev/null |
	    grep -qF "\"refused\":\"$ROOT/etc/hooks.d/generic/$ev: $why\"" ||
	    fail "hook '$ev': no log line with the refusal and the hook's full path"
done
if [ -e "$ROOT/out/outside.log" ]; then
	fail "a refused hook ran: $(cat "$ROOT/out/outside.log")"
fi
