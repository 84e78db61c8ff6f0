/* pg_cluster.h: a PostgreSQL server of the test's own, for the unit
 * tests of the db_* modules, made, started and stopped by the same
 * script the end-to-end tests use (tests/e2e/lib_pg.sh start|stop DIR:
 * initdb into a temporary folder, the server on a unix socket in it, no
 * TCP, run as an unprivileged user when we are root; role and database
 * "hookline"), and one group setup for a file of tests (PG_GROUP).
 * Include after unit.h. */
#ifndef HOOKLINE_PG_CLUSTER_H
#define HOOKLINE_PG_CLUSTER_H

#include <sys/wait.h>

#include <spawn.h>
#include <stdbool.h>

#include "db.h"

/* The script, from the top of the tree: make runs the tests there. */
#define PG_SCRIPT	"tests/e2e/lib_pg.sh"
#define PG_SKIP		77	/* the script's exit: not installed */

extern char **environ;

struct pg_cluster {
	char	*dir;		/* /tmp/hookline-pg-XXXXXX: the cluster's
				 * folder (data, sock, logs), free for the
				 * test's own files besides */
	char	*conninfo;	/* key=value, for db_open() and `database` */
	bool	 running;
};

/* `bash lib_pg.sh VERB DIR`, its standard output thrown away (the URI:
 * conninfo says the same as key=value, which a test may add to), its
 * errors on ours; the data written without fsync (a test's data is
 * thrown away anyway). Returns the script's exit status. */
UNIT_FN int
pg_script(const char *verb, const char *dir)
{
	char *const argv[] = { "env", "PG_FSYNC=off", "bash", PG_SCRIPT,
	    (char *)verb, (char *)dir, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
	    O_WRONLY, 0), 0);
	assert_int_equal(posix_spawnp(&pid, "env", &fa, NULL, argv, environ),
	    0);
	(void)posix_spawn_file_actions_destroy(&fa);
	while (waitpid(pid, &st, 0) == -1)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A connection to the cluster's database, or NULL (err says why). */
UNIT_FN struct db *
pg_connect(const struct pg_cluster *pc, struct err *err)
{
	return db_open(pc->conninfo, err);
}

/* Creates and starts the cluster.
 * Returns 0, or -1 when PostgreSQL is not installed (the caller skips). */
UNIT_FN int
pg_cluster_start(struct pg_cluster *pc)
{
	int rc;

	memset(pc, 0, sizeof(*pc));
	pc->dir = unit_mkdtemp("pg");
	if ((rc = pg_script("start", pc->dir)) == PG_SKIP) {
		unit_rm_tree(pc->dir);
		free(pc->dir);
		pc->dir = NULL;
		return -1;
	}
	if (rc != 0) {
		(void)pg_script("stop", pc->dir);	/* left for its logs */
		fail_msg(PG_SCRIPT " start %s: exit %d", pc->dir, rc);
	}
	pc->running = true;
	assert_true(asprintf(&pc->conninfo, "host=%s/sock dbname=hookline "
	    "user=hookline connect_timeout=5", pc->dir) > 0);
	return 0;
}

/* Stops the server and removes its folder. */
UNIT_FN void
pg_cluster_stop(struct pg_cluster *pc)
{
	if (pc->running)
		assert_int_equal(pg_script("stop", pc->dir), 0);
	if (pc->dir != NULL)
		unit_rm_tree(pc->dir);
	free(pc->dir);
	free(pc->conninfo);
	memset(pc, 0, sizeof(*pc));
}

/* The cluster started, a connection to it in *db and the schema made:
 * a group setup's work. Returns 0, or -1 when PostgreSQL is not
 * installed (*db NULL: each test skips, PG_NEED). */
UNIT_FN int
pg_up(struct pg_cluster *pc, struct db **db)
{
	struct err err;

	*db = NULL;
	if (pg_cluster_start(pc) == -1)
		return -1;
	if ((*db = pg_connect(pc, &err)) == NULL ||
	    db_schema_init(*db, &err) != DB_OK) {
		print_message("database: %s\n", err.msg);
		fail();
	}
	return 0;
}

