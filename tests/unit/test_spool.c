/* test_spool.c: the durable queue: records, put, claim, state, runs,
 * remove, sweep, find, expire, schedule; injected ENOSPC/EIO on write,
 * fsync and rename never leave a half-visible delivery. */
// WRAP: write fsync renameat mkdirat
#include "unit.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consumer.h"
#include "spool.h"

#define T0	((time_t)1700000000)
#define LIT(s)	(s), sizeof(s) - 1

/* Fault injection: the Nth call (1-based) of a wrapped function fails
 * with the given errno; 0 means never. */
struct fault {
	int	at;
	int	calls;
	int	err;
};

static struct fault f_write, f_fsync, f_rename, f_mkdir;

ssize_t	__real_write(int, const void *, size_t);
ssize_t	__wrap_write(int, const void *, size_t);
int	__real_fsync(int);
int	__wrap_fsync(int);
int	__real_renameat(int, const char *, int, const char *);
int	__wrap_renameat(int, const char *, int, const char *);
int	__real_mkdirat(int, const char *, mode_t);
int	__wrap_mkdirat(int, const char *, mode_t);

static int
hit(struct fault *f)
{
	if (f->at == 0)
		return 0;
	if (++f->calls == f->at) {
		errno = f->err;
		return 1;
	}
	return 0;
}

ssize_t
__wrap_write(int fd, const void *buf, size_t len)
{
	if (hit(&f_write))
		return -1;
	/* A short write first, to exercise the loop. */
	if (len > 1 && f_write.at < 0)
		len = 1;
	return __real_write(fd, buf, len);
}

int
__wrap_fsync(int fd)
{
	return hit(&f_fsync) ? -1 : __real_fsync(fd);
}

int
__wrap_renameat(int a, const char *b, int c, const char *d)
{
	return hit(&f_rename) ? -1 : __real_renameat(a, b, c, d);
}

int
__wrap_mkdirat(int a, const char *b, mode_t m)
{
	return hit(&f_mkdir) ? -1 : __real_mkdirat(a, b, m);
}

static void
faults_off(void)
{
	memset(&f_write, 0, sizeof(f_write));
	memset(&f_fsync, 0, sizeof(f_fsync));
	memset(&f_rename, 0, sizeof(f_rename));
	memset(&f_mkdir, 0, sizeof(f_mkdir));
}

struct fixture {
	char	*top;
	char	*spool;
};

