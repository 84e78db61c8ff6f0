# Who may look at /-/metrics, /-/health and /-/status: off until
# hookline.conf turns them on; then the bearer token (401 without it,
# counted as a monitor refusal, logged without the token), GET and HEAD
# only (405), an unknown /-/ URL 404, and never a hook.
. "$E2E_DIR/status_lib.sh"

# Off until configured (unless an earlier case of this run turned them
# on: the cases share one hookline.conf per server).
if ! grep -q '^monitor ' "$ROOT/etc/hookline.conf"; then
	req GET -/status
	expect_error 404 not_found
fi
status_setup token

# Without a token, with a wrong one, with another scheme: 401.
for p in metrics health status; do
	req GET "-/$p"
	expect_error 401 unauthorized
	expect_header WWW-Authenticate 'Bearer realm="hookline"'
done
req GET -/status -H "Authorization: Bearer wrong-$MONITOR_TOKEN"
expect_error 401 unauthorized
expect_header WWW-Authenticate 'Bearer realm="hookline", error="invalid_token"'
req GET -/status -H "Authorization: Basic $(printf 'x:%s' "$MONITOR_TOKEN" | base64 -w0)"
expect_error 401 unauthorized
# Counted as the monitor's refusals (never as webhook requests nor as
# signature failures), and logged without the token given.
mon metrics
awk '/^hookline_monitor_refused_total\{reason="token"\} / && $2 >= 5 { ok = 1 } END { exit !ok }' "$BODY" ||
    fail "the 401s are not counted: $(grep monitor_refused "$BODY")"
! grep -qE '^hookline_requests_total\{.*code="unauthorized"|^hookline_signature_failures_total\{endpoint="\(unknown\)"' "$BODY" ||
    fail "a monitor 401 was counted as a webhook request or signature failure"
wait_for 30 eval "cat $LOGS 2>/dev/null | grep -F '\"monitor\":\"/-/status\"' | grep -q 'wrong bearer token'" ||
    fail "no log line for the refused /-/status"
# shellcheck disable=SC2086
if cat $LOGS 2>/dev/null | grep -qF -- "$MONITOR_TOKEN"; then
	fail "the token is in a log"
fi

# With it: each answers, GET and HEAD.
mon health
expect_status 200
expect_json .status ok
mon status
expect_status 200
expect_header Content-Type 'text/html; charset=utf-8'
expect_header Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'.*"
grep -q '<!DOCTYPE html>' "$BODY" || fail "the status page is no HTML page"
mon metrics
expect_status 200
expect_header Content-Type 'text/plain; version=0.0.4; charset=utf-8'
grep -q '^hookline_build_info{' "$BODY" || fail "no hookline_build_info in the metrics"
mon metrics -H 'Accept: application/openmetrics-text; version=1.0.0'
expect_header Content-Type 'application/openmetrics-text; version=1.0.0; charset=utf-8'
[ "$(tail -n 1 "$BODY")" = '# EOF' ] || fail "OpenMetrics does not end with # EOF"
head_out=$(curl -sS -I --max-time 30 -H "Authorization: Bearer $MONITOR_TOKEN" "$BASE/-/status")
printf '%s\n' "$head_out" | head -n 1 | grep -q ' 200' || fail "HEAD: $(printf '%s' "$head_out" | head -n 1)"
printf '%s\n' "$head_out" | grep -qi '^content-type: text/html' || fail "HEAD: no Content-Type text/html"

# Anything but GET and HEAD: 405, whatever the token; nothing runs.
for m in POST PUT DELETE OPTIONS; do
	mon status -X "$m" -H 'Content-Type: application/json' --data-binary '{"event":"ok","data":{}}'
	expect_error 405 method_not_allowed
	expect_header Allow 'GET, HEAD'
done
# An unknown /-/ URL, also with the token: 404.
for p in nope status/x health/ Status; do
	mon "$p"
	expect_error 404 not_found
done
[ -e "$ROOT/out/ok.log" ] && grep -q -- '-/' "$ROOT/out/ok.log" && fail "a hook ran for /-/"
true
