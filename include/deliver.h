/* deliver.h: run one delivery's hooks, shared by the sync request path
 * and the spool's drainer: route, environment, payload, each hook,
 * and what each did. */
#ifndef HOOKLINE_DELIVER_H
#define HOOKLINE_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "resident.h"
#include "run.h"
#include "strlist.h"

/* One accepted delivery. Borrowed strings; the caller owns them. */
struct delivery {
	const char		*endpoint;	/* endpoint name, "" for / */
	const char		*event;		/* validated */
	const char		*id;		/* delivery id */
	const char		*remote_addr;
	const char		*content_type;
	const unsigned char	*body;
	size_t			 body_len;
	unsigned		 attempt;	/* 1 for the first run */
	struct resident		*resident;	/* this process's resident
						 * workers, borrowed; NULL:
						 * resident hooks run one-shot */
};

struct hook_outcome {
	char			*hook;		/* relative to hooks_dir, owned */
	struct run_result	 res;
	char			*why;		/* owned; why it did not run, for
						 * the log: may hold server paths */
	char			*reason;	/* owned; the same for the sender:
						 * a few words, never a path */
	/* For the spool (forward targets set them; hooks leave 0): */
	bool			 final;		/* failed for good: no retry */
	long			 retry_after;	/* > 0: wait at least this */
};

struct outcome {
	struct hook_outcome	*v;
	size_t			 n;
};

/* Resolves the hooks for d on ep and runs each in order, skipping the
 * ones named in done (may be NULL: hooks that already succeeded on an
 * earlier attempt). Appends one entry per hook run to out. Returns 0
 * when every hook it ran succeeded (also when none ran), 1 when one
 * failed or timed out, -1 when nothing could be run (err: hooks folder
 * unreadable, no memory or disk for the payload file). The attempt's
 * hooks share one copy of the body (payfile_make(): under the spool,
 * 0600), restored between hooks if one changed it, removed at the end:
 * HOOKLINE_PAYLOAD_FILE names it. A hook refused or not started has
 * why (full path) and reason (none) set, as has a resident hook that
 * broke its protocol. A hook named *.resident runs through
 * resident_run(), in d->resident's pool (resident.h). */
int	deliver_run(const struct conf *conf, const struct endpoint *ep,
	    const struct delivery *d, const struct strlist *done,
	    struct outcome *out, struct err *err);
void	outcome_free(struct outcome *o);

#endif
