/* test_consumer.c: a delivery's consumers, each with its own state and
 * schedule: success, failure for good, retries to the end of the
 * schedule, Retry-After, errors that run nothing, vanished hooks, the
 * delivery's fate and error, replay (with and without all), due now. */
#include "unit.h"

#include "consumer.h"

#define T0	1700000000

struct fx {
	struct conf		conf;
	struct spool_entry	e;
	struct outcome		out;
	long			retry[2];
};

static int
setup(void **state)
{
	struct fx *f;

	assert_non_null(f = calloc(1, sizeof(*f)));
	f->retry[0] = 5;
	f->retry[1] = 60;
	f->conf.retry = f->retry;
	f->conf.nretry = 2;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	spool_entry_free(&f->e);
	outcome_free(&f->out);
	free(f);
	return 0;
}

/* Appends an outcome: exit code (0 success), final, retry_after. */
static void
ran(struct fx *f, const char *name, int code, bool final, long ra)
{
	struct hook_outcome *o;

	f->out.v = reallocarray(f->out.v, f->out.n + 1, sizeof(*f->out.v));
	assert_non_null(f->out.v);
	o = &f->out.v[f->out.n++];
	memset(o, 0, sizeof(*o));
	assert_non_null(o->hook = strdup(name));
	o->res.ran = o->res.exited = true;
	o->res.exit_code = code;
	o->final = final;
	o->retry_after = ra;
	if (final)
		assert_non_null(o->why = strdup("forward: HTTP 400; not retried"));
}

/* One attempt at time t with what ran() queued. */
static void
settle(struct fx *f, const char *run_error, int64_t t)
{
	assert_int_equal(consumer_settle(&f->e, &f->conf, &f->out, run_error,
	    t, t), 0);
	outcome_free(&f->out);
	memset(&f->out, 0, sizeof(f->out));
}

static const char *
skipped(struct fx *f, int64_t t)
{
	static char buf[256];
	struct strlist l = { NULL, 0 };
	size_t i;

	buf[0] = '\0';
	assert_int_equal(consumer_skip(&f->e, t, &l), 0);
	for (i = 0; i < l.n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, l.v[i]);
	}
	strlist_clear(&l);
	return buf;
}

static void
test_all_succeed(void **state)
{
	struct fx *f = *state;

	ran(f, "a", 0, false, 0);
	ran(f, "forward:http://x/", 0, false, 0);
	settle(f, NULL, T0);
	assert_int_equal(f->e.fate, FATE_DONE);
	assert_int_equal(f->e.finished, T0);
	assert_int_equal(f->e.failures, 0);
	assert_null(f->e.error);
	assert_int_equal(consumer_count(&f->e, CONS_SUCCEEDED), 2);
	assert_string_equal(skipped(f, T0), "a,forward:http://x/");
}

/* The case: one target says 400, the other 503 until it takes
 * it. The 503 one runs to its success; then the delivery is dead, for
 * the 400 one. */
static void
test_one_fails_for_good_others_retry(void **state)
{
	struct fx *f = *state;
	const struct consumer *c;

	ran(f, "forward:http://bad/", 400, true, 0);
	ran(f, "forward:http://flaky/", 503, false, 0);
	settle(f, NULL, T0);
	assert_int_equal(f->e.fate, FATE_PENDING);
	assert_int_equal(f->e.next, T0 + 5);
	assert_int_equal(consumer_find(&f->e, "forward:http://bad/")->state,
	    CONS_FAILED);
	c = consumer_find(&f->e, "forward:http://flaky/");
	assert_int_equal(c->state, CONS_PENDING);
	assert_string_equal(consumer_word(c), "retrying");
	/* Only the flaky one runs next, and only when it is due. */
	assert_string_equal(skipped(f, T0 + 1),
	    "forward:http://bad/,forward:http://flaky/");
	assert_string_equal(skipped(f, T0 + 5), "forward:http://bad/");
	ran(f, "forward:http://flaky/", 503, false, 0);
	settle(f, NULL, T0 + 5);
	assert_int_equal(f->e.fate, FATE_PENDING);
	assert_int_equal(f->e.next, T0 + 65);
	ran(f, "forward:http://flaky/", 0, false, 0);
	settle(f, NULL, T0 + 65);
	assert_int_equal(f->e.fate, FATE_DEAD);
	assert_int_equal(f->e.failures, 2);	/* attempts 1 and 2 */
	assert_non_null(strstr(f->e.error, "HTTP 400"));
	c = consumer_culprit(&f->e);
	assert_string_equal(c->name, "forward:http://bad/");
	c = consumer_find(&f->e, "forward:http://flaky/");
	assert_int_equal(c->state, CONS_SUCCEEDED);
	assert_int_equal(c->tries, 3);
	assert_null(c->error);

	/* replay: only the one that failed; --all: every one. */
	consumer_replay(&f->e, false, T0 + 100);
	assert_int_equal(f->e.fate, FATE_PENDING);
	assert_int_equal(f->e.replays, 1);
	assert_int_equal(f->e.failures, 2);	/* counts are history */
	assert_string_equal(skipped(f, T0 + 100), "forward:http://flaky/");
	assert_int_equal(consumer_find(&f->e, "forward:http://bad/")->failures,
	    0);
	consumer_replay(&f->e, true, T0 + 200);
	assert_string_equal(skipped(f, T0 + 200), "");
}

