/* monitor.c: the watching URLs, <script URL>/-/metrics, /-/health and
 * /-/status: off until `monitor` names them, then only for a bearer
 * token and/or an allowed address; GET and HEAD only; never a hook. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "cidr.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "monitor.h"
#include "spool.h"
#include "spoolstat.h"
#include "stats.h"
#include "statuspage.h"
#include "statusview.h"
#include "verify.h"

/*
 * What a visitor controls here: the method, PATH_INFO, the
 * Authorization header, X-Forwarded-For (believed only from
 * trusted_proxies) and the query string (ignored). Nothing of theirs is
 * echoed: the answers are ours, the log line names the URL by our word
 * for it and never holds the token given.
 */

static const struct {
	const char	*path;
	unsigned	 bit;
} urls[] = {
	{ "/-/metrics", MONITOR_METRICS },
	{ "/-/health", MONITOR_HEALTH },
	{ "/-/status", MONITOR_STATUS },
};

int
monitor_path(const char *path_info)
{
	/* Endpoint names never hold '/', so "/-/..." is never one. */
	return path_info != NULL && strncmp(path_info, "/-/", 3) == 0;
}

/* One answer: status line, type, length, the headers every one of ours
 * carries, extra (may be ""), then the body unless HEAD. */
static int
send_answer(struct io *io, int status, const char *type, const char *extra,
    const char *body, size_t len, int head)
{
	char *out;
	int n, rc;

	n = asprintf(&out, "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n%s\r\n", status,
	    answer_reason(status), type, len, extra);
	if (n < 0)
		return -1;
	rc = io->write(io->ctx, out, (size_t)n);
	free(out);
	if (rc == 0 && !head && len > 0)
		rc = io->write(io->ctx, body, len);
	return rc;
}

static int
send_json(struct io *io, int status, struct jval *obj, const char *extra,
    int head)
{
	const char *text;
	char *line;
	size_t len;
	int rc;

	if (obj == NULL || (text = json_text(obj, &len)) == NULL ||
	    asprintf(&line, "%s\n", text) < 0)
		return -1;
	rc = send_answer(io, status, "application/json", extra, line, len + 1,
	    head);
	free(line);
	return rc;
}

/* {"status":"error","error":code}. */
static int
send_error(struct io *io, int status, const char *code, const char *extra,
    int head)
{
	struct answer a = { 0 };
	int rc = -1;

	if (answer_error(&a, status, code) == 0)
		rc = send_json(io, status, a.body, extra, head);
	answer_free(&a);
	return rc;
}

/* A refusal of someone who asked for a known URL: logged (never the
 * token), and counted as a monitor refusal (hookline_monitor_refused_
 * total), never with the webhook requests nor as a signature failure. */
static void
log_refusal(const struct conf *conf, const char *url, const char *addr,
    int status, const char *code, const char *why)
{
	struct jval *rec = log_start();

	if (rec != NULL) {
		(void)json_set_str(rec, "monitor", url);
		if (addr[0] != '\0')
			(void)json_set_str(rec, "remote_addr", addr);
		(void)json_set_int(rec, "status", status);
		(void)json_set_str(rec, "error", code);
		(void)json_set_str(rec, "reason", why);
		log_record(rec);
		json_free(rec);
	}
	stats_monitor_refused(conf->stats, status == 401 ?
	    STATS_REFUSED_TOKEN : STATS_REFUSED_ADDRESS);
}

/* RFC 6750 2.1: "Authorization: Bearer <token>", the scheme in any case
 * (RFC 7235 2.1). Returns the token (borrowed, its length in *len), or
 * NULL. */
static const char *
bearer(const char *h, size_t *len)
{
	size_t n;

	if (h == NULL)
		return NULL;
	h += strspn(h, " \t");
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return NULL;
	h += 6 + strspn(h + 6, " \t");
	n = strcspn(h, " \t");
	if (n == 0 || h[n + strspn(h + n, " \t")] != '\0')
		return NULL;
	*len = n;
	return h;
}

/* Who may look: both, when both are set. Returns 0, or the status of
 * the refusal answered (403, 401). */
