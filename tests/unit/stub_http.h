/* stub_http.h: a scripted HTTP/1.1 server for the outbound tests, in a
 * forked process on 127.0.0.1: the nth request gets the nth answer of
 * its script (the last one repeats), and each request is written down
 * as one line in a log file. Included by the test files that need it. */
#ifndef HOOKLINE_STUB_HTTP_H
#define HOOKLINE_STUB_HTTP_H

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/*
 * An answer: "CODE" or "CODE|Header: value|Header: value", "hang" (read
 * the request, never answer), "big" (200 with STUB_BIG bytes of body),
 * "close" (answer 200 and close the connection).
 */
#define STUB_BIG	(200 * 1024)
#define STUB_FN		static __attribute__((unused))

struct stub {
	pid_t		 pid;
	int		 port;
	char		 log[512];
	char		 url[64];
};

/* The whole log file, NUL-terminated (caller frees), or NULL. */
STUB_FN char *
stub_log(const struct stub *s)
{
	FILE *fp = fopen(s->log, "re");
	char *buf = NULL;
	size_t len = 0;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) !=
	    NULL) {
		len = fread(buf, 1, (size_t)n, fp);
		buf[len] = '\0';
	}
	fclose(fp);
	return buf;
}

/* Lines in the log. */
STUB_FN int
stub_count(const struct stub *s)
{
	char *buf = stub_log(s), *p;
	int n = 0;

	if (buf == NULL)
		return -1;
	for (p = buf; *p != '\0'; p++)
		n += *p == '\n';
	free(buf);
	return n;
}

/* The value of header name in the request head hd, copied to out. */
STUB_FN void
stub_header(const char *hd, const char *name, char *out, size_t outlen)
{
	const char *p = hd, *v, *end;
	size_t n = strlen(name), len;

	out[0] = '\0';
	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			v = p + n + 1;
			while (*v == ' ')
				v++;
			end = strstr(v, "\r\n");
			len = end ? (size_t)(end - v) : strlen(v);
			if (len >= outlen)
				len = outlen - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return;
		}
	}
}

/* The value after key (" id=", say) in a log line, up to the next space
 * or newline, copied to out: 0, or -1 when key is missing or the value
 * does not fit. */
