# Every provider's signature through the web server, one endpoint each
# ([pv-*], two secrets: rotation): a delivery signed as the sender signs
# it (openssl here; `hookline send` too where it can sign) is 200
# success and its hook runs with the sender's event and delivery id;
# signed with the second secret line too. A tampered body, a wrong
# secret or key, a missing signature or timestamp header, a timestamp one
# second past the tolerance is 401 invalid_signature and runs nothing;
# exactly the tolerance old is accepted. Slack's url_verification is
# answered with its challenge and Discord's PING with {"type":1}, both
# without running a hook. No secret is in an answer or a log line.
O=$ROOT/out
E=$ROOT/etc
CONF=$E/hookline.conf
HL=$ROOT/bin/hookline
LOG=$O/providers.log
D=$ROOT/data/providers
mkdir -p "$D"
PUBLIC=https://hooks.example.test/hooks

rand_hex() {	# rand_hex BYTES
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}
whsec() {	# a Standard Webhooks secret: whsec_ and base64 of 24 bytes
	printf 'whsec_%s' "$(head -c 24 /dev/urandom | base64 -w0)"
}
secret_for() {	# secret_for ENDPOINT: a fresh secret of the sender's kind
	case $1 in
	generic|standard) whsec ;;
	stripe) printf 'whsec_%s' "$(rand_hex 16)" ;;	# the key is the whole text
	*) printf '%s-%s' "$1" "$(rand_hex 12)" ;;
	esac
}
WWW_GROUP=
if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
	WWW_GROUP=$(id -gn "$WWW_USER")
fi
keep_secret() {	# keep_secret FILE...: readable by the web server's group only
	if [ -n "$WWW_GROUP" ]; then
		chgrp "$WWW_GROUP" "$@"
		chmod 0640 "$@"
	else
		chmod 0644 "$@"
	fi
}
ed25519_key() {	# ed25519_key FILE: a new private key (PEM)
	openssl genpkey -algorithm ed25519 -out "$1" 2>/dev/null
}
ed25519_pub() {	# ed25519_pub FILE: the raw 32-byte public key, on stdout
	openssl pkey -in "$1" -pubout -outform DER | tail -c 32
}

SECRETED="github gitlab gitea bitbucket stripe slack standard shopify paddle square twilio hmac hmacts generic"

# The endpoints, added once per server root; the FastCGI processes
# reload the file when it changes (checked at most once a second).
if ! grep -q '^\[pv-github\]' "$CONF"; then
	for p in $SECRETED; do
		for f in secret secret2 wrong; do
			printf '%s\n' "$(secret_for "$p")" >"$E/pv-$p.$f"
		done
	done
	keep_secret "$E"/pv-*.secret "$E"/pv-*.secret2 "$E"/pv-*.wrong
	whsec >"$E/pv-gitlab.token"
	whsec >"$E/pv-gitlab.token-wrong"
	for k in discord discord-wrong standardv1a standardv1a-wrong; do
		ed25519_key "$E/pv-$k.pem" || fail "openssl cannot make an Ed25519 key"
	done
	discord_pub=$(ed25519_pub "$E/pv-discord.pem" | od -An -tx1 | tr -d ' \n')
	v1a_pub=whpk_$(ed25519_pub "$E/pv-standardv1a.pem" | base64 -w0)
	{
		cat "$CONF"
		for p in $SECRETED; do
			prov=$p
			[ "$p" = hmacts ] && prov=hmac
			printf '\n[pv-%s]\nprovider    = %s\nmode        = sync\nsecret_file = pv-%s.secret\nsecret_file = pv-%s.secret2\n' \
			    "$p" "$prov" "$p" "$p"
			case $p in
			gitlab) printf 'signing_token = %s\n' "$(cat "$E/pv-gitlab.token")" ;;
			square|twilio) printf 'public_url = %s/pv-%s\n' "$PUBLIC" "$p" ;;
			hmac) printf '%s\n' 'signature_header = X-Acme-Signature' \
			    'algorithm = sha512' 'encoding = base64' 'prefix = sha512=' \
			    'event_field = action' 'delivery_header = X-Acme-Delivery' ;;
			hmacts) printf '%s\n' 'signature_header = X-Sig' 'algorithm = sha1' \
			    'encoding = hex' 'timestamp_header = X-Sig-Timestamp' \
			    'signed_content = {id}:{timestamp}:{body}' \
			    'delivery_header = X-Sig-Id' 'event = acme.ping' ;;
			esac
		done
		printf '\n[pv-standardv1a]\nprovider   = standard\nmode       = sync\npublic_key = %s\n' "$v1a_pub"
		printf '\n[pv-discord]\nprovider   = discord\nmode       = sync\npublic_key = %s\ntolerance  = 300\n' "$discord_pub"
	} >"$D/conf.new"
	for p in $SECRETED standardv1a discord; do
		hook "pv-$p/_default" "printf '%s %s %s %s\n' \"\$HOOKLINE_ENDPOINT\" \"\$HOOKLINE_PROVIDER\" \"\$HOOKLINE_EVENT\" \"\$HOOKLINE_DELIVERY\" >>$LOG"
	done
	chmod -R go-w "$E/hooks.d"
	chmod 0644 "$D/conf.new"
	mv "$D/conf.new" "$CONF"	# at once: no process reads half a file
	sleep 1.1			# every process checks again on its next request
