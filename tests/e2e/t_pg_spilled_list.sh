# Two hosts, one database (pg_hosts.sh), database_unavailable = spool:
# a delivery spilled into host A's own spool while PostgreSQL is down is
# in `hookline list` there, marked spilled (and "spilled":true with
# --json), and `show` finds it by its id; list says the database is away
# (exit 1) but still prints it. Once the server is back, the drainer
# moves it into the database: it runs, and list shows it done, no longer
# spilled. (The drainer tries to move it every second meanwhile, new/ to
# cur/ and back: the looks are repeated a few times.)
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up 'database_unavailable = spool'
id=$(new_id)-spilled
pg_server_stop fast || { fail "pg_ctl stop failed"; case_end; }
to A
post_generic pg rec "$id"
expect_status 202 || { pg_logs_show; case_end; }
out=$D/out/list.out
listed() {
	! hlx A list >"$out" 2>"$out.err" && grep -q ' spilled ' "$out"
}
wait_for 20 listed || fail "list does not show a spilled delivery, or exits 0: $(tr '\n' ';' <"$out")"
grep -q 'cannot connect' "$out.err" || fail "list did not say the database is away: $(head -c 300 "$out.err")"
listed_json() {
	hlx A list --pending --json >"$out" 2>/dev/null
	jq -e --arg id "$id" '.[] | select(.delivery == $id and .spilled == true)' "$out" >/dev/null
}
wait_for 20 listed_json || fail "list --json lacks $id with \"spilled\":true: $(head -c 300 "$out")"
shown() {
	hlx A show "$id" >"$out" 2>/dev/null
	grep -q '(spilled)' "$out"
}
wait_for 20 shown || fail "show $id: $(head -c 300 "$out")"
[ ! -e "$RUNS" ] || [ "$(runs_of "$id")" = 0 ] || fail "$id ran while the database was away"
pg_server_start || { fail "PostgreSQL did not start again"; case_end; }
wait_for 300 eval '[ "$(runs_of "$id")" = 1 ]' || { fail "$id did not run within 30 s of the database's return"; pg_logs_show; case_end; }
done_there() {
	hlx A list --json 2>/dev/null | jq -e --arg id "$id" \
	    '.[] | select(.delivery == $id and .state == "done" and .spilled == null)' >/dev/null
}
wait_for 50 done_there || fail "after the move, list does not show $id done in the database: $(hlx A list 2>&1 | tr '\n' ';' | head -c 300)"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
