# Two hosts, one database (pg_hosts.sh): every session of hookline's
# role killed with pg_terminate_backend (an administrator, a failover),
# again and again between requests: each process opens a new connection
# on its next statement, and no request fails: async deliveries are
# answered 202 and run, sync ones 200, on both hosts.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up
pre=$(new_id)
ids=
for round in 1 2 3 4 5; do
	for x in A B; do
		to "$x"
		for k in 1 2 3; do
			id=$pre-$round$x$k
			post_generic pg rec "$id"
			expect_status 202 || pg_logs_show
			ids="$ids $id"
			post_generic pgsync rec "$id-s"
			expect_status 200 && expect_json .status success
			ids="$ids $id-s"
		done
	done
	killed=$(pg_terminate) || fail "pg_terminate_backend failed"
	[ "$round" = 1 ] && { [ "${killed:-0}" -gt 0 ] || fail "no session of role hookline to terminate"; }
done
# After the last kill: the next request on each host works too.
for x in A B; do
	to "$x"
	post_generic pg rec "$pre-last$x"
	expect_status 202
	ids="$ids $pre-last$x"
done
all_ran() {
	local id
	for id in $ids; do
		[ "$(runs_of "$id")" -ge 1 ] || return 1
	done
}
wait_for 300 all_ran || fail "not every delivery ran within 30 s"
sleep 1
for id in $ids; do
	[ "$(runs_of "$id")" = 1 ] || fail "$id ran $(runs_of "$id") times"
done
# The processes are connected again.
[ "$(pg_sessions)" -gt 0 ] || fail "no session of hookline open after the last requests"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
