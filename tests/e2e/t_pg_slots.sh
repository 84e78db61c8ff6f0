# Two hosts, one database (pg_hosts.sh), max_running = 1 on both: the
# bound counts across the hosts (PostgreSQL advisory locks, db_slots.c).
# While a sync hook runs on A, a sync delivery at B is answered 429 with
# Retry-After at once (the global bound does not wait); once A's hook
# has finished, the slot is free and B runs its own.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up 'max_running = 1'
pre=$(new_id)
pg_hook pgsync/hold "printf 'start %s\n' \"\$HOOKLINE_DELIVERY\" >>$RUNS
sleep 4
printf 'end %s\n' \"\$HOOKLINE_DELIVERY\" >>$RUNS"
chmod go-w "$D/hooks.d/pgsync/hold"

# A's delivery, in the background: it holds the one slot for 4 s.
curl -sS -o "$D/out/a.body" -w '%{http_code}' --max-time 60 -H 'Expect:' \
    -H 'Content-Type: application/json' -H "Webhook-Id: $pre-a" \
    --data-binary '{"event":"hold","data":{}}' "$BASE_A/pgsync" \
    >"$D/out/a.code" 2>"$D/out/a.err" &
held=$!
wait_for 300 grep -qx "start $pre-a" "$RUNS" || fail "A's hook did not start within 30 s"

# B, meanwhile: over the bound that A holds.
to B
post_generic pgsync hold "$pre-b"
expect_status 429 && expect_json .error busy
grep -qx "start $pre-b" "$RUNS" && fail "B ran its hook while A's held the only slot"

wait "$held"
[ "$(cat "$D/out/a.code")" = 200 ] || fail "A's delivery answered $(cat "$D/out/a.code"): $(head -c 300 "$D/out/a.body")"
grep -qx "end $pre-a" "$RUNS" || fail "A's hook did not finish"

# Free again: B's retry runs (a 429 released its id).
post_generic pgsync hold "$pre-b"
expect_status 200 && expect_json .status success
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
