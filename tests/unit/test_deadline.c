/* test_deadline.c: the body's deadline: its arithmetic, reads that give
 * up when it passes (also against a sender that trickles a byte at a
 * time), SO_RCVTIMEO for a library's blocking read, the bounded
 * lingering close. */
#include "unit.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <time.h>

#include "deadline.h"

static void
test_ms_between(void **state)
{
	static const struct {
		struct timespec now, at;
		long want;
	} cases[] = {
		{ { 10, 0 }, { 10, 0 }, 0 },
		{ { 10, 0 }, { 9, 999999999 }, 0 },		/* passed */
		{ { 10, 0 }, { 11, 0 }, 1000 },
		{ { 10, 999999999 }, { 11, 0 }, 1 },		/* 1 ns: 1 ms */
		{ { 10, 500000000 }, { 12, 250000000 }, 1750 },
		{ { 10, 0 }, { 10, 1000001 }, 2 },		/* rounded up */
		{ { 100, 0 }, { 0, 0 }, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (deadline_ms_between(&cases[i].now, &cases[i].at) !=
		    cases[i].want)
			fail_msg("case %zu: %ld, want %ld", i,
			    deadline_ms_between(&cases[i].now, &cases[i].at),
			    cases[i].want);
}

static void
test_start_left(void **state)
{
	struct deadline d;
	long left;

	(void)state;
	assert_int_equal(deadline_start(&d, 30), 0);
	left = deadline_left_ms(&d);
	assert_true(left > 29000 && left <= 30000);
	assert_int_equal(deadline_start(&d, 0), 0);
	assert_int_equal(deadline_left_ms(&d), 0);
}

/* A child that writes one byte to fd every ms milliseconds, n times;
 * its pid. */
static pid_t
trickler(int fd, int n, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	pid_t pid = fork();
	int i;

	assert_true(pid != -1);
	if (pid == 0) {
		(void)signal(SIGPIPE, SIG_IGN);
		for (i = 0; i < n; i++) {
			if (write(fd, "x", 1) != 1)
				_exit(0);
			(void)nanosleep(&ts, NULL);
		}
		_exit(0);
	}
	return pid;
}

static void
reap(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void
test_read(void **state)
{
	struct deadline d;
	char buf[16];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(deadline_start(&d, 5), 0);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	assert_int_equal(deadline_read(sv[0], buf, sizeof(buf), &d), 3);
	assert_memory_equal(buf, "abc", 3);
	/* The end of input is 0, not a timeout. */
	assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
	assert_int_equal(deadline_read(sv[0], buf, sizeof(buf), &d), 0);
	/* A deadline that has passed gives up without reading. */
	assert_int_equal(deadline_start(&d, 0), 0);
	errno = 0;
	assert_int_equal(deadline_read(sv[0], buf, sizeof(buf), &d), -1);
	assert_int_equal(errno, ETIMEDOUT);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* A byte every 200 ms keeps each read short, but the whole body has 1 s:
 * the reads give up before the trickle (50 bytes, 10 s) is over. */
static void
test_read_trickle(void **state)
{
	struct deadline d;
	char buf[16];
	ssize_t n;
	size_t got = 0;
	int sv[2];
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = trickler(sv[1], 50, 200);
	assert_int_equal(deadline_start(&d, 1), 0);
	while ((n = deadline_read(sv[0], buf, sizeof(buf), &d)) > 0)
		got += (size_t)n;
	assert_int_equal(n, -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(got >= 1 && got < 50);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);	/* still on */
	reap(pid);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* SO_RCVTIMEO for a plain blocking read (libfcgi's): it fails with
 * EAGAIN when the time left is up; data already there is read. */
static void
test_arm(void **state)
{
	struct deadline d;
	char buf[16];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(deadline_start(&d, 1), 0);
	assert_int_equal(write(sv[1], "ab", 2), 2);
	assert_int_equal(deadline_arm(sv[0], &d), 0);
	assert_int_equal(read(sv[0], buf, sizeof(buf)), 2);
	errno = 0;
	assert_int_equal(read(sv[0], buf, sizeof(buf)), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	/* Passed: arming says so. */
	errno = 0;
	assert_int_equal(deadline_arm(sv[0], &d), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* Disarmed, a read waits again (until data comes). */
	assert_int_equal(deadline_disarm(sv[0]), 0);
	assert_int_equal(write(sv[1], "c", 1), 1);
	assert_int_equal(read(sv[0], buf, sizeof(buf)), 1);
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* The lingering close ends after its time however the peer trickles;
 * it ends at once when the peer closes; and the peer sees our side
 * shut, after reading what we wrote. */
static void
test_linger(void **state)
{
	char buf[16];
	int sv[2];
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "answer", 6), 6);
	pid = trickler(sv[1], 100, 100);
	linger_drain(sv[0], 500);
	/* Over before the trickle (10 s) is. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
	reap(pid);
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 6);
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 0);	/* shut */
	(void)close(sv[0]);
	(void)close(sv[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	(void)close(sv[1]);
	linger_drain(sv[0], 10000);
	(void)close(sv[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ms_between),
		cmocka_unit_test(test_start_left),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_trickle),
		cmocka_unit_test(test_arm),
		cmocka_unit_test(test_linger),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
