/* stats.h: counters every hookline process shares: a fixed-size file in
 * the spool (spool_dir/stats), mapped shared and updated with atomic
 * adds; no lock on the request path, no daemon. The read side gives a
 * snapshot for the metrics, the health check, the status page and
 * `hookline stats`. */
#ifndef HOOKLINE_STATS_H
#define HOOKLINE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "deliver.h"
#include "err.h"
#include "spool.h"

/*
 * Who controls the file: whoever may write spool_dir, that is the user
 * hookline serves as (the spool's owner) and root. Its bytes are read as
 * hostile all the same: before it is mapped it must be a regular file
 * (opened O_NOFOLLOW), owned by us (the reader: by us or by the spool
 * folder's owner), with one link, not group- or world-writable, of the
 * exact size, with our magic and layout version; anything else is moved
 * aside to spool_dir/stats.old (replacing an earlier one) and a fresh
 * file is made, made by root it is given to the spool's owner. (A
 * process not running as the spool's owner, nor as root, never moves
 * the owner's file: it goes on without counting.) Every name and index read from it is bounded and
 * checked again by the reader (stats_snapshot), so a file changed under
 * us gives wrong numbers at worst, never a crash.
 *
 * Rows are keyed by names hookline chose: endpoint names from the
 * configuration, hook names from the hooks folder, forward targets from
 * the configuration (without user:password, query or fragment); never a
 * sender's bytes. A request to an endpoint that does not exist is
 * counted on the fixed endpoint STATS_EP_UNKNOWN; a name that does not
 * fit, or a table that is full, is counted on the table's fixed
 * STATS_EP_OTHER row (hook and target rows: endpoint STATS_EP_OTHER,
 * name STATS_NAME_OTHER). Slots are claimed lock-free (compare and swap
 * on a slot's state), so a new endpoint or hook needs no new file.
 *
 * The file outlives processes and restarts; a new layout version (or a
 * change of the sizes below) starts from zero, the old file kept as
 * stats.old.
 */

#define STATS_FILE		"stats"
#define STATS_FILE_OLD		"stats.old"

#define STATS_NAME_MAX		64	/* an endpoint name (conf.c: 1-64) */
#define STATS_HOOK_MAX		127	/* a hook name; longer: the other row */
#define STATS_TARGET_MAX	187	/* a forward target; longer: other */
#define STATS_CODE_MAX		31	/* an answer's error code */
#define STATS_EVENT_MAX		128	/* route.c's EVENT_MAX */
#define STATS_DELIVERY_MAX	128	/* payload.c: 1-128 printable bytes */
#define STATS_HOURS		48	/* the ring of hour buckets */
#define STATS_RECENT		50	/* the last deliveries kept */
#define STATS_RECENT_HOOKS	8	/* hook exits kept per delivery */
#define STATS_RECENT_HOOK_MAX	63	/* a hook name there, truncated */

/* The fixed rows' endpoint names: never a valid section name
 * ([A-Za-z0-9_-]), so they cannot meet a configured endpoint. */
#define STATS_EP_UNKNOWN	"(unknown)"
#define STATS_EP_OTHER		"(other)"
#define STATS_NAME_OTHER	"(other)"

/* What became of a request or of an async attempt. */
enum stats_outcome {
	STATS_SUCCESS,		/* every hook ran and succeeded (sync answer
				 * 200, or an async attempt: done) */
	STATS_FAILURE,		/* sync: a hook failed or timed out, or the
				 * server failed (5xx) */
	STATS_ACCEPTED,		/* async: spooled, answered 202 (its
				 * attempts are counted again as they run) */
	STATS_RETRY,		/* async attempt failed; will run again */
	STATS_DEAD,		/* async attempt failed; out of retries */
	STATS_DUPLICATE,	/* answered 200 duplicate; nothing ran */
	STATS_IGNORED,		/* no hook and no target for the event */
	STATS_REJECTED,		/* refused before anything ran: 4xx (bad
				 * signature, bad JSON, too big, 429, ...) */
	STATS__NOUTCOME
};

/* "success", "failure", "accepted", "retry", "dead", "duplicate",
 * "ignored", "rejected"; "?" for anything else. */
const char	*stats_outcome_name(enum stats_outcome o);

