/* conf_keys.c: each configuration key's parser, and the table of them
 * (conf.c reads the file and calls them). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf_int.h"
#include "route.h"
#include "sign.h"

/* path resolved against the config file's folder; caller frees. */
char *
conf_path(const struct conf *c, const char *p)
{
	char *out;

	if (p[0] == '/')
		return strdup(p);
	if (asprintf(&out, "%s/%s", c->dir, p) < 0)
		return NULL;
	return out;
}

static int
set_str(char **slot, const char *value)
{
	char *s = strdup(value);

	if (s == NULL)
		return -1;
	free(*slot);
	*slot = s;
	return 0;
}

/* A closed set of words (whole-string match): the index of v among the
 * NULL-terminated words, or -1 with "expected <say>". */
static int
one_of(struct loader *l, const char *v, const char *const *words,
    const char *say)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	err_set(l->err, "expected %s", say);
	return -1;
}

static int
set_path(struct loader *l, char **slot, const char *value)
{
	char *s = conf_path(l->c, value);

	if (s == NULL)
		return -1;
	free(*slot);
	*slot = s;
	return 0;
}

static int
key_hooks_dir(struct loader *l, const char *v)
{
	return set_path(l, &l->c->hooks_dir, v);
}

static int
key_spool_dir(struct loader *l, const char *v)
{
	return set_path(l, &l->c->spool_dir, v);
}

static int
key_log(struct loader *l, const char *v)
{
	if (strcmp(v, "stderr") == 0 || strcmp(v, "syslog") == 0)
		return set_str(&l->c->log, v);
	return set_path(l, &l->c->log, v);
}

/* Checked when it is used (privdrop.c, check.c): a user may be made
 * after the file is written. */
static int
key_user(struct loader *l, const char *v)
{
	if (*v == '\0') {
		err_set(l->err, "empty user name");
		return -1;
	}
	return set_str(&l->c->user, v);
}

static int
key_max_body(struct loader *l, const char *v)
{
	if (parse_size(v, &l->c->max_body) != 0 || l->c->max_body == 0) {
		err_set(l->err, "expected a size such as 10M");
		return -1;
	}
	return 0;
}

static int
key_spool_min_free(struct loader *l, const char *v)
{
	if (parse_size(v, &l->c->spool_min_free) != 0 ||
	    l->c->spool_min_free == SPOOL_MIN_FREE_AUTO) {
		err_set(l->err, "expected a size such as 100M");
		return -1;
	}
	return 0;
}

/* database_unavailable: what an async delivery gets when the database
 * cannot be reached: 503 and Retry-After, or the local spool. */
static int
key_database_unavailable(struct loader *l, const char *v)
{
	static const char *const w[] = { "503", "spool", NULL };
	int i = one_of(l, v, w, "503 or spool");

	if (i < 0)
		return -1;
	l->c->database_spill = i == 1;
	return 0;
}

static int
get_seconds(struct loader *l, const char *v, long min, long *out)
{
	if (parse_duration(v, out) != 0 || *out < min) {
		err_set(l->err, "expected a duration such as 30s, 5m, 2h, 3d");
		return -1;
	}
	return 0;
}

/* A duration from min to max seconds. */
static int
get_seconds_upto(struct loader *l, const char *v, long min, long max,
    long *out)
{
	if (get_seconds(l, v, min, out) != 0 || *out > max) {
		err_set(l->err, "expected seconds from %ld to %ld", min, max);
		return -1;
	}
	return 0;
}

static int
key_timeout(struct loader *l, const char *v)
{
	long n;

	if (get_seconds_upto(l, v, 1, 86400, &n) != 0)
		return -1;
	*(l->ep != NULL ? &l->ep->timeout : &l->c->timeout) = (unsigned)n;
	return 0;
}

/* How long a sender may take to send its whole body. */
static int
key_body_timeout(struct loader *l, const char *v)
{
	long n;

	if (get_seconds_upto(l, v, 1, 3600, &n) != 0)
		return -1;
	l->c->body_timeout = (unsigned)n;
	return 0;
}

