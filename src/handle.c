/* handle.c: one request's way through hookline: the contract's checks in
 * order, then the hooks (sync) or the spool (async), the answer, the log. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "cidr.h"
#include "db_dedupe.h"
#include "db_slots.h"
#include "db_spill.h"
#include "dedupe.h"
#include "deliver.h"
#include "drain.h"
#include "handle.h"
#include "log.h"
#include "monitor.h"
#include "payload.h"
#include "request.h"
#include "route.h"
#include "slots.h"
#include "spool.h"
#include "stats.h"
#include "verify.h"

#define RETRY_AFTER	30	/* seconds, for 429 and 503 */

/* Where the delivery id was recorded (ctx.claimed). */
enum {
	CLAIM_NONE,
	CLAIM_LOCAL,		/* spool_dir/seen (dedupe.c) */
	CLAIM_SHARED		/* the database (db_dedupe.c) */
};

/* Everything one request owns; torn down in one place. */
struct ctx {
	const struct conf	*conf;
	struct resident		*rs;		/* borrowed; may be NULL */
	struct kicker		*kick;		/* borrowed; may be NULL */
	struct request		 req;
	const struct endpoint	*ep;
	struct payload		 pl;
	struct answer		 ans;
	struct jval		*rec;		/* the log line */
	struct outcome		 out;
	char			 addr[INET6_ADDRSTRLEN];
	char			 id[64];	/* generated delivery id */
	const char		*delivery;	/* sender's or generated */
	char			*media;		/* canonical content type */
	int			 claimed;	/* dedupe record made: CLAIM_* */
	char			 token[DB_DEDUPE_TOKEN_MAX]; /* shared claim's */
	struct batch		*batch;		/* borrowed; NULL: never held */
	struct delivery		 held;		/* the delivery held, if so */
	struct err		 err;
};

/* A step's "stop here, not answered": the delivery is held (run_async_db)
 * to be stored with the batch (handle_store_held). Not an HTTP status. */
#define HELD	1

/* A failed check: answer {"status":"error","error":code}, log why. */
static int
refuse(struct ctx *c, int http, const char *code)
{
	int e = errno;

	/* Every internal_error says why in the log, even when the step
	 * that failed filled no error: what errno was then (ENOMEM, mostly).
	 * (hook_failed's why is in the hooks' exits.) */
	if (http == 500 && code == NULL && c->err.msg[0] == '\0')
		err_set(&c->err, "internal error: %s", strerror(e));
	if (answer_error(&c->ans, http, code ? code : answer_code(http)) != 0)
		c->ans.status = http;
	if (c->err.msg[0] != '\0')
		(void)json_set_str(c->rec, "reason", c->err.msg);
	return http;
}

static int
check_method(struct ctx *c)
{
	if (c->req.method == NULL || strcmp(c->req.method, "POST") != 0)
		return refuse(c, 405, NULL);
	return 0;
}

static int
check_endpoint(struct ctx *c)
{
	if (c->req.endpoint == NULL ||
	    (c->ep = conf_endpoint(c->conf, c->req.endpoint)) == NULL)
		return refuse(c, 404, NULL);
	(void)json_set_str(c->rec, "endpoint", c->ep->name);
	return 0;
}

static int
check_length(struct ctx *c)
{
	int status = request_parse_length(c->req.io->param(c->req.io->ctx,
	    "CONTENT_LENGTH"), c->conf->max_body, &c->req.content_length);

	if (status == 400) {
		err_set(&c->err, "CONTENT_LENGTH is not a decimal number");
		return refuse(c, 400, "invalid_length");
	}
	if (status != 0)
		return refuse(c, status, NULL);
	(void)json_set_int(c->rec, "size", (int64_t)c->req.content_length);
	return 0;
}

static int
check_addr(struct ctx *c)
{
	const char *xff = header_get(&c->req.headers, "X-Forwarded-For");

	if (c->req.remote_addr == NULL || client_addr(c->req.remote_addr,
	    c->conf->trusted_proxies.n ? xff : NULL,
	    &c->conf->trusted_proxies, c->addr, sizeof(c->addr)) != 0) {
		c->addr[0] = '\0';
		if (c->ep->allow_ip.n > 0) {
			err_set(&c->err, "client address does not parse");
			return refuse(c, 403, NULL);
		}
		return 0;
	}
	(void)json_set_str(c->rec, "remote_addr", c->addr);
	if (c->ep->allow_ip.n > 0 && !cidrlist_match(&c->ep->allow_ip,
	    c->addr)) {
		err_set(&c->err, "address not in allow_ip");
		return refuse(c, 403, NULL);
	}
	return 0;
}

