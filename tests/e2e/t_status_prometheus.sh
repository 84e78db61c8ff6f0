# conf-examples/prometheus/: valid YAML (python3-yaml; promtool is not
# installed here), a scrape job with a bearer token file at
# <script URL>/-/metrics, and alert rules whose every metric this
# server's /-/metrics has; the scrape works as Prometheus would make it
# (the token read from a file).
. "$E2E_DIR/status_lib.sh"
PY=/usr/bin/python3
if ! $PY -c 'import yaml' 2>/dev/null; then
	[ "${CI:-}" = true ] && { fail "python3-yaml is not installed (.ci/run installs it)"; case_end; }
	skip "python3-yaml is not installed"
fi
status_setup token
cp "$MONITOR_TOKEN_FILE" "$ROOT/data/prometheus.token"
req GET -/metrics -H "Authorization: Bearer $(head -n 1 "$ROOT/data/prometheus.token")" \
    -H 'Accept: text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
expect_status 200
out=$($PY "$E2E_DIR/prom_check.py" "$EXAMPLES/prometheus" "$BODY" 2>&1) ||
    fail "conf-examples/prometheus: $out"
# The path the example scrapes is where this server's example mounts
# hookline (/hooks; CGI: /cgi-bin/hookline.cgi).
path=$(sed -n 's/^ *metrics_path: *//p' "$EXAMPLES/prometheus/prometheus.yml")
case $SERVER in
apache-cgi) ;;
*) [ "${BASE#http://127.0.0.1:$PORT}/-/metrics" = "$path" ] ||
	fail "the example scrapes $path, the server serves ${BASE#http://127.0.0.1:$PORT}/-/metrics" ;;
esac
