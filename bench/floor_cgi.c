/* floor_cgi.c: the CGI floor: a bare C CGI program (RFC 3875) that reads
 * CONTENT_LENGTH bytes of body from stdin and answers a fixed JSON status.
 * With $FLOOR_HOOK set (lighttpd's setenv), it also runs that hook the
 * way floor_spawn does: the CGI + fork/exec floor. No libfcgi. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "floor_hook.h"

#define MAX_BODY	(10L * 1024 * 1024)

int
main(void)
{
	const char *cl = getenv("CONTENT_LENGTH"), *hook = getenv("FLOOR_HOOK");
	char *body, *end;
	long want, got = 0;
	ssize_t n;

	want = cl != NULL ? strtol(cl, &end, 10) : -1;
	if (cl == NULL || *cl == '\0' || *end != '\0' || want < 0 ||
	    want > MAX_BODY || (body = malloc((size_t)want + 1)) == NULL) {
		fputs("Status: 400 Bad Request\r\nContent-Type: application/json"
		    "\r\n\r\n{\"status\":\"error\",\"error\":\"invalid_length\"}\n",
		    stdout);
		return 0;
	}
	while (got < want) {
		n = read(0, body + got, (size_t)(want - got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	if (got == want && hook != NULL && *hook != '\0' &&
	    floor_run_hook(hook, body, (size_t)got) != 0)
		fputs("Status: 500 Internal Server Error\r\nContent-Type: "
		    "application/json\r\n\r\n{\"status\":\"error\",\"error\":"
		    "\"hook_failed\"}\n", stdout);
	else if (got == want)
		fputs("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
		    "{\"status\":\"success\"}\n", stdout);
	else
		fputs("Status: 400 Bad Request\r\nContent-Type: application/json"
		    "\r\n\r\n{\"status\":\"error\",\"error\":\"short_body\"}\n",
		    stdout);
	free(body);
	return 0;
}
