/* platform.h: the few things that differ between kernels, behind one call each. */
#ifndef HOOKLINE_PLATFORM_H
#define HOOKLINE_PLATFORM_H

#include <sys/types.h>

/* Closes every fd >= lowfd. Async-signal-safe: meant for a child
 * between fork() and exec. Returns 0, or -1 with errno. */
int	close_fds_from(int lowfd);

/* Sets every signal's action to the default, libc's own ones too
 * (glibc refuses sigaction() for 32 and 33, which a process may have
 * inherited ignored, and ignored stays ignored across exec). Async-
 * signal-safe: for a child between fork() and exec. 0, or -1. */
int	signals_default(void);

/* An fd that polls readable when process pid (our unreaped child)
 * exits, close-on-exec; -1 with errno when the platform has none
 * (then poll on a short tick and ask waitid()). */
int	proc_exit_fd(pid_t pid);

/* This process (a fork of parent) gets SIGTERM when parent dies
 * (Linux: PR_SET_PDEATHSIG; elsewhere nothing). Returns 0, or -1 when
 * parent is gone already or the call fails. */
int	exit_with_parent(pid_t parent);

#endif
