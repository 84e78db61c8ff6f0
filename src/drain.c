/* drain.c: the spool's worker: lock, recover, claim and schedule
 * deliveries (attempt.c runs each one); and the detached start of a
 * drainer from the request path. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "platform.h"
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

/*
 * The platform: the path that names our own executable, so that the
 * drainer is a fresh exec of the same binary and inherits nothing of
 * the FastCGI process. Linux and most others with procfs.
 */
static const char *
plat_self_exe(void)
{
	return "/proc/self/exe";
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

/*
 * The drainer's environment: ours without GATEWAY_INTERFACE. The drainer
 * is no CGI program, and with that variable hookline ignores its
 * arguments (args.c), so "drain -c FILE" would be read as a request.
 * The array is allocated (free it); the strings are environ's.
 */
static char **
drainer_env(void)
{
	static const char gw[] = "GATEWAY_INTERFACE=";
	char **env;
	size_t i, n;

	for (n = 0; environ[n] != NULL; n++)
		;
	if ((env = calloc(n + 1, sizeof(*env))) == NULL)
		return NULL;
	for (i = n = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], gw, sizeof(gw) - 1) != 0)
			env[n++] = environ[i];
	return env;
}

int
drain_kick(const struct conf *conf)
{
	const char *argv[6];
	char **env;
	char self[4096];
	struct stat st;
	ssize_t n;
	pid_t pid, pid2;
	int fd, status, keep_stderr;

	/* A live drainer will find the new delivery: it looks at new/
	 * once more after letting go of the lock. */
	if ((fd = drain_lock(conf->spool_dir, false, NULL)) == -2)
		return 0;
	if (fd == -1)
		return -1;
	(void)close(fd);
	/* Named by its real path, as the web server started us: ps and
	 * pgrep show which binary it is. */
	n = readlink(plat_self_exe(), self, sizeof(self) - 1);
	if (n > 0 && (size_t)n < sizeof(self) - 1) {
		self[n] = '\0';
		argv[0] = self;
	} else
		argv[0] = "hookline";
	argv[1] = "drain";
	argv[2] = "--kicked";
	argv[3] = conf->path != NULL ? "-c" : NULL;
	argv[4] = conf->path;
	argv[5] = NULL;
	/* Keep stderr only when it is a file (a web server's error log):
	 * a pipe would hold the web server until the drainer exits. */
	keep_stderr = fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	if ((env = drainer_env()) == NULL)
		return -1;
	if ((pid = fork()) == -1) {
		free(env);
		return -1;
	}
	if (pid == 0) {
		/* Between fork and exec: async-signal-safe calls only. */
		if (setsid() == -1)
			_exit(1);
		if ((pid2 = fork()) == -1)
			_exit(1);
		if (pid2 != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(fd, STDIN_FILENO) == -1 ||
		    dup2(fd, STDOUT_FILENO) == -1 ||
		    (!keep_stderr && dup2(fd, STDERR_FILENO) == -1))
			_exit(1);
		if (close_fds_from(3) == -1)
			_exit(1);
		(void)signal(SIGPIPE, SIG_DFL);
		execve(plat_self_exe(), (char *const *)argv, env);
		_exit(127);
	}
	free(env);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			break;		/* reaped by someone else: fine */
	return 0;
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

/* Claims new/NAME and runs it. Returns as attempt_run, 0 when gone. */
static int
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

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/*
 * The workers of drain_run: one process per delivery being run, at most
 * max_running (else WORKERS_DEFAULT) of them, and never two for one
 * endpoint, so that one endpoint's deliveries run one after the other,
 * in order, while a slow deploy does not hold up other endpoints.
 */
#define WORKERS_DEFAULT	4

struct worker {
	pid_t	 pid;
	int	 exitfd;	/* readable once it exits; -1: none */
	char	*endpoint;
};

/* What a pending entry's state said, so that each look at new/ reads
 * only the states of entries it has not seen yet. An entry leaves the
 * cache when a worker takes it: when it comes back, it is read again. */
struct seen {
	char	*name;
	char	*endpoint;
	int64_t	 next;
	bool	 moved;	/* into the next cache, which owns the strings now */
};

struct pool {
	struct worker	*v;
	size_t		 n;
	int		 lock;		/* drain.lock: not for the workers */
	struct seen	*cache;		/* sorted by name */
	size_t		 ncache;
	struct spool_mark wake;		/* spool_poke: forget the cache */
};

static void
cache_free(struct seen *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].moved)
			continue;
		free(v[i].name);
		free(v[i].endpoint);
	}
	free(v);
}

