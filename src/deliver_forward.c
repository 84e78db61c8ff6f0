/* deliver_forward.c: a delivery's forwards: sign it as Standard Webhooks,
 * POST it to each target that has not taken it yet, and record each
 * target's answer as a hook outcome for the spool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver_forward.h"
#include "sign.h"

char *
forward_name(const char *url)
{
	const char *auth, *end, *at;
	char *s;

	/* scheme "://" [userinfo "@"] host ... (RFC 3986 3.2) */
	if ((auth = strstr(url, "://")) == NULL) {
		if (asprintf(&s, FORWARD_PREFIX "%s", url) < 0)
			return NULL;
		return s;
	}
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		at = auth - 1;
	if (asprintf(&s, FORWARD_PREFIX "%.*s%s", (int)(auth - url), url,
	    at + 1) < 0)
		return NULL;
	return s;
}

/*
 * The webhook-id of a delivery id: the id itself, so that a receiver can
 * dedupe the retries of one message (Standard Webhooks: "the same id
 * for every attempt"), with '%' and '.' percent-encoded, since '.'
 * separates the signed content's parts. Caller frees; NULL when out of
 * memory.
 */
static char *
webhook_id(const char *id)
{
	size_t i, n = 0;
	char *s, *p;

	for (i = 0; id[i] != '\0'; i++)
		n += id[i] == '.' || id[i] == '%' ? 3 : 1;
	if ((s = p = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; id[i] != '\0'; i++) {
		if (id[i] == '.' || id[i] == '%')
			p += snprintf(p, 4, "%%%02X", (unsigned char)id[i]);
		else
			*p++ = id[i];
	}
	*p = '\0';
	return s;
}

static int
was_done(const struct strlist *done, const char *name)
{
	size_t i;

	for (i = 0; done != NULL && i < done->n; i++)
		if (strcmp(done->v[i], name) == 0)
			return 1;
	return 0;
}

/* Why r is not a success, for the log, list and show; NULL when it is,
 * or when out of memory (the exit code still tells). */
static char *
why_of(const struct forward_result *r, long timeout)
{
	const char *e = r->error ? r->error : "failed";
	char *s = NULL;
	int n = -1;

	switch (r->cls) {
	case FORWARD_OK:
		return NULL;
	case FORWARD_RETRY:
		if (r->timed_out)
			n = asprintf(&s, "forward: no answer within %ld s",
			    timeout);
		else if (r->retry_after >= 0)
			n = asprintf(&s, "forward: %s, retry after %ld s", e,
			    r->retry_after);
		else
			n = asprintf(&s, "forward: %s", e);
		break;
	case FORWARD_FAIL:
		n = asprintf(&s, "forward: %s; not retried", e);
		break;
	case FORWARD_GONE:
		n = asprintf(&s, "forward: %s; not retried", e);
		break;
	}
	return n < 0 ? NULL : s;
}

/* Appends r as an outcome named name (taken: freed on failure too).
 * Returns 0, or -1 when out of memory. */
static int
record(struct outcome *out, char *name, struct forward_result *r,
    long timeout)
{
	struct hook_outcome *v, *o;

	if ((v = reallocarray(out->v, out->n + 1, sizeof(*v))) == NULL) {
		free(name);
		return -1;
	}
	out->v = v;
	o = &out->v[out->n++];
	memset(o, 0, sizeof(*o));
	o->hook = name;
	/* As a hook that exited: 0 for a 2xx, else the HTTP status, -1
	 * when no answer came (never a "signal"). */
	o->res.ran = true;
	o->res.exited = true;
	o->res.exit_code = r->cls == FORWARD_OK ? 0 :
	    r->status > 0 ? (int)r->status : -1;
	o->res.timed_out = r->timed_out;
	o->res.duration_ms = r->duration_ms;
	o->res.out = r->answer;		/* taken */
	o->res.out_len = r->answer_len;
	r->answer = NULL;
	r->answer_len = 0;
	o->why = why_of(r, timeout);
	o->final = r->cls == FORWARD_FAIL || r->cls == FORWARD_GONE;
	if (r->cls == FORWARD_RETRY && r->retry_after > 0)
		o->retry_after = r->retry_after > FORWARD_RETRY_AFTER_MAX ?
		    FORWARD_RETRY_AFTER_MAX : r->retry_after;
	return 0;
}

int
forward_delivery(struct forwarder **fw, const struct conf *conf,
    const struct endpoint *ep, const struct delivery *d,
    const struct strlist *done, struct outcome *out,
    struct forward_verdict *v, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct sign_headers sh = { NULL, 0 };
	struct forward_header *hs = NULL;
	struct forward_result *res = NULL;
	struct forward_msg msg;
	struct sign_input si;
	struct err lerr;
	const char **urls = NULL;
	char *id = NULL, *name;
	size_t i, n = 0;
	int rc = -1;

	if (err == NULL)
		err = &lerr;
	v->permanent = false;
	v->retry_after = -1;
	if (ep->forward.n == 0)
		return 0;
	if ((urls = calloc(ep->forward.n, sizeof(*urls))) == NULL)
		goto nomem;
	for (i = 0; i < ep->forward.n; i++) {
		if ((name = forward_name(ep->forward.v[i])) == NULL)
			goto nomem;
		if (was_done(done, name)) {
			free(name);
			continue;
		}
		if (strlist_take(&names, name) != 0)
			goto nomem;
		urls[n++] = ep->forward.v[i];
	}
	if (n == 0) {
		rc = 0;
		goto done;
	}

	/* One signature for every target: the same id, time and body. */
	if ((id = webhook_id(d->id)) == NULL)
		goto nomem;
	memset(&si, 0, sizeof(si));
	si.provider = PROVIDER_STANDARD;
	si.secret = ep->forward_secret;
	si.id = id;
	si.timestamp = time(NULL);
	si.body = d->body;
	si.body_len = d->body_len;
	if (ep->forward_secret != NULL) {
		if (sign_headers(&si, &sh, err) != 0) {
			/* err names no secret (sign.h). */
			char why[ERR_MAX];

			(void)snprintf(why, sizeof(why), "%s", err->msg);
			err_set(err, "forward_secret: %s", why);
			goto done;
		}
	} else {
		char ts[32];

		(void)snprintf(ts, sizeof(ts), "%lld", (long long)si.timestamp);
		if (sign_headers_add(&sh, "webhook-id", id) != 0 ||
		    sign_headers_add(&sh, "webhook-timestamp", ts) != 0)
			goto nomem;
	}
	if (d->event != NULL &&
	    sign_headers_add(&sh, "X-Hookline-Event", d->event) != 0)
		goto nomem;
	if ((hs = calloc(sh.n, sizeof(*hs))) == NULL)
		goto nomem;
	for (i = 0; i < sh.n; i++) {
		hs[i].name = sh.v[i].name;
		hs[i].value = sh.v[i].value;
	}

	memset(&msg, 0, sizeof(msg));
	msg.body = d->body;
	msg.body_len = d->body_len;
	msg.content_type = d->content_type != NULL && *d->content_type ?
	    d->content_type : "application/json";
	msg.headers = hs;
	msg.nheaders = sh.n;
	msg.timeout = ep->forward_timeout > 0 ? ep->forward_timeout :
	    conf->forward_timeout > 0 ? conf->forward_timeout : FORWARD_TIMEOUT;
	msg.ca_file = ep->ca_file != NULL ? ep->ca_file : conf->ca_file;

	if (*fw == NULL && (*fw = forwarder_new(err)) == NULL)
		goto done;
	if ((res = calloc(n, sizeof(*res))) == NULL)
		goto nomem;
	if (forward_send(*fw, urls, n, &msg, res, err) != 0)
		goto done;

	rc = 0;
	for (i = 0; i < n; i++) {
		if (res[i].cls != FORWARD_OK)
			rc = 1;
		if (res[i].cls == FORWARD_FAIL || res[i].cls == FORWARD_GONE)
			v->permanent = true;
		if (res[i].cls == FORWARD_RETRY && res[i].retry_after >= 0) {
			long ra = res[i].retry_after > FORWARD_RETRY_AFTER_MAX ?
			    FORWARD_RETRY_AFTER_MAX : res[i].retry_after;

			if (ra > v->retry_after)
				v->retry_after = ra;
		}
		/* The name moves into the outcome. */
		name = names.v[i];
		names.v[i] = NULL;
		if (record(out, name, &res[i], msg.timeout) != 0) {
			err_set(err, "out of memory");
			rc = -1;
			goto done;
		}
	}
	goto done;
nomem:
	err_set(err, "out of memory");
	rc = -1;
done:
	for (i = 0; res != NULL && i < n; i++)
		forward_result_free(&res[i]);
	free(res);
	free(hs);
	sign_headers_free(&sh);
	free(id);
	strlist_clear(&names);
	free(urls);
	return rc;
}
