/* statusview.c: what the status page and `hookline stats` show: the
 * shared counters (stats.c), the spool's gauges (spoolstat.c) and its
 * dead letters (spool.c), gathered once per look. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spool.h"
#include "statusview.h"

static int
problem(struct status_view *v, const char *what, const struct err *err)
{
	char *s;

	if (asprintf(&s, "%s: %s", what, err->msg) < 0)
		return -1;
	return strlist_take(&v->problems, s);
}

static void
dead_clear(struct dead_letter *d)
{
	free(d->name);
	free(d->endpoint);
	free(d->event);
	free(d->id);
	free(d->error);
}

/* The dead letters, oldest first, at most STATUSVIEW_DEAD_MAX. */
static int
load_dead(const struct conf *conf, struct status_view *v)
{
	struct strlist names = { 0 };
	struct spool_entry e;
	struct dead_letter *d;
	struct err err;
	size_t i;
	int rc = 0;

	if (spool_list(conf->spool_dir, SPOOL_DEAD, &names, &err) != 0)
		return problem(v, "dead letters", &err);
	v->dead_total = names.n;
	if (names.n > 0 && (v->dead = calloc(names.n < STATUSVIEW_DEAD_MAX ?
	    names.n : STATUSVIEW_DEAD_MAX, sizeof(*v->dead))) == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < names.n && v->ndead < STATUSVIEW_DEAD_MAX;
	    i++) {
		if (spool_read(conf->spool_dir, SPOOL_DEAD, names.v[i], &e,
		    &err) != 0)
			continue;	/* replayed or purged meanwhile */
		d = &v->dead[v->ndead];
		d->finished = e.finished;
		d->attempts = e.attempts;
		if ((d->name = strdup(names.v[i])) == NULL ||
		    (d->endpoint = strdup(e.endpoint ? e.endpoint : "")) ==
		    NULL || (d->event = strdup(e.event ? e.event : "")) == NULL ||
		    (d->id = strdup(e.id ? e.id : "")) == NULL ||
		    (e.error != NULL && (d->error = strdup(e.error)) == NULL)) {
			dead_clear(d);
			rc = -1;
		} else
			v->ndead++;
		spool_entry_free(&e);
	}
	strlist_clear(&names);
	return rc;
}

int
status_view_load(const struct conf *conf, time_t now, struct status_view *v)
{
	struct err err;
	size_t i;
	int rc;

	memset(v, 0, sizeof(*v));
	v->now = (int64_t)now;
	if (conf->path != NULL && (v->conf_path = strdup(conf->path)) == NULL)
		return -1;
	for (i = 0; i < conf->nendpoints; i++)
		if (strlist_add(&v->endpoints, conf->endpoints[i].name) != 0)
			goto oom;
	rc = conf->stats != NULL ? stats_snapshot(conf->stats, &v->snap, &err) :
	    stats_read(conf->spool_dir, &v->snap, &err);
	if (rc == -1) {
		stats_snap_free(v->snap);
		v->snap = NULL;
		if (problem(v, "counters", &err) != 0)
			goto oom;
	}
	if (v->snap == NULL && (v->snap = calloc(1, sizeof(*v->snap))) == NULL)
		goto oom;
	if (spoolstat_read(conf->spool_dir, now, &v->spool, &err) == 0)
		v->has_spool = true;
	else if (problem(v, "spool", &err) != 0)
		goto oom;
	if (load_dead(conf, v) != 0)
		goto oom;
	return 0;
oom:
	status_view_free(v);
	return -1;
}

void
status_view_free(struct status_view *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->ndead; i++)
		dead_clear(&v->dead[i]);
	free(v->dead);
	stats_snap_free(v->snap);
	free(v->conf_path);
	strlist_clear(&v->endpoints);
	strlist_clear(&v->problems);
	memset(v, 0, sizeof(*v));
}

static const struct stats_ep_row *
snap_ep(const struct stats_snap *s, const char *name)
{
	for (size_t i = 0; i < s->neps; i++)
		if (strcmp(s->eps[i].name, name) == 0)
			return &s->eps[i];
	return NULL;
}

