/* log.c: one JSON object per line per delivery; stderr, syslog or a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "termsafe.h"

/* The log state: with the configuration, the only process-wide state. */
static struct {
	enum { LOG_TO_FD, LOG_TO_SYSLOG } kind;
	int	fd;		/* 2, or an O_APPEND file */
} logstate = { LOG_TO_FD, STDERR_FILENO };

int
log_open(const char *target, struct err *err)
{
	int fd;

	if (target == NULL || strcmp(target, "stderr") == 0) {
		log_close();
		return 0;
	}
	if (strcmp(target, "syslog") == 0) {
		log_close();
		openlog("hookline", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		logstate.kind = LOG_TO_SYSLOG;
		return 0;
	}
	fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		err_set(err, "cannot open log file %s: %s", target,
		    strerror(errno));
		return -1;
	}
	log_close();
	logstate.fd = fd;
	return 0;
}

void
log_close(void)
{
	if (logstate.kind == LOG_TO_SYSLOG)
		closelog();
	else if (logstate.fd != STDERR_FILENO)
		(void)close(logstate.fd);
	logstate.kind = LOG_TO_FD;
	logstate.fd = STDERR_FILENO;
}

struct jval *
log_start(void)
{
	struct jval *rec;
	struct timespec ts;
	struct tm tm;
	char buf[64];

	if ((rec = json_new_object()) == NULL)
		return NULL;
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
	    gmtime_r(&ts.tv_sec, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) > 0) {
		size_t n = strlen(buf);
		/* RFC 3339 with milliseconds, UTC. */
		if (snprintf(buf + n, sizeof(buf) - n, ".%03ldZ",
		    ts.tv_nsec / 1000000) > 0)
			(void)json_set_str(rec, "time", buf);
	}
	return rec;
}

static bool
plain_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/*
 * The line to write for serialized JSON text of *len bytes, newline
 * ended, its length in *len. Hook output in a line is a stranger's
 * bytes: C1 controls and invalid UTF-8 are escaped as show does
 * (json-c escapes only C0), so tailing the log drives no terminal.
 * Returns a line the caller frees, or NULL.
 */
static char *
log_line(const char *text, size_t *len)
{
	char *line = NULL;
	size_t n = 0;
	FILE *f;

	if (plain_ascii(text, *len)) {
		if ((line = malloc(*len + 1)) == NULL)
			return NULL;
		memcpy(line, text, *len);
		line[(*len)++] = '\n';
		return line;
	}
	if ((f = open_memstream(&line, &n)) == NULL)
		return NULL;
	if (term_json(f, text, *len) == -1 || fputc('\n', f) == EOF) {
		(void)fclose(f);
		free(line);
		return NULL;
	}
	if (fclose(f) == EOF) {
		free(line);
		return NULL;
	}
	*len = n;
	return line;
}

void
log_record(struct jval *rec)
{
	const char *text;
	char *line;
	size_t len;

	if (rec == NULL || (text = json_text(rec, &len)) == NULL)
		return;
	if ((line = log_line(text, &len)) == NULL)
		return;
	if (logstate.kind == LOG_TO_SYSLOG) {
		syslog(LOG_INFO, "%.*s", (int)(len - 1), line);
		free(line);
		return;
	}
	/* One write per line, so lines of concurrent processes never mix
	 * (O_APPEND, and pipes keep writes of up to PIPE_BUF whole). */
	(void)write_all(logstate.fd, line, len);
	free(line);
}

void
log_msg(const char *level, const char *fmt, ...)
{
	struct jval *rec;
	va_list ap;
	char *msg = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((rec = log_start()) != NULL &&
	    json_set_str(rec, "level", level) == 0 &&
	    json_set_str(rec, "msg", msg) == 0)
		log_record(rec);
	json_free(rec);
	free(msg);
}

int
log_set_tail(struct jval *obj, const char *key, const char *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (len > LOG_TAIL_MAX) {
		buf += len - LOG_TAIL_MAX;
		len = LOG_TAIL_MAX;
	}
	return json_set_strn(obj, key, buf, len);
}