static int
read_body(struct ctx *c)
{
	int status = request_read_body(&c->req);

	if (status == 400) {
		err_set(&c->err, "body shorter than CONTENT_LENGTH");
		return refuse(c, 400, "incomplete_body");
	}
	if (status == 408) {
		err_set(&c->err, "body not complete within body_timeout "
		    "(%u s): %zu of %zu bytes", c->conf->body_timeout,
		    c->req.body_len, c->req.content_length);
		return refuse(c, 408, NULL);
	}
	return status ? refuse(c, status, NULL) : 0;
}

static int
check_signature(struct ctx *c)
{
	struct verify_input in = {
		.headers = &c->req.headers,
		.body = c->req.body,
		.body_len = c->req.body_len,
		.content_type = c->req.content_type,
		.query_string = c->req.io->param(c->req.io->ctx, "QUERY_STRING"),
		.now = time(NULL),
	};

	if (verify_request(c->ep, &in, &c->err) != 0)
		return refuse(c, 401, NULL);
	return 0;
}

static int
check_payload(struct ctx *c)
{
	int status = payload_parse(c->ep, &c->req.headers,
	    c->req.content_type, c->req.body, c->req.body_len, &c->pl, &c->err);

	if (status == 400 && c->pl.field != NULL) {
		refuse(c, 400, "missing_field");
		(void)json_set_str(c->ans.body, "field", c->pl.field);
		return 400;
	}
	if (status != 0)
		return refuse(c, status, NULL);
	c->media = content_type_media(c->req.content_type);
	return 0;
}

static int
check_event(struct ctx *c)
{
	if (c->pl.challenge != NULL) {
		/* Slack's url_verification: echo the challenge, run nothing. */
		if (answer_init(&c->ans, 200, "ok") != 0)
			return refuse(c, 500, NULL);
		(void)json_set_str(c->ans.body, "challenge", c->pl.challenge);
		return 200;
	}
	if (c->pl.event == NULL || !event_name_valid(c->pl.event)) {
		err_set(&c->err, "event name refused");
		return refuse(c, 400, "invalid_event");
	}
	(void)json_set_str(c->rec, "event", c->pl.event);
	if (c->pl.discord_ping) {
		/* Interaction PING wants {"type":1}; event PING a 204. */
		answer_free(&c->ans);
		c->ans.status = c->pl.discord_ping == 1 ? 200 : 204;
		if (c->pl.discord_ping == 1 &&
		    ((c->ans.body = json_new_object()) == NULL ||
		    json_set_int(c->ans.body, "type", 1) != 0))
			return refuse(c, 500, NULL);
		return c->ans.status;
	}
	if (c->pl.delivery != NULL) {
		if (!delivery_id_valid(c->pl.delivery)) {
			err_set(&c->err, "delivery id is not 1-128 printable "
			    "ASCII bytes");
			return refuse(c, 400, "invalid_delivery");
		}
		c->delivery = c->pl.delivery;
	} else {
		if (delivery_id_new(c->id, sizeof(c->id)) != 0) {
			err_set(&c->err, "cannot make a delivery id: %s",
			    strerror(errno));
			return refuse(c, 500, NULL);
		}
		c->delivery = c->id;
	}
	(void)json_set_str(c->rec, "delivery", c->delivery);
	return 0;
}

/* Hooks that exist for this event now; -1 when the folder is unreadable. */
static int
hook_count(struct ctx *c)
{
	struct strlist hooks = { 0 };
	int n;

	if (route_resolve(c->ep->hooks_dir, c->pl.event, &hooks, &c->err) != 0)
		return -1;
	n = (int)hooks.n;
	strlist_clear(&hooks);
	return n;
}

static int
answer_ignored(struct ctx *c)
{
	if (answer_init(&c->ans, 200, "ignored") != 0)
		return refuse(c, 500, NULL);
	(void)json_set_str(c->ans.body, "event", c->pl.event);
	return 200;
}

/* 0 when a hook or forward target will take the delivery; else the
 * status of the answer made (200 ignored, 500). */
static int
check_consumers(struct ctx *c)
{
	int n = hook_count(c);

	if (n < 0)
		return refuse(c, 500, NULL);
	if (n == 0 && c->ep->forward.n == 0)
		return answer_ignored(c);
	return 0;
}