fi
probe() {
	req POST pv-discord -H 'Content-Type: application/json' --data-binary '{}'
	[ "$STATUS" = 401 ]
}
wait_for 50 probe || { fail "the pv-* endpoints did not appear"; show_answer; case_end; }

# --- signing as each sender does (openssl) ------------------------------
# sign_X ID TS SECRET-FILE BODY-FILE fills H (the sender's other
# headers), TSH (its timestamp headers) and SIG (its signature headers);
# body_X ID writes the body. Each body holds TAMPERME once.

mac() {	# mac ALG KEY hex|b64 < DATA
	local v
	if [ "$3" = hex ]; then
		v=$(openssl dgst "-$1" -hmac "$2" -r)
		printf '%s\n' "${v%% *}"
	else
		openssl dgst "-$1" -hmac "$2" -binary | base64 -w0
	fi
}
sw_mac() {	# sw_mac WHSEC < DATA: Standard Webhooks v1 (base64-decoded key)
	local hex
	hex=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
	openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hex" -binary | base64 -w0
}
ed_sign() {	# ed_sign PEM < DATA: the raw 64-byte signature
	local m=$D/ed.$BASHPID.msg
	cat >"$m"
	openssl pkeyutl -sign -inkey "$1" -rawin -in "$m"
}
sec() { head -n 1 "$1"; }
CTJ='Content-Type: application/json'
CTF='Content-Type: application/x-www-form-urlencoded'

