/* test_db_spill.c: the async accept with `database` set and
 * database_unavailable = spool, against a real PostgreSQL the test
 * starts (pg_cluster.h): claim and store in one transaction, spilled
 * while the database is away, moved back after, never lost, a copy
 * stored twice caught as a duplicate; a batch of deliveries in one
 * transaction (db_accept_many: test_many*), two batches in a deadlock
 * included. */
#include "unit.h"
#include "pg_cluster.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <signal.h>

#include "db_spill.h"
#include "spool.h"

#define W	3600

struct fixture {
	struct pg_cluster	 pc;
	struct db		*db;
	char			*top;
	char			*gone;		/* a conninfo nobody answers */
	struct conf		 conf;		/* the database there */
	struct conf		 away;		/* the same, database away */
};

static void
fixture_up(struct fixture *f)
{
	assert_true(asprintf(&f->gone, "host=%s/nowhere dbname=x "
	    "connect_timeout=2", f->pc.dir) > 0);
}

static void
fixture_down(struct fixture *f)
{
	free(f->gone);
}

PG_GROUP(fixture_up, fixture_down)

static int
setup(void **state)
{
	struct fixture *f = *state;

	if (f->db == NULL)
		return 0;
	SQL("TRUNCATE hookline_delivery, hookline_consumer, "
	    "hookline_run, hookline_dedupe", NULL);
	f->top = unit_mkdtemp("dbspill");
	memset(&f->conf, 0, sizeof(f->conf));
	assert_true(asprintf(&f->conf.spool_dir, "%s/spool", f->top) > 0);
	f->conf.database = f->pc.conninfo;
	f->conf.database_spill = true;
	f->conf.dedupe_window = W;
	f->away = f->conf;
	f->away.database = f->gone;
	db_shared_close();
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	pg_scratch_end(&f->top);
	free(f->conf.spool_dir);
	f->conf.spool_dir = NULL;
	return 0;
}

static struct delivery
delivery(const char *id, const char *body)
{
	return (struct delivery){
		.endpoint = "github", .event = "push", .id = id,
		.remote_addr = "192.0.2.7", .content_type = "application/json",
		.body = (const unsigned char *)body, .body_len = strlen(body),
		.attempt = 1,
	};
}

/* How many entries the local spool holds in box. */
static size_t
local(struct fixture *f, enum spool_box box)
{
	struct strlist names = { NULL, 0 };
	struct err err;
	size_t n;

	if (spool_list(f->conf.spool_dir, box, &names, &err) == -1)
		return 0;
	n = names.n;
	strlist_clear(&names);
	return n;
}

static void
test_accept(void **state)
{
	struct fixture *f = *state;
	struct delivery d = delivery("gh-1", "{\"a\":1}");
	struct err err;

	PG_NEED(f->db);
	assert_int_equal(db_accept(&f->conf, &d, true, &err),
	    DB_ACCEPT_STORED);
	assert_int_equal(db_accept(&f->conf, &d, true, &err),
	    DB_ACCEPT_DUPLICATE);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id = $1", "gh-1"), 1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE delivery_id = $1", "gh-1"), 1);
	/* Our own id (claim_id false): no record, stored each time. */
	assert_int_equal(db_accept(&f->conf, &d, false, &err),
	    DB_ACCEPT_STORED);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id = $1", "gh-1"), 2);
	assert_int_equal(local(f, SPOOL_NEW), 0);
}

/* The INSERT refused after the claim: neither stays, so the sender's
 * retry is stored, not called a duplicate. */
