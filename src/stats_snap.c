/* stats_snap.c: a copy of the shared counters for the readers (metrics,
 * health, status page, `hookline stats`); every byte of the file is
 * checked again here, since anyone who can write the spool can write it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats_int.h"

#define LOAD(p)	__atomic_load_n((p), __ATOMIC_RELAXED)

/* A name from the file: at most size - 1 bytes up to a NUL, printable
 * ASCII only (others '?'). */
static void
name_copy(char *dst, size_t size, const char *src, size_t srcsize)
{
	size_t i;

	for (i = 0; i + 1 < size && i < srcsize && src[i] != '\0'; i++)
		dst[i] = src[i] >= ' ' && src[i] <= '~' ? src[i] : '?';
	dst[i] = '\0';
}

/* A ready slot's key, copied; 0 when the slot holds none. */
static int
key_read(const struct key *k, char *ep, size_t epsize, char *name,
    size_t namesize, int *num)
{
	if (__atomic_load_n(&k->state, __ATOMIC_ACQUIRE) != SLOT_READY)
		return 0;
	name_copy(ep, epsize, k->ep, sizeof(k->ep));
	if (name != NULL)
		name_copy(name, namesize, k->name, sizeof(k->name));
	if (num != NULL)
		*num = k->num;
	return 1;
}

static void
ep_read(const struct ep_row *r, struct stats_ep_row *o, int64_t now)
{
	uint64_t hour = (uint64_t)now / 3600, h, w, last;
	size_t i, j;

	o->sig_failures += LOAD(&r->sig_failures);
	o->duplicates += LOAD(&r->duplicates);
	last = LOAD(&r->last);
	if ((int64_t)(last >> 8) > o->last_time &&
	    (last & 0xff) < STATS__NOUTCOME) {
		o->last_time = (int64_t)(last >> 8);
		o->last_outcome = (enum stats_outcome)(last & 0xff);
	}
	for (i = 0; i < STATS_HOURS && i <= hour; i++) {
		h = hour - i;
		for (j = 0; j < STATS__NOUTCOME; j++) {
			w = LOAD(&r->hours[h % STATS_HOURS][j]);
			if (w >> HOUR_SHIFT == (h & HOUR_MASK))
				o->hours[i][j] += w & HOUR_COUNT;
		}
	}
}

/* A row's key as the snapshot has it. */
struct rowkey {
	char	ep[STATS_NAME_MAX + 1];
	char	name[KEY_NAME];
	int	num;
};

/*
 * The row of the slot k among the *n rows read so far: the one with the
 * same key (read as key_read does: the name cut to namesize, num only
 * when by_num), or a new one (*n grows). A key found in two slots (a
 * claim cut short by a process that died) is one row: the caller adds
 * their counts. Returns the row's index and its key in keys[], or -1
 * when the slot holds no key.
 */
static long
row_of(const struct key *k, size_t namesize, bool by_num,
    struct rowkey *keys, size_t *n)
{
	struct rowkey r;
	size_t j;

	memset(&r, 0, sizeof(r));
	if (!key_read(k, r.ep, sizeof(r.ep), r.name, namesize,
	    by_num ? &r.num : NULL))
		return -1;
	for (j = 0; j < *n; j++)
		if (keys[j].num == r.num && strcmp(keys[j].ep, r.ep) == 0 &&
		    strcmp(keys[j].name, r.name) == 0)
			return (long)j;
	keys[j] = r;
	(*n)++;
	return (long)j;
}

static int
eps_read(const struct stats_file *f, struct stats_snap *s,
    struct rowkey *keys)
{
	size_t i;
	long j;

	if ((s->eps = calloc(NEP, sizeof(*s->eps))) == NULL)
		return -1;
	for (i = 0; i < NEP; i++) {
		if ((j = row_of(&f->eps[i].k, 1, false, keys, &s->neps)) < 0)
			continue;
		memcpy(s->eps[j].name, keys[j].ep, sizeof(s->eps[j].name));
		ep_read(&f->eps[i], &s->eps[j], s->now);
	}
	return 0;
}

static int
reqs_read(const struct stats_file *f, struct stats_snap *s,
    struct rowkey *keys)
{
	struct stats_req_row *o;
	size_t i;
	long j;

	if ((s->reqs = calloc(NREQ, sizeof(*s->reqs))) == NULL)
		return -1;
	for (i = 0; i < NREQ; i++) {
		if ((j = row_of(&f->reqs[i].k, sizeof(o->code), true, keys,
		    &s->nreqs)) < 0)
			continue;
		o = &s->reqs[j];
		memcpy(o->endpoint, keys[j].ep, sizeof(o->endpoint));
		memcpy(o->code, keys[j].name, sizeof(o->code));
		o->status = keys[j].num;
		o->count += LOAD(&f->reqs[i].count);
	}
	return 0;
}

static int
hooks_read(const struct stats_file *f, struct stats_snap *s,
    struct rowkey *keys)
{
	struct stats_hook_row *o;
	size_t i, k;
	long j;

