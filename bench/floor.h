/* floor.h: what every FastCGI floor shares: read a request's body
 * (bounded by CONTENT_LENGTH, as hookline reads it) and write a fixed
 * JSON answer. Header-only so each floor stays one small file. */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR_MAX_BODY	(10L * 1024 * 1024)

/* Reads the whole body into *buf (grown as needed, owned by the caller,
 * reused between requests). Returns its length, or -1 when
 * CONTENT_LENGTH is missing, bad, too large, or the body is short. */
static long
floor_read_body(FCGX_Request *r, char **buf, size_t *cap)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", r->envp);
	char *end, *nb;
	long want, got = 0;
	int n;

	if (cl == NULL || *cl == '\0')
		return -1;
	want = strtol(cl, &end, 10);
	if (*end != '\0' || want < 0 || want > FLOOR_MAX_BODY)
		return -1;
	if ((size_t)want + 1 > *cap) {
		if ((nb = realloc(*buf, (size_t)want + 1)) == NULL)
			return -1;
		*buf = nb;
		*cap = (size_t)want + 1;
	}
	while (got < want) {
		n = FCGX_GetStr(*buf + got, (int)(want - got), r->in);
		if (n <= 0)
			return -1;
		got += n;
	}
	(*buf)[got] = '\0';
	return got;
}

/* Writes a whole answer: status line, JSON type, body. */
static void
floor_answer(FCGX_Request *r, const char *status, const char *json)
{
	FCGX_FPrintF(r->out, "Status: %s\r\nContent-Type: application/json"
	    "\r\n\r\n%s\n", status, json);
}

#endif
