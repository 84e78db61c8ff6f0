/* resident.h: resident hooks (a file named *.resident): a process that
 * stays up and takes deliveries one after another over a pipe, per hook
 * a pool of them; and the one-shot way where nothing stays up (CGI). */
#ifndef HOOKLINE_RESIDENT_H
#define HOOKLINE_RESIDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "run.h"

#define RESIDENT_SUFFIX		".resident"
#define RESIDENT_WORKERS	1	/* resident_workers' default */
#define RESIDENT_IDLE		300	/* resident_idle's default, seconds */
/* A hook whose worker broke this many deliveries in a row is left
 * alone for a while (1 s, doubling, at most RESIDENT_BACKOFF_MAX_MS):
 * its deliveries fail at once instead of starting it again. */
#define RESIDENT_BACKOFF_AFTER	3
#define RESIDENT_BACKOFF_MAX_MS	30000

/* The longest status line a resident hook may write on fd 3: "255\n". */
#define RESIDENT_STATUS_MAX	4

/* The parser of a resident hook's status line (resident_job.c; here for
 * the fuzz target and the tests): adds the n bytes of buf, what one
 * read of fd 3 gave, to the st[RESIDENT_STATUS_MAX] that holds *stn
 * bytes so far. Returns the status (0..255) once the line is whole:
 * 1 to 3 digits, then '\n'; -1 while more may make one; -2 with *why
 * set (a few words) when nothing more can: too long a line, a byte that
 * is no digit, bytes after the '\n'. Who controls buf: the hook. */
int	resident_status_feed(char *st, size_t *stn, const char *buf,
	    size_t n, const char **why);

/* One process's resident workers: every pool of it. */
struct resident;

/* 1 when relpath names a resident hook: its last component ends in
 * ".resident" (with something before it). */
int	resident_name(const char *relpath);

/* An empty set of pools; NULL when out of memory. */
struct resident *resident_new(void);

/* Ends every worker (stdin closed: it exits; SIGKILL to its group
 * after a second) and reaps them all. NULL: nothing. */
void	resident_free(struct resident *r);

/* Runs one delivery through the resident hook spec->hooks_dir/relpath,
 * as run_hook() runs a one-shot hook and with the same result:
 * spec->env is the one-shot environment, whose HOOKLINE_* entries make
 * the frame (values with control bytes get '?'), its PATH the worker's
 * (plus HOOKLINE_RESIDENT=1); argv is the hook's path alone.
 *
 * r NULL: one-shot (CGI, `hookline send`): the hook starts, gets one
 * frame, then EOF; its status is the line on fd 3, else its exit status.
 * Else a worker of the hook's pool (at most workers of them; started
 * and checked by hook_check() on first use, replaced when the file
 * changed) takes it; it exits after idle seconds without a delivery
 * (resident_tick()). The delivery's output is what the worker wrote to
 * stdout and stderr from the frame to its status line.
 *
 * Returns 0 when the delivery ran (res says how it went: a status, or
 * the exit or signal of a worker that died with it, or timed_out: then
 * its group got SIGTERM, SIGKILL kill_after s later). -1 with err (a
 * few words, never a path) when the hook was refused or could not
 * start (res->ran false), the hook is in backoff (res->ran false), or
 * the worker broke the protocol (res->ran true, exited false: killed
 * and replaced). res must be released with run_result_free(). */
int	resident_run(struct resident *r, const struct run_spec *spec,
	    unsigned workers, unsigned idle, struct run_result *res,
	    struct err *err);

/* Milliseconds until resident_tick() has something to do (an idle
 * worker to end, a leaving one to reap or kill); -1: nothing. */
long	resident_next_ms(const struct resident *r);

/* Ends workers idle for their idle time, reaps those that left or died
 * (without waiting) and kills those that did not leave in time. */
void	resident_tick(struct resident *r);

/* How many workers are up (for tests and the log). */
unsigned resident_count(const struct resident *r);

#endif
