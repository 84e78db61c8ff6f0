/* db_drain.c: the drainer with `database` set: claims due deliveries of
 * any host with a lease, keeps the lease while their hooks run, runs
 * them as the spool's drainer does (attempt.c), records and settles
 * them in the database. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consumer.h"
#include "db_drain.h"
#include "db_queue.h"
#include "db_slots.h"
#include "db_spill.h"
#include "drain_int.h"
#include "forward.h"
#include "log.h"
#include "platform.h"
#include "resident.h"
#include "slots.h"
#include "stats.h"

/*
 * Waking up: the accepting host kicks its own drainer (drain_kick, as
 * without a database); a drainer that finds nothing due looks again
 * every IDLE_POLL_MS (a query on a partial index). No LISTEN/NOTIFY:
 * a NOTIFY takes a lock at commit that every notifying transaction of
 * every host queues on, which would cost the accept path what it is
 * measured by; a bounded poll costs one cheap query a quarter second
 * per idle drainer.
 */
#define IDLE_POLL_MS	250
#define DOWN_WAIT_MS	1000	/* between tries while the server is away */
#define DOWN_GIVE_UP	60	/* seconds a non-follow drainer keeps trying */
#define SWEEP_EVERY	60	/* seconds between done sweeps */
#define SWEEP_LIMIT	1000	/* rows one sweep removes at most */
#define KEEPER_TICK_MS	100	/* how often the keeper looks at its parent */
#define WORKERS_DEFAULT	4	/* drainer processes per host, as drain.c */
#define WORKERS_MAX	16
#define SPILL_BATCH	100	/* (pgx) spilled deliveries moved a round */

static long
lease_of(const struct conf *conf)
{
	return conf->database_lease > 0 ? conf->database_lease :
	    DB_LEASE_DEFAULT;
}

static void
nap_ms(long ms, volatile sig_atomic_t *stop)
{
	struct timespec ts;

	for (; ms > 0 && (stop == NULL || !*stop); ms -= 50) {
		ts.tv_sec = 0;
		ts.tv_nsec = (ms < 50 ? ms : 50) * 1000000L;
		(void)nanosleep(&ts, NULL);
	}
}

/*
 * The lease keeper: a child process with its own connection that moves
 * the lease on every third of it while the hooks run in the drainer,
 * and dies with the drainer (exit_with_parent, and a look at its parent
 * every KEEPER_TICK_MS): a drainer killed mid-hook stops renewing, so
 * another host takes the delivery over when the lease runs out.
 */
static void
keeper_main(const struct conf *conf, const char *name, const char *owner,
    pid_t parent)
{
	struct db *db = NULL;
	struct err err;
	long lease = lease_of(conf), every = lease * 1000 / 3, waited;
	bool held = true;

	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	if (exit_with_parent(parent, SIGTERM) == -1)
		_exit(0);
	/* The drainer's fds are not ours: a resident worker's stdin pipe
	 * held open here would keep it from seeing its end (EOF) when the
	 * drainer lets it go. The keeper opens its own connection. */
	if (close_fds_from(3) == -1)
		_exit(0);
	while (held) {
		for (waited = 0; waited < every; waited += KEEPER_TICK_MS) {
			nap_ms(KEEPER_TICK_MS, NULL);
			if (getppid() != parent)
				_exit(0);
		}
		if (db == NULL && (db = db_open(conf->database, &err)) == NULL)
			continue;	/* the server is away: next round */
		if (db_queue_renew(db, name, owner, lease, &held, &err) != DB_OK)
			held = true;	/* try again next round */
	}
	db_close(db);
	_exit(0);
}

static pid_t
keeper_start(const struct conf *conf, const char *name, const char *owner)
{
	pid_t parent = getpid(), pid;

	if ((pid = fork()) == -1) {
		log_msg("error", "database: delivery %s: no lease keeper: %s",
		    name, strerror(errno));
		return -1;
	}
	if (pid == 0)
		keeper_main(conf, name, owner, parent);
	return pid;
}

