/* db_spill.c: the async accept with `database` set, and its fallback
 * (database_unavailable = spool): a delivery the database cannot take
 * is kept in the local spool and moved into the database when it is
 * back, the local copy removed only after the COMMIT. What the local
 * spool held when `database` was added moves the same way, with its
 * consumers' progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_dedupe.h"
#include "db_queue.h"
#include "db_spill.h"
#include "payload.h"
#include "spool.h"

/*
 * Why the claim and the INSERT are one statement: apart, a claim that
 * committed before the database went away would turn the sender's
 * retry of a delivery answered 503 into a "duplicate", and a spilled
 * delivery would meet its own claim when moved back and be dropped.
 * Together, either both are there or neither is; and one statement is
 * one round trip, as cheap as the INSERT alone (db_queue_put_claimed).
 *
 * Never lost, at most twice: the statement is safe to send again on a
 * new connection when the first one died under it (our token, our
 * name), so a COMMIT whose answer was lost is found committed. When
 * even that fails, the delivery is spilled or answered 503; if it had
 * committed after all, its spilled copy meets the committed claim when
 * moved back and is dropped as a duplicate. A delivery without a
 * sender's id has no claim at accept (the id is ours and new), so such
 * a copy would run a second time.
 *
 * Who controls what: the local spool's entries are read with
 * spool_read/spool_body (spoolrec.c bounds and checks them); they were
 * written by this host's hookline, for the spool's owner only.
 */

struct accept {
	const struct delivery	*d;
	bool			 claim;
	long			 window;
	int64_t			 received;
	bool			 dup;
};

/* A new claim token (a UUIDv7: ours, unique). Returns 0, or -1 with
 * err. */
static int
token_new(char token[DB_DEDUPE_TOKEN_MAX], struct err *err)
{
	if (delivery_id_new(token, DB_DEDUPE_TOKEN_MAX) != 0) {
		err_set(err, "cannot make a token");
		return -1;
	}
	return 0;
}

/* Stores a->d on the process's connection, its id claimed with
 * a->claim: a db_rc, a->dup set. */
static enum db_rc
accept_run(const struct conf *conf, struct accept *a, struct err *err)
{
	char token[DB_DEDUPE_TOKEN_MAX];
	struct db *db;
	enum db_rc rc = DB_DOWN;
	bool stored = true;

	a->dup = false;
	if ((db = db_shared(conf, &rc, err)) == NULL)
		return rc;
	if (!a->claim)
		return db_queue_put_tx(db, a->d, a->received, NULL, err);
	if (token_new(token, err) == -1)
		return DB_FAIL;
	if ((rc = db_queue_put_claimed(db, a->d, a->received, a->window,
	    token, &stored, err)) != DB_OK)
		return rc;
	a->dup = !stored;
	if (stored)
		db_dedupe_sweep_maybe(db, a->window);
	return DB_OK;
}

/* What becomes of d when the database did not store it (rc, err why):
 * away (DB_DOWN) with conf->database_spill, into the local spool
 * (SPILLED; err still why, for the log line); else FAILED (err). */
static enum db_accepted
accept_fallback(const struct conf *conf, const struct delivery *d,
    enum db_rc rc, struct err *err)
{
	struct err why;

	if (rc != DB_DOWN || !conf->database_spill)
		return DB_ACCEPT_FAILED;
	why = *err;
	if (spool_put(conf, d, err) != 0) {
		err_set(err, "database: %.200s; local spool: %.200s",
		    why.msg, err->msg);
		return DB_ACCEPT_FAILED;
	}
	/* For the log line: why it is in the local spool. */
	*err = why;
	return DB_ACCEPT_SPILLED;
}

enum db_accepted
db_accept(const struct conf *conf, const struct delivery *d, bool claim_id,
    struct err *err)
{
	struct accept a = { d, claim_id, conf->dedupe_window,
	    (int64_t)time(NULL), false };
	enum db_rc rc;

	if ((rc = accept_run(conf, &a, err)) == DB_OK)
		return a.dup ? DB_ACCEPT_DUPLICATE : DB_ACCEPT_STORED;
	return accept_fallback(conf, d, rc, err);
}

