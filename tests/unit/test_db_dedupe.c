/* test_db_dedupe.c: delivery ids across hosts, against a real PostgreSQL
 * the test starts (pg_cluster.h): one winner among processes, a claim
 * sent twice is still its own, release by its token only, expiry, the
 * bounded sweep, hostile ids, an unreachable database. */
#include "unit.h"
#include "pg_cluster.h"

#include <sys/wait.h>

#include "db_dedupe.h"

#define W	3600

struct fixture {
	struct pg_cluster	 pc;
	struct db		*db;
	struct conf		 conf;
};

static void
fixture_up(struct fixture *f)
{
	f->conf.database = f->pc.conninfo;
	f->conf.dedupe_window = W;
}

PG_GROUP(fixture_up, PG_NONE)

static void
test_claim_once(void **state)
{
	struct fixture *f = *state;
	struct err err;

	PG_NEED(f->db);
	assert_int_equal(db_dedupe_claim(f->db, "gh", "d-1", W, "t1", &err), 1);
	/* Anyone else: a duplicate. */
	assert_int_equal(db_dedupe_claim(f->db, "gh", "d-1", W, "t2", &err), 0);
	/* The same claim sent again (a lost answer): still ours. */
	assert_int_equal(db_dedupe_claim(f->db, "gh", "d-1", W, "t1", &err), 1);
	/* Per endpoint: the same id elsewhere is new. */
	assert_int_equal(db_dedupe_claim(f->db, "gl", "d-1", W, "t3", &err), 1);
	assert_int_equal(db_dedupe_claim(f->db, "", "d-1", W, "t4", &err), 1);
	assert_int_equal(db_dedupe_claim(f->db, "", "d-1", W, "t5", &err), 0);
	/* Bad arguments never reach the server. */
	assert_int_equal(db_dedupe_claim(f->db, "gh", "", W, "t", &err),
	    DB_FAIL);
	assert_int_equal(db_dedupe_claim(f->db, "gh", "x", -1, "t", &err),
	    DB_FAIL);
	assert_int_equal(db_dedupe_claim(f->db, "gh", "x", W, "", &err),
	    DB_FAIL);
	assert_int_equal(db_dedupe_claim(NULL, "gh", "x", W, "t", &err),
	    DB_FAIL);
}

/* Processes with their own connections, as hosts: for each id exactly
 * one of them wins. */
static void
test_across_processes(void **state)
{
	struct fixture *f = *state;
	enum { PROCS = 8, IDS = 25 };
	pid_t pids[PROCS];
	int i, st, wins[IDS] = { 0 }, fds[PROCS][2];

	PG_NEED(f->db);
	for (i = 0; i < PROCS; i++) {
		assert_int_equal(pipe(fds[i]), 0);
		assert_true((pids[i] = fork()) != -1);
		if (pids[i] == 0) {
			struct err err;
			struct db *db = db_open(f->pc.conninfo, &err);
			char id[32], tok[32], got[IDS];
			int k;

			if (db == NULL)
				_exit(2);
			for (k = 0; k < IDS; k++) {
				(void)snprintf(id, sizeof(id), "race-%d", k);
				(void)snprintf(tok, sizeof(tok), "p%d-%d", i,
				    k);
				got[k] = (char)db_dedupe_claim(db, "race", id,
				    W, tok, &err);
			}
			if (write(fds[i][1], got, sizeof(got)) !=
			    (ssize_t)sizeof(got))
				_exit(3);
			db_close(db);
			_exit(0);
		}
		(void)close(fds[i][1]);
	}
	for (i = 0; i < PROCS; i++) {
		char got[IDS];
		int k;

		assert_int_equal(read(fds[i][0], got, sizeof(got)),
		    (ssize_t)sizeof(got));
		(void)close(fds[i][0]);
		for (k = 0; k < IDS; k++) {
			assert_true(got[k] == 0 || got[k] == 1);
			wins[k] += got[k];
		}
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	for (i = 0; i < IDS; i++)
		assert_int_equal(wins[i], 1);
}

static void
test_release(void **state)
{
	struct fixture *f = *state;
	struct err err;

	PG_NEED(f->db);
	assert_int_equal(db_dedupe_claim(f->db, "rel", "a", W, "mine", &err),
	    1);
	/* Another's token removes nothing: the record holds. */
	assert_int_equal(db_dedupe_release(f->db, "rel", "a", "theirs", &err),
	    DB_OK);
	assert_int_equal(db_dedupe_claim(f->db, "rel", "a", W, "x", &err), 0);
	/* Ours does: the sender's retry runs. */
	assert_int_equal(db_dedupe_release(f->db, "rel", "a", "mine", &err),
	    DB_OK);
	assert_int_equal(db_dedupe_claim(f->db, "rel", "a", W, "retry", &err),
	    1);
	/* Twice, or never claimed: fine. */
	assert_int_equal(db_dedupe_release(f->db, "rel", "a", "mine", &err),
	    DB_OK);
	assert_int_equal(db_dedupe_release(f->db, "rel", "zz", "mine", &err),
	    DB_OK);
}

static void
test_expired(void **state)
{
	struct fixture *f = *state;
	struct err err;

	PG_NEED(f->db);
	assert_int_equal(db_dedupe_claim(f->db, "exp", "old", W, "a", &err),
	    1);
	SQL("UPDATE hookline_dedupe SET seen = now() - interval '2 hours' "
	    "WHERE endpoint = 'exp'", NULL);
	/* Older than the window: new again, taken over in place. */
	assert_int_equal(db_dedupe_claim(f->db, "exp", "old", W, "b", &err),
	    1);
	assert_int_equal(db_dedupe_claim(f->db, "exp", "old", W, "c", &err),
	    0);
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE endpoint = $1", "exp"), 1);
	/* A window of 0 remembers nothing past the statement's time. */
	SQL("UPDATE hookline_dedupe SET seen = now() - interval '1 second' "
	    "WHERE endpoint = 'exp'", NULL);
	assert_int_equal(db_dedupe_claim(f->db, "exp", "old", 0, "d", &err),
	    1);
}

static void
test_sweep(void **state)
{
	struct fixture *f = *state;
	struct err err;
	char id[16];
	int i;

	PG_NEED(f->db);
	SQL("DELETE FROM hookline_dedupe", NULL);
	for (i = 0; i < 13; i++) {
		(void)snprintf(id, sizeof(id), "s%d", i);
		assert_int_equal(db_dedupe_claim(f->db, "sw", id, W, "t",
		    &err), 1);
	}
	SQL("UPDATE hookline_dedupe SET seen = now() - interval '3 hours' "
	    "WHERE delivery_id <> ALL (ARRAY['s0', 's1', 's2'])", NULL);
	/* Bounded: at most the limit per call. */
	assert_int_equal(db_dedupe_sweep(f->db, W, 4, &err), 4);
	assert_int_equal(db_dedupe_sweep(f->db, W, 100, &err), 6);
	assert_int_equal(db_dedupe_sweep(f->db, W, 100, &err), 0);
	/* The fresh ones stay, and stay duplicates. */
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE endpoint = $1", "sw"), 3);
	assert_int_equal(db_dedupe_claim(f->db, "sw", "s1", W, "u", &err), 0);
	assert_int_equal(db_dedupe_sweep(f->db, W, 0, &err), DB_FAIL);
}

/* Ids are a sender's: quotes, backslashes, SQL, percent signs, the
 * longest one allowed. Each is only ever a value. */
static void
test_hostile_ids(void **state)
{
	struct fixture *f = *state;
	static const char *const ids[] = {
		"'; DROP TABLE hookline_dedupe; --",
		"x' OR '1'='1",
		"\\\\'\\\"$1$2",
		"%_%",
		"$$ SELECT 1 $$",
		"E'\\x00'",
		"\x7e\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b",
		"12345678901234567890123456789012345678901234567890"
		"12345678901234567890123456789012345678901234567890"
		"1234567890123456789012345678",
	};
	struct err err;
	size_t i;

	PG_NEED(f->db);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_int_equal(db_dedupe_claim(f->db, "h", ids[i], W, "a",
		    &err), 1);
		assert_int_equal(db_dedupe_claim(f->db, "h", ids[i], W, "b",
		    &err), 0);
		assert_int_equal(COUNT("SELECT count(*) FROM "
		    "hookline_dedupe WHERE delivery_id = $1", ids[i]), 1);
	}
	/* "%_%" was a value, not a pattern: one row matched it. */
	assert_int_equal(COUNT("SELECT count(*) FROM hookline_dedupe "
	    "WHERE endpoint = $1", "h"), (long)(sizeof(ids) / sizeof(ids[0])));
	assert_int_equal(db_dedupe_release(f->db, "h", ids[0], "a", &err),
	    DB_OK);
	assert_int_equal(db_dedupe_claim(f->db, "h", ids[0], W, "c", &err), 1);
}

