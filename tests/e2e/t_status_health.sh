# /-/health: 200 {"status":"ok"} while the spool takes files; 503 with
# the reason once the serving user cannot write it (chmod: the tests may
# run as root, the server as www-data), and 200 again when it can.
. "$E2E_DIR/status_lib.sh"
status_setup token

mon health
expect_status 200
expect_json_type
expect_json .status ok
expect_json .checks.spool ok

# Who writes the spool: the web server's user (as root: $WWW_USER).
if [ "$(id -u)" -eq 0 ] && ! id "$WWW_USER" >/dev/null 2>&1; then
	skip "the server runs as root here: no chmod stops it writing"
fi
tmpdir=$ROOT/spool/tmp
mode=$(stat -c %a "$tmpdir") || fail "no $tmpdir"
chmod 0555 "$tmpdir"
mon health
expect_status 503
expect_json_type
expect_json .status error
expect_jq '.reason | test("spool not writable")' "the reason names the spool"
expect_jq '.checks.spool | test("Permission denied")' "checks.spool says why"
expect_header Retry-After 30
# HEAD says the same, without a body.
code=$(curl -sS -I -o /dev/null -w '%{http_code}' --max-time 30 \
    -H "Authorization: Bearer $MONITOR_TOKEN" "$BASE/-/health")
[ "$code" = 503 ] || fail "HEAD /-/health answered $code while the spool is unwritable"
chmod "$mode" "$tmpdir"
mon health
expect_status 200
expect_json .status ok