/*
 * A batch (db_accept_many): the deliveries' statements, those of
 * db_accept (the same texts: the same prepared statements), in one
 * db_pipeline: one transaction, one round trip, one COMMIT. All or
 * nothing: when the server refuses one, none is stored, and each is
 * tried again on its own (db_accept) so that a bad delivery fails only
 * itself. A duplicate within the batch: the first one's claim is seen
 * by the second one's statement (the same transaction), which stores
 * nothing. Sent again on a new connection after a loss (DB_RETRY):
 * each statement is safe to run twice, by its own name and token. Two
 * processes' batches claiming the same two ids in opposite orders may
 * deadlock: the server aborts one (40P01), whose deliveries are then
 * stored one by one.
 *
 * Who controls what: the deliveries' fields are the senders' (checked
 * by the request path) and travel only as parameters; the names and
 * tokens are ours, of fixed size, kept in the batch's array until the
 * pipeline has returned.
 */
struct batch_item {
	struct db_queue_item	q;	/* its name and parameters */
	char			token[DB_DEDUPE_TOKEN_MAX];
};

/* Its statement into s (its parameters in b). Returns 0, or -1 with
 * err. */
static int
batch_stmt(const struct conf *conf, const struct db_accept_item *it,
    int64_t received, struct batch_item *b, struct db_stmt *s,
    struct err *err)
{
	if (it->claim_id && token_new(b->token, err) == -1)
		return -1;
	return db_queue_put_stmt(it->d, received, conf->dedupe_window,
	    it->claim_id ? b->token : NULL, &b->q, s, err);
}

/* The batch in one pipeline on the process's connection: each item's
 * result set when DB_OK. *each: the items are to be tried one by one
 * (the server refused one; or the batch could not be made), rather
 * than all given the same fate (the database away, or the connection
 * refused us). */
