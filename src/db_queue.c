/* db_queue.c: the async queue in PostgreSQL: put before the 202, claim
 * with a lease (FOR UPDATE SKIP LOCKED), renew, finish, and deliveries
 * read back as the spool's structs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_dedupe.h"
#include "db_queue.h"
#include "platform.h"

/*
 * Who controls what: the delivery's fields come from the request (the
 * sender's, already checked by the request path) and only ever travel
 * as parameters. What comes back from the database is whoever can
 * write to its tables: every host sharing it, and its operators. It is
 * read as untrusted: names checked as spool names, numbers parsed
 * strictly and bounded, words matched whole against our lists, run
 * records through the spool's fuzzed decoder; nothing read back is a
 * path or a command.
 *
 * Times in the queue's decisions (due, lease) are the server's clock,
 * the one every host sees: SERVER_NOW.
 */
/* (pgx) floor, as time(NULL): a CAST rounds, so from x.5 on the claim
 * saw a consumer due at x+1 that the drainer's time(NULL) did not, ran
 * nothing and claimed it again at once until the second turned. */
#define SERVER_NOW	"CAST(floor(extract(epoch FROM now())) AS bigint)"

/* The entry's columns, in the order entry_of() reads them. */
#define ENTRY_COLS \
	"d.name, d.endpoint, d.event, d.delivery_id, d.remote_addr, " \
	"d.content_type, d.received, d.attempts, d.failures, d.running, " \
	"d.interrupted, d.replays, d.errors, d.next_due, d.started, " \
	"d.finished, d.state, d.error, octet_length(d.body)"
#define ENTRY_NCOLS	19

static const char put_sql[] =
    "INSERT INTO hookline_delivery (name, endpoint, event, delivery_id, "
    "remote_addr, content_type, body, received, accepted_by, next_due) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8) "
    "ON CONFLICT (name) DO NOTHING";

/* The claim: one row, locked rows skipped (another drainer has them),
 * taken in the same statement. Expired claims first, through their own
 * index, so that a steady flow of new deliveries cannot starve them. */
#define CLAIM_SQL(where, order) \
    "WITH c AS (SELECT name, state AS was, lease_owner AS prev, " \
    "running AS prev_running, started AS prev_started " \
    "FROM hookline_delivery WHERE " where \
    " ORDER BY " order " LIMIT 1 FOR UPDATE SKIP LOCKED) " \
    "UPDATE hookline_delivery d SET state = 'running', lease_owner = $1, " \
    "lease_expiry = " SERVER_NOW " + $2, " \
    "interrupted = d.interrupted + " \
    "CASE WHEN c.was = 'running' THEN 1 ELSE 0 END, " \
    "attempts = d.attempts + 1, running = d.attempts + 1, " \
    "started = " SERVER_NOW " FROM c WHERE d.name = c.name " \
    "RETURNING " ENTRY_COLS ", c.was, c.prev, c.prev_running, d.body, " \
    "c.prev_started"

static const char *const claim_sql[] = {
	CLAIM_SQL("state = 'running' AND lease_expiry <= " SERVER_NOW,
	    "lease_expiry"),
	CLAIM_SQL("state = 'pending' AND next_due <= " SERVER_NOW,
	    "next_due, received, name"),
};

static const char renew_sql[] =
    "UPDATE hookline_delivery SET lease_expiry = " SERVER_NOW " + $3 "
    "WHERE name = $1 AND lease_owner = $2 AND state = 'running'";

static const char unclaim_sql[] =
    "UPDATE hookline_delivery SET state = 'pending', lease_owner = NULL, "
    "lease_expiry = NULL, attempts = attempts - 1, running = 0, "
    "next_due = " SERVER_NOW " "
    "WHERE name = $1 AND lease_owner = $2 AND state = 'running'";

static const char cons_sql[] =
    "SELECT name, state, tries, failures, next, error "
    "FROM hookline_consumer WHERE delivery = $1 ORDER BY seq";

