/* drain.c: the spool's worker: lock, recover, claim, run, record, and
 * reschedule, finish or bury each delivery; and the detached start of a
 * drainer from the request path. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver.h"
#include "deliver_forward.h"
#include "drain.h"
#include "json.h"
#include "log.h"
#include "platform.h"
#include "slots.h"
#include "spool.h"

#define TMP_MAX_AGE	60	/* seconds before tmp/ litter is removed */
#define CLEANUP_EVERY	60	/* seconds between keep_done sweeps */
#define IDLE_TICK_MS	200	/* how often an idle drainer looks at new/ */
#define RESCAN_EVERY	30	/* seconds: a full look even when idle */

/* Set by SIGTERM/SIGINT in a drainer process: finish the delivery at
 * hand, then stop. The one mutable global here, as signals demand. */
static volatile sig_atomic_t drain_stop;

static void
on_stop(int sig)
{
	(void)sig;
	drain_stop = 1;
}

/*
 * The platform: the path that names our own executable, so that the
 * drainer is a fresh exec of the same binary and inherits nothing of
 * the FastCGI process. Linux and most others with procfs.
 */
static const char *
plat_self_exe(void)
{
	return "/proc/self/exe";
}

int
drain_lock(const char *spool_dir, bool wait, struct err *err)
{
	char *path = NULL, pid[24];
	int fd = -1, n;

	if (spool_init(spool_dir, err) == -1)
		return -1;
	if (asprintf(&path, "%s/drain.lock", spool_dir) == -1) {
		err_set(err, "out of memory");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		err_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		if (errno == EINTR && wait && !drain_stop)
			continue;
		if (errno == EWOULDBLOCK || errno == EINTR) {
			free(path);
			(void)close(fd);
			return -2;
		}
		err_set(err, "%s: flock: %s", path, strerror(errno));
		goto fail;
	}
	/* Who holds it, for people and tests; the lock is what counts. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && n > 0)
		(void)!write(fd, pid, (size_t)n);
	free(path);
	return fd;
fail:
	if (fd != -1)
		(void)close(fd);
	free(path);
	return -1;
}

int
drain_kick(const struct conf *conf)
{
	const char *argv[6];
	char self[4096];
	struct stat st;
	ssize_t n;
	pid_t pid, pid2;
	int fd, status, keep_stderr;

	/* A live drainer will find the new delivery: it looks at new/
	 * once more after letting go of the lock. */
	if ((fd = drain_lock(conf->spool_dir, false, NULL)) == -2)
		return 0;
	if (fd == -1)
		return -1;
	(void)close(fd);
	/* Named by its real path, as the web server started us: ps and
	 * pgrep show which binary it is. */
	n = readlink(plat_self_exe(), self, sizeof(self) - 1);
	if (n > 0 && (size_t)n < sizeof(self) - 1) {
		self[n] = '\0';
		argv[0] = self;
	} else
		argv[0] = "hookline";
	argv[1] = "drain";
	argv[2] = "--kicked";
	argv[3] = conf->path != NULL ? "-c" : NULL;
	argv[4] = conf->path;
	argv[5] = NULL;
	/* Keep stderr only when it is a file (a web server's error log):
	 * a pipe would hold the web server until the drainer exits. */
	keep_stderr = fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* Between fork and exec: async-signal-safe calls only. */
		if (setsid() == -1)
			_exit(1);
		if ((pid2 = fork()) == -1)
			_exit(1);
		if (pid2 != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(fd, STDIN_FILENO) == -1 ||
		    dup2(fd, STDOUT_FILENO) == -1 ||
		    (!keep_stderr && dup2(fd, STDERR_FILENO) == -1))
			_exit(1);
		if (close_fds_from(3) == -1)
			_exit(1);
		(void)signal(SIGPIPE, SIG_DFL);
		execv(plat_self_exe(), (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			break;		/* reaped by someone else: fine */
	return 0;
}

/* One log line for a delivery's attempt. */
static void
log_attempt(const struct spool_entry *e, const char *result,
    const struct outcome *out, long delay, const char *error)
{
	struct jval *rec, *hooks, *h;
	const struct run_result *r;
	size_t i;

	if ((rec = log_start()) == NULL)
		return;
	(void)json_set_str(rec, "spool", e->name);
	(void)json_set_str(rec, "endpoint", e->endpoint);
	(void)json_set_str(rec, "event", e->event);
	(void)json_set_str(rec, "delivery", e->id);
	if (e->remote_addr != NULL)
		(void)json_set_str(rec, "remote_addr", e->remote_addr);
	(void)json_set_int(rec, "attempt", e->attempts);
	(void)json_set_str(rec, "result", result);
	if (delay >= 0)
		(void)json_set_int(rec, "retry_in", delay);
	if (e->interrupted > 0)
		(void)json_set_int(rec, "interrupted", e->interrupted);
	if (error != NULL)
		(void)json_set_str(rec, "error", error);
	if (out != NULL && (hooks = json_new_array()) != NULL) {
		for (i = 0; i < out->n; i++) {
			r = &out->v[i].res;
			if ((h = json_new_object()) == NULL)
				break;
			(void)json_set_str(h, "hook", out->v[i].hook);
			(void)json_set_int(h, "exit",
			    r->exited ? r->exit_code : -1);
			(void)json_set_int(h, "duration_ms", r->duration_ms);
			if (r->signal)
				(void)json_set_int(h, "signal", r->signal);
			if (r->timed_out)
				(void)json_set_bool(h, "timed_out", 1);
			if (out->v[i].why != NULL)
				(void)json_set_str(h, "refused",
				    out->v[i].why);
			(void)json_push(hooks, h);
		}
		(void)json_set(rec, "hooks", hooks);
	}
	log_record(rec);
	json_free(rec);
}

static int
has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * e's attempt e->running began and never finished: the drainer died (or
 * the host did). Keeps what that attempt's run record says succeeded,
 * records the interruption and logs it, so that the log tells which
 * deliveries ran twice. The entry runs again at once.
 */
static void
note_interrupted(const struct conf *conf, struct spool_entry *e, time_t now)
{
	struct spool_run *runs = NULL, r;
	size_t nruns = 0, i, j;
	int recorded = 0;

	if (spool_read_runs(conf->spool_dir, e->box, e->name, &runs, &nruns,
	    NULL) == 0) {
		for (i = 0; i < nruns; i++) {
			if (runs[i].attempt != e->running)
				continue;
			recorded = 1;
			for (j = 0; j < runs[i].n; j++)
				if (run_ok(&runs[i].v[j].res) &&
				    !has(&e->done, runs[i].v[j].hook))
					(void)strlist_add(&e->done,
					    runs[i].v[j].hook);
		}
		spool_runs_free(runs, nruns);
	}
	if (!recorded) {
		memset(&r, 0, sizeof(r));
		r.attempt = e->running;
		r.started = e->started;
		r.duration_ms = e->started > 0 && now >= e->started ?
		    (long)(now - e->started) * 1000 : 0;
		r.interrupted = true;
		r.error = "interrupted: the drainer stopped during this attempt";
		(void)spool_write_run(conf->spool_dir, e->box, e->name, &r,
		    NULL);
	}
	e->interrupted++;
	e->running = 0;
	e->next = now;
	e->fate = FATE_PENDING;
	log_attempt(e, "interrupted", NULL, 0,
	    "the drainer stopped during this attempt; it runs again");
}

int
drain_recover(const struct conf *conf, time_t now, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct err e2;
	enum spool_box to;
	size_t i;
	int n = 0, rc, lock;

	if (spool_list(conf->spool_dir, SPOOL_CUR, &names, err) == -1)
		return -1;
	for (i = 0; i < names.n; i++) {
		/* A worker of a drainer that died may still be running
		 * it: then it is not ours to touch. */
		if ((lock = spool_lock(conf->spool_dir, SPOOL_CUR, names.v[i],
		    &e2)) == -2 || lock == -3)
			continue;
		rc = spool_read(conf->spool_dir, SPOOL_CUR, names.v[i], &e,
		    &e2);
		if (lock >= 0)
			(void)close(lock);
		if (rc == 1)
			continue;
		if (rc == -1) {
			/* Kept for a person to look at, never dropped. */
			log_msg("error", "spool cur/%s: %s; moved to dead/",
			    names.v[i], e2.msg);
			if (spool_move(conf->spool_dir, names.v[i], SPOOL_CUR,
			    SPOOL_DEAD, &e2) == 0)
				n++;
			continue;
		}
		if (e.running != 0) {
			note_interrupted(conf, &e, now);
			if (spool_write(conf->spool_dir, SPOOL_CUR, e.name, &e,
			    &e2) == -1)
				log_msg("error", "spool cur/%s: %s", e.name,
				    e2.msg);
		}
		to = e.fate == FATE_DONE ? SPOOL_DONE :
		    e.fate == FATE_DEAD ? SPOOL_DEAD : SPOOL_NEW;
		if (spool_move(conf->spool_dir, e.name, SPOOL_CUR, to,
		    &e2) == -1)
			log_msg("error", "spool cur/%s: %s", e.name, e2.msg);
		else
			n++;
		spool_entry_free(&e);
	}
	strlist_clear(&names);
	return n;
}

/* The first whole second at least delay seconds from now: next tries
 * are kept in seconds, and a retry must never come early. */
static int64_t
next_try(long delay)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (int64_t)time(NULL) + delay + 1;
	return (int64_t)ts.tv_sec + delay + (ts.tv_nsec > 0);
}

