/* run.c: run one hook: exec it by its path once checked, pump stdin/stdout/stderr, deadline, reap. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hookcheck.h"
#include "platform.h"
#include "run.h"
#include "run_int.h"

/* After the hook (the group leader) exits, how long its background
 * children may keep stdout/stderr open before they are killed. */
#define EXIT_GRACE_MS	1000
/* The hook's own fds: stdin, stdout, stderr (a resident hook: and 3). */
#define RUN_CHILD_FDS	3
#define RUN_MAX_FDS	4
/* Without a pidfd we cannot poll for the exit; look this often. */
#define TICK_MS		10
/* One write() of the body at most; a pipe takes 64 KiB by default. */
#define WRITE_CHUNK	(64 * 1024)

/* One running hook, from the parent's side. */
struct child {
	pid_t			 pid;
	int			 in, out, err;	/* our pipe ends; -1 once closed */
	int			 xfd;		/* pidfd, or -1 */
	const unsigned char	*body;
	size_t			 left;
	struct tail		 tout, terr;
	bool			 exited;	/* leader exited, not yet reaped */
	bool			 term_sent, kill_sent;
	long long		 term_at, kill_at;	/* deadlines, ms */
	long long		 end_at;	/* after the exit: the grace's end */
};

long long
mono_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on any system we build on (EINVAL
	 * only for an unknown clock); 0 would merely fire the deadline. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
close_fd(int *fd)
{
	if (*fd != -1) {
		/* A pipe or file we only read or wrote: nothing to flush. */
		(void)close(*fd);
		*fd = -1;
	}
}

char *
path_join(const char *dir, const char *rel)
{
	size_t dl = strlen(dir), len;
	const char *sep = dl > 0 && dir[dl - 1] == '/' ? "" : "/";
	char *p;
	int r;

	len = dl + strlen(sep) + strlen(rel) + 1;
	if ((p = malloc(len)) == NULL)
		return NULL;
	r = snprintf(p, len, "%s%s%s", dir, sep, rel);
	if (r < 0 || (size_t)r >= len) {
		free(p);
		return NULL;
	}
	return p;
}

/* In the child of vfork(), which runs on our memory until it execs:
 * only async-signal-safe calls, and no writes but to its own locals.
 * fds[0..nfds-1] (stdin, stdout, stderr; for a resident hook the
 * status pipe too) end up at 0..nfds-1, the exec-error pipe at nfds
 * (close-on-exec), and every other fd is closed: the hook has 0, 1 and
 * 2 only (and 3, resident). parent > 0: the hook gets SIGKILL when
 * parent (we) dies, so that a resident hook never outlives us.
 *
 * The hook is executed by its path, argv[0], which hook_check() has
 * just checked on an fd: the exec opens the same file again, not that
 * fd. That is safe because of what the check demands: only we or root
 * own the hook and the folders it is reached through below the hooks
 * folder, and none of them is writable by group or others, so nobody
 * else can change or swap the file between the check and the exec.
 * (The folders above the hooks folder are trusted as the configuration
 * file's are: whoever may rename them chooses the hooks anyway.)
 * Running the path, not the fd (fexecve), is what gives a #! script its
 * own path as $0 (the kernel hands the interpreter the name execve was
 * given: /dev/fd/N for an fd), and needs no /dev/fd or /proc, which a
 * chroot or a minimal container may lack. */
static void __attribute__((noreturn))
exec_child(const int *fds, int nfds, int report, pid_t parent,
    char *const argv[], char *const envp[])
{
	sigset_t none;
	int hi[RUN_MAX_FDS + 1], i, e;

	/* Copies above nfds first, so placing one at 0..nfds cannot
	 * clobber another that happened to sit there (a caller with fd 0
	 * closed). */
	for (i = 0; i < nfds; i++)
		if ((hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, nfds + 1)) == -1)
			goto fail;
	if ((hi[nfds] = fcntl(report, F_DUPFD_CLOEXEC, nfds + 1)) == -1)
		goto fail;
	for (i = 0; i < nfds; i++)	/* dup2 clears FD_CLOEXEC */
		if (dup2(hi[i], i) == -1)
			goto fail;
	if (dup3(hi[nfds], nfds, O_CLOEXEC) == -1)
		goto fail;
	report = nfds;
	if (close_fds_from(nfds + 1) == -1)
		goto fail;
	/* Its own group, so the deadline reaches whatever it starts. */
	if (setpgid(0, 0) == -1)
		goto fail;
	/* Dies with us: SIGKILL when the process that started it goes,
	 * even by kill -9 (a resident hook would otherwise wait on its
	 * stdin forever, orphaned). */
	if (parent > 0 && exit_with_parent(parent, SIGKILL) == -1)
		goto fail;
	/* Ignored signals and the mask survive exec (we block SIGPIPE,
	 * callers may ignore it, the caller blocked all for the vfork):
	 * the hook starts with every default and nothing blocked, as a
	 * fresh login would. Handlers first: none of ours may run here. */
	if (signals_default() == -1)
		goto fail;
	(void)sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		goto fail;
	(void)execve(argv[0], argv, envp);
