/* test_pool.c: the worker pool: its size, a killed worker replaced, a
 * stop that waits for every worker, workers that end with the parent,
 * and a pause between starts while workers keep dying. */
#include "unit.h"

#include <sys/wait.h>

#include <poll.h>
#include <signal.h>
#include <time.h>

#include "log.h"
#include "pool.h"

/* A worker that writes its pid down, then waits to be stopped. */
static int
work_wait(void *arg)
{
	int fd = *(int *)arg;
	pid_t me = getpid();

	if (write(fd, &me, sizeof(me)) != (ssize_t)sizeof(me))
		return 1;
	for (;;)
		(void)pause();
}

/* A worker that writes its pid down and dies at once. */
static int
work_die(void *arg)
{
	int fd = *(int *)arg;
	pid_t me = getpid();

	return write(fd, &me, sizeof(me)) == (ssize_t)sizeof(me) ? 3 : 1;
}

/* pool_run(n, work) in a child of ours; the workers write to *rd. */
static pid_t
start_pool(unsigned n, int (*work)(void *), int *rd)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		(void)close(p[0]);
		if (log_open("/dev/null", NULL) != 0)
			_exit(9);
		_exit(pool_run(n, work, &p[1]) == 0 ? 0 : 8);
	}
	(void)close(p[1]);
	*rd = p[0];
	return pid;
}

/* The next pid a worker wrote, within 10 s; 0 if none. */
static pid_t
next_pid(int rd)
{
	struct pollfd pfd = { rd, POLLIN, 0 };
	pid_t pid;

	if (poll(&pfd, 1, 10000) != 1 ||
	    read(rd, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		return 0;
	return pid;
}

/* pid is gone (not even a zombie of ours), within 10 s. */
static int
gone(pid_t pid)
{
	struct timespec ts = { 0, 50000000 };
	int i;

	for (i = 0; i < 200; i++) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 1;
		(void)nanosleep(&ts, NULL);
	}
	return 0;
}

static void
test_default(void **state)
{
	unsigned n = pool_default_workers();

	(void)state;
	assert_true(n >= 4 && n <= 16);
	assert_true(n <= POOL_MAX_WORKERS);
}

static void
test_replace_and_stop(void **state)
{
	pid_t pool, w[4];
	int rd, status, i;

	(void)state;
	pool = start_pool(3, work_wait, &rd);
	for (i = 0; i < 3; i++)
		assert_true((w[i] = next_pid(rd)) > 0);
	assert_int_equal(kill(w[0], SIGKILL), 0);
	assert_true((w[3] = next_pid(rd)) > 0);	/* its replacement */
	assert_true(w[3] != w[0]);
	assert_int_equal(kill(pool, SIGTERM), 0);
	assert_int_equal(waitpid(pool, &status, 0), pool);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	for (i = 0; i < 4; i++)
		assert_true(gone(w[i]));
	(void)close(rd);
}

/* SIGKILL to the pool: its workers do not outlive it. */
static void
test_parent_dies(void **state)
{
	pid_t pool, w[2];
	int rd, i;

	(void)state;
	pool = start_pool(2, work_wait, &rd);
	for (i = 0; i < 2; i++)
		assert_true((w[i] = next_pid(rd)) > 0);
	assert_int_equal(kill(pool, SIGKILL), 0);
	assert_int_equal(waitpid(pool, NULL, 0), pool);
	for (i = 0; i < 2; i++)
		assert_true(gone(w[i]));
	(void)close(rd);
}

/* Workers that die at once are started again, but not in a tight loop:
 * in 2 s, with pauses of 0.1 s, 0.2 s, 0.4 s, 0.8 s, ..., a handful. */
static void
test_backoff(void **state)
{
	struct timespec ts = { 2, 0 };
	pid_t pool;
	unsigned starts = 0;
	int rd;

	(void)state;
	pool = start_pool(1, work_die, &rd);
	(void)nanosleep(&ts, NULL);
	assert_int_equal(kill(pool, SIGTERM), 0);
	assert_int_equal(waitpid(pool, NULL, 0), pool);
	while (next_pid(rd) > 0)
		starts++;
	assert_true(starts >= 2);	/* replaced */
	assert_true(starts < 20);	/* not in a tight loop */
	(void)close(rd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_replace_and_stop),
		cmocka_unit_test(test_parent_dies),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