/* Puts a claimed entry back into new/ untouched (stopped, or the spool
 * failed under us); recovery does the same if this fails too. */
static void
unclaim(const struct conf *conf, const char *name)
{
	struct err e2;

	if (spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_NEW, &e2) == -1)
		log_msg("error", "spool cur/%s: %s", name, e2.msg);
}

/*
 * Runs one claimed delivery (in cur/) once: marks the attempt as running
 * in its state (so a crash is noticed), runs the hooks that have not
 * succeeded yet, records the run, and moves the entry on. Returns 1 when
 * it ran, 0 when it was put back untouched, -1 on a spool error.
 */
static int
run_claimed(const struct conf *conf, struct spool_entry *e,
    volatile sig_atomic_t *stop)
{
	struct forward_verdict fv = { false, -1 };
	struct forwarder *fw = NULL;	/* libcurl only when there are targets */
	struct outcome out = { NULL, 0 };
	struct spool_run run;
	struct delivery d;
	struct timespec t0, t1;
	struct err err, e2;
	const struct endpoint *ep;
	unsigned char *body = NULL;
	char *body_path = NULL, *error = NULL;
	const char *result;
	enum spool_box to;
	long delay = -1;
	size_t i;
	struct slots held;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	err.msg[0] = '\0';
	if (e->running != 0)
		note_interrupted(conf, e, time(NULL));
	ep = conf_endpoint(conf, e->endpoint);
	/* Wait for a slot (the endpoint's own max_running, then the global
	 * one) before the attempt counts: async deliveries wait in the
	 * spool. */
	if (slots_take(conf, ep, -1, -1, stop, &held, &err) != 0) {
		if (stop == NULL || !*stop)
			log_msg("error", "spool %s: %s", e->name, err.msg);
		unclaim(conf, e->name);
		return stop != NULL && *stop ? 0 : -1;
	}
	e->attempts++;
	e->running = e->attempts;
	e->started = time(NULL);
	if (spool_write(conf->spool_dir, SPOOL_CUR, e->name, e, &err) == -1) {
		slots_release(&held);
		log_msg("error", "spool cur/%s: %s", e->name, err.msg);
		unclaim(conf, e->name);
		return -1;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ep == NULL) {
		err_set(&err, "no endpoint [%s] in the configuration",
		    e->endpoint);
		rc = -1;
	} else if (spool_body(conf->spool_dir, SPOOL_CUR, e->name, &body,
	    &d.body_len, &body_path, &err) == -1) {
		rc = -1;
	} else {
		d.endpoint = e->endpoint;
		d.event = e->event;
		d.id = e->id;
		d.remote_addr = e->remote_addr;
		d.content_type = e->content_type;
		d.body = body;
		d.body_path = body_path;
		d.attempt = e->attempts;
		rc = deliver_run(conf, ep, &d, &e->done, &out, &err);
		/* Each forward target is a consumer like a hook: recorded in
		 * out as "forward:<url>", skipped once in e->done. */
		if (ep->forward.n > 0) {
			struct err ferr;
			int frc = forward_delivery(&fw, conf, ep, &d, &e->done,
			    &out, &fv, &ferr);

			if (frc == -1 && rc != -1) {
				err = ferr;
				rc = -1;
			} else if (frc == 1 && rc == 0)
				rc = 1;
		}
	}
	slots_release(&held);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);

	memset(&run, 0, sizeof(run));
	run.attempt = e->attempts;
	run.started = e->started;
	run.duration_ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (rc == -1)
		run.error = err.msg;
	run.v = out.v;		/* borrowed: out keeps ownership */
	run.n = out.n;
	if (spool_write_run(conf->spool_dir, SPOOL_CUR, e->name, &run,
	    &e2) == -1)
		log_msg("error", "spool cur/%s: %s", e->name, e2.msg);

	for (i = 0; i < out.n; i++)
		if (run_ok(&out.v[i].res) && !has(&e->done, out.v[i].hook) &&
		    strlist_add(&e->done, out.v[i].hook) == -1)
			rc = rc == 0 ? 1 : rc;	/* not recorded: run again */
	e->running = 0;
	free(e->error);
	e->error = NULL;
	if (rc == -1)
		error = err.msg;
	else if (rc == 1) {
		for (i = 0; i < out.n && error == NULL; i++)
			if (!run_ok(&out.v[i].res))
				error = out.v[i].why != NULL ? out.v[i].why :
				    out.v[i].res.timed_out ? "a hook timed out" :
				    "a hook failed";
		if (error == NULL)
			error = "a hook failed";
	}
	if (error != NULL && (e->error = strdup(error)) == NULL)
		error = NULL;
	if (rc == 0) {
		e->fate = FATE_DONE;
		e->finished = time(NULL);
		result = "done";
		to = SPOOL_DONE;
	} else {
		e->failures++;
		/* A target that said no for good (4xx, 410): dead now. A
		 * Retry-After longer than the schedule's wait wins. */
		delay = fv.permanent ? -1 :
		    endpoint_retry_delay(conf, ep, e->failures);
		if (delay >= 0 && fv.retry_after > delay)
			delay = fv.retry_after;
		if (delay < 0) {
			e->fate = FATE_DEAD;
			e->finished = time(NULL);
			result = "dead";
			to = SPOOL_DEAD;
		} else {
			e->fate = FATE_PENDING;
			e->next = next_try(delay);
			result = "retry";
			to = SPOOL_NEW;
		}
	}
	/* State first, then the move: a crash in between is finished by
	 * drain_recover() from the state's fate. */
	rc = 1;
	if (spool_write(conf->spool_dir, SPOOL_CUR, e->name, e, &e2) == -1) {
		log_msg("error", "spool cur/%s: %s", e->name, e2.msg);
		rc = -1;
	} else if (spool_move(conf->spool_dir, e->name, SPOOL_CUR, to,
	    &e2) == -1) {
		log_msg("error", "spool cur/%s: %s", e->name, e2.msg);
		rc = -1;
	}
	log_attempt(e, result, &out, delay, error);
	outcome_free(&out);
	forwarder_free(fw);
	free(body);
	free(body_path);
	return rc;
}

