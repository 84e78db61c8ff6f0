# apache-cgi.htaccess lets Apache run hookline.cgi and serve nothing
# else from its folder: not the .htaccess, not a config or secret left
# there by mistake.
only_servers apache-cgi
printf 'secret = leaked\n' >"$ROOT/www/cgi-bin/hookline.conf"
chmod 0644 "$ROOT/www/cgi-bin/hookline.conf"
for f in .htaccess hookline.conf; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/cgi-bin/$f")
	[ "$code" = 403 ] || fail "GET /cgi-bin/$f answered $code, not 403"
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/cgi-bin/")
case $code in
403|404) ;;
*) fail "GET /cgi-bin/ answered $code (a listing?)" ;;
esac
rm -f "$ROOT/www/cgi-bin/hookline.conf"
