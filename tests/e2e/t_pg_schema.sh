# Two hosts, one database (pg_hosts.sh): the schema commands and the
# schema version check. Before `hookline db init`, and while the
# database holds a schema of another version, an async delivery is a
# 503 (Retry-After) whose log line says what to do, and no process
# crashes; `db init` is idempotent, `db migrate` has nothing to do on a
# current schema, and both refuse a newer one with a clear message.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
PG_NO_INIT=1 pg_hosts_up
pre=$(new_id)

# no_crash OUT RC WHAT: a command's exit was not a signal.
no_crash() {
	[ "$2" -lt 128 ] || fail "$3 died of signal $(($2 - 128)): $(tail -n 2 "$1" | tr '\n' ' ')"
}

# No schema yet: 503 on both hosts, and the log says db init.
for x in A B; do
	to "$x"
	post_generic pg rec "$pre-none$x"
	expect_error 503 unavailable && expect_header Retry-After '[0-9]+'
done
# shellcheck disable=SC2086
wait_for 30 eval "cat $LOGS_A $LOGS_B 2>/dev/null | grep -F '$pre-none' | grep -Eq 'hookline db (init|migrate)'" ||
    fail "no log line of the 503s says to run hookline db init (or migrate)"

# db init (host A), again (idempotent), db migrate (host B): nothing to do.
hlx A db init >"$D/out/init1" 2>&1; rc=$?
[ "$rc" = 0 ] || fail "db init exited $rc: $(tail -n 2 "$D/out/init1" | tr '\n' ' ')"
hlx A db init >"$D/out/init2" 2>&1; rc=$?
[ "$rc" = 0 ] || fail "db init a second time exited $rc: $(tail -n 2 "$D/out/init2" | tr '\n' ' ')"
hlx B db migrate >"$D/out/migrate1" 2>&1; rc=$?
[ "$rc" = 0 ] || fail "db migrate on a current schema exited $rc: $(tail -n 2 "$D/out/migrate1" | tr '\n' ' ')"
v=$(pg_sql "SELECT version FROM hookline_schema")
[ -n "$v" ] && [ "$v" -ge 1 ] || fail "hookline_schema holds '$v' after db init"
hlx B db status >"$D/out/status1" 2>&1; rc=$?
[ "$rc" = 0 ] || fail "db status exited $rc: $(tail -n 2 "$D/out/status1" | tr '\n' ' ')"
grep -qw "$v" "$D/out/status1" || fail "db status does not name the schema version $v: $(head -c 300 "$D/out/status1")"

# Now accepted, on both hosts (the processes that answered 503 look again).
for x in A B; do
	to "$x"
	post_generic pg rec "$pre-ok$x"
	expect_status 202 || pg_logs_show
done
wait_for 150 eval '[ "$(runs_of "$pre-okA")" = 1 ] && [ "$(runs_of "$pre-okB")" = 1 ]' ||
    fail "the deliveries after db init did not run"

# A newer schema (another host's newer hookline migrated it): the
# commands refuse it, naming both versions; no crash.
pg_sql "UPDATE hookline_schema SET version = 99" >/dev/null || fail "cannot set the schema version"
hlx A db init >"$D/out/init99" 2>&1; rc=$?
no_crash "$D/out/init99" "$rc" "db init"
[ "$rc" != 0 ] || fail "db init accepted a schema of version 99"
grep -q 99 "$D/out/init99" || fail "db init does not name version 99: $(head -c 300 "$D/out/init99")"
hlx B db migrate >"$D/out/migrate99" 2>&1; rc=$?
no_crash "$D/out/migrate99" "$rc" "db migrate"
[ "$rc" != 0 ] || fail "db migrate accepted (or downgraded) a schema of version 99"
grep -q 99 "$D/out/migrate99" || fail "db migrate does not name version 99: $(head -c 300 "$D/out/migrate99")"
[ "$(pg_sql "SELECT version FROM hookline_schema")" = 99 ] || fail "db init or migrate changed the newer schema's version"
hlx B db status >"$D/out/status99" 2>&1; rc=$?
no_crash "$D/out/status99" "$rc" "db status"
grep -q 99 "$D/out/status99" || fail "db status does not name version 99: $(head -c 300 "$D/out/status99")"
# A process started now (the web servers' processes restarted, as after
# an upgrade) meets it at its first use: 503 and a clear log line.
hlx A check >"$D/out/check99" 2>&1; rc=$?
no_crash "$D/out/check99" "$rc" "check"
stop_pid "$(cat "$D/run/lighttpd-A.bgpid")"
stop_pid "$(cat "$D/run/apache-B.bgpid")"
wait_for 50 eval "! pgrep -f '^$D/h[AB]/bin/hookline' >/dev/null" ||
    kill -KILL $(pgrep -f "^$D/h[AB]/bin/hookline") 2>/dev/null
