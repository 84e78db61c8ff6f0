/* statusview.h: what the status page and `hookline stats` show, gathered
 * in one place: the shared counters, the spool's gauges and its dead
 * letters. */
#ifndef HOOKLINE_STATUSVIEW_H
#define HOOKLINE_STATUSVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "spoolstat.h"
#include "stats.h"

/* Dead letters listed; the rest are counted (dead_total). */
#define STATUSVIEW_DEAD_MAX	100

/* A dead letter as its state file says (a file of the spool: read with
 * the spool's bounds; every string still escaped where it is shown). */
struct dead_letter {
	char		*name;		/* spool name: what replay takes */
	char		*endpoint;
	char		*event;
	char		*id;
	char		*error;		/* may be NULL */
	int64_t		 finished;
	unsigned	 attempts;
};

struct status_view {
	int64_t			 now;
	char			*conf_path;	/* for the replay command; NULL:
						 * no file */
	struct strlist		 endpoints;	/* configured, in file order */
	struct stats_snap	*snap;		/* never NULL once loaded */
	bool			 has_spool;	/* spool could be read */
	struct spoolstat	 spool;
	struct dead_letter	*dead;		/* oldest first */
	size_t			 ndead;
	size_t			 dead_total;
	struct strlist		 problems;	/* parts that could not be read */
};

/* Gathers it for conf at now. A part that cannot be read is left empty
 * and named in v->problems. Returns 0 (status_view_free), or -1 when out
 * of memory. */
int	status_view_load(const struct conf *conf, time_t now,
	    struct status_view *v);
void	status_view_free(struct status_view *v);

/* Per endpoint row of the summary: the configured endpoints in file
 * order, then those the counters know and the file no longer names.
 * Sets *n; returns a malloc'd array of pointers into v->snap->eps
 * (NULL entries: configured, no figures yet) and names into *names
 * (borrowed), or NULL when out of memory. */
struct status_row {
	const char			*name;
	const struct stats_ep_row	*ep;	/* NULL: nothing counted */
	uint64_t			 day[STATS__NOUTCOME];	/* 24 h */
};
struct status_row *status_rows(const struct status_view *v, size_t *n);

/* The deliveries of the hour h hours ago (0: this one), all endpoints,
 * by outcome, into out. */
void	status_hour(const struct status_view *v, unsigned h,
	    uint64_t out[STATS__NOUTCOME]);

/* `hookline replay -c CONF NAME` as an operator types it (CONF quoted
 * for a POSIX shell when it needs to be; no -c without a file). Returns
 * a malloc'd string, or NULL. */
char	*status_replay_command(const char *conf_path, const char *name);

/* "0 pending, 0 retrying, 0 running, 1 dead, 3 done" and, when
 * something is due, "; the oldest due delivery has waited N s", into
 * buf; "" when the spool could not be read. */
void	status_spool_line(const struct status_view *v, char *buf, size_t len);

/* "2026-12-01 16:40:12Z"; "-" for 0. */
void	status_time(char *buf, size_t len, int64_t t);

#endif
