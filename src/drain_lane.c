/* drain_lane.c: a drainer's worker that stays with its endpoint: after
 * the delivery it was started for, it runs that endpoint's next due
 * ones, one after the other and in order, so that the endpoint's
 * resident hooks stay up between them. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drain_int.h"
#include "log.h"
#include "spool.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
known(const struct strlist *sorted, const char *name)
{
	return sorted->n > 0 && bsearch(&name, sorted->v, sorted->n,
	    sizeof(*sorted->v), cmp_str) != NULL;
}

/* The oldest entry of new/ that is due at now and is endpoint's, in
 * *name (malloc'd); others collects (sorted) the names that are another
 * endpoint's, which never become ours. 1 found, 0 none, -1 error. */
static int
lane_next(const struct conf *conf, const char *endpoint, time_t now,
    struct strlist *others, char **name)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	size_t i, n0 = others->n;
	int rc = 0, r;

	*name = NULL;
	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, NULL) == -1)
		return -1;
	for (i = 0; i < names.n && rc == 0; i++) {
		if (known(others, names.v[i]))
			continue;
		if ((r = spool_read(conf->spool_dir, SPOOL_NEW, names.v[i], &e,
		    NULL)) != 0)
			continue;	/* gone, or for the drainer to bury */
		if (strcmp(e.endpoint, endpoint) != 0) {
			if (strlist_add(others, names.v[i]) == -1)
				rc = -1;
		} else if (e.next <= now) {
			if ((*name = strdup(names.v[i])) == NULL)
				rc = -1;
			else
				rc = 1;
		}
		spool_entry_free(&e);
	}
	if (others->n > n0)
		qsort(others->v, others->n, sizeof(*others->v), cmp_str);
	strlist_clear(&names);
	return rc;
}

int
drain_claim(const struct conf *conf, const char *name, int *lock)
{
	struct err err;
	int rc;

	if ((rc = spool_move(conf->spool_dir, name, SPOOL_NEW, SPOOL_CUR,
	    &err)) == 1)
		return 0;
	if (rc == -1) {
		log_msg("error", "spool new/%s: %s", name, err.msg);
		return -1;
	}
	if (lock != NULL && (*lock = spool_lock(conf->spool_dir, SPOOL_CUR,
	    name, &err)) < 0) {
		log_msg("error", "spool cur/%s: %s", name, err.msg);
		drain_unclaim(conf, name);
		return -1;
	}
	return 1;
}

int
drain_read_claimed(const struct conf *conf, const char *name,
    struct spool_entry *e)
{
	struct err err;
	int rc;

	if ((rc = spool_read(conf->spool_dir, SPOOL_CUR, name, e, &err)) != -1)
		return rc;
	/* Kept for a person to look at, never dropped. */
	log_msg("error", "spool cur/%s: %s; moved to dead/", name, err.msg);
	(void)spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_DEAD, &err);
	return -1;
}

/* Claims new/name and runs it once. 1 ran, 0 gone, -1 spool error. */
static int
lane_one(const struct conf *conf, const char *name, time_t now,
    volatile sig_atomic_t *stop, struct resident *rs)
{
	struct spool_entry e;
	int rc, lock;

	if ((rc = drain_claim(conf, name, &lock)) != 1)
		return rc;
	if ((rc = drain_read_claimed(conf, name, &e)) != 0) {
		(void)close(lock);
		return rc == 1 ? 0 : -1;
	}
	rc = attempt_run(conf, &e, now, stop, rs);
	spool_entry_free(&e);
	(void)close(lock);
	return rc;
}

int
lane_run(const struct conf *conf, const char *endpoint, pid_t drainer,
    volatile sig_atomic_t *stop, struct resident *rs)
{
	struct strlist others = { NULL, 0 };
	struct err err;
	char *name;
	int rc = 0, r, ran = 0;

	/* A drainer that died has a successor, which must find this
	 * endpoint's entries untaken: the lane ends with it. */
	while (!*stop && getppid() == drainer) {
		if ((r = lane_next(conf, endpoint, time(NULL), &others,
		    &name)) <= 0) {
			rc = r;
			break;
		}
		r = lane_one(conf, name, time(NULL), stop, rs);
		free(name);
		if (r == -1) {
			rc = -1;
			break;
		}
		ran += r;
	}
	strlist_clear(&others);
	/* States the drainer holds in its cache changed under it: entries
	 * of ours it saw due may be waiting for a retry now. */
	if (ran > 0 && spool_poke(conf->spool_dir, &err) == -1)
		log_msg("error", "spool: %s", err.msg);
	return rc;
}