/* Claims new/NAME and runs it. Returns as run_claimed, 0 when gone. */
static int
drain_one(const struct conf *conf, const char *name,
    volatile sig_atomic_t *stop)
{
	struct spool_entry e;
	struct err err;
	int rc;

	if ((rc = spool_move(conf->spool_dir, name, SPOOL_NEW, SPOOL_CUR,
	    &err)) == 1)
		return 0;
	if (rc == -1) {
		log_msg("error", "spool new/%s: %s", name, err.msg);
		return -1;
	}
	if ((rc = spool_read(conf->spool_dir, SPOOL_CUR, name, &e, &err)) != 0) {
		if (rc == 1)
			return 0;
		log_msg("error", "spool cur/%s: %s; moved to dead/", name,
		    err.msg);
		(void)spool_move(conf->spool_dir, name, SPOOL_CUR, SPOOL_DEAD,
		    &err);
		return -1;
	}
	rc = run_claimed(conf, &e, stop);
	spool_entry_free(&e);
	return rc;
}

int
drain_due(const struct conf *conf, time_t now, volatile sig_atomic_t *stop,
    struct drain_stats *st, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, err) == -1)
		return -1;
	for (i = 0; i < names.n; i++) {
		if (stop != NULL && *stop) {
			st->pending++;
			continue;
		}
		rc = spool_read(conf->spool_dir, SPOOL_NEW, names.v[i], &e,
		    NULL);
		if (rc == 1)
			continue;
		if (rc == 0 && e.next > now) {
			st->pending++;
			if (st->next_due == 0 || e.next < st->next_due)
				st->next_due = (time_t)e.next;
			spool_entry_free(&e);
			continue;
		}
		if (rc == 0)
			spool_entry_free(&e);
		/* Due, or unreadable: drain_one buries the unreadable. */
		rc = drain_one(conf, names.v[i], stop);
		if (rc == 1)
			st->ran++;
		else if (rc == -1) {
			st->failed++;
			st->pending++;
		} else if (stop != NULL && *stop)
			st->pending++;
	}
	strlist_clear(&names);
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/*
 * The workers of drain_run: one process per delivery being run, at most
 * max_running (else WORKERS_DEFAULT) of them, and never two for one
 * endpoint, so that one endpoint's deliveries run one after the other,
 * in order, while a slow deploy does not hold up other endpoints.
 */
