/* test_resident.c: resident hooks, driving small sh workers written into
 * a temporary folder: the frame, status lines, crashes, hangs, a changed
 * file, idle exits, the one-shot way, garbage on fd 3, a killed parent. */
#include "unit.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resident.h"
#include "run.h"

/* A worker as the protocol says, in sh: it records its pid, then per
 * delivery does what the body asks:
 *   "status N": "out:BODY" to stdout, "err:BODY" to stderr, N on fd 3
 *   "exit N": exits N in the middle; "hang": sleeps; "garbage": a
 *   line that is no status; "long": too long a status line;
 *   "frame": the facts it got to frame.txt, then status 0. */
static const char worker_sh[] =
    "#!/bin/sh\n"
    "d=$(dirname \"$0\")\n"
    "echo $$ >>\"$d/pids\"\n"
    "env >\"$d/env.txt\"\n"
    "while IFS= read -r line || exit 0; do\n"
    "  if [ -z \"$line\" ]; then\n"
    "    body=$(head -c \"$HOOKLINE_BODY_LENGTH\")\n"
    "    case $body in\n"
    "    exit*) exit ${body#exit } ;;\n"
    "    hang) : >\"$d/hanging\"; sleep 30 </dev/null ;;\n"
    "    spawn) sleep 60 </dev/null >/dev/null 2>&1 & echo $! >\"$d/child\";"
    " : >\"$d/hanging\"; wait ;;\n"
    "    garbage) echo xyz >&3 ;;\n"
    "    partial) printf x >&3; sleep 30 </dev/null ;;\n"
    "    long) echo 12345 >&3 ;;\n"
    "    big*) seq 1 20000; echo \"${#body}\" >&2; echo 0 >&3 ;;\n"
    "    frame) env | grep ^HOOKLINE_ | sort >\"$d/frame.txt\"; echo 0 >&3 ;;\n"
    "    status*) echo \"out:$body\"; echo \"err:$body\" >&2;"
    " echo \"${body#status }\" >&3 ;;\n"
    "    esac\n"
    "    continue\n"
    "  fi\n"
    "  case $line in HOOKLINE_[A-Z_]*=*) export \"$line\" ;; esac\n"
    "done\n";

struct fx {
	char			*dir;
	struct resident		*r;
	const char		*env[6];
	struct run_spec		 spec;
};

