/* test_statuspage.c: the status page's HTML: escaping of a sender's
 * bytes, the 50 rows, the chart, the dead letters' replay commands, the
 * empty page; and statusview's helpers. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statuspage.h"
#include "statusview.h"

#define NOW	1796140800	/* 2026-12-01 16:00:00Z */

static void
view_init(struct status_view *v)
{
	memset(v, 0, sizeof(*v));
	v->now = NOW + 125;
	v->snap = calloc(1, sizeof(*v->snap));
	assert_non_null(v->snap);
	v->snap->now = v->now;
}

static char *
render(const struct status_view *v)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(statuspage_render(v, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* Nothing of a page may load or run anything. */
static void
assert_inert(const char *html)
{
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "http://"));
	assert_int_equal(count(html, "https://"), 0);
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, " onload"));
	assert_null(strstr(html, "url("));
}

static void
test_empty(void **state)
{
	struct status_view v;
	char *html;

	(void)state;
	view_init(&v);
	html = render(&v);
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "name=\"viewport\""));
	assert_non_null(strstr(html, "No endpoint configured"));
	assert_non_null(strstr(html, "No delivery yet."));
	assert_non_null(strstr(html, "Dead letters (0)"));
	assert_non_null(strstr(html, "<svg id=\"chart-svg\""));
	assert_non_null(strstr(html, "never shown"));
	assert_int_equal(count(html, "<tr class=\"delivery\">"), 0);
	assert_inert(html);
	free(html);
	status_view_free(&v);
}

/* Event names and delivery ids are a sender's (payload.c bounds them to
 * printable ASCII, but the page does not rely on it). */
