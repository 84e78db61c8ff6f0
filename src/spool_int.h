/* spool_int.h: between the spool's own files (spool_fs.c's primitives
 * and the files that use them: spool.c, spool_entry.c, spool_claim.c,
 * spool_scan.c, spool_sweep.c); not for other modules. */
#ifndef HOOKLINE_SPOOL_INT_H
#define HOOKLINE_SPOOL_INT_H

#include <stddef.h>

#include "err.h"
#include "spool.h"

#define SPOOL_DIR_MODE	0700
#define SPOOL_FILE_MODE	0600

/* Opens dir/sub (sub: a box name or "tmp"), creating the spool's folders
 * the first time. Returns the fd, or -1 with err. */
int	spool_sub_open(const char *dir, const char *sub, struct err *err);

/* Opens dir's box. Returns the fd, or -1 with err. */
int	spool_box_open(const char *dir, enum spool_box box, struct err *err);

/* Opens box/NAME (a folder, never through a link). Returns the fd, -2
 * when it does not exist, -1 with err. */
int	spool_entry_open(const char *dir, enum spool_box box, const char *name,
	    struct err *err);

/* Creates dirfd/fname (O_EXCL when excl, else truncating), writes
 * buf and fsyncs it. On failure the file is unlinked. Returns 0 or -1. */
int	spool_file_put(int dirfd, const char *fname, const void *buf,
	    size_t len, int excl, struct err *err);

/* Replaces dirfd/fname atomically: fname.tmp, fsync, rename, and with
 * sync_dir the fsync of the folder. Returns 0 or -1. */
int	spool_file_replace(int dirfd, const char *fname, const void *buf,
	    size_t len, int sync_dir, struct err *err);

/* Reads dirfd/fname whole, up to max bytes, NUL-terminated, into *buf
 * (caller frees). Returns 0, 1 when it does not exist, -1. */
int	spool_file_get(int dirfd, const char *fname, size_t max, char **buf,
	    size_t *len, struct err *err);

#endif
