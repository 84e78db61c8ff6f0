/* stats.c: the shared counters file (stats.h): open, check, map, count. */
#include <stdlib.h>
#include <string.h>

#include "stats.h"

const long stats_bucket_ms[STATS_NBUCKET - 1] = {
	10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000
};

struct stats {
	void	*map;
	size_t	 size;
};

int
stats_open(const char *spool_dir, struct stats **out, struct err *err)
{
	(void)spool_dir;
	*out = NULL;
	err_set(err, "counters not built yet");
	return -1;
}

void
stats_close(struct stats *st)
{
	free(st);
}

int
stats_attach(struct conf *conf, struct err *err)
{
	return stats_open(conf->spool_dir, &conf->stats, err);
}

void
stats_request(struct stats *st, const struct stats_request *r)
{
	(void)st;
	(void)r;
}

void
stats_attempt(struct stats *st, const struct spool_entry *e,
    const struct outcome *out)
{
	(void)st;
	(void)e;
	(void)out;
}

void
stats_drain(struct stats *st, int64_t when)
{
	(void)st;
	(void)when;
}

void
stats_reload(struct stats *st, bool ok)
{
	(void)st;
	(void)ok;
}

int
stats_snapshot(struct stats *st, struct stats_snap **out, struct err *err)
{
	(void)st;
	if ((*out = calloc(1, sizeof(**out))) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	return 0;
}

int
stats_read(const char *spool_dir, struct stats_snap **out, struct err *err)
{
	(void)spool_dir;
	return stats_snapshot(NULL, out, err) == 0 ? 1 : -1;
}

void
stats_snap_free(struct stats_snap *s)
{
	if (s == NULL)
		return;
	free(s->eps);
	free(s->reqs);
	free(s->hooks);
	free(s->targets);
	free(s);
}

const char *
stats_outcome_name(enum stats_outcome o)
{
	static const char *const names[] = {
		"success", "failure", "accepted", "retry", "dead",
		"duplicate", "ignored", "rejected"
	};

	return (unsigned)o < STATS__NOUTCOME ? names[o] : "?";
}

const char *
stats_result_name(enum stats_result r)
{
	static const char *const names[] = {
		"success", "failure", "timeout", "not_run", "rejected"
	};

	return (unsigned)r < STATS__NRESULT ? names[r] : "?";
}