static void
keeper_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/*
 * The clock of an attempt: the database server's, as the claim's due
 * test and the leases use (db_queue.c's SERVER_NOW), so that a host
 * whose clock is off neither runs a retry early nor sets it late, nor
 * claims a delivery that is due for the server but not yet for its own
 * attempt (claimed again and again until its clock caught up). began:
 * this second, floored as the claim's test is (a consumer due for the
 * claim is due for the attempt, the claim came first); the settle time,
 * rounded up, as a retry must never come early (attempt_now_up). The
 * server away: this host's clock.
 */
static int64_t
server_now(struct db *db, bool up)
{
	static const char *const sql[] = {
		"SELECT CAST(floor(extract(epoch FROM now())) AS bigint)",
		"SELECT CAST(ceil(extract(epoch FROM now())) AS bigint)",
	};
	struct db_res *res = NULL;
	struct err err;
	int64_t t;

	if (db_exec(db, DB_RETRY, sql[up], 0, NULL, &res, &err) != DB_OK ||
	    db_rows(res) != 1 || db_int64(res, 0, 0, &t) == -1 || t <= 0)
		t = up ? attempt_now_up() : (int64_t)time(NULL);
	db_res_free(res);
	return t;
}

/* A claim whose lease ran out: the attempt it cut short is recorded as
 * interrupted, and the log says the delivery runs again. */
static void
takeover(struct db *db, struct db_claim *c, const char *host)
{
	struct spool_run r;
	struct err err;
	char *msg = NULL;

	if (c->prev_running > 0) {
		memset(&r, 0, sizeof(r));
		r.attempt = c->prev_running;
		r.started = c->prev_started;
		r.interrupted = true;
		r.error = "interrupted: its drainer's lease expired";
		if (db_queue_record_run(db, c->e.name, &r, host, &err) != DB_OK)
			log_msg("error", "database: delivery %s: %s",
			    c->e.name, err.msg);
	}
	if (asprintf(&msg, "ran again after lease expiry: the claim of %s "
	    "on attempt %u ran out", c->prev_owner != NULL ? c->prev_owner :
	    "another drainer", c->prev_running) == -1)
		msg = NULL;
	attempt_log(&c->e, "interrupted", NULL, 0, msg != NULL ? msg :
	    "ran again after lease expiry");
	free(msg);
}

/* Settles e after its attempt, writes it while the claim is ours, and
 * logs the attempt. Returns 0, or -1 when the database failed. */
static int
attempt_end(const struct conf *conf, struct db *db, struct spool_entry *e,
    const struct outcome *out, const struct spool_run *run,
    const char *owner, const char *host, int64_t began)
{
	static const char *const results[] = { "retry", "done", "dead" };
	struct err err;
	int64_t now = server_now(db, true);
	long delay = -1;
	bool held;

	e->running = 0;
	if (consumer_settle(e, conf, out, run->error, began, now) == -1)
		log_msg("error", "database: delivery %s: out of memory; it "
		    "runs again", e->name);
	if (e->fate == FATE_PENDING)
		delay = e->next > now ? (long)(e->next - now) : 0;
	if (db_queue_finish(db, e, run, owner, host, &held, &err) != DB_OK) {
		log_msg("error", "database: delivery %s: %s; it runs again "
		    "after its lease", e->name, err.msg);
		attempt_log(e, results[e->fate], out, delay, e->error);
		return -1;
	}
	if (!held)
		log_msg("warning", "database: delivery %s: its lease ran out "
		    "during the attempt and another drainer took it over; "
		    "this attempt is not recorded", e->name);
	attempt_log(e, results[e->fate], out, delay, e->error);
	stats_attempt(conf->stats, e, out);
	return 0;
}

/* One claimed delivery, once. Returns 1 when it ran, 0 when it was put
 * back (stop), -1 when the database failed. */
static int
attempt_db(const struct conf *conf, struct db *db, struct db_claim *c,
    const char *owner, const char *host, volatile sig_atomic_t *stop,
    struct resident *rs)
{
	struct forwarder *fw = NULL;
	struct outcome out = { NULL, 0 };
	struct spool_run run;
	struct timespec t0;
	struct slots held;
	struct err err;
	int64_t began;
	unsigned lost;
	pid_t keeper;
	int rc;

