#!/usr/bin/env bash
# run.sh: make bench. Starts everything on 127.0.0.1 itself (lighttpd
# with hookline, the floors built from bench/*.c, and the peers), runs
# the rows interleaved (A B C ... A B C ..., BENCH_ROUNDS rounds), takes
# the median of each, and prints one markdown table: req/s, p50, p99,
# non-2xx, peak RSS of the serving processes, and each row's ratio to its
# floor. Not part of make test. See bench/README.md for what each row is.
#
# Knobs (environment):
#   BENCH_DURATION=10s    measured time per row and round (wrk -d)
#   BENCH_WARMUP=1s       unmeasured wrk run before each (0: none)
#   BENCH_ROUNDS=3        rounds; each row's figures are the median
#   BENCH_THREADS=2       wrk -t
#   BENCH_CONNECTIONS=16  wrk -c
#   BENCH_MAXPROCS=2      FastCGI processes lighttpd starts per backend
#                         (hookline, floors, fcgiwrap); soak.sh uses 1
#   BENCH_ONLY=REGEX      only the rows whose id matches (grep -E), e.g.
#                         BENCH_ONLY='^(F-fcgi|F-spawn-c|1-c|2-)'; the
#                         floors a row is compared to are added
#   BENCH_SKIP=REGEX      leave out the rows whose id matches
#   BENCH_OUT=FILE        also write the table to FILE (raw rows: FILE.tsv)
#   BENCH_TMPDIR=/var/tmp where the temporary root goes (a real disk:
#                         the fsync rows measure it)
#   BENCH_KEEP=1          keep the root (configurations, logs) afterwards
#   BENCH_INSTALL=0       do not apt-get install missing packages
#   BENCH_HOOKLINE_LOG=stderr  hookline.conf's log (stderr: lighttpd's
#                         breakagelog file, one line per request)
#   HOOKLINE_BIN=./hookline
#   HOOKLINE_STATIC_BIN=build/static/hookline  (make static; rows 4s-*)
#   BENCH_BASE=REV        the build rows B-* run (default: the commit
#                         before the shared counters; built once into
#                         build/bench-base/)
#
# Quick look while debugging: BENCH_DURATION=2s BENCH_ROUNDS=1 bench/run.sh
set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$BENCH_DIR/lib.sh"

BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_WARMUP=${BENCH_WARMUP:-1s}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}
BENCH_MAXPROCS=${BENCH_MAXPROCS:-2}
BENCH_ONLY=${BENCH_ONLY:-}
BENCH_SKIP=${BENCH_SKIP:-}
BENCH_OUT=${BENCH_OUT:-}