#define WORKERS_DEFAULT	4

struct worker {
	pid_t	 pid;
	int	 exitfd;	/* readable once it exits; -1: none */
	char	*endpoint;
};

/* What a pending entry's state said, so that each look at new/ reads
 * only the states of entries it has not seen yet. An entry leaves the
 * cache when a worker takes it: when it comes back, it is read again. */
struct seen {
	char	*name;
	char	*endpoint;
	int64_t	 next;
	bool	 moved;	/* into the next cache, which owns the strings now */
};

struct pool {
	struct worker	*v;
	size_t		 n;
	int		 lock;		/* drain.lock: not for the workers */
	struct seen	*cache;		/* sorted by name */
	size_t		 ncache;
};

static void
cache_free(struct seen *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].moved)
			continue;
		free(v[i].name);
		free(v[i].endpoint);
	}
	free(v);
}

static int
pool_busy(const struct pool *p, const char *endpoint)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].endpoint, endpoint) == 0)
			return 1;
	return 0;
}

/* Reaps finished workers; with block, waits for one first. Returns how
 * many it reaped. */
static int
pool_reap(struct pool *p, bool block)
{
	size_t i;
	pid_t pid;
	int n = 0, status;

	while (p->n > 0) {
		pid = waitpid(-1, &status, block && n == 0 ? 0 : WNOHANG);
		if (pid == 0)
			break;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			/* ECHILD: none left that we know of. */
			for (i = 0; i < p->n; i++) {
				free(p->v[i].endpoint);
				if (p->v[i].exitfd != -1)
					(void)close(p->v[i].exitfd);
			}
			p->n = 0;
			break;
		}
		for (i = 0; i < p->n; i++)
			if (p->v[i].pid == pid) {
				free(p->v[i].endpoint);
				if (p->v[i].exitfd != -1)
					(void)close(p->v[i].exitfd);
				p->v[i] = p->v[--p->n];
				n++;
				break;
			}
	}
	return n;
}

