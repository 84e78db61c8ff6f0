/* test_run.c: running real hooks from a temporary folder: exits, argv, env, pipes, deadline, refusals, fds. */
#include "unit.h"

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

extern char **environ;

struct fx {
	char *dir;
};

/* ---- the test binary as a hook: copied into the folder, it reports
 * exactly what it was started with (sh adds PWD to its environment). */

static void
out_str(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, s, n);

		if (w <= 0)
			_exit(2);
		s += w;
		n -= (size_t)w;
	}
}

/* UNIT_HOOK=argv: argv then environ, each string NUL-ended, "--" between.
 * UNIT_HOOK=fds: the open fds, space-separated.
 * UNIT_HOOK=sig: the SigBlk and SigIgn lines of /proc/self/status. */
static int
hook_main(const char *mode, int argc, char **argv)
{
	char line[256];
	int i;

	if (strcmp(mode, "argv") == 0) {
		for (i = 0; i < argc; i++)
			out_str(argv[i], strlen(argv[i]) + 1);
		out_str("--", 3);
		for (i = 0; environ[i] != NULL; i++)
			out_str(environ[i], strlen(environ[i]) + 1);
	} else if (strcmp(mode, "fds") == 0) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;

		if (d == NULL)
			_exit(2);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' ||
			    atoi(de->d_name) == dirfd(d))
				continue;
			out_str(de->d_name, strlen(de->d_name));
			out_str(" ", 1);
		}
		(void)closedir(d);
	} else if (strcmp(mode, "sig") == 0) {
		FILE *f = fopen("/proc/self/status", "r");

		if (f == NULL)
			_exit(2);
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "SigBlk:", 7) == 0 ||
			    strncmp(line, "SigIgn:", 7) == 0)
				out_str(line, strlen(line));
		(void)fclose(f);
	} else {
		_exit(3);
	}
	_exit(0);
}

/* ---- fixture */

static int
setup(void **state)
{
	struct fx *fx;

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	fx->dir = unit_mkdtemp("run");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	unit_rm_tree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static void
path(char *buf, size_t len, const struct fx *fx, const char *rel)
{
	int r = snprintf(buf, len, "%s/%s", fx->dir, rel);

	assert_true(r > 0 && (size_t)r < len);
}

/* A hook; "%D" in text stands for the fixture folder. */
static void
hook(const struct fx *fx, const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX], body[4096];
	const char *s;
	size_t n = 0;

	for (s = text; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == 'D') {
			size_t dl = strlen(fx->dir);

			assert_true(n + dl < sizeof(body));
			memcpy(body + n, fx->dir, dl);
			n += dl;
			s++;
			continue;
		}
		assert_true(n + 1 < sizeof(body));
		body[n++] = *s;
	}
	path(p, sizeof(p), fx, rel);
	unit_write_bytes(p, body, n, mode);
}

/* Copies this test binary into the folder (see hook_main). */
static void
self_hook(const struct fx *fx, const char *rel)
{
	char p[PATH_MAX], *buf;
	size_t len;

	buf = unit_read_file("/proc/self/exe", &len);
	path(p, sizeof(p), fx, rel);
	unit_write_bytes(p, buf, len, 0755);
	free(buf);
}

static const char *const env_plain[] = { "PATH=/usr/bin:/bin", NULL };

static int
run(const struct fx *fx, const char *rel, const char *const *env,
    const void *body, size_t len, unsigned timeout, struct run_result *res,
    struct err *err)
{
	struct run_spec spec = {
		.hooks_dir = fx->dir,
		.relpath = rel,
		.event = "push",
		.env = env != NULL ? env : env_plain,
		.body = body,
		.body_len = len,
		.timeout = timeout,
		.kill_after = 1,
	};

	err->msg[0] = '\0';
	return run_hook(&spec, res, err);
}

/* Reaps what was orphaned to us (we are a subreaper, see main), then
 * waits up to 3 s for process group pgid to be gone. */
