/* floor_fcgi.c: the web server + FastCGI floor: a bare libfcgi responder
 * that reads the body and answers a fixed JSON status. Nothing hookline
 * does per request can cost less than this under the same lighttpd. */
#include "floor.h"

int
main(void)
{
	FCGX_Request r;
	char *body = NULL;
	size_t cap = 0;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		if (floor_read_body(&r, &body, &cap) < 0)
			floor_answer(&r, "400 Bad Request",
			    "{\"status\":\"error\",\"error\":\"invalid_length\"}");
		else
			floor_answer(&r, "200 OK", "{\"status\":\"success\"}");
		FCGX_Finish_r(&r);
	}
	free(body);
	return 0;
}