	if (c->takeover)
		takeover(db, c, host);
	keeper = keeper_start(conf, c->e.name, owner);
	if (slots_take(conf, conf_endpoint(conf, c->e.endpoint), -1, -1,
	    stop, &held, &err) != 0) {
		keeper_stop(keeper);
		if (stop == NULL || !*stop)
			log_msg("error", "database: delivery %s: %s",
			    c->e.name, err.msg);
		if (db_queue_unclaim(db, c->e.name, owner, &err) != DB_OK)
			log_msg("error", "database: delivery %s: %s",
			    c->e.name, err.msg);
		return stop != NULL && *stop ? 0 : -1;
	}
	/* The claim's own server time (SERVER_NOW, floored): no second
	 * round trip for it. */
	began = c->e.started > 0 ? c->e.started : server_now(db, false);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	err.msg[0] = '\0';
	rc = attempt_consumers(conf, &c->e, c->body, c->body_len, began,
	    rs, &fw, &out, &err);
	slots_release(&held);
	if ((lost = db_slot_lost()) > 0)
		log_msg("warning", "database: delivery %s: its connection to "
		    "the database was lost while it ran and %u of its "
		    "max_running slots were taken by others meanwhile: the "
		    "bound was passed by this run", c->e.name, lost);
	attempt_run_of(&c->e, &out, &t0, rc == -1 ? err.msg : NULL, &run);
	rc = attempt_end(conf, db, &c->e, &out, &run, owner, host, began);
	keeper_stop(keeper);
	outcome_free(&out);
	forwarder_free(fw);
	return rc == -1 ? -1 : 1;
}

/* Claims and runs what is due until nothing is, resident hooks in rs's
 * pools. Returns how many ran, or -1 when the database failed (err). */
static int
drain_due_db(const struct conf *conf, const char *owner, const char *host,
    volatile sig_atomic_t *stop, struct resident *rs, struct err *err)
{
	struct db_claim c;
	struct db *db;
	enum db_rc rc;
	int found, ran = 0;

	while (stop == NULL || !*stop) {
		if ((db = db_shared(conf, &rc, err)) == NULL)
			return -1;
		if (db_queue_claim(db, owner, lease_of(conf), &c, &found,
		    err) != DB_OK)
			return -1;
		if (!found)
			break;
		if (attempt_db(conf, db, &c, owner, host, stop, rs) == 1)
			ran++;
		db_claim_free(&c);
		resident_tick(rs);	/* other hooks' idle workers */
	}
	return ran;
}

/* Removes old done deliveries, now and then. */
static void
sweep(const struct conf *conf)
{
	struct err err;
	struct db *db;
	long n;

	if ((db = db_shared(conf, NULL, &err)) == NULL ||
	    db_queue_sweep(db, spool_keep_done(conf), SWEEP_LIMIT, &n, &err)
	    != DB_OK)
		log_msg("error", "database: sweep: %s", err.msg);
}

/* (pgx) Spilled deliveries into the database, a batch a round; logs
 * what it did. */
static void
spill_move(const struct conf *conf)
{
	struct err err;
	size_t dups = 0;
	long n;

	err.msg[0] = '\0';
	n = db_spill_move(conf, SPILL_BATCH, &dups, &err);
	if (n > 0)
		log_msg("info", "drain: %ld spilled deliveries moved into the "
		    "database (%zu of them duplicates there, not stored again)",
		    n, dups);
	/* Nothing moved: the database is away, which the loop logs. */
	if (n > 0 && err.msg[0] != '\0')
		log_msg("warning", "drain: some spilled deliveries stay in "
		    "the local spool for now: %s", err.msg);
}

/* Sleeps ms (less when *stop turns), then ends rs's workers that have
 * been idle their time and reaps those that left. */
static void
nap_tick(long ms, volatile sig_atomic_t *stop, struct resident *rs)
{
	nap_ms(ms, stop);
	resident_tick(rs);
}