pg_host_a_up
pg_host_b_up
for x in A B; do
	to "$x"
	post_generic pg rec "$pre-v99$x"
	expect_error 503 unavailable
done
# shellcheck disable=SC2086
wait_for 30 eval "cat $LOGS_A $LOGS_B 2>/dev/null | grep -F '$pre-v99' | grep -q 99" ||
    fail "no log line of the 503s names the schema version 99"
# Back to this binary's version: accepted again, by the same processes.
pg_sql "UPDATE hookline_schema SET version = $v" >/dev/null
for x in A B; do
	to "$x"
	post_generic pg rec "$pre-back$x"
	expect_status 202
done
wait_for 150 eval '[ "$(runs_of "$pre-backA")" = 1 ] && [ "$(runs_of "$pre-backB")" = 1 ]' ||
    fail "the deliveries after the version was restored did not run"
# hookline check (its other warnings aside): no database error now; a
# password inline is an error in a file others can read, a warning in
# one they cannot, and is never printed.
hlx A check >"$D/out/check-ok" 2>&1
grep -i '^error:.*database' "$D/out/check-ok" && fail "check finds a database error on the good configuration"
grep -q "^error:.*database: schema version 99" "$D/out/check99" || fail "check did not call schema version 99 an error: $(grep -i database "$D/out/check99" | head -n 2)"
pwconf=$D/hA/etc/password.conf
awk -v v="$PG_URI&password=pw-$pre-secret" '/^database *=/ { print "database = " v; next } { print }' \
    "$D/hA/etc/hookline.conf" >"$pwconf"
chmod 0644 "$pwconf"
as_www "$D/hA/bin/hookline" -c "$pwconf" check >"$D/out/check-pw" 2>&1
grep -q '^error:.*password inline' "$D/out/check-pw" || fail "check does not refuse a password inline in a world-readable file: $(grep -i database "$D/out/check-pw" | head -n 2)"
chmod 0600 "$pwconf"
[ "$(id -u)" -eq 0 ] && chown "$WWW_USER" "$pwconf"
as_www "$D/hA/bin/hookline" -c "$pwconf" check >"$D/out/check-pw2" 2>&1
grep -q '^warning:.*password inline' "$D/out/check-pw2" || fail "check does not warn about a password inline in a file only its owner reads: $(grep -i database "$D/out/check-pw2" | head -n 2)"
grep -q '^error:.*database' "$D/out/check-pw2" && fail "check calls the password in a private file an error: $(grep '^error:.*database' "$D/out/check-pw2" | head -n 1)"
grep -qF "pw-$pre-secret" "$D/out/check-pw" "$D/out/check-pw2" && fail "check printed the password"

# No process crashed meanwhile.
# shellcheck disable=SC2086
cat $LOGS_A $LOGS_B 2>/dev/null | grep -Eiq 'segfault|signal 11|core dumped|exited on signal|terminated by signal' &&
    fail "a crash in the logs: $(cat $LOGS_A $LOGS_B | grep -Ei 'segfault|signal 11|core dumped|signal' | head -n 2)"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
