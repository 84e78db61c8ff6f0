/* drain_workers.c: the drainer's worker processes: one per delivery
 * being run, at most max_running at once and never two for one
 * endpoint; which due deliveries may start now, with a cache of the
 * states already read. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drain.h"
#include "drain_int.h"
#include "platform.h"
#include "resident.h"
#include "spool.h"

/* Without max_running: how many workers at most. */
#define WORKERS_DEFAULT	4

/* What a pending entry's state said, so that each look at new/ reads
 * only the states of entries it has not seen yet. An entry leaves the
 * cache when a worker takes it: when it comes back, it is read again. */
struct seen {
	char	*name;
	char	*endpoint;
	int64_t	 next;
	bool	 moved;	/* into the next cache, which owns the strings now */
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
workers_busy(const struct workers *w, const char *endpoint)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->v[i].endpoint, endpoint) == 0)
			return 1;
	return 0;
}

int
workers_reap(struct workers *w, bool block)
{
	size_t i;
	pid_t pid;
	int n = 0, status;

	while (w->n > 0) {
		pid = waitpid(-1, &status, block && n == 0 ? 0 : WNOHANG);
		if (pid == 0)
			break;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			/* ECHILD: none left that we know of. */
			for (i = 0; i < w->n; i++) {
				free(w->v[i].endpoint);
				if (w->v[i].exitfd != -1)
					(void)close(w->v[i].exitfd);
			}
			w->n = 0;
			break;
		}
		for (i = 0; i < w->n; i++)
			if (w->v[i].pid == pid) {
				free(w->v[i].endpoint);
				if (w->v[i].exitfd != -1)
					(void)close(w->v[i].exitfd);
				w->v[i] = w->v[--w->n];
				n++;
				break;
			}
	}
	return n;
}

void
workers_wait_all(struct workers *w)
{
	while (w->n > 0)
		(void)workers_reap(w, true);
	free(w->v);
	w->v = NULL;
	cache_free(w->cache, w->ncache);
	w->cache = NULL;
	w->ncache = 0;
}

void
workers_sleep(const struct workers *w, long ms)
{
	struct pollfd pfd[64];
	nfds_t n = 0;
	size_t i;

	for (i = 0; i < w->n && n < sizeof(pfd) / sizeof(pfd[0]); i++)
		if (w->v[i].exitfd != -1) {
			pfd[n].fd = w->v[i].exitfd;
			pfd[n].events = POLLIN;
			n++;
		}
	if (n == 0)
		drain_sleep_ms(ms);
	else
		(void)poll(pfd, n, (int)ms);
}

/* Claims new/NAME and runs it in a worker. Returns 1 started, 0 gone,
 * -1 on error. */
static int
worker_start(const struct conf *conf, struct workers *w, const char *name,
    const char *endpoint, time_t now)
{
	struct worker *v;
	struct spool_entry e;
	struct resident *rs;
	pid_t pid, drainer = getpid();
	int rc, lock;

	if ((v = reallocarray(w->v, w->n + 1, sizeof(*v))) == NULL)
		return -1;
	w->v = v;
	/* Locked before the fork, so that there is no moment when a
	 * recovering drainer could take it from the worker. */
	if ((rc = drain_claim(conf, name, &lock)) != 1)
		return rc;
	if ((w->v[w->n].endpoint = strdup(endpoint)) == NULL ||
	    (pid = fork()) == -1) {
		free(w->v[w->n].endpoint);
		(void)close(lock);
		drain_unclaim(conf, name);
		return -1;
	}
	if (pid == 0) {
		/* A drainer killed with its workers running frees
		 * drain.lock at once; the workers keep their entries. */
		(void)close(w->lock);
		if (drain_read_claimed(conf, name, &e) != 0)
			_exit(1);
		/* Resident hooks stay up while the endpoint has more due
		 * (lane_run); without memory for them, they run one-shot. */
		rs = resident_new();
		rc = attempt_run(conf, &e, now, w->stop, rs);
		spool_entry_free(&e);
		(void)close(lock);
		if (rc != -1 && lane_run(conf, endpoint, drainer, w->stop,
		    rs) == -1)
			rc = -1;
		resident_free(rs);
		_exit(rc == -1 ? 1 : 0);
	}
	(void)close(lock);
	w->v[w->n].pid = pid;
	w->v[w->n].exitfd = proc_exit_fd(pid);
	w->n++;
	return 1;
}

