/* fdio.h: whole reads and writes on a file descriptor. */
#ifndef HOOKLINE_FDIO_H
#define HOOKLINE_FDIO_H

#include <stddef.h>

/* Writes all len bytes of buf to fd, again after a short write or
 * EINTR. Returns 0, or -1 with errno (EIO if write() returned 0). */
int	write_all(int fd, const void *buf, size_t len);

/* Reads exactly len bytes from fd into buf, again after a short read
 * or EINTR. Returns 0, or -1 with errno (EIO at end of file). */
int	read_full(int fd, void *buf, size_t len);

#endif
