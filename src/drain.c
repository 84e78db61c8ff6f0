/* drain.c: the drainer: drain.lock, recovery of what a dead drainer
 * left, and the loop that looks at new/ and hands due deliveries to its
 * workers (drain_workers.c), each attempt run by attempt.c. The start
 * of a drainer from the request path: drain_kick.c. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_drain.h"
#include "drain.h"
#include "drain_int.h"
#include "log.h"
#include "spool.h"
#include "stats.h"

#define TMP_MAX_AGE	60	/* seconds before tmp/ litter is removed */
#define CLEANUP_EVERY	60	/* seconds between keep_done sweeps */
#define IDLE_TICK_MS	200	/* how often an idle drainer looks at new/ */
#define RESCAN_EVERY	30	/* seconds: a full look even when idle */

/* Set by SIGTERM/SIGINT in a drainer process: finish the delivery at
 * hand, then stop. The one mutable global here, as signals demand. */
static volatile sig_atomic_t drain_stop;

static void
on_stop(int sig)
{
	(void)sig;
	drain_stop = 1;
}

int
drain_lock(const char *spool_dir, bool wait, struct err *err)
{
	char *path = NULL, pid[24];
	int fd = -1, n;

	if (spool_init(spool_dir, err) == -1)
		return -1;
	if (asprintf(&path, "%s/drain.lock", spool_dir) == -1) {
		err_set(err, "out of memory");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		err_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		if (errno == EINTR && wait && !drain_stop)
			continue;
		if (errno == EWOULDBLOCK || errno == EINTR) {
			free(path);
			(void)close(fd);
			return -2;
		}
		err_set(err, "%s: flock: %s", path, strerror(errno));
		goto fail;
	}
	/* Who holds it, for people and tests; the lock is what counts. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && n > 0)
		(void)!write(fd, pid, (size_t)n);
	free(path);
	return fd;
fail:
	if (fd != -1)
		(void)close(fd);
	free(path);
	return -1;
}

int
drain_recover(const struct conf *conf, time_t now, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct err e2;
	enum spool_box to;
	size_t i;
	int n = 0, rc, lock;

	if (spool_list(conf->spool_dir, SPOOL_CUR, &names, err) == -1)
		return -1;
	for (i = 0; i < names.n; i++) {
		/* A worker of a drainer that died may still be running
		 * it: then it is not ours to touch. */
		if ((lock = spool_lock(conf->spool_dir, SPOOL_CUR, names.v[i],
		    &e2)) == -2 || lock == -3)
			continue;
		rc = spool_read(conf->spool_dir, SPOOL_CUR, names.v[i], &e,
		    &e2);
		if (lock >= 0)
			(void)close(lock);
		if (rc == 1)
			continue;
		if (rc == -1) {
			/* Kept for a person to look at, never dropped. */
			log_msg("error", "spool cur/%s: %s; moved to dead/",
			    names.v[i], e2.msg);
			if (spool_move(conf->spool_dir, names.v[i], SPOOL_CUR,
			    SPOOL_DEAD, &e2) == 0)
				n++;
			continue;
		}
		if (e.running != 0) {
			attempt_interrupted(conf, &e, now);
			if (spool_write(conf->spool_dir, SPOOL_CUR, e.name, &e,
			    &e2) == -1)
				log_msg("error", "spool cur/%s: %s", e.name,
				    e2.msg);
		}
		to = e.fate == FATE_DONE ? SPOOL_DONE :
		    e.fate == FATE_DEAD ? SPOOL_DEAD : SPOOL_NEW;
		if (spool_move(conf->spool_dir, e.name, SPOOL_CUR, to,
		    &e2) == -1)
			log_msg("error", "spool cur/%s: %s", e.name, e2.msg);
		else
			n++;
		spool_entry_free(&e);
	}
	strlist_clear(&names);
	return n;
}

int
drain_one(const struct conf *conf, const char *name, time_t now,
    volatile sig_atomic_t *stop)
{
	struct spool_entry e;
	int rc;

	if ((rc = drain_claim(conf, name, NULL)) != 1)
		return rc;
	if ((rc = drain_read_claimed(conf, name, &e)) != 0)
		return rc == 1 ? 0 : -1;
	rc = attempt_run(conf, &e, now, stop, NULL);
	spool_entry_free(&e);
	return rc;
}

