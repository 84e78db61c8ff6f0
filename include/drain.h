/* drain.h: the spool's worker: one drainer per spool (drain.lock) claims
 * due deliveries, runs their hooks, records what they did, and moves
 * them to done/, back to new/ for a retry, or to dead/. */
#ifndef HOOKLINE_DRAIN_H
#define HOOKLINE_DRAIN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "err.h"

enum drain_mode {
	DRAIN_DUE,	/* run what is due now, then exit (cron, timers) */
	DRAIN_PENDING,	/* also wait for retries; exit when nothing is
			 * pending (the drainer drain_kick starts) */
	DRAIN_FOLLOW	/* never exit (a service) */
};

/* Makes sure a drainer is running for conf's spool: when drain.lock is
 * free, starts `hookline drain --kicked -c CONF` fully detached (double
 * fork, setsid, stdio on /dev/null, no inherited fds), so the request is
 * not held open. The binary is /proc/self/exe, else the path it was
 * started by; without /dev/null, stdio are pipes (drain_kick.c). Never
 * waits for the drainer. Returns 0, or -1 when it could not start one
 * (cron's drain will). */
int	drain_kick(const struct conf *conf);

/* What a long-running process (a FastCGI worker) keeps between kicks:
 * the spool's folders made and drain.lock open (O_CLOEXEC) for one
 * spool_dir, so that a kick is an lstat and a flock try. Owned by the
 * request loop; kicker_clear on a reload and at the end. */
struct kicker {
	char	*spool_dir;	/* what fd is for; NULL: nothing kept */
	char	*lock_path;	/* spool_dir/drain.lock */
	int	 fd;		/* drain.lock, or -1 */
	dev_t	 dev;		/* fd's file: a replaced one is seen */
	ino_t	 ino;
};

void	kicker_init(struct kicker *k);
void	kicker_clear(struct kicker *k);

/* drain_kick, with what k kept (k NULL: nothing kept, as drain_kick).
 * A spool_dir other than k's, or a drain.lock that is no longer the
 * file k holds, is set up anew. */
int	drain_kick_with(struct kicker *k, const struct conf *conf);

/* drain_kick_with's look: 1 when drain.lock is free (let go again, for
 * the drainer to take), 0 when a drainer holds it, -1 on error. */
int	drain_lock_free(struct kicker *k, const char *spool_dir);

/* The drainer. Takes drain.lock (DRAIN_FOLLOW waits for it, the others
 * return 0 at once when another drainer holds it), recovers what a
 * crashed drainer left, and drains in the given mode until done or
 * SIGTERM/SIGINT. Reloads *confp from conf_path when the file changes.
 * Logs one line per attempt. Returns 0, or -1 with err. */
int	drain_run(const char *conf_path, struct conf **confp,
	    enum drain_mode mode, struct err *err);

/* The pieces drain_run is made of, for tests and the commands. */

/* drain.lock: a held fd, -2 when another process holds it, -1 error. */
int	drain_lock(const char *spool_dir, bool wait, struct err *err);

/* Puts back what a dead drainer left in cur/: interrupted attempts go
 * back to new/ to run again at once (logged as interrupted), finished
 * ones to where their state says. Entries a live worker holds (its
 * spool_lock) are left alone. Caller holds drain.lock. Returns how many
 * it moved, or -1. */
int	drain_recover(const struct conf *conf, time_t now, struct err *err);

struct drain_stats {
	unsigned	ran;		/* attempts made */
	unsigned	failed;		/* deliveries the spool failed on */
	unsigned	pending;	/* left in new/ */
	unsigned	blocked;	/* due, waiting for a worker (drain_run) */
	time_t		next_due;	/* earliest next try of those; 0: none */
};

/* Runs every delivery in new/ that is due at now, oldest first, one
 * after the other in this process, until *stop turns non-zero (stop may
 * be NULL). Caller holds drain.lock. Returns 0 with st filled, or -1
 * when new/ cannot be read. (drain_run runs deliveries of different
 * endpoints at once, in worker processes; those of one endpoint always
 * one after the other, in order.) */
int	drain_due(const struct conf *conf, time_t now,
	    volatile sig_atomic_t *stop, struct drain_stats *st,
	    struct err *err);

/* Removes done/ entries older than keep_done and tmp/ leftovers older
 * than a minute. Returns 0 or -1. */
int	drain_cleanup(const struct conf *conf, time_t now, struct err *err);

#endif
