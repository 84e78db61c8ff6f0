/* json.h: JSON in and out; the only json-c user. Parses a stranger's
 * bytes with a depth limit and builds the answers and log lines. */
#ifndef HOOKLINE_JSON_H
#define HOOKLINE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JSON_MAX_DEPTH	64

struct jval;	/* a json-c object; reference counted */

/* Parses exactly len bytes (all of them must be one JSON value, white
 * space around it allowed). Returns a new value, or NULL with err. */
struct jval	*json_parse(const char *buf, size_t len, struct err *err);
/* Releases v; NULL is fine. */
void		 json_free(struct jval *v);

/* The member at a dotted path ("event.type"), borrowed, or NULL. */
struct jval	*json_path(struct jval *v, const char *path);
int		 json_is_object(const struct jval *v);
/* The string value, borrowed, or NULL when v is not a string. */
const char	*json_string(struct jval *v);
/* 0 and *out when v is an integer, else -1. */
int		 json_int(struct jval *v, int64_t *out);

/* Building. Each returns 0, or -1 when out of memory. */
struct jval	*json_new_object(void);
struct jval	*json_new_array(void);
int		 json_set_str(struct jval *obj, const char *key, const char *s);
int		 json_set_strn(struct jval *obj, const char *key, const char *s,
		    size_t len);
int		 json_set_int(struct jval *obj, const char *key, int64_t n);
int		 json_set_bool(struct jval *obj, const char *key, int b);
/* Moves child into obj (obj owns it, also on failure). */
int		 json_set(struct jval *obj, const char *key, struct jval *child);
int		 json_push(struct jval *arr, struct jval *child);
/* Compact text, valid until v changes or is freed. */
const char	*json_text(struct jval *v, size_t *len);

/* json-c's version, for `hookline version`. */
const char	*json_lib_version(void);

#endif