static void
row_fill(struct status_row *r, const char *name, const struct stats_ep_row *ep)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->ep = ep;
	for (unsigned h = 0; ep != NULL && h < 24 && h < STATS_HOURS; h++)
		for (unsigned o = 0; o < STATS__NOUTCOME; o++)
			r->day[o] += ep->hours[h][o];
}

static int
row_any(const struct status_row *r)
{
	for (unsigned o = 0; o < STATS__NOUTCOME; o++)
		if (r->day[o] > 0)
			return 1;
	return 0;
}

struct status_row *
status_rows(const struct status_view *v, size_t *n)
{
	const struct stats_snap *s = v->snap;
	struct status_row *rows;
	size_t i, j;

	*n = 0;
	if ((rows = calloc(v->endpoints.n + s->neps + 1, sizeof(*rows))) ==
	    NULL)
		return NULL;
	for (i = 0; i < v->endpoints.n; i++)
		row_fill(&rows[(*n)++], v->endpoints.v[i],
		    snap_ep(s, v->endpoints.v[i]));
	for (i = 0; i < s->neps; i++) {
		for (j = 0; j < v->endpoints.n; j++)
			if (strcmp(v->endpoints.v[j], s->eps[i].name) == 0)
				break;
		if (j < v->endpoints.n)
			continue;
		/* Not in the file (any more): only when it has something
		 * to show ("(unknown)" and "(other)" mostly do not). */
		row_fill(&rows[*n], s->eps[i].name, &s->eps[i]);
		if (s->eps[i].last_time > 0 || row_any(&rows[*n]))
			(*n)++;
	}
	return rows;
}

void
status_hour(const struct status_view *v, unsigned h,
    uint64_t out[STATS__NOUTCOME])
{
	memset(out, 0, sizeof(uint64_t) * STATS__NOUTCOME);
	if (h >= STATS_HOURS)
		return;
	for (size_t i = 0; i < v->snap->neps; i++)
		for (unsigned o = 0; o < STATS__NOUTCOME; o++)
			out[o] += v->snap->eps[i].hours[h][o];
}

/* s as one word of a POSIX shell: as it is when it holds only bytes no
 * shell treats specially, else in single quotes ('\'' for a quote). */
static char *
shell_word(const char *s)
{
	size_t n = strlen(s), i, k = 0;
	char *out;

	if (n > 0 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/._-+,:@%=") == n)
		return strdup(s);
	if ((out = malloc(n * 4 + 3)) == NULL)
		return NULL;
	out[k++] = '\'';
	for (i = 0; i < n; i++) {
		if (s[i] == '\'') {
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else
			out[k++] = s[i];
	}
	out[k++] = '\'';
	out[k] = '\0';
	return out;
}

char *
status_replay_command(const char *conf_path, const char *name)
{
	char *conf = NULL, *cmd = NULL;

	if (!spool_name_valid(name))
		return NULL;
	if (conf_path != NULL && (conf = shell_word(conf_path)) == NULL)
		return NULL;
	if (asprintf(&cmd, "hookline replay%s%s %s", conf ? " -c " : "",
	    conf ? conf : "", name) < 0)
		cmd = NULL;
	free(conf);
	return cmd;
}

void
status_spool_line(const struct status_view *v, char *buf, size_t len)
{
	const struct spoolstat *sp = &v->spool;
	int n;

	buf[0] = '\0';
	if (!v->has_spool)
		return;
	n = snprintf(buf, len, "%" PRIu64 " pending, %" PRIu64 " retrying, %"
	    PRIu64 " running, %" PRIu64 " dead, %" PRIu64 " done",
	    sp->count[SPOOLSTAT_PENDING], sp->count[SPOOLSTAT_RETRYING],
	    sp->count[SPOOLSTAT_RUNNING], sp->count[SPOOLSTAT_DEAD],
	    sp->count[SPOOLSTAT_DONE]);
	if (sp->has_due && n > 0 && (size_t)n < len)
		(void)snprintf(buf + n, len - (size_t)n, "; the oldest due "
		    "delivery has waited %" PRId64 " s", sp->oldest_due_age);
}

void
status_time(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, len, "-");
}
