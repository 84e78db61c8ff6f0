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
#include "conf_int.h"
#include "resident.h"
#include "route.h"
#include "sign.h"
#include "stats.h"

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
/* Records the error now in l->err: the first one stops the load, unless
 * every error is wanted. */
static void
fail_at(struct loader *l)
{
	l->failed = 1;
	if (l->all != NULL && strlist_add(l->all, l->err->msg) != 0)
		l->all = NULL;	/* out of memory: stop at this one */
}

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
	const struct conf_key *k;
	struct err kerr = { "out of memory" };
	struct err *outer = l->err;
	int rc;

	(void)section;	/* read_line() opened it: l->ep */

	if ((l->failed && l->all == NULL) || l->skip)
		return 1;
	if ((k = conf_key_find(name)) == NULL) {
		err_set(l->err, "%s:%u: unknown key '%s'", l->file, l->line,
		    name);
		fail_at(l);
		return 1;
	}
	if (k->scope != ANY && (k->scope == ENDPOINT) != (l->ep != NULL)) {
		err_set(l->err, "%s:%u: key '%s' belongs %s", l->file, l->line,
		    name, k->scope == GLOBAL ?
		    "before the first [section]" : "in an endpoint's [section]");
		fail_at(l);
		return 1;
	}
	l->err = &kerr;
	rc = k->fn(l, value);
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
	if (c->monitor != 0 && c->monitor_token == NULL &&
	    c->monitor_allow_ip.n == 0) {
		/* Off until configured, and never open to anyone. */
		err_set(l->err, "%s:%u: key 'monitor': needs monitor_token_file "
		    "or monitor_allow_ip (or both)", c->path, c->monitor_line);
		fail_at(l);
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
	c->resident_workers = RESIDENT_WORKERS;
	c->resident_idle = RESIDENT_IDLE;
	c->dedupe_window = 72 * 3600;
	c->keep_done = 7 * 86400;
	c->spool_min_free = SPOOL_MIN_FREE_AUTO;
	c->health_max_due = 3600;
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
	cidrlist_free(&c->monitor_allow_ip);
	if (c->monitor_token != NULL)
		explicit_bzero(c->monitor_token, strlen(c->monitor_token));
	free(c->monitor_token);
	free(c->monitor_token_file);
	free(c->retry);
	free(c->ca_file);
	free(c->path);
	free(c->dir);
	free(c->hooks_dir);
	free(c->spool_dir);
	free(c->log);
	free(c->database);
	fileset_clear(&c->files);
	free(c->user);
	stats_close(c->stats);
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

unsigned
endpoint_resident_workers(const struct conf *c, const struct endpoint *ep)
{
	return ep != NULL && ep->resident_workers > 0 ?
	    ep->resident_workers : c->resident_workers;
}

unsigned
endpoint_resident_idle(const struct conf *c, const struct endpoint *ep)
{
	return ep != NULL && ep->resident_idle > 0 ? ep->resident_idle :
	    c->resident_idle;
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