body_github() { printf '{"ref":"refs/heads/main","zen":"TAMPERME","repository":{"full_name":"octo/hello"}}'; }
sign_github() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $1")
	SIG=(-H "X-Hub-Signature-256: sha256=$(mac sha256 "$K" hex <"$4")")
}
body_gitlab() { printf '{"object_kind":"push","ref":"refs/heads/main","message":"TAMPERME"}'; }
sign_gitlab() {
	H=(-H "$CTJ" -H 'X-Gitlab-Event: Push Hook' -H "X-Gitlab-Event-UUID: $1")
	SIG=(-H "X-Gitlab-Token: $(sec "$3")")
}
body_gitlabsig() { body_gitlab; }
sign_gitlabsig() {	# GitLab's signing token: Standard Webhooks headers
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H 'X-Gitlab-Event: Push Hook' -H "X-Gitlab-Event-UUID: $1" \
	    -H "Idempotency-Key: $1" -H "webhook-id: $1")
	TSH=(-H "webhook-timestamp: $2")
	SIG=(-H "webhook-signature: v1,$({ printf '%s.%s.' "$1" "$2"; cat "$4"; } | sw_mac "$K")")
}
body_gitea() { body_github; }
sign_gitea() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H 'X-Gitea-Event: push' -H "X-Gitea-Delivery: $1")
	SIG=(-H "X-Gitea-Signature: $(mac sha256 "$K" hex <"$4")")
}
body_giteaform() {	# payload=<the JSON, urlencoded>; Gitea signs the JSON
	printf 'payload=%s' "$(body_github | jq -sRr @uri)"
}
sign_giteaform() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTF" -H 'X-Gitea-Event: push' -H "X-Gitea-Delivery: $1")
	SIG=(-H "X-Gitea-Signature: $(body_github | mac sha256 "$K" hex)")
}
body_bitbucket() { printf '{"push":{"changes":[]},"actor":{"display_name":"TAMPERME"}}'; }
sign_bitbucket() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H 'X-Event-Key: repo:push' -H "X-Request-UUID: $1")
	SIG=(-H "X-Hub-Signature: sha256=$(mac sha256 "$K" hex <"$4")")
}
body_stripe() { printf '{"id":"%s","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","description":"TAMPERME"}}}' "$1"; }
sign_stripe() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ")
	SIG=(-H "Stripe-Signature: t=$2,v1=$({ printf '%s.' "$2"; cat "$4"; } | mac sha256 "$K" hex)")
}
body_slack() { printf '{"type":"event_callback","event_id":"%s","event":{"type":"app_mention","text":"TAMPERME"}}' "$1"; }
sign_slack() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ")
	TSH=(-H "X-Slack-Request-Timestamp: $2")
	SIG=(-H "X-Slack-Signature: v0=$({ printf 'v0:%s:' "$2"; cat "$4"; } | mac sha256 "$K" hex)")
}
body_standard() { printf '{"type":"user.created","timestamp":"2024-01-01T00:00:00Z","data":{"name":"TAMPERME"}}'; }
sign_standard() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H "webhook-id: $1")
	TSH=(-H "webhook-timestamp: $2")
	SIG=(-H "webhook-signature: v1,$({ printf '%s.%s.' "$1" "$2"; cat "$4"; } | sw_mac "$K")")
}
body_standardv1a() { body_standard; }
sign_standardv1a() {	# the "secret" is the sender's private key
	H=(-H "$CTJ" -H "webhook-id: $1")
	TSH=(-H "webhook-timestamp: $2")
	SIG=(-H "webhook-signature: v1a,$({ printf '%s.%s.' "$1" "$2"; cat "$4"; } | ed_sign "$3" | base64 -w0)")
}
body_shopify() { printf '{"id":820982911946154508,"email":"TAMPERME@example.com"}'; }
sign_shopify() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H 'X-Shopify-Topic: orders/create' -H "X-Shopify-Webhook-Id: $1")
	SIG=(-H "X-Shopify-Hmac-Sha256: $(mac sha256 "$K" b64 <"$4")")
}
body_paddle() { printf '{"event_id":"%s","event_type":"transaction.completed","data":{"id":"txn_1","note":"TAMPERME"}}' "$1"; }
sign_paddle() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ")
	SIG=(-H "Paddle-Signature: ts=$2;h1=$({ printf '%s:' "$2"; cat "$4"; } | mac sha256 "$K" hex)")
}
body_square() { printf '{"merchant_id":"M1","type":"payment.created","event_id":"%s","data":{"id":"TAMPERME"}}' "$1"; }
sign_square() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ")
	SIG=(-H "X-Square-Hmacsha256-Signature: $({ printf '%s' "$PUBLIC/pv-square"; cat "$4"; } | mac sha256 "$K" b64)")
}
# Twilio: the URL it requested (public_url and the query string), then
# each field name and value in sorted order, HMAC-SHA1, base64. The
# body's fields are out of order on purpose; %2B is a '+', '+' a space.
TWILIO_QS='foo=1&bar=2'
body_twilio() { printf 'To=%%2B14155550199&From=%%2B14155550100&Body=Hello+TAMPERME&CallSid=CA%s&AccountSid=ACe2e' "$(printf '%s' "$1" | tr -dc 0-9a-f)"; }
sign_twilio() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTF" -H "I-Twilio-Idempotency-Token: $1")
	SIG=(-H "X-Twilio-Signature: $(printf '%s?%sAccountSidACe2eBodyHello TAMPERMECallSidCA%sFrom+14155550100To+14155550199' \
	    "$PUBLIC/pv-twilio" "$TWILIO_QS" "$(printf '%s' "$1" | tr -dc 0-9a-f)" | mac sha1 "$K" b64)")
}
# Discord: an interaction (type 2, an application command), signed with
# Ed25519 over the timestamp then the body; the public key is hex.
body_discord() { printf '{"id":"%s","application_id":"11","type":2,"data":{"name":"TAMPERME"},"token":"t","version":1}' "$1"; }
sign_discord() {
	H=(-H "$CTJ")
	TSH=(-H "X-Signature-Timestamp: $2")
	SIG=(-H "X-Signature-Ed25519: $({ printf '%s' "$2"; cat "$4"; } | ed_sign "$3" | od -An -tx1 | tr -d ' \n')")
}
body_hmac() { printf '{"action":"order.paid","order":{"note":"TAMPERME"}}'; }
sign_hmac() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H "X-Acme-Delivery: $1")
	SIG=(-H "X-Acme-Signature: sha512=$(mac sha512 "$K" b64 <"$4")")
}
body_hmacts() { printf '{"note":"TAMPERME"}'; }
sign_hmacts() {
	local K
	IFS= read -r K <"$3"
	H=(-H "$CTJ" -H "X-Sig-Id: $1")
	TSH=(-H "X-Sig-Timestamp: $2")
	SIG=(-H "X-Sig: $({ printf '%s:%s:' "$1" "$2"; cat "$4"; } | mac sha1 "$K" hex)")
}
body_generic() { printf '{"event":"ping","data":{"note":"TAMPERME"}}'; }
sign_generic() { sign_standard "$@"; }

