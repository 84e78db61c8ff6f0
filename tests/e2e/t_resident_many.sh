# A resident Python hook and a resident shell hook answer 1,000
# deliveries each (sent 4 at a time by resident_client.py), with the
# right events and bodies (the sha256 each hook computed over what it
# read equals the client's), one worker process per FastCGI process for
# the whole run (the pids the hooks recorded), HOOKLINE_RESIDENT=1 in
# their environment and their output in the log's tails. Under
# apache-cgi the same files run one-shot: 30 deliveries each, a process
# per delivery. The time each batch took is printed (no assertion).
. "$E2E_DIR/resident_lib.sh"
res_endpoint res_many
resident_py res_many/py.resident v1 \
    'status = 0 if os.environ.get("HOOKLINE_RESIDENT") == "1" else 9'
resident_sh res_many/sh.resident v1 \
    '[ "$HOOKLINE_RESIDENT" = 1 ] || status=9'
res_ready res_many

N=1000
[ "$SERVER" = apache-cgi ] && N=30
for ev in py sh; do
	sent=$ROOT/data/res_many.$ev.sent
	t0=$(date +%s.%N)
	timeout 300 python3 "$E2E_DIR/resident_client.py" "$BASE/res_many" \
	    "$ev.resident" "$N" 4 "$sent" 2>"$sent.err" ||
	    fail "$ev: the client failed: $(tail -n 3 "$sent.err")"
	t1=$(date +%s.%N)
	note "$ev: $N deliveries in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	bad=$(awk '$2 != 200 || $3 != "success"' "$sent" | head -n 3)
	[ -z "$bad" ] || fail "$ev: answers other than 200 success (first ones: $(printf '%s' "$bad" | tr '\n' ';'))"
	[ "$(wc -l <"$sent")" = "$N" ] || fail "$ev: the client sent $(wc -l <"$sent") of $N"
	# What was sent, as the hook must have recorded it.
	awk -v e="$ev.resident" '{ print e, $4, $5 }' "$sent" | sort >"$sent.want"
	awk '{ print $1, $2, $3 }' "$ROOT/out/$ev.resident.rec" 2>/dev/null | sort >"$sent.got"
	if ! cmp -s "$sent.want" "$sent.got"; then
		fail "$ev: the hook's records differ from what was sent: $(diff "$sent.want" "$sent.got" | grep -c '^[<>]') lines, e.g. $(diff "$sent.want" "$sent.got" | grep '^[<>]' | head -n 2 | tr '\n' ';')"
	fi
	pids=$(rec_field "$ev.resident" 7 | sort -u | wc -l)
	if [ "$SERVER" = apache-cgi ]; then
		[ "$pids" = "$N" ] || fail "$ev: one-shot, yet $pids processes for $N deliveries"
	else
		one_pid_per_parent "$ev.resident"
		parents=$(rec_field "$ev.resident" 5 | sort -u | wc -l)
		note "$ev: $pids worker(s) for $parents FastCGI process(es)"
		for p in $(rec_field "$ev.resident" 5 | sort -u); do
			grep -q hookline "/proc/$p/cmdline" 2>/dev/null ||
			    fail "$ev: the parent $p of a worker is not a hookline process"
		done
	fi
	# The output of one delivery is in its log line's tails.
	d=$(awk 'NR == 5 { print $4 }' "$sent")
	wait_for 30 eval "cat $LOGS 2>/dev/null | grep -F '$d' | grep -qF '$ev-out $d'" ||
	    fail "$ev: no log line of $d with its output '$ev-out $d'"
done
