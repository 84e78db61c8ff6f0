/* test_stats.c: the shared counters: counted and read back, summed
 * exactly across processes adding at once, a full table degrading to the
 * other row, files of an older layout, truncated or hostile moved aside. */
#include "unit.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "conf.h"
#include "stats.h"
#include "../../src/stats_int.h"

struct fixture {
	char	*top;		/* the spool folder */
	char	*path;		/* top/stats */
	char	*old;		/* top/stats.old */
};

static int
setup(void **state)
{
	struct fixture *f;

	assert_non_null(f = calloc(1, sizeof(*f)));
	f->top = unit_mkdtemp("stats");
	assert_true(asprintf(&f->path, "%s/%s", f->top, STATS_FILE) > 0);
	assert_true(asprintf(&f->old, "%s/%s", f->top, STATS_FILE_OLD) > 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unit_rm_tree(f->top);
	free(f->top);
	free(f->path);
	free(f->old);
	free(f);
	return 0;
}

static struct stats *
open_ok(const struct fixture *f)
{
	struct stats *st = NULL;
	struct err err;

	if (stats_open(f->top, &st, &err) != 0)
		fail_msg("stats_open: %s", err.msg);
	assert_non_null(st);
	return st;
}

static struct stats_snap *
snap_of(struct stats *st)
{
	struct stats_snap *s = NULL;
	struct err err;

	assert_int_equal(stats_snapshot(st, &s, &err), 0);
	return s;
}

static const struct stats_req_row *
req_find(const struct stats_snap *s, const char *ep, int status,
    const char *code)
{
	size_t i;

	for (i = 0; i < s->nreqs; i++)
		if (strcmp(s->reqs[i].endpoint, ep) == 0 &&
		    s->reqs[i].status == status &&
		    strcmp(s->reqs[i].code, code) == 0)
			return &s->reqs[i];
	return NULL;
}

static const struct stats_ep_row *
ep_find(const struct stats_snap *s, const char *ep)
{
	size_t i;

	for (i = 0; i < s->neps; i++)
		if (strcmp(s->eps[i].name, ep) == 0)
			return &s->eps[i];
	return NULL;
}

static const struct stats_hook_row *
hook_find(const struct stats_snap *s, const char *ep, const char *hook)
{
	size_t i;

	for (i = 0; i < s->nhooks; i++)
		if (strcmp(s->hooks[i].endpoint, ep) == 0 &&
		    strcmp(s->hooks[i].hook, hook) == 0)
			return &s->hooks[i];
	return NULL;
}

static uint64_t
sum_reqs(const struct stats_snap *s)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < s->nreqs; i++)
		n += s->reqs[i].count;
	return n;
}

static void
request(struct stats *st, const char *ep, int status, const char *word,
    const char *code, const struct outcome *out)
{
	stats_request(st, &(struct stats_request){ .endpoint = ep,
	    .status = status, .word = word, .code = code, .event = "push",
	    .delivery = "d-1", .out = out });
}

/* A hook that exited 0 after 30 ms, one that failed, a forward target
 * refused for good (4xx) with a token in its query. */
static void
outcome_make(struct hook_outcome v[3], struct outcome *out)
{
	memset(v, 0, 3 * sizeof(*v));
	v[0].hook = "push";
	v[0].res = (struct run_result){ .ran = true, .exited = true,
	    .exit_code = 0, .duration_ms = 30 };
	v[1].hook = "push.d/20-notify";
	v[1].res = (struct run_result){ .ran = true, .exited = true,
	    .exit_code = 3, .duration_ms = 4000 };
	v[2].hook = "forward:https://ci.example/hook?token=SECRET#x";
	v[2].res = (struct run_result){ .ran = true, .exited = true,
	    .exit_code = 404, .duration_ms = 5 };
	v[2].final = true;
	out->v = v;
	out->n = 3;
}

