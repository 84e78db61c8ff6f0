/* platform.c: the few things that differ between kernels, behind one call each. */
#include <sys/resource.h>
#include <sys/syscall.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

int
close_fds_from(int lowfd)
{
	struct rlimit rl;
	long fd, max;

	if (lowfd < 0) {
		errno = EINVAL;
		return -1;
	}
#ifdef SYS_close_range
	/* Linux 5.9+: one call however high the fd limit. The raw syscall,
	 * not glibc's wrapper, so an older libc builds too; ENOSYS on an
	 * older kernel falls through to the loop. */
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0U) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
#endif
	/* getrlimit is a plain syscall (async-signal-safe in practice);
	 * sysconf() and reading /proc/self/fd are not. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ?
	    65536 : (long)rl.rlim_cur;
	for (fd = lowfd; fd < max; fd++)
		(void)close((int)fd);	/* EBADF for most: fine */
	return 0;
}

int
signals_default(void)
{
	int sig;
#if defined(__linux__) && defined(SYS_rt_sigaction)
	/* All zeroes is SIG_DFL, no flags, empty mask in the kernel's
	 * struct sigaction on every Linux ABI; 128 bytes hold any of them.
	 * The raw call, because libc's wrapper guards 32 and 33. */
	static const unsigned long long dfl[16];
	size_t setsize = (size_t)(NSIG - 1) / 8;	/* the kernel's */

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, dfl, NULL, setsize) == -1 &&
		    errno != EINVAL)
			return -1;
	}
#else
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (sigemptyset(&sa.sa_mask) == -1)
		return -1;
	for (sig = 1; sig < NSIG; sig++)	/* EINVAL: KILL, STOP, libc's */
		if (sigaction(sig, &sa, NULL) == -1 && errno != EINVAL)
			return -1;
#endif
	return 0;
}

int
proc_exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	/* Linux 5.3+. pidfds are always close-on-exec. */
	return (int)syscall(SYS_pidfd_open, pid, 0U);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

int
exit_with_parent(pid_t parent)
{
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		return -1;
#endif
	/* The parent may have died before the line above: then nobody
	 * would tell us. */
	if (getppid() != parent) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}
