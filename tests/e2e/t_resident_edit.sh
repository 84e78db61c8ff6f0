# Editing a resident hook (the new file written beside it, then renamed
# over it, as an editor or a deploy does) switches to the new version:
# every delivery after the rename is answered by the new file, and the
# workers of the old one are gone.
. "$E2E_DIR/resident_lib.sh"
res_endpoint res_edit
resident_py res_edit/edit.resident v1
res_ready res_edit
R=edit.resident

res_ok res_edit "$R" 1 2 3 4
old=$(awk '$6 == "v1" { print $4 }' "$ROOT/out/$R.rec" | sort -u)
[ -n "$old" ] || fail "v1 recorded nothing"

resident_py res_edit/edit.resident v2
chmod go-w "$ROOT/etc/hooks.d/res_edit/$R"
n_v1=$(grep -c ' v1 ' "$ROOT/out/$R.rec")
for i in 5 6 7 8 9 10; do
	res_ok res_edit "$R" "$i"
	v=$(rec_of "$R" "$DELIVERY" | awk '{ print $6 }')
	[ "$v" = v2 ] || fail "delivery $i after the rename was answered by '$v', not v2"
done
[ "$(grep -c ' v1 ' "$ROOT/out/$R.rec")" = "$n_v1" ] || fail "v1 answered after the rename"
if [ "$SERVER" != apache-cgi ]; then
	for p in $old; do
		wait_for 50 eval "! worker_alive $p $R" || fail "the v1 worker $p still runs"
	done
fi
