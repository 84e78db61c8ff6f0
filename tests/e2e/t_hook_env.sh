# The hook's environment is exactly the contract's list, built from
# nothing: no variable of the web server, of hookline's own environment
# (HOOKLINE_CONF) or of the request's headers. argv is the hook and the
# event; stdin the body; no descriptor of the server is left open.
id=$(new_id)
json='{"event":"env","data":{"n":1}}'
post_json generic "$json" -H "Webhook-Id: $id" -H 'X-Leak: header-value' \
    -H 'Proxy: http://127.0.0.1:1/'
expect_status 200
expect_json .status success
envf=$ROOT/out/env.$id
if [ ! -f "$envf" ]; then
	fail "the env hook did not run"
else
	keys=$(tr '\0' '\n' <"$envf" | sed 's/=.*//' | sort | paste -sd' ')
	want="HOOKLINE_ATTEMPT HOOKLINE_CONTENT_TYPE HOOKLINE_DELIVERY HOOKLINE_ENDPOINT HOOKLINE_EVENT HOOKLINE_PAYLOAD_FILE HOOKLINE_PROVIDER HOOKLINE_REMOTE_ADDR PATH"
	[ "$keys" = "$want" ] || fail "environment keys: got [$keys], want [$want]"
	val() { tr '\0' '\n' <"$envf" | sed -n "s/^$1=//p"; }
	check() {
		[ "$(val "$1")" = "$2" ] || fail "$1 is '$(val "$1")', want '$2'"
	}
	check PATH /usr/local/bin:/usr/bin:/bin
	check HOOKLINE_EVENT env
	check HOOKLINE_ENDPOINT generic
	check HOOKLINE_PROVIDER generic
	check HOOKLINE_DELIVERY "$id"
	check HOOKLINE_REMOTE_ADDR 127.0.0.1
	check HOOKLINE_CONTENT_TYPE application/json
	check HOOKLINE_ATTEMPT 1
	case $(val HOOKLINE_PAYLOAD_FILE) in
	/*) ;;
	*) fail "HOOKLINE_PAYLOAD_FILE is not an absolute path: '$(val HOOKLINE_PAYLOAD_FILE)'" ;;
	esac
	# argv: the hook's path (also $0 of a script), then the event,
	# nothing more.
	argv=$ROOT/out/argv.$id
	[ "$(sed -n 1p "$argv")" = "$ROOT/etc/hooks.d/generic/env" ] || fail "\$0 is '$(sed -n 1p "$argv")', want the hook's path $ROOT/etc/hooks.d/generic/env"
	[ "$(sed -n 2,\$p "$argv")" = env ] || fail "hook arguments after \$0: [$(sed -n 2,\$p "$argv" | paste -sd' ')], want [env]"
	cmp -s "$ROOT/out/env-stdin.$id" <(printf '%s' "$json") ||
	    fail "the hook's stdin is not the body"
	if grep -q 'socket:' "$ROOT/out/fds.$id" 2>/dev/null; then
		fail "the hook inherited a socket:"
		sed 's/^/      /' "$ROOT/out/fds.$id"
	fi
fi
