# Two hosts, one database (pg_hosts.sh), max_running = 1 on both: the
# bound holds across the hosts (the slots are in the database). While a
# sync hook runs on host A, a sync delivery to host B is answered 429
# busy with Retry-After (the global bound: at once), and runs when sent
# again after A's hook has finished.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up 'max_running = 1'
pre=$(new_id)
curl -sS -o "$D/out/hold.body" -w '%{http_code}' --max-time 30 -H 'Expect:' \
    -H 'Content-Type: application/json' -H "Webhook-Id: $pre-a" \
    --data-binary '{"event":"hold","data":{}}' "$BASE_A/pgsync" >"$D/out/hold.code" 2>&1 &
holder=$!
wait_for 100 eval 'grep -q "^start $pre-a A " "$RUNS" 2>/dev/null' || { fail "the hook on host A did not start"; pg_logs_show; case_end; }
to B
post_generic pgsync rec "$pre-b"
expect_error 429 busy && expect_header Retry-After '[0-9]+'
[ "$(runs_of "$pre-b")" = 0 ] || fail "$pre-b ran on B while A held the only place"
wait "$holder"
[ "$(cat "$D/out/hold.code")" = 200 ] || fail "the holder on A got $(cat "$D/out/hold.code"): $(head -c 200 "$D/out/hold.body")"
# The place is free again: the sender's retry runs (B's 429 released its
# delivery id, so it is no duplicate).
post_generic pgsync rec "$pre-b"
expect_status 200 && expect_json .status success
[ "$(runs_of "$pre-b")" = 1 ] || fail "$pre-b ran $(runs_of "$pre-b") times after the retry"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
