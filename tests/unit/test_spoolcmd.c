/* test_spoolcmd.c: the operator's commands: usage errors, list, show,
 * replay, purge and drain on a real spool and configuration file. */
// WRAP: drain_kick deliver_run
#include "unit.h"
#include "capture.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consumer.h"
#include "deliver.h"
#include "spool.h"
#include "spoolcmd.h"

static int kicks;
static int delivered;

int	__wrap_drain_kick(const struct conf *);
int	__wrap_deliver_run(const struct conf *, const struct endpoint *,
	    const struct delivery *, const struct strlist *, struct outcome *,
	    struct err *);

int
__wrap_drain_kick(const struct conf *conf)
{
	(void)conf;
	kicks++;
	return 0;
}

int
__wrap_deliver_run(const struct conf *conf, const struct endpoint *ep,
    const struct delivery *d, const struct strlist *done,
    struct outcome *out, struct err *err)
{
	(void)conf;
	(void)ep;
	(void)d;
	(void)done;
	(void)out;
	(void)err;
	delivered++;
	return 0;
}

struct fixture {
	char	*top;
	char	*conf;
	char	*spool;
	char	*out;	/* what the last command printed */
};

static int
setup(void **state)
{
	struct fixture *f;

	kicks = delivered = 0;
	assert_non_null(f = calloc(1, sizeof(*f)));
	f->top = unit_mkdtemp("spoolcmd");
	assert_true(asprintf(&f->conf, "%s/hookline.conf", f->top) > 0);
	assert_true(asprintf(&f->spool, "%s/spool", f->top) > 0);
	unit_write_file(f->conf, "spool_dir = spool\nretry = 1s 2s\n\n"
	    "[github]\nprovider = github\nmode = async\n", 0644);
	/* Ours: a command run as root stays root (privdrop.c); with no
	 * spool at all it would refuse (test_no_spool_as_root). */
	assert_int_equal(mkdir(f->spool, 0700), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unit_rm_tree(f->top);
	free(f->out);
	free(f->conf);
	free(f->spool);
	free(f->top);
	free(f);
	return 0;
}

/* Runs a command with stdout captured into f->out; returns its code. */
static int
cmd(struct fixture *f, const char *a0, const char *a1, const char *a2,
    const char *a3)
{
	return unit_command(spool_command, f->conf, f->top, &f->out, a0,
	    a1, a2, a3);
}

static const struct delivery D1 = {
	.endpoint = "github",
	.event = "push",
	.id = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
	.remote_addr = "192.0.2.1",
	.content_type = "application/json",
	.body = (const unsigned char *)"{}",
	.body_len = 2,
	.attempt = 1,
};

static void
put(struct fixture *f, char *name, enum spool_box box)
{
	struct err err;

	assert_int_equal(spool_store(f->spool, 0, &D1, time(NULL), name,
	    &err), 0);
	if (box != SPOOL_NEW)
		assert_int_equal(spool_move(f->spool, name, SPOOL_NEW, box,
		    &err), 0);
}

static void
test_usage(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cmd(f, "list", "--bogus", NULL, NULL), 2);
	assert_int_equal(cmd(f, "show", NULL, NULL, NULL), 2);
	assert_int_equal(cmd(f, "show", "--bogus", "x", NULL), 2);
	assert_int_equal(cmd(f, "replay", NULL, NULL, NULL), 2);
	assert_int_equal(cmd(f, "purge", NULL, NULL, NULL), 2);
	assert_int_equal(cmd(f, "purge", "--older-than", "soon", NULL), 2);
	assert_int_equal(cmd(f, "drain", "--bogus", NULL, NULL), 2);
	assert_int_equal(cmd(f, "frobnicate", NULL, NULL, NULL), 2);
}

/* Root with no spool folder and no user = in hookline.conf: refused,
 * naming whom to run as, and nothing made as root. */
static void
test_no_spool_as_root(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	if (geteuid() != 0)
		skip();
	assert_int_equal(rmdir(f->spool), 0);
	assert_int_equal(cmd(f, "drain", NULL, NULL, NULL), 1);
	assert_int_equal(cmd(f, "list", NULL, NULL, NULL), 1);
	assert_int_equal(stat(f->spool, &st), -1);
}

