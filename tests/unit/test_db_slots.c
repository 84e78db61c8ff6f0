/* test_db_slots.c: max_running across hosts, against a real PostgreSQL
 * the test starts (pg_cluster.h): never more holders than the bound
 * among processes, a killed holder's slot freed, release, pools apart,
 * slots_take with `database` set, and this host's lock files while the
 * database is away. */
#include "unit.h"
#include "pg_cluster.h"

#include <sys/wait.h>

#include "db_slots.h"
#include "slots.h"

struct fixture {
	struct pg_cluster	 pc;
	struct db		*db;
	char			*top;
	struct conf		 conf;
};

static void
fixture_up(struct fixture *f)
{
	f->top = unit_mkdtemp("dbslots");
	assert_true(asprintf(&f->conf.spool_dir, "%s/spool", f->top) > 0);
	f->conf.database = f->pc.conninfo;
}

static void
fixture_down(struct fixture *f)
{
	pg_scratch_end(&f->top);
	free(f->conf.spool_dir);
}

PG_GROUP(fixture_up, fixture_down)

/* A slot of pool, tried every 20 ms for up to 10 s while all are
 * taken: for a holder whose end the server has still to notice. */
static int
try_until(struct db *db, int32_t pool, unsigned n)
{
	struct timespec ts = { 0, 20 * 1000000L };
	struct err err;
	int i, s = -3;

	for (i = 0; i < 500 && (s = db_slot_try(db, pool, n, 0, &err)) == -3;
	    i++)
		(void)nanosleep(&ts, NULL);
	return s;
}

static void
test_pool_keys(void **state)
{
	(void)state;
	/* Apart from each other, the same every time, never negative. */
	assert_int_not_equal(db_slot_pool(NULL), db_slot_pool(""));
	assert_int_not_equal(db_slot_pool("a"), db_slot_pool("b"));
	assert_int_equal(db_slot_pool("deploy"), db_slot_pool("deploy"));
	assert_true(db_slot_pool(NULL) >= 0 && db_slot_pool("x") >= 0);
}

static void
test_bound(void **state)
{
	struct fixture *f = *state;
	struct db *other;
	struct err err;
	int32_t pool = db_slot_pool("bound");
	int a, b;

	PG_NEED(f->db);
	assert_non_null(other = pg_connect(&f->pc, &err));
	assert_true((a = db_slot_try(f->db, pool, 2, 0, &err)) >= 0);
	assert_true((b = db_slot_try(other, pool, 2, 0, &err)) >= 0);
	assert_int_not_equal(a, b);
	/* Both taken, from either session. */
	assert_int_equal(db_slot_try(f->db, pool, 2, 1, &err), -3);
	assert_int_equal(db_slot_try(other, pool, 2, 0, &err), -3);
	/* Another pool is another bound. */
	assert_true(db_slot_try(other, db_slot_pool("elsewhere"), 1, 0,
	    &err) >= 0);
	assert_int_equal(db_slot_release(f->db, pool, a, &err), DB_OK);
	assert_int_equal(db_slot_try(other, pool, 2, 0, &err), a);
	assert_int_equal(db_slot_try(f->db, pool, 2, 0, &err), -3);
	/* The connection's end frees everything it held (once the server
	 * has seen it end: a moment). */
	db_close(other);
	assert_true(try_until(f->db, pool, 2) >= 0);
	assert_true(try_until(f->db, pool, 2) >= 0);
	assert_int_equal(db_slot_try(f->db, pool, 2, 0, &err), -3);
	assert_int_equal(db_slot_release(f->db, pool, 0, &err), DB_OK);
	assert_int_equal(db_slot_release(f->db, pool, 1, &err), DB_OK);
	assert_int_equal(db_slot_try(f->db, pool, 0, 0, &err), DB_FAIL);
}

/* PROCS processes, each with its own connection (a host), try for one
 * of BOUND slots while every winner holds on: exactly BOUND win. */
