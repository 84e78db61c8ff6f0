/* test_db.c: db.c, db_schema.c and db_queue.c against a real PostgreSQL
 * the test starts (pg_cluster.h): schema init, migrate and version
 * mismatch; put committed and read back byte for byte with hostile
 * values; two processes claiming never get the same delivery; an
 * expired lease taken over; a connection killed by pg_terminate_backend
 * re-established without a failed statement; finish and read back;
 * statements prepared per connection (test_prepared); several in one
 * transaction and round trip (db_pipeline: test_pipeline*). */
#include "unit.h"
#include "pg_cluster.h"

#include <sys/wait.h>

#include "check.h"
#include "dbcmd.h"
#include "db_drain.h"
#include "db_ops.h"
#include "db_queue.h"

struct fixture {
	struct pg_cluster	 pc;
	struct db		*db;	/* the test's own connection */
	struct conf		 conf;
	bool			 up;
};

/* Skips when PostgreSQL is not installed; fails under CI=true. */
#define NEED_PG(f) do { if (!(f)->up) { \
	const char *ci = getenv("CI"); \
	if (ci != NULL && strcmp(ci, "true") == 0) \
		fail_msg("PostgreSQL is not installed (CI=true: failing)"); \
	print_message("PostgreSQL is not installed (Debian package "  \
	    "postgresql): skipped\n"); skip(); } } while (0)

static int
group_setup(void **state)
{
	struct fixture *f;
	struct err err;

	assert_non_null(f = calloc(1, sizeof(*f)));
	*state = f;
	if (pg_cluster_start(&f->pc) == -1)
		return 0;
	f->up = true;
	assert_non_null(f->db = pg_connect(&f->pc, &err));
	f->conf.database = f->pc.conninfo;
	f->conf.database_lease = 30;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;

	db_shared_close();
	db_close(f->db);
	if (f->up)
		pg_cluster_stop(&f->pc);
	free(f);
	return 0;
}

/* Sets the version row (no schema change): v other than the binary's
 * is a mismatch. */
static void
version_set(struct fixture *f, int v)
{
	char s[16];

	(void)snprintf(s, sizeof(s), "%d", v);
	SQL("UPDATE hookline_schema SET version = CAST($1 AS integer)", s);
}

/* No schema: version 0 and db_shared says to run init; init makes it
 * (twice is fine); a newer version is refused by init, migrate and the
 * first use, with words that say what to do; a missing version table
 * on a used database is "no schema". */
static void
test_schema(void **state)
{
	struct fixture *f = *state;
	struct err err;
	enum db_rc rc;
	int v, from;

	NEED_PG(f);
	assert_int_equal(db_schema_version(f->db, &v, &err), DB_OK);
	assert_int_equal(v, 0);
	db_shared_close();
	assert_null(db_shared(&f->conf, &rc, &err));
	assert_int_equal(rc, DB_FAIL);
	assert_non_null(strstr(err.msg, "hookline db init"));

	assert_int_equal(db_schema_init(f->db, &err), DB_OK);
	assert_int_equal(db_schema_version(f->db, &v, &err), DB_OK);
	assert_int_equal(v, DB_SCHEMA_VERSION);
	assert_int_equal(db_schema_init(f->db, &err), DB_OK);
	assert_int_equal(db_schema_migrate(f->db, &from, &err), DB_OK);
	assert_int_equal(from, DB_SCHEMA_VERSION);
	assert_non_null(db_shared(&f->conf, &rc, &err));

	/* A newer schema (another hookline migrated it). */
	pg_sql(f->db, "UPDATE hookline_schema SET version = version + 1");
	db_shared_close();
	assert_null(db_shared(&f->conf, &rc, &err));
	assert_int_equal(rc, DB_FAIL);
	assert_non_null(strstr(err.msg, "newer hookline"));
	assert_int_equal(db_schema_init(f->db, &err), DB_FAIL);
	assert_int_equal(db_schema_migrate(f->db, &from, &err), DB_FAIL);
	assert_int_equal(from, DB_SCHEMA_VERSION + 1);
	assert_non_null(strstr(err.msg, "newer"));
	/* A version table holding garbage is an error, not a crash. */
	pg_sql(f->db, "UPDATE hookline_schema SET version = -7");
	assert_int_equal(db_schema_version(f->db, &v, &err), DB_FAIL);
	version_set(f, DB_SCHEMA_VERSION);
	assert_non_null(db_shared(&f->conf, &rc, &err));
}

/* Bytes 1..255 and a NUL in the body; quotes, backslashes, a dollar
 * quote, a semicolon and UTF-8 in the strings: stored and read back
 * byte for byte (the statements are parameterised). */
static void
test_put_hostile(void **state)
{
	struct fixture *f = *state;
	unsigned char body[300], *back;
	char name[SPOOL_NAME_MAX + 1];
	struct spool_entry e;
	struct delivery d;
	struct db_res *res = NULL;
	struct err err;
	size_t len, i;
	int found;

	NEED_PG(f);
	for (i = 0; i < sizeof(body); i++)
		body[i] = (unsigned char)(i % 256);
	memset(&d, 0, sizeof(d));
	d.endpoint = "git'hub\\";
	d.event = "push";
	d.id = "id'); DROP TABLE hookline_delivery; -- \\x00 $$q$$ \xc3\xa9";
	d.remote_addr = "203.0.113.9";
	d.content_type = "application/json; x=\"'\\\"";
	d.body = body;
	d.body_len = sizeof(body);
	assert_int_equal(db_queue_put(&f->conf, &d, name, &err), DB_OK);
	assert_true(spool_name_valid(name));

	/* Committed: another connection sees it. */
	assert_int_equal(db_queue_read(f->db, name, &e, &found, &err), DB_OK);
	assert_int_equal(found, 1);
	assert_string_equal(e.endpoint, d.endpoint);
	assert_string_equal(e.id, d.id);
	assert_string_equal(e.content_type, d.content_type);
	assert_int_equal(e.body_len, sizeof(body));
	assert_int_equal(e.box, SPOOL_NEW);
	spool_entry_free(&e);
	assert_int_equal(db_exec(f->db, 0, "SELECT body FROM hookline_delivery "
	    "WHERE name = $1", 1, (struct db_param[]){ DBP_TEXT(name) }, &res,
	    &err), DB_OK);
	assert_non_null(back = db_bytes(res, 0, 0, &len));
	assert_int_equal(len, sizeof(body));
	assert_memory_equal(back, body, sizeof(body));
	free(back);
	db_res_free(res);
	assert_int_equal(pg_count(f->db, "SELECT count(*) FROM hookline_delivery"),
	    1);
	pg_sql(f->db, "DELETE FROM hookline_delivery");
}