static void
pool_wait_all(struct pool *p)
{
	while (p->n > 0)
		(void)pool_reap(p, true);
	free(p->v);
	p->v = NULL;
	cache_free(p->cache, p->ncache);
	p->cache = NULL;
	p->ncache = 0;
}

/* Sleeps up to ms, less when a worker exits meanwhile. */
static void
pool_sleep(const struct pool *p, long ms)
{
	struct pollfd pfd[64];
	nfds_t n = 0;
	size_t i;

	for (i = 0; i < p->n && n < sizeof(pfd) / sizeof(pfd[0]); i++)
		if (p->v[i].exitfd != -1) {
			pfd[n].fd = p->v[i].exitfd;
			pfd[n].events = POLLIN;
			n++;
		}
	if (n == 0)
		sleep_ms(ms);
	else
		(void)poll(pfd, n, (int)ms);
}

/* Claims new/NAME and runs it in a worker. Returns 1 started, 0 gone,
 * -1 on error. */
static int
pool_start(const struct conf *conf, struct pool *p, const char *name,
    const char *endpoint)
{
	struct worker *v;
	struct spool_entry e;
	struct err err;
	pid_t pid;
	int rc, lock;

	if ((v = reallocarray(p->v, p->n + 1, sizeof(*v))) == NULL)
		return -1;
	p->v = v;
	if ((rc = spool_move(conf->spool_dir, name, SPOOL_NEW, SPOOL_CUR,
	    &err)) == 1)
		return 0;
	if (rc == -1) {
		log_msg("error", "spool new/%s: %s", name, err.msg);
		return -1;
	}
	/* Locked before the fork, so that there is no moment when a
	 * recovering drainer could take it from the worker. */
	if ((lock = spool_lock(conf->spool_dir, SPOOL_CUR, name, &err)) < 0) {
		log_msg("error", "spool cur/%s: %s", name, err.msg);
		unclaim(conf, name);
		return -1;
	}
	if ((p->v[p->n].endpoint = strdup(endpoint)) == NULL ||
	    (pid = fork()) == -1) {
		free(p->v[p->n].endpoint);
		(void)close(lock);
		unclaim(conf, name);
		return -1;
	}
	if (pid == 0) {
		/* A drainer killed with its workers running frees
		 * drain.lock at once; the workers keep their entries. */
		(void)close(p->lock);
		if ((rc = spool_read(conf->spool_dir, SPOOL_CUR, name, &e,
		    &err)) != 0) {
			log_msg("error", "spool cur/%s: %s; moved to dead/",
			    name, err.msg);
			(void)spool_move(conf->spool_dir, name, SPOOL_CUR,
			    SPOOL_DEAD, &err);
			_exit(1);
		}
		rc = run_claimed(conf, &e, &drain_stop);
		spool_entry_free(&e);
		_exit(rc == -1 ? 1 : 0);
	}
	(void)close(lock);
	p->v[p->n].pid = pid;
	p->v[p->n].exitfd = proc_exit_fd(pid);
	p->n++;
	return 1;
}

