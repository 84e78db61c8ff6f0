/* resident_guard.c: the guard: a small process of our own, one per pool
 * owner (a FastCGI process, a drainer's worker), that outlives its owner
 * by a moment to SIGKILL the process groups of the owner's resident
 * workers when the owner dies, kill -9 included, so that nothing a
 * worker started outlives it.
 *
 * Why a guard: PR_SET_PDEATHSIG ends the worker itself (run.c sets it),
 * not what the worker started; a subreaper (PR_SET_CHILD_SUBREAPER)
 * only adopts orphans while it lives, and the owner is the one that
 * died; cgroups need a delegated hierarchy that a hosting customer
 * under Apache or lighttpd, without root, does not have. A forked
 * process and a socket need nothing: the guard is forked once, at the
 * owner's first worker, and told each group's id as its leader starts
 * and again before the owner reaps it. The owner's death closes the
 * socket (EOF) and sends the guard SIGUSR1 (PR_SET_PDEATHSIG: should
 * something the owner forked hold the socket too); the guard then reads
 * what is left of the messages and SIGKILLs each group still listed.
 *
 * pid reuse: the owner takes a group off the list before it reaps the
 * group's leader (until then the zombie pins the id), and the socket
 * keeps the order, so the guard never holds an id the owner reaped.
 * After the owner's death the leaders die of their PDEATHSIG and init
 * reaps them; a group whose members are all gone by the time the guard
 * signals it could, in that moment, have had its id taken by a new
 * group leader (the kernel hands pids out in a cycle: pid_max new
 * processes first). The guard signals at once on the owner's death to
 * keep that moment as short as it can be.
 *
 * Who controls what is read here: the guard reads only what its owner
 * (the same program) writes: 4-byte records, pid > 0 added, < 0 taken
 * off. */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "resident_int.h"

/* How long the owner waits for room on a guard that is behind. */
#define GUARD_SEND_MS	1000

static void
on_usr1(int sig)
{
	(void)sig;	/* only to cut ppoll() short */
}

/* Adds (pid > 0) or takes off (pid < 0) a group in the guard's list.
 * 0, or -1 when out of memory. */
static int
list_apply(pid_t **v, size_t *n, int32_t rec)
{
	pid_t *nv;
	size_t i;

	if (rec < 0) {
		for (i = 0; i < *n; i++)
			if ((*v)[i] == (pid_t)-rec) {
				(*v)[i] = (*v)[--*n];
				break;
			}
		return 0;
	}
	if (rec == 0)
		return 0;
	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
		return -1;
	*v = nv;
	nv[(*n)++] = (pid_t)rec;
	return 0;
}

/* Reads the records waiting on fd. 1 at EOF (the owner is gone), 0 when
 * none is left for now, -1 when out of memory. */
static int
guard_read(int fd, pid_t **v, size_t *n)
{
	int32_t rec;
	ssize_t r;

	for (;;) {
		r = recv(fd, &rec, sizeof(rec), MSG_DONTWAIT);
		if (r == 0)
			return 1;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return errno == EAGAIN ? 0 : 1;
		if (r == (ssize_t)sizeof(rec) && list_apply(v, n, rec) == -1)
			return -1;
	}
}