static int
cmp_seen(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->name,
	    ((const struct seen *)b)->name);
}

/* What new/NAME's state says, into *slot: moved over from the last
 * look's cache, else read. Returns 1 when *slot is filled; 0 when the
 * entry is gone, or could not be read (buried then: nothing runs) or
 * cached (counted in st->failed). */
static int
seen_get(const struct conf *conf, struct workers *w, char *name, time_t now,
    struct seen *slot, struct drain_stats *st)
{
	struct spool_entry e;
	struct seen key, *c;
	int rc;

	key.name = name;
	c = w->ncache == 0 ? NULL : bsearch(&key, w->cache, w->ncache,
	    sizeof(*w->cache), cmp_seen);
	if (c != NULL) {
		/* Moved over: names come sorted, so is the cache. */
		*slot = *c;
		slot->moved = false;
		c->moved = true;
		return 1;
	}
	rc = spool_read(conf->spool_dir, SPOOL_NEW, name, &e, NULL);
	if (rc == 1)
		return 0;
	if (rc == -1) {
		/* Unreadable: buried here, nothing runs. */
		if (drain_one(conf, name, now, w->stop) == -1)
			st->failed++;
		return 0;
	}
	slot->name = strdup(name);
	slot->endpoint = e.endpoint;
	slot->next = e.next;
	slot->moved = false;
	e.endpoint = NULL;
	spool_entry_free(&e);
	if (slot->name == NULL) {
		free(slot->endpoint);
		st->failed++;
		return 0;
	}
	return 1;
}

/* The new look's cache replaces the old one: what was taken (or gone)
 * leaves it, once the old one is no longer searched (they may share
 * strings). */
static void
cache_keep(struct workers *w, struct seen *cache, size_t n)
{
	size_t i, nkeep;

	cache_free(w->cache, w->ncache);
	for (i = 0, nkeep = 0; i < n; i++) {
		if (cache[i].moved) {
			free(cache[i].name);
			free(cache[i].endpoint);
		} else
			cache[nkeep++] = cache[i];
	}
	w->cache = cache;
	w->ncache = nkeep;
}

int
workers_due(const struct conf *conf, struct workers *w, time_t now,
    struct drain_stats *st, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct seen *cache = NULL, *c;
	unsigned max = conf->max_running ? conf->max_running : WORKERS_DEFAULT;
	size_t i, n = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	/* States changed under the cache (retry, drain --now): read all. */
	if (spool_poked(conf->spool_dir, &w->wake)) {
		cache_free(w->cache, w->ncache);
		w->cache = NULL;
		w->ncache = 0;
	}
	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, err) == -1)
		return -1;
	if (names.n > 0 && (cache = calloc(names.n, sizeof(*cache))) == NULL) {
		strlist_clear(&names);
		err_set(err, "out of memory");
		return -1;
	}
	for (i = 0; i < names.n; i++) {
		if (*w->stop) {
			st->pending++;
			continue;
		}
		if (seen_get(conf, w, names.v[i], now, &cache[n], st) == 0)
			continue;
		c = &cache[n++];
		if (c->next > now) {
			st->pending++;
			if (st->next_due == 0 || c->next < st->next_due)
				st->next_due = (time_t)c->next;
			continue;
		}
		if (w->n >= max || workers_busy(w, c->endpoint)) {
			st->pending++;
			st->blocked++;
			continue;
		}
		rc = worker_start(conf, w, c->name, c->endpoint, now);
		if (rc == 1)
			st->ran++;
		else if (rc == -1) {
			st->failed++;
			st->pending++;
			continue;	/* still in new/ */
		}
		/* Taken (or gone): out of the cache. */
		c->moved = true;
	}
	strlist_clear(&names);
	cache_keep(w, cache, n);
	return 0;
}

void
workers_stop(const struct workers *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		(void)kill(w->v[i].pid, SIGTERM);
}
