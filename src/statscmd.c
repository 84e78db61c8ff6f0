/* statscmd.c: `hookline stats`: the status page's summary in a terminal,
 * or as JSON (--json), for whoever has only SSH. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "json.h"
#include "privdrop.h"
#include "statscmd.h"
#include "statusview.h"
#include "termsafe.h"
#include "usage.h"

/* Strings from the counters file and the spool are the serving user's
 * files holding senders' event names and delivery ids: each goes through
 * termsafe.c (text) or term_json (JSON) on its way to the terminal. */

static int
field(const char *s)
{
	return term_text(stdout, s, strlen(s), NULL);
}

static void
outcome_counts(const uint64_t n[STATS__NOUTCOME], int all)
{
	int any = 0;

	for (unsigned o = 0; o < STATS__NOUTCOME; o++)
		if (all || n[o] > 0)
			printf("%s%" PRIu64 " %s", any++ ? ", " : "", n[o],
			    stats_outcome_name((enum stats_outcome)o));
	if (!any)
		printf("none");
}

static int
text_endpoints(const struct status_view *v)
{
	struct status_row *rows;
	char when[32];
	size_t n, i;

	if ((rows = status_rows(v, &n)) == NULL)
		return -1;
	printf("\nendpoints (last delivery; the last 24 hours):\n");
	if (n == 0)
		printf("  none\n");
	for (i = 0; i < n; i++) {
		printf("  ");
		(void)field(rows[i].name[0] ? rows[i].name : "/");
		if (rows[i].ep != NULL && rows[i].ep->last_time > 0) {
			status_time(when, sizeof(when), rows[i].ep->last_time);
			printf(": last %s %s; ", when, stats_outcome_name(
			    rows[i].ep->last_outcome));
		} else
			printf(": none yet; ");
		outcome_counts(rows[i].day, 0);
		printf("\n");
	}
	free(rows);
	return 0;
}

static void
text_hours(const struct status_view *v)
{
	uint64_t n[STATS__NOUTCOME], tot;
	char when[32];
	int any = 0;

	printf("\ndeliveries per hour, the last 48 hours (hours with none left "
	    "out):\n");
	for (unsigned h = STATS_HOURS; h-- > 0;) {
		status_hour(v, h, n);
		tot = 0;
		for (unsigned o = 0; o < STATS__NOUTCOME; o++)
			tot += n[o];
		if (tot == 0)
			continue;
		status_time(when, sizeof(when), (v->now / 3600 - h) * 3600);
		when[16] = '\0';
		printf("  %s  %4" PRIu64 ": ", when, tot);
		outcome_counts(n, 0);
		printf("\n");
		any = 1;
	}
	if (!any)
		printf("  none\n");
}

static void
text_recent(const struct status_view *v)
{
	const struct stats_recent *r;
	char when[32];

	printf("\nthe last %zu deliveries (newest first):\n", v->snap->nrecent);
	for (size_t i = 0; i < v->snap->nrecent; i++) {
		r = &v->snap->recent[i];
		status_time(when, sizeof(when), r->time);
		printf("  %s  ", when);
		(void)field(r->endpoint[0] ? r->endpoint : "/");
		printf("  %s  attempts %u  ", stats_outcome_name(r->outcome),
		    r->attempts > 0 ? r->attempts : 1);
		(void)field(r->event);
		printf("  ");
		(void)field(r->delivery);
		for (size_t k = 0; k < r->nhooks && k < STATS_RECENT_HOOKS; k++) {
			printf(k == 0 ? "  hooks: " : ", ");
			(void)field(r->hooks[k].name);
			printf(r->hooks[k].exit >= 0 ? " %d" : " killed/not run",
			    r->hooks[k].exit);
		}
		printf("\n");
	}
}

static int
text_dead(const struct status_view *v)
{
	const struct dead_letter *d;
	char when[32], *cmd;

	printf("\ndead letters: %zu\n", v->dead_total);
	for (size_t i = 0; i < v->ndead; i++) {
		d = &v->dead[i];
		status_time(when, sizeof(when), d->finished);
		printf("  %s  ", when);
		(void)field(d->endpoint[0] ? d->endpoint : "/");
		printf("  ");
		(void)field(d->event);
		printf("  ");
		(void)field(d->id);
		printf("  attempts %u", d->attempts);
		if (d->error != NULL) {
			printf("  ");
			(void)field(d->error);
		}
		if ((cmd = status_replay_command(v->conf_path, d->name)) == NULL)
			return -1;
		printf("\n    ");
		(void)field(cmd);
		printf("\n");
		free(cmd);
	}
	if (v->ndead < v->dead_total)
		printf("  (the oldest %zu shown; hookline list --dead lists "
		    "them all)\n", v->ndead);
	return 0;
}

