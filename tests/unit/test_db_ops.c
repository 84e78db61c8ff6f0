/* test_db_ops.c: the operator's commands with `database` set, against a
 * real PostgreSQL the test starts (pg_cluster.h): list, show, replay,
 * retry and purge on the rows any host wrote, hostile ids and events
 * among them, printed escaped and only ever used as parameters. */
// WRAP: drain_kick
#include "unit.h"
#include "capture.h"
#include "pg_cluster.h"

#include "db_ops.h"
#include "db_queue.h"
#include "spoolcmd.h"

static int kicks;

int	__wrap_drain_kick(const struct conf *);

int
__wrap_drain_kick(const struct conf *conf)
{
	(void)conf;
	kicks++;
	return 0;
}

/* A sender's id: SQL, quotes, a terminal escape, a newline. */
#define EVIL_ID	"x'); DROP TABLE hookline_delivery; --\x1b[2J\n%s"

/* Now, as the drainers' due test has it (db_queue.c). */
#define DUE_NOW	"CAST(floor(extract(epoch FROM now())) AS bigint)"

struct fixture {
	struct pg_cluster	 pc;
	struct db		*db;
	char			*top;
	char			*conf;
	char			*out;
	char			 pending[SPOOL_NAME_MAX + 1];
	char			 dead[SPOOL_NAME_MAX + 1];
	char			 done[SPOOL_NAME_MAX + 1];
	char			 evil[SPOOL_NAME_MAX + 1];
};

static void
put(struct fixture *f, const char *id, const char *event, char *name)
{
	struct delivery d = {
		.endpoint = "github", .event = event, .id = id,
		.remote_addr = "192.0.2.1", .content_type = "application/json",
		.body = (const unsigned char *)"{}", .body_len = 2,
	};
	struct err err;

	assert_int_equal(db_queue_put_tx(f->db, &d, (int64_t)time(NULL) - 60,
	    name, &err), DB_OK);
}

/* One cluster for the file; each test gets the same rows afresh. */
PG_GROUP(PG_NONE, PG_NONE)

static int
setup(void **state)
{
	struct fixture *f = *state;
	char *text;

	kicks = 0;
	if (f->db == NULL)
		return 0;
	SQL("TRUNCATE hookline_delivery, hookline_consumer, hookline_run",
	    NULL);
	f->top = unit_mkdtemp("dbops");
	assert_true(asprintf(&f->conf, "%s/hookline.conf", f->top) > 0);
	assert_true(asprintf(&text, "spool_dir = spool\ndatabase = %s\n\n"
	    "[github]\nprovider = github\nmode = async\n", f->pc.conninfo) > 0);
	unit_write_file(f->conf, text, 0600);
	free(text);
	assert_true(asprintf(&text, "%s/spool", f->top) > 0);
	assert_int_equal(mkdir(text, 0700), 0);
	free(text);
	put(f, "p-1", "push", f->pending);
	put(f, "d-1", "push", f->dead);
	put(f, "o-1", "issues", f->done);
	put(f, EVIL_ID, "push", f->evil);
	SQL("UPDATE hookline_delivery SET next_due = next_due + 3600 "
	    "WHERE name = $1", f->pending);
	SQL("UPDATE hookline_delivery SET state = 'dead', attempts = 3, "
	    "failures = 3, finished = extract(epoch FROM now())::bigint - 7200,"
	    " error = 'exit 1' WHERE name = $1", f->dead);
	SQL("INSERT INTO hookline_consumer (delivery, name, seq, state, "
	    "tries, failures, next, error) VALUES ($1, 'deploy', 0, "
	    "'exhausted', 3, 3, 0, 'exit 1')", f->dead);
	SQL("INSERT INTO hookline_consumer (delivery, name, seq, state, "
	    "tries, failures, next) VALUES ($1, 'notify', 1, 'succeeded', 1, 0,"
	    " 0)", f->dead);
	SQL("UPDATE hookline_delivery SET state = 'done', attempts = 1, "
	    "finished = extract(epoch FROM now())::bigint - 7200 "
	    "WHERE name = $1", f->done);
	/* What a stranger's hook or another host could leave in a row. */
	SQL("UPDATE hookline_delivery SET state = 'dead', error = "
	    "E'bad\\x1b]0;owned\\x07\\nline', finished = 1, endpoint = "
	    "E'gh\\x1b[31m', event = E'ev\\x1b[0m\\r' WHERE name = $1",
	    f->evil);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	pg_scratch_end(&f->top);
	free(f->conf);
	free(f->out);
	f->conf = f->out = NULL;
	return 0;
}