static void
test_across_processes(void **state)
{
	struct fixture *f = *state;
	enum { PROCS = 8, BOUND = 3 };
	int32_t pool = db_slot_pool("race");
	pid_t pids[PROCS];
	int i, st, res[2], go[2], wins = 0, busy = 0;
	char c;

	PG_NEED(f->db);
	assert_int_equal(pipe(res), 0);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < PROCS; i++) {
		assert_true((pids[i] = fork()) != -1);
		if (pids[i] == 0) {
			struct err err;
			struct db *db = db_open(f->pc.conninfo, &err);
			int s;

			(void)close(res[0]);
			(void)close(go[1]);
			s = db == NULL ? -9 : db_slot_try(db, pool, BOUND,
			    (unsigned)i, &err);
			c = s >= 0 ? 'w' : s == -3 ? 'b' : 'e';
			if (write(res[1], &c, 1) != 1)
				_exit(3);
			/* Hold until the parent has counted. */
			(void)read(go[0], &c, 1);
			db_close(db);
			_exit(0);
		}
	}
	(void)close(res[1]);
	(void)close(go[0]);
	for (i = 0; i < PROCS; i++) {
		assert_int_equal(read(res[0], &c, 1), 1);
		wins += c == 'w';
		busy += c == 'b';
	}
	assert_int_equal(wins, BOUND);
	assert_int_equal(busy, PROCS - BOUND);
	(void)close(go[1]);
	(void)close(res[0]);
	for (i = 0; i < PROCS; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

/* A holder killed with -9 (a host that dies mid-hook): the server sees
 * its connection end and its slot is free again. */
static void
test_killed_holder(void **state)
{
	struct fixture *f = *state;
	int32_t pool = db_slot_pool("killed");
	struct err err;
	pid_t pid;
	int p[2];
	char c;

	PG_NEED(f->db);
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		struct db *db = db_open(f->pc.conninfo, &err);

		c = db != NULL && db_slot_try(db, pool, 1, 0, &err) == 0 ?
		    'w' : 'e';
		if (write(p[1], &c, 1) != 1)
			_exit(3);
		for (;;)
			(void)pause();
	}
	(void)close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'w');
	assert_int_equal(db_slot_try(f->db, pool, 1, 0, &err), -3);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(try_until(f->db, pool, 1), 0);
	assert_int_equal(db_slot_release(f->db, pool, 0, &err), DB_OK);
	(void)close(p[0]);
}

/* slots_take with `database` set: the bound holds between processes
 * through the database, not the lock files. */
static void
test_slots_take(void **state)
{
	struct fixture *f = *state;
	struct endpoint ep = { .name = "deploy", .max_running = 1 };
	struct slots held, again;
	struct err err;
	pid_t pid;
	int st;

	PG_NEED(f->db);
	f->conf.max_running = 2;
	db_shared_close();
	assert_int_equal(slots_take(&f->conf, &ep, 0, 0, NULL, &held, &err),
	    0);
	/* Another process (its own session): the endpoint's one is taken;
	 * the global pool has one left. */
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		struct slots s;
		int ok;

		ok = slots_take(&f->conf, &ep, 0, 0, NULL, &s, &err) == -1 &&
		    strstr(err.msg, "every host") != NULL &&
		    slots_take(&f->conf, NULL, 0, 0, NULL, &s, &err) == 0;
		slots_release(&s);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Not in the lock files: a process without `database` is free. */
	{
		struct conf local = f->conf;

		local.database = NULL;
		assert_int_equal(slots_take(&local, &ep, 0, 0, NULL, &again,
		    &err), 0);
		slots_release(&again);
	}
	/* The endpoint's wait runs out: busy, nothing held. */
	err.msg[0] = '\0';
	assert_int_equal(slots_take(&f->conf, &ep, 50, 0, NULL, &again,
	    &err), -1);
	assert_non_null(strstr(err.msg, "busy"));
	slots_release(&held);
	slots_release(&held);	/* twice is fine */
	assert_int_equal(slots_take(&f->conf, &ep, 0, 0, NULL, &again, &err),
	    0);
	slots_release(&again);
	f->conf.max_running = 0;
}

/* The database away: this host's lock files bound the runs meanwhile,
 * rather than every sync delivery answered 429. */
static void
test_database_away(void **state)
{
	struct fixture *f = *state;
	struct endpoint ep = { .name = "away", .max_running = 1 };
	struct conf conf = f->conf;
	struct slots a, b;
	struct err err;
	char *gone;

	PG_NEED(f->db);
	db_shared_close();
	assert_true(asprintf(&gone, "host=%s/nowhere dbname=x user=hookline "
	    "connect_timeout=2", f->pc.dir) > 0);
	conf.database = gone;
	assert_int_equal(slots_take(&conf, &ep, 0, 0, NULL, &a, &err), 0);
	assert_int_equal(slots_take(&conf, &ep, 0, 0, NULL, &b, &err), -1);
	assert_non_null(strstr(err.msg, "busy"));
	slots_release(&a);
	assert_int_equal(slots_take(&conf, &ep, 0, 0, NULL, &b, &err), 0);
	slots_release(&b);
	db_shared_close();
	free(gone);
}

