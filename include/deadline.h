/* deadline.h: reading a stranger's body against a clock: one deadline
 * for the whole body, not per read, and a lingering close that ends. */
#ifndef HOOKLINE_DEADLINE_H
#define HOOKLINE_DEADLINE_H

#include <sys/types.h>
#include <time.h>

/* A point on CLOCK_MONOTONIC. */
struct deadline {
	struct timespec	at;
};

/* The deadline is seconds from now. Returns 0, or -1 when the clock
 * cannot be read. */
int	deadline_start(struct deadline *d, unsigned seconds);

/* Milliseconds from now to at (0 when it has passed), rounded up, so
 * that a wait of that long reaches it. */
long	deadline_ms_between(const struct timespec *now,
	    const struct timespec *at);
/* Milliseconds left until d (0: passed or no clock). */
long	deadline_left_ms(const struct deadline *d);

/* read(2) from fd that waits (poll) no later than d. Returns >0 bytes,
 * 0 at end of input, or -1 with errno: ETIMEDOUT when d passed first.
 * EINTR is retried. */
ssize_t	deadline_read(int fd, void *buf, size_t len,
	    const struct deadline *d);

/* SO_RCVTIMEO on socket fd for the time left until d, so that a
 * blocking read inside a library (libfcgi) gives up with EAGAIN then.
 * Returns 0, or -1 with errno: ETIMEDOUT when d has passed already. */
int	deadline_arm(int fd, const struct deadline *d);
/* No receive timeout on fd any more. Returns 0 or -1 with errno. */
int	deadline_disarm(int fd);

/* Shuts down the sending side of socket fd and reads and drops what the
 * peer still sends, until it closes or ms milliseconds have passed in
 * all, so that closing after an early answer does not reset the
 * connection under the answer (a lingering close, bounded in total: a
 * peer that keeps trickling cannot hold us). Does not close fd. */
void	linger_drain(int fd, long ms);

#endif
