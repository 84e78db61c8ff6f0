/* db.c: the PostgreSQL connection, the only libpq user: libpq loaded on
 * first use, one connection per process kept and opened again when
 * lost, parameterised statements, results as our own types. */
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

#define CONNECT_TIMEOUT	"5"	/* seconds, unless the conninfo says */
#define SQLSTATE_MAX	5
#define STMT_MAX	64	/* statements known per connection */
#define STMT_NAME_MAX	24	/* "hookline_" and a number */

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
 * table below and the process's connection are this module's mutable
 * globals: the table filled once, then only read; the connection is
 * the process's own (a fork is noticed by its pid and never shares it).
 */
#define PQ_CALLS(X) \
	X(PGconn *, connectdbParams, (const char *const *, \
	    const char *const *, int)) \
	X(ConnStatusType, status, (const PGconn *)) \
	X(char *, errorMessage, (const PGconn *)) \
	X(void, finish, (PGconn *)) \
	X(PGresult *, execParams, (PGconn *, const char *, int, const Oid *, \
	    const char *const *, const int *, const int *, int)) \
	X(PGresult *, prepare, (PGconn *, const char *, const char *, int, \
	    const Oid *)) \
	X(PGresult *, execPrepared, (PGconn *, const char *, int, \
	    const char *const *, const int *, const int *, int)) \
	X(ExecStatusType, resultStatus, (const PGresult *)) \
	X(char *, resultErrorMessage, (const PGresult *)) \
	X(char *, resultErrorField, (const PGresult *, int)) \
	X(void, clear, (PGresult *)) \
	X(int, ntuples, (const PGresult *)) \
	X(char *, getvalue, (const PGresult *, int, int)) \
	X(int, getisnull, (const PGresult *, int, int)) \
	X(int, getlength, (const PGresult *, int, int)) \
	X(char *, cmdTuples, (PGresult *)) \
	X(unsigned char *, unescapeBytea, (const unsigned char *, size_t *)) \
	X(void, freemem, (void *)) \
	X(int, socket, (const PGconn *)) \
	X(int, consumeInput, (PGconn *)) \
	X(PGTransactionStatusType, transactionStatus, (const PGconn *)) \
	X(PQnoticeProcessor, setNoticeProcessor, (PGconn *, \
	    PQnoticeProcessor, void *)) \
	X(PQconninfoOption *, conninfoParse, (const char *, char **)) \
	X(void, conninfoFree, (PQconninfoOption *)) \
	X(int, libVersion, (void))

#define PQ_MEMBER(ret, name, args)	ret (*name) args;
static struct {
	bool	loaded;
	PQ_CALLS(PQ_MEMBER)
} pq;

/*
 * Prepared statements: a statement's text sent a second time on the
 * same connection is prepared there (named, Parse once) and executed
 * by name from then on, so that the server neither parses nor plans it
 * again. Not at its first use: a CGI process, or a command, that sends
 * each statement once pays no extra round trip. The names belong to
 * the connection (the server's session): the list is dropped with the
 * connection (conn_drop), so a new connection (a reconnect, a forked
 * child's own) prepares again under its own names, and never runs a
 * name it did not prepare. Past STMT_MAX texts, a statement is sent
 * unnamed, as at first use.
 */
struct stmt {
	char		*sql;	/* owned; NULL: a free slot */
	uint32_t	 hash;
	bool		 ready;	/* prepared on this connection as name */
	char		 name[STMT_NAME_MAX];
};

struct db {
	PGconn		*conn;
	char		*conninfo;	/* owned: to connect again */
	pid_t		 pid;		/* the process that opened it */
	char		 state[SQLSTATE_MAX + 1];
	struct stmt	 stmts[STMT_MAX];	/* of conn */
	unsigned	 nstmts;
	unsigned	 serial;	/* names made on conn */
};