# Per scheme: its endpoint, provider, event, timestamp tolerance ("" for
# none), its two secret files (or keys) and a wrong one.
declare -A EP PROV EVENT TOL S1 S2 WRONG
for p in $SECRETED; do
	EP[$p]=pv-$p PROV[$p]=$p S1[$p]=$E/pv-$p.secret S2[$p]=$E/pv-$p.secret2 WRONG[$p]=$E/pv-$p.wrong TOL[$p]=
done
PROV[hmacts]=hmac
EP[giteaform]=pv-gitea PROV[giteaform]=gitea S1[giteaform]=${S1[gitea]} S2[giteaform]=${S2[gitea]} WRONG[giteaform]=${WRONG[gitea]}
EP[gitlabsig]=pv-gitlab PROV[gitlabsig]=gitlab S1[gitlabsig]=$E/pv-gitlab.token S2[gitlabsig]= WRONG[gitlabsig]=$E/pv-gitlab.token-wrong
EP[standardv1a]=pv-standardv1a PROV[standardv1a]=standard S1[standardv1a]=$E/pv-standardv1a.pem S2[standardv1a]= WRONG[standardv1a]=$E/pv-standardv1a-wrong.pem
EP[discord]=pv-discord PROV[discord]=discord S1[discord]=$E/pv-discord.pem S2[discord]= WRONG[discord]=$E/pv-discord-wrong.pem
EVENT=([github]=push [gitlab]=push [gitlabsig]=push [gitea]=push [giteaform]=push
	[bitbucket]=repo:push [stripe]=payment_intent.succeeded [slack]=app_mention
	[standard]=user.created [standardv1a]=user.created [shopify]=orders.create
	[paddle]=transaction.completed [square]=payment.created [twilio]=twilio
	[discord]=application_command [hmac]=order.paid [hmacts]=acme.ping [generic]=ping)
TOL[stripe]=300 TOL[slack]=300 TOL[standard]=300 TOL[standardv1a]=300
TOL[generic]=300 TOL[gitlabsig]=300 TOL[paddle]=5 TOL[discord]=300 TOL[hmacts]=300
# What `hookline send` signs for; with the same events as above.
SENDS=" generic github gitlab gitea bitbucket stripe slack standard shopify paddle "

# deliver SCHEME MODE ID TS SECRET-FILE: one request signed with curl.
# MODE: good; tamper (signed, then one byte of the body changed); nosig
# (no signature header); nots (no timestamp header). prepare signs and
# leaves req's arguments in ARGS.
prepare() {
	local s=$1 mode=$2 id=$3 ts=$4 key=$5 f path
	f=$D/$s.$id.body
	"body_$s" "$id" >"$f"
	H=() TSH=() SIG=()
	"sign_$s" "$id" "$ts" "$key" "$f"
	case $mode in
	tamper) sed 's/TAMPERME/TAMPERED/' "$f" >"$f.t"; f=$f.t ;;
	nosig) SIG=() ;;
	nots) TSH=() ;;
	esac
	path=${EP[$s]}
	[ "$s" = twilio ] && path=$path?$TWILIO_QS
	ARGS=(POST "$path" "${H[@]}" "${TSH[@]}" "${SIG[@]}" --data-binary "@$f")
}
deliver() {
	prepare "$@"
	req "${ARGS[@]}"
}

