/* resident_job.c: one delivery on one resident worker: the frame
 * written, stdout and stderr read into the tails while waiting for the
 * status line on fd 3, under the delivery's deadline.
 *
 * Who controls what is read here: the sender controls the frame's
 * values (content type, delivery id: control bytes become '?') and the
 * body (written as it is, counted); the hook, a program of the
 * operator's that may be buggy or compromised, controls what comes back:
 * its status line (a few bytes, else a protocol error), its stdout and
 * stderr (the last RUN_TAIL_MAX bytes of each are kept, as for one-shot
 * hooks), and when it exits. */
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

#include "resident.h"
#include "resident_int.h"

/* The status line: "0\n" to "255\n" (RESIDENT_STATUS_MAX bytes). */
#define STATUS_MAX	RESIDENT_STATUS_MAX
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

/* --- one delivery ------------------------------------------------------- */

int
resident_status_feed(char *st, size_t *stn, const char *buf, size_t n,
    const char **why)
{
	size_t i;
	int v = 0;

	/* Each byte judged as it comes: a hook that wrote a wrong one is
	 * told at once, not when its deadline ends the wait for a '\n'. */
	for (i = 0; i < n; i++) {
		if (*stn > 0 && st[*stn - 1] == '\n') {
			*why = "bytes after the status line";
			return -2;
		}
		if (buf[i] != '\n' && (buf[i] < '0' || buf[i] > '9')) {
			*why = "status is not a number";
			return -2;
		}
		if (buf[i] != '\n' && *stn == RESIDENT_STATUS_MAX - 1) {
			*why = "status line too long";
			return -2;
		}
		st[(*stn)++] = buf[i];
	}
	if (*stn == 0 || st[*stn - 1] != '\n')
		return -1;
	for (i = 0; i + 1 < *stn; i++)
		v = v * 10 + (st[i] - '0');
	if (*stn < 2 || v > 255) {
		*why = "status is not a number from 0 to 255";
		return -2;
	}
	return v;
}

/* Reads fd 3 into the status line (resident_status_feed). EOF: the
 * worker closed fd 3 or died; the exit tells. Who controls these bytes:
 * the hook, a program of the operator's that may be buggy or
 * compromised: at most STATUS_MAX + 1 of them are read per call, and
 * nothing past STATUS_MAX is ever held. */
static void
read_status(struct job *j, int *fd)
{
	char buf[STATUS_MAX + 1];
	ssize_t n;
	int v;

	n = read(*fd, buf, STATUS_MAX - j->stn + 1);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	if ((v = resident_status_feed(j->st, &j->stn, buf, (size_t)n,
	    &j->broke)) >= 0)
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
		guard_del(w->guard, w->p.pid);
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

int
worker_deliver(struct worker *w, const struct run_spec *spec, bool oneshot,
    struct run_result *res, bool *bad, struct err *err)
{
	struct job j;
	long long start = mono_ms();
	char *head;
	int keep;

	memset(&j, 0, sizeof(j));
	j.status = -1;
	j.oneshot = oneshot;
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
	keep = job_result(&j, w, start, res, bad, err);
	free(head);
	free(j.tout.buf);
	free(j.terr.buf);
	return keep;
}

