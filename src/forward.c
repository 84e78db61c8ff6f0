/* forward.c: the outbound module, the only libcurl user: one body POSTed
 * to several URLs in parallel over reused connections, and what each
 * answered. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <dlfcn.h>

/* Our calls go through the table below, not the linker: no type-check
 * macros wrapped around the names we redefine. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "forward.h"
#include "platform.h"

#ifndef HOOKLINE_VERSION
#define HOOKLINE_VERSION "0"
#endif

#define STATUS_LINE_MAX	256	/* bytes of the status line kept */
#define POLL_MS		1000	/* the longest wait between progress checks */

/*
 * libcurl is loaded with dlopen on first use, not linked: a FastCGI or
 * CGI process that forwards nothing never maps it nor the two dozen
 * libraries it pulls in (TLS, Kerberos, LDAP, SSH...), which measured
 * about 6 MiB of a responder's resident pages and most of a CGI start.
 * (The static build links its own minimal libcurl instead: curl_load.)
 * The table is this module's one mutable global: filled once, then
 * only read, for the life of the process.
 */
#define CURL_CALLS(X) \
	X(CURLcode, global_init, (long)) \
	X(char *, version, (void)) \
	X(CURL *, easy_init, (void)) \
	X(void, easy_cleanup, (CURL *)) \
	X(CURLcode, easy_setopt, (CURL *, CURLoption, ...)) \
	X(CURLcode, easy_getinfo, (CURL *, CURLINFO, ...)) \
	X(CURLHcode, easy_header, (CURL *, const char *, size_t, \
	    unsigned int, int, struct curl_header **)) \
	X(const char *, easy_strerror, (CURLcode)) \
	X(CURLM *, multi_init, (void)) \
	X(CURLMcode, multi_cleanup, (CURLM *)) \
	X(CURLMcode, multi_add_handle, (CURLM *, CURL *)) \
	X(CURLMcode, multi_remove_handle, (CURLM *, CURL *)) \
	X(CURLMcode, multi_perform, (CURLM *, int *)) \
	X(CURLMsg *, multi_info_read, (CURLM *, int *)) \
	X(CURLMcode, multi_poll, (CURLM *, struct curl_waitfd *, \
	    unsigned int, int, int *)) \
	X(const char *, multi_strerror, (CURLMcode)) \
	X(struct curl_slist *, slist_append, (struct curl_slist *, \
	    const char *)) \
	X(void, slist_free_all, (struct curl_slist *)) \
	X(time_t, getdate, (const char *, const time_t *))

#define CURL_MEMBER(ret, name, args)	ret (*name) args;
static struct {
	bool	loaded;		/* every call resolved */
	bool	ready;		/* curl_global_init done */
	CURL_CALLS(CURL_MEMBER)
} lib;

/*
 * Fills the table, once: the one place where the build's choice shows.
 * The static build (make static) links its own minimal libcurl in, as a
 * static binary cannot dlopen the host's; the others load libcurl.so.4.
 * Returns 0, or -1 with err.
 */