static void
test_one_transaction(void **state)
{
	struct fixture *f = *state;
	struct delivery d = delivery("gh-tx", "{}");
	struct err err;

	PG_NEED(f->db);
	SQL("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
	    "$$BEGIN RAISE EXCEPTION 'refused'; END$$", NULL);
	SQL("CREATE TRIGGER refuse BEFORE INSERT ON hookline_delivery "
	    "FOR EACH ROW EXECUTE FUNCTION refuse()", NULL);
	assert_int_equal(db_accept(&f->conf, &d, true, &err),
	    DB_ACCEPT_FAILED);
	/* Refused is not away: not spilled either. */
	assert_int_equal(local(f, SPOOL_NEW), 0);
	SQL("DROP TRIGGER refuse ON hookline_delivery", NULL);
	SQL("DROP FUNCTION refuse()", NULL);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE delivery_id = $1", "gh-tx"), 0);
	assert_int_equal(db_accept(&f->conf, &d, true, &err),
	    DB_ACCEPT_STORED);
}

static void
test_away(void **state)
{
	struct fixture *f = *state;
	struct delivery d = delivery("gh-away", "{\"b\":2}");
	size_t dups;
	struct err err;

	PG_NEED(f->db);
	/* The default: 503, nothing kept. */
	f->away.database_spill = false;
	assert_int_equal(db_accept(&f->away, &d, true, &err),
	    DB_ACCEPT_FAILED);
	assert_int_equal(local(f, SPOOL_NEW), 0);
	db_shared_close();
	/* spool: in the local spool, 202. */
	f->away.database_spill = true;
	assert_int_equal(db_accept(&f->away, &d, true, &err),
	    DB_ACCEPT_SPILLED);
	assert_true(strlen(err.msg) > 0);	/* why, for the log */
	assert_int_equal(local(f, SPOOL_NEW), 1);
	assert_int_equal(db_spill_waiting(&f->conf), 1);
	/* Still away: moving fails, the entry stays where it was. */
	db_shared_close();
	assert_int_equal(db_spill_move(&f->away, 100, &dups, &err), -1);
	assert_int_equal(local(f, SPOOL_NEW), 1);
	assert_int_equal(local(f, SPOOL_CUR), 0);
	/* Back: moved, the local copy gone after the COMMIT. */
	db_shared_close();
	assert_int_equal(db_spill_move(&f->conf, 100, &dups, &err), 1);
	assert_int_equal(dups, 0);
	assert_int_equal(local(f, SPOOL_NEW), 0);
	assert_int_equal(local(f, SPOOL_CUR), 0);
	assert_int_equal(db_spill_waiting(&f->conf), 0);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id = $1 AND body = convert_to('{\"b\":2}', 'UTF8') "
	    "AND endpoint = 'github' AND event = 'push' AND remote_addr = "
	    "'192.0.2.7' AND state = 'pending' AND received <= "
	    "extract(epoch FROM now())", "gh-away"), 1);
	/* And its id is recorded for every host now. */
	assert_int_equal(db_accept(&f->conf, &d, true, &err),
	    DB_ACCEPT_DUPLICATE);
	assert_int_equal(db_spill_move(&f->conf, 100, &dups, &err), 0);
}

/* A copy stored already (the COMMIT's answer lost, or the local removal
 * failed), or the same delivery taken by another host meanwhile: a
 * duplicate, dropped; the database holds it once. */
static void
test_duplicates(void **state)
{
	struct fixture *f = *state;
	struct delivery d = delivery("gh-dup", "{}");
	struct delivery o = delivery("gh-other-host", "{}");
	size_t dups;
	struct err err;
	char name[SPOOL_NAME_MAX + 1];
	int i;

	PG_NEED(f->db);
	/* Spilled twice (a sender's retry on this host while away). */
	for (i = 0; i < 2; i++)
		assert_int_equal(spool_store(f->conf.spool_dir, 0, &d,
		    time(NULL), name, &err), 0);
	/* Another host stored o while this one spilled it. */
	assert_int_equal(spool_store(f->conf.spool_dir, 0, &o, time(NULL),
	    name, &err), 0);
	assert_int_equal(db_accept(&f->conf, &o, true, &err),
	    DB_ACCEPT_STORED);
	assert_int_equal(db_spill_move(&f->conf, 100, &dups, &err), 3);
	assert_int_equal(dups, 2);	/* the retry's copy, and o */
	assert_int_equal(local(f, SPOOL_NEW), 0);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id = $1", "gh-dup"), 1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id = $1", "gh-other-host"), 1);
}

