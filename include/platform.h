/* platform.h: the few things that differ between kernels, behind one call each. */
#ifndef HOOKLINE_PLATFORM_H
#define HOOKLINE_PLATFORM_H

#include <sys/types.h>

/* Closes every fd >= lowfd. Async-signal-safe: meant for a child
 * between fork() and exec. Returns 0, or -1 with errno. */
int	close_fds_from(int lowfd);

/* An fd that polls readable when process pid (our unreaped child)
 * exits, close-on-exec; -1 with errno when the platform has none
 * (then poll on a short tick and ask waitid()). */
int	proc_exit_fd(pid_t pid);

#endif
