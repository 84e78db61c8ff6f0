# After a scripted mix of deliveries (a success, a hook failure, a bad
# signature, a duplicate, an async delivery retried until dead) and a
# refused look at /-/metrics the
# metrics moved by exactly what was sent (two scrapes parsed by the
# Prometheus Python client's parser, the differences compared), and
# hookline stats --json shows the dead letter and its replay command.
. "$E2E_DIR/status_lib.sh"
. "$E2E_DIR/async_lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import prometheus_client' 2>/dev/null; then
	[ "${CI:-}" = true ] && fail "python3-prometheus-client is not installed (.ci/run installs it)"
	skip "python3-prometheus-client is not installed"
fi
async_setup
status_setup token
hook async/mixdead "exit 1"

scrape() {	# scrape FILE: the metrics now
	mon metrics
	expect_status 200 || return 1
	cp "$BODY" "$1"
}
before=$ROOT/data/metrics.before
after=$ROOT/data/metrics.after
scrape "$before"

ok=$(new_id)
post_generic generic ok "$ok"
expect_status 200
expect_json .status success
post_generic generic fail "$(new_id)"
expect_error 500 hook_failed
post_generic generic ok "$ok"
expect_status 200
expect_json .status duplicate
req POST github -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
    -H "X-GitHub-Delivery: $(new_id)" -H 'X-Hub-Signature-256: sha256=00' \
    --data-binary '{"zen":"x"}'
expect_error 401 invalid_signature
# A look at /-/metrics without the token: the monitor's own counter,
# never a webhook request nor a signature failure.
req GET -/metrics
expect_error 401 unauthorized
dead=$(new_id)
post_generic async mixdead "$dead"
expect_status 202
wait_for 150 listed dead "$dead" 3 || fail "not dead after 15 s: $(hl list 2>&1 | tail -n 3)"
# The drainer counts its run as it finishes: let it.
wait_for 50 eval '! drainer_pid >/dev/null'
scrape "$after"

$PY "$E2E_DIR/metrics_delta.py" "$before" "$after" >"$ROOT/data/metrics.delta" ||
    fail "the metrics do not parse: $(head -c 300 "$ROOT/data/metrics.delta")"
expect_delta() {	# expect_delta SAMPLE VALUE
	grep -qxF -- "$1 $2" "$ROOT/data/metrics.delta" ||
	    fail "expected $1 to move by $2; moved: $(grep -F -- "${1%%\{*}" "$ROOT/data/metrics.delta" | tr '\n' ';')"
}
expect_delta 'hookline_requests_total{code="",endpoint="generic",status="200"}' 2
expect_delta 'hookline_requests_total{code="hook_failed",endpoint="generic",status="500"}' 1
expect_delta 'hookline_requests_total{code="invalid_signature",endpoint="github",status="401"}' 1
expect_delta 'hookline_requests_total{code="",endpoint="async",status="202"}' 1
expect_delta 'hookline_signature_failures_total{endpoint="github"}' 1
expect_delta 'hookline_duplicates_total{endpoint="generic"}' 1
expect_delta 'hookline_monitor_refused_total{reason="token"}' 1
sigs=$(grep '^hookline_signature_failures_total' "$ROOT/data/metrics.delta" | grep -cv 'endpoint="github"' || true)
[ "$sigs" = 0 ] || fail "other signature failures moved: $(grep '^hookline_signature_failures_total' "$ROOT/data/metrics.delta" | tr '\n' ';')"
expect_delta 'hookline_hook_runs_total{endpoint="generic",hook="ok",result="success"}' 1
expect_delta 'hookline_hook_runs_total{endpoint="generic",hook="fail",result="failure"}' 1
expect_delta 'hookline_hook_runs_total{endpoint="async",hook="mixdead",result="failure"}' 3
expect_delta 'hookline_hook_duration_seconds_count{endpoint="async",hook="mixdead"}' 3
# The dead gauge is what the spool holds (an earlier case's delivery
# may die meanwhile too): the number hookline list --dead gives.
ndead=$(hl list --dead --json | jq length)
gauge=$(sed -n 's/^hookline_spool_deliveries{state="dead"} //p' "$after")
[ "$gauge" = "$ndead" ] || fail "hookline_spool_deliveries{state=\"dead\"} is $gauge, list --dead has $ndead"
grep -q '^hookline_spool_deliveries{state="dead"} ' "$ROOT/data/metrics.delta" ||
    fail "the dead gauge did not move"
# Nothing else was sent: no other request counter moved.
others=$(grep '^hookline_requests_total' "$ROOT/data/metrics.delta" | grep -cv \
    -e 'endpoint="generic",status="200"' -e 'code="hook_failed"' \
    -e 'code="invalid_signature",endpoint="github"' -e 'endpoint="async",status="202"' || true)
[ "$others" = 0 ] || fail "other request counters moved: $(grep '^hookline_requests_total' "$ROOT/data/metrics.delta" | tr '\n' ';')"

# hookline stats: the same summary for a terminal and as JSON.
hl stats --json >"$ROOT/data/stats.json" || fail "hookline stats --json failed"
jq -e --arg id "$dead" --arg conf "$ROOT/etc/hookline.conf" \
    '.dead | map(select(.delivery == $id and .endpoint == "async" and
    (.replay | startswith("hookline replay -c " + $conf + " ")))) | length == 1' \
    "$ROOT/data/stats.json" >/dev/null || fail "stats --json lacks the dead letter $dead: $(jq -c .dead "$ROOT/data/stats.json" | head -c 400)"
jq -e --arg id "$ok" '.recent | map(select(.delivery == $id and .outcome == "success")) | length >= 1' \
    "$ROOT/data/stats.json" >/dev/null || fail "stats --json lacks the delivery $ok"
jq -e '.endpoints | map(select(.name == "generic")) | .[0].day.success >= 1' \
    "$ROOT/data/stats.json" >/dev/null || fail "stats --json: no success for generic in 24 h"
text=$(hl stats) || fail "hookline stats failed"
printf '%s\n' "$text" | grep -qF "hookline replay -c $ROOT/etc/hookline.conf" ||
    fail "hookline stats shows no replay command"
printf '%s\n' "$text" | grep -qF -- "$dead" || fail "hookline stats does not show $dead"