static void
test_counts(void **state)
{
	struct fixture *f = *state;
	struct hook_outcome v[3];
	struct outcome out;
	struct stats *st = open_ok(f);
	struct stats_snap *s;
	const struct stats_hook_row *h;
	const struct stats_ep_row *e;
	size_t i;

	outcome_make(v, &out);
	request(st, "gh", 200, "success", NULL, &out);
	request(st, "gh", 401, "error", "unauthorized", NULL);
	request(st, "gh", 401, "error", "unauthorized", NULL);
	request(st, "gh", 200, "duplicate", NULL, NULL);
	request(st, NULL, 404, "error", "not_found", NULL);
	stats_reload(st, true);
	stats_reload(st, false);
	stats_reload(st, false);
	stats_drain(st, 1700000000);
	stats_drain_pass(st, 1700000005);
	/* The monitor's refusals: apart, by reason (a bad reason: none). */
	stats_monitor_refused(st, STATS_REFUSED_TOKEN);
	stats_monitor_refused(st, STATS_REFUSED_TOKEN);
	stats_monitor_refused(st, STATS_REFUSED_ADDRESS);
	stats_monitor_refused(st, STATS__NREFUSAL);
	stats_monitor_refused(st, (enum stats_refusal)-1);
	s = snap_of(st);
	assert_int_equal(req_find(s, "gh", 200, "")->count, 2);
	assert_int_equal(req_find(s, "gh", 401, "unauthorized")->count, 2);
	assert_int_equal(req_find(s, STATS_EP_UNKNOWN, 404,
	    "not_found")->count, 1);
	assert_non_null(e = ep_find(s, "gh"));
	assert_int_equal(e->sig_failures, 2);
	assert_int_equal(e->duplicates, 1);
	assert_int_equal(e->last_outcome, STATS_DUPLICATE);
	assert_true(e->last_time > 0);
	assert_int_equal(e->hours[0][STATS_SUCCESS], 1);
	assert_int_equal(e->hours[0][STATS_REJECTED], 2);
	assert_int_equal(e->hours[0][STATS_DUPLICATE], 1);
	assert_non_null(h = hook_find(s, "gh", "push"));
	assert_int_equal(h->result[STATS_R_SUCCESS], 1);
	assert_int_equal(h->bucket[1], 1);	/* 30 ms: (10, 50] */
	assert_int_equal(h->sum_ms, 30);
	assert_non_null(h = hook_find(s, "gh", "push.d/20-notify"));
	assert_int_equal(h->result[STATS_R_FAILURE], 1);
	assert_int_equal(h->bucket[7], 1);	/* 4 s: (2.5, 5] */
	/* The target without its query: no token in the metrics. */
	for (i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].target, "https://ci.example/hook") ==
		    0)
			break;
	assert_true(i < s->ntargets);
	assert_int_equal(s->targets[i].result[STATS_R_REJECTED], 1);
	assert_int_equal(s->reloads, 1);
	assert_int_equal(s->reload_failures, 2);
	assert_int_equal(s->drain_runs, 1);
	assert_int_equal(s->drain_last, 1700000005);
	assert_int_equal(s->monitor_refused[STATS_REFUSED_TOKEN], 2);
	assert_int_equal(s->monitor_refused[STATS_REFUSED_ADDRESS], 1);
	assert_string_equal(stats_refusal_name(STATS_REFUSED_TOKEN), "token");
	assert_string_equal(stats_refusal_name(STATS_REFUSED_ADDRESS),
	    "address");
	assert_string_equal(stats_refusal_name(STATS__NREFUSAL), "?");
	/* Never a request nor a signature failure of (unknown). */
	assert_null(req_find(s, STATS_EP_UNKNOWN, 401, "unauthorized"));
	assert_null(req_find(s, STATS_EP_UNKNOWN, 403, "forbidden"));
	assert_non_null(e = ep_find(s, STATS_EP_UNKNOWN));
	assert_int_equal(e->sig_failures, 0);
	assert_int_equal(e->hours[0][STATS_REJECTED], 1);	/* the 404 */
	/* Only the delivery that ran is among the last deliveries. */
	assert_int_equal(s->nrecent, 1);
	assert_string_equal(s->recent[0].endpoint, "gh");
	assert_string_equal(s->recent[0].event, "push");
	assert_string_equal(s->recent[0].delivery, "d-1");
	assert_int_equal(s->recent[0].outcome, STATS_SUCCESS);
	assert_int_equal(s->recent[0].nhooks, 3);
	assert_int_equal(s->recent[0].hooks[1].exit, 3);
	assert_string_equal(s->recent[0].hooks[2].name,
	    "forward:https://ci.example/hook");
	stats_snap_free(s);
	stats_close(st);

	/* Survives the process: another open sees the same counts. */
	st = open_ok(f);
	s = snap_of(st);
	assert_int_equal(req_find(s, "gh", 401, "unauthorized")->count, 2);
	stats_snap_free(s);
	stats_close(st);
}

