#!/usr/bin/env bash
# soak.sh: make soak. One hookline FastCGI process under lighttpd
# ("max-procs" => 1), SOAK_REQUESTS requests (200,000) bounded in count
# (soak.lua stops each wrk thread after its share) and in time
# (SOAK_MAX_TIME), over a rotation of 12 request kinds: sync with a hook,
# signed GitHub with a new id, bad signature, ignored (GitHub, generic),
# duplicate, invalid JSON, missing field, unknown endpoint, wrong media
# type, async, GET.
# VmRSS, VmHWM and the open fd count of that process are read from /proc
# after a warm-up (SOAK_WARMUP requests), every SOAK_SAMPLE seconds
# during, and after. Passes when:
#   - the same process served every request (no crash, no respawn);
#   - VmRSS stayed within ±SOAK_RSS_TOLERANCE % (5) of the warm figure;
#   - VmHWM stayed at or below SOAK_HWM_MAX_KIB (4096: 4 MiB);
#   - the open fd count after equals the one before;
#   - wrk saw no socket errors, and all requests were answered.
# Exit 0 when all hold, 1 otherwise.
#
# SOAK_VALGRIND=1: instead, hookline runs under valgrind memcheck
# (`hookline fcgi --listen`, lighttpd connecting to it), 2,000 requests of
# the same rotation, then SIGTERM; reports valgrind's "definitely lost"
# and its error count, and fails when either is above 0.
#
# Knobs: SOAK_REQUESTS (200000; 2000 with SOAK_VALGRIND=1), SOAK_WARMUP
# (2000), SOAK_MAX_TIME (1800s), SOAK_SAMPLE (2), SOAK_THREADS (2),
# SOAK_CONNECTIONS (8), SOAK_RSS_TOLERANCE (5), SOAK_HWM_MAX_KIB (4096),
# SOAK_VALGRIND_LOG (where valgrind's log is copied: /tmp/hookline-soak-valgrind.log),
# and BENCH_TMPDIR, BENCH_KEEP, BENCH_INSTALL, HOOKLINE_BIN as in run.sh.
set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$BENCH_DIR/lib.sh"

SOAK_VALGRIND=${SOAK_VALGRIND:-0}
SOAK_PROFILE=${SOAK_PROFILE:-}
if [ "$SOAK_VALGRIND" = 1 ]; then
	SOAK_REQUESTS=${SOAK_REQUESTS:-2000}
	SOAK_WARMUP=${SOAK_WARMUP:-0}
elif [ -n "${SOAK_PROFILE:-}" ]; then
	SOAK_REQUESTS=${SOAK_REQUESTS:-2000}
	SOAK_WARMUP=${SOAK_WARMUP:-200}
else
	SOAK_REQUESTS=${SOAK_REQUESTS:-200000}
	SOAK_WARMUP=${SOAK_WARMUP:-2000}
fi
SOAK_MAX_TIME=${SOAK_MAX_TIME:-1800s}
SOAK_SAMPLE=${SOAK_SAMPLE:-2}
SOAK_THREADS=${SOAK_THREADS:-2}
SOAK_CONNECTIONS=${SOAK_CONNECTIONS:-8}
SOAK_RSS_TOLERANCE=${SOAK_RSS_TOLERANCE:-5}
SOAK_HWM_MAX_KIB=${SOAK_HWM_MAX_KIB:-4096}
SOAK_VALGRIND_LOG=${SOAK_VALGRIND_LOG:-${TMPDIR:-/tmp}/hookline-soak-valgrind.log}

FAILS=0
check() {	# OK(0/1) TEXT
	if [ "$1" = 0 ]; then
		printf '  ok    %s\n' "$2"
	else
		printf '  FAIL  %s\n' "$2"
		FAILS=$((FAILS + 1))
	fi
}

# soak_wrk COUNT DURATION NAME: COUNT requests of the rotation, at most
# DURATION; wrk's output in RUN/wrk-NAME.out. Prints the number answered.
soak_wrk() {
	local per=$(( ($1 + SOAK_THREADS - 1) / SOAK_THREADS )) wpid
	local done=$RUN/done-$3
	rm -rf "$done"
	mkdir -p "$done"
	BENCH_BODY_FILE=$BODY SOAK_SIG=$BODY_SIG SOAK_BASE=/hooks \
	SOAK_LIMIT=$per SOAK_ID_PREFIX="soak-$3-$$" SOAK_DONE_DIR=$done \
	    wrk -t"$SOAK_THREADS" -c"$SOAK_CONNECTIONS" -d"$2" --timeout 30s \
	    -s "$BENCH_DIR/soak.lua" "http://127.0.0.1:$PORT/hooks/" \
	    >"$RUN/wrk-$3.out" 2>&1 &
	wpid=$!
	BENCH_PIDS+=("$wpid")
	# every thread has its count: SIGINT makes wrk stop and report now
	while kill -0 "$wpid" 2>/dev/null; do
		if [ "$(ls "$done" | wc -l)" -ge "$SOAK_THREADS" ]; then
			kill -INT "$wpid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "$wpid" 2>/dev/null
	stop_pid "$wpid"
	awk '/requests in/ {print $1}' "$RUN/wrk-$3.out"
}

