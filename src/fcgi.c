/* fcgi.c: the web server side; the only libfcgi user. FastCGI through
 * the reentrant FCGX_* calls (never environ swapping), and CGI through
 * the same struct io, so everything after the adapter is shared. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "conf.h"
#include "fcgi.h"
#include "handle.h"
#include "log.h"

#define LISTEN_BACKLOG		128

/* Set by SIGTERM: finish the request in hand, then leave. */
static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();	/* makes libfcgi's accept() give up */
}

/* --- FastCGI ------------------------------------------------------------ */

static const char *
fx_param(void *ctx, const char *name)
{
	return FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);
}

static ssize_t
fx_read(void *ctx, void *buf, size_t len)
{
	FCGX_Request *r = ctx;
	int n;

	if (len > INT32_MAX)
		len = INT32_MAX;
	n = FCGX_GetStr(buf, (int)len, r->in);
	if (n == 0 && FCGX_GetError(r->in) != 0)
		return -1;
	return n;
}

static int
fx_write(void *ctx, const void *buf, size_t len)
{
	FCGX_Request *r = ctx;

	if (len > INT32_MAX)
		return -1;
	return FCGX_PutStr(buf, (int)len, r->out) == (int)len ? 0 : -1;
}

/* --- CGI (RFC 3875) ----------------------------------------------------- */

static const char *
cgi_param(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

/* What the CGI adapter has read of the body, for cgi_discard(). */
struct cgi_ctx {
	size_t	got;
};

static ssize_t
cgi_read(void *ctx, void *buf, size_t len)
{
	struct cgi_ctx *c = ctx;
	ssize_t n;

	do
		n = read(STDIN_FILENO, buf, len);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->got += (size_t)n;
	return n;
}

/*
 * A refused request's body is never parsed, but a CGI program that exits
 * with it unread makes Apache's mod_cgid (stdin and stdout are one
 * socket) reset the connection and lose the answer. So after answering,
 * the rest is read into a scratch buffer and dropped: at most
 * CGI_DISCARD_MAX bytes, for at most CGI_DISCARD_SECONDS.
 */
#define CGI_DISCARD_MAX		(256UL * 1024 * 1024)
#define CGI_DISCARD_SECONDS	10

static void
cgi_discard(struct cgi_ctx *c)
{
	const char *cl = getenv("CONTENT_LENGTH");
	char buf[65536];
	unsigned long long want;
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	struct timespec start, now;
	ssize_t n;
	char *end;

	if (cl == NULL || *cl < '0' || *cl > '9')
		return;
	errno = 0;
	want = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' || want <= c->got)
		return;
	want -= c->got;
	if (want > CGI_DISCARD_MAX ||
	    clock_gettime(CLOCK_MONOTONIC, &start) != 0)
		return;
	while (want > 0) {
		if (clock_gettime(CLOCK_MONOTONIC, &now) != 0 ||
		    now.tv_sec - start.tv_sec >= CGI_DISCARD_SECONDS ||
		    poll(&pfd, 1, 1000) <= 0)
			return;
		n = read(STDIN_FILENO, buf, want < sizeof(buf) ? want :
		    sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		want -= (unsigned long long)n;
	}
}

static int
cgi_write(void *ctx, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	(void)ctx;
	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

const char *
fcgi_lib_version(void)
{
#ifdef HOOKLINE_FCGI_VERSION
	return "libfcgi " HOOKLINE_FCGI_VERSION " (pkg-config, at build time)";
#else
	return "libfcgi (version unknown at run time)";
#endif
}

int
cgi_detect(void)
{
	const char *gi = getenv("GATEWAY_INTERFACE");

	return gi != NULL && *gi != '\0';
}

int
fcgi_detect(void)
{
	return !FCGX_IsCGI();
}

/* Loads the configuration and opens its log; logs and returns NULL on
 * failure. */
static struct conf *
load(const char *path)
{
	struct conf *c;
	struct err err;

	if (conf_load(path, &c, &err) != 0) {
		log_msg("error", "%s", err.msg);
		return NULL;
	}
	if (log_open(c->log, &err) != 0)
		log_msg("error", "%s", err.msg);
	return c;
}

/* An answer when there is no configuration to answer with. */
static void
answer_broken(struct io *io)
{
	static const char text[] = "Status: 503 Service Unavailable\r\n"
	    "Content-Type: application/json\r\nRetry-After: 30\r\n\r\n"
	    "{\"status\":\"error\",\"error\":\"unavailable\"}\n";

	(void)io->write(io->ctx, text, sizeof(text) - 1);
}

int
cgi_serve(const char *conf_path)
{
	struct cgi_ctx cc = { 0 };
	struct io io = { &cc, cgi_param, cgi_read, cgi_write };
	struct conf *c;

	if ((c = load(conf_path)) == NULL) {
		answer_broken(&io);
		cgi_discard(&cc);
		return 1;
	}
	(void)handle_request(c, &io);
	cgi_discard(&cc);
	conf_free(c);
	log_close();
	return 0;
}

/* An edited file (or secret file) is picked up; a broken edit keeps the
 * last good one, and is reported once, not at every check. */
static void
maybe_reload(struct reloader *r, struct conf **c)
{
	struct err err;

	switch (conf_reload(r, c, &err)) {
	case RELOAD_FAILED:
		log_msg("error", "config not reloaded, keeping the last good "
		    "one: %s", err.msg);
		break;
	case RELOAD_DONE:
		if (log_open((*c)->log, &err) != 0)
			log_msg("error", "%s", err.msg);
		log_msg("info", "config reloaded from %s", (*c)->path);
		break;
	case RELOAD_NONE:
	case RELOAD_WAIT:
		break;
	}
}

int
fcgi_serve(const char *conf_path, const char *listen_addr)
{
	FCGX_Request req;
	struct io io = { &req, fx_param, fx_read, fx_write };
	struct sigaction sa;
	struct conf *c;
	struct reloader rl;
	struct err err;
	int sock = 0;

	if (reloader_init(&rl, conf_path, &err) != 0) {
		log_msg("error", "%s", err.msg);
		return 1;
	}
	if ((c = load(conf_path)) == NULL) {
		reloader_clear(&rl);
		return 1;
	}
	if (FCGX_Init() != 0) {
		log_msg("error", "cannot initialise libfcgi");
		goto fail;
	}
	if (listen_addr != NULL &&
	    (sock = FCGX_OpenSocket(listen_addr, LISTEN_BACKLOG)) < 0) {
		log_msg("error", "cannot listen on %s: %s", listen_addr,
		    strerror(errno));
		goto fail;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked accept() returns, and we leave. */
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 ||
	    FCGX_InitRequest(&req, sock, 0) != 0) {
		log_msg("error", "cannot set up the FastCGI loop");
		goto fail;
	}
	while (!stopping) {
		if (FCGX_Accept_r(&req) < 0) {
			if (errno == EINTR && !stopping)
				continue;
			break;
		}
		maybe_reload(&rl, &c);
		(void)handle_request(c, &io);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	conf_free(c);
	reloader_clear(&rl);
	log_close();
	return 0;
fail:
	conf_free(c);
	reloader_clear(&rl);
	log_close();
	return 1;
}
