#!/usr/bin/env bash
# run.sh: hookline's end-to-end tests against real web servers on
# 127.0.0.1, each configured from conf-examples/ in a temporary folder.
#
#   HOOKLINE_BIN=/abs/path/hookline tests/e2e/run.sh      (make e2e)
#
# Environment:
#   HOOKLINE_BIN   the binary under test (required)
#   E2E_SERVERS    servers to run against
#                  (default: lighttpd-fastcgi apache-fcgid apache-cgi)
#   E2E_CASES      case names to run, e.g. "success ignored" (default: all
#                  tests/e2e/t_*.sh)
#   E2E_KEEP=1     keep the temporary folders (their paths are printed)
#   CI=true        a missing web server is a failure, not a skip
#   E2E_JOBS=1     one server after the other (default: all at once, each
#                  on its own port and folder; the output is still printed
#                  server by server)
#
# Each case t_<name>.sh is run in a subshell once per server with lib.sh
# loaded and that server started; it prints PASS, FAIL (with the
# reasons) or SKIP. The last line is "N passed, M failed[, K skipped]";
# the exit status is non-zero when anything failed.
set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export E2E_DIR
. "$E2E_DIR/lib.sh"

if [ -z "${HOOKLINE_BIN:-}" ] || [ ! -x "$HOOKLINE_BIN" ]; then
	echo "run.sh: set HOOKLINE_BIN to the hookline binary to test" >&2
	echo "0 passed, 1 failed"
	exit 2
fi
case $HOOKLINE_BIN in
/*) ;;
*) HOOKLINE_BIN=$(pwd)/$HOOKLINE_BIN ;;
esac
export HOOKLINE_BIN

SERVERS=${E2E_SERVERS:-lighttpd-fastcgi apache-fcgid apache-cgi}
if [ -n "${E2E_CASES:-}" ]; then
	CASES=$E2E_CASES
else
	CASES=$(cd "$E2E_DIR" && ls t_*.sh | sed 's/^t_//; s/\.sh$//')
fi

RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/hookline-e2e-results.XXXXXX")
start=$(date +%s)
JOBS=()

cleanup() {
	local j
	for j in "${JOBS[@]}"; do
		kill -TERM "$j" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$RESULTS"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted"; exit 130' INT TERM

# result PASS|FAIL|SKIP CASE SECONDS: one line of output, one of results.
result() {
	printf '%-4s %-17s %-22s %ss\n' "$1" "$SERVER" "$2" "$3"
	printf '%s %s %s\n' "$1" "$SERVER" "$2" >>"$RESULTS/$SERVER.results"
}

# Every case against one server, in its own temporary folder.
run_server() {
	SERVER=$1
	local why f t0 out rc secs p
	echo "== $SERVER"
	if ! why=$(server_supported "$SERVER"); then
		for CASE in $CASES; do
			if [ "${CI:-}" = true ]; then
				echo "    $why (CI=true: a missing server is a failure)"
				result FAIL "$CASE" 0
			else
				echo "    $why: skipped"
				result SKIP "$CASE" 0
			fi
		done
		return
	fi
	ROOT=
	trap 'stop_server >/dev/null 2>&1; [ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$ROOT"' EXIT
	trap 'exit 130' TERM INT
	if ! make_root; then
		echo "    cannot make the temporary folder"
		for CASE in $CASES; do result FAIL "$CASE" 0; done
		return
	fi
	[ "${E2E_KEEP:-0}" = 1 ] && echo "   (files in $ROOT)"
	if ! start_server "$SERVER"; then
		echo "    $SERVER did not start"
		for CASE in $CASES; do result FAIL "$CASE" 0; done
		return
	fi
	export ROOT SERVER PORT BASE LOGS SERVER_PID
	for CASE in $CASES; do
		f=$E2E_DIR/t_$CASE.sh
		if [ ! -f "$f" ]; then
			echo "    no such case: $f"
			result FAIL "$CASE" 0
			continue
		fi
		t0=$(date +%s.%N)
		out=$( (
			CASE=$CASE
			. "$E2E_DIR/lib.sh"
			. "$f"
			case_end
		) 2>&1 )
		rc=$?
		secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		case $rc in
		0) result PASS "$CASE" "$secs" ;;
		"$E2E_NA") continue ;;
		"$E2E_SKIP") result SKIP "$CASE" "$secs" ;;
		*) result FAIL "$CASE" "$secs" ;;
		esac
		[ -n "$out" ] && printf '%s\n' "$out"
		# The server must have survived the case.
		if ! port_open "$PORT"; then
			echo "    $SERVER stopped listening after $CASE; restarting it"
			result FAIL "server-alive-after-$CASE" 0
			stop_server
			start_server "$SERVER" || break
			export PORT BASE SERVER_PID
		fi
	done
	# Hooks that outlived their request (the timeout cases write pids).
	for p in $(cat "$ROOT"/out/*.pid 2>/dev/null); do
		pid_alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	# Sanitizer reports (make check-asan) land in the servers' logs,
	# also those written when the FastCGI processes exit.
	stop_server
	local hits
	hits=$(grep -rhE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Leak|Undefined)' \
	    "$ROOT/log" "$ROOT"/*/log 2>/dev/null | head -n 20)
	if [ -n "$hits" ]; then
		result FAIL sanitizer-reports 0
		printf '%s\n' "$hits" | cut -c1-300 | sed 's/^/    /'
	fi
}

for SERVER in $SERVERS; do
	: >"$RESULTS/$SERVER.results"
	if [ "${E2E_JOBS:-0}" = 1 ]; then
		(run_server "$SERVER")
	else
		(run_server "$SERVER") >"$RESULTS/$SERVER.out" 2>&1 &
		JOBS+=($!)
	fi
done
if [ "${E2E_JOBS:-0}" != 1 ]; then
	for SERVER in $SERVERS; do
		wait "${JOBS[0]}"
		JOBS=("${JOBS[@]:1}")
		cat "$RESULTS/$SERVER.out"
	done
fi

passed=$(cat "$RESULTS"/*.results | grep -c '^PASS')
failed=$(cat "$RESULTS"/*.results | grep -c '^FAIL')
skipped=$(cat "$RESULTS"/*.results | grep -c '^SKIP')
elapsed=$(($(date +%s) - start))
echo
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^FAIL' "$RESULTS"/*.results -h | cut -d' ' -f2- | sed 's/^/  /'
fi
echo "e2e: ${elapsed}s"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
