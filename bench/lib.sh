# lib.sh: what run.sh (make bench) and soak.sh (make soak) share: the
# packages, the bench's temporary root, building the floors and the hook,
# hookline.conf, lighttpd from the templates, /proc figures, and killing
# every process started, found by pid or by the unique root path.
# Sourced by bash; sets no options of its own.

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REPO=${REPO:-$(cd "$BENCH_DIR/.." && pwd)}
HOOKLINE_BIN=${HOOKLINE_BIN:-$REPO/hookline}
HOOKLINE_STATIC_BIN=${HOOKLINE_STATIC_BIN:-$REPO/build/static/hookline}
BENCH_TMPDIR=${BENCH_TMPDIR:-/var/tmp}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_INSTALL=${BENCH_INSTALL:-1}
BENCH_HOOKLINE_LOG=${BENCH_HOOKLINE_LOG:-stderr}
# The build the B- rows run, to compare with (a git revision; empty: the
# commit before the shared counters came, i.e. the parent of the commit
# that added src/stats.c).
BENCH_BASE=${BENCH_BASE:-}
LIGHTTPD=$(command -v lighttpd 2>/dev/null || echo /usr/sbin/lighttpd)

# Pids this shell started and must stop (servers, drainers).
BENCH_PIDS=()

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# ---------------------------------------------------------------------
# Packages. need_packages PKG...: installs the missing ones with apt-get
# (Debian names; BENCH_INSTALL=0 only reports them). Returns 1 when some
# are still missing.

pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

need_packages() {
	local p missing=()
	for p in "$@"; do
		pkg_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$BENCH_INSTALL" != 1 ] || [ "$(id -u)" -ne 0 ]; then
		say "bench: missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})"
		return 1
	fi
	say "bench: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" \
	    >&2 || return 1
	for p in "${missing[@]}"; do
		pkg_installed "$p" || return 1
	done
}

# ---------------------------------------------------------------------
# Ports and waiting.

