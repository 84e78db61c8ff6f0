/* db_pipe.c: db_pipeline, several statements as one transaction in one
 * round trip (libpq's pipeline mode), on db.c's connection and its
 * prepared statements. */
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

/*
 * The transaction is the protocol's own (PostgreSQL, "Frontend/Backend
 * Protocol", Extended Query, Pipelining; libpq "Pipeline Mode"): the
 * Parse/Bind/Execute messages up to a Sync run in one implicit
 * transaction block, committed when the server reaches the Sync; after
 * an error it skips every message up to the Sync and rolls the block
 * back. So no BEGIN and no COMMIT are sent: the Sync commits, and a
 * connection lost before the Sync was sent leaves nothing committed.
 * libpq reports the skipped statements as PGRES_PIPELINE_ABORTED and the
 * Sync as PGRES_PIPELINE_SYNC; every answer is read, up to that one,
 * and pipeline mode left, on every path that keeps the connection.
 *
 * Blocking mode, all sent before anything is read: libpq's docs warn
 * that a client that writes without reading can deadlock when the
 * server's answers fill the socket while the client still sends. Our
 * batches are a few statements (the request path's: at most 16) whose
 * answers are a command tag and at most one small row each, a few
 * hundred bytes in all, far below a socket's buffer: the server never
 * waits on us to read while we send.
 *
 * Who controls what: the statements' texts are the callers' (ours,
 * constants); their parameters travel as parameters; what comes back
 * is the server's, read through db.c's accessors as db_exec's is.
 */

/* One db_pipeline call, through each of its tries. */
struct pipe_call {
	struct db_stmt	 *s;
	size_t		  n;
	struct db_args	  a;		/* the statement being queued: libpq
					 * copies its parameters at once */
	struct stmt	**named;	/* each statement's slot when it ran
					 * by name, else NULL */
	struct stmt	**parsed;	/* the slot it was prepared for in
					 * this try (a Parse queued before
					 * it), else NULL */
	struct db_res	**res;		/* made before sending, for those
					 * with want_res: nothing to
					 * allocate once the Sync is sent */
	size_t		  at;		/* the refused one (n: none) */
};

/* Forgets what a try left: results, slots, the refused index. */
static void
pipe_reset(struct pipe_call *pc)
{
	size_t i;

	for (i = 0; i < pc->n; i++) {
		if (pc->res[i] != NULL) {
			db_pq.clear(pc->res[i]->r);
			pc->res[i]->r = NULL;
		}
		pc->named[i] = pc->parsed[i] = NULL;
	}
	pc->at = pc->n;
}

/* Queues statement i: unnamed at its text's first use on the
 * connection, prepared (a Parse under a new name) at the second, by
 * name after that, as db_exec does. Returns libpq's 1, or 0. */
static int
pipe_queue(struct db *db, struct pipe_call *pc, size_t i)
{
	const struct db_stmt *st = &pc->s[i];
	struct stmt *s;
	bool first;

	if ((s = db_stmt_of(db, st->sql, &first)) == NULL || first)
		return db_pq.sendQueryParams(db->conn, st->sql, st->n, NULL,
		    pc->a.vals, pc->a.lens, pc->a.fmts, 0);
	if (!s->ready) {
		db_stmt_name(db, s);
		if (!db_pq.sendPrepare(db->conn, s->name, st->sql, st->n,
		    NULL))
			return 0;
		/* Taken back when the Parse's answer is not OK. */
		s->ready = true;
		pc->parsed[i] = s;
	}
	pc->named[i] = s;
	return db_pq.sendQueryPrepared(db->conn, s->name, st->n, pc->a.vals,
	    pc->a.lens, pc->a.fmts, 0);
}

/* The connection given up: the server rolls back what a Sync did not
 * reach. t->safe: nothing can have committed. */
static enum db_rc
pipe_lost(struct db *db, bool safe, struct db_try *t, struct err *err)
{
	t->lost = true;
	t->safe = safe || db_ended_by_server(db->state);
	db_conn_error(db->conn, "database connection lost", err);
	db_conn_drop(db);
	return DB_DOWN;
}