static void
assert_group_gone(pid_t pgid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, st;

	for (i = 0; i < 300; i++) {
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
		if (kill(-pgid, 0) == -1 && errno == ESRCH)
			return;
		(void)nanosleep(&ts, NULL);
	}
	fail_msg("process group %ld still exists", (long)pgid);
}

static long
read_num(const struct fx *fx, const char *rel)
{
	char p[PATH_MAX], *s;
	long v;

	path(p, sizeof(p), fx, rel);
	s = unit_read_file(p, NULL);
	v = strtol(s, NULL, 10);
	free(s);
	assert_true(v > 1);
	return v;
}

/* ---- tests */

static void
test_exit_codes(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;

	hook(fx, "ok", "#!/bin/sh\necho hello\necho oops >&2\n", 0755);
	assert_int_equal(run(fx, "ok", NULL, NULL, 0, 10, &res, &err), 0);
	assert_true(res.ran);
	assert_true(res.exited);
	assert_int_equal(res.exit_code, 0);
	assert_false(res.timed_out);
	assert_int_equal(run_ok(&res), 1);
	assert_int_equal(res.out_len, 6);
	assert_memory_equal(res.out, "hello\n", 6);
	assert_int_equal(res.errout_len, 5);
	assert_memory_equal(res.errout, "oops\n", 5);
	assert_true(res.duration_ms >= 0 && res.duration_ms < 5000);
	run_result_free(&res);

	hook(fx, "three", "#!/bin/sh\nexit 3\n", 0755);
	assert_int_equal(run(fx, "three", NULL, NULL, 0, 10, &res, &err), 0);
	assert_true(res.ran && res.exited);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(run_ok(&res), 0);
	assert_int_equal(res.out_len, 0);
	run_result_free(&res);

	hook(fx, "tempfail", "#!/bin/sh\nexit 75\n", 0755);
	assert_int_equal(run(fx, "tempfail", NULL, NULL, 0, 10, &res, &err),
	    0);
	assert_int_equal(res.exit_code, 75);
	run_result_free(&res);

	/* A hook in E.d/ */
	{
		char p[PATH_MAX];

		path(p, sizeof(p), fx, "push.d");
		assert_int_equal(mkdir(p, 0755), 0);
	}
	hook(fx, "push.d/10-a", "#!/bin/sh\nexit 4\n", 0755);
	assert_int_equal(run(fx, "push.d/10-a", NULL, NULL, 0, 10, &res,
	    &err), 0);
	assert_int_equal(res.exit_code, 4);
	run_result_free(&res);

	run_result_free(NULL);
	assert_int_equal(run_ok(NULL), 0);
}

static void
test_signal(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;

	hook(fx, "sig", "#!/bin/sh\nkill -KILL $$\n", 0755);
	assert_int_equal(run(fx, "sig", NULL, NULL, 0, 10, &res, &err), 0);
	assert_true(res.ran);
	assert_false(res.exited);
	assert_int_equal(res.signal, SIGKILL);
	assert_false(res.timed_out);
	assert_int_equal(run_ok(&res), 0);
	run_result_free(&res);
}

/* argv is exactly [path, event]; the environment exactly what we gave. */
static void
test_argv_env(void **state)
{
	static const char *const env[] = {
		"UNIT_HOOK=argv", "PATH=/usr/bin:/bin", "HOOKLINE_EVENT=push",
		"WITH SPACE=a b", "EMPTY=", NULL
	};
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	char want[PATH_MAX * 2], p[PATH_MAX];
	size_t n = 0, i;

	self_hook(fx, "dump");
	path(p, sizeof(p), fx, "dump");
	memcpy(want + n, p, strlen(p) + 1);
	n += strlen(p) + 1;
	memcpy(want + n, "push", 5);
	n += 5;
	memcpy(want + n, "--", 3);
	n += 3;
	for (i = 0; env[i] != NULL; i++) {
		memcpy(want + n, env[i], strlen(env[i]) + 1);
		n += strlen(env[i]) + 1;
	}
	assert_int_equal(run(fx, "dump", env, NULL, 0, 10, &res, &err), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.out_len, n);
	assert_memory_equal(res.out, want, n);
	run_result_free(&res);

	/* A script: $1 is the event and nothing follows it. */
	hook(fx, "args", "#!/bin/sh\necho \"$#:$1\"\n", 0755);
	assert_int_equal(run(fx, "args", NULL, NULL, 0, 10, &res, &err), 0);
	assert_string_equal(res.out, "1:push\n");
	run_result_free(&res);
}