int
drain_due(const struct conf *conf, time_t now, volatile sig_atomic_t *stop,
    struct drain_stats *st, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, err) == -1)
		return -1;
	for (i = 0; i < names.n; i++) {
		if (stop != NULL && *stop) {
			st->pending++;
			continue;
		}
		rc = spool_read(conf->spool_dir, SPOOL_NEW, names.v[i], &e,
		    NULL);
		if (rc == 1)
			continue;
		if (rc == 0 && e.next > now) {
			st->pending++;
			if (st->next_due == 0 || e.next < st->next_due)
				st->next_due = (time_t)e.next;
			spool_entry_free(&e);
			continue;
		}
		if (rc == 0)
			spool_entry_free(&e);
		/* Due, or unreadable: drain_one buries the unreadable. */
		rc = drain_one(conf, names.v[i], now, stop);
		if (rc == 1)
			st->ran++;
		else if (rc == -1) {
			st->failed++;
			st->pending++;
		} else if (stop != NULL && *stop)
			st->pending++;
	}
	strlist_clear(&names);
	return 0;
}

void
drain_sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

int
drain_cleanup(const struct conf *conf, time_t now, struct err *err)
{
	if (spool_sweep_tmp(conf->spool_dir, now, TMP_MAX_AGE, err) == -1)
		return -1;
	if (spool_expire(conf->spool_dir, SPOOL_DONE,
	    now - spool_keep_done(conf), NULL, err) == -1)
		return -1;
	return 0;
}

/* How new/ looks from outside, to notice arrivals without reading it. */
struct dirmark {
	struct timespec	mtim;
	nlink_t		nlink;
	ino_t		ino;
};

static void
new_mark(const struct conf *conf, struct dirmark *m)
{
	struct stat st;
	char *p;

	memset(m, 0, sizeof(*m));
	if (asprintf(&p, "%s/new", conf->spool_dir) == -1)
		return;
	if (stat(p, &st) == 0) {
		m->mtim = st.st_mtim;
		m->nlink = st.st_nlink;
		m->ino = st.st_ino;
	}
	free(p);
}

static int
mark_same(const struct dirmark *a, const struct dirmark *b)
{
	return a->mtim.tv_sec == b->mtim.tv_sec &&
	    a->mtim.tv_nsec == b->mtim.tv_nsec && a->nlink == b->nlink &&
	    a->ino == b->ino;
}

void
drain_reload(struct reloader *r, struct conf **confp)
{
	struct err err;

	switch (conf_reload(r, confp, &err)) {
	case RELOAD_FAILED:
		log_msg("error", "reload: %s; keeping the old configuration",
		    err.msg);
		break;
	case RELOAD_DONE:
		if ((*confp)->log != NULL && log_open((*confp)->log, &err) == -1)
			log_msg("error", "reload: %s", err.msg);
		log_msg("info", "drain: configuration reloaded");
		break;
	case RELOAD_NONE:
	case RELOAD_WAIT:
		break;
	}
}

/* The work of one holder of drain.lock. Returns how many attempts it
 * made, or -1. */
static int	drain_loop(struct reloader *, struct conf **, enum drain_mode,
		    const char *, int, struct err *);

