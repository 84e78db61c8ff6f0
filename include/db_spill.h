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
