/* metrics.c: the counters, the spool gauges and the build in the
 * Prometheus text format 0.0.4 or OpenMetrics 1.0.0 (metrics.h).
 * Formats: prometheus.io/docs/instrumenting/exposition_formats and
 * github.com/OpenObservability/OpenMetrics specification/OpenMetrics.md. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fcgi.h"
#include "forward.h"
#include "json.h"
#include "metrics.h"
#include "verify.h"

struct out {
	FILE	*f;
	int	 om;		/* OpenMetrics */
};

/*
 * Accept: "application/openmetrics-text; version=1.0.0, text/plain;
 * q=0.5" and the like (RFC 9110 12.5.1). Looks for the media type as a
 * whole element, case-insensitively, and takes it unless its q is 0.
 */
int
metrics_wants_openmetrics(const char *accept)
{
	static const char type[] = "application/openmetrics-text";
	const char *p = accept, *end, *q;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		end = p + strcspn(p, ",");
		n = strcspn(p, " \t;,");
		if (n == sizeof(type) - 1 && strncasecmp(p, type, n) == 0) {
			q = p + n;
			while ((q = strchr(q, ';')) != NULL && q < end) {
				q++;
				q += strspn(q, " \t");
				if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
					return strtod(q + 2, NULL) > 0;
			}
			return 1;
		}
		p = end;
	}
	return 0;
}

/* A label value, escaped as both formats want: \\, \" and \n. */
static void
put_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			(void)fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			(void)fputs("\\n", f);
		else
			(void)fputc(*s, f);
	}
}

/* HELP and TYPE. name is the family's name without _total; a counter's
 * samples add it, and Prometheus 0.0.4 wants it in the HELP and TYPE
 * lines too. */
static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	const char *suffix = "";

	if (!o->om && strcmp(type, "counter") == 0)
		suffix = "_total";
	if (!o->om && strcmp(type, "info") == 0) {
		suffix = "_info";	/* a gauge of 1 there */
		type = "gauge";
	}
	(void)fprintf(o->f, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix,
	    help, name, suffix, type);
}

/* name{k1="v1",k2="v2"...} value: labels NULL-terminated pairs. */
static void
sample(struct out *o, const char *name, const char *const *labels,
    unsigned long long value)
{
	size_t i;

	(void)fputs(name, o->f);
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		(void)fprintf(o->f, "%s%s=\"", i == 0 ? "{" : ",", labels[i]);
		put_value(o->f, labels[i + 1]);
		(void)fputc('"', o->f);
	}
	(void)fprintf(o->f, "%s %llu\n", labels != NULL && labels[0] != NULL ?
	    "}" : "", value);
}

static void
requests(struct out *o, const struct stats_snap *s)
{
	char status[16];
	size_t i;

	family(o, "hookline_requests", "counter",
	    "Requests answered, by endpoint, HTTP status and error code.");
	for (i = 0; i < s->nreqs; i++) {
		if (s->reqs[i].count == 0)
			continue;	/* an other row never used */
		(void)snprintf(status, sizeof(status), "%d", s->reqs[i].status);
		sample(o, "hookline_requests_total", (const char *[]){
		    "endpoint", s->reqs[i].endpoint, "status", status,
		    "code", s->reqs[i].code, NULL }, s->reqs[i].count);
	}
}

/* The fixed rows ((unknown), (other)) are left out until used. */
static int
ep_unused(const struct stats_ep_row *e)
{
	return e->name[0] == '(' && e->sig_failures == 0 && e->duplicates == 0;
}

static int
all_zero(const uint64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != 0)
			return 0;
	return 1;
}

static void
endpoints(struct out *o, const struct stats_snap *s)
{
	size_t i;

	family(o, "hookline_signature_failures", "counter",
	    "Requests refused for their signature (401), by endpoint.");
	for (i = 0; i < s->neps; i++)
		if (!ep_unused(&s->eps[i]))
			sample(o, "hookline_signature_failures_total",
			    (const char *[]){ "endpoint", s->eps[i].name,
			    NULL }, s->eps[i].sig_failures);
	family(o, "hookline_duplicates", "counter",
	    "Deliveries answered as duplicates, by endpoint.");
	for (i = 0; i < s->neps; i++)
		if (!ep_unused(&s->eps[i]))
			sample(o, "hookline_duplicates_total",
			    (const char *[]){ "endpoint", s->eps[i].name,
			    NULL }, s->eps[i].duplicates);
}

