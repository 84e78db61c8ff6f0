/* db_dedupe.h: delivery ids remembered across hosts, in PostgreSQL (the
 * shared counterpart of dedupe.h, used when `database` is set). */
#ifndef HOOKLINE_DB_DEDUPE_H
#define HOOKLINE_DB_DEDUPE_H

#include "conf.h"
#include "db.h"
#include "err.h"

/* A claim's token: whoever made a record, so that only it releases it
 * and a claim sent twice (a lost connection) is still its own. */
#define DB_DEDUPE_TOKEN_MAX	64

/* The claim as SQL, its four parameters' places given ("$1"...): for a
 * statement that claims and stores at once (db_queue_put_claimed). A
 * row comes back when the claim is ours: new, expired and taken over,
 * or ours already (the same token: the statement sent twice). */
#define DB_DEDUPE_CLAIM_SQL(ep, id, window, token) \
    "INSERT INTO hookline_dedupe (endpoint, delivery_id, seen, token) " \
    "VALUES (" ep "::text, " id "::text, now(), " token "::text) " \
    "ON CONFLICT (endpoint, delivery_id) DO UPDATE " \
    "SET seen = now(), token = EXCLUDED.token " \
    "WHERE hookline_dedupe.token = EXCLUDED.token " \
    "OR hookline_dedupe.seen < now() - " window "::bigint * " \
    "interval '1 second' " \
    "OR hookline_dedupe.seen > now() + " window "::bigint * " \
    "interval '1 second' " \
    "RETURNING 1"

/* Records (endpoint, id) unless it was recorded less than window seconds
 * ago (the server's clock, so hosts whose clocks differ agree). Of many
 * concurrent callers, on any host, with one id exactly one gets 1.
 * token is the caller's (delivery_id_new()), kept for the release.
 * Returns 1 (new, now recorded), 0 (duplicate), or DB_FAIL / DB_DOWN
 * with err. */
int	db_dedupe_claim(struct db *db, const char *endpoint, const char *id,
	    long window, const char *token, struct err *err);

/* Forgets (endpoint, id) if token still holds it, so that the sender's
 * retry of a delivery that failed temporarily is run. Returns a db_rc. */
enum db_rc db_dedupe_release(struct db *db, const char *endpoint,
	    const char *id, const char *token, struct err *err);

/* The request path's way: db_dedupe_claim on the process's connection
 * (db_shared) with a new token written to token (DB_DEDUPE_TOKEN_MAX
 * bytes), and now and then (one claim in DB_DEDUPE_SWEEP_EVERY) a sweep
 * of DB_DEDUPE_SWEEP_MAX expired records. Returns as db_dedupe_claim. */
#define DB_DEDUPE_SWEEP_EVERY	64
#define DB_DEDUPE_SWEEP_MAX	500
int	db_dedupe_claim_conf(const struct conf *conf, const char *endpoint,
	    const char *id, char *token, struct err *err);
/* One call in DB_DEDUPE_SWEEP_EVERY sweeps (db_dedupe_sweep) up to
 * DB_DEDUPE_SWEEP_MAX expired records; failures are ignored. */
void	db_dedupe_sweep_maybe(struct db *db, long window);
/* db_dedupe_release on the process's connection. */
enum db_rc db_dedupe_release_conf(const struct conf *conf,
	    const char *endpoint, const char *id, const char *token,
	    struct err *err);

/* Removes at most limit records older than window seconds. Returns how
 * many (>= 0), or DB_FAIL / DB_DOWN with err. */
long	db_dedupe_sweep(struct db *db, long window, long limit,
	    struct err *err);

#endif