static int
setup(void **state)
{
	struct fixture *f;

	faults_off();
	assert_non_null(f = calloc(1, sizeof(*f)));
	f->top = unit_mkdtemp("spool");
	assert_true(asprintf(&f->spool, "%s/spool", f->top) > 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	faults_off();
	unit_rm_tree(f->top);
	free(f->spool);
	free(f->top);
	free(f);
	return 0;
}

static const struct delivery D1 = {
	.endpoint = "github",
	.event = "push",
	.id = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
	.remote_addr = "192.0.2.1",
	.content_type = "application/json",
	.body = (const unsigned char *)"{\"a\":1}\n\0binary",
	.body_len = 15,
	.attempt = 1,
};

/* How many entries a folder under the spool holds. */
static int
count(const struct fixture *f, const char *sub)
{
	return unit_count_entries(f->spool, sub);
}

static void
store(const struct fixture *f, char *name)
{
	struct err err;

	assert_int_equal(spool_store(f->spool, 0, &D1, T0, name, &err), 0);
}

/* --- records ------------------------------------------------------ */

static void
test_entry_roundtrip(void **state)
{
	struct spool_entry e = { 0 }, g;
	struct err err;
	char *buf;
	size_t len;

	(void)state;
	e.endpoint = strdup("");
	e.event = strdup("push");
	e.id = strdup("id with\nnewline");
	e.remote_addr = NULL;
	e.content_type = strdup("application/json");
	e.body_len = 123456789012ULL;
	e.received = T0;
	e.attempts = 3;
	e.failures = 2;
	e.running = 3;
	e.interrupted = 1;
	e.replays = 4;
	e.next = T0 + 5;
	e.started = T0 + 1;
	e.finished = 0;
	e.fate = FATE_DEAD;
	assert_int_equal(consumer_succeeded(&e, "a"), 0);
	assert_int_equal(consumer_succeeded(&e, "push.d/10-b"), 0);
	e.error = strdup("a hook failed");
	assert_non_null(buf = spool_entry_encode(&e, &len));
	assert_int_equal(spool_entry_decode(buf, len, &g, &err), 0);
	assert_string_equal(g.endpoint, "");
	assert_string_equal(g.id, "id with\nnewline");
	assert_null(g.remote_addr);
	assert_true(g.body_len == 123456789012ULL);
	assert_int_equal(g.received, T0);
	assert_int_equal(g.attempts, 3);
	assert_int_equal(g.failures, 2);
	assert_int_equal(g.running, 3);
	assert_int_equal(g.interrupted, 1);
	assert_int_equal(g.replays, 4);
	assert_int_equal(g.next, T0 + 5);
	assert_int_equal(g.fate, FATE_DEAD);
	assert_int_equal(consumer_count(&g, CONS_SUCCEEDED), 2);
	assert_string_equal(g.cons[1].name, "push.d/10-b");
	assert_string_equal(g.error, "a hook failed");
	free(buf);
	spool_entry_free(&g);
	spool_entry_free(&e);
	spool_entry_free(NULL);
}

/* A state record as the first layout wrote it: no consumers, the hooks
 * that succeeded as "done", failures since the last replay. */
static const char OLD_PENDING[] =
    "hookline_spool 1:1\n"
    "endpoint 6:github\n"
    "event 4:push\n"
    "id 2:d1\n"
    "body_len 2:15\n"
    "received 10:1700000000\n"
    "fate 7:pending\n"
    "attempts 1:2\n"
    "failures 1:2\n"
    "running 1:0\n"
    "interrupted 1:0\n"
    "replays 1:0\n"
    "next 10:1700000065\n"
    "started 10:1700000005\n"
    "finished 1:0\n"
    "done 1:a\n"
    "done 11:push.d/10-b\n"
    "error 13:a hook failed\n";

static void
test_entry_layouts(void **state)
{
	struct spool_entry e, g;
	struct err err;
	char *buf, *bad;
	size_t len;

	(void)state;
	/* The first layout: its successes become consumers; the others,
	 * not seen yet, start at its place in the schedule. */
	assert_int_equal(spool_entry_decode(OLD_PENDING, strlen(OLD_PENDING),
	    &e, &err), 0);
	assert_int_equal(e.fate, FATE_PENDING);
	assert_int_equal(e.ncons, 2);
	assert_string_equal(e.cons[1].name, "push.d/10-b");
	assert_int_equal(e.cons[0].state, CONS_SUCCEEDED);
	assert_int_equal(e.legacy_failures, 2);
	assert_string_equal(e.error, "a hook failed");

	/* Written again: the second layout, every consumer's state kept,
	 * and "done" still there for a reader of the first. */
	assert_int_equal(consumer_succeeded(&e, "c"), 0);
	e.cons[2].state = CONS_EXHAUSTED;
	e.cons[2].failures = 3;
	e.cons[2].next = T0 + 9;
	assert_non_null(e.cons[2].error = strdup("exit 1"));
	assert_non_null(buf = spool_entry_encode(&e, &len));
	assert_non_null(memmem(buf, len, "layout 1:2\n", 11));
	assert_non_null(memmem(buf, len, "done 1:a\n", 9));
	assert_int_equal(spool_entry_decode(buf, len, &g, &err), 0);
	assert_int_equal(g.ncons, 3);
	assert_int_equal(g.legacy_failures, 0);
	assert_string_equal(g.cons[2].name, "c");
	assert_int_equal(g.cons[2].state, CONS_EXHAUSTED);
	assert_int_equal(g.cons[2].failures, 3);
	assert_int_equal(g.cons[2].tries, 1);
	assert_int_equal(g.cons[2].next, T0 + 9);
	assert_string_equal(g.cons[2].error, "exit 1");
	spool_entry_free(&g);
	free(buf);
	spool_entry_free(&e);

	/* Refused: consumer fields with no consumer, an unknown state, a
	 * layout to come, a layout after the start. */
	bad = "hookline_spool 1:1\nlayout 1:2\nendpoint 0:\nevent 1:x\n"
	    "id 1:y\nc_state 7:pending\n";
	assert_int_equal(spool_entry_decode(bad, strlen(bad), &e, &err), -1);
	bad = "hookline_spool 1:1\nlayout 1:2\nendpoint 0:\nevent 1:x\n"
	    "id 1:y\nconsumer 1:a\nc_state 4:gone\n";
	assert_int_equal(spool_entry_decode(bad, strlen(bad), &e, &err), -1);
	bad = "hookline_spool 1:1\nlayout 1:3\nendpoint 0:\nevent 1:x\n"
	    "id 1:y\n";
	assert_int_equal(spool_entry_decode(bad, strlen(bad), &e, &err), -1);
	bad = "hookline_spool 1:1\nendpoint 0:\nlayout 1:2\nevent 1:x\n"
	    "id 1:y\n";
	assert_int_equal(spool_entry_decode(bad, strlen(bad), &e, &err), -1);
}

static void
test_run_roundtrip(void **state)
{
	struct hook_outcome h[2];
	struct spool_run r = { 0 }, g;
	struct err err;
	char *buf;
	size_t len;

	(void)state;
	memset(h, 0, sizeof(h));
	h[0].hook = "deploy";
	h[0].res.ran = true;
	h[0].res.exited = true;
	h[0].res.exit_code = 75;
	h[0].res.duration_ms = 1234;
	h[0].res.out = "bin\0ary\n";
	h[0].res.out_len = 8;
	h[1].hook = "notify";
	h[1].res.ran = true;
	h[1].res.signal = 9;
	h[1].res.timed_out = true;
	h[1].res.errout = "killed";
	h[1].res.errout_len = 6;
	h[1].why = "refused: world-writable";
	r.attempt = 2;
	r.started = T0;
	r.duration_ms = 2000;
	r.v = h;
	r.n = 2;
	assert_non_null(buf = spool_run_encode(&r, &len));
	assert_int_equal(spool_run_decode(buf, len, &g, &err), 0);
	assert_int_equal(g.attempt, 2);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.v[0].hook, "deploy");
	assert_int_equal(g.v[0].res.exit_code, 75);
	assert_true(g.v[0].res.exited);
	assert_int_equal(g.v[0].res.out_len, 8);
	assert_memory_equal(g.v[0].res.out, "bin\0ary\n", 8);
	assert_null(g.v[0].res.errout);
	assert_int_equal(g.v[1].res.signal, 9);
	assert_true(g.v[1].res.timed_out);
	assert_false(g.v[1].res.exited);
	assert_string_equal(g.v[1].why, "refused: world-writable");
	assert_int_equal(g.duration_ms, 2000);
	assert_int_equal(g.v[0].res.duration_ms, 1234);
	free(buf);
	spool_run_free(&g);
}