# ---------------------------------------------------------------------
# The rows: id | case | server | how it is started | URL path | request |
# expected answer (HTTP:status) | floor id | target ratio [| a second
# floor, shown beside the first, no target].
#
# start: fcgi BIN HOOK DEDUPE   lighttpd + mod_fastcgi spawning bin/BIN
#        hookline [drain]       the same with bin/hookline (+ a drainer)
#        hookline-base          the same with bin/hookline-base (BENCH_BASE)
#        hookline [drain|paused [pg]]  the same with bin/hookline (+ a
#                               drainer; paused: no drainer, a process
#                               that does nothing (sleep) holds the
#                               spool's drain lock, so that nothing
#                               drains and the responders start none;
#                               pg: with database = the bench's
#                               PostgreSQL, schema made by db init)
#        cgi HOOK               lighttpd + mod_cgi (floor.cgi, hookline.cgi)
#        cgi-static HOOK        the same, both built -static (make static)
#        cgi-base HOOK          the same with bin/hookline-base
#        fcgiwrap HOOK          lighttpd + fcgiwrap + bench/fcgiwrap.cgi.in
#        webhook HOOK           adnanh/webhook with bench/webhook-hooks.json.in
#        gunicorn N HOOK        bench/flask_app.py, N sync workers
# HOOK: c (bin/hook), sh (bin/hook.sh), inproc (gunicorn: hook.py's
# work in the Flask route), - (none).
# request: plain           the body, no more headers (generic provider;
#                          no Webhook-Id, so hookline makes an id and
#                          keeps no duplicate record)
#          gh-push-uid     X-GitHub-Event: push, a good signature and a
#                          new X-GitHub-Delivery per request (wrk.lua)
#          gh-push-dup     the same with one fixed delivery id, already
#                          delivered once (preflight)
#          gh-badsig       push, a wrong signature
#          gh-ping-uid     ping (no hook), good signature, new ids
ROWS='
F-fcgi|floor|bare libfcgi responder|fcgi floor_fcgi - 0|/hooks/bench|plain|200:success|-|-
F-json|floor|libfcgi + json-c parse of the body|fcgi floor_json - 0|/hooks/bench|plain|200:success|F-fcgi|-
F-spawn-c|floor|libfcgi + posix_spawn, C hook|fcgi floor_spawn c 0|/hooks/bench|plain|200:success|F-fcgi|-
F-spawn-sh|floor|libfcgi + posix_spawn, sh hook|fcgi floor_spawn sh 0|/hooks/bench|plain|200:success|F-fcgi|-
F-fsync4|floor|libfcgi + spool write (4 fsyncs)|fcgi floor_fsync - 0|/hooks/bench|plain|202:accepted|F-fcgi|-
F-fsync6|floor|libfcgi + id record + spool write (6 fsyncs)|fcgi floor_fsync - 1|/hooks/bench|gh-push-uid|202:accepted|F-fcgi|-
F-pg|floor|libfcgi + one INSERT and COMMIT (libpq, unix socket)|fcgi floor_pg - 0|/hooks/bench|plain|202:accepted|F-fcgi|-
F-cgi|floor|bare C CGI program|cgi -|/cgi-bin/floor.cgi|plain|200:success|F-fcgi|-
F-cgi-spawn|floor|bare C CGI + posix_spawn, C hook|cgi c|/cgi-bin/floor.cgi|plain|200:success|F-fcgi|-
F-cgi-static|floor|bare C CGI program, static|cgi-static -|/cgi-bin/floor.cgi|plain|200:success|F-fcgi|-
1-c|1 sync|hookline, generic, C hook|hookline|/hooks/bench|plain|200:success|F-spawn-c|0.90
1-sh|1 sync|hookline, generic, sh hook|hookline|/hooks/bench_sh|plain|200:success|F-spawn-sh|0.90
1-gh|1 sync|hookline, github signed + id record, C hook|hookline|/hooks/gh|gh-push-uid|200:success|F-spawn-c|-
1-webhook|1 sync|webhook 2.8 (adnanh), C hook|webhook c|/hooks/bench|plain|200:|F-spawn-c|-
1-webhook-sh|1 sync|webhook 2.8 (adnanh), sh hook|webhook sh|/hooks/bench|plain|200:|F-spawn-sh|-
1-flask2|1 sync|Flask + gunicorn -w 2, C hook|gunicorn 2 c|/hooks/bench|plain|200:success|F-spawn-c|-
1-flask2-sh|1 sync|Flask + gunicorn -w 2, sh hook|gunicorn 2 sh|/hooks/bench|plain|200:success|F-spawn-sh|-
1-flask4|1 sync|Flask + gunicorn -w 4, C hook|gunicorn 4 c|/hooks/bench|plain|200:success|F-spawn-c|-
1-fcgiwrap|1 sync|fcgiwrap + shell CGI script, C hook|fcgiwrap c|/hook.cgi|plain|200:success|F-spawn-c|-
1-fcgiwrap-sh|1 sync|fcgiwrap + shell CGI script, sh hook|fcgiwrap sh|/hook.cgi|plain|200:success|F-spawn-sh|-
2-401|2 reject|hookline, github, bad signature (401)|hookline|/hooks/gh|gh-badsig|401:error|F-fcgi|0.90
2-ignored|2 reject|hookline, github ping: no hook (ignored)|hookline|/hooks/gh|gh-ping-uid|200:ignored|F-fcgi|0.90|F-json
2-ignored-generic|2 reject|hookline, generic, no hook (ignored)|hookline|/hooks/empty|plain|200:ignored|F-fcgi|0.90|F-json
2-dup|2 reject|hookline, github, duplicate delivery|hookline|/hooks/gh|gh-push-dup|200:duplicate|F-fcgi|0.90|F-json
3-gh|3 async|hookline, github signed + id record, drainer running|hookline drain|/hooks/gh_async|gh-push-uid|202:accepted|F-fsync6|0.80
3-generic|3 async|hookline, generic, drainer running|hookline drain|/hooks/async|plain|202:accepted|F-fsync4|0.80
3-pg|3 async|hookline, generic, PostgreSQL, drainer running|hookline drain pg|/hooks/async|plain|202:accepted|F-pg|0.80|3-generic
3-pg-accept|3 async|hookline, generic, PostgreSQL, drainer paused (accept only)|hookline paused pg|/hooks/async|plain|202:accepted|F-pg|0.80
4-ignored|4 CGI|hookline as CGI, generic, no hook (ignored)|cgi -|/cgi-bin/hookline.cgi/empty|plain|200:ignored|F-cgi|0.80
4-hook|4 CGI|hookline as CGI, generic, C hook|cgi -|/cgi-bin/hookline.cgi/bench|plain|200:success|F-cgi-spawn|0.80
4s-ignored|4 CGI|static hookline as CGI, generic, no hook (ignored)|cgi-static -|/cgi-bin/hookline.cgi/empty|plain|200:ignored|F-cgi-static|0.80
4s-gh|4 CGI|static hookline as CGI, github ping signed (ignored)|cgi-static -|/cgi-bin/hookline.cgi/gh|gh-ping-uid|200:ignored|F-cgi-static|-
B-ignored|base|hookline before counting, generic, no hook (ignored)|hookline-base|/hooks/empty|plain|200:ignored|-|-
5-ignored|5 counting|hookline, generic, no hook (ignored), counting|hookline|/hooks/empty|plain|200:ignored|B-ignored|0.97
B-401|base|hookline before counting, github, bad signature (401)|hookline-base|/hooks/gh|gh-badsig|401:error|-|-
5-401|5 counting|hookline, github, bad signature (401), counting|hookline|/hooks/gh|gh-badsig|401:error|B-401|0.97
B-c|base|hookline before counting, generic, C hook|hookline-base|/hooks/bench|plain|200:success|-|-
5-c|5 counting|hookline, generic, C hook, counting|hookline|/hooks/bench|plain|200:success|B-c|-
B-cgi-ignored|base|hookline before counting as CGI, generic, no hook|cgi-base -|/cgi-bin/hookline.cgi/empty|plain|200:ignored|-|-
5-cgi-ignored|5 counting|hookline as CGI, generic, no hook, counting|cgi -|/cgi-bin/hookline.cgi/empty|plain|200:ignored|B-cgi-ignored|0.97
B-cgi-hook|base|hookline before counting as CGI, generic, C hook|cgi-base -|/cgi-bin/hookline.cgi/bench|plain|200:success|-|-
5-cgi-hook|5 counting|hookline as CGI, generic, C hook, counting|cgi -|/cgi-bin/hookline.cgi/bench|plain|200:success|B-cgi-hook|-
6-py|6 resident|hookline, generic, Python hook one-shot|hookline|/hooks/bench_py|plain|200:success|F-spawn-c|-
6-res-c|6 resident|hookline, generic, resident C hook|hookline|/hooks/res_c|plain|200:success|F-spawn-c|3.00|1-webhook
6-res-py|6 resident|hookline, generic, resident Python hook|hookline|/hooks/res_py|plain|200:success|6-py|10.00|6-flask-py
6-flask-py|6 resident|Flask + gunicorn -w 2, the Python hook in-process|gunicorn 2 inproc|/hooks/bench|plain|200:success|6-py|-
'

