/* metrics.c: the Prometheus text format and OpenMetrics (metrics.h). */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int
metrics_wants_openmetrics(const char *accept)
{
	return accept != NULL &&
	    strstr(accept, "application/openmetrics-text") != NULL;
}

int
metrics_render(const struct stats_snap *snap, const struct spoolstat *spool,
    const char *accept, char **buf, size_t *len, const char **content_type,
    struct err *err)
{
	(void)snap;
	(void)spool;
	*content_type = metrics_wants_openmetrics(accept) ?
	    METRICS_TYPE_OPENMETRICS : METRICS_TYPE_PROM;
	if ((*buf = strdup(metrics_wants_openmetrics(accept) ? "# EOF\n" :
	    "")) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	*len = strlen(*buf);
	return 0;
}

int
metrics_for_conf(const struct conf *conf, const char *accept, char **buf,
    size_t *len, const char **content_type, struct err *err)
{
	(void)conf;
	return metrics_render(NULL, NULL, accept, buf, len, content_type, err);
}
