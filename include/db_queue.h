/* db_queue.h: the async queue in PostgreSQL (db_queue.c): put before the
 * 202, claim with a lease (FOR UPDATE SKIP LOCKED), renew, finish; and
 * the deliveries read back as the spool's structs for the commands. */
#ifndef HOOKLINE_DB_QUEUE_H
#define HOOKLINE_DB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "db.h"
#include "deliver.h"
#include "err.h"
#include "spool.h"

/* The request path's entry point with `database` set: stores d on the
 * process's connection (db_shared) in one INSERT, committed when this
 * returns DB_OK: only then may the 202 go. DB_DOWN: unreachable (503,
 * Retry-After); DB_FAIL: refused (schema missing or of another version:
 * 503 too, and the log says why). The INSERT is safe to send twice
 * (our own random name, ON CONFLICT DO NOTHING), so a connection lost
 * under it is retried once on a new one. name (may be NULL) gets the
 * delivery's name (SPOOL_NAME_MAX + 1 bytes). */
enum db_rc db_queue_put(const struct conf *conf, const struct delivery *d,
	    char *name, struct err *err);
/* The same INSERT on db, inside the caller's transaction (db_tx): the
 * spill's move-back. received: unix seconds. */
enum db_rc db_queue_put_tx(struct db *db, const struct delivery *d,
	    int64_t received, char *name, struct err *err);

/* (pgx) The same INSERT only if d's id is new for its endpoint within
 * window seconds (db_dedupe.c's claim, by token), in one statement:
 * *stored true, or false for a duplicate (nothing stored). Safe to send
 * twice. */
enum db_rc db_queue_put_claimed(struct db *db, const struct delivery *d,
	    int64_t received, long window, const char *token, bool *stored,
	    struct err *err);

/* One delivery's INSERT as a statement of a batch (db_pipeline): its
 * new name, this host's, and the parameters, which point into it and
 * into d: both must live until the statement has run. */
struct db_queue_item {
	char		 name[SPOOL_NAME_MAX + 1];
	char		 host[256];
	struct db_param	 p[11];
};

/* s becomes d's INSERT with a new name into q: db_queue_put_tx's
 * statement (token NULL), or db_queue_put_claimed's (window, token):
 * the same texts, so the same prepared statements serve one delivery
 * and a batch. Both are safe to run twice. Returns 0, or -1 with err
 * (no random bytes for a name). */
int	db_queue_put_stmt(const struct delivery *d, int64_t received,
	    long window, const char *token, struct db_queue_item *q,
	    struct db_stmt *s, struct err *err);
/* After s ran: stored (true), or a duplicate (the claim's RETURNING
 * row missing: nothing stored). */
bool	db_queue_put_stored(const struct db_stmt *s);

/* Who holds a claim: "host pid start" (the drainer's start time keeps
 * a reused pid apart). Written into owner (DB_OWNER_MAX bytes). */
#define DB_OWNER_MAX	320
void	db_queue_owner(char *owner, size_t size);

/* A claimed delivery: its entry (box SPOOL_CUR, attempts and running
 * already counted for this attempt, consumers loaded), its body, and
 * whether it was taken over from a claim whose lease expired. */
struct db_claim {
	struct spool_entry	 e;
	unsigned char		*body;		/* body_len bytes, owned */
	size_t			 body_len;
	bool			 takeover;
	char			*prev_owner;	/* the expired claim's, or NULL */
	unsigned		 prev_running;	/* the attempt it cut short */
	int64_t			 prev_started;	/* when that one began */
};

void	db_claim_free(struct db_claim *c);

/* Claims the oldest due delivery (pending and due, or running with an
 * expired lease: any host's) for owner, for lease seconds, and counts
 * the attempt. Returns DB_OK with *found 0 (nothing due) or 1 (c
 * filled; db_claim_free), or DB_DOWN / DB_FAIL. */
enum db_rc db_queue_claim(struct db *db, const char *owner, long lease,
	    struct db_claim *c, int *found, struct err *err);

/* Moves the lease of name on by lease seconds from the server's now,
 * while owner holds it: *held false when it does not any more (another
 * drainer took it over). */
enum db_rc db_queue_renew(struct db *db, const char *name, const char *owner,
	    long lease, bool *held, struct err *err);

/* Gives a claim back untouched (a stopping drainer): pending, due now,
 * the attempt not counted. */
enum db_rc db_queue_unclaim(struct db *db, const char *name,
	    const char *owner, struct err *err);

/* Records an attempt's end in one transaction, while owner holds the
 * claim: run (its record; may be NULL), e's consumers and counters,
 * state from e->fate (done, dead, or pending due at e->next), lease
 * released. *held false (and nothing written) when the claim was taken
 * over meanwhile. host: who ran it. */
enum db_rc db_queue_finish(struct db *db, const struct spool_entry *e,
	    const struct spool_run *run, const char *owner, const char *host,
	    bool *held, struct err *err);

/* Writes a run record for attempt r->attempt of name (the interrupted
 * attempt a takeover found), once (ON CONFLICT DO NOTHING). */
enum db_rc db_queue_record_run(struct db *db, const char *name,
	    const struct spool_run *r, const char *host, struct err *err);

/* Reads the delivery name (box from its state) with its consumers.
 * Returns DB_OK with *found 0 or 1 (e filled: spool_entry_free). */
enum db_rc db_queue_read(struct db *db, const char *name,
	    struct spool_entry *e, int *found, struct err *err);
/* Its run records, in attempt order (spool_runs_free); records that do
 * not decode are skipped. */
enum db_rc db_queue_runs(struct db *db, const char *name,
	    struct spool_run **v, size_t *n, struct err *err);

/* (pgx) Writes e back, inside the caller's db_tx, for a delivery no
 * drainer holds (the caller locked its row FOR UPDATE and checked its
 * state): its consumers and counters, state from e->box (SPOOL_NEW:
 * pending, due at e->next), no lease. */
enum db_rc db_queue_store_tx(struct db *db, const struct spool_entry *e,
	    struct err *err);

/* *any: a delivery is pending or running (on any host). */
enum db_rc db_queue_busy(struct db *db, bool *any, struct err *err);
/* Removes done deliveries finished more than keep seconds ago (at most
 * limit of them). *n (may be NULL): how many. */
enum db_rc db_queue_sweep(struct db *db, long keep, long limit, long *n,
	    struct err *err);

#endif