/* A mover that died between claiming an entry (new -> cur) and its
 * COMMIT: the next one takes it from cur/. The batch bound holds. */
static void
test_leftover_and_bound(void **state)
{
	struct fixture *f = *state;
	size_t dups;
	struct err err;
	char name[SPOOL_NAME_MAX + 1], id[16];
	struct delivery d;
	int i;

	PG_NEED(f->db);
	for (i = 0; i < 5; i++) {
		(void)snprintf(id, sizeof(id), "b-%d", i);
		d = delivery(id, "{}");
		assert_int_equal(spool_store(f->conf.spool_dir, 0, &d,
		    time(NULL), name, &err), 0);
	}
	assert_int_equal(spool_move(f->conf.spool_dir, name, SPOOL_NEW,
	    SPOOL_CUR, &err), 0);
	assert_int_equal(db_spill_move(&f->conf, 2, &dups, &err), 2);
	assert_int_equal(local(f, SPOOL_CUR), 0);	/* cur/ first */
	assert_int_equal(local(f, SPOOL_NEW), 3);
	assert_int_equal(db_spill_move(&f->conf, 100, &dups, &err), 3);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id LIKE $1", "b-%"), 5);
	/* No spool at all: nothing to do. */
	unit_rm_tree(f->conf.spool_dir);
	assert_int_equal(db_spill_move(&f->conf, 100, &dups, &err), 0);
}

/* An entry the local spool held when `database` was added, which the
 * local drainer had tried once (hook "ok" succeeded, "flaky" failed and
 * waits for its next try): it moves with that progress, under its own
 * name, so that "ok" does not run again and "flaky" keeps its place in
 * the schedule; its run record moves too. */
static void
test_progress_moves(void **state)
{
	struct fixture *f = *state;
	struct spool_entry e;
	struct spool_run run = { .attempt = 1, .started = 1000,
	    .duration_ms = 5 };
	struct consumer cons[2];
	struct delivery d = delivery("p-1", "{\"n\":1}");
	char name[SPOOL_NAME_MAX + 1];
	size_t dups;
	struct err err;
	int64_t next = (int64_t)time(NULL) + 600;

	PG_NEED(f->db);
	assert_int_equal(spool_store(f->conf.spool_dir, 0, &d, time(NULL),
	    name, &err), 0);
	assert_int_equal(spool_read(f->conf.spool_dir, SPOOL_NEW, name, &e,
	    &err), 0);
	cons[0] = (struct consumer){ .name = "ok", .state = CONS_SUCCEEDED,
	    .tries = 1 };
	cons[1] = (struct consumer){ .name = "flaky", .state = CONS_PENDING,
	    .tries = 1, .failures = 1, .next = next, .error = "exit 1" };
	e.cons = cons;
	e.ncons = 2;
	e.attempts = 1;
	e.failures = 1;
	e.next = next;
	assert_int_equal(spool_write(f->conf.spool_dir, SPOOL_NEW, name, &e,
	    &err), 0);
	e.cons = NULL;
	e.ncons = 0;
	spool_entry_free(&e);
	assert_int_equal(spool_write_run(f->conf.spool_dir, SPOOL_NEW, name,
	    &run, &err), 0);

	assert_int_equal(db_spill_move(&f->conf, 100, &dups, &err), 1);
	assert_int_equal(dups, 0);
	assert_int_equal(local(f, SPOOL_NEW) + local(f, SPOOL_CUR), 0);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery WHERE "
	    "name = $1 AND state = 'pending' AND attempts = 1 AND "
	    "failures = 1 AND delivery_id = 'p-1'", name), 1);
	assert_int_equal(COUNT("SELECT next_due FROM hookline_delivery WHERE "
	    "name = $1", name), (long)next);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_consumer WHERE "
	    "delivery = $1 AND name = 'ok' AND state = 'succeeded' AND "
	    "tries = 1", name), 1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_consumer WHERE "
	    "delivery = $1 AND name = 'flaky' AND state = 'pending' AND "
	    "failures = 1 AND next = (SELECT next_due FROM "
	    "hookline_delivery WHERE name = $1)", name), 1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_run WHERE "
	    "delivery = $1 AND attempt = 1", name), 1);
	/* Its id is claimed: the sender's retry at another host is a
	 * duplicate there. */
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe WHERE "
	    "delivery_id = $1", "p-1"), 1);
}

