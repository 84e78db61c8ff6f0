/* db_slots.h: max_running across hosts: session advisory locks in
 * PostgreSQL (the shared counterpart of slots.c's lock files, used when
 * `database` is set). */
#ifndef HOOKLINE_DB_SLOTS_H
#define HOOKLINE_DB_SLOTS_H

#include <stdint.h>

#include "db.h"
#include "err.h"

/* The lock key of a pool: the global one (endpoint NULL) or an
 * endpoint's own. */
int32_t	db_slot_pool(const char *endpoint);

/* One try at each of the n slots of pool, starting at start % n, without
 * waiting. Returns the slot held (0..n-1), -3 when all are taken, or
 * DB_FAIL / DB_DOWN with err. The slot is held by this process's
 * session: the server frees it when the connection ends (a crashed or
 * killed host, a lost connection). */
int	db_slot_try(struct db *db, int32_t pool, unsigned n, unsigned start,
	    struct err *err);

/* Gives slot of pool back (db NULL, the database away: only forgets
 * it, the lock went with the session). Returns a db_rc (a connection
 * lost since: the lock went with it). */
enum db_rc db_slot_release(struct db *db, int32_t pool, int slot,
	    struct err *err);

/* The slots this process holds on its connection (db_shared): when
 * that is found lost and a new session opened, they are taken
 * again on it before its first statement. This returns how many could
 * not be (another process took them in between: the bound was passed
 * while they ran) since the last call, and starts counting again. */
unsigned db_slot_lost(void);

#endif
