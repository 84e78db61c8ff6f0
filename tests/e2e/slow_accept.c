/* slow_accept.c: an LD_PRELOAD shim for t_resident_prefork.sh: accept()
 * waits 200 ms before it accepts, so that every process of a pool that
 * woke for a connection reaches accept() after one of them took it: the
 * race a busy machine runs now and then, every time. */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <dlfcn.h>
#include <errno.h>
#include <time.h>

int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int (*real)(int, struct sockaddr *, socklen_t *);
	struct timespec pause = { 0, 200 * 1000 * 1000 };

	*(void **)&real = dlsym(RTLD_NEXT, "accept");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	(void)nanosleep(&pause, NULL);
	return real(fd, addr, len);
}