# The rows chosen: BENCH_ONLY/BENCH_SKIP, plus the floor of each.
select_rows() {
	local line id floor want=() seen=" "
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		id=${line%%|*}
		if [ -n "$BENCH_ONLY" ] && ! grep -Eq -- "$BENCH_ONLY" <<<"$id"; then
			continue
		fi
		if [ -n "$BENCH_SKIP" ] && grep -Eq -- "$BENCH_SKIP" <<<"$id"; then
			continue
		fi
		want+=("$id")
		floor=$(cut -d'|' -f8 <<<"$line")
		[ "$floor" != - ] && want+=("$floor")
		floor=$(cut -d'|' -f10 <<<"$line")
		[ -n "$floor" ] && want+=("$floor")
	done <<<"$ROWS"
	seen=" ${want[*]} "
	SELECTED=()
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		id=${line%%|*}
		[[ $seen == *" $id "* ]] && SELECTED+=("$line")
	done <<<"$ROWS"
}

hook_path() {
	case $1 in
	c) echo "$BENCH_ROOT/bin/hook" ;;
	sh) echo "$BENCH_ROOT/bin/hook.sh" ;;
	inproc) echo inproc ;;
	*) echo "" ;;
	esac
}

# What each row needs from Debian beyond lighttpd and wrk.
row_available() {
	case $1 in
	webhook*) command -v webhook >/dev/null 2>&1 ;;
	gunicorn*) command -v gunicorn >/dev/null 2>&1 &&
	    python3 -c 'import flask' 2>/dev/null ;;
	fcgiwrap*) [ -x /usr/sbin/fcgiwrap ] ;;
	hookline-base*) [ -x "$BENCH_ROOT/bin/hookline-base" ] ;;
	*floor_pg*) [ -x "$BENCH_ROOT/bin/floor_pg" ] && [ -n "${BENCH_PG:-}" ] ;;
	hookline*pg) [ -x "$BENCH_ROOT/bin/hookline" ] && [ -n "${BENCH_PG:-}" ] ;;
	hookline*) [ -x "$BENCH_ROOT/bin/hookline" ] ;;
	cgi-base*) [ -x "$BENCH_ROOT/bin/hookline-base" ] ;;
	cgi-static*) [ -x "$BENCH_ROOT/bin/hookline-static" ] ||
	    [[ $2 == *floor.cgi* ]] ;;
	cgi*) [ -x "$BENCH_ROOT/bin/hookline" ] || [[ $2 == *floor.cgi* ]] ;;
	*) return 0 ;;
	esac
}