static void
test_list(void **state)
{
	struct fixture *f = *state;
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1];

	/* An empty spool lists nothing, and is not an error. */
	assert_int_equal(cmd(f, "list", NULL, NULL, NULL), 0);
	assert_non_null(strstr(f->out, "NAME"));
	put(f, a, SPOOL_NEW);
	put(f, b, SPOOL_DEAD);
	assert_int_equal(cmd(f, "list", NULL, NULL, NULL), 0);
	assert_non_null(strstr(f->out, a));
	assert_non_null(strstr(f->out, b));
	assert_non_null(strstr(f->out, "pending"));
	assert_non_null(strstr(f->out, "due"));
	assert_int_equal(cmd(f, "list", "--dead", NULL, NULL), 0);
	assert_null(strstr(f->out, a));
	assert_non_null(strstr(f->out, b));
	assert_int_equal(cmd(f, "list", "--pending", "--json", NULL), 0);
	assert_int_equal(f->out[0], '[');
	assert_non_null(strstr(f->out, "\"state\":\"pending\""));
	assert_non_null(strstr(f->out, "\"event\":\"push\""));
	assert_null(strstr(f->out, b));
	assert_int_equal(cmd(f, "list", "--done", "--json", NULL), 0);
	assert_string_equal(f->out, "[]\n");
}

static void
test_show(void **state)
{
	struct fixture *f = *state;
	struct hook_outcome h;
	struct spool_run r;
	struct err err;
	char a[SPOOL_NAME_MAX + 1];

	put(f, a, SPOOL_DEAD);
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	h.hook = "push";
	h.res.ran = h.res.exited = true;
	h.res.exit_code = 3;
	h.res.out = "deploying\n\x1b[2Jgone\n";
	h.res.out_len = strlen(h.res.out);
	r.attempt = 1;
	r.started = time(NULL);
	r.v = &h;
	r.n = 1;
	assert_int_equal(spool_write_run(f->spool, SPOOL_DEAD, a, &r, &err),
	    0);
	assert_int_equal(cmd(f, "show", a, NULL, NULL), 0);
	assert_non_null(strstr(f->out, "(dead)"));
	assert_non_null(strstr(f->out, "192.0.2.1"));
	assert_non_null(strstr(f->out, "attempt 1"));
	assert_non_null(strstr(f->out, "exit 3"));
	assert_non_null(strstr(f->out, "      deploying\n"));
	/* A hook's output does not reach the terminal raw. */
	assert_null(strchr(f->out, '\x1b'));
	assert_non_null(strstr(f->out, "\\x1b[2Jgone"));
	/* By the sender's delivery id too; JSON keeps the bytes. */
	assert_int_equal(cmd(f, "show", "--json", D1.id, NULL), 0);
	assert_non_null(strstr(f->out, "\"runs\":[{\"attempt\":1"));
	assert_non_null(strstr(f->out, "\"stdout\":\"deploying\\n"));
	assert_int_equal(cmd(f, "show", "no-such-delivery", NULL, NULL), 1);
}

static void
test_replay(void **state)
{
	struct fixture *f = *state;
	struct spool_entry e;
	struct err err;
	char dead[SPOOL_NAME_MAX + 1], done[SPOOL_NAME_MAX + 1];
	char pend[SPOOL_NAME_MAX + 1];

	put(f, dead, SPOOL_NEW);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, dead, &e, &err), 0);
	e.fate = FATE_DEAD;
	e.failures = 3;
	e.attempts = 3;
	e.finished = time(NULL);
	assert_int_equal(consumer_succeeded(&e, "a"), 0);
	assert_int_equal(spool_write(f->spool, SPOOL_NEW, dead, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(spool_move(f->spool, dead, SPOOL_NEW, SPOOL_DEAD,
	    &err), 0);
	put(f, done, SPOOL_NEW);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, done, &e, &err), 0);
	assert_int_equal(consumer_succeeded(&e, "a"), 0);
	e.fate = FATE_DONE;
	assert_int_equal(spool_write(f->spool, SPOOL_NEW, done, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(spool_move(f->spool, done, SPOOL_NEW, SPOOL_DONE,
	    &err), 0);
	put(f, pend, SPOOL_NEW);

	assert_int_equal(cmd(f, "replay", dead, done, NULL), 0);
	assert_non_null(strstr(f->out, "was dead"));
	assert_non_null(strstr(f->out, "was done"));
	assert_int_equal(kicks, 1);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, dead, &e, &err), 0);
	assert_int_equal(e.fate, FATE_PENDING);
	assert_int_equal(e.failures, 3);	/* a replay resets no count */
	assert_int_equal(e.attempts, 3);	/* HOOKLINE_ATTEMPT goes on */
	assert_int_equal(e.replays, 1);
	/* A dead one keeps its successes. */
	assert_int_equal(consumer_count(&e, CONS_SUCCEEDED), 1);
	assert_true(e.next <= time(NULL));
	spool_entry_free(&e);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, done, &e, &err), 0);
	/* A done one runs all again. */
	assert_int_equal(consumer_count(&e, CONS_SUCCEEDED), 0);
	spool_entry_free(&e);
	/* Pending ones stay as they are; unknown ones fail. */
	assert_int_equal(cmd(f, "replay", pend, NULL, NULL), 0);
	assert_int_equal(kicks, 1);
	assert_int_equal(cmd(f, "replay", "--json", "nope", NULL), 1);
	assert_string_equal(f->out, "[]\n");
}