static const char *const state_words[] = {
	[SPOOL_NEW] = "pending", [SPOOL_CUR] = "running",
	[SPOOL_DONE] = "done", [SPOOL_DEAD] = "dead"
};

void
db_queue_owner(char *owner, size_t size)
{
	char host[256];

	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(owner, size, "%s %ld %lld", host, (long)getpid(),
	    (long long)time(NULL));
}

/* This host's name, for accepted_by and the run records. */
static void
host_name(char *buf, size_t size)
{
	if (gethostname(buf, size) == -1)
		(void)snprintf(buf, size, "unknown");
	buf[size - 1] = '\0';
}

/* A name of ours: 32 hex digits of random. */
static int
new_name(char *name, struct err *err)
{
	unsigned char r[16];
	size_t i;

	if (random_bytes(r, sizeof(r)) == -1) {
		err_set(err, "no random bytes for a delivery name");
		return -1;
	}
	for (i = 0; i < sizeof(r); i++)
		(void)snprintf(name + 2 * i, 3, "%02x", r[i]);
	return 0;
}

/* put_sql's parameters: a new name into nm, this host into host. */
static int
put_params(const struct delivery *d, int64_t received,
    char nm[SPOOL_NAME_MAX + 1], char host[256], struct db_param p[9],
    struct err *err)
{
	if (new_name(nm, err) == -1)
		return -1;
	host_name(host, 256);
	p[0] = DBP_TEXT(nm);
	p[1] = DBP_TEXT(d->endpoint);
	p[2] = DBP_TEXT(d->event);
	p[3] = DBP_TEXT(d->id);
	p[4] = DBP_TEXT(d->remote_addr);
	p[5] = DBP_TEXT(d->content_type);
	p[6] = DBP_BYTES(d->body, d->body_len);
	p[7] = DBP_INT(received);
	p[8] = DBP_TEXT(host);
	return 0;
}

enum db_rc
db_queue_put_tx(struct db *db, const struct delivery *d, int64_t received,
    char *name, struct err *err)
{
	struct db_queue_item q;
	struct db_stmt s;

	if (db_queue_put_stmt(d, received, 0, NULL, &q, &s, err) == -1)
		return DB_FAIL;
	if (name != NULL)
		memcpy(name, q.name, sizeof(q.name));
	/* Our own fresh name: running it twice inserts one row. */
	return db_exec(db, DB_RETRY, s.sql, s.n, s.p, NULL, err);
}

enum db_rc
db_queue_put(const struct conf *conf, const struct delivery *d, char *name,
    struct err *err)
{
	struct db *db;
	enum db_rc rc;

	if ((db = db_shared(conf, &rc, err)) == NULL)
		return rc;
	/* Its own transaction: committed (synchronous_commit as the
	 * server has it) when db_exec returns. */
	return db_queue_put_tx(db, d, (int64_t)time(NULL), name, err);
}

/* An unsigned counter from the database, bounded. */
static int
get_u(const struct db_res *res, int row, int col, unsigned *v)
{
	int64_t x;

	if (db_int64(res, row, col, &x) == -1 || x < 0 || x > UINT_MAX)
		return -1;
	*v = (unsigned)x;
	return 0;
}

/* A string, copied: NULL stays NULL (for optional columns); -1 only
 * when out of memory or a required one is NULL. */
static int
get_s(const struct db_res *res, int row, int col, bool required, char **s)
{
	const char *v = db_text(res, row, col);

	*s = NULL;
	if (v == NULL)
		return required ? -1 : 0;
	return (*s = strdup(v)) == NULL ? -1 : 0;
}

static int
word_of(const char *w, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; w != NULL && i < n; i++)
		if (words[i] != NULL && strcmp(w, words[i]) == 0)
			return (int)i;
	return -1;
}

/* Row row's ENTRY_COLS into e (zeroed first). Returns 0, or -1 with err
 * (e then freed). */