/* A hook's or a target's results, one sample each, labelled endpoint,
 * key (its name) and result; none for a row never counted, nor for the
 * result `never` that it cannot have. */
static void
results(struct out *o, const char *name, const char *endpoint,
    const char *key, const char *value, const uint64_t *v,
    enum stats_result never)
{
	size_t r;

	if (all_zero(v, STATS__NRESULT))
		return;
	for (r = 0; r < STATS__NRESULT; r++)
		if (r != (size_t)never)
			sample(o, name, (const char *[]){ "endpoint", endpoint,
			    key, value, "result", stats_result_name(r), NULL },
			    v[r]);
}

static void
hook_runs(struct out *o, const struct stats_snap *s)
{
	size_t i;

	family(o, "hookline_hook_runs", "counter",
	    "Hook runs, by endpoint, hook and result.");
	for (i = 0; i < s->nhooks; i++)
		results(o, "hookline_hook_runs_total", s->hooks[i].endpoint,
		    "hook", s->hooks[i].hook, s->hooks[i].result,
		    STATS_R_REJECTED);
}

/* A bucket bound in seconds: "0.01", "2.5", "1.0" (OpenMetrics wants
 * floats; Prometheus reads both). */
static void
bound(char *buf, size_t size, long ms)
{
	if (ms % 1000 == 0)
		(void)snprintf(buf, size, "%ld.0", ms / 1000);
	else
		(void)snprintf(buf, size, "%g", (double)ms / 1000.0);
}

static void
hook_durations(struct out *o, const struct stats_snap *s)
{
	const struct stats_hook_row *h;
	unsigned long long cum;
	char le[32];
	size_t i, b;

	family(o, "hookline_hook_duration_seconds", "histogram",
	    "How long hooks ran, by endpoint and hook.");
	for (i = 0; i < s->nhooks; i++) {
		h = &s->hooks[i];
		if (all_zero(h->bucket, STATS_NBUCKET))
			continue;
		for (b = 0, cum = 0; b < STATS_NBUCKET; b++) {
			cum += h->bucket[b];
			if (b < STATS_NBUCKET - 1)
				bound(le, sizeof(le), stats_bucket_ms[b]);
			else
				(void)snprintf(le, sizeof(le), "+Inf");
			sample(o, "hookline_hook_duration_seconds_bucket",
			    (const char *[]){ "endpoint", h->endpoint,
			    "hook", h->hook, "le", le, NULL }, cum);
		}
		sample(o, "hookline_hook_duration_seconds_count",
		    (const char *[]){ "endpoint", h->endpoint, "hook", h->hook,
		    NULL }, cum);
		(void)fprintf(o->f, "hookline_hook_duration_seconds_sum{"
		    "endpoint=\"");
		put_value(o->f, h->endpoint);
		(void)fputs("\",hook=\"", o->f);
		put_value(o->f, h->hook);
		(void)fprintf(o->f, "\"} %llu.%03llu\n",
		    (unsigned long long)(h->sum_ms / 1000),
		    (unsigned long long)(h->sum_ms % 1000));
	}
}

static void
forwards(struct out *o, const struct stats_snap *s)
{
	size_t i;

	family(o, "hookline_forwards", "counter",
	    "Forward attempts, by endpoint, target and result.");
	for (i = 0; i < s->ntargets; i++)
		results(o, "hookline_forwards_total", s->targets[i].endpoint,
		    "target", s->targets[i].target, s->targets[i].result,
		    STATS_R_NOT_RUN);
}

static void
process(struct out *o, const struct stats_snap *s)
{
	size_t r;

	family(o, "hookline_config_reloads", "counter",
	    "Configuration reloads, by result (failed: the old one kept).");
	sample(o, "hookline_config_reloads_total", (const char *[]){
	    "result", "ok", NULL }, s->reloads);
	sample(o, "hookline_config_reloads_total", (const char *[]){
	    "result", "failed", NULL }, s->reload_failures);
	family(o, "hookline_monitor_refused", "counter",
	    "Refused requests for /-/metrics, /-/health and /-/status, by "
	    "reason (token: 401, address: 403).");
	for (r = 0; r < STATS__NREFUSAL; r++)
		sample(o, "hookline_monitor_refused_total", (const char *[]){
		    "reason", stats_refusal_name(r), NULL },
		    s->monitor_refused[r]);
	family(o, "hookline_drain_runs", "counter",
	    "Drainer runs (a drainer taking the spool's lock).");
	sample(o, "hookline_drain_runs_total", NULL, s->drain_runs);
	family(o, "hookline_drain_last_run_timestamp_seconds", "gauge",
	    "When a drainer last looked for due deliveries, in Unix seconds "
	    "(0: never).");
	sample(o, "hookline_drain_last_run_timestamp_seconds", NULL,
	    s->drain_last > 0 ? (unsigned long long)s->drain_last : 0);
}

