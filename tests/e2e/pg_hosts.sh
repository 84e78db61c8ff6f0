# pg_hosts.sh: two hookline hosts sharing one PostgreSQL, for the
# t_pg_*.sh cases (sourced after lib.sh; loads lib_deploy.sh, lib_pg.sh
# and async_lib.sh). What a load balancer in front of two web servers
# gives hookline: host A is lighttpd + mod_fastcgi
# (conf-examples/lighttpd-fastcgi.conf), host B is Apache + mod_fcgid
# (conf-examples/apache-fcgid.conf), each on its own port of 127.0.0.1
# with its own copy of the binary, its own hookline.conf and spool
# folder, the same hooks, and the same database (lib_pg.sh's cluster).
# Each case runs once per run.sh run (as the deploy cases do), in
# $D = $ROOT/<case>:
#
#   pg/                 the cluster (lib_pg.sh)
#   hooks.d/            the hooks both hosts run
#   out/                what the hooks write: runs.log, one line per run
#   hA/, hB/            a host: bin/hookline, etc/hookline.conf, spool/,
#                       log/, run/, tmp/ (and apache/ for B)
#   www/html/           an empty document root
#
# After pg_hosts_up: BASE_A, BASE_B (URLs without the endpoint), LOGS_A,
# LOGS_B (hookline's log lines), RUNS (the hooks' record).
#
# The hooks: each run appends "DELIVERY HOST PID ATTEMPT" to out/runs.log
# with one write of a short line to a file opened O_APPEND (the shell's
# >>), so lines from both hosts never mix. HOST is A or B, found by
# walking up from the hook to the hookline process that started it,
# whose command line names its host's copy of the binary (the hooks get
# an environment built from nothing, so they cannot be told).
#
# Who controls what is read here: the database and the hooks' file are
# the test's own; hookline's answers and log lines are checked as a
# stranger's (jq, grep -F), never evaluated.

. "$E2E_DIR/lib_deploy.sh"
. "$E2E_DIR/lib_pg.sh"
. "$E2E_DIR/async_lib.sh"

# The lease of a claim in the test configuration: short, so that host
# B takes over a delivery of a dead host A within seconds.
PG_LEASE=${PG_LEASE:-3s}

