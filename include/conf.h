/* conf.h: the INI configuration, loaded once into an immutable struct. */
#ifndef HOOKLINE_CONF_H
#define HOOKLINE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "cidr.h"
#include "conf_watch.h"
#include "err.h"
#include "strlist.h"

struct stats;

enum provider {
	PROVIDER_GENERIC,
	PROVIDER_GITHUB,
	PROVIDER_GITLAB,
	PROVIDER_GITEA,
	PROVIDER_BITBUCKET,
	PROVIDER_STRIPE,
	PROVIDER_SLACK,
	PROVIDER_STANDARD,
	PROVIDER_SHOPIFY,
	PROVIDER_PADDLE,
	PROVIDER_SQUARE,
	PROVIDER_TWILIO,
	PROVIDER_DISCORD,
	PROVIDER_HMAC,
	PROVIDER__COUNT
};

const char	*provider_name(enum provider p);
/* Returns 0 and sets *p, or -1 for an unknown name. */
int		 provider_parse(const char *name, enum provider *p);

enum mode {
	MODE_SYNC,
	MODE_ASYNC
};

struct endpoint {
	char		*name;		/* section name; "" for the implicit one */
	unsigned	 line;		/* line of the section header, 0 if implicit */
	enum provider	 provider;
	enum mode	 mode;
	char		*hooks_dir;	/* absolute */
	struct strlist	 secrets;	/* any one may match (rotation) */
	struct strlist	 secret_files;	/* absolute paths of secret_file keys,
					 * in file order (for hookline check) */
	char		*public_key;	/* discord: hex; standard v1a: whpk_... */
	char		*public_url;	/* square, twilio: the URL the sender signs */
	char		*signing_token;	/* gitlab: Standard Webhooks whsec_... */
	char		*event;		/* fixed event name, or NULL */
	char		*event_field;	/* dotted payload path, or NULL */
	long		 tolerance;	/* seconds; -1: the provider's default */
	bool		 allow_sha1;	/* github: accept legacy X-Hub-Signature */
	/* provider = hmac */
	char		*signature_header;
	char		*algorithm;	/* sha1 | sha256 | sha512 */
	char		*encoding;	/* hex | base64 */
	char		*prefix;	/* e.g. "sha256=" */
	char		*timestamp_header;
	unsigned	 timestamp_line;	/* its line, for the check in
					 * finish() */
	char		*signed_content;	/* template: {timestamp} {body} {id} */
	char		*delivery_header;
	struct cidrlist	 allow_ip;	/* empty: anyone */
	struct strlist	 forward;	/* URLs */
	char		*forward_secret;
	long		 forward_timeout;	/* seconds; 0: the global one */
	char		*ca_file;	/* absolute; NULL: the global one */
	/* Limits; read them through endpoint_timeout() and
	 * endpoint_retry_delay(), which fall back to the global values. */
	unsigned	 timeout;	/* seconds; 0: the global one */
	unsigned	 max_running;	/* this endpoint's own bound, on top
					 * of the global one; 0: none */
	unsigned	 resident_workers;	/* 0: the global one */
	unsigned	 resident_idle;		/* seconds; 0: the global one */
	long		*retry;		/* async schedule; NULL: the global
					 * one; nretry 0: no retries */
	size_t		 nretry;
};

struct conf {
	char		*path;		/* NULL when running without a file */
	char		*dir;		/* relative paths resolve against it */
	char		*hooks_dir;	/* absolute */
	char		*spool_dir;	/* absolute */
	char		*log;		/* "stderr", "syslog" or a path */
	char		*user;		/* who serves and owns the spool; NULL:
					 * the spool folder's owner */
	size_t		 max_body;	/* bytes */
	unsigned	 timeout;	/* seconds one hook may run */
	unsigned	 body_timeout;	/* seconds a sender has for the whole
					 * body; then 408 */
	unsigned	 kill_after;	/* seconds from SIGTERM to SIGKILL */
	long		 dedupe_window;	/* seconds */
	unsigned	 max_running;	/* 0: no bound */
	/* resident hooks (resident.c): the most workers of one hook in
	 * one process, and how long one may wait for a delivery */
	unsigned	 resident_workers;
	unsigned	 resident_idle;	/* seconds */
	/* async mode (spool.c, drain.c) */
	long		*retry;		/* seconds to wait after the 1st, 2nd, ...
					 * failure; then dead. NULL with nretry
					 * 0: the default 5s 5m 30m 2h 5h 10h 10h;
					 * non-NULL with nretry 0: no retries */
	size_t		 nretry;
	long		 keep_done;	/* seconds done/ is kept; 0: 7 days */
	size_t		 spool_min_free; /* bytes; below it, 503;
					 * SPOOL_MIN_FREE_AUTO: spool_floor() */
	/* database_unavailable (pgx, db_spill.c): an async delivery the
	 * database cannot take is kept in the local spool (true) or
	 * answered 503 (false, the default) */
	bool		 database_spill;
	/* forwarding (forward.c, deliver_forward.c) */
	long		 forward_timeout;	/* seconds; 0: FORWARD_TIMEOUT */
	char		*ca_file;	/* absolute; NULL: the system's CAs */
	struct cidrlist	 trusted_proxies;
	/* The watching URLs, <script URL>/-/metrics, /-/health and
	 * /-/status (monitor.c): off (0) until `monitor` names them. */
	unsigned	 monitor;	/* MONITOR_* bits */
	unsigned	 monitor_line;	/* its line, for the check in finish() */
	char		*monitor_token;	/* monitor_token_file's first line */
	char		*monitor_token_file;	/* absolute, or NULL */
	struct cidrlist	 monitor_allow_ip;	/* empty: any address */
	long		 health_max_due;	/* seconds a due delivery may
						 * wait before health is 503 */
	/* several hosts (db.c, db_queue.c): a libpq URI or conninfo;
	 * NULL: the local spool only */
	char		*database;
	long		 database_lease;	/* seconds; 0: DB_LEASE_DEFAULT */
	struct endpoint	*endpoints;
	size_t		 nendpoints;
	struct endpoint	 implicit;	/* used when no [default] exists */
	/* every file read (this one, each secret_file), as it was when
	 * read: for conf_changed() and conf_reload() */
	struct fileset	 files;
	/* The shared counters (stats.h), attached by a serving process
	 * with stats_attach(); NULL: not counting. conf_free closes it. */
	struct stats	*stats;
};