static void
spool_gauges(struct out *o, const struct spoolstat *sp)
{
	size_t i;

	family(o, "hookline_spool_deliveries", "gauge",
	    "Deliveries in the spool, by state.");
	for (i = 0; i < SPOOLSTAT__N; i++)
		sample(o, "hookline_spool_deliveries", (const char *[]){
		    "state", spoolstat_name(i), NULL }, sp->count[i]);
	family(o, "hookline_spool_oldest_due_age_seconds", "gauge",
	    "How long the delivery due longest has waited since it became "
	    "due (0: none due).");
	sample(o, "hookline_spool_oldest_due_age_seconds", NULL,
	    sp->has_due && sp->oldest_due_age > 0 ?
	    (unsigned long long)sp->oldest_due_age : 0);
}

/* The version number in a library's version text ("OpenSSL 3.0.15 3
 * Sep 2024", "libcurl/7.88.1 OpenSSL/3.0.15"): its first word that
 * starts with a digit, or "unknown". */
static void
version_word(const char *text, char *buf, size_t size)
{
	const char *p = text;
	size_t n;

	while (*p != '\0' && !isdigit((unsigned char)*p))
		p++;
	n = strcspn(p, " /");
	if (n == 0 || n >= size)
		(void)snprintf(buf, size, "unknown");
	else
		(void)snprintf(buf, size, "%.*s", (int)n, p);
}

static void
build_info(struct out *o)
{
	char fcgi[32], jsonc[32], curl[32], ssl[32];

	version_word(fcgi_lib_version(), fcgi, sizeof(fcgi));
	version_word(json_lib_version(), jsonc, sizeof(jsonc));
	version_word(forward_lib_version(), curl, sizeof(curl));
	version_word(verify_lib_version(), ssl, sizeof(ssl));
	family(o, "hookline_build", "info",
	    "The running hookline and its libraries' versions.");
	sample(o, "hookline_build_info", (const char *[]){
	    "version", HOOKLINE_VERSION, "fcgi", fcgi, "json_c", jsonc,
	    "curl", curl, "openssl", ssl, NULL }, 1);
}

int
metrics_render(const struct stats_snap *snap, const struct spoolstat *spool,
    const char *accept, char **buf, size_t *len, const char **content_type,
    struct err *err)
{
	struct out o;
	int bad;

	*buf = NULL;
	*len = 0;
	o.om = metrics_wants_openmetrics(accept);
	if ((o.f = open_memstream(buf, len)) == NULL) {
		err_set(err, "metrics: out of memory");
		return -1;
	}
	if (snap != NULL) {
		requests(&o, snap);
		endpoints(&o, snap);
		hook_runs(&o, snap);
		hook_durations(&o, snap);
		forwards(&o, snap);
		process(&o, snap);
	}
	if (spool != NULL)
		spool_gauges(&o, spool);
	build_info(&o);
	if (o.om)
		(void)fputs("# EOF\n", o.f);
	bad = ferror(o.f);
	if (fclose(o.f) != 0 || bad) {
		free(*buf);
		*buf = NULL;
		*len = 0;
		err_set(err, "metrics: out of memory");
		return -1;
	}
	*content_type = o.om ? METRICS_TYPE_OPENMETRICS : METRICS_TYPE_PROM;
	return 0;
}

int
metrics_for_conf(const struct conf *conf, const char *accept, char **buf,
    size_t *len, const char **content_type, struct err *err)
{
	struct stats_snap *snap = NULL;
	struct spoolstat sp;
	struct err e;
	int rc, have_spool;

	if (err == NULL)
		err = &e;
	err->msg[0] = '\0';
	if (conf->stats != NULL)
		rc = stats_snapshot(conf->stats, &snap, err);
	else
		rc = stats_read(conf->spool_dir, &snap, err);
	if (rc < 0)
		snap = NULL;
	have_spool = spoolstat_read(conf->spool_dir, time(NULL), &sp,
	    err) == 0;
	rc = metrics_render(snap, have_spool ? &sp : NULL, accept, buf, len,
	    content_type, err);
	stats_snap_free(snap);
	return rc;
}