/* A batch of n deliveries (d) with the ids given, their ids claimed;
 * the results not yet set. */
static void
batch_set(struct db_accept_item *it, struct delivery *d,
    const char *const *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		d[i] = delivery(ids[i], "{\"batch\":1}");
		it[i] = (struct db_accept_item){ .d = &d[i], .claim_id = true,
		    .result = DB_ACCEPT_FAILED };
		(void)snprintf(it[i].err.msg, sizeof(it[i].err.msg), "stale");
	}
}

/* A batch: all stored in one transaction (one xmin); two with one
 * sender's id in a batch: the first stored, the second a duplicate;
 * our own id (claim_id false) stored; the statements are db_accept's
 * (one prepared statement serves both). */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	static const char *const ids[] = { "m-1", "m-2", "m-3" };
	static const char *const dup[] = { "m-dup", "m-dup", "m-dup" };
	struct db_accept_item it[3];
	struct delivery d[3];
	struct err err;
	struct db *db;
	size_t i;

	PG_NEED(f->db);
	batch_set(it, d, ids, 3);
	db_accept_many(&f->conf, it, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(it[i].result, DB_ACCEPT_STORED);
		assert_string_equal(it[i].err.msg, "");
	}
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id LIKE $1", "m-_"), 3);
	assert_int_equal(COUNT("SELECT count(DISTINCT xmin::text) FROM "
	    "hookline_delivery WHERE delivery_id LIKE $1", "m-_"), 1);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE delivery_id LIKE $1", "m-_"), 3);

	batch_set(it, d, dup, 3);
	it[2].claim_id = false;
	db_accept_many(&f->conf, it, 3);
	assert_int_equal(it[0].result, DB_ACCEPT_STORED);
	assert_int_equal(it[1].result, DB_ACCEPT_DUPLICATE);
	assert_int_equal(it[2].result, DB_ACCEPT_STORED);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id = $1", "m-dup"), 2);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE delivery_id = $1", "m-dup"), 1);
	/* And a later one, alone: a duplicate too. */
	assert_int_equal(db_accept(&f->conf, &d[0], true, &err),
	    DB_ACCEPT_DUPLICATE);
	assert_non_null(db = db_shared(&f->conf, NULL, &err));
	assert_int_equal(pg_count(db, "SELECT count(*) FROM "
	    "pg_prepared_statements WHERE statement LIKE "
	    "'WITH c AS (INSERT INTO hookline_dedupe %'"), 1);
	assert_int_equal(local(f, SPOOL_NEW), 0);
}

/* The server refuses one of the batch (a trigger, for its id): the
 * others are stored, it alone fails with the server's words; nothing of
 * it is kept (its id not claimed: the sender's retry is stored). */