/* Puts n deliveries on endpoint "e". */
static void
put_n(struct fixture *f, int n)
{
	struct delivery d;
	struct err err;
	char id[32];
	int i;

	memset(&d, 0, sizeof(d));
	d.endpoint = "e";
	d.event = "push";
	d.body = (const unsigned char *)"{}";
	d.body_len = 2;
	d.id = id;
	for (i = 0; i < n; i++) {
		(void)snprintf(id, sizeof(id), "d%d", i);
		if (db_queue_put(&f->conf, &d, NULL, &err) != DB_OK)
			fail_msg("put: %s", err.msg);
	}
}

/* A child claiming until nothing is due; writes each name it got, one
 * a line, to fd. */
static void
claimer(struct fixture *f, int fd, const char *owner)
{
	struct db_claim c;
	struct err err;
	struct db *db;
	int found;

	if ((db = db_open(f->pc.conninfo, &err)) == NULL)
		_exit(2);
	for (;;) {
		if (db_queue_claim(db, owner, 30, &c, &found, &err) != DB_OK)
			_exit(3);
		if (!found)
			break;
		if (dprintf(fd, "%s\n", c.e.name) < 0)
			_exit(4);
		db_claim_free(&c);
	}
	db_close(db);
	_exit(0);
}

/* Two processes claim 60 deliveries at once: each is claimed by exactly
 * one of them. */
