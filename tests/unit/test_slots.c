/* test_slots.c: max_running across processes: unbounded, busy, freed by
 * release and by the holder's death, waiting, close-on-exec; an
 * endpoint's own bound beside the global one. */
#include "unit.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slots.h"

struct fixture {
	char		*top;
	struct conf	 conf;
};

static int
setup(void **state)
{
	struct fixture *f;

	assert_non_null(f = calloc(1, sizeof(*f)));
	f->top = unit_mkdtemp("slots");
	assert_true(asprintf(&f->conf.spool_dir, "%s/spool", f->top) > 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unit_rm_tree(f->top);
	free(f->conf.spool_dir);
	free(f->top);
	free(f);
	return 0;
}

static void
test_unbounded(void **state)
{
	struct fixture *f = *state;
	struct err err;
	int i;

	f->conf.max_running = 0;
	for (i = 0; i < 100; i++)
		assert_int_equal(slot_acquire(&f->conf, &err), SLOT_UNBOUNDED);
	slot_release(SLOT_UNBOUNDED);
	slot_release(-1);
}

static void
test_bound(void **state)
{
	struct fixture *f = *state;
	struct err err;
	int a, b, c;

	f->conf.max_running = 2;
	assert_true((a = slot_acquire(&f->conf, &err)) >= 0);
	assert_true((b = slot_acquire(&f->conf, &err)) >= 0);
	assert_true(a != SLOT_UNBOUNDED && b != SLOT_UNBOUNDED);
	/* Never inherited by a hook. */
	assert_true(fcntl(a, F_GETFD) & FD_CLOEXEC);
	err.msg[0] = '\0';
	assert_int_equal(slot_acquire(&f->conf, &err), -1);
	assert_non_null(strstr(err.msg, "busy"));
	slot_release(a);
	assert_true((c = slot_acquire(&f->conf, &err)) >= 0);
	assert_int_equal(slot_acquire(&f->conf, &err), -1);
	slot_release(b);
	slot_release(c);
}

/* A child takes every slot; while it lives, we get none; once it is
 * killed, they are free again without anyone cleaning up. */
static void
test_across_processes(void **state)
{
	struct fixture *f = *state;
	struct err err;
	int p[2], s, st;
	pid_t pid;
	char c;

	f->conf.max_running = 3;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int i;

		for (i = 0; i < 3; i++)
			if (slot_acquire(&f->conf, &err) < 0)
				_exit(1);
		(void)!write(p[1], "x", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(slot_acquire(&f->conf, &err), -1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true((s = slot_acquire(&f->conf, &err)) >= 0);
	slot_release(s);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Forks a child that takes a slot of ep's pool and of the global one
 * (ep NULL: the global one only), holds them for 300 ms and exits 0.
 * Returns its pid once it holds them. */
static pid_t
hold_briefly(struct fixture *f, const struct endpoint *ep)
{
	struct err err;
	int p[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec ts = { 0, 300 * 1000000L };
		struct slots held;

		if (slots_take(&f->conf, ep, 0, 0, NULL, &held, &err) != 0)
			_exit(1);
		(void)!write(p[1], "x", 1);
		nanosleep(&ts, NULL);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
test_wait(void **state)
{
	struct fixture *f = *state;
	volatile sig_atomic_t stop = 0;
	struct timespec t0;
	struct err err;
	int s, st;
	pid_t pid;

	f->conf.max_running = 1;
	pid = hold_briefly(f, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true((s = slot_wait(&f->conf, &stop, &err)) >= 0);
	assert_true(ms_since(&t0) >= 150);
	assert_true(ms_since(&t0) < 5000);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Told to stop while waiting: gives up. */
	stop = 1;
	assert_int_equal(slot_wait(&f->conf, &stop, &err), -1);
	slot_release(s);
	/* Free: no wait at all. */
	stop = 0;
	assert_true((s = slot_wait(&f->conf, &stop, &err)) >= 0);
	slot_release(s);
}

static void
test_unusable_spool(void **state)
{
	struct fixture *f = *state;
	struct err err;

	/* spool_dir is a file: an error, also answered 429. */
	free(f->conf.spool_dir);
	assert_true(asprintf(&f->conf.spool_dir, "%s/file", f->top) > 0);
	unit_write_file(f->conf.spool_dir, "", 0644);
	f->conf.max_running = 1;
	err.msg[0] = '\0';
	assert_int_equal(slot_acquire(&f->conf, &err), -1);
	assert_null(strstr(err.msg, "busy"));
	assert_true(err.msg[0] != '\0');
	assert_int_equal(slot_wait(&f->conf, NULL, &err), -1);
}

static struct endpoint
ep_of(const char *name, unsigned max_running)
{
	struct endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.name = (char *)name;
	ep.max_running = max_running;
	return ep;
}

/* An endpoint's slots are its own: busy for it, free for another
 * endpoint and for the global pool; a numeric name is no global slot. */
static void
test_endpoint_bound(void **state)
{
	struct fixture *f = *state;
	struct endpoint deploy = ep_of("deploy", 1), chat = ep_of("chat", 0),
	    zero = ep_of("0", 1);
	struct slots a, b, c;
	struct err err;

	f->conf.max_running = 0;
	assert_int_equal(slots_take(&f->conf, &deploy, 0, 0, NULL, &a, &err), 0);
	assert_true(a.ep >= 0 && a.ep != SLOT_UNBOUNDED);
	assert_int_equal(a.all, SLOT_UNBOUNDED);
	assert_true(fcntl(a.ep, F_GETFD) & FD_CLOEXEC);
	err.msg[0] = '\0';
	assert_int_equal(slots_take(&f->conf, &deploy, 0, 0, NULL, &b, &err),
	    -1);
	assert_non_null(strstr(err.msg, "busy"));
	assert_non_null(strstr(err.msg, "[deploy]"));
	assert_int_equal(b.ep, -1);
	assert_int_equal(b.all, -1);
	/* No bound of its own: only the global one, here none. */
	assert_int_equal(slots_take(&f->conf, &chat, 0, 0, NULL, &b, &err), 0);
	assert_int_equal(b.ep, SLOT_UNBOUNDED);
	slots_release(&b);
	/* Endpoint "0" next to global slot 0. */
	f->conf.max_running = 1;
	assert_int_equal(slots_take(&f->conf, &zero, 0, 0, NULL, &b, &err), 0);
	assert_true(b.ep >= 0 && b.all >= 0 && b.all != SLOT_UNBOUNDED);
	assert_int_equal(slots_take(&f->conf, NULL, 0, 0, NULL, &c, &err), -1);
	slots_release(&b);
	slots_release(&b);	/* twice is fine */
	slots_release(&a);
	assert_int_equal(slots_take(&f->conf, &deploy, 0, 0, NULL, &a, &err), 0);
	slots_release(&a);
}

/* A delivery needs both: with the global pool full, taking fails and
 * leaves the endpoint's slot it got free again. */
static void
test_endpoint_and_global(void **state)
{
	struct fixture *f = *state;
	struct endpoint deploy = ep_of("deploy", 2);
	struct slots a, b, c;
	struct err err;

	f->conf.max_running = 1;
	assert_int_equal(slots_take(&f->conf, &deploy, 0, 0, NULL, &a, &err), 0);
	err.msg[0] = '\0';
	assert_int_equal(slots_take(&f->conf, &deploy, 0, 0, NULL, &b, &err),
	    -1);
	assert_non_null(strstr(err.msg, "busy"));
	assert_null(strstr(err.msg, "[deploy]"));	/* the global pool */
	/* Without the global bound, deploy has its second slot free. */
	f->conf.max_running = 0;
	assert_int_equal(slots_take(&f->conf, &deploy, 0, 0, NULL, &b, &err), 0);
	assert_int_equal(slots_take(&f->conf, &deploy, 0, 0, NULL, &c, &err),
	    -1);
	slots_release(&a);
	slots_release(&b);
}

/* A second delivery waits for the endpoint's running one, up to its
 * wait; past it, busy. */
static void
test_endpoint_wait(void **state)
{
	struct fixture *f = *state;
	struct endpoint deploy = ep_of("deploy", 1);
	struct timespec t0;
	struct slots s, t;
	struct err err;
	int st;
	pid_t pid;

	f->conf.max_running = 4;
	pid = hold_briefly(f, &deploy);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(slots_take(&f->conf, &deploy, 30000, 0, NULL, &s,
	    &err), 0);
	assert_true(ms_since(&t0) >= 150);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Held here now: a short wait runs out. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err.msg[0] = '\0';
	assert_int_equal(slots_take(&f->conf, &deploy, 100, 0, NULL, &t,
	    &err), -1);
	/* (Whole milliseconds on both sides: 99 is as good as 100.) */
	assert_true(ms_since(&t0) >= 99);
	assert_non_null(strstr(err.msg, "busy"));
	slots_release(&s);
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_unbounded),
		T(test_bound),
		T(test_across_processes),
		T(test_wait),
		T(test_unusable_spool),
		T(test_endpoint_bound),
		T(test_endpoint_and_global),
		T(test_endpoint_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