/* The result of one hook run or one forward attempt. */
enum stats_result {
	STATS_R_SUCCESS,	/* exit 0; a forward: 2xx */
	STATS_R_FAILURE,	/* other exit or signal; forward: will retry */
	STATS_R_TIMEOUT,	/* killed at its deadline; forward: no answer
				 * in time */
	STATS_R_NOT_RUN,	/* refused by the checks (not executable,
				 * writable by others, ...) or not started */
	STATS_R_REJECTED,	/* forward only: 4xx or gone, not retried */
	STATS__NRESULT
};

/* "success", "failure", "timeout", "not_run", "rejected"; "?". */
const char	*stats_result_name(enum stats_result r);

/* Why the monitor (monitor.c) refused someone who asked for one of its
 * URLs: no or a wrong bearer token (401), an address outside
 * monitor_allow_ip (403). */
enum stats_refusal {
	STATS_REFUSED_TOKEN,
	STATS_REFUSED_ADDRESS,
	STATS__NREFUSAL
};

/* "token", "address"; "?" for anything else. */
const char	*stats_refusal_name(enum stats_refusal r);

/* Hook durations: the histogram's upper bounds, milliseconds; a last
 * bucket (+Inf) follows them. */
#define STATS_NBUCKET	13	/* 12 bounds + Inf */
extern const long stats_bucket_ms[STATS_NBUCKET - 1];

struct stats;	/* an open, mapped stats file; one per process */

/* ---- open and close ---------------------------------------------- */

/* Opens (creating when missing) spool_dir/stats for counting, and maps
 * it. A file that fails the checks above is moved aside and replaced.
 * Returns 0 and *out, or -1 with err and *out NULL: the caller logs that
 * once and goes on without counting (every counting call takes NULL);
 * -2 (err and *out NULL as well) when spool_dir does not exist: a
 * sync-only setup without a spool, where stats_start stays quiet. */
int	stats_open(const char *spool_dir, struct stats **out, struct err *err);
/* Unmaps and frees; NULL does nothing. */
void	stats_close(struct stats *st);

/* conf->stats = stats_open(conf->spool_dir): for a process that serves
 * (once per FastCGI process, again after each reload: a new conf; once
 * per CGI request; once per drainer run). conf_free() closes it.
 * Returns 0, or -1 or -2 as stats_open (conf->stats stays NULL: not
 * counting). */
int	stats_attach(struct conf *conf, struct err *err);

/* stats_attach for a serving process, and when it fails (but for a
 * missing spool folder) a warning in the log (the process goes on without counting). conf NULL, or
 * attached already: nothing. */
void	stats_start(struct conf *conf);

/* ---- counting: each takes st == NULL and then does nothing -------- */

/* One answered request (handle.c, once per request).
 * endpoint: the configured endpoint's name, or NULL when none matched
 * (counted as STATS_EP_UNKNOWN). word: the answer's "status" field
 * ("success", "accepted", "duplicate", "ignored", "error", "ok"), or
 * NULL. code: the answer's "error" field, or NULL. event and delivery:
 * NULL until known (they are kept, bounded and made printable, in the
 * last deliveries); out: the hooks that ran (sync), or NULL.
 * Counts: requests{endpoint,status,code}; a 401 as a signature failure
 * (so never for the monitor's URLs: stats_monitor_refused);
 * duplicates; each hook and forward of out; the endpoint's last
 * delivery and hour bucket; the ring of last deliveries (only for what
 * got past the signature and the checks, with an event: success,
 * failure, accepted). */
struct stats_request {
	const char		*endpoint;
	int			 status;
	const char		*word;
	const char		*code;
	const char		*event;
	const char		*delivery;
	const struct outcome	*out;
};
void	stats_request(struct stats *st, const struct stats_request *r);

/* One async attempt that finished (attempt.c): its fate after the
 * attempt (e->fate: pending = retry, done = success, dead), its
 * consumers' results (out), the endpoint's last delivery and hour
 * bucket, and the ring of last deliveries. */
void	stats_attempt(struct stats *st, const struct spool_entry *e,
	    const struct outcome *out);

/* A drainer's run (drain.c): its time, unix seconds. */
void	stats_drain(struct stats *st, int64_t when);
/* A drainer's look at the spool for due deliveries (each pass; a
 * --follow drainer at least every 30 s): the last-run time
 * moves on, the runs are not counted again. */
void	stats_drain_pass(struct stats *st, int64_t when);

/* A refusal of the monitor's URLs (monitor.c): counted apart from the
 * webhook requests, never as a signature failure. */
void	stats_monitor_refused(struct stats *st, enum stats_refusal why);