/* The file is made with every block written, not sparse: a store into
 * a hole on a full disk is SIGBUS. (A file system that compresses may
 * count fewer blocks: only a plain one says it.) */
static void
test_allocated(void **state)
{
	struct fixture *f = *state;
	struct stats *st = open_ok(f);
	struct stat sb;

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_size, sizeof(struct stats_file));
	assert_true((uint64_t)sb.st_blocks * 512 >= sizeof(struct stats_file));
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_nlink, 1);
	stats_close(st);
}

/* Every counting call takes NULL: a process that could not open the
 * file goes on. */
static void
test_null(void **state)
{
	struct stats_snap *s = NULL;
	struct err err;

	(void)state;
	request(NULL, "gh", 200, "success", NULL, NULL);
	stats_attempt(NULL, NULL, NULL);
	stats_drain(NULL, 1);
	stats_reload(NULL, true);
	stats_monitor_refused(NULL, STATS_REFUSED_TOKEN);
	stats_close(NULL);
	stats_snap_free(NULL);
	assert_int_equal(stats_snapshot(NULL, &s, &err), 0);
	assert_int_equal(s->nreqs, 0);
	stats_snap_free(s);
}

static void
test_no_spool(void **state)
{
	struct fixture *f = *state;
	struct stats *st = (struct stats *)1;
	struct err err;
	char *gone;

	assert_true(asprintf(&gone, "%s/missing", f->top) > 0);
	assert_int_equal(stats_open(gone, &st, &err), -2);
	assert_null(st);
	assert_non_null(strstr(err.msg, "spool"));
	/* Not a folder: an error to log. */
	unit_write_file(gone, "x", 0600);
	assert_int_equal(stats_open(gone, &st, &err), -1);
	assert_null(st);
	free(gone);
}

#define NPROC	4
#define NEACH	4000

/* Processes open the file themselves (racing to make it) and add at
 * once, on rows claimed at the same time: the sums are exact. */