#ifdef HOOKLINE_CURL_LINKED
static int
curl_load(struct err *err)
{
	(void)err;
#define CURL_LINK(ret, name, args)	lib.name = curl_##name;
	CURL_CALLS(CURL_LINK)
#undef CURL_LINK
	lib.loaded = true;
	return 0;
}
#else
static int
curl_load(struct err *err)
{
	void *h;

	if (lib.loaded)
		return 0;
	/* The soname of Debian's libcurl4 (the ABI curl.h describes). */
	if ((h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		err_set(err, "cannot load libcurl: %s", dlerror());
		return -1;
	}
#define CURL_RESOLVE(ret, name, args) \
	if ((*(void **)&lib.name = dlsym(h, "curl_" #name)) == NULL) { \
		err_set(err, "libcurl lacks curl_%s", #name); \
		return -1; \
	}
	CURL_CALLS(CURL_RESOLVE)
#undef CURL_RESOLVE
	lib.loaded = true;
	return 0;
}
#endif

/* From here on a curl_x() call is a call through the table (curl.h's
 * own pass-through macros for these two make way). */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init	(*lib.global_init)
#define curl_version		(*lib.version)
#define curl_easy_init		(*lib.easy_init)
#define curl_easy_cleanup	(*lib.easy_cleanup)
#define curl_easy_setopt	(*lib.easy_setopt)
#define curl_easy_getinfo	(*lib.easy_getinfo)
#define curl_easy_header	(*lib.easy_header)
#define curl_easy_strerror	(*lib.easy_strerror)
#define curl_multi_init		(*lib.multi_init)
#define curl_multi_cleanup	(*lib.multi_cleanup)
#define curl_multi_add_handle	(*lib.multi_add_handle)
#define curl_multi_remove_handle (*lib.multi_remove_handle)
#define curl_multi_perform	(*lib.multi_perform)
#define curl_multi_info_read	(*lib.multi_info_read)
#define curl_multi_poll		(*lib.multi_poll)
#define curl_multi_strerror	(*lib.multi_strerror)
#define curl_slist_append	(*lib.slist_append)
#define curl_slist_free_all	(*lib.slist_free_all)
#define curl_getdate		(*lib.getdate)

struct forwarder {
	CURLM	*multi;		/* owns the connection cache */
};

/* One URL's exchange. */
struct xfer {
	CURL			*easy;
	struct forward_result	*res;
	size_t			 answer_max;
	size_t			 answer_cap;
	struct timespec		 t0;
	bool			 added;		/* to the multi handle */
	bool			 done;
	char			 errbuf[CURL_ERROR_SIZE];
};

const char *
forward_class_name(enum forward_class c)
{
	switch (c) {
	case FORWARD_OK:	return "ok";
	case FORWARD_RETRY:	return "retry";
	case FORWARD_FAIL:	return "fail";
	case FORWARD_GONE:	return "gone";
	}
	return "unknown";
}

/* libcurl loaded and its global state set up, once per process. */
static int
curl_once(struct err *err)
{
	CURLcode c;

	if (lib.ready)
		return 0;
	if (curl_load(err) != 0)
		return -1;
	if ((c = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		err_set(err, "cannot initialise libcurl: %s",
		    curl_easy_strerror(c));
		return -1;
	}
	lib.ready = true;
	return 0;
}

const char *
forward_lib_version(void)
{
	struct err err;

	if (curl_once(&err) != 0)
		return "libcurl (not loadable)";
	return curl_version();
}

struct forwarder *
forwarder_new(struct err *err)
{
	struct forwarder *fw;

	if (curl_once(err) != 0)
		return NULL;
	if ((fw = calloc(1, sizeof(*fw))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	if ((fw->multi = curl_multi_init()) == NULL) {
		err_set(err, "cannot initialise libcurl's multi interface");
		free(fw);
		return NULL;
	}
	return fw;
}

void
forwarder_free(struct forwarder *fw)
{
	if (fw == NULL)
		return;
	(void)curl_multi_cleanup(fw->multi);
	free(fw);
}

void
forward_result_free(struct forward_result *r)
{
	if (r == NULL)
		return;
	free(r->status_line);
	free(r->error);
	free(r->answer);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

/* Sets r->error to a formatted message (keeps the first one). */
static void
set_error(struct forward_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct forward_result *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->error != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		r->error = s;
	va_end(ap);
}

/* RFC 9110 15: what a status means for a retrying sender. 408 and 429
 * ask for another try later, 5xx may pass; 410 says the resource is gone
 * for good; any other 4xx says this request will not do. Redirects are
 * not followed (a webhook's body is not re-posted to wherever a target
 * points), so 3xx is a failure too. */
static enum forward_class
classify(long status)
{
	if (status >= 200 && status <= 299)
		return FORWARD_OK;
	if (status == 408 || status == 429 || (status >= 500 && status <= 599))
		return FORWARD_RETRY;
	if (status == 410)
		return FORWARD_GONE;
	return FORWARD_FAIL;
}

/* Transfer errors that no later try can mend: the URL itself. */
static int
permanent_error(CURLcode c)
{
	return c == CURLE_UNSUPPORTED_PROTOCOL || c == CURLE_URL_MALFORMAT ||
	    c == CURLE_NOT_BUILT_IN;
}

/* Retry-After (RFC 9110 10.2.3): delay-seconds (1*DIGIT) or an
 * HTTP-date. Returns seconds from now (0 for a date in the past), or -1
 * when v is neither. */
static long
parse_retry_after(const char *v, time_t now)
{
	long long n = 0;
	time_t t;
	size_t i;

	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		for (i = 0; isdigit((unsigned char)v[i]); i++) {
			if (n > (LONG_MAX - 9) / 10)
				return LONG_MAX;	/* absurd, but asked */
			n = n * 10 + (v[i] - '0');
		}
		while (v[i] == ' ' || v[i] == '\t')
			i++;
		return v[i] == '\0' ? (long)n : -1;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	return t > now ? (long)(t - now) : 0;
}

/* CURLOPT_WRITEFUNCTION: keeps the first answer_max bytes. Past them the
 * exchange is cut short (the status is what counts). */
static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct forward_result *r = x->res;
	size_t len = size * nmemb, room, take, cap;
	char *nb;

	room = x->answer_max - r->answer_len;
	take = len < room ? len : room;
	if (take > 0 && r->answer_len + take + 1 > x->answer_cap) {
		cap = x->answer_cap ? x->answer_cap : 4096;
		while (cap < r->answer_len + take + 1)
			cap *= 2;
		if (cap > x->answer_max + 1)
			cap = x->answer_max + 1;
		if ((nb = realloc(r->answer, cap)) == NULL)
			return 0;	/* CURLE_WRITE_ERROR */
		r->answer = nb;
		x->answer_cap = cap;
	}
	if (take > 0) {
		memcpy(r->answer + r->answer_len, p, take);
		r->answer_len += take;
		r->answer[r->answer_len] = '\0';
	}
	if (take < len) {
		r->answer_cut = true;
		return 0;	/* enough: stop reading */
	}
	return len;
}

/* CURLOPT_HEADERFUNCTION: keeps the last status line (after any 1xx). */
static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * nmemb, n;
	char *s;

	if (len < 5 || strncmp(p, "HTTP/", 5) != 0)
		return len;
	n = len;
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n > STATUS_LINE_MAX)
		n = STATUS_LINE_MAX;
	if ((s = strndup(p, n)) == NULL)
		return 0;
	/* A stranger's bytes: printable ASCII only, for the terminal. */
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < ' ' || s[n] > '~')
			s[n] = '?';
	free(x->res->status_line);
	x->res->status_line = s;
	return len;
}

/* 1 when s is fit to be a header name or value (no CR, LF, NUL, ...). */
static int
header_safe(const char *s, int is_name)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 0;
		if (is_name && (*s == ':' || *s == ' '))
			return 0;
	}
	return 1;
}

/* The request headers every URL gets, or NULL with err. */
static struct curl_slist *
build_headers(const struct forward_msg *msg, struct err *err)
{
	struct curl_slist *l = NULL, *nl;
	const char *ct = msg->content_type ? msg->content_type :
	    "application/json";
	char *line = NULL;
	size_t i;

	if (!header_safe(ct, 0)) {
		err_set(err, "content type holds a control character");
		return NULL;
	}
	/* No "Expect: 100-continue": one round trip less per delivery. */
	if (asprintf(&line, "Content-Type: %s", ct) < 0)
		goto nomem;
	if ((nl = curl_slist_append(l, line)) == NULL)
		goto nomem;
	l = nl;
	free(line);
	line = NULL;
	if ((nl = curl_slist_append(l, "Expect:")) == NULL)
		goto nomem;
	l = nl;
	for (i = 0; i < msg->nheaders; i++) {
		if (!header_safe(msg->headers[i].name, 1) ||
		    *msg->headers[i].name == '\0' ||
		    !header_safe(msg->headers[i].value, 0)) {
			err_set(err, "header %zu is not fit to send", i);
			goto fail;
		}
		if (asprintf(&line, "%s: %s", msg->headers[i].name,
		    msg->headers[i].value) < 0) {
			line = NULL;
			goto nomem;
		}
		if ((nl = curl_slist_append(l, line)) == NULL)
			goto nomem;
		l = nl;
		free(line);
		line = NULL;
	}
	return l;
nomem:
	err_set(err, "out of memory");
fail:
	free(line);
	curl_slist_free_all(l);
	return NULL;
}

/* Sets up x's easy handle for url. Returns 0, or -1 with r->error. */
static int
xfer_setup(struct xfer *x, const char *url, const struct forward_msg *msg,
    struct curl_slist *headers, const char *ua)
{
	long timeout = msg->timeout > 0 ? msg->timeout : FORWARD_TIMEOUT;
	const char *ca = msg->ca_file != NULL ? msg->ca_file :
	    ca_file_default();
	CURL *e;

	/* The static build's libcurl knows no CA bundle of its own. */
	if (ca == NULL && strncasecmp(url, "https:", 6) == 0) {
		set_error(x->res, "no CA bundle to verify %s with: set ca_file "
		    "(none of the usual system bundles exists)", url);
		return -1;
	}
	if ((x->easy = e = curl_easy_init()) == NULL) {
		set_error(x->res, "cannot initialise libcurl");
		return -1;
	}
	/* Each setopt is checked: an option this libcurl lacks (an old
	 * one without CURLOPT_PROTOCOLS_STR) must not pass unnoticed. */
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDS,
	    msg->body_len ? (const char *)msg->body : "") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)msg->body_len) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, ua) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    (ca != NULL &&
	    curl_easy_setopt(e, CURLOPT_CAINFO, ca) != CURLE_OK) ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK) {
		set_error(x->res, "libcurl refused an option");
		return -1;
	}
	return 0;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	if (clock_gettime(CLOCK_MONOTONIC, &t1) != 0)
		return 0;
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* What x's finished exchange means. */
static void
xfer_finish(struct xfer *x, CURLcode rc, long timeout)
{
	struct forward_result *r = x->res;
	struct curl_header *h;
	long status = 0;

	x->done = true;
	r->duration_ms = ms_since(&x->t0);
	if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK)
		status = 0;
	r->status = status;
	if (status > 0 && curl_easy_header(x->easy, "Retry-After", 0,
	    CURLH_HEADER, -1, &h) == CURLHE_OK)
		r->retry_after = parse_retry_after(h->value, time(NULL));
	/* Cut short by on_body on purpose: the answer is all there. */
	if (rc == CURLE_WRITE_ERROR && r->answer_cut)
		rc = CURLE_OK;
	if (rc == CURLE_OK && status > 0) {
		r->cls = classify(status);
		if (r->cls == FORWARD_OK)
			return;
		if (status >= 300 && status <= 399)
			set_error(r, "HTTP %ld: redirects are not followed",
			    status);
		else if (r->cls == FORWARD_GONE)
			set_error(r, "HTTP %ld: the target is gone", status);
		else
			set_error(r, "HTTP %ld", status);
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		r->timed_out = true;
		set_error(r, "no answer within %ld s", timeout);
	} else
		set_error(r, "%s", x->errbuf[0] ? x->errbuf :
		    curl_easy_strerror(rc));
	/* An answer that broke off: the target's word stands when it said
	 * no; a 2xx that did not arrive whole is tried again. */
	if (status > 0 && classify(status) != FORWARD_OK)
		r->cls = classify(status);
	else
		r->cls = permanent_error(rc) ? FORWARD_FAIL : FORWARD_RETRY;
}