static int
cmp_seen(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->name,
	    ((const struct seen *)b)->name);
}

/* drain_due with workers: starts what is due and may start now. */
static int
pool_due(const struct conf *conf, struct pool *p, time_t now,
    struct drain_stats *st, struct err *err)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct seen *cache = NULL, *c, key;
	unsigned max = conf->max_running ? conf->max_running : WORKERS_DEFAULT;
	size_t i, n = 0, nkeep;
	int rc;

	memset(st, 0, sizeof(*st));
	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, err) == -1)
		return -1;
	if (names.n > 0 && (cache = calloc(names.n, sizeof(*cache))) == NULL) {
		strlist_clear(&names);
		err_set(err, "out of memory");
		return -1;
	}
	for (i = 0; i < names.n; i++) {
		if (drain_stop) {
			st->pending++;
			continue;
		}
		key.name = names.v[i];
		c = p->ncache == 0 ? NULL : bsearch(&key, p->cache, p->ncache,
		    sizeof(*p->cache), cmp_seen);
		if (c != NULL) {
			/* Moved over: names come sorted, so is the cache. */
			cache[n] = *c;
			cache[n].moved = false;
			c->moved = true;
		} else {
			rc = spool_read(conf->spool_dir, SPOOL_NEW, names.v[i],
			    &e, NULL);
			if (rc == 1)
				continue;
			if (rc == -1) {
				/* Unreadable: buried here, nothing runs. */
				if (drain_one(conf, names.v[i],
				    &drain_stop) == -1)
					st->failed++;
				continue;
			}
			cache[n].name = strdup(names.v[i]);
			cache[n].endpoint = e.endpoint;
			cache[n].next = e.next;
			cache[n].moved = false;
			e.endpoint = NULL;
			spool_entry_free(&e);
			if (cache[n].name == NULL) {
				free(cache[n].endpoint);
				st->failed++;
				continue;
			}
		}
		c = &cache[n++];
		if (c->next > now) {
			st->pending++;
			if (st->next_due == 0 || c->next < st->next_due)
				st->next_due = (time_t)c->next;
			continue;
		}
		if (p->n >= max || pool_busy(p, c->endpoint)) {
			st->pending++;
			st->blocked++;
			continue;
		}
		rc = pool_start(conf, p, c->name, c->endpoint);
		if (rc == 1)
			st->ran++;
		else if (rc == -1) {
			st->failed++;
			st->pending++;
			continue;	/* still in new/ */
		}
		/* Taken (or gone): out of the cache, once the old one is
		 * no longer searched (it may share these strings). */
		c->moved = true;
	}
	strlist_clear(&names);
	cache_free(p->cache, p->ncache);
	for (i = 0, nkeep = 0; i < n; i++) {
		if (cache[i].moved) {
			free(cache[i].name);
			free(cache[i].endpoint);
		} else
			cache[nkeep++] = cache[i];
	}
	p->cache = cache;
	p->ncache = nkeep;
	return 0;
}

