/* db_spill.c: the async accept with `database` set, and its fallback
 * (database_unavailable = spool): a delivery the database cannot take
 * is kept in the local spool and moved into the database when it is
 * back, the local copy removed only after the COMMIT. */
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
	if (delivery_id_new(token, sizeof(token)) != 0) {
		err_set(err, "cannot make a token");
		return DB_FAIL;
	}
	if ((rc = db_queue_put_claimed(db, a->d, a->received, a->window,
	    token, &stored, err)) != DB_OK)
		return rc;
	a->dup = !stored;
	if (stored)
		db_dedupe_sweep_maybe(db, a->window);
	return DB_OK;
}

enum db_accepted
db_accept(const struct conf *conf, const struct delivery *d, bool claim_id,
    struct err *err)
{
	struct accept a = { d, claim_id, conf->dedupe_window,
	    (int64_t)time(NULL), false };
	struct err why;
	enum db_rc rc;

	if ((rc = accept_run(conf, &a, err)) == DB_OK)
		return a.dup ? DB_ACCEPT_DUPLICATE : DB_ACCEPT_STORED;
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

/* Moves cur/NAME (claimed by this mover) into the database. Returns 1
 * (stored) or 2 (a duplicate): the local copy is gone; 0 (left in place:
 * it cannot be read, or it is locked by another mover), -1 with err
 * (the database refused or is away: put back into new/). */
static int
move_one(const struct conf *conf, const char *name, struct err *err)
{
	struct spool_entry e;
	struct delivery d;
	struct accept a;
	struct err e2;
	unsigned char *body = NULL;
	size_t len = 0;
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
	d = (struct delivery){
		.endpoint = e.endpoint, .event = e.event, .id = e.id,
		.remote_addr = e.remote_addr, .content_type = e.content_type,
		.body = body, .body_len = len, .attempt = 1,
	};
	/* Every id claimed: a copy committed already (its answer lost) or
	 * the same delivery accepted by another host meanwhile is met
	 * here. received: when this host took it. */
	a = (struct accept){ &d, true, conf->dedupe_window, e.received,
	    false };
	if (accept_run(conf, &a, err) != DB_OK) {
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
	rc = a.dup ? 2 : 1;
done:
	if (rc == -1)
		(void)spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_NEW,
		    &e2);
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
