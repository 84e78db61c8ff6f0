/* pool.c: pre-forked worker processes that all accept on one listening
 * socket (as spawn-fcgi -F or php-fpm's static pool): started, replaced
 * when one dies, stopped together. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "platform.h"
#include "pool.h"

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define HEALTHY_SECONDS	1	/* lived this long: it was not the setup */

struct worker {
	pid_t	pid;		/* 0: not running */
	time_t	started;	/* CLOCK_MONOTONIC seconds */
};

/* Everything one pool owns. */
struct pool {
	struct worker	*w;
	unsigned	 n;
	unsigned	 fails;		/* died young, in a row */
	struct timespec	 next;		/* no new worker before */
	sigset_t	 waited;	/* SIGTERM SIGINT SIGCHLD, blocked */
	sigset_t	 old;		/* the mask workers get back */
	pid_t		 self;
};

unsigned
pool_default_workers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 2)
		return 4;
	return cpus > 8 ? 16 : (unsigned)(2 * cpus);
}

static time_t
now_sec(void)
{
	struct timespec ts;

	return clock_gettime(CLOCK_MONOTONIC, &ts) == 0 ? ts.tv_sec : 0;
}

/* The pause before the next start, after p->fails early deaths. */
static void
back_off(struct pool *p)
{
	long ms = BACKOFF_MIN_MS;
	unsigned i;

	for (i = 1; i < p->fails && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	if (clock_gettime(CLOCK_MONOTONIC, &p->next) != 0)
		return;
	p->next.tv_sec += ms / 1000;
	p->next.tv_nsec += (ms % 1000) * 1000000;
	if (p->next.tv_nsec >= 1000000000) {
		p->next.tv_sec++;
		p->next.tv_nsec -= 1000000000;
	}
}

/* Milliseconds until the next start may happen; 0: now. */
static long
wait_ms(const struct pool *p)
{
	struct timespec now;
	long long ns;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	ns = (long long)(p->next.tv_sec - now.tv_sec) * 1000000000LL +
	    (p->next.tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (long)(ns / 1000000) + 1;
}

/* The worker's side of fork(): never returns. */
static void __attribute__((noreturn))
worker_main(struct pool *p, int (*work)(void *), void *arg)
{
	sigset_t old = p->old;

	/* The parent's table is the parent's: this copy is not ours. */
	free(p->w);
	p->w = NULL;
	if (exit_with_parent(p->self, SIGTERM) != 0)
		_exit(1);
	if (sigprocmask(SIG_SETMASK, &old, NULL) != 0)
		_exit(1);
	exit(work(arg));
}

/* Starts the missing workers. */
static void
fill(struct pool *p, int (*work)(void *), void *arg)
{
	unsigned i;
	pid_t pid;

	for (i = 0; i < p->n; i++) {
		if (p->w[i].pid != 0)
			continue;
		if ((pid = fork()) == -1) {
			log_msg("error", "cannot start a worker: %s",
			    strerror(errno));
			p->fails++;
			back_off(p);
			return;
		}
		if (pid == 0)
			worker_main(p, work, arg);
		p->w[i].pid = pid;
		p->w[i].started = now_sec();
	}
}

/* Notes the worker that ended; 1 when it was one of ours. */
static int
ended(struct pool *p, pid_t pid, int status, int stopping)
{
	unsigned i;

	for (i = 0; i < p->n && p->w[i].pid != pid; i++)
		;
	if (i == p->n)
		return 0;
	p->w[i].pid = 0;
	if (stopping)
		return 1;
	if (WIFSIGNALED(status))
		log_msg("warning", "worker %ld killed by signal %d; starting "
		    "another", (long)pid, WTERMSIG(status));
	else
		log_msg("warning", "worker %ld exited with status %d; "
		    "starting another", (long)pid, WEXITSTATUS(status));
	if (now_sec() - p->w[i].started < HEALTHY_SECONDS) {
		p->fails++;
		back_off(p);
	} else
		p->fails = 0;
	return 1;
}

/* Reaps every worker that has ended, without waiting. */
static void
reap(struct pool *p)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		(void)ended(p, pid, status, 0);
}

/* SIGTERM to every worker, then waits for them all. */
static void
stop_all(struct pool *p)
{
	unsigned i, left = 0;
	pid_t pid;
	int status;

	for (i = 0; i < p->n; i++)
		if (p->w[i].pid != 0 && kill(p->w[i].pid, SIGTERM) == 0)
			left++;
	while (left > 0) {
		pid = waitpid(-1, &status, 0);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid == -1)
			break;		/* ECHILD: none left */
		if (ended(p, pid, status, 1))
			left--;
	}
}

/* Waits for a signal of p->waited, or for ms (-1: no limit). Returns
 * the signal, or 0. */
static int
wait_signal(struct pool *p, long ms)
{
	struct timespec ts;
	int sig;

	if (ms < 0)
		sig = sigwaitinfo(&p->waited, NULL);
	else {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		sig = sigtimedwait(&p->waited, NULL, &ts);
	}
	return sig < 0 ? 0 : sig;
}

int
pool_run(unsigned n, int (*work)(void *), void *arg)
{
	struct pool p;
	struct sigaction sa;
	unsigned i, missing;
	long ms;
	int sig = 0;

	memset(&p, 0, sizeof(p));
	p.n = n;
	p.self = getpid();
	/* SIGCHLD at its default, so that dead workers wait to be reaped
	 * (ignored, the kernel would reap them and we could not tell). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (n == 0 || sigemptyset(&sa.sa_mask) != 0 ||
	    sigaction(SIGCHLD, &sa, NULL) != 0 ||
	    sigemptyset(&p.waited) != 0 || sigaddset(&p.waited, SIGTERM) != 0 ||
	    sigaddset(&p.waited, SIGINT) != 0 ||
	    sigaddset(&p.waited, SIGCHLD) != 0 ||
	    (p.w = calloc(n, sizeof(*p.w))) == NULL) {
		log_msg("error", "cannot start the worker pool: %s",
		    strerror(errno));
		return -1;
	}
	/* Blocked and taken with sigwaitinfo: no handler, no race between
	 * looking at a flag and going to sleep. */
	if (sigprocmask(SIG_BLOCK, &p.waited, &p.old) != 0) {
		log_msg("error", "sigprocmask: %s", strerror(errno));
		free(p.w);
		return -1;
	}
	log_msg("info", "serving with %u worker processes", n);
	while (sig != SIGTERM && sig != SIGINT) {
		reap(&p);
		if (wait_ms(&p) == 0)
			fill(&p, work, arg);
		for (i = 0, missing = 0; i < n; i++)
			missing += p.w[i].pid == 0;
		ms = missing > 0 ? wait_ms(&p) : -1;
		sig = wait_signal(&p, ms);
	}
	log_msg("info", "stopping: waiting for the workers to finish the "
	    "requests in hand");
	stop_all(&p);
	(void)sigprocmask(SIG_SETMASK, &p.old, NULL);
	free(p.w);
	return 0;
}
