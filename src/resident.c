/* resident.c: resident hooks: per hook a pool of workers that take one
 * delivery after another (a frame on stdin, a status line on fd 3), or
 * one frame then EOF where nothing stays up. */
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
#include "run_int.h"

/* The status line: "0\n" to "255\n". Who controls it: the hook, a
 * program of the operator's, which may be buggy or compromised; a longer
 * line or any other byte is a protocol error, so nothing it writes on
 * fd 3 is ever held beyond these bytes. */
#define STATUS_MAX	4
/* A worker told to leave (stdin closed) has this long before SIGKILL. */
#define LEAVE_MS	1000
/* Without a pidfd, how often to look for an exit. */
#define TICK_MS		10
/* How often a process with workers looks for one that died. */
#define REAP_MS		1000
/* Output a worker wrote between deliveries: read and dropped, at most. */
#define STALE_MAX	(2 * RUN_TAIL_MAX)

struct worker {
	struct run_proc	 p;
	int		 xfd;		/* pidfd, or -1 */
	struct file_id	 id;		/* the hook file when it started */
	long long	 idle_at;	/* ms: it leaves when idle past this */
};

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
};

/* One delivery on one worker, from our side. */
struct job {
	const char		*head;		/* the frame's header */
	size_t			 headlen, headoff;
	const unsigned char	*body;
	size_t			 bodylen, bodyoff;
	bool			 oneshot;	/* EOF after the frame */
	struct tail		 tout, terr;
	char			 st[STATUS_MAX];
	size_t			 stn;
	int			 status;	/* -1 until the line came */
	const char		*broke;		/* protocol error, or NULL */
	bool			 exited;	/* the leader exited */
	bool			 term_sent, kill_sent, timed_out;
	long long		 term_at, kill_at;
	long long		 leave_at;	/* 0, or when to stop waiting
						 * for the exit */
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
	return calloc(1, sizeof(struct resident));
}

/* --- the frame ---------------------------------------------------------- */

/* The header block: each HOOKLINE_* entry of env as NAME=value, bytes
 * below 0x20 and 0x7f in the value as '?' (a sender's content type or
 * delivery id must not make a line of its own), then
 * HOOKLINE_BODY_LENGTH and the empty line. malloc'd, or NULL. */
