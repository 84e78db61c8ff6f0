/* db_drain.h: the drainer's loop with `database` set (db_drain.c):
 * due deliveries of any host claimed with a lease and run here. */
#ifndef HOOKLINE_DB_DRAIN_H
#define HOOKLINE_DB_DRAIN_H

#include <signal.h>

#include "conf.h"
#include "conf_watch.h"
#include "drain.h"
#include "err.h"

/* Drains the database's queue in mode (DRAIN_DUE: what is due now;
 * DRAIN_PENDING: until nothing is pending or running on any host;
 * DRAIN_FOLLOW: until *stop) in max_running processes (default 4, at
 * most 16), each claiming one delivery at a time and reloading *confp
 * through rl (may be NULL) between them. Stops when *stop turns
 * non-zero or the `database` key goes away. Returns how many attempts
 * this process (not its workers) made, or -1 with err when the
 * database stayed unreachable (DRAIN_DUE at once, DRAIN_PENDING after a
 * minute; DRAIN_FOLLOW keeps trying). */
int	db_drain_loop(struct reloader *rl, struct conf **confp,
	    enum drain_mode mode, volatile sig_atomic_t *stop,
	    struct err *err);

/* 1 when a delivery is pending or running on any host, or the
 * database cannot tell; 0 when none is. (drain_run's look after letting
 * its lock go: a kick that found the lock held relies on it.) */
int	db_drain_anything(const struct conf *conf);

#endif