fail:
	e = errno;
	/* The parent reads this instead of EOF; nothing to do if it fails. */
	if (write(report, &e, sizeof(e)) == -1)
		_exit(127);
	_exit(127);
}

/* vfork(), not fork(): the child borrows our memory until it execs, so
 * no page tables are copied and no copy-on-write faults follow, which
 * was most of the cost of a hook run. Its own function, so that no local
 * of the caller lives across the vfork. The caller blocks every signal
 * around it: no handler of ours may run in the child. */
static pid_t
start_child(const int *fds, int nfds, int report, pid_t parent,
    char *const argv[], char *const envp[])
{
	pid_t pid = vfork();

	if (pid == 0)
		exec_child(fds, nfds, report, parent, argv, envp);
	return pid;
}

/* Reads what is there into t, whose ring is made on the first read: a
 * quiet hook costs no 64 KiB. Returns >0, 0 at EOF, -1 with errno
 * (ENOMEM: the output is dropped, as for any read error). */
ssize_t
tail_read(struct tail *t, int fd)
{
	ssize_t n;

	if (t->buf == NULL && (t->buf = malloc(RUN_TAIL_MAX)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	n = read(fd, t->buf + t->pos, RUN_TAIL_MAX - t->pos);
	if (n > 0) {
		t->pos = (t->pos + (size_t)n) % RUN_TAIL_MAX;
		t->len = t->len + (size_t)n > RUN_TAIL_MAX ? RUN_TAIL_MAX :
		    t->len + (size_t)n;
	}
	return n;
}

/* Reads fd once; closes it at EOF or on error (the hook's problem). */
static void
pump_out(struct tail *t, int *fd)
{
	ssize_t n = tail_read(t, *fd);

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		close_fd(fd);
}

/* Takes what is left in a pipe without waiting, then closes it. At
 * most two rings' worth: a process that left our group (setsid) may
 * hold the pipe and write forever. */
void
tail_drain(struct tail *t, int *fd)
{
	size_t total = 0;

	while (*fd != -1 && total < 2 * RUN_TAIL_MAX) {
		ssize_t n = tail_read(t, *fd);

		if (n > 0)
			total += (size_t)n;
		else if (n == -1 && errno == EINTR)
			continue;
		else
			break;
	}
	close_fd(fd);
}

/* The ring in order, NUL-terminated for the caller's convenience. */
char *
tail_take(const struct tail *t, size_t *lenp)
{
	char *p;
	size_t a;

	if ((p = malloc(t->len + 1)) == NULL)
		return NULL;
	if (t->len < RUN_TAIL_MAX) {
		if (t->len > 0)		/* else perhaps no ring was made */
			memcpy(p, t->buf, t->len);
	} else {
		a = RUN_TAIL_MAX - t->pos;
		memcpy(p, t->buf + t->pos, a);
		memcpy(p + a, t->buf, t->pos);
	}
	p[t->len] = '\0';
	*lenp = t->len;
	return p;
}

/* 1 once the leader has exited. WNOWAIT leaves it a zombie: its pid,
 * and so its group id, cannot be reused until we reap it, which makes
 * every kill(-pid) before that safe. */
int
leader_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno != EINTR;	/* ECHILD: gone already */
	return si.si_pid == pid;
}

/* The deadline's part of a turn of supervise(): notes the leader's
 * exit, sends SIGTERM and SIGKILL to the group when due. Returns when
 * the next thing is due (-1: nothing), and sets *done once the hook is
 * done: the leader exited and its outputs closed, or their grace ran
 * out. */
static long long
deadline(struct child *c, long long now, bool *timed_out, bool *done)
{
	if (!c->exited && leader_exited(c->pid)) {
		c->exited = true;
		c->end_at = now + EXIT_GRACE_MS < c->kill_at ?
		    now + EXIT_GRACE_MS : c->kill_at;
	}
	if (c->exited) {
		/* Output held open by the leader's background children:
		 * they get the grace, then the kill. */
		*done = (c->out == -1 && c->err == -1) || now >= c->end_at;
		return c->end_at;
	}
	if (!c->term_sent && now >= c->term_at) {
		/* The whole group: a shell's children too. ESRCH only if
		 * all of it just died. */
		(void)kill(-c->pid, SIGTERM);
		c->term_sent = true;
		*timed_out = true;
	}
	if (!c->kill_sent && now >= c->kill_at) {
		(void)kill(-c->pid, SIGKILL);
		c->kill_sent = true;
	}
	return !c->term_sent ? c->term_at : !c->kill_sent ? c->kill_at : -1;
}

/* Writes the next chunk of the body to the hook's stdin. */
static void
feed(struct child *c)
{
	size_t len = c->left < WRITE_CHUNK ? c->left : WRITE_CHUNK;
	ssize_t w = write(c->in, c->body, len);

	if (w > 0) {
		c->body += w;
		c->left -= (size_t)w;
		if (c->left == 0)
			close_fd(&c->in);	/* EOF */
	} else if (w == -1 && errno != EAGAIN && errno != EINTR) {
		/* EPIPE: the hook does not want (the rest of) its stdin.
		 * Its own business. */
		close_fd(&c->in);
	}
}

/* One poll() over the open pipes (and the pidfd: readable means the
 * leader exited, which deadline() notes), for at most ms, then what is
 * ready. 0, or -1 with errno (EINTR included). */
static int
pump(struct child *c, int ms)
{
	struct pollfd pfd[4];
	int iin = -1, iout = -1, ierr = -1;
	nfds_t n = 0;

	if (c->in != -1) {
		pfd[n] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
		iin = (int)n++;
	}
	if (c->out != -1) {
		pfd[n] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		iout = (int)n++;
	}
	if (c->err != -1) {
		pfd[n] = (struct pollfd){ .fd = c->err, .events = POLLIN };
		ierr = (int)n++;
	}
	if (!c->exited && c->xfd != -1)
		pfd[n++] = (struct pollfd){ .fd = c->xfd, .events = POLLIN };
	if (poll(pfd, n, ms) == -1)
		return -1;
	if (iin != -1 && pfd[iin].revents != 0)
		feed(c);
	if (iout != -1 && pfd[iout].revents != 0)
		pump_out(&c->tout, &c->out);
	if (ierr != -1 && pfd[ierr].revents != 0)
		pump_out(&c->terr, &c->err);
	return 0;
}

/* Feeds the body and reads both outputs at once, so that neither a
 * hook blocked writing nor one blocked reading can stall the other
 * side; enforces the deadline. Returns 0 when the hook is done (the
 * leader exited and its outputs closed, or their grace ran out), -1
 * with errno if poll() failed. The leader is never reaped here. */
static int
supervise(struct child *c, long long start, unsigned timeout,
    unsigned kill_after, bool *timed_out)
{
	long long now, due, wait;
	bool done = false;

	c->term_at = start + (long long)timeout * 1000;
	c->kill_at = c->term_at + (long long)kill_after * 1000;
	for (;;) {
		now = mono_ms();
		due = deadline(c, now, timed_out, &done);
		if (done)
			return 0;
		wait = due < 0 ? -1 : due - now;
		if (wait > INT_MAX)
			wait = INT_MAX;
		/* No pidfd: look for the exit on a short tick. */
		if (!c->exited && c->xfd == -1 &&
		    (wait < 0 || wait > TICK_MS))
			wait = TICK_MS;
		if (pump(c, (int)wait) == -1 && errno != EINTR)
			return -1;
	}
}

int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

int
pipeguard_block(struct pipeguard *g, struct err *err)
{
	sigset_t pending;
	int e;

	if (sigemptyset(&g->set) == -1 || sigaddset(&g->set, SIGPIPE) == -1 ||
	    sigemptyset(&pending) == -1) {
		err_set(err, "sigset: %s", strerror(errno));
		return -1;
	}
	if ((e = pthread_sigmask(SIG_BLOCK, &g->set, &g->old)) != 0) {
		err_set(err, "sigmask: %s", strerror(e));
		return -1;
	}
	g->masked = true;
	g->was_pending = sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1;
	return 0;
}

void
pipeguard_restore(struct pipeguard *g)
{
	sigset_t pending;

	if (!g->masked)
		return;
	/* Take back a SIGPIPE we caused, then unblock: otherwise it would
	 * be delivered, and kill us, right here. */
	if (!g->was_pending && sigemptyset(&pending) == 0 &&
	    sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
		struct timespec zero = { 0, 0 };

		(void)sigtimedwait(&g->set, NULL, &zero);
	}
	(void)pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	g->masked = false;
}

/* The pipes of a start: the hook's stdin, stdout, stderr, the
 * exec-error report, and (resident) the status pipe. [0] reads, [1]
 * writes; -1 once closed or not made. */
struct pipes {
	int	in[2], out[2], err[2], ex[2], st[2];
};

static void
pipes_close(struct pipes *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		close_fd(&p->in[i]);
		close_fd(&p->out[i]);
		close_fd(&p->err[i]);
		close_fd(&p->ex[i]);
		close_fd(&p->st[i]);
	}
}

