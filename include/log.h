/* log.h: one JSON object per line per delivery; stderr, syslog or a file. */
#ifndef HOOKLINE_LOG_H
#define HOOKLINE_LOG_H

#include <stddef.h>

#include "err.h"
#include "json.h"

/* Where lines go from now on: "stderr", "syslog" or a file path (opened
 * O_APPEND). Returns 0, or -1 with err (the old target stays). */
int	log_open(const char *target, struct err *err);
void	log_close(void);

/* A new record holding only "time" (now, RFC 3339 UTC), or NULL. */
struct jval *log_start(void);
/* Writes rec as one line in one write. */
void	log_record(struct jval *rec);
/* What a log line keeps of a hook's stdout or stderr: its last bytes. */
#define LOG_TAIL_MAX	4096
/* Sets key in obj to the last LOG_TAIL_MAX bytes of buf (len bytes);
 * nothing when len is 0. Returns 0, or -1 when out of memory. */
int	log_set_tail(struct jval *obj, const char *key, const char *buf,
	    size_t len);
/* A line {"time","level","msg"} for start-up, reload and refusals. */
void	log_msg(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
