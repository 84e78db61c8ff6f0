/* statuspage.c: the status page, rendered on the server into one HTML
 * document: inline CSS, an inline SVG chart, no script, nothing loaded
 * from anywhere; readable on a phone (viewport, tables that scroll). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statuspage.h"

#define RECENT_SHOWN	50

/* Outcome colours, in stats.h's order, for the chart, legend and badges. */
static const char *const colours[STATS__NOUTCOME] = {
	[STATS_SUCCESS] = "#2e7d32",	[STATS_FAILURE] = "#c62828",
	[STATS_ACCEPTED] = "#1565c0",	[STATS_RETRY] = "#ef6c00",
	[STATS_DEAD] = "#4a0000",	[STATS_DUPLICATE] = "#78909c",
	[STATS_IGNORED] = "#b0bec5",	[STATS_REJECTED] = "#8e24aa",
};

int
html_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	for (; rc >= 0 && *p != '\0'; p++) {
		switch (*p) {
		case '&': rc = fputs("&amp;", f); break;
		case '<': rc = fputs("&lt;", f); break;
		case '>': rc = fputs("&gt;", f); break;
		case '"': rc = fputs("&quot;", f); break;
		case '\'': rc = fputs("&#39;", f); break;
		default:
			/* C0, DEL, C1 and any non-ASCII byte as visible text:
			 * valid UTF-8 out whatever came in. */
			if (*p < 0x20 || *p >= 0x7f)
				rc = fprintf(f, "\\x%02X", *p);
			else
				rc = fputc(*p, f);
		}
	}
	return rc < 0 ? -1 : 0;
}

/* The endpoint's name as shown: "/" for the one at the script URL. */
static int
html_endpoint(FILE *f, const char *name)
{
	return html_text(f, name[0] == '\0' ? "/" : name);
}

static const char style[] =
    "body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:64em;"
    "padding:.5em 1em;color:#212121;background:#fff}"
    "h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}"
    ".scroll{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;font-size:.9em}"
    "th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #e0e0e0;"
    "white-space:nowrap}td.num,th.num{text-align:right}"
    "code{font-size:.9em;background:#f5f5f5;padding:0 .2em}"
    ".badge{display:inline-block;padding:0 .4em;border-radius:.3em;"
    "color:#fff}.muted{color:#757575}"
    ".legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3em 1em}"
    ".sw{display:inline-block;width:.8em;height:.8em;margin-right:.3em;"
    "vertical-align:middle}"
    "svg{display:block;width:100%;height:10em}"
    ".axis{display:flex;justify-content:space-between;margin:.2em 0;"
    "font-size:.85em}"
    ".problem{color:#c62828}"
    "@media (max-width:40em){body{padding:.3em}th,td{padding:.2em .3em}}";

static void
head(FILE *f, const struct status_view *v)
{
	char when[32], line[256];

	status_time(when, sizeof(when), v->now);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
	    "<title>hookline status</title><style>%s", style);
	for (unsigned o = 0; o < STATS__NOUTCOME; o++)
		fprintf(f, ".o-%s{fill:%s;background:%s}",
		    stats_outcome_name((enum stats_outcome)o), colours[o],
		    colours[o]);
	fprintf(f, "</style></head>\n<body><header><h1>hookline</h1>"
	    "<p class=\"muted\">As of %s (UTC), hookline %s. Payload bodies, "
	    "secrets and signatures are never shown here.</p>", when,
	    HOOKLINE_VERSION);
	for (size_t i = 0; i < v->problems.n; i++) {
		fputs("<p class=\"problem\">Could not read ", f);
		(void)html_text(f, v->problems.v[i]);
		fputs("</p>", f);
	}
	status_spool_line(v, line, sizeof(line));
	if (line[0] != '\0') {
		fputs("<p id=\"spool\">Spool: ", f);
		(void)html_text(f, line);
		fputs(".</p>", f);
	}
	fputs("</header>\n", f);
}

static void
badge(FILE *f, unsigned o)
{
	const char *w = stats_outcome_name((enum stats_outcome)o);

	fprintf(f, "<span class=\"badge o-%s\">%s</span>", w, w);
}