static int
entry_of(const struct db_res *res, int row, struct spool_entry *e,
    struct err *err)
{
	const char *name = db_text(res, row, 0);
	int64_t body_len;
	int box;

	memset(e, 0, sizeof(*e));
	if (name == NULL || !spool_name_valid(name)) {
		err_set(err, "database: a delivery with a bad name");
		return -1;
	}
	(void)snprintf(e->name, sizeof(e->name), "%s", name);
	box = word_of(db_text(res, row, 16), state_words, SPOOL__NBOX);
	if (box < 0 ||
	    get_s(res, row, 1, true, &e->endpoint) == -1 ||
	    get_s(res, row, 2, true, &e->event) == -1 ||
	    get_s(res, row, 3, true, &e->id) == -1 ||
	    get_s(res, row, 4, false, &e->remote_addr) == -1 ||
	    get_s(res, row, 5, false, &e->content_type) == -1 ||
	    db_int64(res, row, 6, &e->received) == -1 ||
	    get_u(res, row, 7, &e->attempts) == -1 ||
	    get_u(res, row, 8, &e->failures) == -1 ||
	    get_u(res, row, 9, &e->running) == -1 ||
	    get_u(res, row, 10, &e->interrupted) == -1 ||
	    get_u(res, row, 11, &e->replays) == -1 ||
	    get_u(res, row, 12, &e->errors) == -1 ||
	    db_int64(res, row, 13, &e->next) == -1 ||
	    db_int64(res, row, 14, &e->started) == -1 ||
	    db_int64(res, row, 15, &e->finished) == -1 ||
	    get_s(res, row, 17, false, &e->error) == -1 ||
	    db_int64(res, row, 18, &body_len) == -1 || body_len < 0) {
		spool_entry_free(e);
		err_set(err, "database: delivery %s does not read back",
		    name);
		return -1;
	}
	e->box = (enum spool_box)box;
	e->body_len = (uint64_t)body_len;
	e->fate = box == SPOOL_DONE ? FATE_DONE :
	    box == SPOOL_DEAD ? FATE_DEAD : FATE_PENDING;
	return 0;
}

/* e's consumers from hookline_consumer. */
static enum db_rc
consumers_of(struct db *db, struct spool_entry *e, struct err *err)
{
	static const char *const words[] = {
		[CONS_PENDING] = "pending", [CONS_SUCCEEDED] = "succeeded",
		[CONS_FAILED] = "failed", [CONS_EXHAUSTED] = "exhausted"
	};
	struct db_res *res = NULL;
	struct db_param p[1] = { DBP_TEXT(e->name) };
	struct consumer *c;
	enum db_rc rc;
	int i, n, st;

	if ((rc = db_exec(db, DB_RETRY, cons_sql, 1, p, &res, err)) != DB_OK)
		return rc;
	n = db_rows(res);
	if (n > SPOOL_CONS_MAX ||
	    (n > 0 && (e->cons = calloc((size_t)n, sizeof(*c))) == NULL)) {
		db_res_free(res);
		err_set(err, "database: delivery %s: too many consumers",
		    e->name);
		return DB_FAIL;
	}
	for (i = 0; i < n; i++) {
		c = &e->cons[e->ncons];
		st = word_of(db_text(res, i, 1), words, 4);
		if (st < 0 || get_s(res, i, 0, true, &c->name) == -1 ||
		    get_u(res, i, 2, &c->tries) == -1 ||
		    get_u(res, i, 3, &c->failures) == -1 ||
		    db_int64(res, i, 4, &c->next) == -1 ||
		    get_s(res, i, 5, false, &c->error) == -1) {
			free(c->name);
			free(c->error);
			memset(c, 0, sizeof(*c));
			db_res_free(res);
			err_set(err, "database: delivery %s: a consumer does "
			    "not read back", e->name);
			return DB_FAIL;
		}
		c->state = (enum cons_state)st;
		e->ncons++;
	}
	db_res_free(res);
	return DB_OK;
}