# ---------------------------------------------------------------------
# Starting a row's server. Sets URL and SERVING (a function printing the
# pids whose VmHWM is the row's peak RSS).

start_row() {
	local start=$1 path=$2
	set -- $start
	case $start in
	*floor_pg*|*pg)
		pg_fresh || die "cannot make the bench database again" ;;
	esac
	case $1 in
	fcgi)
		start_lighttpd fastcgi "$BENCH_ROOT/bin/$2" "$(hook_path "$3")" \
		    "$BENCH_MAXPROCS" "$4"
		SERVING="children_of $LT_PID" ;;
	hookline-base)
		start_lighttpd fastcgi "$BENCH_ROOT/bin/hookline-base" "" \
		    "$BENCH_MAXPROCS" 0
		SERVING="children_of $LT_PID" ;;
	hookline)
		if [ "${3:-}" = pg ]; then
			# A global key: at the top, before any section.
			{ printf 'database = %s\n' "$BENCH_PG"; cat "$RUN/hookline.conf"; } \
			    >"$RUN/hookline.conf.new" &&
			    mv "$RUN/hookline.conf.new" "$RUN/hookline.conf"
			"$BENCH_ROOT/bin/hookline" -c "$RUN/hookline.conf" db init \
			    >>"$RUN/log/db-init.log" 2>&1 ||
			    die "hookline db init failed: $(tail -n 3 "$RUN/log/db-init.log")"
		fi
		if [ "${2:-}" = drain ]; then
			"$BENCH_ROOT/bin/hookline" -c "$RUN/hookline.conf" drain \
			    --follow >>"$RUN/log/drain.log" 2>&1 &
			DRAIN_PID=$!
			BENCH_PIDS+=("$DRAIN_PID")
		fi
		if [ "${2:-}" = paused ]; then
			# The spool's drain lock held by a process that does
			# nothing (one process: the subshell becomes sleep,
			# holding the locked descriptor), so that the
			# responders start no drainer and nothing drains: no
			# stopped drainer whose workers (the database's) go on.
			( exec 9>>"$RUN/spool/drain.lock" && flock -x 9 &&
			    exec sleep 86400 ) &
			PAUSED_PID=$!
			BENCH_PIDS+=("$PAUSED_PID")
			wait_for 50 eval "! flock -n '$RUN/spool/drain.lock' true" ||
			    die "cannot hold the spool's drain lock"
		fi
		start_lighttpd fastcgi "$BENCH_ROOT/bin/hookline" "" \
		    "$BENCH_MAXPROCS" 0
		SERVING="children_of $LT_PID" ;;
	cgi|cgi-static|cgi-base)
		local sfx= fsfx=
		[ "$1" = cgi-static ] && sfx=-static fsfx=_static
		[ "$1" = cgi-base ] && sfx=-base
		install -m 0755 "$BENCH_ROOT/bin/floor_cgi$fsfx" \
		    "$RUN/www/cgi-bin/floor.cgi"
		[ -x "$BENCH_ROOT/bin/hookline$sfx" ] &&
		    install -m 0755 "$BENCH_ROOT/bin/hookline$sfx" \
		    "$RUN/www/cgi-bin/hookline.cgi"
		start_lighttpd cgi "" "$(hook_path "$2")" 1 0
		SERVING="" ;;
	fcgiwrap)
		fill "$BENCH_DIR/fcgiwrap.cgi.in" "" "" "$(hook_path "$2")" \
		    >"$RUN/www/hook.cgi"
		chmod 0755 "$RUN/www/hook.cgi"
		start_lighttpd fcgiwrap "" "" "$BENCH_MAXPROCS" 0
		SERVING="children_of $LT_PID" ;;
	webhook)
		PORT=$(free_port) || die "no free port"
		fill "$BENCH_DIR/webhook-hooks.json.in" "" "" "$(hook_path "$2")" \
		    >"$RUN/hooks.json"
		webhook -hooks "$RUN/hooks.json" -ip 127.0.0.1 -port "$PORT" \
		    -nopanic >>"$RUN/log/webhook.log" 2>&1 &
		SRV_PID=$!
		BENCH_PIDS+=("$SRV_PID")
		SERVING="echo $SRV_PID" ;;
	gunicorn)
		PORT=$(free_port) || die "no free port"
		PYTHONDONTWRITEBYTECODE=1 BENCH_HOOK=$(hook_path "$3") \
		    gunicorn -w "$2" -b "127.0.0.1:$PORT" --chdir "$BENCH_DIR" \
		    --pid "$RUN/run/gunicorn.pid" --log-level warning \
		    --error-logfile "$RUN/log/gunicorn.log" flask_app:app \
		    >>"$RUN/log/gunicorn.out" 2>&1 &
		SRV_PID=$!
		BENCH_PIDS+=("$SRV_PID")
		SERVING="gunicorn_pids $SRV_PID" ;;
	*)
		die "unknown start $start" ;;
	esac
	wait_for 150 port_open "$PORT" || die "nothing listens on $PORT ($start)"
	URL=http://127.0.0.1:$PORT$path
}

