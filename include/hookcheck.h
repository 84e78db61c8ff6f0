/* hookcheck.h: may this file run as a hook: the checks made before execve. */
#ifndef HOOKLINE_HOOKCHECK_H
#define HOOKLINE_HOOKCHECK_H

#include "err.h"

/* 1 when relpath is what route_resolve() makes ("E", "E.d/NAME",
 * "_default"): at most one '/', no empty, "." or ".." component, no
 * leading dot. Else 0. */
int	hook_relpath_valid(const char *relpath);

/* 0 when abspath (= hooks_dir/relpath, hooks_dir absolute) may be run
 * by its path: the hooks folder, and the E.d/ folder if any, owned by
 * our effective user or root and not writable by group or others (E.d/
 * not a symlink); the hook a regular file, executable, not writable by
 * group or others, owned by our user or root; a symlink only if it
 * resolves inside the hooks folder, through folders checked as above.
 * Each is checked on an fd opened without following symlinks.
 * Else -1, and err says why in a few words without any path (it may go
 * to the sender): "not executable", "symlink leads out of the hooks
 * folder", "cannot open: No such file or directory", ... */
int	hook_check(const char *hooks_dir, const char *relpath,
	    const char *abspath, struct err *err);

#endif