static void
test_processes(void **state)
{
	struct fixture *f = *state;
	struct hook_outcome v[3];
	struct outcome out;
	struct stats_snap *s;
	struct stats *st;
	pid_t pids[NPROC];
	char ep[16];
	int i, j, status;
	uint64_t runs = 0;
	size_t k;

	outcome_make(v, &out);
	for (i = 0; i < NPROC; i++) {
		assert_int_not_equal(pids[i] = fork(), -1);
		if (pids[i] != 0)
			continue;
		st = NULL;
		if (stats_open(f->top, &st, &(struct err){ { 0 } }) != 0)
			_exit(2);
		for (j = 0; j < NEACH; j++) {
			int ok = (j / 8) % 2;

			(void)snprintf(ep, sizeof(ep), "ep%d", j % 8);
			request(st, ep, ok ? 200 : 401, ok ? "success" :
			    "error", ok ? NULL : "unauthorized", &out);
		}
		stats_close(st);
		_exit(0);
	}
	for (i = 0; i < NPROC; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	st = open_ok(f);
	s = snap_of(st);
	assert_int_equal(sum_reqs(s), NPROC * NEACH);
	for (j = 0; j < 8; j++) {
		(void)snprintf(ep, sizeof(ep), "ep%d", j);
		assert_int_equal(req_find(s, ep, 200, "")->count,
		    NPROC * NEACH / 16);
		assert_int_equal(ep_find(s, ep)->sig_failures,
		    NPROC * NEACH / 16);
		assert_int_equal(hook_find(s, ep, "push")->result[
		    STATS_R_SUCCESS], NPROC * NEACH / 8);
	}
	for (k = 0; k < s->nhooks; k++)
		runs += s->hooks[k].result[STATS_R_SUCCESS] +
		    s->hooks[k].result[STATS_R_FAILURE];
	assert_int_equal(runs, 2 * NPROC * NEACH);
	assert_int_equal(s->nrecent, STATS_RECENT);
	stats_snap_free(s);
	stats_close(st);
}

/* More names than slots: the rest go to the other rows, nothing lost. */
static void
test_full(void **state)
{
	struct fixture *f = *state;
	struct hook_outcome h;
	struct outcome out = { &h, 1 };
	struct stats *st = open_ok(f);
	struct stats_snap *s;
	const struct stats_hook_row *other;
	char name[32], ep[STATS_NAME_MAX + 8];
	uint64_t runs = 0;
	int i;
	size_t k;

	memset(&h, 0, sizeof(h));
	h.hook = name;
	h.res = (struct run_result){ .ran = true, .exited = true };
	for (i = 0; i < 300; i++) {
		(void)snprintf(name, sizeof(name), "hook-%d", i);
		(void)snprintf(ep, sizeof(ep), "ep%d", i);
		request(st, ep, 200, "success", NULL, &out);
	}
	/* A name too long for a row: the other row as well. */
	memset(ep, 'e', sizeof(ep) - 1);
	ep[sizeof(ep) - 1] = '\0';
	request(st, ep, 200, "success", NULL, NULL);
	s = snap_of(st);
	assert_int_equal(s->nhooks, 257);
	assert_non_null(other = hook_find(s, STATS_EP_OTHER,
	    STATS_NAME_OTHER));
	assert_int_equal(other->result[STATS_R_SUCCESS], 300 - 256);
	for (k = 0; k < s->nhooks; k++)
		runs += s->hooks[k].result[STATS_R_SUCCESS];
	assert_int_equal(runs, 300);
	assert_int_equal(s->neps, 66);	/* 64, unknown and other */
	assert_int_equal(ep_find(s, STATS_EP_OTHER)->hours[0][STATS_SUCCESS],
	    301 - 64);
	assert_int_equal(sum_reqs(s), 301);
	stats_snap_free(s);
	stats_close(st);
}

/* The file's stamp, changed; the rest as a real file of the layout. */
static void
write_layout(const char *path, uint32_t layout, size_t size)
{
	struct stats_file *x;

	assert_non_null(x = calloc(1, sizeof(*x)));
	stats_file_init(x, 1);
	x->layout = layout;
	x->reloads = 77;
	unit_write_bytes(path, x, size < sizeof(*x) ? size : sizeof(*x), 0600);
	free(x);
}

static void
assert_fresh(const struct fixture *f)
{
	struct stats *st = open_ok(f);
	struct stats_snap *s = snap_of(st);

	assert_int_equal(s->reloads, 0);
	stats_snap_free(s);
	stats_close(st);
}

static void
test_older_layout(void **state)
{
	struct fixture *f = *state;
	struct stat sb;

	write_layout(f->path, STATS_LAYOUT - 1, sizeof(struct stats_file));
	assert_fresh(f);
	assert_int_equal(stat(f->old, &sb), 0);	/* kept aside */
	assert_int_equal(sb.st_size, sizeof(struct stats_file));

	write_layout(f->path, STATS_LAYOUT, 100);	/* truncated */
	assert_fresh(f);
	assert_int_equal(stat(f->old, &sb), 0);
	assert_int_equal(sb.st_size, 100);

	unit_write_file(f->path, "", 0600);		/* empty */
	assert_fresh(f);

	/* Our own file of this layout is kept, counts and all. */
	write_layout(f->path, STATS_LAYOUT, sizeof(struct stats_file));
	{
		struct stats *st = open_ok(f);
		struct stats_snap *s = snap_of(st);

		assert_int_equal(s->reloads, 77);
		stats_snap_free(s);
		stats_close(st);
	}
}

static void
test_hostile(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	char *target;

	/* A symlink: moved aside, its target untouched. */
	assert_true(asprintf(&target, "%s/elsewhere", f->top) > 0);
	write_layout(target, STATS_LAYOUT, sizeof(struct stats_file));
	assert_int_equal(symlink(target, f->path), 0);
	assert_fresh(f);
	assert_int_equal(lstat(f->old, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_nlink, 1);

	/* A hard link to another file. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(link(target, f->path), 0);
	assert_fresh(f);

	/* Writable by others. */
	assert_int_equal(unlink(f->path), 0);
	write_layout(f->path, STATS_LAYOUT, sizeof(struct stats_file));
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_fresh(f);

	/* A FIFO: no hang, moved aside. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_fresh(f);

	/* Another user's (only root can make one). */
	if (geteuid() == 0) {
		assert_int_equal(unlink(f->path), 0);
		write_layout(f->path, STATS_LAYOUT, sizeof(struct stats_file));
		assert_int_equal(chown(f->path, 12345, 12345), 0);
		assert_fresh(f);
		assert_int_equal(stat(f->old, &sb), 0);
		assert_int_equal(sb.st_uid, 12345);
	}
	free(target);
}

/* stats_open in a child running as uid (root's test only): its result. */
static int
open_as(const struct fixture *f, uid_t uid)
{
	struct stats *st = NULL;
	struct err err;
	pid_t pid;
	int status, rc;

	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		if (setegid(uid) != 0 || seteuid(uid) != 0)
			_exit(99);
		rc = stats_open(f->top, &st, &err);
		stats_close(st);
		_exit(rc == 0 ? 0 : rc == -1 ? 1 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 99);
	return WEXITSTATUS(status);
}

/* A process that is not the spool's owner leaves the owner's file alone
 * (and does not count); a file of a third user is moved aside. */
static void
test_not_ours(void **state)
{
	struct fixture *f = *state;
	struct stats *st;
	struct stat sb;

	if (geteuid() != 0)
		skip();
	/* A spool others may write (group-shared, say): they could. */
	assert_int_equal(chmod(f->top, 0777), 0);
	st = open_ok(f);		/* root's, as the spool is */
	stats_close(st);
	assert_int_equal(open_as(f, 12345), 1);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(stat(f->old, &sb), -1);

	/* The spool is 12345's now: root's file is a stranger's there. */
	assert_int_equal(chown(f->top, 12345, 12345), 0);
	assert_int_equal(open_as(f, 12345), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_uid, 12345);
	assert_int_equal(stat(f->old, &sb), 0);
	assert_int_equal(sb.st_uid, 0);

	/* Root counts in the spool owner's file, and makes it theirs. */
	assert_int_equal(unlink(f->path), 0);
	st = open_ok(f);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_uid, 12345);
	stats_close(st);
}

/* A reader never makes, moves or trusts: no file is an empty snapshot;
 * a bad one an error, left where it is. */
static void
test_read(void **state)
{
	struct fixture *f = *state;
	struct stats_snap *s = NULL;
	struct stats *st;
	struct err err;
	struct stat sb;

	assert_int_equal(stats_read(f->top, &s, &err), 1);
	assert_non_null(s);
	assert_int_equal(s->nreqs, 0);
	stats_snap_free(s);
	assert_int_equal(stat(f->path, &sb), -1);

	st = open_ok(f);
	request(st, "gh", 202, "accepted", NULL, NULL);
	stats_close(st);
	assert_int_equal(stats_read(f->top, &s, &err), 0);
	assert_int_equal(req_find(s, "gh", 202, "")->count, 1);
	assert_int_equal(s->recent[0].outcome, STATS_ACCEPTED);
	stats_snap_free(s);

	write_layout(f->path, STATS_LAYOUT, 100);
	assert_int_equal(stats_read(f->top, &s, &err), -1);
	assert_null(s);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_size, 100);
	assert_int_equal(stat(f->old, &sb), -1);
}