/* pg_up's undoing: every connection closed, the cluster stopped and
 * removed. */
UNIT_FN void
pg_down(struct pg_cluster *pc, struct db *db)
{
	db_shared_close();
	db_close(db);
	pg_cluster_stop(pc);
}

/* Skips the test when the group found no PostgreSQL. */
#define PG_NEED(db) do { if ((db) == NULL) { \
	print_message("PostgreSQL is not installed\n"); skip(); } } while (0)

/*
 * The group setup and teardown of a file of tests on one cluster:
 * PG_GROUP(up, down) after the file's struct fixture, which has
 * `struct pg_cluster pc` and `struct db *db` among its members, defines
 * group_setup and group_teardown for cmocka_run_group_tests. The
 * fixture is made zeroed, the cluster started with its schema, f->db
 * connected (pg_up), then up(f) runs: only when PostgreSQL is there
 * (else f->db stays NULL and each test skips with PG_NEED). At the end
 * down(f) runs, always, then pg_down and the fixture is freed. up and
 * down take a struct fixture *; PG_NONE for nothing.
 */
#define PG_NONE(f)	((void)(f))
#define PG_GROUP(up, down)						\
static int								\
group_setup(void **state)						\
{									\
	struct fixture *f;						\
									\
	assert_non_null(f = calloc(1, sizeof(*f)));			\
	*state = f;							\
	if (pg_up(&f->pc, &f->db) == 0)					\
		up(f);							\
	return 0;							\
}									\
									\
static int								\
group_teardown(void **state)						\
{									\
	struct fixture *f = *state;					\
									\
	down(f);							\
	pg_down(&f->pc, f->db);						\
	free(f);							\
	return 0;							\
}

/* A test's scratch folder (a per-test teardown): every shared
 * connection closed (the next test starts as a fresh process would),
 * the folder removed and freed, *top NULL. */
UNIT_FN void
pg_scratch_end(char **top)
{
	db_shared_close();
	if (*top != NULL)
		unit_rm_tree(*top);
	free(*top);
	*top = NULL;
}

/* On the fixture f's connection: a statement with at most one text
 * parameter (NULL: none), and the number a one-row, one-column query
 * answers. */
#define SQL(q, arg)	pg_sql_arg(f->db, (q), (arg))
#define COUNT(q, arg)	pg_count_arg(f->db, (q), (arg))

/* Runs q with at most one text parameter, $1 (arg NULL: none); fails
 * the test if the server refuses it. */
UNIT_FN void
pg_sql_arg(struct db *db, const char *q, const char *arg)
{
	struct db_param p[1] = { DBP_TEXT(arg) };
	struct err err;

	if (db_exec(db, 0, q, arg != NULL ? 1 : 0, p, NULL, &err) != DB_OK)
		fail_msg("%s: %s", q, err.msg);
}

/* The number the one-row, one-column query q answers (arg: $1, or
 * NULL for none). */
UNIT_FN long
pg_count_arg(struct db *db, const char *q, const char *arg)
{
	struct db_param p[1] = { DBP_TEXT(arg) };
	struct db_res *res = NULL;
	struct err err;
	int64_t v;

	if (db_exec(db, 0, q, arg != NULL ? 1 : 0, p, &res, &err) != DB_OK)
		fail_msg("%s: %s", q, err.msg);
	assert_int_equal(db_rows(res), 1);
	assert_int_equal(db_int64(res, 0, 0, &v), 0);
	db_res_free(res);
	return (long)v;
}

/* The same without a parameter. */
UNIT_FN void
pg_sql(struct db *db, const char *q)
{
	pg_sql_arg(db, q, NULL);
}

UNIT_FN long
pg_count(struct db *db, const char *q)
{
	return pg_count_arg(db, q, NULL);
}

#endif