/* A script's $0 is its own path (not /dev/fd/N), so it finds the files
 * beside it: a shell library it sources, in E.d/ too. */
static void
test_script_path(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	char p[PATH_MAX], want[PATH_MAX + 32];

	hook(fx, "zero", "#!/bin/sh\nprintf '%s' \"$0\"\n", 0755);
	path(p, sizeof(p), fx, "zero");
	assert_int_equal(run(fx, "zero", NULL, NULL, 0, 10, &res, &err), 0);
	assert_string_equal(res.out, p);
	run_result_free(&res);

	path(p, sizeof(p), fx, "push.d");
	assert_int_equal(mkdir(p, 0755), 0);
	hook(fx, "push.d/lib.sh", "greeting=\"hello from $(basename \"$0\")\"\n",
	    0644);
	hook(fx, "push.d/10-src", "#!/bin/sh\n. \"$(dirname \"$0\")/lib.sh\"\n"
	    "cd \"$(dirname \"$0\")\" && printf '%s %s' \"$greeting\" "
	    "\"$(pwd -P)\"\n", 0755);
	assert_int_equal(run(fx, "push.d/10-src", NULL, NULL, 0, 10, &res,
	    &err), 0);
	assert_int_equal(res.exit_code, 0);
	(void)snprintf(want, sizeof(want), "hello from 10-src %s", p);
	assert_string_equal(res.out, want);
	run_result_free(&res);
}

/* The hook sees fds 0, 1 and 2 only; nothing blocked or ignored,
 * though we block and ignore some. */
static void
test_child_state(void **state)
{
	static const char *const efds[] = { "UNIT_HOOK=fds", NULL };
	static const char *const esig[] = { "UNIT_HOOK=sig", NULL };
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	struct sigaction ign, old;
	sigset_t set, oldset;
	int leak;

	self_hook(fx, "dump");
	leak = open("/dev/null", O_RDONLY);	/* no O_CLOEXEC on purpose */
	assert_int_not_equal(leak, -1);
	assert_int_equal(run(fx, "dump", efds, NULL, 0, 10, &res, &err), 0);
	assert_string_equal(res.out, "0 1 2 ");
	run_result_free(&res);
	assert_int_equal(close(leak), 0);

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGUSR2, &ign, &old), 0);
	assert_int_equal(sigemptyset(&set), 0);
	assert_int_equal(sigaddset(&set, SIGUSR1), 0);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &oldset), 0);
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
	/* glibc's own signal 33 ignored, as `make` hands it down here;
	 * only the raw call can (kernel layout: handler, flags, restorer,
	 * mask). */
	struct { void *h; unsigned long fl; void *r; unsigned long m; }
	    kign = { (void *)SIG_IGN, 0, NULL, 0 }, kold;
	assert_int_equal(syscall(SYS_rt_sigaction, 33, &kign, &kold, 8), 0);
#endif
	assert_int_equal(run(fx, "dump", esig, NULL, 0, 10, &res, &err), 0);
	assert_string_equal(res.out, "SigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000000000\n");
	run_result_free(&res);
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
	assert_int_equal(syscall(SYS_rt_sigaction, 33, &kold, NULL, 8), 0);
#endif
	assert_int_equal(sigprocmask(SIG_SETMASK, &oldset, NULL), 0);
	assert_int_equal(sigaction(SIGUSR2, &old, NULL), 0);
}

