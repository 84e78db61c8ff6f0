/* test_handle.c: a request held for its batch (handle_begin) and the
 * batch stored and answered (handle_store_held): nothing answered
 * while held, every held request answered after, 503 or the local
 * spool when the database is away, a sync request flushing the batch
 * before its hook runs, a full batch answering at once. The database
 * here is one nobody answers: what is stored when it is there is
 * test_db_spill's, and the e2e case pg_batch's. */
// WRAP: drain_kick_with
#include "unit.h"
#include "fake_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "handle.h"
#include "log.h"
#include "spool.h"

#define BODY	"{\"event\":\"push\",\"data\":{}}"

static char *dir;
static unsigned kicks;

/* No drainer started from a test (it would be this test binary). */
int	__wrap_drain_kick_with(struct kicker *, const struct conf *);

int
__wrap_drain_kick_with(struct kicker *k, const struct conf *conf)
{
	(void)k;
	(void)conf;
	kicks++;
	return 0;
}

static struct io
fake_new(struct fake *f, const char *endpoint)
{
	static char length[16];

	memset(f, 0, sizeof(*f));
	(void)snprintf(length, sizeof(length), "%zu", strlen(BODY));
	f->body = BODY;
	set(f, "REQUEST_METHOD", "POST");
	set(f, "PATH_INFO", endpoint);
	set(f, "REMOTE_ADDR", "127.0.0.1");
	set(f, "CONTENT_LENGTH", length);
	set(f, "CONTENT_TYPE", "application/json");
	return fake_io(f);
}

static void
fake_free(struct fake *f)
{
	free(f->out);
	f->out = NULL;
}

static void
assert_status(const struct fake *f, const char *line)
{
	if (f->out == NULL || strstr(f->out, line) != f->out)
		fail_msg("answer: %s", f->out ? f->out : "(none)");
}

/* Lines of the log holding s. */
static int
log_count(const char *s)
{
	char *path, *text, *p;
	int n = 0;

	assert_true(asprintf(&path, "%s/log", dir) > 0);
	text = unit_read_file(path, NULL);
	free(path);
	for (p = text; (p = strstr(p, s)) != NULL; p++)
		n++;
	free(text);
	return n;
}

/* The configuration: an async endpoint with a hook, a sync one whose
 * hook leaves a file, a database nobody answers; spill as given. */
static struct conf *
conf_of(bool spill)
{
	struct conf *c = NULL;
	struct err err;
	char *path, *text;

	assert_true(asprintf(&path, "%s/hooks.d/async/push", dir) > 0);
	unit_write_file(path, "#!/bin/sh\nexit 0\n", 0755);
	free(path);
	assert_true(asprintf(&path, "%s/hooks.d/sync/push", dir) > 0);
	unit_write_file(path, "#!/bin/sh\n: > \"$0.ran\"\n", 0755);
	free(path);
	assert_true(asprintf(&text, "hooks_dir = %s/hooks.d\n"
	    "spool_dir = %s/spool\nlog = %s/log\n"
	    "database = host=%s/nowhere dbname=x connect_timeout=2\n"
	    "database_unavailable = %s\n"
	    "[async]\nprovider = generic\nmode = async\n"
	    "[sync]\nprovider = generic\nmode = sync\n",
	    dir, dir, dir, dir, spill ? "spool" : "503") > 0);
	assert_true(asprintf(&path, "%s/hookline.conf", dir) > 0);
	unit_write_file(path, text, 0644);
	free(text);
	if (conf_load(path, &c, &err) != 0)
		fail_msg("%s", err.msg);
	free(path);
	if (log_open(c->log, &err) != 0)
		fail_msg("%s", err.msg);
	return c;
}

/* What the FastCGI loop does at a flush (fcgi.c's fx_flush), and what
 * the test wants to know of it. */
struct loop {
	struct held	*held[4];
	struct batch	 b;
	unsigned	 flushes;
	bool		 hook_ran_before;	/* at the first flush */
};

static void
flush(void *arg)
{
	struct loop *l = arg;
	char *ran;

	assert_true(asprintf(&ran, "%s/hooks.d/sync/push.ran", dir) > 0);
	if (l->flushes++ == 0)
		l->hook_ran_before = access(ran, F_OK) == 0;
	free(ran);
	handle_store_held(l->held, l->b.n);
	l->b.n = 0;
}

static void
loop_init(struct loop *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->b = (struct batch){ .held = l->held, .max = max, .flush = flush,
	    .arg = l };
}