/* The request path's calls: a token made and kept, the release by it. */
static void
test_conf_calls(void **state)
{
	struct fixture *f = *state;
	char tok[DB_DEDUPE_TOKEN_MAX], tok2[DB_DEDUPE_TOKEN_MAX];
	struct err err;
	int i;

	PG_NEED(f->db);
	assert_int_equal(db_dedupe_claim_conf(&f->conf, "cf", "one", tok,
	    &err), 1);
	assert_true(strlen(tok) > 0);
	assert_int_equal(db_dedupe_claim_conf(&f->conf, "cf", "one", tok2,
	    &err), 0);
	assert_string_not_equal(tok, tok2);
	assert_int_equal(db_dedupe_release_conf(&f->conf, "cf", "one", tok2,
	    &err), DB_OK);
	assert_int_equal(db_dedupe_claim_conf(&f->conf, "cf", "one", tok2,
	    &err), 0);
	assert_int_equal(db_dedupe_release_conf(&f->conf, "cf", "one", tok,
	    &err), DB_OK);
	assert_int_equal(db_dedupe_claim_conf(&f->conf, "cf", "one", tok,
	    &err), 1);
	/* Sampled sweeps run among many claims; expired rows go. */
	SQL("UPDATE hookline_dedupe SET seen = now() - "
	    "interval '5 hours'", NULL);
	for (i = 0; i < 2000 && COUNT("SELECT count(*) FROM "
	    "hookline_dedupe WHERE seen < now() - interval '4 hours' AND "
	    "endpoint <> $1", "cf") > 0; i++) {
		char id[32];

		(void)snprintf(id, sizeof(id), "many-%d", i);
		assert_int_equal(db_dedupe_claim_conf(&f->conf, "cf", id, tok,
		    &err), 1);
	}
	assert_true(i < 2000);
}

static void
test_unreachable(void **state)
{
	struct fixture *f = *state;
	struct conf conf = f->conf;
	char tok[DB_DEDUPE_TOKEN_MAX], *gone;
	struct err err;

	PG_NEED(f->db);
	db_shared_close();
	assert_true(asprintf(&gone, "host=%s/nowhere dbname=x user=hookline "
	    "connect_timeout=2", f->pc.dir) > 0);
	conf.database = gone;
	assert_int_equal(db_dedupe_claim_conf(&conf, "u", "v", tok, &err),
	    DB_DOWN);
	assert_true(strlen(err.msg) > 0);
	db_shared_close();
	free(gone);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_once),
		cmocka_unit_test(test_across_processes),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_hostile_ids),
		cmocka_unit_test(test_conf_calls),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
