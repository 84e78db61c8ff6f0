# lib_pg.sh: a real PostgreSQL server of the tests' own (Debian's
# postgresql, /usr/lib/postgresql/<version>/bin), in a temporary folder,
# reachable only on a unix socket in that folder, for the t_pg_*.sh cases,
# bench/ and unit tests that want a database. Sourced by bash; also run
# as a program:
#
#   tests/e2e/lib_pg.sh run COMMAND...   a cluster for COMMAND: started,
#                                        HOOKLINE_TEST_PG (and PGHOST,
#                                        PGUSER, PGDATABASE) exported,
#                                        stopped and removed afterwards
#
# The server never listens on TCP (listen_addresses = ''), its socket
# is in $PG_DIR/sock, and it trusts local connections: only the users
# who can reach that folder can connect (it is 0755 under a folder made
# by mktemp). It runs as an unprivileged user: initdb and postgres
# refuse root, and the tests run as root in CI: then as PG_OS_USER
# (default postgres, which Debian's postgresql package creates; nobody
# when there is none), else as whoever runs the tests.
#
# After pg_start: PG_DIR (the folder), PG_SOCK (the socket folder),
# PG_DB / PG_ROLE (hookline's database and role, both "hookline"),
# PG_URI (a libpq URI for hookline: no password, the socket folder as
# host). Inputs: PG_BIN, PG_OS_USER, PG_FSYNC (on | off; default on:
# the tests and the bench measure durable commits).

PG_OS_USER=${PG_OS_USER:-postgres}
PG_DB=hookline
PG_ROLE=hookline
PG_SUPER=postgres
PG_STARTED=0

# The newest installed server's bin folder, unless PG_BIN says.
pg_bin() {
	local d
	if [ -n "${PG_BIN:-}" ]; then
		[ -x "$PG_BIN/pg_ctl" ] && { echo "$PG_BIN"; return 0; }
		return 1
	fi
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] || return 1
	echo "$d"
}

# pg_supported: prints why not and fails when no server is installed.
pg_supported() {
	pg_bin >/dev/null || { echo "PostgreSQL not installed (Debian package postgresql)"; return 1; }
	command -v psql >/dev/null 2>&1 || [ -x "$(pg_bin)/psql" ] ||
	    { echo "psql not installed (Debian package postgresql-client)"; return 1; }
}

# as_pg COMMAND...: COMMAND as the cluster's owner, from the cluster's
# folder (the caller's may be closed to that user, e.g. under /root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "${PG_DIR:-/}" && runuser -u "$PG_OS_USER" -- "$@")
	else
		"$@"
	fi
}

# pg_ctl_do ARGS...: pg_ctl on our data folder, as its owner.
pg_ctl_do() {
	as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" "$@"
}

# pg_start DIR: a new cluster in DIR (made; must not exist), started,
# with hookline's role and database. Fails (saying why on stderr) when
# something does not work; the caller's trap must call pg_cleanup.
pg_start() {
	PG_DIR=$1
	PG_SOCK=$PG_DIR/sock
	PG_BINDIR=$(pg_bin) || { echo "lib_pg.sh: no PostgreSQL server installed" >&2; return 1; }
	if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
		PG_OS_USER=nobody
	fi
	mkdir -p "$PG_DIR/data" "$PG_SOCK" || return 1
	chmod 0755 "$PG_DIR" "$PG_SOCK"
	chmod 0700 "$PG_DIR/data"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_OS_USER:" "$PG_DIR/data" "$PG_SOCK" || return 1
		# The log folder too: the server writes there as its owner.
		chown "$PG_OS_USER:" "$PG_DIR"
	fi
	# Local connections only, and trusted (no TCP: listen_addresses).
	if ! as_pg "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U "$PG_SUPER" \
	    --auth-local=trust --auth-host=reject -E UTF8 --locale=C.UTF-8 \
	    --no-sync >"$PG_DIR/initdb.out" 2>&1; then
		echo "lib_pg.sh: initdb failed:" >&2
		tail -n 20 "$PG_DIR/initdb.out" >&2
		return 1
	fi
	cat >>"$PG_DIR/data/postgresql.conf" <<-EOF

	# tests/e2e/lib_pg.sh: a unix socket in $PG_SOCK only
	listen_addresses = ''
	unix_socket_directories = '$PG_SOCK'
	unix_socket_permissions = 0777
	max_connections = 200
	shared_buffers = 32MB
	fsync = ${PG_FSYNC:-on}
	log_min_messages = warning
	log_connections = off
	EOF
	pg_server_start || return 1
	PG_STARTED=1
	pg_super -d postgres -c "CREATE ROLE $PG_ROLE LOGIN" >/dev/null &&
	    pg_super -d postgres -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE" >/dev/null ||
	    { echo "lib_pg.sh: cannot make the role and database" >&2; return 1; }
	PG_URI="postgresql:///$PG_DB?host=$PG_SOCK&user=$PG_ROLE"
	export PG_DIR PG_SOCK PG_URI PG_BINDIR PG_OS_USER
}

