/* slots.c: max_running across processes: N lock files spool/slots/0..N-1,
 * each held with flock by whoever runs a hook, freed by the kernel when
 * its holder dies. */
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

/* Returns a held fd, -1 on error, -2 when every slot is busy. */
static int
slot_try(const struct conf *conf, struct err *err)
{
	char name[16];
	unsigned i, n = conf->max_running, start;
	int dfd, fd = -1;

	if (n == 0)
		return SLOT_UNBOUNDED;
	if (conf->spool_dir == NULL) {
		err_set(err, "slots: no spool_dir");
		return -1;
	}
	dfd = open(conf->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		fd = openat(dfd, "slots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		(void)close(dfd);
		dfd = fd;
	}
	if (dfd == -1 && errno == ENOENT && spool_init(conf->spool_dir,
	    err) == 0 && (fd = open(conf->spool_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		dfd = openat(fd, "slots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		(void)close(fd);
	}
	if (dfd == -1) {
		err_set(err, "slots: %s/slots: %s", conf->spool_dir,
		    strerror(errno));
		return -1;
	}
	/* Start at a different slot per process so that they do not all
	 * contend for slot 0. */
	start = (unsigned)getpid() % n;
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "%u", (start + i) % n);
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1) {
			err_set(err, "slots: %s/slots/%s: %s",
			    conf->spool_dir, name, strerror(errno));
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
	err_set(err, "busy: all %u slots (max_running) are taken", n);
	return -2;
}

int
slot_acquire(const struct conf *conf, struct err *err)
{
	int fd = slot_try(conf, err);

	return fd < 0 ? -1 : fd;
}

int
slot_wait(const struct conf *conf, volatile sig_atomic_t *stop, struct err *err)
{
	struct timespec ts;
	long ms = 20;
	int fd;

	for (;;) {
		if (stop != NULL && *stop) {
			err_set(err, "stopped");
			return -1;
		}
		if ((fd = slot_try(conf, err)) != -2)
			return fd;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		(void)nanosleep(&ts, NULL);
		if (ms < 500)
			ms *= 2;
	}
}

void
slot_release(int slot)
{
	if (slot >= 0 && slot != SLOT_UNBOUNDED)
		(void)close(slot);
}
