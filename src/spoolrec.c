/* spoolrec.c: the spool's record files to and from bytes, read with the
 * suspicion due to a file anyone with write access may have touched. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

/*
 * A record is a sequence of fields, each
 *
 *	KEY SP LEN ":" VALUE LF
 *
 * KEY is 1 to 32 bytes of [a-z0-9_], LEN the decimal length of VALUE
 * without leading zeros, VALUE any bytes. The first field is
 * "hookline_spool 1:1" (the format's version). Lengths make binary
 * values (a hook's output) safe to store and cheap to read back; numbers
 * are stored as decimal text. Readers ignore keys they do not know.
 *
 * A state record of the second layout says "layout 1:2" and describes
 * each consumer with a "consumer NAME" field followed by its c_* fields;
 * it also keeps a "done NAME" field for each that succeeded, which is
 * all the first layout had (so a hookline of the first layout still
 * reads it). A record without "layout" is of the first layout.
 */
#define REC_MAGIC	"hookline_spool"
#define REC_VERSION	"1"
#define REC_LAYOUT	2	/* of the state record */
#define REC_KEY_MAX	32
#define REC_LEN_DIGITS	9

struct field {
	const char	*key;
	size_t		 keylen;
	const char	*val;
	size_t		 len;
};

/* Returns 1 with the next field in f, 0 at the end, -1 when malformed. */
static int
rec_next(const char *buf, size_t len, size_t *pos, struct field *f,
    struct err *err)
{
	size_t p = *pos, n = 0, digits = 0;

	if (p == len)
		return 0;
	f->key = buf + p;
	while (p < len && ((buf[p] >= 'a' && buf[p] <= 'z') ||
	    (buf[p] >= '0' && buf[p] <= '9') || buf[p] == '_'))
		p++;
	f->keylen = (size_t)(buf + p - f->key);
	if (f->keylen == 0 || f->keylen > REC_KEY_MAX || p == len ||
	    buf[p] != ' ') {
		err_set(err, "bad key at offset %zu", *pos);
		return -1;
	}
	p++;
	while (p < len && buf[p] >= '0' && buf[p] <= '9') {
		if (digits == 1 && n == 0) {
			err_set(err, "leading zero at offset %zu", p);
			return -1;
		}
		if (++digits > REC_LEN_DIGITS) {
			err_set(err, "length too long at offset %zu", p);
			return -1;
		}
		n = n * 10 + (size_t)(buf[p] - '0');
		p++;
	}
	if (digits == 0 || p == len || buf[p] != ':') {
		err_set(err, "bad length at offset %zu", p);
		return -1;
	}
	p++;
	if (n > len - p || len - p - n < 1 || buf[p + n] != '\n') {
		err_set(err, "value runs past the end at offset %zu", p);
		return -1;
	}
	f->val = buf + p;
	f->len = n;
	*pos = p + n + 1;
	return 1;
}

static int
key_is(const struct field *f, const char *k)
{
	return f->keylen == strlen(k) && memcmp(f->key, k, f->keylen) == 0;
}

