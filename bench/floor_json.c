/* floor_json.c: the FastCGI floor plus the one check the contract puts
 * before any answer about an event: the body parsed by json-c (strict,
 * depth 64, an object at the top), as hookline's json.c does. Paths that
 * must look at the JSON (ignored, duplicate) cannot cost less than this;
 * the gap between this floor and F-fcgi is json-c's price. */
#include <json-c/json.h>

#include "floor.h"

static int
json_ok(const char *body, long len)
{
	struct json_tokener *tok;
	struct json_object *o;
	int ok;

	if ((tok = json_tokener_new_ex(64)) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, body, (int)len);
	ok = o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_object_is_type(o, json_type_object);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

int
main(void)
{
	FCGX_Request r;
	char *body = NULL;
	size_t cap = 0;
	long len;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		if ((len = floor_read_body(&r, &body, &cap)) < 0)
			floor_answer(&r, "400 Bad Request",
			    "{\"status\":\"error\",\"error\":\"invalid_length\"}");
		else if (!json_ok(body, len))
			floor_answer(&r, "400 Bad Request",
			    "{\"status\":\"error\",\"error\":\"invalid_json\"}");
		else
			floor_answer(&r, "200 OK", "{\"status\":\"success\"}");
		FCGX_Finish_r(&r);
	}
	free(body);
	return 0;
}