static int
key_dedupe_window(struct loader *l, const char *v)
{
	return get_seconds(l, v, 0, &l->c->dedupe_window);
}

static int
key_keep_done(struct loader *l, const char *v)
{
	return get_seconds(l, v, 0, &l->c->keep_done);
}

/* A decimal number from min to max, nothing else. 0, or -1 with err. */
static int
get_number(struct loader *l, const char *v, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    *out < min || *out > max) {
		err_set(l->err, "expected a number from %ld to %ld", min, max);
		return -1;
	}
	return 0;
}

static int
key_max_running(struct loader *l, const char *v)
{
	long n;

	if (get_number(l, v, 0, 4096, &n) != 0) {
		err_set(l->err, "expected a number from 0 (no bound) to 4096");
		return -1;
	}
	*(l->ep != NULL ? &l->ep->max_running : &l->c->max_running) =
	    (unsigned)n;
	return 0;
}

/* Resident hooks: workers per hook and process (1 to 64), and the
 * seconds an idle one waits for a delivery (1 s to a day). */
static int
key_resident_workers(struct loader *l, const char *v)
{
	long n;

	if (get_number(l, v, 1, 64, &n) != 0)
		return -1;
	*(l->ep != NULL ? &l->ep->resident_workers :
	    &l->c->resident_workers) = (unsigned)n;
	return 0;
}

static int
key_resident_idle(struct loader *l, const char *v)
{
	long n;

	if (get_seconds_upto(l, v, 1, 86400, &n) != 0)
		return -1;
	*(l->ep != NULL ? &l->ep->resident_idle : &l->c->resident_idle) =
	    (unsigned)n;
	return 0;
}

/* "5s 5m 30m" (spaces or commas), or "none": dead after one failure
 * (a schedule of no waits: non-NULL, nretry 0). */
