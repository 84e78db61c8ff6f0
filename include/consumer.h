/* consumer.h: a spooled delivery's consumers (each hook, each forward
 * target) and what their states make of the delivery: each keeps its
 * own retries; the delivery is done when all succeeded, dead when all
 * are finished and one failed. Pure functions over a spool_entry. */
#ifndef HOOKLINE_CONSUMER_H
#define HOOKLINE_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "deliver.h"
#include "spool.h"
#include "strlist.h"

/* The consumer of e named name, or NULL. */
struct consumer	*consumer_find(const struct spool_entry *e, const char *name);

/* The names an attempt at now must not run: finished consumers, and
 * pending ones not due yet. Returns 0, or -1 when out of memory. */
int	consumer_skip(const struct spool_entry *e, int64_t now,
	    struct strlist *skip);

/* Marks the consumer name as succeeded (added when new). Returns 0, or
 * -1 when out of memory. */
int	consumer_succeeded(struct spool_entry *e, const char *name);

/*
 * Records what an attempt that began at `began` did (out: one entry per
 * consumer it ran) and settles the delivery at `now` (a whole second):
 * a consumer that succeeded is finished; one that failed for good
 * (out's final) is failed; another failure waits for its next place in
 * conf's schedule (or its retry_after, when longer), or is exhausted.
 * run_error, when not NULL, says why the attempt could run nothing (or
 * not everything): it counts in e->errors, with a schedule of its own.
 * Pending consumers that were due and did not run are dropped (the hook
 * or the target is no longer configured). Then e->fate, e->next and
 * e->error say where the delivery goes. Returns 0, or -1 when out of
 * memory (e is then as consistent as it can be: run it again).
 */
int	consumer_settle(struct spool_entry *e, const struct conf *conf,
	    const struct outcome *out, const char *run_error, int64_t began,
	    int64_t now);

/* Back to pending, due at now: the consumers that did not succeed, or
 * all of them with all; the delivery's schedule starts over. */
void	consumer_replay(struct spool_entry *e, bool all, int64_t now);

/* A pending delivery, due now: so are its pending consumers. */
void	consumer_due_now(struct spool_entry *e, int64_t now);

/* The consumer that sent a dead delivery there (the first that failed
 * for good or ran out of retries), or NULL (its own errors did). */
const struct consumer *consumer_culprit(const struct spool_entry *e);

/* How many of e's consumers are in state st. */
size_t	consumer_count(const struct spool_entry *e, enum cons_state st);

/* A pending consumer that failed before is "retrying": the word show
 * and list --json use (the record's word otherwise). */
const char *consumer_word(const struct consumer *c);

#endif
