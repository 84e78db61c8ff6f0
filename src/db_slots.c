/* db_slots.c: max_running across hosts: slot i of a pool is the session
 * advisory lock (pool, i) in PostgreSQL, held by whoever runs a hook and
 * freed by the server when its connection ends. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "db_slots.h"

/*
 * Why advisory locks and not rows with a lease: a host that dies, or a
 * process killed with -9, closes its connection and the server drops
 * its locks at once, with no lease to wait out or renew while a hook
 * runs for an hour. The cost: a connection lost while a hook runs
 * frees its slot early. So the slots this process holds are kept in
 * a list (below), and when db.c opens a new session in place of a lost
 * one (db_on_reconnect), they are taken again there before anything
 * else runs on it. A slot another process took in between stays lost
 * (db_slot_lost() counts them): that run passes the bound, and the log
 * says so; the window is from the loss to this process's next
 * statement.
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

/*
 * The slots this process's connection (db_shared) holds (db_slot_try
 * took them and db_slot_release has not given them back), for taking
 * them again on a new session. Process state, as db.c's connection is: entries carry
 * the pid that took them, so a child of a fork (whose session is its
 * own) ignores its parent's. A process holds two at once (its
 * endpoint's and the global one) when it runs a hook: HELD_MAX is
 * ample; past it a slot is held but not re-taken after a loss.
 */
#define HELD_MAX	16
static struct held {
	pid_t	 pid;
	int32_t	 pool;
	int	 slot;
} held[HELD_MAX];
static size_t nheld;
static unsigned nlost;		/* lost and not re-taken (db_slot_lost) */
static bool retaking;		/* in retake(): a loss there is not nested */

static void
held_add(int32_t pool, int slot)
{
	if (nheld == HELD_MAX)
		return;
	held[nheld].pid = getpid();
	held[nheld].pool = pool;
	held[nheld].slot = slot;
	nheld++;
}

static void
held_drop(size_t i)
{
	held[i] = held[--nheld];
}

/* The slot, again, on this session: 1 got it, 0 another has it, or a
 * db_rc. */
static int
try_one(struct db *db, int32_t pool, int slot, struct err *err)
{
	struct db_param p[2];
	struct db_res *res = NULL;
	const char *got;
	enum db_rc rc;
	int r;

	p[0] = DBP_INT(pool);
	p[1] = DBP_INT(slot);
	if ((rc = db_exec(db, DB_RETRY, try_sql, 2, p, &res, err)) != DB_OK)
		return rc;
	/* No row: this session holds it already (not after a new one). */
	got = db_rows(res) == 1 ? db_text(res, 0, 0) : "t";
	r = got != NULL && got[0] == 't';
	db_res_free(res);
	return r;
}

/* db.c's call on a new session: the slots this process held are taken
 * again on it; those another process has taken meanwhile (or that the
 * server refuses now) are counted lost and forgotten. */
static void
retake(struct db *db)
{
	struct err err;
	size_t i = 0;

	if (retaking)
		return;
	retaking = true;
	while (i < nheld) {
		if (held[i].pid != getpid()) {
			held_drop(i);	/* a parent's, before a fork */
			continue;
		}
		if (try_one(db, held[i].pool, held[i].slot, &err) != 1) {
			nlost++;
			held_drop(i);
			continue;
		}
		i++;
	}
	retaking = false;
}

unsigned
db_slot_lost(void)
{
	unsigned n = nlost;

	nlost = 0;
	return n;
}

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
			if (db_is_shared(db)) {
				held_add(pool, (int)s);
				db_on_reconnect(retake);
			}
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

	size_t i;

	/* Not held any more, whatever follows: a slot given back while
	 * the database is away must not be taken again on its return. */
	for (i = 0; i < nheld; i++)
		if (held[i].pid == getpid() && held[i].pool == pool &&
		    held[i].slot == slot) {
			held_drop(i);
			break;
		}
	if (db == NULL || slot < 0)
		return DB_OK;
	p[0] = DBP_INT(pool);
	p[1] = DBP_INT(slot);
	return db_exec(db, DB_RETRY, unlock_sql, 2, p, NULL, err);
}