/* Statement i cannot be sent, the connection being fine: a parameter
 * we cannot send, or libpq refused to queue it (its message; out of
 * memory). DB_FAIL, and the connection dropped so that nothing queued
 * ever runs. */
static enum db_rc
pipe_unsent(struct db *db, struct pipe_call *pc, size_t i, bool libpq,
    struct err *err)
{
	pc->at = i;
	if (libpq)
		db_conn_error(db->conn, "database", err);
	db_conn_drop(db);
	return DB_FAIL;
}

/* Enters pipeline mode and sends every statement and the Sync. */
static enum db_rc
pipe_send(struct db *db, struct pipe_call *pc, struct db_try *t,
    struct err *err)
{
	size_t i;

	if (!db_pq.enterPipelineMode(db->conn))
		return pipe_lost(db, true, t, err);
	for (i = 0; i < pc->n; i++) {
		if (db_params_of(pc->s[i].n, pc->s[i].p, &pc->a, err) == -1)
			return pipe_unsent(db, pc, i, false, err);
		if (pipe_queue(db, pc, i))
			continue;
		/* (A failed write is found when reading, since libpq 12:
		 * a send fails for libpq's own reasons, or a connection
		 * already known lost.) */
		if (db_pq.status(db->conn) == CONNECTION_OK)
			return pipe_unsent(db, pc, i, true, err);
		return pipe_lost(db, true, t, err);
	}
	/* From here on the server may commit: a loss is not "safe". */
	if (!db_pq.pipelineSync(db->conn))
		return pipe_lost(db, false, t, err);
	return DB_OK;
}

/* The answer to one queued command: its result, then the NULL that
 * ends a command's results (anything else before it is dropped, a
 * bounded few). NULL when there is none: the stream is lost to us. */
static PGresult *
pipe_result(struct db *db)
{
	PGresult *r, *more;
	int i;

	if ((r = db_pq.getResult(db->conn)) == NULL)
		return NULL;
	for (i = 0; i < 4; i++) {
		if ((more = db_pq.getResult(db->conn)) == NULL)
			return r;
		db_pq.clear(more);
	}
	db_pq.clear(r);
	return NULL;
}

/*
 * Reads the answer to statement i's Parse (parse) or its Execute: kept
 * in pc->res[i] when wanted. Returns DB_OK when it ran (or was skipped
 * for an earlier one's refusal), DB_FAIL when refused (the first
 * refusal is kept: pc->at, db->state, err; t->stale for a stale
 * prepared statement), or DB_DOWN through pipe_lost when the connection
 * is gone or the answer is not the server's (libpq's own error, no
 * SQLSTATE: what the server did is unknown). After a refusal nothing
 * of this pipeline commits: a loss then is safe.
 */
static enum db_rc
pipe_answer(struct db *db, struct pipe_call *pc, size_t i, bool parse,
    struct db_try *t, struct err *err)
{
	PGresult *r = pipe_result(db);
	ExecStatusType st = r == NULL ? PGRES_FATAL_ERROR :
	    db_pq.resultStatus(r);
	bool refused = pc->at != pc->n;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (!parse && pc->res[i] != NULL)
			pc->res[i]->r = r;
		else
			db_pq.clear(r);
		return DB_OK;
	}
	if (parse)	/* not prepared: again, under a new name */
		pc->parsed[i]->ready = false;
	if (st == PGRES_PIPELINE_ABORTED) {
		db_pq.clear(r);
		return DB_OK;
	}
	if (!refused)
		db_result_state(db, r);
	if (r == NULL || db_pq.status(db->conn) != CONNECTION_OK ||
	    db->state[0] == '\0') {
		db_pq.clear(r);
		return pipe_lost(db, refused, t, err);
	}
	if (!refused) {
		pc->at = i;
		db_result_refused(db, r, err);
		if (!parse && pc->named[i] != NULL &&
		    db_stmt_stale(db->state)) {
			pc->named[i]->ready = false;
			t->stale = true;
		}
	}
	db_pq.clear(r);
	return DB_FAIL;
}

/* Reads every answer, up to the Sync's. */
static enum db_rc
pipe_read(struct db *db, struct pipe_call *pc, struct db_try *t,
    struct err *err)
{
	enum db_rc a = DB_OK;
	PGresult *r;
	size_t i;