static char *
frame_head(const char *const *env, size_t body_len, size_t *lenp)
{
	size_t len = 0, i, j, pre = sizeof("HOOKLINE_") - 1;
	char *h, *p, tail[64];
	int t;

	t = snprintf(tail, sizeof(tail), "HOOKLINE_BODY_LENGTH=%zu\n\n",
	    body_len);
	if (t < 0 || (size_t)t >= sizeof(tail))
		return NULL;
	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], "HOOKLINE_", pre) == 0)
			len += strlen(env[i]) + 1;
	if ((h = malloc(len + (size_t)t + 1)) == NULL)
		return NULL;
	p = h;
	for (i = 0; env[i] != NULL; i++) {
		const char *e = env[i], *eq = strchr(e, '=');

		if (strncmp(e, "HOOKLINE_", pre) != 0 || eq == NULL)
			continue;
		for (j = 0; e[j] != '\0'; j++) {
			unsigned char c = (unsigned char)e[j];

			*p++ = e + j > eq && (c < 0x20 || c == 0x7f) ? '?' :
			    (char)c;
		}
		*p++ = '\n';
	}
	memcpy(p, tail, (size_t)t + 1);
	*lenp = (size_t)(p - h) + (size_t)t;
	return h;
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
	if (kill_now)
		(void)kill(-w->p.pid, SIGKILL);
	g = reallocarray(r->gone, r->ngone + 1, sizeof(*g));
	if (g == NULL) {
		/* No room to remember it: end it here and now. */
		int status;

		(void)kill(-w->p.pid, SIGKILL);
		(void)kill(w->p.pid, SIGKILL);
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

/* Starts a worker for p. 0, or -1 with err (refused, cannot start). */
static int
worker_start(struct pool *p, const struct run_spec *spec,
    struct worker *w, struct err *err)
{
	char *argv[2] = { p->path, NULL };
	const char *envp[3] = { NULL, "HOOKLINE_RESIDENT=1", NULL };
	long long start;
	size_t i;
	int status;

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
		if (w->p.pid > 0) {
			(void)kill(w->p.pid, SIGKILL);
			while (waitpid(w->p.pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
		}
		return -1;
	}
	w->xfd = proc_exit_fd(w->p.pid);
	return 0;
}

/* --- one delivery ------------------------------------------------------- */

/* Reads fd 3. The status, once the line is whole; a protocol error when
 * anything but 1-3 digits and '\n' (at most 255) comes, or more after
 * it. EOF: the worker closed fd 3 or died; the exit tells. */
static void
read_status(struct job *j, int *fd)
{
	char buf[STATUS_MAX + 1];
	size_t i, room = STATUS_MAX - j->stn;
	ssize_t n;
	int v = 0;

	n = read(*fd, buf, room + 1);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	if ((size_t)n > room) {
		j->broke = "status line too long";
		return;
	}
	memcpy(j->st + j->stn, buf, (size_t)n);
	j->stn += (size_t)n;
	if (j->st[j->stn - 1] != '\n') {
		if (memchr(j->st, '\n', j->stn) != NULL)
			j->broke = "bytes after the status line";
		else if (j->stn == STATUS_MAX)
			j->broke = "status line too long";
		return;
	}
	for (i = 0; i + 1 < j->stn; i++) {
		if (j->st[i] < '0' || j->st[i] > '9') {
			j->broke = "status is not a number";
			return;
		}
		v = v * 10 + (j->st[i] - '0');
	}
	if (j->stn < 2 || v > 255) {
		j->broke = "status is not a number from 0 to 255";
		return;
	}
	j->status = v;
}

/* Writes the next piece of the frame; EOF after it when one-shot. */
static void
feed(struct job *j, int *fd)
{
	const void *buf = j->headoff < j->headlen ? j->head + j->headoff :
	    (const void *)(j->body + j->bodyoff);
	size_t len = j->headoff < j->headlen ? j->headlen - j->headoff :
	    j->bodylen - j->bodyoff;
	ssize_t w;

	if (len > 65536)
		len = 65536;
	w = len == 0 ? 0 : write(*fd, buf, len);
	if (w > 0) {
		if (j->headoff < j->headlen)
			j->headoff += (size_t)w;
		else
			j->bodyoff += (size_t)w;
	} else if (w == -1 && errno != EAGAIN && errno != EINTR) {
		close_fd(fd);	/* EPIPE: it died or closed stdin */
		return;
	}
	if (j->oneshot && j->headoff == j->headlen &&
	    j->bodyoff == j->bodylen)
		close_fd(fd);
}

static bool
frame_done(const struct job *j)
{
	return j->headoff == j->headlen && j->bodyoff == j->bodylen;
}

/* Sends SIGTERM, then SIGKILL, to the group when due; notes the exit.
 * Returns when the next thing is due (-1: nothing). */
static long long
job_clock(struct job *j, struct worker *w, long long now)
{
	if (!j->exited && leader_exited(w->p.pid))
		j->exited = true;
	if (j->exited)
		return -1;
	if (!j->term_sent && now >= j->term_at) {
		(void)kill(-w->p.pid, SIGTERM);
		j->term_sent = j->timed_out = true;
	}
	if (!j->kill_sent && now >= j->kill_at) {
		(void)kill(-w->p.pid, SIGKILL);
		j->kill_sent = true;
	}
	return !j->term_sent ? j->term_at : !j->kill_sent ? j->kill_at : -1;
}

/* One poll() over the worker's pipes for at most ms, then what is
 * ready. -1 with errno when poll() fails (EINTR included). */
static int
job_pump(struct job *j, struct worker *w, int ms)
{
	struct pollfd pfd[5];
	int *fds[4] = { &w->p.in, &w->p.out, &w->p.err, &w->p.st };
	int idx[4] = { -1, -1, -1, -1 }, i;
	nfds_t n = 0;

	for (i = 0; i < 4; i++) {
		if (*fds[i] == -1 || (i == 0 && frame_done(j)) ||
		    (i == 3 && j->status >= 0))
			continue;
		pfd[n] = (struct pollfd){ .fd = *fds[i],
		    .events = i == 0 ? POLLOUT : POLLIN };
		idx[i] = (int)n++;
	}
	if (!j->exited && w->xfd != -1)
		pfd[n++] = (struct pollfd){ .fd = w->xfd, .events = POLLIN };
	if (poll(pfd, n, ms) == -1)
		return -1;
	if (idx[0] != -1 && pfd[idx[0]].revents != 0)
		feed(j, fds[0]);
	for (i = 1; i < 3; i++)
		if (idx[i] != -1 && pfd[idx[i]].revents != 0 &&
		    tail_read(i == 1 ? &j->tout : &j->terr, *fds[i]) == 0)
			close_fd(fds[i]);
	if (idx[3] != -1 && pfd[idx[3]].revents != 0)
		read_status(j, fds[3]);
	return 0;
}

/* Takes what stdout and stderr hold now, without waiting (a hook
 * flushes them before its status line), leaving them open. */
static void
take_ready(struct tail *t, int *fd)
{
	size_t total = 0;
	ssize_t n;

	while (*fd != -1 && total < STALE_MAX) {
		if ((n = tail_read(t, *fd)) > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == 0)
			close_fd(fd);
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
}

/* Runs j on w until its status line (one-shot: and its exit), a
 * protocol error, its exit or the deadline's end. Returns 0, or -1 with
 * errno when poll() fails. */
static int
job_run(struct job *j, struct worker *w)
{
	long long now, due, wait;

	for (;;) {
		if (j->status >= 0 && !j->oneshot && !frame_done(j))
			/* It cannot have read what we have not written:
			 * the rest would be read as the next frame. */
			j->broke = "status before the whole body was read";
		if (j->broke != NULL || (j->status >= 0 && !j->oneshot))
			return 0;
		now = mono_ms();
		due = job_clock(j, w, now);
		if (j->exited)
			return 0;
		/* One-shot after its status: a second to exit. A worker
		 * that closed fd 3 without one: a second to die, else it
		 * broke the protocol. */
		if (j->leave_at == 0 && (j->oneshot ? j->status >= 0 :
		    w->p.st == -1))
			j->leave_at = now + LEAVE_MS;
		if (j->leave_at != 0 && now >= j->leave_at) {
			if (!j->oneshot)
				j->broke = "fd 3 closed without a status";
			return 0;
		}
		if (j->leave_at != 0 && (due < 0 || j->leave_at < due))
			due = j->leave_at;
		wait = due < 0 ? -1 : due - now;
		if (wait > INT_MAX)
			wait = INT_MAX;
		if (!j->exited && w->xfd == -1 && (wait < 0 || wait > TICK_MS))
			wait = TICK_MS;
		if (job_pump(j, w, (int)wait) == -1 && errno != EINTR)
			return -1;
	}
}

/* After job_run: the result, and w's fate. Returns 1 when w may take
 * more deliveries, 0 when it must go; *bad says it broke the delivery. */
static int
job_result(struct job *j, struct worker *w, long long start,
    struct run_result *res, bool *bad, struct err *err)
{
	int status = -1;
	bool keep = j->broke == NULL && !j->exited && !j->timed_out &&
	    j->status >= 0 && !j->oneshot;

	*bad = false;
	/* A status written just before the exit is still in the pipe. */
	for (int k = 0; k < STATUS_MAX + 1 && j->status < 0 &&
	    j->broke == NULL && w->p.st != -1 && j->exited; k++)
		read_status(j, &w->p.st);
	if (keep) {
		take_ready(&j->tout, &w->p.out);
		take_ready(&j->terr, &w->p.err);
		res->exited = true;
		res->exit_code = j->status;
	} else {
		/* Done with it: its group is killed, the rest of its output
		 * taken, and it is reaped. */
		(void)kill(-w->p.pid, SIGKILL);
		tail_drain(&j->tout, &w->p.out);
		tail_drain(&j->terr, &w->p.err);
		while (waitpid(w->p.pid, &status, 0) == -1) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
		w->p.pid = -1;
		if (j->broke != NULL) {
			err_set(err, "resident hook broke the protocol: %s",
			    j->broke);
			*bad = true;
		} else if (j->status >= 0 && !j->timed_out) {
			res->exited = true;	/* one-shot: its line counts */
			res->exit_code = j->status;
		} else {
			run_status_fill(res, status);
			if (!j->oneshot || j->timed_out)
				*bad = true;
			if (res->exited && res->exit_code == 0 &&
			    !j->oneshot) {
				/* Left in the middle, saying nothing. */
				res->exited = false;
				err_set(err, "resident hook exited without "
				    "a status");
			}
		}
	}
	res->timed_out = j->timed_out;
	res->duration_ms = mono_ms() - start;
	if ((res->out = tail_take(&j->tout, &res->out_len)) == NULL ||
	    (res->errout = tail_take(&j->terr, &res->errout_len)) == NULL) {
		err_set(err, "out of memory");
		*bad = *bad || keep;
	}
	return keep;
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
	if (worker_start(p, spec, &v[p->n], err) == -1)
		return -1;
	*wp = &v[p->n++];
	return 0;
}

/* The delivery on w; see resident_run. */
static int
deliver(struct resident *r, struct pool *p, struct worker *w,
    const struct run_spec *spec, unsigned idle, struct run_result *res,
    struct err *err)
{
	struct job j;
	long long start = mono_ms();
	char *head;
	bool bad;
	int rc = 0, keep;

	memset(&j, 0, sizeof(j));
	j.status = -1;
	j.oneshot = r == NULL;
	if ((head = frame_head(spec->env, spec->body_len, &j.headlen)) ==
	    NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	j.head = head;
	j.body = spec->body;
	j.bodylen = spec->body_len;
	j.term_at = start + (long long)spec->timeout * 1000;
	j.kill_at = j.term_at + (long long)spec->kill_after * 1000;
	res->ran = true;
	if (job_run(&j, w) == -1) {
		err_set(err, "poll: %s", strerror(errno));
		j.broke = "could not be supervised";
	}
	keep = job_result(&j, w, start, res, &bad, err);
	rc = err->msg[0] != '\0' ? -1 : 0;
	if (p != NULL) {
		if (bad)
			pool_broke(p, mono_ms());
		else
			p->broken = 0;
		w->idle_at = mono_ms() + (long long)idle * 1000;
		if (!keep)
			pool_drop(r, p, (size_t)(w - p->v), true);
	}
	free(head);
	free(j.tout.buf);
	free(j.terr.buf);
	return rc;
}

/* r NULL: a worker of our own for this one delivery. */
static int
oneshot(const struct run_spec *spec, const char *path,
    struct run_result *res, struct err *err)
{
	struct pool p = { .path = (char *)path };
	struct worker w = { .xfd = -1 };
	int rc;

	if (worker_start(&p, spec, &w, err) == -1)
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
	free(r);
}
