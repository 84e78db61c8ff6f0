/* db.c: the PostgreSQL connection, the only libpq user (with its
 * pipeline, db_pipe.c): libpq loaded on first use, one connection per
 * process kept and opened again when lost, parameterised statements,
 * results as our own types. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db.h"
#include "db_int.h"

#define CONNECT_TIMEOUT	"5"	/* seconds, unless the conninfo says */

/*
 * Who controls what comes back: the database server (and whoever can
 * write to its tables). Every value is read as untrusted text: lengths
 * from libpq, never assumed; integers parsed strictly (db_int64);
 * bytea decoded by libpq; server messages are copied into err bounded
 * (err_set truncates) and never hold the password (libpq does not
 * quote it).
 *
 * libpq is loaded with dlopen on first use, not linked: a process whose
 * configuration has no `database` key maps nothing new (and keeps its
 * memory figure), as forward.c does with libcurl. The static build
 * cannot load the host's libpq and does not link one: it says so. The
 * table of libpq's calls (db_pq, listed in db_int.h, shared with
 * db_pipe.c) and the process's connection are this module's mutable
 * globals: the table filled once, then only read; the connection is
 * the process's own (a fork is noticed by its pid and never shares it).
 */
struct db_pq db_pq;

/* The process's connection (db_shared). */
static struct db *shared;
/* Told when the process's connection is a new session in place of one
 * this process had (db_on_reconnect; set once, then only read). */
static void (*reconnected)(struct db *);

#ifdef HOOKLINE_STATIC
int
db_built_in(void)
{
	return 0;
}

int
db_load(struct err *err)
{
	err_set(err, "this build has no PostgreSQL support (a static "
	    "binary cannot load libpq): `database` needs the dynamically "
	    "linked hookline");
	return -1;
}
#else
int
db_built_in(void)
{
	return 1;
}