static void
test_decode_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		"hookline_spool 1:2\n",
		"hookline_spool 1:1",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\n",	/* no id */
		"hookline_spool 1:1\nendpoint 01:a\nevent 1:b\nid 1:c\n",
		"hookline_spool 1:1\nendpoint 9:a\nevent 1:b\nid 1:c\n",
		"hookline_spool 1:1\nEndpoint 1:a\n",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\nid 1:c\n"
		    "attempts 2:-1\n",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\nid 1:c\n"
		    "attempts 11:99999999999\n",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\nid 1:c\n"
		    "fate 4:gone\n",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\nid 1:c\n"
		    "next 1234567890:x\n",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\nid 1:c\n"
		    "received 2:07\n",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\nid 1:c\nx",
		"hookline_spool 1:1\nendpoint 1:a\nevent 1:b\nid 1:c\n"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0:\n",	/* 33-byte key */
	};
	struct spool_entry e;
	struct spool_run r;
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(spool_entry_decode(bad[i], strlen(bad[i]), &e,
		    &err), -1);
		assert_true(err.msg[0] != '\0');
	}
	/* NUL inside a text field. */
	assert_int_equal(spool_entry_decode(LIT("hookline_spool 1:1\n"
	    "endpoint 1:a\nevent 1:b\nid 3:c\0d\n"), &e, &err), -1);
	/* Run records: an attempt is required; hook fields before a hook
	 * are ignored, not misattributed. */
	assert_int_equal(spool_run_decode(LIT("hookline_spool 1:1\n"), &r,
	    &err), -1);
	assert_int_equal(spool_run_decode(LIT("hookline_spool 1:1\n"
	    "attempt 1:1\nexit 1:3\n"), &r, &err), 0);
	assert_int_equal(r.n, 0);
	spool_run_free(&r);
	/* Unknown keys are skipped (a newer writer). */
	assert_int_equal(spool_entry_decode(LIT("hookline_spool 1:1\n"
	    "endpoint 1:a\nevent 1:b\nid 1:c\nfuture_key 3:xyz\n"), &e,
	    &err), 0);
	spool_entry_free(&e);
}

