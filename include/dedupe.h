/* dedupe.h: delivery ids remembered across processes and restarts. */
#ifndef HOOKLINE_DEDUPE_H
#define HOOKLINE_DEDUPE_H

#include <time.h>

#include "err.h"

/* Records (endpoint, id) under dir (created if missing) unless it was
 * recorded within window seconds before now. Atomic across processes:
 * of many concurrent callers with one id exactly one gets 1.
 * Returns 1 (new, now recorded), 0 (duplicate), -1 (error, err). Now and
 * then removes records older than window. */
int	dedupe_claim(const char *dir, const char *endpoint, const char *id,
	    long window, time_t now, struct err *err);

/* Forgets (endpoint, id), so that the sender's retry of a delivery that
 * failed temporarily is run. Returns 0 or -1. */
int	dedupe_release(const char *dir, const char *endpoint, const char *id,
	    struct err *err);

#endif
