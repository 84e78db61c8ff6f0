/* db.h: the PostgreSQL connection (db.c and its pipeline, db_pipe.c,
 * the only libpq users): libpq loaded on first use, one connection kept
 * per process and opened again when lost, parameterised statements
 * only, results read as our own types. The schema lives in
 * db_schema.c (db_schema_* below). */
#ifndef HOOKLINE_DB_H
#define HOOKLINE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "err.h"

/* The schema this binary reads and writes (db_schema.c). */
#define DB_SCHEMA_VERSION	2

/* What a call returns. DB_FAIL: the server refused the statement (SQL
 * error, constraint; db_sqlstate() says which): running it again will
 * not help. DB_DOWN: the server could not be reached, or the
 * connection was lost and the statement was not (or could not safely
 * be) run again: a temporary failure (503 and Retry-After). */
enum db_rc {
	DB_OK = 0,
	DB_FAIL = -1,
	DB_DOWN = -2
};

/* Flags of db_exec() and db_tx(). DB_RETRY: running it twice does no
 * harm (a SELECT, an UPDATE that sets absolute values, an INSERT ...
 * ON CONFLICT DO NOTHING on a key we made): when the connection is
 * found lost, it is run once more on a new connection. Without it, a
 * statement is retried only when it was never sent (the connection was
 * found closed before sending it), and a transaction only when the
 * loss came before its COMMIT was sent (the server rolled it back). */
#define DB_RETRY	0x1

/* One connection. Opaque; owned by whoever opened it (db_open) or by
 * db.c (db_shared). */
struct db;
/* The rows of a statement. Opaque; db_res_free(). */
struct db_res;

/* A statement's parameter ($1, $2...). Sent as text, bytes as bytea
 * (binary). Built with the DBP_ macros; strings and bytes borrowed. */
enum db_ptype {
	DBP_NULL_T,
	DBP_TEXT_T,	/* NUL-terminated; NULL s is SQL NULL */
	DBP_BYTES_T,	/* len bytes at b, sent as binary bytea */
	DBP_INT_T	/* i, sent in decimal */
};

struct db_param {
	enum db_ptype	 type;
	const char	*s;
	const void	*b;
	size_t		 len;
	int64_t		 i;
};

#define DBP_NULL	((struct db_param){ .type = DBP_NULL_T })
#define DBP_TEXT(x)	((struct db_param){ .type = DBP_TEXT_T, .s = (x) })
#define DBP_BYTES(p, n)	((struct db_param){ .type = DBP_BYTES_T, \
			    .b = (p), .len = (n) })
#define DBP_INT(v)	((struct db_param){ .type = DBP_INT_T, \
			    .i = (int64_t)(v) })

/* 1 when this build can use PostgreSQL at all (the static build
 * cannot: it says so), else 0. Loads nothing. */
int	db_built_in(void);

/* Loads libpq once (dlopen of libpq.so.5). Returns 0, or -1 with err
 * ("this build has no PostgreSQL support", "cannot load libpq..."). */
int	db_load(struct err *err);

/* "libpq 15.5" into buf (size bytes), loading it; or what keeps it
 * from being used (for hookline version). */
void	db_lib_version(char *buf, size_t size);

/* A new connection to conninfo (a libpq URI or key=value string),
 * without the schema check. Returns it (db_close()), or NULL with err
 * (libpq missing, server unreachable, refused). err never holds the
 * password: libpq's messages do not quote it. */
struct db *db_open(const char *conninfo, struct err *err);
/* Closes it (when opened by this process; after a fork the child only
 * forgets it, so the parent's session lives on). db_close(NULL) does
 * nothing. */
void	db_close(struct db *db);

/* The process's connection to conf->database: opened on first use and
 * its schema version checked (a mismatch is DB_FAIL with a clear
 * message: "schema version 0 in the database, this hookline needs 1:
 * run hookline db migrate"), opened again when found lost or when the
 * process forked since. Owned by db.c: never db_close() it. Returns it,
 * or NULL with err and *rc (may be NULL) DB_DOWN or DB_FAIL. */
struct db *db_shared(const struct conf *conf, enum db_rc *rc,
	    struct err *err);
/* Closes the process's connection, if any (a drainer's exit, tests). */
void	db_shared_close(void);
/* fn (NULL: none) is called with the process's connection each time it
 * is a new session (db_shared opened it, or a statement found the old
 * one lost and opened another), before anything else runs on it: what
 * a lost session held (advisory locks) can be taken again there
 * (db_slots.c). fn may run statements on db. */
