/* conf.c: the INI file (libinih) into an immutable struct conf. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "conf.h"
#include "route.h"
#include "sign.h"

static const char *const provider_names[PROVIDER__COUNT] = {
	[PROVIDER_GENERIC] = "generic",	[PROVIDER_GITHUB] = "github",
	[PROVIDER_GITLAB] = "gitlab",	[PROVIDER_GITEA] = "gitea",
	[PROVIDER_BITBUCKET] = "bitbucket", [PROVIDER_STRIPE] = "stripe",
	[PROVIDER_SLACK] = "slack",	[PROVIDER_STANDARD] = "standard",
	[PROVIDER_SHOPIFY] = "shopify",	[PROVIDER_PADDLE] = "paddle",
	[PROVIDER_SQUARE] = "square",	[PROVIDER_TWILIO] = "twilio",
	[PROVIDER_DISCORD] = "discord",	[PROVIDER_HMAC] = "hmac",
};

/* Svix's published schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
static const long default_retry[] = { 5, 300, 1800, 7200, 18000, 36000,
	36000 };

const char *
provider_name(enum provider p)
{
	return p < PROVIDER__COUNT ? provider_names[p] : "unknown";
}

int
provider_parse(const char *name, enum provider *p)
{
	int i;

	for (i = 0; i < PROVIDER__COUNT; i++) {
		if (strcmp(name, provider_names[i]) == 0) {
			*p = (enum provider)i;
			return 0;
		}
	}
	return -1;
}

int
parse_size(const char *s, size_t *out)
{
	unsigned long long n;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':			break;
	case 'K': case 'k':	shift = 10; end++; break;
	case 'M': case 'm':	shift = 20; end++; break;
	case 'G': case 'g':	shift = 30; end++; break;
	default:		return -1;
	}
	if (*end != '\0' || n > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(n << shift);
	return 0;
}

int
parse_duration(const char *s, long *out)
{
	long long n;
	char *end;
	long mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': case 's':	break;
	case 'm':		mult = 60; break;
	case 'h':		mult = 3600; break;
	case 'd':		mult = 86400; break;
	default:		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (n > LONG_MAX / mult)
		return -1;
	*out = (long)(n * mult);
	return 0;
}

/* --- loading ----------------------------------------------------------- */

struct loader {
	struct conf	*c;
	const char	*file;		/* for messages */
	unsigned	 line;		/* counted by the reader */
	FILE		*fp;
	struct endpoint	*ep;		/* current section, or NULL */
	struct err	*err;
	int		 failed;
	int		 skip;		/* keys of a refused [section]: ignored */
	struct strlist	*all;		/* NULL: stop at the first error; else
					 * every error is added here */
};

/* Records the error now in l->err: the first one stops the load, unless
 * every error is wanted. */
static void
fail_at(struct loader *l)
{
	l->failed = 1;
	if (l->all != NULL && strlist_add(l->all, l->err->msg) != 0)
		l->all = NULL;	/* out of memory: stop at this one */
}

/* A key's parser: stores value into the conf or endpoint; returns 0, or
 * -1 with a message in l->err (without file/line: the caller adds them). */
typedef int (*key_fn)(struct loader *l, const char *value);

/* path resolved against the config file's folder; caller frees. */
static char *
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