struct db_res {
	PGresult *r;
};

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

	if (pq.loaded)
		return 0;
	/* The soname of Debian's libpq5 (the ABI libpq-fe.h describes). */
	if ((h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err_set(err, "`database` needs libpq, which cannot be loaded "
		    "(install libpq5): %s", dlerror());
		return -1;
	}
#define PQ_RESOLVE(ret, name, args) \
	if ((*(void **)&pq.name = dlsym(h, "PQ" #name)) == NULL) { \
		err_set(err, "libpq lacks PQ%s", #name); \
		return -1; \
	}
	PQ_CALLS(PQ_RESOLVE)
#undef PQ_RESOLVE
	pq.loaded = true;
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
static void
conn_error(const PGconn *c, const char *what, struct err *err)
{
	const char *m = c == NULL ? "out of memory" : pq.errorMessage(c);
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

	db->conn = pq.connectdbParams(keys, vals, 1);
	if (db->conn == NULL || pq.status(db->conn) != CONNECTION_OK) {
		conn_error(db->conn, "cannot connect to the database", err);
		if (db->conn != NULL)
			pq.finish(db->conn);
		db->conn = NULL;
		return -1;
	}
	(void)pq.setNoticeProcessor(db->conn, notice_drop, NULL);
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
static void
conn_drop(struct db *db)
{
	stmts_clear(db);
	if (db->conn == NULL)
		return;
	if (db->pid != getpid()) {
		/* PQfinish would send Terminate on the parent's socket. */
		if (pq.socket(db->conn) >= 0)
			(void)close(pq.socket(db->conn));
	}
	pq.finish(db->conn);
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
	conn_drop(db);
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
	v = pq.libVersion();
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
	if ((opts = pq.conninfoParse(conninfo, &msg)) == NULL) {
		err_set(err, "not a connection string libpq reads: %s",
		    msg != NULL ? msg : "out of memory");
		if (msg != NULL)
			pq.freemem(msg);
		return -1;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			found = 1;
	pq.conninfoFree(opts);
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
	    pq.status(db->conn) == CONNECTION_OK;
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
		pfd.fd = pq.socket(db->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
			break;
		if (pq.consumeInput(db->conn) == 0)
			return false;
	}
	return pq.status(db->conn) == CONNECTION_OK;
}

/* Connected again when needed (never inside a transaction: the caller
 * decides). Returns 0, or -1 with err. */
static int
conn_ensure(struct db *db, struct err *err)
{
	/* What the server sent while we were idle is read first (libpq's
	 * socket never blocks): a backend ended meanwhile (by
	 * pg_terminate_backend, a restart) has left its FATAL and the end
	 * of the stream there, so the loss is found before the statement
	 * is sent, and the statement goes to a new connection. */
	if (conn_usable(db) && idle_input(db))
		return 0;
	conn_drop(db);
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
		r = pq.loaded ? DB_DOWN : DB_FAIL;
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
static bool
ended_by_server(const char *state)
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
static struct stmt *
stmt_of(struct db *db, const char *sql, bool *first)
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

/*
 * Sends the statement and waits for its result: unnamed at its first
 * use on this connection, prepared at the second, by name after that.
 * *ran is false when what failed was the Parse (nothing executed);
 * *named is the slot when it ran by name (else NULL).
 */
static PGresult *
stmt_run(struct db *db, const char *sql, int n, const char *const *vals,
    const int *lens, const int *fmts, bool *ran, struct stmt **named)
{
	struct stmt *s;
	PGresult *r;
	bool first;

	*ran = true;
	*named = NULL;
	if ((s = stmt_of(db, sql, &first)) == NULL || first)
		return pq.execParams(db->conn, sql, n, NULL, vals, lens, fmts,
		    0);
	if (!s->ready) {
		/* A new name each time: one whose plan went stale is
		 * still there under its old name. */
		(void)snprintf(s->name, sizeof(s->name), "hookline_%u",
		    ++db->serial);
		r = pq.prepare(db->conn, s->name, sql, n, NULL);
		if (r == NULL || pq.resultStatus(r) != PGRES_COMMAND_OK) {
			*ran = false;
			return r;
		}
		pq.clear(r);
		s->ready = true;
	}
	*named = s;
	return pq.execPrepared(db->conn, s->name, n, vals, lens, fmts, 0);
}

/* The server refused to run a prepared statement before running it:
 * 0A000 "cached plan must not change result type" (its tables changed
 * under it, e.g. by db migrate) or 26000 (the name is gone: DISCARD ALL,
 * a pooler that changed sessions). Prepared again, it runs. */
static bool
stmt_stale(const char *state)
{
	return strcmp(state, "0A000") == 0 || strcmp(state, "26000") == 0;
}

/*
 * One statement, once. Returns DB_OK, DB_FAIL (the server refused it;
 * *stale: before running it, see stmt_stale, so it may be sent again),
 * or DB_DOWN with *lost set when the connection went away (*safe:
 * nothing was committed: the server said it ended the session, or what
 * was lost was the Parse of a statement being prepared).
 */
static enum db_rc
exec_once(struct db *db, const char *sql, int n, const char *const *vals,
    const int *lens, const int *fmts, PGresult **out, bool *lost, bool *safe,
    bool *stale, struct err *err)
{
	PGresult *r;
	struct stmt *named;
	const char *st;
	ExecStatusType s;
	bool ran;

	*lost = *safe = *stale = false;
	db->state[0] = '\0';
	r = stmt_run(db, sql, n, vals, lens, fmts, &ran, &named);
	s = r == NULL ? PGRES_FATAL_ERROR : pq.resultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		*out = r;
		return DB_OK;
	}
	st = r == NULL ? NULL : pq.resultErrorField(r, PG_DIAG_SQLSTATE);
	if (st != NULL)
		(void)snprintf(db->state, sizeof(db->state), "%s", st);
	if (pq.status(db->conn) != CONNECTION_OK) {
		*lost = true;
		*safe = !ran || ended_by_server(db->state);
		conn_error(db->conn, "database connection lost", err);
		if (r != NULL)
			pq.clear(r);
		return DB_DOWN;
	}
	if (r == NULL)
		conn_error(db->conn, "database", err);
	else {
		/* The primary message: the statement's own words. */
		const char *m = pq.resultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

		err_set(err, "database: %s (SQLSTATE %s)",
		    m != NULL ? m : "error",
		    db->state[0] != '\0' ? db->state : "none");
		pq.clear(r);
	}
	if (named != NULL && stmt_stale(db->state)) {
		named->ready = false;
		*stale = true;
	}
	return DB_FAIL;
}

/* The parameters as libpq takes them: text in decimal for integers
 * (into nums, 24 bytes each), binary for bytea. */
static int
params_of(int n, const struct db_param *p, const char **vals, int *lens,
    int *fmts, char *nums, struct err *err)
{
	int i;

	for (i = 0; i < n; i++) {
		lens[i] = 0;
		fmts[i] = 0;
		switch (p[i].type) {
		case DBP_NULL_T:
			vals[i] = NULL;
			break;
		case DBP_TEXT_T:
			vals[i] = p[i].s;
			break;
		case DBP_BYTES_T:
			if (p[i].len > INT32_MAX) {
				err_set(err, "database: value too large");
				return -1;
			}
			/* A NULL with length 0 would be SQL NULL. */
			vals[i] = p[i].b != NULL ? p[i].b : "";
			lens[i] = (int)p[i].len;
			fmts[i] = 1;
			break;
		case DBP_INT_T:
			(void)snprintf(nums + 24 * i, 24, "%" PRId64, p[i].i);
			vals[i] = nums + 24 * i;
			break;
		}
	}
	return 0;
}

/* Runs the statement; a lost connection handled as DB_RETRY says, and
 * a stale prepared statement prepared again, when not inside a
 * transaction (in_tx: db_tx decides; the transaction is aborted). */
static enum db_rc
exec_retry(struct db *db, int flags, bool in_tx, const char *sql, int n,
    const char *const *vals, const int *lens, const int *fmts,
    PGresult **out, struct err *err)
{
	enum db_rc rc;
	bool lost, safe, stale;

	if (!in_tx && conn_ensure(db, err) == -1)
		return DB_DOWN;
	rc = exec_once(db, sql, n, vals, lens, fmts, out, &lost, &safe,
	    &stale, err);
	if (in_tx)
		return rc;
	if (rc == DB_FAIL && stale)	/* it did not run: once more */
		return exec_once(db, sql, n, vals, lens, fmts, out, &lost,
		    &safe, &stale, err);
	if (rc != DB_DOWN || !(safe || (flags & DB_RETRY)))
		return rc;
	/* Lost, and safe to run again: once, on a new connection. */
	if (conn_ensure(db, err) == -1)
		return DB_DOWN;
	return exec_once(db, sql, n, vals, lens, fmts, out, &lost, &safe,
	    &stale, err);
}

/* db_exec, with in_tx saying whether db_tx runs it. */
static enum db_rc
exec_params(struct db *db, int flags, bool in_tx, const char *sql, int n,
    const struct db_param *p, struct db_res **res, struct err *err)
{
	const char **vals = NULL;
	int *lens = NULL, *fmts = NULL;
	char *nums = NULL;
	PGresult *r = NULL;
	enum db_rc rc = DB_FAIL;

	if (res != NULL)
		*res = NULL;
	if (n < 0 || db == NULL) {
		err_set(err, "database: bad call");
		return DB_FAIL;
	}
	if (n > 0 && ((vals = calloc((size_t)n, sizeof(*vals))) == NULL ||
	    (lens = calloc((size_t)n, sizeof(*lens))) == NULL ||
	    (fmts = calloc((size_t)n, sizeof(*fmts))) == NULL ||
	    (nums = calloc((size_t)n, 24)) == NULL)) {
		err_set(err, "out of memory");
		goto done;
	}
	if (params_of(n, p, vals, lens, fmts, nums, err) == -1)
		goto done;
	rc = exec_retry(db, flags, in_tx, sql, n, vals, lens, fmts, &r, err);
	if (rc != DB_OK)
		goto done;
	if (res == NULL) {
		pq.clear(r);
	} else if ((*res = malloc(sizeof(**res))) == NULL) {
		pq.clear(r);
		err_set(err, "out of memory");
		rc = DB_FAIL;
	} else
		(*res)->r = r;
done:
	free(vals);
	free(lens);
	free(fmts);
	free(nums);
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
	enum db_rc rc;

	*commit_sent = false;
	if (conn_ensure(db, err) == -1)
		return DB_DOWN;
	if ((rc = exec_params(db, 0, true, "BEGIN", 0, NULL, NULL, err)) !=
	    DB_OK)
		return rc;
	if ((rc = fn(db, arg, err)) != DB_OK) {
		if (conn_usable(db) &&
		    pq.transactionStatus(db->conn) != PQTRANS_IDLE)
			(void)exec_params(db, 0, true, "ROLLBACK", 0, NULL,
			    NULL, NULL);
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
	if (commit_sent && !(flags & DB_RETRY) && !ended_by_server(db->state))
		return rc;	/* it may have committed: the caller knows */
	return tx_once(db, fn, arg, &commit_sent, err);
}

int
db_rows(const struct db_res *res)
{
	return res == NULL ? 0 : pq.ntuples(res->r);
}

const char *
db_text(const struct db_res *res, int row, int col)
{
	if (res == NULL || row < 0 || row >= pq.ntuples(res->r) ||
	    pq.getisnull(res->r, row, col))
		return NULL;
	return pq.getvalue(res->r, row, col);
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
	if ((raw = pq.unescapeBytea((const unsigned char *)s, &n)) == NULL)
		return NULL;
	if ((out = malloc(n + 1)) != NULL) {
		memcpy(out, raw, n);
		out[n] = '\0';
		*len = n;
	}
	pq.freemem(raw);
	return out;
}

long
db_affected(const struct db_res *res)
{
	const char *s;

	if (res == NULL || (s = pq.cmdTuples(res->r)) == NULL || *s == '\0')
		return 0;
	return strtol(s, NULL, 10);
}

void
db_res_free(struct db_res *res)
{
	if (res == NULL)
		return;
	pq.clear(res->r);
	free(res);
}