static void
test_name_valid(void **state)
{
	(void)state;
	assert_true(spool_name_valid("1700000000.000001.42.deadbeef"));
	assert_false(spool_name_valid(""));
	assert_false(spool_name_valid(NULL));
	assert_false(spool_name_valid("."));
	assert_false(spool_name_valid(".."));
	assert_false(spool_name_valid("../x"));
	assert_false(spool_name_valid("a/b"));
	assert_false(spool_name_valid("a b"));
	assert_false(spool_name_valid(
	    "01234567890123456789012345678901234567890123456789012345678901234"));
}

/* --- the spool on disk --------------------------------------------- */

static void
test_store_and_read(void **state)
{
	struct fixture *f = *state;
	struct strlist names = { NULL, 0 };
	struct spool_entry e;
	struct err err;
	unsigned char *body;
	char name[SPOOL_NAME_MAX + 1], *path, *want;
	size_t len;

	store(f, name);
	assert_true(spool_name_valid(name));
	assert_int_equal(count(f, "new"), 1);
	assert_int_equal(count(f, "tmp"), 0);
	assert_int_equal(spool_list(f->spool, SPOOL_NEW, &names, &err), 0);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], name);
	strlist_clear(&names);

	assert_int_equal(spool_read(f->spool, SPOOL_NEW, name, &e, &err), 0);
	assert_string_equal(e.name, name);
	assert_int_equal(e.box, SPOOL_NEW);
	assert_string_equal(e.endpoint, "github");
	assert_string_equal(e.event, "push");
	assert_string_equal(e.id, D1.id);
	assert_string_equal(e.remote_addr, "192.0.2.1");
	assert_string_equal(e.content_type, "application/json");
	assert_int_equal(e.body_len, 15);
	assert_int_equal(e.received, T0);
	assert_int_equal(e.next, T0);
	assert_int_equal(e.attempts, 0);
	assert_int_equal(e.fate, FATE_PENDING);
	spool_entry_free(&e);

	assert_int_equal(spool_body(f->spool, SPOOL_NEW, name, &body, &len,
	    &path, &err), 0);
	assert_int_equal(len, 15);
	assert_memory_equal(body, D1.body, 15);
	assert_true(asprintf(&want, "%s/new/%s/body", f->spool, name) > 0);
	assert_string_equal(path, want);
	free(want);
	free(body);
	free(path);

	/* Not there: 1, not an error. */
	assert_int_equal(spool_read(f->spool, SPOOL_DEAD, name, &e, &err), 1);
	/* Names that are not ours are refused before the file system. */
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, "../new", &e, &err),
	    -1);
}

static void
test_names_sort_by_arrival(void **state)
{
	struct fixture *f = *state;
	struct strlist names = { NULL, 0 };
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1];
	struct err err;

	assert_int_equal(spool_store(f->spool, 0, &D1, T0, a, &err), 0);
	assert_int_equal(spool_store(f->spool, 0, &D1, T0 + 1, b, &err), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(spool_list(f->spool, SPOOL_NEW, &names, &err), 0);
	assert_int_equal(names.n, 2);
	assert_string_equal(names.v[0], a);
	assert_string_equal(names.v[1], b);
	strlist_clear(&names);
}

