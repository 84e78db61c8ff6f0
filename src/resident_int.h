/* resident_int.h: what the pools of resident hooks (resident.c) share
 * with the running of one delivery on a worker (resident_job.c); not
 * for other modules. */
#ifndef HOOKLINE_RESIDENT_INT_H
#define HOOKLINE_RESIDENT_INT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

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

/* The guard of one pool owner (resident_guard.c): a process that
 * SIGKILLs the listed process groups when the owner dies. */
struct guard {
	int		 fd;		/* our end of its socket; -1: none */
	pid_t		 pid;		/* -1: none */
	pid_t		*v;		/* the groups it was told */
	size_t		 n;
};

/* Lists group pgid with g's guard, starting one first when there is
 * none (or it is gone). Right after the leader's start. 0, or -1 with
 * errno (no memory, no process for a guard). g NULL: nothing, 0. */
int	guard_add(struct guard *g, pid_t pgid);
/* Takes pgid off g's list: before its leader is reaped (the zombie pins
 * the id until then). g NULL: nothing. */
void	guard_del(struct guard *g, pid_t pgid);
/* Ends g's guard (at once: its list is expected empty) and frees the
 * list. */
void	guard_end(struct guard *g);

/* One process of a resident hook, from our side. */
struct worker {
	struct run_proc	 p;
	struct guard	*guard;		/* its owner's, or NULL (one-shot) */
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
