/* oldkernel.c: runs a program as if on Linux 3.10 (CloudLinux 7): every
 * system call added after 3.10 fails with ENOSYS, as an old kernel
 * answers. A seccomp filter (libseccomp), installed, then exec.
 *
 *   oldkernel PROGRAM [ARGS...]
 *   oldkernel --probe     exit 0 when the filter makes getrandom ENOSYS
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

/* With the kernel that added each (x86_64 and arm64 names; a name the
 * architecture or libseccomp does not know is skipped). */
static const char *const newer[] = {
	"sched_setattr", "sched_getattr",		/* 3.14 */
	"renameat2",					/* 3.15 */
	"seccomp", "getrandom", "memfd_create",		/* 3.17 */
	"bpf",						/* 3.18 */
	"execveat",					/* 3.19 */
	"userfaultfd", "membarrier",			/* 4.3 */
	"mlock2",					/* 4.4 */
	"copy_file_range",				/* 4.5 */
	"preadv2", "pwritev2",				/* 4.6 */
	"pkey_mprotect", "pkey_alloc", "pkey_free",	/* 4.9 */
	"statx",					/* 4.11 */
	"io_pgetevents", "rseq",			/* 4.18 */
	"pidfd_send_signal", "io_uring_setup",		/* 5.1 */
	"io_uring_enter", "io_uring_register",
	"open_tree", "move_mount", "fsopen", "fsconfig", /* 5.2 */
	"fsmount", "fspick",
	"pidfd_open", "clone3",				/* 5.3 */
	"openat2", "pidfd_getfd",			/* 5.6 */
	"faccessat2",					/* 5.8 */
	"close_range",					/* 5.9 */
	"process_madvise",				/* 5.10 */
	"epoll_pwait2",					/* 5.11 */
	"mount_setattr",				/* 5.12 */
	"quotactl_fd",					/* 5.14 */
	"landlock_create_ruleset", "landlock_add_rule",	/* 5.13 */
	"landlock_restrict_self",
	"memfd_secret",					/* 5.14 */
	"process_mrelease",				/* 5.15 */
	"futex_waitv",					/* 5.16 */
	"set_mempolicy_home_node",			/* 5.17 */
	"cachestat",					/* 6.5 */
	"fchmodat2",					/* 6.6 */
};

int
main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	size_t i;
	int nr, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: oldkernel PROGRAM [ARGS...] | --probe\n");
		return 2;
	}
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		fprintf(stderr, "oldkernel: seccomp_init failed\n");
		return 1;
	}
	for (i = 0; i < sizeof(newer) / sizeof(newer[0]); i++) {
		if ((nr = seccomp_syscall_resolve_name(newer[i])) ==
		    __NR_SCMP_ERROR)
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr,
		    0)) != 0) {
			fprintf(stderr, "oldkernel: %s: %s\n", newer[i],
			    strerror(-rc));
			return 1;
		}
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		fprintf(stderr, "oldkernel: seccomp_load: %s\n", strerror(-rc));
		return 1;
	}
	seccomp_release(ctx);
	if (strcmp(argv[1], "--probe") == 0) {
		char b[4];

		return syscall(SYS_getrandom, b, sizeof(b), 0) == -1 &&
		    errno == ENOSYS ? 0 : 1;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "oldkernel: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
