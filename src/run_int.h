/* run_int.h: what run.c (one-shot hooks) shares with resident.c
 * (resident hooks): starting a hook process, its output tails, the
 * clock; not for other modules. */
#ifndef HOOKLINE_RUN_INT_H
#define HOOKLINE_RUN_INT_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "run.h"

/* The last RUN_TAIL_MAX bytes of a stream, as a ring: bytes are read
 * straight into it, so no output is ever held twice or grows. */
struct tail {
	char	*buf;
	size_t	 pos;	/* next byte goes here */
	size_t	 len;	/* bytes held; == pos until the first wrap */
};

/* Reads what is there into t, whose ring is made on the first read: a
 * quiet hook costs no 64 KiB. Returns >0, 0 at EOF, -1 with errno
 * (ENOMEM: the output is dropped, as for any read error). */
ssize_t	tail_read(struct tail *t, int fd);
/* Takes what is left in *fd without waiting (at most two rings), then
 * closes it. */
void	tail_drain(struct tail *t, int *fd);
/* The ring in order, NUL-terminated, malloc'd; NULL when out of memory. */
char	*tail_take(const struct tail *t, size_t *lenp);

/* CLOCK_MONOTONIC in milliseconds. */
long long mono_ms(void);
/* Closes *fd unless -1, and sets it to -1. */
void	close_fd(int *fd);
/* dir/rel, malloc'd; NULL when out of memory. */
char	*path_join(const char *dir, const char *rel);
int	set_nonblock(int fd);

/* SIGPIPE held back while we write to a hook: a hook that stops reading
 * its stdin makes write() raise it, which would kill us. Blocked, it
 * stays pending for this thread and is taken back after: no demand on
 * the caller. */
struct pipeguard {
	sigset_t	set, old;
	bool		masked;
	bool		was_pending;	/* not ours to take back */
};
int	pipeguard_block(struct pipeguard *g, struct err *err);
void	pipeguard_restore(struct pipeguard *g);

/* A started hook, from our side: its pid and our pipe ends (-1 when
 * closed, or st when not resident). */
struct run_proc {
	pid_t	pid;
	int	in;	/* its stdin; non-blocking */
	int	out;	/* its stdout; non-blocking */
	int	err;	/* its stderr; non-blocking */
	int	st;	/* resident: its fd 3, the status; non-blocking */
};

/* Starts argv[0] (checked already: hook_check()) with envp, in its own
 * process group, with fds 0, 1, 2 (resident: and 3, and SIGKILL when
 * we die) and nothing else, every signal default. vfork() with every
 * signal blocked around it. On 0, p holds the pid and our ends and
 * *start the time it started. On -1, err says why; p->pid may be set
 * (an exec that failed: the child is at _exit(127)), for the caller to
 * reap. */
int	run_spawn(struct run_proc *p, char *const argv[], char *const envp[],
	    bool resident, long long *start, struct err *err);

/* 1 once our child pid has exited (or is gone: ECHILD); it is left
 * unreaped (WNOWAIT), so its pid and group id stay ours to signal. */
int	leader_exited(pid_t pid);

/* res->exited/exit_code or signal from a waitpid() status (-1: lost). */
void	run_status_fill(struct run_result *res, int status);

#endif