/* Async attempts: by fate; the ring keeps the newest 50, newest first,
 * a sender's bytes made printable. */
static void
test_attempts_ring(void **state)
{
	struct fixture *f = *state;
	struct spool_entry e;
	struct stats *st = open_ok(f);
	struct stats_snap *s;
	const struct stats_ep_row *r;
	char id[32];
	int i;

	memset(&e, 0, sizeof(e));
	e.endpoint = "q";
	e.event = "push";
	e.attempts = 3;
	for (i = 0; i < 120; i++) {
		(void)snprintf(id, sizeof(id), "id-%d\x01<b>", i);
		e.id = id;
		e.fate = i % 3 == 0 ? FATE_DEAD : i % 3 == 1 ? FATE_PENDING :
		    FATE_DONE;
		stats_attempt(st, &e, NULL);
	}
	s = snap_of(st);
	assert_non_null(r = ep_find(s, "q"));
	assert_int_equal(r->hours[0][STATS_DEAD], 40);
	assert_int_equal(r->hours[0][STATS_RETRY], 40);
	assert_int_equal(r->hours[0][STATS_SUCCESS], 40);
	assert_int_equal(s->nrecent, STATS_RECENT);
	assert_string_equal(s->recent[0].delivery, "id-119?<b>");
	assert_string_equal(s->recent[49].delivery, "id-70?<b>");
	assert_int_equal(s->recent[0].outcome, STATS_SUCCESS);
	assert_int_equal(s->recent[0].attempts, 3);
	stats_snap_free(s);
	stats_close(st);
}

