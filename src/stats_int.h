/* stats_int.h: the layout of the shared counters file, for stats.c (the
 * counting), stats_file.c (open, check, map) and stats_snap.c (read). */
#ifndef HOOKLINE_STATS_INT_H
#define HOOKLINE_STATS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

#define STATS_MAGIC	"HLSTATS\n"	/* 8 bytes, no NUL */
#define STATS_LAYOUT	2u		/* bump on any change below */

/* Table sizes, fixed rows included. */
#define NEP		66	/* 0: (unknown), 1: (other), then 64 */
#define NREQ		257	/* 0: (other), then 256 */
#define NHOOK		257	/* 0: (other), then 256 */
#define NTGT		65	/* 0: (other), then 64 */
#define EP_UNKNOWN	0
#define EP_OTHER	1
#define ROW_OTHER	0

/* A slot's state: claimed with a compare-and-swap from EMPTY. A slot
 * left CLAIMING by a process that died there is skipped for ever (the
 * key may then appear twice: the reader adds such rows up). */
#define SLOT_EMPTY	0u
#define SLOT_CLAIMING	1u
#define SLOT_READY	2u

#define KEY_EP		68	/* STATS_NAME_MAX + NUL, rounded */
#define KEY_NAME	188	/* STATS_TARGET_MAX + NUL */

struct key {
	uint32_t	state;
	int32_t		num;		/* a request row's HTTP status */
	char		ep[KEY_EP];
	char		name[KEY_NAME];	/* hook, target or error code */
};

/* Hour buckets: (hour << HOUR_SHIFT) | count in one word, so that a
 * new hour replaces an old one's count with one compare-and-swap. */
#define HOUR_SHIFT	40
#define HOUR_COUNT	((UINT64_C(1) << HOUR_SHIFT) - 1)
#define HOUR_MASK	((UINT64_C(1) << 24) - 1)	/* hours kept in a word */

struct ep_row {
	struct key	k;
	uint64_t	sig_failures;
	uint64_t	duplicates;
	uint64_t	last;		/* (time << 8) | outcome; 0: none */
	uint64_t	hours[STATS_HOURS][STATS__NOUTCOME];
};

struct req_row {
	struct key	k;
	uint64_t	count;
};

struct hook_row {
	struct key	k;
	uint64_t	result[STATS__NRESULT];
	uint64_t	bucket[STATS_NBUCKET];
	uint64_t	sum_ms;
};

struct tgt_row {
	struct key	k;
	uint64_t	result[STATS__NRESULT];
};

/* One of the last deliveries. seq: 0 never written; odd: being written
 * (2n+1 by the n-th write); even 2n+2: the n-th write is complete. */
struct recent_slot {
	uint64_t	seq;
	int64_t		time;
	char		ep[KEY_EP];
	char		event[STATS_EVENT_MAX + 4];
	char		delivery[STATS_DELIVERY_MAX + 4];
	uint32_t	outcome;
	uint32_t	attempts;
	uint32_t	nhooks;
	uint32_t	more_hooks;
	struct {
		char	name[STATS_RECENT_HOOK_MAX + 1];
		int32_t	exit;
	} hooks[STATS_RECENT_HOOKS];
};

struct stats_file {
	char		magic[8];
	uint32_t	layout;
	uint32_t	size;		/* sizeof(struct stats_file) */
	int64_t		created;
	uint64_t	reloads;
	uint64_t	reload_failures;
	uint64_t	drain_runs;
	int64_t		drain_last;
	uint64_t	monitor_refused[STATS__NREFUSAL];	/* since layout 2 */
	uint64_t	recent_next;
	struct recent_slot recent[STATS_RECENT];
	struct ep_row	eps[NEP];
	struct req_row	reqs[NREQ];
	struct hook_row	hooks[NHOOK];
	struct tgt_row	tgts[NTGT];
};

struct stats {
	struct stats_file	*f;	/* the mapping */
	size_t			 size;
	bool			 rw;
};

/* stats_file.c: fills f as a new file's image (header, fixed rows);
 * also for the tests, which write files of other layouts with it. */
void	stats_file_init(struct stats_file *f, int64_t now);

#endif