static int
endpoints(FILE *f, const struct status_view *v)
{
	struct status_row *rows;
	char when[32];
	size_t n, i;
	unsigned o;

	if ((rows = status_rows(v, &n)) == NULL)
		return -1;
	fputs("<section id=\"endpoints\"><h2>Endpoints</h2>"
	    "<div class=\"scroll\"><table><thead><tr><th>endpoint</th>"
	    "<th>last delivery</th>", f);
	for (o = 0; o < STATS__NOUTCOME; o++)
		fprintf(f, "<th class=\"num\">%s<br><span class=\"muted\">"
		    "24 h</span></th>", stats_outcome_name((enum stats_outcome)o));
	fputs("</tr></thead><tbody>\n", f);
	if (n == 0)
		fprintf(f, "<tr><td colspan=\"%d\" class=\"muted\">No endpoint "
		    "configured and nothing counted yet.</td></tr>\n",
		    STATS__NOUTCOME + 2);
	for (i = 0; i < n; i++) {
		fputs("<tr><td>", f);
		(void)html_endpoint(f, rows[i].name);
		fputs("</td><td>", f);
		if (rows[i].ep != NULL && rows[i].ep->last_time > 0) {
			status_time(when, sizeof(when), rows[i].ep->last_time);
			fprintf(f, "%s ", when);
			badge(f, (unsigned)rows[i].ep->last_outcome);
		} else
			fputs("<span class=\"muted\">none yet</span>", f);
		fputs("</td>", f);
		for (o = 0; o < STATS__NOUTCOME; o++)
			fprintf(f, "<td class=\"num\">%" PRIu64 "</td>",
			    rows[i].day[o]);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div></section>\n", f);
	free(rows);
	return 0;
}

/* One bar's text: "16:00 UTC: 3 success, 1 failure" (or "none"). */
static void
bar_text(FILE *f, const struct status_view *v, unsigned h,
    const uint64_t n[STATS__NOUTCOME])
{
	int64_t t = (v->now / 3600 - (int64_t)h) * 3600;
	char when[32];
	int any = 0;

	status_time(when, sizeof(when), t);
	when[16] = '\0';	/* "YYYY-MM-DD HH:MM" */
	fprintf(f, "%s UTC: ", when);
	for (unsigned o = 0; o < STATS__NOUTCOME; o++)
		if (n[o] > 0)
			fprintf(f, "%s%" PRIu64 " %s", any++ ? ", " : "", n[o],
			    stats_outcome_name((enum stats_outcome)o));
	if (!any)
		fputs("none", f);
}

/* The bars' own units; the SVG is stretched to the page's width and a
 * fixed height (preserveAspectRatio none), so its words are HTML. */
#define CHART_W		480
#define CHART_H		120
#define CHART_TOP	4
#define CHART_BOTTOM	1
#define BAR_W		10

static void
chart(FILE *f, const struct status_view *v)
{
	uint64_t n[STATS_HOURS][STATS__NOUTCOME], max = 0, tot, sum[STATS__NOUTCOME] = { 0 };
	double scale, y;
	unsigned h, o, x;

	for (h = 0; h < STATS_HOURS; h++) {
		status_hour(v, h, n[h]);
		for (tot = 0, o = 0; o < STATS__NOUTCOME; o++) {
			tot += n[h][o];
			sum[o] += n[h][o];
		}
		if (tot > max)
			max = tot;
	}
	scale = max > 0 ? (double)(CHART_H - CHART_TOP - CHART_BOTTOM) /
	    (double)max : 0;
	fputs("<section id=\"chart\"><h2>Deliveries per hour, last 48 hours"
	    "</h2>", f);
	fprintf(f, "<p class=\"muted axis\">%" PRIu64 " per hour at most</p>"
	    "<svg id=\"chart-svg\" viewBox=\"0 0 %d %d\" "
	    "preserveAspectRatio=\"none\" role=\"img\" aria-labelledby=\"chart-title "
	    "chart-desc\"><title id=\"chart-title\">Deliveries per hour over "
	    "the last 48 hours, by outcome</title><desc id=\"chart-desc\">",
	    max, CHART_W, CHART_H);
	for (tot = 0, o = 0; o < STATS__NOUTCOME; o++)
		tot += sum[o];
	fprintf(f, "%" PRIu64 " in all", tot);
	for (o = 0; o < STATS__NOUTCOME; o++)
		if (sum[o] > 0)
			fprintf(f, ", %" PRIu64 " %s", sum[o],
			    stats_outcome_name((enum stats_outcome)o));
	fprintf(f, "; the busiest hour had %" PRIu64 ".</desc>", max);
	fprintf(f, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#9e9e9e\" vector-effect=\"non-scaling-stroke\"/>",
	    CHART_H - CHART_BOTTOM, CHART_W,
	    CHART_H - CHART_BOTTOM);
	for (h = 0; h < STATS_HOURS; h++) {
		/* The oldest hour on the left, this one on the right. */
		x = (STATS_HOURS - 1 - h) * BAR_W;
		y = CHART_H - CHART_BOTTOM;
		fprintf(f, "<g class=\"bar\"><title>");
		bar_text(f, v, h, n[h]);
		fputs("</title>", f);
		fprintf(f, "<rect x=\"%u\" y=\"%d\" width=\"%d\" height=\"%d\" "
		    "fill=\"transparent\"/>", x, CHART_TOP, BAR_W,
		    CHART_H - CHART_TOP - CHART_BOTTOM);
		for (o = 0; o < STATS__NOUTCOME; o++) {
			if (n[h][o] == 0)
				continue;
			y -= (double)n[h][o] * scale;
			fprintf(f, "<rect class=\"o-%s\" x=\"%u\" y=\"%.1f\" "
			    "width=\"%d\" height=\"%.1f\"/>",
			    stats_outcome_name((enum stats_outcome)o), x + 1, y,
			    BAR_W - 2, (double)n[h][o] * scale);
		}
		fputs("</g>", f);
	}
	fputs("</svg><p class=\"muted axis\"><span>48 h ago</span>"
	    "<span>now</span></p>", f);
	fputs("<ul class=\"legend\">", f);
	for (o = 0; o < STATS__NOUTCOME; o++)
		fprintf(f, "<li><span class=\"sw o-%s\"></span>%s (%" PRIu64
		    ")</li>", stats_outcome_name((enum stats_outcome)o),
		    stats_outcome_name((enum stats_outcome)o), sum[o]);
	fputs("</ul></section>\n", f);
}

/* A delivery's row up to its id: time, endpoint, event, id (all
 * escaped: the event and id are a sender's). */
static void
delivery_cells(FILE *f, const char *cls, int64_t time, const char *endpoint,
    const char *event, const char *id)
{
	char when[32];

	status_time(when, sizeof(when), time);
	fprintf(f, "<tr class=\"%s\"><td>%s</td><td>", cls, when);
	(void)html_endpoint(f, endpoint);
	fputs("</td><td>", f);
	(void)html_text(f, event);
	fputs("</td><td><code>", f);
	(void)html_text(f, id);
	fputs("</code></td>", f);
}

static void
recent(FILE *f, const struct status_view *v)
{
	const struct stats_recent *r;
	size_t i, k, n = v->snap->nrecent;

	if (n > RECENT_SHOWN)
		n = RECENT_SHOWN;
	if (n > 0)
		fprintf(f, "<section id=\"recent\"><h2>Last %zu deliveries"
		    "</h2>", n);
	else
		fputs("<section id=\"recent\"><h2>Last deliveries</h2>", f);
	fputs("<div class=\"scroll\"><table id=\"recent-table\"><thead><tr>"
	    "<th>time</th><th>endpoint</th><th>event</th><th>delivery id</th>"
	    "<th>outcome</th><th class=\"num\">attempts</th><th>hook exits"
	    "</th></tr></thead><tbody>\n", f);
	if (n == 0)
		fputs("<tr><td colspan=\"7\" class=\"muted\">No delivery yet."
		    "</td></tr>\n", f);
	for (i = 0; i < n; i++) {
		r = &v->snap->recent[i];
		delivery_cells(f, "delivery", r->time, r->endpoint, r->event,
		    r->delivery);
		fputs("<td>", f);
		badge(f, (unsigned)r->outcome);
		fprintf(f, "</td><td class=\"num\">%u</td><td>",
		    r->attempts > 0 ? r->attempts : 1);
		for (k = 0; k < r->nhooks && k < STATS_RECENT_HOOKS; k++) {
			fputs(k > 0 ? ", " : "", f);
			(void)html_text(f, r->hooks[k].name);
			if (r->hooks[k].exit >= 0)
				fprintf(f, " %d", r->hooks[k].exit);
			else
				fputs(" killed/not run", f);
		}
		if (r->more_hooks)
			fputs(", &#8230;", f);
		if (r->nhooks == 0)
			fputs("<span class=\"muted\">none</span>", f);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></div></section>\n", f);
}

static int
dead(FILE *f, const struct status_view *v)
{
	const struct dead_letter *d;
	char *cmd;

	fprintf(f, "<section id=\"dead\"><h2>Dead letters (%zu)</h2>",
	    v->dead_total);
	if (v->dead_total == 0) {
		fputs("<p class=\"muted\">None.</p></section>\n", f);
		return 0;
	}
	fputs("<div class=\"scroll\"><table id=\"dead-table\"><thead><tr>"
	    "<th>since</th><th>endpoint</th><th>event</th><th>delivery id</th>"
	    "<th class=\"num\">attempts</th><th>last error</th>"
	    "<th>to replay it</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < v->ndead; i++) {
		d = &v->dead[i];
		delivery_cells(f, "dead", d->finished, d->endpoint, d->event,
		    d->id);
		fprintf(f, "<td class=\"num\">%u</td><td>", d->attempts);
		(void)html_text(f, d->error != NULL ? d->error : "");
		fputs("</td><td><code>", f);
		if ((cmd = status_replay_command(v->conf_path, d->name)) ==
		    NULL)
			return -1;
		(void)html_text(f, cmd);
		free(cmd);
		fputs("</code></td></tr>\n", f);
	}
	fputs("</tbody></table></div>", f);
	if (v->ndead < v->dead_total)
		fprintf(f, "<p class=\"muted\">The oldest %zu of %zu are shown; "
		    "<code>hookline list --dead</code> lists them all.</p>",
		    v->ndead, v->dead_total);
	fputs("</section>\n", f);
	return 0;
}

int
statuspage_render(const struct status_view *v, char **buf, size_t *len)
{
	FILE *f;
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if ((f = open_memstream(buf, len)) == NULL)
		return -1;
	head(f, v);
	if (endpoints(f, v) != 0)
		rc = -1;
	chart(f, v);
	recent(f, v);
	if (rc == 0 && dead(f, v) != 0)
		rc = -1;
	fputs("</body></html>\n", f);
	if (ferror(f))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return rc;
}