static int
pipes_open(struct pipes *p, bool status, struct err *err)
{
	if (pipe2(p->in, O_CLOEXEC) == -1 || pipe2(p->out, O_CLOEXEC) == -1 ||
	    pipe2(p->err, O_CLOEXEC) == -1 || pipe2(p->ex, O_CLOEXEC) == -1 ||
	    (status && pipe2(p->st, O_CLOEXEC) == -1)) {
		err_set(err, "pipe: %s", strerror(errno));
		return -1;
	}
	if (set_nonblock(p->in[1]) == -1 || set_nonblock(p->out[0]) == -1 ||
	    set_nonblock(p->err[0]) == -1 ||
	    (status && set_nonblock(p->st[0]) == -1)) {
		err_set(err, "fcntl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
run_spawn(struct run_proc *c, char *const argv[], char *const envp[],
    bool resident, long long *start, struct err *err)
{
	struct pipes p = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 },
	    { -1, -1 } };
	sigset_t all, forkmask;
	int cfds[RUN_MAX_FDS], nfds = resident ? 4 : RUN_CHILD_FDS;
	int cerr, e, rc = -1;
	pid_t parent = resident ? getpid() : 0;
	ssize_t n;

	c->pid = -1;
	c->in = c->out = c->err = c->st = -1;
	if (pipes_open(&p, resident, err) == -1)
		goto done;
	if (sigfillset(&all) == -1) {
		err_set(err, "sigset: %s", strerror(errno));
		goto done;
	}
	if ((e = pthread_sigmask(SIG_SETMASK, &all, &forkmask)) != 0) {
		err_set(err, "sigmask: %s", strerror(e));
		goto done;
	}
	cfds[0] = p.in[0];
	cfds[1] = p.out[1];
	cfds[2] = p.err[1];
	cfds[3] = p.st[1];
	*start = mono_ms();
	c->pid = start_child(cfds, nfds, p.ex[1], parent, argv, envp);
	e = errno;
	if (pthread_sigmask(SIG_SETMASK, &forkmask, NULL) != 0) {
		/* Cannot happen with a mask we just read back; say so if it
		 * does rather than run on with every signal blocked. */
		err_set(err, "sigmask restore failed");
		goto done;
	}
	if (c->pid == -1) {
		err_set(err, "vfork: %s", strerror(e));
		goto done;
	}
	/* The child has exec'd or exited by now (vfork waits for either):
	 * its group exists, or it is at _exit(127). */
	close_fd(&p.in[0]);
	close_fd(&p.out[1]);
	close_fd(&p.err[1]);
	close_fd(&p.ex[1]);
	close_fd(&p.st[1]);
	/* EOF: exec worked (the pipe is close-on-exec). An int: it did not. */
	do
		n = read(p.ex[0], &cerr, sizeof(cerr));
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(cerr)) {
		err_set(err, "cannot execute: %s", strerror(cerr));
		goto done;
	}
	c->in = p.in[1];
	c->out = p.out[0];
	c->err = p.err[0];
	c->st = p.st[0];
	p.in[1] = p.out[0] = p.err[0] = p.st[0] = -1;
	rc = 0;
done:
	pipes_close(&p);
	return rc;
}