static int
check_access(const struct conf *conf, struct io *io, const char *url,
    int head)
{
	const char *remote = io->param(io->ctx, "REMOTE_ADDR");
	const char *xff = io->param(io->ctx, "HTTP_X_FORWARDED_FOR");
	const char *tok;
	char addr[INET6_ADDRSTRLEN] = "";
	size_t len = 0;

	if (remote == NULL || client_addr(remote, conf->trusted_proxies.n ?
	    xff : NULL, &conf->trusted_proxies, addr, sizeof(addr)) != 0)
		addr[0] = '\0';
	if (conf->monitor_allow_ip.n > 0 &&
	    !cidrlist_match(&conf->monitor_allow_ip, addr)) {
		log_refusal(conf, url, addr, 403, "forbidden",
		    "address not in monitor_allow_ip");
		(void)send_error(io, 403, "forbidden", "", head);
		return 403;
	}
	if (conf->monitor_token == NULL)
		return 0;
	tok = bearer(io->param(io->ctx, "HTTP_AUTHORIZATION"), &len);
	if (tok != NULL && verify_equal(tok, len, conf->monitor_token,
	    strlen(conf->monitor_token)))
		return 0;
	log_refusal(conf, url, addr, 401, "unauthorized", tok == NULL ?
	    "no bearer token" : "wrong bearer token");
	/* RFC 6750 3: the challenge; invalid_token only when one came. */
	(void)send_error(io, 401, "unauthorized", tok == NULL ?
	    "WWW-Authenticate: Bearer realm=\"hookline\"\r\n" :
	    "WWW-Authenticate: Bearer realm=\"hookline\", "
	    "error=\"invalid_token\"\r\n", head);
	return 401;
}

/* Can the spool take a delivery now? Really tries: a file made and
 * removed in spool/tmp, and the free-space floor spool_put keeps.
 * Returns 0, or -1 with err. */
static int
spool_probe(const struct conf *conf, struct err *err)
{
	char *dir = NULL, *file = NULL;
	struct statvfs sv;
	uint64_t avail, floor;
	int fd, rc = -1;

	if (spool_init(conf->spool_dir, err) != 0)
		return -1;
	if (asprintf(&dir, "%s/tmp", conf->spool_dir) < 0 ||
	    asprintf(&file, "%s/health.%ld.%ld", dir, (long)getpid(),
	    (long)time(NULL)) < 0) {
		err_set(err, "out of memory");
		goto done;
	}
	if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		err_set(err, "spool not writable: %s", strerror(errno));
		goto done;
	}
	(void)close(fd);
	if (unlink(file) == -1) {
		err_set(err, "spool: cannot remove a file: %s",
		    strerror(errno));
		goto done;
	}
	if (statvfs(dir, &sv) == -1) {
		err_set(err, "spool: statvfs: %s", strerror(errno));
		goto done;
	}
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	floor = conf->spool_min_free == SPOOL_MIN_FREE_AUTO ?
	    spool_floor((uint64_t)sv.f_blocks * sv.f_frsize) :
	    (uint64_t)conf->spool_min_free;
	if (avail < floor) {
		err_set(err, "spool disk below spool_min_free: %llu bytes "
		    "free", (unsigned long long)avail);
		goto done;
	}
	rc = 0;
done:
	free(file);
	free(dir);
	return rc;
}

/* {"status":"ok","checks":{...}} 200, or {"status":"error","reason":
 * "...","checks":{...}} 503: for uptime monitors and load balancers.
 * The configuration is loaded (else fcgi.c answers 503 before us). */