static int
key_retry(struct loader *l, const char *v)
{
	long *r = NULL, *nr, **slot = l->ep ? &l->ep->retry : &l->c->retry;
	size_t n = 0;
	char *copy, *tok, *save = NULL;
	int rc = -1;

	if (strcmp(v, "none") == 0 && (r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if ((copy = strdup(r != NULL ? "" : v)) == NULL)
		goto done;
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if ((nr = reallocarray(r, n + 1, sizeof(*r))) == NULL)
			goto done;
		r = nr;
		if (get_seconds(l, tok, 1, &r[n]) != 0)
			goto done;
		n++;
	}
	if (r == NULL && l->ep != NULL) {
		/* Empty (globally: the default schedule) says nothing
		 * here; leaving the line out is how to get the global one. */
		err_set(l->err, "expected durations such as 5s 5m 30m, or "
		    "none");
		goto done;
	}
	free(*slot);
	*slot = r;
	*(l->ep ? &l->ep->nretry : &l->c->nretry) = n;
	r = NULL;
	rc = 0;
done:
	free(r);
	free(copy);
	return rc;
}

static int
cidrs(struct loader *l, struct cidrlist *list, const char *v)
{
	return cidrlist_parse(list, v, l->err);
}

static int
key_trusted_proxies(struct loader *l, const char *v)
{
	return cidrs(l, &l->c->trusted_proxies, v);
}

static int
key_provider(struct loader *l, const char *v)
{
	if (provider_parse(v, &l->ep->provider) != 0) {
		err_set(l->err, "unknown provider (one of generic github gitlab "
		    "gitea bitbucket stripe slack standard shopify paddle "
		    "square twilio discord hmac)");
		return -1;
	}
	return 0;
}

static int
key_mode(struct loader *l, const char *v)
{
	static const char *const w[] = { "sync", "async", NULL };
	int i = one_of(l, v, w, "sync or async");

	if (i < 0)
		return -1;
	l->ep->mode = i == 0 ? MODE_SYNC : MODE_ASYNC;
	return 0;
}

static int
key_hooks(struct loader *l, const char *v)
{
	return set_path(l, &l->ep->hooks_dir, v);
}

static int
key_secret(struct loader *l, const char *v)
{
	if (*v == '\0') {
		err_set(l->err, "empty secret");
		return -1;
	}
	return strlist_add(&l->ep->secrets, v);
}

/* The first line of the file at path, without its line ending, into
 * *out (caller wipes and frees); what names it in errors. The file is
 * recorded in c->files: a rotated secret or token is reloaded. */
static int
first_line(struct loader *l, const char *path, const char *what, char **out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp = NULL;
	int rc = -1, fd;

	if ((fd = fileset_open(&l->c->files, path)) == -1 ||
	    (fp = fdopen(fd, "r")) == NULL) {
		err_set(l->err, "cannot read %s file %s: %s", what, path,
		    strerror(errno));
		if (fd != -1)
			(void)close(fd);
		goto done;
	}
	n = getline(&line, &cap, fp);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n <= 0) {
		err_set(l->err, "%s file %s is empty", what, path);
		goto done;
	}
	if ((*out = strdup(line)) != NULL)
		rc = 0;
done:
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

/* The secret is the file's first line, without its line ending. */
static int
key_secret_file(struct loader *l, const char *v)
{
	char *path, *line = NULL;
	int rc = -1;

	if ((path = conf_path(l->c, v)) == NULL)
		return -1;
	if (first_line(l, path, "secret", &line) != 0)
		goto done;
	rc = strlist_add(&l->ep->secrets, line);
	if (rc == 0)
		rc = strlist_add(&l->ep->secret_files, path);
	explicit_bzero(line, strlen(line));
	free(line);
done:
	free(path);
	return rc;
}

/* monitor = metrics health status: which watching URLs answer (a word
 * list; none given is an error: leaving the line out turns them off). */
static int
key_monitor(struct loader *l, const char *v)
{
	static const struct { const char *w; unsigned bit; } words[] = {
		{ "metrics", MONITOR_METRICS },
		{ "health", MONITOR_HEALTH },
		{ "status", MONITOR_STATUS },
	};
	unsigned bits = 0;
	size_t n, i;

	for (v += strspn(v, " \t,"); *v != '\0'; v += strspn(v, " \t,")) {
		n = strcspn(v, " \t,");
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i].w) == n &&
			    strncmp(words[i].w, v, n) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0])) {
			err_set(l->err, "expected metrics, health and/or "
			    "status");
			return -1;
		}
		bits |= words[i].bit;
		v += n;
	}
	if (bits == 0) {
		err_set(l->err, "expected metrics, health and/or status");
		return -1;
	}
	l->c->monitor = bits;
	l->c->monitor_line = l->line;
	return 0;
}

/* RFC 6750 2.1: a bearer token is b64token = 1*( ALPHA / DIGIT /
 * "-" / "." / "_" / "~" / "+" / "/" ) *"="; we also want it long
 * enough not to be guessed. */
#define MONITOR_TOKEN_MIN	16

static int
token_valid(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-._~+/");

	return n >= MONITOR_TOKEN_MIN && t[n + strspn(t + n, "=")] == '\0';
}

static int
key_monitor_token_file(struct loader *l, const char *v)
{
	char *path, *line = NULL;
	int rc = -1;

	if ((path = conf_path(l->c, v)) == NULL)
		return -1;
	if (first_line(l, path, "token", &line) != 0)
		goto done;
	if (!token_valid(line)) {
		err_set(l->err, "the token in %s must be at least %d "
		    "characters of A-Z a-z 0-9 - . _ ~ + / (then = padding), "
		    "e.g. from: head -c 24 /dev/urandom | base64", path,
		    MONITOR_TOKEN_MIN);
		explicit_bzero(line, strlen(line));
		free(line);
		goto done;
	}
	if (l->c->monitor_token != NULL) {
		explicit_bzero(l->c->monitor_token,
		    strlen(l->c->monitor_token));
		free(l->c->monitor_token);
	}
	free(l->c->monitor_token_file);
	l->c->monitor_token = line;
	l->c->monitor_token_file = path;
	path = NULL;
	rc = 0;
done:
	free(path);
	return rc;
}