/* A configuration reload: ok true when the new file was taken, false
 * when it failed and the old one was kept. */
void	stats_reload(struct stats *st, bool ok);

/* ---- reading ------------------------------------------------------ */

struct stats_req_row {
	char		endpoint[STATS_NAME_MAX + 1];
	int		status;
	char		code[STATS_CODE_MAX + 1];	/* "" when none */
	uint64_t	count;
};

/* Endpoints: the configured ones that were counted, and the fixed rows
 * STATS_EP_UNKNOWN and STATS_EP_OTHER (always there, maybe all zero). */
struct stats_ep_row {
	char		name[STATS_NAME_MAX + 1];	/* "" is the implicit
							 * endpoint (/) */
	uint64_t	sig_failures;
	uint64_t	duplicates;
	int64_t		last_time;	/* unix seconds; 0: no delivery yet */
	enum stats_outcome last_outcome;
	/* hours[0] is the hour holding the snapshot's now, hours[1] the
	 * one before, ...; counts by outcome (all outcomes, rejected
	 * included). */
	uint64_t	hours[STATS_HOURS][STATS__NOUTCOME];
};

struct stats_hook_row {
	char		endpoint[STATS_NAME_MAX + 1];
	char		hook[STATS_HOOK_MAX + 1];	/* relative to the
							 * hooks folder */
	uint64_t	result[STATS__NRESULT];
	/* Durations: bucket[i] counts runs of at most stats_bucket_ms[i]
	 * and more than the bound before (not cumulative); the last one
	 * the rest. sum_ms: their sum. */
	uint64_t	bucket[STATS_NBUCKET];
	uint64_t	sum_ms;
};

struct stats_target_row {
	char		endpoint[STATS_NAME_MAX + 1];
	char		target[STATS_TARGET_MAX + 1];	/* scheme://host/path */
	uint64_t	result[STATS__NRESULT];
};

struct stats_recent {
	int64_t		time;		/* unix seconds */
	char		endpoint[STATS_NAME_MAX + 1];
	char		event[STATS_EVENT_MAX + 1];	/* printable ASCII */
	char		delivery[STATS_DELIVERY_MAX + 1]; /* printable ASCII
							 * only (others: '?'):
							 * still a sender's,
							 * escape it for HTML */
	enum stats_outcome outcome;
	unsigned	attempts;	/* 0 for a request answered at once */
	size_t		nhooks;		/* entries in hooks */
	bool		more_hooks;	/* ran more than STATS_RECENT_HOOKS */
	struct {
		/* a hook's name, or "forward:" and its target as in the
		 * metrics (no query, fragment or password); truncated */
		char	name[STATS_RECENT_HOOK_MAX + 1];
		int	exit;		/* -1: did not exit (signal, timeout,
					 * not run) */
	} hooks[STATS_RECENT_HOOKS];
};

/* A copy of the whole file at one moment (each counter read atomically;
 * the whole is not one atomic picture). Rows in slot order; the caller
 * sorts if it wants. */
struct stats_snap {
	int64_t			 now;		/* when it was taken */
	int64_t			 created;	/* when the file was made */
	uint64_t		 reloads;
	uint64_t		 reload_failures;
	uint64_t		 drain_runs;
	int64_t			 drain_last;	/* a drainer's last start or
						 * pass; 0: never */
	uint64_t		 monitor_refused[STATS__NREFUSAL];
	struct stats_ep_row	*eps;
	size_t			 neps;
	struct stats_req_row	*reqs;
	size_t			 nreqs;
	struct stats_hook_row	*hooks;
	size_t			 nhooks;
	struct stats_target_row	*targets;
	size_t			 ntargets;
	struct stats_recent	 recent[STATS_RECENT];	/* newest first */
	size_t			 nrecent;
};

/* Snapshot of an open file (a serving process: conf->stats). Returns 0
 * and *out (stats_snap_free), or -1 with err. */
int	stats_snapshot(struct stats *st, struct stats_snap **out,
	    struct err *err);
/* The same from spool_dir/stats, opened read-only and never created or
 * moved (`hookline stats`, maybe run by another user than the spool's:
 * the file must then belong to the spool folder's owner). Returns 0 and
 * *out; 1 when there is no file yet (*out is an empty snapshot all the
 * same); -1 with err when it cannot be read or fails the checks. */
int	stats_read(const char *spool_dir, struct stats_snap **out,
	    struct err *err);
void	stats_snap_free(struct stats_snap *s);

#endif