/* Runs a command with stdout captured into f->out; returns its code. */
static int
cmd(struct fixture *f, const char *a0, const char *a1, const char *a2,
    const char *a3)
{
	int rc = unit_command(spool_command, f->conf, f->top, &f->out, a0,
	    a1, a2, a3);

	db_shared_close();	/* each command a fresh process's */
	return rc;
}

/* No raw control character but newlines reaches the terminal. */
static void
assert_no_controls(const char *s)
{
	for (; *s != '\0'; s++)
		assert_true(*s == '\n' || (unsigned char)*s >= 0x20);
}

static void
test_list(void **state)
{
	struct fixture *f = *state;

	PG_NEED(f->db);
	assert_int_equal(cmd(f, "list", NULL, NULL, NULL), 0);
	assert_non_null(strstr(f->out, f->pending));
	assert_non_null(strstr(f->out, f->dead));
	assert_non_null(strstr(f->out, f->done));
	assert_non_null(strstr(f->out, "pending"));
	assert_non_null(strstr(f->out, "issues"));
	assert_no_controls(f->out);
	assert_int_equal(cmd(f, "list", "--dead", NULL, NULL), 0);
	assert_null(strstr(f->out, f->pending));
	assert_non_null(strstr(f->out, f->dead));
	assert_non_null(strstr(f->out, f->evil));
	assert_int_equal(cmd(f, "list", "--pending", "--json", NULL), 0);
	assert_non_null(strstr(f->out, "\"delivery\":\"p-1\""));
	assert_null(strstr(f->out, "d-1"));
	assert_no_controls(f->out);
}

static void
test_show(void **state)
{
	struct fixture *f = *state;

	PG_NEED(f->db);
	/* By the sender's id, hostile as it is: a parameter. */
	assert_int_equal(cmd(f, "show", EVIL_ID, NULL, NULL), 0);
	assert_non_null(strstr(f->out, f->evil));
	assert_non_null(strstr(f->out, "in the database"));
	assert_no_controls(f->out);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE state <> $1", "x"), 4);
	assert_int_equal(cmd(f, "show", "--json", f->dead, NULL), 0);
	assert_non_null(strstr(f->out, "\"state\":\"dead\""));
	assert_non_null(strstr(f->out, "\"name\":\"deploy\""));
	assert_no_controls(f->out);
	/* A LIKE pattern is no pattern here; nothing matches it. */
	assert_int_equal(cmd(f, "show", "%", NULL, NULL), 1);
	assert_int_equal(cmd(f, "show", "' OR '1'='1", NULL, NULL), 1);
}

static void
test_replay(void **state)
{
	struct fixture *f = *state;

	PG_NEED(f->db);
	assert_int_equal(cmd(f, "replay", f->dead, NULL, NULL), 0);
	assert_non_null(strstr(f->out, "replayed"));
	assert_non_null(strstr(f->out, "(was dead)"));
	assert_int_equal(kicks, 1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE name = $1 AND state = 'pending' AND replays = 1 AND "
	    "finished = 0 AND next_due <= " DUE_NOW, f->dead),
	    1);
	/* The consumer that succeeded stays so; the other runs again. */
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_consumer "
	    "WHERE delivery = $1 AND ((name = 'deploy' AND state = 'pending' "
	    "AND failures = 0) OR (name = 'notify' AND state = 'succeeded'))",
	    f->dead), 2);
	/* Pending already: said, not done twice. */
	assert_int_equal(cmd(f, "replay", f->dead, NULL, NULL), 0);
	assert_null(strstr(f->out, "replayed"));
	/* A done one, with --json, by its delivery id. */
	assert_int_equal(cmd(f, "replay", "--json", "o-1", NULL), 0);
	assert_non_null(strstr(f->out, "\"was\":\"done\""));
	assert_int_equal(cmd(f, "replay", "no-such", NULL, NULL), 1);
}