static void
test_purge(void **state)
{
	struct fixture *f = *state;
	struct spool_entry e;
	struct err err;
	char old[SPOOL_NAME_MAX + 1], young[SPOOL_NAME_MAX + 1];
	char pend[SPOOL_NAME_MAX + 1];

	put(f, old, SPOOL_DEAD);
	assert_int_equal(spool_read(f->spool, SPOOL_DEAD, old, &e, &err), 0);
	e.finished = time(NULL) - 40 * 86400;
	assert_int_equal(spool_write(f->spool, SPOOL_DEAD, old, &e, &err), 0);
	spool_entry_free(&e);
	{
		struct timespec ts[2] = { { time(NULL) - 40 * 86400, 0 },
		    { time(NULL) - 40 * 86400, 0 } };
		char *p;

		assert_true(asprintf(&p, "%s/dead/%s/state", f->spool, old) >
		    0);
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
		free(p);
	}
	put(f, young, SPOOL_DONE);
	put(f, pend, SPOOL_NEW);
	assert_int_equal(cmd(f, "purge", "--older-than", "30d", NULL), 0);
	assert_non_null(strstr(f->out, old));
	assert_non_null(strstr(f->out, "1 purged"));
	assert_int_equal(spool_read(f->spool, SPOOL_DEAD, old, &e, &err), 1);
	assert_int_equal(spool_read(f->spool, SPOOL_DONE, young, &e, &err), 0);
	spool_entry_free(&e);
	/* Never what is pending, however old. */
	assert_int_equal(cmd(f, "purge", "--older-than=0", "--json", NULL), 0);
	assert_null(strstr(f->out, pend));
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, pend, &e, &err), 0);
	spool_entry_free(&e);
}

