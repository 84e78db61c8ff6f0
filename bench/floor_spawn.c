/* floor_spawn.c: the fork/exec floor: floor_fcgi plus one hook per
 * request, posix_spawn()ed with the body on a pipe to its stdin, in its
 * own process group, every other fd closed, a built environment, and
 * waited for. The hook is $FLOOR_HOOK (set by lighttpd's bin-environment),
 * argv: the hook, then "push". This is the least a sync receiver must do;
 * hookline also captures the hook's output and writes a payload file. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>

#include "floor.h"
#include "floor_hook.h"

int
main(void)
{
	FCGX_Request r;
	const char *hook = getenv("FLOOR_HOOK");
	char *body = NULL;
	size_t cap = 0;
	long len;

	if (hook == NULL || *hook == '\0') {
		fputs("floor_spawn: FLOOR_HOOK is not set\n", stderr);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		if ((len = floor_read_body(&r, &body, &cap)) < 0)
			floor_answer(&r, "400 Bad Request",
			    "{\"status\":\"error\",\"error\":\"invalid_length\"}");
		else if (floor_run_hook(hook, body, (size_t)len) != 0)
			floor_answer(&r, "500 Internal Server Error",
			    "{\"status\":\"error\",\"error\":\"hook_failed\"}");
		else
			floor_answer(&r, "200 OK", "{\"status\":\"success\"}");
		FCGX_Finish_r(&r);
	}
	free(body);
	return 0;
}