gunicorn_pids() {
	echo "$1"
	children_of "$1"
}

# ---------------------------------------------------------------------
# Requests. set_request KIND ID-PREFIX: the environment wrk.lua reads,
# and PRE_HEADERS (curl -H arguments) for the preflight request. The
# fixed id is the same for the preflight, the warm-up and the measured
# run, so that only the preflight's first delivery is new.
FIXED_ID=bench-fixed-delivery-id

set_request() {
	export BENCH_BODY_FILE=$BODY BENCH_HEADERS="" BENCH_ID_HEADER="" \
	    BENCH_ID_PREFIX=$2
	PRE_HEADERS=()
	case $1 in
	plain) ;;
	gh-push-uid|gh-push-dup|gh-badsig|gh-ping-uid)
		local ev=push sig=$BODY_SIG
		[ "$1" = gh-ping-uid ] && ev=ping
		[ "$1" = gh-badsig ] && sig=$BAD_SIG
		BENCH_HEADERS="X-GitHub-Event: $ev"$'\n'"X-Hub-Signature-256: $sig"
		case $1 in
		*-uid) BENCH_ID_HEADER=X-GitHub-Delivery ;;
		*) BENCH_HEADERS+=$'\n'"X-GitHub-Delivery: $FIXED_ID" ;;
		esac
		PRE_HEADERS=(-H "X-GitHub-Event: $ev" -H "X-Hub-Signature-256: $sig") ;;
	*) die "unknown request $1" ;;
	esac
}

# preflight KIND EXPECT: one request as wrk will send it; 0 when the
# answer is EXPECT (HTTP:status). Sets PRE_GOT.
preflight() {
	local kind=$1 expect=$2 code status id=$BENCH_ID_PREFIX-preflight
	local hdr=("${PRE_HEADERS[@]}")
	case $kind in
	*-uid) hdr+=(-H "X-GitHub-Delivery: $id") ;;
	gh-push-dup|gh-badsig) hdr+=(-H "X-GitHub-Delivery: $FIXED_ID") ;;
	esac
	preflight_send() {
		code=$(curl -sS -o "$RUN/preflight.body" -w '%{http_code}' \
		    --max-time 60 -X POST -H 'Expect:' \
		    -H 'Content-Type: application/json' "${hdr[@]}" \
		    --data-binary "@$BODY" "$URL" 2>>"$RUN/log/curl.err") || code=000
		status=$(sed -n 's/.*"status" *: *"\([a-z_]*\)".*/\1/p' \
		    "$RUN/preflight.body" 2>/dev/null | head -n 1)
	}
	preflight_send
	# the duplicate case: the first delivery runs, the second is the one
	[ "$kind" = gh-push-dup ] && preflight_send
	PRE_GOT="$code:$status"
	[ "$PRE_GOT" = "$expect" ]
}

# ---------------------------------------------------------------------
# wrk and its --latency output.

run_wrk() {	# DURATION OUTFILE
	wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"$1" --latency \
	    --timeout 10s -s "$BENCH_DIR/wrk.lua" "$URL" >"$2" 2>&1
}