socket_errors() {
	awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10; f=1}
	    END {if (!f) print 0}' "$1"
}

# The mix: of 12 kinds, 5 answer 200, 2 answer 400, one each 202 401 404
# 405 415. Checks each status is within 1 % of the total of its share.
check_mix() {
	local f=$1 total=$2 line
	line=$(grep '^soak answers by HTTP status:' "$f")
	printf '  answers by status: %s\n' "${line#*:}"
	awk -v t="$total" -v l="$line" 'BEGIN {
		want["200"] = 5; want["400"] = 2; want["202"] = 1; want["401"] = 1
		want["404"] = 1; want["405"] = 1; want["415"] = 1
		n = split(l, a, " ")
		for (i = 1; i <= n; i++)
			if (split(a[i], kv, "=") == 2) got[kv[1]] = kv[2]
		bad = 0
		for (s in got) if (!(s in want)) bad = 1
		for (s in want) {
			d = got[s] - t * want[s] / 12
			if (d < 0) d = -d
			if (d > t / 100 + 2) bad = 1
		}
		exit bad
	}'
}

sampler() {	# PID OUT
	while [ ! -e "$RUN/sampler.stop" ]; do
		printf '%s %s %s %s\n' "$(date +%s)" "$(proc_kib "$1" VmRSS)" \
		    "$(proc_kib "$1" VmHWM)" "$(proc_fds "$1")" >>"$2"
		sleep "$SOAK_SAMPLE"
	done
}

