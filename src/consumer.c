/* consumer.c: a spooled delivery's consumers (hooks and forward
 * targets), each with its own state and schedule, and the delivery's
 * fate that follows from them. No I/O: the drainer and the commands
 * read and write the entry around these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "deliver_forward.h"
#include "run.h"

struct consumer *
consumer_find(const struct spool_entry *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->ncons; i++)
		if (strcmp(e->cons[i].name, name) == 0)
			return &e->cons[i];
	return NULL;
}

/* The consumer named name, added (pending, at the place in the schedule
 * a first-layout record left the delivery) when new; NULL when out of
 * memory or when there are too many. */
static struct consumer *
consumer_get(struct spool_entry *e, const char *name)
{
	struct consumer *c, *v;

	if ((c = consumer_find(e, name)) != NULL)
		return c;
	if (e->ncons >= SPOOL_CONS_MAX ||
	    (v = reallocarray(e->cons, e->ncons + 1, sizeof(*v))) == NULL)
		return NULL;
	e->cons = v;
	c = &v[e->ncons];
	memset(c, 0, sizeof(*c));
	if ((c->name = strdup(name)) == NULL)
		return NULL;
	c->failures = e->legacy_failures;
	e->ncons++;
	return c;
}

int
consumer_skip(const struct spool_entry *e, int64_t now, struct strlist *skip)
{
	size_t i;

	for (i = 0; i < e->ncons; i++)
		if ((e->cons[i].state != CONS_PENDING || e->cons[i].next > now) &&
		    strlist_add(skip, e->cons[i].name) == -1)
			return -1;
	return 0;
}

int
consumer_succeeded(struct spool_entry *e, const char *name)
{
	struct consumer *c;

	if ((c = consumer_get(e, name)) == NULL)
		return -1;
	if (c->state != CONS_SUCCEEDED)
		c->tries++;
	c->state = CONS_SUCCEEDED;
	free(c->error);
	c->error = NULL;
	return 0;
}

/* Why o failed, in a few words (a forward's why names its answer). */
static char *
failure_text(const struct hook_outcome *o)
{
	const struct run_result *r = &o->res;
	char *s = NULL;
	int n;

	if (o->why != NULL)
		return strdup(o->why);
	if (r->timed_out)
		n = asprintf(&s, "timed out");
	else if (!r->ran)
		n = asprintf(&s, "did not run");
	else if (r->exited)
		n = asprintf(&s, "exit %d", r->exit_code);
	else
		n = asprintf(&s, "killed by signal %d", r->signal);
	return n < 0 ? NULL : s;
}

/* One consumer's try: its new state and, when it waits, its next. */
static int
consumer_try(struct consumer *c, const struct conf *conf,
    const struct endpoint *ep, const struct hook_outcome *o, int64_t now)
{
	long delay;
	char *why;

	c->tries++;
	if (run_ok(&o->res)) {
		c->state = CONS_SUCCEEDED;
		free(c->error);
		c->error = NULL;
		return 0;
	}
	if ((why = failure_text(o)) == NULL)
		return -1;
	free(c->error);
	c->error = why;
	c->failures++;
	if (o->final) {
		c->state = CONS_FAILED;
		return 0;
	}
	delay = endpoint_retry_delay(conf, ep, c->failures);
	if (delay < 0) {
		c->state = CONS_EXHAUSTED;
		return 0;
	}
	/* A Retry-After longer than the schedule's wait wins. */
	if (o->retry_after > delay)
		delay = o->retry_after;
	c->state = CONS_PENDING;
	c->next = now + delay;
	return 0;
}

/* Drops the pending consumers due at began that out does not name: their
 * hook or target is gone from the configuration. */
static void
drop_vanished(struct spool_entry *e, const struct outcome *out, int64_t began)
{
	size_t i, j, k = 0;
	bool ran;

	for (i = 0; i < e->ncons; i++) {
		ran = false;
		for (j = 0; j < out->n && !ran; j++)
			ran = strcmp(out->v[j].hook, e->cons[i].name) == 0;
		if (!ran && e->cons[i].state == CONS_PENDING &&
		    e->cons[i].next <= began) {
			free(e->cons[i].name);
			free(e->cons[i].error);
			continue;
		}
		e->cons[k++] = e->cons[i];
	}
	e->ncons = k;
}

/* "hook NAME: WHY", or a forward's own why (it names itself). */
static int
set_error(struct spool_entry *e, const struct consumer *c, const char *text)
{
	char *s = NULL;

	if (c != NULL)
		text = c->error != NULL ? c->error : "failed";
	if (c != NULL && strncmp(c->name, FORWARD_PREFIX,
	    strlen(FORWARD_PREFIX)) != 0) {
		if (asprintf(&s, "hook %s: %s", c->name, text) < 0)
			return -1;
	} else if (text != NULL && (s = strdup(text)) == NULL)
		return -1;
	free(e->error);
	e->error = s;
	return 0;
}