void
db_claim_free(struct db_claim *c)
{
	if (c == NULL)
		return;
	spool_entry_free(&c->e);
	free(c->body);
	free(c->prev_owner);
	memset(c, 0, sizeof(*c));
}

/* The claim's extra columns, after ENTRY_COLS: was, prev, prev_running,
 * body, prev_started. */
static int
claim_of(const struct db_res *res, struct db_claim *c, struct err *err)
{
	const char *was = db_text(res, 0, ENTRY_NCOLS);

	if (entry_of(res, 0, &c->e, err) == -1)
		return -1;
	c->takeover = was != NULL && strcmp(was, "running") == 0;
	if (get_s(res, 0, ENTRY_NCOLS + 1, false, &c->prev_owner) == -1 ||
	    get_u(res, 0, ENTRY_NCOLS + 2, &c->prev_running) == -1 ||
	    db_int64(res, 0, ENTRY_NCOLS + 4, &c->prev_started) == -1 ||
	    (c->body = db_bytes(res, 0, ENTRY_NCOLS + 3, &c->body_len)) ==
	    NULL) {
		err_set(err, "database: delivery %s does not read back",
		    c->e.name);
		return -1;
	}
	return 0;
}

enum db_rc
db_queue_claim(struct db *db, const char *owner, long lease,
    struct db_claim *c, int *found, struct err *err)
{
	struct db_param p[2] = { DBP_TEXT(owner), DBP_INT(lease) };
	struct db_res *res = NULL;
	enum db_rc rc;
	size_t i;

	memset(c, 0, sizeof(*c));
	*found = 0;
	for (i = 0; i < sizeof(claim_sql) / sizeof(claim_sql[0]); i++) {
		/* Not DB_RETRY: a claim committed but not answered is
		 * taken over once its lease runs out. */
		if ((rc = db_exec(db, 0, claim_sql[i], 2, p, &res, err)) !=
		    DB_OK)
			return rc;
		if (db_rows(res) == 1)
			break;
		db_res_free(res);
		res = NULL;
	}
	if (res == NULL)
		return DB_OK;
	if (claim_of(res, c, err) == -1) {
		db_res_free(res);
		db_claim_free(c);
		return DB_FAIL;
	}
	db_res_free(res);
	c->e.box = SPOOL_CUR;
	if ((rc = consumers_of(db, &c->e, err)) != DB_OK) {
		db_claim_free(c);
		return rc;
	}
	*found = 1;
	return DB_OK;
}

/* An UPDATE of one row of ours: *held when it touched it. */
static enum db_rc
own_update(struct db *db, const char *sql, int n, const struct db_param *p,
    bool *held, struct err *err)
{
	struct db_res *res = NULL;
	enum db_rc rc;

	*held = false;
	/* Absolute values, guarded by the owner: safe to send twice. */
	if ((rc = db_exec(db, DB_RETRY, sql, n, p, &res, err)) != DB_OK)
		return rc;
	*held = db_affected(res) == 1;
	db_res_free(res);
	return DB_OK;
}

enum db_rc
db_queue_renew(struct db *db, const char *name, const char *owner,
    long lease, bool *held, struct err *err)
{
	struct db_param p[3] = {
		DBP_TEXT(name), DBP_TEXT(owner), DBP_INT(lease)
	};

	return own_update(db, renew_sql, 3, p, held, err);
}

enum db_rc
db_queue_unclaim(struct db *db, const char *name, const char *owner,
    struct err *err)
{
	struct db_param p[2] = { DBP_TEXT(name), DBP_TEXT(owner) };
	struct db_res *res = NULL;
	enum db_rc rc;

	/* Not DB_RETRY: attempts - 1 must happen once. */
	rc = db_exec(db, 0, unclaim_sql, 2, p, &res, err);
	db_res_free(res);
	return rc;
}

