# 500 async deliveries from 16 concurrent clients: every one is answered
# 202, and every one runs exactly once.
. "$E2E_DIR/async_lib.sh"
async_setup
O=$ROOT/out/async-many.log
N=${ASYNC_MANY:-500}
hook async/many "printf '%s\n' \"\$HOOKLINE_DELIVERY\" >>$O"
pre=$(new_id)
seq 1 "$N" | xargs -P 16 -I{} curl -sS -o /dev/null --max-time 30 \
    -w '%{http_code} {}\n' -H 'Expect:' -H 'Content-Type: application/json' \
    -H "Webhook-Id: $pre-{}" --data-binary '{"event":"many","data":{"n":{}}}' \
    "$BASE/async" >"$ROOT/data/many.codes" 2>"$ROOT/data/many.curlerr"
n202=$(grep -c '^202 ' "$ROOT/data/many.codes")
[ "$n202" = "$N" ] || fail "$n202 of $N answered 202: $(grep -v '^202 ' "$ROOT/data/many.codes" | cut -d' ' -f1 | sort | uniq -c | tr '\n' ' ')"
ran() { [ "$(grep -cF -- "$pre-" "$O" 2>/dev/null)" -ge "$N" ]; }
wait_for 900 ran || fail "after 90 s, $(grep -cF -- "$pre-" "$O") of $N ran"
sleep 1
total=$(grep -cF -- "$pre-" "$O")
uniq=$(grep -F -- "$pre-" "$O" | sort -u | wc -l)
[ "$uniq" = "$N" ] || fail "$uniq distinct deliveries ran, expected $N"
[ "$total" = "$N" ] || fail "$total runs for $N deliveries: $(grep -F -- "$pre-" "$O" | sort | uniq -d | head -3 | tr '\n' ' ') ran twice"