# hsend SCHEME ID TS SECRET-FILE: a delivery by `hookline send` (its
# sample body for the sender), with the answer as req leaves it.
hsend() {
	local s=$1 out=$D/send.$1.out
	"$HL" send "$BASE/${EP[$s]}" --provider "${PROV[$s]}" --secret-file "$4" \
	    --delivery "$2" --timestamp "$3" --timeout 10 >"$out" 2>"$out.err"
	CURL_RC=0
	STATUS=$(head -n 1 "$out" | sed -n 's,^HTTP/[0-9.]* \([0-9][0-9][0-9]\).*,\1,p')
	STATUS=${STATUS:-000}
	BODY=$D/send.$1.body
	tail -n +2 "$out" >"$BODY"
	BODY_TEXT=$(head -c 600 "$BODY" | tr '\n\r' '  ')
	LAST_REQ="hookline send $BASE/${EP[$s]} --provider ${PROV[$s]} --timestamp $3 ($(head -c 200 "$out.err"))"
}

# signed SCHEME ID TS SECRET-FILE: by hookline send where it can sign
# for this sender, else by deliver.
signed() {
	case $SENDS in
	*" $1 "*) hsend "$@" ;;
	*) deliver "$1" good "$2" "$3" "$4" ;;
	esac
}

# accepted SCHEME ID: 200 success, and the hook ran once with the
# sender's event and delivery id.
# (The answers are checked by substring first, jq only to explain a
# mismatch: a process less per request, and there are many.)
has() {	# has "KEY":VALUE...: the answer holds each
	local kv
	for kv in "$@"; do
		case $BODY_TEXT in *"$kv"*) ;; *) return 1 ;; esac
	done
}
OKIDS=()
accepted() {
	local s=$1 id=$2
	expect_status 200 || return 1
	has '"status":"success"' "\"event\":\"${EVENT[$s]}\"" "\"delivery\":\"$id\"" ||
	    expect_jq "$(printf '.status == "success" and .event == "%s" and .delivery == "%s"' \
	    "${EVENT[$s]}" "$id")" "success, event ${EVENT[$s]}, delivery $id"
	expect_lines "$LOG" " $id" "${EP[$s]} ${PROV[$s]} ${EVENT[$s]} $id"
	OKIDS+=("$id")
}
refused() {	# refused WHAT
	expect_status 401 || { note "(that was: $1)"; return 1; }
	has '"status":"error"' '"error":"invalid_signature"' ||
	    expect_jq '.status == "error" and .error == "invalid_signature"' \
	    "error invalid_signature ($1)"
}

