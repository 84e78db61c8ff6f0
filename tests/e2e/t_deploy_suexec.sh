# Shared hosting as cPanel-style hosts run it: Apache with suEXEC
# (apache2-suexec-pristine) and mod_userdir, an ordinary user with only
# a shell: `hookline init --github` in their home, the binary as
# ~/public_html/cgi-bin/hookline.cgi with the shipped
# conf-examples/apache-cgi.htaccess beside it. suEXEC passes no custom
# variable (the .htaccess's SetEnv HOOKLINE_CONF never arrives) and
# clears HOME: hookline finds ~/hookline/hookline.conf by the user's
# /etc/passwd home. A signed GitHub delivery succeeds and its hook runs
# as that user. Needs root (a user is made, and suEXEC needs Apache
# started as root).
set -u
. "$E2E_DIR/lib_deploy.sh"
once_per_run
if [ "$(id -u)" -ne 0 ]; then
	[ "${CI:-}" = true ] && { fail "not root (CI=true: this case must run)"; case_end; }
	skip "needs root: it creates a user and starts Apache as root for suEXEC"
fi
SUEXEC=/usr/lib/apache2/suexec
need /usr/sbin/apache2 apache2
need "$SUEXEC" apache2-suexec-pristine
need useradd passwd
for m in mpm_prefork authz_core cgi mime env suexec userdir; do
	[ -f "$APACHE_MODDIR/mod_$m.so" ] || missing "mod_$m not found in $APACHE_MODDIR (Debian package apache2)"
done
[ -u "$(readlink -f "$SUEXEC")" ] || missing "$SUEXEC is not setuid root (Debian package apache2-suexec-pristine)"
deploy_root

# suEXEC's compiled-in rules: the caller (Apache's User), the lowest
# uid and gid, the userdir suffix, its log.
sx() {
	"$SUEXEC" -V 2>&1 | sed -n "s/^ *-D $1=\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p"
}
HTTPD_USER=$(sx AP_HTTPD_USER)
SUFFIX=$(sx AP_USERDIR_SUFFIX)
UID_MIN=$(sx AP_UID_MIN)
LOG_EXEC=$(sx AP_LOG_EXEC)
[ -n "$HTTPD_USER" ] && [ -n "$SUFFIX" ] && [ -n "$UID_MIN" ] ||
    { fail "cannot read suexec -V: $("$SUEXEC" -V 2>&1 | tr '\n' ' ')"; case_end; }
id "$HTTPD_USER" >/dev/null 2>&1 || missing "suEXEC's caller $HTTPD_USER does not exist"
[ -n "$LOG_EXEC" ] && mkdir -p "$(dirname "$LOG_EXEC")"

# The hosting customer: a user of their own, home under $ROOT.
U=hluser
CGI_URL=http://127.0.0.1:$DPORT/~$U/cgi-bin/hookline.cgi
HOME_U=$ROOT/home/$U
if id "$U" >/dev/null 2>&1; then
	case $(getent passwd "$U" | cut -d: -f6) in
	"${TMPDIR:-/tmp}"/hookline-e2e.*) userdel "$U" 2>/dev/null ;;
	*) fail "a user $U exists already, not one of these tests'"; case_end ;;
	esac
fi
# A group of that name left by a run that was killed: ours too.
id "$U" >/dev/null 2>&1 || ! getent group "$U" >/dev/null 2>&1 || groupdel "$U" 2>/dev/null
mkdir -p "$ROOT/home"
chmod 0755 "$ROOT/home"
if ! useradd -d "$HOME_U" -m -s /bin/sh -U "$U" >"$D/log/useradd.out" 2>&1; then
	fail "useradd $U: $(cat "$D/log/useradd.out")"
	case_end
fi
suexec_cleanup() {
	deploy_cleanup
	userdel "$U" >/dev/null 2>&1
	getent group "$U" >/dev/null 2>&1 && groupdel "$U" >/dev/null 2>&1
	return 0
}
trap suexec_cleanup EXIT
UID_U=$(id -u "$U")
[ "$UID_U" -ge "$UID_MIN" ] || { fail "uid $UID_U of $U is below suEXEC's $UID_MIN"; case_end; }
chmod 0711 "$HOME_U"

# The program and the shipped .htaccess in the user's cgi-bin.
CGI=$HOME_U/$SUFFIX/cgi-bin
runuser -u "$U" -- mkdir -p "$CGI"
cp "$D/bin/hookline" "$CGI/hookline.cgi"
cp "$EXAMPLES/apache-cgi.htaccess" "$CGI/.htaccess"
chown "$U:$U" "$CGI/hookline.cgi" "$CGI/.htaccess"
chmod 0755 "$HOME_U/$SUFFIX" "$CGI" "$CGI/hookline.cgi"
chmod 0644 "$CGI/.htaccess"
grep -q '^SetEnv HOOKLINE_CONF ' "$CGI/.htaccess" ||
    note "apache-cgi.htaccess sets no HOOKLINE_CONF (suEXEC would drop it anyway)"

