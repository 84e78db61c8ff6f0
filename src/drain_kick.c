/* drain_kick.c: starting a drainer from the request path: when
 * drain.lock is free, a fresh exec of this binary as `drain --kicked`,
 * fully detached from the web server; in an empty chroot too (no /proc,
 * no /dev). */
#include <sys/auxv.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drain.h"
#include "platform.h"
#include "spool.h"

/*
 * The platform: what names our own executable, so that the drainer is
 * a fresh exec of the same binary and inherits nothing of the FastCGI
 * process. First /proc/self/exe (Linux with procfs: the very file that
 * runs, even if it was replaced since). Where there is no /proc (an
 * empty chroot on shared hosting, a minimal container), the path the
 * kernel started us by (AT_EXECFN: chosen by whoever exec'd us, the web
 * server, cron or the operator, never a sender), made absolute:
 * hookline never changes its folder, so a relative one (suEXEC runs
 * "hookline.cgi" in its folder) names the same file as at start.
 */
struct self_exe {
	const char	*exe[3];	/* exec'd in order, until NULL */
	const char	*name;		/* argv[0], for ps and pgrep */
	char		 link[4096];	/* what /proc/self/exe names */
	char		*execfn;	/* AT_EXECFN made absolute */
};

static void
self_exe_find(struct self_exe *s)
{
	const char *fn;
	ssize_t n;
	size_t i = 0;

	memset(s, 0, sizeof(*s));
	s->name = "hookline";
	n = readlink("/proc/self/exe", s->link, sizeof(s->link) - 1);
	if (n > 0 && (size_t)n < sizeof(s->link) - 1) {
		s->link[n] = '\0';
		s->name = s->link;
		s->exe[i++] = "/proc/self/exe";
	}
	fn = (const char *)getauxval(AT_EXECFN);
	if (fn != NULL && fn[0] != '\0' &&
	    (s->execfn = realpath(fn, NULL)) != NULL) {
		if (s->name != s->link)
			s->name = s->execfn;
		s->exe[i++] = s->execfn;
	}
	s->exe[i] = NULL;
}

/*
 * Between fork and exec (async-signal-safe calls only): the detached
 * drainer's stdin, stdout and, unless keep_stderr, stderr, none of them
 * the web server's. /dev/null; where there is none (an empty chroot),
 * stdin a pipe whose writer is gone (reads see the end) and the others
 * a pipe nobody reads (writes fail: hookline ignores SIGPIPE), so that
 * 0 to 2 stay taken and no file opened later becomes one of them. The
 * fds above 2 it leaves are closed with the rest. Returns 0 or -1.
 */
static int
stdio_detach(int keep_stderr)
{
	int in[2], out[2], rfd, wfd;

	if ((rfd = open("/dev/null", O_RDWR)) != -1)
		wfd = rfd;
	else {
		if (pipe(in) == -1)
			return -1;
		if (pipe(out) == -1)
			return -1;
		/* Above 2 first: a pipe end may have landed on 0 to 2. */
		if ((rfd = fcntl(in[0], F_DUPFD, 3)) == -1 ||
		    (wfd = fcntl(out[1], F_DUPFD, 3)) == -1)
			return -1;
		(void)close(in[0]);
		(void)close(in[1]);
		(void)close(out[0]);
		(void)close(out[1]);
	}
	if (dup2(rfd, STDIN_FILENO) == -1 ||
	    dup2(wfd, STDOUT_FILENO) == -1 ||
	    (!keep_stderr && dup2(wfd, STDERR_FILENO) == -1))
		return -1;
	return 0;
}

/*
 * The drainer's environment: ours without GATEWAY_INTERFACE. The drainer
 * is no CGI program, and with that variable hookline ignores its
 * arguments (args.c), so "drain -c FILE" would be read as a request.
 * The array is allocated (free it); the strings are environ's.
 */
static char **
drainer_env(void)
{
	static const char gw[] = "GATEWAY_INTERFACE=";
	char **env;
	size_t i, n;

	for (n = 0; environ[n] != NULL; n++)
		;
	if ((env = calloc(n + 1, sizeof(*env))) == NULL)
		return NULL;
	for (i = n = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], gw, sizeof(gw) - 1) != 0)
			env[n++] = environ[i];
	return env;
}

/* Starts `hookline drain --kicked [-c FILE]`, fully detached; never
 * waits for it. Returns 0 or -1. */