static void
test_claim_once(void **state)
{
	struct fixture *f = *state;
	char name[SPOOL_NAME_MAX + 1];
	struct err err;

	store(f, name);
	assert_int_equal(spool_move(f->spool, name, SPOOL_NEW, SPOOL_CUR,
	    &err), 0);
	/* A second claimer finds nothing. */
	assert_int_equal(spool_move(f->spool, name, SPOOL_NEW, SPOOL_CUR,
	    &err), 1);
	assert_int_equal(count(f, "new"), 0);
	assert_int_equal(count(f, "cur"), 1);
	assert_int_equal(spool_move(f->spool, name, SPOOL_CUR, SPOOL_DEAD,
	    &err), 0);
	assert_int_equal(count(f, "dead"), 1);
}

static void
test_state_and_runs(void **state)
{
	struct fixture *f = *state;
	struct hook_outcome h = { 0 };
	struct spool_run r = { 0 }, *v;
	struct spool_entry e;
	char name[SPOOL_NAME_MAX + 1];
	struct err err;
	size_t n;
	unsigned a;

	store(f, name);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, name, &e, &err), 0);
	e.attempts = 1;
	e.failures = 1;
	e.next = T0 + 5;
	assert_int_equal(consumer_succeeded(&e, "a"), 0);
	assert_int_equal(spool_write(f->spool, SPOOL_NEW, name, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(spool_read(f->spool, SPOOL_NEW, name, &e, &err), 0);
	assert_int_equal(e.failures, 1);
	assert_int_equal(e.next, T0 + 5);
	assert_int_equal(consumer_count(&e, CONS_SUCCEEDED), 1);
	spool_entry_free(&e);

	h.hook = "a";
	h.res.ran = h.res.exited = true;
	r.v = &h;
	r.n = 1;
	/* Written out of order; read back in attempt order (10 after 2). */
	for (a = 0; a < 2; a++) {
		r.attempt = a == 0 ? 10 : 2;
		assert_int_equal(spool_write_run(f->spool, SPOOL_NEW, name, &r,
		    &err), 0);
	}
	assert_int_equal(spool_read_runs(f->spool, SPOOL_NEW, name, &v, &n,
	    &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].attempt, 2);
	assert_int_equal(v[1].attempt, 10);
	assert_string_equal(v[1].v[0].hook, "a");
	spool_runs_free(v, n);
}

static void
test_remove_and_find(void **state)
{
	struct fixture *f = *state;
	struct strlist found = { NULL, 0 };
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1];
	struct err err;
	char *want;

	store(f, a);
	store(f, b);
	assert_int_equal(spool_move(f->spool, b, SPOOL_NEW, SPOOL_DEAD, &err),
	    0);
	/* By name. */
	assert_int_equal(spool_find(f->spool, b, &found, &err), 0);
	assert_int_equal(found.n, 1);
	assert_int_equal(asprintf(&want, "dead/%s", b) > 0, 1);
	assert_string_equal(found.v[0], want);
	free(want);
	strlist_clear(&found);
	/* By the sender's delivery id: both. */
	assert_int_equal(spool_find(f->spool, D1.id, &found, &err), 0);
	assert_int_equal(found.n, 2);
	strlist_clear(&found);
	assert_int_equal(spool_find(f->spool, "nope", &found, &err), 0);
	assert_int_equal(found.n, 0);

	assert_int_equal(spool_remove(f->spool, SPOOL_DEAD, b, &err), 0);
	assert_int_equal(spool_remove(f->spool, SPOOL_DEAD, b, &err), 1);
	assert_int_equal(count(f, "dead"), 0);
	assert_int_equal(count(f, "tmp"), 0);
	assert_int_equal(count(f, "new"), 1);
}

