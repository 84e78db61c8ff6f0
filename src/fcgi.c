/* fcgi.c: the web server side; the only libfcgi user. FastCGI through
 * the reentrant FCGX_* calls (never environ swapping), and CGI through
 * the same struct io, so everything after the adapter is shared. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "conf.h"
#include "deadline.h"
#include "drain.h"
#include "fcgi.h"
#include "fdio.h"
#include "handle.h"
#include "log.h"
#include "pool.h"
#include "privdrop.h"
#include "stats.h"
#include "strlist.h"

#define LISTEN_BACKLOG		128
#define LINGER_MS		2000	/* after the answer, in all */

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

/* One FastCGI request in hand. */
struct fx_ctx {
	FCGX_Request	 req;
	struct deadline	 body;		/* for the whole body */
	int		 armed;		/* SO_RCVTIMEO on req.ipcFd */
};

static const char *
fx_param(void *ctx, const char *name)
{
	return FCGX_GetParam(name, ((struct fx_ctx *)ctx)->req.envp);
}

/*
 * libfcgi reads the socket with a plain blocking read(2) when its buffer
 * is empty; a failed read marks the in stream with the error for good
 * (reads give EOF after it), while the out stream can still be written.
 * So: ask libfcgi only for what it holds already (no read), or else for
 * one byte, which costs it one refill of its buffer; before that refill,
 * SO_RCVTIMEO is set to the time left until the body's deadline. The
 * deadline is for the whole body: a sender that trickles a byte at a
 * time still meets it. (A refill reads more than once only when the web
 * server splits a record header across writes.)
 */
static ssize_t
fx_read(void *ctx, void *buf, size_t len)
{
	struct fx_ctx *x = ctx;
	FCGX_Stream *in = x->req.in;
	ptrdiff_t held = in->stop - in->rdNext;
	sigset_t term, old;
	int n, e;

	if (held <= 0 && !in->isClosed) {
		if (deadline_arm(x->req.ipcFd, &x->body) != 0)
			return -1;	/* errno ETIMEDOUT: passed */
		x->armed = 1;
		len = 1;
	} else if (held > 0 && len > (size_t)held)
		len = (size_t)held;
	if (len > INT32_MAX)
		len = INT32_MAX;
	/* A stop (SIGTERM) waits for the read: the request in hand is
	 * finished, and libfcgi's read is never cut short by EINTR. */
	if (sigemptyset(&term) != 0 || sigaddset(&term, SIGTERM) != 0 ||
	    sigaddset(&term, SIGINT) != 0 ||
	    sigprocmask(SIG_BLOCK, &term, &old) != 0)
		return -1;
	n = FCGX_GetStr(buf, (int)len, in);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (n == 0 && (e = FCGX_GetError(in)) != 0) {
		errno = e == EAGAIN || e == EWOULDBLOCK ? ETIMEDOUT : EIO;
		return -1;
	}
	return n;
}

static int
fx_write(void *ctx, const void *buf, size_t len)
{
	struct fx_ctx *x = ctx;

	if (len > INT32_MAX)
		return -1;
	return FCGX_PutStr(buf, (int)len, x->req.out) == (int)len ? 0 : -1;
}

/*
 * Ends the request. Where the connection closes, libfcgi's own lingering
 * close (shutdown, then read until nothing comes for 2 s) would read for
 * as long as the peer keeps sending: a trickling sender answered early
 * (408, 413) would hold this process. Ours stops after LINGER_MS in all;
 * FCGX_Detach makes libfcgi close without its own.
 */
static void
fx_finish(struct fx_ctx *x)
{
	FCGX_Request *r = &x->req;

	if (x->armed && deadline_disarm(r->ipcFd) != 0)
		log_msg("warning", "SO_RCVTIMEO not cleared: %s",
		    strerror(errno));
	x->armed = 0;
	if (r->keepConnection && FCGX_GetError(r->in) == 0) {
		FCGX_Finish_r(r);
		return;
	}
	(void)FCGX_FClose(r->err);	/* err first: out's close ends it */
	(void)FCGX_FClose(r->out);
	linger_drain(r->ipcFd, LINGER_MS);
	(void)FCGX_Detach(r);
	FCGX_Finish_r(r);
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
	size_t		got;
	struct deadline	body;		/* for the whole body */
};

static ssize_t
cgi_read(void *ctx, void *buf, size_t len)
{
	struct cgi_ctx *c = ctx;
	ssize_t n;

	n = deadline_read(STDIN_FILENO, buf, len, &c->body);
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
	(void)ctx;
	return write_all(STDOUT_FILENO, buf, len);
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
	/* Set at all, even empty: then argv is a visitor's (args.c). */
	return getenv("GATEWAY_INTERFACE") != NULL;
}

