/* resident.c: resident hooks: per hook a pool of workers that take one
 * delivery after another (resident_job.c runs each), or one worker for
 * one delivery where nothing stays up. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_watch.h"
#include "hookcheck.h"
#include "platform.h"
#include "resident.h"
#include "resident_int.h"
#include "run_int.h"

/* One worker on its way out: stdin closed, to be reaped. */
struct leaving {
	pid_t		 pid;
	int		 xfd;
	long long	 kill_at;
};

struct pool {
	char		*path;		/* absolute: hooks_dir/relpath */
	struct worker	*v;
	size_t		 n;
	unsigned	 broken;	/* deliveries broken in a row */
	long long	 backoff_until;	/* ms */
};

struct resident {
	struct pool	*v;
	size_t		 n;
	struct leaving	*gone;
	size_t		 ngone;
	struct guard	 guard;		/* started with the first worker */
};

int
resident_name(const char *relpath)
{
	const char *base = strrchr(relpath, '/');
	size_t n, s = sizeof(RESIDENT_SUFFIX) - 1;

	base = base == NULL ? relpath : base + 1;
	n = strlen(base);
	return n > s && strcmp(base + n - s, RESIDENT_SUFFIX) == 0;
}

struct resident *
resident_new(void)
{
	struct resident *r = calloc(1, sizeof(struct resident));

	if (r != NULL)
		r->guard = (struct guard){ .fd = -1, .pid = -1 };
	return r;
}

/* --- workers ------------------------------------------------------------ */

/* Closes our ends of w and hands it to r->gone to be reaped (stdin
 * closed: it leaves); SIGKILL at once with kill. */
static void
worker_leave(struct resident *r, struct worker *w, bool kill_now)
{
	struct leaving *g;

	close_fd(&w->p.in);
	close_fd(&w->p.out);
	close_fd(&w->p.err);
	close_fd(&w->p.st);
	if (w->p.pid <= 0) {
		/* Reaped already (worker_deliver ended it): nothing to
		 * wait for, and no pid to signal (-1 would be everyone). */
		close_fd(&w->xfd);
		return;
	}
	if (kill_now)
		(void)kill(-w->p.pid, SIGKILL);
	g = reallocarray(r->gone, r->ngone + 1, sizeof(*g));
	if (g == NULL) {
		/* No room to remember it: end it here and now. */
		int status;

		(void)kill(-w->p.pid, SIGKILL);
		(void)kill(w->p.pid, SIGKILL);
		guard_del(&r->guard, w->p.pid);
		while (waitpid(w->p.pid, &status, 0) == -1 && errno == EINTR)
			;
		close_fd(&w->xfd);
		return;
	}
	r->gone = g;
	g[r->ngone++] = (struct leaving){ w->p.pid, w->xfd,
	    kill_now ? 0 : mono_ms() + LEAVE_MS };
	w->xfd = -1;
}

/* Takes worker i out of pool p (it leaves). */
static void
pool_drop(struct resident *r, struct pool *p, size_t i, bool kill_now)
{
	worker_leave(r, &p->v[i], kill_now);
	p->v[i] = p->v[--p->n];
}

/* Reaps those of r->gone that exited; SIGKILLs those past kill_at. */
static void
reap_gone(struct resident *r, long long now)
{
	size_t i = 0;
	int status;

	while (i < r->ngone) {
		struct leaving *g = &r->gone[i];

		if (!leader_exited(g->pid)) {
			if (now >= g->kill_at) {
				(void)kill(-g->pid, SIGKILL);
				g->kill_at = LLONG_MAX;
			}
			i++;
			continue;
		}
		/* Its group's stragglers go with it; the zombie pins the
		 * group id until the waitpid. */
		(void)kill(-g->pid, SIGKILL);
		guard_del(&r->guard, g->pid);
		while (waitpid(g->pid, &status, 0) == -1 && errno == EINTR)
			;
		close_fd(&g->xfd);
		r->gone[i] = r->gone[--r->ngone];
	}
}

/* 1 when worker w is fit for a delivery: alive, the file unchanged,
 * nothing on fd 3 since its last status. Drops what it wrote to stdout
 * and stderr meanwhile (not any delivery's output). */
static int
worker_fit(struct worker *w, const struct file_id *now)
{
	char scratch[512];
	size_t dropped;
	ssize_t n;
	int *fds[2] = { &w->p.out, &w->p.err }, i;

	if (leader_exited(w->p.pid) || !file_id_equal(&w->id, now))
		return 0;
	if ((n = read(w->p.st, scratch, sizeof(scratch))) >= 0 ||
	    (errno != EAGAIN && errno != EINTR))
		return 0;	/* bytes, or EOF: it broke the protocol */
	for (i = 0; i < 2; i++)
		for (dropped = 0; *fds[i] != -1 && dropped < STALE_MAX;
		    dropped += (size_t)n) {
			n = read(*fds[i], scratch, sizeof(scratch));
			if (n == 0)
				close_fd(fds[i]);
			if (n <= 0)
				break;
		}
	return 1;
}

