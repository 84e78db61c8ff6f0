/* test_db_drain.c: the database's drainer (db_drain.c) against a real
 * PostgreSQL the test starts (pg_cluster.h): a delivery of the local
 * spool moved in with its progress runs only what had not succeeded;
 * on a host whose clock is a day ahead of the server's, a failed attempt's next try is set from
 * the server's clock (retry = 1h: due an hour after the server's now,
 * not a day and an hour). This process's time() and CLOCK_REALTIME
 * are the skewed host's (linked with --wrap); the server keeps the
 * real ones. */
// WRAP: time clock_gettime
#include "unit.h"
#include "pg_cluster.h"

#include <sys/stat.h>

#include "db_drain.h"
#include "db_queue.h"
#include "spool.h"

#define SKEW	100000	/* seconds the host's clock is ahead */

static long skew;

time_t	__real_time(time_t *);
time_t	__wrap_time(time_t *);
int	__real_clock_gettime(clockid_t, struct timespec *);
int	__wrap_clock_gettime(clockid_t, struct timespec *);

int
__wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	int rc = __real_clock_gettime(id, ts);

	if (rc == 0 && id == CLOCK_REALTIME)
		ts->tv_sec += skew;
	return rc;
}

time_t
__wrap_time(time_t *t)
{
	time_t v = __real_time(NULL) + skew;

	if (t != NULL)
		*t = v;
	return v;
}

struct fixture {
	struct pg_cluster	 pc;
	struct db		*db;
};

/* One cluster for the file. */
PG_GROUP(PG_NONE, PG_NONE)

/* hooks/NAME under the cluster's folder, made with text. */
static void
hook_file(struct fixture *f, const char *name, const char *text, mode_t mode)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", f->pc.dir, name) > 0);
	if (text == NULL)
		(void)mkdir(p, mode);
	else {
		unit_write_file(p, text, mode);
		assert_int_equal(chmod(p, mode), 0);
	}
	free(p);
}

/* The configuration NAME.conf in the cluster's folder, loaded: hooks in
 * NAME-hooks/, the local spool NAME-spool/, the database, max_running 1
 * (one drainer process), then section (an endpoint's). */
static struct conf *
drain_conf(struct fixture *f, const char *name, const char *section)
{
	struct conf *conf = NULL;
	struct err err;
	char *path, *text;

	assert_true(asprintf(&path, "%s/%s.conf", f->pc.dir, name) > 0);
	assert_true(asprintf(&text, "hooks_dir = %s-hooks\n"
	    "spool_dir = %s-spool\nlog = %s/%s.log\ndatabase = %s\n"
	    "max_running = 1\n%s", name, name, f->pc.dir, name,
	    f->pc.conninfo, section) > 0);
	unit_write_file(path, text, 0600);
	assert_int_equal(conf_load(path, &conf, &err), 0);
	free(path);
	free(text);
	return conf;
}

static void
test_retry_on_server_clock(void **state)
{
	struct fixture *f = *state;
	volatile sig_atomic_t stop = 0;
	struct delivery d = {
		.endpoint = "e", .event = "push", .id = "clock-1",
		.body = (const unsigned char *)"{}", .body_len = 2,
		.attempt = 1,
	};
	struct conf *conf;
	struct err err;
	long left;

	PG_NEED(f->db);
	hook_file(f, "clock-hooks", NULL, 0755);
	hook_file(f, "clock-hooks/e", NULL, 0755);
	hook_file(f, "clock-hooks/e/push", "#!/bin/sh\nexit 1\n", 0755);
	conf = drain_conf(f, "clock", "[e]\nmode = async\nretry = 1h\n");
	/* Received now by the server's clock (and the real one). */
	assert_int_equal(db_queue_put_tx(f->db, &d, (int64_t)__real_time(NULL),
	    NULL, &err), DB_OK);
	skew = SKEW;
	db_shared_close();
	assert_true(db_drain_loop(NULL, &conf, DRAIN_DUE, &stop, &err) >= 0);
	skew = 0;
	assert_int_equal(pg_count(f->db, "SELECT count(*) FROM "
	    "hookline_delivery WHERE state = 'pending' AND attempts = 1 AND "
	    "failures = 1"), 1);
	left = pg_count(f->db, "SELECT next_due - CAST(floor(extract(epoch "
	    "FROM now())) AS bigint) FROM hookline_delivery");
	print_message("next try in %ld s by the server's clock\n", left);
	assert_true(left >= 3600 - 60 && left <= 3600 + 60);
	db_shared_close();
	conf_free(conf);
}

