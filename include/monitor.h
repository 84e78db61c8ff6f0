/* monitor.h: the watching URLs, <script URL>/-/metrics, /-/health and
 * /-/status: who may look, GET and HEAD only, never a hook. */
#ifndef HOOKLINE_MONITOR_H
#define HOOKLINE_MONITOR_H

#include "conf.h"
#include "request.h"

/* 1 when PATH_INFO is one of ours ("/-/..."): never an endpoint, whose
 * names hold no '/'. */
int	monitor_path(const char *path_info);

/* Answers a request for "/-/...": 404 not_found when the URL is unknown
 * or not turned on by `monitor`, 405 for a method but GET and HEAD,
 * 403 for an address outside monitor_allow_ip, 401 for a missing or
 * wrong bearer token (both are checked when both are set), else the
 * metrics, the health check or the status page. Returns the status. */
int	monitor_handle(const struct conf *conf, struct io *io);

#endif
