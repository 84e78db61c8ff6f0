/* run.h: run one hook: check it, execute it by its path with the body
 * on stdin and an environment built from nothing, under a deadline. */
#ifndef HOOKLINE_RUN_H
#define HOOKLINE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define RUN_TAIL_MAX	(64 * 1024)	/* kept of stdout and of stderr */

struct run_spec {
	const char		*hooks_dir;	/* absolute */
	const char		*relpath;	/* from route_resolve() */
	const char		*event;		/* argv[1] */
	const char *const	*env;		/* whole environment, NULL-ended */
	const unsigned char	*body;		/* written to stdin */
	size_t			 body_len;
	unsigned		 timeout;	/* seconds; then SIGTERM */
	unsigned		 kill_after;	/* seconds; then SIGKILL */
};

struct run_result {
	bool	 ran;		/* false: refused or could not start */
	int	 exit_code;	/* valid when exited */
	bool	 exited;
	int	 signal;	/* valid when !exited && ran */
	bool	 timed_out;
	long	 duration_ms;
	char	*out;		/* last RUN_TAIL_MAX bytes of stdout, owned;
				 * NUL-terminated (may hold NULs: use out_len);
				 * NULL when !ran */
	size_t	 out_len;
	char	*errout;	/* same for stderr */
	size_t	 errout_len;
};

/* Runs the hook and reaps it and its process group. Returns 0 when it
 * ran (whatever its exit), -1 when it was refused (see hook_check():
 * symlink leading out of hooks_dir, not a regular file, not executable,
 * group- or world-writable, owned by someone else, in a folder others
 * may write) or could not be started (exec failed, e.g. a missing #!
 * interpreter); err says why in a few words and never holds a path
 * (the caller knows it: hooks_dir/relpath). res is filled in both cases and must
 * be released with run_result_free(). (Also -1 with res->ran set if
 * the run could not be supervised, e.g. poll() failed: it was killed.)
 *
 * The hook's group is SIGTERMed at timeout, SIGKILLed kill_after s
 * later. Once the hook itself exits, what is left of its group is
 * SIGKILLed: at once if its stdout and stderr are closed, else after a
 * 1 s grace. SIGPIPE needs no care from the caller (blocked and taken
 * back here); SIGCHLD must not be SIG_IGN, and no other thread may
 * wait for any child (waitpid(-1)), or the status is lost.
 * argv is hooks_dir/relpath, then event: a #! script's $0 is its path.
 * The hook's fds are 0, 1 and 2 only. */
int	run_hook(const struct run_spec *spec, struct run_result *res,
	    struct err *err);
void	run_result_free(struct run_result *res);
/* 1 when the result counts as success (exited 0). */
int	run_ok(const struct run_result *res);

#endif
