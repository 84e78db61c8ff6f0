/* db_spill.h: the async accept with `database` set (one statement:
 * the id claimed, the delivery stored), and `database_unavailable =
 * spool`: kept in the local spool while the database is away, moved
 * into it when it is back. */
#ifndef HOOKLINE_DB_SPILL_H
#define HOOKLINE_DB_SPILL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "deliver.h"
#include "err.h"

/* What db_accept did. */
enum db_accepted {
	DB_ACCEPT_FAILED = -1,	/* not stored: 503 and Retry-After (err) */
	DB_ACCEPT_DUPLICATE = 0,	/* the id was seen: 200 duplicate */
	DB_ACCEPT_STORED = 1,	/* committed in the database: 202 */
	DB_ACCEPT_SPILLED = 2	/* in the local spool (database away and
				 * database_unavailable = spool): 202 */
};

/* Stores d in one statement: with claim_id, only if its id is new for
 * every host (db_dedupe.c; a duplicate stores nothing), and the id
 * recorded with it (db_queue_put_claimed). The 202 may go once this
 * returns STORED or
 * SPILLED, never before. The database unreachable: with
 * conf->database_spill, spool_put into the local spool (SPILLED); else
 * FAILED with err. */
enum db_accepted db_accept(const struct conf *conf, const struct delivery *d,
	    bool claim_id, struct err *err);

/* One async delivery of a batch (db_accept_many). */
struct db_accept_item {
	const struct delivery	*d;		/* borrowed */
	bool			 claim_id;	/* as db_accept's */
	enum db_accepted	 result;	/* out */
	struct err		 err;		/* out: why, for FAILED and
						 * SPILLED (as db_accept) */
};

/* db_accept for each of n deliveries, the FastCGI process's batch of
 * requests that arrived together (fcgi.c): stored in one transaction
 * and one round trip (db_pipeline; one COMMIT, one WAL flush) when the
 * database takes them all. When it refuses one, each is stored on its
 * own (db_accept), so that one bad delivery fails only itself; when it
 * is away, each is spilled or FAILED as db_accept does, without a new
 * connection attempt per delivery. Two of the batch with the same
 * sender's id: the first is stored, the second a duplicate. */
void	db_accept_many(const struct conf *conf, struct db_accept_item *items,
	    size_t n);

/* Moves up to max spilled deliveries from the local spool (new/, and
 * cur/ left by a mover that died; also what was pending there when
 * `database` was added) into the database, each in one transaction
 * (its id claimed: a copy stored already, or the same delivery
 * accepted by another host, is a duplicate and not stored again; the
 * row under its local name, with its consumers' states, counters and
 * run records, so that what succeeded does not run again), and removes
 * the local copy only after that COMMIT. Stops at
 * the first failure (the database away again). Returns how many left
 * the spool (*dups of them duplicates, not stored again), or -1 with
 * err. */
long	db_spill_move(const struct conf *conf, size_t max, size_t *dups,
	    struct err *err);

/* 1 when this host's spool holds spilled deliveries (new/ or cur/ not
 * empty), else 0. */
int	db_spill_waiting(const struct conf *conf);

#endif
