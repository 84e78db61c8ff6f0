# A section's max_running is that endpoint's alone: two deliveries sent
# at once to [limit_one] (max_running = 1) run one after the other, the
# second waiting for the first rather than getting 429; two sent at once
# to [limit_many] (no bound) run side by side. Compared by the order of
# what the hooks write, not by times.
add_endpoints "[limit_one]
provider    = generic
max_running = 1
timeout     = 10

[limit_many]
provider    = generic
timeout     = 10"
for ep in limit_one limit_many; do
	hook "$ep/span" "printf 'start %s\n' \"\$HOOKLINE_DELIVERY\" >>$ROOT/out/span.$ep.log
sleep 2
printf 'end %s\n' \"\$HOOKLINE_DELIVERY\" >>$ROOT/out/span.$ep.log"
done

# two_at_once EP: two deliveries to EP at the same moment; sets ORDER to
# the order of starts and ends, "s s e e " or "s e s e "; fails unless
# both are answered 200 success.
two_at_once() {
	local ep=$1 i id
	for i in 1 2; do
		id=$(new_id)
		curl -sS -o "$ROOT/data/span.$ep.$i.body" -w '%{http_code}' \
		    --max-time 30 -H 'Expect:' -H 'Content-Type: application/json' \
		    -H "Webhook-Id: $id" --data-binary '{"event":"span","data":{}}' \
		    "$BASE/$ep" >"$ROOT/data/span.$ep.$i.code" 2>&1 &
	done
	wait
	for i in 1 2; do
		[ "$(cat "$ROOT/data/span.$ep.$i.code")" = 200 ] &&
		    [ "$(jq -r .status "$ROOT/data/span.$ep.$i.body" 2>/dev/null)" = success ] ||
		    fail "$ep: delivery $i: HTTP $(cat "$ROOT/data/span.$ep.$i.code") $(head -c 300 "$ROOT/data/span.$ep.$i.body")"
	done
	[ "$(grep -c . "$ROOT/out/span.$ep.log")" = 4 ] ||
	    fail "$ep: the hooks wrote $(grep -c . "$ROOT/out/span.$ep.log") lines, expected 4"
	ORDER=$(awk '{ printf "%s ", substr($1, 1, 1) }' "$ROOT/out/span.$ep.log")
}

two_at_once limit_one
[ "$ORDER" = "s e s e " ] ||
    fail "limit_one (max_running = 1): runs overlapped: $(tr '\n' '|' <"$ROOT/out/span.limit_one.log")"
# One after the other means each ended before the other started.
awk 'NR % 2 == 1 { s = $2 } NR % 2 == 0 && $2 != s { exit 1 }' "$ROOT/out/span.limit_one.log" ||
    fail "limit_one: a delivery ended that had not started last: $(tr '\n' '|' <"$ROOT/out/span.limit_one.log")"

two_at_once limit_many
[ "$ORDER" = "s s e e " ] ||
    fail "limit_many (no bound of its own): runs did not overlap: $(tr '\n' '|' <"$ROOT/out/span.limit_many.log")"