/* Ends a worker that started but is not ours to keep (no guard for
 * it, an exec that failed): it never took a delivery. */
static void
worker_abort(struct worker *w)
{
	int status;

	(void)kill(-w->p.pid, SIGKILL);
	(void)kill(w->p.pid, SIGKILL);
	while (waitpid(w->p.pid, &status, 0) == -1 && errno == EINTR)
		;
	w->p.pid = -1;
	close_fd(&w->p.in);
	close_fd(&w->p.out);
	close_fd(&w->p.err);
	close_fd(&w->p.st);
}

/* Starts a worker for p, listed with guard g (NULL: one-shot, nothing
 * to outlive). 0, or -1 with err (refused, cannot start). */
static int
worker_start(struct pool *p, struct guard *g, const struct run_spec *spec,
    struct worker *w, struct err *err)
{
	char *argv[2] = { p->path, NULL };
	const char *envp[3] = { NULL, "HOOKLINE_RESIDENT=1", NULL };
	long long start;
	size_t i;

	for (i = 0; spec->env[i] != NULL; i++)
		if (strncmp(spec->env[i], "PATH=", 5) == 0) {
			envp[0] = spec->env[i];
			break;
		}
	if (envp[0] == NULL) {
		envp[0] = envp[1];
		envp[1] = NULL;
	}
	/* Stamped before the check and the exec: a change after this is
	 * seen at the next delivery. */
	file_id_stat(p->path, &w->id);
	if (hook_check(spec->hooks_dir, spec->relpath, p->path, err) == -1)
		return -1;
	if (run_spawn(&w->p, argv, (char *const *)envp, true, &start,
	    err) == -1) {
		if (w->p.pid > 0)
			worker_abort(w);
		return -1;
	}
	/* Listed at once: whatever it starts from here on is ended with
	 * it should we die. Without a guard it does not run. */
	if (guard_add(g, w->p.pid) == -1) {
		err_set(err, "cannot start the resident hook's guard: %s",
		    strerror(errno));
		worker_abort(w);
		return -1;
	}
	w->guard = g;
	w->xfd = proc_exit_fd(w->p.pid);
	return 0;
}

/* The deliveries a pool broke in a row: past RESIDENT_BACKOFF_AFTER,
 * the hook rests, 1 s doubling up to RESIDENT_BACKOFF_MAX_MS. */
static void
pool_broke(struct pool *p, long long now)
{
	unsigned k;
	long long ms = 1000;

	if (++p->broken < RESIDENT_BACKOFF_AFTER)
		return;
	for (k = RESIDENT_BACKOFF_AFTER; k < p->broken &&
	    ms < RESIDENT_BACKOFF_MAX_MS; k++)
		ms *= 2;
	p->backoff_until = now + (ms < RESIDENT_BACKOFF_MAX_MS ? ms :
	    RESIDENT_BACKOFF_MAX_MS);
}

/* The pool for path, made when missing; NULL when out of memory. */
static struct pool *
pool_for(struct resident *r, const char *path)
{
	struct pool *v;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].path, path) == 0)
			return &r->v[i];
	if ((v = reallocarray(r->v, r->n + 1, sizeof(*v))) == NULL)
		return NULL;
	r->v = v;
	memset(&v[r->n], 0, sizeof(v[r->n]));
	if ((v[r->n].path = strdup(path)) == NULL)
		return NULL;
	return &v[r->n++];
}

/* A worker of p fit for the delivery (unfit ones leave), started when
 * there is none and room for one. -1 with err. */
