# The administrator's path, as README.md's "Deploying" steps give it,
# run as root: make install into a scratch root ($S), the secret and the
# hooks, hookline check, Apache with mod_fcgid (as www-data) from
# conf-examples/apache-fcgid.conf, deliveries with `hookline send`, an
# async hook that fails until it is fixed, then `replay` and `drain` run
# by root. Every delivery ends done, and everything in the spool and the
# log folder is the serving user's. Then three broken setups that
# `hookline check`, run as root, must catch: a secret only root can
# read, a spool the serving user cannot write, a log folder that is
# not there.
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
need /usr/sbin/apache2 apache2
[ -f "$APACHE_MODDIR/mod_fcgid.so" ] || missing "mod_fcgid not found (Debian package libapache2-mod-fcgid)"
[ "$(id -u)" -eq 0 ] || skip "the administrator's path is run as root"
id "$WWW_USER" >/dev/null 2>&1 || missing "no user $WWW_USER"
deploy_root
S=$D/sys
H=$S/usr/local/bin/hookline
E=$S/etc/hookline
SPOOL=$S/var/spool/hookline
LOGDIR=$S/var/log/hookline
G=$(id -gn "$WWW_USER")
hl() { "$H" -c "$E/hookline.conf" "$@"; }

# 1-2. make install (the binary under test; nothing is rebuilt).
if ! make -C "$REPO" -s -o "$HOOKLINE_BIN" install BIN="$HOOKLINE_BIN" \
    DESTDIR="$S" PREFIX=/usr/local >"$D/log/install.out" 2>&1; then
	fail "make install failed"
	sed 's/^/      /' "$D/log/install.out"
	case_end
fi
grep -q "made $E/hookline.conf" "$D/log/install.out" || fail "make install does not say it made hookline.conf"
grep -q '^Next' "$D/log/install.out" || fail "make install does not give the next step"
[ -x "$H" ] || fail "no $H"
[ "$(stat -c %U:%G:%a "$E/hookline.conf")" = "root:$G:640" ] ||
    fail "hookline.conf is $(stat -c %U:%G:%a "$E/hookline.conf")"
for d in "$SPOOL" "$LOGDIR"; do
	[ "$(stat -c %U:%a "$d")" = "$WWW_USER:750" ] || fail "$d is $(stat -c %U:%a "$d")"
done
[ "$E2E_FAILS" -eq 0 ] || case_end

# The installed configuration with its paths moved under $S (what a
# DESTDIR install cannot know), a log file in the log folder, short
# retries, and an async endpoint.
sed -i -e "s,/var/spool/hookline,$SPOOL,g" \
    -e "s,^log *=.*,log = $LOGDIR/hookline.log," \
    -e '0,/^\[/s//retry = 1s\n\n[/' "$E/hookline.conf"
printf '\n[deploy]\nprovider = generic\nmode     = async\n' >>"$E/hookline.conf"
grep -q "^user *= *$WWW_USER" "$E/hookline.conf" ||
    fail "the installed hookline.conf does not name user = $WWW_USER"

# 3. The secret, readable by the web server's group only.
printf '%s\n' 'an-admin-secret' >"$E/github.secret"
chown "root:$G" "$E/github.secret" && chmod 0640 "$E/github.secret"
# 4. Hooks: the example push hook (logging into $D/out), and a build
# hook that fails until it is fixed.
mkdir -p "$D/out" && chown "$WWW_USER:" "$D/out"
install -d -m 0755 "$E/hooks.d/github" "$E/hooks.d/deploy"
install -m 0755 "$S/usr/local/share/doc/hookline/examples/hooks.d/github/push" "$E/hooks.d/github/"
sed -i "s|^LOG=.*|LOG=$D/out/push.log|" "$E/hooks.d/github/push"
printf '#!/bin/sh\n[ -e "%s" ] || { echo "not fixed yet" >&2; exit 1; }\necho "$HOOKLINE_DELIVERY" >>"%s"\n' \
    "$D/fixed" "$D/out/build.log" >"$E/hooks.d/deploy/build"
chmod 0755 "$E/hooks.d/deploy/build"

# 5. hookline check, as root: it checks as the serving user.
out=$(hl check 2>&1)
rc=$?
printf '%s\n' "$out" | grep -q "^checking as $WWW_USER " ||
    fail "check does not say it checks as $WWW_USER: $out"
if [ "$rc" -gt 1 ] || printf '%s\n' "$out" | grep -q '^error'; then
	fail "check finds errors in the README's setup: $out"
fi

# 6. Apache with mod_fcgid, from the example; a default page in its
# document root, as Debian has.
site=$D/conf/site.conf
sed -e "s,/usr/local/bin/hookline,$H,g" -e "s,/etc/hookline/,$E/,g" \
    -e "s,/var/log/apache2/,$D/log/,g" -e "s,/var/www/html,$D/www/html,g" \
    -e "s,127\.0\.0\.1:8080,127.0.0.1:$DPORT,g" \
    "$EXAMPLES/apache-fcgid.conf" >"$site"