const struct consumer *
consumer_culprit(const struct spool_entry *e)
{
	size_t i;

	for (i = 0; i < e->ncons; i++)
		if (e->cons[i].state == CONS_FAILED ||
		    e->cons[i].state == CONS_EXHAUSTED)
			return &e->cons[i];
	return NULL;
}

/* The first consumer of this attempt that failed, else the first one
 * pending that failed before: what the last error of a pending
 * delivery is. */
static const struct consumer *
last_failure(const struct spool_entry *e, const struct outcome *out)
{
	const struct consumer *c;
	size_t i;

	for (i = 0; i < out->n; i++)
		if (!run_ok(&out->v[i].res) &&
		    (c = consumer_find(e, out->v[i].hook)) != NULL)
			return c;
	for (i = 0; i < e->ncons; i++)
		if (e->cons[i].state == CONS_PENDING && e->cons[i].error)
			return &e->cons[i];
	return NULL;
}

int
consumer_settle(struct spool_entry *e, const struct conf *conf,
    const struct outcome *out, const char *run_error, int64_t began,
    int64_t now)
{
	/* The endpoint's own retry schedule, else the global one. */
	const struct endpoint *ep = e->endpoint == NULL ? NULL :
	    conf_endpoint(conf, e->endpoint);
	const struct consumer *why;
	struct consumer *c;
	int64_t next = 0;
	size_t i;
	long delay;
	bool pending = false, failed = false;
	int rc = 0;

	for (i = 0; i < out->n; i++) {
		failed = failed || !run_ok(&out->v[i].res);
		if ((c = consumer_get(e, out->v[i].hook)) == NULL ||
		    consumer_try(c, conf, ep, &out->v[i], now) == -1)
			rc = -1;
	}
	if (run_error == NULL && rc == 0)
		drop_vanished(e, out, began);
	if (failed || run_error != NULL)
		e->failures++;
	for (i = 0; i < e->ncons; i++)
		if (e->cons[i].state == CONS_PENDING) {
			if (!pending || e->cons[i].next < next)
				next = e->cons[i].next;
			pending = true;
		}
	if (run_error != NULL) {
		/* Its own schedule: the whole delivery waits, or is dead
		 * at its end. */
		e->errors++;
		delay = endpoint_retry_delay(conf, ep, e->errors);
		if (delay < 0) {
			e->fate = FATE_DEAD;
			e->finished = now;
			return set_error(e, NULL, run_error) == -1 ? -1 : rc;
		}
		if (!pending || now + delay < next)
			next = now + delay;
		pending = true;
	} else
		e->errors = 0;
	if (pending || rc == -1) {
		e->fate = FATE_PENDING;
		e->next = pending ? next : now;
		/* What could not run at all is told first. */
		why = run_error != NULL ? NULL : last_failure(e, out);
		if (set_error(e, why, run_error) == -1)
			rc = -1;
		return rc;
	}
	e->finished = now;
	why = consumer_culprit(e);
	e->fate = why != NULL ? FATE_DEAD : FATE_DONE;
	return set_error(e, why, NULL);
}

void
consumer_replay(struct spool_entry *e, bool all, int64_t now)
{
	size_t i;

	for (i = 0; i < e->ncons; i++) {
		if (!all && e->cons[i].state == CONS_SUCCEEDED)
			continue;
		e->cons[i].state = CONS_PENDING;
		e->cons[i].failures = 0;
		e->cons[i].next = now;
	}
	e->fate = FATE_PENDING;
	e->errors = 0;
	e->legacy_failures = 0;
	e->replays++;
	e->next = now;
	e->finished = 0;
	free(e->error);
	e->error = NULL;
}

void
consumer_due_now(struct spool_entry *e, int64_t now)
{
	size_t i;

	for (i = 0; i < e->ncons; i++)
		if (e->cons[i].state == CONS_PENDING && e->cons[i].next > now)
			e->cons[i].next = now;
	if (e->next > now)
		e->next = now;
}

size_t
consumer_count(const struct spool_entry *e, enum cons_state st)
{
	size_t i, n = 0;

	for (i = 0; i < e->ncons; i++)
		n += e->cons[i].state == st;
	return n;
}

const char *
consumer_word(const struct consumer *c)
{
	if (c->state == CONS_PENDING && c->failures > 0)
		return "retrying";
	return spool_cons_state_name(c->state);
}
