/* test_metrics.c: the metrics text, read back by a real parser
 * (python3-prometheus-client: the text format and OpenMetrics), the
 * Accept header, and the spool gauges. */
#include "unit.h"

#include <sys/stat.h>

#include "conf.h"
#include "metrics.h"
#include "spool.h"
#include "spoolstat.h"
#include "stats.h"

#define PARSER	"/usr/bin/python3 tests/unit/metrics_parse.py"
#define T0	((time_t)1700000000)

struct fixture {
	char	*top;
};

static int
setup(void **state)
{
	struct fixture *f;

	assert_non_null(f = calloc(1, sizeof(*f)));
	f->top = unit_mkdtemp("metrics");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unit_rm_tree(f->top);
	free(f->top);
	free(f);
	return 0;
}

static void
test_accept(void **state)
{
	(void)state;
	assert_false(metrics_wants_openmetrics(NULL));
	assert_false(metrics_wants_openmetrics(""));
	assert_false(metrics_wants_openmetrics("text/plain"));
	assert_false(metrics_wants_openmetrics("*/*"));
	assert_true(metrics_wants_openmetrics("application/openmetrics-text"));
	assert_true(metrics_wants_openmetrics(
	    "application/openmetrics-text; version=1.0.0; charset=utf-8"));
	/* What Prometheus 2.x sends. */
	assert_true(metrics_wants_openmetrics("application/openmetrics-text;"
	    "version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
	    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	assert_true(metrics_wants_openmetrics(
	    "text/plain, Application/OpenMetrics-Text;q=0.3"));
	assert_false(metrics_wants_openmetrics(
	    "application/openmetrics-text;q=0"));
	assert_false(metrics_wants_openmetrics(
	    "application/openmetrics-textile"));
	assert_false(metrics_wants_openmetrics(
	    "x-application/openmetrics-text"));
}

/* Runs the parser over text; returns its output (caller frees). The
 * parser refusing the text fails the test. */
static char *
parsed(const struct fixture *f, const char *fmt, const char *text,
    size_t len)
{
	char *path, *cmd, *out = NULL;
	size_t cap = 0, n = 0;
	FILE *p;
	int c, rc;

	assert_true(asprintf(&path, "%s/metrics.%s", f->top, fmt) > 0);
	unit_write_bytes(path, text, len, 0600);
	assert_true(asprintf(&cmd, PARSER " %s %s", fmt, path) > 0);
	assert_non_null(p = popen(cmd, "r"));
	while ((c = fgetc(p)) != EOF) {
		if (n + 2 > cap)
			assert_non_null(out = realloc(out, cap = cap * 2 + 256));
		out[n++] = (char)c;
	}
	rc = pclose(p);
	assert_non_null(out);
	out[n] = '\0';
	if (rc != 0)
		fail_msg("the parser refused the %s text: %s\n%s", fmt, out,
		    text);
	free(cmd);
	free(path);
	return out;
}

static void
has(const char *out, const char *line)
{
	if (strstr(out, line) == NULL)
		fail_msg("not in the parsed metrics: %s\n%s", line, out);
}

/* Counts like a running server's, with a hook whose name (a file name:
 * anything) needs escaping. */
static struct stats_snap *
counted(const struct fixture *f)
{
	struct hook_outcome v[3];
	struct outcome out = { v, 3 };
	struct stats_snap *s;
	struct stats *st;
	struct err err;

	memset(v, 0, sizeof(v));
	v[0].hook = "push";
	v[0].res = (struct run_result){ .ran = true, .exited = true,
	    .duration_ms = 30 };
	v[1].hook = "we\"ird\\name";
	v[1].res = (struct run_result){ .ran = true, .timed_out = true,
	    .duration_ms = 61000 };
	v[2].hook = "forward:http://127.0.0.1:9/x?k=v";
	v[2].res = (struct run_result){ .ran = true, .exited = true,
	    .exit_code = 0, .duration_ms = 3 };
	assert_int_equal(stats_open(f->top, &st, &err), 0);
	stats_request(st, &(struct stats_request){ .endpoint = "gh",
	    .status = 200, .word = "success", .event = "push",
	    .delivery = "1", .out = &out });
	stats_request(st, &(struct stats_request){ .endpoint = "gh",
	    .status = 401, .word = "error", .code = "unauthorized" });
	stats_request(st, &(struct stats_request){ .status = 404,
	    .word = "error", .code = "not_found" });
	stats_reload(st, false);
	stats_monitor_refused(st, STATS_REFUSED_TOKEN);
	stats_monitor_refused(st, STATS_REFUSED_ADDRESS);
	stats_monitor_refused(st, STATS_REFUSED_ADDRESS);
	assert_int_equal(stats_snapshot(st, &s, &err), 0);
	stats_close(st);
	return s;
}

static void
render(const struct stats_snap *s, const struct spoolstat *sp,
    const char *accept, char **buf, size_t *len, const char **type)
{
	struct err err;

	assert_int_equal(metrics_render(s, sp, accept, buf, len, type, &err),
	    0);
	assert_non_null(*buf);
	assert_int_equal(strlen(*buf), *len);
}

static void
test_prometheus(void **state)
{
	struct fixture *f = *state;
	struct stats_snap *s = counted(f);
	struct spoolstat sp = { .count = { 2, 1, 0, 3, 4 }, .has_due = true,
	    .oldest_due_age = 90 };
	const char *type;
	char *buf, *out;
	size_t len;

	render(s, &sp, "text/plain", &buf, &len, &type);
	assert_string_equal(type, METRICS_TYPE_PROM);
	assert_non_null(strstr(buf, "# TYPE hookline_requests_total counter"));
	assert_null(strstr(buf, "# EOF"));
	out = parsed(f, "prom", buf, len);
	has(out, "family hookline_requests counter");
	has(out, "hookline_requests_total{code='',endpoint='gh',"
	    "status='200'} 1\n");
	has(out, "hookline_requests_total{code='unauthorized',endpoint='gh',"
	    "status='401'} 1\n");
	has(out, "hookline_requests_total{code='not_found',"
	    "endpoint='(unknown)',status='404'} 1\n");
	has(out, "hookline_signature_failures_total{endpoint='gh'} 1\n");
	has(out, "hookline_hook_runs_total{endpoint='gh',hook='push',"
	    "result='success'} 1\n");
	has(out, "hookline_hook_runs_total{endpoint='gh',"
	    "hook='we\"ird\\\\name',result='timeout'} 1\n");
	has(out, "family hookline_hook_duration_seconds histogram");
	has(out, "hookline_hook_duration_seconds_bucket{endpoint='gh',"
	    "hook='push',le='0.01'} 0\n");
	has(out, "hookline_hook_duration_seconds_bucket{endpoint='gh',"
	    "hook='push',le='0.05'} 1\n");
	has(out, "hookline_hook_duration_seconds_bucket{endpoint='gh',"
	    "hook='we\"ird\\\\name',le='60.0'} 0\n");
	has(out, "hookline_hook_duration_seconds_bucket{endpoint='gh',"
	    "hook='we\"ird\\\\name',le='300.0'} 1\n");
	has(out, "hookline_hook_duration_seconds_sum{endpoint='gh',"
	    "hook='we\"ird\\\\name'} 61\n");
	has(out, "hookline_forwards_total{endpoint='gh',"
	    "result='success',target='http://127.0.0.1:9/x'} 1\n");
	/* Each result a row can have, zeros too; not what it cannot. */
	has(out, "hookline_hook_runs_total{endpoint='gh',hook='push',"
	    "result='not_run'} 0\n");
	has(out, "hookline_forwards_total{endpoint='gh',"
	    "result='rejected',target='http://127.0.0.1:9/x'} 0\n");
	assert_null(strstr(out, "hookline_hook_runs_total{endpoint='gh',"
	    "hook='push',result='rejected'}"));
	assert_null(strstr(out, "hookline_forwards_total{endpoint='gh',"
	    "result='not_run'"));
	has(out, "hookline_config_reloads_total{result='failed'} 1\n");
	/* The monitor's refusals apart: no signature failure of
	 * (unknown). */
	has(out, "family hookline_monitor_refused counter");
	has(out, "hookline_monitor_refused_total{reason='token'} 1\n");
	has(out, "hookline_monitor_refused_total{reason='address'} 2\n");
	assert_null(strstr(out, "hookline_signature_failures_total{"
	    "endpoint='(unknown)'}"));
	has(out, "hookline_spool_deliveries{state='dead'} 3\n");
	has(out, "hookline_spool_deliveries{state='retrying'} 1\n");
	has(out, "hookline_spool_oldest_due_age_seconds{} 90\n");
	has(out, "family hookline_build_info gauge");
	has(out, "version='" HOOKLINE_VERSION "'");
	free(out);
	free(buf);
	stats_snap_free(s);
}

static void
test_openmetrics(void **state)
{
	struct fixture *f = *state;
	struct stats_snap *s = counted(f);
	const char *type;
	char *buf, *out;
	size_t len;

	render(s, NULL, "application/openmetrics-text; version=1.0.0", &buf,
	    &len, &type);
	assert_string_equal(type, METRICS_TYPE_OPENMETRICS);
	assert_true(len > 6 && strcmp(buf + len - 6, "# EOF\n") == 0);
	assert_null(strstr(buf, "hookline_spool_deliveries"));
	out = parsed(f, "om", buf, len);
	has(out, "family hookline_requests counter");
	has(out, "hookline_requests_total{code='unauthorized',endpoint='gh',"
	    "status='401'} 1\n");
	has(out, "hookline_hook_runs_total{endpoint='gh',"
	    "hook='we\"ird\\\\name',result='timeout'} 1\n");
	has(out, "family hookline_hook_duration_seconds histogram");
	has(out, "hookline_hook_duration_seconds_count{endpoint='gh',"
	    "hook='push'} 1\n");
	has(out, "hookline_monitor_refused_total{reason='address'} 2\n");
	has(out, "family hookline_build info");
	free(out);
	free(buf);
	stats_snap_free(s);
}

/* A snapshot made by hand: names no file would give (a newline), and no
 * counters at all. */
static void
test_escaping(void **state)
{
	struct fixture *f = *state;
	struct stats_req_row req = { .status = 400, .count = 5 };
	struct stats_snap s;
	const char *type;
	char *buf, *out;
	size_t len;

	memset(&s, 0, sizeof(s));
	(void)snprintf(req.endpoint, sizeof(req.endpoint), "a\nb\"c\\");
	(void)snprintf(req.code, sizeof(req.code), "x");
	s.reqs = &req;
	s.nreqs = 1;
	render(&s, NULL, NULL, &buf, &len, &type);
	out = parsed(f, "prom", buf, len);
	has(out, "hookline_requests_total{code='x',endpoint='a\\nb\"c\\\\',"
	    "status='400'} 5\n");
	free(out);
	free(buf);
	render(&s, NULL, "application/openmetrics-text", &buf, &len, &type);
	free(parsed(f, "om", buf, len));
	free(buf);

	render(NULL, NULL, NULL, &buf, &len, &type);
	out = parsed(f, "prom", buf, len);
	has(out, "families 1\n");		/* build info only */
	free(out);
	free(buf);
}

/* A delivery stored at `at`; its name in name. */
static void
store(const char *dir, time_t at, char *name)
{
	struct delivery d = { .endpoint = "gh", .event = "push", .id = "x",
	    .body = (const unsigned char *)"{}", .body_len = 2, .attempt = 1 };
	struct err err;

	if (spool_store(dir, 0, &d, at, name, &err) != 0)
		fail_msg("spool_store: %s", err.msg);
}

static void
test_spoolstat(void **state)
{
	struct fixture *f = *state;
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1];
	char c[SPOOL_NAME_MAX + 1], d[SPOOL_NAME_MAX + 1];
	char e2[SPOOL_NAME_MAX + 1], *spool, *junk;
	struct spool_entry e;
	struct spoolstat sp;
	struct err err;

	assert_true(asprintf(&spool, "%s/spool", f->top) > 0);
	assert_int_equal(spoolstat_read(spool, T0, &sp, &err), -1);
	assert_int_equal(spool_init(spool, &err), 0);
	assert_int_equal(spoolstat_read(spool, T0, &sp, &err), 0);
	assert_false(sp.has_due);
	assert_int_equal(sp.count[SPOOLSTAT_PENDING], 0);

	store(spool, T0, a);		/* pending, due since T0 */
	store(spool, T0 + 50, b);	/* retrying, due at T0 + 500 */
	store(spool, T0, c);		/* dead */
	store(spool, T0, d);		/* done */
	store(spool, T0, e2);		/* running */
	assert_int_equal(spool_read(spool, SPOOL_NEW, b, &e, &err), 0);
	e.failures = 1;
	e.next = T0 + 500;
	assert_int_equal(spool_write(spool, SPOOL_NEW, b, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(spool_move(spool, c, SPOOL_NEW, SPOOL_DEAD, &err), 0);
	assert_int_equal(spool_move(spool, d, SPOOL_NEW, SPOOL_DONE, &err), 0);
	assert_int_equal(spool_move(spool, e2, SPOOL_NEW, SPOOL_CUR, &err), 0);
	/* One whose state does not decode: counted, not in the age. */
	assert_true(asprintf(&junk, "%s/new/%s", spool,
	    "00000000000000000001.junk") > 0);
	assert_true(spool_name_valid("00000000000000000001.junk"));
	assert_int_equal(mkdir(junk, 0700), 0);
	{
		char *st;

		assert_true(asprintf(&st, "%s/state", junk) > 0);
		unit_write_file(st, "not a record", 0600);
		free(st);
	}
	assert_int_equal(spoolstat_read(spool, T0 + 100, &sp, &err), 0);
	assert_int_equal(sp.count[SPOOLSTAT_RETRYING], 1);
	assert_int_equal(sp.count[SPOOLSTAT_DEAD], 1);
	assert_int_equal(sp.count[SPOOLSTAT_DONE], 1);
	assert_int_equal(sp.count[SPOOLSTAT_RUNNING], 1);
	assert_int_equal(sp.unreadable, 1);
	assert_int_equal(sp.count[SPOOLSTAT_PENDING], 2);
	assert_true(sp.has_due);
	assert_int_equal(sp.oldest_due_age, 100);
	/* Before anything is due. */
	assert_int_equal(spoolstat_read(spool, T0 - 1, &sp, &err), 0);
	assert_false(sp.has_due);
	assert_int_equal(sp.oldest_due_age, 0);
	free(junk);
	free(spool);
}

/* All of it from a configuration: the counters read from the spool's
 * file (this process did not attach it), the spool's gauges. */
static void
test_for_conf(void **state)
{
	struct fixture *f = *state;
	struct conf *c = NULL;
	struct stats *st;
	struct err err;
	const char *type;
	char *path, *text, *spool, *buf = NULL;
	size_t len;

	assert_true(asprintf(&spool, "%s/spool", f->top) > 0);
	assert_int_equal(spool_init(spool, &err), 0);
	assert_true(asprintf(&path, "%s/hookline.conf", f->top) > 0);
	assert_true(asprintf(&text, "spool_dir = %s\n", spool) > 0);
	unit_write_file(path, text, 0600);
	assert_int_equal(conf_load(path, &c, &err), 0);
	assert_int_equal(stats_open(spool, &st, &err), 0);
	stats_request(st, &(struct stats_request){ .endpoint = "gh",
	    .status = 202, .word = "accepted", .event = "push" });
	stats_close(st);
	assert_int_equal(metrics_for_conf(c, "text/plain", &buf, &len, &type,
	    &err), 0);
	assert_string_equal(type, METRICS_TYPE_PROM);
	assert_non_null(strstr(buf, "hookline_requests_total{endpoint=\"gh\","
	    "status=\"202\",code=\"\"} 1\n"));
	assert_non_null(strstr(buf,
	    "hookline_spool_deliveries{state=\"pending\"} 0\n"));
	assert_non_null(strstr(buf, "hookline_build_info{"));
	free(parsed(f, "prom", buf, len));
	free(buf);
	conf_free(c);
	free(text);
	free(path);
	free(spool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test_setup_teardown(test_prometheus, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_openmetrics, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spoolstat, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_for_conf, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