int
drain_cleanup(const struct conf *conf, time_t now, struct err *err)
{
	if (spool_sweep_tmp(conf->spool_dir, now, TMP_MAX_AGE, err) == -1)
		return -1;
	if (spool_expire(conf->spool_dir, SPOOL_DONE,
	    now - spool_keep_done(conf), NULL, err) == -1)
		return -1;
	return 0;
}

/* How new/ looks from outside, to notice arrivals without reading it. */
struct dirmark {
	struct timespec	mtim;
	nlink_t		nlink;
	ino_t		ino;
};

static void
new_mark(const struct conf *conf, struct dirmark *m)
{
	struct stat st;
	char *p;

	memset(m, 0, sizeof(*m));
	if (asprintf(&p, "%s/new", conf->spool_dir) == -1)
		return;
	if (stat(p, &st) == 0) {
		m->mtim = st.st_mtim;
		m->nlink = st.st_nlink;
		m->ino = st.st_ino;
	}
	free(p);
}

static int
mark_same(const struct dirmark *a, const struct dirmark *b)
{
	return a->mtim.tv_sec == b->mtim.tv_sec &&
	    a->mtim.tv_nsec == b->mtim.tv_nsec && a->nlink == b->nlink &&
	    a->ino == b->ino;
}

/* Reloads the configuration when its files changed; keeps the old one
 * when the new one does not load, and says so once. */
static void
maybe_reload(struct reloader *r, struct conf **confp)
{
	struct err err;

	switch (conf_reload(r, confp, &err)) {
	case RELOAD_FAILED:
		log_msg("error", "reload: %s; keeping the old configuration",
		    err.msg);
		break;
	case RELOAD_DONE:
		if ((*confp)->log != NULL && log_open((*confp)->log, &err) == -1)
			log_msg("error", "reload: %s", err.msg);
		log_msg("info", "drain: configuration reloaded");
		break;
	case RELOAD_NONE:
	case RELOAD_WAIT:
		break;
	}
}

/* The work of one holder of drain.lock. Returns how many attempts it
 * made, or -1. */
static int	drain_loop(struct reloader *, struct conf **, enum drain_mode,
		    const char *, int, struct err *);