enum db_rc
db_queue_record_run(struct db *db, const char *name,
    const struct spool_run *r, const char *host, struct err *err)
{
	struct db_param p[5];
	enum db_rc rc;
	size_t len;
	char *rec;

	if ((rec = spool_run_encode(r, &len)) == NULL) {
		err_set(err, "out of memory");
		return DB_FAIL;
	}
	p[0] = DBP_TEXT(name);
	p[1] = DBP_INT(r->attempt);
	p[2] = DBP_TEXT(host);
	p[3] = DBP_INT(r->started);
	p[4] = DBP_BYTES(rec, len);
	rc = db_exec(db, DB_RETRY,
	    "INSERT INTO hookline_run (delivery, attempt, host, started, "
	    "record) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (delivery, attempt) DO NOTHING", 5, p, NULL, err);
	free(rec);
	return rc;
}

struct finish {
	const struct spool_entry	*e;
	const struct spool_run		*run;
	const char			*owner;
	const char			*host;
	bool				 held;
};

/* e's consumers, replacing what was there. */
static enum db_rc
write_consumers(struct db *db, const struct spool_entry *e, struct err *err)
{
	struct db_param p[7];
	enum db_rc rc;
	size_t i;

	p[0] = DBP_TEXT(e->name);
	if ((rc = db_exec(db, 0,
	    "DELETE FROM hookline_consumer WHERE delivery = $1", 1, p, NULL,
	    err)) != DB_OK)
		return rc;
	for (i = 0; i < e->ncons; i++) {
		p[1] = DBP_TEXT(e->cons[i].name);
		p[2] = DBP_INT(i);
		p[3] = DBP_TEXT(spool_cons_state_name(e->cons[i].state));
		p[4] = DBP_INT(e->cons[i].tries);
		p[5] = DBP_INT(e->cons[i].failures);
		p[6] = DBP_INT(e->cons[i].next);
		if ((rc = db_exec(db, 0,
		    "INSERT INTO hookline_consumer (delivery, name, seq, state, "
		    "tries, failures, next, error) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8,
		    (struct db_param[8]){ p[0], p[1], p[2], p[3], p[4], p[5],
		    p[6], DBP_TEXT(e->cons[i].error) }, NULL, err)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

static enum db_rc
finish_tx(struct db *db, void *arg, struct err *err)
{
	static const enum spool_box boxes[] = {
		[FATE_PENDING] = SPOOL_NEW, [FATE_DONE] = SPOOL_DONE,
		[FATE_DEAD] = SPOOL_DEAD
	};
	struct finish *f = arg;
	const struct spool_entry *e = f->e;
	struct db_param p[12];
	struct db_res *res = NULL;
	enum db_rc rc;

	f->held = false;
	p[0] = DBP_TEXT(e->name);
	p[1] = DBP_TEXT(f->owner);
	if ((rc = db_exec(db, 0, "SELECT 1 FROM hookline_delivery "
	    "WHERE name = $1 AND lease_owner = $2 AND state = 'running' "
	    "FOR UPDATE", 2, p, &res, err)) != DB_OK)
		return rc;
	f->held = db_rows(res) == 1;
	db_res_free(res);
	if (!f->held)
		return DB_OK;
	if (f->run != NULL && (rc = db_queue_record_run(db, e->name, f->run,
	    f->host, err)) != DB_OK)
		return rc;
	if ((rc = write_consumers(db, e, err)) != DB_OK)
		return rc;
	p[1] = DBP_TEXT(state_words[boxes[e->fate]]);
	p[2] = DBP_INT(e->next);
	p[3] = DBP_INT(e->attempts);
	p[4] = DBP_INT(e->failures);
	p[5] = DBP_INT(e->interrupted);
	p[6] = DBP_INT(e->replays);
	p[7] = DBP_INT(e->errors);
	p[8] = DBP_INT(e->started);
	p[9] = DBP_INT(e->finished);
	p[10] = DBP_TEXT(e->error);
	return db_exec(db, 0, "UPDATE hookline_delivery SET state = $2, "
	    "next_due = $3, attempts = $4, failures = $5, running = 0, "
	    "interrupted = $6, replays = $7, errors = $8, started = $9, "
	    "finished = $10, error = $11, lease_owner = NULL, "
	    "lease_expiry = NULL WHERE name = $1", 11, p, NULL, err);
}

enum db_rc
db_queue_finish(struct db *db, const struct spool_entry *e,
    const struct spool_run *run, const char *owner, const char *host,
    bool *held, struct err *err)
{
	struct finish f = { e, run, owner, host, false };
	enum db_rc rc;

	/* Not DB_RETRY: lost during COMMIT, it may have committed; if not,
	 * the lease runs out and the delivery runs again (at least once). */
	rc = db_tx(db, 0, finish_tx, &f, err);
	*held = f.held;
	return rc;
}

enum db_rc
db_queue_read(struct db *db, const char *name, struct spool_entry *e,
    int *found, struct err *err)
{
	struct db_param p[1] = { DBP_TEXT(name) };
	struct db_res *res = NULL;
	enum db_rc rc;

	*found = 0;
	memset(e, 0, sizeof(*e));
	if ((rc = db_exec(db, DB_RETRY, "SELECT " ENTRY_COLS
	    " FROM hookline_delivery d WHERE d.name = $1", 1, p, &res,
	    err)) != DB_OK)
		return rc;
	if (db_rows(res) != 1) {
		db_res_free(res);
		return DB_OK;
	}
	if (entry_of(res, 0, e, err) == -1) {
		db_res_free(res);
		return DB_FAIL;
	}
	db_res_free(res);
	if ((rc = consumers_of(db, e, err)) != DB_OK) {
		spool_entry_free(e);
		return rc;
	}
	*found = 1;
	return DB_OK;
}

enum db_rc
db_queue_runs(struct db *db, const char *name, struct spool_run **v,
    size_t *n, struct err *err)
{
	struct db_param p[1] = { DBP_TEXT(name) };
	struct db_res *res = NULL;
	struct spool_run *runs = NULL;
	unsigned char *rec;
	size_t len, k = 0;
	enum db_rc rc;
	int i, rows;

	*v = NULL;
	*n = 0;
	if ((rc = db_exec(db, DB_RETRY, "SELECT record FROM hookline_run "
	    "WHERE delivery = $1 ORDER BY attempt", 1, p, &res, err)) != DB_OK)
		return rc;
	rows = db_rows(res);
	if (rows > 0 && (runs = calloc((size_t)rows, sizeof(*runs))) == NULL) {
		db_res_free(res);
		err_set(err, "out of memory");
		return DB_FAIL;
	}
	for (i = 0; i < rows; i++) {
		if ((rec = db_bytes(res, i, 0, &len)) == NULL)
			continue;
		if (len <= SPOOL_RUN_MAX && spool_run_decode((char *)rec, len,
		    &runs[k], NULL) == 0)
			k++;
		free(rec);
	}
	db_res_free(res);
	*v = runs;
	*n = k;
	return DB_OK;
}

enum db_rc
db_queue_busy(struct db *db, bool *any, struct err *err)
{
	struct db_res *res = NULL;
	enum db_rc rc;

	*any = false;
	/* Each through its partial index: done rows are never read. */
	if ((rc = db_exec(db, DB_RETRY, "SELECT EXISTS (SELECT 1 FROM "
	    "hookline_delivery WHERE state = 'pending') OR EXISTS (SELECT 1 "
	    "FROM hookline_delivery WHERE state = 'running')", 0, NULL, &res,
	    err)) != DB_OK)
		return rc;
	*any = db_text(res, 0, 0) != NULL && strcmp(db_text(res, 0, 0), "t")
	    == 0;
	db_res_free(res);
	return DB_OK;
}

enum db_rc
db_queue_sweep(struct db *db, long keep, long limit, long *n,
    struct err *err)
{
	struct db_param p[2] = { DBP_INT(keep), DBP_INT(limit) };
	struct db_res *res = NULL;
	enum db_rc rc;

	if ((rc = db_exec(db, DB_RETRY, "DELETE FROM hookline_delivery "
	    "WHERE name IN (SELECT name FROM hookline_delivery "
	    "WHERE state = 'done' AND finished < " SERVER_NOW " - $1 "
	    "LIMIT $2)", 2, p, &res, err)) != DB_OK)
		return rc;
	if (n != NULL)
		*n = db_affected(res);
	db_res_free(res);
	return DB_OK;
}

/* (pgx: the operator's replay and retry, db_ops.c.) */
enum db_rc
db_queue_store_tx(struct db *db, const struct spool_entry *e, struct err *err)
{
	struct db_param p[9];
	enum db_rc rc;

	if (e->box >= SPOOL__NBOX) {
		err_set(err, "database: no such state");
		return DB_FAIL;
	}
	if ((rc = write_consumers(db, e, err)) != DB_OK)
		return rc;
	p[0] = DBP_TEXT(e->name);
	p[1] = DBP_TEXT(state_words[e->box]);
	p[2] = DBP_INT(e->next);
	p[3] = DBP_INT(e->replays);
	p[4] = DBP_INT(e->errors);
	p[5] = DBP_INT(e->finished);
	p[6] = DBP_TEXT(e->error);
	p[7] = DBP_INT(e->failures);
	p[8] = DBP_INT(e->interrupted);
	return db_exec(db, 0, "UPDATE hookline_delivery SET state = $2, "
	    "next_due = $3, replays = $4, errors = $5, finished = $6, "
	    "error = $7, failures = $8, interrupted = $9, running = 0, "
	    "lease_owner = NULL, lease_expiry = NULL WHERE name = $1", 9, p,
	    NULL, err);
}

/* (pgx: the async accept with a sender's id, db_spill.c.) The claim
 * (db_dedupe.c) and the INSERT as one statement: atomic, one round
 * trip. Sent twice (a lost connection), it finds its own claim (the
 * token) and its own row (the name, touched so that RETURNING sees it):
 * "stored", not a duplicate. */
static const char put_claimed_sql[] =
    "WITH c AS (" DB_DEDUPE_CLAIM_SQL("$2", "$4", "$10", "$11") ") "
    "INSERT INTO hookline_delivery (name, endpoint, event, delivery_id, "
    "remote_addr, content_type, body, received, accepted_by, next_due) "
    "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, "
    "$7::bytea, $8::bigint, $9::text, $8::bigint "
    "WHERE EXISTS (SELECT 1 FROM c) "
    "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING 1";

int
db_queue_put_stmt(const struct delivery *d, int64_t received, long window,
    const char *token, struct db_queue_item *q, struct db_stmt *s,
    struct err *err)
{
	if (put_params(d, received, q->name, q->host, q->p, err) == -1)
		return -1;
	*s = (struct db_stmt){ put_sql, 9, q->p, false, NULL };
	if (token == NULL)
		return 0;
	q->p[9] = DBP_INT(window);
	q->p[10] = DBP_TEXT(token);
	/* Its RETURNING row says stored (db_queue_put_stored). */
	*s = (struct db_stmt){ put_claimed_sql, 11, q->p, true, NULL };
	return 0;
}

bool
db_queue_put_stored(const struct db_stmt *s)
{
	return !s->want_res || db_rows(s->res) == 1;
}

enum db_rc
db_queue_put_claimed(struct db *db, const struct delivery *d,
    int64_t received, long window, const char *token, bool *stored,
    struct err *err)
{
	struct db_queue_item q;
	struct db_stmt s;
	enum db_rc rc;

	*stored = false;
	if (db_queue_put_stmt(d, received, window, token, &q, &s, err) == -1)
		return DB_FAIL;
	if ((rc = db_exec(db, DB_RETRY, s.sql, s.n, s.p, &s.res, err)) !=
	    DB_OK)
		return rc;
	*stored = db_queue_put_stored(&s);
	db_res_free(s.res);
	return DB_OK;
}