static int
setup(void **state)
{
	char *p;

	(void)state;
	kicks = 0;
	dir = unit_mkdtemp("handle");
	assert_true(asprintf(&p, "%s/hooks.d", dir) > 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	assert_true(asprintf(&p, "%s/hooks.d/async", dir) > 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	assert_true(asprintf(&p, "%s/hooks.d/sync", dir) > 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	db_shared_close();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_shared_close();
	log_close();
	unit_rm_tree(dir);
	free(dir);
	return 0;
}

/* Held: nothing answered until the batch is stored; then each its own
 * answer: 503 with Retry-After, the database being away. */
static void
test_held_then_answered(void **state)
{
	struct conf *c = conf_of(false);
	struct fake f[3];
	struct io io[3];
	struct loop l;
	size_t i;

	(void)state;
	loop_init(&l, 4);
	for (i = 0; i < 3; i++) {
		io[i] = fake_new(&f[i], "/async");
		assert_int_equal(handle_begin(c, &io[i], NULL, NULL, &l.b), 0);
		assert_int_equal(l.b.n, i + 1);
		assert_null(f[i].out);
	}
	handle_store_held(l.held, l.b.n);
	for (i = 0; i < 3; i++) {
		assert_status(&f[i], "Status: 503 ");
		assert_non_null(strstr(f[i].out, "Retry-After: 30\r\n"));
		fake_free(&f[i]);
	}
	/* Each its own line, saying it came with two others. */
	assert_int_equal(log_count("\"batch\":3,"), 3);
	assert_int_equal(log_count("\"status\":503"), 3);
	conf_free(c);
}

/* database_unavailable = spool: each held delivery in the local spool,
 * each answered 202. */
static void
test_held_spilled(void **state)
{
	struct conf *c = conf_of(true);
	struct fake f[2];
	struct io io[2];
	struct loop l;
	char *spool;
	size_t i;

	(void)state;
	loop_init(&l, 4);
	for (i = 0; i < 2; i++) {
		io[i] = fake_new(&f[i], "/async");
		assert_int_equal(handle_begin(c, &io[i], NULL, NULL, &l.b), 0);
	}
	handle_store_held(l.held, l.b.n);
	for (i = 0; i < 2; i++) {
		assert_status(&f[i], "Status: 202 ");
		fake_free(&f[i]);
	}
	assert_true(asprintf(&spool, "%s/spool", dir) > 0);
	assert_int_equal(unit_count_entries(spool, "new"), 2);
	assert_int_equal(kicks, 2);
	free(spool);
	conf_free(c);
}

/* A sync request behind held ones: the batch is stored and answered
 * before its hook runs, once. */
static void
test_sync_flushes_first(void **state)
{
	struct conf *c = conf_of(false);
	struct fake fa, fs;
	struct io ia, is;
	struct loop l;

	(void)state;
	loop_init(&l, 4);
	ia = fake_new(&fa, "/async");
	assert_int_equal(handle_begin(c, &ia, NULL, NULL, &l.b), 0);
	is = fake_new(&fs, "/sync");
	assert_int_equal(handle_begin(c, &is, NULL, NULL, &l.b), 200);
	assert_int_equal(l.flushes, 1);
	assert_false(l.hook_ran_before);
	assert_status(&fa, "Status: 503 ");
	assert_status(&fs, "Status: 200 ");
	assert_int_equal(l.b.n, 0);
	fake_free(&fa);
	fake_free(&fs);
	conf_free(c);
}

/* A full batch holds no more: the next is answered at once; and
 * handle_request never holds. */
static void
test_full_and_unbatched(void **state)
{
	struct conf *c = conf_of(false);
	struct fake f[3];
	struct io io[3];
	struct loop l;

	(void)state;
	loop_init(&l, 1);
	io[0] = fake_new(&f[0], "/async");
	assert_int_equal(handle_begin(c, &io[0], NULL, NULL, &l.b), 0);
	io[1] = fake_new(&f[1], "/async");
	assert_int_equal(handle_begin(c, &io[1], NULL, NULL, &l.b), 503);
	assert_status(&f[1], "Status: 503 ");
	assert_null(f[0].out);
	io[2] = fake_new(&f[2], "/async");
	assert_int_equal(handle_request(c, &io[2], NULL, NULL), 503);
	assert_int_equal(l.b.n, 1);
	handle_store_held(l.held, l.b.n);
	assert_status(&f[0], "Status: 503 ");
	for (size_t i = 0; i < 3; i++)
		fake_free(&f[i]);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_held_then_answered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_spilled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sync_flushes_first,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_and_unbatched,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
