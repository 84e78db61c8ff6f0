/* drain_int.h: between the drainer's loop (drain.c), its worker
 * processes (drain_workers.c) and the running of one claimed delivery
 * (attempt.c, drain_lane.c); not for other modules. */
#ifndef HOOKLINE_DRAIN_INT_H
#define HOOKLINE_DRAIN_INT_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "resident.h"
#include "deliver.h"
#include "deliver_forward.h"
#include "drain.h"
#include "err.h"
#include "spool.h"

/*
 * Runs one claimed delivery (in cur/) once: marks the attempt as running
 * in its state (so a crash is noticed), runs the consumers that are due
 * at now (the drainer's clock) and have not finished, records the run,
 * settles each consumer and moves the entry on (done/, new/ for a retry,
 * dead/). Returns 1 when it
 * ran, 0 when it was put back untouched (stop), -1 on a spool error.
 */
int	attempt_run(const struct conf *conf, struct spool_entry *e,
	    time_t now, volatile sig_atomic_t *stop, struct resident *rs);

/*
 * After the delivery a drainer's worker process was started for: runs
 * endpoint's next due deliveries in new/, oldest first, one after the
 * other, as attempt_run does, while *stop is 0 and drainer (the
 * drainer's pid) is still its parent; rs keeps the endpoint's resident
 * hooks up between them (NULL: one-shot). Pokes the spool (spool_poke)
 * when it ran any, so that the drainer reads their states again.
 * Returns 0, or -1 on a spool error. (drain_lane.c)
 */
int	lane_run(const struct conf *conf, const char *endpoint, pid_t drainer,
	    volatile sig_atomic_t *stop, struct resident *rs);

/* e's attempt e->running began and never finished (the drainer or the
 * host died): keeps what its run record says succeeded, records and
 * logs the interruption; the entry is due again at now. */
void	attempt_interrupted(const struct conf *conf, struct spool_entry *e,
	    time_t now);

/* Moves new/name into cur/ (claims it) and, lock not NULL, locks it
 * for whoever runs it (spool_lock: *lock, to close when done). 1 done,
 * 0 when it is gone, -1 on a spool error (logged; put back in new/ when
 * the lock failed). (drain_lane.c) */
int	drain_claim(const struct conf *conf, const char *name, int *lock);

/* Reads claimed cur/name into e: 0, 1 when it is gone, -1 when it
 * cannot be read (logged, and moved to dead/ for a person to look at).
 * (drain_lane.c) */
int	drain_read_claimed(const struct conf *conf, const char *name,
	    struct spool_entry *e);
/* Runs e's consumers due at began (a whole second): its hooks, then
 * its forward targets (each one a consumer, "forward:<url>"), over the
 * body given, appending to out; *fw is made when a target needs it.
 * Resident hooks use rs's pools (NULL: one-shot). Returns 0, or -1
 * with err when some could not be run at all. (The
 * spool's attempt and the database's, db_drain.c, share it.) */
int	attempt_consumers(const struct conf *conf, const struct spool_entry *e,
	    const unsigned char *body, size_t body_len, int64_t began,
	    struct resident *rs, struct forwarder **fw, struct outcome *out,
	    struct err *err);

/* One log line for a delivery's attempt: result ("done", "retry",
 * "dead", "interrupted"...), each consumer it ran (out may be NULL),
 * the delay before the next try (-1: none), error (may be NULL). */
void	attempt_log(const struct spool_entry *e, const char *result,
	    const struct outcome *out, long delay, const char *error);

/* This second, rounded up: next tries are kept in whole seconds, and
 * a retry must never come early. */
int64_t	attempt_now_up(void);

/* What an attempt that began at t0 (CLOCK_MONOTONIC) did, as a run
 * record: out's outcomes and error borrowed, not copied. */
void	attempt_run_of(const struct spool_entry *e, const struct outcome *out,
	    const struct timespec *t0, const char *error, struct spool_run *run);

/* Reloads the configuration when its files changed; keeps the old one
 * when the new one does not load, and says so once. (drain.c; the
 * database's drainer, db_drain.c, reloads the same way.) */
void	drain_reload(struct reloader *r, struct conf **confp);

/* Puts a claimed entry back into new/ untouched; recovery does the same
 * if this fails too. */
void	drain_unclaim(const struct conf *conf, const char *name);

/* Claims new/NAME and runs it in this process. Returns as attempt_run,
 * 0 when it is gone. (drain.c) */
int	drain_one(const struct conf *conf, const char *name, time_t now,
	    volatile sig_atomic_t *stop);

/* Sleeps ms milliseconds (less when a signal comes). (drain.c) */
void	drain_sleep_ms(long ms);

/*
 * The workers of drain_run (drain_workers.c): one process per delivery
 * being run, at most max_running (else 4) of them, and never two for
 * one endpoint, so that one endpoint's deliveries run one after the
 * other, in order, while a slow deploy does not hold up other
 * endpoints. The drainer owns the struct (zeroed but lock and stop);
 * workers_wait_all releases what it holds.
 */
struct worker {
	pid_t	 pid;
	int	 exitfd;	/* readable once it exits; -1: none */
	char	*endpoint;
};

struct seen;			/* drain_workers.c's cache of states */

struct workers {
	struct worker	*v;
	size_t		 n;
	int		 lock;		/* drain.lock: not for the workers */
	volatile sig_atomic_t *stop;	/* the drainer's SIGTERM flag */
	struct seen	*cache;		/* sorted by name */
	size_t		 ncache;
	struct spool_mark wake;		/* spool_poke: forget the cache */
};

/* drain_due with workers: starts what is due at now and may start now
 * (the rest counted in st as blocked). Returns 0, or -1 when new/ cannot
 * be read. */
int	workers_due(const struct conf *conf, struct workers *w, time_t now,
	    struct drain_stats *st, struct err *err);

/* Reaps finished workers; with block, waits for one first. Returns how
 * many it reaped. */
int	workers_reap(struct workers *w, bool block);

/* Sleeps up to ms, less when a worker exits meanwhile. */
void	workers_sleep(const struct workers *w, long ms);

/* Tells every worker to stop (SIGTERM): each finishes its hooks and
 * takes no more of its endpoint's (lane_run). */
void	workers_stop(const struct workers *w);

/* Waits for every worker and frees what w holds. */
void	workers_wait_all(struct workers *w);

#endif
