/* fdio.h: whole writes to a file descriptor. */
#ifndef HOOKLINE_FDIO_H
#define HOOKLINE_FDIO_H

#include <stddef.h>

/* Writes all len bytes of buf to fd, again after a short write or
 * EINTR. Returns 0, or -1 with errno (EIO if write() returned 0). */
int	write_all(int fd, const void *buf, size_t len);

#endif