void	db_on_reconnect(void (*fn)(struct db *db));
/* true when db is the process's connection (db_shared's). */
bool	db_is_shared(const struct db *db);

/* Runs sql with n parameters (p) and, unless res is NULL, hands back
 * its rows (text results; bytea through db_bytes). Outside db_tx() each
 * statement is its own transaction, committed when this returns DB_OK
 * (with the server's synchronous_commit). See DB_RETRY. */
enum db_rc db_exec(struct db *db, int flags, const char *sql, int n,
	    const struct db_param *p, struct db_res **res, struct err *err);

/* Runs fn(db, arg, err) inside BEGIN ... COMMIT; fn returns a db_rc
 * (anything but DB_OK rolls back and is returned). A connection lost
 * before COMMIT was sent runs the whole transaction again once, on a
 * new connection (fn must start from scratch each time); lost during
 * COMMIT, only with DB_RETRY. */
enum db_rc db_tx(struct db *db, int flags,
	    enum db_rc (*fn)(struct db *db, void *arg, struct err *err),
	    void *arg, struct err *err);

/* One statement of db_pipeline(): sql with n parameters (p), as
 * db_exec takes them. res: NULL on the way in; with want_res, its rows
 * (db_res_free) when db_pipeline returns DB_OK. */
struct db_stmt {
	const char		*sql;
	int			 n;
	const struct db_param	*p;
	bool			 want_res;
	struct db_res		*res;
};

/* Runs the n statements as one transaction in one round trip (libpq's
 * pipeline mode: all sent, then one Sync, which commits them together;
 * the server's synchronous_commit as for db_exec). DB_OK: all
 * committed. DB_FAIL: the server refused one (*failed, may be NULL:
 * its index; db_sqlstate() its SQLSTATE; err its message): none
 * committed. DB_DOWN as db_exec; with DB_RETRY (each statement safe to
 * run twice) a connection lost on the way runs them all once more on a
 * new one. Prepared statements as db_exec uses them (by name from the
 * second use of a text on the connection). Outside db_tx() only. */
enum db_rc db_pipeline(struct db *db, int flags, struct db_stmt *s,
	    size_t n, size_t *failed, struct err *err);

/* 1 when conninfo carries a password (password=, user:pass@ in a URI),
 * 0 when not, -1 with err when libpq cannot be loaded or cannot read
 * it. (For hookline check: the password belongs in a passfile or the
 * service file.) */
int	db_conninfo_password(const char *conninfo, struct err *err);

/* The SQLSTATE of the last statement that failed on db ("23505": a
 * unique violation), or "" . */
const char *db_sqlstate(const struct db *db);

/* Rows, and the values in them (row and col from 0). db_text returns
 * NULL for SQL NULL; the string lives as long as res. db_int64 returns
 * 0, or -1 when NULL or not an integer. db_bytes decodes a bytea column
 * into a malloc'ed buffer (NUL-terminated, *len bytes; the caller frees
 * it), or NULL (NULL value, out of memory). db_affected: the rows an
 * INSERT/UPDATE/DELETE touched. */
int	db_rows(const struct db_res *res);
const char *db_text(const struct db_res *res, int row, int col);
int	db_int64(const struct db_res *res, int row, int col, int64_t *v);
unsigned char *db_bytes(const struct db_res *res, int row, int col,
	    size_t *len);
long	db_affected(const struct db_res *res);
void	db_res_free(struct db_res *res);

/* The schema (db_schema.c). */

/* The version stored in the database: *version 0 when there is no
 * hookline schema at all. Returns a db_rc. */
enum db_rc db_schema_version(struct db *db, int *version, struct err *err);
/* Creates the schema at DB_SCHEMA_VERSION when there is none; does
 * nothing when it is there at this version; DB_FAIL for another
 * version (migrate says what to do). */
enum db_rc db_schema_init(struct db *db, struct err *err);
/* Moves the schema from its version to DB_SCHEMA_VERSION, one step at a
 * time, each in a transaction; creates it when there is none. DB_FAIL
 * when the database's is newer than this binary's. *from (may be NULL)
 * gets the version found. */
enum db_rc db_schema_migrate(struct db *db, int *from, struct err *err);

#endif
