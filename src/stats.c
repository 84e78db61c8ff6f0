/* stats.c: counting into the shared counters file (stats.h): rows found
 * or claimed lock-free by name, atomic adds, hour buckets, the ring of
 * the last deliveries. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver_forward.h"
#include "stats_int.h"

const long stats_bucket_ms[STATS_NBUCKET - 1] = {
	10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000
};

#define ADD(p, n)	((void)__atomic_fetch_add((p), (n), __ATOMIC_RELAXED))

/* FNV-1a over the key's parts. */
static uint64_t
key_hash(int num, const char *ep, const char *name)
{
	uint64_t h = UINT64_C(14695981039346656037);
	const char *s;

	h = (h ^ (uint64_t)(uint32_t)num) * UINT64_C(1099511628211);
	for (s = ep; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	h = (h ^ 0xff) * UINT64_C(1099511628211);
	for (s = name; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

/* Compares a mapped key (whose bytes may be anything) with ours, whose
 * lengths were checked to fit. */
static int
key_eq(const struct key *k, int num, const char *ep, size_t eplen,
    const char *name, size_t namelen)
{
	return k->num == num && memcmp(k->ep, ep, eplen + 1) == 0 &&
	    memcmp(k->name, name, namelen + 1) == 0;
}

/*
 * The row of a table (rows of stride bytes, each starting with a struct
 * key; the first `fixed` are the fixed rows) for (num, ep, name): found,
 * or claimed from an empty slot with a compare-and-swap. NULL when the
 * names do not fit or no slot is left: the caller counts on its other
 * row. Never waits: a slot being claimed by another is passed over (the
 * same key may then land in two rows; the reader adds them up).
 */
static struct key *
row_find(void *table, size_t stride, size_t fixed, size_t n, int num,
    const char *ep, const char *name)
{
	size_t eplen = strlen(ep), namelen = strlen(name), i, m = n - fixed;
	uint64_t h;
	uint32_t state;
	struct key *k;

	if (eplen >= KEY_EP || namelen >= KEY_NAME)
		return NULL;
	h = key_hash(num, ep, name);
	for (i = 0; i < m; i++) {
		k = (struct key *)((char *)table + stride * (fixed +
		    (size_t)((h + i) % m)));
		state = __atomic_load_n(&k->state, __ATOMIC_ACQUIRE);
		if (state == SLOT_EMPTY) {
			if (__atomic_compare_exchange_n(&k->state, &state,
			    SLOT_CLAIMING, false, __ATOMIC_ACQ_REL,
			    __ATOMIC_ACQUIRE)) {
				k->num = num;
				memcpy(k->ep, ep, eplen + 1);
				memcpy(k->name, name, namelen + 1);
				__atomic_store_n(&k->state, SLOT_READY,
				    __ATOMIC_RELEASE);
				return k;
			}
		}
		if (state == SLOT_READY &&
		    key_eq(k, num, ep, eplen, name, namelen))
			return k;
	}
	return NULL;
}

static struct ep_row *
ep_row(struct stats_file *f, const char *endpoint)
{
	struct key *k;

	if (endpoint == NULL)
		return &f->eps[EP_UNKNOWN];
	k = row_find(f->eps, sizeof(f->eps[0]), 2, NEP, 0, endpoint, "");
	return k != NULL ? (struct ep_row *)k : &f->eps[EP_OTHER];
}

/* The row's endpoint name, copied out of the mapping with its bound:
 * whoever may write the spool may have scribbled over it. */
static const char *
ep_label(const struct ep_row *r, char buf[KEY_EP])
{
	size_t n = strnlen(r->k.ep, KEY_EP - 1);

	memcpy(buf, r->k.ep, n);
	buf[n] = '\0';
	return buf;
}

/* Adds one to an hour bucket: the current hour's count, or a new count
 * of 1 when the bucket still holds an older hour. */
static void
hour_add(uint64_t *w, uint64_t hour)
{
	uint64_t old = __atomic_load_n(w, __ATOMIC_RELAXED), new;

	do {
		if (old >> HOUR_SHIFT == hour && (old & HOUR_COUNT) <
		    HOUR_COUNT)
			new = old + 1;
		else if (old >> HOUR_SHIFT == hour)
			return;		/* saturated */
		else
			new = hour << HOUR_SHIFT | 1;
	} while (!__atomic_compare_exchange_n(w, &old, new, true,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* An endpoint's last delivery and hour bucket. Rejected requests count
 * in the hours but are no delivery. */
static void
ep_outcome(struct ep_row *r, enum stats_outcome o, int64_t now)
{
	uint64_t hour = (uint64_t)now / 3600;

	hour_add(&r->hours[hour % STATS_HOURS][o], hour & HOUR_MASK);
	if (o != STATS_REJECTED)
		__atomic_store_n(&r->last, (uint64_t)now << 8 | (uint64_t)o,
		    __ATOMIC_RELAXED);
}

static enum stats_result
hook_result(const struct hook_outcome *h, bool forward)
{
	if (!h->res.ran)
		return STATS_R_NOT_RUN;
	if (h->res.exited && h->res.exit_code == 0)
		return STATS_R_SUCCESS;
	if (h->res.timed_out)
		return STATS_R_TIMEOUT;
	if (forward && h->final)
		return STATS_R_REJECTED;
	return STATS_R_FAILURE;
}

/* A forward target's label: the URL forward_name() kept (no user or
 * password) without its query and fragment (tokens live there).
 * Returns 0, or -1 when it is empty or does not fit. */
static int
target_of(const char *name, char *buf, size_t size)
{
	size_t n = strcspn(name, "?#");

	if (n == 0 || n >= size)
		return -1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return 0;
}

static void
count_target(struct stats_file *f, const char *ep,
    const struct hook_outcome *h)
{
	char target[KEY_NAME];
	struct tgt_row *r;

	r = NULL;
	if (target_of(h->hook + strlen(FORWARD_PREFIX), target,
	    sizeof(target)) == 0)
		r = (struct tgt_row *)row_find(f->tgts, sizeof(f->tgts[0]), 1,
		    NTGT, 0, ep, target);
	if (r == NULL)
		r = &f->tgts[ROW_OTHER];
	ADD(&r->result[hook_result(h, true)], 1);
}

static void
count_hook(struct stats_file *f, const char *ep, const struct hook_outcome *h)
{
	struct hook_row *r;
	long ms = h->res.duration_ms;
	size_t b;

	r = (struct hook_row *)row_find(f->hooks, sizeof(f->hooks[0]), 1,
	    NHOOK, 0, ep, h->hook);
	if (r == NULL)
		r = &f->hooks[ROW_OTHER];
	ADD(&r->result[hook_result(h, false)], 1);
	if (!h->res.ran)
		return;
	if (ms < 0)
		ms = 0;
	for (b = 0; b < STATS_NBUCKET - 1 && ms > stats_bucket_ms[b]; b++)
		;
	ADD(&r->bucket[b], 1);
	ADD(&r->sum_ms, (uint64_t)ms);
}

static void
count_outcome(struct stats_file *f, const char *ep, const struct outcome *out)
{
	size_t i;

	for (i = 0; out != NULL && i < out->n; i++) {
		if (out->v[i].hook == NULL)
			continue;
		if (strncmp(out->v[i].hook, FORWARD_PREFIX,
		    strlen(FORWARD_PREFIX)) == 0)
			count_target(f, ep, &out->v[i]);
		else
			count_hook(f, ep, &out->v[i]);
	}
}

/* Copies s into dst (size bytes), printable ASCII only: anything else
 * becomes '?'. NULL gives "". */
static void
copy_printable(char *dst, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < size; i++)
		dst[i] = s[i] > ' ' && s[i] <= '~' ? s[i] : '?';
	dst[i] = '\0';
}

/* A hook's name for the ring: a forward target's without its query and
 * fragment, as in the metrics. */
static void
hook_label(char *dst, size_t size, const char *hook)
{
	size_t n = hook != NULL && strncmp(hook, FORWARD_PREFIX,
	    strlen(FORWARD_PREFIX)) == 0 ? strcspn(hook, "?#") : (size_t)-1;

	copy_printable(dst, n < size ? n + 1 : size, hook);
}

/* Appends one delivery to the ring of the last ones. Best effort: a slot
 * another writer is still filling (50 writes behind) is left to it. */
static void
recent_add(struct stats_file *f, const char *ep, const char *event,
    const char *delivery, enum stats_outcome o, unsigned attempts,
    const struct outcome *out, int64_t now)
{
	uint64_t n = __atomic_fetch_add(&f->recent_next, 1, __ATOMIC_RELAXED);
	struct recent_slot *s = &f->recent[n % STATS_RECENT];
	uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	size_t i, k = 0;

	if ((seq & 1) || !__atomic_compare_exchange_n(&s->seq, &seq,
	    2 * n + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->time = now;
	copy_printable(s->ep, sizeof(s->ep), ep);
	copy_printable(s->event, sizeof(s->event), event);
	copy_printable(s->delivery, sizeof(s->delivery), delivery);
	s->outcome = (uint32_t)o;
	s->attempts = attempts;
	s->more_hooks = 0;
	for (i = 0; out != NULL && i < out->n; i++) {
		if (k == STATS_RECENT_HOOKS) {
			s->more_hooks = 1;
			break;
		}
		hook_label(s->hooks[k].name, sizeof(s->hooks[k].name),
		    out->v[i].hook);
		s->hooks[k++].exit = out->v[i].res.exited ?
		    out->v[i].res.exit_code : -1;
	}
	s->nhooks = (uint32_t)k;
	__atomic_store_n(&s->seq, 2 * n + 2, __ATOMIC_RELEASE);
}

/* What a request's answer says became of it. */
static enum stats_outcome
request_outcome(const struct stats_request *r)
{
	const char *w = r->word != NULL ? r->word : "";

	if (strcmp(w, "duplicate") == 0)
		return STATS_DUPLICATE;
	if (strcmp(w, "accepted") == 0)
		return STATS_ACCEPTED;
	if (strcmp(w, "success") == 0)
		return STATS_SUCCESS;
	if (r->status >= 500)
		return STATS_FAILURE;
	if (r->status >= 400)
		return STATS_REJECTED;
	return STATS_IGNORED;	/* ignored, a challenge, a ping */
}

void
stats_request(struct stats *st, const struct stats_request *r)
{
	struct stats_file *f;
	struct ep_row *e;
	struct key *k;
	enum stats_outcome o;
	char ep[KEY_EP];
	int64_t now;

	if (st == NULL || !st->rw || r == NULL)
		return;
	f = st->f;
	now = (int64_t)time(NULL);
	e = ep_row(f, r->endpoint);
	o = request_outcome(r);
	(void)ep_label(e, ep);
	k = row_find(f->reqs, sizeof(f->reqs[0]), 1, NREQ, r->status, ep,
	    r->code != NULL ? r->code : "");
	ADD(k != NULL ? &((struct req_row *)k)->count :
	    &f->reqs[ROW_OTHER].count, 1);
	if (r->status == 401)
		ADD(&e->sig_failures, 1);
	if (o == STATS_DUPLICATE)
		ADD(&e->duplicates, 1);
	ep_outcome(e, o, now);
	count_outcome(f, ep, r->out);
	if (r->event != NULL && (o == STATS_SUCCESS || o == STATS_FAILURE ||
	    o == STATS_ACCEPTED))
		recent_add(f, ep, r->event, r->delivery, o, 0, r->out, now);
}

void
stats_attempt(struct stats *st, const struct spool_entry *e,
    const struct outcome *out)
{
	static const enum stats_outcome fate[] = {
		[FATE_PENDING] = STATS_RETRY,
		[FATE_DONE] = STATS_SUCCESS,
		[FATE_DEAD] = STATS_DEAD,
	};
	struct ep_row *r;
	enum stats_outcome o;
	char ep[KEY_EP];
	int64_t now;

	if (st == NULL || !st->rw || e == NULL ||
	    (unsigned)e->fate > FATE_DEAD)
		return;
	now = (int64_t)time(NULL);
	o = fate[e->fate];
	r = ep_row(st->f, e->endpoint != NULL ? e->endpoint : "");
	ep_outcome(r, o, now);
	(void)ep_label(r, ep);
	count_outcome(st->f, ep, out);
	recent_add(st->f, ep, e->event, e->id, o, e->attempts, out, now);
}

void
stats_drain(struct stats *st, int64_t when)
{
	if (st == NULL || !st->rw)
		return;
	ADD(&st->f->drain_runs, 1);
	__atomic_store_n(&st->f->drain_last, when, __ATOMIC_RELAXED);
}

void
stats_drain_pass(struct stats *st, int64_t when)
{
	if (st == NULL || !st->rw)
		return;
	__atomic_store_n(&st->f->drain_last, when, __ATOMIC_RELAXED);
}

void
stats_monitor_refused(struct stats *st, enum stats_refusal why)
{
	if (st == NULL || !st->rw || (unsigned)why >= STATS__NREFUSAL)
		return;
	ADD(&st->f->monitor_refused[why], 1);
}

void
stats_reload(struct stats *st, bool ok)
{
	if (st == NULL || !st->rw)
		return;
	ADD(ok ? &st->f->reloads : &st->f->reload_failures, 1);
}

const char *
stats_outcome_name(enum stats_outcome o)
{
	static const char *const names[] = {
		"success", "failure", "accepted", "retry", "dead",
		"duplicate", "ignored", "rejected"
	};

	return (unsigned)o < STATS__NOUTCOME ? names[o] : "?";
}

const char *
stats_result_name(enum stats_result r)
{
	static const char *const names[] = {
		"success", "failure", "timeout", "not_run", "rejected"
	};

	return (unsigned)r < STATS__NRESULT ? names[r] : "?";
}

const char *
stats_refusal_name(enum stats_refusal r)
{
	static const char *const names[] = { "token", "address" };

	return (unsigned)r < STATS__NREFUSAL ? names[r] : "?";
}