static int
setup(void **state)
{
	struct fx *fx;
	char *p;

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	fx->dir = unit_mkdtemp("resident");
	assert_true(asprintf(&p, "%s/w.resident", fx->dir) > 0);
	unit_write_file(p, worker_sh, 0755);
	free(p);
	assert_non_null(fx->r = resident_new());
	fx->env[0] = "PATH=/usr/local/bin:/usr/bin:/bin";
	fx->env[1] = "HOOKLINE_EVENT=push";
	fx->env[2] = "HOOKLINE_DELIVERY=d-1";
	fx->env[3] = "HOOKLINE_CONTENT_TYPE=application/json";
	fx->env[4] = "HOOKLINE_ATTEMPT=1";
	fx->env[5] = NULL;
	fx->spec = (struct run_spec){ .hooks_dir = fx->dir,
	    .relpath = "w.resident", .event = "push", .env = fx->env,
	    .timeout = 5, .kill_after = 1 };
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	resident_free(fx->r);
	unit_rm_tree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* One delivery of body; returns resident_run's value. */
static int
send_body(struct fx *fx, const char *body, struct run_result *res,
    struct err *err)
{
	fx->spec.body = (const unsigned char *)body;
	fx->spec.body_len = strlen(body);
	return resident_run(fx->r, &fx->spec, 1, 60, res, err);
}

/* The pids the workers recorded, in order; how many in *n. */
static void
pids(const struct fx *fx, pid_t *v, size_t max, size_t *n)
{
	char *p, *text, *s;

	assert_true(asprintf(&p, "%s/pids", fx->dir) > 0);
	text = unit_read_file(p, NULL);
	*n = 0;
	for (s = strtok(text, "\n"); s != NULL && *n < max;
	    s = strtok(NULL, "\n"))
		v[(*n)++] = (pid_t)atol(s);
	free(text);
	free(p);
}

/* 1 once pid is gone (or a zombie nobody of ours holds), within ~5 s. */
static int
gone_soon(pid_t pid)
{
	char path[64], buf[512], *rp;
	int i, fd;
	ssize_t n;

	for (i = 0; i < 500; i++) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 1;
		(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		if ((fd = open(path, O_RDONLY)) != -1) {
			n = read(fd, buf, sizeof(buf) - 1);
			(void)close(fd);
			if (n > 0) {
				buf[n] = '\0';
				rp = strrchr(buf, ')');
				if (rp != NULL && rp[1] == ' ' && rp[2] == 'Z')
					return 1;
			}
		}
		(void)poll(NULL, 0, 10);
	}
	return 0;
}

static void
test_name(void **state)
{
	(void)state;
	assert_true(resident_name("push.resident"));
	assert_true(resident_name("push.d/10-x.resident"));
	assert_true(resident_name("_default.resident"));
	assert_false(resident_name(".resident"));
	assert_false(resident_name("push.d/.resident"));
	assert_false(resident_name("push"));
	assert_false(resident_name("push.residentx"));
}

/* The frame's bytes, exactly: taken whole by a one-shot `cat`. A value
 * with control bytes (a sender's content type) gets '?'. */
static void
test_frame_bytes(void **state)
{
	struct fx *fx = *state;
	static const unsigned char body[] = "{\"a\":1}\n\0\r\nend";
	static const char want_head[] =
	    "HOOKLINE_EVENT=push\n"
	    "HOOKLINE_DELIVERY=d-1\n"
	    "HOOKLINE_CONTENT_TYPE=text/x?HOOKLINE_EVIL=1?\n"
	    "HOOKLINE_ATTEMPT=1\n"
	    "HOOKLINE_BODY_LENGTH=14\n"
	    "\n";
	struct run_result res;
	struct err err;
	char *p, *got;
	size_t len;

	assert_int_equal(sizeof(body) - 1, 14);
	assert_true(asprintf(&p, "%s/cat.resident", fx->dir) > 0);
	unit_write_file(p, "#!/bin/sh\ncat >\"$(dirname \"$0\")/frame\"\n"
	    "echo 0 >&3\n", 0755);
	free(p);
	fx->env[3] = "HOOKLINE_CONTENT_TYPE=text/x\nHOOKLINE_EVIL=1\x7f";
	fx->spec.relpath = "cat.resident";
	fx->spec.body = body;
	fx->spec.body_len = sizeof(body) - 1;
	assert_int_equal(resident_run(NULL, &fx->spec, 1, 60, &res, &err), 0);
	assert_true(run_ok(&res));
	run_result_free(&res);
	assert_true(asprintf(&p, "%s/frame", fx->dir) > 0);
	got = unit_read_file(p, &len);
	free(p);
	assert_int_equal(len, strlen(want_head) + sizeof(body) - 1);
	assert_memory_equal(got, want_head, strlen(want_head));
	assert_memory_equal(got + strlen(want_head), body, sizeof(body) - 1);
	free(got);
}

/* Statuses, output tails and one process for many deliveries; the
 * worker's environment is PATH and HOOKLINE_RESIDENT=1 only. */
static void
test_status_and_reuse(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;
	char *p, *env;
	int i;

	for (i = 0; i < 20; i++) {
		assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
		assert_true(run_ok(&res));
		assert_string_equal(res.out, "out:status 0\n");
		assert_string_equal(res.errout, "err:status 0\n");
		run_result_free(&res);
	}
	assert_int_equal(send_body(fx, "status 75", &res, &err), 0);
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 75);
	assert_false(run_ok(&res));
	run_result_free(&res);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 1);
	assert_int_equal(resident_count(fx->r), 1);
	assert_true(asprintf(&p, "%s/env.txt", fx->dir) > 0);
	env = unit_read_file(p, NULL);
	free(p);
	assert_non_null(strstr(env, "HOOKLINE_RESIDENT=1\n"));
	assert_non_null(strstr(env, "PATH=/usr/local/bin:/usr/bin:/bin\n"));
	assert_null(strstr(env, "HOOKLINE_EVENT"));
	free(env);
	/* The facts arrive in the frame. */
	assert_int_equal(send_body(fx, "frame", &res, &err), 0);
	run_result_free(&res);
	assert_true(asprintf(&p, "%s/frame.txt", fx->dir) > 0);
	env = unit_read_file(p, NULL);
	free(p);
	assert_string_equal(env, "HOOKLINE_ATTEMPT=1\nHOOKLINE_BODY_LENGTH=5\n"
	    "HOOKLINE_CONTENT_TYPE=application/json\nHOOKLINE_DELIVERY=d-1\n"
	    "HOOKLINE_EVENT=push\nHOOKLINE_RESIDENT=1\n");
	free(env);
}