/* A delivery the local spool held when `database` was added, which the
 * local drainer had tried once (push.d/ok succeeded, push.d/flaky failed
 * and is due again): the drainer moves it into the database with that
 * progress (db_spill.c) and runs only push.d/flaky, as attempt 2. */
static void
test_moved_with_progress(void **state)
{
	struct fixture *f = *state;
	volatile sig_atomic_t stop = 0;
	struct delivery d = {
		.endpoint = "m", .event = "push", .id = "moved-1",
		.body = (const unsigned char *)"{}", .body_len = 2,
		.attempt = 1,
	};
	struct consumer cons[2];
	struct spool_entry e;
	struct conf *conf;
	struct err err;
	char *text, *ran, name[SPOOL_NAME_MAX + 1];
	int64_t now = (int64_t)time(NULL);

	PG_NEED(f->db);
	hook_file(f, "moved-hooks", NULL, 0755);
	hook_file(f, "moved-hooks/m", NULL, 0755);
	hook_file(f, "moved-hooks/m/push.d", NULL, 0755);
	assert_true(asprintf(&text, "#!/bin/sh\necho \"$HOOKLINE_ATTEMPT\" "
	    ">%s/ran-ok\n", f->pc.dir) > 0);
	hook_file(f, "moved-hooks/m/push.d/ok", text, 0755);
	free(text);
	assert_true(asprintf(&text, "#!/bin/sh\necho \"$HOOKLINE_ATTEMPT\" "
	    ">%s/ran-flaky\n", f->pc.dir) > 0);
	hook_file(f, "moved-hooks/m/push.d/flaky", text, 0755);
	free(text);
	conf = drain_conf(f, "moved", "[m]\nmode = async\n");
	/* What the local drainer left. */
	assert_int_equal(spool_init(conf->spool_dir, &err), 0);
	assert_int_equal(spool_store(conf->spool_dir, 0, &d, now, name, &err),
	    0);
	assert_int_equal(spool_read(conf->spool_dir, SPOOL_NEW, name, &e,
	    &err), 0);
	cons[0] = (struct consumer){ .name = "push.d/ok",
	    .state = CONS_SUCCEEDED, .tries = 1 };
	cons[1] = (struct consumer){ .name = "push.d/flaky",
	    .state = CONS_PENDING, .tries = 1, .failures = 1, .next = now };
	e.cons = cons;
	e.ncons = 2;
	e.attempts = 1;
	e.failures = 1;
	e.next = now;
	assert_int_equal(spool_write(conf->spool_dir, SPOOL_NEW, name, &e,
	    &err), 0);
	e.cons = NULL;
	e.ncons = 0;
	spool_entry_free(&e);

	db_shared_close();
	assert_true(db_drain_loop(NULL, &conf, DRAIN_DUE, &stop, &err) >= 0);
	assert_int_equal(pg_count_arg(f->db, "SELECT count(*) FROM "
	    "hookline_delivery WHERE delivery_id = $1 AND state = 'done' AND "
	    "attempts = 2", "moved-1"), 1);
	assert_true(asprintf(&ran, "%s/ran-ok", f->pc.dir) > 0);
	assert_int_equal(access(ran, F_OK), -1);	/* not again */
	free(ran);
	assert_true(asprintf(&ran, "%s/ran-flaky", f->pc.dir) > 0);
	text = unit_read_file(ran, NULL);
	assert_string_equal(text, "2\n");
	free(ran);
	db_shared_close();
	conf_free(conf);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_on_server_clock),
		cmocka_unit_test(test_moved_with_progress),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