static unsigned char *
pattern(size_t len)
{
	unsigned char *b = malloc(len);
	size_t i;

	assert_non_null(b);
	for (i = 0; i < len; i++)	/* every byte value, NULs included */
		b[i] = (unsigned char)(i * 7 + (i >> 11));
	return b;
}

static void
test_body_5mb(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	size_t len = 5 * 1024 * 1024 + 3, got;
	unsigned char *body = pattern(len);
	char p[PATH_MAX], *file;

	hook(fx, "save", "#!/bin/sh\ncat > %D/body\n", 0755);
	assert_int_equal(run(fx, "save", NULL, body, len, 20, &res, &err), 0);
	assert_int_equal(res.exit_code, 0);
	run_result_free(&res);
	path(p, sizeof(p), fx, "body");
	file = unit_read_file(p, &got);
	assert_int_equal(got, len);
	assert_memory_equal(file, body, len);
	free(file);

	/* Empty body: stdin is at EOF at once. */
	hook(fx, "count", "#!/bin/sh\nwc -c\n", 0755);
	assert_int_equal(run(fx, "count", NULL, NULL, 0, 10, &res, &err), 0);
	assert_string_equal(res.out, "0\n");
	run_result_free(&res);
	free(body);
}

/* Not reading stdin is the hook's right: EPIPE, and no SIGPIPE for us
 * although its disposition here is the default (death). */
static void
test_body_unread(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	size_t len = 5 * 1024 * 1024;
	unsigned char *body = pattern(len);
	sigset_t now;

	assert_ptr_equal(signal(SIGPIPE, SIG_DFL), SIG_DFL);
	/* Closes stdin, then lives on: our next write gets EPIPE. */
	hook(fx, "deaf", "#!/bin/sh\nexec 0<&-\nsleep 0.2\n", 0755);
	assert_int_equal(run(fx, "deaf", NULL, body, len, 10, &res, &err), 0);
	assert_int_equal(run_ok(&res), 1);
	run_result_free(&res);
	/* The mask is as before and SIGPIPE is not left pending. */
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	assert_int_equal(sigismember(&now, SIGPIPE), 0);
	assert_int_equal(sigpending(&now), 0);
	assert_int_equal(sigismember(&now, SIGPIPE), 0);
	free(body);
}

/* "1\n2\n...N\n", as seq prints it. */
static char *
seq_text(unsigned n, size_t *lenp)
{
	char *s = malloc((size_t)n * 8 + 1);
	size_t len = 0;
	unsigned i;

	assert_non_null(s);
	for (i = 1; i <= n; i++)
		len += (size_t)sprintf(s + len, "%u\n", i);
	*lenp = len;
	return s;
}

/* 1 MB each way on stdout and stderr while 1 MB goes in: no deadlock,
 * and what is kept is the last 64 KiB. */
static void
test_chatty(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	size_t len = 1024 * 1024, sl;
	unsigned char *body = pattern(len);
	char *seq = seq_text(200000, &sl);

	assert_true(sl > 1024 * 1024);
	/* Writes 1.2 MB to stderr before it reads a byte, echoes the body,
	 * then 1.2 MB more to stdout. */
	hook(fx, "chatty", "#!/bin/sh\nseq 1 200000 >&2\ncat\nseq 1 200000\n",
	    0755);
	assert_int_equal(run(fx, "chatty", NULL, body, len, 20, &res, &err),
	    0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.out_len, RUN_TAIL_MAX);
	assert_int_equal(res.errout_len, RUN_TAIL_MAX);
	assert_memory_equal(res.out, seq + sl - RUN_TAIL_MAX, RUN_TAIL_MAX);
	assert_memory_equal(res.errout, seq + sl - RUN_TAIL_MAX,
	    RUN_TAIL_MAX);
	run_result_free(&res);
	free(seq);
	free(body);
}