static int
drain_locked(struct reloader *rl, struct conf **confp, enum drain_mode mode,
    int lock, struct err *err)
{
	char *spool;
	int ran;

	if ((spool = strdup((*confp)->spool_dir)) == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	ran = drain_loop(rl, confp, mode, spool, lock, err);
	free(spool);
	return ran;
}

static int
drain_loop(struct reloader *rl, struct conf **confp, enum drain_mode mode,
    const char *spool, int lock, struct err *err)
{
	struct pool pool = { NULL, 0, lock, NULL, 0 };
	struct drain_stats st;
	struct dirmark seen, now_mark;
	time_t now = time(NULL), last_cleanup = 0, last_scan = 0;
	int ran = 0;

	if (drain_recover(*confp, now, err) == -1)
		return -1;
	for (;;) {
		(void)pool_reap(&pool, false);
		maybe_reload(rl, confp);
		/* Our lock is the old spool's: let drain_run take the new
		 * one's. */
		if (strcmp(spool, (*confp)->spool_dir) != 0)
			break;
		now = time(NULL);
		if (now - last_cleanup >= CLEANUP_EVERY) {
			if (drain_cleanup(*confp, now, err) == -1)
				log_msg("error", "drain: cleanup: %s",
				    err->msg);
			last_cleanup = now;
		}
		new_mark(*confp, &seen);
		if (pool_due(*confp, &pool, now, &st, err) == -1) {
			pool_wait_all(&pool);
			return -1;
		}
		ran += (int)st.ran;
		last_scan = now;
		if (drain_stop)
			break;
		if (st.ran > 0 && st.failed == 0)
			continue;	/* more may have come meanwhile */
		if (pool.n == 0 && (mode == DRAIN_DUE ||
		    (mode == DRAIN_PENDING && st.pending == 0)))
			break;
		if (st.failed > 0) {
			/* The spool failed under us (full, unwritable):
			 * not faster than once a second. */
			sleep_ms(1000);
			if (mode != DRAIN_FOLLOW && st.ran == 0 && pool.n == 0)
				break;	/* cron's drain retries */
			continue;
		}
		/* Idle: wait for a worker to finish, an arrival, a due
		 * retry, or a while. */
		for (;;) {
			pool_sleep(&pool, IDLE_TICK_MS);
			if (drain_stop || pool_reap(&pool, false) > 0)
				break;
			now = time(NULL);
			new_mark(*confp, &now_mark);
			if (!mark_same(&seen, &now_mark) ||
			    (st.next_due != 0 && now >= st.next_due) ||
			    now - last_scan >= RESCAN_EVERY ||
			    now - last_cleanup >= CLEANUP_EVERY)
				break;
		}
		if (drain_stop)
			break;
	}
	/* A stopped drainer lets its workers finish their hooks. */
	pool_wait_all(&pool);
	return ran;
}

/* 1 when new/ holds something due now (for the look after unlocking). */
static int
anything_due(const struct conf *conf, enum drain_mode mode)
{
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	time_t now = time(NULL);
	size_t i;
	int due = 0;

	if (spool_list(conf->spool_dir, SPOOL_NEW, &names, NULL) == -1)
		return 0;
	for (i = 0; i < names.n && !due; i++) {
		if (mode == DRAIN_PENDING) {
			due = 1;
			break;
		}
		if (spool_read(conf->spool_dir, SPOOL_NEW, names.v[i], &e,
		    NULL) != 0)
			continue;
		due = e.next <= now;
		spool_entry_free(&e);
	}
	strlist_clear(&names);
	return due;
}

int
drain_run(const char *conf_path, struct conf **confp, enum drain_mode mode,
    struct err *err)
{
	struct sigaction sa;
	struct reloader rl;
	int lock, rc, round;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		err_set(err, "sigaction: %s", strerror(errno));
		return -1;
	}
	if (reloader_init(&rl, conf_path, err) == -1)
		return -1;
	for (round = 0;; round++) {
		lock = drain_lock((*confp)->spool_dir, mode == DRAIN_FOLLOW,
		    err);
		if (lock == -2) {
			rc = 0;		/* another drainer has it */
			break;
		}
		if (lock == -1) {
			rc = drain_stop ? 0 : -1;
			break;
		}
		rc = drain_locked(&rl, confp, mode, lock, err);
		(void)close(lock);
		if (rc == -1 || drain_stop || mode == DRAIN_FOLLOW)
			break;
		/* A kick that found the lock held while we were finishing
		 * relies on this look: take the lock again if something
		 * came in after our last scan. A round that ran nothing
		 * ends it, so that a failing spool does not spin. */
		if ((round > 0 && rc == 0) || !anything_due(*confp, mode))
			break;
	}
	reloader_clear(&rl);
	return rc == -1 ? -1 : 0;
}