static void
test_drain(void **state)
{
	struct fixture *f = *state;
	struct spool_entry e;
	struct err err;
	char a[SPOOL_NAME_MAX + 1];
	char hooks[4096];

	/* The endpoint's hooks folder; the runner is stubbed. */
	assert_true(snprintf(hooks, sizeof(hooks), "%s/hooks.d", f->top) > 0);
	assert_int_equal(mkdir(hooks, 0755), 0);
	put(f, a, SPOOL_NEW);
	assert_int_equal(cmd(f, "drain", NULL, NULL, NULL), 0);
	/* (It ran in a worker process: the spool tells, not `delivered`.) */
	assert_int_equal(spool_read(f->spool, SPOOL_DONE, a, &e, &err), 0);
	assert_int_equal(e.attempts, 1);
	spool_entry_free(&e);

	/* Waiting an hour for its next try: drain leaves it, drain --now
	 * runs it. */
	put(f, a, SPOOL_NEW);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, a, &e, &err), 0);
	e.attempts = 1;
	e.failures = 1;
	e.next = time(NULL) + 3600;
	assert_int_equal(spool_write(f->spool, SPOOL_NEW, a, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(cmd(f, "drain", NULL, NULL, NULL), 0);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, a, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(cmd(f, "drain", "--now", NULL, NULL), 0);
	assert_int_equal(spool_read(f->spool, SPOOL_DONE, a, &e, &err), 0);
	assert_int_equal(e.attempts, 2);
	spool_entry_free(&e);
}

/* A dead delivery: hook a succeeded, target x failed for good. */
static void
put_dead_pair(struct fixture *f, char *name)
{
	struct spool_entry e;
	struct err err;

	put(f, name, SPOOL_NEW);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, name, &e, &err), 0);
	assert_int_equal(consumer_succeeded(&e, "a"), 0);
	assert_int_equal(consumer_succeeded(&e, "forward:http://x/"), 0);
	e.cons[1].state = CONS_FAILED;
	assert_non_null(e.cons[1].error = strdup("forward: HTTP 400"));
	e.fate = FATE_DEAD;
	e.attempts = e.failures = 1;
	e.finished = time(NULL);
	assert_non_null(e.error = strdup("forward: HTTP 400"));
	assert_int_equal(spool_write(f->spool, SPOOL_NEW, name, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(spool_move(f->spool, name, SPOOL_NEW, SPOOL_DEAD,
	    &err), 0);
}

static void
test_show_why(void **state)
{
	struct fixture *f = *state;
	char a[SPOOL_NAME_MAX + 1];

	put_dead_pair(f, a);
	assert_int_equal(cmd(f, "show", a, NULL, NULL), 0);
	assert_non_null(strstr(f->out, "  why           dead: "
	    "forward:http://x/ failed for good after 1 try: forward: HTTP 400\n"));
	assert_non_null(strstr(f->out, "  attempts      1 (1 failed, "
	    "0 succeeded)\n"));
	assert_non_null(strstr(f->out, "    a: succeeded after 1 try\n"));
	assert_non_null(strstr(f->out, "      last error: forward: HTTP 400\n"));
	assert_int_equal(cmd(f, "list", "--json", NULL, NULL), 0);
	assert_non_null(strstr(f->out, "\"consumers\":[{\"name\":\"a\","
	    "\"state\":\"succeeded\""));
	assert_non_null(strstr(f->out, "\"state\":\"failed\",\"tries\":1,"
	    "\"failures\":0,\"error\":\"forward: HTTP 400\"}"));
	assert_non_null(strstr(f->out, "\"why\":\"dead: forward:http://x/"));
}

/* Dead and done deliveries a hookline of the first record layout left:
 * shown, and a dead one replayed runs what had not succeeded. */
static void
test_old_layout(void **state)
{
	static const char *const old[] = {
	    "hookline_spool 1:1\nendpoint 6:github\nevent 4:push\n"
	    "id 2:d1\nfate 4:dead\nattempts 1:3\nfailures 1:3\n"
	    "finished 10:1700000000\ndone 1:a\nerror 13:a hook failed\n",
	    "hookline_spool 1:1\nendpoint 6:github\nevent 4:push\n"
	    "id 2:d2\nfate 4:done\nattempts 1:1\nfailures 1:0\n"
	    "finished 10:1700000000\ndone 1:a\n",
	};
	static const enum spool_box box[] = { SPOOL_DEAD, SPOOL_DONE };
	struct fixture *f = *state;
	struct spool_entry e;
	struct err err;
	char a[2][SPOOL_NAME_MAX + 1], *path;
	size_t i;

	for (i = 0; i < 2; i++) {
		put(f, a[i], SPOOL_NEW);
		assert_true(asprintf(&path, "%s/new/%s/state", f->spool,
		    a[i]) > 0);
		unit_write_file(path, old[i], 0600);
		free(path);
		assert_int_equal(spool_move(f->spool, a[i], SPOOL_NEW, box[i],
		    &err), 0);
	}
	assert_int_equal(cmd(f, "show", a[0], NULL, NULL), 0);
	assert_non_null(strstr(f->out, "  why           dead: a hook failed\n"));
	assert_non_null(strstr(f->out, "  succeeded     a\n"));
	assert_int_equal(cmd(f, "show", a[1], NULL, NULL), 0);
	assert_non_null(strstr(f->out, "  why           done: every consumer "
	    "succeeded\n"));
	assert_int_equal(cmd(f, "replay", a[0], NULL, NULL), 0);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, a[0], &e, &err), 0);
	assert_int_equal(e.ncons, 1);
	assert_int_equal(e.cons[0].state, CONS_SUCCEEDED);
	assert_int_equal(e.legacy_failures, 0);	/* the schedule starts over */
	assert_int_equal(e.failures, 3);
	spool_entry_free(&e);
}