/* Past the timeout: SIGTERM to the whole group, background child too. */
static void
test_timeout_term(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t pgid, bg;

	hook(fx, "slow", "#!/bin/sh\nsleep 30 &\necho $! > %D/bg\n"
	    "echo $$ > %D/pid\nsleep 30\n", 0755);
	assert_int_equal(run(fx, "slow", NULL, NULL, 0, 1, &res, &err), 0);
	assert_true(res.ran);
	assert_true(res.timed_out);
	assert_false(res.exited);
	assert_int_equal(res.signal, SIGTERM);
	assert_true(res.duration_ms >= 1000 && res.duration_ms < 3000);
	assert_int_equal(run_ok(&res), 0);
	run_result_free(&res);
	pgid = (pid_t)read_num(fx, "pid");
	bg = (pid_t)read_num(fx, "bg");
	assert_group_gone(pgid);
	assert_int_equal(kill(bg, 0), -1);
}

/* SIGTERM ignored: SIGKILL kill_after seconds later. */
static void
test_timeout_kill(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t pgid;

	hook(fx, "stubborn", "#!/bin/sh\ntrap '' TERM\necho $$ > %D/pid\n"
	    "sleep 30 &\nsleep 30\n", 0755);
	assert_int_equal(run(fx, "stubborn", NULL, NULL, 0, 1, &res, &err), 0);
	assert_true(res.timed_out);
	assert_false(res.exited);
	assert_int_equal(res.signal, SIGKILL);
	assert_true(res.duration_ms >= 2000 && res.duration_ms < 4000);
	run_result_free(&res);
	pgid = (pid_t)read_num(fx, "pid");
	assert_group_gone(pgid);
}

/* The hook exits in time but leaves children behind: they are killed;
 * those holding stdout open get a second's grace, not the timeout. */
static void
test_stragglers(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t pgid;

	hook(fx, "quiet", "#!/bin/sh\necho $$ > %D/pid\n"
	    "sleep 30 >/dev/null 2>&1 &\necho started\n", 0755);
	assert_int_equal(run(fx, "quiet", NULL, NULL, 0, 10, &res, &err), 0);
	assert_int_equal(run_ok(&res), 1);
	assert_false(res.timed_out);
	assert_string_equal(res.out, "started\n");
	assert_true(res.duration_ms < 500);	/* no grace needed */
	run_result_free(&res);
	assert_group_gone((pid_t)read_num(fx, "pid"));

	hook(fx, "holder", "#!/bin/sh\necho $$ > %D/pid\nsleep 30 &\n"
	    "echo started\n", 0755);
	assert_int_equal(run(fx, "holder", NULL, NULL, 0, 10, &res, &err), 0);
	assert_int_equal(run_ok(&res), 1);
	assert_false(res.timed_out);
	assert_string_equal(res.out, "started\n");
	assert_true(res.duration_ms >= 900 && res.duration_ms < 3000);
	run_result_free(&res);
	pgid = (pid_t)read_num(fx, "pid");
	assert_group_gone(pgid);
}

/* A child that leaves the group (setsid) and writes forever cannot be
 * killed by us, but must not hold us: grace, then we stop reading. */
static void
test_escapee(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	pid_t esc;
	int st;

	hook(fx, "escape", "#!/bin/sh\nsetsid yes &\necho $! > %D/esc\n",
	    0755);
	assert_int_equal(run(fx, "escape", NULL, NULL, 0, 10, &res, &err), 0);
	esc = (pid_t)read_num(fx, "esc");
	assert_int_equal(kill(esc, SIGKILL), 0);	/* ours to clean up */
	assert_int_equal(waitpid(esc, &st, 0), esc);	/* orphaned to us */
	assert_int_equal(run_ok(&res), 1);
	assert_true(res.duration_ms >= 900 && res.duration_ms < 3000);
	assert_int_equal(res.out_len, RUN_TAIL_MAX);
	run_result_free(&res);
}