/* A body bigger than a pipe holds, and more output than one holds at
 * the same time: both sides are pumped, nothing stalls. */
static void
test_big_body(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	size_t len = 1 << 20;
	char *body;

	assert_non_null(body = malloc(len + 1));
	memset(body, 'x', len);
	memcpy(body, "big", 3);
	body[len] = '\0';
	assert_int_equal(send_body(fx, body, &res, &err), 0);
	assert_true(run_ok(&res));
	assert_string_equal(res.errout, "1048576\n");
	assert_int_equal(res.out_len, RUN_TAIL_MAX);	/* the last 64 KiB */
	assert_non_null(strstr(res.out, "\n20000\n"));
	run_result_free(&res);
	free(body);
}

/* A worker that exits in the middle: that delivery failed with its
 * exit; the next one gets a new worker and succeeds. */
static void
test_crash_replaced(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;

	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	run_result_free(&res);
	assert_int_equal(send_body(fx, "exit 3", &res, &err), 0);
	assert_true(res.ran && res.exited);
	assert_int_equal(res.exit_code, 3);
	run_result_free(&res);
	/* Exit 0 in the middle, without a status: failed all the same. */
	assert_int_equal(send_body(fx, "exit 0", &res, &err), -1);
	assert_true(res.ran);
	assert_false(run_ok(&res));
	assert_non_null(strstr(err.msg, "without a status"));
	run_result_free(&res);
	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	assert_true(run_ok(&res));
	run_result_free(&res);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 3);
	assert_true(gone_soon(v[0]) && gone_soon(v[1]));
}

/* Crashing every time: after RESIDENT_BACKOFF_AFTER broken deliveries
 * in a row, the next fails at once without starting anything. */
static void
test_backoff(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;
	int i;

	for (i = 0; i < RESIDENT_BACKOFF_AFTER; i++) {
		assert_int_equal(send_body(fx, "exit 4", &res, &err), 0);
		assert_int_equal(res.exit_code, 4);
		run_result_free(&res);
	}
	assert_int_equal(send_body(fx, "status 0", &res, &err), -1);
	assert_false(res.ran);
	assert_non_null(strstr(err.msg, "keeps failing"));
	run_result_free(&res);
	pids(fx, v, 8, &n);
	assert_int_equal(n, RESIDENT_BACKOFF_AFTER);
}

/* A hang: killed at timeout with its group (the sleep too), the
 * delivery timed out; the next gets a fresh worker. */
static void
test_hang_timeout(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8], other;
	size_t n;
	int status;

	fx->spec.timeout = 1;
	assert_int_equal(send_body(fx, "hang", &res, &err), 0);
	assert_true(res.ran && res.timed_out);
	assert_false(run_ok(&res));
	assert_int_equal(res.signal, SIGTERM);
	run_result_free(&res);
	/* A child of ours that is no worker: never waited for, never
	 * reaped by the pools (waitpid(-1) would block on it, and steal
	 * its status). */
	if ((other = fork()) == 0) {
		(void)poll(NULL, 0, 3000);
		_exit(0);
	}
	assert_true(other > 0);
	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	assert_true(run_ok(&res));
	assert_false(res.timed_out);
	assert_true(res.duration_ms < 2500);
	run_result_free(&res);
	assert_int_equal(waitpid(other, &status, WNOHANG), 0);
	(void)kill(other, SIGKILL);
	assert_int_equal(waitpid(other, &status, 0), other);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 2);
	assert_true(gone_soon(v[0]));
}

/* Garbage or too long a line on fd 3: a protocol error, the worker
 * replaced. */
static void
test_garbage_status(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;

	assert_int_equal(send_body(fx, "garbage", &res, &err), -1);
	assert_true(res.ran);
	assert_false(run_ok(&res));
	assert_non_null(strstr(err.msg, "protocol"));
	run_result_free(&res);
	assert_int_equal(send_body(fx, "long", &res, &err), -1);
	assert_non_null(strstr(err.msg, "protocol"));
	run_result_free(&res);
	assert_int_equal(send_body(fx, "status 256", &res, &err), -1);
	run_result_free(&res);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 3);
	assert_true(gone_soon(v[0]) && gone_soon(v[1]));
}

/* A wrong byte on fd 3 with no '\n' after it: refused at once, not
 * waited on until the deadline. */