soak_plain() {
	local hl pid_end rss0 hwm0 fd0 rss1 hwm1 fd1 n t0 secs
	start_lighttpd fastcgi "$BENCH_ROOT/bin/hookline" "" 1 0
	# lighttpd starts the backend at once; one child, the one we watch.
	wait_for 50 eval '[ -n "$(children_of "$LT_PID")" ]'
	hl=$(children_of "$LT_PID")
	[ "$(wc -w <<<"$hl")" = 1 ] || die "expected one hookline process, got: $hl"
	say "soak: hookline pid $hl; warm-up of $SOAK_WARMUP requests"
	[ "$SOAK_WARMUP" -gt 0 ] && soak_wrk "$SOAK_WARMUP" 300s warmup >/dev/null
	sleep 1
	rss0=$(proc_kib "$hl" VmRSS)
	split0="anon $(proc_kib "$hl" RssAnon), file $(proc_kib "$hl" RssFile)"
	hwm0=$(proc_kib "$hl" VmHWM)
	fd0=$(proc_fds "$hl")
	ls -l "/proc/$hl/fd" >"$RUN/fds.before" 2>/dev/null
	say "soak: warm: VmRSS $rss0 KiB, VmHWM $hwm0 KiB, $fd0 fds;" \
	    "$SOAK_REQUESTS requests (at most $SOAK_MAX_TIME)"
	sampler "$hl" "$RUN/samples" &
	BENCH_PIDS+=("$!")
	t0=$(date +%s)
	n=$(soak_wrk "$SOAK_REQUESTS" "$SOAK_MAX_TIME" soak)
	secs=$(( $(date +%s) - t0 ))
	: >"$RUN/sampler.stop"
	sleep 2
	rss1=$(proc_kib "$hl" VmRSS)
	split1="anon $(proc_kib "$hl" RssAnon), file $(proc_kib "$hl" RssFile)"
	cat "/proc/$hl/smaps" >"$RUN/smaps.after" 2>/dev/null
	hwm1=$(proc_kib "$hl" VmHWM)
	fd1=$(proc_fds "$hl")
	ls -l "/proc/$hl/fd" >"$RUN/fds.after" 2>/dev/null
	pid_end=$(children_of "$LT_PID")

	echo
	echo "soak: ${n:-0} requests in $secs s ($(awk -v n="${n:-0}" -v s="$secs" \
	    'BEGIN {printf "%.0f", (s > 0 ? n / s : 0)}') req/s), one hookline FastCGI" \
	    "process under lighttpd; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	awk -v r0="$rss0" '{
		d = ($2 - r0) * 100 / r0; if (d < 0) d = -d
		if (d > dm) dm = d
		if (min == "" || $2 < min) min = $2
		if ($2 > max) max = $2
		if ($4 > fmax) fmax = $4
		if (fmin == "" || $4 < fmin) fmin = $4
		n++
	} END {
		printf "  samples: %d; VmRSS %d..%d KiB (max drift %.1f %%); fds %d..%d\n",
		    n, min, max, dm, fmin, fmax
	}' "$RUN/samples"
	printf '  before: VmRSS %s KiB (%s), VmHWM %s KiB, %s fds\n' "$rss0" \
	    "$split0" "$hwm0" "$fd0"
	printf '  after:  VmRSS %s KiB (%s), VmHWM %s KiB, %s fds\n' "$rss1" \
	    "$split1" "$hwm1" "$fd1"
	echo "  largest file-backed mappings (KiB; shared libraries count in RSS):"
	awk '/^[0-9a-f]+-/ {name = $6} /^Rss:/ {r[name] += $2}
	    END {for (n in r) if (n != "" && r[n] >= 100) print r[n], n}' \
	    "$RUN/smaps.after" 2>/dev/null | sort -rn | head -n 8 | sed 's/^/    /'
	if [ -z "${SOAK_KINDS:-}" ]; then
		check_mix "$RUN/wrk-soak.out" "${n:-0}"
		check $? "the answers match the rotation (5/12 200, 2/12 400, 1/12 each 202 401 404 405 415)"
	fi
	[ "$pid_end" = "$hl" ]
	check $? "the same process served throughout (pid $hl; now: ${pid_end:-none})"
	[ "${n:-0}" -ge "$SOAK_REQUESTS" ]
	check $? "$SOAK_REQUESTS requests answered (got ${n:-0}; time bound $SOAK_MAX_TIME)"
	[ "$(socket_errors "$RUN/wrk-soak.out")" = 0 ]
	check $? "no socket errors ($(grep 'Socket errors' "$RUN/wrk-soak.out" || echo none))"
	awk -v r0="$rss0" -v tol="$SOAK_RSS_TOLERANCE" -v r1="$rss1" '
	    { d = ($2 - r0) * 100 / r0; if (d > tol || d < -tol) bad = 1 }
	    END { d = (r1 - r0) * 100 / r0; if (d > tol || d < -tol) bad = 1; exit bad }' \
	    "$RUN/samples"
	check $? "VmRSS flat within ±$SOAK_RSS_TOLERANCE % of $rss0 KiB (after: $rss1 KiB)"
	[ "$hwm1" -le "$SOAK_HWM_MAX_KIB" ]
	check $? "VmHWM $hwm1 KiB ≤ $SOAK_HWM_MAX_KIB KiB"
	[ "$fd0" = "$fd1" ]
	check $? "open fds unchanged ($fd0 before, $fd1 after)"
	if [ "$fd0" != "$fd1" ]; then
		diff <(awk '{print $9, $10, $11}' "$RUN/fds.before") \
		    <(awk '{print $9, $10, $11}' "$RUN/fds.after") | sed 's/^/    /'
	fi
}

# start_remote [WRAPPER...]: `hookline fcgi --listen` on a free port,
# serving in its own process (--workers 0, so valgrind's log of HL_PID
# is the one that served), run by WRAPPER (valgrind and its options) when
# given, and lighttpd connecting to it. Sets HL_PID.
start_remote() {
	APP_PORT=$(free_port) || die "no free port"
	"$@" "$BENCH_ROOT/bin/hookline" -c "$RUN/hookline.conf" fcgi \
	    --workers 0 --listen "127.0.0.1:$APP_PORT" \
	    2>>"$RUN/log/app-stderr.log" &
	HL_PID=$!
	BENCH_PIDS+=("$HL_PID")
	wait_for 300 port_open "$APP_PORT" || die "hookline ${1:-} did not listen"
	start_lighttpd fastcgi-remote "" "" 1 0
}