# boundaries SCHEME...: for each, a delivery signed exactly the
# tolerance ago is accepted. All are signed ahead for a second to come
# and sent at once as it begins. A 401 that came after that second was
# over says nothing (hookline may have seen one second more): those are
# tried again one by one, 3 times at most, and else noted as not tested.
declare -A BID
boundary_round() {	# boundary_round TRY SCHEME...: sets LEFT
	local try=$1 s t us i=0
	shift
	LEFT=()
	# The next second, or the one after when this one is nearly over.
	us=${EPOCHREALTIME/./}
	t=$((us / 1000000 + (us % 1000000 < 600000 ? 1 : 2)))
	for s in "$@"; do
		case $SENDS in
		*" $s "*) ;;
		*)
			prepare "$s" good "${BID[$s]}" $((t - ${TOL[$s]})) "${S1[$s]}"
			declare -p ARGS >"$D/args.$s"
			;;
		esac
	done
	us=${EPOCHREALTIME/./}
	if [ "$((t * 1000000 - us))" -le 0 ]; then	# too slow: all again
		LEFT=("$@")
		return
	fi
	sleep "$(printf '%d.%06d' $(((t * 1000000 - us) / 1000000)) $(((t * 1000000 - us) % 1000000)))"
	for s in "$@"; do
		rm -f "$D/answer.$s"
		i=$((i + 1))
		(
			REQ_N=$((1000 + 100 * try + i))
			case $SENDS in
			*" $s "*) hsend "$s" "${BID[$s]}" $((t - ${TOL[$s]})) "${S1[$s]}" ;;
			*) . "$D/args.$s"; req "${ARGS[@]}" ;;
			esac
			T_AFTER=$EPOCHSECONDS
			declare -p STATUS CURL_RC BODY BODY_TEXT LAST_REQ T_AFTER >"$D/answer.$s"
		) &
	done
	wait
	for s in "$@"; do
		STATUS=000 CURL_RC=0 BODY_TEXT= T_AFTER=$t LAST_REQ="$s at the tolerance's edge: no answer recorded"
		[ -f "$D/answer.$s" ] && . "$D/answer.$s"
		if [ "$STATUS" = 401 ] && [ "$T_AFTER" != "$t" ]; then
			LEFT+=("$s")
		else
			accepted "$s" "${BID[$s]}" || note "(that was: $s, timestamp ${TOL[$s]} s old)"
		fi
	done
}
boundaries() {
	local s try pending left_over=()
	for s in "$@"; do
		BID[$s]=$(new_id)
	done
	boundary_round 1 "$@"
	for try in 2 3 4; do
		pending=("${LEFT[@]}")
		[ "${#pending[@]}" -gt 0 ] || return 0
		LEFT=()
		for s in "${pending[@]}"; do
			boundary_round "$try" "$s"
			[ "${#LEFT[@]}" -eq 0 ] || left_over+=("$s")
		done
		LEFT=("${left_over[@]}")
		left_over=()
	done
	for s in "${LEFT[@]}"; do
		note "$s: the tolerance's edge was not tested: each try took more than a second"
	done
}

check_scheme() {
	local s=$1 tol=${TOL[$1]:-} id bad
	# Signed with openssl, then as `hookline send` signs, with the
	# second secret line: both accepted.
	id=$(new_id)
	deliver "$s" good "$id" "$EPOCHSECONDS" "${S1[$s]}"
	accepted "$s" "$id" || note "(that was: $s, signed with the first secret)"
	if [ -n "${S2[$s]}" ]; then
		id=$(new_id)
		signed "$s" "$id" "$EPOCHSECONDS" "${S2[$s]}"
		accepted "$s" "$id" || note "(that was: $s, signed with the second secret)"
	fi
	bad=$(new_id)
	# (GitLab's token is the secret itself, not a signature of the body.)
	if [ "$s" != gitlab ]; then
		deliver "$s" tamper "$bad" "$EPOCHSECONDS" "${S1[$s]}"
		refused "$s, tampered body"
	fi
	signed "$s" "$bad" "$EPOCHSECONDS" "${WRONG[$s]}"
	refused "$s, wrong secret"
	deliver "$s" nosig "$bad" "$EPOCHSECONDS" "${S1[$s]}"
	refused "$s, no signature header"
	if [ -n "$tol" ]; then
		signed "$s" "$bad" $((EPOCHSECONDS - tol - 1)) "${S1[$s]}"
		refused "$s, timestamp $((tol + 1)) s old"
		if [ "${#TSH[@]}" -gt 0 ]; then	# (as deliver left it for $s)
			deliver "$s" nots "$bad" "$EPOCHSECONDS" "${S1[$s]}"
			refused "$s, no timestamp header"
		fi
	fi
	expect_lines "$LOG" " $bad" ""
}

# --- what only some senders do ------------------------------------------
# Stripe and Paddle check age only (their SDKs); Slack, Standard
# Webhooks, Discord (with a tolerance) and hmac with a timestamp both ways.
extra_time() {
	local now=$EPOCHSECONDS id bad s
	for s in stripe paddle; do
		id=$(new_id)
		deliver "$s" good "$id" $((now + 3600)) "${S1[$s]}"
		accepted "$s" "$id" || note "(that was: $s, timestamp an hour ahead)"
	done
	bad=$(new_id)
	for s in slack standard discord hmacts; do
		deliver "$s" good "$bad" $((now + ${TOL[$s]} + 60)) "${S1[$s]}"
		refused "$s, timestamp $((${TOL[$s]} + 60)) s ahead"
	done
	expect_lines "$LOG" " $bad" ""
}

