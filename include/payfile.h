/* payfile.h: HOOKLINE_PAYLOAD_FILE: a private copy of the body per delivery attempt. */
#ifndef HOOKLINE_PAYFILE_H
#define HOOKLINE_PAYFILE_H

#include <sys/stat.h>

#include <stddef.h>

#include "err.h"

/* One attempt's copy. The caller owns it: payfile_remove() ends it. */
struct payfile {
	char			*path;	/* HOOKLINE_PAYLOAD_FILE; owned */
	int			 fd;	/* held, shared-locked: we live */
	const unsigned char	*body;	/* borrowed, for payfile_keep() */
	size_t			 len;
	struct stat		 st;	/* the copy as written */
};

/* Writes body to a new regular file, mode 0600, in a folder of ours,
 * mode 0700: spool_dir/payload/ (made when missing), or, when the spool
 * cannot have it (spool_dir NULL, not writable), $TMPDIR/hookline-
 * payload-UID/ ($TMPDIR unset or relative: /tmp). Nobody but our user
 * may read it; it needs no fd of ours, so programs a hook starts with
 * sudo, systemd-run or at can read it too. About one call in eight
 * also runs payfile_sweep(). Returns 0, or -1 with err (pf then holds
 * nothing). */
int	payfile_make(struct payfile *pf, const char *spool_dir,
	    const unsigned char *body, size_t len, struct err *err);

/* Between two hooks of an attempt: if a hook changed, replaced or
 * removed the copy, writes the body again at the same path, so that
 * every hook reads what was received. 0, or -1 with err. */
int	payfile_keep(struct payfile *pf, struct err *err);

/* Removes the copies left by a hookline that died (older than a
 * minute, and no living attempt holds their lock) from the folder
 * payfile_make() would use. Best effort. */
void	payfile_sweep(const char *spool_dir);

/* Removes the copy and releases pf; NULL or done already: nothing. */
void	payfile_remove(struct payfile *pf);

#endif
