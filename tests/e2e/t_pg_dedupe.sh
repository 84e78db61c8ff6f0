# Two hosts, one database (pg_hosts.sh): the same delivery sent to both
# runs once. A sender's retry that the load balancer sends to the other
# host is a duplicate there (async and sync), also when both copies
# arrive at the same moment; a failed sync run releases the id, so the
# retry runs (on either host).
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up
pre=$(new_id)

# Async: stored by A, a duplicate at B; runs once (by either drainer).
to A
post_generic pg rec "$pre-a1"
expect_status 202 && expect_json .status accepted
to B
post_generic pg rec "$pre-a1"
expect_status 200 && expect_json .status duplicate
expect_json .delivery "$pre-a1"
wait_for 150 eval '[ "$(runs_of "$pre-a1")" -ge 1 ]' || fail "$pre-a1 did not run within 15 s"

# Sync: run by B, a duplicate at A.
to B
post_generic pgsync rec "$pre-s1"
expect_status 200 && expect_json .status success
to A
post_generic pgsync rec "$pre-s1"
expect_status 200 && expect_json .status duplicate

# At the same moment: 20 ids, each sent to A and B at once: one answer
# 202, the other duplicate.
ids=$(seq 1 20 | sed "s/^/$pre-c/")
for id in $ids; do
	for b in "$BASE_A" "$BASE_B"; do
		printf '%s %s\n' "$id" "$b"
	done
done | xargs -P 8 -n 2 sh -c 'curl -sS -o /dev/null --max-time 30 -w "%{http_code} $0\n" \
    -H "Expect:" -H "Content-Type: application/json" -H "Webhook-Id: $0" \
    --data-binary "{\"event\":\"rec\",\"data\":{}}" "$1/pg"' >"$D/out/race.codes" 2>"$D/out/race.err"
for id in $ids; do
	got=$(grep " $id\$" "$D/out/race.codes" | cut -d' ' -f1 | sort | tr '\n' ' ')
	[ "$got" = "200 202 " ] || fail "$id sent to both hosts at once: answers '$got', expected one 202 and one 200 (duplicate)"
done

# A failed sync run releases the id: the sender's retry runs, here on
# the other host.
pg_hook pgsync/flaky "[ -e $D/out/flaky.ok ] || { touch $D/out/flaky.ok; exit 3; }
printf '%s ok\n' \"\$HOOKLINE_DELIVERY\" >>$RUNS"
to A
post_generic pgsync flaky "$pre-f1"
expect_status 500
to B
post_generic pgsync flaky "$pre-f1"
expect_status 200 && expect_json .status success

# A delivery id that would be SQL if pasted into a statement: only a
# value (parameterised statements), the same key on both hosts.
q="$pre-q'\");DROP-TABLE-hookline_dedupe;--"
to A
post_generic pg rec "$q"
expect_status 202 && expect_json .delivery "$q"
to B
post_generic pg rec "$q"
expect_status 200 && expect_json .status duplicate
pg_sql "SELECT count(*) FROM hookline_dedupe" >/dev/null || fail "hookline_dedupe is gone"

# Every delivery above ran exactly once.
all_ran() {
	local id
	for id in "$pre-a1" $ids "$q"; do
		[ "$(runs_of "$id")" -ge 1 ] || return 1
	done
}
wait_for 300 all_ran || fail "not every async delivery ran within 30 s"
sleep 2	# a second run, were there one, would show by now
for id in "$pre-a1" "$pre-s1" $ids "$q"; do
	n=$(runs_of "$id")
	[ "$n" = 1 ] || fail "$id ran $n times, expected once: $(grep "^$id " "$RUNS" | tr '\n' ';')"
done
[ "$(grep -c "^$pre-f1 ok" "$RUNS")" = 1 ] || fail "the retry of $pre-f1 after a failed sync run did not run once"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