void
run_status_fill(struct run_result *res, int status)
{
	if (status != -1 && WIFEXITED(status)) {
		res->exited = true;
		res->exit_code = WEXITSTATUS(status);
	} else if (status != -1 && WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
	}
}

/* After supervise(): kills what is left of the group (background
 * children, or all of it if poll failed; the unreaped leader pins the
 * group id), takes the rest of the output, reaps the leader and fills
 * res. Returns 0, or -1 with err (status lost, no memory). */
static int
finish(struct child *c, long long start, bool timed_out,
    struct run_result *res, struct err *err)
{
	int status, rc = 0;

	(void)kill(-c->pid, SIGKILL);
	tail_drain(&c->tout, &c->out);
	tail_drain(&c->terr, &c->err);
	close_fd(&c->in);
	while (waitpid(c->pid, &status, 0) == -1) {
		if (errno != EINTR) {
			/* ECHILD: the caller set SIGCHLD to SIG_IGN and
			 * the kernel reaped it; the status is lost. */
			err_set(err, "waitpid: %s", strerror(errno));
			rc = -1;
			status = -1;
			break;
		}
	}
	c->pid = -1;
	res->duration_ms = mono_ms() - start;
	res->timed_out = timed_out;
	run_status_fill(res, status);
	if ((res->out = tail_take(&c->tout, &res->out_len)) == NULL ||
	    (res->errout = tail_take(&c->terr, &res->errout_len)) == NULL) {
		err_set(err, "out of memory");
		rc = -1;
	}
	return rc;
}

