/* floor_hook.h: the one way every floor runs the hook: posix_spawn()
 * with the body on a pipe to its stdin, stdout and stderr to /dev/null,
 * its own process group, every other fd closed, an environment built from
 * nothing, then waited for. Header-only, shared by floor_spawn.c and
 * floor_cgi.c. */
#ifndef BENCH_FLOOR_HOOK_H
#define BENCH_FLOOR_HOOK_H

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

/* 0 when the hook ran and exited 0; -1 otherwise. */
static int
floor_run_hook(const char *hook, const char *body, size_t len)
{
	static char *const envp[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOOKLINE_EVENT=push", NULL
	};
	char *const argv[] = { (char *)hook, "push", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	size_t off = 0;
	ssize_t n;
	pid_t pid;
	int p[2], st, rc = -1;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	if (posix_spawn(&pid, hook, &fa, &at, argv, envp) != 0) {
		close(p[0]);
		close(p[1]);
		goto out;
	}
	close(p[0]);
	while (off < len) {
		n = write(p[1], body + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* the hook stopped reading: fine */
		off += (size_t)n;
	}
	close(p[1]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			goto out;
	rc = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
out:
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

#endif