# Lists of signatures: Stripe counts only v1 (a right v0 is a downgrade)
# and any v1 may match; Standard Webhooks takes any entry of its
# space-separated list. GitLab with both a token and a signing token
# checks webhook-signature when there is one, whatever the token says.
extra_lists() {
	local now=$EPOCHSECONDS id bad f=$D/lists.body v
	bad=$(new_id)
	body_stripe "$bad" >"$f"
	v=$({ printf '%s.' "$now"; cat "$f"; } | mac sha256 "$(sec "${S1[stripe]}")" hex)
	req POST pv-stripe -H "$CTJ" -H "Stripe-Signature: t=$now,v0=$v" --data-binary "@$f"
	refused "stripe, a right v0 and no v1"
	id=$(new_id)
	body_stripe "$id" >"$f"
	v=$({ printf '%s.' "$now"; cat "$f"; } | mac sha256 "$(sec "${S2[stripe]}")" hex)
	req POST pv-stripe -H "$CTJ" -H "Stripe-Signature: t=$now,v1=$(rand_hex 32),v1=$v" --data-binary "@$f"
	accepted stripe "$id" || note "(that was: stripe, the second v1 right)"
	id=$(new_id)
	body_standard >"$f"
	sign_standard "$id" "$now" "${S1[standard]}" "$f"
	req POST pv-standard "${H[@]}" "${TSH[@]}" \
	    -H "webhook-signature: v1,$(head -c 32 /dev/urandom | base64 -w0) ${SIG[1]#webhook-signature: }" \
	    --data-binary "@$f"
	accepted standard "$id" || note "(that was: standard, the second entry right)"
	body_gitlab >"$f"
	sign_gitlabsig "$bad" "$now" "${WRONG[gitlabsig]}" "$f"
	req POST pv-gitlab "${H[@]}" "${TSH[@]}" "${SIG[@]}" \
	    -H "X-Gitlab-Token: $(sec "${S1[gitlab]}")" --data-binary "@$f"
	refused "gitlab, right token, wrong webhook-signature"
	expect_lines "$LOG" " $bad" ""
}

# Square signs the notification URL, Twilio the URL with its query
# string: another URL is another signature. The hmac provider's prefix
# is part of the signature header. GitHub and Gitea also post forms.
extra_urls() {
	local now=$EPOCHSECONDS id bad f=$D/urls.body v
	bad=$(new_id)
	body_square "$bad" >"$f"
	v=$({ printf '%s' "$PUBLIC/other"; cat "$f"; } | mac sha256 "$(sec "${S1[square]}")" b64)
	req POST pv-square -H "$CTJ" -H "X-Square-Hmacsha256-Signature: $v" --data-binary "@$f"
	refused "square, signed for another URL"
	body_twilio "$bad" >"$f"
	sign_twilio "$bad" "$now" "${S1[twilio]}" "$f"
	req POST "pv-twilio?foo=1&bar=3" "${H[@]}" "${SIG[@]}" --data-binary "@$f"
	refused "twilio, another query string"
	body_hmac >"$f"
	req POST pv-hmac -H "$CTJ" -H "X-Acme-Delivery: $bad" \
	    -H "X-Acme-Signature: $(mac sha512 "$(sec "${S1[hmac]}")" b64 <"$f")" --data-binary "@$f"
	refused "hmac, signature without its prefix"
	# Forms: GitHub signs the body as sent, Gitea the JSON in payload=.
	body_giteaform "$bad" >"$f"
	req POST pv-gitea -H "$CTF" -H 'X-Gitea-Event: push' -H "X-Gitea-Delivery: $bad" \
	    -H "X-Gitea-Signature: $(mac sha256 "$(sec "${S1[gitea]}")" hex <"$f")" --data-binary "@$f"
	refused "gitea form, signed over the form body instead of its payload"
	expect_lines "$LOG" " $bad" ""
	id=$(new_id)
	req POST pv-github -H "$CTF" -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $id" \
	    -H "X-Hub-Signature-256: sha256=$(mac sha256 "$(sec "${S1[github]}")" hex <"$f")" --data-binary "@$f"
	accepted github "$id" || note "(that was: github, form-encoded payload=)"
}

