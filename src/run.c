/* run.c: run one hook: open it once, exec that fd, pump stdin/stdout/stderr, deadline, reap. */
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

#include "platform.h"
#include "run.h"

/* After the hook (the group leader) exits, how long its background
 * children may keep stdout/stderr open before they are killed. */
#define EXIT_GRACE_MS	1000
/* Without a pidfd we cannot poll for the exit; look this often. */
#define TICK_MS		10
/* One write() of the body at most; a pipe takes 64 KiB by default. */
#define WRITE_CHUNK	(64 * 1024)

/* O_NOFOLLOW: a symlink fails with ELOOP and gets its own check.
 * O_NONBLOCK: a FIFO planted as a hook must not block the open; the
 * fstat() that follows refuses it. O_CLOEXEC: only the child's copy at
 * fd 3 stays open across exec. */
#define HOOK_OPEN	(O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | \
			 O_NOCTTY)

/* The last RUN_TAIL_MAX bytes of a stream, as a ring: bytes are read
 * straight into it, so no output is ever held twice or grows. */
struct tail {
	char	*buf;
	size_t	 pos;	/* next byte goes here */
	size_t	 len;	/* bytes held; == pos until the first wrap */
};

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
};

static long long
mono_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on any system we build on (EINVAL
	 * only for an unknown clock); 0 would merely fire the deadline. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
close_fd(int *fd)
{
	if (*fd != -1) {
		/* A pipe or file we only read or wrote: nothing to flush. */
		(void)close(*fd);
		*fd = -1;
	}
}

/* relpath as route_resolve() makes it: "E", "E.d/NAME" or "_default";
 * at most one '/', no empty, "." or ".." component, no leading dot. */
static int
relpath_valid(const char *p)
{
	size_t i, seg = 0, slashes = 0;

	for (i = 0; p[i] != '\0'; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '/') {
			if (seg == 0 || ++slashes > 1)
				return 0;
			seg = 0;
			continue;
		}
		if (seg == 0 && c == '.')
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == ':' || c == '-'))
			return 0;
		seg++;
	}
	return seg > 0;
}

static char *
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

/* A symlinked hook may run only if it resolves inside the hooks folder:
 * a link to a hook kept next to it is handy, a link to /bin/sh is not. */
static int
open_symlinked(const char *hooks_dir, const char *abspath, struct err *err)
{
	char *rdir = NULL, *rhook = NULL;
	size_t dl;
	int fd = -1;

	if ((rdir = realpath(hooks_dir, NULL)) == NULL) {
		err_set(err, "hooks folder %s: %s", hooks_dir, strerror(errno));
		goto fail;
	}
	if ((rhook = realpath(abspath, NULL)) == NULL) {
		err_set(err, "%s: symlink: %s", abspath, strerror(errno));
		goto fail;
	}
	/* Whole components: "/h" must not admit "/hx/..."; rdir is "/"
	 * only when the folder is the root. */
	dl = strlen(rdir);
	if (strncmp(rhook, rdir, dl) != 0 ||
	    (rdir[dl - 1] != '/' && rhook[dl] != '/')) {
		err_set(err, "%s: symlink leads out of the hooks folder",
		    abspath);
		goto fail;
	}
	/* rhook holds no symlink now; O_NOFOLLOW keeps it so if the last
	 * component is swapped for one after realpath(). */
	if ((fd = open(rhook, HOOK_OPEN)) == -1) {
		err_set(err, "%s: %s", abspath, strerror(errno));
		goto fail;
	}
fail:
	free(rhook);
	free(rdir);
	return fd;
}

/* Opens the hook once and checks that fd: the file checked is the file
 * run (style 17). Returns the fd (close-on-exec) or -1 with err. */
static int
open_hook(const char *hooks_dir, const char *relpath, const char *abspath,
    struct err *err)
{
	const char *slash, *name;
	struct stat st;
	char *sub = NULL;
	int dfd = -1, sfd = -1, pfd, fd = -1;

