/* drain_kick.c: starting a drainer from the request path: when
 * drain.lock is free, a fresh exec of this binary as `drain --kicked`,
 * fully detached from the web server; in an empty chroot too (no /proc,
 * no /dev). */
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drain.h"
#include "platform.h"

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

int
drain_kick(const struct conf *conf)
{
	struct self_exe self;
	const char *argv[6];
	char **env;
	struct stat st;
	pid_t pid, pid2;
	size_t i;
	int fd, status, keep_stderr;

	/* A live drainer will find the new delivery: it looks at new/
	 * once more after letting go of the lock. */
	if ((fd = drain_lock(conf->spool_dir, false, NULL)) == -2)
		return 0;
	if (fd == -1)
		return -1;
	(void)close(fd);
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
