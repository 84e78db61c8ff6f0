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
done
if [ -e "$ROOT/out/outside.log" ]; then
	fail "a refused hook ran: $(cat "$ROOT/out/outside.log")"
fi