	dfd = open(hooks_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		err_set(err, "hooks folder %s: %s", hooks_dir, strerror(errno));
		goto fail;
	}
	pfd = dfd;
	name = relpath;
	if ((slash = strchr(relpath, '/')) != NULL) {
		if ((sub = strndup(relpath, (size_t)(slash - relpath))) ==
		    NULL) {
			err_set(err, "out of memory");
			goto fail;
		}
		/* E.d must be a directory of its own, not a link to one. */
		sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (sfd == -1) {
			/* ELOOP or ENOTDIR for a symlink, by kernel. */
			int e = errno;
			bool link = (e == ELOOP || e == ENOTDIR) &&
			    fstatat(dfd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode);

			err_set(err, "%s/%s: %s", hooks_dir, sub, link ?
			    "a symlink, not a directory" : strerror(e));
			goto fail;
		}
		pfd = sfd;
		name = slash + 1;
	}
	fd = openat(pfd, name, HOOK_OPEN);
	if (fd == -1 && errno == ELOOP &&
	    fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		if ((fd = open_symlinked(hooks_dir, abspath, err)) == -1)
			goto fail;
	} else if (fd == -1) {
		err_set(err, "%s: %s", abspath, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		err_set(err, "%s: %s", abspath, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: not a regular file", abspath);
		goto fail;
	}
	if ((st.st_mode & 0111) == 0) {
		err_set(err, "%s: not executable", abspath);
		goto fail;
	}
	/* Anyone who may write the hook may run code as us. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		err_set(err, "%s: group- or world-writable", abspath);
		goto fail;
	}
	close_fd(&sfd);
	close_fd(&dfd);
	free(sub);
	return fd;
fail:
	close_fd(&fd);
	close_fd(&sfd);
	close_fd(&dfd);
	free(sub);
	return -1;
}

/* In the child of vfork(), which runs on our memory until it execs:
 * only async-signal-safe calls, and no writes but to its own locals.
 * fds[0..n-1] (stdin, stdout, stderr, the hook, the payload if any) end
 * up at 0..n-1, the exec-error pipe at n (close-on-exec), and every
 * other fd is closed. The hook stays open across exec at fd 3 because
 * for a #! script the kernel hands the interpreter "/dev/fd/3" to open. */
static void __attribute__((noreturn))
exec_child(const int *fds, int n, int report, char *const argv[],
    char *const envp[])
{
	sigset_t none;
	int hi[6], i, e;

	/* Copies above n first, so placing one at 0..n cannot clobber
	 * another that happened to sit there (a caller with fd 0 closed). */
	for (i = 0; i < n; i++)
		if ((hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, n + 1)) == -1)
			goto fail;
	if ((hi[n] = fcntl(report, F_DUPFD_CLOEXEC, n + 1)) == -1)
		goto fail;
	for (i = 0; i < n; i++)	/* dup2 clears FD_CLOEXEC on 0..n-1 */
		if (dup2(hi[i], i) == -1)
			goto fail;
	if (dup3(hi[n], n, O_CLOEXEC) == -1)
		goto fail;
	report = n;
	if (close_fds_from(n + 1) == -1)
		goto fail;
	/* Its own group, so the deadline reaches whatever it starts. */
	if (setpgid(0, 0) == -1)
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
	/* execveat(fd 3, "", AT_EMPTY_PATH): the file checked is the file
	 * run, and ps shows the hook's own name. */
	(void)fexecve(3, argv, envp);
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
start_child(const int *fds, int n, int report, char *const argv[],
    char *const envp[])
{
	pid_t pid = vfork();

	if (pid == 0)
		exec_child(fds, n, report, argv, envp);
	return pid;
}

/* Reads what is there into t, whose ring is made on the first read: a
 * quiet hook costs no 64 KiB. Returns >0, 0 at EOF, -1 with errno
 * (ENOMEM: the output is dropped, as for any read error). */
static ssize_t
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
static void
drain(struct tail *t, int *fd)
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
static char *
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
static int
leader_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno != EINTR;	/* ECHILD: gone already */
	return si.si_pid == pid;
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
	long long term_at = start + (long long)timeout * 1000;
	long long kill_at = term_at + (long long)kill_after * 1000;
	long long end_at = 0, now, due, wait;
	struct pollfd pfd[4];
	int iin, iout, ierr, ix, ms;
	nfds_t n;

	for (;;) {
		now = mono_ms();
		if (!c->exited && leader_exited(c->pid)) {
			c->exited = true;
			end_at = now + EXIT_GRACE_MS < kill_at ?
			    now + EXIT_GRACE_MS : kill_at;
		}
		if (c->exited) {
			if (c->out == -1 && c->err == -1)
				return 0;
			/* Output held open by the leader's background
			 * children: they get the grace, then the kill. */
			if (now >= end_at)
				return 0;
			due = end_at;
		} else {
			if (!c->term_sent && now >= term_at) {
				/* The whole group: a shell's children too.
				 * ESRCH only if all of it just died. */
				(void)kill(-c->pid, SIGTERM);
				c->term_sent = true;
				*timed_out = true;
			}
			if (!c->kill_sent && now >= kill_at) {
				(void)kill(-c->pid, SIGKILL);
				c->kill_sent = true;
			}
			due = !c->term_sent ? term_at :
			    !c->kill_sent ? kill_at : -1;
		}
		wait = due < 0 ? -1 : due - now;
		if (wait > INT_MAX)
			wait = INT_MAX;
		if (!c->exited && c->xfd == -1 &&
		    (wait < 0 || wait > TICK_MS))
			wait = TICK_MS;
		ms = (int)wait;

		n = 0;
		iin = iout = ierr = ix = -1;
		if (c->in != -1) {
			pfd[n].fd = c->in;
			pfd[n].events = POLLOUT;
			iin = (int)n++;
		}
		if (c->out != -1) {
			pfd[n].fd = c->out;
			pfd[n].events = POLLIN;
			iout = (int)n++;
		}
		if (c->err != -1) {
			pfd[n].fd = c->err;
			pfd[n].events = POLLIN;
			ierr = (int)n++;
		}
		if (!c->exited && c->xfd != -1) {
			pfd[n].fd = c->xfd;
			pfd[n].events = POLLIN;
			ix = (int)n++;
		}
		(void)ix;	/* readable means exited: checked at the top */
		if (poll(pfd, n, ms) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (iin != -1 && pfd[iin].revents != 0) {
			size_t len = c->left < WRITE_CHUNK ? c->left :
			    WRITE_CHUNK;
			ssize_t w = write(c->in, c->body, len);

			if (w > 0) {
				c->body += w;
				c->left -= (size_t)w;
				if (c->left == 0)
					close_fd(&c->in);	/* EOF */
			} else if (w == -1 && errno != EAGAIN &&
			    errno != EINTR) {
				/* EPIPE: the hook does not want (the rest
				 * of) its stdin. Its own business. */
				close_fd(&c->in);
			}
		}
		if (iout != -1 && pfd[iout].revents != 0)
			pump_out(&c->tout, &c->out);
		if (ierr != -1 && pfd[ierr].revents != 0)
			pump_out(&c->terr, &c->err);
	}
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

int
run_hook(const struct run_spec *spec, struct run_result *res, struct err *err)
{
	struct child c = { .pid = -1, .in = -1, .out = -1, .err = -1,
	    .xfd = -1 };
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int pex[2] = { -1, -1 }, hfd = -1, cfds[5], status, cerr, rc = -1, e;
	sigset_t pipeset, oldmask, pending, all, forkmask;
	bool masked = false, pipe_pending = false, reaped = false;
	bool timed_out = false;
	char *argv[3] = { NULL, NULL, NULL };
	long long start = mono_ms();
	ssize_t n;

	memset(res, 0, sizeof(*res));
	if (spec->hooks_dir == NULL || spec->relpath == NULL ||
	    spec->event == NULL || spec->env == NULL ||
	    (spec->body == NULL && spec->body_len > 0)) {
		err_set(err, "run_hook: incomplete spec");
		goto fail;
	}
	if (!relpath_valid(spec->relpath)) {
		err_set(err, "run_hook: bad hook path");
		goto fail;
	}
	/* argv[0] is the hook's path (contract, "The hooks directory").
	 * A #! script sees /dev/fd/3 as $0 instead: the kernel names the
	 * script by the fd it ran. */
	if ((argv[0] = path_join(spec->hooks_dir, spec->relpath)) == NULL ||
	    (argv[1] = strdup(spec->event)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if ((hfd = open_hook(spec->hooks_dir, spec->relpath, argv[0],
	    err)) == -1)
		goto fail;
	if (pipe2(pin, O_CLOEXEC) == -1 || pipe2(pout, O_CLOEXEC) == -1 ||
	    pipe2(perr, O_CLOEXEC) == -1 || pipe2(pex, O_CLOEXEC) == -1) {
		err_set(err, "pipe: %s", strerror(errno));
		goto fail;
	}
	if (set_nonblock(pin[1]) == -1 || set_nonblock(pout[0]) == -1 ||
	    set_nonblock(perr[0]) == -1) {
		err_set(err, "fcntl: %s", strerror(errno));
		goto fail;
	}

	/* A hook that stops reading its stdin makes write() raise SIGPIPE,
	 * which would kill us. Blocked here, it stays pending for this
	 * thread and is taken back below: no demand on the caller. */
	if (sigemptyset(&pipeset) == -1 || sigaddset(&pipeset, SIGPIPE) == -1 ||
	    sigemptyset(&pending) == -1 || sigfillset(&all) == -1) {
		err_set(err, "sigset: %s", strerror(errno));
		goto fail;
	}
	if ((e = pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask)) != 0) {
		err_set(err, "sigmask: %s", strerror(e));
		goto fail;
	}
	masked = true;
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1)
		pipe_pending = true;

	/* Everything blocked across vfork(); SIGPIPE stays blocked here. */
	if ((e = pthread_sigmask(SIG_SETMASK, &all, &forkmask)) != 0) {
		err_set(err, "sigmask: %s", strerror(e));
		goto fail;
	}
	cfds[0] = pin[0];
	cfds[1] = pout[1];
	cfds[2] = perr[1];
	cfds[3] = hfd;
	cfds[4] = spec->payload_fd;
	start = mono_ms();
	c.pid = start_child(cfds, spec->payload_fd != -1 ? 5 : 4, pex[1], argv,
	    (char *const *)spec->env);
	e = errno;
	if (pthread_sigmask(SIG_SETMASK, &forkmask, NULL) != 0) {
		/* Cannot happen with a mask we just read back; say so if it
		 * does rather than run on with every signal blocked. */
		err_set(err, "sigmask restore failed");
		goto fail;
	}
	if (c.pid == -1) {
		err_set(err, "vfork: %s", strerror(e));
		goto fail;
	}
	/* The child has exec'd or exited by now (vfork waits for either):
	 * its group exists, or it is at _exit(127). */
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	close_fd(&pex[1]);
	close_fd(&hfd);

	/* EOF: exec worked (the pipe is close-on-exec). An int: it did not. */
	do
		n = read(pex[0], &cerr, sizeof(cerr));
	while (n == -1 && errno == EINTR);
	close_fd(&pex[0]);
	if (n == (ssize_t)sizeof(cerr)) {
		err_set(err, "%s: cannot execute: %s", argv[0], strerror(cerr));
		goto fail;	/* the child is at _exit(127): reaped there */
	}

	res->ran = true;
	c.in = pin[1];
	c.out = pout[0];
	c.err = perr[0];
	pin[1] = pout[0] = perr[0] = -1;
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
	/* Whatever is left of the group: background children, or all of
	 * it if poll failed. The unreaped leader pins the group id. */
	(void)kill(-c.pid, SIGKILL);
	drain(&c.tout, &c.out);
	drain(&c.terr, &c.err);
	close_fd(&c.in);

	while (waitpid(c.pid, &status, 0) == -1) {
		if (errno != EINTR) {
			/* ECHILD: the caller set SIGCHLD to SIG_IGN and
			 * the kernel reaped it; the status is lost. */
			err_set(err, "waitpid: %s", strerror(errno));
			rc = -1;
			status = -1;
			break;
		}
	}
	reaped = true;
	res->duration_ms = mono_ms() - start;
	res->timed_out = timed_out;
	if (status != -1 && WIFEXITED(status)) {
		res->exited = true;
		res->exit_code = WEXITSTATUS(status);
	} else if (status != -1 && WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
	}
	if ((res->out = tail_take(&c.tout, &res->out_len)) == NULL ||
	    (res->errout = tail_take(&c.terr, &res->errout_len)) == NULL) {
		err_set(err, "out of memory");
		rc = -1;
	}
	/* fall through: the cleanup is the same on success */
fail:
	if (c.pid > 0 && !reaped) {
		/* Only reached before supervision started: an exec that
		 * failed, or the sigmask restore. Unreaped, its pid is safe. */
		(void)kill(-c.pid, SIGKILL);
		(void)kill(c.pid, SIGKILL);
		while (waitpid(c.pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	close_fd(&c.xfd);
	close_fd(&c.in);
	close_fd(&c.out);
	close_fd(&c.err);
	close_fd(&pex[0]);
	close_fd(&pex[1]);
	close_fd(&perr[0]);
	close_fd(&perr[1]);
	close_fd(&pout[0]);
	close_fd(&pout[1]);
	close_fd(&pin[0]);
	close_fd(&pin[1]);
	close_fd(&hfd);
	if (masked) {
		/* Take back a SIGPIPE we caused, then unblock: otherwise it
		 * would be delivered, and kill us, right here. */
		if (!pipe_pending && sigpending(&pending) == 0 &&
		    sigismember(&pending, SIGPIPE) == 1) {
			struct timespec zero = { 0, 0 };

			(void)sigtimedwait(&pipeset, NULL, &zero);
		}
		(void)pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	}
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