static int
pool_busy(const struct pool *p, const char *endpoint)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].endpoint, endpoint) == 0)
			return 1;
	return 0;
}

/* Reaps finished workers; with block, waits for one first. Returns how
 * many it reaped. */
static int
pool_reap(struct pool *p, bool block)
{
	size_t i;
	pid_t pid;
	int n = 0, status;

	while (p->n > 0) {
		pid = waitpid(-1, &status, block && n == 0 ? 0 : WNOHANG);
		if (pid == 0)
			break;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			/* ECHILD: none left that we know of. */
			for (i = 0; i < p->n; i++) {
				free(p->v[i].endpoint);
				if (p->v[i].exitfd != -1)
					(void)close(p->v[i].exitfd);
			}
			p->n = 0;
			break;
		}
		for (i = 0; i < p->n; i++)
			if (p->v[i].pid == pid) {
				free(p->v[i].endpoint);
				if (p->v[i].exitfd != -1)
					(void)close(p->v[i].exitfd);
				p->v[i] = p->v[--p->n];
				n++;
				break;
			}
	}
	return n;
}

static void
pool_wait_all(struct pool *p)
{
	while (p->n > 0)
		(void)pool_reap(p, true);
	free(p->v);
	p->v = NULL;
	cache_free(p->cache, p->ncache);
	p->cache = NULL;
	p->ncache = 0;
}

/* Sleeps up to ms, less when a worker exits meanwhile. */
static void
pool_sleep(const struct pool *p, long ms)
{
	struct pollfd pfd[64];
	nfds_t n = 0;
	size_t i;

	for (i = 0; i < p->n && n < sizeof(pfd) / sizeof(pfd[0]); i++)
		if (p->v[i].exitfd != -1) {
			pfd[n].fd = p->v[i].exitfd;
			pfd[n].events = POLLIN;
			n++;
		}
	if (n == 0)
		sleep_ms(ms);
	else
		(void)poll(pfd, n, (int)ms);
}

/* Claims new/NAME and runs it in a worker. Returns 1 started, 0 gone,
 * -1 on error. */
static int
pool_start(const struct conf *conf, struct pool *p, const char *name,
    const char *endpoint, time_t now)
{
	struct worker *v;
	struct spool_entry e;
	struct resident *rs;
	pid_t pid, drainer = getpid();
	int rc, lock;

	if ((v = reallocarray(p->v, p->n + 1, sizeof(*v))) == NULL)
		return -1;
	p->v = v;
	/* Locked before the fork, so that there is no moment when a
	 * recovering drainer could take it from the worker. */
	if ((rc = drain_claim(conf, name, &lock)) != 1)
		return rc;
	if ((p->v[p->n].endpoint = strdup(endpoint)) == NULL ||
	    (pid = fork()) == -1) {
		free(p->v[p->n].endpoint);
		(void)close(lock);
		drain_unclaim(conf, name);
		return -1;
	}
	if (pid == 0) {
		/* A drainer killed with its workers running frees
		 * drain.lock at once; the workers keep their entries. */
		(void)close(p->lock);
		if (drain_read_claimed(conf, name, &e) != 0)
			_exit(1);
		/* Resident hooks stay up while the endpoint has more due
		 * (lane_run); without memory for them, they run one-shot. */
		rs = resident_new();
		rc = attempt_run(conf, &e, now, &drain_stop, rs);
		spool_entry_free(&e);
		(void)close(lock);
		if (rc != -1 && lane_run(conf, endpoint, drainer, &drain_stop,
		    rs) == -1)
			rc = -1;
		resident_free(rs);
		_exit(rc == -1 ? 1 : 0);
	}
	(void)close(lock);
	p->v[p->n].pid = pid;
	p->v[p->n].exitfd = proc_exit_fd(pid);
	p->n++;
	return 1;
}

static int
cmp_seen(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->name,
	    ((const struct seen *)b)->name);
}

