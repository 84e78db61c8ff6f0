/* db_slots.c: max_running across hosts: slot i of a pool is the session
 * advisory lock (pool, i) in PostgreSQL, held by whoever runs a hook and
 * freed by the server when its connection ends. */
#include <stdint.h>
#include <stdio.h>

#include "db_slots.h"

/*
 * Why advisory locks and not rows with a lease: a host that dies, or a
 * process killed with -9, closes its connection and the server drops
 * its locks at once, with no lease to wait out or renew while a hook
 * runs for an hour. The cost: a connection lost while a hook runs
 * frees its slot early (db.c opens a new session), so a bound may be
 * passed by that one run.
 *
 * The locks are the two-key form pg_try_advisory_lock(int4, int4): key 1
 * names the pool, key 2 the slot. Key 1 is FNV-1a of "hookline" and the
 * pool's name, folded to 31 bits: two endpoints whose names collide share
 * a pool (a smaller bound for both, never a larger one), and another
 * application using the same database's two-key locks with our keys
 * would take our slots. Pools are tried one statement per slot: a
 * statement locking in a WHERE clause could take more rows' locks than
 * it returns (PostgreSQL's advisory lock docs warn about exactly that).
 */
/* A session takes a lock it holds already once more (they stack), so a
 * process holding slot i would "get" it again: a slot this session
 * holds counts as taken (pg_locks: the two-key form is objsubid 2). No
 * row then; 't' or 'f' otherwise. */
static const char try_sql[] =
    "SELECT pg_try_advisory_lock($1::int4, $2::int4) "
    "WHERE NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
    "AND pid = pg_backend_pid() AND objsubid = 2 "
    "AND classid = $1::int4::oid AND objid = $2::int4::oid)";
static const char unlock_sql[] =
    "SELECT pg_advisory_unlock($1::int4, $2::int4)";

int32_t
db_slot_pool(const char *endpoint)
{
	static const char ns[] = "hookline max_running";
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)ns; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	/* The global pool: no name; an endpoint's: a NUL, then its name. */
	if (endpoint != NULL) {
		h *= 16777619u;
		for (p = (const unsigned char *)endpoint; *p != '\0'; p++)
			h = (h ^ *p) * 16777619u;
	}
	return (int32_t)(h & 0x7fffffffu);
}

int
db_slot_try(struct db *db, int32_t pool, unsigned n, unsigned start,
    struct err *err)
{
	struct db_param p[2];
	struct db_res *res;
	const char *got;
	enum db_rc rc;
	unsigned i, s;

	if (db == NULL || n == 0 || n > INT32_MAX) {
		err_set(err, "slots: bad arguments");
		return DB_FAIL;
	}
	for (i = 0; i < n; i++) {
		s = (start + i) % n;
		p[0] = DBP_INT(pool);
		p[1] = DBP_INT(s);
		res = NULL;
		/* DB_RETRY: a lock taken by a session that was then lost
		 * went with it; the retry on the new one takes its own. */
		if ((rc = db_exec(db, DB_RETRY, try_sql, 2, p, &res,
		    err)) != DB_OK)
			return rc;
		got = db_rows(res) == 1 ? db_text(res, 0, 0) : "";
		if (got != NULL && got[0] == 't') {
			db_res_free(res);
			return (int)s;
		}
		db_res_free(res);
		if (got == NULL) {
			err_set(err, "slots: pg_try_advisory_lock said NULL");
			return DB_FAIL;
		}
	}
	return -3;
}

enum db_rc
db_slot_release(struct db *db, int32_t pool, int slot, struct err *err)
{
	struct db_param p[2];

	if (db == NULL || slot < 0)
		return DB_OK;
	p[0] = DBP_INT(pool);
	p[1] = DBP_INT(slot);
	return db_exec(db, DB_RETRY, unlock_sql, 2, p, NULL, err);
}
