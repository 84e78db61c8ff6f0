/* test_drain.c: the spool's worker against a scripted deliver_run():
 * run, retry per hook, dead, recovery from every intermediate state a
 * crash can leave, tmp/ leftovers, keep_done, the lock, max_running. */
// WRAP: deliver_run log_record log_msg
#include "unit.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consumer.h"
#include "deliver.h"
#include "drain.h"
#include "json.h"
#include "slots.h"
#include "spool.h"
#include "stats.h"

/* --- the scripted runner ------------------------------------------ */

#define MAXCALLS 64	/* also per worker: a lane runs many (drain_lane.c) */

/* What deliver_run does on its Nth call: for each hook "name=exit"
 * (exit -1: did not run), or rc -1 for "nothing could be run". */
struct step {
	const char	*hooks[4];
	int		 rc_error;
	long		 sleep_ms;
};

struct call {
	unsigned	 attempt;
	char		*done;		/* the done list, comma-joined */
	char		*body;
	char		*endpoint;
};

static struct {
	const struct step	*steps;
	size_t			 nsteps;
	struct call		 calls[MAXCALLS];
	size_t			 ncalls;
	struct strlist		 logs;
	char			*trace;	/* when set: "S|E endpoint attempt ms"
					 * lines, also from drain_run's workers */
} R;

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
trace(const char *what, const struct delivery *d)
{
	FILE *fp;

	if (R.trace == NULL || (fp = fopen(R.trace, "a")) == NULL)
		return;
	fprintf(fp, "%s %s %u %ld\n", what, d->endpoint, d->attempt, now_ms());
	fclose(fp);
}

int	__wrap_deliver_run(const struct conf *, const struct endpoint *,
	    const struct delivery *, const struct strlist *, struct outcome *,
	    struct err *);
void	__wrap_log_record(struct jval *);
void	__wrap_log_msg(const char *, const char *, ...);

int
__wrap_deliver_run(const struct conf *conf, const struct endpoint *ep,
    const struct delivery *d, const struct strlist *done,
    struct outcome *out, struct err *err)
{
	const struct step *s;
	struct call *c;
	char *joined = NULL, *p;
	size_t i;
	int rc = 0, code;