	for (i = 0; i < pc->n && a != DB_DOWN; i++) {
		if (pc->parsed[i] != NULL)
			a = pipe_answer(db, pc, i, true, t, err);
		if (a != DB_DOWN)
			a = pipe_answer(db, pc, i, false, t, err);
	}
	if (a == DB_DOWN)
		return DB_DOWN;
	r = db_pq.getResult(db->conn);
	if (r == NULL || db_pq.resultStatus(r) != PGRES_PIPELINE_SYNC) {
		db_pq.clear(r);
		return pipe_lost(db, pc->at != pc->n, t, err);
	}
	db_pq.clear(r);
	return pc->at == pc->n ? DB_OK : DB_FAIL;
}

/* One try of the pipeline (db_try_run's fn). */
static enum db_rc
pipe_once(struct db *db, void *arg, struct db_try *t, struct err *err)
{
	struct pipe_call *pc = arg;
	enum db_rc rc;

	*t = (struct db_try){ false, false, false };
	db->state[0] = '\0';
	pipe_reset(pc);
	/* Inside BEGIN the Sync would not commit: not ours to mix. */
	if (db_pq.transactionStatus(db->conn) != PQTRANS_IDLE) {
		err_set(err, "database: a pipeline inside a transaction");
		return DB_FAIL;
	}
	if ((rc = pipe_send(db, pc, t, err)) != DB_OK)
		return rc;
	if ((rc = pipe_read(db, pc, t, err)) == DB_DOWN)
		return rc;
	/* Every answer read: this only fails on a connection that is not
	 * what we think it is, which is then given up (what the Sync
	 * answered stands). */
	if (!db_pq.exitPipelineMode(db->conn))
		db_conn_drop(db);
	return rc;
}

/* Checks the call and makes pc for it. Returns 0, or -1 with err. */
static int
pipe_new(struct pipe_call *pc, struct db_stmt *s, size_t n,
    struct err *err)
{
	size_t i;
	int most = 0;

	memset(pc, 0, sizeof(*pc));
	pc->s = s;
	pc->n = n;
	pc->at = n;
	for (i = 0; i < n; i++) {
		s[i].res = NULL;
		if (s[i].sql == NULL || s[i].n < 0 || (s[i].n > 0 &&
		    s[i].p == NULL)) {
			err_set(err, "database: bad call");
			return -1;
		}
		most = s[i].n > most ? s[i].n : most;
	}
	if ((pc->named = calloc(n, sizeof(*pc->named))) == NULL ||
	    (pc->parsed = calloc(n, sizeof(*pc->parsed))) == NULL ||
	    (pc->res = calloc(n, sizeof(*pc->res))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if (s[i].want_res &&
		    (pc->res[i] = calloc(1, sizeof(*pc->res[i]))) == NULL)
			goto nomem;
	return db_args_new(&pc->a, most, err);
nomem:
	err_set(err, "out of memory");
	return -1;
}

/* Frees pc, what was not handed over included. */
static void
pipe_free(struct pipe_call *pc)
{
	size_t i;

	for (i = 0; pc->res != NULL && i < pc->n; i++)
		if (pc->res[i] != NULL) {
			db_pq.clear(pc->res[i]->r);
			free(pc->res[i]);
		}
	free(pc->res);
	free(pc->named);
	free(pc->parsed);
	db_args_free(&pc->a);
}

enum db_rc
db_pipeline(struct db *db, int flags, struct db_stmt *s, size_t n,
    size_t *failed, struct err *err)
{
	struct pipe_call pc;
	enum db_rc rc = DB_FAIL;
	size_t i;

	if (failed != NULL)
		*failed = n;
	if (db == NULL || (n > 0 && s == NULL)) {
		err_set(err, "database: bad call");
		return DB_FAIL;
	}
	if (n == 0)
		return DB_OK;
	if (pipe_new(&pc, s, n, err) == 0)
		rc = db_try_run(db, flags, pipe_once, &pc, err);
	if (rc == DB_FAIL && failed != NULL)
		*failed = pc.at;
	if (rc == DB_OK)
		for (i = 0; i < n; i++) {
			s[i].res = pc.res[i];
			pc.res[i] = NULL;
		}
	pipe_free(&pc);
	return rc;
}