int
forward_send(struct forwarder *fw, const char *const *urls, size_t n,
    const struct forward_msg *msg, struct forward_result *res,
    struct err *err)
{
	struct curl_slist *headers = NULL;
	struct xfer *xs = NULL;
	struct err lerr;
	struct CURLMsg *m;
	struct xfer *x;
	char *ua = NULL;
	long timeout;
	size_t i;
	CURLMcode mc;
	int running = 0, left, rc = -1;

	if (err == NULL)
		err = &lerr;
	err->msg[0] = '\0';
	for (i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		res[i].retry_after = -1;
		res[i].cls = FORWARD_RETRY;
	}
	if (n == 0)
		return 0;
	timeout = msg->timeout > 0 ? msg->timeout : FORWARD_TIMEOUT;
	if ((xs = calloc(n, sizeof(*xs))) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++)
		xs[i].res = &res[i];
	if ((headers = build_headers(msg, err)) == NULL)
		goto fail;
	if (msg->user_agent != NULL)
		ua = strdup(msg->user_agent);
	else if (asprintf(&ua, "hookline/%s", HOOKLINE_VERSION) < 0)
		ua = NULL;
	if (ua == NULL || !header_safe(ua, 0)) {
		err_set(err, ua ? "bad User-Agent" : "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		x = &xs[i];
		x->answer_max = msg->answer_max ? msg->answer_max :
		    FORWARD_ANSWER_MAX;
		if (clock_gettime(CLOCK_MONOTONIC, &x->t0) != 0)
			memset(&x->t0, 0, sizeof(x->t0));
		if (xfer_setup(x, urls[i], msg, headers, ua) != 0) {
			x->done = true;
			continue;
		}
		if ((mc = curl_multi_add_handle(fw->multi, x->easy)) !=
		    CURLM_OK) {
			set_error(x->res, "%s", curl_multi_strerror(mc));
			x->done = true;
			continue;
		}
		x->added = true;
	}
	do {
		if ((mc = curl_multi_perform(fw->multi, &running)) != CURLM_OK) {
			err_set(err, "libcurl: %s", curl_multi_strerror(mc));
			goto fail;
		}
		while ((m = curl_multi_info_read(fw->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			x = NULL;
			if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&x) != CURLE_OK || x == NULL)
				continue;
			xfer_finish(x, m->data.result, timeout);
		}
		if (running > 0 && (mc = curl_multi_poll(fw->multi, NULL, 0,
		    POLL_MS, NULL)) != CURLM_OK) {
			err_set(err, "libcurl: %s", curl_multi_strerror(mc));
			goto fail;
		}
	} while (running > 0);
	rc = 0;
fail:
	for (i = 0; xs != NULL && i < n; i++) {
		x = &xs[i];
		if (!x->done)
			set_error(x->res, "not sent: %s", err->msg);
		if (x->added)
			(void)curl_multi_remove_handle(fw->multi, x->easy);
		if (x->easy != NULL)
			curl_easy_cleanup(x->easy);
	}
	if (rc != 0)
		for (i = 0; i < n; i++)
			if (res[i].error == NULL)
				set_error(&res[i], "not sent: %s", err->msg);
	free(xs);
	free(ua);
	curl_slist_free_all(headers);
	return rc;
}

int
forward_post(const char *url, const struct forward_msg *msg,
    struct forward_result *res, struct err *err)
{
	struct forwarder *fw;
	int rc;

	memset(res, 0, sizeof(*res));
	res->retry_after = -1;
	if ((fw = forwarder_new(err)) == NULL)
		return -1;
	rc = forward_send(fw, &url, 1, msg, res, err);
	forwarder_free(fw);
	return rc;
}