echo '<html>Apache2 Debian Default Page</html>' >"$D/www/html/index.html"
chmod 0644 "$D/www/html/index.html"
mkdir -p "$D/run/fcgid" && chown "$WWW_USER:" "$D/run/fcgid"
apache_main "$site" mpm_event authz_core alias fcgid
printf 'FcgidIPCDir "%s"\nFcgidProcessTableFile "%s"\n' "$D/run/fcgid" \
    "$D/run/fcgid_shm" >>"$D/apache/httpd.conf"
if ! /usr/sbin/apache2 -f "$D/apache/httpd.conf" -t >"$D/log/apache-t.out" 2>&1; then
	fail "apache2 -t refuses the configuration"
	sed 's/^/      /' "$D/log/apache-t.out"
	case_end
fi
bg apache /usr/sbin/apache2 -f "$D/apache/httpd.conf" -DFOREGROUND
wait_for 100 port_open "$DPORT" || { fail "apache2 did not listen on $DPORT"; show_logs; case_end; }
URL=http://127.0.0.1:$DPORT/hooks

# Nothing but /hooks is served, not even the default page.
code=$(curl -s -o "$D/root.html" -w '%{http_code}' "http://127.0.0.1:$DPORT/")
[ "$code" = 404 ] || fail "GET / answered $code, expected 404"
grep -q Default "$D/root.html" && fail "GET / served the document root's page"

# 7. Deliveries, as a sender would.
"$H" send --provider github --secret-file "$E/github.secret" --event push \
    "$URL/github" >"$D/log/send-github.out" 2>&1 ||
    fail "send to github: $(cat "$D/log/send-github.out")"
grep -q '"success"' "$D/log/send-github.out" ||
    fail "github push not a success: $(cat "$D/log/send-github.out")"
for n in 1 2 3; do
	"$H" send --event build --delivery "admin-$n" "$URL/deploy" \
	    >"$D/log/send-$n.out" 2>&1 || fail "send $n: $(cat "$D/log/send-$n.out")"
	grep -q '"accepted"' "$D/log/send-$n.out" ||
	    fail "delivery $n not accepted: $(cat "$D/log/send-$n.out")"
done
[ "$E2E_FAILS" -eq 0 ] || { show_logs; case_end; }
# The build hook fails: after one retry (1s) all three are dead. (list
# is run by root, too.)
dead() { [ "$(hl list --dead --json 2>/dev/null | jq length)" = 3 ]; }
wait_for 300 dead || fail "the failing deliveries did not go dead in 30 s: $(hl list 2>&1)"

# 8. The fix, then replay and drain as root (as root's cron would).
touch "$D/fixed"
hl replay admin-1 admin-2 admin-3 >"$D/log/replay.out" 2>&1 ||
    fail "replay as root: $(cat "$D/log/replay.out")"
hl drain >"$D/log/drain.out" 2>&1 || fail "drain as root: $(cat "$D/log/drain.out")"
done_n() {
	[ "$(hl list --done --json 2>/dev/null |
	    jq '[.[] | select(.endpoint == "deploy")] | length')" = 3 ]
}
wait_for 100 done_n || fail "not every delivery is done: $(hl list 2>&1)"
for n in 1 2 3; do
	grep -qx "admin-$n" "$D/out/build.log" 2>/dev/null || fail "the build hook did not run admin-$n"
done
grep -q 'github push' "$D/out/push.log" 2>/dev/null || fail "the push hook did not run"
others=$(find "$SPOOL" "$LOGDIR" "$D/out" ! -user "$WWW_USER" | head -n 5)
[ -z "$others" ] || fail "not $WWW_USER's after root's replay and drain: $others"
[ -s "$LOGDIR/hookline.log" ] || fail "nothing in $LOGDIR/hookline.log"
# Serving only /hooks costs no denial per request in Apache's log.
denials=$(grep -h 'AH01630\|client denied' "$D"/log/*error*.log 2>/dev/null | head -n 3)
[ -z "$denials" ] || fail "Apache logs denials: $denials"

# 9. Three broken setups; check, as root, catches each (exit 2), as the
# serving user.
broken() {
	local what=$1 want=$2 bout brc
	bout=$(hl check 2>&1)
	brc=$?
	[ "$brc" = 2 ] || fail "check exits $brc with $what"
	printf '%s\n' "$bout" | grep -q "^checking as $WWW_USER " || fail "check ($what) not as $WWW_USER"
	printf '%s\n' "$bout" | grep -qF "$want" || fail "check does not report $what: $bout"
}
chown root:root "$E/github.secret" && chmod 0600 "$E/github.secret"
broken "a secret only root reads" "cannot read secret file $E/github.secret"
chown "root:$G" "$E/github.secret" && chmod 0640 "$E/github.secret"
chown root:root "$SPOOL"
broken "a spool $WWW_USER cannot write" "spool folder $SPOOL is not writable"
chown "$WWW_USER:" "$SPOOL"
sed -i "s,^log *=.*,log = $S/var/log/nosuch/hookline.log," "$E/hookline.conf"
broken "a log folder that is not there" "log folder $S/var/log/nosuch does not exist"