int
fcgi_detect(void)
{
	return !FCGX_IsCGI();
}

/* Says why the configuration does not load: each error to stderr (the
 * web server's error log) and, when the file got as far as naming a log
 * file, there too, so the reason is where the operator looks. */
static void
report_broken(const struct strlist *errs, const struct conf *partial)
{
	struct err err;
	size_t i;
	int twice;

	twice = partial != NULL && partial->log != NULL &&
	    strcmp(partial->log, "stderr") != 0 &&
	    log_open(partial->log, &err) == 0;
	for (i = 0; i < errs->n; i++) {
		if (twice)
			log_msg("error", "config not loaded, answering 503 "
			    "unavailable: %s", errs->v[i]);
		(void)fprintf(stderr, "hookline: config not loaded, answering "
		    "503 unavailable: %s\n", errs->v[i]);
	}
	if (twice)
		log_close();
}

/* Loads the configuration and opens its log. On failure reports why
 * (once) and returns NULL. */
static struct conf *
load(const char *path, int quiet)
{
	struct strlist errs = { NULL, 0 };
	struct conf *c = NULL, *partial = NULL;
	struct err err;

	if (conf_load_report(path, &c, &errs, &partial) != 0) {
		if (!quiet)
			report_broken(&errs, partial);
		conf_free(partial);
		strlist_clear(&errs);
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

	if ((c = load(conf_path, 0)) == NULL) {
		answer_broken(&io);
		cgi_discard(&cc);
		return 1;
	}
	if (deadline_start(&cc.body, c->body_timeout) != 0)
		log_msg("error", "no monotonic clock: %s", strerror(errno));
	stats_start(c);
	/* Nothing stays up under CGI: resident hooks run one-shot. */
	(void)handle_request(c, &io, NULL, NULL);
	cgi_discard(&cc);
	conf_free(c);
	log_close();
	return 0;
}

/* An edited file (or secret file) is picked up; a broken edit keeps the
 * last good one, and is reported once, not at every check. What kick
 * kept for the old one is let go. */
static void
maybe_reload(struct reloader *r, struct conf **c, struct kicker *kick)
{
	struct err err;

	switch (conf_reload(r, c, &err)) {
	case RELOAD_FAILED:
		log_msg("error", "config not reloaded, keeping the last good "
		    "one: %s", err.msg);
		break;
	case RELOAD_DONE:
		kicker_clear(kick);
		if (log_open((*c)->log, &err) != 0)
			log_msg("error", "%s", err.msg);
		log_msg("info", "config reloaded from %s", (*c)->path);
		break;
	case RELOAD_NONE:
	case RELOAD_WAIT:
		break;
	}
}

/* A process that started without a configuration tries again, at most
 * once a second; the first good load takes over, as at a start (and
 * becomes `user =` when it names one). Failures were reported at the
 * start and are not repeated per request. */
static struct conf *
retry_load(const char *conf_path, time_t *checked)
{
	struct timespec now;
	struct conf *c;
	struct err err;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0 ||
	    now.tv_sec - *checked < CONF_CHECK_SECONDS)
		return NULL;
	*checked = now.tv_sec;
	if ((c = load(conf_path, 1)) == NULL)
		return NULL;
	if (privdrop_for(c, "fcgi", true, &err) != 0) {
		/* Never serve as root what was meant for a user. */
		log_msg("error", "%s", err.msg);
		conf_free(c);
		return NULL;
	}
	stats_start(c);
	log_msg("info", "config loaded from %s", c->path != NULL ? c->path :
	    "(no file)");
	return c;
}

/* Waits until a request may be there (on the connection the web server
 * kept open, else on sock), ending idle resident workers and reaping
 * leaving ones meanwhile (resident_tick). sock is non-blocking (see
 * fcgi_loop): a process that wakes up for a connection another one of
 * a pool takes (`hookline fcgi --workers N`, spawn-fcgi -F) comes back
 * here from the accept, never waits in it with idle workers up. */
