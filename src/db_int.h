/* db_int.h: between the PostgreSQL connection (db.c) and its pipeline
 * (db_pipe.c), the two halves of the only libpq user; not for other
 * modules. */
#ifndef HOOKLINE_DB_INT_H
#define HOOKLINE_DB_INT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db.h"
#include "err.h"

#define SQLSTATE_MAX	5
#define STMT_MAX	64	/* statements known per connection */
#define STMT_NAME_MAX	24	/* "hookline_" and a number */
#define NUM_MAX		24	/* an int64 in decimal, and its NUL */

/*
 * libpq's calls, resolved by db_load() (libpq is dlopen'ed, not
 * linked). The pipeline's (enterPipelineMode...) are libpq 14's: an
 * older libpq is refused with "libpq lacks PQ...".
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
	X(int, libVersion, (void)) \
	X(int, enterPipelineMode, (PGconn *)) \
	X(int, exitPipelineMode, (PGconn *)) \
	X(int, pipelineSync, (PGconn *)) \
	X(int, sendQueryParams, (PGconn *, const char *, int, const Oid *, \
	    const char *const *, const int *, const int *, int)) \
	X(int, sendPrepare, (PGconn *, const char *, const char *, int, \
	    const Oid *)) \
	X(int, sendQueryPrepared, (PGconn *, const char *, int, \
	    const char *const *, const int *, const int *, int)) \
	X(PGresult *, getResult, (PGconn *))

#define PQ_MEMBER(ret, name, args)	ret (*name) args;
struct db_pq {
	bool	loaded;
	PQ_CALLS(PQ_MEMBER)
};
#undef PQ_MEMBER

/* db.c's table: filled once by db_load(), then only read. */
extern struct db_pq db_pq;

/*
 * Prepared statements: a statement's text sent a second time on the
 * same connection is prepared there (named, Parse once) and executed
 * by name from then on, so that the server neither parses nor plans it
 * again. Not at its first use: a CGI process, or a command, that sends
 * each statement once pays no extra round trip. The names belong to
 * the connection (the server's session): the list is dropped with the
 * connection (db_conn_drop), so a new connection (a reconnect, a forked
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

/* Connected again when needed (never inside a transaction: the caller
 * decides). Returns 0, or -1 with err. */
int	db_conn_ensure(struct db *db, struct err *err);
/* Drops db->conn and its statements (the server rolls back what was
 * not committed). */
void	db_conn_drop(struct db *db);
/* libpq's message about c into err, after what, on one line. */
void	db_conn_error(const PGconn *c, const char *what, struct err *err);

/* The statement's slot on this connection, found or taken now (*first
 * set); NULL when the list is full (or out of memory): sent unnamed. */
struct stmt *db_stmt_of(struct db *db, const char *sql, bool *first);
/* s's next name ("hookline_N"), before it is prepared (again). */
void	db_stmt_name(struct db *db, struct stmt *s);
/* The SQLSTATE says a prepared statement was refused before it ran
 * (0A000, 26000): prepared again, it runs. */
bool	db_stmt_stale(const char *state);
/* The SQLSTATE says the server ended the session (57P...): what it
 * answered did not commit. */
bool	db_ended_by_server(const char *state);

/* r's SQLSTATE into db->state ("" when none). */
void	db_result_state(struct db *db, const PGresult *r);
/* The refusal r (NULL: libpq's own message) into err: "database:
 * MESSAGE (SQLSTATE X)". */
void	db_result_refused(struct db *db, const PGresult *r, struct err *err);

/* A statement's parameters as libpq takes them: n values, lengths and
 * formats, and the integers' text (n * NUM_MAX bytes). */
struct db_args {
	const char	**vals;
	int		 *lens;
	int		 *fmts;
	char		 *nums;
};

/* a made for n parameters (all NULL for none). Returns 0, or -1 with
 * err (nothing to free). */
int	db_args_new(struct db_args *a, int n, struct err *err);
void	db_args_free(struct db_args *a);
/* p (n of them; strings and bytes borrowed) into a. Returns 0, or -1
 * with err. */
int	db_params_of(int n, const struct db_param *p, struct db_args *a,
	    struct err *err);

/* What one try of a statement (or pipeline) found. */
struct db_try {
	bool	lost;	/* the connection went away (dropped) */
	bool	safe;	/* nothing committed: may run again anyway */
	bool	stale;	/* refused before running: may be sent again */
};

/* Runs fn(db, arg, &t, err) on a usable connection, then once more when
 * what it found allows (t.stale; t.lost and t.safe or DB_RETRY in
 * flags: on a new connection). fn returns a db_rc; each run starts
 * from scratch. */
enum db_rc db_try_run(struct db *db, int flags,
	    enum db_rc (*fn)(struct db *, void *, struct db_try *,
	    struct err *), void *arg, struct err *err);

#endif