static void
test_many_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const ids[] = { "r-1", "r-bad", "r-2" };
	struct db_accept_item it[3];
	struct delivery d[3];
	struct err err;

	PG_NEED(f->db);
	SQL("CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql "
	    "AS $$BEGIN IF NEW.delivery_id = 'r-bad' THEN RAISE EXCEPTION "
	    "'refused %', NEW.delivery_id; END IF; RETURN NEW; END$$", NULL);
	SQL("CREATE TRIGGER refuse_bad BEFORE INSERT ON hookline_delivery "
	    "FOR EACH ROW EXECUTE FUNCTION refuse_bad()", NULL);
	batch_set(it, d, ids, 3);
	db_accept_many(&f->conf, it, 3);
	SQL("DROP TRIGGER refuse_bad ON hookline_delivery", NULL);
	SQL("DROP FUNCTION refuse_bad()", NULL);
	assert_int_equal(it[0].result, DB_ACCEPT_STORED);
	assert_int_equal(it[1].result, DB_ACCEPT_FAILED);
	assert_non_null(strstr(it[1].err.msg, "refused r-bad"));
	assert_int_equal(it[2].result, DB_ACCEPT_STORED);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id LIKE $1", "r-%"), 2);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE delivery_id = $1", "r-bad"), 0);
	assert_int_equal(local(f, SPOOL_NEW), 0);
	assert_int_equal(db_accept(&f->conf, &d[1], true, &err),
	    DB_ACCEPT_STORED);
}

/*
 * A "server" on a unix socket that takes each connection and closes it
 * at once (libpq: "server closed the connection unexpectedly", DB_DOWN),
 * counting them into a pipe: how many connection attempts a batch
 * made. A child process; bounded in connections and time.
 */
struct closer {
	pid_t	 pid;
	int	 count;	/* the pipe's reading end */
	char	*conninfo;
};

static void
closer_start(struct fixture *f, struct closer *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	int s, fd, p[2], i;

	assert_true(asprintf(&c->conninfo, "host=%s dbname=x "
	    "connect_timeout=2", f->top) > 0);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.s.PGSQL.5432",
	    f->top);
	assert_true((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 16), 0);
	assert_int_equal(pipe(p), 0);
	assert_true((c->pid = fork()) != -1);
	if (c->pid == 0) {
		for (i = 0; i < 64; i++) {
			pfd = (struct pollfd){ .fd = s, .events = POLLIN };
			if (poll(&pfd, 1, 10000) <= 0 ||
			    (fd = accept(s, NULL, NULL)) == -1)
				break;
			if (write(p[1], "c", 1) != 1)
				break;
			(void)close(fd);
		}
		_exit(0);
	}
	(void)close(s);
	(void)close(p[1]);
	c->count = p[0];
	assert_int_equal(fcntl(c->count, F_SETFL, O_NONBLOCK), 0);
}

/* The connections taken since the last call. */
static int
closer_taken(struct closer *c)
{
	char buf[64];
	ssize_t r;
	int n = 0;

	while ((r = read(c->count, buf, sizeof(buf))) > 0)
		n += (int)r;
	return n;
}

static void
closer_stop(struct closer *c)
{
	int st;

	(void)kill(c->pid, SIGTERM);
	(void)waitpid(c->pid, &st, 0);
	(void)close(c->count);
	free(c->conninfo);
}

/* The database away for a batch: with database_spill each is spilled
 * into the local spool (202), without each fails (503), both with why,
 * and the batch tries to connect once, not once per delivery. */
static void
test_many_away(void **state)
{
	struct fixture *f = *state;
	static const char *const ids[] = { "a-1", "a-2", "a-3" };
	struct db_accept_item it[3];
	struct delivery d[3];
	struct closer c;
	size_t i;

	PG_NEED(f->db);
	closer_start(f, &c);
	f->away.database = c.conninfo;
	batch_set(it, d, ids, 3);
	db_accept_many(&f->away, it, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(it[i].result, DB_ACCEPT_SPILLED);
		assert_non_null(strstr(it[i].err.msg, "connect"));
	}
	assert_int_equal(local(f, SPOOL_NEW), 3);
	assert_int_equal(closer_taken(&c), 1);

	f->away.database_spill = false;
	batch_set(it, d, ids, 3);
	db_accept_many(&f->away, it, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(it[i].result, DB_ACCEPT_FAILED);
		assert_non_null(strstr(it[i].err.msg, "connect"));
	}
	assert_int_equal(local(f, SPOOL_NEW), 3);
	assert_int_equal(closer_taken(&c), 1);
	closer_stop(&c);
	f->away.database = f->gone;
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id LIKE $1", "a-%"), 0);
}