static int
text(const struct status_view *v)
{
	char when[32], line[256];

	status_time(when, sizeof(when), v->now);
	printf("hookline %s, as of %s (UTC)\n", HOOKLINE_VERSION, when);
	for (size_t i = 0; i < v->problems.n; i++) {
		printf("could not read ");
		(void)field(v->problems.v[i]);
		printf("\n");
	}
	status_spool_line(v, line, sizeof(line));
	if (line[0] != '\0')
		printf("spool: %s\n", line);
	if (text_endpoints(v) != 0)
		return -1;
	text_hours(v);
	text_recent(v);
	return text_dead(v);
}

/* {"success": n, ...} */
static struct jval *
json_counts(const uint64_t n[STATS__NOUTCOME])
{
	struct jval *o = json_new_object();

	for (unsigned k = 0; o != NULL && k < STATS__NOUTCOME; k++)
		if (json_set_int(o, stats_outcome_name((enum stats_outcome)k),
		    (int64_t)n[k]) != 0) {
			json_free(o);
			return NULL;
		}
	return o;
}

/* json_set and json_push take what they are given, also on failure: a
 * value is freed here only before it is handed over. */
static int
json_endpoints(const struct status_view *v, struct jval *top)
{
	struct jval *arr = json_new_array(), *e;
	struct status_row *rows;
	size_t n, i;
	int rc = 0;

	if (arr == NULL || (rows = status_rows(v, &n)) == NULL) {
		json_free(arr);
		return -1;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		const struct stats_ep_row *ep = rows[i].ep;

		if ((e = json_new_object()) == NULL ||
		    json_set_str(e, "name", rows[i].name) != 0 ||
		    json_set_int(e, "last_time", ep ? ep->last_time : 0) != 0 ||
		    (ep != NULL && ep->last_time > 0 && json_set_str(e,
		    "last_outcome", stats_outcome_name(ep->last_outcome)) != 0) ||
		    json_set(e, "day", json_counts(rows[i].day)) != 0) {
			json_free(e);
			rc = -1;
		} else if (json_push(arr, e) != 0)
			rc = -1;
	}
	free(rows);
	return json_set(top, "endpoints", arr) != 0 ? -1 : rc;
}

static int
json_hours(const struct status_view *v, struct jval *top)
{
	struct jval *arr = json_new_array(), *h;
	uint64_t n[STATS__NOUTCOME];

	for (unsigned i = STATS_HOURS; arr != NULL && i-- > 0;) {
		status_hour(v, i, n);
		if ((h = json_counts(n)) == NULL ||
		    json_set_int(h, "hour", (v->now / 3600 - i) * 3600) != 0) {
			json_free(h);
			json_free(arr);
			return -1;
		}
		if (json_push(arr, h) != 0) {
			json_free(arr);
			return -1;
		}
	}
	return json_set(top, "hours", arr);
}

/* [{"hook","exit"}] of one recent delivery, or NULL. */
static struct jval *
json_hook_exits(const struct stats_recent *d)
{
	struct jval *hooks = json_new_array(), *hk;

	for (size_t k = 0; hooks != NULL && k < d->nhooks &&
	    k < STATS_RECENT_HOOKS; k++) {
		if ((hk = json_new_object()) == NULL ||
		    json_set_str(hk, "hook", d->hooks[k].name) != 0 ||
		    json_set_int(hk, "exit", d->hooks[k].exit) != 0) {
			json_free(hk);
			json_free(hooks);
			return NULL;
		}
		if (json_push(hooks, hk) != 0) {
			json_free(hooks);
			return NULL;
		}
	}
	return hooks;
}