/* Ends the session of the process's connection (pg_terminate_backend
 * from the test's own), and waits until the server has let it go. */
static void
terminate_shared(struct fixture *f)
{
	struct timespec ts = { 0, 20 * 1000000L };
	struct db *shared;
	struct err err;
	char pid[24];
	int i;

	assert_non_null(shared = db_shared(&f->conf, NULL, &err));
	(void)snprintf(pid, sizeof(pid), "%ld",
	    pg_count(shared, "SELECT pg_backend_pid()"));
	pg_sql_arg(f->db, "SELECT pg_terminate_backend($1::int)", pid);
	for (i = 0; i < 500 && pg_count_arg(f->db, "SELECT count(*) FROM "
	    "pg_stat_activity WHERE pid = $1::int", pid) > 0; i++)
		(void)nanosleep(&ts, NULL);
}

/* A slot held while the process's session is ended (pg_terminate_backend
 * while its hook runs) is taken again on the new session that the next
 * statement opens, before another process can keep it; one that another
 * process took in between is counted lost, not given back twice. */
static void
test_reconnect_retakes(void **state)
{
	struct fixture *f = *state;
	int32_t pool = db_slot_pool(NULL);
	struct slots held;
	struct err err;
	struct db *shared;

	PG_NEED(f->db);
	f->conf.max_running = 1;
	db_shared_close();
	(void)db_slot_lost();
	assert_int_equal(slots_take(&f->conf, NULL, 0, 0, NULL, &held, &err),
	    0);
	assert_int_equal(db_slot_try(f->db, pool, 1, 0, &err), -3);
	terminate_shared(f);
	/* The process's next statement finds its session gone: a new one,
	 * with the slot taken again before the statement runs. */
	assert_non_null(shared = db_shared(&f->conf, NULL, &err));
	assert_int_equal(db_exec(shared, DB_RETRY, "SELECT 1", 0, NULL, NULL,
	    &err), DB_OK);
	assert_int_equal(db_slot_try(f->db, pool, 1, 0, &err), -3);
	assert_int_equal(db_slot_lost(), 0);
	/* Another process takes it in between: lost, and said so. */
	terminate_shared(f);
	assert_int_equal(try_until(f->db, pool, 1), 0);
	assert_non_null(shared = db_shared(&f->conf, NULL, &err));
	assert_int_equal(db_exec(shared, DB_RETRY, "SELECT 1", 0, NULL, NULL,
	    &err), DB_OK);
	assert_int_equal(db_slot_lost(), 1);
	slots_release(&held);	/* not ours any more: the other keeps it */
	assert_int_equal(db_slot_try(db_shared(&f->conf, NULL, &err), pool, 1,
	    0, &err), -3);
	assert_int_equal(db_slot_release(f->db, pool, 0, &err), DB_OK);
	db_shared_close();
	f->conf.max_running = 0;
}

/* A slot given back while the database is away (its session gone with
 * it) is forgotten: the process's next session does not take it again,
 * which would keep it from every other process for good. */
static void
test_released_while_away(void **state)
{
	struct fixture *f = *state;
	int32_t pool = db_slot_pool(NULL);
	struct slots held;
	struct err err;
	char *real = f->conf.database, *gone;

	PG_NEED(f->db);
	f->conf.max_running = 1;
	db_shared_close();
	(void)db_slot_lost();
	assert_int_equal(slots_take(&f->conf, NULL, 0, 0, NULL, &held, &err),
	    0);
	assert_true(asprintf(&gone, "host=%s/nowhere dbname=x "
	    "connect_timeout=2", f->pc.dir) > 0);
	f->conf.database = gone;	/* the database away at the release */
	slots_release(&held);
	f->conf.database = real;
	assert_non_null(db_shared(&f->conf, NULL, &err));
	assert_int_equal(try_until(f->db, pool, 1), 0);
	assert_int_equal(db_slot_release(f->db, pool, 0, &err), DB_OK);
	assert_int_equal(db_slot_lost(), 0);
	db_shared_close();
	free(gone);
	f->conf.max_running = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_keys),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_across_processes),
		cmocka_unit_test(test_killed_holder),
		cmocka_unit_test(test_slots_take),
		cmocka_unit_test(test_database_away),
		cmocka_unit_test(test_reconnect_retakes),
		cmocka_unit_test(test_released_while_away),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
