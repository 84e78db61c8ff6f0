/* json.c: JSON in and out; the only json-c user. */
#include <json-c/json.h>
#include <string.h>

#include "json.h"

/* json-c's object is our jval; the cast is the whole adapter. */
#define J(v)	((struct json_object *)(v))
#define V(o)	((struct jval *)(o))

struct jval *
json_parse(const char *buf, size_t len, struct err *err)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t end;

	if (len > INT32_MAX) {
		err_set(err, "body too large to parse");
		return NULL;
	}
	/* Bound the nesting a stranger can make us recurse into. */
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		err_set(err, "invalid JSON: %s", json_tokener_error_desc(
		    jerr == json_tokener_continue ? json_tokener_error_parse_eof :
		    jerr));
		goto fail;
	}
	/* One value only: anything after it but white space is an error. */
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (strchr(" \t\r\n", buf[end]) == NULL || buf[end] == '\0') {
			err_set(err, "invalid JSON: data after the value");
			goto fail;
		}
	}
	json_tokener_free(tok);
	return V(o);
fail:
	json_object_put(o);
	json_tokener_free(tok);
	return NULL;
}

void
json_free(struct jval *v)
{
	json_object_put(J(v));
}

struct jval *
json_path(struct jval *v, const char *path)
{
	struct json_object *o = J(v), *next;
	const char *p = path, *dot;
	char *key;
	size_t n;

	while (o != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if ((key = strndup(p, n)) == NULL)
			return NULL;
		next = NULL;
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, key, &next))
			next = NULL;
		free(key);
		o = next;
		p += n + (dot != NULL);
	}
	return V(o);
}

int
json_is_object(const struct jval *v)
{
	return json_object_is_type(J(v), json_type_object);
}

const char *
json_string(struct jval *v)
{
	if (v == NULL || !json_object_is_type(J(v), json_type_string))
		return NULL;
	return json_object_get_string(J(v));
}

int
json_int(struct jval *v, int64_t *out)
{
	if (v == NULL || !json_object_is_type(J(v), json_type_int))
		return -1;
	*out = json_object_get_int64(J(v));
	return 0;
}

struct jval *
json_new_object(void)
{
	return V(json_object_new_object());
}

struct jval *
json_new_array(void)
{
	return V(json_object_new_array());
}

int
json_set(struct jval *obj, const char *key, struct jval *child)
{
	if (child == NULL)
		return -1;
	/* On failure json-c leaves child's reference with us. */
	if (json_object_object_add(J(obj), key, J(child)) != 0) {
		json_object_put(J(child));
		return -1;
	}
	return 0;
}

int
json_set_strn(struct jval *obj, const char *key, const char *s, size_t len)
{
	if (len > INT32_MAX)
		return -1;
	return json_set(obj, key, V(json_object_new_string_len(s, (int)len)));
}

int
json_set_str(struct jval *obj, const char *key, const char *s)
{
	return json_set(obj, key, V(json_object_new_string(s)));
}

int
json_set_int(struct jval *obj, const char *key, int64_t n)
{
	return json_set(obj, key, V(json_object_new_int64(n)));
}

int
json_set_bool(struct jval *obj, const char *key, int b)
{
	return json_set(obj, key, V(json_object_new_boolean(b)));
}

int
json_push(struct jval *arr, struct jval *child)
{
	if (child == NULL)
		return -1;
	if (json_object_array_add(J(arr), J(child)) != 0) {
		json_object_put(J(child));
		return -1;
	}
	return 0;
}

const char *
json_text(struct jval *v, size_t *len)
{
	return json_object_to_json_string_length(J(v),
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

const char *
json_lib_version(void)
{
	return json_c_version();
}