static enum db_rc
batch_run(const struct conf *conf, struct db_accept_item *it, size_t n,
    bool *each, struct err *err)
{
	struct batch_item *b = NULL;
	struct db_stmt *s = NULL;
	int64_t now = (int64_t)time(NULL);
	enum db_rc rc = DB_DOWN;
	struct db *db;
	bool sweep = false;
	size_t i;

	*each = false;
	if ((db = db_shared(conf, &rc, err)) == NULL)
		return rc;
	rc = DB_FAIL;
	if ((b = calloc(n, sizeof(*b))) == NULL ||
	    (s = calloc(n, sizeof(*s))) == NULL) {
		err_set(err, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		if (batch_stmt(conf, &it[i], now, &b[i], &s[i], err) == -1)
			goto done;
	if ((rc = db_pipeline(db, DB_RETRY, s, n, NULL, err)) != DB_OK)
		goto done;
	for (i = 0; i < n; i++) {
		it[i].result = db_queue_put_stored(&s[i]) ?
		    DB_ACCEPT_STORED : DB_ACCEPT_DUPLICATE;
		sweep |= it[i].claim_id && it[i].result == DB_ACCEPT_STORED;
		db_res_free(s[i].res);
	}
	/* Housekeeping at most once per batch, as one accept does. */
	if (sweep)
		db_dedupe_sweep_maybe(db, conf->dedupe_window);
done:
	*each = rc == DB_FAIL;
	free(s);
	free(b);
	return rc;
}

void
db_accept_many(const struct conf *conf, struct db_accept_item *items,
    size_t n)
{
	struct err err;
	enum db_rc rc = DB_FAIL;
	bool each = true;
	size_t i;

	for (i = 0; i < n; i++)
		items[i].err.msg[0] = '\0';
	if (n > 1 && (rc = batch_run(conf, items, n, &each, &err)) == DB_OK)
		return;
	for (i = 0; i < n; i++) {
		if (each) {
			items[i].result = db_accept(conf, items[i].d,
			    items[i].claim_id, &items[i].err);
			continue;
		}
		/* The same for all, without a connection per item. */
		items[i].err = err;
		items[i].result = accept_fallback(conf, items[i].d, rc,
		    &items[i].err);
	}
}

/*
 * The move of a local entry: its id claimed as at accept (a copy stored
 * already, or the same delivery accepted by another host, is a
 * duplicate: nothing stored), the row under the local name (so that an
 * operator's `show NAME` finds it before and after), then what the
 * local drainer had done with it: its consumers (which hooks and
 * forward targets succeeded, their tries and next times), counters and
 * run records, as db_ops.c's replay writes them back. All one
 * transaction: sent again after a loss at COMMIT (DB_RETRY), the claim
 * is ours by its token and the row ours by its name and id.
 */
static const char move_sql[] =
    "WITH c AS (" DB_DEDUPE_CLAIM_SQL("$2", "$4", "$11", "$12") ") "
    "INSERT INTO hookline_delivery (name, endpoint, event, delivery_id, "
    "remote_addr, content_type, body, received, accepted_by, next_due, "
    "attempts) "
    "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, "
    "$7::bytea, $8::bigint, $9::text, $10::bigint, $13::int "
    "WHERE EXISTS (SELECT 1 FROM c) "
    "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name "
    "WHERE hookline_delivery.endpoint = EXCLUDED.endpoint "
    "AND hookline_delivery.delivery_id = EXCLUDED.delivery_id "
    "RETURNING 1";

struct move {
	struct spool_entry	*e;		/* its state as written */
	const unsigned char	*body;
	size_t			 len;
	const struct spool_run	*runs;
	size_t			 nruns;
	long			 window;
	const char		*token;
	const char		*host;
	bool			 stored;
};

static enum db_rc
move_tx(struct db *db, void *arg, struct err *err)
{
	struct move *m = arg;
	struct spool_entry *e = m->e;
	struct db_param p[13];
	struct db_res *res = NULL;
	enum db_rc rc;
	size_t i;

	m->stored = false;
	p[0] = DBP_TEXT(e->name);
	p[1] = DBP_TEXT(e->endpoint);
	p[2] = DBP_TEXT(e->event);
	p[3] = DBP_TEXT(e->id);
	p[4] = DBP_TEXT(e->remote_addr);
	p[5] = DBP_TEXT(e->content_type);
	p[6] = DBP_BYTES(m->body, m->len);
	p[7] = DBP_INT(e->received);
	p[8] = DBP_TEXT(m->host);
	p[9] = DBP_INT(e->next);
	p[10] = DBP_INT(m->window);
	p[11] = DBP_TEXT(m->token);
	p[12] = DBP_INT(e->attempts);
	if ((rc = db_exec(db, 0, move_sql, 13, p, &res, err)) != DB_OK)
		return rc;
	m->stored = db_rows(res) == 1;
	db_res_free(res);
	if (!m->stored)
		return DB_OK;
	if ((rc = db_queue_store_tx(db, e, err)) != DB_OK)
		return rc;
	for (i = 0; i < m->nruns; i++)
		if ((rc = db_queue_record_run(db, e->name, &m->runs[i], m->host,
		    err)) != DB_OK)
			return rc;
	return DB_OK;
}

/* The local entry e as the database will hold it: pending, due when
 * it was due here. An attempt it was in the middle of (the local
 * drainer or host died) counts as interrupted: its consumers that had
 * not finished stay pending and run again (at least once), as the
 * local drainer's recovery does. */
static void
move_state(struct spool_entry *e)
{
	if (e->running != 0) {
		e->interrupted++;
		e->running = 0;
	}
	e->box = SPOOL_NEW;
	e->finished = 0;
}

/* Moves cur/NAME (claimed by this mover) into the database. Returns 1
 * (stored) or 2 (a duplicate): the local copy is gone; 0 (left in place:
 * it cannot be read, or it is locked by another mover), -1 with err
 * (the database refused or is away: put back into new/). */
static int
move_one(const struct conf *conf, const char *name, struct err *err)
{
	char token[DB_DEDUPE_TOKEN_MAX], host[256];
	struct spool_entry e;
	struct spool_run *runs = NULL;
	size_t nruns = 0;
	struct move m;
	struct err e2;
	struct db *db;
	unsigned char *body = NULL;
	size_t len = 0;
	enum db_rc drc;
	int lock, rc = 0;

	if ((lock = spool_lock(conf->spool_dir, SPOOL_CUR, name, err)) < 0)
		return lock == -1 ? -1 : 0;
	if (spool_read(conf->spool_dir, SPOOL_CUR, name, &e, err) != 0) {
		(void)close(lock);
		return 0;
	}
	if (spool_body(conf->spool_dir, SPOOL_CUR, name, &body, &len, NULL,
	    err) != 0)
		goto done;
	/* Run records that do not read are left behind (the entry's own
	 * counters still say how many there were). */
	if (spool_read_runs(conf->spool_dir, SPOOL_CUR, name, &runs, &nruns,
	    &e2) == -1) {
		runs = NULL;
		nruns = 0;
	}
	if (token_new(token, err) == -1) {
		rc = -1;
		goto done;
	}
	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	move_state(&e);
	/* Every id claimed: a copy committed already (its answer lost) or
	 * the same delivery accepted by another host meanwhile is met
	 * here. received: when this host took it. */
	m = (struct move){ &e, body, len, runs, nruns, conf->dedupe_window,
	    token, host, false };
	if ((db = db_shared(conf, &drc, err)) == NULL ||
	    db_tx(db, DB_RETRY, move_tx, &m, err) != DB_OK) {
		rc = -1;
		goto done;
	}
	/* Committed: now the local copy may go. A crash before this line
	 * leaves it in cur/, and the next move meets its claim. */
	if (spool_remove(conf->spool_dir, SPOOL_CUR, name, &e2) == -1) {
		*err = e2;
		rc = -1;
		goto done;
	}
	rc = m.stored ? 1 : 2;
done:
	if (rc == -1)
		(void)spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_NEW,
		    &e2);
	spool_runs_free(runs, nruns);
	free(body);
	spool_entry_free(&e);
	(void)close(lock);
	return rc;
}

long
db_spill_move(const struct conf *conf, size_t max, size_t *dups,
    struct err *err)
{
	struct strlist names = { NULL, 0 }, left = { NULL, 0 };
	size_t i;
	long moved = 0;
	int rc = 0;

	*dups = 0;
	if (conf->database == NULL || conf->spool_dir == NULL)
		return 0;
	if (access(conf->spool_dir, F_OK) == -1)
		return 0;	/* nothing was ever spilled here */
	/* cur/ first: what a mover that died was moving. */
	if (spool_list(conf->spool_dir, SPOOL_CUR, &left, err) == -1 ||
	    spool_list(conf->spool_dir, SPOOL_NEW, &names, err) == -1) {
		moved = -1;
		goto done;
	}
	for (i = 0; rc >= 0 && i < left.n && (size_t)moved < max; i++)
		if ((rc = move_one(conf, left.v[i], err)) > 0) {
			moved++;
			*dups += rc == 2;
		}
	for (i = 0; rc >= 0 && i < names.n && (size_t)moved < max; i++) {
		/* Claimed by the rename: one mover per entry. */
		if (spool_move(conf->spool_dir, names.v[i], SPOOL_NEW,
		    SPOOL_CUR, err) != 0)
			continue;
		if ((rc = move_one(conf, names.v[i], err)) > 0) {
			moved++;
			*dups += rc == 2;
		}
	}
	if (rc < 0)
		moved = moved > 0 ? moved : -1;
done:
	strlist_clear(&left);
	strlist_clear(&names);
	return moved;
}

int
db_spill_waiting(const struct conf *conf)
{
	struct strlist names = { NULL, 0 };
	struct err err;
	int b, any = 0;

	if (conf->spool_dir == NULL || access(conf->spool_dir, F_OK) == -1)
		return 0;
	for (b = SPOOL_NEW; !any && b <= SPOOL_CUR; b++) {
		if (spool_list(conf->spool_dir, (enum spool_box)b, &names,
		    &err) == 0)
			any = names.n > 0;
		strlist_clear(&names);
	}
	return any;
}