static void
wait_request(struct resident *rs, const FCGX_Request *req, int sock)
{
	struct pollfd pfd;
	struct timespec ts;
	sigset_t term, old, during;
	bool masked;
	long ms;
	int n;

	/* With a kept connection, libfcgi reads its next request before
	 * it accepts again. */
	pfd = (struct pollfd){ .fd = req->ipcFd >= 0 ? req->ipcFd : sock,
	    .events = POLLIN };
	/* SIGTERM and SIGINT held back but in ppoll(): one that comes just
	 * before the wait cuts it short instead of being noticed at the
	 * next request. */
	masked = sigemptyset(&term) == 0 && sigaddset(&term, SIGTERM) == 0 &&
	    sigaddset(&term, SIGINT) == 0 &&
	    sigprocmask(SIG_BLOCK, &term, &old) == 0;
	during = old;
	if (masked && (sigdelset(&during, SIGTERM) != 0 ||
	    sigdelset(&during, SIGINT) != 0)) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		masked = false;
	}
	while (!stopping) {
		/* -1: no workers; only a request (or a signal) wakes us. */
		ms = resident_next_ms(rs);
		ts = (struct timespec){ ms / 1000, (ms % 1000) * 1000000 };
		n = masked ? ppoll(&pfd, 1, ms < 0 ? NULL : &ts, &during) :
		    poll(&pfd, 1, ms > INT32_MAX ? INT32_MAX : (int)ms);
		if (n > 0 || (n == -1 && errno != EINTR))
			break;	/* a poll error: the accept reports it */
		resident_tick(rs);
	}
	if (masked)
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The listening socket, non-blocking: several processes may poll it
 * and only one gets each connection; the others' accept() must come
 * back (EAGAIN) rather than wait with their idle resident workers up.
 * Every process that accepts on it is a hookline, each waiting in
 * poll() first. Linux's accept() does not hand O_NONBLOCK on to the
 * connection, which libfcgi reads blocking. */
static void
listen_nonblock(int sock)
{
	int fl = fcntl(sock, F_GETFL);

	if (fl == -1 || ((fl & O_NONBLOCK) == 0 &&
	    fcntl(sock, F_SETFL, fl | O_NONBLOCK) == -1))
		log_msg("warning", "listening socket left blocking (idle "
		    "resident workers wait for the next request): %s",
		    strerror(errno));
}

/*
 * The requests a process has in hand at once. Slot 0 waits for the
 * next request (on a kept connection, or on the socket); when its async
 * delivery is held (handle_begin: `database` set), the connections
 * already queued on the socket behind it are taken into the other
 * slots without waiting, up to BATCH_MAX, and their deliveries stored
 * with it in one transaction: one COMMIT, one WAL flush, for what would
 * otherwise wait in line for one each. No request waits for one that
 * has not arrived: the batch ends at the first accept that finds none.
 * The other slots never keep their connection (their next request
 * would be read only when the slot is used again): the web server
 * opens another.
 */
#define BATCH_MAX	16

struct fx_batch {
	struct fx_ctx	 x[BATCH_MAX];
	struct io	 io[BATCH_MAX];
	struct held	*held[BATCH_MAX];
	size_t		 slot[BATCH_MAX];	/* held[i] is x[slot[i]]'s */
	struct batch	 b;
};

static void
fx_end(struct fx_batch *fb, size_t k)
{
	if (k > 0)
		fb->x[k].req.keepConnection = 0;
	fx_finish(&fb->x[k]);
}

/* batch.flush: the held deliveries stored, answered, their requests
 * ended. */
static void
fx_flush(void *arg)
{
	struct fx_batch *fb = arg;
	size_t i;

	handle_store_held(fb->held, fb->b.n);
	for (i = 0; i < fb->b.n; i++)
		fx_end(fb, fb->slot[i]);
	fb->b.n = 0;
}

/* Request k, read and handled: answered and ended, or held. */
static void
fx_handle(struct fx_batch *fb, size_t k, const struct conf *c,
    struct resident *rs, struct kicker *kick)
{
	size_t n = fb->b.n;

	if (deadline_start(&fb->x[k].body, c->body_timeout) != 0)
		log_msg("error", "no monotonic clock: %s", strerror(errno));
	(void)handle_begin(c, &fb->io[k], rs, kick, &fb->b);
	if (fb->b.n > n)
		fb->slot[n] = k;
	else
		fx_end(fb, k);
}

/* After slot 0's request: while it is held, the queued ones. */
static void
fx_batch_rest(struct fx_batch *fb, const struct conf *c,
    struct resident *rs, struct kicker *kick)
{
	size_t k;

	for (k = 1; k < BATCH_MAX && fb->b.n > 0 && !stopping; k++) {
		/* The socket is non-blocking: nothing queued, -EAGAIN. */
		if (FCGX_Accept_r(&fb->x[k].req) < 0)
			break;
		fx_handle(fb, k, c, rs, kick);
	}
	if (fb->b.n > 0)
		fx_flush(fb);
}