# pg_hosts_root: $D, the cluster, the hooks; the cleanup (hosts first,
# they hold sessions; then the server, always).
pg_hosts_root() {
	local why
	pg_built_in || skip "this hookline has no PostgreSQL support (the static build cannot load libpq)"
	why=$(pg_supported) || missing "$why"
	need lighttpd lighttpd
	need /usr/sbin/apache2 apache2
	[ -f "$APACHE_MODDIR/mod_fcgid.so" ] || missing "mod_fcgid not installed (libapache2-mod-fcgid)"
	deploy_root
	trap 'deploy_cleanup; pg_cleanup' EXIT
	pg_start "$D/pg" 2>"$D/log/pg-start.err" || {
		fail "PostgreSQL did not start: $(tail -n 5 "$D/log/pg-start.err" | tr '\n' ' ')"
		case_end
	}
	RUNS=$D/out/runs.log
	mkdir -p "$D/out" "$D/hooks.d/pg" "$D/hooks.d/pgsync" "$D/hooks.d/pgretry"
	chmod 0777 "$D/out"
	local rec
	# shellcheck disable=SC2016
	rec='p=$PPID h=?
for i in 1 2 3 4 5 6; do
	c=$(tr "\0" " " <"/proc/$p/cmdline" 2>/dev/null)
	case $c in
	*'"$D"'/hA/*) h=A; break ;;
	*'"$D"'/hB/*) h=B; break ;;
	esac
	p=$(cut -d" " -f4 "/proc/$p/stat" 2>/dev/null) || break
	[ "$p" -gt 1 ] 2>/dev/null || break
done'
	pg_hook pg/rec "$rec
printf '%s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS"
	pg_hook pgsync/rec "$rec
printf '%s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS"
	# Says it was tried, and fails until out/fixed exists (the
	# operator's fix).
	pg_hook pg/fixme "$rec
printf 'try %s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS
[ -e $D/out/fixed ] || exit 3
printf '%s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS"
	cp "$D/hooks.d/pg/fixme" "$D/hooks.d/pgretry/fixme"
	# Sync: started, 4 s, done (holds a max_running place meanwhile).
	pg_hook pgsync/hold "$rec
printf 'start %s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS
sleep 4
printf '%s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS"
	# Started, then 20 s of sleep on its first attempt (the kill -9
	# case kills its host's drainer meanwhile), then done.
	pg_hook pg/slow "$rec
printf 'start %s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS
[ \"\$HOOKLINE_ATTEMPT\" = 1 ] && sleep 20
printf '%s %s %s %s\n' \"\$HOOKLINE_DELIVERY\" \$h \$\$ \"\$HOOKLINE_ATTEMPT\" >>$RUNS"
	chmod -R go-w "$D/hooks.d"
	chmod -R a+rX "$D/hooks.d"
}

# pg_built_in: the binary under test can use a database (the static
# build cannot load libpq, and says so when asked to).
pg_built_in() {
	local c=$ROOT/tmp/pg-built-in.conf
	printf 'database = host=%s/nonexistent dbname=x\n' "$ROOT/tmp" >"$c"
	! "$ROOT/bin/hookline" -c "$c" db status 2>&1 | grep -q 'no PostgreSQL support'
}

# pg_hook NAME BODY: an executable /bin/sh hook under $D/hooks.d.
pg_hook() {
	local f=$D/hooks.d/$1
	printf '#!/bin/sh\n%s\n' "$2" >"$f"
	chmod 0755 "$f"
}

# pg_host_conf X [EXTRA]: host X's folder and hookline.conf (EXTRA:
# more global keys).
pg_host_conf() {
	local h=$D/h$1
	mkdir -p "$h"/{bin,etc,spool,log,run,tmp}
	cp "$ROOT/bin/hookline" "$h/bin/hookline"
	chmod 0755 "$h" "$h"/{bin,etc} "$h/bin/hookline"
	if [ "$(id -u)" -eq 0 ] && id "$WWW_USER" >/dev/null 2>&1; then
		chown "$WWW_USER:" "$h"/{spool,log,run,tmp}
	else
		chmod 0777 "$h"/{spool,log,run,tmp}
	fi
	cat >"$h/etc/hookline.conf" <<-EOF
	# host $1 of tests/e2e/pg_hosts.sh (generated)
	$(spool_floor_line)
	database       = $PG_URI
	database_lease = $PG_LEASE
	hooks_dir      = $D/hooks.d
	spool_dir      = $h/spool
	timeout        = 60
	retry          = 1s 2s
	log            = stderr
	${2:-}

	; async: stored in the database, answered 202, run by either host
	[pg]
	provider = generic
	mode     = async

	; async, its retries an hour apart (hookline retry ID runs one now)
	[pgretry]
	provider = generic
	mode     = async
	retry    = 1h

	; sync: run here, the delivery id deduplicated across both hosts
	[pgsync]
	provider = generic
	mode     = sync
	EOF
	chmod 0644 "$h/etc/hookline.conf"
}

# hlx X ARGS...: host X's hookline on its configuration, as the web
# server's user (an operator command, `db init`, ...).
hlx() {
	local x=$1
	shift
	as_www "$D/h$x/bin/hookline" -c "$D/h$x/etc/hookline.conf" "$@"
}

# The placeholders of the conf-examples/ files for host X on PORT.
pg_host_subst() {
	local h=$D/h$1
	sed -e "s,/usr/local/bin/hookline,$h/bin/hookline,g" \
	    -e "s,/etc/hookline/hookline\.conf,$h/etc/hookline.conf,g" \
	    -e "s,/var/log/lighttpd/,$h/log/,g" \
	    -e "s,/var/log/apache2/,$h/log/,g" \
	    -e "s,/run/lighttpd-hookline\.pid,$h/run/lighttpd.pid,g" \
	    -e "s,/run/lighttpd/,$h/run/,g" \
	    -e "s,/var/www/html,$D/www/html,g" \
	    -e "s,/var/tmp,$h/tmp,g" \
	    -e "s,127\.0\.0\.1:8080,127.0.0.1:$2,g" \
	    -e "s,^\([[:space:]]*server\.port[[:space:]]*=[[:space:]]*\)8080,\1$2," \
	    "$3"
}

# Host A: lighttpd + mod_fastcgi on PORT_A.
pg_host_a_up() {
	local conf=$D/hA/lighttpd.conf lighttpd
	lighttpd=$(prog lighttpd)
	PORT_A=$DPORT
	pg_host_subst A "$PORT_A" "$EXAMPLES/lighttpd-fastcgi.conf" >"$conf"
	grep -q "server.port *= *$PORT_A\$" "$conf" || { fail "lighttpd-fastcgi.conf: the port placeholder is gone"; case_end; }
	"$lighttpd" -tt -f "$conf" >"$D/hA/log/lighttpd-t.out" 2>&1 ||
	    { fail "lighttpd refuses $conf: $(head -c 300 "$D/hA/log/lighttpd-t.out")"; case_end; }
	bg lighttpd-A "$lighttpd" -D -f "$conf"
	wait_for 100 port_open "$PORT_A" || { fail "host A (lighttpd) did not listen on $PORT_A"; show_logs; case_end; }
	BASE_A=http://127.0.0.1:$PORT_A/hooks
	LOGS_A="$D/hA/log/hookline.log $D/hA/log/hookline-error.log"
}

# Host B: Apache + mod_fcgid on PORT_B.
pg_host_b_up() {
	local h=$D/hB
	PORT_B=$(free_port) || { fail "no free port"; case_end; }
	[ "$PORT_B" != "$PORT_A" ] || PORT_B=$(free_port)
	mkdir -p "$h/apache" "$h/run/fcgid"
	[ "$(id -u)" -eq 0 ] && chown "$WWW_USER:" "$h/run/fcgid"
	{
		# mod_fcgid's own files in this host's folder (not
		# /var/lib/apache2/fcgid, shared with other servers).
		printf 'FcgidIPCDir "%s"\nFcgidProcessTableFile "%s"\nTypesConfig /etc/mime.types\n' \
		    "$h/run/fcgid" "$h/run/fcgid_shm"
		pg_host_subst B "$PORT_B" "$EXAMPLES/apache-fcgid.conf"
	} >"$h/apache/site.conf"
	grep -q "^Listen 127.0.0.1:$PORT_B\$" "$h/apache/site.conf" || { fail "apache-fcgid.conf: the Listen placeholder is gone"; case_end; }
	# lib_deploy.sh's server-wide part, in the host's folder.
	D=$h apache_main "$h/apache/site.conf" mpm_event authz_core mime alias env dir fcgid
	/usr/sbin/apache2 -f "$h/apache/httpd.conf" -t >"$h/log/apache-t.out" 2>&1 ||
	    { fail "apache2 refuses $h/apache/httpd.conf: $(head -c 300 "$h/log/apache-t.out")"; case_end; }
	bg apache-B /usr/sbin/apache2 -f "$h/apache/httpd.conf" -DFOREGROUND
	wait_for 100 port_open "$PORT_B" || { fail "host B (Apache) did not listen on $PORT_B"; show_logs; case_end; }
	BASE_B=http://127.0.0.1:$PORT_B/hooks
	LOGS_B="$D/hB/log/apache-main-error.log $D/hB/log/hookline-error.log"
}

# pg_hosts_up [EXTRA]: the cluster, the schema (`hookline db init` from
# host A; not with PG_NO_INIT=1), both hosts (EXTRA: more global keys
# for both).
pg_hosts_up() {
	pg_hosts_root
	pg_host_conf A "${1:-}"
	pg_host_conf B "${1:-}"
	if [ "${PG_NO_INIT:-0}" != 1 ] && ! hlx A db init >"$D/log/db-init.out" 2>&1; then
		fail "hookline db init failed: $(tail -n 3 "$D/log/db-init.out" | tr '\n' ' ')"
		case_end
	fi
	pg_host_a_up
	pg_host_b_up
	LOGS="$LOGS_A $LOGS_B"
}

# to X: the requests that follow go to host X (req's BASE).
to() {
	case $1 in
	A) BASE=$BASE_A ;;
	B) BASE=$BASE_B ;;
	esac
}

# runs_of ID: how many finished runs of delivery ID runs.log holds.
runs_of() {
	grep -c "^$1 " "$RUNS" 2>/dev/null || true
}

# host_drainer X: the pid of host X's drainer (its spool's lock).
host_drainer() {
	drainer_pid "$D/h$1/spool"
}

# pg_logs_show: the last lines of both hosts' logs and the server's.
pg_logs_show() {
	local f
	for f in $LOGS_A $LOGS_B "$D/pg/server.log"; do
		[ -s "$f" ] || continue
		printf '      last lines of %s:\n' "${f#"$D"/}"
		tail -n 6 "$f" | cut -c1-300 | sed 's/^/        /'
	done
}

# pg_load N PREFIX FILE: N async deliveries PREFIX-1 .. PREFIX-N from
# 16 clients, odd numbers to host A and even ones to host B; each
# answer is a line of FILE: "HTTP-status number [Retry-After]" (the
# brackets keep an absent header a field). Every curl gives up after
# 30 s, so the load ends.
pg_load() {
	seq 1 "$1" | awk -v a="$BASE_A" -v b="$BASE_B" '{ print $1, ($1 % 2 ? a : b) }' |
	    xargs -P 16 -n 2 sh -c 'curl -sS -o /dev/null --max-time 30 \
	    -w "%{http_code} $0 [%header{retry-after}]\n" \
	    -H "Expect:" -H "Content-Type: application/json" -H "Webhook-Id: '"$2"'-$0" \
	    --data-binary "{\"event\":\"rec\",\"data\":{\"n\":$0}}" "$1/pg"' \
	    >"$3" 2>"$3.curlerr"
}

# pg_load_outage N PREFIX FILE: pg_load's load, and PostgreSQL stopped
# under it (fast: sessions ended, open transactions rolled back) once a
# quarter is answered, for 3 s, then started again; returns when every
# request is answered (FILE as pg_load's).
pg_load_outage() {
	local n=$1 codes=$3 load
	: >"$codes"
	pg_load "$n" "$2" "$codes" &
	load=$!
	wait_for 300 eval '[ "$(wc -l <"$codes")" -ge $((n / 4)) ]' || fail "the load did not get going"
	pg_server_stop fast || fail "pg_ctl stop failed"
	sleep 3
	pg_server_start || fail "PostgreSQL did not start again"
	# The load ends by itself (every curl has --max-time 30).
	wait "$load"
	[ "$(wc -l <"$codes")" = "$n" ] || fail "$(wc -l <"$codes") answers for $n requests"
}

# ran_once PREFIX N [LOGGED]: every delivery PREFIX-1 .. PREFIX-N ran
# (waits up to 90 s), and none of them twice; with LOGGED, one may have
# run twice (at least once: its first run's result was not recorded,
# the server being down) when a log line says it was interrupted. Fails
# the case when not.
ran_once() {
	local pre=$1 n=$2 uniq id
	wait_for 900 eval '[ "$(grep -c "^$pre-" "$RUNS" 2>/dev/null)" -ge "$n" ]' ||
	    fail "after 90 s, $(grep -c "^$pre-" "$RUNS") of $n ran"
	sleep 2	# a second run, were there one, would show by now
	uniq=$(grep "^$pre-" "$RUNS" | cut -d' ' -f1 | sort -u | wc -l)
	[ "$uniq" = "$n" ] || fail "$uniq distinct deliveries ran, expected $n"
	for id in $(grep "^$pre-" "$RUNS" | cut -d' ' -f1 | sort | uniq -d); do
		if [ -z "${3:-}" ]; then
			fail "$id ran twice"
			continue
		fi
		note "$id ran twice"
		# shellcheck disable=SC2086
		cat $LOGS_A $LOGS_B 2>/dev/null | grep -F "\"delivery\":\"$id\"" | grep -q '"interrupted"' ||
		    fail "$id ran twice, and no log line says it was interrupted: $(grep "^$id " "$RUNS" | tr '\n' ';')"
	done
}
