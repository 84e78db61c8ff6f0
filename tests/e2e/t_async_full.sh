# A spool on a tiny tmpfs that fills up: 503 with Retry-After, nothing
# half-written left, and everything answered 202 before still runs.
# spool_min_free keeps room for the drainer's own records.
. "$E2E_DIR/async_lib.sh"
async_setup
[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"
TINY=$ROOT/spool-tiny
CONF=$ROOT/etc/hookline.conf
mkdir -p "$TINY"
mount -t tmpfs -o size=1m,mode=0755 tmpfs "$TINY" 2>/dev/null || skip "cannot mount a tmpfs here"
id "$WWW_USER" >/dev/null 2>&1 && chown "$WWW_USER:" "$TINY"
cp "$CONF" "$ROOT/tmp/hookline.conf.saved"
restore() {
	cp "$ROOT/tmp/hookline.conf.saved" "$CONF"
	sleep 1
	umount -l "$TINY" 2>/dev/null
}
trap restore EXIT
sed -i -e '/^spool_min_free/d' \
    -e "s,^spool_dir *=.*,spool_dir = $TINY\nspool_min_free = 128K," "$CONF"
sleep 1

O=$ROOT/out/async-full.log
hook async/full "printf '%s\n' \"\$HOOKLINE_DELIVERY\" >>$O"
head -c 60000 /dev/zero | tr '\0' 'x' >"$ROOT/data/full-pad"
pad=$(cat "$ROOT/data/full-pad")
pre=$(new_id)
accepted=() refused=() other=()
for i in $(seq 1 30); do
	req POST async -H 'Content-Type: application/json' -H "Webhook-Id: $pre-$i" \
	    --data-binary "{\"event\":\"full\",\"data\":{\"pad\":\"$pad\"}}"
	case $STATUS in
	202) accepted+=("$pre-$i") ;;
	503) refused+=("$pre-$i")
	     if [ "${#refused[@]}" -eq 1 ]; then
		     expect_error 503 unavailable
		     expect_header Retry-After '[0-9]+'
	     fi ;;
	*) other+=("$i:$STATUS") ;;
	esac
done
[ "${#accepted[@]}" -ge 3 ] || fail "only ${#accepted[@]} accepted before the spool was full"
[ "${#refused[@]}" -ge 5 ] || fail "only ${#refused[@]} refused with 503 on a full spool"
[ "${#other[@]}" -eq 0 ] || fail "unexpected answers: ${other[*]}"
note "${#accepted[@]} accepted, ${#refused[@]} refused"
# Nothing half-written is visible, or left behind.
[ -z "$(ls -A "$TINY/tmp")" ] || fail "tmp/ holds leftovers: $(ls "$TINY/tmp" | head -3)"
# Every accepted delivery runs, once; none refused does.
all_ran() {
	local i
	for i in "${accepted[@]}"; do
		grep -qxF "$i" "$O" 2>/dev/null || return 1
	done
}
wait_for 150 all_ran || fail "accepted deliveries did not run: $(for i in "${accepted[@]}"; do grep -qxF "$i" "$O" || printf '%s ' "$i"; done)"
for i in "${refused[@]}"; do
	grep -qxF "$i" "$O" 2>/dev/null && fail "$i was refused with 503 but ran"
done
[ -z "$(sort "$O" | uniq -d)" ] || fail "ran twice: $(sort "$O" | uniq -d | head -3)"
# Space comes back (the operator purges done/): accepted again.
hl purge --older-than 0 --done >/dev/null || fail "purge failed"
req POST async -H 'Content-Type: application/json' -H "Webhook-Id: $pre-again" \
    --data-binary '{"event":"full","data":{}}'
expect_status 202
wait_for 100 grep -qxF "$pre-again" "$O" || fail "the delivery after the purge did not run"