STUB_FN int
stub_field(const char *line, const char *key, char *out, size_t outlen)
{
	const char *p = strstr(line, key);
	size_t n;

	if (p == NULL)
		return -1;
	p += strlen(key);
	n = strcspn(p, " \n");
	if (n >= outlen)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* The Standard Webhooks headers of a logged request, for a getter over
 * them (stub_hv_get's ctx). */
struct stub_hv {
	const char	*id, *ts, *sig;
};

STUB_FN const char *
stub_hv_get(const void *ctx, const char *name)
{
	const struct stub_hv *h = ctx;

	if (strcasecmp(name, "webhook-id") == 0)
		return h->id;
	if (strcasecmp(name, "webhook-timestamp") == 0)
		return h->ts;
	if (strcasecmp(name, "webhook-signature") == 0)
		return h->sig;
	return NULL;
}

STUB_FN int
stub_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Serves one connection until the peer closes it. */
STUB_FN void
stub_conn(int fd, int logfd, const char *const *script)
{
	static char buf[1 << 20];
	char ua[128], ct[128], xt[128], wid[128], wts[64], wsig[160];
	char cl[32], line[2048], head[4096], *hend, *body;
	size_t have = 0, hlen, blen, nscript, i, k;
	const char *ans, *p;
	struct timespec now;
	ssize_t n;
	int idx, code, keep;

	for (nscript = 0; script[nscript] != NULL; nscript++)
		;
	for (;;) {
		while ((hend = memmem(buf, have, "\r\n\r\n", 4)) == NULL) {
			if ((n = read(fd, buf + have, sizeof(buf) - have)) <= 0)
				return;
			have += (size_t)n;
		}
		hlen = (size_t)(hend - buf) + 4;
		buf[hlen - 2] = '\0';
		stub_header(buf, "Content-Length", cl, sizeof(cl));
		blen = (size_t)strtoul(cl, NULL, 10);
		while (have < hlen + blen) {
			if ((n = read(fd, buf + have, sizeof(buf) - have)) <= 0)
				return;
			have += (size_t)n;
		}
		body = buf + hlen;
		stub_header(buf, "User-Agent", ua, sizeof(ua));
		stub_header(buf, "Content-Type", ct, sizeof(ct));
		stub_header(buf, "X-Test", xt, sizeof(xt));
		stub_header(buf, "webhook-id", wid, sizeof(wid));
		stub_header(buf, "webhook-timestamp", wts, sizeof(wts));
		stub_header(buf, "webhook-signature", wsig, sizeof(wsig));
		/* The request's number: the lines before ours, under a lock
		 * shared by every connection. */
		if (flock(logfd, LOCK_EX) != 0)
			return;
		{
			char tmp[1 << 16];
			off_t off = 0;
			idx = 0;
			while ((n = pread(logfd, tmp, sizeof(tmp), off)) > 0) {
				for (i = 0; i < (size_t)n; i++)
					idx += tmp[i] == '\n';
				off += n;
			}
		}
		(void)clock_gettime(CLOCK_REALTIME, &now);
		n = snprintf(line, sizeof(line), "pid=%ld n=%d ms=%lld line=%.*s ua=%s "
		    "ct=%s x=%s id=%s ts=%s sig=%s len=%zu body=%.*s\n",
		    (long)getpid(), idx, (long long)now.tv_sec * 1000 +
		    now.tv_nsec / 1000000, (int)strcspn(buf, "\r"), buf, ua, ct,
		    xt, wid, wts, wsig, blen, (int)(blen < 200 ? blen : 200),
		    body);
		if (n > 0)
			(void)stub_write_all(logfd, line, strlen(line));
		(void)flock(logfd, LOCK_UN);
		ans = script[(size_t)idx < nscript ? (size_t)idx : nscript - 1];
		memmove(buf, buf + hlen + blen, have - hlen - blen);
		have -= hlen + blen;

		if (strcmp(ans, "hang") == 0) {
			sleep(120);
			return;
		}
		keep = strcmp(ans, "close") != 0;
		code = strcmp(ans, "big") == 0 || !keep ? 200 : atoi(ans);
		n = snprintf(head, sizeof(head), "HTTP/1.1 %d Stub\r\n", code);
		k = (size_t)n;
		for (p = strchr(ans, '|'); p != NULL; p = strchr(p + 1, '|')) {
			size_t l = strcspn(p + 1, "|");
			n = snprintf(head + k, sizeof(head) - k, "%.*s\r\n",
			    (int)l, p + 1);
			k += (size_t)n;
		}
		if (strcmp(ans, "big") == 0) {
			n = snprintf(head + k, sizeof(head) - k,
			    "Content-Length: %d\r\n\r\n", STUB_BIG);
			k += (size_t)n;
			if (stub_write_all(fd, head, k) != 0)
				return;
			memset(line, 'x', sizeof(line));
			for (i = 0; i < STUB_BIG; i += sizeof(line))
				if (stub_write_all(fd, line, STUB_BIG - i <
				    sizeof(line) ? STUB_BIG - i : sizeof(line)) != 0)
					return;
			continue;
		}
		n = snprintf(head + k, sizeof(head) - k,
		    "Content-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n"
		    "answer %d\n", strlen("answer 000\n"),
		    keep ? "" : "Connection: close\r\n", code);
		k += (size_t)n;
		if (stub_write_all(fd, head, k) != 0 || !keep)
			return;
	}
}

/* Starts a server with script (NULL-terminated answers), writing down
 * its requests in log (NULL: a new file under /tmp). */
STUB_FN void
stub_start_log(struct stub *s, const char *const *script, const char *log)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int lfd, cfd, logfd, one = 1;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	if (log != NULL) {
		if ((size_t)snprintf(s->log, sizeof(s->log), "%s", log) >=
		    sizeof(s->log) || (logfd = open(s->log, O_RDWR | O_CREAT |
		    O_TRUNC | O_CLOEXEC, 0644)) < 0)
			abort();
	} else {
		snprintf(s->log, sizeof(s->log), "/tmp/hookline-stub-XXXXXX");
		if ((logfd = mkstemp(s->log)) < 0)
			abort();
	}
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		abort();
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0)
		abort();
	s->port = ntohs(sa.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/hook", s->port);
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0) {
		/* A test that crashes must not leave its servers behind. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)setpgid(0, 0);
		(void)signal(SIGCHLD, SIG_IGN);
		(void)signal(SIGPIPE, SIG_IGN);
		for (;;) {
			if ((cfd = accept(lfd, NULL, NULL)) < 0) {
				if (errno == EINTR)
					continue;
				_exit(1);
			}
			if (fork() == 0) {
				(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
				close(lfd);
				stub_conn(cfd, logfd, script);
				_exit(0);
			}
			close(cfd);
		}
	}
	(void)setpgid(pid, pid);
	close(lfd);
	close(logfd);
	s->pid = pid;
}

STUB_FN void
stub_start(struct stub *s, const char *const *script)
{
	stub_start_log(s, script, NULL);
}

/* Stops the server and everything it forked; removes the log. */
STUB_FN void
stub_stop(struct stub *s)
{
	if (s->pid <= 0)
		return;
	(void)kill(-s->pid, SIGKILL);
	(void)kill(s->pid, SIGKILL);
	(void)waitpid(s->pid, NULL, 0);
	(void)unlink(s->log);
	s->pid = 0;
}

#endif
