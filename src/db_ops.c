/* db_ops.c: the operator's commands on the deliveries in PostgreSQL:
 * list, find, read, purge, replay and retry, from any host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "db.h"
#include "db_ops.h"
#include "db_queue.h"

/*
 * Who controls what: the arguments are the operator's (a name or a
 * delivery id: only ever parameters). The rows are written by every
 * host sharing the database, and the delivery ids, events and hook
 * output in them by senders and hooks: names are checked
 * (spool_name_valid) before they are printed or used, and everything
 * else goes out through termsafe.c (spoolcmd.c's printers). A state
 * that is not one of ours reads as no delivery.
 *
 * Replay and retry change a delivery only while no drainer holds it:
 * its row is locked (FOR UPDATE) and its state checked in the same
 * transaction as the write; a drainer's claim (FOR UPDATE SKIP LOCKED)
 * skips it meanwhile.
 */

/* The states' words in hookline_delivery.state, by box. */
static const char *const words[SPOOL__NBOX] = {
	[SPOOL_NEW] = "pending", [SPOOL_CUR] = "running",
	[SPOOL_DONE] = "done", [SPOOL_DEAD] = "dead"
};

/* Rows removed per statement by purge: short transactions. */
#define PURGE_BATCH	500

static int
box_of(const char *w)
{
	int b;

	for (b = 0; w != NULL && b < SPOOL__NBOX; b++)
		if (strcmp(w, words[b]) == 0)
			return b;
	return -1;
}

/* The process's connection; NULL with err. */
static struct db *
conn(const struct conf *conf, struct err *err)
{
	return db_shared(conf, NULL, err);
}

/* Runs sql (one parameter: key) and appends the names of column 0
 * that are ours to out, as "box/NAME" with the state of column 1 when
 * with_box. Returns 0 or -1. */
static int
names_of(const struct conf *conf, const char *sql, const char *key,
    bool with_box, struct strlist *out, struct err *err)
{
	struct db_param p[1] = { DBP_TEXT(key) };
	struct db_res *res = NULL;
	struct db *db;
	const char *name;
	char *s;
	int i, b = 0, rc = -1;

	if ((db = conn(conf, err)) == NULL)
		return -1;
	if (db_exec(db, DB_RETRY, sql, 1, p, &res, err) != DB_OK)
		return -1;
	for (i = 0; i < db_rows(res); i++) {
		name = db_text(res, i, 0);
		if (name == NULL || !spool_name_valid(name) || (with_box &&
		    (b = box_of(db_text(res, i, 1))) < 0))
			continue;	/* not one of ours */
		if (with_box ? asprintf(&s, "%s/%s", spool_box_name(
		    (enum spool_box)b), name) < 0 || strlist_take(out, s) != 0 :
		    strlist_add(out, name) != 0) {
			err_set(err, "out of memory");
			goto fail;
		}
	}
	rc = 0;
fail:
	db_res_free(res);
	return rc;
}

int
db_ops_list(const struct conf *conf, enum spool_box box,
    struct strlist *names, struct err *err)
{
	return names_of(conf, "SELECT name FROM hookline_delivery "
	    "WHERE state = $1 ORDER BY received, name", words[box], false,
	    names, err);
}

int
db_ops_read(const struct conf *conf, enum spool_box box, const char *name,
    struct spool_entry *e, struct err *err)
{
	struct db *db;
	int found;

	memset(e, 0, sizeof(*e));
	if ((db = conn(conf, err)) == NULL ||
	    db_queue_read(db, name, e, &found, err) != DB_OK)
		return -1;
	if (!found)
		return 1;
	if (e->box != box) {
		spool_entry_free(e);
		return 1;	/* moved meanwhile */
	}
	return 0;
}

int
db_ops_runs(const struct conf *conf, const char *name, struct spool_run **v,
    size_t *n, struct err *err)
{
	struct db *db;

	*v = NULL;
	*n = 0;
	if ((db = conn(conf, err)) == NULL ||
	    db_queue_runs(db, name, v, n, err) != DB_OK)
		return -1;
	return 0;
}

int
db_ops_find(const struct conf *conf, const char *key, struct strlist *out,
    struct err *err)
{
	return names_of(conf, "SELECT name, state FROM hookline_delivery "
	    "WHERE name = $1 OR delivery_id = $1 ORDER BY received, name",
	    key, true, out, err);
}

int
db_ops_expire(const struct conf *conf, enum spool_box box, time_t cutoff,
    struct strlist *removed, struct err *err)
{
	struct db_param p[3];
	struct db_res *res;
	struct db *db;
	const char *name;
	int i, rows, n = 0;