static int
drain_locked(struct reloader *rl, struct conf **confp, enum drain_mode mode,
    int lock, struct err *err)
{
	char *spool;
	int ran;

	stats_start(*confp);
	stats_drain((*confp)->stats, (int64_t)time(NULL));
	if ((*confp)->database != NULL)	/* one drainer per host: db_drain.c */
		return db_drain_loop(rl, confp, mode, &drain_stop, err);

	if ((spool = strdup((*confp)->spool_dir)) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	ran = drain_loop(rl, confp, mode, spool, lock, err);
	free(spool);
	return ran;
}

static int
drain_loop(struct reloader *rl, struct conf **confp, enum drain_mode mode,
    const char *spool, int lock, struct err *err)
{
	struct workers wk = { NULL, 0, lock, &drain_stop, NULL, 0,
	    { 0, { 0, 0 } } };
	struct drain_stats st;
	struct dirmark seen, now_mark;
	time_t now = time(NULL), last_cleanup = 0, last_scan = 0;
	int ran = 0;

	if (drain_recover(*confp, now, err) == -1)
		return -1;
	for (;;) {
		(void)workers_reap(&wk, false);
		drain_reload(rl, confp);
		/* Our lock is the old spool's: let drain_run take the new
		 * one's. */
		if (strcmp(spool, (*confp)->spool_dir) != 0)
			break;
		now = time(NULL);
		if (now - last_cleanup >= CLEANUP_EVERY) {
			if (drain_cleanup(*confp, now, err) == -1)
				log_msg("error", "drain: cleanup: %s",
				    err->msg);
			last_cleanup = now;
		}
		new_mark(*confp, &seen);
		if (workers_due(*confp, &wk, now, &st, err) == -1) {
			workers_wait_all(&wk);
			return -1;
		}
		ran += (int)st.ran;
		last_scan = now;
		stats_drain_pass((*confp)->stats, (int64_t)now);
		if (drain_stop)
			break;
		if (st.ran > 0 && st.failed == 0)
			continue;	/* more may have come meanwhile */
		if (wk.n == 0 && (mode == DRAIN_DUE ||
		    (mode == DRAIN_PENDING && st.pending == 0)))
			break;
		if (st.failed > 0) {
			/* The spool failed under us (full, unwritable):
			 * not faster than once a second. */
			drain_sleep_ms(1000);
			if (mode != DRAIN_FOLLOW && st.ran == 0 && wk.n == 0)
				break;	/* cron's drain retries */
			continue;
		}
		/* Idle: wait for a worker to finish, an arrival, a due
		 * retry, or a while. */
		for (;;) {
			workers_sleep(&wk, IDLE_TICK_MS);
			if (drain_stop || workers_reap(&wk, false) > 0)
				break;
			now = time(NULL);
			new_mark(*confp, &now_mark);
			if (!mark_same(&seen, &now_mark) ||
			    (st.next_due != 0 && now >= st.next_due) ||
			    now - last_scan >= RESCAN_EVERY ||
			    now - last_cleanup >= CLEANUP_EVERY)
				break;
		}
		if (drain_stop)
			break;
	}
	/* A stopped drainer lets its workers finish their hooks; told
	 * too, they take no more of their endpoint's (lane_run). */
	if (drain_stop)
		workers_stop(&wk);
	workers_wait_all(&wk);
	return ran;
}

/* 1 when new/ holds something due now (for the look after unlocking). */
static int
anything_due(const struct conf *conf, enum drain_mode mode)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	time_t now = time(NULL);
	size_t i;
	int due = 0;

	if (conf->database != NULL)
		return db_drain_anything(conf);
	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, NULL) == -1)
		return 0;
	for (i = 0; i < names.n && !due; i++) {
		if (mode == DRAIN_PENDING) {
			due = 1;
			break;
		}
		if (spool_read(conf->spool_dir, SPOOL_NEW, names.v[i], &e,
		    NULL) != 0)
			continue;
		due = e.next <= now;
		spool_entry_free(&e);
	}
	strlist_clear(&names);
	return due;
}

int
drain_run(const char *conf_path, struct conf **confp, enum drain_mode mode,
    struct err *err)
{
	struct sigaction sa;
	struct reloader rl;
	int lock, rc, round;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		err_set(err, "sigaction: %s", strerror(errno));
		return -1;
	}
	if (reloader_init(&rl, conf_path, err) == -1)
		return -1;
	for (round = 0;; round++) {
		lock = drain_lock((*confp)->spool_dir, mode == DRAIN_FOLLOW,
		    err);
		if (lock == -2) {
			rc = 0;		/* another drainer has it */
			break;
		}
		if (lock == -1) {
			rc = drain_stop ? 0 : -1;
			break;
		}
		rc = drain_locked(&rl, confp, mode, lock, err);
		(void)close(lock);
		if (rc == -1 || drain_stop || mode == DRAIN_FOLLOW)
			break;
		/* A kick that found the lock held while we were finishing
		 * relies on this look: take the lock again if something
		 * came in after our last scan. A round that ran nothing
		 * ends it, so that a failing spool does not spin. */
		if ((round > 0 && rc == 0) || !anything_due(*confp, mode))
			break;
	}
	reloader_clear(&rl);
	return rc == -1 ? -1 : 0;
}