static int
json_recent(const struct status_view *v, struct jval *top)
{
	struct jval *arr = json_new_array(), *r;
	const struct stats_recent *d;

	for (size_t i = 0; arr != NULL && i < v->snap->nrecent; i++) {
		d = &v->snap->recent[i];
		if ((r = json_new_object()) == NULL ||
		    json_set(r, "hooks", json_hook_exits(d)) != 0 ||
		    json_set_int(r, "time", d->time) != 0 ||
		    json_set_str(r, "endpoint", d->endpoint) != 0 ||
		    json_set_str(r, "event", d->event) != 0 ||
		    json_set_str(r, "delivery", d->delivery) != 0 ||
		    json_set_str(r, "outcome", stats_outcome_name(d->outcome))
		    != 0 || json_set_int(r, "attempts", d->attempts > 0 ?
		    d->attempts : 1) != 0) {
			json_free(r);
			json_free(arr);
			return -1;
		}
		if (json_push(arr, r) != 0) {
			json_free(arr);
			return -1;
		}
	}
	return json_set(top, "recent", arr);
}

static int
json_dead(const struct status_view *v, struct jval *top)
{
	struct jval *arr = json_new_array(), *r = NULL;
	const struct dead_letter *d;
	char *cmd;
	int bad;

	for (size_t i = 0; arr != NULL && i < v->ndead; i++) {
		d = &v->dead[i];
		cmd = status_replay_command(v->conf_path, d->name);
		bad = cmd == NULL || (r = json_new_object()) == NULL ||
		    json_set_str(r, "name", d->name) != 0 ||
		    json_set_str(r, "endpoint", d->endpoint) != 0 ||
		    json_set_str(r, "event", d->event) != 0 ||
		    json_set_str(r, "delivery", d->id) != 0 ||
		    json_set_int(r, "attempts", d->attempts) != 0 ||
		    json_set_int(r, "finished", d->finished) != 0 ||
		    (d->error && json_set_str(r, "error", d->error) != 0) ||
		    json_set_str(r, "replay", cmd) != 0;
		free(cmd);
		if (bad)
			json_free(r);
		if (bad || json_push(arr, r) != 0) {
			json_free(arr);
			return -1;
		}
		r = NULL;
	}
	if (json_set(top, "dead", arr) != 0)
		return -1;
	return json_set_int(top, "dead_total", (int64_t)v->dead_total);
}

static int
json_out(const struct status_view *v)
{
	struct jval *top = json_new_object(), *sp = NULL;
	const char *text;
	size_t len;
	int rc = -1;

	if (top == NULL || json_set_int(top, "time", v->now) != 0)
		goto done;
	if (v->has_spool) {
		if ((sp = json_new_object()) == NULL)
			goto done;
		for (unsigned s = 0; s < SPOOLSTAT__N; s++)
			(void)json_set_int(sp, spoolstat_name(
			    (enum spoolstat_state)s), (int64_t)v->spool.count[s]);
		if (v->spool.has_due)
			(void)json_set_int(sp, "oldest_due_seconds",
			    v->spool.oldest_due_age);
		if (json_set(top, "spool", sp) != 0)
			goto done;
	}
	if (json_endpoints(v, top) != 0 || json_hours(v, top) != 0 ||
	    json_recent(v, top) != 0 || json_dead(v, top) != 0)
		goto done;
	if ((text = json_text(top, &len)) == NULL ||
	    term_json(stdout, text, len) != 0 || putchar('\n') == EOF)
		goto done;
	rc = 0;
done:
	json_free(top);
	return rc;
}

int
stats_command(const char *conf_path, int argc, char **argv)
{
	struct conf *conf = NULL;
	struct status_view v;
	struct err err;
	int json = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			fprintf(stderr, "hookline stats: unknown argument ");
			(void)term_text(stderr, argv[i], strlen(argv[i]), NULL);
			fputc('\n', stderr);
			(void)usage_command(stderr, "stats");
			return 2;
		}
	}
	if (conf_load(conf_path, &conf, &err) == -1) {
		fprintf(stderr, "hookline stats: %s\n", err.msg);
		return 1;
	}
	/* Root becomes the spool's owner: the files are that user's. */
	if (privdrop_for(conf, "stats", false, &err) != 0) {
		fprintf(stderr, "hookline stats: %s\n", err.msg);
		conf_free(conf);
		return 1;
	}
	if (status_view_load(conf, time(NULL), &v) != 0) {
		fprintf(stderr, "hookline stats: out of memory\n");
		conf_free(conf);
		return 1;
	}
	rc = (json ? json_out(&v) : text(&v)) == 0 ? 0 : 1;
	if (fflush(stdout) == EOF)
		rc = 1;
	status_view_free(&v);
	conf_free(conf);
	return rc;
}