/* A value that must be text: no NUL inside. */
static int
val_str(const struct field *f, char **out, struct err *err)
{
	char *s;

	if (memchr(f->val, '\0', f->len) != NULL) {
		err_set(err, "NUL byte in %.*s", (int)f->keylen, f->key);
		return -1;
	}
	if ((s = strndup(f->val, f->len)) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	free(*out);
	*out = s;
	return 0;
}

/* Binary value with its length; NUL-terminated for convenience. */
static int
val_bytes(const struct field *f, char **out, size_t *outlen, struct err *err)
{
	char *s;

	if ((s = malloc(f->len + 1)) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	memcpy(s, f->val, f->len);
	s[f->len] = '\0';
	free(*out);
	*out = s;
	*outlen = f->len;
	return 0;
}

/* A decimal integer in [min, max], strictly: optional '-', digits, no
 * leading zeros, nothing else. */
static int
val_int(const struct field *f, int64_t min, int64_t max, int64_t *out,
    struct err *err)
{
	size_t i = 0;
	int neg = 0;
	uint64_t n = 0, lim;

	if (f->len > 0 && f->val[0] == '-') {
		neg = 1;
		i = 1;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (i == f->len || (f->val[i] == '0' && f->len - i > 1))
		goto bad;
	for (; i < f->len; i++) {
		if (f->val[i] < '0' || f->val[i] > '9')
			goto bad;
		if (n > (lim - (uint64_t)(f->val[i] - '0')) / 10)
			goto bad;
		n = n * 10 + (uint64_t)(f->val[i] - '0');
	}
	if (neg) {
		if (n == 0)
			goto bad;
		*out = n == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)n;
	} else
		*out = (int64_t)n;
	if (*out < min || *out > max)
		goto bad;
	return 0;
bad:
	err_set(err, "bad number in %.*s", (int)f->keylen, f->key);
	return -1;
}

static int
val_uint(const struct field *f, unsigned *out, struct err *err)
{
	int64_t v;

	if (val_int(f, 0, UINT_MAX, &v, err) == -1)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
val_bool(const struct field *f, bool *out, struct err *err)
{
	int64_t v;

	if (val_int(f, 0, 1, &v, err) == -1)
		return -1;
	*out = v == 1;
	return 0;
}

/* The first field must name the format and its version. */
static int
rec_start(const char *buf, size_t len, size_t *pos, struct err *err)
{
	struct field f;

	if (rec_next(buf, len, pos, &f, err) != 1)
		goto bad;
	if (!key_is(&f, REC_MAGIC) || f.len != strlen(REC_VERSION) ||
	    memcmp(f.val, REC_VERSION, f.len) != 0)
		goto bad;
	return 0;
bad:
	err_set(err, "not a hookline spool record (version " REC_VERSION ")");
	return -1;
}

static const char *const fates[] = { "pending", "done", "dead" };

const char *
spool_fate_name(enum spool_fate f)
{
	return (size_t)f < sizeof(fates) / sizeof(fates[0]) ? fates[f] : "?";
}

/* A value that must be one of the n words: its index in *out. */
static int
val_word(const struct field *f, const char *const *words, size_t n,
    size_t *out, struct err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f->len == strlen(words[i]) &&
		    memcmp(f->val, words[i], f->len) == 0) {
			*out = i;
			return 0;
		}
	err_set(err, "bad %.*s", (int)f->keylen, f->key);
	return -1;
}

static int
val_fate(const struct field *f, enum spool_fate *out, struct err *err)
{
	size_t i;

	if (val_word(f, fates, sizeof(fates) / sizeof(fates[0]), &i,
	    err) == -1)
		return -1;
	*out = (enum spool_fate)i;
	return 0;
}

static const char *const cons_states[] = {
	"pending", "succeeded", "failed", "exhausted"
};

const char *
spool_cons_state_name(enum cons_state st)
{
	return (size_t)st < sizeof(cons_states) / sizeof(cons_states[0]) ?
	    cons_states[st] : "?";
}

static int
val_cons_state(const struct field *f, enum cons_state *out, struct err *err)
{
	size_t i;

	if (val_word(f, cons_states, sizeof(cons_states) /
	    sizeof(cons_states[0]), &i, err) == -1)
		return -1;
	*out = (enum cons_state)i;
	return 0;
}

void
spool_entry_free(struct spool_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	free(e->endpoint);
	free(e->event);
	free(e->id);
	free(e->remote_addr);
	free(e->content_type);
	free(e->error);
	for (i = 0; i < e->ncons; i++) {
		free(e->cons[i].name);
		free(e->cons[i].error);
	}
	free(e->cons);
	memset(e, 0, sizeof(*e));
}

/* Appends a consumer named by f's value (pending, nothing tried). */
static int
cons_field(const struct field *f, struct spool_entry *e, struct err *err)
{
	struct consumer *v;

	if (e->ncons >= SPOOL_CONS_MAX) {
		err_set(err, "too many consumers");
		return -1;
	}
	if ((v = reallocarray(e->cons, e->ncons + 1, sizeof(*v))) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	e->cons = v;
	memset(&v[e->ncons], 0, sizeof(*v));
	e->ncons++;
	return val_str(f, &v[e->ncons - 1].name, err);
}

/* The c_* fields: they describe the consumer last named. */
static int
cons_attr(const struct field *f, struct spool_entry *e, struct err *err)
{
	struct consumer *c;

	if (e->ncons == 0) {
		err_set(err, "%.*s before any consumer", (int)f->keylen,
		    f->key);
		return -1;
	}
	c = &e->cons[e->ncons - 1];
	if (key_is(f, "c_state"))
		return val_cons_state(f, &c->state, err);
	if (key_is(f, "c_tries"))
		return val_uint(f, &c->tries, err);
	if (key_is(f, "c_failures"))
		return val_uint(f, &c->failures, err);
	if (key_is(f, "c_next"))
		return val_int(f, 0, INT64_MAX, &c->next, err);
	if (key_is(f, "c_error"))
		return val_str(f, &c->error, err);
	return 0;
}

/* The first layout's "done NAME": a consumer that succeeded. */
static int
legacy_done(const struct field *f, struct spool_entry *e, struct err *err)
{
	if (cons_field(f, e, err) == -1)
		return -1;
	e->cons[e->ncons - 1].state = CONS_SUCCEEDED;
	e->cons[e->ncons - 1].tries = 1;
	return 0;
}

/* A record of the first layout: its failures counted since the last
 * replay and placed the whole delivery in the schedule; the consumers
 * not seen yet (every one but those that succeeded) start there. */
static void
legacy_upgrade(struct spool_entry *e)
{
	size_t i;

	e->legacy_failures = e->failures;
	for (i = 0; i < e->ncons; i++)
		e->cons[i].next = e->next;
}

int
spool_entry_decode(const char *buf, size_t len, struct spool_entry *e,
    struct err *err)
{
	struct field f;
	size_t pos = 0;
	int64_t v, layout = 1;
	int rc;

	memset(e, 0, sizeof(*e));
	if (len > SPOOL_STATE_MAX) {
		err_set(err, "state record too large");
		return -1;
	}
	if (rec_start(buf, len, &pos, err) == -1)
		goto fail;
	while ((rc = rec_next(buf, len, &pos, &f, err)) == 1) {
		if (key_is(&f, "endpoint"))
			rc = val_str(&f, &e->endpoint, err);
		else if (key_is(&f, "event"))
			rc = val_str(&f, &e->event, err);
		else if (key_is(&f, "id"))
			rc = val_str(&f, &e->id, err);
		else if (key_is(&f, "remote_addr"))
			rc = val_str(&f, &e->remote_addr, err);
		else if (key_is(&f, "content_type"))
			rc = val_str(&f, &e->content_type, err);
		else if (key_is(&f, "error"))
			rc = val_str(&f, &e->error, err);
		else if (key_is(&f, "layout")) {
			if (e->endpoint == NULL && e->ncons == 0)
				rc = val_int(&f, 1, REC_LAYOUT, &layout, err);
			else {
				err_set(err, "layout after the start");
				rc = -1;
			}
		} else if (key_is(&f, "done"))
			rc = layout == 1 ? legacy_done(&f, e, err) : 0;
		else if (key_is(&f, "consumer"))
			rc = layout == 1 ? 0 : cons_field(&f, e, err);
		else if (f.keylen > 2 && memcmp(f.key, "c_", 2) == 0)
			rc = layout == 1 ? 0 : cons_attr(&f, e, err);
		else if (key_is(&f, "fate"))
			rc = val_fate(&f, &e->fate, err);
		else if (key_is(&f, "attempts"))
			rc = val_uint(&f, &e->attempts, err);
		else if (key_is(&f, "failures"))
			rc = val_uint(&f, &e->failures, err);
		else if (key_is(&f, "running"))
			rc = val_uint(&f, &e->running, err);
		else if (key_is(&f, "interrupted"))
			rc = val_uint(&f, &e->interrupted, err);
		else if (key_is(&f, "replays"))
			rc = val_uint(&f, &e->replays, err);
		else if (key_is(&f, "errors"))
			rc = val_uint(&f, &e->errors, err);
		else if (key_is(&f, "body_len")) {
			if ((rc = val_int(&f, 0, INT64_MAX, &v, err)) == 0)
				e->body_len = (uint64_t)v;
		} else if (key_is(&f, "received"))
			rc = val_int(&f, 0, INT64_MAX, &e->received, err);
		else if (key_is(&f, "next"))
			rc = val_int(&f, 0, INT64_MAX, &e->next, err);
		else if (key_is(&f, "started"))
			rc = val_int(&f, 0, INT64_MAX, &e->started, err);
		else if (key_is(&f, "finished"))
			rc = val_int(&f, 0, INT64_MAX, &e->finished, err);
		if (rc == -1)
			goto fail;
	}
	if (rc == -1)
		goto fail;
	if (e->endpoint == NULL || e->event == NULL || e->id == NULL) {
		err_set(err, "state record lacks endpoint, event or id");
		goto fail;
	}
	if (layout == 1)
		legacy_upgrade(e);
	return 0;
fail:
	spool_entry_free(e);
	return -1;
}

void
spool_run_free(struct spool_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].hook);
		free(r->v[i].why);
		free(r->v[i].res.out);
		free(r->v[i].res.errout);
	}
	free(r->v);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

/* Fields that describe the hook last named by a "hook" field. */
static int
run_hook_field(const struct field *f, struct hook_outcome *h, struct err *err)
{
	struct run_result *res = &h->res;
	int64_t v;

	if (key_is(f, "ran"))
		return val_bool(f, &res->ran, err);
	if (key_is(f, "exited"))
		return val_bool(f, &res->exited, err);
	if (key_is(f, "timed_out"))
		return val_bool(f, &res->timed_out, err);
	if (key_is(f, "exit")) {
		if (val_int(f, INT_MIN, INT_MAX, &v, err) == -1)
			return -1;
		res->exit_code = (int)v;
		return 0;
	}
	if (key_is(f, "signal")) {
		if (val_int(f, 0, INT_MAX, &v, err) == -1)
			return -1;
		res->signal = (int)v;
		return 0;
	}
	if (key_is(f, "duration_ms")) {
		if (val_int(f, 0, LONG_MAX, &v, err) == -1)
			return -1;
		res->duration_ms = (long)v;
		return 0;
	}
	if (key_is(f, "why"))
		return val_str(f, &h->why, err);
	if (key_is(f, "out"))
		return val_bytes(f, &res->out, &res->out_len, err);
	if (key_is(f, "errout"))
		return val_bytes(f, &res->errout, &res->errout_len, err);
	return 0;
}

int
spool_run_decode(const char *buf, size_t len, struct spool_run *r,
    struct err *err)
{
	struct field f;
	struct hook_outcome *v;
	size_t pos = 0;
	int64_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len > SPOOL_RUN_MAX) {
		err_set(err, "run record too large");
		return -1;
	}
	if (rec_start(buf, len, &pos, err) == -1)
		goto fail;
	while ((rc = rec_next(buf, len, &pos, &f, err)) == 1) {
		if (key_is(&f, "hook")) {
			v = reallocarray(r->v, r->n + 1, sizeof(*v));
			if (v == NULL) {
				err_set(err, "out of memory");
				goto fail;
			}
			r->v = v;
			memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
			r->n++;
			rc = val_str(&f, &r->v[r->n - 1].hook, err);
		} else if (key_is(&f, "attempt"))
			rc = val_uint(&f, &r->attempt, err);
		else if (key_is(&f, "started"))
			rc = val_int(&f, 0, INT64_MAX, &r->started, err);
		else if (key_is(&f, "duration_ms")  && r->n == 0) {
			if ((rc = val_int(&f, 0, LONG_MAX, &n, err)) == 0)
				r->duration_ms = (long)n;
		} else if (key_is(&f, "interrupted"))
			rc = val_bool(&f, &r->interrupted, err);
		else if (key_is(&f, "error"))
			rc = val_str(&f, &r->error, err);
		else if (r->n > 0)
			rc = run_hook_field(&f, &r->v[r->n - 1], err);
		if (rc == -1)
			goto fail;
	}
	if (rc == -1)
		goto fail;
	if (r->attempt == 0) {
		err_set(err, "run record lacks its attempt");
		goto fail;
	}
	return 0;
fail:
	spool_run_free(r);
	return -1;
}

