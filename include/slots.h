/* slots.h: max_running, the bound on hooks running at once across every
 * hookline process of one host. */
#ifndef HOOKLINE_SLOTS_H
#define HOOKLINE_SLOTS_H

#include <limits.h>
#include <signal.h>

#include "conf.h"
#include "err.h"

/* What slot_acquire returns when conf->max_running is 0 (no bound). */
#define SLOT_UNBOUNDED	INT_MAX

/* Takes one of the max_running slots without waiting. Returns a held
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

#endif