static void
set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void
test_sweep_tmp(void **state)
{
	struct fixture *f = *state;
	struct err err;
	char *p;
	time_t now = time(NULL);
	int fd;

	assert_int_equal(spool_init(f->spool, &err), 0);
	/* A write that died half-way, two minutes ago. */
	assert_int_equal(asprintf(&p, "%s/tmp/old", f->spool) > 0, 1);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	assert_int_equal(asprintf(&p, "%s/tmp/old/body", f->spool) > 0, 1);
	assert_true((fd = open(p, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	free(p);
	assert_int_equal(asprintf(&p, "%s/tmp/old", f->spool) > 0, 1);
	set_mtime(p, now - 120);
	free(p);
	/* A stray file, old too, and one being written right now. */
	assert_int_equal(asprintf(&p, "%s/tmp/stray", f->spool) > 0, 1);
	assert_true((fd = open(p, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	set_mtime(p, now - 120);
	free(p);
	assert_int_equal(asprintf(&p, "%s/tmp/fresh", f->spool) > 0, 1);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);

	assert_int_equal(spool_sweep_tmp(f->spool, now, 60, &err), 2);
	assert_int_equal(count(f, "tmp"), 1);
	assert_int_equal(spool_sweep_tmp(f->spool, now + 61, 60, &err), 1);
	assert_int_equal(count(f, "tmp"), 0);
}

static void
test_expire(void **state)
{
	struct fixture *f = *state;
	struct strlist removed = { NULL, 0 };
	struct spool_entry e;
	char a[SPOOL_NAME_MAX + 1], b[SPOOL_NAME_MAX + 1], *p;
	struct err err;
	time_t now = time(NULL);

	store(f, a);
	store(f, b);
	assert_int_equal(spool_move(f->spool, a, SPOOL_NEW, SPOOL_DONE, &err),
	    0);
	assert_int_equal(spool_move(f->spool, b, SPOOL_NEW, SPOOL_DONE, &err),
	    0);
	/* a finished 10 days ago; b just now. */
	assert_int_equal(spool_read(f->spool, SPOOL_DONE, a, &e, &err), 0);
	e.finished = now - 10 * 86400;
	assert_int_equal(spool_write(f->spool, SPOOL_DONE, a, &e, &err), 0);
	spool_entry_free(&e);
	assert_int_equal(asprintf(&p, "%s/done/%s/state", f->spool, a) > 0, 1);
	set_mtime(p, now - 10 * 86400);
	free(p);
	assert_int_equal(spool_read(f->spool, SPOOL_DONE, b, &e, &err), 0);
	e.finished = now;
	assert_int_equal(spool_write(f->spool, SPOOL_DONE, b, &e, &err), 0);
	spool_entry_free(&e);

	assert_int_equal(spool_expire(f->spool, SPOOL_DONE, now - 7 * 86400,
	    &removed, &err), 1);
	assert_int_equal(removed.n, 1);
	assert_string_equal(removed.v[0], a);
	strlist_clear(&removed);
	assert_int_equal(count(f, "done"), 1);
}

static void
test_retry_schedule(void **state)
{
	struct conf c;
	long mine[] = { 1, 2 };

	(void)state;
	memset(&c, 0, sizeof(c));
	/* Default: 5s 5m 30m 2h 5h 10h 10h, then dead. */
	assert_int_equal(spool_retry_delay(&c, 1), 5);
	assert_int_equal(spool_retry_delay(&c, 2), 300);
	assert_int_equal(spool_retry_delay(&c, 7), 36000);
	assert_int_equal(spool_retry_delay(&c, 8), -1);
	c.retry = mine;
	c.nretry = 2;
	assert_int_equal(spool_retry_delay(&c, 1), 1);
	assert_int_equal(spool_retry_delay(&c, 2), 2);
	assert_int_equal(spool_retry_delay(&c, 3), -1);
	c.nretry = 0;		/* retry = none */
	assert_int_equal(spool_retry_delay(&c, 1), -1);
	assert_int_equal(spool_keep_done(&c), 7 * 86400);
	c.keep_done = 60;
	assert_int_equal(spool_keep_done(&c), 60);
}

/* --- failures while storing ------------------------------------------ */

/* After a failed store: nothing in new/, nothing left in tmp/. */
static void
assert_nothing_visible(const struct fixture *f)
{
	assert_int_equal(count(f, "new"), 0);
	assert_int_equal(count(f, "tmp"), 0);
}

static void
test_store_faults(void **state)
{
	struct fixture *f = *state;
	struct err err;
	int i;

	/* Let the folders exist first, so that only store's own calls
	 * are counted. */
	assert_int_equal(spool_init(f->spool, &err), 0);
	/* write: body, state (at least two calls). */
	for (i = 1; i <= 2; i++) {
		faults_off();
		f_write = (struct fault){ i, 0, ENOSPC };
		err.msg[0] = '\0';
		assert_int_equal(spool_store(f->spool, 0, &D1, T0, NULL, &err),
		    -1);
		assert_non_null(strstr(err.msg, "No space left"));
		assert_nothing_visible(f);
	}
	/* fsync: body, state, the entry's folder, new/. */
	for (i = 1; i <= 4; i++) {
		faults_off();
		f_fsync = (struct fault){ i, 0, EIO };
		assert_int_equal(spool_store(f->spool, 0, &D1, T0, NULL, &err),
		    -1);
		assert_nothing_visible(f);
	}
	/* rename into new/. */
	faults_off();
	f_rename = (struct fault){ 1, 0, EIO };
	assert_int_equal(spool_store(f->spool, 0, &D1, T0, NULL, &err), -1);
	assert_nothing_visible(f);
	/* fsync of new/ fails and so does taking the entry back: it stays
	 * (at least once), and is complete. */
	faults_off();
	f_fsync = (struct fault){ 4, 0, EIO };
	f_rename = (struct fault){ 2, 0, EIO };
	assert_int_equal(spool_store(f->spool, 0, &D1, T0, NULL, &err), -1);
	assert_int_equal(count(f, "new"), 1);
	assert_int_equal(count(f, "tmp"), 0);
	faults_off();
	/* mkdir in tmp/. */
	f_mkdir = (struct fault){ 1, 0, EDQUOT };
	assert_int_equal(spool_store(f->spool, 0, &D1, T0, NULL, &err), -1);
	assert_int_equal(count(f, "tmp"), 0);
	faults_off();
	/* Short writes are finished, not failures. */
	f_write.at = -1;
	assert_int_equal(spool_store(f->spool, 0, &D1, T0, NULL, &err), 0);
	faults_off();
	assert_int_equal(count(f, "new"), 2);
}

static void
test_store_min_free(void **state)
{
	struct fixture *f = *state;
	struct err err;

	assert_int_equal(spool_store(f->spool, (size_t)-1 / 2, &D1, T0, NULL,
	    &err), -1);
	assert_non_null(strstr(err.msg, "spool_min_free"));
	assert_nothing_visible(f);
}

/* The default floor: 5% of the file system, at most 1 GiB; and stores
 * with it where the disk has room for it. */
static void
test_floor_default(void **state)
{
	struct fixture *f = *state;
	struct statvfs sv;
	struct err err;
	uint64_t avail, want;

	assert_int_equal(spool_floor(0), 0);
	assert_int_equal(spool_floor(20), 1);
	assert_int_equal(spool_floor(1ULL << 30), (1ULL << 30) / 20);
	assert_int_equal(spool_floor(10ULL << 30), 512ULL << 20);
	assert_int_equal(spool_floor(20ULL << 30), 1ULL << 30);
	assert_int_equal(spool_floor(4ULL << 40), 1ULL << 30);
	assert_int_equal(statvfs(f->top, &sv), 0);
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	want = spool_floor((uint64_t)sv.f_blocks * sv.f_frsize);
	if (avail < want + (64 << 20))
		skip();		/* a nearly full disk: the floor refuses */
	assert_int_equal(spool_store(f->spool, SPOOL_MIN_FREE_AUTO, &D1, T0,
	    NULL, &err), 0);
}

static void
test_store_unwritable(void **state)
{
	struct fixture *f = *state;
	struct err err;
	char *p;

	if (geteuid() == 0)
		skip();		/* root writes anywhere */
	assert_int_equal(spool_init(f->spool, &err), 0);
	assert_int_equal(asprintf(&p, "%s/tmp", f->spool) > 0, 1);
	assert_int_equal(chmod(p, 0500), 0);
	assert_int_equal(spool_store(f->spool, 0, &D1, T0, NULL, &err), -1);
	assert_int_equal(chmod(p, 0700), 0);
	free(p);
	assert_nothing_visible(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_roundtrip),
		cmocka_unit_test(test_entry_layouts),
		cmocka_unit_test(test_run_roundtrip),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test_setup_teardown(test_store_and_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names_sort_by_arrival,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state_and_runs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove_and_find, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sweep_tmp, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_faults, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_min_free, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_floor_default, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_unwritable, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