/* drain_proc's loop, its resident hooks in rs. */
static int
drain_proc_rs(struct reloader *rl, struct conf **confp, enum drain_mode mode,
    volatile sig_atomic_t *stop, struct resident *rs, struct err *err)
{
	char owner[DB_OWNER_MAX], host[256];
	time_t last_sweep = 0, down_since = 0, now;
	int ran = 0, n;

	db_queue_owner(owner, sizeof(owner));
	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	while (!*stop) {
		if (rl != NULL)
			drain_reload(rl, confp);
		if ((*confp)->database == NULL)
			break;	/* the key went: drain.c takes over */
		now = time(NULL);
		if (now - last_sweep >= SWEEP_EVERY) {
			sweep(*confp);
			last_sweep = now;
		}
		/* (pgx) What this host spilled into its spool while the
		 * database was away goes in first (db_spill.c). */
		spill_move(*confp);
		if ((n = drain_due_db(*confp, owner, host, stop, rs, err)) == -1) {
			if (down_since == 0) {
				log_msg("error", "drain: %s", err->msg);
				down_since = now;
			}
			/* (pgx) Not while deliveries answered 202 wait in
			 * this host's spool for the database: no request
			 * may come to start another drainer. */
			if (mode == DRAIN_DUE ||
			    (mode == DRAIN_PENDING &&
			    now - down_since >= DOWN_GIVE_UP &&
			    !db_spill_waiting(*confp)))
				return -1;	/* rs: drain_proc frees it */
			nap_tick(DOWN_WAIT_MS, stop, rs);
			continue;
		}
		if (down_since != 0)
			log_msg("info", "drain: the database is back");
		down_since = 0;
		ran += n;
		if (mode == DRAIN_DUE)
			break;
		if (mode == DRAIN_PENDING && n == 0 &&
		    !db_drain_anything(*confp))
			break;
		if (n == 0)
			nap_tick(IDLE_POLL_MS, stop, rs);
	}
	return ran;
}

/*
 * The loop of one drainer process: the one holding drain.lock, or one
 * of its workers. Its resident hooks (rs, its own pools, as each of the
 * spool drainer's workers has) stay up between deliveries while it
 * runs: they end after resident_idle without one (nap_tick), when it
 * ends (resident_free), and with it when it is killed (run.c starts
 * them with exit_with_parent). NULL rs (no memory): one-shot.
 */
static int
drain_proc(struct reloader *rl, struct conf **confp, enum drain_mode mode,
    volatile sig_atomic_t *stop, struct err *err)
{
	struct resident *rs = resident_new();
	int ran;

	ran = drain_proc_rs(rl, confp, mode, stop, rs, err);
	resident_free(rs);
	return ran;
}

/*
 * Several deliveries at once, as the spool's drainer runs up to
 * WORKERS_DEFAULT (or max_running) of them: workers-1 more processes
 * run the same loop (SKIP LOCKED keeps them apart, each has its own
 * connection), die with the drainer (exit_with_parent: SIGTERM, they
 * finish the hook at hand), and are told to stop when it stops.
 * (Unlike the spool's, one endpoint's deliveries may run at once: the
 * hosts run them at once anyway.)
 */
int
db_drain_loop(struct reloader *rl, struct conf **confp, enum drain_mode mode,
    volatile sig_atomic_t *stop, struct err *err)
{
	pid_t parent = getpid(), kids[WORKERS_MAX];
	unsigned n = (*confp)->max_running > 0 ? (*confp)->max_running :
	    WORKERS_DEFAULT, i, nkids = 0;
	int ran;

	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	for (i = 1; i < n; i++) {
		if ((kids[nkids] = fork()) == -1) {
			log_msg("warning", "drain: a worker less: fork: %s",
			    strerror(errno));
			break;
		}
		if (kids[nkids] == 0) {
			if (exit_with_parent(parent, SIGTERM) == -1)
				_exit(0);
			_exit(drain_proc(rl, confp, mode, stop, err) == -1 ?
			    1 : 0);
		}
		nkids++;
	}
	ran = drain_proc(rl, confp, mode, stop, err);
	for (i = 0; i < nkids; i++) {
		if (*stop || ran == -1)
			(void)kill(kids[i], SIGTERM);
		while (waitpid(kids[i], NULL, 0) == -1 && errno == EINTR)
			;
	}
	return ran;
}

int
db_drain_anything(const struct conf *conf)
{
	struct err err;
	struct db *db;
	bool any;

	/* Cannot tell: as if something were, so that nobody leaves work
	 * behind (drain_run's second round ends when it runs nothing). */
	if ((db = db_shared(conf, NULL, &err)) == NULL ||
	    db_queue_busy(db, &any, &err) != DB_OK)
		return 1;
	return any;
}