	if ((s->hooks = calloc(NHOOK, sizeof(*s->hooks))) == NULL)
		return -1;
	for (i = 0; i < NHOOK; i++) {
		if ((j = row_of(&f->hooks[i].k, sizeof(o->hook), false, keys,
		    &s->nhooks)) < 0)
			continue;
		o = &s->hooks[j];
		memcpy(o->endpoint, keys[j].ep, sizeof(o->endpoint));
		memcpy(o->hook, keys[j].name, sizeof(o->hook));
		for (k = 0; k < STATS__NRESULT; k++)
			o->result[k] += LOAD(&f->hooks[i].result[k]);
		for (k = 0; k < STATS_NBUCKET; k++)
			o->bucket[k] += LOAD(&f->hooks[i].bucket[k]);
		o->sum_ms += LOAD(&f->hooks[i].sum_ms);
	}
	return 0;
}

static int
tgts_read(const struct stats_file *f, struct stats_snap *s,
    struct rowkey *keys)
{
	struct stats_target_row *o;
	size_t i, k;
	long j;

	if ((s->targets = calloc(NTGT, sizeof(*s->targets))) == NULL)
		return -1;
	for (i = 0; i < NTGT; i++) {
		if ((j = row_of(&f->tgts[i].k, sizeof(o->target), false, keys,
		    &s->ntargets)) < 0)
			continue;
		o = &s->targets[j];
		memcpy(o->endpoint, keys[j].ep, sizeof(o->endpoint));
		memcpy(o->target, keys[j].name, sizeof(o->target));
		for (k = 0; k < STATS__NRESULT; k++)
			o->result[k] += LOAD(&f->tgts[i].result[k]);
	}
	return 0;
}

/* One ring slot, when it holds a complete write that did not change
 * while it was copied. Returns its write number + 1, or 0. */
static uint64_t
recent_read(const struct recent_slot *slot, struct stats_recent *o)
{
	struct recent_slot c;
	uint64_t s1, s2;
	size_t i;

	s1 = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
	if (s1 == 0 || (s1 & 1))
		return 0;
	memcpy(&c, slot, sizeof(c));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
	if (s1 != s2 || c.outcome >= STATS__NOUTCOME)
		return 0;
	memset(o, 0, sizeof(*o));
	o->time = c.time;
	name_copy(o->endpoint, sizeof(o->endpoint), c.ep, sizeof(c.ep));
	name_copy(o->event, sizeof(o->event), c.event, sizeof(c.event));
	name_copy(o->delivery, sizeof(o->delivery), c.delivery,
	    sizeof(c.delivery));
	o->outcome = (enum stats_outcome)c.outcome;
	o->attempts = c.attempts;
	o->nhooks = c.nhooks < STATS_RECENT_HOOKS ? c.nhooks :
	    STATS_RECENT_HOOKS;
	o->more_hooks = c.more_hooks != 0;
	for (i = 0; i < o->nhooks; i++) {
		name_copy(o->hooks[i].name, sizeof(o->hooks[i].name),
		    c.hooks[i].name, sizeof(c.hooks[i].name));
		o->hooks[i].exit = c.hooks[i].exit;
	}
	return s1 / 2;
}

/* The ring, newest first. */
static void
recents_read(const struct stats_file *f, struct stats_snap *s)
{
	uint64_t seq[STATS_RECENT], k;
	struct stats_recent r;
	size_t i, j;

	for (i = 0; i < STATS_RECENT; i++) {
		if ((k = recent_read(&f->recent[i], &r)) == 0)
			continue;
		for (j = s->nrecent; j > 0 && seq[j - 1] < k; j--) {
			seq[j] = seq[j - 1];
			s->recent[j] = s->recent[j - 1];
		}
		seq[j] = k;
		s->recent[j] = r;
		s->nrecent++;
	}
}

int
stats_snapshot(struct stats *st, struct stats_snap **out, struct err *err)
{
	const struct stats_file *f;
	struct stats_snap *s;
	struct rowkey *keys = NULL;
	size_t i;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		err_set(err, "stats: out of memory");
		return -1;
	}
	s->now = (int64_t)time(NULL);
	if (st != NULL && st->f != NULL) {
		f = st->f;
		s->created = f->created;
		s->reloads = LOAD(&f->reloads);
		s->reload_failures = LOAD(&f->reload_failures);
		s->drain_runs = LOAD(&f->drain_runs);
		s->drain_last = LOAD(&f->drain_last);
		for (i = 0; i < STATS__NREFUSAL; i++)
			s->monitor_refused[i] = LOAD(&f->monitor_refused[i]);
		/* Room for the keys of the largest table, for each. */
		if ((keys = calloc(NHOOK > NREQ ? NHOOK : NREQ,
		    sizeof(*keys))) == NULL || eps_read(f, s, keys) != 0 ||
		    reqs_read(f, s, keys) != 0 || hooks_read(f, s, keys) != 0 ||
		    tgts_read(f, s, keys) != 0) {
			free(keys);
			stats_snap_free(s);
			err_set(err, "stats: out of memory");
			return -1;
		}
		free(keys);
		recents_read(f, s);
	}
	*out = s;
	return 0;
}

void
stats_snap_free(struct stats_snap *s)
{
	if (s == NULL)
		return;
	free(s->eps);
	free(s->reqs);
	free(s->hooks);
	free(s->targets);
	free(s);
}
