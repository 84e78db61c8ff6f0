# Async deliveries that reach a FastCGI process together are stored in
# one transaction (fcgi.c, handle_begin, db_accept_many): each answered
# 202 only after that COMMIT, each stored and run once; a delivery the
# server refuses fails only itself (503), never its batch-mates.
#
# To make requests queue behind each other deterministically, a trigger
# of the test's own makes every INSERT of this case's deliveries take
# 0.2 s, and one with an id ending in "-bad" be refused by the server.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up
pre=$(new_id)

pg_sql "CREATE FUNCTION e2e_slow() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	IF NEW.delivery_id LIKE '%-bad' THEN
		RAISE EXCEPTION 'e2e: refused';
	END IF;
	PERFORM pg_sleep(0.2);
	RETURN NEW;
END \$\$;
CREATE TRIGGER e2e_slow BEFORE INSERT ON hookline_delivery FOR EACH ROW
WHEN (NEW.delivery_id LIKE '$pre-%') EXECUTE FUNCTION e2e_slow();" >/dev/null ||
    { fail "cannot make the trigger"; case_end; }

# 24 deliveries to host A (two FastCGI processes) from 12 clients at
# once, number 7 refused by the server.
seq 1 24 | sed -e "s/^7\$/7-bad/" | xargs -P 12 -n 1 sh -c 'curl -sS -o /dev/null --max-time 30 \
    -w "%{http_code} $0\n" -H "Expect:" -H "Content-Type: application/json" \
    -H "Webhook-Id: '"$pre"'-$0" --data-binary "{\"event\":\"rec\",\"data\":{}}" \
    "'"$BASE_A"'/pg"' >"$D/out/codes" 2>"$D/out/curl.err"
[ "$(wc -l <"$D/out/codes")" = 24 ] || fail "$(wc -l <"$D/out/codes") answers for 24 requests: $(head -c 300 "$D/out/curl.err")"
[ "$(grep -c '^202 ' "$D/out/codes")" = 23 ] || fail "expected 23 answers 202: $(sort "$D/out/codes" | tr '\n' ' ')"
grep -qx '503 7-bad' "$D/out/codes" || fail "the refused delivery was not answered 503: $(grep 7-bad "$D/out/codes")"

# Batches happened, and each line says how many came together: a batch
# of N has N lines saying N.
# shellcheck disable=SC2086
cat $LOGS_A 2>/dev/null | grep -F "\"delivery\":\"$pre-" | grep -o '"batch":[0-9]*' |
    cut -d: -f2 | sort -n | uniq -c >"$D/out/batches"
[ -s "$D/out/batches" ] || fail "no log line says it was stored in a batch of several"
while read -r lines size; do
	[ $((lines % size)) = 0 ] || fail "$lines lines say batch $size"
done <"$D/out/batches"
# shellcheck disable=SC2086
cat $LOGS_A 2>/dev/null | grep -F "\"delivery\":\"$pre-7-bad\"" | grep -q '"status":503' ||
    fail "no log line of the refused delivery with 503"

# Each stored once, none of the refused one, and each run once.
stored=$(pg_sql "SELECT count(*), count(DISTINCT delivery_id) FROM hookline_delivery WHERE delivery_id LIKE '$pre-%'")
[ "$stored" = "23|23" ] || fail "stored (rows|distinct ids): $stored, expected 23|23"
pg_sql "DROP TRIGGER e2e_slow ON hookline_delivery" >/dev/null
wait_for 600 eval '[ "$(grep -c "^$pre-" "$RUNS" 2>/dev/null)" -ge 23 ]' ||
    fail "after 60 s, $(grep -c "^$pre-" "$RUNS") of 23 ran"
sleep 1	# a second run, were there one, would show by now
[ "$(grep "^$pre-" "$RUNS" | cut -d' ' -f1 | sort -u | wc -l)" = 23 ] || fail "not 23 distinct deliveries ran"
[ -z "$(grep "^$pre-" "$RUNS" | cut -d' ' -f1 | sort | uniq -d)" ] || fail "a delivery ran twice"
grep -q "^$pre-7-bad " "$RUNS" && fail "the refused delivery ran"
[ "$E2E_FAILS" -eq 0 ] && note "batches (lines size): $(tr -s ' ' <"$D/out/batches" | tr '\n' ';')"
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