static char *
seen_dir(const struct conf *conf)
{
	char *s;

	return asprintf(&s, "%s/seen", conf->spool_dir) < 0 ? NULL : s;
}

static int
answer_duplicate(struct ctx *c)
{
	if (answer_init(&c->ans, 200, "duplicate") != 0)
		return refuse(c, 500, NULL);
	(void)json_set_str(c->ans.body, "delivery", c->delivery);
	return 200;
}

/* The id recorded in this host's spool_dir/seen: 1, 0, -1 (dedupe.c). */
static int
claim_local(struct ctx *c)
{
	char *dir;
	int rc;

	if ((dir = seen_dir(c->conf)) == NULL) {
		err_set(&c->err, "out of memory");
		return -1;
	}
	rc = dedupe_claim(dir, c->ep->name, c->delivery,
	    c->conf->dedupe_window, time(NULL), &c->err);
	free(dir);
	if (rc == 1)
		c->claimed = CLAIM_LOCAL;
	return rc;
}

/* The id recorded in the database, for every host: 1, 0, -1. (An async
 * delivery's is recorded by db_accept, in the statement that stores
 * it.) */
static int
claim_shared(struct ctx *c)
{
	int rc = db_dedupe_claim_conf(c->conf, c->ep->name, c->delivery,
	    c->token, &c->err);

	if (rc == 1)
		c->claimed = CLAIM_SHARED;
	return rc < 0 ? -1 : rc;
}

static int
check_duplicate(struct ctx *c)
{
	int rc;

	if (c->pl.delivery == NULL)
		return 0;	/* ours, so new */
	/* Nothing would run: answer before writing a durable record. */
	if ((rc = check_consumers(c)) != 0)
		return rc;
	if (c->conf->database != NULL && c->ep->mode == MODE_ASYNC)
		return 0;	/* db_accept claims it */
	rc = c->conf->database != NULL ? claim_shared(c) : claim_local(c);
	if (rc == 0)
		return answer_duplicate(c);
	if (rc < 0) {
		/* Async must not accept what it cannot keep; sync can run. */
		if (c->ep->mode == MODE_ASYNC) {
			c->ans.retry_after = RETRY_AFTER;
			return refuse(c, 503, NULL);
		}
		log_msg("warning", "duplicate check skipped: %s", c->err.msg);
		c->err.msg[0] = '\0';
		return 0;
	}
	return 0;
}

static void
delivery_of(const struct ctx *c, struct delivery *d)
{
	*d = (struct delivery){
		.endpoint = c->ep->name,
		.event = c->pl.event,
		.id = c->delivery,
		.remote_addr = c->addr,
		.content_type = c->media,
		.body = c->req.body,
		.body_len = c->req.body_len,
		.attempt = 1,
		.resident = c->rs,
	};
}

/* Stored: a drainer started, and 202. */
static int
answer_accepted(struct ctx *c)
{
	(void)drain_kick_with(c->kick, c->conf);
	if (answer_init(&c->ans, 202, "accepted") != 0)
		return refuse(c, 500, NULL);
	(void)json_set_str(c->ans.body, "event", c->pl.event);
	(void)json_set_str(c->ans.body, "delivery", c->delivery);
	return 202;
}

/* With `database`: the id claimed and the delivery stored in one
 * statement, 202 only after it committed (db_spill.c); the database
 * away: 503 and Retry-After, as a full disk, or the local spool
 * (database_unavailable = spool). */
static int
answer_async_db(struct ctx *c, enum db_accepted how)
{
	switch (how) {
	case DB_ACCEPT_DUPLICATE:
		return answer_duplicate(c);
	case DB_ACCEPT_SPILLED:
		(void)json_set_bool(c->rec, "spilled", 1);
		(void)json_set_str(c->rec, "reason", c->err.msg);
		break;
	case DB_ACCEPT_STORED:
		break;
	default:
		c->ans.retry_after = RETRY_AFTER;
		return refuse(c, 503, NULL);
	}
	return answer_accepted(c);
}

/* A FastCGI process that batches (handle_begin) stores the delivery
 * with the requests that came with it: held here, answered later. */
static int
run_async_db(struct ctx *c, const struct delivery *d)
{
	struct batch *b = c->batch;

	if (b != NULL && b->n < b->max) {
		c->held = *d;
		b->held[b->n++] = (struct held *)c;
		return HELD;
	}
	return answer_async_db(c, db_accept(c->conf, d,
	    c->pl.delivery != NULL, &c->err));
}

