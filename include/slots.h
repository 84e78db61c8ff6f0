/* slots.h: max_running, the bound on hooks running at once across every
 * hookline process of one host, globally and per endpoint. */
#ifndef HOOKLINE_SLOTS_H
#define HOOKLINE_SLOTS_H

#include <limits.h>
#include <signal.h>

#include "conf.h"
#include "err.h"

/* What slot_acquire returns when conf->max_running is 0 (no bound). */
#define SLOT_UNBOUNDED	INT_MAX

/* slot_acquire, slot_wait and slot_release use this host's lock files
 * only; slots_take and slots_release follow `database` (db_slots.c).
 *
 * Takes one of the max_running slots without waiting. Returns a held
 * slot (>= 0, for slot_release; SLOT_UNBOUNDED when there is no bound),
 * or -1 when every slot is taken or the slots cannot be opened (the
 * request path answers 429 either way; err says which). A slot held by
 * a process that dies is free again at once. */
int	slot_acquire(const struct conf *conf, struct err *err);

/* The drainer's way: waits until a slot is free, or until *stop turns
 * non-zero (stop may be NULL). Returns a slot, or -1 on error or stop. */
int	slot_wait(const struct conf *conf, volatile sig_atomic_t *stop,
	    struct err *err);

/* Gives a slot back; -1 and SLOT_UNBOUNDED are fine. */
void	slot_release(int slot);

/* A delivery's places under max_running: one of its endpoint's own
 * (when the endpoint's section sets max_running; SLOT_UNBOUNDED if not)
 * and one of the global pool (SLOT_UNBOUNDED without a global bound).
 * The two are counted apart: a delivery needs both. */
struct slots {
	int			 ep;
	int			 all;
	const struct conf	*conf;		/* set by slots_take */
	const struct endpoint	*endpoint;
};

/* Takes both places, the endpoint's first: waits for it up to
 * ep_wait_ms, then for a global one up to all_wait_ms (0: one try; < 0:
 * until *stop turns non-zero; stop may be NULL). ep NULL: the global
 * pool only. Returns 0 with s held, or -1 with err ("busy: ..." when a
 * wait ran out, or why the slots cannot be used) and nothing held.
 * With conf->database set, the slots are counted across every host
 * sharing the database; while it cannot be reached, on this host. */
int	slots_take(const struct conf *conf, const struct endpoint *ep,
	    long ep_wait_ms, long all_wait_ms, volatile sig_atomic_t *stop,
	    struct slots *s, struct err *err);

/* Gives both back; fine on what slots_take left after a failure. */
void	slots_release(struct slots *s);

#endif
