/* termsafe.h: a stranger's bytes made harmless for an operator's
 * terminal (hook output and sender data in `show` and `list`). */
#ifndef HOOKLINE_TERMSAFE_H
#define HOOKLINE_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

/* Writes len bytes of s to f as text, every control character escaped:
 * C0 but newline and tab, DEL, C1 (U+0080-U+009F) whether as UTF-8 or
 * as a raw byte, and every byte of invalid UTF-8 become \xHH; a
 * backslash becomes \\, so the text reads back unambiguously. Valid
 * UTF-8 passes. With indent, each line starts with it and the last one
 * is ended. Returns 0, or -1 when writing failed. */
int	term_text(FILE *f, const char *s, size_t len, const char *indent);

/* Writes serialized JSON (json-c's text: C0 already escaped, any other
 * byte raw) to f with C1 and DEL as \u00XX escapes and each byte of
 * invalid UTF-8 as \ufffd, so that it is valid UTF-8 and drives no
 * terminal. Non-ASCII bytes occur only inside strings, where these
 * escapes mean the same characters. Returns 0, or -1. */
int	term_json(FILE *f, const char *json, size_t len);

#endif