static int
health(const struct conf *conf, struct io *io, int head)
{
	struct jval *obj = json_new_object(), *checks = json_new_object();
	struct spoolstat ss = { 0 };
	struct err spool, due;
	char reason[2 * ERR_MAX + 4];
	int bad, rc = -1;

	spool.msg[0] = due.msg[0] = '\0';
	if (spool_probe(conf, &spool) != 0 && spool.msg[0] == '\0')
		err_set(&spool, "spool not writable");
	if (spoolstat_read(conf->spool_dir, time(NULL), &ss, &due) != 0) {
		if (due.msg[0] == '\0')
			err_set(&due, "spool not readable");
	} else if (ss.has_due && ss.oldest_due_age > conf->health_max_due)
		err_set(&due, "a due delivery has waited %lld s (health_max_due "
		    "%ld s)", (long long)ss.oldest_due_age, conf->health_max_due);
	bad = spool.msg[0] != '\0' || due.msg[0] != '\0';
	(void)snprintf(reason, sizeof(reason), "%s%s%s", spool.msg,
	    spool.msg[0] && due.msg[0] ? "; " : "", due.msg);
	if (obj == NULL || checks == NULL ||
	    json_set_str(obj, "status", bad ? "error" : "ok") != 0 ||
	    (bad && json_set_str(obj, "reason", reason) != 0) ||
	    json_set_str(checks, "config", "ok") != 0 ||
	    json_set_str(checks, "spool", spool.msg[0] ? spool.msg : "ok") != 0 ||
	    json_set_str(checks, "due", due.msg[0] ? due.msg : "ok") != 0 ||
	    (ss.has_due && json_set_int(obj, "oldest_due_seconds",
	    ss.oldest_due_age) != 0)) {
		json_free(checks);
		goto done;
	}
	if (json_set(obj, "checks", checks) != 0)
		goto done;
	rc = send_json(io, bad ? 503 : 200, obj, bad ? "Retry-After: 30\r\n" :
	    "", head) == 0 ? (bad ? 503 : 200) : -1;
done:
	json_free(obj);
	if (rc == -1)
		rc = send_error(io, 500, "internal_error", "", head) == 0 ?
		    500 : -1;
	return rc;
}

static int
metrics(const struct conf *conf, struct io *io, int head)
{
	const char *type;
	struct err err;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	err.msg[0] = '\0';
	if (metrics_for_conf(conf, io->param(io->ctx, "HTTP_ACCEPT"), &buf,
	    &len, &type, &err) != 0)
		return send_error(io, 500, "internal_error", "", head) == 0 ?
		    500 : -1;
	if (err.msg[0] != '\0')
		log_msg("warning", "metrics: %s", err.msg);
	rc = send_answer(io, 200, type, "", buf, len, head) == 0 ? 200 : -1;
	free(buf);
	return rc;
}

static int
status_page(const struct conf *conf, struct io *io, int head)
{
	struct status_view v;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (status_view_load(conf, time(NULL), &v) != 0)
		return send_error(io, 500, "internal_error", "", head) == 0 ?
		    500 : -1;
	rc = statuspage_render(&v, &buf, &len);
	status_view_free(&v);
	if (rc != 0)
		return send_error(io, 500, "internal_error", "", head) == 0 ?
		    500 : -1;
	rc = send_answer(io, 200, "text/html; charset=utf-8",
	    "Content-Security-Policy: " STATUSPAGE_CSP "\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "X-Frame-Options: DENY\r\n", buf, len, head) == 0 ? 200 : -1;
	free(buf);
	return rc;
}

int
monitor_handle(const struct conf *conf, struct io *io)
{
	const char *path = io->param(io->ctx, "PATH_INFO");
	const char *method = io->param(io->ctx, "REQUEST_METHOD");
	size_t i, n = sizeof(urls) / sizeof(urls[0]);
	int head, rc;

	for (i = 0; i < n; i++)
		if (path != NULL && strcmp(path, urls[i].path) == 0)
			break;
	/* Off is as if it were not there. */
	if (i == n || (conf->monitor & urls[i].bit) == 0) {
		(void)send_error(io, 404, "not_found", "", 0);
		return 404;
	}
	head = method != NULL && strcmp(method, "HEAD") == 0;
	if (method == NULL || (!head && strcmp(method, "GET") != 0)) {
		(void)send_error(io, 405, "method_not_allowed",
		    "Allow: GET, HEAD\r\n", 0);
		return 405;
	}
	if ((rc = check_access(conf, io, urls[i].path, head)) != 0)
		return rc;
	switch (urls[i].bit) {
	case MONITOR_HEALTH:
		rc = health(conf, io, head);
		break;
	case MONITOR_METRICS:
		rc = metrics(conf, io, head);
		break;
	default:
		rc = status_page(conf, io, head);
	}
	return rc < 0 ? 500 : rc;
}