static int
key_max_running(struct loader *l, const char *v)
{
	long n;
	char *end;

	errno = 0;
	n = strtol(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n > 4096) {
		err_set(l->err, "expected a number from 0 (no bound) to 4096");
		return -1;
	}
	*(l->ep != NULL ? &l->ep->max_running : &l->c->max_running) =
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
	if (strcmp(v, "sync") == 0)
		l->ep->mode = MODE_SYNC;
	else if (strcmp(v, "async") == 0)
		l->ep->mode = MODE_ASYNC;
	else {
		err_set(l->err, "expected sync or async");
		return -1;
	}
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

/* The secret is the file's first line, without its line ending. */
static int
key_secret_file(struct loader *l, const char *v)
{
	char *path, *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp = NULL;
	int rc = -1, fd;

	if ((path = conf_path(l->c, v)) == NULL)
		return -1;
	/* Recorded in c->files: a rotated secret file is reloaded. */
	if ((fd = fileset_open(&l->c->files, path)) == -1 ||
	    (fp = fdopen(fd, "r")) == NULL) {
		err_set(l->err, "cannot read secret file %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			(void)close(fd);
		goto done;
	}
	n = getline(&line, &cap, fp);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n <= 0) {
		err_set(l->err, "secret file %s is empty", path);
		goto done;
	}
	rc = strlist_add(&l->ep->secrets, line);
	if (rc == 0)
		rc = strlist_add(&l->ep->secret_files, path);
done:
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	if (fp != NULL)
		fclose(fp);
	free(path);
	return rc;
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
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		l->ep->allow_sha1 = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		l->ep->allow_sha1 = false;
	else {
		err_set(l->err, "expected yes or no");
		return -1;
	}
	return 0;
}

static int
key_algorithm(struct loader *l, const char *v)
{
	if (strcmp(v, "sha1") != 0 && strcmp(v, "sha256") != 0 &&
	    strcmp(v, "sha512") != 0) {
		err_set(l->err, "expected sha1, sha256 or sha512");
		return -1;
	}
	return set_str(&l->ep->algorithm, v);
}

static int
key_encoding(struct loader *l, const char *v)
{
	if (strcmp(v, "hex") != 0 && strcmp(v, "base64") != 0) {
		err_set(l->err, "expected hex or base64");
		return -1;
	}
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

/* ANY: global, or per endpoint overriding the global value. */
enum scope { GLOBAL, ENDPOINT, ANY };

/* Every key there is; anything else is an error (as bgplgd's qs.c). */
static const struct {
	const char	*name;
	enum scope	 scope;
	key_fn		 fn;
	int		 repeat;	/* may appear more than once */
} keys[] = {
	{ "hooks_dir",		GLOBAL,   key_hooks_dir, 0 },
	{ "spool_dir",		GLOBAL,   key_spool_dir, 0 },
	{ "max_body",		GLOBAL,   key_max_body, 0 },
	{ "timeout",		ANY,      key_timeout, 0 },
	{ "body_timeout",	GLOBAL,   key_body_timeout, 0 },
	{ "log",		GLOBAL,   key_log, 0 },
	{ "user",		GLOBAL,   key_user, 0 },
	{ "dedupe_window",	GLOBAL,   key_dedupe_window, 0 },
	{ "max_running",	ANY,      key_max_running, 0 },
	{ "retry",		ANY,      key_retry, 0 },
	{ "keep_done",		GLOBAL,   key_keep_done, 0 },
	{ "spool_min_free",	GLOBAL,   key_spool_min_free, 0 },
	{ "trusted_proxies",	GLOBAL,   key_trusted_proxies, 1 },
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

static int
section_name_valid(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-");

	return n > 0 && n <= 64 && s[n] == '\0';
}

static void
endpoint_init(struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->provider = PROVIDER_GENERIC;
	ep->mode = MODE_SYNC;
	ep->tolerance = -1;
}

static void
endpoint_clear(struct endpoint *ep)
{
	free(ep->name);
	free(ep->hooks_dir);
	for (size_t i = 0; i < ep->secrets.n; i++)
		explicit_bzero(ep->secrets.v[i], strlen(ep->secrets.v[i]));
	strlist_clear(&ep->secrets);
	strlist_clear(&ep->secret_files);
	free(ep->public_key);
	free(ep->public_url);
	if (ep->signing_token != NULL)
		explicit_bzero(ep->signing_token, strlen(ep->signing_token));
	free(ep->signing_token);
	free(ep->event);
	free(ep->event_field);
	free(ep->signature_header);
	free(ep->algorithm);
	free(ep->encoding);
	free(ep->prefix);
	free(ep->timestamp_header);
	free(ep->signed_content);
	free(ep->delivery_header);
	cidrlist_free(&ep->allow_ip);
	strlist_clear(&ep->forward);
	if (ep->forward_secret != NULL)
		explicit_bzero(ep->forward_secret, strlen(ep->forward_secret));
	free(ep->forward_secret);
	free(ep->ca_file);
	free(ep->retry);
}

/* Opens section name; 0, or -1 with l->err. */
static int
open_section(struct loader *l, const char *name)
{
	struct conf *c = l->c;
	struct endpoint *v;
	size_t i;

	if (!section_name_valid(name)) {
		err_set(l->err, "section [%s]: names are 1-64 of A-Z a-z 0-9 _ -",
		    name);
		return -1;
	}
	for (i = 0; i < c->nendpoints; i++) {
		if (strcmp(c->endpoints[i].name, name) == 0) {
			err_set(l->err, "section [%s] appears twice", name);
			return -1;
		}
	}
	v = reallocarray(c->endpoints, c->nendpoints + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	c->endpoints = v;
	l->ep = &v[c->nendpoints];
	endpoint_init(l->ep);
	l->ep->line = l->line;
	if ((l->ep->name = strdup(name)) == NULL)
		return -1;
	c->nendpoints++;
	return 0;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct loader *l = user;
	size_t i;
	struct err kerr = { "out of memory" };
	struct err *outer = l->err;
	int rc;

	(void)section;	/* read_line() opened it: l->ep */

	if ((l->failed && l->all == NULL) || l->skip)
		return 1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		err_set(l->err, "%s:%u: unknown key '%s'", l->file, l->line,
		    name);
		fail_at(l);
		return 1;
	}
	if (keys[i].scope != ANY && (keys[i].scope == ENDPOINT) !=
	    (l->ep != NULL)) {
		err_set(l->err, "%s:%u: key '%s' belongs %s", l->file, l->line,
		    name, keys[i].scope == GLOBAL ?
		    "before the first [section]" : "in an endpoint's [section]");
		fail_at(l);
		return 1;
	}
	l->err = &kerr;
	rc = keys[i].fn(l, value);
	l->err = outer;
	if (rc != 0) {
		err_set(l->err, "%s:%u: key '%s': %s", l->file, l->line, name,
		    kerr.msg);
		fail_at(l);
	}
	return 1;
}

/* fgets for inih that counts lines, so errors can name theirs, and
 * opens sections as it meets them (inih calls on_key only for keys, and
 * an endpoint may well have none). */
static char *
read_line(char *str, int num, void *stream)
{
	struct loader *l = stream;
	struct err kerr = { "out of memory" };
	struct err *outer = l->err;
	char *s = fgets(str, num, l->fp), *p, *end;
	int rc;

	if (s == NULL)
		return NULL;
	l->line++;
	for (p = s; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != '[' || (l->failed && l->all == NULL) ||
	    (end = strchr(p, ']')) == NULL)
		return s;	/* inih reports a header without ']' */
	*end = '\0';
	l->skip = 0;
	l->err = &kerr;
	rc = open_section(l, p + 1);
	l->err = outer;
	*end = ']';
	if (rc != 0) {
		err_set(l->err, "%s:%u: %s", l->file, l->line, kerr.msg);
		fail_at(l);
		l->skip = 1;	/* its keys would land in the last section */
	}
	return s;
}

/* One endpoint's checks that need its whole section: NULL, or what is
 * wrong (*line: where to say it; *key: the key at fault, or NULL). */
static const char *
endpoint_wrong(const struct endpoint *ep, unsigned *line, const char **key)
{
	*line = ep->line;
	*key = NULL;
	if (ep->provider == PROVIDER_HMAC && ep->signature_header == NULL &&
	    ep->secrets.n > 0)
		return "provider hmac needs signature_header";
	if ((ep->provider == PROVIDER_TWILIO ||
	    ep->provider == PROVIDER_SQUARE) && ep->public_url == NULL &&
	    ep->secrets.n > 0)
		return ep->provider == PROVIDER_TWILIO ?
		    "provider twilio signs the URL: set public_url" :
		    "provider square signs the URL: set public_url";
	if (ep->forward.n > 0 && ep->mode != MODE_ASYNC)
		/* Forwards are retried through the spool. */
		return "forward needs mode = async";
	if (ep->timestamp_header != NULL && (ep->signed_content == NULL ||
	    strstr(ep->signed_content, "{timestamp}") == NULL)) {
		/* The header is then not signed: a captured request replays
		 * forever with a fresh timestamp. */
		*line = ep->timestamp_line;
		*key = "timestamp_header";
		return "signed_content lacks {timestamp}, so the timestamp is "
		    "not signed and gives no replay window";
	}
	if (ep->provider == PROVIDER_DISCORD && ep->public_key == NULL)
		return "provider discord needs public_key";
	return NULL;
}

/* Fills what the file left unset, checks what needs the whole file.
 * Returns -1 only when out of memory; a bad endpoint goes through
 * fail_at(), and the caller looks at l->failed. */
static int
finish(struct loader *l)
{
	struct conf *c = l->c;
	struct endpoint *ep;
	const char *why, *key;
	unsigned line;
	size_t i;

	if (c->hooks_dir == NULL && (c->hooks_dir = conf_path(c, "hooks.d")) ==
	    NULL)
		return -1;
	if (c->spool_dir == NULL && (c->spool_dir = conf_path(c, "spool")) ==
	    NULL)
		return -1;
	if (c->log == NULL && (c->log = strdup("stderr")) == NULL)
		return -1;
	if (c->retry == NULL) {
		c->nretry = sizeof(default_retry) / sizeof(default_retry[0]);
		if ((c->retry = malloc(sizeof(default_retry))) == NULL)
			return -1;
		memcpy(c->retry, default_retry, sizeof(default_retry));
	}
	for (i = 0; i < c->nendpoints && (!l->failed || l->all != NULL); i++) {
		ep = &c->endpoints[i];
		if (ep->hooks_dir == NULL &&
		    asprintf(&ep->hooks_dir, "%s/%s", c->hooks_dir, ep->name) < 0) {
			ep->hooks_dir = NULL;
			return -1;
		}
		if ((why = endpoint_wrong(ep, &line, &key)) != NULL) {
			err_set(l->err, "%s:%u: %s%s%s[%s]: %s", c->path, line,
			    key != NULL ? "key '" : "", key != NULL ? key : "",
			    key != NULL ? "': " : "", ep->name, why);
			fail_at(l);
		}
	}
	endpoint_init(&c->implicit);
	if ((c->implicit.name = strdup("")) == NULL ||
	    (c->implicit.hooks_dir = strdup(c->hooks_dir)) == NULL)
		return -1;
	return 0;
}

static struct conf *
conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->max_body = 10 * 1024 * 1024;
	c->timeout = 30;
	c->body_timeout = 30;
	c->kill_after = 5;
	c->dedupe_window = 72 * 3600;
	c->keep_done = 7 * 86400;
	c->spool_min_free = SPOOL_MIN_FREE_AUTO;
	return c;
}

/* Reads the file into l->c. Returns 0, or -1 when it could not be read
 * at all (err filled); errors inside it set l->failed. */
static int
read_file(struct loader *l, const char *path, struct err *err)
{
	struct conf *c = l->c;
	char *slash;
	int rc, fd;

	/* Opened by the name given, so that conf_reload() sees the file a
	 * swapped symbolic link points at now. */
	if ((fd = fileset_open(&c->files, path)) == -1 ||
	    (l->fp = fdopen(fd, "r")) == NULL) {
		err_set(err, "%s: %s", path, strerror(errno));
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	if ((c->path = realpath(path, NULL)) == NULL ||
	    (c->dir = strdup(c->path)) == NULL) {
		err_set(err, "%s: %s", path, c->path == NULL ?
		    strerror(errno) : "out of memory");
		fclose(l->fp);
		return -1;
	}
	slash = strrchr(c->dir, '/');
	slash[slash == c->dir] = '\0';	/* "/x.conf" -> "/" */
	l->file = c->path;
	rc = ini_parse_stream(read_line, l, on_key, l);
	fclose(l->fp);
	if (rc != 0 && (!l->failed || l->all != NULL)) {
		/* inih goes on after a bad line but names only the first. */
		err_set(err, "%s:%d: not a key = value line or [section]",
		    c->path, rc);
		fail_at(l);
	}
	return 0;
}

/* conf_load_files and conf_load_report: all NULL stops at the first
 * error; *partial gets what loaded when the file was read but held
 * errors. */
static int
load(const char *path, struct conf **out, struct fileset *read,
    struct err *err, struct strlist *all, struct conf **partial)
{
	struct loader l = { 0 };
	struct conf *c;

	if ((c = conf_new()) == NULL)
		goto nomem;
	l.c = c;
	l.err = err;
	l.all = all;
	if (path == NULL) {
		if ((c->dir = getcwd(NULL, 0)) == NULL) {
			err_set(err, "cannot find the current folder: %s",
			    strerror(errno));
			goto fatal;
		}
	} else if (read_file(&l, path, err) != 0)
		goto fatal;
	if ((!l.failed || all != NULL) && finish(&l) != 0)
		goto nomem;
	if (l.failed) {
		if (partial != NULL) {
			*partial = c;
			return -1;
		}
		goto fail;
	}
	*out = c;
	return 0;
nomem:
	err_set(err, "out of memory");
fatal:
	if (all != NULL)
		(void)strlist_add(all, err->msg);
fail:
	if (read != NULL && c != NULL)
		fileset_move(read, &c->files);
	conf_free(c);
	return -1;
}

int
conf_load(const char *path, struct conf **out, struct err *err)
{
	return load(path, out, NULL, err, NULL, NULL);
}

int
conf_load_files(const char *path, struct conf **out, struct fileset *read,
    struct err *err)
{
	return load(path, out, read, err, NULL, NULL);
}

int
conf_load_report(const char *path, struct conf **out, struct strlist *errs,
    struct conf **partial)
{
	struct err err;

	*partial = NULL;
	return load(path, out, NULL, &err, errs, partial);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nendpoints; i++)
		endpoint_clear(&c->endpoints[i]);
	free(c->endpoints);
	endpoint_clear(&c->implicit);
	cidrlist_free(&c->trusted_proxies);
	free(c->retry);
	free(c->ca_file);
	free(c->path);
	free(c->dir);
	free(c->hooks_dir);
	free(c->spool_dir);
	free(c->log);
	fileset_clear(&c->files);
	free(c->user);
	free(c);
}

const struct endpoint *
conf_endpoint(const struct conf *c, const char *name)
{
	size_t i;
	const char *want = *name == '\0' ? "default" : name;

	for (i = 0; i < c->nendpoints; i++)
		if (strcmp(c->endpoints[i].name, want) == 0)
			return &c->endpoints[i];
	return *name == '\0' ? &c->implicit : NULL;
}

unsigned
endpoint_timeout(const struct conf *c, const struct endpoint *ep)
{
	return ep != NULL && ep->timeout > 0 ? ep->timeout : c->timeout;
}

long
endpoint_retry_delay(const struct conf *c, const struct endpoint *ep,
    unsigned failures)
{
	const long *v = default_retry;
	size_t n = sizeof(default_retry) / sizeof(default_retry[0]);

	if (ep != NULL && ep->retry != NULL) {
		v = ep->retry;
		n = ep->nretry;
	} else if (c->retry != NULL) {
		v = c->retry;
		n = c->nretry;
	}
	if (failures == 0)
		return 0;
	if ((size_t)failures - 1 >= n)
		return -1;
	return v[failures - 1];
}

int
conf_changed(const struct conf *c)
{
	return fileset_changed(&c->files);
}