static int
run_async(struct ctx *c)
{
	struct delivery d;

	delivery_of(c, &d);
	if (c->conf->database != NULL)
		return run_async_db(c, &d);
	if (spool_put(c->conf, &d, &c->err) != 0) {
		c->ans.retry_after = RETRY_AFTER;
		return refuse(c, 503, NULL);
	}
	c->claimed = CLAIM_NONE;	/* stored: the id stays remembered */
	return answer_accepted(c);
}

/* [{hook, exit, duration_ms}] for the answer; more for the log. A
 * refusal: its reason for the sender, never a server path; the log has
 * the hook's full path too. */
static struct jval *
hooks_json(const struct outcome *out, int for_log)
{
	struct jval *arr = json_new_array(), *h;
	const struct run_result *r;
	size_t i;

	for (i = 0; arr != NULL && i < out->n; i++) {
		r = &out->v[i].res;
		if ((h = json_new_object()) == NULL ||
		    json_set_str(h, "hook", out->v[i].hook) != 0 ||
		    json_set_int(h, "exit", r->exited ? r->exit_code : -1) != 0 ||
		    json_set_int(h, "duration_ms", r->duration_ms) != 0 ||
		    (r->signal && json_set_int(h, "signal", r->signal) != 0) ||
		    (r->timed_out && json_set_bool(h, "timed_out", 1) != 0) ||
		    (for_log && out->v[i].why && json_set_str(h, "refused",
		    out->v[i].why) != 0) ||
		    (!for_log && out->v[i].reason && json_set_str(h,
		    "refused", out->v[i].reason) != 0) ||
		    (for_log && log_set_tail(h, "stdout", r->out,
		    r->out_len) != 0) ||
		    (for_log && log_set_tail(h, "stderr", r->errout,
		    r->errout_len) != 0) ||
		    json_push(arr, h) != 0) {
			json_free(h);
			json_free(arr);
			return NULL;
		}
	}
	return arr;
}

static int
run_sync(struct ctx *c)
{
	struct delivery d;
	struct slots held;
	size_t i;
	int rc, timed_out = 0;

	/* Hooks may run for up to their timeout: what the batch holds is
	 * stored and answered first. */
	if (c->batch != NULL && c->batch->n > 0)
		c->batch->flush(c->batch->arg);
	/* Under the endpoint's own max_running a delivery waits for the
	 * one running (up to the endpoint's timeout) rather than get 429:
	 * GitHub and Gitea never send a delivery again by themselves, and
	 * GitLab counts a 429 towards disabling the hook. The global bound
	 * protects the host: over it, 429 at once. */
	if (slots_take(c->conf, c->ep, (long)endpoint_timeout(c->conf, c->ep) *
	    1000, 0, NULL, &held, &c->err) != 0) {
		c->ans.retry_after = RETRY_AFTER;
		return refuse(c, 429, NULL);
	}
	delivery_of(c, &d);
	rc = deliver_run(c->conf, c->ep, &d, NULL, &c->out, &c->err);
	slots_release(&held);
	/* Its line says so (db_slots.c: a slot lost with the session and
	 * taken by another process before this one took it again). */
	if (c->conf->database != NULL && db_slot_lost() > 0)
		(void)json_set_bool(c->rec, "max_running_passed", 1);
	(void)json_set(c->rec, "hooks", hooks_json(&c->out, 1));
	if (rc < 0)
		return refuse(c, 500, NULL);
	for (i = 0; i < c->out.n; i++)
		timed_out |= c->out.v[i].res.timed_out;
	if (rc == 0 && answer_init(&c->ans, 200, "success") != 0)
		return refuse(c, 500, NULL);
	if (rc != 0)
		refuse(c, timed_out ? 504 : 500, timed_out ? "hook_timeout" :
		    "hook_failed");
	(void)json_set_str(c->ans.body, "event", c->pl.event);
	(void)json_set_str(c->ans.body, "delivery", c->delivery);
	(void)json_set(c->ans.body, "hooks", hooks_json(&c->out, 0));
	if (rc == 0)
		c->claimed = CLAIM_NONE;	/* done: keep the id remembered */
	return c->ans.status;
}

static int
dispatch(struct ctx *c)
{
	int rc;

	if (c->pl.delivery == NULL && (rc = check_consumers(c)) != 0)
		return rc;
	return c->ep->mode == MODE_ASYNC ? run_async(c) : run_sync(c);
}