free_port() {
	local i p
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))	# below the ephemeral range
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for TENTHS COMMAND...: until COMMAND succeeds, at most TENTHS/10 s.
wait_for() {
	local tenths=$1 i
	shift
	for ((i = 0; i < tenths; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# ---------------------------------------------------------------------
# The root: a fresh folder under BENCH_TMPDIR (default /var/tmp: a real
# disk, so that fsync costs what it costs; /tmp may be a tmpfs).
#
#   bin/     hookline (a copy), the floors, hook, hook.sh, maxrss
#   etc/     hooks.d/<endpoint>/push, gh.secret
#   body.json, body.sig
#   runs/<row>-r<round>/  one folder per server started: hookline.conf,
#            lighttpd.conf, www/, log/, run/, tmp/, spool/

make_bench_root() {
	BENCH_ROOT=$(mktemp -d "$BENCH_TMPDIR/hookline-bench.XXXXXX") ||
	    die "cannot make a folder in $BENCH_TMPDIR"
	chmod 0755 "$BENCH_ROOT"
	mkdir -p "$BENCH_ROOT"/{bin,etc/hooks.d,runs,src}
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Compiles the floors, the hook and maxrss from bench/ into bin/, and
# copies hookline there when it is built (rows that need it are left out
# otherwise; soak.sh insists).
build_bench() {
	local cc=${CC:-cc} f fl
	local cflags="-O2 -g -Wall -Wextra -D_GNU_SOURCE"
	fl=$(pkg-config --cflags --libs fcgi 2>/dev/null) || fl="-lfcgi"
	for f in floor_fcgi floor_spawn floor_fsync; do
		$cc $cflags -o "$BENCH_ROOT/bin/$f" "$BENCH_DIR/$f.c" $fl ||
		    die "cannot build $f (libfcgi-dev?)"
	done
	fl=$(pkg-config --cflags --libs fcgi json-c 2>/dev/null) ||
	    fl="-lfcgi -ljson-c -I/usr/include/json-c"
	$cc $cflags -o "$BENCH_ROOT/bin/floor_json" "$BENCH_DIR/floor_json.c" $fl ||
	    die "cannot build floor_json (libjson-c-dev?)"
	for f in floor_cgi hook maxrss; do
		$cc $cflags -o "$BENCH_ROOT/bin/$f" "$BENCH_DIR/$f.c" ||
		    die "cannot build $f"
	done
	# The resident C hook is the shipped example.
	$cc $cflags -o "$BENCH_ROOT/bin/resident_hook" "$REPO/examples/resident.c" ||
	    die "cannot build examples/resident.c"
	install -m 0755 "$BENCH_DIR/hook.py" "$BENCH_ROOT/bin/hook.py"
	# The static CGI floor, built as make static builds hookline.
	$cc $cflags -static -o "$BENCH_ROOT/bin/floor_cgi_static" \
	    "$BENCH_DIR/floor_cgi.c" || die "cannot build floor_cgi static"
	# The database floor links libpq directly (hookline loads it).
	fl=$(pkg-config --cflags --libs fcgi libpq 2>/dev/null) &&
	    $cc $cflags -o "$BENCH_ROOT/bin/floor_pg" "$BENCH_DIR/floor_pg.c" $fl ||
	    say "bench: cannot build floor_pg (libpq-dev?): PostgreSQL rows left out"
	install -m 0755 "$BENCH_DIR/hook.sh" "$BENCH_ROOT/bin/hook.sh"
	if [ -x "$HOOKLINE_STATIC_BIN" ]; then
		install -m 0755 "$HOOKLINE_STATIC_BIN" \
		    "$BENCH_ROOT/bin/hookline-static"
	else
		say "bench: no $HOOKLINE_STATIC_BIN (make static): static rows left out"
	fi
	if [ -x "$HOOKLINE_BIN" ]; then
		install -m 0755 "$HOOKLINE_BIN" "$BENCH_ROOT/bin/hookline"
	else
		say "bench: no $HOOKLINE_BIN (run make): hookline rows left out"
	fi
	build_base
}

# bin/hookline-base: hookline as it was at BENCH_BASE, built once from
# `git archive` into build/bench-base/COMMIT/ with the same make
# defaults as ./hookline (-O2 -g). Sets BASE_REV. Without git or the
# revision, the B- rows are left out.
build_base() {
	local rev dir
	BASE_REV=
	if [ -n "$BENCH_BASE" ]; then
		rev=$BENCH_BASE
	else
		rev=$(git -C "$REPO" log --diff-filter=A --format=%H -1 \
		    -- src/stats.c 2>/dev/null) && [ -n "$rev" ] && rev=$rev^
	fi
	if [ -z "${rev:-}" ] || ! rev=$(git -C "$REPO" rev-parse --verify -q \
	    "$rev^{commit}" 2>/dev/null); then
		say "bench: no base revision to build (BENCH_BASE): B- rows left out"
		return 0
	fi
	dir=$REPO/build/bench-base/$rev
	if [ ! -x "$dir/hookline" ]; then
		say "bench: building the base hookline ($rev) in $dir"
		rm -rf "$dir"
		mkdir -p "$dir"
		if ! git -C "$REPO" archive "$rev" | tar -x -C "$dir" ||
		    ! make -C "$dir" -j2 hookline >"$dir.log" 2>&1; then
			say "bench: cannot build the base hookline (see $dir.log):" \
			    "B- rows left out"
			return 0
		fi
	fi
	install -m 0755 "$dir/hookline" "$BENCH_ROOT/bin/hookline-base"
	BASE_REV=$rev
}

# The body: a ~2 KB GitHub-like push, a JSON object with "event" and
# "data" so that the generic provider, Flask and the shell script accept
# it as it is. body.sig: its X-Hub-Signature-256 with gh.secret, by
# openssl, once.
BENCH_SECRET=bench-secret-not-for-production

make_body() {
	local f=$BENCH_ROOT/body.json i
	{
		printf '{"event":"push","data":{"ref":"refs/heads/main",'
		printf '"before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",'
		printf '"after":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",'
		printf '"repository":{"id":186853002,"name":"hookline","full_name":"example/hookline",'
		printf '"private":false,"html_url":"https://example.org/example/hookline",'
		printf '"default_branch":"main"},"pusher":{"name":"octocat","email":"octocat@example.org"},'
		printf '"commits":['
		for i in 1 2 3 4 5 6 7; do
			[ "$i" -gt 1 ] && printf ','
			printf '{"id":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab%s","message":"Commit number %s of the bench",' "$i" "$i"
			printf '"timestamp":"2026-11-28T14:27:1%s+00:00","author":{"name":"Octo Cat","email":"octocat@example.org"},' "$i"
			printf '"added":[],"removed":[],"modified":["src/handle.c"]}'
		done
		printf ']}}'
	} >"$f"
	printf '%s\n' "$BENCH_SECRET" >"$BENCH_ROOT/etc/gh.secret"
	chmod 0644 "$BENCH_ROOT/etc/gh.secret"
	printf 'sha256=%s' "$(openssl dgst -sha256 -hmac "$BENCH_SECRET" -r <"$f" |
	    cut -d' ' -f1)" >"$BENCH_ROOT/body.sig"
	BODY=$f
	BODY_LEN=$(stat -c %s "$f")
	BODY_SIG=$(cat "$BENCH_ROOT/body.sig")
	BAD_SIG="sha256=$(printf '%064d' 0)"
}

# The hooks: the C hook as bench/, gh/, gh_async/, async/ push; the
# shell hook as bench_sh/push; empty/ has none (ignored); the Python hook
# one-shot as bench_py/push and resident as res_py/push.resident; the
# resident C hook (examples/resident.c) as res_c/push.resident. Copies,
# not links: hookline refuses a link that leads out of its hooks folder.
make_hooks() {
	local h=$BENCH_ROOT/etc/hooks.d d
	for d in bench gh gh_async async; do
		install -D -m 0755 "$BENCH_ROOT/bin/hook" "$h/$d/push"
	done
	install -D -m 0755 "$BENCH_ROOT/bin/hook.sh" "$h/bench_sh/push"
	install -D -m 0755 "$BENCH_ROOT/bin/hook.py" "$h/bench_py/push"
	install -D -m 0755 "$BENCH_ROOT/bin/hook.py" "$h/res_py/push.resident"
	install -D -m 0755 "$BENCH_ROOT/bin/resident_hook" "$h/res_c/push.resident"
	mkdir -p "$h/empty"
	chmod -R go-w "$BENCH_ROOT/etc"
}

# write_hookline_conf RUN: RUN/hookline.conf, spool in RUN/spool.
write_hookline_conf() {
	local run=$1
	mkdir -p "$run/spool"
	cat >"$run/hookline.conf" <<-EOF
	# hookline.conf of one bench run (generated by bench/lib.sh)
	hooks_dir = $BENCH_ROOT/etc/hooks.d
	spool_dir = $run/spool
	timeout   = 30
	log       = $BENCH_HOOKLINE_LOG

	; case 1: sync, no secret, no sender id (so no duplicate record)
	[bench]
	provider = generic
	mode     = sync

	[bench_sh]
	provider = generic
	mode     = sync

	; case 5: the Python hook one-shot; resident C and Python hooks
	[bench_py]
	provider = generic
	mode     = sync

	[res_c]
	provider = generic
	mode     = sync

	[res_py]
	provider = generic
	mode     = sync

	; case 2: no hook for any event
	[empty]
	provider = generic
	mode     = sync

	; a signed GitHub endpoint: cases 1 (github), 2 (401, ignored,
	; duplicate)
	[gh]
	provider    = github
	secret_file = $BENCH_ROOT/etc/gh.secret
	mode        = sync

	; case 3
	[gh_async]
	provider    = github
	secret_file = $BENCH_ROOT/etc/gh.secret
	mode        = async

	[async]
	provider = generic
	mode     = async
	EOF
}

# ---------------------------------------------------------------------
# PostgreSQL, for the rows that store into a database (F-pg, 3-pg): one
# server for the whole run (tests/e2e/lib_pg.sh: a cluster in
# BENCH_ROOT/pg, so on BENCH_TMPDIR's disk, unix socket only, fsync on),
# and a fresh database for each row and round.

# bench_pg_start: the server; BENCH_PG is the conninfo for hookline's
# role (key=value form: no "&" for fill's sed).
bench_pg_start() {
	. "$REPO/tests/e2e/lib_pg.sh"
	PG_FSYNC=on pg_start "$BENCH_ROOT/pg" || return 1
	BENCH_PG="host=$PG_SOCK dbname=$PG_DB user=$PG_ROLE"
}

# pg_fresh: hookline's database dropped and made again, empty.
pg_fresh() {
	pg_super -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null &&
	    pg_super -d postgres -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE" >/dev/null
}

# pg_pending: deliveries hookline's drainer has not finished yet.
pg_pending() {
	pg_sql "SELECT count(*) FROM hookline_delivery WHERE state IN ('pending', 'running')" 2>/dev/null || echo '?'
}

# new_run ID: a fresh run folder in RUN.
new_run() {
	RUN=$BENCH_ROOT/runs/$1
	rm -rf "$RUN"
	mkdir -p "$RUN"/{www/cgi-bin,log,run,tmp,spool}
	write_hookline_conf "$RUN"
}

# ---------------------------------------------------------------------
# lighttpd. start_lighttpd BLOCK BIN HOOK PROCS DEDUPE: BLOCK is
# fastcgi, fcgiwrap or cgi (lighttpd-BLOCK.conf.in); sets PORT, LT_PID.

fill() {
	sed -e "s|@PORT@|${PORT:-}|g" -e "s|@RUN@|$RUN|g" \
	    -e "s|@BIN@|${3:-}|g" -e "s|@HOOK@|${4:-}|g" \
	    -e "s|@PROCS@|${5:-1}|g" -e "s|@DEDUPE@|${6:-0}|g" \
	    -e "s|@APPPORT@|${APP_PORT:-}|g" -e "s|@BLOCK@|${2:-}|g" \
	    -e "s|@PG@|${BENCH_PG:-}|g" "$1"
}

start_lighttpd() {
	local block=$1 bin=${2:-} hook=${3:-} procs=${4:-1} dedupe=${5:-0} try
	for try in 1 2 3; do
		PORT=$(free_port) || die "no free port"
		fill "$BENCH_DIR/lighttpd-$block.conf.in" "" "$bin" "$hook" \
		    "$procs" "$dedupe" >"$RUN/lighttpd-$block.conf"
		fill "$BENCH_DIR/lighttpd.conf.in" "$RUN/lighttpd-$block.conf" \
		    >"$RUN/lighttpd.conf"
		"$LIGHTTPD" -tt -f "$RUN/lighttpd.conf" >"$RUN/log/lighttpd-check.out" 2>&1 || {
			cat "$RUN/log/lighttpd-check.out" >&2
			die "lighttpd refuses $RUN/lighttpd.conf"
		}
		"$LIGHTTPD" -D -f "$RUN/lighttpd.conf" >>"$RUN/log/lighttpd.out" 2>&1 &
		LT_PID=$!
		BENCH_PIDS+=("$LT_PID")
		wait_for 100 port_open "$PORT" && return 0
		say "bench: lighttpd did not listen on $PORT; again"
		stop_pid "$LT_PID"
	done
	tail -n 20 "$RUN"/log/* >&2
	die "lighttpd did not start"
}

# stop_pid PID: TERM, up to 10 s, then KILL; reaped.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			# a zombie of ours is gone as far as we care
			[ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = Z ] && break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	local keep=() p
	for p in "${BENCH_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	BENCH_PIDS=("${keep[@]}")
	return 0
}

# Processes whose command line holds PATH (our unique root): what the
# servers started and left (FastCGI children, detached drainers, hooks).
pids_under() {
	pgrep -f -- "$1" 2>/dev/null | grep -vx "$$" || true
}

kill_under() {
	local path=$1 left
	left=$(pids_under "$path")
	[ -z "$left" ] && return 0
	kill -TERM $left 2>/dev/null
	wait_for 30 eval "[ -z \"\$(pids_under '$path')\" ]" && return 0
	left=$(pids_under "$path")
	[ -n "$left" ] && kill -KILL $left 2>/dev/null
	return 0
}

# Stops what this run started (and the children each had: lighttpd's
# FastCGI backends, gunicorn's workers), then anything left whose command
# line names RUN (detached drainers).
stop_run() {
	local p kids=()
	for p in "${BENCH_PIDS[@]}"; do
		kids+=($(children_of "$p"))
		stop_pid "$p"
	done
	BENCH_PIDS=()
	for p in "${kids[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		kill -TERM "$p" 2>/dev/null
		wait_for 20 eval "! kill -0 $p 2>/dev/null" ||
		    kill -KILL "$p" 2>/dev/null
	done
	[ -n "${RUN:-}" ] && kill_under "$RUN/"
	return 0
}

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_run
	# The PostgreSQL server of the database rows, always.
	declare -F pg_cleanup >/dev/null && pg_cleanup
	if [ -n "${BENCH_ROOT:-}" ] && [ -d "$BENCH_ROOT" ]; then
		kill_under "$BENCH_ROOT/"
		if [ "$BENCH_KEEP" = 1 ]; then
			say "bench: kept $BENCH_ROOT"
		else
			rm -rf "$BENCH_ROOT"
		fi
	fi
	exit "$rc"
}

# ---------------------------------------------------------------------
# /proc figures, in KiB (0 when the process is gone).

proc_kib() {	# PID FIELD (VmRSS, VmHWM)
	awk -v f="$2:" '$1 == f {print $2; found=1} END {if (!found) print 0}' \
	    "/proc/$1/status" 2>/dev/null || echo 0
}

proc_fds() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

children_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# kib_mib KIB: "2.9"
kib_mib() {
	awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'
}
