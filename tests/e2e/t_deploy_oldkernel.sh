# An old kernel (CloudLinux 7 runs Linux 3.10): hookline under a seccomp
# filter that makes every system call newer than 3.10 fail with ENOSYS
# (oldkernel.c), as lighttpd's mod_cgi runs it (lighttpd-cgi.conf, the
# program a wrapper that installs the filter). A sync delivery with the
# sender's id, one with an id hookline makes (random bytes), an async
# delivery (a spool name) and `hookline drain` all work; nothing
# answers 500.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need lighttpd lighttpd
[ -f /usr/include/seccomp.h ] || missing "seccomp.h not installed (Debian package libseccomp-dev)"
deploy_root

if ! cc -O -o "$D/bin/oldkernel" "$E2E_DIR/oldkernel.c" -lseccomp 2>"$D/log/cc.out"; then
	fail "oldkernel.c does not build: $(head -c 300 "$D/log/cc.out")"
	case_end
fi
chmod 0755 "$D/bin/oldkernel"
# The filter must really be there, or this case tests nothing.
"$D/bin/oldkernel" --probe || { fail "the filter does not make getrandom ENOSYS"; case_end; }

# The program lighttpd runs: hookline under the filter.
printf '#!/bin/sh\nexec %s/bin/oldkernel %s/bin/hookline\n' "$D" "$D" >"$D/bin/hookline-3.10"
chmod 0755 "$D/bin/hookline-3.10"

# lib.sh's hooks and github secret; a sync and an async endpoint.
mkdir -p "$D/etc" "$D/spool"
[ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1 && chown "$WWW_USER:" "$D/spool"
chmod 0755 "$D/etc"
cat >"$D/etc/hookline.conf" <<EOC
hooks_dir = $ROOT/etc/hooks.d
spool_dir = $D/spool
log       = stderr
$(spool_floor_line)
[github]
provider    = github
secret_file = $ROOT/etc/github.secret
mode        = sync

[generic]
provider = generic
mode     = sync

[later]
provider = generic
mode     = async
hooks    = $ROOT/etc/hooks.d/generic
EOC
chmod 0644 "$D/etc/hookline.conf"

conf=$D/conf/lighttpd.conf
deploy_subst "$EXAMPLES/lighttpd-cgi.conf" |
    sed -e "s,\"/hooks\" => \"$D/bin/hookline\",\"/hooks\" => \"$D/bin/hookline-3.10\"," \
	-e "s,\"$ROOT/etc/hookline.conf\",\"$D/etc/hookline.conf\"," >"$conf"
grep -q "hookline-3.10" "$conf" || { fail "lighttpd-cgi.conf: cannot point /hooks at the wrapper"; case_end; }

lighttpd_up "$conf"
BASE=http://127.0.0.1:$DPORT/hooks
LOGS="$D/log/hookline.log"

# Sync, the sender's delivery id.
id=$(new_id)
post_github "$id"
expect_status 200 && expect_json .status success
expect_lines "$ROOT/out/github.log" "$id" "push $id"

# Sync, an id hookline makes: random bytes without getrandom.
req POST generic -H 'Content-Type: application/json' --data-binary '{"event":"ok","data":{}}'
expect_status 200 && expect_json .status success
gen=$(jq -r .delivery "$BODY" 2>/dev/null)
case $gen in
????????-????-7???-????-????????????) ;;
*) fail "generated delivery id '$gen' is not a UUIDv7" ;;
esac

# Async: stored (a spool name with random bytes), 202, then drained by
# `hookline drain` under the filter too (or by the drainer it kicked,
# itself under the filter, being its child).
id=$(new_id)
req POST later -H 'Content-Type: application/json' -H "Webhook-Id: $id" \
    --data-binary '{"event":"ok","data":{}}'
expect_status 202 && expect_json .status accepted
if ! (as_www "$D/bin/oldkernel" "$D/bin/hookline" -c "$D/etc/hookline.conf" drain) \
    >"$D/log/drain.out" 2>&1; then
	fail "hookline drain under the filter failed: $(tail -c 300 "$D/log/drain.out")"
fi
if ! wait_for 50 eval "grep -q -- ' $id ' '$ROOT/out/ok.log'"; then
	fail "the async delivery $id never ran"
fi
[ "$(grep -c -- " $id " "$ROOT/out/ok.log")" = 1 ] || fail "the async delivery $id ran more than once"

# No 500 anywhere; and had there been one, it would say why.
if grep -q '"status":500' "$LOGS" 2>/dev/null; then
	fail "a 500 under the filter: $(grep '"status":500' "$LOGS" | head -n 2 | cut -c1-300)"
fi
case_end