static void
expect_refused(const struct fx *fx, const char *rel, const char *why)
{
	struct run_result res;
	struct err err;

	assert_int_equal(run(fx, rel, NULL, NULL, 0, 10, &res, &err), -1);
	assert_false(res.ran);
	assert_null(res.out);
	assert_int_equal(run_ok(&res), 0);
	if (strstr(err.msg, why) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", rel, err.msg, why);
	/* It may go to the sender: no server path in it. */
	if (strstr(err.msg, fx->dir) != NULL || strchr(err.msg, '/') != NULL)
		fail_msg("%s: \"%s\" holds a path", rel, err.msg);
	run_result_free(&res);
}

static void
test_refused(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	char p[PATH_MAX];

	path(p, sizeof(p), fx, "out");
	assert_int_equal(symlink("/bin/true", p), 0);
	expect_refused(fx, "out", "symlink leads out of the hooks folder");

	path(p, sizeof(p), fx, "up");
	assert_int_equal(symlink("../../bin/true", p), 0);
	expect_refused(fx, "up", "symlink leads out of the hooks folder");

	hook(fx, "plain", "#!/bin/sh\nexit 0\n", 0644);
	expect_refused(fx, "plain", "not executable");

	hook(fx, "grp", "#!/bin/sh\nexit 0\n", 0775);
	expect_refused(fx, "grp", "writable");

	hook(fx, "world", "#!/bin/sh\nexit 0\n", 0757);
	expect_refused(fx, "world", "writable");

	path(p, sizeof(p), fx, "adir");
	assert_int_equal(mkdir(p, 0755), 0);
	expect_refused(fx, "adir", "not a regular file");

	/* A FIFO must not even block the open. */
	path(p, sizeof(p), fx, "fifo");
	assert_int_equal(mkfifo(p, 0755), 0);
	expect_refused(fx, "fifo", "not a regular file");

	expect_refused(fx, "missing", "No such file");
	expect_refused(fx, "../etc/passwd", "bad hook path");
	expect_refused(fx, "a/b/c", "bad hook path");
	expect_refused(fx, ".hidden", "bad hook path");

	/* Exec itself fails: no such interpreter. */
	hook(fx, "noint", "#!/nonexistent/sh\n", 0755);
	expect_refused(fx, "noint", "cannot execute");

	/* E.d/ a symlink to a directory: refused, even pointing inside. */
	path(p, sizeof(p), fx, "real.d");
	assert_int_equal(mkdir(p, 0755), 0);
	hook(fx, "real.d/h", "#!/bin/sh\nexit 0\n", 0755);
	path(p, sizeof(p), fx, "ev.d");
	assert_int_equal(symlink("real.d", p), 0);
	expect_refused(fx, "ev.d/h", "symlink");

	/* Others may write the folder a hook is in: refused. */
	hook(fx, "real.d/g", "#!/bin/sh\nexit 0\n", 0755);
	path(p, sizeof(p), fx, "real.d");
	assert_int_equal(chmod(p, 0775), 0);
	expect_refused(fx, "real.d/g", "writable by group or others");
	assert_int_equal(chmod(p, 0755), 0);

	/* A symlink that stays inside runs, and runs its target. */
	hook(fx, "real", "#!/bin/sh\nexit 7\n", 0755);
	path(p, sizeof(p), fx, "inside");
	assert_int_equal(symlink("real", p), 0);
	assert_int_equal(run(fx, "inside", NULL, NULL, 0, 10, &res, &err), 0);
	assert_int_equal(res.exit_code, 7);
	run_result_free(&res);
	path(p, sizeof(p), fx, "deep");
	assert_int_equal(symlink("real.d/h", p), 0);
	assert_int_equal(run(fx, "deep", NULL, NULL, 0, 10, &res, &err), 0);
	assert_int_equal(res.exit_code, 0);
	run_result_free(&res);
	/* ... but a symlink to a writable file inside is still refused. */
	path(p, sizeof(p), fx, "togrp");
	assert_int_equal(symlink("grp", p), 0);
	expect_refused(fx, "togrp", "writable");
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	assert_int_equal(closedir(d), 0);
	return n;
}

/* Where /proc (and so /dev/fd) is missing, as in a chroot or a minimal
 * container, a script still runs and finds its library: nothing goes
 * through /dev/fd/N. Needs a mount namespace of its own (root). */
static void
test_no_proc(void **state)
{
	struct fx *fx = *state;
	pid_t pid;
	int st;

	hook(fx, "lib.sh", "word=found\n", 0644);
	hook(fx, "h", "#!/bin/sh\n. \"$(dirname \"$0\")/lib.sh\"\n"
	    "[ -e /dev/fd/0 ] && exit 9\nprintf '%s' \"$word\"\n", 0755);
	if ((pid = fork()) == 0) {
		struct run_result res;
		struct err err;

		if (unshare(CLONE_NEWNS) == -1 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
		    mount("none", "/proc", "tmpfs", 0, NULL) == -1)
			_exit(77);
		if (run(fx, "h", NULL, NULL, 0, 10, &res, &err) != 0)
			_exit(2);
		_exit(res.exited && res.exit_code == 0 &&
		    strcmp(res.out, "found") == 0 ? 0 : 3);
	}
	assert_int_not_equal(pid, -1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		fprintf(stderr, "    (no mount namespace here: skipped)\n");
		return;
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The hooks folder itself writable by others, or a hook or folder
 * owned by someone else: refused (they could swap the hook between our
 * check and the exec). Ownership needs root to set up. */
static void
test_refused_owner(void **state)
{
	struct fx *fx = *state;
	char p[PATH_MAX];

	hook(fx, "h", "#!/bin/sh\nexit 0\n", 0755);
	assert_int_equal(chmod(fx->dir, 0777), 0);
	expect_refused(fx, "h", "hooks folder is writable by group or others");
	assert_int_equal(chmod(fx->dir, 0700), 0);
	if (geteuid() != 0) {
		fprintf(stderr, "    (not root: owner checks skipped)\n");
		return;
	}
	path(p, sizeof(p), fx, "h");
	assert_int_equal(chown(p, 65534, 65534), 0);
	expect_refused(fx, "h", "not owned by hookline's user or root");
	assert_int_equal(chown(p, 0, 0), 0);
	path(p, sizeof(p), fx, "sub.d");
	assert_int_equal(mkdir(p, 0755), 0);
	hook(fx, "sub.d/h", "#!/bin/sh\nexit 0\n", 0755);
	assert_int_equal(chown(p, 65534, 65534), 0);
	expect_refused(fx, "sub.d/h", "not owned by hookline's user or root");
	assert_int_equal(chown(fx->dir, 65534, 65534), 0);
	expect_refused(fx, "h", "hooks folder is not owned");
	assert_int_equal(chown(fx->dir, 0, 0), 0);
}

/* 200 runs, some refused, some failing to exec: no fd left behind. */
static void
test_fds(void **state)
{
	struct fx *fx = *state;
	struct run_result res;
	struct err err;
	int before, i;

	hook(fx, "ok", "#!/bin/sh\necho x\n", 0755);
	hook(fx, "bad", "#!/bin/sh\nexit 0\n", 0777);
	hook(fx, "noint", "#!/nonexistent/sh\n", 0755);
	before = count_fds();
	for (i = 0; i < 200; i++) {
		const char *h = i % 10 == 0 ? "bad" : i % 10 == 1 ? "noint" :
		    "ok";

		(void)run(fx, h, NULL, "body", 4, 10, &res, &err);
		assert_int_equal(res.ran, h[0] == 'o');
		run_result_free(&res);
	}
	assert_int_equal(count_fds(), before);
}

int
main(int argc, char **argv)
{
	const char *mode = getenv("UNIT_HOOK");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exit_codes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_state, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_body_5mb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_unread, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chatty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_term, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stragglers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escapee, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_script_path, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fds, setup, teardown),
	};

	if (mode != NULL)
		return hook_main(mode, argc, argv);
	/* Orphans of a hook's group come to us rather than to pid 1, so
	 * the tests can reap them and see the group truly gone. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