/* drain_due with workers: starts what is due and may start now. */
static int
pool_due(const struct conf *conf, struct pool *p, time_t now,
    struct drain_stats *st, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct seen *cache = NULL, *c, key;
	unsigned max = conf->max_running ? conf->max_running : WORKERS_DEFAULT;
	size_t i, n = 0, nkeep;
	int rc;

	memset(st, 0, sizeof(*st));
	/* States changed under the cache (retry, drain --now): read all. */
	if (spool_poked(conf->spool_dir, &p->wake)) {
		cache_free(p->cache, p->ncache);
		p->cache = NULL;
		p->ncache = 0;
	}
	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, err) == -1)
		return -1;
	if (names.n > 0 && (cache = calloc(names.n, sizeof(*cache))) == NULL) {
		strlist_clear(&names);
		err_set(err, "out of memory");
		return -1;
	}
	for (i = 0; i < names.n; i++) {
		if (drain_stop) {
			st->pending++;
			continue;
		}
		key.name = names.v[i];
		c = p->ncache == 0 ? NULL : bsearch(&key, p->cache, p->ncache,
		    sizeof(*p->cache), cmp_seen);
		if (c != NULL) {
			/* Moved over: names come sorted, so is the cache. */
			cache[n] = *c;
			cache[n].moved = false;
			c->moved = true;
		} else {
			rc = spool_read(conf->spool_dir, SPOOL_NEW, names.v[i],
			    &e, NULL);
			if (rc == 1)
				continue;
			if (rc == -1) {
				/* Unreadable: buried here, nothing runs. */
				if (drain_one(conf, names.v[i], now,
				    &drain_stop) == -1)
					st->failed++;
				continue;
			}
			cache[n].name = strdup(names.v[i]);
			cache[n].endpoint = e.endpoint;
			cache[n].next = e.next;
			cache[n].moved = false;
			e.endpoint = NULL;
			spool_entry_free(&e);
			if (cache[n].name == NULL) {
				free(cache[n].endpoint);
				st->failed++;
				continue;
			}
		}
		c = &cache[n++];
		if (c->next > now) {
			st->pending++;
			if (st->next_due == 0 || c->next < st->next_due)
				st->next_due = (time_t)c->next;
			continue;
		}
		if (p->n >= max || pool_busy(p, c->endpoint)) {
			st->pending++;
			st->blocked++;
			continue;
		}
		rc = pool_start(conf, p, c->name, c->endpoint, now);
		if (rc == 1)
			st->ran++;
		else if (rc == -1) {
			st->failed++;
			st->pending++;
			continue;	/* still in new/ */
		}
		/* Taken (or gone): out of the cache, once the old one is
		 * no longer searched (it may share these strings). */
		c->moved = true;
	}
	strlist_clear(&names);
	cache_free(p->cache, p->ncache);
	for (i = 0, nkeep = 0; i < n; i++) {
		if (cache[i].moved) {
			free(cache[i].name);
			free(cache[i].endpoint);
		} else
			cache[nkeep++] = cache[i];
	}
	p->cache = cache;
	p->ncache = nkeep;
	return 0;
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
	struct pool pool = { NULL, 0, lock, NULL, 0, { 0, { 0, 0 } } };
	struct drain_stats st;
	struct dirmark seen, now_mark;
	time_t now = time(NULL), last_cleanup = 0, last_scan = 0;
	int ran = 0;

	if (drain_recover(*confp, now, err) == -1)
		return -1;
	for (;;) {
		(void)pool_reap(&pool, false);
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
		if (pool_due(*confp, &pool, now, &st, err) == -1) {
			pool_wait_all(&pool);
			return -1;
		}
		ran += (int)st.ran;
		last_scan = now;
		stats_drain_pass((*confp)->stats, (int64_t)now);
		if (drain_stop)
			break;
		if (st.ran > 0 && st.failed == 0)
			continue;	/* more may have come meanwhile */
		if (pool.n == 0 && (mode == DRAIN_DUE ||
		    (mode == DRAIN_PENDING && st.pending == 0)))
			break;
		if (st.failed > 0) {
			/* The spool failed under us (full, unwritable):
			 * not faster than once a second. */
			sleep_ms(1000);
			if (mode != DRAIN_FOLLOW && st.ran == 0 && pool.n == 0)
				break;	/* cron's drain retries */
			continue;
		}
		/* Idle: wait for a worker to finish, an arrival, a due
		 * retry, or a while. */
		for (;;) {
			pool_sleep(&pool, IDLE_TICK_MS);
			if (drain_stop || pool_reap(&pool, false) > 0)
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
		for (size_t i = 0; i < pool.n; i++)
			(void)kill(pool.v[i].pid, SIGTERM);
	pool_wait_all(&pool);
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
