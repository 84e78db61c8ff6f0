# Two hosts, one database (pg_hosts.sh): PostgreSQL stopped under load
# (16 clients, both hosts) and started again. With the default
# database_unavailable = 503, every answer is 202 (stored: the COMMIT
# returned) or 503 with Retry-After (not stored: the sender tries again),
# never anything else; every delivery answered 202 runs once the server
# is back, and the 503 ones do when sent again.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up
N=${PG_DOWN_N:-400}
pre=$(new_id)
codes=$D/out/down.codes
pg_load_outage "$N" "$pre" "$codes"
bad=$(awk '$1 != 202 && $1 != 503' "$codes" | head -n 5)
[ -z "$bad" ] || fail "answers other than 202 and 503: $(printf '%s' "$bad" | tr '\n' ';')"
n503=$(awk '$1 == 503' "$codes" | wc -l)
n202=$(awk '$1 == 202' "$codes" | wc -l)
note "$n202 answered 202, $n503 answered 503 while the server was down"
[ "$n503" -gt 0 ] || fail "no request met the stopped server (every answer 202): the case did not test it"
awk '$1 == 503 && $3 !~ /^\[[0-9]+\]$/' "$codes" | head -n 1 | grep -q . &&
    fail "a 503 without Retry-After: $(awk '$1 == 503 && $3 !~ /^\[[0-9]+\]$/' "$codes" | head -n 1)"
# Every 202 runs, now that the server is back (its drainers poll it);
# the senders' retries of the 503 ones are accepted now and run too
# (or are duplicates of one that was stored after all: then it runs).
awk '$1 == 503 { print $2 }' "$codes" | while read -r n; do
	x=$([ $((n % 2)) = 1 ] && echo A || echo B)
	to "$x"
	post_generic pg rec "$pre-$n"
	# 200 duplicate: the COMMIT had been made when the connection
	# broke, so it is stored (and must run, checked below).
	[ "$STATUS" = 202 ] || { [ "$STATUS" = 200 ] && grep -q '"duplicate"' "$BODY"; } ||
	    echo "$pre-$n $STATUS $BODY_TEXT"
done >"$D/out/down.retry"
[ -s "$D/out/down.retry" ] && fail "retries after the restart not accepted: $(head -n 3 "$D/out/down.retry" | tr '\n' ';')"
ran_once "$pre" "$N" logged
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