static void
test_partial_status(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;

	fx->spec.timeout = 30;
	assert_int_equal(send_body(fx, "partial", &res, &err), -1);
	assert_true(res.ran);
	assert_false(res.timed_out);
	assert_non_null(strstr(err.msg, "not a number"));
	run_result_free(&res);
}

/* The status line's parser, piece by piece. */
static void
test_status_feed(void **state)
{
	static const struct {
		const char	*a, *b;	/* two reads */
		int		 want;
	} t[] = {
		{ "0\n", "", 0 }, { "25", "5\n", 255 }, { "", "7\n", 7 },
		{ "007", "\n", 7 }, { "256\n", "", -2 }, { "1234", "", -2 },
		{ "123", "4", -2 }, { "\n", "", -2 }, { "1\n2", "", -2 },
		{ "1", " ", -2 }, { "1\r", "\n", -2 }, { "-1\n", "", -2 },
		{ "12", "", -1 }, { "", "", -1 },
	};
	const char *why;
	char st[RESIDENT_STATUS_MAX];
	size_t i, stn;
	int v;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		stn = 0;
		why = NULL;
		v = resident_status_feed(st, &stn, t[i].a, strlen(t[i].a),
		    &why);
		if (v == -1)
			v = resident_status_feed(st, &stn, t[i].b,
			    strlen(t[i].b), &why);
		assert_int_equal(v, t[i].want);
		assert_true(v != -2 || why != NULL);
		assert_true(stn <= RESIDENT_STATUS_MAX);
	}
}

/* A status before the hook read its whole body (the frame cannot all
 * be written yet): a protocol error, not the next frame read as body. */
static void
test_status_early(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	char *p;

	assert_true(asprintf(&p, "%s/early.resident", fx->dir) > 0);
	unit_write_file(p, "#!/bin/sh\nhead -n 1 >/dev/null\necho 0 >&3\n"
	    "exec sleep 30\n", 0755);
	free(p);
	fx->spec.relpath = "early.resident";
	fx->spec.body = (const unsigned char *)calloc(1, 1 << 20);
	assert_non_null(fx->spec.body);
	fx->spec.body_len = 1 << 20;
	assert_int_equal(resident_run(fx->r, &fx->spec, 1, 60, &res, &err),
	    -1);
	assert_non_null(strstr(err.msg, "whole body"));
	assert_false(run_ok(&res));
	run_result_free(&res);
	free((void *)fx->spec.body);
	assert_int_equal(resident_count(fx->r), 0);
}

/* An edited hook: the next delivery gets a worker of the new file; the
 * old one leaves. */
static void
test_file_changed(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;
	char *p, *text;

	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	run_result_free(&res);
	assert_true(asprintf(&p, "%s/w.resident", fx->dir) > 0);
	assert_true(asprintf(&text, "%s# v2\n", worker_sh) > 0);
	unit_write_file(p, text, 0755);
	free(text);
	free(p);
	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	assert_true(run_ok(&res));
	run_result_free(&res);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 2);
	assert_true(v[0] != v[1]);
	resident_tick(fx->r);
	assert_int_equal(resident_count(fx->r), 1);
	/* Reaped by the ticks that follow. */
	for (int i = 0; i < 300 && kill(v[0], 0) == 0; i++) {
		(void)poll(NULL, 0, 10);
		resident_tick(fx->r);
	}
	assert_int_equal(kill(v[0], 0), -1);
}

/* Idle past resident_idle: the worker leaves and is reaped. */
static void
test_idle_exit(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;
	long ms;
	int i;

	fx->spec.body = (const unsigned char *)"status 0";
	fx->spec.body_len = 8;
	assert_int_equal(resident_run(fx->r, &fx->spec, 1, 1, &res, &err), 0);
	run_result_free(&res);
	ms = resident_next_ms(fx->r);
	assert_true(ms > 0 && ms <= 1000);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 1);
	for (i = 0; i < 400 && kill(v[0], 0) == 0; i++) {
		ms = resident_next_ms(fx->r);
		(void)poll(NULL, 0, ms < 0 || ms > 20 ? 20 : (int)ms);
		resident_tick(fx->r);
	}
	assert_int_equal(kill(v[0], 0), -1);
	assert_int_equal(resident_count(fx->r), 0);
	assert_int_equal(resident_next_ms(fx->r), -1);
}

/* A worker killed while idle is reaped by the ticks (no zombie), and
 * the next delivery starts another. */