# parse_wrk FILE: "req/s p50_ms p99_ms non2xx socket_errors requests"
parse_wrk() {
	awk '
	function ms(s) {
		if (s ~ /us$/) { sub(/us$/, "", s); return s / 1000 }
		if (s ~ /ms$/) { sub(/ms$/, "", s); return s + 0 }
		if (s ~ /m$/) { sub(/m$/, "", s); return s * 60000 }
		if (s ~ /s$/) { sub(/s$/, "", s); return s * 1000 }
		return s + 0
	}
	/^ +50%/ { p50 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/requests in/ { total = $1 }
	/Non-2xx or 3xx responses:/ { non = $NF }
	/Socket errors:/ {
		gsub(/,/, ""); errs = $4 + $6 + $8 + $10
	}
	/^Requests\/sec:/ { rps = $2 }
	END {
		if (rps == "") { print "0 0 0 0 0 0"; exit }
		printf "%.1f %.3f %.3f %d %d %d\n", rps, p50, p99, non, errs, total
	}' "$1"
}

# ---------------------------------------------------------------------
# Peak RSS. For long-lived servers, VmHWM of each serving process after
# the measured run: "total_kib max_kib count". For CGI, one request run
# by maxrss with the environment mod_cgi gives (the process is too short
# for /proc).

rss_of() {
	local p k total=0 max=0 n=0
	for p in $($SERVING); do
		k=$(proc_kib "$p" VmHWM)
		[ "${k:-0}" -gt 0 ] || continue
		total=$((total + k))
		[ "$k" -gt "$max" ] && max=$k
		n=$((n + 1))
	done
	echo "$total $max $n"
}

rss_cgi() {	# URL-PATH
	local path=$1 script info k
	script=${path#/cgi-bin/}
	info=/${script#*/}
	script=${script%%/*}
	[ "$info" = "/$script" ] && info=""
	k=$(env -i PATH=/usr/bin:/bin GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH="$BODY_LEN" \
	    SCRIPT_NAME="/cgi-bin/$script" PATH_INFO="$info" \
	    REMOTE_ADDR=127.0.0.1 SERVER_NAME=127.0.0.1 SERVER_PORT="$PORT" \
	    HOOKLINE_CONF="$RUN/hookline.conf" \
	    FLOOR_HOOK="$(hook_path "$CGI_HOOK")" \
	    "$BENCH_ROOT/bin/maxrss" "$RUN/www/cgi-bin/$script" \
	    <"$BODY" 2>&1 >/dev/null | sed -n 's/^maxrss_kib //p')
	echo "0 ${k:-0} 1"
}

# ---------------------------------------------------------------------
# One row, one round: start, preflight, warm up, measure, RSS, stop.
# Appends to RESULTS: id round rps p50 p99 non2xx errs requests
# rss_total rss_max nprocs note

run_row() {
	local line=$1 round=$2 id case server start path req expect floor target
	local fig rss note="" k pending
	IFS='|' read -r id case server start path req expect floor target <<<"$line"
	new_run "$id-r$round"
	DRAIN_PID=""
	PAUSED_PID=""
	CGI_HOOK=-
	[[ $start == cgi* ]] && CGI_HOOK=${start#* }
	[[ $start == *-base* ]] && note="BENCH_BASE ${BASE_REV:0:12}"
	printf '  %-18s round %d: ' "$id" "$round" >&2
	start_row "$start" "$path"
	set_request "$req" "b$round-$id"
	if ! preflight "$req" "$expect"; then
		note="preflight answered $PRE_GOT, expected $expect"
		say "WARNING: $note ($URL)"
		head -c 300 "$RUN/preflight.body" >&2 2>/dev/null && echo >&2
	fi
	if [ "$BENCH_WARMUP" != 0 ]; then
		set_request "$req" "w$round-$id"
		run_wrk "$BENCH_WARMUP" "$RUN/warmup.out"
	fi
	set_request "$req" "m$round-$id"
	run_wrk "$BENCH_DURATION" "$RUN/wrk.out"
	fig=$(parse_wrk "$RUN/wrk.out")
	if [ -n "$SERVING" ]; then
		rss=$(rss_of)
	else
		rss=$(rss_cgi "$path")
	fi
	if [ -n "$DRAIN_PID" ] || [ -n "$PAUSED_PID" ]; then
		if [[ $start == *pg ]]; then
			pending=$(pg_pending)
		else
			pending=$(ls "$RUN/spool/new" 2>/dev/null | wc -l)
		fi
	fi
	if [ -n "$DRAIN_PID" ]; then
		k=$(proc_kib "$DRAIN_PID" VmHWM)
		note="${note:+$note; }drainer $(kib_mib "$k") MiB, $pending left pending"
	elif [ -n "$PAUSED_PID" ]; then
		note="${note:+$note; }no drainer, $pending pending"
	fi
	[ "${fig%% *}" = 0 ] && note="${note:+$note; }wrk: $(tail -n 3 "$RUN/wrk.out" | tr '\n' ' ')"
	set -- $fig
	printf '%s req/s, p50 %s ms, p99 %s ms, non-2xx %s%s\n' "$1" "$2" "$3" \
	    "$4" "${note:+ ($note)}" >&2
	printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$round" "$(tr ' ' '\t' <<<"$fig")" \
	    "$(tr ' ' '\t' <<<"$rss")" "$note" >>"$RESULTS"
	stop_run
	[ "$BENCH_KEEP" = 1 ] || rm -rf "$RUN/spool" "$RUN/www/cgi-bin"
	# The removal of thousands of spool files, and the row's own
	# writes, are flushed now: not during the next row's fsyncs.
	sync
}

# ---------------------------------------------------------------------
# The table: medians over rounds, ratios of medians.

median() {	# numbers on stdin
	sort -g | awk '{v[NR] = $1} END {
		if (NR == 0) { print 0; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

col() {	# ID FIELD: that field of every round of ID
	awk -F'\t' -v id="$1" -v f="$2" '$1 == id {print $f}' "$RESULTS"
}

fmt_rps() { awk -v v="$1" 'BEGIN {printf "%.0f", v}'; }
fmt_ms() { awk -v v="$1" 'BEGIN {printf (v < 10 ? "%.2f" : "%.1f"), v}'; }

print_table() {
	local line id case server start path req expect floor target also
	local rps p50 p99 non errs rss_t rss_m n fr ratio cell notes
	declare -A RPS
	for line in "${SELECTED[@]}"; do
		id=${line%%|*}
		RPS[$id]=$(col "$id" 3 | median)
	done
	echo "| case | server | req/s | p50 ms | p99 ms | non-2xx | peak RSS (MiB) | ratio to floor |"
	echo "|---|---|---:|---:|---:|---:|---:|---|"
	for line in "${SELECTED[@]}"; do
		IFS='|' read -r id case server start path req expect floor target also <<<"$line"
		[ -n "$(col "$id" 3)" ] || continue
		rps=${RPS[$id]}
		p50=$(col "$id" 4 | median)
		p99=$(col "$id" 5 | median)
		non=$(col "$id" 6 | median)
		errs=$(col "$id" 7 | median)
		rss_t=$(col "$id" 9 | sort -g | tail -n 1)
		rss_m=$(col "$id" 10 | sort -g | tail -n 1)
		n=$(col "$id" 11 | sort -g | tail -n 1)
		non=$(fmt_rps "$non")
		[ "${expect%%:*}" -ge 400 ] && non="$non (all ${expect%%:*}, as meant)"
		[ "$(fmt_rps "$errs")" != 0 ] && non="$non (+$(fmt_rps "$errs") socket errors)"
		if [ "${n:-0}" -gt 1 ]; then
			cell="$(kib_mib "$rss_t") ($n × ≤ $(kib_mib "$rss_m"))"
		else
			cell=$(kib_mib "$rss_m")
		fi
		if [ "$floor" = - ]; then
			ratio="floor"
		else
			fr=${RPS[$floor]:-0}
			ratio=$(awk -v a="$rps" -v b="$fr" 'BEGIN {
			    if (b > 0) printf "%.2f", a / b; else printf "n/a" }')
			if [ "$case" = floor ]; then
				ratio="floor ($ratio × $floor)"
			elif [ "$target" != - ] && [ "$ratio" != n/a ]; then
				if awk -v r="$ratio" -v t="$target" 'BEGIN {exit !(r >= t)}'; then
					ratio="$ratio × $floor (≥ $target ✓)"
				else
					ratio="$ratio × $floor (≥ $target ✗)"
					MISSED+=("$id $ratio")
				fi
			else
				ratio="$ratio × $floor"
			fi
			if [ -n "$also" ] && [ -n "${RPS[$also]:-}" ]; then
				ratio="$ratio; $(awk -v a="$rps" -v b="${RPS[$also]}" \
				    'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}') × $also"
			fi
		fi
		notes=$(col "$id" 12 | grep -v '^$' | sort -u | head -n 2 | paste -sd';' -)
		[ -n "$notes" ] && NOTES+=("$id: $notes")
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$case" "$server" \
		    "$(fmt_rps "$rps")" "$(fmt_ms "$p50")" "$(fmt_ms "$p99")" "$non" \
		    "$cell" "$ratio"
		if [[ $start == hookline* ]] && [ "${rss_m:-0}" -gt "$HOOKLINE_HWM" ]; then
			HOOKLINE_HWM=$rss_m
		fi
	done
}

# ---------------------------------------------------------------------

main() {
	local p need=(wrk lighttpd libfcgi-dev openssl curl webhook gunicorn
	    python3-flask fcgiwrap)
	need_packages "${need[@]}" ||
	    say "bench: rows whose server is missing are left out"
	command -v wrk >/dev/null || die "wrk is not installed"
	[ -x "$LIGHTTPD" ] || die "lighttpd is not installed"
	make_bench_root
	build_bench
	make_body
	make_hooks
	RESULTS=$BENCH_ROOT/results.tsv
	: >"$RESULTS"
	select_rows
	BENCH_PG=
	if printf '%s\n' "${SELECTED[@]}" | cut -d'|' -f4 | grep -q 'pg'; then
		need_packages postgresql libpq-dev &&
		    bench_pg_start 2>"$BENCH_ROOT/pg-start.err" ||
		    say "bench: no PostgreSQL ($(tail -n 1 "$BENCH_ROOT/pg-start.err" 2>/dev/null)): its rows are left out"
	fi
	local runnable=() line id start path
	for line in "${SELECTED[@]}"; do
		IFS='|' read -r id _ _ start path _ <<<"$line"
		if row_available "$start" "$path"; then
			runnable+=("$line")
		else
			say "bench: $id left out: its server is not installed"
		fi
	done
	SELECTED=("${runnable[@]}")
	[ ${#SELECTED[@]} -gt 0 ] || die "no rows to run"

	local load0 t0 r
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(date +%s)
	say "bench: ${#SELECTED[@]} rows x $BENCH_ROUNDS rounds x $BENCH_DURATION" \
	    "(wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS), root $BENCH_ROOT"
	for ((r = 1; r <= BENCH_ROUNDS; r++)); do
		say "round $r of $BENCH_ROUNDS"
		for line in "${SELECTED[@]}"; do
			run_row "$line" "$r"
		done
	done

	MISSED=()
	NOTES=()
	HOOKLINE_HWM=0
	print_table >"$BENCH_ROOT/table.md"
	{
		echo
		echo "hookline bench, $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) cores," \
		    "$(uname -r), lighttpd $(dpkg-query -W -f='${Version}' lighttpd 2>/dev/null)," \
		    "wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS -d$BENCH_DURATION," \
		    "$BENCH_ROUNDS round(s) interleaved, median; FastCGI max-procs $BENCH_MAXPROCS;" \
		    "body $BODY_LEN bytes; load average before: $load0," \
		    "after: $(cut -d' ' -f1-3 /proc/loadavg); $(( $(date +%s) - t0 )) s"
		echo
		cat "$BENCH_ROOT/table.md"
		echo
		echo "peak RSS: VmHWM of the serving processes (the web server itself not"
		echo "counted; for CGI, one request's process). \"a (n × ≤ b)\": a in all, n"
		echo "processes, none above b. Ratios: req/s over the floor's, same run."
		local hw
		hw=$(kib_mib "$HOOKLINE_HWM")
		if [ "$HOOKLINE_HWM" -gt 0 ]; then
			if [ "$HOOKLINE_HWM" -le 4096 ]; then
				echo "largest hookline FastCGI process: $hw MiB (target ≤ 4 MiB ✓)"
			else
				echo "largest hookline FastCGI process: $hw MiB (target ≤ 4 MiB ✗)"
			fi
		fi
		for line in "${MISSED[@]}"; do echo "below target: $line"; done
		for line in "${NOTES[@]}"; do echo "note: $line"; done
		awk -v l="${load0%% *}" 'BEGIN {exit !(l > 0.5)}' &&
		    echo "WARNING: the machine was busy before the bench (load $load0):" \
		    "figures are noisy; take final ones on a quiet machine."
	} >"$BENCH_ROOT/report.md"
	cat "$BENCH_ROOT/report.md"
	if [ -n "$BENCH_OUT" ]; then
		cp "$BENCH_ROOT/report.md" "$BENCH_OUT"
		cp "$RESULTS" "$BENCH_OUT.tsv"
	fi
	return 0
}

main "$@"
