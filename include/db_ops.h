/* db_ops.h: the operator's commands (list, show, replay, retry, purge)
 * on the deliveries in PostgreSQL, from any host: the same shapes as the
 * spool's calls, so that spoolcmd.c prints both the same way. */
#ifndef HOOKLINE_DB_OPS_H
#define HOOKLINE_DB_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "spool.h"
#include "strlist.h"

/* With `database` set, the commands also show what this host's local
 * spool still holds (deliveries spilled while the database was away,
 * or pending there when `database` was added), until the drainer has
 * moved them in: their names carry this prefix (a spool name never
 * holds a '/'), so that reading one goes to the local spool
 * (spoolcmd_store.c) and replay or retry says why it cannot act. */
#define DB_OPS_SPILLED		"spilled/"
#define DB_OPS_SPILLED_LEN	(sizeof(DB_OPS_SPILLED) - 1)

/* The names of the deliveries in state box (SPOOL_NEW: pending,
 * SPOOL_CUR: running), oldest first. Returns 0 or -1 with err. */
int	db_ops_list(const struct conf *conf, enum spool_box box,
	    struct strlist *names, struct err *err);

/* Reads delivery name with its consumers. Returns 0, 1 when it is not
 * there or no longer in box, -1 with err. */
int	db_ops_read(const struct conf *conf, enum spool_box box,
	    const char *name, struct spool_entry *e, struct err *err);

/* What each attempt of name did, in attempt order (spool_runs_free).
 * Returns 0 or -1. */
int	db_ops_runs(const struct conf *conf, const char *name,
	    struct spool_run **v, size_t *n, struct err *err);

/* The deliveries key names (their name, else every one whose delivery
 * id is key), appended to out as "box/NAME" (as spool_find does).
 * Returns 0 or -1. */
int	db_ops_find(const struct conf *conf, const char *key,
	    struct strlist *out, struct err *err);

/* Removes the deliveries in box (done or dead) that finished before
 * cutoff; their names appended to removed. Returns how many, or -1. */
int	db_ops_expire(const struct conf *conf, enum spool_box box,
	    time_t cutoff, struct strlist *removed, struct err *err);

/* Dead or done back to pending (consumer_replay: with all, or for a done
 * one, every consumer runs again). *was gets the state it was in.
 * Returns 0, or -1 with err (not there, running, pending). */
int	db_ops_replay(const struct conf *conf, const char *name, bool all,
	    enum spool_box *was, struct err *err);

/* A pending delivery due now (consumer_due_now). Returns 0, or -1 with
 * err (not there, not pending: a drainer holds it). */
int	db_ops_retry(const struct conf *conf, const char *name,
	    struct err *err);

#endif
