/* maxrss.c: runs a command (stdin, stdout passed through) and prints its
 * peak resident set size in KiB on stderr as "maxrss_kib N": how the bench
 * measures one short-lived CGI process, which /proc cannot be sampled for
 * reliably. Exits with the command's status. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int st;

	if (argc < 2) {
		fputs("usage: maxrss COMMAND [ARG...]\n", stderr);
		return 2;
	}
	if ((pid = fork()) == -1)
		return 2;
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) == -1)
		return 2;
	fprintf(stderr, "maxrss_kib %ld\n", ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
