/* db_dedupe.c: delivery ids remembered across hosts: one record per
 * (endpoint, delivery id) in PostgreSQL, made, released and swept with
 * parameterised statements through db.c. */
#include <stdint.h>
#include <stdio.h>

#include "db_dedupe.h"
#include "payload.h"
#include "platform.h"

/*
 * Who controls what: the endpoint name is the configuration's; the
 * delivery id is the sender's (checked by delivery_id_valid(): 1-128
 * printable ASCII bytes) and only ever a parameter; the rows are the
 * database's, which every host sharing it writes: a row is read only as
 * "there" or "not there".
 *
 * The unique key (endpoint, delivery_id) picks one winner among
 * concurrent claims on every host: the others wait for the winner's
 * row, then see it. A record older than the window is a new delivery
 * again: rather than delete-then-insert (two statements another host
 * could interleave with), the claim takes the old row over in the same
 * statement (ON CONFLICT ... DO UPDATE ... WHERE expired), and a fresh
 * row is left alone, which is ON CONFLICT DO NOTHING for every fresh
 * record.
 *
 * The token makes the claim safe to send twice: when the connection is
 * lost after the server committed but before the answer came, db.c runs
 * the statement again (DB_RETRY), and the row that holds our own token
 * counts as ours, not as a duplicate. It also keeps a release from
 * removing the record of another host's later claim.
 *
 * Times are the server's now(): hosts' clocks may differ; the server's
 * is the one all of them see.
 *
 * The table, hookline_dedupe (endpoint, delivery_id, seen, token), is
 * db_schema.c's, with the rest of the schema.
 */
static const char claim_sql[] = DB_DEDUPE_CLAIM_SQL("$1", "$2", "$3", "$4");

static const char release_sql[] =
    "DELETE FROM hookline_dedupe "
    "WHERE endpoint = $1 AND delivery_id = $2 AND token = $3";

/* Bounded: a sweep is a few milliseconds whatever the backlog; what is
 * left is taken by the next one. Oldest first (ORDER BY seen): without
 * it the planner, guessing a third of the rows expired, scanned the
 * whole table for LIMIT rows that were not there (5 ms at 40,000
 * records, on a sample of the accepts); through the index on seen it
 * stops at the first record not expired. */
static const char sweep_sql[] =
    "DELETE FROM hookline_dedupe WHERE ctid = ANY (ARRAY("
    "SELECT ctid FROM hookline_dedupe "
    "WHERE seen < now() - $1::bigint * interval '1 second' "
    "ORDER BY seen LIMIT $2 FOR UPDATE SKIP LOCKED))";

int
db_dedupe_claim(struct db *db, const char *endpoint, const char *id,
    long window, const char *token, struct err *err)
{
	struct db_param p[4];
	struct db_res *res = NULL;
	enum db_rc rc;
	int n;

	if (db == NULL || endpoint == NULL || id == NULL || id[0] == '\0' ||
	    token == NULL || token[0] == '\0' || window < 0) {
		err_set(err, "dedupe: bad arguments");
		return DB_FAIL;
	}
	p[0] = DBP_TEXT(endpoint);
	p[1] = DBP_TEXT(id);
	p[2] = DBP_INT(window);
	p[3] = DBP_TEXT(token);
	if ((rc = db_exec(db, DB_RETRY, claim_sql, 4, p, &res, err)) != DB_OK)
		return rc;
	n = db_rows(res);
	db_res_free(res);
	return n > 0 ? 1 : 0;
}

enum db_rc
db_dedupe_release(struct db *db, const char *endpoint, const char *id,
    const char *token, struct err *err)
{
	struct db_param p[3];

	if (db == NULL || endpoint == NULL || id == NULL || token == NULL) {
		err_set(err, "dedupe: bad arguments");
		return DB_FAIL;
	}
	p[0] = DBP_TEXT(endpoint);
	p[1] = DBP_TEXT(id);
	p[2] = DBP_TEXT(token);
	return db_exec(db, DB_RETRY, release_sql, 3, p, NULL, err);
}

long
db_dedupe_sweep(struct db *db, long window, long limit, struct err *err)
{
	struct db_param p[2];
	struct db_res *res = NULL;
	enum db_rc rc;
	long n;

	if (db == NULL || window < 0 || limit <= 0) {
		err_set(err, "dedupe: bad arguments");
		return DB_FAIL;
	}
	p[0] = DBP_INT(window);
	p[1] = DBP_INT(limit);
	if ((rc = db_exec(db, DB_RETRY, sweep_sql, 2, p, &res, err)) != DB_OK)
		return rc;
	n = db_affected(res);
	db_res_free(res);
	return n;
}

int
db_dedupe_claim_conf(const struct conf *conf, const char *endpoint,
    const char *id, char *token, struct err *err)
{
	struct db *db;
	enum db_rc rc = DB_DOWN;
	int n;

	token[0] = '\0';
	if ((db = db_shared(conf, &rc, err)) == NULL)
		return rc;
	/* A UUIDv7: unique enough to tell our claim from anyone's. */
	if (delivery_id_new(token, DB_DEDUPE_TOKEN_MAX) != 0) {
		err_set(err, "dedupe: cannot make a token");
		return DB_FAIL;
	}
	n = db_dedupe_claim(db, endpoint, id, conf->dedupe_window, token, err);
	if (n == 1)
		db_dedupe_sweep_maybe(db, conf->dedupe_window);
	return n;
}

void
db_dedupe_sweep_maybe(struct db *db, long window)
{
	uint8_t dice;

	/* Housekeeping on a sample of claims: no daemon, no timer, and a
	 * failed sweep is the next one's work. */
	if (random_bytes(&dice, 1) == 0 && dice % DB_DEDUPE_SWEEP_EVERY == 0)
		(void)db_dedupe_sweep(db, window, DB_DEDUPE_SWEEP_MAX, NULL);
}

enum db_rc
db_dedupe_release_conf(const struct conf *conf, const char *endpoint,
    const char *id, const char *token, struct err *err)
{
	struct db *db;
	enum db_rc rc = DB_DOWN;

	if (token == NULL || token[0] == '\0')
		return DB_OK;
	if ((db = db_shared(conf, &rc, err)) == NULL)
		return rc;
	return db_dedupe_release(db, endpoint, id, token, err);
}
