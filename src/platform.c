/* platform.c: the few things that differ between kernels, behind one call each. */
#include <sys/resource.h>
#include <sys/syscall.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
exit_with_parent(pid_t parent, int sig)
{
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, (unsigned long)sig) == -1)
		return -1;
#else
	(void)sig;
#endif
	/* The parent may have died before the line above: then nobody
	 * would tell us. */
	if (getppid() != parent) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}

int
random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;
	int fd;

	/* getrandom(2), Linux 3.17+: the raw syscall, as glibc's wrapper
	 * is 2.25+; an older kernel says ENOSYS, then /dev/urandom. */
#ifdef SYS_getrandom
	while (len > 0) {
		if ((n = syscall(SYS_getrandom, p, len, 0U)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ENOSYS)
				break;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return 0;
#endif
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			(void)close(fd);
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

const char *
ca_file_pick(const char *const *paths)
{
	for (; *paths != NULL; paths++)
		if (access(*paths, R_OK) == 0)
			return *paths;
	return NULL;
}

const char *
ca_file_default(void)
{
	static const char *const paths[] = { CA_FILE_PATHS, NULL };

	return ca_file_pick(paths);
}

struct passwd *
user_from_file(const char *path, const char *name, uid_t uid)
{
	struct passwd *pw;
	FILE *f;
	int saved;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	errno = 0;
	while ((pw = fgetpwent(f)) != NULL)
		if (name != NULL ? strcmp(pw->pw_name, name) == 0 :
		    pw->pw_uid == uid)
			break;
	saved = errno == ENOENT ? 0 : errno;	/* ENOENT: the end */
	(void)fclose(f);
	errno = pw == NULL ? saved : 0;	/* 0: not there */
	return pw;
}

int
groups_from_file(const char *path, const char *user, gid_t gid)
{
	struct group *gr;
	gid_t *gids, *more;
	size_t n = 1, cap = 16;
	char **m;
	FILE *f;
	int rc = -1;

	if ((gids = malloc(cap * sizeof(*gids))) == NULL)
		return -1;
	gids[0] = gid;
	if ((f = fopen(path, "re")) == NULL)
		goto fail;
	errno = 0;
	while ((gr = fgetgrent(f)) != NULL) {
		if (gr->gr_gid == gid)
			continue;
		for (m = gr->gr_mem; *m != NULL; m++)
			if (strcmp(*m, user) == 0)
				break;
		if (*m == NULL)
			continue;
		if (n == cap) {
			if ((more = reallocarray(gids, cap * 2,
			    sizeof(*gids))) == NULL)
				goto fail_f;
			gids = more;
			cap *= 2;
		}
		gids[n++] = gr->gr_gid;
	}
	if (errno != 0 && errno != ENOENT)
		goto fail_f;
	rc = setgroups(n, gids);
fail_f:
	(void)fclose(f);
fail:
	free(gids);
	return rc;
}

/*
 * glibc's static getpwnam() and initgroups() dlopen the host's NSS
 * modules, which a static binary on another distribution may not load:
 * the static build (make static) reads /etc/passwd and /etc/group
 * itself; the others ask NSS (LDAP, sssd, systemd users...).
 */
#ifdef HOOKLINE_STATIC
struct passwd *
user_by_name(const char *name)
{
	return user_from_file("/etc/passwd", name, 0);
}

struct passwd *
user_by_uid(uid_t uid)
{
	return user_from_file("/etc/passwd", NULL, uid);
}

int
user_groups_init(const char *user, gid_t gid)
{
	return groups_from_file("/etc/group", user, gid);
}
#else
struct passwd *
user_by_name(const char *name)
{
	return getpwnam(name);
}

struct passwd *
user_by_uid(uid_t uid)
{
	return getpwuid(uid);
}

int
user_groups_init(const char *user, gid_t gid)
{
	return initgroups(user, gid);
}
#endif

int
user_home(uid_t uid, char **home)
{
	struct passwd *pw;

	*home = NULL;
	errno = 0;
	if ((pw = user_by_uid(uid)) == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return -1;
	}
	if (pw->pw_dir == NULL || pw->pw_dir[0] != '/') {
		errno = ENOENT;
		return -1;
	}
	return (*home = strdup(pw->pw_dir)) == NULL ? -1 : 0;
}
