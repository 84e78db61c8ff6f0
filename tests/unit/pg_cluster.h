/* pg_cluster.h: a PostgreSQL server of the test's own, for the unit
 * tests of the db_* modules: initdb into a temporary folder, postgres
 * started on a unix socket in it (no TCP), stopped and removed at the
 * end. As root (CI), initdb and postgres run as nobody: PostgreSQL
 * refuses to run as root. Include after unit.h. */
#ifndef HOOKLINE_PG_CLUSTER_H
#define HOOKLINE_PG_CLUSTER_H

#include <sys/prctl.h>
#include <sys/wait.h>

#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <time.h>

#include "db.h"

#define PG_CLUSTER_USER	"nobody"
#define PG_START_MS	30000	/* the longest wait for the server */

struct pg_cluster {
	char	*dir;		/* /tmp/hookline-pg-XXXXXX: socket, data, log */
	char	*conninfo;	/* key=value, for db_open() and `database` */
	pid_t	 pid;		/* postgres; 0 when not running */
};

/* The folder of Debian's PostgreSQL programs (the newest one), malloc'd,
 * or NULL when PostgreSQL is not installed. */
UNIT_FN char *
pg_bindir(void)
{
	glob_t g;
	char *dir = NULL, *slash;

	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0 &&
	    g.gl_pathc > 0) {
		dir = strdup(g.gl_pathv[g.gl_pathc - 1]);
		if (dir != NULL && (slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
	}
	globfree(&g);
	return dir;
}

/* Starts argv[0] with argv in a child: as nobody when we are root, its
 * output into log (append). With die_with_us, the child gets SIGTERM
 * when this test process dies. Returns the child's pid. */
UNIT_FN pid_t
pg_spawn(char *const argv[], const char *log, int die_with_us)
{
	struct passwd *pw = NULL;
	pid_t parent = getpid(), pid;
	int fd;

	if (geteuid() == 0)
		assert_non_null(pw = getpwnam(PG_CLUSTER_USER));
	assert_true((pid = fork()) != -1);
	if (pid != 0)
		return pid;
	if (pw != NULL && (setgroups(0, NULL) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0))
		_exit(126);
	/* After setuid: a change of credentials clears it. */
	if (die_with_us && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
	    getppid() != parent))
		_exit(126);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		_exit(126);
	fd = open("/dev/null", O_RDONLY);
	if (fd == -1 || dup2(fd, 0) == -1)
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

UNIT_FN int
pg_wait(pid_t pid)
{
	int st;

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

/* Creates and starts the cluster (its database "postgres", user
 * "hookline", trusted on the socket).
 * Returns 0, or -1 when PostgreSQL is not installed (the caller skips). */
UNIT_FN int
pg_cluster_start(struct pg_cluster *pc)
{
	struct passwd *pw;
	struct err err;
	struct db *db = NULL;
	char *bin, *initdb, *postgres, *data, *log;
	long waited;
	int i;

	memset(pc, 0, sizeof(*pc));
	if ((bin = pg_bindir()) == NULL)
		return -1;
	pc->dir = unit_mkdtemp("pg");
	if (geteuid() == 0) {
		assert_non_null(pw = getpwnam(PG_CLUSTER_USER));
		assert_int_equal(chown(pc->dir, pw->pw_uid, pw->pw_gid), 0);
	}
	assert_true(asprintf(&initdb, "%s/initdb", bin) > 0);
	assert_true(asprintf(&postgres, "%s/postgres", bin) > 0);
	assert_true(asprintf(&data, "%s/data", pc->dir) > 0);
	assert_true(asprintf(&log, "%s/log", pc->dir) > 0);
	{
		char *argv[] = { initdb, "-D", data, "-U", "hookline", "-A",
		    "trust", "-E", "UTF8", "--locale=C", "--no-sync", NULL };

		if (pg_wait(pg_spawn(argv, log, 1)) != 0) {
			print_message("initdb failed: see %s\n", log);
			fail();
		}
	}
	{
		/* -F: no fsync, a test's data is thrown away anyway. */
		char *argv[] = { postgres, "-D", data, "-k", pc->dir, "-F",
		    "-c", "listen_addresses=", "-c", "max_connections=40",
		    NULL };

		pc->pid = pg_spawn(argv, log, 1);
	}
	assert_true(asprintf(&pc->conninfo, "host=%s dbname=postgres "
	    "user=hookline connect_timeout=5", pc->dir) > 0);
	/* Ready when it answers: the socket comes before recovery ends. */
	for (waited = 0, i = 0; db == NULL && waited < PG_START_MS; i++) {
		struct timespec ts = { 0, 50 * 1000000L };

		if ((db = pg_connect(pc, &err)) == NULL) {
			assert_int_equal(waitpid(pc->pid, NULL, WNOHANG), 0);
			(void)nanosleep(&ts, NULL);
			waited += 50;
		}
	}
	if (db == NULL) {
		print_message("postgres did not start: %s (see %s)\n",
		    err.msg, log);
		fail();
	}
	db_close(db);
	free(bin);
	free(initdb);
	free(postgres);
	free(data);
	free(log);
	return 0;
}

/* Stops the server (fast shutdown: SIGINT) and removes its folder. */
UNIT_FN void
pg_cluster_stop(struct pg_cluster *pc)
{
	if (pc->pid > 0) {
		assert_int_equal(kill(pc->pid, SIGINT), 0);
		(void)pg_wait(pc->pid);
		pc->pid = 0;
	}
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