/* The same key in two slots (a claim cut short, the key claimed again
 * elsewhere): one row in the snapshot, the counts added. */
static void
slot_key(struct key *k, int num, const char *ep, const char *name)
{
	k->state = SLOT_READY;
	k->num = num;
	(void)snprintf(k->ep, sizeof(k->ep), "%s", ep);
	(void)snprintf(k->name, sizeof(k->name), "%s", name);
}

static void
test_same_key_twice(void **state)
{
	struct fixture *f = *state;
	struct stats_file *x;
	struct stats_snap *s;
	struct stats *st;
	size_t i, n;

	assert_non_null(x = calloc(1, sizeof(*x)));
	stats_file_init(x, 1);
	for (i = 0; i < 2; i++) {
		slot_key(&x->eps[2 + 7 * i].k, 0, "gh", "");
		x->eps[2 + 7 * i].sig_failures = i + 1;
		slot_key(&x->reqs[1 + 9 * i].k, 401, "gh", "unauthorized");
		x->reqs[1 + 9 * i].count = 3 + i;
		slot_key(&x->hooks[1 + 5 * i].k, 0, "gh", "push");
		x->hooks[1 + 5 * i].result[STATS_R_SUCCESS] = 1 + i;
		x->hooks[1 + 5 * i].sum_ms = 5 + i;
		slot_key(&x->tgts[1 + 3 * i].k, 0, "gh", "https://ci.example/");
		x->tgts[1 + 3 * i].result[STATS_R_FAILURE] = 1;
	}
	/* Another status is another row. */
	slot_key(&x->reqs[20].k, 403, "gh", "unauthorized");
	x->reqs[20].count = 1;
	unit_write_bytes(f->path, x, sizeof(*x), 0600);
	free(x);
	st = open_ok(f);
	s = snap_of(st);
	for (i = n = 0; i < s->neps; i++)
		n += strcmp(s->eps[i].name, "gh") == 0;
	assert_int_equal(n, 1);
	assert_int_equal(ep_find(s, "gh")->sig_failures, 3);
	assert_int_equal(s->nreqs, 3);		/* (other), 401, 403 */
	assert_int_equal(req_find(s, "gh", 401, "unauthorized")->count, 7);
	assert_int_equal(req_find(s, "gh", 403, "unauthorized")->count, 1);
	assert_int_equal(s->nhooks, 2);		/* (other), push */
	assert_int_equal(hook_find(s, "gh", "push")->result[STATS_R_SUCCESS],
	    3);
	assert_int_equal(hook_find(s, "gh", "push")->sum_ms, 11);
	assert_int_equal(s->ntargets, 2);
	for (i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].target, "https://ci.example/") == 0)
			assert_int_equal(
			    s->targets[i].result[STATS_R_FAILURE], 2);
	stats_snap_free(s);
	stats_close(st);
}

