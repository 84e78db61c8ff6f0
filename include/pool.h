/* pool.h: pre-forked worker processes that all accept on one listening
 * socket (as spawn-fcgi -F or php-fpm's static pool): started, replaced
 * when one dies, stopped together. */
#ifndef HOOKLINE_POOL_H
#define HOOKLINE_POOL_H

#define POOL_MAX_WORKERS	256

/* The default number of workers: twice the CPUs online, at least 4 and
 * at most 16. A worker mostly waits (for a sender's body, at most
 * body_timeout; for hooks, at most timeout), so the number is about how
 * many slow requests may be in hand at once, not about CPU time. */
unsigned	pool_default_workers(void);

/* Runs n workers, each a forked process that returns work(arg) as its
 * exit status; the caller's fds (the listening socket) are theirs too.
 * A worker that dies is replaced, after a pause that grows (0.1 s to
 * 5 s) while workers keep dying within a second of their start. A
 * worker gets SIGTERM when this process dies (it exits after the request
 * in hand). On SIGTERM or SIGINT, sends SIGTERM to every worker, waits
 * for them all and returns 0; -1 when it cannot start at all. Logs what
 * happens to the workers. */
int	pool_run(unsigned n, int (*work)(void *), void *arg);

#endif
