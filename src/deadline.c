/* deadline.c: reading a stranger's body against a clock: one deadline
 * for the whole body, not per read, and a lingering close that ends. */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include "deadline.h"

int
deadline_start(struct deadline *d, unsigned seconds)
{
	if (clock_gettime(CLOCK_MONOTONIC, &d->at) != 0)
		return -1;
	d->at.tv_sec += (time_t)seconds;
	return 0;
}

long
deadline_ms_between(const struct timespec *now, const struct timespec *at)
{
	long long ns;

	ns = (long long)(at->tv_sec - now->tv_sec) * 1000000000LL +
	    (at->tv_nsec - now->tv_nsec);
	if (ns <= 0)
		return 0;
	if (ns / 1000000 >= LONG_MAX)
		return LONG_MAX;
	return (long)((ns + 999999) / 1000000);
}

long
deadline_left_ms(const struct deadline *d)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	return deadline_ms_between(&now, &d->at);
}

/* poll(2) for readable until d; 1 readable (or hung up), 0 timed out,
 * -1 error. */
static int
wait_readable(int fd, const struct deadline *d)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	long left;
	int n;

	for (;;) {
		if ((left = deadline_left_ms(d)) == 0)
			return 0;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

ssize_t
deadline_read(int fd, void *buf, size_t len, const struct deadline *d)
{
	ssize_t n;
	int rc;

	for (;;) {
		if ((rc = wait_readable(fd, d)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (rc < 0)
			return -1;
		n = read(fd, buf, len);
		if (n >= 0 || (errno != EINTR && errno != EAGAIN))
			return n;
	}
}

static int
set_rcvtimeo(int fd, long ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int
deadline_arm(int fd, const struct deadline *d)
{
	long left = deadline_left_ms(d);

	if (left == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return set_rcvtimeo(fd, left);
}

int
deadline_disarm(int fd)
{
	return set_rcvtimeo(fd, 0);
}

void
linger_drain(int fd, long ms)
{
	struct deadline d;
	char buf[4096];
	ssize_t n;

	if (shutdown(fd, SHUT_WR) != 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &d.at) != 0)
		return;
	d.at.tv_sec += ms / 1000;
	d.at.tv_nsec += (ms % 1000) * 1000000;
	if (d.at.tv_nsec >= 1000000000) {
		d.at.tv_sec++;
		d.at.tv_nsec -= 1000000000;
	}
	do
		n = deadline_read(fd, buf, sizeof(buf), &d);
	while (n > 0);
}
