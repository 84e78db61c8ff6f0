/* drain_kick.c: starting a drainer from the request path: when
 * drain.lock is free, a fresh exec of this binary as `drain --kicked`,
 * fully detached from the web server. */
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
 * The platform: the path that names our own executable, so that the
 * drainer is a fresh exec of the same binary and inherits nothing of
 * the FastCGI process. Linux and most others with procfs.
 */
static const char *
plat_self_exe(void)
{
	return "/proc/self/exe";
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
	const char *argv[6];
	char **env;
	char self[4096];
	struct stat st;
	ssize_t n;
	pid_t pid, pid2;
	int fd, status, keep_stderr;

	/* A live drainer will find the new delivery: it looks at new/
	 * once more after letting go of the lock. */
	if ((fd = drain_lock(conf->spool_dir, false, NULL)) == -2)
		return 0;
	if (fd == -1)
		return -1;
	(void)close(fd);
	/* Named by its real path, as the web server started us: ps and
	 * pgrep show which binary it is. */
	n = readlink(plat_self_exe(), self, sizeof(self) - 1);
	if (n > 0 && (size_t)n < sizeof(self) - 1) {
		self[n] = '\0';
		argv[0] = self;
	} else
		argv[0] = "hookline";
	argv[1] = "drain";
	argv[2] = "--kicked";
	argv[3] = conf->path != NULL ? "-c" : NULL;
	argv[4] = conf->path;
	argv[5] = NULL;
	/* Keep stderr only when it is a file (a web server's error log):
	 * a pipe would hold the web server until the drainer exits. */
	keep_stderr = fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	if ((env = drainer_env()) == NULL)
		return -1;
	if ((pid = fork()) == -1) {
		free(env);
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
		if ((fd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(fd, STDIN_FILENO) == -1 ||
		    dup2(fd, STDOUT_FILENO) == -1 ||
		    (!keep_stderr && dup2(fd, STDERR_FILENO) == -1))
			_exit(1);
		if (close_fds_from(3) == -1)
			_exit(1);
		(void)signal(SIGPIPE, SIG_DFL);
		execve(plat_self_exe(), (char *const *)argv, env);
		_exit(127);
	}
	free(env);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			break;		/* reaped by someone else: fine */
	return 0;
}
