# The github provider with a secret: a correctly signed delivery runs
# its hook; a missing, wrong or otherwise-keyed signature is 401
# invalid_signature and runs nothing. The secret is never in an answer
# or a log line.
push=$ROOT/data/push.json
printf '%s' '{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567","repository":{"full_name":"octo/hello"},"head_commit":{"id":"0123456789abcdef0123456789abcdef01234567","message":"Hello"}}' >"$push"
sig=$(github_sign "$GITHUB_SECRET" "$push")

gh() {	# gh ID [curl options...]
	local id=$1
	shift
	req POST github -H 'Content-Type: application/json' \
	    -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $id" \
	    -H 'User-Agent: GitHub-Hookshot/e2e' --data-binary "@$push" "$@"
}

id=$(uuidgen 2>/dev/null || new_id)
gh "$id" -H "X-Hub-Signature-256: $sig"
expect_status 200
expect_json .status success
expect_json .event push
expect_json .delivery "$id"
expect_lines "$ROOT/out/github.log" "$id" "push $id"
expect_log "$id" 200

bad=$(new_id)
gh "$bad"
expect_error 401 invalid_signature
gh "$bad" -H "X-Hub-Signature-256: $(github_sign wrong-secret "$push")"
expect_error 401 invalid_signature
gh "$bad" -H "X-Hub-Signature-256: sha256=$(printf '0%.0s' $(seq 64))"
expect_error 401 invalid_signature
gh "$bad" -H "X-Hub-Signature-256: ${sig%?}"
expect_error 401 invalid_signature
# Signed, then one byte of the body changed.
sed 's/Hello/Hellp/' "$push" >"$ROOT/data/push-changed.json"
req POST github -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
    -H "X-GitHub-Delivery: $bad" -H "X-Hub-Signature-256: $sig" \
    --data-binary "@$ROOT/data/push-changed.json"
expect_error 401 invalid_signature
expect_lines "$ROOT/out/github.log" "$bad" ""

for f in $LOGS "$ROOT"/data/*.body; do
	[ -f "$f" ] || continue
	if grep -qF "$GITHUB_SECRET" "$f"; then
		fail "the secret appears in $(basename "$f")"
	fi
done