# pg_server_start / pg_server_stop [MODE]: the server of the cluster
# already made (stopped under load, started again). MODE: fast
# (default; sessions are ended, transactions rolled back) or immediate
# (no checkpoint: what a crash of the server would leave).
pg_server_start() {
	if ! pg_ctl_do -w -t 60 -l "$PG_DIR/server.log" start >"$PG_DIR/pg_ctl.out" 2>&1; then
		echo "lib_pg.sh: the server did not start:" >&2
		tail -n 20 "$PG_DIR/pg_ctl.out" "$PG_DIR/server.log" >&2
		return 1
	fi
}

pg_server_stop() {
	pg_ctl_do -w -t 60 -m "${1:-fast}" stop >>"$PG_DIR/pg_ctl.out" 2>&1
}

# The postmaster's pid while it runs.
pg_server_pid() {
	head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null
}

# pg_cleanup: the server stopped, always (from the caller's EXIT trap):
# pg_ctl, and the postmaster killed by its pid when pg_ctl could not.
pg_cleanup() {
	local pid
	[ "$PG_STARTED" = 1 ] || [ -s "${PG_DIR:-/nonexistent}/data/postmaster.pid" ] || return 0
	pid=$(pg_server_pid)
	pg_server_stop immediate ||
	    { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; }
	PG_STARTED=0
	return 0
}

# pg_super ARGS...: psql as the superuser over our socket (ARGS: -d DB,
# -c SQL, ...); unaligned, tuples only, stops at the first error.
pg_super() {
	local psql
	psql=$(command -v psql 2>/dev/null || echo "$PG_BINDIR/psql")
	PGCONNECT_TIMEOUT=10 "$psql" -X -q -A -t -v ON_ERROR_STOP=1 \
	    -h "$PG_SOCK" -U "$PG_SUPER" "$@"
}

# pg_sql SQL: one statement on hookline's database, as the superuser.
pg_sql() {
	pg_super -d "$PG_DB" -c "$1"
}

# pg_terminate: pg_terminate_backend() of every session of hookline's
# role (what an administrator or a failover does); prints how many.
pg_terminate() {
	pg_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	    WHERE usename = '$PG_ROLE' AND pid <> pg_backend_pid()"
}

# pg_sessions: how many sessions hookline's role has open now.
pg_sessions() {
	pg_sql "SELECT count(*) FROM pg_stat_activity WHERE usename = '$PG_ROLE'"
}

# Run as a program: `lib_pg.sh run COMMAND...`, or start and stop
# separately (tests/unit/pg_cluster.h, the unit tests' cluster):
# `lib_pg.sh start DIR` makes and starts a cluster in DIR (new, or an
# empty folder) and prints hookline's URI; `lib_pg.sh stop DIR` stops it
# (DIR is left for the caller to remove).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-}:$# in
	run:1|run:0|start:[!2]|stop:[!2]|:*)
		echo "usage: $0 run COMMAND... | start DIR | stop DIR" >&2
		exit 2 ;;
	esac
	why=$(pg_supported) || { echo "lib_pg.sh: $why" >&2; exit 77; }
	case $1 in
	start)
		trap 'pg_cleanup' EXIT
		pg_start "$2" || exit 1
		trap - EXIT
		echo "$PG_URI"
		exit 0 ;;
	stop)
		PG_DIR=$2
		PG_BINDIR=$(pg_bin)
		[ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1 && PG_OS_USER=nobody
		pg_cleanup
		exit 0 ;;
	esac
	shift
	top=$(mktemp -d "${TMPDIR:-/tmp}/hookline-pg.XXXXXX") || exit 1
	chmod 0755 "$top"
	trap 'pg_cleanup; rm -rf "$top"' EXIT
	trap 'exit 130' INT TERM
	pg_start "$top/pg" || exit 1
	export HOOKLINE_TEST_PG=$PG_URI PGHOST=$PG_SOCK PGUSER=$PG_ROLE PGDATABASE=$PG_DB
	"$@"
	exit $?
fi