int
run_hook(const struct run_spec *spec, struct run_result *res, struct err *err)
{
	struct child c = { .pid = -1, .in = -1, .out = -1, .err = -1,
	    .xfd = -1 };
	struct pipeguard guard = { .masked = false };
	struct run_proc rp;
	char *argv[3] = { NULL, NULL, NULL };
	long long start = mono_ms();
	bool timed_out = false;
	int status, rc = -1, rp_rc;

	memset(res, 0, sizeof(*res));
	if (spec->hooks_dir == NULL || spec->relpath == NULL ||
	    spec->event == NULL || spec->env == NULL ||
	    (spec->body == NULL && spec->body_len > 0)) {
		err_set(err, "run_hook: incomplete spec");
		goto fail;
	}
	if (!hook_relpath_valid(spec->relpath)) {
		err_set(err, "bad hook path");
		goto fail;
	}
	/* argv: the hook's path, then the event (contract, "The hooks
	 * directory"); a script's $0 is that path. */
	if ((argv[0] = path_join(spec->hooks_dir, spec->relpath)) == NULL ||
	    (argv[1] = strdup(spec->event)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (hook_check(spec->hooks_dir, spec->relpath, argv[0], err) == -1 ||
	    pipeguard_block(&guard, err) == -1)
		goto fail;
	rp_rc = run_spawn(&rp, argv, (char *const *)spec->env, false, &start,
	    err);
	c.pid = rp.pid;
	if (rp_rc == -1)
		goto fail;
	c.in = rp.in;
	c.out = rp.out;
	c.err = rp.err;

	res->ran = true;
	c.body = spec->body;
	c.left = spec->body_len;
	if (c.left == 0)
		close_fd(&c.in);
	/* No pidfd (old kernel): supervise() polls on a short tick. */
	c.xfd = proc_exit_fd(c.pid);
	rc = 0;
	if (supervise(&c, start, spec->timeout, spec->kill_after,
	    &timed_out) == -1) {
		err_set(err, "poll: %s", strerror(errno));
		rc = -1;
	}
	if (finish(&c, start, timed_out, res, err) == -1)
		rc = -1;
	/* fall through: the cleanup is the same on success */
fail:
	if (c.pid > 0) {
		/* Only a start that failed: an exec that failed, or the
		 * sigmask restore. Unreaped, its pid is safe to kill. */
		(void)kill(-c.pid, SIGKILL);
		(void)kill(c.pid, SIGKILL);
		while (waitpid(c.pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	close_fd(&c.xfd);
	close_fd(&c.in);
	close_fd(&c.out);
	close_fd(&c.err);
	pipeguard_restore(&guard);
	free(c.terr.buf);
	free(c.tout.buf);
	free(argv[1]);
	free(argv[0]);
	return rc;
}

void
run_result_free(struct run_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	free(res->errout);
	res->out = res->errout = NULL;
	res->out_len = res->errout_len = 0;
}

int
run_ok(const struct run_result *res)
{
	return res != NULL && res->ran && res->exited && res->exit_code == 0;
}
