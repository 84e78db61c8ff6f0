/* attempt.c: one attempt at a claimed delivery: its due consumers run
 * (hooks, then forward targets), the run recorded, each consumer
 * settled, the entry moved on, and one log line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer.h"
#include "deliver.h"
#include "deliver_forward.h"
#include "drain_int.h"
#include "json.h"
#include "log.h"
#include "slots.h"
#include "spool.h"
#include "stats.h"

/* One log line for a delivery's attempt: each consumer it ran, with its
 * state now and the last LOG_TAIL_MAX bytes of its stdout and stderr,
 * as the sync path logs them. */
void
attempt_log(const struct spool_entry *e, const char *result,
    const struct outcome *out, long delay, const char *error)
{
	struct jval *rec, *hooks, *h;
	const struct run_result *r;
	const struct consumer *c;
	size_t i;

	if ((rec = log_start()) == NULL)
		return;
	(void)json_set_str(rec, "spool", e->name);
	(void)json_set_str(rec, "endpoint", e->endpoint);
	(void)json_set_str(rec, "event", e->event);
	(void)json_set_str(rec, "delivery", e->id);
	if (e->remote_addr != NULL)
		(void)json_set_str(rec, "remote_addr", e->remote_addr);
	(void)json_set_int(rec, "attempt", e->attempts);
	(void)json_set_str(rec, "result", result);
	if (delay >= 0)
		(void)json_set_int(rec, "retry_in", delay);
	if (e->interrupted > 0)
		(void)json_set_int(rec, "interrupted", e->interrupted);
	if (error != NULL)
		(void)json_set_str(rec, "error", error);
	if (out != NULL && (hooks = json_new_array()) != NULL) {
		for (i = 0; i < out->n; i++) {
			r = &out->v[i].res;
			if ((h = json_new_object()) == NULL)
				break;
			(void)json_set_str(h, "hook", out->v[i].hook);
			(void)json_set_int(h, "exit",
			    r->exited ? r->exit_code : -1);
			(void)json_set_int(h, "duration_ms", r->duration_ms);
			if (r->signal)
				(void)json_set_int(h, "signal", r->signal);
			if (r->timed_out)
				(void)json_set_bool(h, "timed_out", 1);
			if (out->v[i].why != NULL)
				(void)json_set_str(h, "refused",
				    out->v[i].why);
			if ((c = consumer_find(e, out->v[i].hook)) != NULL)
				(void)json_set_str(h, "state",
				    consumer_word(c));
			(void)log_set_tail(h, "stdout", r->out, r->out_len);
			(void)log_set_tail(h, "stderr", r->errout,
			    r->errout_len);
			(void)json_push(hooks, h);
		}
		(void)json_set(rec, "hooks", hooks);
	}
	log_record(rec);
	json_free(rec);
}

void
attempt_interrupted(const struct conf *conf, struct spool_entry *e,
    time_t now)
{
	struct spool_run *runs = NULL, r;
	size_t nruns = 0, i, j;
	int recorded = 0;

	if (spool_read_runs(conf->spool_dir, e->box, e->name, &runs, &nruns,
	    NULL) == 0) {
		for (i = 0; i < nruns; i++) {
			if (runs[i].attempt != e->running)
				continue;
			recorded = 1;
			for (j = 0; j < runs[i].n; j++)
				if (run_ok(&runs[i].v[j].res))
					(void)consumer_succeeded(e,
					    runs[i].v[j].hook);
		}
		spool_runs_free(runs, nruns);
	}
	if (!recorded) {
		memset(&r, 0, sizeof(r));
		r.attempt = e->running;
		r.started = e->started;
		r.duration_ms = e->started > 0 && now >= e->started ?
		    (long)(now - e->started) * 1000 : 0;
		r.interrupted = true;
		r.error = "interrupted: the drainer stopped during this attempt";
		(void)spool_write_run(conf->spool_dir, e->box, e->name, &r,
		    NULL);
	}
	/* Due at once: the consumers that attempt was running are due
	 * since before it began; those waiting stay as they are. */
	e->interrupted++;
	e->running = 0;
	e->next = now;
	e->fate = FATE_PENDING;
	attempt_log(e, "interrupted", NULL, 0,
	    "the drainer stopped during this attempt; it runs again");
}

void
drain_unclaim(const struct conf *conf, const char *name)
{
	struct err e2;

	if (spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_NEW, &e2) == -1)
		log_msg("error", "spool cur/%s: %s", name, e2.msg);
}

int64_t
attempt_now_up(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (int64_t)time(NULL) + 1;
	return (int64_t)ts.tv_sec + (ts.tv_nsec > 0);
}

/* Takes the slots (the endpoint's own max_running, then the global
 * one: async deliveries wait in the spool) and makes the attempt count,
 * durably. Returns 0; -1 when the entry was put back (stopped, or the
 * spool failed: *failed). */
static int
attempt_begin(const struct conf *conf, struct spool_entry *e,
    volatile sig_atomic_t *stop, struct slots *held, int *failed)
{
	struct err err;

	*failed = 0;
	if (e->running != 0)
		attempt_interrupted(conf, e, time(NULL));
	if (slots_take(conf, e->endpoint == NULL ? NULL :
	    conf_endpoint(conf, e->endpoint), -1, -1, stop, held, &err) != 0) {
		*failed = stop == NULL || !*stop;
		if (*failed)
			log_msg("error", "spool %s: %s", e->name, err.msg);
		drain_unclaim(conf, e->name);
		return -1;
	}
	e->attempts++;
	e->running = e->attempts;
	e->started = time(NULL);
	if (spool_write(conf->spool_dir, SPOOL_CUR, e->name, e, &err) == -1) {
		slots_release(held);
		log_msg("error", "spool cur/%s: %s", e->name, err.msg);
		drain_unclaim(conf, e->name);
		*failed = 1;
		return -1;
	}
	return 0;
}