# Apache as a host runs it: started as root, children as suEXEC's
# caller, user folders through suEXEC.
site=$D/conf/site.conf
cat >"$site" <<EOC
Listen 127.0.0.1:$DPORT
ErrorLog "$D/log/apache-error.log"
TypesConfig /dev/null
UserDir $SUFFIX
UserDir disabled root
<Directory "$HOME_U/$SUFFIX">
	AllowOverride Options FileInfo AuthConfig
	Require all granted
</Directory>
EOC
apache_main "$site" mpm_prefork authz_core mime env cgi suexec userdir
sed -i "s/^User .*/User $HTTPD_USER/; s/^Group .*/Group $(id -gn "$HTTPD_USER")/" "$D/apache/httpd.conf"
if ! /usr/sbin/apache2 -f "$D/apache/httpd.conf" -t >"$D/log/apache-t.out" 2>&1; then
	fail "apache2 -t refuses the configuration"
	sed 's/^/      /' "$D/log/apache-t.out"
	case_end
fi
# A session of its own: prefork's parent ends by SIGTERM to its whole
# process group, which would otherwise be this test's.
bg apache setsid /usr/sbin/apache2 -f "$D/apache/httpd.conf" -DFOREGROUND
if ! wait_for 100 port_open "$DPORT"; then
	fail "apache2 did not listen on $DPORT"
	show_logs
	case_end
fi
grep -q "suEXEC mechanism enabled" "$D/log/apache-main-error.log" "$D/log/apache-error.log" 2>/dev/null ||
    fail "Apache did not enable suEXEC"

# Before init: no configuration anywhere. The implicit endpoint answers,
# and the log (Apache's error log: hookline's stderr) says where hookline
# looked.
BASE=$CGI_URL
if [ ! -e /etc/hookline/hookline.conf ]; then
	req POST github -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
	    --data-binary '{}'
	expect_error 404 unknown_endpoint
	want="no configuration file found (tried \$HOOKLINE_CONF (not set), $HOME_U/.config/hookline/hookline.conf, $HOME_U/hookline/hookline.conf, /etc/hookline/hookline.conf)"
	if ! wait_for 30 grep -qF -- "$want" "$D/log/apache-error.log"; then
		fail "no log line naming the places tried"
		show_logs
	fi
fi

# Then what the user does with a shell: hookline init.
if ! runuser -u "$U" -- "$D/bin/hookline" init --github --url "$CGI_URL" \
    >"$D/log/init.out" 2>&1 </dev/null; then
	fail "hookline init as $U failed: $(tail -c 300 "$D/log/init.out")"
	case_end
fi
H=$HOME_U/hookline
for f in hookline.conf github.secret hooks.d/github/push spool; do
	[ -e "$H/$f" ] || fail "hookline init made no $H/$f"
done
[ "$(stat -c %U "$H/github.secret")" = "$U" ] || fail "github.secret is not $U's"
grep -q "URL: *$CGI_URL/github\$" "$D/log/init.out" || fail "init did not print the URL $CGI_URL/github"
secret=$(sed -n 's/^ *secret: *\([0-9a-f]\{64\}\)$/\1/p' "$D/log/init.out")
[ "$secret" = "$(head -n 1 "$H/github.secret")" ] || fail "the secret init printed is not the one in github.secret"
grep -q SetEnv "$D/log/init.out" && fail "init offered SetEnv for ~/hookline, which hookline finds by itself"
[ "$E2E_FAILS" -eq 0 ] || case_end

# The hook records whom it runs as (replacing init's example).
runuser -u "$U" -- sh -c "cat >'$H/hooks.d/github/push' <<'EOS'
#!/bin/sh
id -u >'$H'/ran.\$HOOKLINE_DELIVERY
EOS
chmod 0755 '$H/hooks.d/github/push'"

BASE=$CGI_URL
LOGS=$H/hookline.log
id=$(new_id)
GITHUB_SECRET=$secret post_github "$id"
expect_status 200 && expect_json .status success && expect_json .delivery "$id"
if ! wait_for 30 test -f "$H/ran.$id"; then
	fail "the hook did not run"
	show_logs
	[ -n "$LOG_EXEC" ] && tail -n 3 "$LOG_EXEC" 2>/dev/null | sed 's/^/      suexec.log: /'
else
	[ "$(cat "$H/ran.$id")" = "$UID_U" ] || fail "the hook ran as uid $(cat "$H/ran.$id"), not $U's $UID_U"
fi
expect_log "$id" 200
[ "$(stat -c %U "$H/hookline.log" 2>/dev/null)" = "$U" ] || fail "hookline.log is not written by $U"

# A wrong signature: refused with the configuration found, not the
# implicit endpoint's "unknown_endpoint".
id=$(new_id)
post_github "$id" github "sha256=$(printf '0%.0s' $(seq 64))"
expect_error 401 invalid_signature
[ -e "$H/ran.$id" ] && fail "a badly signed delivery ran the hook"
case_end