	if (box != SPOOL_DONE && box != SPOOL_DEAD) {
		err_set(err, "only done and dead deliveries are purged");
		return -1;
	}
	if ((db = conn(conf, err)) == NULL)
		return -1;
	p[0] = DBP_TEXT(words[box]);
	p[1] = DBP_INT(cutoff);
	p[2] = DBP_INT(PURGE_BATCH);
	do {
		res = NULL;
		/* Each batch its own transaction: DB_RETRY is safe, a
		 * batch sent twice removes what is left. (Their consumers
		 * and runs go with them: ON DELETE CASCADE.) */
		if (db_exec(db, DB_RETRY, "DELETE FROM hookline_delivery "
		    "WHERE name IN (SELECT name FROM hookline_delivery "
		    "WHERE state = $1 AND finished < $2 "
		    "LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING name", 3, p,
		    &res, err) != DB_OK)
			return -1;
		rows = db_rows(res);
		for (i = 0; i < rows; i++) {
			name = db_text(res, i, 0);
			n++;
			if (removed != NULL && name != NULL &&
			    spool_name_valid(name) &&
			    strlist_add(removed, name) != 0) {
				db_res_free(res);
				err_set(err, "out of memory");
				return -1;
			}
		}
		db_res_free(res);
	} while (rows == PURGE_BATCH);
	return n;
}

/* What replay and retry do inside their transaction. */
struct change {
	const char	*name;
	bool		 replay;	/* else retry */
	bool		 all;
	enum spool_box	 was;
};

/* Locks the row, checks its state, changes the entry, writes it back. */
static enum db_rc
change_tx(struct db *db, void *arg, struct err *err)
{
	struct change *c = arg;
	struct db_param p[1] = { DBP_TEXT(c->name) };
	struct spool_entry e;
	struct db_res *res = NULL;
	enum db_rc rc;
	int64_t now;
	int b, found;

	/* now: as the drainers' due test has it (db_queue.c). */
	if ((rc = db_exec(db, 0, "SELECT state, CAST(floor(extract(epoch "
	    "FROM now())) AS bigint) FROM hookline_delivery WHERE name = $1 "
	    "FOR UPDATE", 1, p, &res, err)) != DB_OK)
		return rc;
	if (db_rows(res) != 1 || (b = box_of(db_text(res, 0, 0))) < 0 ||
	    db_int64(res, 0, 1, &now) == -1) {
		db_res_free(res);
		err_set(err, "gone meanwhile");
		return DB_FAIL;
	}
	db_res_free(res);
	c->was = (enum spool_box)b;
	if (c->replay ? b != SPOOL_DONE && b != SPOOL_DEAD : b != SPOOL_NEW) {
		err_set(err, "%s now", b == SPOOL_CUR ? "running" : words[b]);
		return DB_FAIL;
	}
	if ((rc = db_queue_read(db, c->name, &e, &found, err)) != DB_OK)
		return rc;
	if (!found) {
		err_set(err, "gone meanwhile");
		return DB_FAIL;
	}
	/* The server's clock: the drainers compare due times with it. */
	if (c->replay)
		consumer_replay(&e, c->all || b == SPOOL_DONE, now);
	else
		consumer_due_now(&e, now);
	e.box = SPOOL_NEW;
	rc = db_queue_store_tx(db, &e, err);
	spool_entry_free(&e);
	return rc;
}

static int
change(const struct conf *conf, struct change *c, struct err *err)
{
	struct db *db;

	if (strncmp(c->name, DB_OPS_SPILLED, DB_OPS_SPILLED_LEN) == 0) {
		err_set(err, "in this host's local spool until the drainer "
		    "moves it into the database (then it runs, as a pending "
		    "delivery does)");
		return -1;
	}
	if ((db = conn(conf, err)) == NULL)
		return -1;
	/* Not DB_RETRY: a replay that committed and is sent again would
	 * find the delivery pending and say so; the operator sees it. */
	return db_tx(db, 0, change_tx, c, err) == DB_OK ? 0 : -1;
}

int
db_ops_replay(const struct conf *conf, const char *name, bool all,
    enum spool_box *was, struct err *err)
{
	struct change c = { name, true, all, SPOOL_DEAD };
	int rc = change(conf, &c, err);

	*was = c.was;
	return rc;
}

int
db_ops_retry(const struct conf *conf, const char *name, struct err *err)
{
	struct change c = { name, false, false, SPOOL_NEW };

	return change(conf, &c, err);
}