/* The guard's side of the fork: never returns. fd is its end. */
static void __attribute__((noreturn))
guard_main(int fd, pid_t owner)
{
	struct sigaction sa;
	struct pollfd pfd = { 0, POLLIN, 0 };
	sigset_t usr1, wait_mask;
	pid_t *v = NULL;
	size_t n = 0, i;
	int r = 0;

	/* Its own group: a signal to the owner's group (a web server
	 * ending its FastCGI processes) leaves the guard to do its job. */
	if (setpgid(0, 0) == -1 || dup2(fd, 0) == -1 ||
	    close_fds_from(1) == -1 || signals_default() == -1)
		_exit(1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	if (sigemptyset(&sa.sa_mask) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigemptyset(&usr1) == -1 || sigaddset(&usr1, SIGUSR1) == -1 ||
	    sigprocmask(SIG_SETMASK, &usr1, &wait_mask) == -1 ||
	    sigemptyset(&wait_mask) == -1)
		_exit(1);
	/* SIGUSR1 stays blocked but in ppoll(): one that comes between
	 * the getppid() and the wait is not lost. */
	if (exit_with_parent(owner, SIGUSR1) == 0)
		while (getppid() == owner) {
			if (ppoll(&pfd, 1, NULL, &wait_mask) == -1 &&
			    errno != EINTR)
				break;
			if ((r = guard_read(0, &v, &n)) != 0)
				break;
		}
	/* Out of memory: the owner, alive, sees the socket close at its
	 * next record and starts another guard. */
	if (r == -1)
		_exit(1);
	/* The owner is gone: what it said last, then the kill. */
	(void)guard_read(0, &v, &n);
	for (i = 0; i < n; i++)
		(void)kill(-v[i], SIGKILL);
	_exit(0);
}

/* Starts g's guard. 0, or -1 with errno. */
static int
guard_start(struct guard *g)
{
	sigset_t all, old;
	pid_t owner = getpid();
	int sv[2], e;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	/* No handler of the owner's may run in the guard before it has
	 * set its own. */
	if (sigfillset(&all) == -1)
		e = errno;
	else
		e = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (e != 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		errno = e;
		return -1;
	}
	g->pid = fork();
	if (g->pid == 0)
		guard_main(sv[1], owner);
	e = errno;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)close(sv[1]);
	if (g->pid == -1) {
		(void)close(sv[0]);
		errno = e;
		return -1;
	}
	g->fd = sv[0];
	return 0;
}

/* Ends g's guard, if any, at once (SIGKILL) and reaps it: nothing of
 * its list is signalled. */
static void
guard_stop(struct guard *g)
{
	int status;

	close_fd(&g->fd);
	if (g->pid > 0) {
		(void)kill(g->pid, SIGKILL);
		while (waitpid(g->pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	g->pid = -1;
}

/* One record to the guard, waiting up to GUARD_SEND_MS for room.
 * 0, or -1 with errno (the guard is gone or stuck). */
static int
guard_send(struct guard *g, int32_t rec)
{
	struct pollfd pfd = { g->fd, POLLOUT, 0 };
	long long until = mono_ms() + GUARD_SEND_MS, left;

	for (;;) {
		if (send(g->fd, &rec, sizeof(rec), MSG_DONTWAIT |
		    MSG_NOSIGNAL) == (ssize_t)sizeof(rec))
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if ((left = until - mono_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			return -1;
	}
}

/* A new guard told the whole list: the old one (gone, stuck) is ended
 * first. 0, or -1 with errno. */
static int
guard_restart(struct guard *g)
{
	size_t i;
	int e;

	guard_stop(g);
	if (guard_start(g) == -1)
		return -1;
	for (i = 0; i < g->n; i++)
		if (guard_send(g, (int32_t)g->v[i]) == -1) {
			e = errno;
			guard_stop(g);
			errno = e;
			return -1;
		}
	return 0;
}

int
guard_add(struct guard *g, pid_t pgid)
{
	pid_t *v;

	if (g == NULL)
		return 0;
	if ((v = reallocarray(g->v, g->n + 1, sizeof(*v))) == NULL)
		return -1;
	g->v = v;
	v[g->n++] = pgid;
	if (g->fd != -1 && guard_send(g, (int32_t)pgid) == 0)
		return 0;
	if (guard_restart(g) == 0)
		return 0;
	g->n--;
	return -1;
}

void
guard_del(struct guard *g, pid_t pgid)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		if (g->v[i] == pgid) {
			g->v[i] = g->v[--g->n];
			break;
		}
	/* A guard that cannot be told is replaced by one that is told
	 * the list without pgid; failing that, the next guard_add tries
	 * again (no guard meanwhile). */
	if (g->fd != -1 && guard_send(g, (int32_t)-pgid) == -1 &&
	    guard_restart(g) == -1)
		guard_stop(g);
}

void
guard_end(struct guard *g)
{
	guard_stop(g);
	free(g->v);
	g->v = NULL;
	g->n = 0;
}
