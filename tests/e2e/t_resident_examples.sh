# The shipped resident examples work as shipped (their LOG moved into the
# test folder): examples/hooks.d/github/issues.resident (Python) and
# star.resident (shell) answer signed GitHub deliveries, twice each (the
# second to the same worker where the server keeps one), and
# examples/resident.c, compiled, answers generic ones. Under apache-cgi
# they run one-shot.
. "$E2E_DIR/resident_lib.sh"
command -v cc >/dev/null 2>&1 || skip "no C compiler"
G=$ROOT/etc/hooks.d/github
L=$ROOT/out/examples.log
for f in issues.resident star.resident; do
	sed "s|^LOG=\([\"']\{0,1\}\).*|LOG=\1$L\1|" "$REPO/examples/hooks.d/github/$f" >"$G/.$f.tmp"
	chmod 0755 "$G/.$f.tmp"
	mv -f "$G/.$f.tmp" "$G/$f"
done
cc -O2 -o "$ROOT/etc/hooks.d/generic/cres.resident" "$REPO/examples/resident.c" ||
    fail "examples/resident.c does not compile"
res_ready github/issues.resident github/star.resident generic/cres.resident

gh() {	# gh EVENT BODY: a signed GitHub delivery; sets ID
	ID=$(new_id)
	printf '%s' "$2" >"$ROOT/data/gh.body"
	req POST github -H 'Content-Type: application/json' -H "X-GitHub-Event: $1" \
	    -H "X-GitHub-Delivery: $ID" \
	    -H "X-Hub-Signature-256: $(github_sign "$GITHUB_SECRET" "$ROOT/data/gh.body")" \
	    --data-binary @"$ROOT/data/gh.body"
}
for i in 1 2; do
	gh issues "{\"action\":\"opened\",\"issue\":{\"number\":$i,\"title\":\"Bug\\u001b[31m $i\"}}"
	expect_status 200 && expect_json .status success && expect_json '.hooks[0].hook' issues.resident
	grep -qF "github issues delivery=$ID action=opened #$i \"Bug[31m $i\"" "$L" ||
	    fail "issues.resident logged no line for $ID: $(tail -n 2 "$L" 2>/dev/null)"
	gh star "{\"action\":\"created\",\"sender\":{\"login\":\"octo$i\"}}"
	expect_status 200 && expect_json .status success && expect_json '.hooks[0].hook' star.resident
	grep -qF "github star delivery=$ID action=created by=octo$i" "$L" ||
	    fail "star.resident logged no line for $ID: $(tail -n 2 "$L" 2>/dev/null)"
done
# A payload the Python example cannot handle ("issue" is no object):
# that delivery fails (its traceback in the log's stderr tail), the
# next one succeeds.
gh issues '{"action":"opened","issue":5}'
expect_error 500 hook_failed
wait_for 30 eval "cat $LOGS 2>/dev/null | grep -F '$ID' | grep -q Traceback" ||
    fail "no traceback in the log line of $ID"
gh issues '{"action":"closed","issue":{"number":3,"title":"t"}}'
expect_status 200 && expect_json .status success
for i in 1 2 3 4 5; do
	post_json generic "{\"event\":\"cres.resident\",\"data\":{\"n\":$i}}"
	expect_status 200 && expect_json .status success && expect_json '.hooks[0].hook' cres.resident
done