/* The contract's order: method, endpoint, length, size, remote address,
 * signature, content type, JSON, fields, event, duplicate. Each returns
 * 0 to go on, or the HTTP status of the answer it made. */
static int (*const steps[])(struct ctx *) = {
	check_method,
	check_endpoint,
	check_length,
	check_addr,
	read_body,
	check_signature,
	check_payload,
	check_event,
	check_duplicate,
	dispatch,
};

/* The end of every request: a claim of an unfinished one let go, the
 * answer, the log line, the counters; then c is freed. */
static int
finish(struct ctx *c)
{
	const struct conf *conf = c->conf;
	const char *code;
	char *dir;
	int status = c->ans.status;

	/* A delivery that did not finish may come again: forget its id. */
	if (c->claimed == CLAIM_LOCAL && (dir = seen_dir(conf)) != NULL) {
		(void)dedupe_release(dir, c->ep->name, c->delivery, NULL);
		free(dir);
	}
	if (c->claimed == CLAIM_SHARED && db_dedupe_release_conf(conf,
	    c->ep->name, c->delivery, c->token, &c->err) != DB_OK)
		log_msg("warning", "delivery %s: its id stays recorded, so "
		    "the sender's retry is a duplicate: %s", c->delivery,
		    c->err.msg);
	if (answer_write(&c->ans, c->req.io) != 0)
		(void)json_set_bool(c->rec, "answer_failed", 1);
	(void)json_set_int(c->rec, "status", c->ans.status);
	if ((code = json_string(json_path(c->ans.body, "error"))) != NULL)
		(void)json_set_str(c->rec, "error", code);
	log_record(c->rec);
	stats_request(conf->stats, &(struct stats_request){
	    .endpoint = c->ep != NULL ? c->ep->name : NULL,
	    .status = c->ans.status, .code = code,
	    .word = json_string(json_path(c->ans.body, "status")),
	    .event = c->pl.event, .delivery = c->delivery, .out = &c->out });

	json_free(c->rec);
	answer_free(&c->ans);
	outcome_free(&c->out);
	payload_free(&c->pl);
	free(c->media);
	request_free(&c->req);
	free(c);
	return status;
}

int
handle_begin(const struct conf *conf, struct io *io, struct resident *rs,
    struct kicker *kick, struct batch *batch)
{
	struct ctx *c;
	struct answer oom = { 500, NULL, 0 };
	size_t i;
	int status = 0;

	/* The watching URLs: never a delivery, never a hook. */
	if (monitor_path(io->param(io->ctx, "PATH_INFO")))
		return monitor_handle(conf, io);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_msg("error", "out of memory for a request");
		(void)answer_write(&oom, io);
		return 500;
	}
	*c = (struct ctx){ .conf = conf, .rs = rs, .kick = kick,
	    .batch = batch };
	c->rec = log_start();
	if (request_init(&c->req, io) != 0)
		status = refuse(c, 500, NULL);
	for (i = 0; status == 0 && i < sizeof(steps) / sizeof(steps[0]); i++)
		status = steps[i](c);
	return status == HELD ? 0 : finish(c);
}

int
handle_request(const struct conf *conf, struct io *io, struct resident *rs,
    struct kicker *kick)
{
	return handle_begin(conf, io, rs, kick, NULL);
}

/* Stores and answers held[0..n-1] with one db_accept_many. */
static void
store_some(struct held **held, size_t n, struct db_accept_item *items,
    size_t batch)
{
	struct ctx *c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (struct ctx *)held[i];
		items[i] = (struct db_accept_item){ .d = &c->held,
		    .claim_id = c->pl.delivery != NULL };
	}
	db_accept_many(((struct ctx *)held[0])->conf, items, n);
	for (i = 0; i < n; i++) {
		c = (struct ctx *)held[i];
		c->err = items[i].err;
		if (batch > 1)
			(void)json_set_int(c->rec, "batch", (int64_t)batch);
		(void)answer_async_db(c, items[i].result);
		(void)finish(c);
	}
}

void
handle_store_held(struct held **held, size_t n)
{
	struct db_accept_item one, *items;
	size_t i;

	if (n == 0)
		return;
	if ((items = calloc(n, sizeof(*items))) != NULL) {
		store_some(held, n, items, n);
		free(items);
		return;
	}
	/* No memory for the list: each on its own, as without a batch. */
	for (i = 0; i < n; i++)
		store_some(held + i, 1, &one, 1);
}