/* The bits of conf->monitor: which watching URLs answer. */
#define MONITOR_METRICS	0x1
#define MONITOR_HEALTH	0x2
#define MONITOR_STATUS	0x4
/* database_lease when the file does not set it: 5 minutes. */
#define DB_LEASE_DEFAULT	300

/* spool_min_free when the file does not set it. */
#define SPOOL_MIN_FREE_AUTO	((size_t)-1)

/* Loads path (NULL: no file; the implicit generic endpoint with
 * ./hooks.d). Errors name the file, line and key. Returns 0, or -1 with
 * err filled and *out untouched. */
int	conf_load(const char *path, struct conf **out, struct err *err);
/* The same; on failure, *read (unless NULL) gets the files the load
 * read or tried to, as they were (see conf_watch.h). */
int	conf_load_files(const char *path, struct conf **out,
	    struct fileset *read, struct err *err);
void	conf_free(struct conf *c);

/* As conf_load, for `hookline check` and for a start that must
 * explain itself: every error is added to errs ("file:line: key: what"):
 * keys and sections in file order, then the first line that is not
 * INI at all (inih names only the first), then what needs the whole
 * file (an endpoint's missing public_url, say). When the file
 * could be read *partial is the configuration without the refused keys
 * and sections (the caller frees it), so more can be checked and its
 * log found. Returns 0 (*out set, *partial NULL) or -1. */
int	conf_load_report(const char *path, struct conf **out,
	    struct strlist *errs, struct conf **partial);

/* The endpoint for a PATH_INFO-derived name ("" means /), or NULL. */
const struct endpoint *conf_endpoint(const struct conf *c, const char *name);

/* The seconds one hook of a delivery on ep may run: the endpoint's own
 * timeout, else the global one (also when ep is NULL). */
unsigned endpoint_timeout(const struct conf *c, const struct endpoint *ep);

/* resident_workers and resident_idle for ep: its own, else the
 * global ones (also when ep is NULL). */
unsigned endpoint_resident_workers(const struct conf *c,
	    const struct endpoint *ep);
unsigned endpoint_resident_idle(const struct conf *c,
	    const struct endpoint *ep);

/* The seconds to wait before the next try of an async delivery on ep
 * that has failed `failures` times: from the endpoint's own retry
 * schedule, else the global one (also when ep is NULL: an endpoint no
 * longer in the file), else the default. 0 for failures 0; -1 when the
 * schedule is used up: dead. */
long	endpoint_retry_delay(const struct conf *c, const struct endpoint *ep,
	    unsigned failures);

/* 1 when a file it was read from (the config file, a secret_file)
 * differs from what was loaded, else 0. */
int	conf_changed(const struct conf *c);

/* Which config file to use: -c arg, else $HOOKLINE_CONF, else the
 * system file if it exists, else NULL (no file). (conf_locate.c) */
const char *conf_locate(const char *arg);

/* Where the configuration was looked for, and what was found. */
struct conf_where {
	char		*path;	/* the file to load; NULL: none found */
	struct strlist	 tried;	/* places looked at, in order (CGI only) */
};

/* As conf_locate(); with cgi set and neither arg nor $HOOKLINE_CONF,
 * first ~/.config/hookline/hookline.conf then ~/hookline/hookline.conf
 * of the user we run as (its /etc/passwd home: suEXEC clears HOME and
 * every custom variable), then the system file. Returns 0, or -1 when
 * out of memory (*w is then empty). conf_where_clear() frees it. */
int	conf_where_find(const char *arg, int cgi, struct conf_where *w);
/* The places tried, joined by ", " (malloc'd), or NULL. */
char	*conf_where_tried(const struct conf_where *w);
void	conf_where_clear(struct conf_where *w);

/* "10M" -> 10485760. Returns 0, or -1 for anything but digits with an
 * optional K, M or G suffix that fits. */
int	parse_size(const char *s, size_t *out);
/* "90", "5s", "5m", "2h", "3d" -> seconds. Returns 0 or -1. */
int	parse_duration(const char *s, long *out);

#endif
