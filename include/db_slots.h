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

/* Gives slot of pool back. Returns a db_rc (a connection lost since:
 * the lock went with it). */
enum db_rc db_slot_release(struct db *db, int32_t pool, int slot,
	    struct err *err);

#endif