static int
key_monitor_allow_ip(struct loader *l, const char *v)
{
	return cidrs(l, &l->c->monitor_allow_ip, v);
}

static int
key_health_max_due(struct loader *l, const char *v)
{
	return get_seconds(l, v, 1, &l->c->health_max_due);
}

#define EP_STR(field) \
static int \
key_##field(struct loader *l, const char *v) \
{ \
	return set_str(&l->ep->field, v); \
}
EP_STR(public_key)
EP_STR(public_url)
EP_STR(signing_token)
EP_STR(event_field)
EP_STR(signature_header)
EP_STR(prefix)

static int
key_timestamp_header(struct loader *l, const char *v)
{
	l->ep->timestamp_line = l->line;
	return set_str(&l->ep->timestamp_header, v);
}

EP_STR(signed_content)
EP_STR(delivery_header)

static int
key_event(struct loader *l, const char *v)
{
	if (!event_name_valid(v)) {
		err_set(l->err, "not a valid event name (1-128 of A-Z a-z 0-9 "
		    ". _ : -, not starting with .)");
		return -1;
	}
	return set_str(&l->ep->event, v);
}

static int
key_tolerance(struct loader *l, const char *v)
{
	return get_seconds(l, v, 0, &l->ep->tolerance);
}

static int
key_allow_sha1(struct loader *l, const char *v)
{
	static const char *const w[] = { "no", "false", "yes", "true", NULL };
	int i = one_of(l, v, w, "yes or no");

	if (i < 0)
		return -1;
	l->ep->allow_sha1 = i >= 2;
	return 0;
}

static int
key_algorithm(struct loader *l, const char *v)
{
	static const char *const w[] = { "sha1", "sha256", "sha512", NULL };

	if (one_of(l, v, w, "sha1, sha256 or sha512") < 0)
		return -1;
	return set_str(&l->ep->algorithm, v);
}

static int
key_encoding(struct loader *l, const char *v)
{
	static const char *const w[] = { "hex", "base64", NULL };

	if (one_of(l, v, w, "hex or base64") < 0)
		return -1;
	return set_str(&l->ep->encoding, v);
}

/* Forwards are signed as Standard Webhooks: a whsec_ base64 key. */
static int
key_forward_secret(struct loader *l, const char *v)
{
	if (sign_secret_check(PROVIDER_STANDARD, v, l->err) != 0)
		return -1;
	return set_str(&l->ep->forward_secret, v);
}

static int
key_allow_ip(struct loader *l, const char *v)
{
	return cidrs(l, &l->ep->allow_ip, v);
}

static int
key_forward(struct loader *l, const char *v)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	if ((copy = strdup(v)) == NULL)
		return -1;
	for (tok = strtok_r(copy, " \t", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strncmp(tok, "https://", 8) != 0 &&
		    strncmp(tok, "http://", 7) != 0) {
			err_set(l->err, "expected http:// or https:// URLs");
			rc = -1;
		} else
			rc = strlist_add(&l->ep->forward, tok);
	}
	free(copy);
	return rc;
}

static int
key_forward_timeout(struct loader *l, const char *v)
{
	long n;

	if (get_seconds_upto(l, v, 1, 3600, &n) != 0)
		return -1;
	*(l->ep != NULL ? &l->ep->forward_timeout : &l->c->forward_timeout) = n;
	return 0;
}

static int
key_ca_file(struct loader *l, const char *v)
{
	return set_path(l, l->ep != NULL ? &l->ep->ca_file : &l->c->ca_file, v);
}

/* A libpq connection URI (postgresql://...) or key=value conninfo;
 * libpq parses it when connecting. An inline password is hookline
 * check's business (a warning, a refusal when others can read it). */
