/* err.h: the error buffer library-like modules fill instead of logging. */
#ifndef HOOKLINE_ERR_H
#define HOOKLINE_ERR_H

#define ERR_MAX 512

/* A message for people; never holds a secret or a stranger's raw bytes. */
struct err {
	char msg[ERR_MAX];
};

/* Formats into e->msg (truncated if long). e may be NULL. */
void err_set(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
