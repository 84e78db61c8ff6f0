/* slots.c: max_running across processes: N lock files spool/slots/0..N-1
 * for the global bound, and spool/slots/endpoint/NAME/0..M-1 for an
 * endpoint's own; each held with flock by whoever runs a hook, freed by
 * the kernel when its holder dies. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "slots.h"
#include "spool.h"

#define DIR_MODE	0700	/* as the spool's own folders */

/* openat a folder, made first when missing. Returns an fd or -1. */
static int
open_dir(int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1 && errno == ENOENT && (mkdirat(at, name, DIR_MODE) == 0 ||
	    errno == EEXIST))
		fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd;
}

/* The folder of a pool's lock files: spool/slots for the global one (ep
 * NULL), spool/slots/endpoint/NAME for an endpoint's. Returns an fd, or
 * -1 with err. */
static int
pool_dir(const struct conf *conf, const struct endpoint *ep, struct err *err)
{
	int dfd = -1, fd, e;

	if (conf->spool_dir == NULL) {
		err_set(err, "slots: no spool_dir");
		return -1;
	}
	if ((fd = open(conf->spool_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 && errno == ENOENT &&
	    spool_init(conf->spool_dir, err) == 0)
		fd = open(conf->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	if (fd != -1) {
		dfd = open_dir(fd, "slots");
		e = errno;
		(void)close(fd);
	}
	if (dfd != -1 && ep != NULL) {
		fd = open_dir(dfd, "endpoint");
		e = errno;
		(void)close(dfd);
		dfd = -1;
		if (fd != -1) {
			/* Section names are [A-Za-z0-9_-]: a plain name. */
			dfd = open_dir(fd, ep->name);
			e = errno;
			(void)close(fd);
		}
	}
	if (dfd == -1)
		err_set(err, "slots: %s/slots%s%s: %s", conf->spool_dir,
		    ep != NULL ? "/endpoint/" : "", ep != NULL ? ep->name : "",
		    strerror(e));
	return dfd;
}

/* One try at a slot of the pool. Returns a held fd, -1 on error, -2
 * when every slot is busy. */
static int
slot_try(const struct conf *conf, const struct endpoint *ep, struct err *err)
{
	char name[16];
	unsigned i, n = ep != NULL ? ep->max_running : conf->max_running, start;
	int dfd, fd = -1;

	if (n == 0)
		return SLOT_UNBOUNDED;
	if ((dfd = pool_dir(conf, ep, err)) == -1)
		return -1;
	/* Start at a different slot per process so that they do not all
	 * contend for slot 0. */
	start = (unsigned)getpid() % n;
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "%u", (start + i) % n);
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1) {
			err_set(err, "slots: %s: %s", name, strerror(errno));
			(void)close(dfd);
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			(void)close(dfd);
			return fd;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_set(err, "slots: flock %s: %s", name,
			    strerror(errno));
			(void)close(fd);
			(void)close(dfd);
			return -1;
		}
		(void)close(fd);
	}
	(void)close(dfd);
	if (ep != NULL)
		err_set(err, "busy: all %u slots of [%s] (its max_running) "
		    "are taken", n, ep->name);
	else
		err_set(err, "busy: all %u slots (max_running) are taken", n);
	return -2;
}

static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A slot of the pool, waiting up to wait_ms for one (< 0: until *stop
 * turns non-zero; stop may be NULL). Returns a slot, or -1 with err. */
static int
pool_wait(const struct conf *conf, const struct endpoint *ep,
    volatile sig_atomic_t *stop, long wait_ms, struct err *err)
{
	struct timespec ts;
	long long until = now_ms() + (wait_ms > 0 ? wait_ms : 0), left;
	long ms = 20;
	int fd;

	for (;;) {
		if (stop != NULL && *stop) {
			err_set(err, "stopped");
			return -1;
		}
		if ((fd = slot_try(conf, ep, err)) != -2)
			return fd;
		if (wait_ms >= 0 && (left = until - now_ms()) <= 0)
			return -1;	/* err says busy */
		if (wait_ms >= 0 && left < ms)
			ms = (long)left;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		(void)nanosleep(&ts, NULL);
		if (ms < 500)
			ms *= 2;
	}
}

int
slot_acquire(const struct conf *conf, struct err *err)
{
	return pool_wait(conf, NULL, NULL, 0, err);
}

int
slot_wait(const struct conf *conf, volatile sig_atomic_t *stop, struct err *err)
{
	return pool_wait(conf, NULL, stop, -1, err);
}

void
slot_release(int slot)
{
	if (slot >= 0 && slot != SLOT_UNBOUNDED)
		(void)close(slot);
}

int
slots_take(const struct conf *conf, const struct endpoint *ep, long ep_wait_ms,
    long all_wait_ms, volatile sig_atomic_t *stop, struct slots *s,
    struct err *err)
{
	s->ep = -1;
	s->all = -1;
	/* The endpoint's first: a delivery waiting for its endpoint holds
	 * no place in the global pool that others could use. The other
	 * order could also deadlock: holding a global place, waiting for
	 * the endpoint's, held by one waiting for a global place. */
	if (ep != NULL && (s->ep = pool_wait(conf, ep, stop, ep_wait_ms,
	    err)) < 0)
		return -1;
	if ((s->all = pool_wait(conf, NULL, stop, all_wait_ms, err)) < 0) {
		slot_release(s->ep);
		s->ep = -1;
		return -1;
	}
	return 0;
}

void
slots_release(struct slots *s)
{
	slot_release(s->all);
	slot_release(s->ep);
	s->all = -1;
	s->ep = -1;
}