static int
key_database(struct loader *l, const char *v)
{
	if (*v == '\0') {
		err_set(l->err, "expected a PostgreSQL connection string "
		    "such as postgresql:///hookline?host=/run/postgresql");
		return -1;
	}
	return set_str(&l->c->database, v);
}

/* How long a drainer's claim on a delivery holds unless renewed. */
static int
key_database_lease(struct loader *l, const char *v)
{
	return get_seconds_upto(l, v, 2, 86400, &l->c->database_lease);
}

/* Every key there is. */
static const struct conf_key keys[] = {
	{ "hooks_dir",		GLOBAL,   key_hooks_dir, 0 },
	{ "spool_dir",		GLOBAL,   key_spool_dir, 0 },
	{ "max_body",		GLOBAL,   key_max_body, 0 },
	{ "timeout",		ANY,      key_timeout, 0 },
	{ "body_timeout",	GLOBAL,   key_body_timeout, 0 },
	{ "log",		GLOBAL,   key_log, 0 },
	{ "user",		GLOBAL,   key_user, 0 },
	{ "dedupe_window",	GLOBAL,   key_dedupe_window, 0 },
	{ "max_running",	ANY,      key_max_running, 0 },
	{ "resident_workers",	ANY,      key_resident_workers, 0 },
	{ "resident_idle",	ANY,      key_resident_idle, 0 },
	{ "retry",		ANY,      key_retry, 0 },
	{ "keep_done",		GLOBAL,   key_keep_done, 0 },
	{ "spool_min_free",	GLOBAL,   key_spool_min_free, 0 },
	{ "database_unavailable", GLOBAL, key_database_unavailable, 0 },
	{ "trusted_proxies",	GLOBAL,   key_trusted_proxies, 1 },
	{ "monitor",		GLOBAL,   key_monitor, 0 },
	{ "monitor_token_file",	GLOBAL,   key_monitor_token_file, 0 },
	{ "monitor_allow_ip",	GLOBAL,   key_monitor_allow_ip, 1 },
	{ "health_max_due",	GLOBAL,   key_health_max_due, 0 },
	{ "database",		GLOBAL,   key_database, 0 },
	{ "database_lease",	GLOBAL,   key_database_lease, 0 },
	{ "provider",		ENDPOINT, key_provider, 0 },
	{ "mode",		ENDPOINT, key_mode, 0 },
	{ "hooks",		ENDPOINT, key_hooks, 0 },
	{ "secret",		ENDPOINT, key_secret, 1 },
	{ "secret_file",	ENDPOINT, key_secret_file, 1 },
	{ "public_key",		ENDPOINT, key_public_key, 0 },
	{ "public_url",		ENDPOINT, key_public_url, 0 },
	{ "signing_token",	ENDPOINT, key_signing_token, 0 },
	{ "event",		ENDPOINT, key_event, 0 },
	{ "event_field",	ENDPOINT, key_event_field, 0 },
	{ "tolerance",		ENDPOINT, key_tolerance, 0 },
	{ "allow_sha1",		ENDPOINT, key_allow_sha1, 0 },
	{ "signature_header",	ENDPOINT, key_signature_header, 0 },
	{ "algorithm",		ENDPOINT, key_algorithm, 0 },
	{ "encoding",		ENDPOINT, key_encoding, 0 },
	{ "prefix",		ENDPOINT, key_prefix, 0 },
	{ "timestamp_header",	ENDPOINT, key_timestamp_header, 0 },
	{ "signed_content",	ENDPOINT, key_signed_content, 0 },
	{ "delivery_header",	ENDPOINT, key_delivery_header, 0 },
	{ "allow_ip",		ENDPOINT, key_allow_ip, 1 },
	{ "forward",		ENDPOINT, key_forward, 1 },
	{ "forward_secret",	ENDPOINT, key_forward_secret, 0 },
	{ "forward_timeout",	ANY,      key_forward_timeout, 0 },
	{ "ca_file",		ANY,      key_ca_file, 0 },
};

const struct conf_key *
conf_key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}
