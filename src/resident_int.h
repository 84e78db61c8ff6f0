/* resident_int.h: what the pools of resident hooks (resident.c) share
 * with the running of one delivery on a worker (resident_job.c); not
 * for other modules. */
#ifndef HOOKLINE_RESIDENT_INT_H
#define HOOKLINE_RESIDENT_INT_H

#include <stdbool.h>

#include "conf_watch.h"
#include "err.h"
#include "run.h"
#include "run_int.h"

/* A worker told to leave (stdin closed) has this long before SIGKILL. */
#define LEAVE_MS	1000
/* Without a pidfd, how often to look for an exit. */
#define TICK_MS		10
/* How often a process with workers looks for one that died. */
#define REAP_MS		1000
/* Output a worker wrote between deliveries: read and dropped, at most. */
#define STALE_MAX	(2 * RUN_TAIL_MAX)

/* One process of a resident hook, from our side. */
struct worker {
	struct run_proc	 p;
	int		 xfd;		/* pidfd, or -1 */
	struct file_id	 id;		/* the hook file when it started */
	long long	 idle_at;	/* ms: it leaves when idle past this */
};

/* Runs one delivery of spec on w: writes the frame (the one-shot way:
 * then EOF), reads stdout and stderr into the result's tails and the
 * status line from fd 3, under spec's deadline. Fills res (ran set) and
 * returns 1 when w may take another delivery, 0 when it is done with
 * (killed with its group and reaped: w->p.pid is -1), -1 when out of
 * memory before anything was written (err). *bad says the worker broke
 * the delivery (died, timed out, broke the protocol); err is set (a few
 * words) when the protocol was broken, or the worker exited 0 without
 * a status in a pool. */
int	worker_deliver(struct worker *w, const struct run_spec *spec,
	    bool oneshot, struct run_result *res, bool *bad, struct err *err);

#endif