/* A child of test_many_deadlock: connects, waits for the go on fd go,
 * stores the batch ids (2), writes the two results to fd out. */
static void
deadlock_child(struct fixture *f, const char *const *ids, int go, int out)
{
	struct db_accept_item it[2];
	struct delivery d[2];
	struct err err;
	char c, r[2];

	if (db_shared(&f->conf, NULL, &err) == NULL ||
	    read(go, &c, 1) != 1)
		_exit(1);
	batch_set(it, d, ids, 2);
	db_accept_many(&f->conf, it, 2);
	r[0] = (char)('0' + it[0].result + 1);
	r[1] = (char)('0' + it[1].result + 1);
	_exit(write(out, r, 2) == 2 ? 0 : 1);
}

/* The deadlocks the server has found in this database. */
static long
deadlocks(struct fixture *f)
{
	pg_sql(f->db, "SELECT pg_stat_clear_snapshot()");
	return COUNT("SELECT deadlocks FROM pg_stat_database "
	    "WHERE datname = current_database()", NULL);
}

/* Two processes' batches claim the same two ids in opposite orders,
 * each held up after its first claim (a trigger sleeps a second): the
 * server finds the deadlock and aborts one, whose deliveries are then
 * stored one by one and found duplicates of the other's. Each id stored
 * once, nothing failed. */
static void
test_many_deadlock(void **state)
{
	struct fixture *f = *state;
	static const char *const ab[] = { "dl-a", "dl-b" };
	static const char *const ba[] = { "dl-b", "dl-a" };
	int go[2], out[2], st, k, stored = 0;
	long before, after;
	pid_t pid[2];
	char r[4];

	PG_NEED(f->db);
	SQL("CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
	    "$$BEGIN PERFORM pg_sleep(1); RETURN NEW; END$$", NULL);
	SQL("CREATE TRIGGER slow BEFORE INSERT ON hookline_delivery "
	    "FOR EACH ROW EXECUTE FUNCTION slow()", NULL);
	before = deadlocks(f);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(out), 0);
	for (k = 0; k < 2; k++) {
		assert_true((pid[k] = fork()) != -1);
		if (pid[k] == 0)
			deadlock_child(f, k == 0 ? ab : ba, go[0], out[1]);
	}
	assert_int_equal(write(go[1], "gg", 2), 2);
	for (k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pid[k], &st, 0), pid[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(read(out[0], r, sizeof(r)), 4);
	for (k = 0; k < 4; k++) {
		assert_true(r[k] == '0' + DB_ACCEPT_STORED + 1 ||
		    r[k] == '0' + DB_ACCEPT_DUPLICATE + 1);
		stored += r[k] == '0' + DB_ACCEPT_STORED + 1;
	}
	assert_int_equal(stored, 2);
	for (k = 0; k < 2; k++) {
		(void)close(go[k]);
		(void)close(out[k]);
	}
	SQL("DROP TRIGGER slow ON hookline_delivery", NULL);
	SQL("DROP FUNCTION slow()", NULL);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_delivery "
	    "WHERE delivery_id LIKE $1", "dl-_"), 2);
	/* The server's statistics come in when a backend goes idle or
	 * ends: a few looks, bounded. */
	for (k = 0; k < 20 && (after = deadlocks(f)) == before; k++)
		(void)usleep(100000);
	assert_int_equal(after, before + 1);
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_accept),
		T(test_one_transaction),
		T(test_away),
		T(test_duplicates),
		T(test_leftover_and_bound),
		T(test_progress_moves),
		T(test_many),
		T(test_many_refused),
		T(test_many_away),
		T(test_many_deadlock),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