static void
test_two_claimers(void **state)
{
	struct fixture *f = *state;
	char path[2][256], *text, *line, *save = NULL;
	struct strlist seen = { NULL, 0 };
	pid_t pid[2];
	int i, fd, st;
	size_t j, len;

	NEED_PG(f);
	put_n(f, 60);
	db_shared_close();	/* not shared with the children */
	for (i = 0; i < 2; i++) {
		(void)snprintf(path[i], sizeof(path[i]), "%s/claimed.%d",
		    f->pc.dir, i);
		assert_true((fd = open(path[i], O_WRONLY | O_CREAT | O_TRUNC,
		    0600)) >= 0);
		assert_true((pid[i] = fork()) != -1);
		if (pid[i] == 0)
			claimer(f, fd, i == 0 ? "A 1 1" : "B 2 2");
		(void)close(fd);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	for (i = 0; i < 2; i++) {
		assert_non_null(text = unit_read_file(path[i], &len));
		for (line = strtok_r(text, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			for (j = 0; j < seen.n; j++)
				if (strcmp(seen.v[j], line) == 0)
					fail_msg("%s claimed twice", line);
			assert_int_equal(strlist_add(&seen, line), 0);
		}
		free(text);
	}
	assert_int_equal(seen.n, 60);
	assert_int_equal(pg_count(f->db, "SELECT count(*) FROM hookline_delivery "
	    "WHERE state = 'running' AND attempts = 1"), 60);
	strlist_clear(&seen);
	pg_sql(f->db, "DELETE FROM hookline_delivery");
}

/* A claim whose lease ran out is taken over, said so, and its first
 * holder can no longer renew or finish it. */
static void
test_lease_takeover(void **state)
{
	struct fixture *f = *state;
	struct db_claim a, b;
	struct spool_entry e;
	struct err err;
	struct db *db;
	bool held;
	int found;

	NEED_PG(f);
	put_n(f, 1);
	assert_non_null(db = db_shared(&f->conf, NULL, &err));
	assert_int_equal(db_queue_claim(db, "hostA 1 1", 1, &a, &found, &err),
	    DB_OK);
	assert_int_equal(found, 1);
	assert_false(a.takeover);
	assert_int_equal(a.e.attempts, 1);
	/* Held: nobody else gets it. */
	assert_int_equal(db_queue_claim(f->db, "hostB 2 2", 1, &b, &found,
	    &err), DB_OK);
	assert_int_equal(found, 0);
	assert_int_equal(db_queue_renew(db, a.e.name, "hostA 1 1", 1, &held,
	    &err), DB_OK);
	assert_true(held);
	/* Expired (the server's clock): taken over. */
	pg_sql(f->db, "SELECT pg_sleep(2.1)");
	assert_int_equal(db_queue_claim(f->db, "hostB 2 2", 30, &b, &found,
	    &err), DB_OK);
	assert_int_equal(found, 1);
	assert_true(b.takeover);
	assert_string_equal(b.prev_owner, "hostA 1 1");
	assert_int_equal(b.prev_running, 1);
	assert_int_equal(b.prev_started, a.e.started);
	assert_true(b.e.started >= a.e.started + 2);
	assert_int_equal(b.e.attempts, 2);
	assert_int_equal(b.e.interrupted, 1);
	assert_string_equal(b.e.name, a.e.name);
	/* The first holder lost it. */
	assert_int_equal(db_queue_renew(db, a.e.name, "hostA 1 1", 30, &held,
	    &err), DB_OK);
	assert_false(held);
	a.e.fate = FATE_DONE;
	assert_int_equal(db_queue_finish(db, &a.e, NULL, "hostA 1 1", "hostA",
	    &held, &err), DB_OK);
	assert_false(held);
	assert_int_equal(db_queue_read(f->db, b.e.name, &e, &found, &err),
	    DB_OK);
	assert_int_equal(e.box, SPOOL_CUR);
	spool_entry_free(&e);
	db_claim_free(&a);
	db_claim_free(&b);
	pg_sql(f->db, "DELETE FROM hookline_delivery");
}

/* Finishing records the run, the consumers and the state; a pending
 * one is due at its next and claimed again only then. */
static void
test_finish(void **state)
{
	struct fixture *f = *state;
	struct consumer cons[2];
	struct spool_run run, *runs = NULL;
	struct spool_entry e;
	struct db_claim c;
	struct err err;
	size_t n;
	bool held;
	int found;

	NEED_PG(f);
	put_n(f, 1);
	assert_int_equal(db_queue_claim(f->db, "h 1 1", 30, &c, &found, &err),
	    DB_OK);
	assert_int_equal(found, 1);
	memset(cons, 0, sizeof(cons));
	cons[0] = (struct consumer){ "ok.sh", CONS_SUCCEEDED, 1, 0, 0, NULL };
	cons[1] = (struct consumer){ "forward:http://x/'\\", CONS_PENDING, 1,
	    1, 4102444800LL, "HTTP 503" };
	c.e.cons = cons;
	c.e.ncons = 2;
	c.e.fate = FATE_PENDING;
	c.e.next = 4102444800LL;	/* 2100: not due */
	c.e.failures = 1;
	memset(&run, 0, sizeof(run));
	run.attempt = c.e.attempts;
	run.started = c.e.started;
	run.error = "it's \\ here";
	assert_int_equal(db_queue_finish(f->db, &c.e, &run, "h 1 1", "h",
	    &held, &err), DB_OK);
	assert_true(held);
	c.e.cons = NULL;
	c.e.ncons = 0;
	assert_int_equal(db_queue_read(f->db, c.e.name, &e, &found, &err),
	    DB_OK);
	assert_int_equal(e.box, SPOOL_NEW);
	assert_int_equal(e.ncons, 2);
	assert_string_equal(e.cons[1].name, "forward:http://x/'\\");
	assert_int_equal(e.cons[1].state, CONS_PENDING);
	assert_int_equal(e.cons[1].next, 4102444800LL);
	assert_string_equal(e.cons[1].error, "HTTP 503");
	assert_int_equal(e.cons[0].state, CONS_SUCCEEDED);
	assert_int_equal(e.running, 0);
	spool_entry_free(&e);
	assert_int_equal(db_queue_runs(f->db, c.e.name, &runs, &n, &err),
	    DB_OK);
	assert_int_equal(n, 1);
	assert_string_equal(runs[0].error, "it's \\ here");
	spool_runs_free(runs, n);
	/* Not due: nothing to claim. */
	db_claim_free(&c);
	assert_int_equal(db_queue_claim(f->db, "h 1 1", 30, &c, &found, &err),
	    DB_OK);
	assert_int_equal(found, 0);
	pg_sql(f->db, "DELETE FROM hookline_delivery");
}

/* The backend of the process's connection killed between statements:
 * the next statement runs on a new connection, with or without
 * DB_RETRY (the server said it ended the session). */
static void
test_terminate(void **state)
{
	struct fixture *f = *state;
	struct db_param p[1];
	struct err err;
	struct db *db;
	char pid[32];
	int i;

	NEED_PG(f);
	for (i = 0; i < 2; i++) {
		assert_non_null(db = db_shared(&f->conf, NULL, &err));
		(void)snprintf(pid, sizeof(pid), "%ld",
		    pg_count(db, "SELECT pg_backend_pid()"));
		p[0] = DBP_TEXT(pid);
		assert_int_equal(db_exec(f->db, 0, "SELECT "
		    "pg_terminate_backend($1::int, 5000)", 1, p, NULL, &err),
		    DB_OK);
		if (i == 0)
			put_n(f, 1);	/* DB_RETRY */
		else if (db_exec(db, 0, "SELECT 1", 0, NULL, NULL, &err) !=
		    DB_OK)
			fail_msg("after terminate: %s", err.msg);
	}
	assert_int_equal(pg_count(f->db, "SELECT count(*) FROM "
	    "hookline_delivery"), 1);
	pg_sql(f->db, "DELETE FROM hookline_delivery");
}

/* Statement texts of test_prepared, and how many of them the session
 * that runs `count_sql` holds prepared. */
#define PREP_SQL	"SELECT 41 + $1::int"
#define PREP_COUNT	"SELECT count(*) FROM pg_prepared_statements " \
	"WHERE statement = '" PREP_SQL "'"

/* Runs PREP_SQL with 1 on db: 42, or fails the test. */
static void
prep_run(struct db *db, int flags)
{
	struct db_param p[1] = { DBP_INT(1) };
	struct db_res *res = NULL;
	struct err err;
	int64_t v;

	if (db_exec(db, flags, PREP_SQL, 1, p, &res, &err) != DB_OK)
		fail_msg("%s: %s", PREP_SQL, err.msg);
	assert_int_equal(db_int64(res, 0, 0, &v), 0);
	assert_int_equal(v, 42);
	db_res_free(res);
}

static enum db_rc
prep_tx_fail(struct db *db, void *arg, struct err *err)
{
	(void)arg;
	prep_run(db, 0);
	err_set(err, "rolled back on purpose");
	return DB_FAIL;
}

/* A statement the server refuses: the transaction is aborted, and
 * ROLLBACK (prepared too, from its second use) ends it. */
static enum db_rc
prep_tx_error(struct db *db, void *arg, struct err *err)
{
	(void)arg;
	return db_exec(db, 0, "SELECT 1 / 0", 0, NULL, NULL, err);
}

/* Statements are prepared at their second use on a connection (not the
 * first: a CGI process sends each once) and run by name after that;
 * the names are the connection's: a backend killed by
 * pg_terminate_backend, the next statement runs on a new connection
 * unnamed (a kept name would not exist there), then is prepared again;
 * a forked child prepares on its own connection and leaves the
 * parent's session alone; a ROLLBACK keeps them; a statement whose
 * result changed under it (ALTER TABLE, as a migration does) is
 * prepared again and runs. */
static void
test_prepared(void **state)
{
	struct fixture *f = *state;
	struct db_param p[1];
	struct db_res *res = NULL;
	struct err err;
	struct db *db;
	char pid[32];
	long before;
	pid_t child;
	int st;

	NEED_PG(f);
	db_shared_close();
	assert_non_null(db = db_shared(&f->conf, NULL, &err));
	prep_run(db, 0);
	assert_int_equal(pg_count(db, PREP_COUNT), 0);
	prep_run(db, 0);
	assert_int_equal(pg_count(db, PREP_COUNT), 1);
	prep_run(db, DB_RETRY);
	assert_int_equal(pg_count(db, PREP_COUNT), 1);

	/* Killed between statements: a new connection, nothing failed. */
	before = pg_count(db, "SELECT pg_backend_pid()");
	(void)snprintf(pid, sizeof(pid), "%ld", before);
	p[0] = DBP_TEXT(pid);
	assert_int_equal(db_exec(f->db, 0, "SELECT "
	    "pg_terminate_backend($1::int, 5000)", 1, p, NULL, &err), DB_OK);
	prep_run(db, 0);
	assert_int_not_equal(pg_count(db, "SELECT pg_backend_pid()"), before);
	assert_int_equal(pg_count(db, PREP_COUNT), 0);
	prep_run(db, 0);
	assert_int_equal(pg_count(db, PREP_COUNT), 1);

	/* A child: its own connection and names; the parent's session
	 * goes on with its own. */
	before = pg_count(db, "SELECT pg_backend_pid()");
	assert_true((child = fork()) != -1);
	if (child == 0) {
		struct db *cdb = db_shared(&f->conf, NULL, &err);
		struct db_param q[1] = { DBP_INT(1) };
		int i, ok = cdb != NULL;

		for (i = 0; ok && i < 3; i++)
			ok = db_exec(cdb, 0, PREP_SQL, 1, q, NULL, &err) ==
			    DB_OK;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_ptr_equal(db_shared(&f->conf, NULL, &err), db);
	prep_run(db, 0);
	assert_int_equal(pg_count(db, "SELECT pg_backend_pid()"), before);
	assert_int_equal(pg_count(db, PREP_COUNT), 1);

	/* Prepared statements outlive a ROLLBACK, also one of an aborted
	 * transaction. */
	assert_int_equal(db_tx(db, 0, prep_tx_fail, NULL, &err), DB_FAIL);
	prep_run(db, 0);
	assert_int_equal(pg_count(db, PREP_COUNT), 1);
	for (st = 0; st < 3; st++) {
		assert_int_equal(db_tx(db, 0, prep_tx_error, NULL, &err),
		    DB_FAIL);
		assert_non_null(strstr(err.msg, "22012"));
		prep_run(db, 0);
	}
	assert_int_equal(pg_count(db, "SELECT count(*) FROM "
	    "pg_prepared_statements WHERE statement = 'ROLLBACK'"), 1);
	assert_int_equal(pg_count(db, PREP_COUNT), 1);

	/* The table changed under a prepared SELECT *. */
	pg_sql(f->db, "CREATE TABLE prep_t (a integer)");
	pg_sql(f->db, "INSERT INTO prep_t VALUES (1)");
	pg_sql(db, "SELECT * FROM prep_t");
	pg_sql(db, "SELECT * FROM prep_t");
	pg_sql(f->db, "ALTER TABLE prep_t ADD COLUMN b integer DEFAULT 2");
	if (db_exec(db, 0, "SELECT * FROM prep_t", 0, NULL, &res, &err) !=
	    DB_OK)
		fail_msg("after ALTER TABLE: %s", err.msg);
	assert_int_equal(db_rows(res), 1);
	assert_string_equal(db_text(res, 0, 1), "2");
	db_res_free(res);
	pg_sql(f->db, "DROP TABLE prep_t");
}

/* An unreachable server is DB_DOWN (503 for the request path), and a
 * database without the key is said. */
static void
test_unreachable(void **state)
{
	struct fixture *f = *state;
	struct conf c;
	struct err err;
	enum db_rc rc;
	char *info, ver[64];

	NEED_PG(f);
	db_shared_close();
	memset(&c, 0, sizeof(c));
	assert_true(asprintf(&info, "host=%s/nowhere dbname=x "
	    "connect_timeout=2", f->pc.dir) > 0);
	c.database = info;
	assert_null(db_shared(&c, &rc, &err));
	assert_int_equal(rc, DB_DOWN);
	assert_non_null(strstr(err.msg, "cannot connect"));
	assert_null(strchr(err.msg, '\n'));
	free(info);
	db_lib_version(ver, sizeof(ver));
	assert_true(strncmp(ver, "libpq ", 6) == 0 && ver[6] >= '1' &&
	    ver[6] <= '9');
}

/* A hook that runs longer than the lease: the drainer's keeper renews
 * the lease, so another drainer cannot claim the delivery meanwhile;
 * it runs once and is done. */
static void
test_lease_renewed(void **state)
{
	struct fixture *f = *state;
	volatile sig_atomic_t stop = 0;
	struct conf *conf = NULL;
	struct db_claim c;
	struct err err;
	char *path, *text, *hook;
	pid_t pid;
	int found, st;

	NEED_PG(f);
	assert_true(asprintf(&hook, "%s/hooks", f->pc.dir) > 0);
	(void)mkdir(hook, 0755);
	free(hook);
	assert_true(asprintf(&hook, "%s/hooks/e", f->pc.dir) > 0);
	(void)mkdir(hook, 0755);
	free(hook);
	assert_true(asprintf(&hook, "%s/hooks/e/push", f->pc.dir) > 0);
	unit_write_file(hook, "#!/bin/sh\nsleep 4\n", 0755);
	assert_int_equal(chmod(hook, 0755), 0);
	free(hook);
	assert_true(asprintf(&path, "%s/drain.conf", f->pc.dir) > 0);
	assert_true(asprintf(&text, "hooks_dir = hooks\nspool_dir = spool\n"
	    "log = %s/drain.log\ndatabase = %s\ndatabase_lease = 2s\n"
	    "[e]\nmode = async\n", f->pc.dir, f->pc.conninfo) > 0);
	unit_write_file(path, text, 0600);
	assert_int_equal(conf_load(path, &conf, &err), 0);
	put_n(f, 1);
	db_shared_close();
	assert_true((pid = fork()) != -1);
	if (pid == 0)
		_exit(db_drain_loop(NULL, &conf, DRAIN_DUE, &stop, &err) == -1 ?
		    1 : 0);
	/* Past the lease, the hook still running: still held. */
	pg_sql(f->db, "SELECT pg_sleep(3)");
	assert_int_equal(db_queue_claim(f->db, "other 9 9", 30, &c, &found,
	    &err), DB_OK);
	assert_int_equal(found, 0);
	assert_int_equal(pg_count(f->db, "SELECT count(*) FROM "
	    "hookline_delivery WHERE state = 'running'"), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(pg_count(f->db, "SELECT count(*) FROM "
	    "hookline_delivery WHERE state = 'done' AND attempts = 1"), 1);
	pg_sql(f->db, "DELETE FROM hookline_delivery");
	conf_free(conf);
	free(path);
	free(text);
}

/* check's report on conf text: what it printed (malloc'd), *rc. */
static char *
check_text(struct fixture *f, const char *text, mode_t mode, int *rc)
{
	char *path, *out = NULL;
	size_t len = 0;
	FILE *fp;

	assert_true(asprintf(&path, "%s/check.conf", f->pc.dir) > 0);
	unit_write_file(path, text, mode);
	assert_int_equal(chmod(path, mode), 0);
	assert_non_null(fp = open_memstream(&out, &len));
	*rc = check_report(path, fp);
	assert_int_equal(fclose(fp), 0);
	free(path);
	return out;
}

/* A password inline: a warning in a file only its owner reads, an
 * error in one others may read; libpq's passfile is neither. A schema
 * of another version is an error. */
static void
test_check_password(void **state)
{
	struct fixture *f = *state;
	char *text, *out;
	int rc;

	NEED_PG(f);
	assert_true(asprintf(&text, "hooks_dir = %s\nspool_dir = %s/sp\n"
	    "database = %s password='s3cr\\'et'\n", f->pc.dir, f->pc.dir,
	    f->pc.conninfo) > 0);
	out = check_text(f, text, 0644, &rc);
	assert_non_null(strstr(out, "error"));
	assert_non_null(strstr(out, "password inline in a file group or "
	    "others can read"));
	assert_null(strstr(out, "s3cr"));
	free(out);
	out = check_text(f, text, 0600, &rc);
	assert_null(strstr(out, "password inline in a file group"));
	assert_non_null(strstr(out, "warning"));
	assert_non_null(strstr(out, "a password inline"));
	free(out);
	free(text);
	/* A URI's user:pass@ is one too. */
	assert_true(asprintf(&text, "database = postgresql://u:pw@%%2Ftmp%%2Fx"
	    "/db\n") > 0);
	out = check_text(f, text, 0640, &rc);
	assert_non_null(strstr(out, "password inline in a file group"));
	free(out);
	free(text);
	assert_true(asprintf(&text, "hooks_dir = %s\nspool_dir = %s/sp\n"
	    "database = %s passfile=/nonexistent\n", f->pc.dir, f->pc.dir,
	    f->pc.conninfo) > 0);
	pg_sql(f->db, "UPDATE hookline_schema SET version = 5");
	out = check_text(f, text, 0644, &rc);
	assert_null(strstr(out, "password"));
	assert_non_null(strstr(out, "schema version 5"));
	assert_int_equal(rc, 2);
	version_set(f, DB_SCHEMA_VERSION);
	free(out);
	free(text);
}

/* hookline db: status 0 at this version, 1 at another (and migrate
 * refuses a newer one), 2 for a bad subcommand; a file without the key
 * is 1. */
static void
test_db_command(void **state)
{
	struct fixture *f = *state;
	char *path, *text;
	char *status[] = { "db", "status", NULL };
	char *init[] = { "db", "init", NULL };
	char *migrate[] = { "db", "migrate", NULL };
	char *bad[] = { "db", "drop", NULL };

	NEED_PG(f);
	assert_true(asprintf(&path, "%s/cmd.conf", f->pc.dir) > 0);
	assert_true(asprintf(&text, "database = %s\n", f->pc.conninfo) > 0);
	unit_write_file(path, text, 0600);
	assert_int_equal(db_command(path, 2, status), 0);
	assert_int_equal(db_command(path, 2, init), 0);
	assert_int_equal(db_command(path, 2, migrate), 0);
	assert_int_equal(db_command(path, 2, bad), 2);
	assert_int_equal(db_command(path, 1, status), 2);
	pg_sql(f->db, "UPDATE hookline_schema SET version = 3");
	assert_int_equal(db_command(path, 2, status), 1);
	assert_int_equal(db_command(path, 2, migrate), 1);
	assert_int_equal(db_command(path, 2, init), 1);
	version_set(f, DB_SCHEMA_VERSION);
	unit_write_file(path, "max_body = 1M\n", 0600);
	assert_int_equal(db_command(path, 2, status), 1);
	free(path);
	free(text);
}

/* The text keys' collation, column by column, as "table.column=coll"
 * (NULL: the database's), into buf. */
static void
collations(struct fixture *f, char *buf, size_t size)
{
	struct db_res *res = NULL;
	struct err err;
	size_t len = 0;
	int i;

	if (db_exec(f->db, 0, "SELECT c.relname || '.' || a.attname || '=' || "
	    "coalesce(l.collname, '') FROM pg_attribute a "
	    "JOIN pg_class c ON c.oid = a.attrelid "
	    "LEFT JOIN pg_collation l ON l.oid = a.attcollation "
	    "AND l.collname <> 'default' "
	    "WHERE c.relname IN ('hookline_delivery', 'hookline_consumer', "
	    "'hookline_run', 'hookline_dedupe') AND a.attname IN ('name', "
	    "'delivery', 'delivery_id', 'endpoint') ORDER BY 1", 0, NULL,
	    &res, &err) != DB_OK)
		fail_msg("collations: %s", err.msg);
	buf[0] = '\0';
	for (i = 0; i < db_rows(res); i++)
		len += (size_t)snprintf(buf + len, size - len, "%s ",
		    db_text(res, i, 0));
	assert_true(len < size);
	db_res_free(res);
}

/* Whether EXPLAIN of q (one text parameter) names the index. */
static bool
plan_uses(struct fixture *f, const char *q, const char *arg,
    const char *index)
{
	struct db_param p[1] = { DBP_TEXT(arg) };
	struct db_res *res = NULL;
	struct err err;
	bool found = false;
	char *sql;
	int i;

	assert_true(asprintf(&sql, "EXPLAIN %s", q) > 0);
	if (db_exec(f->db, 0, sql, 1, p, &res, &err) != DB_OK)
		fail_msg("%s: %s", sql, err.msg);
	for (i = 0; i < db_rows(res); i++)
		if (db_text(res, i, 0) != NULL &&
		    strstr(db_text(res, i, 0), index) != NULL)
			found = true;
	db_res_free(res);
	free(sql);
	return found;
}

#define KEYS_C	"hookline_consumer.delivery=C hookline_consumer.name=C " \
	"hookline_dedupe.delivery_id=C hookline_dedupe.endpoint=C " \
	"hookline_delivery.delivery_id=C hookline_delivery.endpoint= " \
	"hookline_delivery.name=C hookline_run.delivery=C "

/* Version 1 (the text keys in the database's collation) moved to 2 by
 * db migrate: refused before by the accept path and db_shared, naming
 * db migrate; the rows kept, the keys in "C", the foreign keys still
 * there, the operator's id lookup finding the delivery through the
 * delivery_id index. db init on a fresh database makes 2 directly
 * (test_schema). */
static void
test_migrate_v1(void **state)
{
	struct fixture *f = *state;
	struct strlist found = { 0 };
	struct delivery d;
	struct err err;
	char name[SPOOL_NAME_MAX + 1], got[1024];
	long rows;
	int from, v;

	NEED_PG(f);
	memset(&d, 0, sizeof(d));
	d.endpoint = "e";
	d.event = "push";
	d.body = (const unsigned char *)"{}";
	d.body_len = 2;
	d.id = "mig-1";
	assert_int_equal(db_queue_put(&f->conf, &d, name, &err), DB_OK);
	collations(f, got, sizeof(got));
	assert_string_equal(got, KEYS_C);
	rows = COUNT("SELECT count(*) FROM hookline_delivery", NULL);

	/* Back to version 1: the same tables in the default collation. */
	pg_sql(f->db, "ALTER TABLE hookline_consumer ALTER COLUMN delivery "
	    "TYPE text COLLATE \"default\", ALTER COLUMN name TYPE text "
	    "COLLATE \"default\"");
	pg_sql(f->db, "ALTER TABLE hookline_run ALTER COLUMN delivery TYPE "
	    "text COLLATE \"default\"");
	pg_sql(f->db, "ALTER TABLE hookline_delivery ALTER COLUMN name TYPE "
	    "text COLLATE \"default\", ALTER COLUMN delivery_id TYPE text "
	    "COLLATE \"default\"");
	pg_sql(f->db, "ALTER TABLE hookline_dedupe ALTER COLUMN endpoint "
	    "TYPE text COLLATE \"default\", ALTER COLUMN delivery_id TYPE "
	    "text COLLATE \"default\"");
	version_set(f, 1);
	collations(f, got, sizeof(got));
	assert_null(strstr(got, "=C"));

	/* Refused, with the words that say what to do. */
	db_shared_close();
	d.id = "mig-refused";
	assert_int_equal(db_queue_put(&f->conf, &d, NULL, &err), DB_FAIL);
	assert_non_null(strstr(err.msg, "run hookline db migrate"));
	assert_non_null(strstr(err.msg, "version 1"));
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id = $1", "mig-refused"), 0);
	assert_int_equal(db_schema_init(f->db, &err), DB_FAIL);
	assert_non_null(strstr(err.msg, "db migrate"));

	/* Migrated: the rows and foreign keys kept, the keys in "C". */
	assert_int_equal(db_schema_migrate(f->db, &from, &err), DB_OK);
	assert_int_equal(from, 1);
	assert_int_equal(db_schema_version(f->db, &v, &err), DB_OK);
	assert_int_equal(v, DB_SCHEMA_VERSION);
	collations(f, got, sizeof(got));
	assert_string_equal(got, KEYS_C);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery",
	    NULL), rows);
	assert_int_equal(COUNT("SELECT count(*) FROM pg_constraint WHERE "
	    "contype = 'f' AND conrelid IN ('hookline_consumer'::regclass, "
	    "'hookline_run'::regclass)", NULL), 2);
	assert_int_equal(db_schema_migrate(f->db, &from, &err), DB_OK);
	assert_int_equal(from, DB_SCHEMA_VERSION);

	/* The id lookup, by the index (seq scans priced out: the table is
	 * small), and finding the delivery put under version 2 before. */
	pg_sql(f->db, "SET enable_seqscan = off");
	assert_true(plan_uses(f, "SELECT name, state FROM hookline_delivery "
	    "WHERE name = $1 OR delivery_id = $1 ORDER BY received, name",
	    "mig-1", "hookline_delivery_id"));
	pg_sql(f->db, "RESET enable_seqscan");
	db_shared_close();
	assert_int_equal(db_ops_find(&f->conf, "mig-1", &found, &err), 0);
	assert_int_equal(found.n, 1);
	assert_non_null(strstr(found.v[0], name));
	strlist_clear(&found);
	d.id = "mig-2";
	assert_int_equal(db_queue_put(&f->conf, &d, NULL, &err), DB_OK);
}

/* A statement refused inside db_tx: after the ROLLBACK, db_sqlstate
 * still names the refused statement's SQLSTATE (22012, division by
 * zero), not the ROLLBACK's empty one; the next statement clears it. */
static void
test_tx_sqlstate(void **state)
{
	struct fixture *f = *state;
	struct err err;

	NEED_PG(f);
	assert_int_equal(db_tx(f->db, 0, prep_tx_error, NULL, &err), DB_FAIL);
	assert_string_equal(db_sqlstate(f->db), "22012");
	assert_non_null(strstr(err.msg, "22012"));
	pg_sql(f->db, "SELECT 1");
	assert_string_equal(db_sqlstate(f->db), "");
}

/* db_pipeline's statements: an INSERT that answers a row, one the
 * server refuses (division by zero), a SELECT * whose result changes
 * when its table does. */
#define PIPE_INS	"INSERT INTO pipe_t VALUES ($1::int) RETURNING a * 10"
#define PIPE_DIV	"INSERT INTO pipe_t VALUES ($1::int / 0)"
#define PIPE_ALL	"SELECT * FROM pipe_t WHERE a = $1::int"
#define PIPE_ONCE	"SELECT CASE WHEN nextval('pipe_once') = 1 THEN " \
	"pg_terminate_backend(pg_backend_pid()) END WHERE $1::int > 0"
#define PIPE_MAX	4

struct pipe_case {
	struct db_param	p[PIPE_MAX];
	struct db_stmt	s[PIPE_MAX];
	size_t		n;
};

/* Statement i of c: sql with v as $1, its rows wanted. */
static void
pipe_set(struct pipe_case *c, size_t i, const char *sql, int v)
{
	c->p[i] = DBP_INT(v);
	c->s[i] = (struct db_stmt){ sql, 1, &c->p[i], true, NULL };
	c->n = i + 1;
}

static void
pipe_free(struct pipe_case *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		db_res_free(c->s[i].res);
		c->s[i].res = NULL;
	}
}

/* How many rows of pipe_t have a = v. */
static long
pipe_rows(struct fixture *f, int v)
{
	char s[16];

	(void)snprintf(s, sizeof(s), "%d", v);
	return COUNT("SELECT count(*) FROM pipe_t WHERE a = $1::int", s);
}

static enum db_rc
pipe_in_tx(struct db *db, void *arg, struct err *err)
{
	struct pipe_case *c = arg;

	return db_pipeline(db, 0, c->s, c->n, NULL, err);
}

/* Refused in the middle: DB_FAIL with its index, SQLSTATE and message;
 * nothing of the pipeline committed; the connection usable after. */
static void
pipe_refused(struct fixture *f, struct db *db, const char *mid, int v,
    const char *state)
{
	struct pipe_case c;
	struct err err;
	size_t failed, i;

	pipe_set(&c, 0, PIPE_INS, v);
	pipe_set(&c, 1, mid, v);
	pipe_set(&c, 2, PIPE_INS, v + 1);
	assert_int_equal(db_pipeline(db, 0, c.s, c.n, &failed, &err),
	    DB_FAIL);
	assert_int_equal(failed, 1);
	assert_string_equal(db_sqlstate(db), state);
	assert_non_null(strstr(err.msg, state));
	for (i = 0; i < c.n; i++)
		assert_null(c.s[i].res);
	assert_int_equal(pipe_rows(f, v) + pipe_rows(f, v + 1), 0);
	assert_int_equal(pg_count(db, "SELECT 7"), 7);
	assert_string_equal(db_sqlstate(db), "");
}

/* db_pipeline: all committed in one transaction (one xmin), each
 * result readable; the text prepared at its second use (within the
 * pipeline) and run by name after; a statement refused in the middle
 * (division by zero, a unique violation on a prepared one) leaves none
 * of them and a usable connection; a statement gone stale (its table
 * altered by another session) is prepared again and the whole
 * pipeline sent once more, committed once; a parameter that cannot be
 * sent fails the pipeline before anything runs; inside a transaction it
 * is refused. */
static void
test_pipeline(void **state)
{
	struct fixture *f = *state;
	struct pipe_case c;
	struct err err;
	struct db *db;
	size_t failed, i;
	int64_t v;

	NEED_PG(f);
	pg_sql(f->db, "DROP TABLE IF EXISTS pipe_t");
	pg_sql(f->db, "CREATE TABLE pipe_t (a integer PRIMARY KEY)");
	db_shared_close();
	assert_non_null(db = db_shared(&f->conf, NULL, &err));
	for (i = 0; i < 3; i++)
		pipe_set(&c, i, PIPE_INS, (int)i + 1);
	if (db_pipeline(db, 0, c.s, c.n, &failed, &err) != DB_OK)
		fail_msg("pipeline: %s", err.msg);
	assert_int_equal(failed, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(db_int64(c.s[i].res, 0, 0, &v), 0);
		assert_int_equal(v, 10 * ((int)i + 1));
	}
	pipe_free(&c);
	assert_int_equal(pg_count(f->db, "SELECT count(*) FROM pipe_t"), 3);
	assert_int_equal(pg_count(f->db, "SELECT count(DISTINCT "
	    "xmin::text) FROM pipe_t"), 1);
	assert_int_equal(pg_count(db, "SELECT count(*) FROM "
	    "pg_prepared_statements WHERE statement = '" PIPE_INS "'"), 1);

	pipe_refused(f, db, PIPE_DIV, 4, "22012");
	pipe_refused(f, db, PIPE_INS, 4, "23505");
	assert_int_equal(pg_count(db, "SELECT count(*) FROM "
	    "pg_prepared_statements WHERE statement = '" PIPE_INS "'"), 1);

	/* Stale: SELECT * prepared, then its table altered. */
	pipe_set(&c, 0, PIPE_ALL, 1);
	pipe_set(&c, 1, PIPE_ALL, 1);
	assert_int_equal(db_pipeline(db, 0, c.s, c.n, NULL, &err), DB_OK);
	pipe_free(&c);
	pg_sql(f->db, "ALTER TABLE pipe_t ADD COLUMN b integer DEFAULT 2");
	pipe_set(&c, 0, PIPE_INS, 9);
	pipe_set(&c, 1, PIPE_ALL, 9);
	if (db_pipeline(db, 0, c.s, c.n, &failed, &err) != DB_OK)
		fail_msg("after ALTER TABLE: %s", err.msg);
	assert_int_equal(db_rows(c.s[1].res), 1);
	assert_string_equal(db_text(c.s[1].res, 0, 1), "2");
	pipe_free(&c);
	assert_int_equal(pipe_rows(f, 9), 1);

	/* A parameter that cannot be sent (longer than the protocol
	 * takes; never read): nothing queued before it runs. */
	pipe_set(&c, 0, PIPE_INS, 20);
	pipe_set(&c, 1, "SELECT $1::bytea", 0);
	c.p[1] = DBP_BYTES("x", (size_t)INT32_MAX + 1);
	pipe_set(&c, 2, PIPE_INS, 21);
	assert_int_equal(db_pipeline(db, 0, c.s, c.n, &failed, &err),
	    DB_FAIL);
	assert_int_equal(failed, 1);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(pipe_rows(f, 20) + pipe_rows(f, 21), 0);
	assert_int_equal(pg_count(db, "SELECT 7"), 7);

	/* Not inside BEGIN: the Sync would not commit there. */
	pipe_set(&c, 0, PIPE_INS, 10);
	assert_int_equal(db_tx(db, 0, pipe_in_tx, &c, &err), DB_FAIL);
	assert_non_null(strstr(err.msg, "transaction"));
	assert_int_equal(pipe_rows(f, 10), 0);
	pg_sql(f->db, "DROP TABLE pipe_t");
}

/* A lost session: killed between statements (pg_terminate_backend from
 * another session), the pipeline runs on a new connection, committed
 * once; killed in the middle of the pipeline (it ends itself, once:
 * pipe_once), nothing of it committed and all of it sent once more on
 * a new connection, with DB_RETRY or without (the server said it ended
 * the session: nothing committed). */
static void
test_pipeline_lost(void **state)
{
	struct fixture *f = *state;
	struct pipe_case c;
	struct db_param p[1];
	struct err err;
	struct db *db;
	char pid[32];
	long before;
	int i;

	NEED_PG(f);
	pg_sql(f->db, "DROP TABLE IF EXISTS pipe_t");
	pg_sql(f->db, "CREATE TABLE pipe_t (a integer PRIMARY KEY)");
	pg_sql(f->db, "DROP SEQUENCE IF EXISTS pipe_once");
	pg_sql(f->db, "CREATE SEQUENCE pipe_once");
	db_shared_close();
	assert_non_null(db = db_shared(&f->conf, NULL, &err));
	before = pg_count(db, "SELECT pg_backend_pid()");
	(void)snprintf(pid, sizeof(pid), "%ld", before);
	p[0] = DBP_TEXT(pid);
	assert_int_equal(db_exec(f->db, 0, "SELECT "
	    "pg_terminate_backend($1::int, 5000)", 1, p, NULL, &err), DB_OK);
	pipe_set(&c, 0, PIPE_INS, 1);
	pipe_set(&c, 1, PIPE_INS, 2);
	if (db_pipeline(db, DB_RETRY, c.s, c.n, NULL, &err) != DB_OK)
		fail_msg("after terminate: %s", err.msg);
	pipe_free(&c);
	assert_int_equal(pipe_rows(f, 1) + pipe_rows(f, 2), 2);
	assert_int_not_equal(pg_count(db, "SELECT pg_backend_pid()"), before);

	for (i = 0; i < 2; i++) {
		pg_sql(f->db, "ALTER SEQUENCE pipe_once RESTART");
		before = pg_count(db, "SELECT pg_backend_pid()");
		pipe_set(&c, 0, PIPE_INS, 10 + 2 * i);
		pipe_set(&c, 1, PIPE_ONCE, 1);
		pipe_set(&c, 2, PIPE_INS, 11 + 2 * i);
		if (db_pipeline(db, i == 0 ? DB_RETRY : 0, c.s, c.n, NULL,
		    &err) != DB_OK)
			fail_msg("killed in the middle: %s", err.msg);
		pipe_free(&c);
		assert_int_equal(pipe_rows(f, 10 + 2 * i), 1);
		assert_int_equal(pipe_rows(f, 11 + 2 * i), 1);
		assert_int_equal(pg_count(f->db, "SELECT last_value FROM "
		    "pipe_once"), 2);
		assert_int_not_equal(pg_count(db, "SELECT pg_backend_pid()"),
		    before);
	}
	pg_sql(f->db, "DROP SEQUENCE pipe_once");
	pg_sql(f->db, "DROP TABLE pipe_t");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_put_hostile),
		cmocka_unit_test(test_two_claimers),
		cmocka_unit_test(test_lease_takeover),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_terminate),
		cmocka_unit_test(test_prepared),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_lease_renewed),
		cmocka_unit_test(test_check_password),
		cmocka_unit_test(test_db_command),
		cmocka_unit_test(test_migrate_v1),
		cmocka_unit_test(test_tx_sqlstate),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_pipeline_lost),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