/* Bytes scribbled over a mapped file of the right layout: the reader
 * copes (names bounded and printable, nothing past the rows). */
static void
test_scribbled(void **state)
{
	struct fixture *f = *state;
	struct stats *st = open_ok(f);
	struct stats_snap *s;
	struct stats_file *x;
	int fd;
	size_t i;

	request(st, "gh", 200, "success", NULL, NULL);
	stats_close(st);
	assert_int_not_equal(fd = open(f->path, O_RDWR), -1);
	x = mmap(NULL, sizeof(*x), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(x != MAP_FAILED);
	for (i = 0; i < NEP; i++) {
		memset(x->eps[i].k.ep, 0xff, sizeof(x->eps[i].k.ep));
		memset(x->eps[i].k.name, 0xff, sizeof(x->eps[i].k.name));
		memset(&x->eps[i].sig_failures, 0xff, 3 * sizeof(uint64_t));
	}
	/* The last row's name runs up to its counters: no NUL anywhere. */
	memset(&x->eps[NEP - 1], 0xff, sizeof(x->eps[NEP - 1]));
	memset(&x->reqs[0], 0xff, sizeof(x->reqs));
	x->eps[NEP - 1].k.state = SLOT_READY;
	for (i = 0; i < STATS_RECENT; i++) {
		memset(&x->recent[i], 0x41, sizeof(x->recent[i]));
		x->recent[i].seq = 2;
		x->recent[i].outcome = 1;
	}
	(void)munmap(x, sizeof(*x));
	(void)close(fd);
	st = open_ok(f);
	s = snap_of(st);
	for (i = 0; i < s->neps; i++)
		assert_true(strlen(s->eps[i].name) <= STATS_NAME_MAX);
	assert_true(s->nrecent > 0);
	assert_true(strlen(s->recent[0].delivery) <= STATS_DELIVERY_MAX);
	assert_true(s->recent[0].nhooks <= STATS_RECENT_HOOKS);
	request(st, "gh", 200, "success", NULL, NULL);
	stats_snap_free(s);
	stats_close(st);
}

/* A reload is counted, and a counting process counts on in the new
 * configuration's file; a failed one is counted and the old one kept.
 * (conf_reload waits for a freshly written file to settle: seconds.) */
static void
test_reload(void **state)
{
	struct fixture *f = *state;
	struct reloader r;
	struct conf *c = NULL;
	struct stats_snap *s;
	struct err err;
	char *path, *text;

	assert_true(asprintf(&path, "%s/hookline.conf", f->top) > 0);
	assert_true(asprintf(&text, "spool_dir = %s\n", f->top) > 0);
	unit_write_file(path, text, 0600);
	if (conf_load(path, &c, &err) != 0)
		fail_msg("conf_load: %s", err.msg);
	assert_int_equal(stats_attach(c, &err), 0);
	assert_int_equal(reloader_init(&r, path, &err), 0);
	free(text);
	assert_true(asprintf(&text, "spool_dir = %s\nmax_body = 1M\n",
	    f->top) > 0);
	unit_write_file(path, text, 0600);
	assert_int_equal(conf_reload(&r, &c, &err), RELOAD_DONE);
	assert_non_null(c->stats);
	s = snap_of(c->stats);
	assert_int_equal(s->reloads, 1);
	assert_int_equal(s->reload_failures, 0);
	stats_snap_free(s);

	sleep(CONF_CHECK_SECONDS + 1);
	unit_write_file(path, "this is not a configuration\n", 0600);
	assert_int_equal(conf_reload(&r, &c, &err), RELOAD_FAILED);
	s = snap_of(c->stats);
	assert_int_equal(s->reloads, 1);
	assert_int_equal(s->reload_failures, 1);
	stats_snap_free(s);
	reloader_clear(&r);
	conf_free(c);
	free(text);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocated, setup,
		    teardown),
		cmocka_unit_test(test_null),
		cmocka_unit_test_setup_teardown(test_no_spool, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_processes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_layout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempts_ring, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_same_key_twice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scribbled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
