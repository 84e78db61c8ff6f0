/* metrics.h: the counters, the spool gauges and the build in the
 * Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when asked. */
#ifndef HOOKLINE_METRICS_H
#define HOOKLINE_METRICS_H

#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "spoolstat.h"
#include "stats.h"

#define METRICS_TYPE_PROM	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_TYPE_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* 1 when an Accept header value asks for OpenMetrics (lists
 * application/openmetrics-text with a q above 0), else 0. accept may be
 * NULL (no header: Prometheus text). */
int	metrics_wants_openmetrics(const char *accept);

/*
 * Renders the metrics. snap: the counters (NULL: none, e.g. counting is
 * off; the counter families are then left out). spool: the spool's
 * gauges (NULL: left out). accept: the request's Accept header or NULL.
 * On success returns 0, *buf a malloc'd text of *len bytes (the caller
 * frees it) and *content_type one of the METRICS_TYPE_* strings (static).
 * Returns -1 with err (out of memory) and *buf NULL.
 *
 * Families (labels), every label value escaped per the format:
 *   hookline_requests_total{endpoint,status,code}       counter
 *   hookline_signature_failures_total{endpoint}          counter
 *   hookline_duplicates_total{endpoint}                  counter
 *   hookline_hook_runs_total{endpoint,hook,result}       counter
 *   hookline_hook_duration_seconds{endpoint,hook}        histogram
 *   hookline_forwards_total{endpoint,target,result}      counter
 *   hookline_config_reloads_total{result="ok"|"failed"}  counter
 *   hookline_monitor_refused_total{reason="token"|"address"} counter
 *   hookline_drain_last_run_timestamp_seconds            gauge
 *   hookline_drain_runs_total                            counter
 *   hookline_spool_deliveries{state}                     gauge
 *   hookline_spool_oldest_due_age_seconds                gauge
 *   hookline_build_info{version,fcgi,json_c,curl,openssl} gauge (1)
 */
int	metrics_render(const struct stats_snap *snap,
	    const struct spoolstat *spool, const char *accept, char **buf,
	    size_t *len, const char **content_type, struct err *err);

/* All of it for conf in one call: the counters (conf->stats when
 * attached, else read from conf->spool_dir/stats), the spool gauges of
 * conf->spool_dir at now, rendered as metrics_render does. A part that
 * cannot be read is left out (and named in err when err is not NULL,
 * the call still succeeding). Returns 0 or -1 (out of memory). */
int	metrics_for_conf(const struct conf *conf, const char *accept,
	    char **buf, size_t *len, const char **content_type,
	    struct err *err);

#endif