soak_valgrind() {
	local vpid n log lost errs
	need_packages valgrind || die "valgrind is not installed"
	start_remote valgrind --leak-check=full \
	    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \
	    --child-silent-after-fork=yes --log-file="$RUN/log/valgrind.%p.log"
	vpid=$HL_PID
	say "soak: hookline under valgrind (pid $vpid); $SOAK_REQUESTS requests"
	n=$(soak_wrk "$SOAK_REQUESTS" "$SOAK_MAX_TIME" valgrind)
	sleep 2
	stop_pid "$vpid"
	log=$RUN/log/valgrind.$vpid.log
	[ -f "$log" ] || die "no valgrind log $log"
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -n 1)
	grep -q 'All heap blocks were freed' "$log" && lost=${lost:-0}
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | tail -n 1)
	echo
	echo "soak under valgrind memcheck: ${n:-0} requests, then SIGTERM"
	check_mix "$RUN/wrk-valgrind.out" "${n:-0}"
	check $? "the answers match the rotation"
	sed -n '/HEAP SUMMARY/,$p' "$log" | sed 's/^==[0-9]*== /    /' | head -n 30
	[ "${lost:-x}" = 0 ]
	check $? "definitely lost: ${lost:-unknown} bytes"
	[ "${errs:-x}" = 0 ]
	check $? "valgrind errors: ${errs:-unknown}"
	cp "$log" "$SOAK_VALGRIND_LOG" && echo "  valgrind log: $SOAK_VALGRIND_LOG"
}

# SOAK_PROFILE=callgrind: hookline under callgrind, SOAK_WARMUP requests,
# counters zeroed, SOAK_REQUESTS more; prints instructions per request
# and the functions that cost most (inclusive). Instruction counts do not
# depend on what else the machine does, so two builds compare exactly.
# SOAK_PROFILE=perf: hookline native, sampled by `perf record` (leaf
# functions, kernel included) over the same requests. SOAK_KINDS
# (soak.lua) picks the paths, e.g. SOAK_KINDS=empty for the ignored one.
soak_profile() {
	local hpid ppid n out ir
	if [ "$SOAK_PROFILE" = callgrind ]; then
		need_packages valgrind || die "valgrind is not installed"
		start_remote valgrind --tool=callgrind \
		    --callgrind-out-file="$RUN/log/callgrind.%p"
	else
		command -v perf >/dev/null || die "perf is not installed (linux-perf)"
		start_remote
	fi
	hpid=$HL_PID
	[ "$SOAK_WARMUP" -gt 0 ] && soak_wrk "$SOAK_WARMUP" 300s warmup >/dev/null
	if [ "$SOAK_PROFILE" = callgrind ]; then
		callgrind_control --zero "$hpid" >/dev/null 2>&1 ||
		    die "callgrind_control --zero failed"
	else
		perf record -F 4999 -p "$hpid" -o "$RUN/perf.data" \
		    >/dev/null 2>&1 &
		ppid=$!
		sleep 1
	fi
	n=$(soak_wrk "$SOAK_REQUESTS" "$SOAK_MAX_TIME" profile)
	echo
	echo "$SOAK_PROFILE: ${n:-0} requests (${SOAK_KINDS:-all kinds}) after" \
	    "$SOAK_WARMUP of warm-up; answers: $(grep '^soak answers' "$RUN/wrk-profile.out" | cut -d: -f2)"
	if [ "$SOAK_PROFILE" = perf ]; then
		kill -INT "$ppid" 2>/dev/null
		wait "$ppid" 2>/dev/null
		stop_pid "$hpid"
		echo "  by object:"
		perf report -i "$RUN/perf.data" --no-children --sort dso \
		    2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 8
		echo "  by function:"
		perf report -i "$RUN/perf.data" --no-children --sort dso,sym \
		    2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 30
		return
	fi
	stop_pid "$hpid"
	out=$RUN/log/callgrind.$hpid
	[ -f "$out" ] || die "no callgrind output $out"
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
	awk -v ir="${ir:-0}" -v n="${n:-0}" 'BEGIN {
		printf "  %d instructions in all, %.0f per request\n", ir, n ? ir / n : 0 }'
	callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null |
	    sed -n '/file:function/,$p' | grep -v '???:0x' | sed -n '3,40p' |
	    cut -c1-120
	cp "$out" "${TMPDIR:-/tmp}/hookline-callgrind.out" &&
	    echo "  callgrind output: ${TMPDIR:-/tmp}/hookline-callgrind.out"
}

main() {
	need_packages wrk lighttpd libfcgi-dev openssl ||
	    die "missing packages"
	make_bench_root
	build_bench
	[ -x "$BENCH_ROOT/bin/hookline" ] || die "no hookline binary: run make"
	make_body
	make_hooks
	new_run soak
	if [ "$SOAK_VALGRIND" = 1 ]; then
		soak_valgrind
	elif [ -n "$SOAK_PROFILE" ]; then
		soak_profile
	else
		soak_plain
	fi
	stop_run
	echo
	if [ "$FAILS" -gt 0 ]; then
		echo "soak: $FAILS check(s) failed"
		return 1
	fi
	echo "soak: all checks passed"
}

main "$@"
