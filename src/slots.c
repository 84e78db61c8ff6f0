/* slots.c: max_running across processes: N lock files spool/slots/0..N-1
 * for the global bound, and spool/slots/endpoint/NAME/0..M-1 for an
 * endpoint's own; each held with flock by whoever runs a hook, freed by
 * the kernel when its holder dies. With `database` set, slots_take takes
 * them across hosts instead (db_slots.c). */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_slots.h"
#include "slots.h"
#include "spool.h"

#define DIR_MODE	0700	/* as the spool's own folders */
/* A slot held in the database: this bit and its number (file slots are
 * fds, far below it; SLOT_UNBOUNDED is tested first). */
#define SLOT_DB		0x40000000

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

/* One try at a slot of the pool in the database. Returns SLOT_DB | the
 * slot, -2 when every slot is busy, -1 on error, or -4 when the
 * database cannot be used (unreachable, or its schema of another
 * version): then this host's lock files bound it alone, which beats
 * answering every sync delivery 429 meanwhile (the duplicate check and
 * the async accept say in the log what is wrong). */
static int
slot_try_db(const struct conf *conf, const struct endpoint *ep, unsigned n,
    struct err *err)
{
	struct db *db;
	int s = DB_DOWN;

	if ((db = db_shared(conf, NULL, err)) != NULL)
		s = db_slot_try(db, db_slot_pool(ep != NULL ? ep->name : NULL),
		    n, (unsigned)getpid(), err);
	if (s >= 0)
		return SLOT_DB | s;
	if (s == -3) {
		if (ep != NULL)
			err_set(err, "busy: all %u slots of [%s] (its "
			    "max_running) are taken on every host", n,
			    ep->name);
		else
			err_set(err, "busy: all %u slots (max_running) are "
			    "taken on every host", n);
		return -2;
	}
	return db == NULL || s == DB_DOWN ? -4 : -1;
}

/* One try at a slot of the pool. Returns a held fd, -1 on error, -2
 * when every slot is busy. */
static int
slot_try(const struct conf *conf, const struct endpoint *ep, bool shared,
    struct err *err)
{
	char name[16];
	unsigned i, n = ep != NULL ? ep->max_running : conf->max_running, start;
	int dfd, fd = -1;

	if (n == 0)
		return SLOT_UNBOUNDED;
	if (shared && conf->database != NULL &&
	    (fd = slot_try_db(conf, ep, n, err)) != -4)
		return fd;
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
pool_wait(const struct conf *conf, const struct endpoint *ep, bool shared,
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
		if ((fd = slot_try(conf, ep, shared, err)) != -2)
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
	return pool_wait(conf, NULL, false, NULL, 0, err);
}

int
slot_wait(const struct conf *conf, volatile sig_atomic_t *stop, struct err *err)
{
	return pool_wait(conf, NULL, false, stop, -1, err);
}

void
slot_release(int slot)
{
	if (slot >= 0 && slot != SLOT_UNBOUNDED && !(slot & SLOT_DB))
		(void)close(slot);
}

/* Gives back a slot of the pool (ep NULL: the global one), from the
 * database or the lock files. */
static void
slot_give(const struct conf *conf, const struct endpoint *ep, int slot)
{
	struct db *db;

	if (slot < 0 || slot == SLOT_UNBOUNDED)
		return;
	if (!(slot & SLOT_DB)) {
		(void)close(slot);
		return;
	}
	/* Not reachable (db NULL): the lock went with the session, and
	 * db_slot_release forgets it (not taken again on the next one). */
	db = conf != NULL ? db_shared(conf, NULL, NULL) : NULL;
	(void)db_slot_release(db, db_slot_pool(ep != NULL ? ep->name : NULL),
	    slot & ~SLOT_DB, NULL);
}

int
slots_take(const struct conf *conf, const struct endpoint *ep, long ep_wait_ms,
    long all_wait_ms, volatile sig_atomic_t *stop, struct slots *s,
    struct err *err)
{
	s->ep = -1;
	s->all = -1;
	s->conf = conf;
	s->endpoint = ep;
	/* The endpoint's first: a delivery waiting for its endpoint holds
	 * no place in the global pool that others could use. The other
	 * order could also deadlock: holding a global place, waiting for
	 * the endpoint's, held by one waiting for a global place. */
	if (ep != NULL && (s->ep = pool_wait(conf, ep, true, stop, ep_wait_ms,
	    err)) < 0)
		return -1;
	if ((s->all = pool_wait(conf, NULL, true, stop, all_wait_ms,
	    err)) < 0) {
		slot_give(conf, ep, s->ep);
		s->ep = -1;
		return -1;
	}
	return 0;
}

void
slots_release(struct slots *s)
{
	slot_give(s->conf, NULL, s->all);
	slot_give(s->conf, s->endpoint, s->ep);
	s->all = -1;
	s->ep = -1;
}
