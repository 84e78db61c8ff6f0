# A process that starts with a configuration that does not load (a fresh
# start after a typo) answers the contract's JSON 503 unavailable with
# Retry-After, not the web server's HTML 500; the reason (file, line,
# key) is in the server's error log and in the log file the broken
# configuration names; once the file is fixed, the same server answers
# again (FastCGI: the running process picks the fix up).
c=$ROOT/etc/hookline.conf
cp "$c" "$ROOT/data/good.conf"
bad_log=$ROOT/log/badstart-$SERVER.log
# The log key comes first, so the loader reads that far; then the typo.
sed -i "1a log = $bad_log\nnot_a_key = 1" "$c"
sed -i '/^log *= *stderr$/d' "$c"
restore() { cp "$ROOT/data/good.conf" "$c"; }
# New processes start on it: CGI runs one per request; the FastCGI
# servers start new ones when theirs are gone (by our path; drainers
# have arguments).
pids=$(pgrep -f "^$ROOT/bin/hookline\$" || true)
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
# The server may answer its own 503 while it brings the backend back.
from_hookline() {
	id=$(new_id)
	post_generic generic ok "$id"
	[ "$STATUS" != 503 ] || jq -e '.error == "unavailable"' <"$BODY" >/dev/null 2>&1
}
wait_for 300 from_hookline || fail "no answer from a new process in 30 s"
expect_error 503 unavailable
expect_header Retry-After '[0-9]+'
[ -s "$ROOT/out/ok.log" ] && grep -qF "$id" "$ROOT/out/ok.log" && fail "a hook ran without a configuration"
# Where the operator looks: the server's error log (hookline's stderr)
# and the log the file names.
line=$(grep -n '^not_a_key' "$c" | cut -d: -f1)
why="$c:$line: unknown key 'not_a_key'"
found=0
for f in $LOGS; do
	grep -qF "$why" "$f" 2>/dev/null && found=1
done
[ "$found" = 1 ] || fail "no '$why' in the server's logs ($LOGS)"
grep -qF "$why" "$bad_log" 2>/dev/null || fail "no '$why' in $bad_log"
# Fixed: the next request is served.
restore
conf_settle
id=$(new_id)
post_generic generic ok "$id"
expect_status 200 && expect_json .status success