	(void)conf;
	assert_true(R.ncalls < MAXCALLS);
	c = &R.calls[R.ncalls];
	c->attempt = d->attempt;
	c->endpoint = strdup(ep->name);
	c->body = strndup((const char *)d->body, d->body_len);
	for (i = 0; done != NULL && i < done->n; i++) {
		if (asprintf(&p, "%s%s%s", joined ? joined : "",
		    joined ? "," : "", done->v[i]) == -1)
			abort();
		free(joined);
		joined = p;
	}
	c->done = joined ? joined : strdup("");
	/* By attempt, so that drain_run's workers (forks of this process,
	 * each with its own copy of R) follow the script too. */
	assert_true(R.nsteps > 0);
	s = &R.steps[d->attempt - 1 < R.nsteps ? d->attempt - 1 : R.nsteps - 1];
	R.ncalls++;
	trace("S", d);
	if (s->sleep_ms > 0) {
		struct timespec ts = { s->sleep_ms / 1000,
		    (s->sleep_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	trace("E", d);
	if (s->rc_error) {
		err_set(err, "hooks folder unreadable");
		return -1;
	}
	for (i = 0; i < 4 && s->hooks[i] != NULL; i++) {
		struct hook_outcome *o;

		out->v = reallocarray(out->v, out->n + 1, sizeof(*out->v));
		assert_non_null(out->v);
		o = &out->v[out->n++];
		memset(o, 0, sizeof(*o));
		p = strchr(s->hooks[i], '=');
		o->hook = strndup(s->hooks[i], (size_t)(p - s->hooks[i]));
		code = atoi(p + 1);
		/* "name=400!": failed for good, as a forward's 4xx. */
		o->final = p[strlen(p) - 1] == '!';
		o->res.ran = code >= 0;
		o->res.exited = code >= 0;
		o->res.exit_code = code;
		o->res.duration_ms = 3;
		o->res.out = strdup("some output\n");
		o->res.out_len = 12;
		if (code != 0)
			rc = 1;
	}
	return rc;
}

void
__wrap_log_record(struct jval *rec)
{
	const char *t;
	size_t len;

	if ((t = json_text(rec, &len)) != NULL)
		assert_int_equal(strlist_add(&R.logs, t), 0);
}

void
__wrap_log_msg(const char *level, const char *fmt, ...)
{
	va_list ap;
	char *s, *line;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	va_end(ap);
	if (asprintf(&line, "%s: %s", level, s) == -1)
		abort();
	free(s);
	assert_int_equal(strlist_take(&R.logs, line), 0);
}

static void
script(const struct step *steps, size_t n)
{
	R.steps = steps;
	R.nsteps = n;
}

static void
runner_reset(void)
{
	size_t i;

	for (i = 0; i < R.ncalls; i++) {
		free(R.calls[i].done);
		free(R.calls[i].body);
		free(R.calls[i].endpoint);
	}
	strlist_clear(&R.logs);
	free(R.trace);
	memset(&R, 0, sizeof(R));
}

/* How many log lines contain s. */
static int
logged(const char *s)
{
	size_t i;
	int n = 0;

	for (i = 0; i < R.logs.n; i++)
		n += strstr(R.logs.v[i], s) != NULL;
	return n;
}

/* --- fixture ------------------------------------------------------- */

struct fixture {
	char		*top;
	char		*spool;
	struct conf	*conf;
	struct endpoint	 ep[2];
	long		 retry[3];
};

static int
setup(void **state)
{
	struct fixture *f;

	runner_reset();
	assert_non_null(f = calloc(1, sizeof(*f)));
	f->top = unit_mkdtemp("drain");
	assert_true(asprintf(&f->spool, "%s/spool", f->top) > 0);
	assert_non_null(f->conf = calloc(1, sizeof(*f->conf)));
	f->ep[0].name = "github";
	f->ep[0].hooks_dir = f->top;
	f->ep[0].mode = MODE_ASYNC;
	f->ep[1].name = "other";
	f->ep[1].hooks_dir = f->top;
	f->conf->spool_dir = f->spool;
	f->conf->endpoints = f->ep;
	f->conf->nendpoints = 2;
	f->conf->implicit.name = "";
	f->conf->implicit.hooks_dir = f->top;
	f->retry[0] = 5;
	f->retry[1] = 60;
	f->conf->retry = f->retry;
	f->conf->nretry = 2;
	f->conf->keep_done = 7 * 86400;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	runner_reset();
	unit_rm_tree(f->top);
	stats_close(f->conf->stats);	/* drain_run's stats_start */
	free(f->conf);
	free(f->spool);
	free(f->top);
	free(f);
	return 0;
}

static const struct delivery D1 = {
	.endpoint = "github",
	.event = "push",
	.id = "delivery-1",
	.remote_addr = "192.0.2.1",
	.content_type = "application/json",
	.body = (const unsigned char *)"{\"a\":1}",
	.body_len = 7,
	.attempt = 1,
};

static void
put(struct fixture *f, char *name)
{
	struct err err;

	assert_int_equal(spool_store(f->spool, 0, &D1, time(NULL), name,
	    &err), 0);
}

static int
count(const struct fixture *f, const char *sub)
{
	return unit_count_entries(f->spool, sub);
}

/* drain_due at now; returns how many ran. */
static unsigned
due(struct fixture *f, time_t now, struct drain_stats *st)
{
	struct drain_stats s;
	struct err err;

	if (st == NULL)
		st = &s;
	assert_int_equal(drain_due(f->conf, now, NULL, st, &err), 0);
	return st->ran;
}

static void
read_entry(struct fixture *f, enum spool_box box, const char *name,
    struct spool_entry *e)
{
	struct err err;

	assert_int_equal(spool_read(f->spool, box, name, e, &err), 0);
}

/* --- tests --------------------------------------------------------- */

static void
test_runs_once_and_done(void **state)
{
	static const struct step steps[] = { { { "push=0" }, 0, 0 } };
	struct fixture *f = *state;
	struct spool_entry e;
	struct spool_run *runs;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	size_t n;

	script(steps, 1);
	put(f, name);
	assert_int_equal(due(f, time(NULL), NULL), 1);
	assert_int_equal(R.ncalls, 1);
	assert_int_equal(R.calls[0].attempt, 1);
	assert_string_equal(R.calls[0].done, "");
	assert_string_equal(R.calls[0].body, "{\"a\":1}");
	assert_string_equal(R.calls[0].endpoint, "github");
	assert_int_equal(count(f, "new"), 0);
	assert_int_equal(count(f, "cur"), 0);
	assert_int_equal(count(f, "done"), 1);
	read_entry(f, SPOOL_DONE, name, &e);
	assert_int_equal(e.fate, FATE_DONE);
	assert_int_equal(e.attempts, 1);
	assert_int_equal(e.running, 0);
	assert_true(e.finished > 0);
	assert_int_equal(consumer_count(&e, CONS_SUCCEEDED), 1);
	spool_entry_free(&e);
	assert_int_equal(spool_read_runs(f->spool, SPOOL_DONE, name, &runs, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].n, 1);
	assert_string_equal(runs[0].v[0].hook, "push");
	assert_int_equal(runs[0].v[0].res.out_len, 12);
	spool_runs_free(runs, n);
	assert_int_equal(logged("\"result\":\"done\""), 1);
	/* Nothing left to run. */
	assert_int_equal(due(f, time(NULL) + 1000, NULL), 0);
	assert_int_equal(R.ncalls, 1);
}

static void
test_retry_per_hook(void **state)
{
	static const struct step steps[] = {
		{ { "a=0", "b=1" }, 0, 0 },
		{ { "b=75" }, 0, 0 },
		{ { "b=0" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct drain_stats st;
	struct spool_entry e;
	char name[SPOOL_NAME_MAX + 1];
	time_t t0 = time(NULL);

	f->retry[2] = 120;
	f->conf->nretry = 3;
	script(steps, 3);
	put(f, name);
	assert_int_equal(due(f, t0, &st), 1);
	assert_int_equal(count(f, "new"), 1);
	read_entry(f, SPOOL_NEW, name, &e);
	assert_int_equal(e.failures, 1);
	assert_int_equal(e.attempts, 1);
	assert_int_equal(consumer_count(&e, CONS_SUCCEEDED), 1);
	assert_string_equal(e.cons[0].name, "a");
	/* Not before 5 s (the first delay), rounded up to a second. */
	assert_true(e.next >= t0 + 5 && e.next <= t0 + 7);
	assert_non_null(e.error);
	spool_entry_free(&e);
	assert_int_equal(logged("\"retry_in\":5"), 1);

	/* Not due yet: nothing runs; the drainer learns when to look. */
	assert_int_equal(due(f, t0 + 1, &st), 0);
	assert_int_equal(st.pending, 1);
	assert_true(st.next_due >= t0 + 5);

	/* Second attempt: only b runs; HOOKLINE_ATTEMPT is 2. */
	assert_int_equal(due(f, st.next_due, &st), 1);
	assert_int_equal(R.calls[1].attempt, 2);
	assert_string_equal(R.calls[1].done, "a");
	read_entry(f, SPOOL_NEW, name, &e);
	assert_int_equal(e.failures, 2);
	assert_true(e.next >= t0 + 60);
	spool_entry_free(&e);

	/* Third: success; done. */
	assert_int_equal(due(f, t0 + 3600, &st), 1);
	assert_int_equal(R.calls[2].attempt, 3);
	assert_string_equal(R.calls[2].done, "a");
	assert_int_equal(count(f, "done"), 1);
	read_entry(f, SPOOL_DONE, name, &e);
	assert_int_equal(consumer_count(&e, CONS_SUCCEEDED), 2);
	assert_null(e.error);
	spool_entry_free(&e);
}

static void
test_dead_after_schedule(void **state)
{
	static const struct step steps[] = {
		{ { "x=1" }, 0, 0 }, { { "x=1" }, 0, 0 }, { { "x=1" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct spool_entry e;
	char name[SPOOL_NAME_MAX + 1];
	time_t t = time(NULL);

	script(steps, 3);
	put(f, name);
	assert_int_equal(due(f, t, NULL), 1);
	assert_int_equal(due(f, t + 100, NULL), 1);
	assert_int_equal(count(f, "dead"), 0);
	assert_int_equal(due(f, t + 1000, NULL), 1);
	assert_int_equal(count(f, "dead"), 1);
	assert_int_equal(count(f, "new"), 0);
	read_entry(f, SPOOL_DEAD, name, &e);
	assert_int_equal(e.fate, FATE_DEAD);
	assert_int_equal(e.failures, 3);
	assert_int_equal(e.attempts, 3);
	spool_entry_free(&e);
	assert_int_equal(logged("\"result\":\"dead\""), 1);
	/* Dead stays dead. */
	assert_int_equal(due(f, t + 100000, NULL), 0);
}

/* An endpoint's own retry schedule replaces the global one (5 60): one
 * wait of 2 s, then dead after the second failure. */
static void
test_dead_after_endpoint_schedule(void **state)
{
	static const struct step steps[] = {
		{ { "x=1" }, 0, 0 }, { { "x=1" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct spool_entry e;
	char name[SPOOL_NAME_MAX + 1];
	long mine[] = { 2 };
	time_t t = time(NULL);

	f->ep[0].retry = mine;
	f->ep[0].nretry = 1;
	script(steps, 2);
	put(f, name);
	assert_int_equal(due(f, t, NULL), 1);
	read_entry(f, SPOOL_NEW, name, &e);
	assert_true(e.next >= t + 2 && e.next <= t + 4);	/* not 5 s */
	spool_entry_free(&e);
	assert_int_equal(logged("\"retry_in\":2"), 1);
	assert_int_equal(due(f, t + 100, NULL), 1);
	assert_int_equal(count(f, "dead"), 1);
	read_entry(f, SPOOL_DEAD, name, &e);
	assert_int_equal(e.failures, 2);
	spool_entry_free(&e);
	f->ep[0].retry = NULL;
	f->ep[0].nretry = 0;
}

static void
test_nothing_runnable_retries(void **state)
{
	static const struct step steps[] = { { { NULL }, 1, 0 } };
	struct fixture *f = *state;
	struct spool_entry e;
	struct spool_run *runs;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	size_t n;

	script(steps, 1);
	put(f, name);
	assert_int_equal(due(f, time(NULL), NULL), 1);
	read_entry(f, SPOOL_NEW, name, &e);
	assert_int_equal(e.failures, 1);
	assert_string_equal(e.error, "hooks folder unreadable");
	spool_entry_free(&e);
	assert_int_equal(spool_read_runs(f->spool, SPOOL_NEW, name, &runs, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(runs[0].error, "hooks folder unreadable");
	spool_runs_free(runs, n);
}

static void
test_unknown_endpoint_retries(void **state)
{
	struct fixture *f = *state;
	struct delivery d = D1;
	struct spool_entry e;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];

	script(NULL, 0);
	d.endpoint = "removed-since";
	assert_int_equal(spool_store(f->spool, 0, &d, time(NULL), name, &err),
	    0);
	assert_int_equal(due(f, time(NULL), NULL), 1);
	assert_int_equal(R.ncalls, 0);
	read_entry(f, SPOOL_NEW, name, &e);
	assert_int_equal(e.failures, 1);
	assert_non_null(strstr(e.error, "removed-since"));
	spool_entry_free(&e);
}

/* A drainer killed in the middle of a hook: the entry is in cur/ with
 * its attempt marked running and no run record. */
static void
test_recover_interrupted(void **state)
{
	static const struct step steps[] = { { { "push=0" }, 0, 0 } };
	struct fixture *f = *state;
	struct spool_entry e;
	struct spool_run *runs;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	size_t n;

	script(steps, 1);
	put(f, name);
	assert_int_equal(spool_move(f->spool, name, SPOOL_NEW, SPOOL_CUR,
	    &err), 0);
	read_entry(f, SPOOL_CUR, name, &e);
	e.attempts = 1;
	e.running = 1;
	e.started = time(NULL) - 3;
	assert_int_equal(spool_write(f->spool, SPOOL_CUR, name, &e, &err), 0);
	spool_entry_free(&e);

	assert_int_equal(drain_recover(f->conf, time(NULL), &err), 1);
	assert_int_equal(count(f, "cur"), 0);
	assert_int_equal(count(f, "new"), 1);
	read_entry(f, SPOOL_NEW, name, &e);
	assert_int_equal(e.running, 0);
	assert_int_equal(e.interrupted, 1);
	assert_int_equal(e.failures, 0);
	spool_entry_free(&e);
	/* The log tells which delivery runs twice. */
	assert_int_equal(logged("\"result\":\"interrupted\""), 1);
	assert_int_equal(logged("\"delivery\":\"delivery-1\""), 1);
	assert_int_equal(spool_read_runs(f->spool, SPOOL_NEW, name, &runs, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	assert_true(runs[0].interrupted);
	spool_runs_free(runs, n);

	/* Runs again at once, as attempt 2. */
	assert_int_equal(due(f, time(NULL), NULL), 1);
	assert_int_equal(R.calls[0].attempt, 2);
	assert_int_equal(count(f, "done"), 1);
}

/* Killed after the run record was written but before the state: the
 * hooks that succeeded are not run again. */
static void
test_recover_keeps_recorded_success(void **state)
{
	static const struct step steps[] = { { { "b=0" }, 0, 0 } };
	struct fixture *f = *state;
	struct hook_outcome h[2];
	struct spool_run r;
	struct spool_entry e;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];

	script(steps, 1);
	put(f, name);
	assert_int_equal(spool_move(f->spool, name, SPOOL_NEW, SPOOL_CUR,
	    &err), 0);
	read_entry(f, SPOOL_CUR, name, &e);
	e.attempts = 1;
	e.running = 1;
	assert_int_equal(spool_write(f->spool, SPOOL_CUR, name, &e, &err), 0);
	spool_entry_free(&e);
	memset(h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	h[0].hook = "a";
	h[0].res.ran = h[0].res.exited = true;
	h[1].hook = "b";
	h[1].res.ran = h[1].res.exited = true;
	h[1].res.exit_code = 1;
	r.attempt = 1;
	r.v = h;
	r.n = 2;
	assert_int_equal(spool_write_run(f->spool, SPOOL_CUR, name, &r, &err),
	    0);

	assert_int_equal(drain_recover(f->conf, time(NULL), &err), 1);
	assert_int_equal(due(f, time(NULL), NULL), 1);
	assert_string_equal(R.calls[0].done, "a");
	assert_int_equal(count(f, "done"), 1);
}

/* Killed after the state was written, before the folder moved: the
 * state's fate finishes the move. */
static void
test_recover_finished_moves(void **state)
{
	struct fixture *f = *state;
	static const enum spool_fate fates[] = {
		FATE_DONE, FATE_DEAD, FATE_PENDING
	};
	static const char *const where[] = { "done", "dead", "new" };
	struct spool_entry e;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	size_t i;

	script(NULL, 0);
	for (i = 0; i < 3; i++) {
		put(f, name);
		assert_int_equal(spool_move(f->spool, name, SPOOL_NEW,
		    SPOOL_CUR, &err), 0);
		read_entry(f, SPOOL_CUR, name, &e);
		e.attempts = 1;
		e.fate = fates[i];
		e.next = time(NULL) + 1000;
		assert_int_equal(spool_write(f->spool, SPOOL_CUR, name, &e,
		    &err), 0);
		spool_entry_free(&e);
		assert_int_equal(drain_recover(f->conf, time(NULL), &err), 1);
		assert_int_equal(count(f, where[i]), 1);
		assert_int_equal(count(f, "cur"), 0);
	}
	assert_int_equal(logged("interrupted"), 0);
	assert_int_equal(R.ncalls, 0);
}

/* Killed after the claim's state write, whose rename into cur/ did not
 * reach the disk: the entry is in new/ marked running. */
static void
test_running_in_new(void **state)
{
	static const struct step steps[] = { { { "push=0" }, 0, 0 } };
	struct fixture *f = *state;
	struct spool_entry e;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];

	script(steps, 1);
	put(f, name);
	read_entry(f, SPOOL_NEW, name, &e);
	e.attempts = 1;
	e.running = 1;
	assert_int_equal(spool_write(f->spool, SPOOL_NEW, name, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(due(f, time(NULL), NULL), 1);
	assert_int_equal(R.calls[0].attempt, 2);
	assert_int_equal(logged("\"result\":\"interrupted\""), 1);
	read_entry(f, SPOOL_DONE, name, &e);
	assert_int_equal(e.interrupted, 1);
	spool_entry_free(&e);
}

/* One consumer failed for good, another retries to its success: the
 * delivery waits for it, then is dead for the first. */
static void
test_consumers_independent(void **state)
{
	static const struct step steps[] = {
		{ { "a=0", "forward:x=400!", "forward:y=503" }, 0, 0 },
		{ { "forward:y=503" }, 0, 0 },
		{ { "forward:y=0" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct spool_entry e;
	char name[SPOOL_NAME_MAX + 1];
	time_t t = time(NULL);

	script(steps, 3);
	put(f, name);
	assert_int_equal(due(f, t, NULL), 1);
	assert_int_equal(count(f, "new"), 1);
	assert_int_equal(due(f, t + 100, NULL), 1);
	assert_string_equal(R.calls[1].done, "a,forward:x");
	assert_int_equal(count(f, "new"), 1);
	assert_int_equal(due(f, t + 1000, NULL), 1);
	assert_int_equal(count(f, "dead"), 1);
	read_entry(f, SPOOL_DEAD, name, &e);
	assert_int_equal(e.attempts, 3);
	assert_int_equal(e.failures, 2);
	assert_int_equal(consumer_find(&e, "forward:y")->state,
	    CONS_SUCCEEDED);
	assert_int_equal(consumer_find(&e, "forward:x")->state, CONS_FAILED);
	assert_string_equal(consumer_culprit(&e)->name, "forward:x");
	spool_entry_free(&e);
	assert_int_equal(logged("\"result\":\"dead\""), 1);
	/* Each attempt's line has the output tail. */
	assert_int_equal(logged("\"stdout\":\"some output\\n\""), 3);
}

/* A delivery a hookline of the first record layout left retrying: only
 * what had not succeeded runs, at the schedule's next place. */
static void
test_old_layout_runs(void **state)
{
	static const struct step steps[] = {
		{ { "b=1" }, 0, 0 }, { { "b=1" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct spool_entry e;
	char name[SPOOL_NAME_MAX + 1], *path, *text;
	time_t t = time(NULL);

	script(steps, 2);
	put(f, name);
	assert_true(asprintf(&path, "%s/new/%s/state", f->spool, name) > 0);
	assert_true(asprintf(&text, "hookline_spool 1:1\nendpoint 6:github\n"
	    "event 4:push\nid 10:delivery-1\nbody_len 1:7\nfate 7:pending\n"
	    "attempts 1:1\nfailures 1:1\nrunning 1:0\nnext 1:1\n"
	    "done 1:a\nerror 13:a hook failed\n") > 0);
	unit_write_file(path, text, 0600);
	free(path);
	free(text);
	assert_int_equal(due(f, t, NULL), 1);
	assert_int_equal(R.calls[0].attempt, 2);
	assert_string_equal(R.calls[0].done, "a");
	read_entry(f, SPOOL_NEW, name, &e);
	assert_int_equal(e.ncons, 2);
	assert_int_equal(consumer_find(&e, "b")->failures, 2);
	assert_true(e.next >= t + 60);		/* the second delay */
	spool_entry_free(&e);
	assert_int_equal(due(f, t + 1000, NULL), 1);
	read_entry(f, SPOOL_DEAD, name, &e);
	assert_string_equal(e.error, "hook b: exit 1");
	spool_entry_free(&e);
}

/* A state file that does not decode is kept for a person, in dead/. */
static void
test_corrupt_state_buried(void **state)
{
	struct fixture *f = *state;
	struct err err;
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1], *p;

	script(NULL, 0);
	put(f, a);
	put(f, b);
	assert_true(asprintf(&p, "%s/new/%s/state", f->spool, a) > 0);
	unit_write_file(p, "garbage", 0600);
	free(p);
	assert_int_equal(spool_move(f->spool, b, SPOOL_NEW, SPOOL_CUR, &err),
	    0);
	assert_true(asprintf(&p, "%s/cur/%s/state", f->spool, b) > 0);
	unit_write_file(p, "hookline_spool 1:1\nendpoint 99:", 0600);
	free(p);

	assert_int_equal(drain_recover(f->conf, time(NULL), &err), 1);
	assert_int_equal(due(f, time(NULL), NULL), 0);
	assert_int_equal(R.ncalls, 0);
	assert_int_equal(count(f, "dead"), 2);
	assert_int_equal(count(f, "new"), 0);
	assert_int_equal(count(f, "cur"), 0);
}

/* Writes that died half-way are never run, and go after a minute. */
static void
test_tmp_leftovers(void **state)
{
	struct fixture *f = *state;
	struct timespec ts[2];
	struct err err;
	char name[SPOOL_NAME_MAX + 1], *p, *q;

	script(NULL, 0);
	put(f, name);
	/* Make it look like a write that never reached new/. */
	assert_true(asprintf(&p, "%s/new/%s", f->spool, name) > 0);
	assert_true(asprintf(&q, "%s/tmp/%s", f->spool, name) > 0);
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(due(f, time(NULL), NULL), 0);
	assert_int_equal(R.ncalls, 0);
	assert_int_equal(drain_cleanup(f->conf, time(NULL), &err), 0);
	assert_int_equal(count(f, "tmp"), 1);	/* young: maybe still writing */
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 120;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, q, ts, 0), 0);
	assert_int_equal(drain_cleanup(f->conf, time(NULL), &err), 0);
	assert_int_equal(count(f, "tmp"), 0);
	free(p);
	free(q);
}

static void
test_keep_done(void **state)
{
	static const struct step steps[] = {
		{ { "push=0" }, 0, 0 }, { { "push=0" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct err err;
	time_t t;
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1];

	script(steps, 2);
	put(f, a);
	put(f, b);
	/* After the stores: one made in the next second is due only then. */
	t = time(NULL);
	assert_int_equal(due(f, t, NULL), 2);
	assert_int_equal(count(f, "done"), 2);
	f->conf->keep_done = 3600;
	assert_int_equal(drain_cleanup(f->conf, t + 60, &err), 0);
	assert_int_equal(count(f, "done"), 2);
	assert_int_equal(drain_cleanup(f->conf, t + 3700, &err), 0);
	assert_int_equal(count(f, "done"), 0);
}

static void
test_fifo(void **state)
{
	static const struct step steps[] = {
		{ { "push=0" }, 0, 0 }, { { "push=0" }, 0, 0 }, { { "push=0" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct delivery d = D1;
	struct err err;
	char n[3][SPOOL_NAME_MAX + 1];
	int i;

	script(steps, 3);
	for (i = 0; i < 3; i++) {
		d.body = (const unsigned char *)(i == 0 ? "0" : i == 1 ? "1" :
		    "2");
		d.body_len = 1;
		assert_int_equal(spool_store(f->spool, 0, &d, time(NULL), n[i],
		    &err), 0);
	}
	assert_int_equal(due(f, time(NULL), NULL), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(R.calls[i].body[0], '0' + i);
}

static void
test_lock(void **state)
{
	struct fixture *f = *state;
	struct err err;
	int a, b;

	assert_true((a = drain_lock(f->spool, false, &err)) >= 0);
	assert_int_equal(drain_lock(f->spool, false, &err), -2);
	close(a);
	assert_true((b = drain_lock(f->spool, false, &err)) >= 0);
	close(b);
}

/* Under max_running, a delivery waits in the spool untouched. */
static void
test_waits_for_slot(void **state)
{
	static const struct step steps[] = { { { "push=0" }, 0, 0 } };
	struct fixture *f = *state;
	volatile sig_atomic_t stop = 0;
	struct drain_stats st;
	struct spool_entry e;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	int slot;

	script(steps, 1);
	f->conf->max_running = 1;
	put(f, name);
	assert_true((slot = slot_acquire(f->conf, &err)) >= 0);
	assert_true(slot != SLOT_UNBOUNDED);
	/* A drainer told to stop while it waits puts the delivery back. */
	stop = 1;
	assert_int_equal(drain_due(f->conf, time(NULL), &stop, &st, &err), 0);
	assert_int_equal(st.ran, 0);
	assert_int_equal(st.pending, 1);
	assert_int_equal(count(f, "new"), 1);
	read_entry(f, SPOOL_NEW, name, &e);
	assert_int_equal(e.attempts, 0);
	spool_entry_free(&e);
	slot_release(slot);
	stop = 0;
	assert_int_equal(drain_due(f->conf, time(NULL), &stop, &st, &err), 0);
	assert_int_equal(st.ran, 1);
}

/* Under its endpoint's own max_running, a delivery waits in the spool
 * untouched too, also without a global bound; another endpoint's slot
 * does not hold it up. */
static void
test_waits_for_endpoint_slot(void **state)
{
	static const struct step steps[] = { { { "push=0" }, 0, 0 } };
	struct fixture *f = *state;
	struct timespec ts = { 0, 300 * 1000000L };
	struct drain_stats st;
	struct slots held;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	pid_t pid;
	int status;

	script(steps, 1);
	f->ep[0].max_running = 1;
	f->ep[1].max_running = 1;
	put(f, name);
	assert_int_equal(slots_take(f->conf, &f->ep[1], 0, 0, NULL, &held,
	    &err), 0);
	assert_int_equal(drain_due(f->conf, time(NULL), NULL, &st, &err), 0);
	assert_int_equal(st.ran, 1);
	slots_release(&held);

	/* Its own endpoint's slot held: a drainer (a child here, as it
	 * waits) claims the delivery and runs it only once it is free. */
	put(f, name);
	assert_int_equal(slots_take(f->conf, &f->ep[0], 0, 0, NULL, &held,
	    &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Our copy of the parent's lock: the lock stays the
		 * parent's until it lets go too. */
		slots_release(&held);
		_exit(drain_due(f->conf, time(NULL), NULL, &st, &err) == 0 &&
		    st.ran == 1 ? 0 : 1);
	}
	nanosleep(&ts, NULL);
	assert_int_equal(count(f, "done"), 1);	/* the first one only */
	slots_release(&held);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(count(f, "done"), 2);
	f->ep[0].max_running = 0;
	f->ep[1].max_running = 0;
}

/* Lines of the trace file starting with prefix. */
static int
traced(const char *prefix)
{
	char line[256];
	FILE *fp;
	int n = 0;

	if ((fp = fopen(R.trace, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(fp);
	return n;
}

static void
trace_on(struct fixture *f)
{
	assert_true(asprintf(&R.trace, "%s/trace", f->top) > 0);
}

/* The whole drainer, as `hookline drain --kicked` runs it: waits for
 * the retry, then exits when nothing is pending. */
static void
test_drain_run_pending(void **state)
{
	static const struct step steps[] = {
		{ { "push=1" }, 0, 0 }, { { "push=0" }, 0, 0 },
	};
	struct fixture *f = *state;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	struct conf *c = f->conf;

	script(steps, 2);
	trace_on(f);
	f->retry[0] = 1;
	put(f, name);
	assert_int_equal(drain_run(NULL, &c, DRAIN_PENDING, &err), 0);
	assert_ptr_equal(c, f->conf);
	assert_int_equal(traced("S github 1"), 1);
	assert_int_equal(traced("S github 2"), 1);
	assert_int_equal(traced("S "), 2);
	assert_int_equal(count(f, "done"), 1);
	assert_int_equal(count(f, "new"), 0);
	assert_int_equal(count(f, "cur"), 0);
}

/* `hookline drain` from cron: what is due, then exit; a retry in the
 * future is left for the next run. */
static void
test_drain_run_due(void **state)
{
	static const struct step steps[] = { { { "push=1" }, 0, 0 } };
	struct fixture *f = *state;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	struct conf *c = f->conf;
	int lock;

	script(steps, 1);
	trace_on(f);
	put(f, name);
	assert_int_equal(drain_run(NULL, &c, DRAIN_DUE, &err), 0);
	assert_int_equal(traced("S "), 1);
	assert_int_equal(count(f, "new"), 1);
	/* Another drainer holds the lock: return at once. */
	lock = drain_lock(f->spool, false, &err);
	assert_true(lock >= 0);
	assert_int_equal(drain_run(NULL, &c, DRAIN_DUE, &err), 0);
	close(lock);
	assert_int_equal(traced("S "), 1);
}

/* Deliveries of different endpoints run at once; those of one endpoint
 * one after the other, in order. */
static void
test_drain_run_parallel(void **state)
{
	static const struct step steps[] = { { { "push=0" }, 0, 400 } };
	struct fixture *f = *state;
	struct delivery d = D1;
	struct err err;
	char name[SPOOL_NAME_MAX + 1], line[256];
	struct conf *c = f->conf;
	long t[2][2][2] = { { { 0 } } };	/* [github/other][n][S/E] */
	int ng = 0, no = 0, k;
	char what, ep[32];
	unsigned a;
	long ms;
	FILE *fp;

	script(steps, 1);
	trace_on(f);
	put(f, name);
	put(f, name);
	d.endpoint = "other";
	assert_int_equal(spool_store(f->spool, 0, &d, time(NULL), name, &err),
	    0);
	assert_int_equal(drain_run(NULL, &c, DRAIN_DUE, &err), 0);
	assert_int_equal(count(f, "done"), 3);
	assert_non_null(fp = fopen(R.trace, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		assert_int_equal(sscanf(line, "%c %31s %u %ld", &what, ep, &a,
		    &ms), 4);
		k = what == 'E';
		if (strcmp(ep, "github") == 0)
			t[0][k ? ng++ : ng][k] = ms;
		else
			t[1][k ? no++ : no][k] = ms;
	}
	fclose(fp);
	assert_int_equal(ng, 2);
	assert_int_equal(no, 1);
	/* github's second starts after its first ended ... */
	assert_true(t[0][1][0] >= t[0][0][1]);
	/* ... while other ran beside github's first. */
	assert_true(t[1][0][0] < t[0][0][1]);
}

/* Many deliveries, some not due: each due one runs exactly once, the
 * others stay (the drainer's cache of what new/ holds stays right as
 * entries leave it). */
static void
test_drain_run_many(void **state)
{
	static const struct step steps[] = { { { "push=0" }, 0, 0 } };
	struct fixture *f = *state;
	struct delivery d = D1;
	struct spool_entry e;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	struct conf *c = f->conf;
	int i;

	script(steps, 1);
	trace_on(f);
	for (i = 0; i < 40; i++) {
		d.endpoint = i % 4 == 0 ? "other" : "github";
		assert_int_equal(spool_store(f->spool, 0, &d, time(NULL), name,
		    &err), 0);
		if (i % 10 == 5) {
			assert_int_equal(spool_read(f->spool, SPOOL_NEW, name,
			    &e, &err), 0);
			e.next = time(NULL) + 3600;
			assert_int_equal(spool_write(f->spool, SPOOL_NEW, name,
			    &e, &err), 0);
			spool_entry_free(&e);
		}
	}
	assert_int_equal(drain_run(NULL, &c, DRAIN_DUE, &err), 0);
	assert_int_equal(traced("S "), 36);
	assert_int_equal(traced("E "), 36);
	assert_int_equal(count(f, "done"), 36);
	assert_int_equal(count(f, "new"), 4);
	assert_int_equal(count(f, "cur"), 0);
}

/* A drainer's worker runs the rest of its endpoint's due deliveries
 * itself (drain_lane.c), each once; those that failed wait for their
 * retry, though the drainer had seen them due before (the lane pokes the
 * spool so that it reads their states again). */
static void
test_drain_run_lane_retry(void **state)
{
	static const struct step steps[] = { { { "push=1" }, 0, 0 } };
	struct fixture *f = *state;
	char name[SPOOL_NAME_MAX + 1];
	struct conf *c = f->conf;
	struct err err;
	int i;

	script(steps, 1);
	trace_on(f);
	for (i = 0; i < 5; i++)
		put(f, name);
	assert_int_equal(drain_run(NULL, &c, DRAIN_DUE, &err), 0);
	assert_int_equal(traced("S github 1 "), 5);
	assert_int_equal(traced("S "), 5);
	assert_int_equal(count(f, "new"), 5);
	assert_int_equal(count(f, "cur"), 0);
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_runs_once_and_done),
		T(test_retry_per_hook),
		T(test_dead_after_schedule),
		T(test_nothing_runnable_retries),
		T(test_dead_after_endpoint_schedule),
		T(test_unknown_endpoint_retries),
		T(test_recover_interrupted),
		T(test_recover_keeps_recorded_success),
		T(test_recover_finished_moves),
		T(test_running_in_new),
		T(test_consumers_independent),
		T(test_old_layout_runs),
		T(test_corrupt_state_buried),
		T(test_tmp_leftovers),
		T(test_keep_done),
		T(test_fifo),
		T(test_lock),
		T(test_waits_for_slot),
		T(test_waits_for_endpoint_slot),
		T(test_drain_run_pending),
		T(test_drain_run_due),
		T(test_drain_run_parallel),
		T(test_drain_run_many),
		T(test_drain_run_lane_retry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