# Slack's url_verification is answered with its challenge and runs
# nothing; unsigned, it is refused like anything else. Discord: an
# interaction PING is answered {"type":1}, a webhook-event PING 204,
# neither runs a hook; a webhook event runs its hook with event.type.
extra_pings() {
	local now=$EPOCHSECONDS id chal f=$D/pings.body v
	chal=chal-$(rand_hex 8)
	printf '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"%s","type":"url_verification"}' "$chal" >"$f"
	v=$({ printf 'v0:%s:' "$now"; cat "$f"; } | mac sha256 "$(sec "${S1[slack]}")" hex)
	req POST pv-slack -H "$CTJ" -H "X-Slack-Request-Timestamp: $now" -H "X-Slack-Signature: v0=$v" --data-binary "@$f"
	expect_status 200 && expect_json_type && expect_json .challenge "$chal"
	req POST pv-slack -H "$CTJ" -H "X-Slack-Request-Timestamp: $now" --data-binary "@$f"
	refused "slack url_verification without a signature"
	discord_req() {
		req POST pv-discord -H "$CTJ" -H "X-Signature-Timestamp: $now" \
		    -H "X-Signature-Ed25519: $({ printf '%s' "$now"; cat "$f"; } | ed_sign "$1" | od -An -tx1 | tr -d ' \n')" \
		    --data-binary "@$f"
	}
	printf '{"id":"%s","application_id":"11","type":1,"token":"t","version":1}' "$(rand_hex 8)" >"$f"
	discord_req "${S1[discord]}"
	expect_status 200 && expect_json_type && expect_json .type 1
	discord_req "${WRONG[discord]}"
	refused "discord PING signed with another key"
	printf '{"version":1,"application_id":"11","type":0}' >"$f"
	discord_req "${S1[discord]}"
	expect_status 204
	printf '{"version":1,"application_id":"11","type":1,"event":{"type":"APPLICATION_AUTHORIZED","timestamp":"2024-10-18T14:42:53.064834","data":{}}}' >"$f"
	discord_req "${S1[discord]}"
	if expect_status 200 && expect_json .status success && expect_json .event APPLICATION_AUTHORIZED; then
		id=$(jq -r .delivery "$BODY")
		expect_lines "$LOG" " $id" "pv-discord discord APPLICATION_AUTHORIZED $id"
		OKIDS+=("$id")
	fi
	expect_lines "$LOG" "pv-slack slack url_verification " ""
	expect_lines "$LOG" "pv-discord discord ping " ""
}

# --- run -------------------------------------------------------------------
for s in github gitlab gitlabsig gitea giteaform bitbucket stripe slack standard \
    standardv1a shopify paddle square twilio discord hmac hmacts generic; do
	check_scheme "$s"
done
# Exactly the tolerance old: accepted.
boundaries stripe slack standard standardv1a paddle discord hmacts generic gitlabsig
extra_time
extra_lists
extra_urls
extra_pings

# Each delivery accepted has its log line (status 200).
printf '%s\n' "${OKIDS[@]}" >"$D/okids"
n=${#OKIDS[@]}
logged() {
	[ "$(cat $LOGS 2>/dev/null | grep -F -f "$D/okids" | grep -E '"status": *200([^0-9]|$)' |
	    grep -oF -f "$D/okids" | sort -u | wc -l)" = "$n" ]
}
[ "$n" -ge 18 ] || fail "only $n deliveries were accepted"
wait_for 30 logged || fail "not every accepted delivery has a log line with \"status\":200 (ids in $D/okids)"

# No secret (or signing token) in any answer or log line.
for k in "$E"/pv-*.secret "$E"/pv-*.secret2 "$E"/pv-gitlab.token; do
	sec "$k"
done >"$D/secrets"
files=$(ls $LOGS "$ROOT"/data/"$CASE".*.body "$D"/send.*.body 2>/dev/null)
if leaks=$(grep -lF -f "$D/secrets" $files); then
	fail "a secret appears in: $(echo $leaks)"
fi