static void
test_exhausted(void **state)
{
	struct fx *f = *state;
	const struct consumer *c;

	ran(f, "a", 0, false, 0);
	ran(f, "b", 1, false, 0);
	settle(f, NULL, T0);
	assert_string_equal(f->e.error, "hook b: exit 1");
	ran(f, "b", 75, false, 0);
	settle(f, NULL, T0 + 5);
	assert_int_equal(f->e.fate, FATE_PENDING);
	ran(f, "b", 1, false, 0);
	settle(f, NULL, T0 + 65);
	assert_int_equal(f->e.fate, FATE_DEAD);
	c = consumer_culprit(&f->e);
	assert_string_equal(c->name, "b");
	assert_int_equal(c->state, CONS_EXHAUSTED);
	assert_int_equal(c->tries, 3);
	assert_int_equal(c->failures, 3);
	assert_string_equal(f->e.error, "hook b: exit 1");
	assert_int_equal(consumer_find(&f->e, "a")->tries, 1);
}

static void
test_retry_after(void **state)
{
	struct fx *f = *state;

	ran(f, "forward:http://slow/", 429, false, 300);
	ran(f, "forward:http://quick/", 503, false, 0);
	settle(f, NULL, T0);
	assert_int_equal(consumer_find(&f->e, "forward:http://slow/")->next,
	    T0 + 300);
	assert_int_equal(f->e.next, T0 + 5);	/* the earliest one */
}

static void
test_run_error_own_schedule(void **state)
{
	struct fx *f = *state;

	settle(f, "hooks folder unreadable", T0);
	assert_int_equal(f->e.fate, FATE_PENDING);
	assert_int_equal(f->e.errors, 1);
	assert_int_equal(f->e.next, T0 + 5);
	assert_string_equal(f->e.error, "hooks folder unreadable");
	settle(f, "hooks folder unreadable", T0 + 5);
	settle(f, "hooks folder unreadable", T0 + 65);
	assert_int_equal(f->e.fate, FATE_DEAD);
	assert_null(consumer_culprit(&f->e));
	assert_string_equal(f->e.error, "hooks folder unreadable");
	/* An attempt that runs clears the count. */
	consumer_replay(&f->e, false, T0 + 100);
	assert_int_equal(f->e.errors, 0);
}

static void
test_vanished_dropped(void **state)
{
	struct fx *f = *state;

	ran(f, "a", 1, false, 0);
	ran(f, "b", 1, false, 0);
	settle(f, NULL, T0);
	/* b's file was removed: the next attempt runs a only. */
	ran(f, "a", 0, false, 0);
	settle(f, NULL, T0 + 5);
	assert_int_equal(f->e.ncons, 1);
	assert_int_equal(f->e.fate, FATE_DONE);
}

static void
test_due_now(void **state)
{
	struct fx *f = *state;

	ran(f, "a", 1, false, 0);
	settle(f, NULL, T0);
	assert_int_equal(f->e.next, T0 + 5);
	consumer_due_now(&f->e, T0 + 1);
	assert_int_equal(f->e.next, T0 + 1);
	assert_string_equal(skipped(f, T0 + 1), "");
}

/* A record of the first layout: a pending consumer not seen yet keeps
 * the delivery's place in the schedule. */
static void
test_legacy_place(void **state)
{
	struct fx *f = *state;

	f->e.legacy_failures = 1;
	ran(f, "b", 1, false, 0);
	settle(f, NULL, T0);
	assert_int_equal(f->e.fate, FATE_PENDING);
	assert_int_equal(f->e.next, T0 + 60);	/* the second delay */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_all_succeed),
		T(test_one_fails_for_good_others_retry),
		T(test_exhausted),
		T(test_retry_after),
		T(test_run_error_own_schedule),
		T(test_vanished_dropped),
		T(test_due_now),
		T(test_legacy_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