int
attempt_consumers(const struct conf *conf, const struct spool_entry *e,
    const unsigned char *body, size_t body_len, int64_t began,
    struct resident *rs, struct forwarder **fw, struct outcome *out,
    struct err *err)
{
	struct forward_verdict fv;
	struct strlist skip = { NULL, 0 };
	struct delivery d;
	struct err ferr;
	const struct endpoint *ep;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	if (consumer_skip(e, began, &skip) == -1) {
		err_set(err, "out of memory");
		goto done;
	}
	if ((ep = conf_endpoint(conf, e->endpoint)) == NULL) {
		err_set(err, "no endpoint [%s] in the configuration",
		    e->endpoint);
		goto done;
	}
	d.endpoint = e->endpoint;
	d.event = e->event;
	d.id = e->id;
	d.remote_addr = e->remote_addr;
	d.content_type = e->content_type;
	d.body = body;
	d.body_len = body_len;
	d.attempt = e->attempts;
	d.resident = rs;
	rc = deliver_run(conf, ep, &d, &skip, out, err) == -1 ? -1 : 0;
	if (ep->forward.n > 0 && forward_delivery(fw, conf, ep, &d, &skip,
	    out, &fv, &ferr) == -1 && rc == 0) {
		*err = ferr;
		rc = -1;
	}
done:
	strlist_clear(&skip);
	return rc;
}

/* Runs e's consumers due at began, its body read from the spool. */
static int
run_consumers(const struct conf *conf, const struct spool_entry *e,
    int64_t began, struct resident *rs, struct forwarder **fw,
    struct outcome *out, struct err *err)
{
	unsigned char *body = NULL;
	size_t len = 0;
	int rc;

	if (spool_body(conf->spool_dir, SPOOL_CUR, e->name, &body, &len,
	    NULL, err) == -1)
		return -1;
	rc = attempt_consumers(conf, e, body, len, began, rs, fw, out, err);
	free(body);
	return rc;
}

void
attempt_run_of(const struct spool_entry *e, const struct outcome *out,
    const struct timespec *t0, const char *error, struct spool_run *run)
{
	struct timespec t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	memset(run, 0, sizeof(*run));
	run->attempt = e->attempts;
	run->started = e->started;
	run->duration_ms = (long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
	run->error = (char *)error;	/* borrowed */
	run->v = out->v;		/* borrowed: out keeps ownership */
	run->n = out->n;
}

/* Writes run.N: what this attempt did. */
static void
record_run(const struct conf *conf, const struct spool_entry *e,
    const struct outcome *out, const struct timespec *t0, const char *error)
{
	struct spool_run run;
	struct err err;

	attempt_run_of(e, out, t0, error, &run);
	if (spool_write_run(conf->spool_dir, SPOOL_CUR, e->name, &run,
	    &err) == -1)
		log_msg("error", "spool cur/%s: %s", e->name, err.msg);
}

/* Settles e after its attempt, writes its state, then moves it where
 * its fate says (a crash in between is finished by drain_recover() from
 * the state), and logs the attempt. Returns 1, or -1 on a spool error. */
static int
attempt_finish(const struct conf *conf, struct spool_entry *e,
    const struct outcome *out, const char *run_error, int64_t began)
{
	static const char *const results[] = { "retry", "done", "dead" };
	static const enum spool_box boxes[] = {
		SPOOL_NEW, SPOOL_DONE, SPOOL_DEAD
	};
	struct err err;
	int64_t now = attempt_now_up();
	long delay = -1;
	int rc = 1;

	e->running = 0;
	if (consumer_settle(e, conf, out, run_error, began, now) == -1)
		log_msg("error", "spool %s: out of memory; it runs again",
		    e->name);
	if (e->fate == FATE_PENDING)
		delay = e->next > now ? (long)(e->next - now) : 0;
	if (spool_write(conf->spool_dir, SPOOL_CUR, e->name, e, &err) == -1 ||
	    spool_move(conf->spool_dir, e->name, SPOOL_CUR, boxes[e->fate],
	    &err) == -1) {
		log_msg("error", "spool cur/%s: %s", e->name, err.msg);
		rc = -1;
	}
	attempt_log(e, results[e->fate], out, delay, e->error);
	stats_attempt(conf->stats, e, out);
	return rc;
}

int
attempt_run(const struct conf *conf, struct spool_entry *e, time_t now,
    volatile sig_atomic_t *stop, struct resident *rs)
{
	struct forwarder *fw = NULL;	/* libcurl only when there are targets */
	struct outcome out = { NULL, 0 };
	struct timespec t0;
	struct err err;
	int64_t began = (int64_t)now;
	struct slots held;
	int failed, rc;

	if (attempt_begin(conf, e, stop, &held, &failed) < 0)
		return failed ? -1 : 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	err.msg[0] = '\0';
	rc = run_consumers(conf, e, began, rs, &fw, &out, &err);
	slots_release(&held);
	record_run(conf, e, &out, &t0, rc == -1 ? err.msg : NULL);
	rc = attempt_finish(conf, e, &out, rc == -1 ? err.msg : NULL, began);
	outcome_free(&out);
	forwarder_free(fw);
	return rc;
}