/* A growing output buffer; ok turns false at the first allocation
 * failure and every later call does nothing. */
struct obuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 ok;
};

static void
ob_add(struct obuf *b, const void *s, size_t n)
{
	size_t cap;
	char *p;

	if (!b->ok)
		return;
	if (n > SIZE_MAX - b->len - 1) {
		b->ok = false;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->ok = false;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ob_field(struct obuf *b, const char *key, const void *val, size_t n)
{
	char head[REC_KEY_MAX + 24];
	int w;

	if (n > 999999999) {	/* REC_LEN_DIGITS: the reader's bound */
		b->ok = false;
		return;
	}
	w = snprintf(head, sizeof(head), "%s %zu:", key, n);
	if (w < 0 || (size_t)w >= sizeof(head)) {
		b->ok = false;
		return;
	}
	ob_add(b, head, (size_t)w);
	ob_add(b, val, n);
	ob_add(b, "\n", 1);
}

static void
ob_str(struct obuf *b, const char *key, const char *s)
{
	if (s != NULL)
		ob_field(b, key, s, strlen(s));
}

static void
ob_int(struct obuf *b, const char *key, int64_t v)
{
	char num[24];
	int w;

	w = snprintf(num, sizeof(num), "%lld", (long long)v);
	if (w < 0 || (size_t)w >= sizeof(num)) {
		b->ok = false;
		return;
	}
	ob_field(b, key, num, (size_t)w);
}

static char *
ob_finish(struct obuf *b, size_t *len)
{
	if (!b->ok) {
		free(b->p);
		return NULL;
	}
	*len = b->len;
	return b->p;
}

char *
spool_entry_encode(const struct spool_entry *e, size_t *len)
{
	struct obuf b = { NULL, 0, 0, true };
	const struct consumer *c;
	size_t i;

	ob_str(&b, REC_MAGIC, REC_VERSION);
	ob_int(&b, "layout", REC_LAYOUT);
	ob_str(&b, "endpoint", e->endpoint);
	ob_str(&b, "event", e->event);
	ob_str(&b, "id", e->id);
	ob_str(&b, "remote_addr", e->remote_addr);
	ob_str(&b, "content_type", e->content_type);
	ob_int(&b, "body_len", (int64_t)e->body_len);
	ob_int(&b, "received", e->received);
	ob_str(&b, "fate", spool_fate_name(e->fate));
	ob_int(&b, "attempts", e->attempts);
	ob_int(&b, "failures", e->failures);
	ob_int(&b, "running", e->running);
	ob_int(&b, "interrupted", e->interrupted);
	ob_int(&b, "replays", e->replays);
	ob_int(&b, "next", e->next);
	ob_int(&b, "started", e->started);
	ob_int(&b, "finished", e->finished);
	ob_int(&b, "errors", e->errors);
	ob_str(&b, "error", e->error);
	for (i = 0; i < e->ncons; i++)
		if (e->cons[i].state == CONS_SUCCEEDED)
			ob_str(&b, "done", e->cons[i].name);
	for (i = 0; i < e->ncons; i++) {
		c = &e->cons[i];
		ob_str(&b, "consumer", c->name);
		ob_str(&b, "c_state", spool_cons_state_name(c->state));
		ob_int(&b, "c_tries", c->tries);
		ob_int(&b, "c_failures", c->failures);
		ob_int(&b, "c_next", c->next);
		ob_str(&b, "c_error", c->error);
	}
	return ob_finish(&b, len);
}

char *
spool_run_encode(const struct spool_run *r, size_t *len)
{
	struct obuf b = { NULL, 0, 0, true };
	const struct run_result *res;
	size_t i;

	ob_str(&b, REC_MAGIC, REC_VERSION);
	ob_int(&b, "attempt", r->attempt);
	ob_int(&b, "started", r->started);
	ob_int(&b, "duration_ms", r->duration_ms);
	ob_int(&b, "interrupted", r->interrupted);
	ob_str(&b, "error", r->error);
	for (i = 0; i < r->n; i++) {
		res = &r->v[i].res;
		ob_str(&b, "hook", r->v[i].hook ? r->v[i].hook : "");
		ob_int(&b, "ran", res->ran);
		ob_int(&b, "exited", res->exited);
		ob_int(&b, "exit", res->exit_code);
		ob_int(&b, "signal", res->signal);
		ob_int(&b, "timed_out", res->timed_out);
		ob_int(&b, "duration_ms", res->duration_ms);
		ob_str(&b, "why", r->v[i].why);
		if (res->out != NULL)
			ob_field(&b, "out", res->out, res->out_len);
		if (res->errout != NULL)
			ob_field(&b, "errout", res->errout, res->errout_len);
	}
	return ob_finish(&b, len);
}
