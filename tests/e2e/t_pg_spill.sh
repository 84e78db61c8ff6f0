# Two hosts, one database (pg_hosts.sh), database_unavailable = spool:
# PostgreSQL stopped under load (16 clients, both hosts) and started
# again. Every answer is 202: what could not go into the database was
# spilled into the host's own spool (durably, before the 202), and is
# moved into the database once it is back; every delivery runs, once.
set -u
. "$E2E_DIR/pg_hosts.sh"
once_per_run
pg_hosts_up 'database_unavailable = spool'
N=${PG_SPILL_N:-300}
pre=$(new_id)
codes=$D/out/spill.codes
pg_load_outage "$N" "$pre" "$codes"
bad=$(awk '$1 != 202' "$codes" | head -n 5)
[ -z "$bad" ] || fail "answers other than 202: $(printf '%s' "$bad" | tr '\n' ';')"
# Something was spilled and moved back: the drainers say so (else the
# case tested nothing).
# shellcheck disable=SC2086
wait_for 100 eval "cat $LOGS_A $LOGS_B 2>/dev/null | grep -q 'spilled deliveries moved into the database'" ||
    fail "no drainer logged spilled deliveries moved into the database"
ran_once "$pre" "$N" logged
[ "$E2E_FAILS" -eq 0 ] || pg_logs_show