static void
test_hostile_fields(void **state)
{
	static const char *const ids[] = {
		"<script>alert(1)</script>",
		"\"onload=alert(1) x=\"",
		"'><img src=x onerror=alert(1)>",
		"a\xc2\x85" "b\x9b" "c\x1b[2J",	/* C1 as UTF-8 and raw, ESC */
		"&amp;lt;",
	};
	struct status_view v;
	struct stats_recent *r;
	char *html;
	size_t i;

	(void)state;
	view_init(&v);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		r = &v.snap->recent[i];
		r->time = NOW;
		snprintf(r->endpoint, sizeof(r->endpoint), "gh");
		snprintf(r->event, sizeof(r->event), "%s", ids[i]);
		snprintf(r->delivery, sizeof(r->delivery), "%s", ids[i]);
		r->outcome = STATS_SUCCESS;
		r->nhooks = 1;
		snprintf(r->hooks[0].name, sizeof(r->hooks[0].name), "<b>x");
		r->hooks[0].exit = 0;
	}
	v.snap->nrecent = i;
	html = render(&v);
	assert_inert(html);
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "\"onload"));
	assert_null(strstr(html, "<b>x"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&quot;onload=alert(1) x=&quot;"));
	assert_non_null(strstr(html, "&#39;&gt;&lt;img src=x"));
	assert_non_null(strstr(html, "a\\xC2\\x85b\\x9Bc\\x1B[2J"));
	assert_non_null(strstr(html, "&amp;amp;lt;"));
	/* No byte outside printable ASCII, but the page's own newlines. */
	for (const unsigned char *p = (const unsigned char *)html; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p >= 0x7f)
			fail_msg("byte 0x%02x in the page", *p);
	free(html);
	status_view_free(&v);
}

static void
test_fifty_rows_and_chart(void **state)
{
	struct status_view v;
	struct stats_ep_row *ep;
	char *html, want[64];
	size_t i;

	(void)state;
	view_init(&v);
	assert_int_equal(strlist_add(&v.endpoints, "github"), 0);
	assert_int_equal(strlist_add(&v.endpoints, "quiet"), 0);
	v.snap->eps = ep = calloc(2, sizeof(*ep));
	assert_non_null(ep);
	v.snap->neps = 2;
	snprintf(ep[0].name, sizeof(ep[0].name), "github");
	ep[0].last_time = NOW + 60;
	ep[0].last_outcome = STATS_FAILURE;
	ep[0].hours[0][STATS_SUCCESS] = 7;
	ep[0].hours[0][STATS_FAILURE] = 2;
	ep[0].hours[30][STATS_SUCCESS] = 100;	/* outside 24 h */
	ep[0].hours[47][STATS_DEAD] = 1;
	snprintf(ep[1].name, sizeof(ep[1].name), "gone");	/* not in conf */
	ep[1].hours[1][STATS_REJECTED] = 3;
	ep[1].last_time = NOW - 3600;
	ep[1].last_outcome = STATS_REJECTED;
	for (i = 0; i < STATS_RECENT; i++) {
		v.snap->recent[i].time = NOW - (int64_t)i;
		snprintf(v.snap->recent[i].endpoint, STATS_NAME_MAX, "github");
		snprintf(v.snap->recent[i].event, STATS_EVENT_MAX, "push");
		snprintf(v.snap->recent[i].delivery, STATS_DELIVERY_MAX,
		    "id-%zu", i);
		v.snap->recent[i].outcome = STATS_SUCCESS;
		v.snap->recent[i].attempts = 2;
	}
	v.snap->nrecent = STATS_RECENT;
	html = render(&v);
	assert_int_equal(count(html, "<tr class=\"delivery\">"), 50);
	assert_non_null(strstr(html, "Last 50 deliveries"));
	assert_non_null(strstr(html, "<code>id-49</code>"));
	/* Rows: github (configured), quiet (configured, nothing yet), gone
	 * (counted, no longer in the file). */
	assert_non_null(strstr(html, "<td>quiet</td><td><span class=\"muted\">"
	    "none yet"));
	assert_non_null(strstr(html, "<td>gone</td>"));
	assert_true(strstr(html, "<td>github</td>") <
	    strstr(html, "<td>quiet</td>"));
	/* github's 24 hours: 7 success, 2 failure; not the 100 of hour 30. */
	assert_non_null(strstr(html, "<td class=\"num\">7</td>"
	    "<td class=\"num\">2</td>"));
	/* The chart: 48 bars, each with its text, the scale from the
	 * busiest hour (100), a legend with totals. */
	assert_int_equal(count(html, "<g class=\"bar\">"), 48);
	assert_int_equal(count(html, "<title>"), 48 + 1);	/* + the page's */
	assert_non_null(strstr(html, "100 per hour at most"));
	assert_non_null(strstr(html, "2026-12-01 16:00 UTC: 7 success, "
	    "2 failure"));
	assert_non_null(strstr(html, "aria-labelledby=\"chart-title "
	    "chart-desc\""));
	snprintf(want, sizeof(want), "success (%d)", 107);
	assert_non_null(strstr(html, want));
	assert_non_null(strstr(html, "<rect class=\"o-dead\""));
	free(html);
	status_view_free(&v);
}

static void
test_dead_letters(void **state)
{
	struct status_view v;
	char *html;

	(void)state;
	view_init(&v);
	v.conf_path = strdup("/etc/hook line/it's.conf");
	v.dead = calloc(1, sizeof(*v.dead));
	assert_non_null(v.dead);
	v.dead[0].name = strdup("1764600000.000001.abcdef");
	v.dead[0].endpoint = strdup("deploy");
	v.dead[0].event = strdup("push");
	v.dead[0].id = strdup("<i>d1</i>");
	v.dead[0].error = strdup("hook deploy: exit 1 \x1b[31m");
	v.dead[0].attempts = 8;
	v.dead[0].finished = NOW;
	v.ndead = 1;
	v.dead_total = 3;
	html = render(&v);
	assert_non_null(strstr(html, "Dead letters (3)"));
	assert_non_null(strstr(html, "&lt;i&gt;d1&lt;/i&gt;"));
	assert_non_null(strstr(html, "exit 1 \\x1B[31m"));
	assert_non_null(strstr(html, "<code>hookline replay -c "
	    "&#39;/etc/hook line/it&#39;\\&#39;&#39;s.conf&#39; "
	    "1764600000.000001.abcdef</code>"));
	assert_non_null(strstr(html, "The oldest 1 of 3 are shown"));
	free(html);
	status_view_free(&v);
}

static void
test_replay_command(void **state)
{
	char *s;

	(void)state;
	s = status_replay_command("/etc/hookline/hookline.conf", "1.2.abc");
	assert_string_equal(s, "hookline replay -c /etc/hookline/hookline.conf "
	    "1.2.abc");
	free(s);
	s = status_replay_command(NULL, "1.2.abc");
	assert_string_equal(s, "hookline replay 1.2.abc");
	free(s);
	s = status_replay_command("/a/$(rm -rf)/`x`;b", "1.2.abc");
	assert_string_equal(s, "hookline replay -c '/a/$(rm -rf)/`x`;b' "
	    "1.2.abc");
	free(s);
	/* Not a spool name: no command. */
	assert_null(status_replay_command("/c", "../x"));
	assert_null(status_replay_command("/c", "a b"));
}

static void
test_html_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(html_text(f, "<>&\"'\x7f\x80\xff ok"), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "&lt;&gt;&amp;&quot;&#39;\\x7F\\x80\\xFF ok");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_hostile_fields),
		cmocka_unit_test(test_fifty_rows_and_chart),
		cmocka_unit_test(test_dead_letters),
		cmocka_unit_test(test_replay_command),
		cmocka_unit_test(test_html_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