static int
spawn_drainer(const struct conf *conf)
{
	struct self_exe self;
	const char *argv[6];
	char **env;
	struct stat st;
	pid_t pid, pid2;
	size_t i;
	int status, keep_stderr;

	self_exe_find(&self);
	if (self.exe[0] == NULL) {
		free(self.execfn);
		return -1;	/* nothing to exec: cron's drain runs it */
	}
	argv[0] = self.name;
	argv[1] = "drain";
	argv[2] = "--kicked";
	argv[3] = conf->path != NULL ? "-c" : NULL;
	argv[4] = conf->path;
	argv[5] = NULL;
	/* Keep stderr only when it is a file (a web server's error log):
	 * a pipe would hold the web server until the drainer exits. */
	keep_stderr = fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	if ((env = drainer_env()) == NULL) {
		free(self.execfn);
		return -1;
	}
	if ((pid = fork()) == -1) {
		free(env);
		free(self.execfn);
		return -1;
	}
	if (pid == 0) {
		/* Between fork and exec: async-signal-safe calls only. */
		if (setsid() == -1)
			_exit(1);
		if ((pid2 = fork()) == -1)
			_exit(1);
		if (pid2 != 0)
			_exit(0);
		if (stdio_detach(keep_stderr) == -1)
			_exit(1);
		if (close_fds_from(3) == -1)
			_exit(1);
		(void)signal(SIGPIPE, SIG_DFL);
		for (i = 0; self.exe[i] != NULL; i++)
			execve(self.exe[i], (char *const *)argv, env);
		_exit(127);
	}
	free(env);
	free(self.execfn);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			break;		/* reaped by someone else: fine */
	return 0;
}

/*
 * The cached look (a long-running FastCGI process): the spool's folders
 * made and drain.lock opened once per spool_dir, then per request one
 * lstat (is it still the file we hold open? the spool dir may have been
 * removed, replaced or moved aside since) and the flock try. Who
 * controls what: spool_dir is the operator's (the configuration);
 * drain.lock and the folders are the hookline user's, and so its hooks':
 * a drain.lock replaced by anything (a symlink, another file) is seen by
 * its inode and opened anew, O_NOFOLLOW as drain_lock does.
 */
static int
kicker_open(struct kicker *k, const char *spool_dir)
{
	struct stat st;

	kicker_clear(k);
	if (spool_init(spool_dir, NULL) == -1)
		return -1;
	if ((k->spool_dir = strdup(spool_dir)) == NULL ||
	    asprintf(&k->lock_path, "%s/drain.lock", spool_dir) == -1) {
		k->lock_path = NULL;
		kicker_clear(k);
		return -1;
	}
	k->fd = open(k->lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (k->fd == -1 || fstat(k->fd, &st) == -1) {
		kicker_clear(k);
		return -1;
	}
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	return 0;
}

/* Whether what k holds is still conf's drain.lock; else opens it anew.
 * Returns 0, or -1 when it cannot be opened (k is then empty). */
static int
kicker_fresh(struct kicker *k, const char *spool_dir)
{
	struct stat st;

	if (k->fd != -1 && strcmp(k->spool_dir, spool_dir) == 0 &&
	    lstat(k->lock_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == k->dev && st.st_ino == k->ino)
		return 0;
	return kicker_open(k, spool_dir);
}

void
kicker_init(struct kicker *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

void
kicker_clear(struct kicker *k)
{
	if (k->fd != -1)
		(void)close(k->fd);
	free(k->spool_dir);
	free(k->lock_path);
	kicker_init(k);
}

/*
 * The same flock try as drain_lock's, on the kept fd, so that a drainer
 * that is ending still finds what this kick found the lock held for
 * (drain_run looks at new/ once more after letting go).
 */
int
drain_lock_free(struct kicker *k, const char *spool_dir)
{
	int fd;

	if (k == NULL) {
		if ((fd = drain_lock(spool_dir, false, NULL)) == -2)
			return 0;
		if (fd == -1)
			return -1;
		(void)close(fd);
		return 1;
	}
	if (spool_dir == NULL || kicker_fresh(k, spool_dir) == -1)
		return -1;
	if (flock(k->fd, LOCK_EX | LOCK_NB) == -1)
		return errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (flock(k->fd, LOCK_UN) == -1) {
		kicker_clear(k);	/* the drainer would find it held */
		return -1;
	}
	return 1;
}

int
drain_kick(const struct conf *conf)
{
	return drain_kick_with(NULL, conf);
}

int
drain_kick_with(struct kicker *k, const struct conf *conf)
{
	int rc;

	/* A live drainer will find the new delivery: it looks at new/
	 * once more after letting go of the lock. */
	if ((rc = drain_lock_free(k, conf->spool_dir)) <= 0)
		return rc;
	return spawn_drainer(conf);
}
