/* statuspage.h: the status page: one server-rendered HTML page, no
 * script, no external asset (inline CSS and SVG). */
#ifndef HOOKLINE_STATUSPAGE_H
#define HOOKLINE_STATUSPAGE_H

#include <stddef.h>
#include <stdio.h>

#include "statusview.h"

/* The Content-Security-Policy the page is served with: it needs
 * nothing but its own <style>; the chart is inline SVG. */
#define STATUSPAGE_CSP	"default-src 'none'; style-src 'unsafe-inline'; " \
			"base-uri 'none'; form-action 'none'; " \
			"frame-ancestors 'none'"

/* Renders v. Everything that came from a sender or from the spool
 * (event names, delivery ids, errors) is HTML-escaped, and any byte
 * that is not printable ASCII shown as \xHH; payload bodies, secrets
 * and signatures are not in v, so never on the page. Returns 0 and *buf
 * (malloc'd, *len bytes), or -1 when out of memory. */
int	statuspage_render(const struct status_view *v, char **buf,
	    size_t *len);

/* Writes s to f with & < > " ' as entities and every byte outside
 * printable ASCII as the text \xHH. Returns 0, or -1. (For the tests
 * and for anything else that puts a stranger's bytes in HTML.) */
int	html_text(FILE *f, const char *s);

#endif