static int
fx_batch_init(struct fx_batch *fb, int sock)
{
	size_t k;

	memset(fb, 0, sizeof(*fb));
	for (k = 0; k < BATCH_MAX; k++) {
		fb->io[k] = (struct io){ &fb->x[k], fx_param, fx_read,
		    fx_write };
		if (FCGX_InitRequest(&fb->x[k].req, sock, 0) != 0)
			return -1;
	}
	fb->b = (struct batch){ .held = fb->held, .max = BATCH_MAX,
	    .flush = fx_flush, .arg = fb };
	return 0;
}

static void
fx_batch_free(struct fx_batch *fb)
{
	size_t k;

	for (k = 0; k < BATCH_MAX; k++)
		FCGX_Free(&fb->x[k].req, 1);
}

/* Accepts and answers requests on sock until SIGTERM or SIGINT; *c is
 * reloaded when its file changes (between batches, never under held
 * requests). *c NULL (the file did not load at the start): each
 * request is answered 503 until the file loads. Resident hooks keep
 * their workers in this process, ended with it. Returns 0, or 1 when
 * it cannot start. */
static int
fcgi_loop(struct reloader *rl, struct conf **c, int sock)
{
	struct fx_batch *fb;
	struct sigaction sa;
	struct resident *rs = NULL;
	struct kicker kick;
	time_t checked = 0;
	int rc;

	kicker_init(&kick);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked accept() returns, and we leave. */
	if ((fb = malloc(sizeof(*fb))) == NULL ||
	    sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 ||
	    fx_batch_init(fb, sock) != 0 ||
	    (rs = resident_new()) == NULL) {
		log_msg("error", "cannot set up the FastCGI loop");
		free(fb);	/* no request slot holds anything yet */
		return 1;
	}
	listen_nonblock(sock);
	while (!stopping) {
		wait_request(rs, &fb->x[0].req, sock);
		if (stopping)
			break;
		/* libfcgi returns -errno: -EAGAIN when another process of
		 * the pool took the connection. */
		if ((rc = FCGX_Accept_r(&fb->x[0].req)) < 0) {
			if ((rc == -EAGAIN || rc == -EWOULDBLOCK ||
			    errno == EINTR) && !stopping)
				continue;
			break;
		}
		if (*c == NULL)
			*c = retry_load(rl->path, &checked);
		else
			maybe_reload(rl, c, &kick);
		if (*c == NULL) {
			answer_broken(&fb->io[0]);
			fx_finish(&fb->x[0]);
			continue;
		}
		fx_handle(fb, 0, *c, rs, &kick);
		fx_batch_rest(fb, *c, rs, &kick);
		resident_tick(rs);
	}
	fx_batch_free(fb);
	free(fb);
	kicker_clear(&kick);
	resident_free(rs);
	return 0;
}

/* What a worker of the pool starts with; after fork, its own copy. */
struct server {
	struct reloader	 rl;
	struct conf	*conf;
	int		 sock;
};

static int
worker(void *arg)
{
	struct server *s = arg;
	int rc;

	rc = fcgi_loop(&s->rl, &s->conf, s->sock);
	conf_free(s->conf);
	s->conf = NULL;
	reloader_clear(&s->rl);
	log_close();
	return rc;
}

int
fcgi_serve(const char *conf_path, const char *listen_addr, unsigned workers)
{
	struct server srv;
	struct err err;
	int rc = 1;

	memset(&srv, 0, sizeof(srv));
	if (reloader_init(&srv.rl, conf_path, &err) != 0) {
		log_msg("error", "%s", err.msg);
		return 1;
	}
	/* A configuration that does not load is no reason to leave: the
	 * web server would answer its own HTML 500. Serve 503 until the
	 * file is fixed (looked at once a second). */
	srv.conf = load(conf_path, 0);
	if (srv.conf != NULL && privdrop_for(srv.conf, "fcgi", true,
	    &err) != 0) {
		log_msg("error", "%s", err.msg);
		goto done;
	}
	stats_start(srv.conf);	/* the pool's workers share the mapping */
	if (FCGX_Init() != 0) {
		log_msg("error", "cannot initialise libfcgi");
		goto done;
	}
	if (listen_addr != NULL &&
	    (srv.sock = FCGX_OpenSocket(listen_addr, LISTEN_BACKLOG)) < 0) {
		log_msg("error", "cannot listen on %s: %s", listen_addr,
		    strerror(errno));
		goto done;
	}
	if (workers == 0)
		rc = fcgi_loop(&srv.rl, &srv.conf, srv.sock);
	else
		rc = pool_run(workers, worker, &srv) == 0 ? 0 : 1;
done:
	conf_free(srv.conf);
	reloader_clear(&srv.rl);
	log_close();
	return rc;
}
