/* spoolstat.h: what the spool holds now, by state, and how long the
 * oldest due delivery has waited: for the metrics and the health check. */
#ifndef HOOKLINE_SPOOLSTAT_H
#define HOOKLINE_SPOOLSTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

enum spoolstat_state {
	SPOOLSTAT_PENDING,	/* new/, never failed yet */
	SPOOLSTAT_RETRYING,	/* new/, failed before: waits for a retry */
	SPOOLSTAT_RUNNING,	/* cur/: claimed by the drainer */
	SPOOLSTAT_DEAD,		/* dead/: out of retries */
	SPOOLSTAT_DONE,		/* done/: kept for keep_done */
	SPOOLSTAT__N
};

/* "pending", "retrying", "running", "dead", "done"; "?". */
const char	*spoolstat_name(enum spoolstat_state s);

struct spoolstat {
	uint64_t	count[SPOOLSTAT__N];
	/* The delivery in new/ that has been due longest: how many seconds
	 * since it became due (now - its next try time, at least 0).
	 * has_due false (and oldest_due_age 0): nothing in new/ is due. */
	bool		has_due;
	int64_t		oldest_due_age;
	/* Entries of new/ whose state could not be read (being written,
	 * or damaged): counted as pending, not in the due age. */
	uint64_t	unreadable;
};

/* Counts spool_dir's boxes and reads the states in new/ (their next
 * try and failures; the spool's files are hookline's own, each still
 * decoded with the spool's bounds). Returns 0 with *out filled, or -1
 * with err when a box cannot be listed (the spool is missing or not
 * readable: the health check's "spool" failure). */
int	spoolstat_read(const char *spool_dir, time_t now, struct spoolstat *out,
	    struct err *err);

#endif