static void
test_retry(void **state)
{
	struct fixture *f = *state;

	PG_NEED(f->db);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE name = $1 AND next_due > extract(epoch FROM now())",
	    f->pending), 1);
	assert_int_equal(cmd(f, "retry", f->pending, NULL, NULL), 0);
	assert_non_null(strstr(f->out, "due now:"));
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE name = $1 AND next_due <= " DUE_NOW,
	    f->pending), 1);
	/* Held by a drainer (any host's): left alone. */
	SQL("UPDATE hookline_delivery SET state = 'running', lease_owner = "
	    "'b 1 1', lease_expiry = 99999999999 WHERE name = $1", f->pending);
	assert_int_equal(cmd(f, "retry", f->pending, NULL, NULL), 0);
	assert_null(strstr(f->out, "due now:"));
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE name = $1 AND state = 'running' AND lease_owner = 'b 1 1'",
	    f->pending), 1);
	/* Dead: replay's business. */
	assert_int_equal(cmd(f, "retry", f->dead, NULL, NULL), 1);
}

/* The state is checked again under the row's lock, whatever the command
 * saw a moment before: a drainer of another host may have claimed it. */
static void
test_changed_meanwhile(void **state)
{
	struct fixture *f = *state;
	struct conf conf = { .database = f->pc.conninfo };
	enum spool_box was;
	struct err err;

	PG_NEED(f->db);
	assert_int_equal(db_ops_replay(&conf, f->pending, false, &was, &err),
	    -1);
	assert_int_equal(was, SPOOL_NEW);
	assert_int_equal(db_ops_retry(&conf, f->dead, &err), -1);
	SQL("UPDATE hookline_delivery SET state = 'running' WHERE name = $1",
	    f->pending);
	assert_int_equal(db_ops_retry(&conf, f->pending, &err), -1);
	assert_non_null(strstr(err.msg, "running"));
	assert_int_equal(db_ops_replay(&conf, "nothing-here", false, &was,
	    &err), -1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE replays > 0 OR (name = $1 AND state <> 'running')",
	    f->pending), 0);
	db_shared_close();
}

static void
test_purge(void **state)
{
	struct fixture *f = *state;

	PG_NEED(f->db);
	assert_int_equal(cmd(f, "purge", "--older-than", "1h", NULL), 0);
	assert_non_null(strstr(f->out, "3 purged"));
	assert_non_null(strstr(f->out, f->dead));
	assert_non_null(strstr(f->out, f->done));
	assert_non_null(strstr(f->out, f->evil));
	/* Pending ones were promised: never purged. */
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE name = $1", f->pending), 1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE state <> $1", "pending"), 0);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_consumer "
	    "WHERE delivery <> $1", f->pending), 0);
	assert_int_equal(cmd(f, "purge", "--older-than", "1h", "--json"), 0);
	assert_string_equal(f->out, "[]\n");
}

/* The database away: the commands fail and say so; nothing local is
 * shown in its place. */
static void
test_unreachable(void **state)
{
	struct fixture *f = *state;
	char *text;

	PG_NEED(f->db);
	assert_true(asprintf(&text, "spool_dir = spool\ndatabase = "
	    "host=%s/nowhere dbname=x connect_timeout=2\n", f->pc.dir) > 0);
	unit_write_file(f->conf, text, 0600);
	free(text);
	assert_int_equal(cmd(f, "list", NULL, NULL, NULL), 1);
	assert_int_equal(cmd(f, "show", f->dead, NULL, NULL), 1);
	assert_int_equal(cmd(f, "replay", f->dead, NULL, NULL), 1);
	assert_int_equal(cmd(f, "purge", "--older-than", "1s", NULL), 1);
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_list),
		T(test_show),
		T(test_replay),
		T(test_retry),
		T(test_changed_meanwhile),
		T(test_purge),
		T(test_unreachable),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