static void
test_replay_all_and_retry(void **state)
{
	struct fixture *f = *state;
	struct spool_entry e;
	struct err err;
	char a[SPOOL_NAME_MAX + 1];

	put_dead_pair(f, a);
	/* Only what did not succeed runs again. */
	assert_int_equal(cmd(f, "replay", a, NULL, NULL), 0);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, a, &e, &err), 0);
	assert_int_equal(e.cons[0].state, CONS_SUCCEEDED);
	assert_int_equal(e.cons[1].state, CONS_PENDING);
	/* A pending one is retry's, not replay's. */
	e.next = e.cons[1].next = time(NULL) + 3600;
	assert_int_equal(spool_write(f->spool, SPOOL_NEW, a, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(cmd(f, "replay", a, NULL, NULL), 0);
	assert_int_equal(kicks, 1);
	assert_int_equal(cmd(f, "retry", a, NULL, NULL), 0);
	assert_non_null(strstr(f->out, "due now: "));
	assert_int_equal(kicks, 2);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, a, &e, &err), 0);
	assert_true(e.next <= time(NULL));
	assert_true(e.cons[1].next <= time(NULL));
	spool_entry_free(&e);
	assert_int_equal(cmd(f, "retry", "nope", NULL, NULL), 1);
	assert_int_equal(cmd(f, "retry", NULL, NULL, NULL), 2);
	assert_int_equal(cmd(f, "retry", "--all", a, NULL), 2);

	/* Dead again; --all: every one. */
	assert_int_equal(spool_move(f->spool, a, SPOOL_NEW, SPOOL_DEAD,
	    &err), 0);
	assert_int_equal(cmd(f, "retry", a, NULL, NULL), 1);
	assert_int_equal(cmd(f, "replay", "--all", "--json", a), 0);
	assert_non_null(strstr(f->out, "\"was\":\"dead\""));
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, a, &e, &err), 0);
	assert_int_equal(e.cons[0].state, CONS_PENDING);
	assert_int_equal(e.replays, 2);
	spool_entry_free(&e);
}

/* With `database` set, what the local spool still holds for it (a
 * delivery spilled while the database was away) is listed with the
 * database's deliveries, marked spilled, and shown; also while the
 * database is away (which list and show say, exiting 1). retry cannot
 * act on it, and says why. */
static void
test_list_spilled(void **state)
{
	struct fixture *f = *state;
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1], *conf;

	assert_true(asprintf(&conf, "spool_dir = spool\nretry = 1s 2s\n"
	    "database = host=%s/nowhere dbname=x connect_timeout=2\n\n"
	    "[github]\nprovider = github\nmode = async\n", f->top) > 0);
	unit_write_file(f->conf, conf, 0600);
	free(conf);
	put(f, a, SPOOL_NEW);
	put(f, b, SPOOL_DONE);		/* from before `database`: not shown */
	assert_int_equal(cmd(f, "list", NULL, NULL, NULL), 1);
	assert_non_null(strstr(f->out, a));
	assert_non_null(strstr(f->out, "spilled"));
	assert_null(strstr(f->out, b));
	assert_int_equal(cmd(f, "list", "--pending", "--json", NULL), 1);
	assert_non_null(strstr(f->out, "\"spilled\":true"));
	assert_non_null(strstr(f->out, a));
	assert_int_equal(cmd(f, "list", "--dead", NULL, NULL), 1);
	assert_null(strstr(f->out, a));
	assert_int_equal(cmd(f, "show", a, NULL, NULL), 1);
	assert_non_null(strstr(f->out, a));
	assert_non_null(strstr(f->out, "(spilled)"));
	assert_int_equal(cmd(f, "show", "--json", D1.id, NULL), 1);
	assert_non_null(strstr(f->out, a));
	assert_int_equal(cmd(f, "retry", a, NULL, NULL), 1);
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_usage),
		T(test_no_spool_as_root),
		T(test_list),
		T(test_show),
		T(test_replay),
		T(test_show_why),
		T(test_replay_all_and_retry),
		T(test_list_spilled),
		T(test_old_layout),
		T(test_purge),
		T(test_drain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