static int
pool_pick(struct resident *r, struct pool *p, const struct run_spec *spec,
    unsigned workers, struct worker **wp, struct err *err)
{
	struct file_id now;
	struct worker *v;
	size_t i = 0;

	file_id_stat(p->path, &now);
	while (i < p->n) {
		if (worker_fit(&p->v[i], &now)) {
			*wp = &p->v[i];
			return 0;
		}
		pool_drop(r, p, i, false);	/* after its last delivery */
	}
	if (p->n >= (workers > 0 ? workers : 1)) {
		err_set(err, "every worker of the resident hook is busy");
		return -1;
	}
	if ((v = reallocarray(p->v, p->n + 1, sizeof(*v))) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	p->v = v;
	memset(&v[p->n], 0, sizeof(v[p->n]));
	v[p->n].xfd = -1;
	if (worker_start(p, &r->guard, spec, &v[p->n], err) == -1)
		return -1;
	*wp = &v[p->n++];
	return 0;
}

/* The delivery on w, and what it means for w's pool p (NULL: one-shot);
 * see resident_run. */
static int
deliver(struct resident *r, struct pool *p, struct worker *w,
    const struct run_spec *spec, unsigned idle, struct run_result *res,
    struct err *err)
{
	bool bad;
	int keep;

	if ((keep = worker_deliver(w, spec, r == NULL, res, &bad, err)) == -1)
		return -1;
	if (p != NULL) {
		if (bad)
			pool_broke(p, mono_ms());
		else
			p->broken = 0;
		w->idle_at = mono_ms() + (long long)idle * 1000;
		if (!keep)
			pool_drop(r, p, (size_t)(w - p->v), true);
	}
	return err->msg[0] != '\0' ? -1 : 0;
}

/* r NULL: a worker of our own for this one delivery. */
static int
oneshot(const struct run_spec *spec, const char *path,
    struct run_result *res, struct err *err)
{
	struct pool p = { .path = (char *)path };
	struct worker w = { .xfd = -1 };
	int rc;

	if (worker_start(&p, NULL, spec, &w, err) == -1)
		return -1;
	rc = deliver(NULL, NULL, &w, spec, 0, res, err);
	close_fd(&w.p.in);
	close_fd(&w.p.out);
	close_fd(&w.p.err);
	close_fd(&w.p.st);
	close_fd(&w.xfd);
	return rc;
}

int
resident_run(struct resident *r, const struct run_spec *spec,
    unsigned workers, unsigned idle, struct run_result *res, struct err *err)
{
	struct pipeguard guard = { .masked = false };
	struct worker *w;
	struct pool *p;
	char *path = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	err->msg[0] = '\0';
	if (spec->hooks_dir == NULL || spec->relpath == NULL ||
	    spec->env == NULL || (spec->body == NULL && spec->body_len > 0)) {
		err_set(err, "resident_run: incomplete spec");
		return -1;
	}
	if (!hook_relpath_valid(spec->relpath)) {
		err_set(err, "bad hook path");
		return -1;
	}
	if ((path = path_join(spec->hooks_dir, spec->relpath)) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	if (pipeguard_block(&guard, err) == -1)
		goto done;
	if (r == NULL) {
		rc = oneshot(spec, path, res, err);
		goto done;
	}
	reap_gone(r, mono_ms());
	if ((p = pool_for(r, path)) == NULL) {
		err_set(err, "out of memory");
		goto done;
	}
	if (p->backoff_until > mono_ms()) {
		err_set(err, "resident hook keeps failing: resting for %lld ms",
		    p->backoff_until - mono_ms());
		goto done;
	}
	if (pool_pick(r, p, spec, workers, &w, err) == -1)
		goto done;
	rc = deliver(r, p, w, spec, idle, res, err);
done:
	pipeguard_restore(&guard);
	free(path);
	return rc;
}

long
resident_next_ms(const struct resident *r)
{
	long long now = mono_ms(), next = -1, at;
	size_t i, k;

	if (r == NULL)
		return -1;
	for (i = 0; i < r->n; i++)
		for (k = 0; k < r->v[i].n; k++) {
			/* At least once a second: one that died meanwhile
			 * is reaped, not left a zombie until its idle end. */
			at = r->v[i].v[k].idle_at < now + REAP_MS ?
			    r->v[i].v[k].idle_at : now + REAP_MS;
			if (next < 0 || at < next)
				next = at;
		}
	for (i = 0; i < r->ngone; i++) {
		/* Poll for its exit on a short tick meanwhile. */
		at = r->gone[i].kill_at < now + 100 ? r->gone[i].kill_at :
		    now + 100;
		if (next < 0 || at < next)
			next = at;
	}
	if (next < 0)
		return -1;
	return next <= now ? 0 : (long)(next - now);
}

void
resident_tick(struct resident *r)
{
	long long now = mono_ms();
	size_t i, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		k = 0;
		while (k < r->v[i].n) {
			struct worker *w = &r->v[i].v[k];

			if (now >= w->idle_at || leader_exited(w->p.pid))
				pool_drop(r, &r->v[i], k, false);
			else
				k++;
		}
	}
	reap_gone(r, now);
}

unsigned
resident_count(const struct resident *r)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; r != NULL && i < r->n; i++)
		n += (unsigned)r->v[i].n;
	return n;
}

void
resident_free(struct resident *r)
{
	long long until;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		while (r->v[i].n > 0)
			pool_drop(r, &r->v[i], r->v[i].n - 1, false);
		free(r->v[i].v);
		free(r->v[i].path);
	}
	free(r->v);
	/* Each had EOF on stdin: a second for all to leave, then kill. */
	until = mono_ms() + LEAVE_MS;
	while (r->ngone > 0) {
		reap_gone(r, mono_ms());
		if (r->ngone == 0)
			break;
		if (mono_ms() >= until)
			for (i = 0; i < r->ngone; i++)
				r->gone[i].kill_at = 0;
		(void)poll(NULL, 0, TICK_MS);
	}
	free(r->gone);
	guard_end(&r->guard);
	free(r);
}
