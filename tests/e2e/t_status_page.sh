# The status page in a real browser (Debian's chromium, headless): after
# more than 50 deliveries it shows the 50-row table and the 48-hour
# chart (checked in the DOM), a sender's hostile delivery id as text,
# nothing loaded from anywhere (no outside URL in the DOM, the CSP
# header); a screenshot is kept in build/ as the test's artifact.
# Without the token the page is 401 (curl).
. "$E2E_DIR/status_lib.sh"
CHROMIUM=$(command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true)
if [ -z "$CHROMIUM" ]; then
	[ "${CI:-}" = true ] && { fail "chromium is not installed (.ci/run installs it)"; case_end; }
	skip "chromium is not installed (apt-get install chromium)"
fi

# A mix, then enough successes for the table to be full.
hostile="<img/src=x/onerror=alert(1)>\"onload='x$RANDOM"
post_generic generic fail "$(new_id)"
expect_error 500 hook_failed
post_generic generic nohook "$(new_id)"
expect_json .status ignored
for i in $(seq 1 52); do
	post_generic generic ok "$(new_id)"
	[ "$STATUS" = 200 ] || { fail "delivery $i answered $STATUS"; break; }
done
post_generic generic ok "$hostile"
expect_status 200

# Without the token: 401, no page.
status_setup token
req GET -/status
expect_error 401 unauthorized
grep -q '<html' "$BODY" && fail "the 401 carries the page"
mon status
expect_status 200
expect_header Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'.*"

# The browser cannot send a token: 127.0.0.1 alone may look.
status_setup ip
req GET -/status
expect_status 200

browse() {	# browse OUT [chromium options...]: headless, nothing cached
	local out=$1 prof
	shift
	prof=$(mktemp -d "$ROOT/tmp/chromium.XXXXXX")
	# Any name but 127.0.0.1 resolves to nothing: an outside load
	# could not succeed, and the DOM is checked for one all the same.
	HOME=$prof timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --disable-dev-shm-usage \
	    --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' \
	    --user-data-dir="$prof/data" "$@" "$BASE/-/status" \
	    >"$out" 2>"$out.err"
	local rc=$?
	rm -rf "$prof"
	return $rc
}
dom=$ROOT/data/status.dom
browse "$dom" --dump-dom || fail "chromium --dump-dom failed: $(tail -n 3 "$dom.err")"
rows=$(grep -o '<tr class="delivery">' "$dom" | wc -l)
[ "$rows" = 50 ] || fail "the table has $rows delivery rows, not 50"
grep -q '<table id="recent-table">' "$dom" || fail "no recent-table in the DOM"
grep -q '<svg id="chart-svg"' "$dom" || fail "no chart in the DOM"
bars=$(grep -o '<g class="bar">' "$dom" | wc -l)
[ "$bars" = 48 ] || fail "the chart has $bars hours, not 48"
grep -q '<rect class="o-success"' "$dom" || fail "the chart has no success bar"
grep -q '<rect class="o-failure"' "$dom" || fail "the chart has no failure bar"
grep -q '<ul class="legend">' "$dom" || fail "the chart has no legend"
grep -q '<desc id="chart-desc">' "$dom" || fail "the chart has no text alternative"
# Nothing from outside, nothing that runs.
grep -Eio '(https?:)?//[a-z0-9.-]+' "$dom" | grep -v '^//127\.0\.0\.1' | head -n 3 |
    while read -r u; do fail "an outside URL in the DOM: $u"; done
grep -qi '<script' "$dom" && fail "a script element in the DOM"
grep -qi '<img' "$dom" && fail "the hostile delivery id became an element"
grep -qF "&lt;img/src=x/onerror=alert(1)&gt;\"onload='x" "$dom" ||
    fail "the hostile delivery id is not shown as text"
# The artifact: the page as a person sees it, desktop and phone.
mkdir -p "$REPO/build"
shot=$REPO/build/status-page-$SERVER.png
browse "$ROOT/data/shot.out" --screenshot="$shot" --window-size=1280,1900 --hide-scrollbars ||
    fail "chromium --screenshot failed: $(tail -n 3 "$ROOT/data/shot.out.err")"
[ -s "$shot" ] || fail "no screenshot in $shot"
browse "$ROOT/data/shot.out" --screenshot="$REPO/build/status-page-$SERVER-phone.png" \
    --window-size=390,1400 --hide-scrollbars || fail "the phone screenshot failed"
status_setup token
