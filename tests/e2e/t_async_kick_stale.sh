# A FastCGI process keeps drain.lock open between kicks (drain_kick.c,
# struct kicker). drain.lock removed while a drainer holds it and is
# busy (an operator's clean-up, a spool moved aside): the next 202 must
# still start a drainer, on the new file; a process that kept the old
# one open would see it held for good and start none, and the delivery
# would wait behind the busy drainer.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out/async-kick-stale.log
GO=$ROOT/tmp/kick-stale-go.$$
rm -f "$GO"
CONF=$ROOT/etc/hookline.conf
cp "$CONF" "$ROOT/tmp/hookline.conf.kick"
trap 'touch "$GO"; cp "$ROOT/tmp/hookline.conf.kick" "$CONF"' EXIT
sed -i 's/^timeout *=.*/timeout = 60/' "$CONF"
sleep 1
# busy: held until the test says go (at most 30 s); the others at once.
hook async/busy "printf 'start %s\n' \"\$HOOKLINE_DELIVERY\" >>$O
i=0
while [ ! -e $GO ] && [ \$i -lt 150 ]; do sleep 0.2; i=\$((i + 1)); done
printf 'end %s\n' \"\$HOOKLINE_DELIVERY\" >>$O"
hook async/quick "printf 'ran %s\n' \"\$HOOKLINE_DELIVERY\" >>$O"
pre=$(new_id)
post_generic async busy "$pre-busy"
expect_status 202
wait_for 100 grep -qsF "start $pre-busy" "$O" || fail "the busy hook did not start"
old=$(drainer_pid) || fail "no drainer holds the lock"
# Every process the web server keeps kicks once against the held lock
# (and keeps it open); these wait behind busy, same endpoint.
for i in 1 2 3 4; do
	post_generic async quick "$pre-warm$i"
	expect_status 202
done
sleep 0.5
[ "$(lines_of "$O" "ran $pre-warm")" = 0 ] || fail "a quick one ran beside busy: no test"
rm -f "$ROOT/spool/drain.lock"
post_generic async quick "$pre-probe"
expect_status 202
wait_for 100 grep -qsF "ran $pre-probe" "$O" ||
    fail "no drainer started for the new drain.lock within 10 s"
[ "$(drainer_pid)" != "$old" ] || fail "the new drain.lock names the old drainer"
touch "$GO"
wait_for 100 grep -qsF "end $pre-busy" "$O" || fail "the busy hook did not end"
for i in 1 2 3 4; do
	wait_for 100 grep -qsF "ran $pre-warm$i" "$O" || fail "$pre-warm$i never ran"
done
case_end