int
db_load(struct err *err)
{
	void *h;

	if (db_pq.loaded)
		return 0;
	/* The soname of Debian's libpq5 (the ABI libpq-fe.h describes). */
	if ((h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err_set(err, "`database` needs libpq, which cannot be loaded "
		    "(install libpq5): %s", dlerror());
		return -1;
	}
#define PQ_RESOLVE(ret, name, args) \
	if ((*(void **)&db_pq.name = dlsym(h, "PQ" #name)) == NULL) { \
		err_set(err, "libpq lacks PQ%s", #name); \
		return -1; \
	}
	PQ_CALLS(PQ_RESOLVE)
#undef PQ_RESOLVE
	db_pq.loaded = true;
	return 0;
}
#endif

/* libpq's notices (NOTICE, WARNING) would go to stderr, which is the
 * web server's error log under FastCGI: dropped. */
static void
notice_drop(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* libpq's message into err, on one line: its newlines and tabs (it
 * writes hints on lines of their own) become spaces, the last ones go. */
void
db_conn_error(const PGconn *c, const char *what, struct err *err)
{
	const char *m = c == NULL ? "out of memory" : db_pq.errorMessage(c);
	char *p;

	err_set(err, "%s: %s", what, m);
	if (err == NULL)
		return;
	for (p = err->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	while (p > err->msg && p[-1] == ' ')
		*--p = '\0';
}

/* Connects db->conn. Returns 0, or -1 with err (the server is down,
 * refuses us, or we are out of memory: DB_DOWN for callers). */
static int
conn_open(struct db *db, struct err *err)
{
	/* Earlier keys are defaults: the conninfo (expanded from dbname)
	 * overrides them. */
	static const char *const keys[] = {
		"connect_timeout", "fallback_application_name", "dbname", NULL
	};
	const char *vals[] = { CONNECT_TIMEOUT, "hookline", db->conninfo, NULL };

	db->conn = db_pq.connectdbParams(keys, vals, 1);
	if (db->conn == NULL || db_pq.status(db->conn) != CONNECTION_OK) {
		db_conn_error(db->conn, "cannot connect to the database", err);
		if (db->conn != NULL)
			db_pq.finish(db->conn);
		db->conn = NULL;
		return -1;
	}
	(void)db_pq.setNoticeProcessor(db->conn, notice_drop, NULL);
	db->pid = getpid();
	return 0;
}

/* Forgets the statements of the connection being dropped. */
static void
stmts_clear(struct db *db)
{
	unsigned i;

	for (i = 0; i < db->nstmts; i++) {
		free(db->stmts[i].sql);
		db->stmts[i].sql = NULL;
	}
	db->nstmts = 0;
	db->serial = 0;
}

/* Drops db->conn: finished in the process that opened it; after a fork
 * its socket is only closed here, so that the parent's session lives. */
void
db_conn_drop(struct db *db)
{
	stmts_clear(db);
	if (db->conn == NULL)
		return;
	if (db->pid != getpid()) {
		/* PQfinish would send Terminate on the parent's socket. */
		if (db_pq.socket(db->conn) >= 0)
			(void)close(db_pq.socket(db->conn));
	}
	db_pq.finish(db->conn);
	db->conn = NULL;
}

struct db *
db_open(const char *conninfo, struct err *err)
{
	struct db *db;

	if (db_load(err) == -1)
		return NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->conninfo = strdup(conninfo)) == NULL) {
		free(db);
		err_set(err, "out of memory");
		return NULL;
	}
	if (conn_open(db, err) == -1) {
		db_close(db);
		return NULL;
	}
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_conn_drop(db);
	free(db->conninfo);
	free(db);
}

void
db_lib_version(char *buf, size_t size)
{
	struct err err;
	int v;

	if (!db_built_in()) {
		(void)snprintf(buf, size, "libpq: not in this build");
		return;
	}
	if (db_load(&err) == -1) {
		(void)snprintf(buf, size, "libpq (not loadable)");
		return;
	}
	v = db_pq.libVersion();
	/* 150005 is 15.5 (since PostgreSQL 10: major * 10000 + minor). */
	(void)snprintf(buf, size, "libpq %d.%d", v / 10000, v % 10000);
}

int
db_conninfo_password(const char *conninfo, struct err *err)
{
	PQconninfoOption *opts, *o;
	char *msg = NULL;
	int found = 0;

	if (db_load(err) == -1)
		return -1;
	/* libpq's own parser: URIs (user:pass@, ?password=) and key=value
	 * strings with their quoting, as the connection will read them. */
	if ((opts = db_pq.conninfoParse(conninfo, &msg)) == NULL) {
		err_set(err, "not a connection string libpq reads: %s",
		    msg != NULL ? msg : "out of memory");
		if (msg != NULL)
			db_pq.freemem(msg);
		return -1;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			found = 1;
	db_pq.conninfoFree(opts);
	return found;
}

const char *
db_sqlstate(const struct db *db)
{
	return db == NULL ? "" : db->state;
}

/* Usable as it is: connected, in this process, not known lost. */
static bool
conn_usable(const struct db *db)
{
	return db->conn != NULL && db->pid == getpid() &&
	    db_pq.status(db->conn) == CONNECTION_OK;
}

/* Reads what waits on an idle connection; false when it shows the
 * session ended (libpq takes the FATAL as a notice, the end of the
 * stream comes on the next read: hence a few rounds). */
static bool
idle_input(struct db *db)
{
	struct pollfd pfd;
	int i;

	for (i = 0; i < 4; i++) {
		pfd.fd = db_pq.socket(db->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
			break;
		if (db_pq.consumeInput(db->conn) == 0)
			return false;
	}
	return db_pq.status(db->conn) == CONNECTION_OK;
}

/* Connected again when needed (never inside a transaction: the caller
 * decides). Returns 0, or -1 with err. */
int
db_conn_ensure(struct db *db, struct err *err)
{
	/* What the server sent while we were idle is read first (libpq's
	 * socket never blocks): a backend ended meanwhile (by
	 * pg_terminate_backend, a restart) has left its FATAL and the end
	 * of the stream there, so the loss is found before the statement
	 * is sent, and the statement goes to a new connection. */
	if (conn_usable(db) && idle_input(db))
		return 0;
	db_conn_drop(db);
	if (conn_open(db, err) == -1)
		return -1;
	/* A new session: what the old one held (advisory locks) is gone. */
	if (db == shared && reconnected != NULL)
		reconnected(db);
	return 0;
}

void
db_on_reconnect(void (*fn)(struct db *))
{
	reconnected = fn;
}

bool
db_is_shared(const struct db *db)
{
	return db != NULL && db == shared;
}

struct db *
db_shared(const struct conf *conf, enum db_rc *rc, struct err *err)
{
	enum db_rc r = DB_FAIL;
	int version;

	if (conf->database == NULL) {
		err_set(err, "no `database` in the configuration");
		goto fail;
	}
	if (shared != NULL && strcmp(shared->conninfo, conf->database) == 0 &&
	    conn_usable(shared))
		return shared;
	/* First use, a changed key, a fork, or a lost connection: a new
	 * one, and its schema checked. */
	db_shared_close();
	if ((shared = db_open(conf->database, err)) == NULL) {
		r = db_pq.loaded ? DB_DOWN : DB_FAIL;
		goto fail;
	}
	if ((r = db_schema_version(shared, &version, err)) != DB_OK)
		goto fail_close;
	if (version != DB_SCHEMA_VERSION) {
		if (version == 0)
			err_set(err, "the database has no hookline schema: "
			    "run hookline db init");
		else
			err_set(err, "the database's hookline schema is "
			    "version %d, this hookline needs %d: run %s",
			    version, DB_SCHEMA_VERSION,
			    version < DB_SCHEMA_VERSION ?
			    "hookline db migrate" : "a newer hookline");
		r = DB_FAIL;
		goto fail_close;
	}
	if (reconnected != NULL)
		reconnected(shared);
	return shared;
fail_close:
	db_shared_close();
fail:
	if (rc != NULL)
		*rc = r;
	return NULL;
}

void
db_shared_close(void)
{
	db_close(shared);
	shared = NULL;
}

/* The server ended the session and said so (57P01 admin_shutdown,
 * 57P02 crash_shutdown, 57P03 cannot_connect_now): the statement it
 * answered did not commit, so it may run again. */
bool
db_ended_by_server(const char *state)
{
	return strncmp(state, "57P", 3) == 0;
}

/* FNV-1a of a statement's text: the list's quick test. */
static uint32_t
text_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The statement's slot on this connection, found or taken now (*first
 * set); NULL when the list is full (or out of memory): sent unnamed. */
struct stmt *
db_stmt_of(struct db *db, const char *sql, bool *first)
{
	uint32_t h = text_hash(sql);
	struct stmt *s;
	unsigned i;

	*first = false;
	for (i = 0; i < db->nstmts; i++) {
		s = &db->stmts[i];
		if (s->hash == h && strcmp(s->sql, sql) == 0)
			return s;
	}
	if (db->nstmts == STMT_MAX)
		return NULL;
	s = &db->stmts[db->nstmts];
	if ((s->sql = strdup(sql)) == NULL)
		return NULL;
	db->nstmts++;
	s->hash = h;
	s->ready = false;
	s->name[0] = '\0';
	*first = true;
	return s;
}

/* One statement's call, for exec_once. */
struct exec_call {
	const char		*sql;
	int			 n;
	const struct db_args	*a;
	PGresult		*out;	/* its result, on DB_OK */
};

/*
 * Sends the statement and waits for its result: unnamed at its first
 * use on this connection, prepared at the second, by name after that.
 * *ran is false when what failed was the Parse (nothing executed);
 * *named is the slot when it ran by name (else NULL).
 */
static PGresult *
stmt_run(struct db *db, const struct exec_call *c, bool *ran,
    struct stmt **named)
{
	const struct db_args *a = c->a;
	struct stmt *s;
	PGresult *r;
	bool first;

	*ran = true;
	*named = NULL;
	if ((s = db_stmt_of(db, c->sql, &first)) == NULL || first)
		return db_pq.execParams(db->conn, c->sql, c->n, NULL, a->vals,
		    a->lens, a->fmts, 0);
	if (!s->ready) {
		db_stmt_name(db, s);
		r = db_pq.prepare(db->conn, s->name, c->sql, c->n, NULL);
		if (r == NULL || db_pq.resultStatus(r) != PGRES_COMMAND_OK) {
			*ran = false;
			return r;
		}
		db_pq.clear(r);
		s->ready = true;
	}
	*named = s;
	return db_pq.execPrepared(db->conn, s->name, c->n, a->vals, a->lens,
	    a->fmts, 0);
}

void
db_stmt_name(struct db *db, struct stmt *s)
{
	/* A new name each time: one whose plan went stale is still there
	 * under its old name. */
	(void)snprintf(s->name, sizeof(s->name), "hookline_%u", ++db->serial);
}

/* The server refused to run a prepared statement before running it:
 * 0A000 "cached plan must not change result type" (its tables changed
 * under it, e.g. by db migrate) or 26000 (the name is gone: DISCARD ALL,
 * a pooler that changed sessions). Prepared again, it runs. */
bool
db_stmt_stale(const char *state)
{
	return strcmp(state, "0A000") == 0 || strcmp(state, "26000") == 0;
}

void
db_result_state(struct db *db, const PGresult *r)
{
	const char *st;

	st = r == NULL ? NULL : db_pq.resultErrorField(r, PG_DIAG_SQLSTATE);
	(void)snprintf(db->state, sizeof(db->state), "%s",
	    st != NULL ? st : "");
}

void
db_result_refused(struct db *db, const PGresult *r, struct err *err)
{
	const char *m;

	if (r == NULL) {
		db_conn_error(db->conn, "database", err);
		return;
	}
	/* The primary message: the statement's own words. */
	m = db_pq.resultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	err_set(err, "database: %s (SQLSTATE %s)", m != NULL ? m : "error",
	    db->state[0] != '\0' ? db->state : "none");
}

/*
 * One statement (arg: its exec_call), once. Returns DB_OK, DB_FAIL (the
 * server refused it; t->stale: before running it, see db_stmt_stale, so
 * it may be sent again), or DB_DOWN with t->lost set when the
 * connection went away (t->safe: nothing was committed: the server said
 * it ended the session, or what was lost was the Parse of a statement
 * being prepared).
 */
static enum db_rc
exec_once(struct db *db, void *arg, struct db_try *t, struct err *err)
{
	struct exec_call *c = arg;
	PGresult *r;
	struct stmt *named;
	ExecStatusType s;
	bool ran;

	*t = (struct db_try){ false, false, false };
	db->state[0] = '\0';
	r = stmt_run(db, c, &ran, &named);
	s = r == NULL ? PGRES_FATAL_ERROR : db_pq.resultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		c->out = r;
		return DB_OK;
	}
	db_result_state(db, r);
	if (db_pq.status(db->conn) != CONNECTION_OK) {
		t->lost = true;
		t->safe = !ran || db_ended_by_server(db->state);
		db_conn_error(db->conn, "database connection lost", err);
		if (r != NULL)
			db_pq.clear(r);
		return DB_DOWN;
	}
	db_result_refused(db, r, err);
	if (r != NULL)
		db_pq.clear(r);
	if (named != NULL && db_stmt_stale(db->state)) {
		named->ready = false;
		t->stale = true;
	}
	return DB_FAIL;
}

int
db_args_new(struct db_args *a, int n, struct err *err)
{
	*a = (struct db_args){ NULL, NULL, NULL, NULL };
	if (n > 0 && ((a->vals = calloc((size_t)n, sizeof(*a->vals))) ==
	    NULL || (a->lens = calloc((size_t)n, sizeof(*a->lens))) == NULL ||
	    (a->fmts = calloc((size_t)n, sizeof(*a->fmts))) == NULL ||
	    (a->nums = calloc((size_t)n, NUM_MAX)) == NULL)) {
		db_args_free(a);
		err_set(err, "out of memory");
		return -1;
	}
	return 0;
}

void
db_args_free(struct db_args *a)
{
	free(a->vals);
	free(a->lens);
	free(a->fmts);
	free(a->nums);
	*a = (struct db_args){ NULL, NULL, NULL, NULL };
}

/* The parameters as libpq takes them: text in decimal for integers
 * (into a->nums, NUM_MAX bytes each), binary for bytea. */
int
db_params_of(int n, const struct db_param *p, struct db_args *a,
    struct err *err)
{
	int i;

	for (i = 0; i < n; i++) {
		a->lens[i] = 0;
		a->fmts[i] = 0;
		switch (p[i].type) {
		case DBP_NULL_T:
			a->vals[i] = NULL;
			break;
		case DBP_TEXT_T:
			a->vals[i] = p[i].s;
			break;
		case DBP_BYTES_T:
			if (p[i].len > INT32_MAX) {
				err_set(err, "database: value too large");
				return -1;
			}
			/* A NULL with length 0 would be SQL NULL. */
			a->vals[i] = p[i].b != NULL ? p[i].b : "";
			a->lens[i] = (int)p[i].len;
			a->fmts[i] = 1;
			break;
		case DBP_INT_T:
			(void)snprintf(a->nums + NUM_MAX * i, NUM_MAX,
			    "%" PRId64, p[i].i);
			a->vals[i] = a->nums + NUM_MAX * i;
			break;
		}
	}
	return 0;
}

enum db_rc
db_try_run(struct db *db, int flags,
    enum db_rc (*fn)(struct db *, void *, struct db_try *, struct err *),
    void *arg, struct err *err)
{
	struct db_try t;
	enum db_rc rc;

	if (db_conn_ensure(db, err) == -1)
		return DB_DOWN;
	rc = fn(db, arg, &t, err);
	if (rc == DB_FAIL && t.stale)	/* it did not run: once more */
		return fn(db, arg, &t, err);
	if (rc != DB_DOWN || !t.lost || !(t.safe || (flags & DB_RETRY)))
		return rc;
	/* Lost, and safe to run again: once, on a new connection. */
	if (db_conn_ensure(db, err) == -1)
		return DB_DOWN;
	return fn(db, arg, &t, err);
}

/* r as our own type (db_res_free), or NULL with err (r cleared). */
static struct db_res *
db_res_new(PGresult *r, struct err *err)
{
	struct db_res *res;

	if ((res = malloc(sizeof(*res))) == NULL) {
		db_pq.clear(r);
		err_set(err, "out of memory");
		return NULL;
	}
	res->r = r;
	return res;
}

/* db_exec, with in_tx saying whether db_tx runs it: then a lost
 * connection or a stale statement is db_tx's to handle (the
 * transaction is aborted). */
static enum db_rc
exec_params(struct db *db, int flags, bool in_tx, const char *sql, int n,
    const struct db_param *p, struct db_res **res, struct err *err)
{
	struct db_args a;
	struct exec_call c = { sql, n, &a, NULL };
	struct db_try t;
	enum db_rc rc = DB_FAIL;

	if (res != NULL)
		*res = NULL;
	if (n < 0 || db == NULL) {
		err_set(err, "database: bad call");
		return DB_FAIL;
	}
	if (db_args_new(&a, n, err) == -1)
		return DB_FAIL;
	if (db_params_of(n, p, &a, err) == -1)
		goto done;
	rc = in_tx ? exec_once(db, &c, &t, err) :
	    db_try_run(db, flags, exec_once, &c, err);
	if (rc != DB_OK)
		goto done;
	if (res == NULL)
		db_pq.clear(c.out);
	else if ((*res = db_res_new(c.out, err)) == NULL)
		rc = DB_FAIL;
done:
	db_args_free(&a);
	return rc;
}

enum db_rc
db_exec(struct db *db, int flags, const char *sql, int n,
    const struct db_param *p, struct db_res **res, struct err *err)
{
	return exec_params(db, flags, false, sql, n, p, res, err);
}

/* BEGIN, fn, COMMIT once. *commit_sent tells where a loss happened. */
static enum db_rc
tx_once(struct db *db, enum db_rc (*fn)(struct db *, void *, struct err *),
    void *arg, bool *commit_sent, struct err *err)
{
	char failed[SQLSTATE_MAX + 1];
	enum db_rc rc;

	*commit_sent = false;
	if (db_conn_ensure(db, err) == -1)
		return DB_DOWN;
	if ((rc = exec_params(db, 0, true, "BEGIN", 0, NULL, NULL, err)) !=
	    DB_OK)
		return rc;
	if ((rc = fn(db, arg, err)) != DB_OK) {
		/* The failed statement's SQLSTATE outlives the ROLLBACK
		 * (which clears it): the caller and db_tx read it. */
		memcpy(failed, db->state, sizeof(failed));
		if (conn_usable(db) &&
		    db_pq.transactionStatus(db->conn) != PQTRANS_IDLE)
			(void)exec_params(db, 0, true, "ROLLBACK", 0, NULL,
			    NULL, NULL);
		memcpy(db->state, failed, sizeof(db->state));
		if (!conn_usable(db))
			rc = DB_DOWN;
		return rc;
	}
	*commit_sent = true;
	return exec_params(db, 0, true, "COMMIT", 0, NULL, NULL, err);
}

enum db_rc
db_tx(struct db *db, int flags,
    enum db_rc (*fn)(struct db *db, void *arg, struct err *err), void *arg,
    struct err *err)
{
	enum db_rc rc;
	bool commit_sent;

	if (db == NULL) {
		err_set(err, "database: bad call");
		return DB_FAIL;
	}
	rc = tx_once(db, fn, arg, &commit_sent, err);
	if (rc != DB_DOWN || conn_usable(db))
		return rc;
	if (commit_sent && !(flags & DB_RETRY) &&
	    !db_ended_by_server(db->state))
		return rc;	/* it may have committed: the caller knows */
	return tx_once(db, fn, arg, &commit_sent, err);
}

int
db_rows(const struct db_res *res)
{
	return res == NULL ? 0 : db_pq.ntuples(res->r);
}

const char *
db_text(const struct db_res *res, int row, int col)
{
	if (res == NULL || row < 0 || row >= db_pq.ntuples(res->r) ||
	    db_pq.getisnull(res->r, row, col))
		return NULL;
	return db_pq.getvalue(res->r, row, col);
}

int
db_int64(const struct db_res *res, int row, int col, int64_t *v)
{
	const char *s = db_text(res, row, col);
	char *end;
	long long x;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = (int64_t)x;
	return 0;
}

unsigned char *
db_bytes(const struct db_res *res, int row, int col, size_t *len)
{
	const char *s = db_text(res, row, col);
	unsigned char *raw, *out;
	size_t n;

	if (s == NULL)
		return NULL;
	if ((raw = db_pq.unescapeBytea((const unsigned char *)s, &n)) == NULL)
		return NULL;
	if ((out = malloc(n + 1)) != NULL) {
		memcpy(out, raw, n);
		out[n] = '\0';
		*len = n;
	}
	db_pq.freemem(raw);
	return out;
}

long
db_affected(const struct db_res *res)
{
	const char *s;

	if (res == NULL || (s = db_pq.cmdTuples(res->r)) == NULL || *s == '\0')
		return 0;
	return strtol(s, NULL, 10);
}

void
db_res_free(struct db_res *res)
{
	if (res == NULL)
		return;
	db_pq.clear(res->r);
	free(res);
}