static void
test_idle_death(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;
	long ms;
	int i;

	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	run_result_free(&res);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 1);
	assert_int_equal(kill(v[0], SIGKILL), 0);
	ms = resident_next_ms(fx->r);
	assert_true(ms >= 0 && ms <= 1000);
	for (i = 0; i < 300 && kill(v[0], 0) == 0; i++) {
		(void)poll(NULL, 0, 10);
		resident_tick(fx->r);
	}
	assert_int_equal(kill(v[0], 0), -1);	/* reaped, not a zombie */
	assert_int_equal(resident_count(fx->r), 0);
	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	assert_true(run_ok(&res));
	run_result_free(&res);
}

/* No pool (CGI): one start per delivery, status from fd 3, else the
 * exit status; the worker is gone after. */
static void
test_oneshot(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t v[8];
	size_t n;

	fx->spec.body = (const unsigned char *)"status 7";
	fx->spec.body_len = 8;
	assert_int_equal(resident_run(NULL, &fx->spec, 1, 60, &res, &err), 0);
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 7);
	assert_string_equal(res.out, "out:status 7\n");
	run_result_free(&res);
	fx->spec.body = (const unsigned char *)"exit 5";
	fx->spec.body_len = 6;
	assert_int_equal(resident_run(NULL, &fx->spec, 1, 60, &res, &err), 0);
	assert_int_equal(res.exit_code, 5);
	run_result_free(&res);
	fx->spec.body = (const unsigned char *)"exit 0";
	assert_int_equal(resident_run(NULL, &fx->spec, 1, 60, &res, &err), 0);
	assert_true(run_ok(&res));
	run_result_free(&res);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 3);
	assert_int_equal(kill(v[0], 0), -1);
	assert_int_equal(kill(v[2], 0), -1);
}

/* The same checks as one-shot hooks: a group-writable hook is refused,
 * nothing starts. */
static void
test_refused(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	char *p;

	assert_true(asprintf(&p, "%s/w.resident", fx->dir) > 0);
	assert_int_equal(chmod(p, 0775), 0);
	free(p);
	assert_int_equal(send_body(fx, "status 0", &res, &err), -1);
	assert_false(res.ran);
	assert_non_null(strstr(err.msg, "writable"));
	run_result_free(&res);
	assert_int_equal(resident_count(fx->r), 0);
}

/* kill -9 of the process holding the pool, while its worker is busy
 * (an idle one would see EOF anyway): the worker goes too, and so does
 * the child it started in its group (the guard's kill). */
static void
test_parent_killed(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t parent, child, v[8];
	size_t n = 0;
	char *hanging, *cpath, *text;
	int status, i, worker_gone, child_gone;

	assert_true(asprintf(&hanging, "%s/hanging", fx->dir) > 0);
	assert_true(asprintf(&cpath, "%s/child", fx->dir) > 0);
	if ((parent = fork()) == 0) {
		struct resident *r = resident_new();

		fx->spec.timeout = 60;
		fx->spec.body = (const unsigned char *)"spawn";
		fx->spec.body_len = 5;
		if (r != NULL)
			(void)resident_run(r, &fx->spec, 1, 60, &res, &err);
		_exit(1);
	}
	assert_true(parent > 0);
	for (i = 0; i < 500 && access(hanging, F_OK) != 0; i++)
		(void)poll(NULL, 0, 10);
	assert_int_equal(access(hanging, F_OK), 0);
	text = unit_read_file(cpath, NULL);
	child = (pid_t)atol(text);
	free(text);
	free(cpath);
	free(hanging);
	assert_true(child > 0);
	pids(fx, v, 8, &n);
	assert_int_equal(n, 1);
	assert_int_equal(kill(parent, SIGKILL), 0);
	while (waitpid(parent, &status, 0) == -1 && errno == EINTR)
		;
	worker_gone = gone_soon(v[0]);
	child_gone = gone_soon(child);
	if (!child_gone)
		(void)kill(child, SIGKILL);	/* not left behind by us */
	assert_true(worker_gone);
	assert_true(child_gone);
}

/* A set of pools that is freed leaves no process behind: its workers
 * and its guard are reaped. */
static void
test_free_reaps_all(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	int status;

	assert_int_equal(send_body(fx, "status 0", &res, &err), 0);
	run_result_free(&res);
	resident_free(fx->r);
	fx->r = NULL;
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test_setup_teardown(test_frame_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_reuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_replaced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hang_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage_status, setup,
		    teardown),
		cmocka_unit_test(test_status_feed),
		cmocka_unit_test_setup_teardown(test_partial_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_early, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_changed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_idle_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_death, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_oneshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_reaps_all, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_parent_killed, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
